"""conv / conv_transpose: agreement with PyTorch, brute-force oracles, the exact adjoint, exactness."""

import importlib.util
import warnings
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import conv, conv_transpose, correlate
from refconv.methods import METHODS

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed (CI installs torch==2.13.0)")

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
# torch padding_mode -> numpy.pad mode, as torch's and numpy's documentation define them.
NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
SMALL = st.integers(-9, 9)
EXACT_METHODS = [m for m in METHODS if m not in ("auto", "direct", "fft")]


def _tuple(draw, strategy, r):
    return tuple(draw(strategy) for _ in range(r))


def _torch_same(k, d):
    """torch's "same" split (``torch/nn/modules/conv.py``): floor half before, the rest after."""
    total = d * (k - 1)
    return (total // 2, total - total // 2)


@st.composite
def conv_cases(
    draw,
    ranks=(1, 2, 3),
    torch_legal=True,
    forms=("int", "tuple", "valid", "same", "pairs"),
    modes=PADDING_MODES,
    elements=SMALL,
    dtype=np.int64,
    with_bias=True,
    max_pad=2,
):
    """A conv problem: arrays, keywords, and the per-axis (lo, hi) pads derived here by torch's rules.

    ``torch_legal`` keeps pads within torch's limits for reflect (pad < n) and circular (pad <= n);
    without it pads may exceed the input, where refconv follows numpy.pad.
    """
    r = draw(st.sampled_from(ranks))
    big = r >= 4
    max_pad = min(max_pad, 1) if big else max_pad  # keeps rank 4+ outputs small for the oracles
    groups = draw(st.integers(1, 2 if big else 3))
    a, b = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = _tuple(draw, st.integers(1, 2 if big else 3), r)
    dilation = _tuple(draw, st.integers(1, 2), r)
    stride = _tuple(draw, st.integers(1, 3), r)
    mode = draw(st.sampled_from(modes))
    form = draw(st.sampled_from(forms))
    if form == "int":
        padding = draw(st.integers(0, max_pad))
        pads = [(padding, padding)] * r
    elif form == "tuple":
        padding = _tuple(draw, st.integers(0, max_pad), r)
        pads = [(p, p) for p in padding]
    elif form == "valid":
        padding, pads = "valid", [(0, 0)] * r
    elif form == "same":
        padding, stride = "same", (1,) * r
        pads = [_torch_same(ki, di) for ki, di in zip(k, dilation)]
    else:
        pads = [(draw(st.integers(0, max_pad + 1)), draw(st.integers(0, max_pad + 1))) for _ in range(r)]
        padding = tuple(pads)
    shape = []
    for ki, di, (lo, hi) in zip(k, dilation, pads):
        lower = max(1, di * (ki - 1) + 1 - lo - hi)
        if torch_legal and mode != "zeros":
            lower = max(lower, lo + 1, hi + 1)
        shape.append(draw(st.integers(lower, lower + (1 if big else 3))))
    batch = draw(st.integers(1, 2))
    x = draw(hnp.arrays(dtype, (batch, groups * a, *shape), elements=elements))
    w = draw(hnp.arrays(dtype, (groups * b, a, *k), elements=elements))
    bias = draw(st.none() | hnp.arrays(dtype, (groups * b,), elements=elements)) if with_bias else None
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=mode)
    return x, w, bias, kw, pads


