"""Pooling options of issue 23: dilation for avg/lp/weighted pools, padding for lp pools, ONNX's
pad rule (pads past ``k // 2``), torch's one-entry and empty argument forms, and zero-size batches.

Hand-derived cases write their arithmetic out; Hypothesis properties check the options against a
brute-force window enumeration written here, against :func:`refconv.correlate` (a pool of ones is
a correlation), and against torch and onnxruntime where installed.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import refconv
from refconv.pooling import avg_pool, lp_pool, lp_pool_torch, max_pool, weighted_pool
from refconv.spec import pool_spec

F = Fraction

# --------------------------------------------------------------------------------------------
# A brute-force window oracle, 1-D and 2-D: every output, every tap, in plain Python.


def _axis_windows(n, k, s, d, lo, hi, ceil):
    """Per output, the window's tap positions in input coordinates (padding: <0 or >=n; taps past
    the padded input — the ceil overhang — are left out), by the output-length rule of torch's
    Pool.h written out again here."""
    span = n + lo + hi - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and out > 1 and (out - 1) * s >= n + lo:
        out -= 1
    return [[o * s + t * d - lo for t in range(k) if o * s + t * d < n + lo + hi] for o in range(out)]


def _brute(x, per_axis, reduce):
    """``reduce(values, in_pad_taps)`` over each window of a 1-D or 2-D list ``x``."""
    shape = np.shape(x)
    grids = [_axis_windows(n, *g) for n, g in zip(shape, per_axis)]
    out = np.empty([len(g) for g in grids], dtype=object)
    for index in itertools.product(*(range(len(g)) for g in grids)):
        taps = list(itertools.product(*(g[i] for g, i in zip(grids, index))))
        real = [x[t] for t in taps if all(0 <= c < n for c, n in zip(t, shape))]
        out[index] = reduce(real, len(taps))
    return out


def _in_window_rule_holds(n, k, s, d, lo, hi, ceil):
    return all(any(0 <= c < n for c in w) for w in _axis_windows(n, k, s, d, lo, hi, ceil))


# --------------------------------------------------------------------------------------------
# Hand-derived cases


def test_avg_pool_dilation_by_hand():
    # [0 | 1 9 2 8 3 | 0], taps 2 apart: (0,9) (1,2) (9,8) (2,3) (8,0)
    x = [1, 9, 2, 8, 3]
    got = avg_pool(x, 2, stride=1, dilation=2, padding=1)
    assert got.tolist() == [F(9, 2), F(3, 2), F(17, 2), F(5, 2), F(8, 2)]
    # Without the padding in the divisor the windows (0,9) and (8,0) hold one cell each.
    got = avg_pool(x, 2, stride=1, dilation=2, padding=1, count_include_pad=False)
    assert got.tolist() == [F(9), F(3, 2), F(17, 2), F(5, 2), F(8)]


def test_avg_pool_dilation_2d_by_hand():
    x = np.arange(16).reshape(4, 4)
    got = avg_pool(x, (2, 2), stride=1, dilation=2)
    hand = [[F(int(x[i, j] + x[i, j + 2] + x[i + 2, j] + x[i + 2, j + 2]), 4) for j in (0, 1)] for i in (0, 1)]
    assert got.tolist() == hand == [[F(5), F(6)], [F(9), F(10)]]


def test_avg_pool_exact_window_of_padding_only():
    # [0 | 4 | 0] with taps 2 apart: the one window reads the two pads (torch's pad rule allows it).
    assert avg_pool([4], 2, stride=1, dilation=2, padding=1).tolist() == [F(0)]
    with pytest.raises(ValueError, match=r"avg_pool: dilation=2 with padding=1 leaves window \(0,\).*mean of no"):
        avg_pool([4], 2, stride=1, dilation=2, padding=1, count_include_pad=False)
    got = avg_pool(np.array([[4.0], [6.0]]), (1, 2), stride=1, dilation=2, padding=((0, 0), (1, 1)))
    assert got.tolist() == [[0.0], [0.0]]
    got = avg_pool(np.array([4.0]), 2, stride=1, dilation=2, padding=1, count_include_pad=False)
    assert np.isnan(got).all()  # 0/0
    with pytest.raises(ValueError, match=r"output 0 on axis 0 without an input cell"):
        avg_pool([4], 2, stride=1, dilation=2, padding=1, pad_rule="onnx")


def test_lp_pool_padding_dilation_ceil_by_hand():
    # [0 | 3 -4 0 5 -12 | 0] in windows of 3, stride 3: [0 3 -4] and [0 5 -12]
    assert lp_pool([3, -4, 0, 5, -12], 2, 3, stride=3, padding=1).tolist() == [5, 13]
    # taps 2 apart, p = 1: |3|+|4|, |1|+|1|
    assert lp_pool([3, 1, -4, 1], 1, 2, stride=1, dilation=2).tolist() == [7, 2]
    # [0 | 6 8 1 | 0], k 3, s 2, ceil: [0 6 8] -> 10, [8 1 0] -> sqrt(65); no third (it would start in the pad)
    got = lp_pool([6, 8, 1], 2, 3, stride=2, padding=1, ceil_mode=True)
    assert [str(v) for v in got] == ["10", "sqrt(65)"]
    # p = inf is max |v|; a window of padding only is |0| = 0 for exact and float x alike
    # [0 | -5 | 0] with taps 2 apart: the window of test_avg_pool_exact_window_of_padding_only
    assert lp_pool([-5], math.inf, 2, stride=1, dilation=2, padding=1).tolist() == [0]
    assert lp_pool(np.array([-5.0]), math.inf, 2, stride=1, dilation=2, padding=1).tolist() == [0.0]
    assert lp_pool(np.array([-5.0]), 3, 2, stride=1, dilation=2, padding=1).tolist() == [0.0]


def test_lp_pool_torch_padding_by_hand():
    x = np.array([3.0, 4.0, 0.0, 5.0, 12.0])
    # full windows: the sum of v**p over the input cells; padded cells contribute zero
    assert lp_pool_torch(x, 2, 3, stride=3, padding=1).tolist() == [5.0, 13.0]
    # ceil: [0 | 3 4 | 0] k 2 s 2 -> windows [0 3], [4 0]; no overhang, so no overcount
    assert lp_pool_torch(np.array([3.0, 4.0]), 2, 2, stride=2, padding=1, ceil_mode=True).tolist() == [3.0, 4.0]
    # [3 4 5] k 2 s 2 ceil: the clipped last window [5] is overcounted by K/1 = 2, as torch does
    assert lp_pool_torch(np.array([3.0, 4.0, 5.0]), 2, 2, ceil_mode=True).tolist() == [5.0, math.sqrt(50.0)]
    # dilation 2: taps (3, 0) and (4, 5)
    assert lp_pool_torch(x[:4], 1, 2, stride=1, dilation=2).tolist() == [3.0, 9.0]


def test_weighted_pool_dilation_by_hand():
    # taps at distance 2 (in cells) weigh 1/(1 + 4), the centre 1
    got = weighted_pool([1, 0, 6, 0, 1], 3, lambda d: 1 / (1 + d**2), dilation=2)
    assert got.tolist() == [(F(1, 5) + 6 + F(1, 5)) / (F(1, 5) + 1 + F(1, 5))]
    # explicit weights are per tap, whatever the dilation: (1*1 + 3*2) / 4, (1*2 + 3*5) / 4
    assert weighted_pool([1, 7, 2, 9, 5], 2, [1, 3], stride=2, dilation=2).tolist() == [F(7, 4), F(17, 4)]


def test_onnx_pad_rule_by_hand():
    # [0 0 | 1 9 | 0 0], k 3: [0 0 1] [0 1 9] [1 9 0] [9 0 0]
    assert avg_pool([1, 9], 3, stride=1, padding=2, pad_rule="onnx").tolist() == [F(1, 3), F(10, 3), F(10, 3), F(3)]
    got = avg_pool([1, 9], 3, stride=1, padding=2, pad_rule="onnx", count_include_pad=False)
    assert got.tolist() == [F(1), F(5), F(5), F(9)]
    assert max_pool([5, 7], 3, stride=1, padding=2, pad_rule="onnx").tolist() == [5, 7, 7, 7]
    assert lp_pool([3, 4], 2, 3, stride=1, padding=2, pad_rule="onnx").tolist() == [3, 5, 5, 4]
    assert weighted_pool([2, 4], 3, [1, 1, 1], stride=1, padding=2, pad_rule="onnx").tolist() == [2, 3, 3, 4]
    # ceil mode with big pads: [1..5] k 3 s 3 pads (2, 1): [0 0 1] [2 3 4] [5 0 (overhang)]
    got = avg_pool([1, 2, 3, 4, 5], 3, stride=3, padding=(2, 1), ceil_mode=True, pad_rule="onnx")
    assert got.tolist() == [F(1, 3), F(9, 3), F(5, 2)]  # the overhang never counts
    # the torch rule still refuses what ONNX takes
    with pytest.raises(ValueError, match=r"as torch requires"):
        avg_pool([1, 9], 3, stride=1, padding=2)


def test_onnx_pad_rule_refuses_windows_of_padding_only():
    with pytest.raises(ValueError, match=r"output 0 on axis 0 without an input cell.*pad_rule=\"onnx\""):
        avg_pool([1, 9], 2, stride=1, padding=2, pad_rule="onnx")  # [0 0] first
    with pytest.raises(ValueError, match=r"output 2 on axis 0"):
        max_pool([1, 9], 2, stride=1, padding=(0, 2), pad_rule="onnx")  # [1 9] [9 0] [0 0]
    # taps 5 apart step over a 2-cell input: [-3, 2] misses it; [-4, 1] does not
    with pytest.raises(ValueError, match=r"output 1 on axis 1"):
        lp_pool(np.ones((1, 2)), 2, (1, 2), stride=1, padding=((0, 0), (4, 4)), dilation=(1, 5), pad_rule="onnx")


def test_torch_one_entry_and_empty_forms():
    x = np.arange(1, 17).reshape(1, 4, 4)
    for f in (avg_pool, max_pool, lambda *a, **k: lp_pool(a[0], 2, *a[1:], **k)):
        assert np.array_equal(f(x, (2, 2), stride=(), padding=(1,)), f(x, (2, 2), stride=2, padding=1))
        assert np.array_equal(f(x, (3, 3), stride=(1,), dilation=(1,)), f(x, (3, 3), stride=1))
    # a 1-D pool's (1, 2) is still a (before, after) pair
    assert avg_pool([1, 2, 3], 3, stride=1, padding=(0, 1)).tolist() == [F(2), F(5, 3)]


@pytest.mark.parametrize("method", ["direct", "dense", "sparse", "fft", "auto"])
@pytest.mark.parametrize("kernel", [(1, 1), (2, 2), (3, 3), (1, 3), (2, 2, 2)])
def test_zero_size_batch(method, kernel):
    x = np.zeros((0, 1) + (4,) * len(kernel))
    w = np.ones((1, 1) + kernel)
    assert refconv.conv(x, w, method=method).shape == (0, 1) + tuple(5 - k for k in kernel)
    assert refconv.conv_transpose(x, w, method=method).shape == (0, 1) + tuple(3 + k for k in kernel)
    exact = "direct" if method == "fft" else method  # fft refuses exact operands
    assert refconv.conv(x.astype(int), w.astype(int), method=exact).shape == (0, 1) + tuple(5 - k for k in kernel)


def test_zero_size_batch_shapes_match_torch():
    torch = pytest.importorskip("torch")
    for kernel in [(1, 1), (3, 3), (2, 1, 2)]:
        x, w = np.zeros((0, 1) + (3,) * len(kernel)), np.ones((1, 1) + kernel)
        f = getattr(torch.nn.functional, f"conv{len(kernel)}d")
        g = getattr(torch.nn.functional, f"conv_transpose{len(kernel)}d")
        assert refconv.conv(x, w).shape == tuple(f(torch.tensor(x), torch.tensor(w)).shape)
        assert refconv.conv_transpose(x, w).shape == tuple(g(torch.tensor(x), torch.tensor(w)).shape)


# --------------------------------------------------------------------------------------------
# Properties


@st.composite
def _axis(draw, rule, ceil, dilate=True, pads="any"):
    """One axis ``(n, (k, s, d, lo, hi, ceil))``, within the given pad rule (the ONNX rule's
    windows are checked by the brute-force enumeration, never by the code under test); ``pads``
    is "any", "symmetric" (torch's avg_pool) or "none" (torch's lp_pool)."""
    n = draw(st.integers(1, 6))
    d = draw(st.integers(1, 3)) if dilate else 1
    k = draw(st.integers(1, 4))
    s = draw(st.integers(1, 3))
    top = 0 if pads == "none" else k // 2 if rule == "torch" else (k - 1) * d + 1
    lo = draw(st.integers(0, top))
    hi = lo if pads == "symmetric" else draw(st.integers(0, top))
    assume(len(_axis_windows(n, k, s, d, lo, hi, ceil)) >= 1)
    if rule == "onnx":
        assume(_in_window_rule_holds(n, k, s, d, lo, hi, ceil))
    return n, (k, s, d, lo, hi, ceil)


@st.composite
def _problem(draw, rule=None, ndim=None, **torch_limits):
    rule = rule or draw(st.sampled_from(["torch", "onnx"]))
    ceil = draw(st.booleans())
    axes = [draw(_axis(rule, ceil, **torch_limits)) for _ in range(ndim or draw(st.integers(1, 2)))]
    x = draw(hnp.arrays(np.int64, tuple(n for n, _ in axes), elements=st.integers(-9, 9)))
    per_axis = [g for _, g in axes]
    k, s, d, lo, hi, ceil = (tuple(g[i] for g in per_axis) for i in range(6))
    geometry = dict(stride=s, padding=tuple(zip(lo, hi)), dilation=d, pad_rule=rule, ceil_mode=ceil[0])
    return x, k, geometry, per_axis


@given(_problem(), st.booleans())
def test_avg_pool_options_match_brute_force(problem, cip):
    x, k, geometry, per_axis = problem
    if not cip:
        assume(all(len(r) for r in _brute(x, per_axis, lambda r, t: r).flat))  # a mean of no cells is refused
    # the cip divisor counts taps inside the padded input, never the ceil overhang (_axis_windows drops it)
    hand = _brute(x, per_axis, lambda r, taps: F(sum(map(int, r)), taps if cip else len(r)))
    assert avg_pool(x, k, count_include_pad=cip, **geometry).tolist() == hand.tolist()


@given(_problem(), st.sampled_from([1, 2, 3]))
def test_lp_pool_options_match_brute_force(problem, p):
    x, k, geometry, per_axis = problem
    got = lp_pool(x, p, k, **geometry)
    hand = _brute(x, per_axis, lambda r, t: sum(abs(int(v)) ** p for v in r))
    assert [v**p for v in got.flat] == list(hand.flat)


@given(_problem(), st.integers(1, 3))
def test_weighted_pool_with_constant_weight_is_avg_without_padding(problem, c):
    x, k, geometry, per_axis = problem
    assume(not geometry["ceil_mode"])  # weighted_pool has no ceil mode
    assume(all(len(r) for r in _brute(x, per_axis, lambda r, t: r).flat))
    got = weighted_pool(x, k, lambda d: c, **{key: v for key, v in geometry.items() if key != "ceil_mode"})
    assert got.tolist() == avg_pool(x, k, count_include_pad=False, **geometry).tolist()


@given(_problem())
def test_pools_of_ones_are_correlations(problem):
    """Without ceil mode, lp_pool(p=1) is the correlation of |x| with ones (zero padding), and
    avg_pool with count_include_pad is it over the window size: refconv.correlate's geometry."""
    x, k, geometry, _ = problem
    assume(not geometry["ceil_mode"])
    ones = np.ones(k, dtype=np.int64)
    common = dict(mode=geometry["padding"], stride=geometry["stride"], dilation=geometry["dilation"])
    assert lp_pool(x, 1, k, **geometry).tolist() == refconv.correlate(np.abs(x), ones, **common).tolist()
    want = [F(int(v), math.prod(k)) for v in refconv.correlate(x, ones, **common).flat]
    assert list(avg_pool(x, k, **geometry).flat) == want


