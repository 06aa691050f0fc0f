"""Quantized convolution (ONNX ConvInteger, QLinearConv): hand-derived cases, a brute-force oracle,
and agreement with onnxruntime, ``onnx.reference`` and PyTorch's quantized conv where installed.

The brute-force oracle enumerates every output and tap with Python loops and Fractions and
shares no code with :mod:`refconv.quantized` or :func:`refconv.conv`.
"""

import itertools
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import strategies as rst
from refconv.quantized import _round_half_even, conv_integer, qlinear_conv

ONE = np.float32(1)

# --------------------------------------------------------------------------------------------
# The brute-force oracle (explicit pairs or "valid" padding, zeros boundary)


def _axes(value, rank):
    return tuple(value) if isinstance(value, tuple) else (value,) * rank


def _oracle_acc(x, w, x_zp, w_zp, bias, kwargs):
    """``sum (x - x_zp) * (w - w_zp[c]) + bias[c]`` per output, padded cells holding ``x_zp``."""
    rank, groups = w.ndim - 2, kwargs.get("groups", 1)
    stride, dilation = _axes(kwargs.get("stride", 1), rank), _axes(kwargs.get("dilation", 1), rank)
    padding = kwargs.get("padding", 0)
    pads = ((0, 0),) * rank if padding == "valid" else tuple(padding)
    n, c_in, *spatial = x.shape
    c_out, ci = w.shape[:2]
    kernel = w.shape[2:]
    outs = [(spatial[a] + sum(pads[a]) - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(rank)]
    wz = [int(v) for v in np.broadcast_to(np.asarray(w_zp, dtype=object).ravel(), (c_out,))]
    y = np.empty((n, c_out, *outs), dtype=object)
    for b, c, *o in itertools.product(range(n), range(c_out), *map(range, outs)):
        g = c // (c_out // groups)
        total = int(bias[c]) if bias is not None else 0
        for i, *t in itertools.product(range(ci), *map(range, kernel)):
            src = [o[a] * stride[a] + t[a] * dilation[a] - pads[a][0] for a in range(rank)]
            inside = all(0 <= s < spatial[a] for a, s in enumerate(src))
            xv = int(x[(b, g * ci + i, *src)]) if inside else int(x_zp)
            total += (xv - int(x_zp)) * (int(w[(c, i, *t)]) - wz[c])
        y[(b, c, *o)] = total
    return y


def _oracle_qlinear(acc, x_scale, w_scale, y_scale, y_zp, dtype):
    """``clip(round(acc * M_c) + y_zp)`` with Python's ``round`` of a Fraction (ties to even)."""
    scales = np.broadcast_to(np.asarray(w_scale, dtype=np.float64).ravel(), (acc.shape[1],))
    info = np.iinfo(dtype)
    y = np.empty(acc.shape, dtype=np.int64)
    for idx in np.ndindex(acc.shape):
        m = Fraction(float(x_scale)) * Fraction(float(scales[idx[1]])) / Fraction(float(y_scale))
        y[idx] = min(max(round(acc[idx] * m) + int(y_zp), int(info.min)), int(info.max))
    return y.astype(dtype)


# --------------------------------------------------------------------------------------------
# Hand-derived cases: ConvInteger


def test_conv_integer_by_hand():
    x = np.array([[[3, 4, 5, 6]]], dtype=np.uint8)
    w = np.array([[[1, 2]]], dtype=np.uint8)
    # (x - 2) = [1, 2, 3, 4], (w - 1) = [0, 1]: outputs 1*0 + 2*1, 2*0 + 3*1, 3*0 + 4*1.
    y = conv_integer(x, w, 2, 1)
    assert y.dtype == np.int32 and y.tolist() == [[[2, 3, 4]]]
    # A padded cell holds the zero point: (2 - 2)*0 + 1*1 = 1 first.
    assert conv_integer(x, w, np.uint8(2), np.uint8(1), padding=((1, 0),)).tolist() == [[[1, 2, 3, 4]]]
    # Stride 2, dilation 2 over (x - 0) = [3, 4, 5, 6], (w - 0) = [1, 2]: 3*1 + 5*2 = 13 only.
    assert conv_integer(x, w, stride=2, dilation=2).tolist() == [[[13]]]
    # Unbatched, as torch accepts.
    assert conv_integer(x[0], w, 2, 1).tolist() == [[2, 3, 4]]


def test_conv_integer_per_channel_and_groups():
    x = np.array([[[1, 2, 3], [10, 20, 30]]], dtype=np.int8)
    w = np.array([[[1, 1]], [[2, -1]]], dtype=np.int8)
    # groups=2, w zero points [1, -1]: channel 0 uses w - 1 = [0, 0]; channel 1 uses w + 1 = [3, 0].
    y = conv_integer(x, w, 0, np.array([1, -1], dtype=np.int8), groups=2)
    assert y.tolist() == [[[0, 0], [30, 60]]]


def test_conv_integer_zero_points_at_the_range_edges():
    x = np.array([[[-128, 127]]], dtype=np.int8)
    w = np.array([[[127, -128]]], dtype=np.int8)
    # x - (-128) = [0, 255], w - 127 = [0, -255]: 0*0 + 255*(-255) = -65025.
    assert conv_integer(x, w, np.int8(-128), np.int8(127)).tolist() == [[[-65025]]]
    # x - 127 = [-255, 0], w - (-128) = [255, 0]: -65025 again, by the other pair.
    assert conv_integer(x, w, 127, -128).tolist() == [[[-65025]]]
    u = np.array([[[255, 0]]], dtype=np.uint8)
    # x - 255 = w - 255 = [0, -255]: 0*0 + (-255)*(-255) = 65025.
    assert conv_integer(u, u, 255, 255).tolist() == [[[65025]]]


def test_conv_integer_past_int32_is_exact():
    # 33025 * 255 * 255 = 2147450625 <= 2**31 - 1 < 33026 * 255 * 255 = 2147515650.
    for length, value, dtype in ((33025, 2147450625, np.int32), (33026, 2147515650, np.int64)):
        big = np.full((1, 1, length), 255, dtype=np.uint8)
        y = conv_integer(big, big)
        assert y.dtype == dtype and int(y[0, 0, 0]) == value == length * 255 * 255
    # A negative sum past int32 too: x - 255 = -255 everywhere, w = 255.
    y = conv_integer(np.zeros_like(big), big, 255)
    assert y.dtype == np.int64 and int(y[0, 0, 0]) == -2147515650
    with pytest.raises(ValueError, match=r"output \(0, 0, 0\) = 2147515650, outside int32"):
        conv_integer(big, big, overflow="raise")


def test_conv_integer_past_int64_is_python_ints():
    x = np.array([[[2**63 - 1, 2**63 - 1]]], dtype=np.int64)
    # x - (-1) = 2**63 does not fit int64; the sum 2 * 2**63 * 3 is exact in Python ints.
    y = conv_integer(x, np.array([[[3, 3]]]), -1)
    assert y.dtype == object and y[0, 0, 0] == 6 * 2**63


# --------------------------------------------------------------------------------------------
# Hand-derived cases: QLinearConv


def test_qlinear_ties_round_to_even():
    x = np.array([[[1, 2, 3, 5, 0]]], dtype=np.uint8)
    w = np.array([[[1]]], dtype=np.int8)
    # acc = x - 3 = [-2, -1, 0, 2, -3]; y_scale 2: [-1, -0.5, 0, 1, -1.5] -> [-1, 0, 0, 1, -2]; + 10.
    y = qlinear_conv(x, ONE, 3, w, ONE, 0, np.float32(2), np.uint8(10))
    assert y.dtype == np.uint8 and y.tolist() == [[[9, 10, 10, 11, 8]]]
    # 0.5, 1.5, 2.5, 3.5 -> 0, 2, 2, 4.
    x2 = np.array([[[1, 3, 5, 7]]], dtype=np.uint8)
    assert qlinear_conv(x2, ONE, 0, w, ONE, 0, np.float32(2), np.uint8(0)).tolist() == [[[0, 2, 2, 4]]]


def test_qlinear_saturates_by_y_zero_point_dtype():
    x = np.array([[[0, 255]]], dtype=np.uint8)
    w = np.array([[[1]]], dtype=np.int8)
    # acc = x - 100 = [-100, 155]: uint8 zp 100 -> [0, 255]; int8 zp 0 -> [-100, 127].
    assert qlinear_conv(x, ONE, 100, w, ONE, 0, ONE, np.uint8(100)).tolist() == [[[0, 255]]]
    assert qlinear_conv(x, ONE, 100, w, ONE, 0, ONE, np.int8(0)).tolist() == [[[-100, 127]]]
    # int8 zp -128 with acc -100: -228 saturates to -128.
    assert qlinear_conv(x, ONE, 100, w, ONE, 0, ONE, np.int8(-128)).tolist() == [[[-128, 27]]]


def test_qlinear_per_channel_scales_zero_points_and_bias():
    x = np.array([[[2, 4, 6]]], dtype=np.uint8)
    w = np.array([[[1, 1]], [[3, 5]]], dtype=np.int8)
    w_scale = np.array([0.5, 0.25], dtype=np.float32)
    # channel 0: w - 1 = [0, 0] -> acc = bias 6 -> 6 * 0.5 / 1 = 3.
    # channel 1: w - 5 = [-2, 0] -> acc = -4, -8 (+ bias 0) -> * 0.25 = -1, -2.
    y = qlinear_conv(x, ONE, 0, w, w_scale, np.array([1, 5], dtype=np.int8), ONE, np.int8(0), bias=[6, 0])
    assert y.tolist() == [[[3, 3], [-1, -2]]]


def test_qlinear_scales_are_exact_dyadic_rationals():
    # float32(1/3) = 11184811 / 2**25, so x_scale * w_scale = 3 * 11184811 / 2**25 = 1 + 2**-25,
    # and acc = 1 with y_scale 2 is (1 + 2**-25) / 2, just above the tie: it rounds up to 1.
    # In float32 the product rounds to 1.0 and the tie goes to even, 0 (onnxruntime, onnx.reference).
    assert Fraction(float(np.float32(1 / 3))) == Fraction(11184811, 2**25)
    x, w = np.array([[[1]]], dtype=np.uint8), np.array([[[1]]], dtype=np.int8)
    y = qlinear_conv(x, np.float32(1 / 3), 0, w, np.float32(3), 0, np.float32(2), np.uint8(0))
    assert y.tolist() == [[[1]]]
    # The exact multiplier 1/2 (0.1 / 0.2 in float32 is a power-of-two ratio) gives the tie: 0.
    assert qlinear_conv(x, np.float32(0.1), 0, w, ONE, 0, np.float32(0.2), np.uint8(0)).tolist() == [[[0]]]


@given(st.integers(-(10**30), 10**30), st.integers(1, 10**20))
def test_round_half_even_is_pythons(num, den):
    got = _round_half_even(np.array([num], dtype=object), np.array([den], dtype=object))
    assert got[0] == round(Fraction(num, den))


# --------------------------------------------------------------------------------------------
# Generated problems: the oracle and the peers

_SPECS = rst.layer_specs(
    max_dims=2, max_side=5, max_kernel=3, paddings=("valid", "pairs"), padding_modes=("zeros",), max_channels=4
)
_TYPES = st.sampled_from([np.uint8, np.int8])


@st.composite
def _problems(draw, per_channel=True):
    spec = draw(_SPECS)
    xd, wd, yd = draw(_TYPES), draw(_TYPES), draw(_TYPES)
    x = draw(hnp.arrays(xd, spec.input_shape))
    w = draw(hnp.arrays(wd, spec.weight_shape))
    c_out = spec.weight_shape[0]
    x_zp = xd(draw(hnp.from_dtype(np.dtype(xd))))
    channels = draw(st.sampled_from([None, c_out] if per_channel else [None]))
    w_zp = draw(hnp.arrays(wd, () if channels is None else (channels,)))
    w_scale = draw(hnp.arrays(np.float32, () if channels is None else (channels,), elements=_SCALES))
    scales = (np.float32(draw(_SCALES)), w_scale, np.float32(draw(_SCALES)))
    y_zp = yd(draw(hnp.from_dtype(np.dtype(yd))))
    bias = draw(st.none() | hnp.arrays(np.int32, (c_out,), elements=st.integers(-(2**20), 2**20)))
    return x, w, x_zp, w_zp, scales, y_zp, bias, spec.kwargs


_SCALES = st.floats(2.0**-12, 2.0**4, width=32, allow_subnormal=False)


@given(_problems())
def test_matches_the_oracle(problem):
    x, w, x_zp, w_zp, (xs, ws, ys), y_zp, bias, kwargs = problem
    acc = _oracle_acc(x, w, x_zp, w_zp, None, kwargs)
    got = conv_integer(x, w, x_zp, w_zp, **kwargs)
    assert got.dtype == np.int32 and got.tolist() == acc.tolist()
    acc = _oracle_acc(x, w, x_zp, w_zp, bias, kwargs)
    y = qlinear_conv(x, xs, x_zp, w, ws, w_zp, ys, y_zp, bias, **kwargs)
    assert y.dtype == y_zp.dtype and y.tolist() == _oracle_qlinear(acc, xs, ws, ys, y_zp, y_zp.dtype).tolist()


# --------------------------------------------------------------------------------------------
# Peers: onnxruntime and onnx.reference (ConvInteger, QLinearConv), PyTorch's quantized conv


def _onnx_model(op, feeds, kwargs, rank, out_dtype):
    """A one-node ONNX model of ``op`` with refconv's layer ``kwargs`` as ONNX attributes."""
    onnx = pytest.importorskip("onnx")
    from onnx import helper

    padding = kwargs["padding"]
    pairs = ((0, 0),) * rank if padding == "valid" else tuple(padding)
    attrs = {
        "strides": list(_axes(kwargs["stride"], rank)),
        "dilations": list(_axes(kwargs["dilation"], rank)),
        "group": kwargs["groups"],
        "pads": [lo for lo, _ in pairs] + [hi for _, hi in pairs],  # ONNX: every begin, then every end
    }
    node = helper.make_node(op, list(feeds), ["y"], **attrs)
    inputs = [
        helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for k, v in feeds.items()
    ]
    output = helper.make_tensor_value_info("y", helper.np_dtype_to_tensor_dtype(np.dtype(out_dtype)), None)
    graph = helper.make_graph([node], op, inputs, [output])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)], ir_version=onnx.IR_VERSION_2019_3_18)


