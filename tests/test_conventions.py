"""The conventions map: each preset resolves to explicit pads that reproduce its peer's output."""

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import correlate
from refconv.conventions import BOUNDARY_ALIASES, SAME_PRESETS, boundary, same_pads


def test_hand_cases_from_the_peer_notes():
    # peer-conventions.md: torch k=4 -> 1 before, 2 after; k=2, d=3 likewise.
    assert same_pads("torch", (5,), (4,)) == ((1, 2),)
    assert same_pads("torch", (5,), (2,), dilation=3) == ((1, 2),)
    # JAX: padtype_to_pads((5,), (4,), (1,), 'SAME') = [(1, 2)], 'SAME_LOWER' = [(2, 1)].
    assert same_pads("jax", (5,), (4,)) == ((1, 2),)
    assert same_pads("jax_lower", (5,), (4,)) == ((2, 1),)
    # SAME with stride 2 on L=5 and k=2: pads (0, 1), output [21, 43, 5] for x=1..5, w=[1, 10].
    pads = same_pads("tf", (5,), (2,), stride=2)
    assert pads == ((0, 1),)
    assert correlate([1, 2, 3, 4, 5], [1, 10], mode=pads, stride=2).tolist() == [1 + 20, 3 + 40, 5 + 0]


@st.composite
def even_and_odd(draw, max_dims=2):
    ndim = draw(st.integers(1, max_dims))
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=9))
    kshape = tuple(draw(st.integers(1, n)) for n in shape)
    x = draw(hnp.arrays(np.int64, shape, elements=st.integers(-9, 9)))
    w = draw(hnp.arrays(np.int64, kshape, elements=st.integers(-9, 9)))
    return x, w


@given(even_and_odd(max_dims=3))
def test_scipy_signal_preset(problem):
    x, w = problem
    pads = same_pads("scipy.signal", x.shape, w.shape)
    assert np.array_equal(correlate(x, w, mode=pads), scipy.signal.correlate(x, w, mode="same", method="direct"))


@given(even_and_odd())
def test_scipy_correlate2d_preset(problem):
    x, w = problem
    x2, w2 = np.atleast_2d(x), np.atleast_2d(w)
    pads = same_pads("scipy.correlate2d", x2.shape, w2.shape)
    assert np.array_equal(correlate(x2, w2, mode=pads), scipy.signal.correlate2d(x2, w2, mode="same"))


@given(even_and_odd(max_dims=3))
def test_ndimage_preset(problem):
    x, w = problem
    pads = same_pads("ndimage", x.shape, w.shape)
    expected = scipy.ndimage.correlate(x.astype(float), w.astype(float), mode="constant")
    assert np.array_equal(correlate(x, w, mode=pads), expected)


@given(st.lists(st.integers(-9, 9), min_size=1, max_size=9), st.lists(st.integers(-9, 9), min_size=1, max_size=9))
def test_numpy_preset(a, v):
    if len(v) > len(a):
        a, v = v, a
    pads = same_pads("numpy", (len(a),), (len(v),))
    assert correlate(a, v, mode=pads).tolist() == np.correlate(a, v, mode="same").tolist()


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@given(even_and_odd(), st.integers(1, 3))
def test_torch_preset(problem, d):
    torch = pytest.importorskip("torch")
    x, w = problem
    x = np.atleast_2d(x)
    w = np.atleast_2d(w)
    pads = same_pads("torch", x.shape, w.shape, dilation=d)
    got = correlate(x, w, mode=pads, dilation=d)
    expected = torch.nn.functional.conv2d(
        torch.from_numpy(x[None, None].astype(float)),
        torch.from_numpy(w[None, None].astype(float)),
        padding="same",
        dilation=d,
    )[0, 0].numpy()
    assert np.array_equal(got, expected)


