"""Bad calls of refconv.exact."""

import numpy as np
from _bad_calls_row import bad

from refconv import exact

X = np.arange(6, dtype=np.float32)
W = np.ones(3, dtype=np.float32)

ROWS = [
    bad(exact, "conv", np.zeros((2, 1)), np.zeros((3, 2, 1)), np.zeros(2))
    >> (ValueError, r"^conv: bias.shape=\(2,\) does not match the 3 output channels; expected bias of shape \(3,\)"),
    bad(exact, "max_pool", X, 2, 2)
    >> (TypeError, r"^exact: args='3 operands' is too many for op='max_pool'; expected at most 2: x, kernel_size"),
    bad(exact, "correlate", np.arange(3), np.ones(2))
    >> (TypeError, r"exact: x=.* has dtype int64; expected a float16, float32 or float64 array"),
    bad(exact, "correlate", X, W, dtype="int32")
    >> (ValueError, r"exact: dtype='int32' is not a float dtype refconv rounds to"),
    bad(exact, "correlate", X, W, dtype="nonsense") >> (TypeError, r"exact: dtype='nonsense' is not a dtype"),
    bad(exact, "fft", X, W) >> (ValueError, r"exact: op='fft' is not recognised"),
    bad(exact, "lp_pool", X, 0.1, 2)
    >> (
        ValueError,
        r"^exact_value: p=0.1 is exactly 3602879701896397/36028797018963968: enclosing the Lp norm needs "
        r"integers of about [\d,]+ bits, over the limit of 1,000,000; expected p with a small numerator",
    ),
    # sqrt(a) + sqrt(a) is irrational, its square 1 + 2**-24 a float32 midpoint: the enclosure never settles.
    bad(exact, "lp_pool", np.full(2, (1 + 2**-24) / 4), 0.5, 2)
    >> (ValueError, r"^exact_value: p=0.5 gives a norm within 2\*\*-4096 of a rounding boundary"),
    bad(exact, "weighted_pool", X, 2)
    >> (TypeError, r"^exact: weight=None is missing; expected op='weighted_pool' called with x, kernel_size, weight"),
    bad(exact, "global_lp_pool", X, 2, 3)
    >> (TypeError, r"^exact: args='3 operands' is too many for op='global_lp_pool'; expected at most 2: x, p"),
    bad(exact, "correlate", [1, 2], [1])
    >> (TypeError, r"exact: x=\[1, 2\] has dtype int64; expected a float16, float32 or float64 array"),
]