def _run_ort(model, feeds):
    ort = pytest.importorskip("onnxruntime")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def _run_reference(model, feeds):
    reference = pytest.importorskip("onnx.reference")
    return reference.ReferenceEvaluator(model).run(None, feeds)[0]


def _near_tie(acc, multiplier):
    """Whether ``acc * multiplier`` lies within the float32 peers' rounding (relative ``2**-20``) of
    a half-integer, where their round-half-even may go the other way."""
    value = Fraction(int(acc)) * multiplier
    return abs(value - (value.__floor__() + Fraction(1, 2))) <= abs(value) * Fraction(1, 2**20)


def _assert_rounding_only(peer, y, x, w, x_zp, w_zp, scales, bias, kwargs, *, int32_cast=False):
    """``peer`` equals refconv's ``y`` except by 1 at outputs whose exact value is a near tie.

    ``int32_cast``: the peer converts ``acc * M`` to int32 before saturating (fbgemm), so outputs
    with ``|acc * M| >= 2**31`` are its documented difference and not compared.
    """
    diff = peer.astype(np.int64) - y.astype(np.int64)
    if not diff.any():
        return
    acc = _oracle_acc(x, w, x_zp, w_zp, bias, kwargs)
    xs, ws, ys = scales
    w_scales = np.broadcast_to(np.asarray(ws).ravel(), (acc.shape[1],))
    for idx in zip(*np.nonzero(diff)):
        m = Fraction(float(xs)) * Fraction(float(w_scales[idx[1]])) / Fraction(float(ys))
        if int32_cast and abs(acc[idx] * m) >= 2**31:
            continue
        assert abs(diff[idx]) == 1 and _near_tie(acc[idx], m), (idx, acc[idx], m, peer, y)


