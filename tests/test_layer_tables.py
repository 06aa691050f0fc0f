"""refconv.layer_tables: the real layer tables, check_layers' per-layer report, and heatmap."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import refconv
from refconv.layer_tables import TABLES, Layer, check_layers, heatmap, layers
from refconv.spec import output_shape

torch_adapter = pytest.importorskip("refconv.adapters.torch")
pytest.importorskip("torch")
TORCH = {"conv": torch_adapter.conv, "conv_transpose": torch_adapter.conv_transpose}
ALL = layers("all")


def _round_operands(bits):
    """An implementation that rounds each operand to float32 with ``bits`` low bits dropped (round to nearest,
    ties to even) and convolves in float32: TF32 products for 13, bfloat16 ones for 16."""

    def rnd(a):
        u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
        u = (u + np.uint32((1 << (bits - 1)) - 1) + ((u >> bits) & np.uint32(1))) & ~np.uint32((1 << bits) - 1)
        return u.view(np.float32)

    def wrap(f):
        return lambda x, w, b, **kw: f(rnd(x), rnd(w), b, **kw)

    return {op: wrap(f) for op, f in TORCH.items()}


def _out_shape(layer, size):
    shape = layer.shape(size)
    k = layer.weight_shape[2:]
    if layer.op == "conv":
        spatial = output_shape(shape[2:], k, padding=layer.padding, stride=layer.stride, dilation=layer.dilation)
        return (shape[0], layer.weight_shape[0], *spatial)
    # Transposed: (n - 1) s - 2p + d (k - 1) + 1 per axis.
    spatial = tuple(
        (n - 1) * layer.stride - 2 * layer.padding + layer.dilation * (kk - 1) + 1 for n, kk in zip(shape[2:], k)
    )
    return (shape[0], layer.weight_shape[1] * layer.groups, *spatial)


# --- the tables


def test_tables_hold_the_real_layers_by_hand():
    by = {layer.name: layer for layer in ALL}
    assert set(TABLES) == {"resnet50", "mobilenetv2", "unet", "wav2vec2", "video3d"}
    assert len(by) == len(ALL)  # names are unique
    stem = by["resnet50.conv1"]  # 224 -> 112: (224 + 2*3 - 7) // 2 + 1
    assert (stem.weight_shape, stem.stride, stem.padding) == ((64, 3, 7, 7), 2, 3)
    assert _out_shape(stem, "full") == (8, 64, 112, 112)
    assert _out_shape(by["resnet50.layer4.0.conv2"], "full") == (8, 512, 7, 7)  # stride-2 3x3, v1.5
    assert _out_shape(by["resnet50.layer2.0.downsample.0"], "full") == (8, 512, 28, 28)
    dw = by["mobilenetv2.features.2.conv.1.0"]
    assert dw.groups == dw.input_shape[1] == dw.weight_shape[0] == 96 and dw.weight_shape[1] == 1
    assert _out_shape(dw, "full") == (8, 96, 56, 56)
    # wav2vec 2.0: 16000 samples -> 3199 frames (k 10, s 5), ..., 99 -> 49 (k 2, s 2).
    assert _out_shape(by["wav2vec2.feature_extractor.conv_layers.0"], "full") == (4, 512, 3199)
    assert _out_shape(by["wav2vec2.feature_extractor.conv_layers.6"], "full") == (4, 512, 49)
    up = by["unet.up1.up"]  # ConvTranspose2d(1024, 512, 2, stride=2): 32 -> 64
    assert up.op == "conv_transpose" and _out_shape(up, "full") == (8, 512, 64, 64)
    assert _out_shape(by["video3d.layer2.0.conv1.0"], "full") == (2, 128, 8, 28, 28)


@pytest.mark.parametrize("layer", ALL, ids=[layer.name for layer in ALL])
def test_each_row_is_a_valid_call_and_quick_cuts_only_batch_and_sides(layer):
    assert layer.source and layer.name.split(".")[0] in TABLES and layer.op in ("conv", "conv_transpose")
    quick, full = layer.shape("quick"), layer.shape("full")
    assert quick[0] == 1 and quick[1] == full[1] and len(quick) == len(full) == len(layer.weight_shape)
    assert all(q <= f for q, f in zip(quick[2:], full[2:]))
    c_in = layer.weight_shape[1] * layer.groups if layer.op == "conv" else layer.weight_shape[0]
    assert c_in == full[1]
    # refconv takes the call, and its shape is the one computed by hand above.
    p = layer.problem("quick")
    assert p.args[0].shape == quick and p.args[1].shape == layer.weight_shape and p.args[2] is None
    for size in ("quick", "full"):
        assert all(n > 0 for n in _out_shape(layer, size))
    fn = refconv.conv if layer.op == "conv" else refconv.conv_transpose
    assert fn(*p.args, **layer.kwargs()).shape == _out_shape(layer, "quick")


def test_operands_are_seeded_per_layer_and_adversarial_ones_err_one_way():
    a, b = ALL[0], ALL[1]
    x1, x2 = a.problem(seed=3).args[0], a.problem(seed=3).args[0]
    assert np.array_equal(x1, x2) and not np.array_equal(x1, a.problem(seed=4).args[0])
    assert not np.array_equal(a.problem().args[1].ravel()[:10], b.problem().args[1].ravel()[:10])
    assert (x1 < 0).any() and x1.dtype == np.float32
    for arr in a.problem(operands="adversarial").args[:2]:
        bits = arr.view(np.uint32)
        assert (arr > 0).all() and (bits & 0xFFFF == 0xAAAA).all()
    assert a.problem(dtype="float64").args[0].dtype == np.float64


def test_layers_selects_by_table_name_and_row_once():
    assert layers("resnet50") == TABLES["resnet50"]
    assert layers(["unet", "unet.up1.up", TABLES["unet"][1]]) == TABLES["unet"]
    custom = Layer("mine.c", "conv", (2, 3, 9, 9), (1, 3, 5, 5), (4, 3, 3, 3))
    assert layers([custom]) == (custom,)


# --- check_layers: the report


def test_torch_cpu_float32_passes_every_quick_layer():
    report = check_layers(TORCH, "all")
    print(f"\n{report}")
    assert report.passed and report.failed == []
    assert [row.layer for row in report.rows] == list(ALL)
    for row in report.rows:
        assert row.over == 0 and row.fraction == 0 and 0 < row.worst_ratio < 1, row.line()
        assert row.outputs == math.prod(_out_shape(row.layer, "quick"))


@pytest.mark.parametrize(("bits", "name"), [(13, "TF32"), (16, "bfloat16")])
def test_reduced_precision_products_are_caught_on_every_layer(bits, name):
    report = check_layers(_round_operands(bits), "all", operands="adversarial")
    print(f"\n{name} products, adversarial operands:\n{report}")
    assert report.failed == [layer.name for layer in ALL]
    for row in report.rows:
        assert row.over > 0 and row.worst_ratio > 1 and row.verdict.index is not None
        assert row.ratio_map.max() == pytest.approx(row.worst_ratio)


def test_adversarial_operands_raise_no_false_alarm():
    # The control: a correct float32 implementation on the adversarial operands.
    report = check_layers(TORCH, "all", operands="adversarial")
    assert report.passed, str(report)


def test_the_count_and_the_map_find_planted_errors():
    layer = TABLES["mobilenetv2"][1]  # depthwise 3x3, 24x24
    exact = refconv.conv(*layer.problem().args, **layer.kwargs())

    def planted(x, w, b, **kw):
        y = refconv.conv(x, w, b, **kw)
        y[0, 5, 7, 11] += 1.0
        y[0, 9, 7, 11] += 1.0
        y[0, 2, 20, 3] = np.nextafter(y[0, 2, 20, 3], np.inf)  # one ulp: within the bound
        return y

    row = check_layers(planted, [layer]).rows[0]
    assert not row.passed and row.over == 2 and row.fraction == 2 / exact.size
    assert row.verdict.index[2:] == (7, 11) and row.verdict.index[1] in (5, 9)
    assert np.unravel_index(np.argmax(row.ratio_map), row.ratio_map.shape) == (7, 11)
    assert (row.ratio_map > 1).sum() == 1


def test_a_raising_or_misshapen_implementation_fails_every_output():
    def boom(x, w, b, **kw):
        raise RuntimeError("no kernel")

    row = check_layers(boom, "unet.up4.up").rows[0]
    assert not row.passed and row.over == row.outputs and row.ratio_map is None
    assert row.verdict.reason == "raised RuntimeError: no kernel" and row.worst_ratio == math.inf
    row = check_layers(lambda x, w, b, **kw: np.zeros(3, np.float32), "unet.up4.up").rows[0]
    assert not row.passed and row.over == row.outputs and "returned shape (3,)" in row.verdict.reason


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32), k=st.integers(1, 6))
def test_over_counts_exactly_the_outputs_pushed_past_the_bound(seed, k):
    layer = TABLES["mobilenetv2"][6]  # depthwise stride 2 over 576 channels
    out = _out_shape(layer, "quick")
    flat = np.random.default_rng(seed).choice(math.prod(out), size=k, replace=False)

    def wrong(x, w, b, **kw):
        y = refconv.conv(x, w, b, **kw)
        y.reshape(-1)[flat] += np.float32(10.0)
        return y

    assert check_layers(refconv.conv, [layer], seed=seed).rows[0].over == 0
    row = check_layers(wrong, [layer], seed=seed).rows[0]
    assert row.over == k and not row.passed


# --- heatmap


def test_heatmap_draws_a_failing_layer_into_a_file(tmp_path):
    report = check_layers(_round_operands(16), ["resnet50.layer1.0.conv2", "wav2vec2.feature_extractor.conv_layers.6"])
    for row in report.rows:
        path = tmp_path / f"{row.layer.name}.png"
        fig = heatmap(row, path)
        assert path.stat().st_size > 1000 and fig.axes[0].get_title().startswith(row.layer.name)
        image = fig.axes[0].images[0].get_array()
        assert image.shape == (row.ratio_map.shape if row.ratio_map.ndim == 2 else (1, row.ratio_map.size))
    assert report.rows[0].ratio_map.shape == (12, 12)


def test_reduce_turns_each_failing_layer_into_a_small_counterexample():
    # bfloat16 products fail every layer; each reduced problem is a call of a few cells that
    # still fails the same way, found by the reducer from the layer's own operands.
    rows = ["resnet50.conv1", "mobilenetv2.features.1.conv.0.0", "unet.up4.up"]
    report = check_layers(_round_operands(16), rows, operands="adversarial", reduce=True)
    assert report.failed == rows
    for row in report.rows:
        small = row.counterexample.problem
        assert small.op == row.layer.op and row.counterexample.steps > 0
        assert small.args[0].size <= 4 and small.args[1].size <= 4, small.describe()
        with pytest.raises(AssertionError, match="differs from the exact result"):
            refconv.assert_conforms(small.call(_round_operands(16)[small.op]), small.op, *small.args, **small.kwargs)
    assert "reduced to conv(" in str(report)
    # A passing layer has nothing to reduce.
    assert check_layers(TORCH, rows[:1], reduce=True).rows[0].counterexample is None


def test_progress_is_called_before_each_layer_and_at_the_end():
    calls = []
    check_layers(TORCH, "unet", progress=lambda done, total, name: calls.append((done, total, name)))
    assert calls == [(0, 2, "unet.up1.up"), (1, 2, "unet.up4.up"), (2, 2, "")]
