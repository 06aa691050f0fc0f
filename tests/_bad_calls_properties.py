"""Bad calls of refconv.properties."""

import numpy as np
from _bad_calls_row import bad

from refconv import correlate
from refconv import properties as P
from refconv.pooling import max_pool

X = np.arange(1, 9)
W = np.array([1, -1])

ROWS = [
    # --- properties
    bad(P.translation_equivariance, correlate, X, W, shift=1, stride=2)
    >> (
        ValueError,
        r"translation_equivariance: shift=\(1,\) is not a multiple of stride=\(2,\).*counterexample.*"
        r"x=\[1, 2, 0, 0\] gives \[1, 0\]; shifted by 1 it gives \[0, 2\]",
    ),
    bad(P.translation_equivariance, correlate, X, W, shift=(1, 2))
    >> (ValueError, r"shift=\(1, 2\) has 2 entries but there are 1 axes"),
    bad(P.translation_equivariance, correlate, X, W, shift=1, convention="torch")
    >> (ValueError, r"convention='torch' is not recognised; expected 'plain' or 'layer'"),
    bad(P.translation_equivariance, correlate, X, W, shift=1, atol=-1)
    >> (ValueError, r"atol=-1 is not a non-negative number"),
    bad(P.translate, X, 1, boundary="reflect")
    >> (ValueError, r"translate: boundary='reflect' is not recognised; expected 'constant' \(zero fill\) or 'wrap'"),
    bad(P.stride_counterexample, 1) >> (ValueError, r"stride_counterexample: stride=1"),
    bad(P.rotation_equivariance, correlate, np.eye(3), np.eye(2), turns=1.5) >> (TypeError, r"turns=1.5 is not an int"),
    bad(P.scale_equivariance, correlate, X, W, factor=0) >> (ValueError, r"factor=0 is not an int >= 1"),
    bad(P.reflection_swaps_pads, correlate, X, W, stride=2)
    >> (ValueError, r"reflection_swaps_pads: stride=2 is not 1"),
    bad(P.linearity, correlate, X, W, X, argument="y") >> (ValueError, r"argument='y'"),
    bad(P.linearity, correlate, X, W, X[:3])
    >> (ValueError, r"linearity: other=.* has shape \(3,\), not x.shape=\(8,\)"),
    bad(P.dot_test, lambda v: v, None, X, X)
    >> (ValueError, r"dot_test: adjoint=None is missing while forward is a callable"),
    bad(P.dot_test, lambda v: correlate(v, W), lambda u: u, X, X)
    >> (ValueError, r"dot_test: y=.* has 8 cells but forward\(x\) has shape \(7,\)"),
    bad(P.parameter_sharing, correlate, (4,), (2,), shared="yes")
    >> (TypeError, r"parameter_sharing: shared='yes' is not a bool"),
    bad(P.max_pool_shift, max_pool, np.array([1.0, np.nan, 2.0]), 2, 1)
    >> (ValueError, r"max_pool_shift: z=.* holds NaN"),
    bad(P.pooling_invariance, max_pool, np.array([1.0, np.nan, 2.0]), 2)
    >> (ValueError, r"pooling_invariance: z=.* holds NaN"),
    bad(P.pooling_invariance, max_pool, X, 2, 1.5) >> (TypeError, r"pooling_invariance: shift=1.5 is not an integer"),
    bad(P.variable_size, correlate, W, []) >> (ValueError, r"variable_size: input_shapes=\[\] is empty"),
]