@st.composite
def transpose_cases(draw, ranks=(1, 2, 3), pairs=False, elements=SMALL, dtype=np.int64):
    """A conv_transpose problem with output_padding < stride or < dilation and an output >= 1."""
    r = draw(st.sampled_from(ranks))
    big = r >= 4
    groups = draw(st.integers(1, 2 if big else 3))
    a, b = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = _tuple(draw, st.integers(1, 2 if big else 3), r)
    stride = _tuple(draw, st.integers(1, 3), r)
    dilation = _tuple(draw, st.integers(1, 3), r)
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    if pairs:
        pads = [(draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(r)]
        padding = tuple(pads)
    elif draw(st.booleans()):
        padding = draw(st.integers(0, 3))
        pads = [(padding, padding)] * r
    else:
        padding = _tuple(draw, st.integers(0, 3), r)
        pads = [(p, p) for p in padding]
    shape = []
    for ki, s, d, (lo, hi), op in zip(k, stride, dilation, pads, output_padding):
        need = lo + hi - d * (ki - 1) - op  # (m-1)*s must be >= need for an output >= 1
        lower = 1 + max(0, -(-need // s))
        shape.append(draw(st.integers(lower, lower + (1 if big else 2))))
    batch = draw(st.integers(1, 2))
    x = draw(hnp.arrays(dtype, (batch, groups * a, *shape), elements=elements))
    w = draw(hnp.arrays(dtype, (groups * a, b, *k), elements=elements))
    bias = draw(st.none() | hnp.arrays(dtype, (groups * b,), elements=elements))
    kw = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    return x, w, bias, kw, pads


# --- independent oracles ----------------------------------------------------------------------


_python_numbers = np.vectorize(lambda v: int(v) if isinstance(v, np.integer) else v, otypes=[object])


def brute_conv(x, w, bias, kw, pads):
    """The layer's definition ``y[o] = sum_t xpad[o*s + t*d] w[t]``, tap by tap, in exact object arithmetic.

    Pads come from numpy.pad (any width), the output length from torch's documented formula, and
    the cells each tap reads from explicit index arrays.
    """
    x, w = x.astype(object), w.astype(object)
    groups, stride, dilation = kw["groups"], kw["stride"], kw["dilation"]
    xp = np.pad(x, [(0, 0), (0, 0), *pads], mode=NUMPY_MODE[kw["padding_mode"]])
    # numpy.pad fills an object array with numpy.int64 zeros, which overflow when added to big
    # Python ints: make every cell a Python number.
    xp = _python_numbers(xp)
    n = x.shape[0]
    c_out, a = w.shape[:2]
    out_shape = tuple(
        (size + lo + hi - d * (k - 1) - 1) // s + 1
        for size, k, s, d, (lo, hi) in zip(x.shape[2:], w.shape[2:], stride, dilation, pads)
    )
    out = np.zeros((n, groups, c_out // groups, *out_shape), dtype=object)
    for t in np.ndindex(*w.shape[2:]):
        index = np.ix_(*[np.arange(o) * s + ti * d for o, ti, s, d in zip(out_shape, t, stride, dilation)])
        cells = xp[(slice(None), slice(None), *index)].reshape(n, groups, a, *out_shape)
        taps = w[(slice(None), slice(None), *t)].reshape(groups, c_out // groups, a)
        out += np.einsum("nga...,gba->ngb...", cells, taps)
    out = out.reshape(n, c_out, *out_shape)
    if bias is not None:
        out += bias.astype(object).reshape((-1,) + (1,) * len(out_shape))
    return out


def brute_transpose(x, w, bias, kw, pads):
    """Scatter form: input cell ``o`` adds ``x[o] * w[t]`` to output cell ``o*s + t*d - lo``."""
    x, w = x.astype(object), w.astype(object)
    groups, stride, dilation, opad = kw["groups"], kw["stride"], kw["dilation"], kw["output_padding"]
    n, c_in = x.shape[:2]
    a, b = c_in // groups, w.shape[1]
    # torch's documented output size, with per-side pads.
    out_shape = tuple(
        (m - 1) * s + d * (k - 1) + 1 - lo - hi + op
        for m, k, s, d, (lo, hi), op in zip(x.shape[2:], w.shape[2:], stride, dilation, pads, opad)
    )
    out = np.zeros((n, groups, b, *out_shape), dtype=object)
    cells = x.reshape(n, groups, a, *x.shape[2:])
    for t in np.ndindex(*w.shape[2:]):
        dst = [np.arange(m) * s + ti * d - lo for m, ti, s, d, (lo, _) in zip(x.shape[2:], t, stride, dilation, pads)]
        keep = [(i >= 0) & (i < size) for i, size in zip(dst, out_shape)]
        if not all(k.any() for k in keep):
            continue
        src = cells[(slice(None), slice(None), slice(None), *np.ix_(*keep))]
        taps = w[(slice(None), slice(None), *t)].reshape(groups, a, b)
        # o -> o*s + t*d - lo is injective for one tap, so a plain += scatters without collisions.
        out[(slice(None), slice(None), slice(None), *np.ix_(*[i[k] for i, k in zip(dst, keep)]))] += np.einsum(
            "nga...,gab->ngb...", src, taps
        )
    out = out.reshape(n, groups * b, *out_shape)
    if bias is not None:
        out += bias.astype(object).reshape((-1,) + (1,) * len(out_shape))
    return out


def _exact_equal(got, expected):
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.tolist() == expected.tolist()


# --- torch, ranks 1-3 -----------------------------------------------------------------------


def torch_conv(x, w, bias, kw):
    """torch's conv: functional ``conv{r}d`` for zero padding, the ``nn.Conv{r}d`` module for the
    other padding modes (the functional form has none), ``F.pad`` for explicit per-side pads."""
    import torch
    import torch.nn.functional as F

    r = w.ndim - 2
    xt, wt = torch.tensor(x, dtype=torch.float64), torch.tensor(w, dtype=torch.float64)
    bt = None if bias is None else torch.tensor(bias, dtype=torch.float64)
    padding, mode = kw["padding"], kw["padding_mode"]
    fn = getattr(F, f"conv{r}d")
    args = dict(stride=kw["stride"], dilation=kw["dilation"], groups=kw["groups"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about even-kernel "same" copies
        if isinstance(padding, tuple) and isinstance(padding[0], tuple):
            flat = [v for pair in reversed(padding) for v in pair]  # F.pad: last axis first
            xt = F.pad(xt, flat, mode="constant" if mode == "zeros" else mode)
            return fn(xt, wt, bt, padding=0, **args).numpy()
        if mode == "zeros":
            return fn(xt, wt, bt, padding=padding, **args).numpy()
        module = getattr(torch.nn, f"Conv{r}d")(
            x.shape[1],
            w.shape[0],
            w.shape[2:],
            padding=padding,
            bias=bias is not None,
            padding_mode=mode,
            dtype=torch.float64,
            **args,
        )
        with torch.no_grad():
            module.weight.copy_(wt)
            if bt is not None:
                module.bias.copy_(bt)
            return module(xt).numpy()


def torch_conv_transpose(x, w, bias, kw, pads):
    """``F.conv_transpose{r}d``; per-side pads as torch's padding-0 result, zero-extended and cropped."""
    import torch
    import torch.nn.functional as F

    r = w.ndim - 2
    fn = getattr(F, f"conv_transpose{r}d")
    xt, wt = torch.tensor(x, dtype=torch.float64), torch.tensor(w, dtype=torch.float64)
    bt = None if bias is None else torch.tensor(bias, dtype=torch.float64)
    args = dict(stride=kw["stride"], groups=kw["groups"], dilation=kw["dilation"])
    padding = kw["padding"]
    if not (isinstance(padding, tuple) and isinstance(padding[0], tuple)):
        return fn(xt, wt, bt, padding=padding, output_padding=kw["output_padding"], **args).numpy()
    full = fn(xt, wt, None, padding=0, **args).numpy()
    # Output cell i is cell i + lo of the padding-0 result (zero past its end), up to n cells.
    opad = kw["output_padding"]
    tail = [max(0, op - hi) for (_, hi), op in zip(pads, opad)]
    full = np.pad(full, [(0, 0), (0, 0)] + [(0, t) for t in tail])
    crop = tuple(slice(lo, size - t - hi + op) for (lo, hi), op, t, size in zip(pads, opad, tail, full.shape[2:]))
    out = full[(slice(None), slice(None), *crop)]
    return out if bias is None else out + bias.reshape((-1,) + (1,) * r)


@needs_torch
@given(conv_cases())
def test_conv_matches_torch(case):
    x, w, bias, kw, _ = case
    x, w = x.astype(np.float64), w.astype(np.float64)  # small integers: every sum is exact in float64
    bias = None if bias is None else bias.astype(np.float64)
    expected = torch_conv(x, w, bias, kw)
    # "direct" pins the documented float evaluation; "auto" may pick the FFT for large floats.
    got = conv(x, w, bias, **kw, method="direct")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


@needs_torch
@given(transpose_cases(pairs=False))
def test_conv_transpose_matches_torch(case):
    x, w, bias, kw, pads = case
    x, w = x.astype(np.float64), w.astype(np.float64)
    bias = None if bias is None else bias.astype(np.float64)
    np.testing.assert_array_equal(
        conv_transpose(x, w, bias, **kw, method="direct"), torch_conv_transpose(x, w, bias, kw, pads)
    )


@needs_torch
@given(transpose_cases(pairs=True))
def test_conv_transpose_per_side_pads_match_torch_cropped(case):
    x, w, bias, kw, pads = case
    x, w = x.astype(np.float64), w.astype(np.float64)
    bias = None if bias is None else bias.astype(np.float64)
    np.testing.assert_array_equal(
        conv_transpose(x, w, bias, **kw, method="direct"), torch_conv_transpose(x, w, bias, kw, pads)
    )


@needs_torch
@settings(max_examples=20)
@given(conv_cases(forms=("int", "pairs")), st.data())
def test_conv_general_floats_close_to_torch(case, data):
    """Non-integer floats: a different summation order than torch's, so close rather than equal."""
    x, w, bias, kw, _ = case
    floats = st.floats(-1, 1, allow_nan=False)
    x = data.draw(hnp.arrays(np.float64, x.shape, elements=floats))
    w = data.draw(hnp.arrays(np.float64, w.shape, elements=floats))
    np.testing.assert_allclose(conv(x, w, None, **kw), torch_conv(x, w, None, kw), rtol=1e-12, atol=1e-12)


@needs_torch
@settings(max_examples=20)
@given(conv_cases(ranks=(4,), modes=("zeros", "reflect", "circular")))
def test_rank4_conv_is_a_sum_of_torch_conv3d(case):
    """Rank 4 from rank 3: pad with numpy.pad, then sum torch conv3d over the first kernel axis."""
    import torch
    import torch.nn.functional as F

    x, w, bias, kw, pads = case
    s0, d0 = kw["stride"][0], kw["dilation"][0]
    xp = np.pad(x.astype(np.float64), [(0, 0), (0, 0), *pads], mode=NUMPY_MODE[kw["padding_mode"]])
    out0 = (xp.shape[2] - d0 * (w.shape[2] - 1) - 1) // s0 + 1
    planes = []
    for o in range(out0):
        total = 0
        for t in range(w.shape[2]):
            total = (
                total
                + F.conv3d(
                    torch.tensor(xp[:, :, o * s0 + t * d0]),
                    torch.tensor(w[:, :, t].astype(np.float64)),
                    stride=kw["stride"][1:],
                    dilation=kw["dilation"][1:],
                    groups=kw["groups"],
                ).numpy()
            )
        planes.append(total)
    expected = np.stack(planes, axis=2)
    if bias is not None:
        expected = expected + bias.reshape(-1, 1, 1, 1, 1)
    np.testing.assert_array_equal(
        conv(x.astype(np.float64), w.astype(np.float64), bias, **kw, method="direct"), expected
    )


# --- any rank: brute-force oracles and correlate ----------------------------------------------


@given(conv_cases(ranks=(1, 2, 3, 4), torch_legal=False, max_pad=4))
def test_conv_matches_definition_any_pad(case):
    """Every padding form and mode, pads beyond the input included (numpy.pad's repetition)."""
    x, w, bias, kw, pads = case
    _exact_equal(conv(x, w, bias, **kw), brute_conv(x, w, bias, kw, pads))


@settings(max_examples=10)
@given(conv_cases(ranks=(5,), forms=("int", "pairs", "same")))
def test_rank5_conv_matches_definition(case):
    x, w, bias, kw, pads = case
    _exact_equal(conv(x, w, bias, **kw), brute_conv(x, w, bias, kw, pads))


@settings(max_examples=20)
@given(conv_cases(ranks=(4,), forms=("int", "pairs", "same", "valid")))
def test_rank4_conv_is_a_composition_of_correlate(case):
    """Output channel c = bias[c] + sum over its group's input channels of plain correlations."""
    x, w, bias, kw, pads = case
    b = w.shape[0] // kw["groups"]
    a = w.shape[1]
    boundary = NUMPY_MODE[kw["padding_mode"]]
    channels = []
    for n in range(x.shape[0]):
        for c in range(w.shape[0]):
            g = c // b
            total = 0 if bias is None else bias[c]
            for i in range(a):
                total = total + correlate(
                    x[n, g * a + i],
                    w[c, i],
                    mode=tuple(pads),
                    stride=kw["stride"],
                    dilation=kw["dilation"],
                    boundary=boundary,
                )
            channels.append(total)
    expected = np.stack(channels).reshape(x.shape[0], w.shape[0], *channels[0].shape)
    _exact_equal(conv(x, w, bias, **kw), expected)


@given(transpose_cases(ranks=(1, 2, 3, 4), pairs=True))
def test_conv_transpose_matches_scatter_definition(case):
    x, w, bias, kw, pads = case
    _exact_equal(conv_transpose(x, w, bias, **kw), brute_transpose(x, w, bias, kw, pads))


# --- the exact adjoint ----------------------------------------------------------------------


def _adjoint_kwargs(x, w, kw, pads, y_shape):
    """conv_transpose's keywords for the adjoint of conv(x, w, **kw): explicit pads, and the
    output_padding that recovers x's shape (torch's formula solved for it)."""
    opad = tuple(
        n - ((m - 1) * s + d * (k - 1) + 1 - lo - hi)
        for n, m, k, s, d, (lo, hi) in zip(x.shape[2:], y_shape[2:], w.shape[2:], kw["stride"], kw["dilation"], pads)
    )
    return dict(
        stride=kw["stride"], padding=tuple(pads), output_padding=opad, groups=kw["groups"], dilation=kw["dilation"]
    )


MAGNITUDES = st.sampled_from([9, 2**20, 2**62])


@given(
    MAGNITUDES.flatmap(
        lambda m: conv_cases(ranks=(1, 2, 3, 4), modes=("zeros",), with_bias=False, elements=st.integers(-m, m))
    ),
    st.data(),
)
def test_adjoint_dot_test_is_exact(case, data):
    x, w, _, kw, pads = case
    y_shape = conv(x, w, **kw).shape
    y = data.draw(hnp.arrays(np.int64, y_shape, elements=st.integers(-(2**62), 2**62)))
    back = conv_transpose(y, w, **_adjoint_kwargs(x, w, kw, pads, y_shape))
    assert back.shape == x.shape
    lhs = int((conv(x, w, **kw).astype(object) * y.astype(object)).sum())
    rhs = int((x.astype(object) * back.astype(object)).sum())
    assert lhs == rhs


def test_adjoint_hand_case():
    # conv: y = [1*1 + 2*10, 3*1 + 4*10] (k=2, s=2 on [1, 2, 3, 4]); its adjoint spreads y back.
    x, w = np.array([[[1, 2, 3, 4]]]), np.array([[[1, 10]]])
    assert conv(x, w, stride=2).tolist() == [[[1 + 20, 3 + 40]]]
    assert conv_transpose(np.array([[[5, 7]]]), w, stride=2).tolist() == [[[5 * 1, 5 * 10, 7 * 1, 7 * 10]]]
    y = np.array([[[5, 7]]])
    lhs = int((conv(x, w, stride=2) * y).sum())
    rhs = int((x * conv_transpose(y, w, stride=2)).sum())
    assert lhs == rhs == 21 * 5 + 43 * 7 == 1 * 5 + 2 * 50 + 3 * 7 + 4 * 70


# --- hand-derived layer cases ---------------------------------------------------------------


def test_hand_two_channels_groups_and_bias():
    # x: 2 channels of length 4; w: 2 outputs over both channels (groups=1), k=2; bias [100, -100].
    x = np.array([[[1, 2, 3, 4], [5, 6, 7, 8]]])
    w = np.array([[[1, 0], [0, 1]], [[1, 1], [-1, -1]]])
    got = conv(x, w, [100, -100])
    c0 = [1 + 6, 2 + 7, 3 + 8]
    c1 = [1 + 2 - 5 - 6, 2 + 3 - 6 - 7, 3 + 4 - 7 - 8]
    assert got.tolist() == [[[v + 100 for v in c0], [v - 100 for v in c1]]]
    # groups=2: output 0 sees only channel 0 (w[0, 0] = [1, 0]), output 1 only channel 1.
    got = conv(x, w[:, :1], groups=2)
    assert got.tolist() == [[[1, 2, 3], [5 + 6, 6 + 7, 7 + 8]]]


def test_hand_padding_modes_2d():
    # 1x1x2x3 input, 2x2 kernel of ones, padding 1: each output sums a 2x2 window of the padded input.
    x = np.array([[[[1, 2, 3], [4, 5, 6]]]])
    w = np.ones((1, 1, 2, 2), dtype=int)
    zeros = conv(x, w, padding=1)
    assert zeros[0, 0].tolist() == [
        [1, 1 + 2, 2 + 3, 3],
        [1 + 4, 1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 3 + 6],
        [4, 4 + 5, 5 + 6, 6],
    ]
    # replicate: padded rows [1 1 2 3 3], [1 1 2 3 3], [4 4 5 6 6], [4 4 5 6 6].
    edge = conv(x, w, padding=1, padding_mode="replicate")
    assert edge[0, 0, 0].tolist() == [4 * 1, 1 + 1 + 2 + 2, 2 + 2 + 3 + 3, 4 * 3]
    # circular: padded row 0 is the last input row [6 4 5 6 4], row 1 the first [3 1 2 3 1].
    wrap = conv(x, w, padding=1, padding_mode="circular")
    assert wrap[0, 0, 0].tolist() == [6 + 4 + 3 + 1, 4 + 5 + 1 + 2, 5 + 6 + 2 + 3, 6 + 4 + 3 + 1]


def test_hand_same_even_kernel_pads_after():
    # torch "same", k=4: one cell before, two after, as torch's own docs and conv.py define.
    got = conv(np.array([[[1, 2, 3, 4, 5]]]), np.array([[[1000, 100, 10, 1]]]), padding="same")
    assert got.tolist() == [[[0 + 100 + 20 + 3, 1000 + 200 + 30 + 4, 2000 + 300 + 40 + 5, 3000 + 400 + 50, 4000 + 500]]]


def test_reflect_beyond_input_follows_numpy_pad():
    # torch raises for a reflect pad >= n; refconv repeats the reflection as numpy.pad does.
    x = np.array([[[1, 2, 3]]])
    padded = [2, 3, 2, 1, 2, 3, 2, 1, 2]  # numpy.pad([1, 2, 3], 3, mode="reflect"), written out
    assert conv(x, np.array([[[1]]]), padding=3, padding_mode="reflect").tolist() == [[padded]]
    assert conv(x, np.array([[[1]]]), padding=4, padding_mode="circular").tolist() == [
        [[3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1]]
    ]


def test_hand_conv_transpose_2d_groups_output_padding():
    # Each input cell stamps its value times the kernel at (2*i, 2*j); output_padding adds a zero row/column.
    x = np.array([[[[1, 2]], [[3, 4]]]])  # (N=1, C_in=2, 1, 2)
    w = np.array([[[[1, 10]]], [[[100, 1000]]]])  # (C_in=2, C_out/groups=1, 1, 2), groups=2
    got = conv_transpose(x, w, stride=2, groups=2, output_padding=(0, 1))
    assert got.tolist() == [[[[1, 10, 2, 20, 0]], [[300, 3000, 400, 4000, 0]]]]


def test_unbatched_and_empty_batch():
    x = np.arange(24).reshape(2, 3, 4) - 7
    w = np.arange(16).reshape(2, 2, 2, 2) - 5
    assert conv(x, w, padding=1).tolist() == conv(x[None], w, padding=1)[0].tolist()
    wt = np.arange(12).reshape(2, 3, 2) - 4
    assert (
        conv_transpose(x, wt[..., None].repeat(2, axis=3), stride=2).tolist()
        == conv_transpose(x[None], wt[..., None].repeat(2, axis=3), stride=2)[0].tolist()
    )
    empty = conv(np.zeros((0, 2, 3, 4)), w)
    assert empty.shape == (0, 2, 2, 3)
    assert conv_transpose(np.zeros((0, 2, 3, 4)), w, stride=2).shape == (0, 2, 6, 8)


# --- exactness --------------------------------------------------------------------------------


@given(conv_cases(ranks=(1, 2), elements=st.integers(0, 255), dtype=np.uint8, torch_legal=False), st.data())
def test_uint8_and_int8_exact(case, data):
    x, _, _, kw, pads = case
    _, w, bias, _, _ = case
    w = data.draw(hnp.arrays(np.int8, w.shape, elements=st.integers(-128, 127)))
    got = conv(x, w, bias, **kw)
    assert got.dtype == np.int64
    _exact_equal(got, brute_conv(x, w, bias, kw, pads))


@given(conv_cases(ranks=(1, 2), elements=st.integers(-(2**63), 2**63 - 1), torch_legal=False))
def test_int64_near_limits_exact(case):
    x, w, bias, kw, pads = case
    _exact_equal(conv(x, w, bias, **kw), brute_conv(x, w, bias, kw, pads))


@given(transpose_cases(ranks=(1, 2), elements=st.integers(-(2**63), 2**63 - 1)))
def test_conv_transpose_int64_near_limits_exact(case):
    x, w, bias, kw, pads = case
    _exact_equal(conv_transpose(x, w, bias, **kw), brute_transpose(x, w, bias, kw, pads))


@pytest.mark.parametrize(
    ("c_in", "stride", "kernel"),
    [(1, 1, 1), (4, 1, 3), (2, 1, 3), (4, 2, 3)],  # narrow im2col, one GEMM per tap, im2col, strided
)
def test_int64_min_entries_take_the_exact_path(c_in, stride, kernel):
    # -2**63 has no int64 magnitude, so no float64 limbs: each int64 kernel falls back to NumPy's
    # own int64 loops (Hypothesis's thorough profile found conv(x=0, w=-2**63) raising TypeError).
    # The result is int64 only where the bound max|x| * sum|w| is below 2**63: with -2**63 on one
    # side, when the other side is zero.  By hand, every output is then 0.
    m = -(2**63)
    x, w = np.zeros((1, c_in, 5, 5), np.int64), np.full((2, c_in, kernel, kernel), m)
    pad = kernel // 2
    for got in (
        conv(x, w, padding=pad, stride=stride),
        conv(np.full_like(x, m), np.zeros_like(w), padding=pad, stride=stride),
        conv_transpose(x, w.swapaxes(0, 1), stride=stride, padding=pad),  # col2im's fallback
        conv_transpose(np.full_like(x, m), np.zeros_like(w).swapaxes(0, 1), stride=stride, padding=pad),
    ):
        assert got.dtype == np.int64 and got.size and not got.any()
    # One 1 under the weights' -2**63: the bound is 2**63 * taps, so exact Python ints.
    x[0, 0, 2, 2] = 1
    got = conv(x, w, padding=pad, stride=stride)
    assert got.dtype == object and got[0, 1, 2 // stride, 2 // stride] == m


def test_hand_uint8_int8_int64():
    u8 = np.full((1, 3, 4), 255, dtype=np.uint8)
    got = conv(u8, np.full((2, 3, 2), 255, dtype=np.uint8))
    assert got.dtype == np.int64 and got.tolist() == [[[3 * 2 * 255 * 255] * 3] * 2]
    i8 = conv(
        np.full((1, 2, 2), -128, dtype=np.int8), np.full((1, 2, 2), -128, dtype=np.int8), np.array([127], np.int8)
    )
    assert i8.tolist() == [[[4 * 128 * 128 + 127]]]
    big = np.array([[[2**62, 2**62 - 1, -(2**62)]]], dtype=np.int64)
    w = np.array([[[3, -2]]], dtype=np.int64)
    got = conv(big, w)
    assert got.tolist() == [[[3 * 2**62 - 2 * (2**62 - 1), 3 * (2**62 - 1) + 2 * 2**62]]]
    assert got.dtype == object  # 5 * 2**62 > 2**63 - 1: exact Python ints
    # The bias counts in the bound: 2**62 + (2**63 - 1) overflows int64, so Python ints.
    got = conv(np.array([[[2**62]]]), np.array([[[1]]]), np.array([2**63 - 1]))
    assert got.tolist() == [[[2**62 + 2**63 - 1]]]
    # Channels count in the bound: 2 channels of 2**62 * 1 sum to 2**63.
    got = conv(np.full((1, 2, 1), 2**62), np.ones((1, 2, 1), dtype=np.int64))
    assert got.tolist() == [[[2**63]]]
    got = conv_transpose(np.full((1, 2, 1), 2**62), np.ones((2, 1, 1), dtype=np.int64))
    assert got.tolist() == [[[2**63]]]


@settings(max_examples=20)
@given(conv_cases(ranks=(1, 2), torch_legal=False), st.data())
def test_fraction_exact(case, data):
    x, w, bias, kw, pads = case
    den = data.draw(hnp.arrays(np.int64, x.shape, elements=st.integers(1, 7)))
    xf = np.vectorize(Fraction, otypes=[object])(x.astype(object), den.astype(object))
    got = conv(xf, w.astype(object), bias, **kw)
    # Rationals stay rational (a Fraction with denominator 1 may come back as an int).
    assert all(isinstance(v, (int, Fraction)) for v in got.flat)
    _exact_equal(got, brute_conv(xf, w, bias, kw, pads))


def test_fraction_and_sympy_hand():
    half, third = Fraction(1, 2), Fraction(1, 3)
    x = np.array([[[half, third, 1]]], dtype=object)
    got = conv(x, np.array([[[3, 6]]], dtype=object), np.array([Fraction(1, 6)], dtype=object))
    assert got.tolist() == [[[3 * half + 6 * third + Fraction(1, 6), 3 * third + 6 + Fraction(1, 6)]]]
    a, b, c, p, q = sympy.symbols("a b c p q")
    xs = np.array([[[a, b, c]]], dtype=object)
    got = conv(xs, np.array([[[p, q]]], dtype=object))
    assert got.tolist() == [[[a * p + b * q, b * p + c * q]]]
    back = conv_transpose(np.array([[[a, b]]], dtype=object), np.array([[[p, q]]], dtype=object), stride=2)
    assert back.tolist() == [[[a * p, a * q, b * p, b * q]]]


def test_float32_stays_float32_and_method_direct_agrees():
    x = np.arange(10, dtype=np.float32).reshape(1, 2, 5)
    w = np.ones((2, 2, 3), dtype=np.float32)
    got = conv(x, w)
    assert got.dtype == np.float32
    row = [0 + 1 + 2 + 5 + 6 + 7, 1 + 2 + 3 + 6 + 7 + 8, 2 + 3 + 4 + 7 + 8 + 9]
    assert got.tolist() == [[row, row]]
    assert conv(x, w, method="direct").tolist() == got.tolist()


@pytest.mark.parametrize("method", EXACT_METHODS)
@settings(max_examples=20)
@given(conv_cases(ranks=(1, 2, 3)), transpose_cases(ranks=(1, 2, 3)))
def test_every_exact_method_gives_identical_layer_results(method, case, tcase):
    x, w, bias, kw, _ = case
    _exact_equal(conv(x, w, bias, **kw, method=method), conv(x, w, bias, **kw, method="direct"))
    x, w, bias, kw, _ = tcase
    _exact_equal(conv_transpose(x, w, bias, **kw, method=method), conv_transpose(x, w, bias, **kw, method="direct"))


@pytest.mark.skipif("fft" not in METHODS, reason="no FFT method")
@settings(max_examples=20)
@given(conv_cases(ranks=(1, 2)), transpose_cases(ranks=(1, 2)))
def test_fft_method_close_on_floats(case, tcase):
    for fn, (x, w, bias, kw, _) in ((conv, case), (conv_transpose, tcase)):
        x, w = x.astype(np.float64), w.astype(np.float64)
        np.testing.assert_allclose(fn(x, w, bias, **kw, method="fft"), fn(x, w, bias, **kw, method="direct"), atol=1e-9)


def test_output_made_of_output_padding_only():
    # The one input cell lands at 0*1 + 0*2 - lo = -1, outside; the one output cell (output
    # padding) holds only the bias.  torch cannot express lo=1, hi=0; by the scatter definition:
    got = conv_transpose(np.array([[[5]]]), np.array([[[3]]]), [7], padding=((1, 0),), output_padding=1, dilation=2)
    assert got.tolist() == [[[7]]]
    assert (
        got.tolist()
        == brute_transpose(
            np.array([[[5]]]),
            np.array([[[3]]]),
            np.array([7]),
            dict(stride=(1,), dilation=(2,), groups=1, output_padding=(1,)),
            [(1, 0)],
        ).tolist()
    )


def test_full_padding_beyond_torch():
    # padding="full" pads d*(k-1) = 1 on both sides: [0 1 2 3 0] against [1, 10].
    got = conv(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), padding="full")
    assert got.tolist() == [[[0 + 10 * 1, 1 + 10 * 2, 2 + 10 * 3, 3 + 10 * 0]]]


def test_auto_on_a_large_batched_single_channel_float_layer():
    # Large enough that "auto" may choose the FFT: every window of ones sums 31*31 ones.
    got = conv(np.ones((2, 1, 100, 100)), np.ones((1, 1, 31, 31)))
    assert got.shape == (2, 1, 70, 70)
    np.testing.assert_allclose(got, 31 * 31, rtol=1e-12)


def _brute_layer(x, w, stride):
    """conv by its definition in Python ints: y[n, c, o] = sum_i sum_t x[n, i, o*s + t] w[c, i, t]."""
    n_, c_in, length = x.shape
    c_out, _, k = w.shape
    outs = (length - k) // stride + 1
    return [
        [
            [
                sum(int(x[n, i, o * stride + t]) * int(w[c, i, t]) for i in range(c_in) for t in range(k))
                for o in range(outs)
            ]
            for c in range(c_out)
        ]
        for n in range(n_)
    ]


@given(st.data(), st.sampled_from([2**62, 2**40, 2**31, 2**20, 9]), st.integers(1, 2))
def test_int64_layers_near_the_limits_equal_python_int_brute_force(data, magnitude, stride):
    # Channels make the direct method a GEMM, which int64 operands run as exact float64 limb
    # GEMMs (refconv._gemm): products past 2**53 and sums past 2**63 must still be exact, the
    # result int64 where the bound proves it fits and Python ints otherwise.  Below 4 input
    # channels stride 1 runs im2col in tasks, from 4 one GEMM per tap (methods/direct.py).
    c_in, c_out, k = data.draw(st.integers(2, 5)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    length = data.draw(st.integers(k, k + 4))
    elements = st.integers(-magnitude, magnitude)
    x = data.draw(hnp.arrays(np.int64, (2, c_in, length), elements=elements))
    w = data.draw(hnp.arrays(np.int64, (c_out, c_in, k), elements=elements))
    expected = _brute_layer(x, w, stride)
    got = conv(x, w, stride=stride, method="direct")
    assert got.tolist() == expected
    # The documented rule: int64 exactly when max|x| * max_c sum|w_c| < 2**63.
    bound = max(abs(int(v)) for v in x.ravel()) * max(sum(abs(int(v)) for v in w[c].ravel()) for c in range(c_out))
    assert got.dtype == (np.int64 if bound < 2**63 else object)
    # The transposed layer (col2im on the same GEMM) is the exact adjoint: <conv x, y> = <x, conv_t y>.
    y = data.draw(hnp.arrays(np.int64, np.shape(expected), elements=st.integers(-9, 9)))
    back = conv_transpose(y, w, stride=stride, output_padding=(length - k) % stride, method="direct")
    assert back.shape == x.shape
    # (as objects: past 2**63, np.ravel of the list would round them to float64)
    lhs = sum(int(a) * int(b) for a, b in zip(np.ravel(np.array(expected, dtype=object)), y.ravel()))
    rhs = sum(int(a) * int(b) for a, b in zip(x.ravel(), np.asarray(back).ravel()))
    assert lhs == rhs


def test_conv_transpose_cell_that_receives_nothing_is_plus_zero():
    # By hand: the forward conv of one cell, kernel 2 at dilation 2 and padding 1, reads cells -1
    # and 1 only; its adjoint hands nothing back to cell 0, which is 0 (no products, so +0.0),
    # not the -0.0 of negative weights times padding zeros.
    y, w = np.array([[[1.0]]]), np.array([[[-2.0, -3.0]]])
    for method in METHODS:
        got = conv_transpose(y, w, padding=1, dilation=2, method=method)
        assert got.tolist() == [[[0.0]]] and not np.signbit(got).any(), method


def test_conv_transpose_inf_weight_never_meets_the_dilation_zeros():
    # By hand, stride 3: x = [1, 2] spreads to cells 0 and 3; w = [inf, 1] adds x*inf at the
    # cell and x*1 after it: [inf, 1, 0, inf, 2] (torch's col2im gives the same); no NaN.
    x, w = np.array([[[1.0, 2.0]]]), np.array([[[np.inf, 1.0]]])
    for method in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = conv_transpose(x, w, stride=3, method=method)
        assert got.tolist() == [[[np.inf, 1.0, 0.0, np.inf, 2.0]]], method


@given(st.data())
def test_conv_transpose_non_finite_reach_the_same_outputs_in_every_method(data):
    c_in, c_out, k, n = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)), 4
    stride, dilation = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
    values = st.one_of(st.floats(-4, 4, width=32), st.sampled_from([np.nan, np.inf, -np.inf]))
    x = data.draw(hnp.arrays(np.float64, (1, c_in, n), elements=values))
    w = data.draw(hnp.arrays(np.float64, (c_in, c_out, k), elements=values))
    kw = dict(stride=stride, dilation=dilation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        direct = conv_transpose(x, w, method="direct", **kw)
        for method in ("fft", "dense", "sparse", "auto"):
            got = conv_transpose(x, w, method=method, **kw)
            assert np.array_equal(np.isnan(got), np.isnan(direct)), method
            assert np.array_equal(np.isposinf(got), np.isposinf(direct)), method
            assert np.array_equal(np.isneginf(got), np.isneginf(direct)), method
