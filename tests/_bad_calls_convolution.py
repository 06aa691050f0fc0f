"""Bad calls of refconv.convolution (correlate, convolve): modes, strides, dilations, boundaries,
operands and methods, the geometry's messages among them.

Rows built with ``exactly(...)`` pin the whole message: the problem and the "expected" part too, so that
a message that loses its function name, its hint or its advice fails.  Each is written out from the
documented format ``<function>: <param>=<value!r> <what is wrong>; expected <what is allowed>``."""

from fractions import Fraction

import numpy as np
import sympy
from _bad_calls_row import bad, exactly

from refconv import convolve, correlate

X = np.arange(12).reshape(3, 4)
W = np.ones((2, 2), dtype=int)
x1 = [1, 2, 3, 4, 5]


class _Unconvertible:
    """A foreign array whose ``__array__`` raises something other than ValueError/TypeError."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("device lost")


_UNCONVERTIBLE = (
    r"^correlate: x=<.*_Unconvertible object at .*> cannot be converted to a NumPy array \(RuntimeError: device "
    r"lost\); expected an array of numbers$"
)
FIG = np.array([[-1, 1]])
_BOUNDARIES = "'constant', 'wrap', 'reflect', 'symmetric', 'edge'"

ROWS = [
    bad(correlate, x1, [1, 2], mode="SAME") >> (ValueError, r"correlate: mode='SAME' .*lower case.*'same'"),
    bad(correlate, x1, [1, 2], mode="sam") >> (ValueError, r"mode='sam' is not recognised.*'valid', 'same', 'full'"),
    bad(correlate, x1, [1, 2], mode="same_upper") >> (ValueError, r"mode='same_upper'"),
    bad(correlate, x1, [1, 2], mode=None) >> (TypeError, r"mode=None is not a padding"),
    bad(correlate, x1, [1, 2], mode=1.5) >> (TypeError, r"mode=1.5 is not a padding"),
    bad(correlate, x1, [1, 2], mode=-1) >> (ValueError, r"mode=-1 has a negative pad"),
    bad(correlate, X, W, mode=(1, 2, 3)) >> (ValueError, r"mode=\(1, 2, 3\) has 3 entries but there are 2 axes"),
    bad(correlate, X, W, mode=((1, 2, 3), 0)) >> (TypeError, r"mode=.*not an int or a pair"),
    bad(correlate, X, W, mode=((1, 2.0), 0)) >> (TypeError, r"mode=.*non-integer"),
    bad(correlate, x1, [1, 2], stride=0) >> (ValueError, r"correlate: stride=0 has an entry 0 < 1"),
    bad(correlate, x1, [1, 2], stride=-2) >> (ValueError, r"stride=-2 has an entry -2 < 1"),
    bad(correlate, x1, [1, 2], stride=1.0) >> (TypeError, r"stride=1.0 is not an integer"),
    bad(correlate, x1, [1, 2], stride=True) >> (TypeError, r"stride=True is not an integer"),
    bad(correlate, x1, [1, 2], stride="2") >> (TypeError, r"stride='2' is not an integer"),
    bad(correlate, X, W, stride=(1, 2, 3)) >> (ValueError, r"stride=\(1, 2, 3\) has 3 entries but there are 2 axes"),
    bad(correlate, X, W, stride=None) >> (TypeError, r"stride=None"),
    bad(correlate, x1, [1, 2], dilation=0) >> (ValueError, r"dilation=0 has an entry 0 < 1"),
    bad(correlate, x1, [1, 2], dilation=2.5) >> (TypeError, r"dilation=2.5 is not an integer"),
    bad(correlate, X, W, dilation=(1,)) >> (ValueError, r"dilation=\(1,\) has 1 entries but there are 2 axes"),
    bad(correlate, x1, [1, 2], boundary="circular")
    >> (ValueError, r"boundary='circular'.*torch's 'circular' is 'wrap'"),
    bad(correlate, x1, [1, 2], boundary="nearest") >> (ValueError, r"boundary='nearest'.*'edge'"),
    bad(correlate, x1, [1, 2], boundary="mirror") >> (ValueError, r"boundary='mirror'.*'reflect'"),
    bad(correlate, x1, [1, 2], boundary="zeros") >> (ValueError, r"boundary='zeros'.*'constant'"),
    bad(correlate, x1, [1, 2], boundary="Wrap") >> (ValueError, r"boundary='Wrap'.*lower case"),
    bad(correlate, x1, [1, 2], boundary="bogus") >> (ValueError, r"boundary='bogus' is not recognised"),
    bad(correlate, x1, [1, 2], boundary=0) >> (TypeError, r"boundary=0 is not a string"),
    bad(correlate, x1, [1, 2], method="magic") >> (ValueError, r"method='magic' is not recognised"),
    bad(correlate, x1, [1, 2], method=None) >> (TypeError, r"method=None is not a string"),
    bad(correlate, [1, 2], x1) >> (ValueError, r"w shape \(5,\) does not fit x shape \(2,\).*did you swap x and w"),
    bad(correlate, X, np.ones((4, 1))) >> (ValueError, r"along axis 0.*4 cells.*3\+0\+0 = 3"),
    bad(correlate, x1, [1, 2, 3], dilation=3) >> (ValueError, r"3\*\(3-1\)\+1 = 7 cells"),
    bad(correlate, X, [1, 2]) >> (ValueError, r"x.ndim=2 and w.ndim=1 differ"),
    bad(correlate, 5, 3) >> (ValueError, r"x.shape=\(\) is empty; expected at least one axis"),
    bad(correlate, np.zeros((0, 3)), np.ones((1, 1))) >> (ValueError, r"x.shape=\(0, 3\) has a length 0 < 1"),
    bad(correlate, x1, []) >> (ValueError, r"w.shape=\(0,\) has a length 0 < 1"),
    bad(correlate, "abc", [1]) >> (TypeError, r"x='abc' is not an array"),
    bad(correlate, None, [1]) >> (TypeError, r"x=None is not an array"),
    bad(correlate, x1, None) >> (TypeError, r"w=None is not an array"),
    bad(correlate, [[1, 2], [3]], [1]) >> (TypeError, r"x=.*is not a rectangular array"),
    bad(correlate, np.array([True, False]), [1]) >> (TypeError, r"x=.*bool array.*astype\(int\)"),
    bad(correlate, np.array(["a", "b"]), [1]) >> (TypeError, r"x=.*dtype <U1"),
    bad(correlate, np.array([1, 2.5], dtype=object), [1]) >> (TypeError, r"x=.*holds float 2.5"),
    bad(correlate, np.array([1, "a"], dtype=object), [1]) >> (TypeError, r"x=.*holds str 'a'"),
    bad(correlate, [sympy.Float(0.1), 1], [3])
    >> (
        TypeError,
        r"^correlate: x=\[0.100000000000000, 1\] holds 0.100000000000000, a SymPy Float \(a binary float with a "
        r"precision, not an exact number\); expected exact numbers \(sympy.Rational\('0.1'\), sympy.nsimplify\) or a "
        r"float dtype$",
    ),
    bad(correlate, x1, np.array([sympy.Symbol("a") * sympy.Float(0.5)], dtype=object))
    >> (TypeError, r"^correlate: w=.* holds 0.5\*a, a SymPy Float"),
    bad(correlate, np.array([sympy.Interval(0, 1), 1], dtype=object), [3])
    >> (
        TypeError,
        r"^correlate: x=.* holds SymPy Interval Interval\(0, 1\), which is not a number or an expression; "
        r"expected int, Fraction or SymPy expressions \(sympy.Expr\)$",
    ),
    bad(correlate, np.array([sympy.Eq(sympy.Symbol("a"), 1), 1], dtype=object), [3])
    >> (TypeError, r"^correlate: x=.* holds SymPy Equality Eq\(a, 1\), which is not a number or an expression"),
    bad(correlate, np.array([sympy.true, 1], dtype=object), [3])
    >> (TypeError, r"^correlate: x=.* holds SymPy BooleanTrue True, which is not a number"),
    bad(correlate, np.array([sympy.ImmutableMatrix([1, 2]), 1], dtype=object), [3])
    >> (TypeError, r"^correlate: x=.* holds SymPy ImmutableDenseMatrix .*which is not a number or an expression"),
    bad(correlate, np.array([sympy.oo, 1], dtype=object), [3])
    >> (TypeError, r"^correlate: x=.* holds oo, which is not finite; expected finite exact numbers or expressions$"),
    bad(correlate, np.ma.array([1.0, 2, 3], mask=[0, 1, 0]), [1.0])
    >> (
        TypeError,
        r"^correlate: x=<masked array shape=\(3,\) dtype=float64> has 1 masked entries of 3, which refconv cannot "
        r"honour; expected a plain array \(fill it with .filled\(value\) first\)$",
    ),
    bad(correlate, np.ones((1,) * 62), np.ones((1,) * 62))
    >> (
        ValueError,
        r"^correlate: x=<ndarray ndim=62 size=1 dtype=float64> has 62 axes, more than refconv supports; expected at "
        r"most 16 axes \(refconv._arith.MAX_RANK, bounded by NumPy's 32-axis iterators\)$",
    ),
    bad(convolve, np.ones((1,) * 17), np.ones((1,) * 17)) >> (ValueError, r"^convolve: x=.* has 17 axes"),
    bad(correlate, _Unconvertible(), [1]) >> (TypeError, _UNCONVERTIBLE),
    bad(correlate, np.array([Fraction(1, 2)], dtype=object), np.array([0.5]))
    >> (TypeError, r"w=.*float64 array while x is an exact object array"),
    bad(convolve, x1, [1, 2], mode="Full") >> (ValueError, r"convolve: mode='Full'"),
    bad(convolve, x1, [1, 2], stride=0) >> (ValueError, r"convolve: stride=0"),
    bad(convolve, [1], [1, 2]) >> (ValueError, r"convolve: w shape \(2,\) does not fit x shape \(1,\)"),
    bad(correlate, np.zeros((280, 320), int), FIG, method="dense")
    >> (
        ValueError,
        r"correlate: method='dense' would build .*8,003,072,000 entries.*expected method=\"sparse\" or \"direct\"",
    ),
    # plain_spec, through correlate/convolve
    bad(correlate, np.zeros((0,)), [1])
    >> (ValueError, exactly("correlate: x.shape=(0,) has a length 0 < 1; expected lengths >= 1")),
    bad(convolve, [1, 2], np.zeros((0,)))
    >> (ValueError, exactly("convolve: w.shape=(0,) has a length 0 < 1; expected lengths >= 1")),
    bad(correlate, [1, 2, 3], [1], dilation=0)
    >> (ValueError, exactly("correlate: dilation=0 has an entry 0 < 1; expected ints >= 1")),
    bad(correlate, [1, 2, 3], [1], boundary="zeros")
    >> (
        ValueError,
        exactly(
            f"correlate: boundary='zeros' is not a refconv name ('zeros' is 'constant'); expected one of {_BOUNDARIES}"
        ),
    ),
    bad(correlate, [1, 2, 3], [1], boundary="Edge")
    >> (ValueError, exactly("correlate: boundary='Edge' is not recognised (names are lower case); expected 'edge'")),
    bad(correlate, [1, 2, 3], [1], mode="half")
    >> (
        ValueError,
        exactly("correlate: mode='half' is not a refconv name (use 'same'); expected one of 'valid', 'same', 'full'"),
    ),
    bad(correlate, [1, 2], [1, 2, 3])
    >> (
        ValueError,
        exactly(
            "correlate: w shape (3,) does not fit x shape (2,) along axis 0: the window spans d*(k-1)+1 = "
            "1*(3-1)+1 = 3 cells but the padded input has n+lo+hi = 2+0+0 = 2; expected a window no longer than "
            "the padded input (did you swap x and w?)"
        ),
    ),
    bad(correlate, [[1, 2]], [1, 2])
    >> (
        ValueError,
        exactly(
            "correlate: x.ndim=2 and w.ndim=1 differ (x.shape=(1, 2), w.shape=(2,)); expected arrays of the same rank"
        ),
    ),
    # the memory budget (refconv.spec.CELL_LIMIT)
    bad(correlate, [1, 2, 3], [1, 1], mode=10**9)
    >> (
        ValueError,
        exactly(
            "correlate: mode=1000000000 needs a padded input of shape (2000000003,), 2,000,000,003 cells, over the "
            "limit of 100,000,000 cells beyond the operands' 5 (refconv.spec.CELL_LIMIT); expected a smaller problem, "
            "or a larger refconv.spec.CELL_LIMIT"
        ),
    ),
]

# SciPy ndimage's filter options (issue 23, item 6): origin, cval, axes.
ROWS += [
    bad(correlate, [1, 2, 3], [1, 1, 1], mode="same", origin=2)
    >> (
        ValueError,
        exactly(
            "correlate: origin=2 moves the window past its pads on axis 0: pads (1, 1) allow origin -1 .. 1; "
            "expected -1 <= origin <= 1 on axis 0"
        ),
    ),
    bad(convolve, [1, 2, 3], [1, 1], mode="same", origin=-1)
    >> (
        ValueError,
        r"convolve: origin=-1 moves the window past its pads on axis 0: pads \(1, 0\) allow origin 0 \.\. 1",
    ),
    bad(correlate, [1, 2, 3], [1, 1, 1], origin=1) >> (ValueError, r"pads \(0, 0\) allow origin 0 \.\. 0"),
    bad(correlate, [1, 2, 3], [1, 1], origin=1.0)
    >> (TypeError, exactly("correlate: origin=1.0 is not an int or a tuple of ints; expected an int or 1 ints")),
    bad(correlate, X, W, mode="full", origin=(0, 1, 0))
    >> (ValueError, r"origin=\(0, 1, 0\) has 3 entries but 2 axes are filtered"),
    bad(correlate, [1, 2, 3], [1, 1], cval=[1, 2]) >> (TypeError, r"cval=\[1, 2\] has shape \(2,\); expected a scalar"),
    bad(correlate, [1, 2, 3], [1, 1], cval="a") >> (TypeError, r"correlate: cval='a' is not an array"),
    bad(correlate, [1, 2, 3], [1, 1], boundary="wrap", cval=1)
    >> (
        ValueError,
        exactly(
            "correlate: cval=1 is given but boundary='wrap' copies input cells; expected cval only with "
            "boundary='constant'"
        ),
    ),
    bad(correlate, np.array([1, 2], dtype=object), [1, 1], cval=0.5)
    >> (TypeError, r"cval=0.5 is a float while x or w is an exact object array; expected an exact cval"),
    bad(correlate, [1.0, 2.0], [1, 1], cval=Fraction(1, 2))
    >> (TypeError, r"cval=Fraction\(1, 2\) is exact while x or w is a float array; expected a float cval"),
    bad(correlate, X, [1, 1], axes=2)
    >> (ValueError, exactly("correlate: axes=2 names an axis out of range for x.ndim=2; expected ints in [-2, 2)")),
    bad(correlate, X, W, axes=(0, -2)) >> (ValueError, r"axes=\(0, -2\) repeats an axis; expected distinct axes"),
    bad(correlate, X, [1, 1], axes=(0, 1)) >> (ValueError, r"axes=\(0, 1\) names 2 axes but w.ndim=1"),
    bad(correlate, X, [1, 1], axes="0") >> (TypeError, r"axes='0' is not an int or a tuple of ints"),
    bad(correlate, X, [1, 1], axes=1.0) >> (TypeError, r"axes=1.0 is not an int or a tuple of ints"),
    bad(correlate, X, [1, 1], axes=1, stride=(1, 2)) >> (ValueError, r"stride=\(1, 2\) has 2 entries but there are 1"),
    bad(correlate, X, [1, 1], axes=1, mode=((1, 1), (1, 1))) >> (ValueError, r"mode=.* has 2 entries but there are 1"),
    bad(correlate, X, W, boundary="grid-wrap")
    >> (ValueError, r"boundary='grid-wrap' is not a refconv name \(ndimage's 'grid-wrap' is 'wrap'\)"),
    bad(correlate, X, W, boundary="grid-mirror")
    >> (ValueError, r"boundary='grid-mirror' is not a refconv name \(ndimage's 'grid-mirror' is 'symmetric'\)"),
    bad(correlate, X, W, boundary="grid-constant")
    >> (ValueError, r"boundary='grid-constant' is not a refconv name \(ndimage's 'grid-constant' is 'constant'\)"),
]
