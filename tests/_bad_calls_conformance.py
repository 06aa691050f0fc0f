"""Bad calls of refconv.conformance: check and assert_conforms."""

import numpy as np
from _bad_calls_row import bad

import refconv
from refconv.conformance import assert_conforms, check

X = np.arange(6, dtype=np.float32)
W = np.ones(3, dtype=np.float32)

ROWS = [
    bad(assert_conforms, np.zeros(2), "correlate", np.array([1, 2, 3]), W)
    >> (TypeError, r"^assert_conforms: x=.* is an integer array beside float operands \(x: int64, w: float32\)"),
    bad(assert_conforms, np.zeros(2), "correlate", X, W, method="auto")
    >> (ValueError, r"^assert_conforms: method='auto' is not recognised; expected one of 'direct', 'winograd', 'fft'"),
    bad(assert_conforms, np.zeros(2), "correlate", X, W, dtype=False)
    >> (TypeError, r"^assert_conforms: dtype=False is not a dtype"),
    bad(assert_conforms, np.zeros(2), "correlate", X, W, dtype="U3")
    >> (ValueError, r"^assert_conforms: dtype='U3' is not a numeric dtype"),
    bad(assert_conforms, np.zeros(2), "correlate", np.array([1, 2, 3]), np.array([1, 1]), dtype=np.float32)
    >> (ValueError, r"^assert_conforms: dtype=<class 'numpy.float32'> is a float dtype but the operands are integers"),
    bad(check, refconv.correlate, "correlate", bias=np.array([5, 5, 5]))
    >> (TypeError, r"^check: bias=.* is not a bool or None; expected True, False or None"),
    bad(check, refconv.correlate, "correlate", shrink="yes")
    >> (TypeError, r"^check: shrink='yes' is not a bool; expected True or False"),
    bad(check, 3, "conv")
    >> (TypeError, r"check: impl=3 is not callable; expected a function called like refconv's op"),
    bad(check, refconv.conv, "conv2d") >> (ValueError, r"check: op='conv2d' is not recognised.*'conv'"),
    bad(check, refconv.conv, "conv", dtype="complex64")
    >> (ValueError, r"check: dtype='complex64' is not supported; expected float16/32/64, bfloat16 or an integer dtype"),
    bad(check, refconv.conv, "conv", dtype="nonsense") >> (TypeError, r"check: dtype='nonsense' is not a dtype"),
    bad(check, refconv.conv, "conv", max_examples=0) >> (ValueError, r"check: max_examples=0 is < 1"),
    bad(check, refconv.conv, "conv", max_examples=2.5) >> (TypeError, r"check: max_examples=2.5 is not an integer"),
    bad(check, refconv.conv, "conv", max_shrinks=-1) >> (ValueError, r"check: max_shrinks=-1 is < 1"),
    bad(check, refconv.conv, "conv", timeout="1")
    >> (TypeError, r"check: timeout='1' is not a number; expected seconds > 0, or None"),
    bad(check, refconv.conv, "conv", timeout=0)
    >> (ValueError, r"check: timeout=0 is not a positive finite number; expected seconds > 0, or None"),
    bad(check, refconv.conv, "conv", problems=3)
    >> (
        TypeError,
        r"check: problems=3 is not a problem space; expected a ProblemSpace or a callable options -> strategy",
    ),
    bad(check, refconv.conv, "conv", seed="a") >> (TypeError, r"check: seed='a' is not an integer"),
    bad(check, refconv.conv, "conv", method="gemm") >> (ValueError, r"check: method='gemm' is not recognised"),
    bad(check, refconv.conv, "conv", peer="jax") >> (ValueError, r"check: peer='jax' is not recognised.*'torch'"),
    bad(check, refconv.conv, "conv", ranks=()) >> (ValueError, r"check: ranks=\(\) is not a tuple of spatial ranks"),
    bad(check, refconv.conv, "conv", ranks=np.int64(2))
    >> (ValueError, r"check: ranks=np.int64\(2\) is not a tuple of spatial ranks"),
    bad(check, refconv.conv, "conv", ranks=(0, 1))
    >> (ValueError, r"check: ranks=\(0, 1\) is not a tuple of spatial ranks"),
    bad(check, refconv.conv, "conv", arithmetic="TF32") >> (ValueError, r"check: arithmetic='TF32' is not recognised"),
    bad(assert_conforms, X, "conv3d", X, W) >> (ValueError, r"assert_conforms: op='conv3d' is not recognised"),
]
