"""Bad calls of refconv.pooling (max_pool, avg_pool, lp_pool, weighted_pool, the global forms and
pooled_unchanged_fraction), the resource guard ``POWER_BITS_LIMIT`` among them.

Rows built with ``exactly(...)`` pin the whole message: the problem and the "expected" part too, so that
a message that loses its function name, its hint or its advice fails.  Each is written out from the
documented format ``<function>: <param>=<value!r> <what is wrong>; expected <what is allowed>``."""

import math
from fractions import Fraction

import numpy as np
import sympy
from _bad_calls_row import bad, exactly

from refconv.pooling import (
    adaptive_avg_pool,
    adaptive_max_pool,
    avg_pool,
    fractional_max_pool,
    global_avg_pool,
    global_lp_pool,
    global_max_pool,
    global_weighted_pool,
    lp_pool,
    lp_pool_torch,
    max_pool,
    max_unpool,
    pooled_unchanged_fraction,
    weighted_pool,
)

X = np.arange(16).reshape(4, 4)
x1 = [1, 2, 3, 4]
_PAIRS_1 = "an int >= 0, 1 ints, or 1 (before, after) pairs"
_POWER_TAIL = (
    "over the limit of 1,000,000 (refconv.pooling.POWER_BITS_LIMIT); expected p with a small numerator and "
    "denominator (e.g. Fraction(1, 10), not 0.1), or float x"
)

