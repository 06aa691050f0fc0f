"""Bad calls of the layer functions (refconv.layer: conv, conv_transpose).

Rows built with ``exactly(...)`` pin the whole message: the problem and the "expected" part too, so that
a message that loses its function name, its hint or its advice fails.  Each is written out from the
documented format ``<function>: <param>=<value!r> <what is wrong>; expected <what is allowed>``."""

from fractions import Fraction

import numpy as np
from _bad_calls_row import bad, exactly

from refconv import conv, conv_transpose

X = np.arange(20).reshape(1, 4, 5)  # (N=1, C_in=4, length 5)
W = np.ones((2, 4, 2), dtype=int)  # (C_out=2, C_in=4, k=2)
X2 = np.arange(50).reshape(1, 2, 5, 5)
W2 = np.ones((3, 2, 2, 2), dtype=int)
WT = np.ones((4, 3, 2), dtype=int)  # transposed layout (C_in=4, C_out/groups=3, k=2)
_PAIRS_1 = "an int >= 0, 1 ints, or 1 (before, after) pairs"

ROWS = [
    bad(conv, np.ones((1, 3, 5)), np.ones((2, 1, 2)), groups=2)
    >> (ValueError, r"conv: groups=2 does not divide C_in = x.shape\[1\] = 3; expected groups dividing both"),
    bad(conv, X, np.ones((3, 2, 2)), groups=2)
    >> (ValueError, r"conv: groups=2 does not divide C_out = w.shape\[0\] = 3"),
    bad(conv, X, np.ones((2, 3, 2)))
    >> (
        ValueError,
        r"conv: x.shape=\(1, 4, 5\) has C_in = 4 channels but w.shape=\(2, 3, 2\) with groups=1 takes "
        r"w.shape\[1\]\*groups = 3\*1 = 3",
    ),
    bad(conv, X, W, groups=2) >> (ValueError, r"x.shape=\(1, 4, 5\) has C_in = 4 .* = 4\*2 = 8"),
    bad(conv, X2, W)
    >> (
        ValueError,
        r"conv: x.shape=\(1, 2, 5, 5\) has 4 axes but w.shape=\(2, 4, 2\) has 1 kernel axes; expected x of 3 axes",
    ),
    bad(conv, X, np.ones((2, 4)))
    >> (ValueError, r"conv: w.shape=\(2, 4\) has 2 axes; expected a weight of at least 3"),
    bad(conv, np.arange(5), W) >> (ValueError, r"conv: x.shape=\(5,\) has 1 axes"),
    bad(conv, X, W, groups=0) >> (ValueError, r"conv: groups=0 is < 1"),
    bad(conv, X, W, groups=1.0) >> (TypeError, r"conv: groups=1.0 is not an integer"),
    bad(conv, X, W, groups=True) >> (TypeError, r"conv: groups=True is not an integer"),
    bad(conv, X, W, padding="same", stride=2)
    >> (ValueError, r"conv: padding='same' is not supported with stride=\(2,\)"),
    bad(conv, X2, W2, padding="same", stride=(1, 3))
    >> (ValueError, r"padding='same' is not supported with stride=\(1, 3\)"),
    bad(conv, X, W, padding="SAME") >> (ValueError, r"conv: padding='SAME' .*lower case"),
    bad(conv, X, W, padding=-1) >> (ValueError, r"conv: padding=-1 has a negative pad"),
    bad(conv, X2, W2, padding=(1, 2, 3)) >> (ValueError, r"padding=\(1, 2, 3\) has 3 entries but there are 2 axes"),
    bad(conv, X, W, padding_mode="constant")
    >> (ValueError, r"conv: padding_mode='constant' .*numpy's 'constant' is torch's 'zeros'"),
    bad(conv, X, W, padding_mode="Zeros") >> (ValueError, r"padding_mode='Zeros' .*lower case.*'zeros'"),
    bad(conv, X, W, padding_mode="symmetric")
    >> (ValueError, r"padding_mode='symmetric' .*torch has no half-sample mode.*boundary='symmetric'"),
    bad(conv, X, W, padding_mode=None) >> (TypeError, r"padding_mode=None is not a string"),
    bad(conv, X, W, [1, 2, 3])
    >> (ValueError, r"conv: bias.shape=\(3,\) does not match the 2 output channels; expected bias of shape \(2,\)"),
    bad(conv, X, W, np.ones((2, 1))) >> (ValueError, r"bias.shape=\(2, 1\) does not match"),
    bad(conv, X, W, "ab") >> (TypeError, r"conv: bias='ab' is not an array"),
    bad(conv, np.ones((1, 1, 3)), np.ones((1, 1, 5)))
    >> (ValueError, r"conv: w shape \(5,\) does not fit x shape \(3,\) along axis 0"),
    bad(conv, X, W, stride=0) >> (ValueError, r"conv: stride=0 has an entry 0 < 1"),
    bad(conv, X2, W2, dilation=(1,)) >> (ValueError, r"dilation=\(1,\) has 1 entries but there are 2 axes"),
    bad(conv, np.ones((1, 0, 5)), np.ones((2, 0, 2))) >> (ValueError, r"w.shape=\(2, 0, 2\) has an axis of length 0"),
    bad(conv, np.ones((1, 4, 0)), W)
    >> (ValueError, r"conv: x.shape=\(1, 4, 0\) has a channel or spatial axis of length 0"),
    bad(conv, X > 3, W) >> (TypeError, r"conv: x=.*bool array"),
    bad(conv, X.astype(object), W.astype(float)) >> (TypeError, r"conv: w=.*float64 array while x is an exact object"),
    bad(conv, np.array([[[Fraction(1, 2), 0.5]]], dtype=object), np.ones((1, 1, 1), dtype=int))
    >> (TypeError, r"conv: x=.*holds float 0.5"),
    bad(conv, X, W, method="magic") >> (ValueError, r"conv: method='magic' is not recognised"),
    # conv_transpose
    bad(conv_transpose, X, WT, stride=2, output_padding=2)
    >> (
        ValueError,
        r"conv_transpose: output_padding=2 has 2 on axis 0, not smaller than stride 2 or dilation 1; "
        r"expected output_padding < stride or output_padding < dilation",
    ),
    bad(conv_transpose, X2, np.ones((2, 1, 2, 2)), output_padding=(0, 1))
    >> (ValueError, r"output_padding=\(0, 1\) has 1 on axis 1, not smaller than stride 1 or dilation 1"),
    bad(conv_transpose, X, WT, dilation=3, stride=2, output_padding=3)
    >> (ValueError, r"output_padding=3 has 3 on axis 0, not smaller than stride 2 or dilation 3"),
    bad(conv_transpose, X, WT, output_padding=-1) >> (ValueError, r"output_padding=-1 has an entry -1 < 0"),
    bad(conv_transpose, X, WT, padding="same")
    >> (TypeError, r"conv_transpose: padding='same' is a string, which transposed convolutions do not take"),
    bad(conv_transpose, X, WT, padding=4)
    >> (
        ValueError,
        r"conv_transpose: padding=4 leaves no output on axis 0: .* = \(5-1\)\*1 \+ 1\*\(2-1\) \+ 1 - 4 - 4 \+ 0 = -2",
    ),
    bad(conv_transpose, X, np.ones((3, 2, 2)))
    >> (ValueError, r"conv_transpose: x.shape=\(1, 4, 5\) has C_in = 4 channels but w.shape\[0\] = 3"),
    bad(conv_transpose, np.ones((1, 3, 5)), np.ones((3, 1, 2)), groups=2)
    >> (ValueError, r"conv_transpose: groups=2 does not divide C_in = x.shape\[1\] = 3"),
    bad(conv_transpose, X, WT, np.ones(3), groups=2)
    >> (ValueError, r"conv_transpose: bias.shape=\(3,\) does not match the 6 output channels"),
    bad(conv_transpose, X, np.ones((4, 1, 2, 2, 2)))
    >> (ValueError, r"conv_transpose: x.shape=\(1, 4, 5\) has 3 axes but w.shape=\(4, 1, 2, 2, 2\) has 3 kernel axes"),
    bad(conv_transpose, X, np.ones((4, 1, 2, 2)))
    >> (
        ValueError,
        r"conv_transpose: x.shape=\(1, 4, 5\) has C_in = 1 channels \(read as unbatched \(C_in, \*spatial\)\) "
        r"but w.shape\[0\] = 4",
    ),
    bad(conv_transpose, X, WT, stride=(1, 2)) >> (ValueError, r"conv_transpose: stride=\(1, 2\) has 2 entries"),
    bad(conv, np.ones((1,) * 18), np.ones((1,) * 18))
    >> (
        ValueError,
        r"^conv: x=<ndarray ndim=18 size=1 dtype=float64> has 18 axes, more than refconv supports; expected at most "
        r"16 axes",
    ),
    bad(conv_transpose, np.ones((1, 1, 2)), np.ma.array(np.ones((1, 1, 2)), mask=[[[0, 1]]]))
    >> (TypeError, r"^conv_transpose: w=<masked array shape=\(1, 1, 2\) dtype=float64> has 1 masked entries of 2"),
    # the memory budget: every allocation sized first (refconv.spec.CELL_LIMIT)
    bad(conv, np.ones((1, 1, 4)), np.ones((1, 1, 2)), padding=10**9)
    >> (
        ValueError,
        r"^conv: padding=1000000000 needs a padded input of shape \(1, 1, 2000000004\), 2,000,000,004 cells",
    ),
    bad(conv_transpose, np.ones((2, 1, 3)), np.ones((1, 1, 2)), stride=10**8)
    >> (ValueError, r"^conv_transpose: stride=100000000 needs a stride-dilated input of shape \(2, 1, 200000001\)"),
    bad(conv_transpose, np.ones((1, 1, 3)), np.ones((1, 1, 3)), dilation=10**9)
    >> (ValueError, r"^conv_transpose: dilation=1000000000 needs a padded input of shape \(1, 1, 4000000003\)"),
    # layer_spec, through conv and directly
    bad(conv, np.ones((1, 1, 5)), np.ones((1, 1, 2)), dilation=0)
    >> (ValueError, exactly("conv: dilation=0 has an entry 0 < 1; expected ints >= 1")),
    bad(conv, np.ones((1, 1, 5)), np.ones((1, 1, 2)), padding="same", stride=2)
    >> (
        ValueError,
        exactly(
            "conv: padding='same' is not supported with stride=(2,) (as in torch); expected stride 1, or explicit "
            "(before, after) pads"
        ),
    ),
    bad(conv_transpose, np.ones((1, 1, 3)), np.ones((1, 1, 2)), dilation=-1)
    >> (ValueError, exactly("conv_transpose: dilation=-1 has an entry -1 < 1; expected ints >= 1")),
    bad(conv_transpose, np.ones((1, 1, 3)), np.ones((1, 1, 2)), padding=-1)
    >> (ValueError, exactly(f"conv_transpose: padding=-1 has a negative pad; expected {_PAIRS_1}")),
    bad(conv_transpose, np.ones((1, 1, 3)), np.ones((1, 1, 2)), padding="same")
    >> (
        TypeError,
        exactly(
            "conv_transpose: padding='same' is a string, which transposed convolutions do not take (nor does torch); "
            f"expected {_PAIRS_1}"
        ),
    ),
    bad(conv_transpose, np.ones((1, 1, 3)), np.ones((1, 1, 2)), output_padding=-1)
    >> (ValueError, exactly("conv_transpose: output_padding=-1 has an entry -1 < 0; expected ints >= 0")),
    bad(conv_transpose, np.ones((1, 1, 3)), np.ones((1, 1, 2)), stride=2, output_padding=2)
    >> (
        ValueError,
        exactly(
            "conv_transpose: output_padding=2 has 2 on axis 0, not smaller than stride 2 or dilation 1; expected "
            "output_padding < stride or output_padding < dilation on every axis (as in torch)"
        ),
    ),
    bad(conv_transpose, np.ones((1, 1, 1)), np.ones((1, 1, 2)), padding=1)
    >> (
        ValueError,
        exactly(
            "conv_transpose: padding=1 leaves no output on axis 0: (m-1)*s + d*(k-1) + 1 - lo - hi + output_padding = "
            "(1-1)*1 + 1*(2-1) + 1 - 1 - 1 + 0 = 0; expected padding small enough for an output length >= 1"
        ),
    ),
]
