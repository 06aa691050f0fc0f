"""Bad calls of the oracle: error_bound, exact, round_to, check, assert_conforms."""

import numpy as np
import pytest

import refconv
from refconv import error_bound, exact
from refconv.bounds import round_to
from refconv.conformance import assert_conforms, check

X = np.arange(6, dtype=np.float32)
W = np.ones(3, dtype=np.float32)
X2 = np.ones((1, 1, 5, 5), dtype=np.float32)
W2 = np.ones((1, 1, 3, 3), dtype=np.float32)
X3, W3 = np.ones((1, 2, 6), dtype=np.float32), np.ones((2, 1, 3), dtype=np.float32)


def row(call, exc, match, id):
    return pytest.param(call, exc, match, id=id)


ROWS = [
    row(
        lambda: error_bound(X, W, op="conv2d"),
        ValueError,
        r"error_bound: op='conv2d' is not recognised",
        "oracle-bound-op",
    ),
    row(lambda: error_bound(X, W, op=2), TypeError, r"error_bound: op=2 is not a string", "oracle-bound-op-type"),
    row(
        lambda: error_bound(X, W, op="correlate", method="strassen"),
        ValueError,
        r"method='strassen' is not recognised.*'direct', 'winograd', 'fft'",
        "oracle-bound-method",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", arithmetic="F32"),
        ValueError,
        r"arithmetic='F32' is not recognised.*'F32_F32_F32'",
        "oracle-bound-preset",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", arithmetic="f32_f32_f32"),
        ValueError,
        r"arithmetic='f32_f32_f32' is not recognised",
        "oracle-bound-preset-case",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", arithmetic=32),
        TypeError,
        r"arithmetic=32 is not a string",
        "oracle-bound-preset-type",
    ),
    row(
        lambda: error_bound(np.arange(6), np.ones(3, int), op="correlate"),
        TypeError,
        r"error_bound: dtype=None cannot be inferred: no float operand",
        "oracle-bound-int-operands",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", dtype="int64"),
        ValueError,
        r"dtype='int64' is not a float dtype with a bound",
        "oracle-bound-dtype",
    ),
    row(
        lambda: error_bound(X, np.ones(4, np.float32), op="correlate", method="winograd"),
        ValueError,
        r"transform=None has no default for kernel \(4,\)",
        "oracle-bound-winograd-kernel",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", method="winograd", stride=2),
        ValueError,
        r"method='winograd' is bounded here for 1-D/2-D, stride 1, dilation 1 only",
        "oracle-bound-winograd-stride",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", method="winograd", transform="F(6,3)"),
        ValueError,
        r"transform='F\(6,3\)' is not recognised.*'F\(2,3\)'",
        "oracle-bound-winograd-name",
    ),
    row(
        lambda: error_bound(
            X, W, op="correlate", method="winograd", transform=(np.ones((2, 4)), np.ones((3, 3)), np.eye(4))
        ),
        ValueError,
        r"transform='\(AT, G, BT\)' with shapes AT \(2, 4\), G \(3, 3\), BT \(4, 4\) is inconsistent",
        "oracle-bound-winograd-shapes",
    ),
    row(
        lambda: error_bound(X2, W2, op="conv_transpose", method="fft"),
        ValueError,
        r"op='conv_transpose' has no fast-algorithm bound",
        "oracle-bound-fft-op",
    ),
    row(
        lambda: error_bound(X, W, np.ones(1), op="correlate"),
        TypeError,
        r"error_bound: args='3 operands' is too many for op='correlate'; expected at most 2: x, w",
        "oracle-bound-too-many",
    ),
    row(
        lambda: assert_conforms(np.zeros(2), "correlate", np.array([1, 2, 3]), W),
        TypeError,
        r"^assert_conforms: x=.* is an integer array beside float operands \(x: int64, w: float32\)",
        "oracle-conforms-mixed-kinds",
    ),
    row(
        lambda: assert_conforms(np.zeros(2), "correlate", X, W, method="auto"),
        ValueError,
        r"^assert_conforms: method='auto' is not recognised; expected one of 'direct', 'winograd', 'fft'",
        "oracle-conforms-method",
    ),
    row(
        lambda: assert_conforms(np.zeros(2), "correlate", X, W, dtype=False),
        TypeError,
        r"^assert_conforms: dtype=False is not a dtype",
        "oracle-conforms-dtype-type",
    ),
    row(
        lambda: assert_conforms(np.zeros(2), "correlate", X, W, dtype="U3"),
        ValueError,
        r"^assert_conforms: dtype='U3' is not a numeric dtype",
        "oracle-conforms-dtype-junk",
    ),
    row(
        lambda: assert_conforms(np.zeros(2), "correlate", np.array([1, 2, 3]), np.array([1, 1]), dtype=np.float32),
        ValueError,
        r"^assert_conforms: dtype=<class 'numpy.float32'> is a float dtype but the operands are integers",
        "oracle-conforms-float-dtype-int-operands",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", padding=1),
        TypeError,
        r"^error_bound: padding=1 is not a keyword of refconv.correlate; expected mode, stride, dilation, \.\.\.",
        "oracle-bound-foreign-keyword",
    ),
    row(
        lambda: check(refconv.correlate, "correlate", bias=np.array([5, 5, 5])),
        TypeError,
        r"^check: bias=.* is not a bool or None; expected True, False or None",
        "oracle-check-bias-array",
    ),
    row(
        lambda: check(refconv.correlate, "correlate", shrink="yes"),
        TypeError,
        r"^check: shrink='yes' is not a bool; expected True or False",
        "oracle-check-shrink",
    ),
    row(
        lambda: error_bound(np.zeros((2, 0, 3)), np.zeros((2, 0, 3)), op="conv", method="fft"),
        ValueError,
        r"^error_bound: method='fft' has no bound for empty operands \(x.shape=\(2, 0, 3\), w.shape=\(2, 0, 3\)\); "
        r"expected method='direct'",
        "oracle-bound-fft-empty",
    ),
    row(
        lambda: exact("conv", np.zeros((2, 1)), np.zeros((3, 2, 1)), np.zeros(2)),
        ValueError,
        r"^conv: bias.shape=\(2,\) does not match the 3 output channels; expected bias of shape \(3,\)",
        "oracle-exact-bias-shape",
    ),
    row(
        lambda: exact("max_pool", X, 2, 2),
        TypeError,
        r"^exact: args='3 operands' is too many for op='max_pool'; expected at most 2: x, kernel_size",
        "oracle-exact-too-many",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", stride=0),
        ValueError,
        r"correlate: stride=0 has an entry 0 < 1",
        "oracle-bound-geometry",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", reference=np.zeros(3)),
        ValueError,
        r"^error_bound: reference=<ndarray shape=\(3,\) dtype=float64> has shape \(3,\); "
        r"expected the op's output shape \(4,\)$",
        "oracle-bound-reference-shape",
    ),
    # The fast-algorithm bounds check a conv call exactly as conv does (they share its setup).
    row(
        lambda: error_bound(X3, W3, op="conv", method="fft", groups=2, padding_mode="wrap"),
        ValueError,
        r"^conv: padding_mode='wrap' is not a refconv name \(numpy's 'wrap' is torch's 'circular'\); expected one of",
        "oracle-bound-fft-padding-mode",
    ),
    row(
        lambda: error_bound(X3, W3, op="conv", method="winograd", groups=0),
        ValueError,
        r"^conv: groups=0 is < 1; expected an int >= 1$",
        "oracle-bound-winograd-groups",
    ),
    row(
        lambda: error_bound(X3, W3, op="conv", method="fft"),
        ValueError,
        r"^conv: x.shape=\(1, 2, 6\) has C_in = 2 channels but w.shape=\(2, 1, 3\) with groups=1 takes",
        "oracle-bound-fft-channels",
    ),
    row(
        lambda: error_bound(X3, W3, np.ones(3, np.float32), op="conv", method="winograd", groups=2),
        ValueError,
        r"^conv: bias.shape=\(3,\) does not match the 2 output channels; expected bias of shape \(2,\)$",
        "oracle-bound-winograd-bias",
    ),
    row(
        lambda: error_bound(X, 2, op="avg_pool", reference=[[1.0, 2.0, 3.0]]),
        ValueError,
        r"^error_bound: reference=\[\[1.0, 2.0, 3.0\]\] has shape \(1, 3\); expected the op's output shape \(3,\)$",
        "oracle-bound-reference-shape-pool",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", reference=[None, 1, 2, 3]),
        TypeError,
        r"^error_bound: reference=\[None, 1, 2, 3\] is not an array of real numbers; expected the exact result$",
        "oracle-bound-reference-none",
    ),
    row(
        lambda: error_bound(X, W, op="correlate", reference=np.ones(4, complex)),
        TypeError,
        r"^error_bound: reference=<ndarray shape=\(4,\) dtype=complex128> is not an array of real numbers",
        "oracle-bound-reference-complex",
    ),
    row(
        lambda: exact("correlate", np.arange(3), np.ones(2)),
        TypeError,
        r"exact: x=.* has dtype int64; expected a float16, float32 or float64 array",
        "oracle-exact-int",
    ),
    row(
        lambda: exact("correlate", X, W, dtype="int32"),
        ValueError,
        r"exact: dtype='int32' is not a float dtype refconv rounds to",
        "oracle-exact-dtype",
    ),
    row(
        lambda: exact("correlate", X, W, dtype="nonsense"),
        TypeError,
        r"exact: dtype='nonsense' is not a dtype",
        "oracle-exact-dtype-type",
    ),
    row(lambda: exact("fft", X, W), ValueError, r"exact: op='fft' is not recognised", "oracle-exact-op"),
    row(
        lambda: exact("correlate", [1, 2], [1]),
        TypeError,
        r"exact: x=\[1, 2\] has dtype int64; expected a float16, float32 or float64 array",
        "oracle-exact-lists",
    ),
    row(
        lambda: round_to(X, "fp8"), ValueError, r"round_to: fmt='fp8' is not recognised.*'bf16'", "oracle-round-format"
    ),
    row(
        lambda: round_to(X, "bf16", "rd"),
        ValueError,
        r"round_to: rounding='rd' is not recognised.*'rn', 'rz'",
        "oracle-round-mode",
    ),
    row(
        lambda: round_to(np.arange(3), "bf16"),
        TypeError,
        r"round_to: a=.* has dtype int64; expected a float array",
        "oracle-round-int",
    ),
    row(
        lambda: round_to(np.array([0.1]), refconv.bounds.Format("fp8 e5m2", 3, -14, 15)),
        ValueError,
        r"^round_to: fmt=Format\(name='fp8 e5m2', p=3, e_min=-14, e_max=15\) is neither a numpy format nor of "
        r"float32's range; expected 1 <= p <= 22 with e_min=-126, e_max=127$",
        "oracle-round-foreign-range",
    ),
    row(
        lambda: round_to(np.array([0.1]), 16),
        TypeError,
        r"^round_to: fmt=16 is not a format; expected a name of FORMATS \(f64, f32, tf32, f16, bf16\) or a Format$",
        "oracle-round-format-type",
    ),
    row(
        lambda: check(3, "conv"),
        TypeError,
        r"check: impl=3 is not callable; expected a function called like refconv's op",
        "oracle-check-impl",
    ),
    row(
        lambda: check(refconv.conv, "conv2d"),
        ValueError,
        r"check: op='conv2d' is not recognised.*'conv'",
        "oracle-check-op",
    ),
    row(
        lambda: check(refconv.conv, "conv", dtype="complex64"),
        ValueError,
        r"check: dtype='complex64' is not supported; expected float16/32/64 or an integer dtype",
        "oracle-check-dtype",
    ),
    row(
        lambda: check(refconv.conv, "conv", dtype="nonsense"),
        TypeError,
        r"check: dtype='nonsense' is not a dtype",
        "oracle-check-dtype-type",
    ),
    row(
        lambda: check(refconv.conv, "conv", max_examples=0),
        ValueError,
        r"check: max_examples=0 is < 1",
        "oracle-check-examples",
    ),
    row(
        lambda: check(refconv.conv, "conv", max_examples=2.5),
        TypeError,
        r"check: max_examples=2.5 is not an integer",
        "oracle-check-examples-type",
    ),
    row(
        lambda: check(refconv.conv, "conv", max_shrinks=-1),
        ValueError,
        r"check: max_shrinks=-1 is < 1",
        "oracle-check-shrinks",
    ),
    row(
        lambda: check(refconv.conv, "conv", timeout="1"),
        TypeError,
        r"check: timeout='1' is not a number; expected seconds > 0, or None",
        "oracle-check-timeout-type",
    ),
    row(
        lambda: check(refconv.conv, "conv", timeout=0),
        ValueError,
        r"check: timeout=0 is not a positive finite number; expected seconds > 0, or None",
        "oracle-check-timeout",
    ),
    row(
        lambda: check(refconv.conv, "conv", problems=3),
        TypeError,
        r"check: problems=3 is not a problem space; expected a ProblemSpace or a callable options -> strategy",
        "oracle-check-problems",
    ),
    row(
        lambda: check(refconv.conv, "conv", seed="a"),
        TypeError,
        r"check: seed='a' is not an integer",
        "oracle-check-seed",
    ),
    row(
        lambda: check(refconv.conv, "conv", method="gemm"),
        ValueError,
        r"check: method='gemm' is not recognised",
        "oracle-check-method",
    ),
    row(
        lambda: check(refconv.conv, "conv", peer="jax"),
        ValueError,
        r"check: peer='jax' is not recognised.*'torch'",
        "oracle-check-peer",
    ),
    row(
        lambda: check(refconv.conv, "conv", ranks=()),
        ValueError,
        r"check: ranks=\(\) is not a tuple of spatial ranks",
        "oracle-check-ranks",
    ),
    row(
        lambda: check(refconv.conv, "conv", ranks=np.int64(2)),
        ValueError,
        r"check: ranks=np.int64\(2\) is not a tuple of spatial ranks",
        "oracle-check-ranks-numpy-int",
    ),
    row(
        lambda: check(refconv.conv, "conv", ranks=(0, 1)),
        ValueError,
        r"check: ranks=\(0, 1\) is not a tuple of spatial ranks",
        "oracle-check-ranks-zero",
    ),
    row(
        lambda: check(refconv.conv, "conv", arithmetic="TF32"),
        ValueError,
        r"check: arithmetic='TF32' is not recognised",
        "oracle-check-arithmetic",
    ),
    row(
        lambda: assert_conforms(X, "conv3d", X, W),
        ValueError,
        r"assert_conforms: op='conv3d' is not recognised",
        "oracle-assert-op",
    ),
]