@given(st.integers(1, 20), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3))
def test_tf_same_output_is_ceil_n_over_s(n, k, s, d):
    # TF/JAX SAME: the output length is ceil(n / s), whatever the kernel.
    ((lo, hi),) = same_pads("tf", (n,), (k,), stride=s, dilation=d)
    extent = d * (k - 1) + 1
    if n + lo + hi >= extent:
        assert (n + lo + hi - extent) // s + 1 == -(-n // s)
    assert same_pads("onnx_upper", (n,), (k,), stride=s, dilation=d) == ((lo, hi),)
    assert same_pads("onnx_lower", (n,), (k,), stride=s, dilation=d) == ((hi, lo),)


def test_every_preset_is_documented_and_every_alias_is_a_refconv_boundary():
    assert all(rule and source for rule, source in SAME_PRESETS.values())
    names = {"constant", "wrap", "reflect", "symmetric", "edge"}
    assert all(set(table.values()) <= names for table in BOUNDARY_ALIASES.values())
    assert boundary("ndimage", "reflect") == "symmetric" and boundary("ndimage", "mirror") == "reflect"
    assert boundary("torch", "circular") == "wrap"


@pytest.mark.parametrize(("nd_name", "np_name"), sorted(BOUNDARY_ALIASES["ndimage"].items()))
def test_ndimage_aliases_agree_with_ndimage(nd_name, np_name):
    x = np.arange(1.0, 8.0)
    w = np.array([1.0, 10.0, 100.0])
    expected = scipy.ndimage.correlate1d(x, w, mode=nd_name)
    assert correlate(x, w, mode="same", boundary=np_name).tolist() == expected.tolist()


def test_bad_preset_and_names():
    with pytest.raises(ValueError, match=r"same_pads: preset='pytorch' is not recognised"):
        same_pads("pytorch", (5,), (2,))
    with pytest.raises(ValueError, match=r"same_pads: stride=\(2,\) is not 1"):
        same_pads("torch", (5,), (2,), stride=2)
    with pytest.raises(ValueError, match=r"boundary: name='symmetric' is not recognised"):
        boundary("torch", "symmetric")


# ---- every preset against its peer's actual output (issue 13) ------------------------------------


@st.composite
def strided_problem(draw, max_dims=2):
    ndim = draw(st.integers(1, max_dims))
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=9))
    kshape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=4))
    stride = tuple(draw(st.integers(1, 3)) for _ in shape)
    dilation = tuple(draw(st.integers(1, 3)) for _ in shape)
    x = draw(hnp.arrays(np.float64, shape, elements=st.integers(-9, 9).map(float)))
    w = draw(hnp.arrays(np.float64, kshape, elements=st.integers(-9, 9).map(float)))
    return x, w, stride, dilation


