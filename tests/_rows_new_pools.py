"""Bad calls of the pools of issue 23 (adaptive_avg_pool, adaptive_max_pool, max_unpool,
fractional_max_pool), in the bad-call table format (``_bad_calls_row.bad``).

They belong to the ``pooling`` table (``test_each_row_is_in_the_table_of_its_module``), which
appends them: ``_bad_calls_pooling.py`` ends with ``ROWS += NEW_POOL_ROWS``.  The file name keeps
them out of the ``_bad_calls_*.py`` glob, so they are collected once."""

import numpy as np
import sympy
from _bad_calls_row import bad, exactly

from refconv.pooling import adaptive_avg_pool, adaptive_max_pool, fractional_max_pool, max_unpool

X = np.arange(16).reshape(1, 1, 4, 4)
S = np.zeros((1, 1, 2))  # fractional samples for X
a = sympy.Symbol("a")
_SIZES = "expected an int >= 1, or a tuple of ints >= 1 (or None: keep that axis's length)"
_LIMIT = r"over the limit of 100,000,000 cells .*\(refconv.spec.CELL_LIMIT\)"

NEW_POOL_ROWS = [
    # adaptive pools: x, output_size, axes, return_indices
    bad(adaptive_avg_pool, None, 2)
    >> (TypeError, exactly("adaptive_avg_pool: x=None is not an array; expected an array of numbers")),
    bad(adaptive_avg_pool, X, "3")
    >> (TypeError, exactly(f"adaptive_avg_pool: output_size='3' is not an int or a tuple of ints; {_SIZES}")),
    bad(adaptive_avg_pool, X, (0, 2))
    >> (ValueError, exactly(f"adaptive_avg_pool: output_size=(0, 2) has an entry 0 < 1; {_SIZES}")),
    bad(adaptive_max_pool, X, (2.5,))
    >> (TypeError, r"adaptive_max_pool: output_size=\(2.5,\) has an entry 2.5 that is not an int"),
    bad(adaptive_avg_pool, X, ()) >> (ValueError, r"adaptive_avg_pool: output_size=\(\) is empty"),
    bad(adaptive_avg_pool, [1, 2], (1, 1))
    >> (
        ValueError,
        exactly("adaptive_avg_pool: output_size=(1, 1) has 2 entries but x.ndim=1; expected at most x.ndim lengths"),
    ),
    bad(adaptive_avg_pool, X, (2, 2), axes=(0,))
    >> (
        ValueError,
        r"adaptive_avg_pool: axes=\(0,\) names 1 axes but output_size=\(2, 2\) has 2 entries; expected one axis",
    ),
    bad(adaptive_max_pool, X, (2, 2), axes=1)
    >> (ValueError, r"adaptive_max_pool: axes=1 names 1 axes but output_size"),
    bad(adaptive_avg_pool, X, 2, axes=(7,)) >> (ValueError, r"axes=\(7,\) has axis 7 out of range for x.ndim=4"),
    bad(adaptive_avg_pool, X, 2, axes="a")
    >> (TypeError, r"adaptive_avg_pool: axes='a' is not an int or a tuple of ints"),
    bad(adaptive_avg_pool, X, (2, 2), axes=(2, 2)) >> (ValueError, r"axes=\(2, 2\) repeats an axis"),
    bad(adaptive_max_pool, np.zeros((2, 0)), 1)
    >> (ValueError, r"adaptive_max_pool: x=<ndarray shape=\(2, 0\) dtype=float64> has length 0 along pooled axis 1"),
    bad(adaptive_avg_pool, [1], 10**9)
    >> (ValueError, r"adaptive_avg_pool: output_size=1000000000 needs an output .*" + _LIMIT),
    bad(adaptive_avg_pool, np.zeros((0, 3)), 10**9)
    >> (ValueError, r"adaptive_avg_pool: output_size=1000000000 needs window tables of shape \(2000000000,\)"),
    bad(adaptive_max_pool, X, 2, return_indices=1)
    >> (TypeError, exactly("adaptive_max_pool: return_indices=1 is not a bool; expected True or False")),
    bad(adaptive_max_pool, np.array([1j, 2]), 1)
    >> (TypeError, r"adaptive_max_pool: x=.* is complex, which has no order"),
    bad(adaptive_max_pool, np.array([a, 1], dtype=object), 1)
    >> (TypeError, r"adaptive_max_pool: x=.* cannot be ordered"),
    # max_unpool: x, indices, kernel_size, stride, padding, output_size, accumulate
    bad(max_unpool, "ab", [0], 2) >> (TypeError, r"max_unpool: x='ab' is not an array"),
    bad(max_unpool, [1], [0], 0) >> (ValueError, r"max_unpool: kernel_size=\(0,\) has a length 0 < 1"),
    bad(max_unpool, [1], [0], (2, 2))
    >> (
        ValueError,
        exactly("max_unpool: kernel_size=(2, 2) has 2 entries but x.ndim=1; expected at most x.ndim lengths"),
    ),
    bad(max_unpool, [1], [0], 2, stride=0) >> (ValueError, r"max_unpool: stride=0 has an entry 0 < 1"),
    bad(max_unpool, [1], [0], 2, padding=-1) >> (ValueError, r"max_unpool: padding=-1 has a negative pad"),
    bad(max_unpool, [1], [0], 2, padding=1)
    >> (
        ValueError,
        r"max_unpool: padding=1 leaves no output on axis 0: \(m-1\)\*s \+ k - lo - hi = \(1-1\)\*2 \+ 2 - 1 - 1 = 0",
    ),
    bad(max_unpool, [1], [0], 2, output_size=(1, 2, 3))
    >> (ValueError, r"max_unpool: output_size=\(1, 2, 3\) has 3 entries"),
    bad(max_unpool, [1], [0], 2, output_size=(4,))
    >> (
        ValueError,
        r"output_size=\(4,\) is 4 on axis 0, outside the default length 2 -\+ stride 2 .*in \(0, 4\) \(as torch\)",
    ),
    bad(max_unpool, [1], [0], 2, output_size=2.0) >> (TypeError, r"max_unpool: output_size=2.0 is not a tuple of ints"),
    bad(max_unpool, [1], [0], 1, stride=10**9, output_size=(10**9,))
    >> (ValueError, r"max_unpool: output_size=\(1000000000,\) needs an output .*" + _LIMIT),
    bad(max_unpool, [1], [0.0], 2)
    >> (TypeError, r"max_unpool: indices=\[0.0\] has dtype float64; expected an integer array"),
    bad(max_unpool, [1, 2], [0], 2)
    >> (ValueError, exactly("max_unpool: indices=[0] has shape (1,) but x.shape=(2,); expected x's shape")),
    bad(max_unpool, [1, 2], [0, 4], 2)
    >> (
        ValueError,
        exactly(
            "max_unpool: indices=[0, 4] holds 4 at (1,), outside the unpooled plane of 4 cells; "
            "expected flat indices in [0, 4)"
        ),
    ),
    bad(max_unpool, [1, 2], [-1, 0], 2) >> (ValueError, r"max_unpool: indices=\[-1, 0\] holds -1 at \(0,\), outside"),
    bad(max_unpool, [1], [0], 2, accumulate="yes") >> (TypeError, r"max_unpool: accumulate='yes' is not a bool"),
    # fractional_max_pool: x, kernel_size, output_size, samples, return_indices
    bad(fractional_max_pool, X, 2, 2, [[0.5, 0.5]])
    >> (ValueError, r"samples=.* has shape \(1, 2\), not x.shape\[:-2\] \+ \(2,\) = \(1, 1, 2\)"),
    bad(fractional_max_pool, X, 2, 2, np.array([[[0.5, 1.0]]]))
    >> (ValueError, r"fractional_max_pool: samples=.* holds np.float64\(1.0\); expected samples in \[0, 1\)"),
    bad(fractional_max_pool, X, 2, 2, np.array([[[-0.1, 0.5]]]))
    >> (ValueError, r"holds np.float64\(-0.1\); expected samples in \[0, 1\)"),
    bad(fractional_max_pool, X, 2, 2, np.array([[[np.nan, 0.5]]]))
    >> (ValueError, r"holds np.float64\(nan\); expected samples in"),
    bad(fractional_max_pool, X, 2, 2, np.array([[[a, 0]]], dtype=object))
    >> (TypeError, r"samples=.* holds an irrational or symbolic entry; expected rational samples"),
    bad(fractional_max_pool, [1, 2], 1, 1, [0.5j]) >> (TypeError, r"fractional_max_pool: samples=.* is complex"),
    bad(fractional_max_pool, [1, 2], 1, 1, [0, 0, 0])
    >> (
        ValueError,
        exactly(
            "fractional_max_pool: samples=[0, 0, 0] has a last axis of 3; expected 1 to x.ndim=1 samples per plane"
        ),
    ),
    bad(fractional_max_pool, [1, 2], 1, 1, 0.5) >> (ValueError, r"samples=0.5 has a last axis of 0"),
    bad(fractional_max_pool, X, 2, (3, 4), S)
    >> (ValueError, r"output_size=\(3, 4\) needs output_size \+ kernel_size - 1 = 4\+2-1 = 5 cells on axis 1, x has 4"),
    bad(fractional_max_pool, X, 0, 2, S) >> (ValueError, r"fractional_max_pool: kernel_size=\(0,\) has a length 0 < 1"),
    bad(fractional_max_pool, X, 2, (2, 2, 2), S)
    >> (ValueError, r"output_size=\(2, 2, 2\) has 3 entries but samples name 2 pooled axes"),
    bad(fractional_max_pool, X, (2,), 2, S)
    >> (ValueError, r"kernel_size=\(2,\) has 1 entries but samples name 2 pooled axes"),
    bad(fractional_max_pool, np.ones(3, complex), 1, 2, [0.5])
    >> (TypeError, r"fractional_max_pool: x=.* is complex, which has no order"),
    bad(fractional_max_pool, np.array([a, 1, 2], dtype=object), 2, 2, [0.5])
    >> (TypeError, r"fractional_max_pool: x=.* cannot be ordered"),
    bad(fractional_max_pool, [1, 2], 1, 1, [0.5], return_indices=None)
    >> (TypeError, r"return_indices=None is not a bool"),
]
