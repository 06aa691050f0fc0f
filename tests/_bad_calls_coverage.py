"""Bad calls of the public functions no other table covered, of ``refconv.dask``, and of the
resource guards (``refconv.spec.CELL_LIMIT``, ``refconv.pooling.POWER_BITS_LIMIT``)."""

import numpy as np
import pytest

from refconv import (
    circulant_eigenvalues,
    conv,
    conv_cost,
    conv_matrix,
    conv_transpose,
    doubly_block_circulant,
    global_avg_pool,
    global_lp_pool,
    global_max_pool,
    global_weighted_pool,
    layer_matrix,
    locally_connected_weight_shape,
    lp_pool,
    pooled_unchanged_fraction,
)


def row(call, exc, match, id):
    return pytest.param(call, exc, match, id=f"coverage-{id}")


ROWS = [
    # global_lp_pool
    row(lambda: global_lp_pool([1, 2], 0), ValueError, r"^global_lp_pool: p=0 is not positive", "glp-p-zero"),
    row(lambda: global_lp_pool([1, 2], "2"), TypeError, r"^global_lp_pool: p='2' is not a real number", "glp-p-str"),
    row(lambda: global_lp_pool([1, 2], True), TypeError, r"^global_lp_pool: p=True is not a real number", "glp-p-bool"),
    row(
        lambda: global_lp_pool([[1, 2]], 2, axes=(5,)),
        ValueError,
        r"^global_lp_pool: axes=\(5,\) has axis 5 out of range for x.ndim=2",
        "glp-axes",
    ),
    row(lambda: global_lp_pool(3, 2), ValueError, r"^global_lp_pool: x=3 is 0-dimensional", "glp-scalar"),
    row(lambda: global_lp_pool(np.array([True]), 2), TypeError, r"^global_lp_pool: x=.*is a bool array", "glp-bool"),
    row(
        lambda: global_lp_pool(np.zeros((2, 0)), 2),
        ValueError,
        r"^global_lp_pool: x=.* has length 0 on pooled axis 1 \(x.shape=\(2, 0\)\)",
        "glp-empty-axis",
    ),
    row(
        lambda: global_lp_pool([2, 3], 10**7),
        ValueError,
        r"^global_lp_pool: p=10000000 is exactly 10000000/1.*about 20,000,000 bits.*POWER_BITS_LIMIT",
        "glp-power",
    ),
    # global_weighted_pool (its errors name itself, not weighted_pool)
    row(
        lambda: global_weighted_pool([1, 2, 3], "w"),
        TypeError,
        r"^global_weighted_pool: weight='w' is neither a callable nor an array",
        "gwp-weight-str",
    ),
    row(
        lambda: global_weighted_pool([1, 2, 3], lambda d: -1),
        ValueError,
        r"^global_weighted_pool: weight=.* gives -1 at tap \(0,\); expected finite weights >= 0",
        "gwp-negative",
    ),
    row(
        lambda: global_weighted_pool([1, 2, 3], [1, 2]),
        ValueError,
        r"^global_weighted_pool: weight=\[1, 2\] has shape \(2,\), not kernel_size=\(3,\)",
        "gwp-shape",
    ),
    row(
        lambda: global_weighted_pool([[1, 2, 3]], lambda d: 1, axes=(0, 0)),
        ValueError,
        r"^global_weighted_pool: axes=\(0, 0\) repeats an axis",
        "gwp-axes",
    ),
    row(
        lambda: global_weighted_pool(5, lambda d: 1),
        ValueError,
        r"^global_weighted_pool: x=5 is 0-dimensional",
        "gwp-0d",
    ),
    row(
        lambda: global_weighted_pool([1, 2, 3], lambda d: 0.5),
        TypeError,
        r"^global_weighted_pool: weight=.* gives float64 weights while x is exact",
        "gwp-float-weights",
    ),
    row(
        lambda: global_weighted_pool([1, 2, 3], [0, 0, 0]),
        ValueError,
        r"^global_weighted_pool: weight=\[0, 0, 0\] gives window \(0,\) a total weight of zero",
        "gwp-zero-total",
    ),
    # locally_connected_weight_shape
    row(
        lambda: locally_connected_weight_shape((5,), (2,), mode="bogus"),
        ValueError,
        r"^locally_connected_weight_shape: mode='bogus' is not recognised",
        "lcws-mode",
    ),
    row(
        lambda: locally_connected_weight_shape((5,), (2,), stride=0),
        ValueError,
        r"^locally_connected_weight_shape: stride=0 has an entry 0 < 1",
        "lcws-stride",
    ),
    row(
        lambda: locally_connected_weight_shape((5,), (2,), dilation=1.5),
        TypeError,
        r"^locally_connected_weight_shape: dilation=1.5 is not an integer",
        "lcws-dilation",
    ),
    row(
        lambda: locally_connected_weight_shape((5,), (6,)),
        ValueError,
        r"^locally_connected_weight_shape: .*\(6,\) does not fit .*\(5,\) along axis 0",
        "lcws-no-fit",
    ),
    # the other global pools and figure 9.8's experiment, on degenerate inputs
    row(
        lambda: global_max_pool(np.zeros((3, 0))),
        ValueError,
        r"^global_max_pool: x=.* has length 0 on pooled axis 1",
        "gmp-empty-axis",
    ),
    row(
        lambda: global_avg_pool(np.zeros((0, 3)), axes=(0,)),
        ValueError,
        r"^global_avg_pool: x=.* has length 0 on pooled axis 0",
        "gap-empty-axis",
    ),
    row(
        lambda: global_max_pool(np.array([1, 2]), return_indices=1),
        TypeError,
        r"^global_max_pool: return_indices=1 is not a bool",
        "gmp-indices-int",
    ),
    row(
        lambda: pooled_unchanged_fraction(np.zeros((0, 2)), 1),
        ValueError,
        r"^pooled_unchanged_fraction: x=.* of shape \(0, 2\) gives no pooled outputs to compare",
        "puf-no-outputs",
    ),
    # the memory budget: every allocation sized first (refconv.spec.CELL_LIMIT)
    row(
        lambda: conv(np.ones((1, 1, 4)), np.ones((1, 1, 2)), padding=10**9),
        ValueError,
        r"^conv: padding=1000000000 needs a padded input of shape \(1, 1, 2000000004\), 2,000,000,004 cells",
        "budget-conv-padding",
    ),
    row(
        lambda: conv_transpose(np.ones((2, 1, 3)), np.ones((1, 1, 2)), stride=10**8),
        ValueError,
        r"^conv_transpose: stride=100000000 needs a stride-dilated input of shape \(2, 1, 200000001\)",
        "budget-transpose-grid",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 3)), dilation=10**9),
        ValueError,
        r"^conv_transpose: dilation=1000000000 needs a padded input of shape \(1, 1, 4000000003\)",
        "budget-transpose-dilation",
    ),
    row(
        lambda: conv_matrix(np.ones(3), (10**9,), format="sparse"),
        ValueError,
        r"^conv_matrix: input_shape=\(1000000000,\) needs an index table \(outputs x taps\) of shape "
        r"\(999999998, 3\), 2,999,999,994 cells",
        "budget-sparse-matrix",
    ),
    row(
        lambda: layer_matrix(np.ones((2, 1, 3)), (1, 10**9), format="sparse"),
        ValueError,
        r"^layer_matrix: input_shape=\(1000000000,\) needs an index table \(outputs x taps\) of shape "
        r"\(1999999996, 3\)",
        "budget-layer-matrix",
    ),
    row(
        lambda: doubly_block_circulant(np.ones((2, 2)), (10**5, 10**5), format="sparse"),
        ValueError,
        r"^doubly_block_circulant: input_shape=\(100000, 100000\) needs an index table",
        "budget-block-circulant",
    ),
    row(
        lambda: circulant_eigenvalues(np.ones(3), (10**9,), exact=False),
        ValueError,
        r"^circulant_eigenvalues: input_shape=\(1000000000,\) needs an index table",
        "budget-eigenvalues",
    ),
    row(
        lambda: conv_cost((10**9,), (10**3,)),
        ValueError,
        r"^conv_cost: input_shape=\(1000000000,\) needs an index table on axis 0 of shape \(999999001, 1000\)",
        "budget-cost",
    ),
    row(
        lambda: lp_pool([4, 4], 0.1, 2),
        ValueError,
        r"^lp_pool: p=0.1 is exactly 3602879701896397/36028797018963968.*Fraction\(1, 10\), not 0.1",
        "budget-lp-float-p",
    ),
    row(
        lambda: circulant_eigenvalues(np.array([10**400], dtype=object), (1,), exact=False),
        ValueError,
        r"^circulant_eigenvalues: exact=False needs w as complex floats",
        "eigenvalues-huge-int-fft",
    ),
]