@given(_problems(per_channel=False))
def test_conv_integer_matches_onnx(problem):
    x, w, x_zp, w_zp, _, _, _, kwargs = problem
    rank = w.ndim - 2
    y = conv_integer(x, w, x_zp, w_zp, **kwargs)
    feeds = {"x": x, "w": w, "x_zero_point": np.asarray(x_zp), "w_zero_point": np.asarray(w_zp)}
    model = _onnx_model("ConvInteger", feeds, kwargs, rank, np.int32)
    assert _run_reference(model, feeds).tolist() == y.tolist()
    assert _run_ort(model, feeds).tolist() == y.tolist()  # onnxruntime: per-tensor w_zero_point only


@given(_problems())
def test_qlinear_conv_matches_onnx_up_to_float32_rounding(problem):
    x, w, x_zp, w_zp, scales, y_zp, bias, kwargs = problem
    rank = w.ndim - 2
    y = qlinear_conv(x, scales[0], x_zp, w, scales[1], w_zp, scales[2], y_zp, bias, **kwargs)
    names = ("x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point")
    feeds = dict(zip(names, map(np.asarray, (x, scales[0], x_zp, w, scales[1], w_zp, scales[2], y_zp))))
    if bias is not None:
        feeds["B"] = bias
    model = _onnx_model("QLinearConv", feeds, kwargs, rank, y_zp.dtype)
    args = (x, w, x_zp, w_zp, scales, bias, kwargs)
    if rank == 2 or feeds["w_scale"].ndim == 0:  # onnx.reference broadcasts per-channel scales as 2-D only
        _assert_rounding_only(_run_reference(model, feeds), y, *args)
    # onnxruntime implements y of x's type only, and int8 x with int8 w.
    if x.dtype == y_zp.dtype and (x.dtype == np.uint8 or w.dtype == np.int8):
        _assert_rounding_only(_run_ort(model, feeds), y, *args)


