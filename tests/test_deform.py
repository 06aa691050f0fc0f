"""refconv.deform.deform_conv: hand-derived cases, properties against a scalar definition and
refconv.conv, and cross-checks with ONNX's reference evaluator and onnxruntime (DeformConv)."""

import itertools
import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import refconv
from refconv import deform_conv


def obj(values) -> np.ndarray:
    """An object array of Python ints / Fractions."""
    return np.array(values, dtype=object)


# --- the definition, written out as scalar loops (ONNX DeformConv's text; Fractions throughout)


def _bilinear(plane: np.ndarray, p: tuple) -> object:
    """Multilinear interpolation of ``plane`` at ``p``: corners ``floor(p)`` and ``floor(p) + 1`` per
    axis, weight ``prod(1 - |p - c|)``, cells outside the plane 0."""
    total = 0
    for c in itertools.product(*[(math.floor(q), math.floor(q) + 1) for q in p]):
        if all(0 <= ci < n for ci, n in zip(c, plane.shape)):
            weight = math.prod(1 - abs(q - ci) for q, ci in zip(p, c))
            total += weight * plane[c]
    return total


def naive(x, w, offset, bias=None, mask=None, *, stride, pads, dilation, groups=1, offset_groups=1):
    """``deform_conv`` by its definition; ``pads`` is ``((lo, hi), ...)``."""
    n, c_in, *size = x.shape
    c_out, per_group, *kernel = w.shape
    rank, taps = len(kernel), math.prod(kernel)
    out = [
        (s + lo + hi - d * (k - 1) - 1) // st_ + 1
        for s, (lo, hi), d, k, st_ in zip(size, pads, dilation, kernel, stride)
    ]
    offset = offset.reshape(n, offset_groups, *kernel, rank, *out)
    y = np.empty((n, c_out, *out), dtype=object)
    for b, co, *o in itertools.product(range(n), range(c_out), *map(range, out)):
        acc = 0 if bias is None else bias[co]
        group = co // (c_out // groups)
        for ci in range(per_group):
            c = group * per_group + ci
            og = c // (c_in // offset_groups)
            for t in itertools.product(*map(range, kernel)):
                shift = offset[(b, og, *t, slice(None), *o)]
                p = tuple(
                    oa * s - lo + ta * d + F(shift[a])
                    for a, (oa, s, (lo, _), ta, d) in enumerate(zip(o, stride, pads, t, dilation))
                )
                m = 1 if mask is None else mask[(b, og * taps + np.ravel_multi_index(t, kernel), *o)]
                acc += w[(co, ci, *t)] * (m * _bilinear(x[b, c], p))
        y[(b, co, *o)] = acc
    return y


# --- hand-derived cases


def test_half_pixel_offset_2d():
    # x = 0..8 as 3x3, a 2x2 kernel of ones, every tap shifted by (1/2, 1/2): each tap reads the
    # mean of a 2x2 block; past the right edge the missing cells are 0.
    x = np.arange(9).reshape(1, 1, 3, 3)
    half = np.full((1, 8, 2, 2), F(1, 2), dtype=object)
    y = deform_conv(x, half, np.ones((1, 1, 2, 2), dtype=int))
    # output (0, 0): taps at (.5,.5) (.5,1.5) (1.5,.5) (1.5,1.5)
    y00 = F(0 + 1 + 3 + 4, 4) + F(1 + 2 + 4 + 5, 4) + F(3 + 4 + 6 + 7, 4) + F(4 + 5 + 7 + 8, 4)
    # output (0, 1): taps at (.5,1.5) (.5,2.5) (1.5,1.5) (1.5,2.5); column 3 is outside
    y01 = F(1 + 2 + 4 + 5, 4) + F(2 + 5, 4) + F(4 + 5 + 7 + 8, 4) + F(5 + 8, 4)
    # output (1, 0): taps at (1.5,.5) (1.5,1.5) (2.5,.5) (2.5,1.5); row 3 is outside
    y10 = F(3 + 4 + 6 + 7, 4) + F(4 + 5 + 7 + 8, 4) + F(6 + 7, 4) + F(7 + 8, 4)
    y11 = F(4 + 5 + 7 + 8, 4) + F(5 + 8, 4) + F(7 + 8, 4) + F(8, 4)
    assert y.tolist() == [[[[y00, y01], [y10, y11]]]] == [[[[16, 14], [18, 15]]]]
    assert y.dtype == object and all(type(v) is F for v in y.flat)
    # The float path gives the same numbers (every value here is dyadic, so exactly).
    yf = deform_conv(x.astype(float), np.full((1, 8, 2, 2), 0.5), np.ones((1, 1, 2, 2)))
    assert yf.dtype == np.float64 and yf.tolist() == [[[[16.0, 14.0], [18.0, 15.0]]]]


