"""Bad calls of refconv.deform (deform_conv)."""

from fractions import Fraction

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.deform import deform_conv

X = np.arange(1, 7).reshape(1, 2, 3)  # (N=1, C_in=2, W=3)
W = np.ones((2, 2, 2), dtype=int)  # (C_out=2, C_in=2, k=2): out = 2
OFF = np.zeros((1, 2, 2), dtype=int)  # (N, offset_groups*K*rank = 1*2*1, out)


def _symbol():
    import sympy

    return sympy.Symbol("a")


ROWS = [
    # --- offset and mask shapes
    bad(deform_conv, X, np.zeros((1, 2, 3), dtype=int), W)
    >> (
        ValueError,
        exactly(
            "deform_conv: offset.shape=(1, 2, 3) does not match x.shape=(1, 2, 3) and w.shape=(2, 2, 2); "
            "expected offset of shape (1, 2, 2): (N, offset_groups*K*rank, *out) = (N, 1*2*1, *out)"
        ),
    ),
    bad(deform_conv, X[0], OFF, W)
    >> (
        ValueError,
        r"^deform_conv: offset.shape=\(1, 2, 2\) does not match x.shape=\(2, 3\) .*expected offset of shape \(2, 2\)",
    ),
    bad(deform_conv, X, OFF, W, mask=np.ones((1, 4, 2)))
    >> (
        ValueError,
        r"^deform_conv: mask.shape=\(1, 4, 2\) does not match .*; "
        r"expected mask of shape \(1, 2, 2\): \(N, offset_groups\*K, \*out\)",
    ),
    # --- offset_groups
    bad(deform_conv, X, OFF, W, offset_groups=0)
    >> (ValueError, exactly("deform_conv: offset_groups=0 is < 1; expected an int >= 1 dividing C_in")),
    bad(deform_conv, X, np.zeros((1, 6, 2)), W, offset_groups=3)
    >> (
        ValueError,
        r"^deform_conv: offset_groups=3 does not divide C_in = x.shape\[1\] = 2; expected an int >= 1 dividing C_in",
    ),
    bad(deform_conv, X, OFF, W, offset_groups=1.0) >> (TypeError, r"^deform_conv: offset_groups=1.0 is not an integer"),
    bad(deform_conv, X, OFF, W, offset_groups=True)
    >> (TypeError, r"^deform_conv: offset_groups=True is not an integer"),
    # --- offset and mask values
    bad(deform_conv, X, OFF.astype(complex), W)
    >> (
        TypeError,
        exactly(
            "deform_conv: offset=<ndarray shape=(1, 2, 2) dtype=complex128> is a complex128 array; "
            "expected real offsets"
        ),
    ),
    bad(deform_conv, X, np.array([[[_symbol(), 0], [0, 0]]], dtype=object), W)
    >> (
        TypeError,
        r"^deform_conv: offset=.* holds a, which is not a rational number .*; "
        r"expected int, Fraction or sympy.Rational offsets",
    ),
    bad(deform_conv, X, np.array([[[0.5, 0], [0, 0]]], dtype=object), W)
    >> (TypeError, r"^deform_conv: offset=.* holds float 0.5; expected an object array of int, Fraction or SymPy"),
    bad(deform_conv, X.astype(float), OFF.astype(object) + Fraction(1, 2), W)
    >> (TypeError, r"^deform_conv: x=.* is a float64 array while offset is an exact object array"),
    bad(deform_conv, X, "a", W) >> (TypeError, r"^deform_conv: offset='a' is not an array"),
    bad(deform_conv, X, None, W) >> (TypeError, r"^deform_conv: offset=None is not an array"),
    bad(deform_conv, X, OFF, W, mask=np.ones((1, 2, 2), bool)) >> (TypeError, r"^deform_conv: mask=.* is a bool array"),
    # --- the layer's own refusals (refconv.spec.LayerCall), in deform_conv's name
    bad(deform_conv, X, OFF, W, np.ones(3))
    >> (ValueError, r"^deform_conv: bias.shape=\(3,\) does not match the 2 output"),
    bad(deform_conv, X, OFF, W, groups=2)
    >> (ValueError, r"^deform_conv: x.shape=\(1, 2, 3\) has C_in = 2 channels but"),
    bad(deform_conv, X, OFF, W, stride=0) >> (ValueError, r"^deform_conv: stride=0 has an entry 0 < 1"),
    bad(deform_conv, X, OFF, W, padding=-1) >> (ValueError, r"^deform_conv: padding=-1 has a negative pad"),
    # --- the memory budget: broadcast operands hold 3 cells, the sampled columns would be 2e8
    bad(
        deform_conv,
        np.broadcast_to(1.0, (1, 1, 10**5)),
        np.broadcast_to(0.0, (1, 2000, 100001)),
        np.broadcast_to(1.0, (1, 1, 2000)),
        padding=1000,
    )
    >> (
        ValueError,
        r"^deform_conv: offset=.* needs sampled columns of shape \(1, 1, 2000, 100001\), 200,002,000 cells",
    ),
]
