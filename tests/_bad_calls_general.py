"""Bad calls of refconv.general (conv_general_dilated, conv_channels_last)."""

from fractions import Fraction

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.general import conv_channels_last, conv_general_dilated

X = np.arange(6).reshape(1, 2, 3)  # (N=1, C=2, W=3)
W = np.ones((2, 2, 2), dtype=int)  # (O=2, I=2, k=2)
cgd = conv_general_dilated

ROWS = [
    # --- operands and layouts
    bad(cgd, X, np.ones((2, 2)), (1,), "VALID")
    >> (ValueError, r"^conv_general_dilated: rhs.shape=\(2, 2\) has 2 axes and lhs.shape=\(1, 2, 3\) has 3"),
    bad(cgd, "x", W, (1,), "VALID") >> (TypeError, r"^conv_general_dilated: lhs='x' is not an array"),
    bad(cgd, X, W.astype(bool), (1,), "VALID") >> (TypeError, r"^conv_general_dilated: rhs=.* is a bool array"),
    bad(cgd, X.astype(float), W.astype(object), (1,), "VALID")
    >> (TypeError, r"^conv_general_dilated: lhs=.* is a float64 array while rhs is an exact object array"),
    bad(cgd, np.ones((1, 2, 0)), W, (1,), "VALID")
    >> (ValueError, r"lhs.shape=\(1, 2, 0\) has a feature or spatial axis \(2\) of length 0"),
    bad(cgd, X, np.ones((2, 2, 0)), (1,), "VALID") >> (ValueError, r"rhs.shape=\(2, 2, 0\) has an axis of length 0"),
    bad(cgd, X, W, (1,), "VALID", dimension_numbers="NCW")
    >> (TypeError, r"dimension_numbers='NCW' is not three layouts"),
    bad(cgd, X, W, (1,), "VALID", dimension_numbers=("NCW", "OIW"))
    >> (TypeError, r"dimension_numbers=\('NCW', 'OIW'\) is not three layouts"),
    bad(cgd, X, W, (1,), "VALID", dimension_numbers=("NCHW", "OIW", "NCW"))
    >> (
        ValueError,
        exactly("conv_general_dilated: dimension_numbers=('NCHW', 'OIW', 'NCW') [0]='NCHW' has 4 letters; expected 3"),
    ),
    bad(cgd, X, W, (1,), "VALID", dimension_numbers=("NCW", "OOW", "NCW"))
    >> (ValueError, r"\[1\]='OOW' does not hold 'O' and 'I' once each with distinct letters"),
    bad(cgd, X, W, (1,), "VALID", dimension_numbers=("NCW", "OIH", "NCW"))
    >> (ValueError, r"names different spatial letters in its three strings"),
    bad(cgd, X, W, (1,), "VALID", dimension_numbers=((0, 1, 2), (0, 1, 1), (0, 1, 2)))
    >> (ValueError, r"holds \(0, 1, 1\), not a permutation; expected of 0..2"),
    bad(cgd, X, W, (1,), "VALID", dimension_numbers=("NCW", (0, 1, 2), "NCW"))
    >> (TypeError, r"mixes strings and permutations"),
    # --- strides, dilations, padding
    bad(cgd, X, W, (0,), "VALID") >> (ValueError, r"^conv_general_dilated: window_strides=\(0,\) has an entry 0 < 1"),
    bad(cgd, X, W, (1, 1), "VALID") >> (ValueError, r"window_strides=\(1, 1\) has 2 entries but there are 1 axes"),
    bad(cgd, X, W, (1,), "VALID", lhs_dilation=(0,)) >> (ValueError, r"lhs_dilation=\(0,\) has an entry 0 < 1"),
    bad(cgd, X, W, (1,), "VALID", rhs_dilation=(1.5,)) >> (TypeError, r"rhs_dilation=\(1.5,\) is not an integer"),
    bad(cgd, X, W, (1,), "FULL")
    >> (
        ValueError,
        exactly(
            "conv_general_dilated: padding='FULL' is not recognised; "
            "expected 'VALID', 'SAME', 'SAME_LOWER' or (low, high) pairs"
        ),
    ),
    bad(cgd, X, W, (1,), "SAME", lhs_dilation=(2,))
    >> (ValueError, r"padding='SAME' is a name, which JAX does not take with lhs_dilation=\(2,\)"),
    bad(cgd, X, W, (1,), 1) >> (TypeError, r"^conv_general_dilated: padding=1 is not a padding"),
    bad(cgd, X, W, (1,), [(0, 0), (0, 0)]) >> (ValueError, r"has 2 entries but there are 1 spatial axes"),
    bad(cgd, X, W, (1,), [1]) >> (TypeError, r"padding=\[1\] has an entry 1 that is not a pair"),
    bad(cgd, X, W, (1,), [(0, 1.0)]) >> (TypeError, r"has a non-integer entry in \(0, 1.0\)"),
    bad(cgd, X, W, (1,), [(-3, -1)])
    >> (
        ValueError,
        r"padding=\[\(-3, -1\)\] crops more than the dilated input on spatial axis 0: "
        r"\(n-1\)\*lhs_dilation \+ 1 \+ lo \+ hi = 3 \+ -3 \+ -1 = -1 < 0",
    ),
    # --- group counts
    bad(cgd, X, W, (1,), "VALID", feature_group_count=0)
    >> (ValueError, r"^conv_general_dilated: feature_group_count=0 is < 1"),
    bad(cgd, X, W, (1,), "VALID", batch_group_count=Fraction(1)) >> (TypeError, r"batch_group_count=.* is not an int"),
    bad(cgd, np.ones((2, 2, 3)), np.ones((2, 1, 1)), (1,), "VALID", feature_group_count=2, batch_group_count=2)
    >> (ValueError, r"batch_group_count=2 is > 1 with feature_group_count=2; expected at most one of them > 1"),
    bad(cgd, np.ones((1, 3, 3)), np.ones((3, 1, 1)), (1,), "VALID", feature_group_count=2)
    >> (ValueError, r"feature_group_count=2 does not divide the input features C = 3"),
    bad(cgd, np.ones((1, 2, 3)), np.ones((3, 1, 1)), (1,), "VALID", feature_group_count=2)
    >> (ValueError, r"feature_group_count=2 does not divide the kernel's output features O = 3"),
    bad(cgd, np.ones((3, 2, 3)), W, (1,), "VALID", batch_group_count=2)
    >> (ValueError, r"batch_group_count=2 does not divide the batch N = 3"),
    bad(cgd, X, np.ones((2, 3, 2)), (1,), "VALID")
    >> (ValueError, r"rhs.shape=\(2, 3, 2\) has I = 3 input features but the input has C = 2"),
    bad(cgd, X, W, (1,), "VALID", method="fast") >> (ValueError, r"^conv_general_dilated: method='fast'"),
    # --- conv_channels_last
    bad(conv_channels_last, X, W, layout=3) >> (TypeError, r"^conv_channels_last: layout=3 is not a string"),
    bad(conv_channels_last, X, W, layout="NWCC")
    >> (ValueError, r"layout='NWCC' does not name the 3 axes of x once each with one 'C'"),
    bad(conv_channels_last, X, W, layout="NWW") >> (ValueError, r"layout='NWW' does not name the 3 axes"),
]
