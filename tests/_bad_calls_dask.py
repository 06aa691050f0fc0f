"""Bad calls of refconv.dask: the same refusals as in memory, the in-memory budget of the padding, masked
and complex Dask arrays."""

import numpy as np
from _bad_calls_row import bad

try:
    import dask.array as da

    import refconv.dask as rdask
except ImportError:  # pragma: no cover - dask is in the test extra
    rdask = None

ROWS = (
    []
    if rdask is None
    else [
        bad(rdask.correlate, "abc", np.ones(2))
        >> (TypeError, r"^correlate: x='abc' is not an array; expected an array of numbers$"),
        bad(rdask.correlate, da.ones((1,) * 17), np.ones((1,) * 17))
        >> (
            ValueError,
            r"^correlate: x=dask.array<.* has 17 axes, more than refconv supports; expected at most 16 axes",
        ),
        bad(rdask.max_pool, da.from_array(np.ma.array([1.0, 2.0], mask=[0, 1])), 2)
        >> (
            TypeError,
            r"^max_pool: x=dask.array<.* is a masked Dask array, whose mask refconv cannot honour; expected a plain",
        ),
        bad(rdask.avg_pool, np.ma.array([1.0, 2.0], mask=[0, 1]), 2)
        >> (TypeError, r"^avg_pool: x=<masked array shape=\(2,\) dtype=float64> has 1 masked entries of 2"),
        bad(rdask.max_pool, np.array([1 + 1j, 2]), 2)
        >> (TypeError, r"^max_pool: x=dask.array<.* is complex, which has no order; expected real numbers$"),
        bad(rdask.correlate, np.arange(5), np.ones(2), mode="sam")
        >> (ValueError, r"^correlate: mode='sam' is not recognised"),
        bad(rdask.convolve, np.arange(5), np.ones(2), stride=0)
        >> (ValueError, r"^convolve: stride=0 has an entry 0 < 1"),
        bad(rdask.convolve, np.arange(5), "w") >> (TypeError, r"^convolve: w='w' is not an array"),
        bad(rdask.conv, np.ones((1, 2, 4)), np.ones((1, 2, 2)), padding_mode="constant")
        >> (
            ValueError,
            r"^conv: padding_mode='constant' is not a refconv name \(numpy's 'constant' is torch's 'zeros'\)",
        ),
        bad(rdask.conv, np.ones((1, 2, 4)), np.ones((1, 2, 2)), bias="b")
        >> (TypeError, r"^conv: bias='b' is not an array"),
        bad(rdask.max_pool, np.ones(5), 2, padding=2)
        >> (ValueError, r"^max_pool: padding=2 is more than half the window"),
        bad(rdask.avg_pool, np.ones(5), 2, divisor_override=0)
        >> (ValueError, r"^avg_pool: divisor_override=0 is zero"),
        bad(rdask.lp_pool, np.ones(5), -1, 2) >> (ValueError, r"^lp_pool: p=-1 is not positive"),
        bad(rdask.max_pool, np.ones(3), [None, []])
        >> (TypeError, r"^max_pool: kernel_size=\(None, \[\]\) is not a shape; expected a tuple of ints"),
        bad(rdask.lp_pool, np.array([[3, 4, 5]]), 1, 10**9, ceil_mode=True)
        >> (ValueError, r"^lp_pool: kernel_size=\(1000000000,\) needs a padded input of shape \(1, 1000000000\)"),
        bad(rdask.conv, np.ones((1, 1, 2)), np.ones((1, 1, 1)), np.nan)
        >> (ValueError, r"^conv: bias.shape=\(\) does not match the 1 output channels; expected bias of shape \(1,\)"),
        bad(rdask.correlate, np.array(["2026-12-03"], dtype="datetime64[D]"), np.ones(1))
        >> (
            TypeError,
            r"^correlate: x=<ndarray shape=\(1,\) dtype=datetime64\[D\]> has dtype datetime64\[D\]; expected an "
            r"integer, float, complex or object array$",
        ),
        # Out of core the input may be huge, but not its padding: the in-memory budget, beyond x.
        bad(rdask.correlate, np.arange(5), np.ones(2), mode=((10**9, 0),), boundary="wrap")
        >> (
            ValueError,
            r"^correlate: mode=\(\(1000000000, 0\),\) needs a padded input of shape \(1000000005,\), "
            r"1,000,000,005 cells, over the limit of 100,000,000 cells beyond the operands' 5",
        ),
        bad(rdask.conv, np.ones((1, 1, 4)), np.ones((1, 1, 2)), padding=10**9)
        >> (ValueError, r"^conv: padding=1000000000 needs a padded input of shape \(1, 1, 2000000004\)"),
    ]
)