@given(st.sampled_from(sorted(SAME_PRESETS)), strided_problem(max_dims=3))
def test_every_preset_resolves_to_explicit_pads(preset, problem):
    x, w, stride, dilation = problem
    if preset == "torch":
        stride = (1,) * x.ndim
    if preset not in ("tf", "jax", "jax_lower", "onnx_upper", "onnx_lower", "torch"):
        stride = dilation = (1,) * x.ndim  # the scipy/numpy/ndimage presets have neither
    pads = same_pads(preset, x.shape, w.shape, stride=stride, dilation=dilation)
    assert len(pads) == x.ndim and all(lo >= 0 and hi >= 0 for lo, hi in pads)
    for (lo, hi), n, k, s, d in zip(pads, x.shape, w.shape, stride, dilation):
        extent = d * (k - 1) + 1
        # "same": the output has ceil(n / s) cells (n for stride 1), the window's reach split in two.
        assert lo + hi >= 0 and abs(lo - hi) <= 1
        if n + lo + hi >= extent:
            assert (n + lo + hi - extent) // s + 1 == -(-n // s)
    # Explicit pads reproduce the preset exactly when refconv uses them.
    if all(n + lo + hi >= d * (k - 1) + 1 for (lo, hi), n, k, d in zip(pads, x.shape, w.shape, dilation)):
        assert correlate(x, w, mode=pads, stride=stride, dilation=dilation).shape == tuple(
            -(-n // s) for n, s in zip(x.shape, stride)
        )


@given(st.sampled_from([("jax", "SAME"), ("jax_lower", "SAME_LOWER")]), strided_problem())
def test_jax_presets_agree_with_lax(names, problem):
    jax = pytest.importorskip("jax")
    preset, padding = names
    x, w, stride, dilation = problem
    pads = same_pads(preset, x.shape, w.shape, stride=stride, dilation=dilation)
    with jax.enable_x64(True):
        got = jax.lax.conv_general_dilated(x[None, None], w[None, None], stride, padding, rhs_dilation=dilation)
    got = np.asarray(got)[0, 0]
    fits = all(n + lo + hi >= d * (k - 1) + 1 for (lo, hi), n, k, d in zip(pads, x.shape, w.shape, dilation))
    if fits:
        assert np.array_equal(correlate(x, w, mode=pads, stride=stride, dilation=dilation), got)
    else:  # the window is longer than the padded input: JAX returns an empty axis
        assert got.size == 0
    # TF's SAME is JAX's SAME (lax.padtype_to_pads implements TF's rule).
    if preset == "jax":
        assert same_pads("tf", x.shape, w.shape, stride=stride, dilation=dilation) == pads


@given(st.sampled_from([("onnx_upper", "SAME_UPPER"), ("onnx_lower", "SAME_LOWER")]), strided_problem())
def test_onnx_presets_agree_with_onnxruntime(names, problem):
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    preset, auto_pad = names
    x, w, stride, _ = problem
    x, w = x.astype(np.float32), w.astype(np.float32)
    pads = same_pads(preset, x.shape, w.shape, stride=stride)  # ORT refuses SAME_* with dilation
    node = helper.make_node("Conv", ["x", "w"], ["y"], strides=list(stride), auto_pad=auto_pad)
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, (1, 1, *a.shape)) for n, a in (("x", x), ("w", w))]
    graph = helper.make_graph([node], "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(None, {"x": x[None, None], "w": w[None, None]})[0][0, 0]
    assert np.array_equal(correlate(x.astype(float), w.astype(float), mode=pads, stride=stride), got)


# ---- one naming table (issue 19): everything else is read off BOUNDARY_ALIASES ----------------------------


def test_derived_tables_are_read_off_the_aliases_by_hand():
    from refconv.conventions import BOUNDARIES, BOUNDARY_NAMES, PADDING_MODES

    assert BOUNDARIES == ("constant", "wrap", "reflect", "symmetric", "edge")
    # Written out from the libraries' documentation, independently of the derivation.
    assert BOUNDARY_NAMES == (
        ("constant", "fill", "constant", "zeros", "constant", "constant"),
        ("wrap", "wrap", "wrap", "circular", "wrap", "wrap"),
        ("reflect", None, "mirror", "reflect", "reflect", "reflect"),
        ("symmetric", "symm", "reflect", None, "symmetric", None),
        ("edge", None, "nearest", "replicate", "edge", "edge"),
    )
    assert list(PADDING_MODES.items()) == [
        ("zeros", "constant"),
        ("reflect", "reflect"),
        ("replicate", "edge"),
        ("circular", "wrap"),
    ]


def test_every_foreign_name_gets_a_true_hint():
    from refconv.conventions import refconv_boundary, torch_padding_mode

    for names in BOUNDARY_ALIASES.values():
        for name, to in names.items():
            if name not in ("constant", "wrap", "reflect", "symmetric", "edge"):
                with pytest.raises(ValueError, match=rf"is not a refconv name \(.*'{to}'\)"):
                    refconv_boundary("correlate", name)
    with pytest.raises(ValueError, match=r"ndimage's 'grid-wrap' is torch's 'circular'"):
        torch_padding_mode("conv", "grid-wrap")
    with pytest.raises(ValueError, match=r"torch has no half-sample mode"):
        torch_padding_mode("conv", "grid-mirror")


def test_same_split_is_the_stride_one_preset():
    from refconv.conventions import same_split

    for k in range(1, 7):
        assert (same_split(k, "centred"),) == same_pads("scipy.signal", (9,), (k,))
        assert (same_split(k, "torch"),) == same_pads("torch", (9,), (k,))
    with pytest.raises(ValueError, match=r"^same_split: rule='upper' is not recognised"):
        same_split(3, "upper")