@given(_problems(per_channel=False))
def test_qlinear_conv_matches_torch_up_to_float32_rounding(problem):
    torch = pytest.importorskip("torch")
    qf = pytest.importorskip("torch.ao.nn.quantized.functional")
    x, w, x_zp, w_zp, scales, _, _, kwargs = problem
    rank = w.ndim - 2
    padding = kwargs["padding"]
    pairs = ((0, 0),) * rank if padding == "valid" else tuple(padding)
    if any(lo != hi for lo, hi in pairs):
        pairs = tuple((max(p), max(p)) for p in pairs)  # torch pads symmetrically; more pad keeps a window
    kwargs = {**kwargs, "padding": pairs}
    # torch's conventions: quint8 input, qint8 weight with zero point 0, quint8 output; no int32 bias.
    x, w = x.astype(np.uint8), w.astype(np.int8)
    x_zp, w_zp, y_zp = np.uint8(x_zp), np.int8(0), np.uint8(7)
    xs, ws, ys = scales
    conv = {1: qf.conv1d, 2: qf.conv2d}[rank]
    engine = torch.backends.quantized.engine
    if "fbgemm" not in torch.backends.quantized.supported_engines:
        pytest.skip("this torch build has no fbgemm engine")
    torch.backends.quantized.engine = "fbgemm"  # the x86 default routes some calls to onednn (see the xfail below)
    with warnings.catch_warnings():  # torch deprecates quantized tensors (still there in 2.13)
        warnings.simplefilter("ignore", UserWarning)
        qx = torch._make_per_tensor_quantized_tensor(torch.from_numpy(x), float(xs), int(x_zp))
        qw = torch._make_per_tensor_quantized_tensor(torch.from_numpy(w), float(ws), 0)
        out = conv(
            qx,
            qw,
            None,
            stride=_axes(kwargs["stride"], rank),
            padding=tuple(lo for lo, _ in pairs),
            dilation=_axes(kwargs["dilation"], rank),
            groups=kwargs["groups"],
            scale=float(ys),
            zero_point=int(y_zp),
            dtype=torch.quint8,
        )
    torch.backends.quantized.engine = engine
    y = qlinear_conv(x, xs, x_zp, w, ws, w_zp, ys, y_zp, **kwargs)
    _assert_rounding_only(out.int_repr().numpy(), y, x, w, x_zp, w_zp, scales, None, kwargs, int32_cast=True)


