"""Bad calls of refconv.unfold (unfold, fold)."""

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.unfold import fold, unfold

X = np.arange(16).reshape(1, 1, 4, 4)
C = np.ones((1, 4, 9))  # columns of a 4x4 image, 2x2 windows
_LIMIT = r"over the limit of 100,000,000 cells .*\(refconv.spec.CELL_LIMIT\)"

ROWS = [
    bad(unfold, None, 2) >> (TypeError, exactly("unfold: x=None is not an array; expected an array of numbers")),
    bad(unfold, np.ones((2, 3)), 2)
    >> (
        ValueError,
        exactly(
            "unfold: x=<ndarray shape=(2, 3) dtype=float64> has 2 axes; "
            "expected (N, C, *spatial) with at least one spatial axis"
        ),
    ),
    bad(unfold, X, (2, 2, 2))
    >> (
        ValueError,
        exactly("unfold: kernel_size=(2, 2, 2) has 3 entries but there are 2 spatial axes; expected an int or 2 ints"),
    ),
    bad(unfold, X, 0) >> (ValueError, r"unfold: kernel_size=\(0,\) has a length 0 < 1"),
    bad(unfold, X, 2, stride=0) >> (ValueError, r"unfold: stride=0 has an entry 0 < 1"),
    bad(unfold, X, 2, dilation=0) >> (ValueError, r"unfold: dilation=0 has an entry 0 < 1"),
    bad(unfold, X, 2, padding=-1) >> (ValueError, r"unfold: padding=-1 has a negative pad"),
    bad(unfold, X, 2, padding="same", stride=2)
    >> (ValueError, r"unfold: padding='same' is not supported with stride=\(2, 2\)"),
    bad(unfold, X, 5) >> (ValueError, r"unfold: kernel_size shape \(5, 5\) does not fit x shape \(4, 4\) along axis 0"),
    bad(unfold, X, 1, padding=10**5) >> (ValueError, r"unfold: kernel_size=1 needs a padded input .*" + _LIMIT),
    bad(fold, None, (4, 4), 2) >> (TypeError, r"fold: cols=None is not an array"),
    bad(fold, np.ones((4, 9)), (4, 4), 2)
    >> (ValueError, r"fold: cols=.* has 2 axes; expected \(N, C\*prod\(kernel_size\), L\): 3 axes"),
    bad(fold, np.ones((1, 5, 9)), (4, 4), 2)
    >> (
        ValueError,
        r"fold: cols=.* has 5 rows, not a multiple of prod\(kernel_size\) = 4; expected cols.shape\[1\] == C",
    ),
    bad(fold, np.ones((1, 4, 8)), (4, 4), 2)
    >> (ValueError, r"fold: cols=.* has 8 columns but output_size=\(4, 4\) has 9 windows \(3, 3\)"),
    bad(fold, C, (4, 4, 4), (2, 2))
    >> (ValueError, r"fold: kernel_size=\(2, 2\) has 2 entries but there are 3 spatial axes"),
    bad(fold, C, (4, 4), 0) >> (ValueError, r"fold: kernel_size=\(0,\) has a length 0 < 1"),
    bad(fold, C, (4, 4), 5)
    >> (ValueError, r"fold: kernel_size shape \(5, 5\) does not fit output_size shape \(4, 4\)"),
    bad(fold, C, "44", 2) >> (TypeError, r"fold: output_size='44' is not a shape"),
    bad(fold, C, (4, 4), 2, stride=0) >> (ValueError, r"fold: stride=0 has an entry 0 < 1"),
    bad(fold, C, (4, 4), 2, dilation=0) >> (ValueError, r"fold: dilation=0 has an entry 0 < 1"),
    bad(fold, C, (4, 4), 2, padding=-1) >> (ValueError, r"fold: padding=-1 has a negative pad"),
    bad(fold, np.ones((1, 2, 1)), (10**9,), 2, dilation=10**9 - 1)
    >> (ValueError, r"fold: output_size=\(1000000000,\) needs a padded output .*" + _LIMIT),
]