def test_quarter_offset_weights_1d():
    # position 1 + 1/4 between x[1] = 10 and x[2] = 100: 3/4 * 10 + 1/4 * 100 = 32 + 1/2
    x = np.array([[[1, 10, 100]]])
    y = deform_conv(x, obj([[[0, F(1, 4), F(-1, 4)]]]), np.array([[[1]]]))
    assert y.tolist() == [[[1, F(3, 4) * 10 + F(1, 4) * 100, F(1, 4) * 10 + F(3, 4) * 100]]]


def test_mask_of_zero_and_one_half():
    # 1-D, kernel [1, 10], zero offsets: taps read x[o] and x[o+1]; the mask scales each sample.
    x = np.array([[[3, 5, 7]]])
    mask = obj([[[0, F(1, 2)], [F(1, 2), 0]]])  # (N, K=2, out=2): tap 0 then tap 1
    y = deform_conv(x, np.zeros((1, 2, 2), dtype=int), np.array([[[1, 10]]]), mask=mask)
    assert y.tolist() == [[[0 * 3 + 10 * F(1, 2) * 5, 1 * F(1, 2) * 5 + 10 * 0 * 7]]] == [[[25, F(5, 2)]]]


def test_offsets_that_leave_the_image():
    x = np.array([[[2, 4, 6]]])
    w = np.array([[[1]]])
    # -1/2 at 0: half of x[0] (the other corner, -1, is outside); +10: outside; -1 at 0: outside;
    # 1/2 at the last cell: half of x[2].
    off = obj([[[F(-1, 2), 10, F(1, 2)]]])
    assert deform_conv(x, off, w).tolist() == [[[F(2, 2), 0, F(6, 2)]]]
    assert deform_conv(x, np.array([[[-1, -3, 1]]]), w).tolist() == [[[0, 0, 0]]]
    # Floats: an infinite offset samples 0 (outside); a NaN offset samples NaN.
    yf = deform_conv(x.astype(float), np.array([[[-np.inf, np.inf, np.nan]]]), w.astype(float))
    assert yf[0, 0, :2].tolist() == [0.0, 0.0] and np.isnan(yf[0, 0, 2])
    # Huge integer offsets are outside too, never wrapped.
    big = np.array([[[2**62, -(2**62), np.iinfo(np.int64).max]]])
    assert deform_conv(x, big, w).tolist() == [[[0, 0, 0]]]


def test_integer_offsets_are_a_shifted_conv():
    # 2-D, every tap shifted by (+1, -1): y[i, j] = sum_t w[t] * x[i + t0 + 1, j + t1 - 1], 0 outside.
    x = np.arange(1, 13).reshape(1, 1, 3, 4)
    w = np.array([[[[1, 2], [3, 4]]]])
    off = np.tile(np.array([1, -1]).reshape(1, 2, 1, 1), (1, 4, 2, 3))  # (N, K*2, out) = (1, 8, 2, 3)
    y = deform_conv(x, off, w)

    def cell(i, j):
        return int(x[0, 0, i, j]) if 0 <= i < 3 and 0 <= j < 4 else 0

    hand = [
        [sum(int(w[0, 0, a, b]) * cell(i + a + 1, j + b - 1) for a in (0, 1) for b in (0, 1)) for j in range(3)]
        for i in range(2)
    ]
    # e.g. y[0, 0] = 1*x[1,-1] + 2*x[1,0] + 3*x[2,-1] + 4*x[2,0] = 0 + 2*5 + 0 + 4*9
    assert hand[0][0] == 2 * 5 + 4 * 9
    assert y.dtype == np.int64 and y.tolist() == [[hand]]
    # The same as refconv.conv on the input moved up one row and right one column, zero-filled.
    moved = np.zeros_like(x)
    moved[0, 0, :2, 1:] = x[0, 0, 1:, :3]
    assert np.array_equal(y, refconv.conv(moved, w))


