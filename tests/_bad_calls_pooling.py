"""Bad calls of the pooling functions (max_pool, avg_pool, lp_pool, weighted_pool, global forms)."""

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from refconv.pooling import (
    avg_pool,
    global_avg_pool,
    global_max_pool,
    lp_pool,
    lp_pool_torch,
    max_pool,
    pooled_unchanged_fraction,
    weighted_pool,
)

X = np.arange(16).reshape(4, 4)
x1 = [1, 2, 3, 4]


def row(call, exc, match, id):
    return pytest.param(call, exc, match, id=id)


ROWS = [
    # geometry: the window must fit the padded input (ceil mode: output length >= 1, as torch)
    row(
        lambda: max_pool([1, 2], 3),
        ValueError,
        r"max_pool: kernel_size=\(3,\) does not fit x.shape\[axes\]=\(2,\).*3 cells.*n\+lo\+hi = 2\+0\+0 = 2",
        "pool-window-too-long",
    ),
    row(
        lambda: max_pool(X, (2, 5)),
        ValueError,
        r"kernel_size=\(2, 5\) does not fit x.shape\[axes\]=\(4, 4\) on axis 1",
        "pool-window-too-wide",
    ),
    row(
        lambda: max_pool([1, 2, 3], 2, dilation=3),
        ValueError,
        r"d\*\(k-1\)\+1 = 3\*\(2-1\)\+1 = 4 cells",
        "pool-dilated-too-long",
    ),
    row(
        lambda: max_pool([1, 2, 3], 5, stride=2, ceil_mode=True),
        ValueError,
        r"kernel_size=\(5,\).*ceil_mode allows only stride-1 = 1 more \(output length 0\)",
        "pool-ceil-no-output",
    ),
    row(
        lambda: avg_pool([1], 4, stride=1, ceil_mode=True),
        ValueError,
        r"avg_pool: kernel_size=\(4,\) does not fit.*output length -2",
        "pool-avg-ceil-no-output",
    ),
    row(
        lambda: max_pool(x1, 3, padding=2),
        ValueError,
        r"max_pool: padding=2 is more than half the window on axis 0: pad 2 > k//2 = 3//2 = 1.*as torch requires",
        "pool-pad-over-half",
    ),
    row(
        lambda: avg_pool(X, (2, 4), padding=((0, 0), (0, 3))),
        ValueError,
        r"avg_pool: padding=.*more than half the window on axis 1: pad 3 > k//2 = 4//2 = 2",
        "pool-pad-pair-over-half",
    ),
    row(
        lambda: max_pool(x1, 2, dilation=3, padding=2),
        ValueError,
        r"padding=2 is more than half.*k//2 = 2//2 = 1",
        "pool-pad-vs-k-not-extent",
    ),
    row(
        lambda: max_pool(x1, 2, padding=-1), ValueError, r"max_pool: padding=-1 has a negative pad", "pool-pad-negative"
    ),
    row(lambda: max_pool(x1, 2, padding="same"), TypeError, r"max_pool: padding='same' is a string", "pool-pad-str"),
    row(lambda: max_pool(x1, 2, padding=1.0), TypeError, r"padding=1.0 is not a padding", "pool-pad-float"),
    row(lambda: max_pool(x1, 2, stride=0), ValueError, r"max_pool: stride=0 has an entry 0 < 1", "pool-stride-zero"),
    row(
        lambda: max_pool(X, 2, stride=(1, 2)),
        ValueError,
        r"stride=\(1, 2\) has 2 entries but there are 1 axes",
        "pool-stride-length",
    ),
    row(lambda: max_pool(x1, 2, dilation=0), ValueError, r"dilation=0 has an entry 0 < 1", "pool-dilation-zero"),
    row(lambda: max_pool(x1, 0), ValueError, r"max_pool: kernel_size=\(0,\) has a length 0 < 1", "pool-kernel-zero"),
    row(lambda: max_pool(x1, 2.0), TypeError, r"max_pool: kernel_size=2.0 is not a shape", "pool-kernel-float"),
    row(lambda: max_pool(x1, None), TypeError, r"kernel_size=None is not a shape", "pool-kernel-none"),
    row(
        lambda: max_pool(x1, (2, 2)),
        ValueError,
        r"max_pool: kernel_size=\(2, 2\) has 2 entries but x.ndim=1",
        "pool-kernel-rank",
    ),
    row(lambda: max_pool(x1, 2, ceil_mode=1), TypeError, r"max_pool: ceil_mode=1 is not a bool", "pool-ceil-int"),
    row(
        lambda: max_pool(x1, 2, return_indices="yes"),
        TypeError,
        r"return_indices='yes' is not a bool",
        "pool-indices-str",
    ),
    # axes
    row(
        lambda: max_pool(X, 2, axes=(2,)),
        ValueError,
        r"max_pool: axes=\(2,\) has axis 2 out of range for x.ndim=2",
        "pool-axes-range",
    ),
    row(lambda: max_pool(X, (2, 2), axes=(0, -2)), ValueError, r"axes=\(0, -2\) repeats an axis", "pool-axes-repeat"),
    row(
        lambda: max_pool(X, (2, 2), axes=(0,)),
        ValueError,
        r"axes=\(0,\) names 1 axes but kernel_size=\(2, 2\) has 2 entries",
        "pool-axes-count",
    ),
    row(
        lambda: max_pool(X, 2, axes=(1.0,)),
        TypeError,
        r"axes=\(1.0,\) is not an int or a tuple of ints",
        "pool-axes-float",
    ),
    row(lambda: max_pool(X, 2, axes="1"), TypeError, r"axes='1' is not an int or a tuple of ints", "pool-axes-str"),
    # operands
    row(lambda: max_pool("abc", 1), TypeError, r"max_pool: x='abc' is not an array", "pool-x-str"),
    row(
        lambda: max_pool(np.array([1 + 1j, 2]), 1),
        TypeError,
        r"max_pool: x=.* is complex, which has no order",
        "pool-max-complex",
    ),
    row(
        lambda: max_pool(np.array(sympy.symbols("a b"), dtype=object), 2),
        TypeError,
        r"max_pool: x=.*cannot be ordered.*SymPy symbols have none",
        "pool-max-symbols",
    ),
    row(
        lambda: max_pool([5], 2, stride=1, padding=1, dilation=2),
        ValueError,
        r"max_pool: dilation=2 with padding=1 leaves window \(0,\) holding padding only",
        "pool-max-exact-empty",
    ),
    row(lambda: avg_pool(np.array([True, False]), 1), TypeError, r"avg_pool: x=.*bool array", "pool-x-bool"),
    # avg
    row(
        lambda: avg_pool(x1, 2, divisor_override=0),
        ValueError,
        r"avg_pool: divisor_override=0 is zero",
        "pool-divisor-zero",
    ),
    row(
        lambda: avg_pool(x1, 2, divisor_override=1.5),
        TypeError,
        r"divisor_override=1.5 is not an int",
        "pool-divisor-float",
    ),
    row(
        lambda: avg_pool(x1, 2, count_include_pad="no"),
        TypeError,
        r"count_include_pad='no' is not a bool",
        "pool-cip-str",
    ),
    row(lambda: avg_pool(x1, 2, dilation=2), TypeError, r"dilation", "pool-avg-no-dilation"),
    # lp
    row(
        lambda: lp_pool(x1, 0, 2),
        ValueError,
        r"lp_pool: p=0 is not positive; expected p > 0 or math.inf",
        "pool-p-zero",
    ),
    row(lambda: lp_pool(x1, -2, 2), ValueError, r"lp_pool: p=-2 is not positive", "pool-p-negative"),
    row(lambda: lp_pool(x1, -math.inf, 2), ValueError, r"lp_pool: p=-inf is not positive", "pool-p-minus-inf"),
    row(lambda: lp_pool(x1, math.nan, 2), ValueError, r"lp_pool: p=nan is not positive", "pool-p-nan"),
    row(lambda: lp_pool(x1, "2", 2), TypeError, r"lp_pool: p='2' is not a real number", "pool-p-str"),
    row(lambda: lp_pool(x1, True, 2), TypeError, r"lp_pool: p=True is not a real number", "pool-p-bool"),
    row(lambda: lp_pool(x1, 2j, 2), TypeError, r"lp_pool: p=2j is not a real number", "pool-p-complex"),
    row(lambda: lp_pool(x1, 2, 2, padding=1), TypeError, r"padding", "pool-lp-no-padding"),
    row(
        lambda: lp_pool_torch(x1, 2, 2),
        TypeError,
        r"lp_pool_torch: x=.* has dtype int64; expected a float array",
        "pool-lp-peer-formula-int",
    ),
    # weighted
    row(
        lambda: weighted_pool(x1, 2, 3),
        TypeError,
        r"weighted_pool: weight=3 is neither a callable nor an array; expected a callable of the distance",
        "pool-weight-scalar",
    ),
    row(
        lambda: weighted_pool(x1, 2, "gauss"),
        TypeError,
        r"weight='gauss' is neither a callable nor an array",
        "pool-weight-str",
    ),
    row(
        lambda: weighted_pool(x1, 2, None),
        TypeError,
        r"weight=None is neither a callable nor an array",
        "pool-weight-none",
    ),
    row(
        lambda: weighted_pool(x1, 2, [1, 2, 3]),
        ValueError,
        r"weight=\[1, 2, 3\] has shape \(3,\), not kernel_size=\(2,\)",
        "pool-weight-shape",
    ),
    row(
        lambda: weighted_pool(x1, 2, [1, -1]),
        ValueError,
        r"weight=\[1, -1\] gives -1 at tap \(1,\).*weights >= 0",
        "pool-weight-negative",
    ),
    row(
        lambda: weighted_pool(np.ones(4), 2, lambda d: math.nan),
        ValueError,
        r"weight=.* gives nan at tap \(0,\)",
        "pool-weight-nan",
    ),
    row(
        lambda: weighted_pool(np.ones(4), 2, [1.0, math.inf]),
        ValueError,
        r"gives inf at tap \(1,\).*finite",
        "pool-weight-inf",
    ),
    row(
        lambda: weighted_pool(x1, 2, [0.5, 0.5]),
        TypeError,
        r"weight=\[0.5, 0.5\] gives float64 weights while x is exact",
        "pool-weight-float-exact-x",
    ),
    row(
        lambda: weighted_pool(x1, 2, lambda d: math.exp(-d)),
        TypeError,
        r"weight=.* gives float64 weights while x is exact",
        "pool-weight-callable-float",
    ),
    row(
        lambda: weighted_pool(x1, 2, [Fraction(1, 2), 0.5]),
        TypeError,
        r"weight=.* holds float 0.5",
        "pool-weight-mixed",
    ),
    row(
        lambda: weighted_pool(x1, 3, [1, 0, 0], stride=1, padding=1),
        ValueError,
        r"weight=\[1, 0, 0\] gives window \(0,\) a total weight of zero on its input cells",
        "pool-weight-zero-total",
    ),
    row(
        lambda: weighted_pool(x1, 2, lambda d: sympy.Symbol("c")),
        TypeError,
        r"gives c at tap \(0,\), whose sign is unknown",
        "pool-weight-symbolic",
    ),
    row(lambda: weighted_pool(x1, 2, [1j, 1]), TypeError, r"weight=.* is complex", "pool-weight-complex"),
    # global forms and figure 9.8
    row(lambda: global_max_pool(5), ValueError, r"global_max_pool: x=5 is 0-dimensional", "pool-global-0d"),
    # ceil_mode admits one window longer than the input; its overhang is padding under the budget
    row(
        lambda: lp_pool(np.array([[3, 4, 5]]), 1, 10**9, ceil_mode=True),
        ValueError,
        r"^lp_pool: kernel_size=\(1000000000,\) needs a padded input of shape \(1, 1000000000\), "
        r"1,000,000,000 cells, over the limit of 100,000,000 cells beyond the operands' 3",
        "pool-ceil-huge-window",
    ),
    row(
        lambda: max_pool(np.ones((2, 3)), (10**9,), ceil_mode=True),
        ValueError,
        r"^max_pool: kernel_size=\(1000000000,\) needs a padded input of shape \(2, 1000000000\)",
        "pool-max-ceil-huge-window",
    ),
    row(
        lambda: global_avg_pool(X, axes=[]),
        ValueError,
        r"^global_avg_pool: axes=\[\] is empty; expected at least one axis to pool over, or None for all",
        "pool-global-no-axes",
    ),
    row(
        lambda: global_avg_pool(X, axes=(0, 0)),
        ValueError,
        r"global_avg_pool: axes=\(0, 0\) repeats an axis",
        "pool-global-axes",
    ),
    row(
        lambda: pooled_unchanged_fraction(x1, 1, shift=0),
        ValueError,
        r"pooled_unchanged_fraction: shift=0 leaves no overlap.*1 <= shift < 4",
        "pool-shift-zero",
    ),
    row(lambda: pooled_unchanged_fraction(x1, 1, shift=4), ValueError, r"shift=4 leaves no overlap", "pool-shift-long"),
    row(lambda: pooled_unchanged_fraction(x1, 1, shift=1.0), TypeError, r"shift=1.0 is not an int", "pool-shift-float"),
    row(
        lambda: pooled_unchanged_fraction(X, 1, axis=2),
        ValueError,
        r"axis=2 is out of range for x.ndim=2",
        "pool-shift-axis",
    ),
    row(
        lambda: pooled_unchanged_fraction(x1, 1, pool="max"),
        TypeError,
        r"pool='max' is not callable",
        "pool-shift-pool",
    ),
    row(
        lambda: avg_pool(np.ones((1,) * 17), (1,)),
        ValueError,
        r"^avg_pool: x=<ndarray ndim=17 size=1 dtype=float64> has 17 axes, more than refconv supports",
        "pool-rank-17",
    ),
    row(
        lambda: global_max_pool(np.ones((1,) * 64)),
        ValueError,
        r"^global_max_pool: x=<ndarray ndim=64 .* has 64 axes, more than refconv supports; expected at most 16 axes",
        "pool-global-rank-64",
    ),
    row(
        lambda: max_pool(np.array([sympy.Float(1.5), 2], dtype=object), 2),
        TypeError,
        r"^max_pool: x=.* holds 1.50000000000000, a SymPy Float",
        "pool-sympy-float",
    ),
    row(
        lambda: lp_pool(np.array([sympy.nan, 2], dtype=object), 2, 2),
        TypeError,
        r"^lp_pool: x=.* holds nan, which is not finite",
        "pool-sympy-nan",
    ),
    row(
        lambda: weighted_pool([1, 2], 2, np.array([sympy.zoo, 1], dtype=object)),
        TypeError,
        r"^weighted_pool: weight=.* holds zoo, which is not finite",
        "pool-weight-zoo",
    ),
    row(
        lambda: avg_pool(np.ma.array([1, 2], mask=[1, 0]), 2),
        TypeError,
        r"^avg_pool: x=<masked array shape=\(2,\) dtype=int64> has 1 masked entries of 2",
        "pool-masked",
    ),
]