def _torch_qconv2d(engine, x, x_zp, w, y_zp, scales=(1.0, 1.0, 1.0), **kwargs):
    """torch's quantized conv2d on ``engine`` (weight zero point 0), its quantized values."""
    torch = pytest.importorskip("torch")
    qf = pytest.importorskip("torch.ao.nn.quantized.functional")
    if engine not in torch.backends.quantized.supported_engines:
        pytest.skip(f"this torch build has no {engine} engine")
    saved, torch.backends.quantized.engine = torch.backends.quantized.engine, engine
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            qx = torch._make_per_tensor_quantized_tensor(torch.from_numpy(x), float(scales[0]), int(x_zp))
            qw = torch._make_per_tensor_quantized_tensor(torch.from_numpy(w), float(scales[1]), 0)
            out = qf.conv2d(qx, qw, None, scale=float(scales[2]), zero_point=int(y_zp), dtype=torch.quint8, **kwargs)
            return out.int_repr().numpy()
    finally:
        torch.backends.quantized.engine = saved


@pytest.mark.parametrize("engine", ["fbgemm", pytest.param("onednn", marks=pytest.mark.xfail(strict=True))])
def test_torch_window_of_padding_only(engine):
    # x = 0 with zero point 100 (real value -100), w = 1; padding (1, 1), dilation (1, 3): the
    # middle row's one window reads columns -1 and 2, both padding, which holds the zero point,
    # so acc = 0 and y = 0 + 7 everywhere.  torch's onednn (and x86) engines give 207 there.
    x, w = np.zeros((1, 1, 1, 2), dtype=np.uint8), np.ones((1, 1, 1, 2), dtype=np.int8)
    y = qlinear_conv(x, ONE, 100, w, ONE, 0, ONE, np.uint8(7), padding=((1, 1), (1, 1)), dilation=(1, 3))
    assert y.ravel().tolist() == [7, 7, 7]
    got = _torch_qconv2d(engine, x, 100, w, 7, padding=(1, 1), dilation=(1, 3))
    assert got.ravel().tolist() == [7, 7, 7]