@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(1, 4), st.integers(0, 9), st.integers(0, 9))
def test_onnx_rule_accepts_exactly_when_every_window_holds_a_cell(n, k, s, d, lo, hi):
    ceil = (lo + hi) % 2 == 1
    assume(n + lo + hi >= d * (k - 1) + 1)
    holds = _in_window_rule_holds(n, k, s, d, lo, hi, ceil)
    if holds:
        pool_spec("avg_pool", (n,), (k,), stride=s, dilation=d, padding=((lo, hi),), ceil_mode=ceil, pad_rule="onnx")
    else:
        with pytest.raises(ValueError, match="without an input cell"):
            pool_spec(
                "avg_pool", (n,), (k,), stride=s, dilation=d, padding=((lo, hi),), ceil_mode=ceil, pad_rule="onnx"
            )


# --------------------------------------------------------------------------------------------
# Peers


def _torch_pool(name, x, *args, **kwargs):
    torch = pytest.importorskip("torch")
    f = getattr(torch.nn.functional, f"{name}{x.ndim - 2}d")
    with torch.no_grad():
        return f(torch.tensor(x), *args, **kwargs).numpy()


@given(_problem(rule="torch", dilate=False, pads="symmetric"), st.booleans(), st.booleans())
def test_avg_pool_matches_torch(problem, cip, torch_forms):
    x, k, geometry, _ = problem  # torch's avg_pool has no dilation and symmetric pads only
    pads = tuple(lo for lo, _ in geometry["padding"])
    xf = x.astype(np.float64)[None, None]
    stride = geometry["stride"]
    if torch_forms and stride == k:
        stride = ()
    padding = (pads[0],) if torch_forms and len(set(pads)) == 1 else pads
    want = _torch_pool("avg_pool", xf, k, stride, padding, geometry["ceil_mode"], cip)
    got = avg_pool(xf, k, stride=stride, padding=padding, ceil_mode=geometry["ceil_mode"], count_include_pad=cip)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
    exact = avg_pool(
        x[None, None], k, stride=stride, padding=padding, ceil_mode=geometry["ceil_mode"], count_include_pad=cip
    )
    np.testing.assert_allclose(exact.astype(float), want, rtol=1e-14, atol=0)


