"""Bad calls of refconv.quantized (conv_integer, qlinear_conv): operand types, zero points, scales,
the int32 overflow rule, and the layer refusals reaching the caller under its own name."""

from fractions import Fraction

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.quantized import conv_integer, qlinear_conv

X = np.array([[[3, 4, 5, 6]]], dtype=np.uint8)  # (N=1, C_in=1, length 4)
W = np.array([[[1, 2]]], dtype=np.int8)  # (C_out=1, C_in=1, k=2)
ONE = np.float32(1)
U0 = np.uint8(0)
BIG = np.full((1, 1, 33026), 255, dtype=np.uint8)  # 33026 * 255 * 255 = 2147515650 > 2**31 - 1

ROWS = [
    # conv_integer: integer operands and zero points of their tensor's type
    bad(conv_integer, X.astype(float), W)
    >> (TypeError, r"conv_integer: x=<ndarray shape=\(1, 1, 4\) dtype=float64> has dtype float64, not integers"),
    bad(conv_integer, np.array([[[Fraction(1, 2)]]], dtype=object), W[..., :1])
    >> (TypeError, r"conv_integer: x=.* holds Fraction 1/2, not integers; expected an integer array"),
    bad(conv_integer, X, W.astype(np.float32)) >> (TypeError, r"conv_integer: w=.* has dtype float32, not integers"),
    bad(conv_integer, X, W, 1.5)
    >> (
        TypeError,
        exactly("conv_integer: x_zero_point=1.5 has dtype float64, not integers; expected an integer of x's type"),
    ),
    bad(conv_integer, X, W, 256)
    >> (
        ValueError,
        exactly(
            "conv_integer: x_zero_point=256 holds 256, outside the range of x's dtype uint8; "
            "expected zero points in [0, 255]"
        ),
    ),
    bad(conv_integer, X, W, 0, -129)
    >> (ValueError, r"w_zero_point=-129 holds -129, outside the range of w's dtype int8"),
    bad(conv_integer, X, W, np.int8(3))
    >> (
        TypeError,
        r"conv_integer: x_zero_point=np.int8\(3\) has dtype int8 but x has dtype uint8; expected x's dtype uint8 "
        r"\(ONNX gives a zero point its tensor's type\)",
    ),
    bad(conv_integer, X, W, [1, 2])
    >> (ValueError, exactly("conv_integer: x_zero_point.shape=(2,) is not a scalar; expected a scalar (per tensor)")),
    bad(conv_integer, X, W, 0, np.array([1, 2], np.int8))
    >> (
        ValueError,
        r"conv_integer: w_zero_point.shape=\(2,\) is not a scalar or a per-channel vector; expected a scalar "
        r"\(per tensor\) or a 1-D array of C_out = 1 entries",
    ),
    # the int32 rule: overflow= is checked, and "raise" names the output
    bad(conv_integer, X, W, overflow="wrap")
    >> (ValueError, exactly("conv_integer: overflow='wrap' is not recognised; expected one of 'widen', 'raise'")),
    bad(conv_integer, BIG, BIG, overflow="raise")
    >> (
        ValueError,
        r"conv_integer: overflow='raise' makes output \(0, 0, 0\) = 2147515650, outside int32 "
        r"\[-2147483648, 2147483647\] \(ONNX's type\); expected overflow='widen'",
    ),
    # layer refusals come from the one normaliser, under the caller's name
    bad(conv_integer, X, W, stride=0) >> (ValueError, r"conv_integer: stride=0 has an entry 0 < 1"),
    bad(conv_integer, X, np.ones((1, 2, 2), np.int8))
    >> (ValueError, r"conv_integer: x.shape=\(1, 1, 4\) has C_in = 1 channels but w.shape=\(1, 2, 2\)"),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, ONE, U0, padding="bad")
    >> (ValueError, r"qlinear_conv: padding='bad' is not recognised"),
    # qlinear_conv: quantized types, the output type from y_zero_point
    bad(qlinear_conv, X.astype(np.int16), ONE, 0, W, ONE, 0, ONE, U0)
    >> (
        TypeError,
        r"qlinear_conv: x=.* has dtype int16; expected a uint8 or int8 array \(ONNX QLinearConv's types\); "
        r"use conv_integer for other integers",
    ),
    bad(qlinear_conv, X, ONE, 0, W.astype(np.int32), ONE, 0, ONE, U0)
    >> (TypeError, r"qlinear_conv: w=.* has dtype int32"),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, ONE, 0)
    >> (
        TypeError,
        exactly(
            "qlinear_conv: y_zero_point=0 has no uint8/int8 dtype; expected a NumPy uint8 or int8 scalar, "
            "e.g. np.uint8(128): its dtype is the output's (ONNX type T3)"
        ),
    ),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, ONE, np.int16(0))
    >> (TypeError, r"y_zero_point=np.int16\(0\) has no uint8"),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, ONE, np.array([1, 2], np.uint8))
    >> (ValueError, r"qlinear_conv: y_zero_point.shape=\(2,\) is not a scalar; expected a scalar"),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 128, ONE, U0)
    >> (ValueError, r"qlinear_conv: w_zero_point=128 holds 128, outside the range of w's dtype int8"),
    # scales: real, finite, > 0, per tensor (w: or per output channel)
    bad(qlinear_conv, X, 0.0, 0, W, ONE, 0, ONE, U0)
    >> (ValueError, exactly("qlinear_conv: x_scale=0.0 holds 0, not > 0; expected scales > 0")),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, -1, U0) >> (ValueError, r"qlinear_conv: y_scale=-1 holds -1, not > 0"),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, np.float32("inf"), U0)
    >> (ValueError, r"qlinear_conv: y_scale=np.float32\(inf\) is not finite; expected finite scales > 0"),
    bad(qlinear_conv, X, 1j, 0, W, ONE, 0, ONE, U0)
    >> (TypeError, r"qlinear_conv: x_scale=1j has dtype complex128; expected real scales"),
    bad(qlinear_conv, X, "1", 0, W, ONE, 0, ONE, U0) >> (TypeError, r"qlinear_conv: x_scale='1' is not an array"),
    bad(qlinear_conv, X, ONE, 0, W, np.ones(3, np.float32), 0, ONE, U0)
    >> (ValueError, r"qlinear_conv: w_scale.shape=\(3,\) is not a scalar or a per-channel vector.*C_out = 1 entries"),
    bad(qlinear_conv, X, np.ones(2, np.float32), 0, W, ONE, 0, ONE, U0)
    >> (ValueError, r"qlinear_conv: x_scale.shape=\(2,\) is not a scalar; expected a scalar \(per tensor\)"),
    # bias: integers of the output channels
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, ONE, U0, [1.5])
    >> (
        TypeError,
        r"qlinear_conv: bias=\[1.5\] has dtype float64, not integers; expected an integer array \(ONNX: int32",
    ),
    bad(qlinear_conv, X, ONE, 0, W, ONE, 0, ONE, U0, [1, 2])
    >> (ValueError, r"qlinear_conv: bias.shape=\(2,\) does not match the 1 output channels"),
]
