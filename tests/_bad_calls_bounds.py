"""Bad calls of refconv.bounds: error_bound and round_to.

Rows built with ``exactly(...)`` pin the whole message: the problem and the "expected" part too, so that
a message that loses its function name, its hint or its advice fails.  Each is written out from the
documented format ``<function>: <param>=<value!r> <what is wrong>; expected <what is allowed>``."""

import numpy as np
from _bad_calls_row import bad, exactly

import refconv
from refconv import error_bound
from refconv.bounds import Arithmetic, Format, round_to

X = np.arange(6, dtype=np.float32)
W = np.ones(3, dtype=np.float32)
X2 = np.ones((1, 1, 5, 5), dtype=np.float32)
W2 = np.ones((1, 1, 3, 3), dtype=np.float32)
X3, W3 = np.ones((1, 2, 6), dtype=np.float32), np.ones((2, 1, 3), dtype=np.float32)
X32, W32 = np.arange(6, dtype=np.float32), np.ones(3, dtype=np.float32)

ROWS = [
    bad(error_bound, X, W, op="conv2d") >> (ValueError, r"error_bound: op='conv2d' is not recognised"),
    bad(error_bound, X, W, op=2) >> (TypeError, r"error_bound: op=2 is not a string"),
    bad(error_bound, X, W, op="correlate", method="strassen")
    >> (ValueError, r"method='strassen' is not recognised.*'direct', 'winograd', 'fft'"),
    bad(error_bound, X, W, op="correlate", arithmetic="F32")
    >> (ValueError, r"arithmetic='F32' is not recognised.*'F32_F32_F32'"),
    bad(error_bound, X, W, op="correlate", arithmetic="f32_f32_f32")
    >> (ValueError, r"arithmetic='f32_f32_f32' is not recognised"),
    bad(error_bound, X, W, op="correlate", arithmetic=32) >> (TypeError, r"arithmetic=32 is not a string"),
    bad(error_bound, np.arange(6), np.ones(3, int), op="correlate")
    >> (TypeError, r"error_bound: dtype=None cannot be inferred: no float operand"),
    bad(error_bound, X, W, op="correlate", dtype="int64")
    >> (ValueError, r"dtype='int64' is not a float dtype with a bound"),
    bad(error_bound, X, np.ones(4, np.float32), op="correlate", method="winograd")
    >> (ValueError, r"transform=None has no default for kernel \(4,\)"),
    bad(error_bound, X, W, op="correlate", method="winograd", stride=2)
    >> (ValueError, r"method='winograd' is bounded here for 1-D/2-D, stride 1, dilation 1 only"),
    bad(error_bound, X, W, op="correlate", method="winograd", transform="F(6,3)")
    >> (ValueError, r"transform='F\(6,3\)' is not recognised.*'F\(2,3\)'"),
    bad(error_bound, X, W, op="correlate", method="winograd", transform=(np.ones((2, 4)), np.ones((3, 3)), np.eye(4)))
    >> (ValueError, r"transform='\(AT, G, BT\)' with shapes AT \(2, 4\), G \(3, 3\), BT \(4, 4\) is inconsistent"),
    bad(error_bound, X2, W2, op="conv_transpose", method="fft")
    >> (ValueError, r"op='conv_transpose' has no fast-algorithm bound"),
    bad(error_bound, X, W, np.ones(1), op="correlate")
    >> (TypeError, r"error_bound: args='3 operands' is too many for op='correlate'; expected at most 2: x, w"),
    bad(error_bound, X, W, op="correlate", padding=1)
    >> (
        TypeError,
        r"^error_bound: padding=1 is not a keyword of refconv.correlate; expected mode, stride, dilation, \.\.\.",
    ),
    bad(error_bound, np.zeros((2, 0, 3)), np.zeros((2, 0, 3)), op="conv", method="fft")
    >> (
        ValueError,
        r"^error_bound: method='fft' has no bound for empty operands \(x.shape=\(2, 0, 3\), w.shape=\(2, 0, 3\)\); "
        r"expected method='direct'",
    ),
    bad(error_bound, X, W, op="correlate", stride=0) >> (ValueError, r"correlate: stride=0 has an entry 0 < 1"),
    bad(error_bound, X, W, op="correlate", method="fft", stride=0)
    >> (ValueError, exactly("correlate: stride=0 has an entry 0 < 1; expected ints >= 1")),
    bad(error_bound, X, W, op="correlate", reference=np.zeros(3))
    >> (
        ValueError,
        r"^error_bound: reference=<ndarray shape=\(3,\) dtype=float64> has shape \(3,\); "
        r"expected the op's output shape \(4,\)$",
    ),
    # The Lp and weighted pool bounds check reference= as the direct bound does.
    bad(error_bound, X, 2.0, 2, op="lp_pool", reference=np.zeros(2))
    >> (
        ValueError,
        r"^error_bound: reference=<ndarray shape=\(2,\) dtype=float64> has shape \(2,\); "
        r"expected the op's output shape \(3,\)$",
    ),
    bad(error_bound, X, 2, np.ones(2), op="weighted_pool", reference=[[1.0, 2.0, 3.0]])
    >> (
        ValueError,
        r"^error_bound: reference=\[\[1.0, 2.0, 3.0\]\] has shape \(1, 3\); expected the op's output shape \(3,\)$",
    ),
    # The fast-algorithm bounds check a conv call exactly as conv does (they share its setup).
    bad(error_bound, X3, W3, op="conv", method="fft", groups=2, padding_mode="wrap")
    >> (
        ValueError,
        r"^conv: padding_mode='wrap' is not a refconv name \(numpy's 'wrap' is torch's 'circular'\); expected one of",
    ),
    bad(error_bound, X3, W3, op="conv", method="winograd", groups=0)
    >> (ValueError, r"^conv: groups=0 is < 1; expected an int >= 1$"),
    bad(error_bound, X3, W3, op="conv", method="fft")
    >> (ValueError, r"^conv: x.shape=\(1, 2, 6\) has C_in = 2 channels but w.shape=\(2, 1, 3\) with groups=1 takes"),
    bad(error_bound, X3, W3, np.ones(3, np.float32), op="conv", method="winograd", groups=2)
    >> (ValueError, r"^conv: bias.shape=\(3,\) does not match the 2 output channels; expected bias of shape \(2,\)$"),
    bad(error_bound, X, 2, op="avg_pool", reference=[[1.0, 2.0, 3.0]])
    >> (
        ValueError,
        r"^error_bound: reference=\[\[1.0, 2.0, 3.0\]\] has shape \(1, 3\); expected the op's output shape \(3,\)$",
    ),
    bad(error_bound, X, W, op="correlate", reference=[None, 1, 2, 3])
    >> (
        TypeError,
        r"^error_bound: reference=\[None, 1, 2, 3\] is not an array of real numbers; expected the exact result$",
    ),
    bad(error_bound, X, W, op="correlate", reference=np.ones(4, complex))
    >> (TypeError, r"^error_bound: reference=<ndarray shape=\(4,\) dtype=complex128> is not an array of real numbers"),
    bad(round_to, X, "fp8") >> (ValueError, r"round_to: fmt='fp8' is not recognised.*'bf16'"),
    bad(round_to, X, "bf16", "rd") >> (ValueError, r"round_to: rounding='rd' is not recognised.*'rn', 'rz'"),
    bad(round_to, np.arange(3), "bf16") >> (TypeError, r"round_to: a=.* has dtype int64; expected a float array"),
    bad(round_to, np.array([0.1]), refconv.bounds.Format("fp8 e5m2", 3, -14, 15))
    >> (
        ValueError,
        r"^round_to: fmt=Format\(name='fp8 e5m2', p=3, e_min=-14, e_max=15\) is neither a numpy format nor of "
        r"float32's range; expected 1 <= p <= 22 with e_min=-126, e_max=127$",
    ),
    bad(round_to, np.array([0.1]), 16)
    >> (
        TypeError,
        r"^round_to: fmt=16 is not a format; expected a name of FORMATS \(f64, f32, tf32, f16, bf16\) or a Format$",
    ),
    # ---- bounds
    bad(round_to, np.array([1, 2]), "f16")
    >> (TypeError, exactly("round_to: a=<ndarray shape=(2,) dtype=int64> has dtype int64; expected a float array")),
    bad(round_to, np.array([1.0]), "f8")
    >> (
        ValueError,
        exactly("round_to: fmt='f8' is not recognised; expected one of 'f64', 'f32', 'tf32', 'f16', 'bf16'"),
    ),
    bad(round_to, np.array([1.0]), "f16", "ru")
    >> (ValueError, exactly("round_to: rounding='ru' is not recognised; expected one of 'rn', 'rz'")),
    bad(
        error_bound,
        X32,
        W32,
        op="correlate",
        method="winograd",
        transform=(np.ones((2, 3)), np.ones((4, 3)), np.eye(4)),
    )
    >> (
        ValueError,
        exactly(
            "error_bound: transform='(AT, G, BT)' with shapes AT (2, 3), G (4, 3), BT (4, 4) is inconsistent; "
            "expected AT (m, m+r-1), G (m+r-1, r), BT (m+r-1, m+r-1)"
        ),
    ),
    bad(round_to, np.array([1.0]), Format("p23", 23, -126, 127))
    >> (
        ValueError,
        exactly(
            "round_to: fmt=Format(name='p23', p=23, e_min=-126, e_max=127) is neither a numpy format nor of "
            "float32's range; expected 1 <= p <= 22 with e_min=-126, e_max=127"
        ),
    ),
    bad(error_bound, np.arange(6), np.ones(3, dtype=int), op="correlate")
    >> (
        TypeError,
        exactly("error_bound: dtype=None cannot be inferred: no float operand; expected dtype=float16/32/64"),
    ),
    bad(error_bound, X32, W32, op="correlate", dtype="int32")
    >> (
        ValueError,
        exactly("error_bound: dtype='int32' is not a float dtype with a bound; expected float16, float32 or float64"),
    ),
    bad(error_bound, X32, 2, op="avg_pool", method="fft")
    >> (ValueError, exactly("error_bound: method='fft' has no bound for op='avg_pool'; expected 'direct'")),
    bad(error_bound, X32, W32, op="correlate", method="winograd", stride=2)
    >> (
        ValueError,
        exactly(
            "error_bound: method='winograd' is bounded here for 1-D/2-D, stride 1, dilation 1 only (got "
            "ConvSpec(axes=(AxisGeometry(n=6, k=3, stride=2, dilation=1, lo=0, hi=0, ceil_mode=False),), "
            "boundary='constant')); expected method='direct' or 'fft' for this problem"
        ),
    ),
    bad(error_bound, np.ones((4, 4, 4), np.float32), np.ones((3, 3, 3), np.float32), op="correlate", method="winograd")
    >> (
        ValueError,
        exactly(
            "error_bound: method='winograd' is bounded here for 1-D/2-D, stride 1, dilation 1 only (got "
            "ConvSpec(axes=(AxisGeometry(n=4, k=3, stride=1, dilation=1, lo=0, hi=0, ceil_mode=False), "
            "AxisGeometry(n=4, k=3, stride=1, dilation=1, lo=0, hi=0, ceil_mode=False), AxisGeometry(n=4, k=3, "
            "stride=1, dilation=1, lo=0, hi=0, ceil_mode=False)), boundary='constant')); expected method='direct' "
            "or 'fft' for this problem"
        ),
    ),
    bad(error_bound, X32, np.ones(2, np.float32), op="correlate", method="winograd")
    >> (
        ValueError,
        exactly(
            "error_bound: transform=None has no default for kernel (2,); expected the (AT, G, BT) matrices the "
            "implementation uses"
        ),
    ),
    bad(error_bound, X32, W32, op="correlate", method="winograd", transform="F(3,3)")
    >> (ValueError, exactly("error_bound: transform='F(3,3)' is not recognised; expected one of 'F(2,3)', 'F(4,3)'")),
    bad(
        error_bound,
        X32,
        W32,
        op="correlate",
        method="winograd",
        transform=(np.ones((2, 4)), np.ones((4, 3)), np.ones((3, 3))),
    )
    >> (
        ValueError,
        exactly(
            "error_bound: transform='(AT, G, BT)' with shapes AT (2, 4), G (4, 3), BT (3, 3) is inconsistent; "
            "expected AT (m, m+r-1), G (m+r-1, r), BT (m+r-1, m+r-1)"
        ),
    ),
    bad(error_bound, X32, np.ones(5, np.float32), op="correlate", method="winograd", transform="F(2,3)")
    >> (
        ValueError,
        exactly(
            "error_bound: transform=(((1, 1, 1, 0), (0, 1, -1, -1)), ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, "
            "0.5... is for kernels of 3 taps, not (5,); expected matching transform matrices"
        ),
    ),
    bad(error_bound, X32, W32, op="correlate", method="gemm")
    >> (
        ValueError,
        exactly("error_bound: method='gemm' is not recognised; expected one of 'direct', 'winograd', 'fft'"),
    ),
    bad(error_bound, X32, W32, op="correlate", arithmetic="F8")
    >> (
        ValueError,
        exactly(
            "error_bound: arithmetic='F8' is not recognised; expected one of 'F64_F64_F64', 'F32_F32_F32', "
            "'F16_F16_F16', 'BF16_BF16_BF16', 'F16_F16_F32', 'BF16_BF16_F32', 'F16_F16_F32_TC', "
            "'BF16_BF16_F32_TC', 'TF32_TF32_F32', 'BF16x3_F32', 'F16_F16_F32_F16', 'BF16_BF16_F32_BF16', "
            "'TORCH_CUDA_F32_DEFAULT', 'F32_F32_F32_FTZ'"
        ),
    ),
    bad(Arithmetic, "x", ftz=1) >> (TypeError, exactly("Arithmetic: ftz=1 is not a bool; expected True or False")),
    bad(Arithmetic, "x", daz="yes")
    >> (TypeError, exactly("Arithmetic: daz='yes' is not a bool; expected True or False")),
    bad(Arithmetic, "x", output="f16")
    >> (TypeError, exactly("Arithmetic: output='f16' is not a Format; expected None or an entry of FORMATS")),
    bad(Arithmetic, "x", input_rounding="rd")
    >> (ValueError, exactly("Arithmetic: input_rounding='rd' is not recognised; expected one of 'rn', 'rz'")),
    bad(Arithmetic, "x", accumulate_rounding="ru")
    >> (ValueError, exactly("Arithmetic: accumulate_rounding='ru' is not recognised; expected one of 'rn', 'rz'")),
    bad(error_bound, X32, 2, 2, op="lp_pool", arithmetic="F32_F32_F32_FTZ")
    >> (
        ValueError,
        exactly(
            "error_bound: arithmetic='F32_F32_F32_FTZ' flushes subnormals: no lp_pool bound models it; "
            "expected an arithmetic without ftz/daz"
        ),
    ),
    # Either flag alone is refused too.
    bad(error_bound, X32, 2, np.ones(2), op="weighted_pool", arithmetic=Arithmetic("daz", daz=True))
    >> (
        ValueError,
        exactly(
            "error_bound: arithmetic='daz' flushes subnormals: no weighted_pool bound models it; "
            "expected an arithmetic without ftz/daz"
        ),
    ),
    bad(error_bound, X32, 2, 2, op="lp_pool", arithmetic=Arithmetic("ftz", ftz=True))
    >> (ValueError, r"^error_bound: arithmetic='ftz' flushes subnormals: no lp_pool bound models it; "),
    bad(error_bound, X32, 2, np.ones(2, np.float32), op="weighted_pool", method="fft")
    >> (ValueError, exactly("error_bound: method='fft' has no bound for op='weighted_pool'; expected 'direct'")),
    bad(error_bound, X32, W32, op="correlate", method="fft", arithmetic="F32_F32_F32_FTZ")
    >> (
        ValueError,
        exactly(
            "error_bound: arithmetic='F32_F32_F32_FTZ' flushes subnormals: no fft bound models it; "
            "expected method='direct'"
        ),
    ),
]