ROWS = [
    # geometry: the window must fit the padded input (ceil mode: output length >= 1, as torch)
    bad(max_pool, [1, 2], 3)
    >> (
        ValueError,
        r"max_pool: kernel_size=\(3,\) does not fit x.shape\[axes\]=\(2,\).*3 cells.*n\+lo\+hi = 2\+0\+0 = 2",
    ),
    bad(max_pool, X, (2, 5)) >> (ValueError, r"kernel_size=\(2, 5\) does not fit x.shape\[axes\]=\(4, 4\) on axis 1"),
    bad(max_pool, [1, 2, 3], 2, dilation=3) >> (ValueError, r"d\*\(k-1\)\+1 = 3\*\(2-1\)\+1 = 4 cells"),
    bad(max_pool, [1, 2, 3], 5, stride=2, ceil_mode=True)
    >> (ValueError, r"kernel_size=\(5,\).*ceil_mode allows only stride-1 = 1 more \(output length 0\)"),
    bad(avg_pool, [1], 4, stride=1, ceil_mode=True)
    >> (ValueError, r"avg_pool: kernel_size=\(4,\) does not fit.*output length -2"),
    bad(max_pool, x1, 3, padding=2)
    >> (
        ValueError,
        r"max_pool: padding=2 is more than half the window on axis 0: pad 2 > k//2 = 3//2 = 1.*as torch requires",
    ),
    bad(avg_pool, X, (2, 4), padding=((0, 0), (0, 3)))
    >> (ValueError, r"avg_pool: padding=.*more than half the window on axis 1: pad 3 > k//2 = 4//2 = 2"),
    bad(max_pool, x1, 2, dilation=3, padding=2) >> (ValueError, r"padding=2 is more than half.*k//2 = 2//2 = 1"),
    bad(max_pool, x1, 2, padding=-1) >> (ValueError, r"max_pool: padding=-1 has a negative pad"),
    bad(max_pool, x1, 2, padding="same") >> (TypeError, r"max_pool: padding='same' is a string"),
    bad(max_pool, x1, 2, padding=1.0) >> (TypeError, r"padding=1.0 is not a padding"),
    bad(max_pool, x1, 2, stride=0) >> (ValueError, r"max_pool: stride=0 has an entry 0 < 1"),
    bad(max_pool, X, 2, stride=(1, 2)) >> (ValueError, r"stride=\(1, 2\) has 2 entries but there are 1 axes"),
    bad(max_pool, x1, 2, dilation=0) >> (ValueError, r"dilation=0 has an entry 0 < 1"),
    bad(max_pool, x1, 0) >> (ValueError, r"max_pool: kernel_size=\(0,\) has a length 0 < 1"),
    bad(max_pool, x1, 2.0) >> (TypeError, r"max_pool: kernel_size=2.0 is not a shape"),
    bad(max_pool, x1, None) >> (TypeError, r"kernel_size=None is not a shape"),
    bad(max_pool, x1, (2, 2)) >> (ValueError, r"max_pool: kernel_size=\(2, 2\) has 2 entries but x.ndim=1"),
    bad(max_pool, x1, 2, ceil_mode=1) >> (TypeError, r"max_pool: ceil_mode=1 is not a bool"),
    bad(max_pool, x1, 2, return_indices="yes") >> (TypeError, r"return_indices='yes' is not a bool"),
    # axes
    bad(max_pool, X, 2, axes=(2,)) >> (ValueError, r"max_pool: axes=\(2,\) has axis 2 out of range for x.ndim=2"),
    bad(max_pool, X, (2, 2), axes=(0, -2)) >> (ValueError, r"axes=\(0, -2\) repeats an axis"),
    bad(max_pool, X, (2, 2), axes=(0,))
    >> (ValueError, r"axes=\(0,\) names 1 axes but kernel_size=\(2, 2\) has 2 entries"),
    bad(max_pool, X, 2, axes=(1.0,)) >> (TypeError, r"axes=\(1.0,\) is not an int or a tuple of ints"),
    bad(max_pool, X, 2, axes="1") >> (TypeError, r"axes='1' is not an int or a tuple of ints"),
    # operands
    bad(max_pool, "abc", 1) >> (TypeError, r"max_pool: x='abc' is not an array"),
    bad(max_pool, np.array([1 + 1j, 2]), 1) >> (TypeError, r"max_pool: x=.* is complex, which has no order"),
    bad(max_pool, np.array(sympy.symbols("a b"), dtype=object), 2)
    >> (TypeError, r"max_pool: x=.*cannot be ordered.*SymPy symbols have none"),
    bad(max_pool, [5], 2, stride=1, padding=1, dilation=2)
    >> (ValueError, r"max_pool: dilation=2 with padding=1 leaves window \(0,\) holding padding only"),
    bad(avg_pool, np.array([True, False]), 1) >> (TypeError, r"avg_pool: x=.*bool array"),
    # avg
    bad(avg_pool, x1, 2, divisor_override=0) >> (ValueError, r"avg_pool: divisor_override=0 is zero"),
    bad(avg_pool, x1, 2, divisor_override=1.5) >> (TypeError, r"divisor_override=1.5 is not an int"),
    bad(avg_pool, x1, 2, count_include_pad="no") >> (TypeError, r"count_include_pad='no' is not a bool"),
    bad(avg_pool, x1, 2, dilation=0) >> (ValueError, r"^avg_pool: dilation=0 has an entry 0 < 1"),
    # lp
    bad(lp_pool, x1, 0, 2) >> (ValueError, r"lp_pool: p=0 is not positive; expected p > 0 or math.inf"),
    bad(lp_pool, x1, -2, 2) >> (ValueError, r"lp_pool: p=-2 is not positive"),
    bad(lp_pool, x1, -math.inf, 2) >> (ValueError, r"lp_pool: p=-inf is not positive"),
    bad(lp_pool, x1, math.nan, 2) >> (ValueError, r"lp_pool: p=nan is not positive"),
    bad(lp_pool, x1, "2", 2) >> (TypeError, r"lp_pool: p='2' is not a real number"),
    bad(lp_pool, x1, True, 2) >> (TypeError, r"lp_pool: p=True is not a real number"),
    bad(lp_pool, x1, 2j, 2) >> (TypeError, r"lp_pool: p=2j is not a real number"),
    bad(lp_pool, x1, 2, 2, padding=2)
    >> (ValueError, r"^lp_pool: padding=2 is more than half the window on axis 0: pad 2 > k//2 = 2//2 = 1"),
    bad(lp_pool_torch, x1, 2, 2) >> (TypeError, r"lp_pool_torch: x=.* has dtype int64; expected a float array"),
    # weighted
    bad(weighted_pool, x1, 2, 3)
    >> (TypeError, r"weighted_pool: weight=3 is neither a callable nor an array; expected a callable of the distance"),
    bad(weighted_pool, x1, 2, "gauss") >> (TypeError, r"weight='gauss' is neither a callable nor an array"),
    bad(weighted_pool, x1, 2, None) >> (TypeError, r"weight=None is neither a callable nor an array"),
    bad(weighted_pool, x1, 2, [1, 2, 3])
    >> (ValueError, r"weight=\[1, 2, 3\] has shape \(3,\), not kernel_size=\(2,\)"),
    bad(weighted_pool, x1, 2, [1, -1]) >> (ValueError, r"weight=\[1, -1\] gives -1 at tap \(1,\).*weights >= 0"),
    bad(weighted_pool, np.ones(4), 2, lambda d: math.nan) >> (ValueError, r"weight=.* gives nan at tap \(0,\)"),
    bad(weighted_pool, np.ones(4), 2, [1.0, math.inf]) >> (ValueError, r"gives inf at tap \(1,\).*finite"),
    bad(weighted_pool, x1, 2, [0.5, 0.5]) >> (TypeError, r"weight=\[0.5, 0.5\] gives float64 weights while x is exact"),
    bad(weighted_pool, x1, 2, lambda d: math.exp(-d))
    >> (TypeError, r"weight=.* gives float64 weights while x is exact"),
    bad(weighted_pool, x1, 2, [Fraction(1, 2), 0.5]) >> (TypeError, r"weight=.* holds float 0.5"),
    bad(weighted_pool, x1, 3, [1, 0, 0], stride=1, padding=1)
    >> (ValueError, r"weight=\[1, 0, 0\] gives window \(0,\) a total weight of zero on its input cells"),
    bad(weighted_pool, x1, 2, lambda d: sympy.Symbol("c"))
    >> (TypeError, r"gives c at tap \(0,\), whose sign is unknown"),
    bad(weighted_pool, x1, 2, [1j, 1]) >> (TypeError, r"weight=.* is complex"),
    # global forms and figure 9.8
    bad(global_max_pool, 5) >> (ValueError, r"global_max_pool: x=5 is 0-dimensional"),
    # ceil_mode admits one window longer than the input; its overhang is padding under the budget
    bad(lp_pool, np.array([[3, 4, 5]]), 1, 10**9, ceil_mode=True)
    >> (
        ValueError,
        r"^lp_pool: kernel_size=\(1000000000,\) needs a padded input of shape \(1, 1000000000\), "
        r"1,000,000,000 cells, over the limit of 100,000,000 cells beyond the operands' 3",
    ),
    bad(max_pool, np.ones((2, 3)), (10**9,), ceil_mode=True)
    >> (ValueError, r"^max_pool: kernel_size=\(1000000000,\) needs a padded input of shape \(2, 1000000000\)"),
    bad(global_avg_pool, X, axes=[])
    >> (ValueError, r"^global_avg_pool: axes=\[\] is empty; expected at least one axis to pool over, or None for all"),
    bad(global_avg_pool, X, axes=(0, 0)) >> (ValueError, r"global_avg_pool: axes=\(0, 0\) repeats an axis"),
    bad(pooled_unchanged_fraction, x1, 1, shift=0)
    >> (ValueError, r"pooled_unchanged_fraction: shift=0 leaves no overlap.*1 <= shift < 4"),
    bad(pooled_unchanged_fraction, x1, 1, shift=4) >> (ValueError, r"shift=4 leaves no overlap"),
    bad(pooled_unchanged_fraction, x1, 1, shift=1.0) >> (TypeError, r"shift=1.0 is not an int"),
    bad(pooled_unchanged_fraction, X, 1, axis=2) >> (ValueError, r"axis=2 is out of range for x.ndim=2"),
    bad(pooled_unchanged_fraction, x1, 1, pool="max") >> (TypeError, r"pool='max' is not callable"),
    bad(avg_pool, np.ones((1,) * 17), (1,))
    >> (ValueError, r"^avg_pool: x=<ndarray ndim=17 size=1 dtype=float64> has 17 axes, more than refconv supports"),
    bad(global_max_pool, np.ones((1,) * 64))
    >> (
        ValueError,
        r"^global_max_pool: x=<ndarray ndim=64 .* has 64 axes, more than refconv supports; expected at most 16 axes",
    ),
    bad(max_pool, np.array([sympy.Float(1.5), 2], dtype=object), 2)
    >> (TypeError, r"^max_pool: x=.* holds 1.50000000000000, a SymPy Float"),
    bad(lp_pool, np.array([sympy.nan, 2], dtype=object), 2, 2)
    >> (TypeError, r"^lp_pool: x=.* holds nan, which is not finite"),
    bad(weighted_pool, [1, 2], 2, np.array([sympy.zoo, 1], dtype=object))
    >> (TypeError, r"^weighted_pool: weight=.* holds zoo, which is not finite"),
    bad(avg_pool, np.ma.array([1, 2], mask=[1, 0]), 2)
    >> (TypeError, r"^avg_pool: x=<masked array shape=\(2,\) dtype=int64> has 1 masked entries of 2"),
    # global_lp_pool
    bad(global_lp_pool, [1, 2], 0) >> (ValueError, r"^global_lp_pool: p=0 is not positive"),
    bad(global_lp_pool, [1, 2], "2") >> (TypeError, r"^global_lp_pool: p='2' is not a real number"),
    bad(global_lp_pool, [1, 2], True) >> (TypeError, r"^global_lp_pool: p=True is not a real number"),
    bad(global_lp_pool, [[1, 2]], 2, axes=(5,))
    >> (ValueError, r"^global_lp_pool: axes=\(5,\) has axis 5 out of range for x.ndim=2"),
    bad(global_lp_pool, 3, 2) >> (ValueError, r"^global_lp_pool: x=3 is 0-dimensional"),
    bad(global_lp_pool, np.array([True]), 2) >> (TypeError, r"^global_lp_pool: x=.*is a bool array"),
    bad(global_lp_pool, np.zeros((2, 0)), 2)
    >> (ValueError, r"^global_lp_pool: x=.* has length 0 on pooled axis 1 \(x.shape=\(2, 0\)\)"),
    bad(global_lp_pool, [2, 3], 10**7)
    >> (ValueError, r"^global_lp_pool: p=10000000 is exactly 10000000/1.*about 20,000,000 bits.*POWER_BITS_LIMIT"),
    # global_weighted_pool (its errors name itself, not weighted_pool)
    bad(global_weighted_pool, [1, 2, 3], "w")
    >> (TypeError, r"^global_weighted_pool: weight='w' is neither a callable nor an array"),
    bad(global_weighted_pool, [1, 2, 3], lambda d: -1)
    >> (ValueError, r"^global_weighted_pool: weight=.* gives -1 at tap \(0,\); expected finite weights >= 0"),
    bad(global_weighted_pool, [1, 2, 3], [1, 2])
    >> (ValueError, r"^global_weighted_pool: weight=\[1, 2\] has shape \(2,\), not kernel_size=\(3,\)"),
    bad(global_weighted_pool, [[1, 2, 3]], lambda d: 1, axes=(0, 0))
    >> (ValueError, r"^global_weighted_pool: axes=\(0, 0\) repeats an axis"),
    bad(global_weighted_pool, 5, lambda d: 1) >> (ValueError, r"^global_weighted_pool: x=5 is 0-dimensional"),
    bad(global_weighted_pool, [1, 2, 3], lambda d: 0.5)
    >> (TypeError, r"^global_weighted_pool: weight=.* gives float64 weights while x is exact"),
    bad(global_weighted_pool, [1, 2, 3], [0, 0, 0])
    >> (ValueError, r"^global_weighted_pool: weight=\[0, 0, 0\] gives window \(0,\) a total weight of zero"),
    # the other global pools and figure 9.8's experiment, on degenerate inputs
    bad(global_max_pool, np.zeros((3, 0))) >> (ValueError, r"^global_max_pool: x=.* has length 0 on pooled axis 1"),
    bad(global_avg_pool, np.zeros((0, 3)), axes=(0,))
    >> (ValueError, r"^global_avg_pool: x=.* has length 0 on pooled axis 0"),
    bad(global_max_pool, np.array([1, 2]), return_indices=1)
    >> (TypeError, r"^global_max_pool: return_indices=1 is not a bool"),
    bad(pooled_unchanged_fraction, np.zeros((0, 2)), 1)
    >> (ValueError, r"^pooled_unchanged_fraction: x=.* of shape \(0, 2\) gives no pooled outputs to compare"),
    bad(lp_pool, [4, 4], 0.1, 2)
    >> (ValueError, r"^lp_pool: p=0.1 is exactly 3602879701896397/36028797018963968.*Fraction\(1, 10\), not 0.1"),
    bad(max_pool, np.ones(4), 2, dilation=0)
    >> (ValueError, exactly("max_pool: dilation=0 has an entry 0 < 1; expected ints >= 1")),
    bad(max_pool, np.ones(4), 2, padding="same")
    >> (
        TypeError,
        exactly(
            f"max_pool: padding='same' is a string, which pooling does not take (nor does torch); expected {_PAIRS_1}"
        ),
    ),
    bad(max_pool, np.ones(9), 3, padding=2)
    >> (
        ValueError,
        exactly(
            "max_pool: padding=2 is more than half the window on axis 0: pad 2 > k//2 = 3//2 = 1; expected pads <= "
            "kernel_size // 2 on each side (as torch requires)"
        ),
    ),
    bad(max_pool, np.ones(2), 3)
    >> (
        ValueError,
        exactly(
            "max_pool: kernel_size=(3,) does not fit x.shape[axes]=(2,) on axis 0: the window spans d*(k-1)+1 = "
            "1*(3-1)+1 = 3 cells but the padded input has n+lo+hi = 2+0+0 = 2; expected a window no longer than the "
            "padded input"
        ),
    ),
    bad(max_pool, np.ones(2), 5, stride=2, ceil_mode=True)
    >> (
        ValueError,
        exactly(
            "max_pool: kernel_size=(5,) does not fit x.shape[axes]=(2,) on axis 0: the window spans d*(k-1)+1 = "
            "1*(5-1)+1 = 5 cells but the padded input has n+lo+hi = 2+0+0 = 2 and ceil_mode allows only stride-1 = 1 "
            "more (output length 0); expected a window no longer than the padded input plus stride-1"
        ),
    ),
    # pooling
    bad(avg_pool, [1, 2], 2, divisor_override=2.0)
    >> (TypeError, exactly("avg_pool: divisor_override=2.0 is not an int; expected None or a nonzero int")),
    bad(avg_pool, [1, 2], 2, divisor_override=0)
    >> (ValueError, exactly("avg_pool: divisor_override=0 is zero; expected None or a nonzero int (as torch)")),
    bad(avg_pool, [1, 2], 2, count_include_pad=1)
    >> (TypeError, exactly("avg_pool: count_include_pad=1 is not a bool; expected True or False")),
    bad(pooled_unchanged_fraction, [1, 2, 3], 1, axis=1.0)
    >> (TypeError, exactly("pooled_unchanged_fraction: axis=1.0 is not an int; expected an axis number")),
    bad(pooled_unchanged_fraction, [1, 2, 3], 1, axis=1)
    >> (
        ValueError,
        exactly("pooled_unchanged_fraction: axis=1 is out of range for x.ndim=1; expected an axis in [-1, 1)"),
    ),
    bad(pooled_unchanged_fraction, 5, 1)
    >> (
        ValueError,
        exactly("pooled_unchanged_fraction: x=5 is 0-dimensional; expected an array with at least one axis"),
    ),
    bad(pooled_unchanged_fraction, [1, 2, 3], 1, shift=1.5)
    >> (TypeError, exactly("pooled_unchanged_fraction: shift=1.5 is not an int; expected an int >= 1")),
    bad(pooled_unchanged_fraction, [1, 2, 3], 1, shift=3)
    >> (
        ValueError,
        exactly(
            "pooled_unchanged_fraction: shift=3 leaves no overlap of x.shape[-1]=3 with its shift; "
            "expected 1 <= shift < 3"
        ),
    ),
    bad(pooled_unchanged_fraction, [1, 2, 3], 1, pool="max")
    >> (
        TypeError,
        exactly("pooled_unchanged_fraction: pool='max' is not callable; expected a pooling function such as max_pool"),
    ),
    bad(pooled_unchanged_fraction, np.zeros((0, 3)), 1)
    >> (
        ValueError,
        exactly(
            "pooled_unchanged_fraction: x=<ndarray shape=(0, 3) dtype=float64> of shape (0, 3) gives no pooled outputs "
            "to compare; expected a non-empty x"
        ),
    ),
    bad(global_avg_pool, 7)
    >> (ValueError, exactly("global_avg_pool: x=7 is 0-dimensional; expected an array with at least one axis")),
    bad(global_lp_pool, np.zeros((2, 0)), 2)
    >> (
        ValueError,
        exactly(
            "global_lp_pool: x=<ndarray shape=(2, 0) dtype=float64> has length 0 on pooled axis 1 (x.shape=(2, 0)); "
            "expected pooled axes of length >= 1"
        ),
    ),
    bad(weighted_pool, [1, 2], 2, np.array([0.5, 0.5]))
    >> (
        TypeError,
        exactly(
            "weighted_pool: weight=<ndarray shape=(2,) dtype=float64> gives float64 weights while x is exact; expected "
            "exact weights (int, Fraction, SymPy) for exact x, or a float x"
        ),
    ),
    # windows [pad, 1], [1, 2], [2, 3], [3, pad] with weights (0, 1/2): totals 1/2, 1/2, 1/2, 0.
    bad(weighted_pool, [1, 2, 3], 2, [0, Fraction(1, 2)], stride=1, padding=1)
    >> (
        ValueError,
        exactly(
            "weighted_pool: weight=[0, Fraction(1, 2)] gives window (3,) a total weight of zero on its input cells; "
            "expected a positive total weight on every window"
        ),
    ),
    bad(lp_pool, np.ones(3), 2, 2, ceil_mode=1)
    >> (TypeError, exactly("lp_pool: ceil_mode=1 is not a bool; expected True or False")),
    # ---- pooling
    bad(max_pool, np.array([1j, 2]), 2)
    >> (
        TypeError,
        exactly(
            "max_pool: x=<ndarray shape=(2,) dtype=complex128> is complex, which has no order; expected real numbers"
        ),
    ),
    bad(global_max_pool, np.array([1j, 2]))
    >> (
        TypeError,
        exactly(
            "global_max_pool: x=<ndarray shape=(2,) dtype=complex128> is complex, which has no order; expected real "
            "numbers"
        ),
    ),
    bad(max_pool, np.ones((2, 2)), 2, axes="a")
    >> (TypeError, exactly("max_pool: axes='a' is not an int or a tuple of ints; expected a tuple of axis numbers")),
    bad(avg_pool, np.ones((2, 2)), (1, 1), axes=(0, 0))
    >> (ValueError, exactly("avg_pool: axes=(0, 0) repeats an axis; expected distinct axes")),
    bad(avg_pool, np.ones((2, 2)), (1, 1), axes=(0,))
    >> (
        ValueError,
        exactly(
            "avg_pool: axes=(0,) names 1 axes but kernel_size=(1, 1) has 2 entries; expected one axis per window length"
        ),
    ),
    bad(max_pool, np.ones(3), (1, 1))
    >> (
        ValueError,
        exactly("max_pool: kernel_size=(1, 1) has 2 entries but x.ndim=1; expected at most x.ndim window lengths"),
    ),
    bad(lp_pool, np.ones(3), "2", 2)
    >> (TypeError, exactly("lp_pool: p='2' is not a real number; expected p > 0 or math.inf")),
    bad(global_lp_pool, np.ones(3), "2")
    >> (TypeError, exactly("global_lp_pool: p='2' is not a real number; expected p > 0 or math.inf")),
    # Entries of 1/3 have 2-bit parts; p = 10**9/7 needs about 2 * 10**9 bits.
    bad(lp_pool, np.array([Fraction(1, 3)]), Fraction(10**9, 7), 1)
    >> (
        ValueError,
        exactly(
            "lp_pool: p=Fraction(1000000000, 7) is exactly 1000000000/7: raising exact x (entries of up to 2 bits) "
            f"to it needs numbers of about 2,000,000,000 bits, {_POWER_TAIL}"
        ),
    ),
    # 2**1000 has 1001 bits; p = 10**6 needs 1001 * 10**6 bits.
    bad(lp_pool, np.array([2**1000]), 10**6, 1)
    >> (
        ValueError,
        exactly(
            "lp_pool: p=1000000 is exactly 1000000/1: raising exact x (entries of up to 1001 bits) to it needs numbers "
            f"of about 1,001,000,000 bits, {_POWER_TAIL}"
        ),
    ),
    # A 134-bit numerator: the size (about 2 * 10**40 bits, between 2**133 and 2**134) is shown as a power.
    bad(lp_pool, np.array([3]), Fraction(10**40 + 1, 7), 1)
    >> (
        ValueError,
        exactly(
            "lp_pool: p=Fraction(10000000000000000000000000000000000000001, 7) is exactly a/b with 133-bit a and "
            "3-bit b: raising exact x (entries of up to 2 bits) to it needs numbers of about 2**133 bits, "
            f"{_POWER_TAIL}"
        ),
    ),
    bad(weighted_pool, np.ones(3), 2, np.array([1, 1, 1]))
    >> (
        ValueError,
        exactly(
            "weighted_pool: weight=<ndarray shape=(3,) dtype=int64> has shape (3,), not kernel_size=(2,); expected a "
            "callable of the distance, or an array of shape kernel_size"
        ),
    ),
    bad(weighted_pool, np.ones(3), 2, "w")
    >> (
        TypeError,
        exactly(
            "weighted_pool: weight='w' is neither a callable nor an array; expected a callable of the distance to the "
            "window centre, or an array of shape kernel_size"
        ),
    ),
    bad(weighted_pool, np.ones(3), 2, np.array([1j, 1]))
    >> (
        TypeError,
        exactly("weighted_pool: weight=<ndarray shape=(2,) dtype=complex128> is complex; expected real weights >= 0"),
    ),
    bad(weighted_pool, np.ones(3), 2, np.array([sympy.Symbol("a"), 1], dtype=object))
    >> (
        TypeError,
        exactly(
            "weighted_pool: weight=<ndarray shape=(2,) dtype=object> gives a at tap (0,), whose sign is unknown; "
            "expected real weights >= 0"
        ),
    ),
    bad(weighted_pool, np.ones(3), 2, np.array([1, -1]))
    >> (
        ValueError,
        exactly(
            "weighted_pool: weight=<ndarray shape=(2,) dtype=int64> gives -1 at tap (1,); expected finite weights >= 0"
        ),
    ),
    bad(max_pool, np.arange(1), 2, padding=1, dilation=2)
    >> (
        ValueError,
        exactly(
            "max_pool: dilation=2 with padding=1 leaves window (0,) holding padding only, whose max is -inf; expected "
            "windows that reach an input cell for exact x (float x gives -inf, as torch)"
        ),
    ),
]