def test_offset_groups_two():
    # Two input channels, one output channel adding them: channel 0 uses offset group 0 (+1),
    # channel 1 group 1 (-1).  y[o] = x0[o + 1] + x1[o - 1].
    x = np.array([[[1, 2, 3], [10, 20, 30]]])
    off = np.array([[[1, 1, 1], [-1, -1, -1]]])  # (N, 2 groups * K=1 * rank 1, out=3)
    y = deform_conv(x, off, np.ones((1, 2, 1), dtype=int), offset_groups=2)
    assert y.tolist() == [[[2 + 0, 3 + 10, 0 + 20]]]
    # With one offset group both channels move by +1.
    y1 = deform_conv(x, np.array([[[1, 1, 1]]]), np.ones((1, 2, 1), dtype=int))
    assert y1.tolist() == [[[2 + 20, 3 + 30, 0]]]


def test_groups_and_offset_groups_with_bias():
    # groups=2: output 0 reads channel 0, output 1 reads channel 1; offset_groups=2 as above.
    x = np.array([[[1, 2, 3], [10, 20, 30]]])
    off = np.array([[[1, 1, 1], [-1, -1, -1]]])
    y = deform_conv(x, off, np.array([[[2]], [[3]]]), np.array([100, 1000]), groups=2, offset_groups=2)
    assert y.tolist() == [[[100 + 2 * 2, 100 + 2 * 3, 100 + 0], [1000 + 0, 1000 + 3 * 10, 1000 + 3 * 20]]]


def test_stride_padding_dilation_hand():
    # 1-D, n=5, k=2, stride 2, dilation 2, padding 1: out = (5 + 2 - 2 - 1)//2 + 1 = 3, tap t of
    # output o at 2*o - 1 + 2*t; offset 1/2 on tap 1 only.
    x = np.array([[[1, 2, 4, 8, 16]]])
    off = obj([[[0, 0, 0], [F(1, 2)] * 3]])  # tap 0 row, tap 1 row
    y = deform_conv(x, off, np.array([[[1, 1]]]), stride=2, dilation=2, padding=1)
    # o=0: x[-1] + x[1.5]; o=1: x[1] + x[3.5]; o=2: x[3] + x[5.5]
    assert y.tolist() == [[[0 + F(2 + 4, 2), 2 + F(8 + 16, 2), 8 + 0]]]


def test_exact_integers_never_wrap():
    x = np.array([[[2**62, 2**62]]])
    y = deform_conv(x, np.zeros((1, 1, 2), dtype=int), np.array([[[4]]]), mask=np.array([[[3, 1]]]))
    assert y.dtype == object and y.tolist() == [[[3 * 4 * 2**62, 4 * 2**62]]]
    y = deform_conv(np.array([[[2**40]]]), np.zeros((1, 1, 1), dtype=np.uint64), np.array([[[2**20]]]))
    assert y.dtype == np.int64 and y.tolist() == [[[2**60]]]


def test_symbolic_input_rational_offset():
    sympy = pytest.importorskip("sympy")
    a, b = sympy.symbols("a b")
    y = deform_conv(obj([[[a, b]]]), obj([[[F(1, 3), 0]]]), np.array([[[1]]]))
    assert y[0, 0, 0] == sympy.Rational(2, 3) * a + sympy.Rational(1, 3) * b and y[0, 0, 1] == b
    z = deform_conv(obj([[[a, b]]]), obj([[[sympy.Rational(1, 2), 0]]]), np.array([[[1]]]))
    assert z[0, 0, 0] == (a + b) / 2