try:
    import dask.array as da

    import refconv.dask as rdask
except ImportError:  # pragma: no cover - dask is in the test extra
    rdask = None

if rdask is not None:
    ROWS += [
        row(
            lambda: rdask.correlate("abc", np.ones(2)),
            TypeError,
            r"^correlate: x='abc' is not an array; expected an array of numbers$",
            "dask-x",
        ),
        row(
            lambda: rdask.correlate(da.ones((1,) * 17), np.ones((1,) * 17)),
            ValueError,
            r"^correlate: x=dask.array<.* has 17 axes, more than refconv supports; expected at most 16 axes",
            "dask-x-rank",
        ),
        row(
            lambda: rdask.max_pool(da.from_array(np.ma.array([1.0, 2.0], mask=[0, 1])), 2),
            TypeError,
            r"^max_pool: x=dask.array<.* is a masked Dask array, whose mask refconv cannot honour; expected a plain",
            "dask-x-masked",
        ),
        row(
            lambda: rdask.avg_pool(np.ma.array([1.0, 2.0], mask=[0, 1]), 2),
            TypeError,
            r"^avg_pool: x=<masked array shape=\(2,\) dtype=float64> has 1 masked entries of 2",
            "dask-x-masked-numpy",
        ),
        row(
            lambda: rdask.max_pool(np.array([1 + 1j, 2]), 2),
            TypeError,
            r"^max_pool: x=dask.array<.* is complex, which has no order; expected real numbers$",
            "dask-max-complex",
        ),
        row(
            lambda: rdask.correlate(np.arange(5), np.ones(2), mode="sam"),
            ValueError,
            r"^correlate: mode='sam' is not recognised",
            "dask-mode",
        ),
        row(
            lambda: rdask.convolve(np.arange(5), np.ones(2), stride=0),
            ValueError,
            r"^convolve: stride=0 has an entry 0 < 1",
            "dask-stride",
        ),
        row(
            lambda: rdask.convolve(np.arange(5), "w"),
            TypeError,
            r"^convolve: w='w' is not an array",
            "dask-w",
        ),
        row(
            lambda: rdask.conv(np.ones((1, 2, 4)), np.ones((1, 2, 2)), padding_mode="constant"),
            ValueError,
            r"^conv: padding_mode='constant' is not a refconv name \(numpy's 'constant' is torch's 'zeros'\)",
            "dask-padding-mode",
        ),
        row(
            lambda: rdask.conv(np.ones((1, 2, 4)), np.ones((1, 2, 2)), bias="b"),
            TypeError,
            r"^conv: bias='b' is not an array",
            "dask-bias",
        ),
        row(
            lambda: rdask.max_pool(np.ones(5), 2, padding=2),
            ValueError,
            r"^max_pool: padding=2 is more than half the window",
            "dask-max-pad",
        ),
        row(
            lambda: rdask.avg_pool(np.ones(5), 2, divisor_override=0),
            ValueError,
            r"^avg_pool: divisor_override=0 is zero",
            "dask-avg-divisor",
        ),
        row(lambda: rdask.lp_pool(np.ones(5), -1, 2), ValueError, r"^lp_pool: p=-1 is not positive", "dask-lp-p"),
        row(
            lambda: rdask.max_pool(np.ones(3), [None, []]),
            TypeError,
            r"^max_pool: kernel_size=\(None, \[\]\) is not a shape; expected a tuple of ints",
            "dask-max-kernel-junk",
        ),
        row(
            lambda: rdask.lp_pool(np.array([[3, 4, 5]]), 1, 10**9, ceil_mode=True),
            ValueError,
            r"^lp_pool: kernel_size=\(1000000000,\) needs a padded input of shape \(1, 1000000000\)",
            "dask-lp-ceil-huge-window",
        ),
        row(
            lambda: rdask.conv(np.ones((1, 1, 2)), np.ones((1, 1, 1)), np.nan),
            ValueError,
            r"^conv: bias.shape=\(\) does not match the 1 output channels; expected bias of shape \(1,\)",
            "dask-conv-scalar-bias",
        ),
        row(
            lambda: rdask.correlate(np.array(["2026-12-03"], dtype="datetime64[D]"), np.ones(1)),
            TypeError,
            r"^correlate: x=<ndarray shape=\(1,\) dtype=datetime64\[D\]> has dtype datetime64\[D\]; expected an "
            r"integer, float, complex or object array$",
            "dask-datetime",
        ),
        # Out of core the input may be huge, but not its padding: the in-memory budget, beyond x.
        row(
            lambda: rdask.correlate(np.arange(5), np.ones(2), mode=((10**9, 0),), boundary="wrap"),
            ValueError,
            r"^correlate: mode=\(\(1000000000, 0\),\) needs a padded input of shape \(1000000005,\), "
            r"1,000,000,005 cells, over the limit of 100,000,000 cells beyond the operands' 5",
            "dask-huge-pad",
        ),
        row(
            lambda: rdask.conv(np.ones((1, 1, 4)), np.ones((1, 1, 2)), padding=10**9),
            ValueError,
            r"^conv: padding=1000000000 needs a padded input of shape \(1, 1, 2000000004\)",
            "dask-conv-huge-pad",
        ),
    ]