# ---- the pooling options of issue 23: pad_rule, dilation, lp padding, torch's forms ----

ROWS += [
    # pad_rule
    bad(avg_pool, x1, 2, pad_rule="ONNX")
    >> (ValueError, exactly("avg_pool: pad_rule='ONNX' is not a pad rule; expected one of ('torch', 'onnx')")),
    bad(max_pool, x1, 2, pad_rule=None)
    >> (TypeError, exactly("max_pool: pad_rule=None is not a string; expected one of ('torch', 'onnx')")),
    bad(lp_pool, x1, 2, 2, pad_rule=1) >> (TypeError, r"^lp_pool: pad_rule=1 is not a string"),
    # the ONNX rule: any pads while every window holds an input cell
    bad(avg_pool, [1, 9], 2, stride=1, padding=2, pad_rule="onnx")
    >> (
        ValueError,
        exactly(
            "avg_pool: padding=2 leaves output 0 on axis 0 without an input cell: its taps o*s+t*d-lo = "
            "0*1+t*1-2 (t < 2) miss the input [0, 2); expected pads with which every window holds an input "
            'cell (pad_rule="onnx")'
        ),
    ),
    bad(max_pool, [1, 9], 2, stride=1, padding=(0, 2), pad_rule="onnx")
    >> (ValueError, r"^max_pool: padding=\(0, 2\) leaves output 2 on axis 0 without an input cell"),
    bad(lp_pool, np.ones((1, 2)), 2, (1, 2), stride=1, padding=((0, 0), (4, 4)), dilation=(1, 5), pad_rule="onnx")
    >> (ValueError, r"^lp_pool: padding=.* leaves output 1 on axis 1 without an input cell"),
    bad(weighted_pool, x1, 3, [1, 1, 1], stride=1, padding=(3, 0), pad_rule="onnx")
    >> (ValueError, r"^weighted_pool: padding=\(3, 0\) leaves output 0 on axis 0"),
    # the torch rule stays the default, for the new options too
    bad(lp_pool, x1, 2, 2, padding=2)
    >> (ValueError, r"^lp_pool: padding=2 is more than half the window on axis 0.*as torch requires"),
    bad(lp_pool_torch, np.ones(4), 2, 3, padding=(2, 0))
    >> (ValueError, r"^avg_pool: padding=\(2, 0\) is more than half the window"),
    # dilation for avg/lp/weighted, validated by the one normaliser
    bad(avg_pool, x1, 2, dilation=(1, 2)) >> (ValueError, r"^avg_pool: dilation=\(1, 2\) has 2 entries but there"),
    bad(lp_pool, x1, 2, 2, dilation=1.5) >> (TypeError, r"^lp_pool: dilation=1.5 is not an integer"),
    bad(weighted_pool, x1, 2, [1, 1], dilation=0) >> (ValueError, r"^weighted_pool: dilation=0 has an entry 0 < 1"),
    bad(avg_pool, x1, 2, dilation=4) >> (ValueError, r"^avg_pool: kernel_size=\(2,\) does not fit.*4\*\(2-1\)\+1 = 5"),
    # an exact mean of no cells (dilation over padding only)
    bad(avg_pool, [4], 2, stride=1, padding=1, dilation=2, count_include_pad=False)
    >> (ValueError, r"^avg_pool: dilation=2 with padding=1 leaves window \(0,\) holding padding only, a mean of no"),
    # lp padding: the pad forms of every pool
    bad(lp_pool, x1, 2, 2, padding="same") >> (TypeError, r"^lp_pool: padding='same' is a string"),
    bad(lp_pool, x1, 2, 2, padding=-1) >> (ValueError, r"^lp_pool: padding=-1 has a negative pad"),
    # torch's one-entry and empty forms are taken; other lengths are not
    bad(avg_pool, np.ones((3, 3)), (2, 2), padding=(1, 1, 1))
    >> (ValueError, r"^avg_pool: padding=\(1, 1, 1\) has 3 entries but there are 2 axes"),
    bad(avg_pool, np.ones((3, 3)), (2, 2), stride=(1, 1, 1))
    >> (ValueError, r"^avg_pool: stride=\(1, 1, 1\) has 3 entries but there are 2 axes"),
    bad(max_pool, np.ones((3, 3)), (2, 2), stride=(0,)) >> (ValueError, r"^max_pool: stride=0 has an entry 0 < 1"),
]