@given(_problem(rule="torch", dilate=False, pads="none"), st.sampled_from([1, 2, 3]))
def test_lp_pool_torch_and_lp_pool_match_torch_with_ceil_mode(problem, p):
    x, k, geometry, _ = problem  # torch's lp_pool has no padding or dilation
    xf = np.abs(x).astype(np.float64)[None, None]  # torch's formula is the norm on |x|, up to ceil clipping
    ceil = geometry["ceil_mode"]
    one = (lambda v: v[0]) if len(k) == 1 else (lambda v: v)  # torch's lp_pool1d takes ints only
    want = _torch_pool("lp_pool", xf, float(p), one(k), one(geometry["stride"]), ceil)
    got = lp_pool_torch(xf, p, k, stride=geometry["stride"], ceil_mode=ceil)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    clipped = any(g.overhang for g in pool_spec("lp_pool", x.shape, k, stride=geometry["stride"], ceil_mode=ceil).axes)
    if not clipped:
        norm = lp_pool(xf, p, k, stride=geometry["stride"], ceil_mode=ceil)
        np.testing.assert_allclose(norm, want, rtol=1e-12, atol=1e-12)


def _ort(op, x, **attributes):
    onnxruntime = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    node = helper.make_node(op, ["x"], ["y"], **attributes)
    graph = helper.make_graph(
        [node],
        "t",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def _onnx_attributes(k, geometry):
    pads = geometry["padding"]
    return dict(
        kernel_shape=list(k),
        strides=list(geometry["stride"]),
        dilations=list(geometry["dilation"]),
        pads=[lo for lo, _ in pads] + [hi for _, hi in pads],
        ceil_mode=int(geometry["ceil_mode"]),
    )


@given(_problem(rule="onnx"), st.booleans(), st.sampled_from(["AveragePool", "LpPool", "MaxPool"]), st.integers(1, 3))
def test_pools_match_onnxruntime(problem, cip, op, p):
    x, k, geometry, per_axis = problem
    # onnxruntime's own rule is narrower than ONNX's: "Pad should be smaller than kernel" (pool_attributes.h)
    assume(all(max(pair) < ki for pair, ki in zip(geometry["padding"], k)))
    xf = x.astype(np.float32)[None, None]
    attributes = _onnx_attributes(k, geometry)
    if op == "AveragePool":
        want = _ort(op, xf, count_include_pad=int(cip), **attributes)
        got = avg_pool(xf, k, count_include_pad=cip, **geometry)
    elif op == "LpPool":
        want = _ort(op, xf, p=p, **attributes)
        got = lp_pool(xf, p, k, **geometry)
    else:
        want = _ort(op, xf, **attributes)
        got = max_pool(xf, k, **geometry)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)


# --------------------------------------------------------------------------------------------
