"""Bad calls of the layer functions (conv, conv_transpose)."""

from fractions import Fraction

import numpy as np
import pytest

from refconv import conv, conv_transpose

X = np.arange(20).reshape(1, 4, 5)  # (N=1, C_in=4, length 5)
W = np.ones((2, 4, 2), dtype=int)  # (C_out=2, C_in=4, k=2)
X2 = np.arange(50).reshape(1, 2, 5, 5)
W2 = np.ones((3, 2, 2, 2), dtype=int)
WT = np.ones((4, 3, 2), dtype=int)  # transposed layout (C_in=4, C_out/groups=3, k=2)


def row(call, exc, match, id):
    return pytest.param(call, exc, match, id=id)


ROWS = [
    row(
        lambda: conv(np.ones((1, 3, 5)), np.ones((2, 1, 2)), groups=2),
        ValueError,
        r"conv: groups=2 does not divide C_in = x.shape\[1\] = 3; expected groups dividing both",
        "layer-groups-cin",
    ),
    row(
        lambda: conv(X, np.ones((3, 2, 2)), groups=2),
        ValueError,
        r"conv: groups=2 does not divide C_out = w.shape\[0\] = 3",
        "layer-groups-cout",
    ),
    row(
        lambda: conv(X, np.ones((2, 3, 2))),
        ValueError,
        r"conv: x.shape=\(1, 4, 5\) has C_in = 4 channels but w.shape=\(2, 3, 2\) with groups=1 takes "
        r"w.shape\[1\]\*groups = 3\*1 = 3",
        "layer-cin-mismatch",
    ),
    row(
        lambda: conv(X, W, groups=2),
        ValueError,
        r"x.shape=\(1, 4, 5\) has C_in = 4 .* = 4\*2 = 8",
        "layer-cin-groups-mismatch",
    ),
    row(
        lambda: conv(X2, W),
        ValueError,
        r"conv: x.shape=\(1, 2, 5, 5\) has 4 axes but w.shape=\(2, 4, 2\) has 1 kernel axes; expected x of 3 axes",
        "layer-weight-rank",
    ),
    row(
        lambda: conv(X, np.ones((2, 4))),
        ValueError,
        r"conv: w.shape=\(2, 4\) has 2 axes; expected a weight of at least 3",
        "layer-weight-2d",
    ),
    row(lambda: conv(np.arange(5), W), ValueError, r"conv: x.shape=\(5,\) has 1 axes", "layer-x-1d"),
    row(lambda: conv(X, W, groups=0), ValueError, r"conv: groups=0 is < 1", "layer-groups-zero"),
    row(lambda: conv(X, W, groups=1.0), TypeError, r"conv: groups=1.0 is not an integer", "layer-groups-float"),
    row(lambda: conv(X, W, groups=True), TypeError, r"conv: groups=True is not an integer", "layer-groups-bool"),
    row(
        lambda: conv(X, W, padding="same", stride=2),
        ValueError,
        r"conv: padding='same' is not supported with stride=\(2,\)",
        "layer-same-stride",
    ),
    row(
        lambda: conv(X2, W2, padding="same", stride=(1, 3)),
        ValueError,
        r"padding='same' is not supported with stride=\(1, 3\)",
        "layer-same-stride-2d",
    ),
    row(lambda: conv(X, W, padding="SAME"), ValueError, r"conv: padding='SAME' .*lower case", "layer-padding-upper"),
    row(lambda: conv(X, W, padding=-1), ValueError, r"conv: padding=-1 has a negative pad", "layer-padding-negative"),
    row(
        lambda: conv(X2, W2, padding=(1, 2, 3)),
        ValueError,
        r"padding=\(1, 2, 3\) has 3 entries but there are 2 axes",
        "layer-padding-length",
    ),
    row(
        lambda: conv(X, W, padding_mode="constant"),
        ValueError,
        r"conv: padding_mode='constant' .*numpy's 'constant' is torch's 'zeros'",
        "layer-padding-mode-numpy",
    ),
    row(
        lambda: conv(X, W, padding_mode="Zeros"),
        ValueError,
        r"padding_mode='Zeros' .*lower case.*'zeros'",
        "layer-padding-mode-case",
    ),
    row(
        lambda: conv(X, W, padding_mode="symmetric"),
        ValueError,
        r"padding_mode='symmetric' .*torch has no half-sample mode.*boundary='symmetric'",
        "layer-padding-mode-symmetric",
    ),
    row(
        lambda: conv(X, W, padding_mode=None),
        TypeError,
        r"padding_mode=None is not a string",
        "layer-padding-mode-none",
    ),
    row(
        lambda: conv(X, W, [1, 2, 3]),
        ValueError,
        r"conv: bias.shape=\(3,\) does not match the 2 output channels; expected bias of shape \(2,\)",
        "layer-bias-length",
    ),
    row(lambda: conv(X, W, np.ones((2, 1))), ValueError, r"bias.shape=\(2, 1\) does not match", "layer-bias-2d"),
    row(lambda: conv(X, W, "ab"), TypeError, r"conv: bias='ab' is not an array", "layer-bias-str"),
    row(
        lambda: conv(np.ones((1, 1, 3)), np.ones((1, 1, 5))),
        ValueError,
        r"conv: w shape \(5,\) does not fit x shape \(3,\) along axis 0",
        "layer-kernel-too-long",
    ),
    row(lambda: conv(X, W, stride=0), ValueError, r"conv: stride=0 has an entry 0 < 1", "layer-stride-zero"),
    row(
        lambda: conv(X2, W2, dilation=(1,)),
        ValueError,
        r"dilation=\(1,\) has 1 entries but there are 2 axes",
        "layer-dilation-length",
    ),
    row(
        lambda: conv(np.ones((1, 0, 5)), np.ones((2, 0, 2))),
        ValueError,
        r"w.shape=\(2, 0, 2\) has an axis of length 0",
        "layer-empty-weight",
    ),
    row(
        lambda: conv(np.ones((1, 4, 0)), W),
        ValueError,
        r"conv: x.shape=\(1, 4, 0\) has a channel or spatial axis of length 0",
        "layer-empty-spatial",
    ),
    row(lambda: conv(X > 3, W), TypeError, r"conv: x=.*bool array", "layer-x-bool"),
    row(
        lambda: conv(X.astype(object), W.astype(float)),
        TypeError,
        r"conv: w=.*float64 array while x is an exact object",
        "layer-mixed-exact-float",
    ),
    row(
        lambda: conv(np.array([[[Fraction(1, 2), 0.5]]], dtype=object), np.ones((1, 1, 1), dtype=int)),
        TypeError,
        r"conv: x=.*holds float 0.5",
        "layer-object-float",
    ),
    row(lambda: conv(X, W, method="magic"), ValueError, r"conv: method='magic' is not recognised", "layer-method"),
    # conv_transpose
    row(
        lambda: conv_transpose(X, WT, stride=2, output_padding=2),
        ValueError,
        r"conv_transpose: output_padding=2 has 2 on axis 0, not smaller than stride 2 or dilation 1; "
        r"expected output_padding < stride or output_padding < dilation",
        "layer-t-output-padding",
    ),
    row(
        lambda: conv_transpose(X2, np.ones((2, 1, 2, 2)), output_padding=(0, 1)),
        ValueError,
        r"output_padding=\(0, 1\) has 1 on axis 1, not smaller than stride 1 or dilation 1",
        "layer-t-output-padding-2d",
    ),
    row(
        lambda: conv_transpose(X, WT, dilation=3, stride=2, output_padding=3),
        ValueError,
        r"output_padding=3 has 3 on axis 0, not smaller than stride 2 or dilation 3",
        "layer-t-output-padding-dilation",
    ),
    row(
        lambda: conv_transpose(X, WT, output_padding=-1),
        ValueError,
        r"output_padding=-1 has an entry -1 < 0",
        "layer-t-output-padding-negative",
    ),
    row(
        lambda: conv_transpose(X, WT, padding="same"),
        TypeError,
        r"conv_transpose: padding='same' is a string, which transposed convolutions do not take",
        "layer-t-padding-str",
    ),
    row(
        lambda: conv_transpose(X, WT, padding=4),
        ValueError,
        r"conv_transpose: padding=4 leaves no output on axis 0: .* = \(5-1\)\*1 \+ 1\*\(2-1\) \+ 1 - 4 - 4 \+ 0 = -2",
        "layer-t-no-output",
    ),
    row(
        lambda: conv_transpose(X, np.ones((3, 2, 2))),
        ValueError,
        r"conv_transpose: x.shape=\(1, 4, 5\) has C_in = 4 channels but w.shape\[0\] = 3",
        "layer-t-channels",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 3, 5)), np.ones((3, 1, 2)), groups=2),
        ValueError,
        r"conv_transpose: groups=2 does not divide C_in = x.shape\[1\] = 3",
        "layer-t-groups",
    ),
    row(
        lambda: conv_transpose(X, WT, np.ones(3), groups=2),
        ValueError,
        r"conv_transpose: bias.shape=\(3,\) does not match the 6 output channels",
        "layer-t-bias",
    ),
    row(
        lambda: conv_transpose(X, np.ones((4, 1, 2, 2, 2))),
        ValueError,
        r"conv_transpose: x.shape=\(1, 4, 5\) has 3 axes but w.shape=\(4, 1, 2, 2, 2\) has 3 kernel axes",
        "layer-t-rank",
    ),
    row(
        lambda: conv_transpose(X, np.ones((4, 1, 2, 2))),
        ValueError,
        r"conv_transpose: x.shape=\(1, 4, 5\) has C_in = 1 channels \(read as unbatched \(C_in, \*spatial\)\) "
        r"but w.shape\[0\] = 4",
        "layer-t-unbatched-channels",
    ),
    row(
        lambda: conv_transpose(X, WT, stride=(1, 2)),
        ValueError,
        r"conv_transpose: stride=\(1, 2\) has 2 entries",
        "layer-t-stride-length",
    ),
    row(
        lambda: conv(np.ones((1,) * 18), np.ones((1,) * 18)),
        ValueError,
        r"^conv: x=<ndarray ndim=18 size=1 dtype=float64> has 18 axes, more than refconv supports; expected at most "
        r"16 axes",
        "layer-rank-18",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 2)), np.ma.array(np.ones((1, 1, 2)), mask=[[[0, 1]]])),
        TypeError,
        r"^conv_transpose: w=<masked array shape=\(1, 1, 2\) dtype=float64> has 1 masked entries of 2",
        "layer-t-masked-w",
    ),
]