# ---- adaptive pools, max_unpool, fractional_max_pool (issue 23) ----

X4 = np.arange(16).reshape(1, 1, 4, 4)
S4 = np.zeros((1, 1, 2))  # fractional samples for X4
a = sympy.Symbol("a")
_SIZES = "expected an int >= 1, or a tuple of ints >= 1 (or None: keep that axis's length)"
_LIMIT = r"over the limit of 100,000,000 cells .*\(refconv.spec.CELL_LIMIT\)"

ROWS += [
    # adaptive pools: x, output_size, axes, return_indices
    bad(adaptive_avg_pool, None, 2)
    >> (TypeError, exactly("adaptive_avg_pool: x=None is not an array; expected an array of numbers")),
    bad(adaptive_avg_pool, X4, "3")
    >> (TypeError, exactly(f"adaptive_avg_pool: output_size='3' is not an int or a tuple of ints; {_SIZES}")),
    bad(adaptive_avg_pool, X4, (0, 2))
    >> (ValueError, exactly(f"adaptive_avg_pool: output_size=(0, 2) has an entry 0 < 1; {_SIZES}")),
    bad(adaptive_max_pool, X4, (2.5,))
    >> (TypeError, r"adaptive_max_pool: output_size=\(2.5,\) has an entry 2.5 that is not an int"),
    bad(adaptive_avg_pool, X4, ()) >> (ValueError, r"adaptive_avg_pool: output_size=\(\) is empty"),
    bad(adaptive_avg_pool, [1, 2], (1, 1))
    >> (
        ValueError,
        exactly("adaptive_avg_pool: output_size=(1, 1) has 2 entries but x.ndim=1; expected at most x.ndim lengths"),
    ),
    bad(adaptive_avg_pool, X4, (2, 2), axes=(0,))
    >> (
        ValueError,
        r"adaptive_avg_pool: axes=\(0,\) names 1 axes but output_size=\(2, 2\) has 2 entries; expected one axis",
    ),
    bad(adaptive_max_pool, X4, (2, 2), axes=1)
    >> (ValueError, r"adaptive_max_pool: axes=1 names 1 axes but output_size"),
    bad(adaptive_avg_pool, X4, 2, axes=(7,)) >> (ValueError, r"axes=\(7,\) has axis 7 out of range for x.ndim=4"),
    bad(adaptive_avg_pool, X4, 2, axes="a")
    >> (TypeError, r"adaptive_avg_pool: axes='a' is not an int or a tuple of ints"),
    bad(adaptive_avg_pool, X4, (2, 2), axes=(2, 2)) >> (ValueError, r"axes=\(2, 2\) repeats an axis"),
    bad(adaptive_max_pool, np.zeros((2, 0)), 1)
    >> (ValueError, r"adaptive_max_pool: x=<ndarray shape=\(2, 0\) dtype=float64> has length 0 along pooled axis 1"),
    bad(adaptive_avg_pool, [1], 10**9)
    >> (ValueError, r"adaptive_avg_pool: output_size=1000000000 needs an output .*" + _LIMIT),
    bad(adaptive_avg_pool, np.zeros((0, 3)), 10**9)
    >> (ValueError, r"adaptive_avg_pool: output_size=1000000000 needs window tables of shape \(2000000000,\)"),
    bad(adaptive_max_pool, X4, 2, return_indices=1)
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
    bad(fractional_max_pool, X4, 2, 2, [[0.5, 0.5]])
    >> (ValueError, r"samples=.* has shape \(1, 2\), not x.shape\[:-2\] \+ \(2,\) = \(1, 1, 2\)"),
    bad(fractional_max_pool, X4, 2, 2, np.array([[[0.5, np.inf]]]))
    >> (ValueError, r"fractional_max_pool: samples=.* holds np.float64\(inf\); expected finite samples"),
    bad(fractional_max_pool, X4, 2, 2, np.array([[[-np.inf, 0.5]]]))
    >> (ValueError, r"holds np.float64\(-inf\); expected finite samples \(torch draws them in \[0, 1\)\)"),
    bad(fractional_max_pool, X4, 2, 2, np.array([[[np.nan, 0.5]]]))
    >> (ValueError, r"holds np.float64\(nan\); expected finite samples"),
    bad(fractional_max_pool, X4, 2, 2, np.array([[[a, 0]]], dtype=object))
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
    bad(fractional_max_pool, X4, 2, (3, 4), S4)
    >> (ValueError, r"output_size=\(3, 4\) needs output_size \+ kernel_size - 1 = 4\+2-1 = 5 cells on axis 1, x has 4"),
    bad(fractional_max_pool, X4, 0, 2, S4)
    >> (ValueError, r"fractional_max_pool: kernel_size=\(0,\) has a length 0 < 1"),
    bad(fractional_max_pool, X4, 2, (2, 2, 2), S4)
    >> (ValueError, r"output_size=\(2, 2, 2\) has 3 entries but samples name 2 pooled axes"),
    bad(fractional_max_pool, X4, (2,), 2, S4)
    >> (ValueError, r"kernel_size=\(2,\) has 1 entries but samples name 2 pooled axes"),
    bad(fractional_max_pool, np.ones(3, complex), 1, 2, [0.5])
    >> (TypeError, r"fractional_max_pool: x=.* is complex, which has no order"),
    bad(fractional_max_pool, np.array([a, 1, 2], dtype=object), 2, 2, [0.5])
    >> (TypeError, r"fractional_max_pool: x=.* cannot be ordered"),
    bad(fractional_max_pool, [1, 2], 1, 1, [0.5], return_indices=None)
    >> (TypeError, r"return_indices=None is not a bool"),
]
