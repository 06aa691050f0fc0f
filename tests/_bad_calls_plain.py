"""Bad calls of the plain functions (correlate, convolve, output_shape)."""

from fractions import Fraction

import numpy as np
import pytest
import sympy

from refconv import convolve, correlate, output_shape

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


def row(call, exc, match, id):
    return pytest.param(call, exc, match, id=id)


ROWS = [
    row(
        lambda: correlate(x1, [1, 2], mode="SAME"),
        ValueError,
        r"correlate: mode='SAME' .*lower case.*'same'",
        "mode-upper",
    ),
    row(
        lambda: correlate(x1, [1, 2], mode="sam"),
        ValueError,
        r"mode='sam' is not recognised.*'valid', 'same', 'full'",
        "mode-typo",
    ),
    row(lambda: correlate(x1, [1, 2], mode="same_upper"), ValueError, r"mode='same_upper'", "mode-same-upper"),
    row(lambda: correlate(x1, [1, 2], mode=None), TypeError, r"mode=None is not a padding", "mode-none"),
    row(lambda: correlate(x1, [1, 2], mode=1.5), TypeError, r"mode=1.5 is not a padding", "mode-float"),
    row(lambda: correlate(x1, [1, 2], mode=-1), ValueError, r"mode=-1 has a negative pad", "mode-negative"),
    row(
        lambda: correlate(X, W, mode=(1, 2, 3)),
        ValueError,
        r"mode=\(1, 2, 3\) has 3 entries but there are 2 axes",
        "mode-length",
    ),
    row(lambda: correlate(X, W, mode=((1, 2, 3), 0)), TypeError, r"mode=.*not an int or a pair", "mode-triple"),
    row(lambda: correlate(X, W, mode=((1, 2.0), 0)), TypeError, r"mode=.*non-integer", "mode-float-pair"),
    row(lambda: correlate(x1, [1, 2], stride=0), ValueError, r"correlate: stride=0 has an entry 0 < 1", "stride-zero"),
    row(lambda: correlate(x1, [1, 2], stride=-2), ValueError, r"stride=-2 has an entry -2 < 1", "stride-negative"),
    row(lambda: correlate(x1, [1, 2], stride=1.0), TypeError, r"stride=1.0 is not an integer", "stride-float"),
    row(lambda: correlate(x1, [1, 2], stride=True), TypeError, r"stride=True is not an integer", "stride-bool"),
    row(lambda: correlate(x1, [1, 2], stride="2"), TypeError, r"stride='2' is not an integer", "stride-str"),
    row(
        lambda: correlate(X, W, stride=(1, 2, 3)),
        ValueError,
        r"stride=\(1, 2, 3\) has 3 entries but there are 2 axes",
        "stride-length",
    ),
    row(lambda: correlate(X, W, stride=None), TypeError, r"stride=None", "stride-none"),
    row(lambda: correlate(x1, [1, 2], dilation=0), ValueError, r"dilation=0 has an entry 0 < 1", "dilation-zero"),
    row(lambda: correlate(x1, [1, 2], dilation=2.5), TypeError, r"dilation=2.5 is not an integer", "dilation-float"),
    row(
        lambda: correlate(X, W, dilation=(1,)),
        ValueError,
        r"dilation=\(1,\) has 1 entries but there are 2 axes",
        "dilation-length",
    ),
    row(
        lambda: correlate(x1, [1, 2], boundary="circular"),
        ValueError,
        r"boundary='circular'.*torch's 'circular' is 'wrap'",
        "boundary-torch",
    ),
    row(
        lambda: correlate(x1, [1, 2], boundary="nearest"), ValueError, r"boundary='nearest'.*'edge'", "boundary-ndimage"
    ),
    row(
        lambda: correlate(x1, [1, 2], boundary="mirror"), ValueError, r"boundary='mirror'.*'reflect'", "boundary-mirror"
    ),
    row(lambda: correlate(x1, [1, 2], boundary="zeros"), ValueError, r"boundary='zeros'.*'constant'", "boundary-zeros"),
    row(lambda: correlate(x1, [1, 2], boundary="Wrap"), ValueError, r"boundary='Wrap'.*lower case", "boundary-case"),
    row(
        lambda: correlate(x1, [1, 2], boundary="bogus"),
        ValueError,
        r"boundary='bogus' is not recognised",
        "boundary-bogus",
    ),
    row(lambda: correlate(x1, [1, 2], boundary=0), TypeError, r"boundary=0 is not a string", "boundary-int"),
    row(lambda: correlate(x1, [1, 2], method="magic"), ValueError, r"method='magic' is not recognised", "method-bogus"),
    row(lambda: correlate(x1, [1, 2], method=None), TypeError, r"method=None is not a string", "method-none"),
    row(
        lambda: correlate([1, 2], x1),
        ValueError,
        r"w shape \(5,\) does not fit x shape \(2,\).*did you swap x and w",
        "swapped",
    ),
    row(lambda: correlate(X, np.ones((4, 1))), ValueError, r"along axis 0.*4 cells.*3\+0\+0 = 3", "kernel-too-tall"),
    row(lambda: correlate(x1, [1, 2, 3], dilation=3), ValueError, r"3\*\(3-1\)\+1 = 7 cells", "dilated-too-long"),
    row(lambda: correlate(X, [1, 2]), ValueError, r"x.ndim=2 and w.ndim=1 differ", "rank-mismatch"),
    row(lambda: correlate(5, 3), ValueError, r"x.shape=\(\) is empty; expected at least one axis", "zero-dim"),
    row(
        lambda: correlate(np.zeros((0, 3)), np.ones((1, 1))),
        ValueError,
        r"x.shape=\(0, 3\) has a length 0 < 1",
        "empty-x",
    ),
    row(lambda: correlate(x1, []), ValueError, r"w.shape=\(0,\) has a length 0 < 1", "empty-w"),
    row(lambda: correlate("abc", [1]), TypeError, r"x='abc' is not an array", "x-str"),
    row(lambda: correlate(None, [1]), TypeError, r"x=None is not an array", "x-none"),
    row(lambda: correlate(x1, None), TypeError, r"w=None is not an array", "w-none"),
    row(lambda: correlate([[1, 2], [3]], [1]), TypeError, r"x=.*is not a rectangular array", "x-ragged"),
    row(lambda: correlate(np.array([True, False]), [1]), TypeError, r"x=.*bool array.*astype\(int\)", "x-bool"),
    row(lambda: correlate(np.array(["a", "b"]), [1]), TypeError, r"x=.*dtype <U1", "x-unicode"),
    row(lambda: correlate(np.array([1, 2.5], dtype=object), [1]), TypeError, r"x=.*holds float 2.5", "x-object-float"),
    row(lambda: correlate(np.array([1, "a"], dtype=object), [1]), TypeError, r"x=.*holds str 'a'", "x-object-str"),
    row(
        lambda: correlate([sympy.Float(0.1), 1], [3]),
        TypeError,
        r"^correlate: x=\[0.100000000000000, 1\] holds 0.100000000000000, a SymPy Float \(a binary float with a "
        r"precision, not an exact number\); expected exact numbers \(sympy.Rational\('0.1'\), sympy.nsimplify\) or a "
        r"float dtype$",
        "x-sympy-float",
    ),
    row(
        lambda: correlate(x1, np.array([sympy.Symbol("a") * sympy.Float(0.5)], dtype=object)),
        TypeError,
        r"^correlate: w=.* holds 0.5\*a, a SymPy Float",
        "w-sympy-float-in-expression",
    ),
    row(
        lambda: correlate(np.array([sympy.Interval(0, 1), 1], dtype=object), [3]),
        TypeError,
        r"^correlate: x=.* holds SymPy Interval Interval\(0, 1\), which is not a number or an expression; "
        r"expected int, Fraction or SymPy expressions \(sympy.Expr\)$",
        "x-sympy-interval",
    ),
    row(
        lambda: correlate(np.array([sympy.Eq(sympy.Symbol("a"), 1), 1], dtype=object), [3]),
        TypeError,
        r"^correlate: x=.* holds SymPy Equality Eq\(a, 1\), which is not a number or an expression",
        "x-sympy-eq",
    ),
    row(
        lambda: correlate(np.array([sympy.true, 1], dtype=object), [3]),
        TypeError,
        r"^correlate: x=.* holds SymPy BooleanTrue True, which is not a number",
        "x-sympy-true",
    ),
    row(
        lambda: correlate(np.array([sympy.ImmutableMatrix([1, 2]), 1], dtype=object), [3]),
        TypeError,
        r"^correlate: x=.* holds SymPy ImmutableDenseMatrix .*which is not a number or an expression",
        "x-sympy-matrix",
    ),
    row(
        lambda: correlate(np.array([sympy.oo, 1], dtype=object), [3]),
        TypeError,
        r"^correlate: x=.* holds oo, which is not finite; expected finite exact numbers or expressions$",
        "x-sympy-oo",
    ),
    row(
        lambda: correlate(np.ma.array([1.0, 2, 3], mask=[0, 1, 0]), [1.0]),
        TypeError,
        r"^correlate: x=<masked array shape=\(3,\) dtype=float64> has 1 masked entries of 3, which refconv cannot "
        r"honour; expected a plain array \(fill it with .filled\(value\) first\)$",
        "x-masked",
    ),
    row(
        lambda: correlate(np.ones((1,) * 62), np.ones((1,) * 62)),
        ValueError,
        r"^correlate: x=<ndarray ndim=62 size=1 dtype=float64> has 62 axes, more than refconv supports; expected at "
        r"most 16 axes \(refconv._arith.MAX_RANK, bounded by NumPy's 32-axis iterators\)$",
        "x-rank-62",
    ),
    row(
        lambda: convolve(np.ones((1,) * 17), np.ones((1,) * 17)), ValueError, r"^convolve: x=.* has 17 axes", "rank-17"
    ),
    row(lambda: correlate(_Unconvertible(), [1]), TypeError, _UNCONVERTIBLE, "x-array-raises"),
    row(
        lambda: correlate(np.array([Fraction(1, 2)], dtype=object), np.array([0.5])),
        TypeError,
        r"w=.*float64 array while x is an exact object array",
        "mixed-exact-float",
    ),
    row(lambda: convolve(x1, [1, 2], mode="Full"), ValueError, r"convolve: mode='Full'", "convolve-mode"),
    row(lambda: convolve(x1, [1, 2], stride=0), ValueError, r"convolve: stride=0", "convolve-stride"),
    row(
        lambda: convolve([1], [1, 2]),
        ValueError,
        r"convolve: w shape \(2,\) does not fit x shape \(1,\)",
        "convolve-swapped",
    ),
    row(
        lambda: output_shape((5,), (2,), mode="same", padding=1),
        ValueError,
        r"output_shape: padding=1 was given together with mode='same'",
        "oshape-both",
    ),
    row(
        lambda: output_shape((5,), (2,), padding="same", stride=2),
        ValueError,
        r"padding='same' is not supported with stride=\(2,\)",
        "oshape-same-stride",
    ),
    row(
        lambda: output_shape((5, 5), (2,)),
        ValueError,
        r"kernel_shape=\(2,\) has 1 axes but input_shape=\(5, 5\) has 2",
        "oshape-rank",
    ),
    row(lambda: output_shape("55", (2,)), TypeError, r"input_shape='55' is not a shape", "oshape-str"),
    row(lambda: output_shape((5,), (2,), ceil_mode=1), TypeError, r"ceil_mode=1 is not a bool", "oshape-ceil"),
    row(
        lambda: output_shape((2,), (5,)),
        ValueError,
        r"kernel_shape \(5,\) does not fit input_shape \(2,\)",
        "oshape-nofit",
    ),
    row(lambda: output_shape((5,), (2.0,)), TypeError, r"kernel_shape=\(2.0,\) is not a shape", "oshape-float-kernel"),
]