def test_dtypes_unbatched_and_empty_batch():
    x = np.arange(6, dtype=np.float32).reshape(1, 1, 6)
    y = deform_conv(x, np.full((1, 3, 4), 0.25, np.float32), np.ones((2, 1, 3), np.float32))
    assert y.dtype == np.float32 and y.shape == (1, 2, 4)
    u = deform_conv(x[0], np.full((3, 4), 0.25, np.float32), np.ones((2, 1, 3), np.float32))
    assert np.array_equal(u, y[0])
    e = deform_conv(np.zeros((0, 1, 6)), np.zeros((0, 3, 4)), np.ones((2, 1, 3)))
    assert e.shape == (0, 2, 4)


# --- properties


@st.composite
def problems(draw, rank=None, exact=True):
    """A deform_conv call: operands, keywords and the padding pairs, any rank 1-3."""
    rank = draw(st.integers(1, 3)) if rank is None else rank
    groups, offset_groups = draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 2]))
    c_in = math.lcm(groups, offset_groups) * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kernel = draw(st.tuples(*[st.integers(1, 3)] * rank))
    stride = draw(st.tuples(*[st.integers(1, 2)] * rank))
    dilation = draw(st.tuples(*[st.integers(1, 2)] * rank))
    pads = draw(st.tuples(*[st.tuples(st.integers(0, 2), st.integers(0, 2))] * rank))
    size = draw(st.tuples(*[st.integers(2, 5)] * rank))
    out = [
        (n + lo + hi - d * (k - 1) - 1) // s + 1 for n, (lo, hi), d, k, s in zip(size, pads, dilation, kernel, stride)
    ]
    assume(min(out) >= 1 and math.prod(out) * math.prod(kernel) <= 64)
    n = draw(st.integers(1, 2))

    def ints(shape, lo, hi):
        return np.array(
            draw(st.lists(st.integers(lo, hi), min_size=math.prod(shape), max_size=math.prod(shape)))
        ).reshape(shape)

    taps = math.prod(kernel)
    # Offsets in quarters within (-3, 3): every corner weight is a multiple of 1/4**rank, so floats
    # of these values compute exactly too.
    quarters = ints((n, offset_groups * taps * rank, *out), -12, 12)
    offset = np.vectorize(lambda q: F(int(q), 4), otypes=[object])(quarters)
    mask = draw(
        st.none()
        | st.just(np.vectorize(lambda q: F(int(q), 2), otypes=[object])(ints((n, offset_groups * taps, *out), -2, 2)))
    )
    bias = draw(st.none() | st.just(ints((c_out,), -9, 9)))
    args = dict(
        x=ints((n, c_in, *size), -9, 9),
        w=ints((c_out, c_in // groups, *kernel), -3, 3),
        offset=offset,
        bias=bias,
        mask=mask,
    )
    kwargs = dict(stride=stride, padding=pads, dilation=dilation, groups=groups, offset_groups=offset_groups)
    return args, kwargs


def _floats(args, dtype=np.float64):
    return {k: None if v is None else v.astype(dtype) for k, v in args.items()}


@given(problems())
def test_matches_the_definition_exactly(problem):
    args, kw = problem
    y = deform_conv(**args, **kw)
    hand = naive(
        **args,
        stride=kw["stride"],
        pads=kw["padding"],
        dilation=kw["dilation"],
        groups=kw["groups"],
        offset_groups=kw["offset_groups"],
    )
    assert y.shape == hand.shape and (y == hand).all()


@given(problems())
def test_float_path_is_exact_on_dyadic_problems(problem):
    # Quarter offsets, half masks and small integers: every float64 operation is exact, so the
    # float path equals the exact result bit for bit.
    args, kw = problem
    exact = deform_conv(**args, **kw)
    y = deform_conv(**_floats(args), **kw)
    assert y.dtype == np.float64 and np.array_equal(y, exact.astype(np.float64))


@given(problems())
def test_zero_offsets_equal_conv(problem):
    args, kw = problem
    args = {**args, "offset": np.zeros(args["offset"].shape, dtype=np.int64), "mask": None}
    offset_groups = kw.pop("offset_groups")
    y = deform_conv(**args, **kw, offset_groups=offset_groups)
    expected = refconv.conv(args["x"], args["w"], args["bias"], **kw)
    assert y.dtype == expected.dtype == np.int64 and np.array_equal(y, expected)
    # Fraction zeros and a mask of ones change nothing either (exact object results).
    ones = np.ones((args["x"].shape[0], args["offset"].shape[1] // len(kw["stride"]), *y.shape[2:]), dtype=int)
    z = deform_conv(**{**args, "offset": args["offset"] * F(1), "mask": ones}, **kw, offset_groups=offset_groups)
    assert (z == expected).all()


@given(problems(), st.lists(st.integers(-4, 4), min_size=3, max_size=3))
def test_integer_offsets_shift_a_padded_conv(problem, shift):
    # The same integer offset on every tap: a conv of the zero-extended input, moved by the shift.
    args, kw = problem
    x, rank = args["x"], len(kw["stride"])
    shift = shift[:rank]
    off = np.broadcast_to(
        np.array(shift).reshape((1, 1, rank) + (1,) * rank),
        args["offset"].shape[:1] + (args["offset"].shape[1] // rank, rank) + args["offset"].shape[2:],
    )
    y = deform_conv(x, off.reshape(args["offset"].shape), args["w"], **kw)
    # Tap t of output o reads x at o*s + t*d - lo + shift: zero-pad x by P on every side, start the
    # window grid at P - lo + shift, and keep conv's first `out` outputs (P leaves room on both sides).
    pad = [lo + hi + 8 for lo, hi in kw["padding"]]
    padded = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    start = tuple(slice(p - lo + sh, None) for p, (lo, _), sh in zip(pad, kw["padding"], shift))
    conv_kw = {k: kw[k] for k in ("stride", "dilation", "groups")}
    expected = refconv.conv(padded[(Ellipsis, *start)], args["w"], **conv_kw)
    assert np.array_equal(y, expected[(Ellipsis, *(slice(0, m) for m in y.shape[2:]))])


# --- peers: ONNX DeformConv (opset 19), 2-D


def _onnx_model(kw, dtype):
    onnx = pytest.importorskip("onnx")
    from onnx import helper

    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    names = ["X", "W", "offset", "B", "mask"]
    pads = [lo for lo, _ in kw["padding"]] + [hi for _, hi in kw["padding"]]
    attrs = dict(
        strides=list(kw["stride"]),
        dilations=list(kw["dilation"]),
        pads=pads,
        group=kw["groups"],
        offset_group=kw["offset_groups"],
    )
    node = helper.make_node("DeformConv", names, ["Y"], **attrs)
    graph = helper.make_graph(
        [node],
        "deform",
        [helper.make_tensor_value_info(n, elem, None) for n in names],
        [helper.make_tensor_value_info("Y", elem, None)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])


def _feeds(args, kw, dtype):
    f = _floats(args, dtype)
    n, c_out = f["x"].shape[0], f["w"].shape[0]
    taps = f["offset"].shape[1] // 2
    return dict(
        X=f["x"],
        W=f["w"],
        offset=f["offset"],
        B=np.zeros(c_out, dtype) if f["bias"] is None else f["bias"],
        mask=np.ones((n, taps, *f["offset"].shape[2:]), dtype) if f["mask"] is None else f["mask"],
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(problem=problems(rank=2))
def test_agrees_with_onnxruntime(problem, dtype):
    ort = pytest.importorskip("onnxruntime")
    args, kw = problem
    session = ort.InferenceSession(_onnx_model(kw, dtype).SerializeToString(), providers=["CPUExecutionProvider"])
    theirs = session.run(None, _feeds(args, kw, dtype))[0]
    ours = deform_conv(**_floats(args, dtype), **kw)
    assert ours.dtype == theirs.dtype == dtype
    # Dyadic problems: both compute exactly in float64; float32 may round the sums (|y| < 2**24 here).
    np.testing.assert_array_equal(ours, theirs)


@given(problem=problems(rank=2))
def test_agrees_with_onnx_reference(problem):
    pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    args, kw = problem
    theirs = ReferenceEvaluator(_onnx_model(kw, np.float64)).run(None, _feeds(args, kw, np.float64))[0]
    ours = deform_conv(**_floats(args), **kw)
    # The reference normalises positions for GridSample and back, so it rounds; ours is exact here.
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_torchvision_deform_conv2d():
    torch = pytest.importorskip("torch")
    ops = pytest.importorskip("torchvision.ops")
    x = torch.arange(9, dtype=torch.float64).reshape(1, 1, 3, 3)
    y = ops.deform_conv2d(
        x, torch.full((1, 8, 2, 2), 0.5, dtype=torch.float64), torch.ones(1, 1, 2, 2, dtype=torch.float64)
    )
    assert y.tolist() == [[[[16.0, 14.0], [18.0, 15.0]]]]


@given(problems(), st.integers(0, 2**32 - 1))
def test_float_path_is_close_to_the_exact_result_of_its_inputs(problem, seed):
    # Non-dyadic float offsets: the float64 result is within a few rounding errors of the exact
    # result of the same float values (every float is a dyadic rational, so Fraction holds it).
    args, kw = problem
    rng = np.random.default_rng(seed)
    f = {k: None if v is None else rng.normal(size=v.shape) * (2 if k == "offset" else 1) for k, v in args.items()}
    y = deform_conv(**f, **kw)
    exact = deform_conv(**{k: None if v is None else np.vectorize(F, otypes=[object])(v) for k, v in f.items()}, **kw)
    # Each output sums C*K*2**rank products of |w| |mask| |x| (corner weights <= 1); positions
    # reach |p| < 16, so a rounded position moves a weight by < 16 eps.
    terms = f["w"].shape[1] * math.prod(f["w"].shape[2:]) * 2 ** len(kw["stride"])
    mask = 1.0 if f["mask"] is None else np.abs(f["mask"]).max()
    scale = terms * np.abs(f["w"]).max() * mask * np.abs(f["x"]).max() + (
        0 if f["bias"] is None else np.abs(f["bias"]).max()
    )
    assert np.abs(y - exact.astype(np.float64)).max() <= 64 * np.finfo(float).eps * (scale + 1)


@given(problem=problems(rank=2), seed=st.integers(0, 2**32 - 1))
def test_agrees_with_onnxruntime_on_random_floats(problem, seed):
    ort = pytest.importorskip("onnxruntime")
    args, kw = problem
    rng = np.random.default_rng(seed)
    args = {k: None if v is None else rng.normal(size=v.shape) * (2 if k == "offset" else 1) for k, v in args.items()}
    session = ort.InferenceSession(_onnx_model(kw, np.float64).SerializeToString(), providers=["CPUExecutionProvider"])
    theirs = session.run(None, _feeds(args, kw, np.float64))[0]
    ours = deform_conv(**args, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13 * (np.abs(ours).max() + 1))


@pytest.mark.xfail(strict=True, reason="onnx.reference GridSample denormalises positions into a float32 array")
def test_onnx_reference_rounds_float64_positions_to_float32():
    # Found by the cross-check: x = [[0, 1], [0, 1]] (float64), w = [[1]], offset dx = 0.1 at output
    # (0, 0).  By hand the sample at (0, 0.1) is 0.9*0 + 0.1*1 = 0.1 (float64: 0.1, as onnxruntime
    # and refconv give); onnx.reference returns float32(0.1) = 0.10000000149011612.
    pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    kw = dict(stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1, offset_groups=1)
    x = np.array([[[[0.0, 1.0], [0.0, 1.0]]]])
    off = np.zeros((1, 2, 2, 2))
    off[0, 1, 0, 0] = 0.1
    args = dict(x=x, w=np.ones((1, 1, 1, 1)), offset=off, bias=None, mask=None)
    assert deform_conv(**args, **kw)[0, 0, 0, 0] == 0.1
    theirs = ReferenceEvaluator(_onnx_model(kw, np.float64)).run(None, _feeds(args, kw, np.float64))[0]
    assert theirs[0, 0, 0, 0] == 0.1
