"""Bad calls of refconv.unshared (locally connected layers)."""

import numpy as np
from _bad_calls_row import bad

from refconv import locally_connected_weight_shape
from refconv.unshared import locally_connected, locally_connected_matrix

X = np.arange(1, 9)

ROWS = [
    # --- locally_connected
    bad(locally_connected, X, np.ones((6, 2)))
    >> (
        ValueError,
        r"locally_connected: w.shape=\(6, 2\) starts with \(6,\) but the output shape is \(7,\); "
        r"expected w.shape == output_shape \+ kernel_shape = \(7, 2\)",
    ),
    bad(locally_connected, X, np.ones((7,)))
    >> (ValueError, r"w.shape=\(7,\) has 1 axes but x has 1; expected a weight of 2 axes"),
    bad(locally_connected_matrix, np.ones((7, 2)), (8,), format="csr")
    >> (ValueError, r"locally_connected_matrix: format='csr' is not recognised"),
    bad(locally_connected_matrix, np.ones((1, 20_000, 1, 1)), (1, 20_000))
    >> (
        ValueError,
        r"dense matrix of 20000x20000 = 4.0e\+08 entries \(limit 1e\+08, refconv.spec.DENSE_LIMIT\); "
        r"expected format=\"sparse\"",
    ),
    # locally_connected_weight_shape
    bad(locally_connected_weight_shape, (5,), (2,), mode="bogus")
    >> (ValueError, r"^locally_connected_weight_shape: mode='bogus' is not recognised"),
    bad(locally_connected_weight_shape, (5,), (2,), stride=0)
    >> (ValueError, r"^locally_connected_weight_shape: stride=0 has an entry 0 < 1"),
    bad(locally_connected_weight_shape, (5,), (2,), dilation=1.5)
    >> (TypeError, r"^locally_connected_weight_shape: dilation=1.5 is not an integer"),
    bad(locally_connected_weight_shape, (5,), (6,))
    >> (ValueError, r"^locally_connected_weight_shape: .*\(6,\) does not fit .*\(5,\) along axis 0"),
]