@pytest.mark.xfail(strict=True, reason="fbgemm converts acc * M to int32 before saturating")
def test_torch_saturates_past_int32():
    # (0 - 94) * (-128) = 12032; M = 11 * 4 / 2**-12 = 180224; 12032 * 180224 = 2168455168 > 2**31 - 1,
    # so y saturates to 255.  fbgemm wraps the int32 conversion and saturates the other way, to 0.
    x, w = np.zeros((1, 1, 1, 1), dtype=np.uint8), np.full((1, 1, 1, 1), -128, dtype=np.int8)
    s = (np.float32(11), np.float32(4), np.float32(2.0**-12))
    assert qlinear_conv(x, s[0], 94, w, s[1], 0, s[2], np.uint8(0)).ravel().tolist() == [255]
    assert _torch_qconv2d("fbgemm", x, 94, w, 0, s).ravel().tolist() == [255]


_FLOAT32_PEERS = [pytest.param(run, marks=pytest.mark.xfail(strict=True)) for run in (_run_ort, _run_reference)]


@pytest.mark.parametrize("run", _FLOAT32_PEERS)
def test_onnx_peers_round_the_multiplier_first(run):
    # test_qlinear_scales_are_exact_dyadic_rationals: exactly 1; float32 peers compute 0.
    names = ("x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point")
    values = (np.uint8([[[1]]]), np.float32(1 / 3), np.uint8(0), np.int8([[[1]]]), np.float32(3), np.int8(0))
    feeds = dict(zip(names, map(np.asarray, values + (np.float32(2), np.uint8(0)))))
    kwargs = {"stride": 1, "dilation": 1, "padding": "valid", "groups": 1}
    assert run(_onnx_model("QLinearConv", feeds, kwargs, 1, np.uint8), feeds).tolist() == [[[1]]]


@pytest.mark.parametrize("run", _FLOAT32_PEERS)
def test_onnx_peers_wrap_conv_integer_past_int32(run):
    # ONNX allows the int32 accumulation to wrap: 2147515650 - 2**32 = -2147451646 there.
    big = np.full((1, 1, 33026), 255, dtype=np.uint8)
    feeds = {"x": big, "w": big, "x_zero_point": np.asarray(np.uint8(0)), "w_zero_point": np.asarray(np.uint8(0))}
    kwargs = {"stride": 1, "dilation": 1, "padding": "valid", "groups": 1}
    assert run(_onnx_model("ConvInteger", feeds, kwargs, 1, np.int32), feeds).tolist() == [[[2147515650]]]
