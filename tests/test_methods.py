"""Methods: identical exact results, the float summation order, FFT accuracy, the auto choice, NaN/inf, dtypes.

Expectations are derived by hand or from independent references written here (Python arithmetic
over the definition), never copied from the code under test.
"""

import warnings
from fractions import Fraction
from unittest import mock

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from threadpoolctl import threadpool_limits

import refconv
from refconv import conv, correlate
from refconv.methods import METHODS, _rational, adjoint, choose_method, direct
from refconv.spec import plain_spec
from refconv.strategies import layer_problems, plain_problems

EXACT_METHODS = [m for m in METHODS if m != "fft"]


@st.composite
def problems(draw, elements, dtype=object, max_dims=3):
    ndim = draw(st.integers(1, max_dims))
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=6))
    kshape = tuple(draw(st.integers(1, n)) for n in shape)
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    w = draw(hnp.arrays(dtype, kshape, elements=elements))
    mode = draw(st.sampled_from(["valid", "same", "full"]))
    boundary = draw(st.sampled_from(["constant", "wrap", "reflect", "symmetric", "edge"]))
    return x, w, dict(mode=mode, boundary=boundary)


def _shift_and_add(x, w, mode="valid"):
    """Independent reference: sum over taps of Python-arithmetic products (object arrays)."""
    x = np.asarray(x, dtype=object)
    w = np.asarray(w, dtype=object)
    pads = [(k - 1, k - 1) for k in w.shape] if mode == "full" else [(0, 0)] * w.ndim
    xp = np.pad(x, pads)
    out_shape = tuple(n - k + 1 for n, k in zip(xp.shape, w.shape))
    out = np.zeros(out_shape, dtype=object)
    for tap in np.ndindex(*w.shape):
        out = out + xp[tuple(slice(t, t + o) for t, o in zip(tap, out_shape))] * w[tap]
    return out


@given(problems(st.integers(-(2**40), 2**40), dtype=np.int64), st.sampled_from(EXACT_METHODS))
def test_exact_methods_identical_on_integers(problem, method):
    x, w, kw = problem
    assert np.array_equal(correlate(x, w, method=method, **kw), correlate(x, w, method="direct", **kw))


fractions = st.fractions(min_value=-5, max_value=5, max_denominator=9)


@given(problems(fractions))
def test_fractions_equal_shift_and_add_reference(problem):
    x, w, _ = problem
    got = correlate(x, w, mode="full")
    expected = _shift_and_add(x, w, mode="full")
    assert got.tolist() == expected.tolist()
    assert all(isinstance(v, (int, Fraction)) for v in got.flat)


def test_fraction_scaling_with_huge_numerators_falls_back_to_python_ints():
    x = np.array([Fraction(2**70, 3), Fraction(1, 2**65), Fraction(-7, 5)], dtype=object)
    w = np.array([Fraction(3, 2**70), Fraction(2**64, 1)], dtype=object)
    assert correlate(x, w).tolist() == _shift_and_add(x, w).tolist()


def test_numpy_ints_inside_object_arrays_do_not_wrap():
    x = np.array([np.int64(2**62), np.int64(2**62)], dtype=object)
    w = np.array([np.int64(4), np.int64(4)], dtype=object)
    got = correlate(x, w)
    assert got.tolist() == [8 * 2**62] and type(got[0]) is int


def test_integral_fractions_stay_fractions_and_ints_stay_ints():
    got = correlate(np.array([Fraction(1, 2), Fraction(3, 2)], dtype=object), [2])
    assert got.tolist() == [1, 3] and all(isinstance(v, Fraction) for v in got)
    ints = correlate(np.array([1, 2, 3], dtype=object), np.array([2, 3], dtype=object))
    assert ints.tolist() == [1 * 2 + 2 * 3, 2 * 2 + 3 * 3] and all(type(v) is int for v in ints)


@pytest.mark.parametrize("method", ["direct", "dense", "sparse", "auto"])
def test_integral_fractions_give_fractions_in_every_method(method):
    # Fractions whose denominators are all 1 scale by D = 1: still Fractions out (as Fraction
    # arithmetic gives them), not the ints an int operand would give.  By hand: 2*1 + 4*3, 4*1 + 6*3.
    x = np.array([Fraction(2), Fraction(4), Fraction(6)], dtype=object)
    got = correlate(x, np.array([Fraction(1), Fraction(3)], dtype=object), method=method)
    assert got.tolist() == [14, 22] and all(type(v) is Fraction for v in got)
    mixed = correlate(x, np.array([1, 3], dtype=object), method=method)  # an int kernel: x's kind
    assert mixed.tolist() == [14, 22] and all(type(v) is Fraction for v in mixed)


def test_sympy_and_numbers_mixed():
    s = sympy.Symbol("s")
    got = correlate(np.array([s, 2, Fraction(1, 2)], dtype=object), np.array([1, s], dtype=object))
    assert got[0] == s + 2 * s and got[1] == 2 + s / 2


@given(
    hnp.arrays(np.float64, st.integers(4, 40), elements=st.floats(-1e6, 1e6)),  # at least the 4 taps
    st.lists(st.sampled_from([1.0, -1.0, 0.5, 3.0, -0.0]), min_size=1, max_size=4),
)
def test_float_sum_is_in_tap_order_bit_for_bit(x, weights):
    # The documented order: ((w0*x0 + w1*x1) + w2*x2) + ..., each step rounded in float64.
    w = np.array(weights)
    n = len(x) - len(w) + 1
    expected = w[0] * x[0:n]
    for t in range(1, len(w)):
        expected = expected + w[t] * x[t : t + n]
    got = correlate(x, w)
    assert np.array_equal(got, expected) and np.array_equal(np.signbit(got), np.signbit(expected))


def _norm(a: np.ndarray) -> float:
    """The 2-norm, scaled so that tiny entries (1e-167 squares to 0) do not underflow."""
    top = float(np.abs(a).max(initial=0.0))
    return top * float(np.linalg.norm(a / top)) if top else 0.0


@given(problems(st.floats(-100, 100), dtype=np.float64, max_dims=2))
def test_fft_close_to_direct_normwise(problem):
    x, w, kw = problem
    got = correlate(x, w, method="fft", **kw)
    ref = correlate(x, w, method="direct", **kw)
    # Norm-wise: FFT errors scale with ||x|| ||w||, not with each output.
    cells = x.size + w.size
    bound = 64 * np.finfo(float).eps * np.log2(cells + 1) * _norm(x) * _norm(w) * np.sqrt(cells)
    # Subnormal operands: the relative term underflows to 0, but each FFT stage still rounds to
    # the subnormal grid (x = [5e-324, 5e-324], w = [1, 0] gives 1e-323 against 5e-324).
    bound += 64 * cells * np.finfo(float).smallest_subnormal
    assert np.max(np.abs(got - ref), initial=0) <= bound


def test_fft_with_channels_stride_dilation_matches_direct():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 3, 9, 8))
    w = rng.standard_normal((2, 4, 3, 3, 2))
    spec = plain_spec("t", (9, 8), (3, 2), mode=((1, 2), (0, 1)), stride=(2, 1), dilation=(2, 3), boundary="wrap")
    np.testing.assert_allclose(METHODS["fft"](x, w, spec), direct.correlate_direct(x, w, spec), atol=1e-12)


def test_fft_refuses_exact_inputs():
    with pytest.raises(ValueError, match=r"method='fft' is not exact.*int64"):
        correlate([1, 2, 3], [1, 1], method="fft")


def test_im2col_in_chunks_matches_one_chunk(monkeypatch):
    rng = np.random.default_rng(4)
    x = rng.integers(-9, 9, (2, 1, 3, 6, 5))
    w = rng.integers(-9, 9, (1, 4, 3, 3, 2))
    spec = plain_spec("t", (6, 5), (3, 2), mode="same")
    whole = direct.correlate_direct(x, w, spec)
    monkeypatch.setattr(direct, "IM2COL_BUDGET", 1)
    assert np.array_equal(direct.correlate_direct(x, w, spec), whole)
    # and against the per-channel definition
    for b in range(2):
        for o in range(4):
            expected = sum(correlate(x[b, 0, i], w[0, o, i], mode="same") for i in range(3))
            assert np.array_equal(whole[b, 0, o], expected)


def test_auto_choice():
    def choice(n, k, dtype=np.float64, ci=1, co=1):
        x = np.zeros((1, 1, ci, n), dtype=dtype)
        w = np.zeros((1, co, ci, k), dtype=dtype)
        return choose_method(x, w, plain_spec("t", (n,), (k,)))

    assert choice(10**6, 1001) == "fft"
    assert choice(4096, 7) == "direct"
    assert choice(10**6, 1001, dtype=np.int64) == "direct"  # exact inputs never go to the FFT
    assert choice(3136, 9, ci=64, co=64) == "direct"  # a GEMM beats the FFT for small kernels
    # By hand, the modelled direct cost: taps * outputs * Ci * Co multiply-adds at GEMM_COST,
    # scaled by 1 + GEMM_NARROW_IN / Ci + GEMM_NARROW_OUT / Co (narrow GEMMs run far from BLAS's peak).
    from refconv.methods import GEMM_COST, GEMM_NARROW_IN, GEMM_NARROW_OUT, _cost

    x, w = np.zeros((2, 1, 4, 20)), np.zeros((1, 8, 4, 5))
    assert _cost("direct", x, w, plain_spec("t", (20,), (5,))) == pytest.approx(
        GEMM_COST * (1 + GEMM_NARROW_IN / 4 + GEMM_NARROW_OUT / 8) * 2 * 5 * 16 * 4 * 8
    )
    # An RGB first layer, 3 -> 64 channels 7x7 on 2 x 224 x 224: measured 29 ms direct, 101 ms by FFT.
    x, w = np.zeros((2, 1, 3, 224, 224), np.float32), np.zeros((1, 64, 3, 7, 7), np.float32)
    assert choose_method(x, w, refconv.spec.layer_spec("t", (224, 224), (7, 7), padding=[(3, 3)] * 2)) == "direct"
    # A 256x256 image of 8 channels with 15x15 kernels: measured 45 ms direct, 19 ms by FFT.
    x, w = np.zeros((1, 1, 8, 256, 256), np.float32), np.zeros((1, 8, 8, 15, 15), np.float32)
    assert choose_method(x, w, refconv.spec.layer_spec("t", (256, 256), (15, 15))) == "fft"


# --- NaN and inf: exactly the outputs whose windows read them, in every method ------------------

NONFINITE = st.sampled_from([np.nan, np.inf, -np.inf])
WRAPPED = ["fft", "dense", "sparse"]  # the methods that would spread a non-finite value


def _classes(y):
    """Per output: 0 finite, 1 NaN, 2 +inf, 3 -inf (real arrays)."""
    y = np.asarray(y)
    return np.select([np.isnan(y), y == np.inf, y == -np.inf], [1, 2, 3], 0)


def _quiet(f, *args, **kwargs):
    # 0*inf and inf-inf raise NumPy's "invalid value" RuntimeWarning, an error in this suite.
    with np.errstate(invalid="ignore", over="ignore"):
        return f(*args, **kwargs)


def _assert_like_direct(got, expected):
    """The same NaN/+inf/-inf class per output as the direct method's ``expected``."""
    assert got.shape == expected.shape and got.dtype == expected.dtype
    bad = np.flatnonzero(_classes(got) != _classes(expected))
    assert bad.size == 0, f"outputs {bad[:8].tolist()}: got {got.flat[bad[:8]]}, direct gives {expected.flat[bad[:8]]}"


@st.composite
def _spoiled(draw, a, at_least_one):
    """``a`` with NaN/+inf/-inf written at up to 3 drawn positions (at least one if asked)."""
    a = a.copy()
    if a.size:
        where = draw(st.lists(st.integers(0, a.size - 1), min_size=int(at_least_one), max_size=3, unique=True))
        for i in where:
            a.flat[i] = draw(NONFINITE)
    return a


def _assert_values(got, expected, method):
    """Exact for the summing methods; the FFT's finite outputs round (norm-wise bound)."""
    _assert_like_direct(got, np.asarray(expected, dtype=got.dtype))
    if method in ("fft", "auto"):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(got, expected)


def _zeroed(a):
    return np.where(np.isfinite(a), a, 0)


@pytest.mark.parametrize("call", ["plain", "layer"])
@pytest.mark.parametrize("method", list(METHODS))
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]), spoil=st.sampled_from(["x", "w", "both"]))
def test_nonfinite_reach_exactly_the_outputs_the_direct_method_gives_them(call, method, data, dtype, spoil):
    if call == "plain":
        p = data.draw(plain_problems(kind="float", dtype=dtype))
        run = lambda x, w, m: _quiet(correlate, x, w, method=m, **p.kwargs)  # noqa: E731
    else:
        p = data.draw(layer_problems(kind="float", dtype=dtype))
        run = lambda x, w, m: _quiet(conv, x, w, p.bias, method=m, **p.kwargs)  # noqa: E731
    x = data.draw(_spoiled(p.x, spoil != "w"))
    w = data.draw(_spoiled(p.w, spoil != "x"))
    got, expected = run(x, w, method), run(x, w, "direct")
    _assert_like_direct(got, expected)
    # Values are at most 20 in magnitude: no finite output overflows, so the outputs that read a
    # non-finite entry are exactly the non-finite ones, and every other output is the method's
    # own answer on the zeroed operands, bit for bit.
    untouched = np.isfinite(expected)
    assert np.array_equal(got[untouched], run(_zeroed(x), _zeroed(w), method)[untouched])


@pytest.mark.parametrize("method", WRAPPED)
def test_unwrapped_methods_spread_or_miss_nonfinite_values(method):
    # Negative control: the raw methods break the rule, so the property above can fail.
    raw = METHODS[method].__wrapped__
    cases = [  # (x, w, mode): each breaks at least one raw method
        ([np.nan, 1.0, 2.0, 3.0], [1.0, 1.0], "valid"),  # fft, dense: NaN everywhere
        ([1.0, 2.0, 3.0], [np.inf, 1.0], "full"),  # sparse: the inf misses the zero fill cell
    ]
    failures = 0
    for xs, ws, mode in cases:
        x, w = np.array(xs), np.array(ws)
        spec = plain_spec("t", x.shape, w.shape, mode=mode)
        expected = _quiet(correlate, x, w, mode=mode, method="direct")
        got = _quiet(raw, x[None, None, None], w[None, None, None], spec)[0, 0, 0]
        try:
            _assert_like_direct(got, expected)
        except AssertionError:
            failures += 1
    assert failures >= 1


def test_raw_fft_spreads_one_nan_over_the_whole_image():
    x = np.zeros((32, 32))
    x[10, 10] = np.nan
    w = np.ones((3, 3))
    raw = METHODS["fft"].__wrapped__(x[None, None, None], w[None, None, None], plain_spec("t", x.shape, w.shape))
    assert np.isnan(raw).sum() > 9  # the direct method has 9


@pytest.mark.parametrize("method", WRAPPED)
@pytest.mark.parametrize(
    "x",
    [
        np.linspace(-3, 5, 11),  # finite: the raw method runs
        np.array([3e38, 3e38, -3e38, 1, 2], dtype=np.float32),  # finite, but the sum overflows
    ],
)
def test_finite_operands_give_the_raw_method_s_bits(method, x):
    w = np.array([0.5, 0.25], dtype=x.dtype)
    spec = plain_spec("t", x.shape, w.shape, mode="full")
    channel_form = (x[None, None, None], w[None, None, None], spec)
    # (the float32 FFT of values near its range overflows inside: NaN both times)
    got, raw = _quiet(METHODS[method], *channel_form), _quiet(METHODS[method].__wrapped__, *channel_form)
    assert np.array_equal(got, raw, equal_nan=True)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize(
    ("x", "w", "kwargs", "expected"),
    [
        # hand-derived: output i = sum_t w[t] * padded[i + t]
        ([np.nan, 1, 2, 3], [1, 1], {}, [np.nan, 3, 5]),
        ([np.nan, 1, 2, 3], [0, 1], {}, [np.nan, 2, 3]),  # 0 * NaN is NaN: a zero tap still reads
        ([np.inf, 1, 2, 3], [0, 1], {}, [np.nan, 2, 3]),  # 0 * inf
        ([1, -2, 0, 3], [np.inf, 1], {}, [np.inf, -np.inf, np.nan]),  # inf*1 - 2, inf*-2 + 0, inf*0 + 3
        ([1, 2, 3], [np.inf, 1], {"mode": "full"}, [np.nan, np.inf, np.inf, np.inf]),  # inf * fill 0
        ([np.inf, -np.inf, 2, 3], [1, 1], {}, [np.nan, -np.inf, 5]),  # +inf and -inf in one window
        # wrap: padded [4, nan, 1, 2, 3, 4, nan], so the last window reads the NaN too
        ([np.nan, 1, 2, 3, 4], [1, 1, 1], {"mode": "same", "boundary": "wrap"}, [np.nan, np.nan, 6, 9, np.nan]),
        # reflect: padded [1, nan, 1, 2, 3, 4, 3]: the NaN reaches outputs 0 and 1 only
        ([np.nan, 1, 2, 3, 4], [1, 1, 1], {"mode": "same", "boundary": "reflect"}, [np.nan, np.nan, 6, 9, 10]),
        # stride 2, dilation 2: output i reads cells 2i and 2i + 2 of [1, 2, nan, 4, 5, 6, 7]
        ([1, 2, np.nan, 4, 5, 6, 7], [1, 1], {"stride": 2, "dilation": 2}, [np.nan, np.nan, 12]),
    ],
)
def test_nonfinite_hand_cases(method, x, w, kwargs, expected):
    got = _quiet(correlate, np.array(x, dtype=float), np.array(w, dtype=float), method=method, **kwargs)
    _assert_values(got, expected, method)


@pytest.mark.parametrize("method", ["auto", "fft", "sparse"])
def test_one_nan_in_a_256x256_image_reaches_81_outputs(method):
    x = np.ones((256, 256))
    x[100, 100] = np.nan
    got = correlate(x, np.ones((9, 9)), method=method)
    # output (i, j) reads x[i:i+9, j:j+9]: those with 92 <= i, j <= 100
    expected = np.full((248, 248), 81.0)
    expected[92:101, 92:101] = np.nan
    _assert_values(got, expected, method)


@pytest.mark.parametrize("method", list(METHODS))
def test_nonfinite_in_a_layer_reaches_its_windows_and_its_channel(method):
    x = np.ones((2, 4, 12, 12))
    x[1, 2, 5, 5] = np.nan  # batch 1, input channel 2
    w = np.ones((3, 4, 3, 3))
    w[1, 3, 0, 0] = np.inf  # output channel 1, input channel 3
    got = _quiet(conv, x, w, padding=1, method=method)
    # padding=1: output (i, j) reads x[i-1:i+2, j-1:j+2]: 4 channels times the window's real
    # cells, 3 per axis, 2 at the borders
    per_axis = np.array([2] + [3] * 10 + [2], dtype=float)
    expected = np.broadcast_to(4 * np.outer(per_axis, per_axis), (2, 3, 12, 12)).copy()
    expected[1, :, 4:7, 4:7] = np.nan  # every output channel reads every input channel
    expected[:, 1] = np.inf  # inf times a 1 ...
    expected[:, 1, 0, :] = expected[:, 1, :, 0] = np.nan  # ... or times the zero fill of the top/left pad
    expected[1, 1, 4:7, 4:7] = np.nan
    _assert_values(got, expected, method)


@pytest.mark.parametrize("method", list(METHODS))
def test_complex_nonfinite_stay_in_their_windows(method):
    got = _quiet(correlate, np.array([np.nan + 1j, 1, 2j, 3]), np.array([1, 1 + 0j]), method=method)
    assert np.isnan(got[0])  # a NaN real or imaginary part
    np.testing.assert_allclose(got[1:], [1 + 2j, 3 + 2j], rtol=1e-15 if method in ("fft", "auto") else 0)


DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.complex128]


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("xdtype", DTYPES)
@pytest.mark.parametrize("wdtype", [None, np.float32])
def test_every_method_returns_the_result_type_of_its_operands(method, xdtype, wdtype):
    wdtype = wdtype or xdtype
    x, w = np.arange(6, dtype=xdtype), np.array([1, -1], dtype=wdtype)
    expected = np.result_type(x, w)
    assert correlate(x, w, method=method).dtype == expected
    layer = conv(np.ones((1, 2, 5), dtype=xdtype), np.ones((3, 2, 2), dtype=wdtype), method=method)
    assert layer.dtype == expected
    # x[i] - x[i+1] = -1, up to the FFT's rounding in that dtype
    np.testing.assert_allclose(correlate(x, w, method=method).astype(complex), -1, rtol=8 * np.finfo(expected).eps)


# --------------------------------------------------------------------------------------------
# One channel per group (depthwise): per-tap scaled views over slabs of planes

_TORCH_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def depthwise_problems(draw, dtype, elements):
    """A layer with ``groups > 1`` and one input and one output channel per group: ``(x, w, kw)``
    with a padding that every ``padding_mode`` accepts (at most ``n - 1`` per side)."""
    ndim = draw(st.integers(1, 3))
    sides = draw(st.lists(st.integers(1, 7), min_size=ndim, max_size=ndim))
    groups, batch = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    # Every stride 1 half the time: the flat-run loop (the module docstring) needs it.
    stride = (1,) * ndim if draw(st.booleans()) else tuple(draw(st.integers(1, 3)) for _ in sides)
    dilation = tuple(draw(st.integers(1, 2)) for _ in sides)
    padding = tuple(draw(st.integers(0, n - 1)) for n in sides)
    kernel = tuple(draw(st.integers(1, (n + 2 * p - 1) // d + 1)) for n, p, d in zip(sides, padding, dilation))
    x = draw(hnp.arrays(dtype, (batch, groups, *sides), elements=elements))
    w = draw(hnp.arrays(dtype, (groups, 1, *kernel), elements=elements))
    mode = draw(st.sampled_from(sorted(_TORCH_PAD)))
    return x, w, dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=mode)


def _depthwise_brute(x, w, kw):
    """The definition in exact rationals: ``y[b, g, o] = sum_t w[g, 0, t] * xpad[b, g, o*s + t*d]``."""
    s, d, p = kw["stride"], kw["dilation"], kw["padding"]
    xp = np.pad(x, [(0, 0), (0, 0), *((q, q) for q in p)], mode=_TORCH_PAD[kw["padding_mode"]])
    kernel = w.shape[2:]
    out = tuple((xp.shape[2 + a] - d[a] * (kernel[a] - 1) - 1) // s[a] + 1 for a in range(len(kernel)))
    y = np.empty(x.shape[:2] + out, dtype=object)
    for b, g, *o in np.ndindex(*y.shape):
        y[(b, g, *o)] = sum(
            Fraction(w[(g, 0, *t)].item())
            * Fraction(xp[(b, g, *(oa * sa + ta * da for oa, sa, ta, da in zip(o, s, t, d)))].item())
            for t in np.ndindex(*kernel)
        )
    return y


#: Slab sizes that force every blocking: rows of every plane, chunks of planes, rows of one plane.
_SLABS = st.sampled_from([1, 3, 16, 100, direct.SLAB_ELEMENTS])


@given(depthwise_problems(np.int64, st.integers(-(2**40), 2**40)), _SLABS)
def test_depthwise_int64_is_exact(problem, slab):
    x, w, kw = problem
    with mock.patch.object(direct, "SLAB_ELEMENTS", slab):
        got = conv(x, w, method="direct", **kw)
    assert got.tolist() == _depthwise_brute(x, w, kw).tolist()


@given(
    st.sampled_from([np.float32, np.float64]).flatmap(
        lambda dt: depthwise_problems(dt, st.floats(-100, 100, width=32, allow_subnormal=False))
    ),
    _SLABS,
)
def test_depthwise_floats_within_the_direct_bound(problem, slab):
    from refconv import error_bound

    x, w, kw = problem
    with mock.patch.object(direct, "SLAB_ELEMENTS", slab):
        got = conv(x, w, method="direct", **kw)
    exact = _depthwise_brute(x, w, kw)
    bound = np.asarray(error_bound(x, w, op="conv", method="direct", **kw))
    assert got.dtype == x.dtype and got.shape == exact.shape
    errors = [abs(Fraction(float(a)) - e) for a, e in zip(got.flat, exact.flat)]
    assert all(err <= Fraction(float(b)) for err, b in zip(errors, bound.flat))


def test_depthwise_by_hand():
    # Group 0 sums the diagonal pair x[i, j] + x[i+1, j+1]; group 1 takes 2*x[i, j] - x[i+1, j+1].
    x = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0, 2], [0, 3, 0], [4, 0, 5]]])[None]
    w = np.array([[[1, 0], [0, 1]], [[2, 0], [0, -1]]])[:, None]
    expected = [[[[1 + 5, 2 + 6], [4 + 8, 5 + 9]], [[2 - 3, 0 - 0], [0 - 0, 2 * 3 - 5]]]]
    for dtype in (np.int64, np.float32, object):
        assert conv(x.astype(dtype), w.astype(dtype), groups=2, method="direct").tolist() == expected


_TAP_ORDER_FLOATS = st.sampled_from([1.0, -1.0, 0.0, -0.0, 0.5, 3.0, -2.25]) | st.floats(-1e3, 1e3, width=32)


@given(depthwise_problems(np.float32, _TAP_ORDER_FLOATS), _SLABS)
def test_depthwise_float_sum_is_in_tap_order_bit_for_bit(problem, slab):
    # The documented order per output: ((w0*v0 + w1*v1) + w2*v2) + ..., each step rounded in
    # float32 (a weight of ±1 applied as an addition is the same bits), whatever the slabs.
    x, w, kw = problem
    s, d, p = kw["stride"], kw["dilation"], kw["padding"]
    xp = np.pad(x, [(0, 0), (0, 0), *((q, q) for q in p)], mode=_TORCH_PAD[kw["padding_mode"]])
    kernel = w.shape[2:]
    out = tuple((xp.shape[2 + a] - d[a] * (kernel[a] - 1) - 1) // s[a] + 1 for a in range(len(kernel)))
    expected = None
    for t in np.ndindex(*kernel):
        view = xp[(Ellipsis, *(slice(ta * da, ta * da + (o - 1) * sa + 1, sa) for ta, da, o, sa in zip(t, d, out, s)))]
        term = w[(slice(None), 0, *t)].reshape(1, -1, *(1,) * len(kernel)) * view
        expected = term if expected is None else expected + term
    with mock.patch.object(direct, "SLAB_ELEMENTS", slab):
        got = conv(x, w, method="direct", **kw)
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_depthwise_weights_equal_but_for_the_sign_of_zero_stay_per_group():
    # 0.0 * 1 is 0.0 and -0.0 * 1 is -0.0: a weight shared by every group is applied once, but
    # 0.0 and -0.0 compare equal and must not be taken for one shared weight.
    x = np.ones((1, 2, 3, 3))
    w = np.zeros((2, 1, 3, 3))
    w[1] = -0.0
    got = conv(x, w, groups=2, method="direct")
    assert np.signbit(got[0, 0]).sum() == 0 and np.signbit(got[0, 1]).all()


# ---- the direct method: every ±1 fusion branch, slabs, im2col chunks, exact rescaling ----------------------


def _brute(x, w, stride=1, pad=0):
    """Equation 9.6 by its definition, zero padding, with Python arithmetic (independent of refconv)."""
    x, w = np.asarray(x, dtype=object), np.asarray(w, dtype=object)
    nd = x.ndim
    stride = (stride,) * nd if isinstance(stride, int) else stride
    padded = np.zeros(tuple(n + 2 * pad for n in x.shape), dtype=object)
    padded[tuple(slice(pad, pad + n) for n in x.shape)] = x
    out_shape = tuple((p - k) // s + 1 for p, k, s in zip(padded.shape, w.shape, stride))
    out = np.empty(out_shape, dtype=object)
    for o in np.ndindex(*out_shape):
        out[o] = sum(
            (padded[tuple(oi * s + ti for oi, s, ti in zip(o, stride, t))] * w[t] for t in np.ndindex(*w.shape)),
            start=0,
        )
    return out


_UNIT_KERNELS = [
    [1], [-1], [2], [1, 1], [1, -1], [-1, 1], [-1, -1], [1, 3], [-1, 3], [3, 1], [3, -1],
    [1, 1, 1], [1, -1, 2, -1], [-1, -1, -1], [0, 1, -1], [2, -1, 1], [-1, 2, 1, 1],
]  # fmt: skip


@pytest.mark.parametrize("kernel", _UNIT_KERNELS, ids=str)
@pytest.mark.parametrize("dtype", [np.int64, np.float64, object])
def test_unit_weights_fused_or_not_equal_the_definition(kernel, dtype):
    x = np.array([3, -1, 4, 1, -5, 9, 2, -6], dtype=dtype)
    w = np.array(kernel, dtype=dtype)
    expected = _brute(x, w)
    got = refconv.correlate(x, w, method="direct")
    assert got.tolist() == expected.tolist()
    # The same kernels in 2-D (a row kernel over 2 rows) and with a stride.
    x2 = np.stack([x, x[::-1]])
    assert refconv.correlate(x2, w[None], method="direct").tolist() == _brute(x2, w[None]).tolist()
    assert refconv.correlate(x, w, stride=2, method="direct").tolist() == _brute(x, w, stride=2).tolist()


@pytest.mark.parametrize("slab", [1, 2, 5, 7, 10**6])
def test_slabs_of_rows_give_the_whole_result(monkeypatch, slab):
    monkeypatch.setattr(direct, "SLAB_ELEMENTS", slab)
    x = np.arange(7 * 6).reshape(7, 6) % 11 - 5
    for w in ([[1, 2, -1], [0, 3, 1]], [[1, -1], [-1, 1], [2, 2]], [[1, 1, 1]]):
        assert refconv.correlate(x, w, method="direct").tolist() == _brute(x, w).tolist()
        assert refconv.correlate(x, w, mode=1, method="direct").tolist() == _brute(x, w, pad=1).tolist()
        assert refconv.correlate(x, w, stride=(2, 1), method="direct").tolist() == _brute(x, w, stride=(2, 1)).tolist()
    # A batch of channels through the layer function (the slab spans every leading axis).
    xs = np.stack([x, -x]).reshape(2, 1, 7, 6)
    w = np.array([[[[1, 2, -1], [0, 3, 1]]]])
    got = refconv.conv(xs, w, method="direct")
    assert got[0, 0].tolist() == _brute(x, w[0, 0]).tolist() and got[1, 0].tolist() == _brute(-x, w[0, 0]).tolist()


def _brute_conv(x, w, groups=1):
    """conv by its definition: y[n, c] = sum_i x[n, g*Ci + i] (*) w[c, i], valid, stride 1."""
    n_, c_in = x.shape[:2]
    c_out, ci = w.shape[:2]
    out = []
    for n in range(n_):
        maps = []
        for c in range(c_out):
            g = c // (c_out // groups)
            maps.append(sum((_brute(x[n, g * ci + i], w[c, i]) for i in range(ci)), start=0))
        out.append(maps)
    return np.array(out, dtype=object)


@pytest.mark.parametrize("budget", [1, 8 * 2 * 2 * 12, 1 << 28])
def test_im2col_in_chunks_of_taps_equals_the_definition(monkeypatch, budget):
    # x (2, 4, 4, 5), w (3, 2, 2, 3), groups 2: per_tap = B*G*Ci*P*8 = 2*2*2*(3*3)*8 bytes.
    monkeypatch.setattr(direct, "IM2COL_BUDGET", budget)
    x = (np.arange(2 * 4 * 4 * 5).reshape(2, 4, 4, 5) * 7) % 13 - 6
    w = (np.arange(4 * 2 * 2 * 3).reshape(4, 2, 2, 3) * 5) % 7 - 3
    got = refconv.conv(x, w, groups=2, method="direct")
    assert got.dtype == np.int64
    assert got.tolist() == _brute_conv(x, w, groups=2).tolist()
    floats = refconv.conv(x.astype(np.float64), w.astype(np.float64), groups=2, method="direct")
    assert floats.dtype == np.float64 and floats.tolist() == _brute_conv(x, w, groups=2).tolist()
    f32 = refconv.conv(x.astype(np.float32), w.astype(np.float32), method="direct", groups=2)
    assert f32.dtype == np.float32


def test_exact_rationals_rescale_to_fractions_in_lowest_terms():
    # (1/2 + 1/2) = 1 and (1/2 + 1/3) = 5/6: Fractions, reduced.
    got = refconv.correlate(np.array([Fraction(1, 2), Fraction(1, 2), Fraction(1, 3)], dtype=object), [1, 1])
    assert got.tolist() == [Fraction(1), Fraction(5, 6)]
    assert all(type(v) is Fraction for v in got) and got[0].denominator == 1 and got[1].denominator == 6
    # Fractions in w only, ints in x: 2*(1/4) + 3*(3/4) = 11/4, 3*(1/4) + 4*(3/4) = 15/4.
    got = refconv.correlate(np.array([2, 3, 4], dtype=object), np.array([Fraction(1, 4), Fraction(3, 4)], dtype=object))
    assert got.tolist() == [Fraction(11, 4), Fraction(15, 4)]
    # A denominator past int64: 2**40 * 3**30 > 2**63, so the rescale runs in Python ints.
    a, b = Fraction(1, 2**40), Fraction(1, 3**30)
    got = refconv.correlate(np.array([a, 2 * a], dtype=object), np.array([b], dtype=object))
    assert got.tolist() == [a * b, 2 * a * b] and got[1] == Fraction(1, 2**39 * 3**30)
    # Products past int64 (2**62 * 4 * 2): Python ints, still reduced.
    big = np.array([Fraction(2**62, 3), Fraction(2**62, 3)], dtype=object)
    assert refconv.correlate(big, np.array([4, 4], dtype=object)).tolist() == [Fraction(2**65, 3)]
    # Python ints only: denominator 1, exact ints past int64.
    assert refconv.correlate(np.array([2**70, 1], dtype=object), [3, 5]).tolist() == [3 * 2**70 + 5]


def test_symbolic_entries_skip_the_rational_path():
    a, b = sympy.symbols("a b")
    assert _rational.scaled_integers(np.array([a, 1], dtype=object), np.array([1], dtype=object)) is None
    got = refconv.correlate(np.array([a, b, 1], dtype=object), np.array([2, Fraction(1, 2)], dtype=object))
    assert got.tolist() == [2 * a + b / 2, 2 * b + sympy.Rational(1, 2)]


@pytest.mark.performance_contract
def test_scaled_integers_are_int64_only_when_the_bound_allows():
    lead = (None, None, None)
    X, W, d, _ = _rational.scaled_integers(
        np.array([Fraction(1, 2), 3], dtype=object)[lead], np.array([Fraction(2, 3)], dtype=object)[lead]
    )
    # x scaled by 2: [1, 6]; w scaled by 3: [2]; D = 2*3.
    assert X.dtype == W.dtype == np.int64 and X.ravel().tolist() == [1, 6] and W.ravel().tolist() == [2] and d == 6
    X, W, d, _ = _rational.scaled_integers(
        np.array([Fraction(2**62, 5)], dtype=object)[lead], np.array([2, 2], dtype=object)[lead]
    )
    # bound 2**62 * (2 + 2) = 2**64 > 2**63: Python ints.
    assert X.dtype == object and X.ravel().tolist() == [2**62] and d == 5
    # A zero x bounds every sum by 0, but a w past int64 cannot be an int64 operand.
    X, W, d, _ = _rational.scaled_integers(
        np.array([Fraction(0)], dtype=object)[lead], np.array([Fraction(2**70, 3)], dtype=object)[lead]
    )
    assert W.dtype == object and W.ravel().tolist() == [2**70] and d == 3
    zero = refconv.correlate(np.array([Fraction(0)], dtype=object), np.array([Fraction(2**70, 3)], dtype=object))
    assert zero.tolist() == [0]


class _CountingNumpy:
    """NumPy, counting the calls of a few functions (the direct method's documented economies) and
    keeping their positional arguments (``args[name]``, one tuple per call)."""

    def __init__(self, names):
        self.calls = dict.fromkeys(names, 0)
        self.args = {name: [] for name in names}

    def __getattr__(self, name):
        attr = getattr(np, name)
        if name not in self.calls:
            return attr

        def counted(*args, **kwargs):
            self.calls[name] += 1
            self.args[name].append(args)
            return attr(*args, **kwargs)

        return counted


@pytest.mark.performance_contract
@pytest.mark.parametrize(
    ("kernel", "multiplies"),
    [([1.0, -1.0, 1.0], 0), ([-1.0], 0), ([1.0, 1.0], 0), ([2.0, 1.0], 1), ([1.0, 2.0], 1), ([2.0, -1.0, 3.0], 2)],
)
def test_unit_weights_are_applied_without_a_multiplication(monkeypatch, kernel, multiplies):
    # Module docstring: "a weight of +1/-1 is applied as an addition/subtraction ... it saves a pass".
    spy = _CountingNumpy(["multiply"])
    monkeypatch.setattr(direct, "np", spy)
    x = np.array([1.5, -2.0, 4.0, 0.25, 8.0])
    got = refconv.correlate(x, kernel, method="direct")
    assert got.tolist() == _brute(x, kernel).tolist()
    assert spy.calls["multiply"] == multiplies


@pytest.mark.performance_contract
def test_slabs_hold_about_slab_elements_outputs(monkeypatch):
    # A 2-D float problem with 3x3 taps: out (40, 50), one row of outputs is 50 elements, so a
    # slab of SLAB_ELEMENTS = 1000 holds 1000 // 50 = 20 rows: slabs (0, 20) and (20, 40).
    seen = []
    real = direct.all_tap_slices
    monkeypatch.setattr(direct, "SLAB_ELEMENTS", 1000)
    monkeypatch.setattr(direct, "all_tap_slices", lambda spec, rows: (seen.append(rows), real(spec, rows))[1])
    x = np.arange(42 * 52, dtype=np.float64).reshape(42, 52) % 7
    w = np.arange(9.0).reshape(3, 3)
    assert refconv.correlate(x, w, method="direct").tolist() == _brute(x, w).tolist()
    assert seen == [(0, 20), (20, 40)]
    # 1-D: a row is one element; with 2 taps or fewer (fused) or objects, one slab.
    seen.clear()
    refconv.correlate(np.arange(2500.0), np.ones(3), method="direct")
    assert seen == [(0, 1000), (1000, 2000), (2000, 2498)]
    seen.clear()
    refconv.correlate(np.arange(2500.0), np.ones(2), method="direct")
    assert seen == [(0, 2499)]
    seen.clear()
    # Python ints past the int64 bound (2**62 * 3 > 2**63) stay objects: one slab.
    refconv.correlate(np.full(2500, 2**62, dtype=object), np.ones(3, dtype=int).astype(object), method="direct")
    assert seen == [(0, 2498)]
    # A batch of 4 maps: a row of outputs is 4 x 50 elements, 1000 // 200 = 5 rows per slab.
    seen.clear()
    refconv.conv(np.stack([x] * 4)[:, None], w[None, None], method="direct")
    assert seen[:2] == [(0, 5), (5, 10)] and len(seen) == 8


@pytest.mark.performance_contract
def test_im2col_chunks_keep_the_stacked_copy_under_the_budget(monkeypatch):
    # Stride 2 in float16 (no BLAS, so not in row tasks) takes the chunked im2col.  x (2, 3,
    # 7, 7), w (4, 3, 3, 3): P = 3*3 = 9 outputs, per tap B*G*Ci*P*8 = 2*1*3*9*8 = 432 bytes; a
    # budget of 1300 bytes takes 1300 // 432 = 3 taps per chunk: ceil(9/3) = 3 products.
    spy = _CountingNumpy(["matmul"])
    monkeypatch.setattr(direct, "matmul", spy.matmul)  # the GEMM goes through refconv._gemm.matmul
    monkeypatch.setattr(direct, "IM2COL_BUDGET", 1300)
    x = (np.arange(2 * 3 * 7 * 7).reshape(2, 3, 7, 7) % 5 - 2).astype(np.float16)
    w = (np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 3 - 1).astype(np.float16)
    expected = _brute_conv(x, w)[:, :, ::2, ::2].tolist()  # stride 2 keeps every other output
    assert refconv.conv(x, w, stride=2, method="direct").tolist() == expected
    assert spy.calls["matmul"] == 3
    spy.calls["matmul"] = 0
    monkeypatch.setattr(direct, "IM2COL_BUDGET", 432 * 9)  # all nine taps in one chunk
    refconv.conv(x, w, stride=2, method="direct")
    assert spy.calls["matmul"] == 1
    spy.calls["matmul"] = 0
    monkeypatch.setattr(direct, "IM2COL_BUDGET", 1)  # less than one tap: still one tap per chunk
    refconv.conv(x, w, stride=2, method="direct")
    assert spy.calls["matmul"] == 9


@pytest.mark.performance_contract
def test_im2col_holds_one_chunk_at_a_time(monkeypatch):
    # working_set counts one im2col chunk besides the output: a chunk's stacked copy (and its
    # GEMM's term) must be released before the next chunk is built.  x (1, 32, 66, 66) float64,
    # w (2, 32, 3, 3), stride 2: P = 32*32 outputs, a tap's stacked copy B*G*Ci*P*8 = 262,144 bytes;
    # one tap per chunk, nine chunks.  Holding the previous chunk too would peak past two chunks.
    import tracemalloc

    # float16 (no BLAS): the chunked im2col over the whole batch (BLAS floats run in row tasks).
    per_tap = 32 * 32 * 32 * 8
    monkeypatch.setattr(direct, "IM2COL_BUDGET", per_tap)
    x, w = np.ones((1, 32, 66, 66), np.float16), np.ones((2, 32, 3, 3), np.float16)
    refconv.conv(x, w, stride=2, method="direct")  # the spec and tap caches are filled once, not measured
    tracemalloc.start()
    y = refconv.conv(x, w, stride=2, method="direct")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert y.tolist() == np.full((1, 2, 32, 32), 32.0 * 9).tolist()  # every window sums 32*9 ones
    assert peak - y.nbytes < 1.5 * per_tap


@pytest.mark.parametrize("task", [1, 70 * 56 * 2, 10**4, 1 << 30])
def test_stride_1_gemms_in_tasks_equal_the_definition(monkeypatch, task):
    monkeypatch.setattr(direct, "FLAT_CHANNELS", 1)  # their few channels through the flat GEMMs
    # x (2, 3, 7, 70) with w (4, 3, 3, 3): a padded plane row is 70 cells and a position holds
    # (3 + 4 channels) * 8 bytes, so the 5 output rows are cut into tasks of TASK_BYTES // (70 * 56)
    # rows (1 row, 2 rows, 2 rows, all): whatever the cut, the result is the definition's,
    # exactly on these integers and in floats.
    monkeypatch.setattr(direct, "TASK_BYTES", task)
    x = np.arange(2 * 3 * 7 * 70).reshape(2, 3, 7, 70) % 5 - 2
    w = np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 3 - 1
    assert refconv.conv(x, w, method="direct").tolist() == _brute_conv(x, w).tolist()
    floats = refconv.conv(x.astype(np.float64), w.astype(np.float64), method="direct")
    assert floats.tolist() == _brute_conv(x, w).tolist()


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        # By hand, in tap order: (-1)*v0 + (-1)*v1, IEEE round to nearest.
        ([1.0, -1.0], 0.0),  # -1 + 1 = +0
        ([0.0, -0.0], 0.0),  # -0 + +0 = +0
        ([-0.0, -0.0], 0.0),  # +0 + +0 = +0
        ([0.0, 0.0], -0.0),  # -0 + -0 = -0
    ],
)
def test_two_taps_of_weight_minus_one_keep_the_sign_of_zero(v, expected):
    for groups, x in ((1, np.array([[v]])), (2, np.array([[v, v]]))):
        w = np.full((groups, 1, 2), -1.0)
        got = conv(x, w, groups=groups, method="direct")
        assert np.all(got == expected) and np.all(np.signbit(got) == np.signbit(expected)), (groups, got)


# --- the direct method's contracts at its edges (found by the mutation run of methods/direct.py) --------


@pytest.mark.parametrize("stride", [1, 2])  # stride 1: the flat im2col; stride 2: the per-tap columns
def test_direct_layers_give_ieee_classes_without_warnings(stride):
    # inf * 0 is NaN and 1e200 * 1e200 overflows to inf, as BLAS gives them, and no RuntimeWarning
    # escapes (an implementation under test is not told about refconv's own arithmetic).
    x = np.ones((1, 2, 4))
    x[0, 0, 0] = np.inf
    x[0, 1, 2] = 1e200
    w = np.ones((1, 2, 2))
    w[0, 0, 1] = 0.0
    w[0, 1, 0] = 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = conv(x, w, stride=stride, method="direct")
    # By hand, output j reads x[0, j:j+2] . [1, 0] + x[1, j:j+2] . [1e200, 1]: output 0 is
    # inf + 0 + 1e200 + 1 = inf; output 1 is 1 + 0 + 1e200 + 1e200 = 2e200 (the 1 is lost);
    # output 2 is 1 + 0 + 1e200 * 1e200 (overflow: inf) + 1 = inf.
    assert y[0, 0, 0] == np.inf
    if stride == 1:
        assert y[0, 0].tolist() == [np.inf, 2e200, np.inf]
    w[0, 0, 0] = 0.0  # now inf * 0: NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(conv(x, w, stride=stride, method="direct")[0, 0, 0])
        # The adjoint (conv_transpose's direct method, col2im) as well: inf * 0 and an overflow.
        t = refconv.conv_transpose(x, w.swapaxes(0, 1), stride=stride, method="direct")
        assert np.isnan(t[0, 0, 0]) and np.isinf(t).any()


def test_direct_conv_transpose_sums_in_its_dtype():
    # conv_transpose's direct method sums each cell's contributions in the operands' dtype; with
    # one channel its stride phase is a view sum, in the order of the input cells the
    # contributions come from (refconv.spec.adjoint_phases reverses the taps).  Output 2 of
    # [1, 2**-24, 2**-24] (float32) against [1, 1, 1] receives 1 (from x[0]), then 2**-24 twice:
    # in float32 each addition ties back to 1; summed wider it would be 1 + 2**-23.
    e = np.float32(2.0**-24)
    x = np.array([[[1.0, e, e]]], dtype=np.float32)
    w = np.ones((1, 1, 3), dtype=np.float32)
    y = refconv.conv_transpose(x, w, method="direct")
    assert y.dtype == np.float32
    assert y[0, 0, 2] == np.float32(1.0) and float(refconv.exact("conv_transpose", x, w)[0, 0, 2]) == 1 + 2.0**-23


@pytest.mark.parametrize(
    ("x_dtype", "w_dtype", "item", "tasks"),
    [
        (np.float64, np.float64, 8, True),
        (np.float32, np.float32, 4, True),
        (np.complex128, np.float64, 16, True),
        (np.int64, np.int64, 8, True),  # float64 limbs through the same tasks
        (np.float16, np.float16, 8, False),  # no BLAS: the whole batch's chunk, 8 bytes a cell at least
        (object, object, 8, False),
        (object, np.int64, 8, False),
        (np.int64, object, 8, False),
        (np.complex64, np.complex64, 8, True),  # the operands' itemsize, not float64's
        (np.float64, np.complex128, 16, True),  # the result type of both operands
    ],
)
def test_the_working_set_of_the_direct_method_by_hand(x_dtype, w_dtype, item, tasks):
    # One channel in and out per group (x's Ci and w's Co are 1): the view sum holds nothing more.
    spec = plain_spec("t", (6,), (2,))
    assert direct.working_set(np.ones((2, 3, 1, 6), x_dtype), np.ones((3, 1, 1, 2), w_dtype), spec) == 0
    # Channels, B=2, G=3, Ci=2, Co=4, 2 taps, 5 outputs: 2 channels stack 4 columns, so im2col.
    x, w = np.ones((2, 3, 2, 6), x_dtype), np.ones((3, 4, 2, 2), w_dtype)
    if tasks:
        # One task per image and group (its 5 outputs are far under TASK_BYTES): 6 tasks, each
        # stacking Ci*T = 4 columns of 5 outputs.
        assert direct.working_set(x, w, spec) == 6 * (2 * 2 * 5 * item)
    else:
        # The batch's im2col: a tap is B*G*Ci*outputs cells; both taps fit the budget.
        assert direct.working_set(x, w, spec) == 2 * 3 * 2 * 5 * item * 2
    # One input channel but four outputs per group is not the view sum.
    one_in = direct.working_set(np.ones((2, 3, 1, 6), x_dtype), np.ones((3, 4, 1, 2), w_dtype), spec)
    assert one_in == (6 * (1 * 2 * 5 * item) if tasks else 2 * 3 * 5 * item * 2)


def test_the_working_set_of_stride_1_tasks_by_hand():
    # 8 -> 16 channels, 3x3 stride 1 padding 1 on 10x12, float32, 2 images: one GEMM per tap on
    # padded rows 14 wide.  A task's rows: TASK_BYTES // (14 * (8 + 16) * 4) = 1560, so all 10
    # output rows, one task per image.  Each holds its padded rows, 10 + 2 of them (the kernel
    # reaches 2 rows further), of 8 channels, and 10 wide output rows of 16 channels.
    spec = plain_spec("t", (10, 12), (3, 3), mode=((1, 1), (1, 1)))
    x, w = np.ones((2, 1, 8, 10, 12), np.float32), np.ones((1, 16, 8, 3, 3), np.float32)
    assert direct.working_set(x, w, spec) == 2 * (8 * 12 + 16 * 10) * 14 * 4
    # A row past TASK_BYTES makes a task of that one row: 3 taps along 1 axis, n = 2**20 + 2.
    long = plain_spec("t", (2**20 + 2,), (3,))
    x, w = np.ones((1, 1, 64, 2**20 + 2), np.float32), np.ones((1, 64, 64, 3), np.float32)
    # 1-D: the first axis is the only one, rows of one output; TASK_BYTES // ((64+64)*4) = 4096
    # outputs a task, 256 tasks, at most MAX_THREADS (64) in flight.
    per_task = (64 * (4096 + 2) + 64 * 4096) * 4
    assert direct.working_set(x, w, long) == 64 * per_task


@pytest.mark.performance_contract
def test_the_float_tasks_stay_within_the_working_set():
    # Measured: a stride-1 float64 layer of 20 tasks (10 images x 2 runs of rows: TASK_BYTES //
    # (98 * (16 + 16) * 8) = 83 rows of the 96) holds at most its working set besides the output
    # (its wide rows), on one thread or two.
    import tracemalloc

    x = np.ones((10, 16, 96, 96))
    w = np.ones((16, 16, 3, 3))
    spec_ = refconv.spec.layer_spec("t", x.shape[2:], w.shape[2:], padding=1)
    model = direct.working_set(x[:, None], w[None], spec_)
    for threads in (1, 2):
        with threadpool_limits(threads):
            refconv.conv(x, w, padding=1, method="direct")
            tracemalloc.start()
            y = refconv.conv(x, w, padding=1, method="direct")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        wide = y.base.nbytes if y.base is not None else y.nbytes  # rows as long as a padded row
        assert y[0, 0, 1, 1] == 16 * 9
        assert 0 < peak - wide <= model
    # 20 tasks of about TASK_BYTES, counted as if all ran at once: under the batch's im2col.
    assert model == 20 * (16 * (83 + 2) + 16 * 83) * 98 * 8 < 10 * 16 * 96 * 96 * 8 * 9 / 2


def test_an_empty_batch_keeps_its_shape_and_dtype_in_the_view_sum():
    # A depthwise layer (one channel per group) over zero images: torch returns the (0, C, L) shape.
    y = conv(np.ones((0, 2, 5), np.float32), np.ones((2, 1, 2), np.float32), groups=2, method="direct")
    assert y.shape == (0, 2, 4) and y.dtype == np.float32
    # The channel form (B, G, 1, *out) of the view sum itself, for zero images.
    spec = plain_spec("t", (5,), (2,))
    for dtype in (np.float32, np.int64):
        y = direct.correlate_direct(np.ones((0, 3, 1, 5), dtype), np.ones((3, 1, 1, 2), dtype), spec)
        assert y.shape == (0, 3, 1, 4) and y.dtype == dtype


def test_fractions_from_coprime_parts_are_not_renormalised():
    # The output Fractions are built from parts already in lowest terms, skipping the gcd; the
    # constructor found at import must keep what it is given (2/4 stays 2/4 only on this shortcut).
    make = _rational._probe_from_coprime()
    assert make(3, 5) == Fraction(3, 5) and make(2, 4).denominator == 4


@st.composite
def _transposed_layers(draw):
    """A conv_transpose call on small integers (exact in float64): (x, w, keyword arguments)."""
    ndim, groups = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    s = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    d = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    m = tuple(draw(st.integers(1, 5)) for _ in range(ndim))
    op = tuple(draw(st.integers(0, max(ss, dd) - 1)) for ss, dd in zip(s, d))
    # padding leaving an output: (m-1)*s + d*(k-1) + 1 - 2*p + op >= 1
    p = tuple(
        draw(st.integers(0, ((mm - 1) * ss + dd * (kk - 1) + o) // 2)) for mm, ss, dd, kk, o in zip(m, s, d, k, op)
    )
    ci, co = groups * draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = draw(hnp.arrays(np.float64, (draw(st.integers(1, 2)), ci, *m), elements=st.integers(-9, 9)))
    w = draw(hnp.arrays(np.float64, (ci, co, *k), elements=st.integers(-9, 9)))
    return x, w, dict(stride=s, dilation=d, padding=p, output_padding=op, groups=groups)


@given(_transposed_layers())
def test_conv_transpose_by_stride_phases_equals_col2im_and_the_definition(case):
    # The direct method runs the adjoint as one stride-1 correlation per stride phase
    # (refconv.spec.adjoint_phases); col2im forms the definition's products one tap at a time.
    # On small integers both are exact in float64, so they agree bit for bit, with the sparse
    # matrix's adjoint too.
    x, w, kw = case
    got = refconv.conv_transpose(x, w, method="direct", **kw)
    layer_spec = refconv.spec.transpose_spec("t", x.shape[2:], w.shape[2:], **{k: kw[k] for k in kw if k != "groups"})
    g = kw["groups"]
    y = x.reshape(x.shape[0], g, -1, *x.shape[2:])
    wc = w.reshape(g, -1, *w.shape[1:])
    by_col2im = adjoint._col2im(y, wc, layer_spec).reshape(got.shape)
    assert got.tolist() == by_col2im.tolist()
    assert got.tolist() == refconv.conv_transpose(x.astype(int), w.astype(int), method="sparse", **kw).tolist()


# ---- the stride-1 GEMM kernel and the stride phases at their edges (the mutation run of direct.py) ----


def _brute_layer(x, w, padding):
    """conv (one group, stride 1, zero padding) by its definition, in Python ints."""
    xp = np.pad(x.astype(object), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k0, k1 = w.shape[2:]
    h, v = xp.shape[2] - k0 + 1, xp.shape[3] - k1 + 1
    out = np.zeros((x.shape[0], w.shape[0], h, v), dtype=object)
    for n, c, i, j in np.ndindex(out.shape):
        out[n, c, i, j] = int((xp[n, :, i : i + k0, j : j + k1] * w[c].astype(object)).sum())
    return out


def test_int64_layers_split_their_limbs_by_the_products_each_output_sums():
    # 64 input channels of a 2x2 kernel on a 2x2 image: the centre output sums 64*4 = 256
    # products of 24- and 23-bit integers, about 2**55 in all.  A float64 limb pair is exact only
    # while 256 * 2**(p+q) <= 2**53, so the limbs must be planned for 256 terms (p + q <= 45),
    # not for the spatial extent (2*2 terms would allow 47 bits: one pair, and sums past 2**53
    # that round).  Python ints are the brute force; every output fits int64.
    rng = np.random.default_rng(4)
    x = 2**24 - rng.integers(1, 2**10, (1, 64, 2, 2))
    w = 2**23 - rng.integers(1, 2**10, (3, 64, 2, 2))
    got = refconv.conv(x, w, padding=1, method="direct")
    assert got.dtype == np.int64 and got.tolist() == _brute_layer(x, w, 1).tolist()
    assert got[0, 0, 1, 1] > 2**54
    # The transposed layer is its adjoint: the same sums, through the stride phases.
    y = 2**24 - rng.integers(1, 2**10, (1, 64, 2, 2))
    t = refconv.conv_transpose(y, w.swapaxes(0, 1).copy(), method="direct")
    expected = _brute_layer(y, np.flip(w.swapaxes(0, 1), (2, 3)).swapaxes(0, 1).copy(), 1)
    assert t.dtype == np.int64 and t.tolist() == expected.tolist()


@pytest.mark.parametrize("budget", [1, 40, 1 << 28])  # 40: one tap of 32 bytes per chunk (2 channels)
def test_conv_transpose_with_an_infinite_weight_is_the_definition(budget):
    # A stride phase pads y with zeros, and 0 * inf is NaN: products the definition does not have.
    # An infinite weight takes col2im instead, which forms only the definition's products, in the
    # operands' dtype, without warnings, whatever its tap chunks.  By hand, one channel:
    # out = [1*inf, 1*1 + 1*inf, 1*1] = [inf, inf, 1]; two channels double every finite term.
    with mock.patch.object(direct, "IM2COL_BUDGET", budget), warnings.catch_warnings():
        warnings.simplefilter("error")
        for c in (1, 2):
            x = np.ones((1, c, 2), np.float32)
            w = np.ones((c, c, 2), np.float32)
            w[:, :, 0] = np.inf
            got = refconv.conv_transpose(x, w, method="direct")
            assert got.dtype == np.float32 and got[0].tolist() == [[np.inf, np.inf, float(c)]] * c
            # inf * 0 inside col2im's GEMM is NaN, as the definition's product is; no warning.
            x[0, 0, 1] = 0.0
            assert np.isnan(refconv.conv_transpose(x, w, method="direct")[0, 0, 1])
            # A product past float32's range is inf (out[2] = 3e38 * 10), again without a warning.
            x[0, 0, 1], w[0, 0, 1] = 3e38, 10.0
            assert refconv.conv_transpose(x, w, method="direct")[0, 0, 2] == np.inf


@pytest.mark.parametrize("rows", [1, 2, 3, 100])
def test_stride_1_tasks_of_rows_with_padding_equal_the_definition(monkeypatch, rows):
    monkeypatch.setattr(direct, "FLAT_CHANNELS", 1)  # their few channels through the flat GEMMs
    # Tasks of a few output rows start below the top padding and read their slab's rows shifted
    # by it; with padding 2 and a 5x3 kernel every task's slab mixes pad and input.  The
    # transposed layer's phases write their tasks' rows into every other row of the output.
    rng = np.random.default_rng(8)
    x = rng.integers(-9, 10, (2, 3, 6, 7))
    w = rng.integers(-9, 10, (4, 3, 5, 3))
    with mock.patch.object(direct, "_task_rows", lambda first_axis, row, per_position: rows):
        assert refconv.conv(x, w, padding=2, method="direct").tolist() == _brute_layer(x, w, 2).tolist()
        floats = refconv.conv(x.astype(float), w.astype(float), padding=2, method="direct")
        assert floats.tolist() == _brute_layer(x, w, 2).tolist()
        # conv_transpose's phases in tasks of rows: stride 2, kernel 4, padding 1.
        y = x.astype(float)
        wt = w[:, :, :4, :].astype(float).swapaxes(0, 1).copy()
        got = refconv.conv_transpose(y, wt, stride=2, padding=1, method="direct")
        assert got.tolist() == refconv.conv_transpose(y, wt, stride=2, padding=1, method="sparse").tolist()


@pytest.mark.performance_contract
def test_stride_1_tasks_compute_each_output_row_once(monkeypatch):
    monkeypatch.setattr(direct, "FLAT_CHANNELS", 1)  # their few channels through the flat GEMMs
    # x (2, 3, 6, 7), w (4, 3, 3, 3), padding 1: 6 output rows of padded length 9; a task holds
    # (3 + 4 channels) * 8 bytes per position, so TASK_BYTES = 9*56*2 makes tasks of 2 rows:
    # per image, rows 0-1, 2-3, 4-5, each slab reaching 2 rows below its last output row.
    seen = []
    slab = direct._padded_rows

    def spy(planes, lo, plane, r0, r1):
        seen.append((r0, r1))
        return slab(planes, lo, plane, r0, r1)

    monkeypatch.setattr(direct, "_padded_rows", spy)
    monkeypatch.setattr(direct, "TASK_BYTES", 9 * 56 * 2)
    x, w = np.ones((2, 3, 6, 7)), np.ones((4, 3, 3, 3))
    assert (refconv.conv(x, w, padding=1, method="direct")[:, :, 1:-1, 1:-1] == 27).all()
    assert sorted(seen) == sorted([(0, 4), (2, 6), (4, 8)] * 2)


# ---- the direct method's documented economies and budgets, pinned at their boundaries ----------------


_FRACTION_ARITHMETIC = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__"]


@pytest.mark.performance_contract
def test_exact_rationals_are_summed_as_scaled_integers_without_fraction_arithmetic(monkeypatch):
    # Module docstring: int/Fraction entries are scaled to integers by the common denominator and
    # divided back once per output, "far faster than a loop of Fraction operations": the method
    # forms no Fraction product or sum.  By hand (D = 4 * 6 = 24):
    # 1/2 * 3/4 + 2/3 * 2 = 41/24, 2/3 * 3/4 + 1 * 2 = 5/2, 1 * 3/4 - 5/4 * 2 = -7/4.
    x = np.array([Fraction(1, 2), Fraction(2, 3), 1, Fraction(-5, 4)], dtype=object)
    w = np.array([Fraction(3, 4), 2], dtype=object)
    expected = [Fraction(41, 24), Fraction(5, 2), Fraction(-7, 4)]
    calls = []
    for name in _FRACTION_ARITHMETIC:
        real = getattr(Fraction, name)
        monkeypatch.setattr(Fraction, name, lambda a, b, real=real: (calls.append(1), real(a, b))[1])
    got = direct.correlate_direct(x[None, None, None], w[None, None, None], plain_spec("t", (4,), (2,)))
    monkeypatch.undo()
    assert got[0, 0, 0].tolist() == expected and all(type(v) is Fraction for v in got.flat)
    assert calls == []


@pytest.mark.performance_contract
def test_the_scaling_budget_and_the_int64_choice_at_their_boundaries():
    lead = (None, None, None)
    # The lcm is refused only once it *exceeds* the bits allowed: 2**10 has 11 bits, 3 * 2**10 has 12.
    assert _rational.common_denominator({2**10, 2}, 11) == 2**10
    assert _rational.common_denominator({2**10, 3}, 11) is None
    # One budget of SCALE_BITS for D = Dx * Dw: x's 2**600 (601 bits) leaves SCALE_BITS - 601 bits for w.
    bits = _rational.SCALE_BITS
    x = np.array([Fraction(1, 2**600)], dtype=object)[lead]
    fits = _rational.scaled_integers(x, np.array([Fraction(1, 2 ** (bits - 602))], dtype=object)[lead])
    assert fits is not None and fits[2] == 2 ** (bits - 2)
    assert _rational.scaled_integers(x, np.array([Fraction(1, 2 ** (bits - 601))], dtype=object)[lead]) is None
    # int64 exactly while every partial sum fits: max|X| * sum|W| = (2**63 - 1) * 1 does.
    X, W, d, _ = _rational.scaled_integers(
        np.array([Fraction(2**63 - 1, 2)], dtype=object)[lead], np.array([1], dtype=object)[lead]
    )
    assert X.dtype == W.dtype == np.int64 and X.ravel().tolist() == [2**63 - 1] and d == 2
    # The bound is per output channel (refconv._arith's rule with lead=2: one sum per (group, Co)):
    # two groups of weight 1 each bound every output by 2**62, not by 2**62 * (1 + 1) = 2**63.
    X, W, d, _ = _rational.scaled_integers(
        np.array([Fraction(2**62, 3), Fraction(1, 3)], dtype=object).reshape(1, 2, 1, 1),
        np.array([1, 1], dtype=object).reshape(2, 1, 1, 1),
    )
    assert X.dtype == W.dtype == np.int64 and X.ravel().tolist() == [2**62, 1] and d == 3


@pytest.mark.performance_contract
def test_rescaled_outputs_are_built_from_coprime_parts_without_a_gcd_per_output(monkeypatch):
    # _rational.rescale reduces int64 sums by one vectorised np.gcd and builds each Fraction from
    # its coprime parts (the constructor's fast path): no Python gcd per output, up to a
    # denominator of exactly INT64_MAX.  Expected values by Fraction's own normalisation.
    import math

    cases = [
        (np.array([2, 3, -4, 0, 6]), 6),
        (np.array([7, 2**62, -(2**63) + 1]), 2**63 - 1),  # 2**63 - 1 = 7**2 * 73 * 127 * 337 * 92737 * 649657
    ]
    expected = [[Fraction(int(v), d) for v in y] for y, d in cases]
    gcds = []
    real_gcd = math.gcd
    monkeypatch.setattr(math, "gcd", lambda *a: (gcds.append(a), real_gcd(*a))[1])
    got = [_rational.rescale(y, d).tolist() for y, d in cases]
    monkeypatch.undo()
    assert got == expected
    assert gcds == []
    assert all(type(v) is Fraction and type(v.numerator) is int and type(v.denominator) is int for v in got[1])


@pytest.mark.performance_contract
@pytest.mark.parametrize(("kernel", "multiplies"), [([1.0, -1.0, 1.0], 0), ([2.0, 1.0], 1), ([-1.0, 3.0, 0.5], 2)])
def test_a_weight_every_group_shares_is_applied_once_and_a_shared_unit_weight_adds(monkeypatch, kernel, multiplies):
    # Module docstring: "a weight every group shares is applied as one Python number", and a
    # shared +1/-1 as an addition/subtraction: a depthwise layer of three groups with the same
    # kernel multiplies once per non-unit tap, as a plain correlation does.
    spy = _CountingNumpy(["multiply"])
    monkeypatch.setattr(direct, "np", spy)
    x = np.arange(2 * 3 * 6, dtype=np.float64).reshape(2, 3, 6) % 7 - 3
    w = np.tile(np.array(kernel), (3, 1, 1))
    got = conv(x, w, groups=3, method="direct")
    assert got.tolist() == [[_brute(x[b, g], kernel).tolist() for g in range(3)] for b in range(2)]
    assert spy.calls["multiply"] == multiplies
    # The column of weights per tap, by hand: shared taps as one number, the others tiled per plane.
    per_tap = direct._tap_weights(np.array([[1.0, 2.0, 0.0], [1.0, 3.0, -0.0]]), 2)
    assert per_tap[0] == 1.0 and type(per_tap[0]) is float
    assert per_tap[1].tolist() == [2.0, 3.0, 2.0, 3.0] and np.signbit(per_tap[2]).tolist() == [False, True] * 2


_PASSES = ["add", "subtract", "negative", "multiply", "copyto"]


@pytest.mark.performance_contract
@pytest.mark.parametrize(
    ("kernel", "passes"),
    [
        # By hand, each a pass over the output: [1, 1] is one addition v0 + v1, [1, -1] and [-1, 1]
        # one subtraction, [-1, -1] a negation and a subtraction ((-v0) - v1), [1, 2] the product
        # 2*v1 and the addition of v0, [2, -1] the product 2*v0 and a subtraction, a single tap of
        # weight 1 or -1 a copy or a negation.
        ([1.0, 1.0], 1),
        ([1.0, -1.0], 1),
        ([-1.0, 1.0], 1),
        ([-1.0, -1.0], 2),
        ([1.0, 2.0], 2),
        ([2.0, -1.0], 2),
        ([1.0, 1.0, -1.0], 2),
        ([1.0], 1),
        ([-1.0], 1),
    ],
)
def test_the_first_two_unit_taps_fuse_into_one_pass(monkeypatch, kernel, passes):
    # Module docstring: a weight of ±1 "saves a pass, and the first two taps fuse when both are ±1".
    spy = _CountingNumpy(_PASSES)
    monkeypatch.setattr(direct, "np", spy)
    x = np.array([1.5, -2.0, 4.0, 0.25, 8.0, -0.0])
    assert refconv.correlate(x, kernel, method="direct").tolist() == _brute(x, kernel).tolist()
    assert sum(spy.calls.values()) == passes


class _Opaque:
    """An object weight that multiplies numbers but cannot be compared with them (``==`` raises)."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        raise TypeError("an _Opaque weight has no equality with numbers")

    __hash__ = None

    def __mul__(self, other):
        return other * self.value

    __rmul__ = __mul__


def test_object_weights_without_an_equality_are_multiplied():
    # _is_unit: an exotic object entry whose comparison with 1 raises TypeError is not a ±1
    # weight; it is multiplied.  By hand, 2*x[i] + 3*x[i+1] and 5*x[i].
    x = np.array([1, -2, 4, 7], dtype=object)[None, None, None]
    w = np.array([_Opaque(2), _Opaque(3)], dtype=object)[None, None, None]
    got = direct.correlate_direct(x, w, plain_spec("t", (4,), (2,)))
    assert got[0, 0, 0].tolist() == [2 * 1 + 3 * -2, 2 * -2 + 3 * 4, 2 * 4 + 3 * 7]
    one = direct.correlate_direct(x, w[..., :1], plain_spec("t", (4,), (1,)))
    assert one[0, 0, 0].tolist() == [2, -4, 8, 14]


def _slab_cover(slabs, planes, first_axis):
    """How many times the blocks of :func:`direct._slabs` cover each (plane, output row)."""
    cover = np.zeros((planes, first_axis), dtype=int)
    for (p0, p1), rows in slabs:
        for r0, r1 in rows:
            cover[p0:p1, r0:r1] += 1
    return cover


@pytest.mark.performance_contract
@pytest.mark.parametrize(
    ("planes", "out", "expected"),
    [
        # SLAB_ELEMENTS = 12.  3 planes of 5 rows of 4: a plane does not fit (20), one row of
        # every plane fits exactly (3 * 4 = 12): blocks of 12 // 12 = 1 row of all 3 planes.
        (3, (5, 4), [((0, 3), [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)])]),
        # 7 planes of 3 rows of 2: a row of every plane does not fit (14), a whole plane does (6):
        # blocks of 12 // 6 = 2 planes.
        (7, (3, 2), [((0, 2), [(0, 3)]), ((2, 4), [(0, 3)]), ((4, 6), [(0, 3)]), ((6, 7), [(0, 3)])]),
        # 3 planes of 4 rows of 5: neither fits (15, 20): per plane, blocks of 12 // 5 = 2 rows.
        (3, (4, 5), [((p, p + 1), [(0, 2), (2, 4)]) for p in range(3)]),
        # A row of 13 outputs is past the slab: one row at a time, never more.
        (2, (3, 13), [((p, p + 1), [(0, 1), (1, 2), (2, 3)]) for p in range(2)]),
        # 4 planes of 3x3: a plane fits (9) and so does a row of every plane (12): whole planes
        # come first, 12 // 9 = 1 per block (a slab of one-row runs across many planes makes
        # NumPy loop over short rows: the depthwise layer ran 3x slower so).
        (4, (3, 3), [((p, p + 1), [(0, 3)]) for p in range(4)]),
    ],
)
def test_slabs_by_hand(monkeypatch, planes, out, expected):
    # _slabs: blocks of about SLAB_ELEMENTS outputs (float64) — whole planes when one fits, else
    # rows of every plane when one row of each fits, else rows of one plane — covering every
    # output exactly once.
    monkeypatch.setattr(direct, "SLAB_ELEMENTS", 12)
    spec = plain_spec("t", (out[0], out[1] + 2), (1, 3))  # three taps (two or fewer are one block)
    slabs = direct._slabs(planes, spec, np.dtype(np.float64))
    assert slabs == expected
    assert (_slab_cover(slabs, planes, out[0]) == 1).all()
    # Two taps (fused into one pass) or Python objects: nothing to keep in cache, one block.
    assert direct._slabs(planes, spec, np.dtype(object)) == [((0, planes), [(0, out[0])])]
    two = plain_spec("t", (out[0], out[1] + 1), (1, 2))
    assert direct._slabs(planes, two, np.dtype(np.float64)) == [((0, planes), [(0, out[0])])]


def test_slabs_hold_the_same_bytes_in_every_dtype(monkeypatch):
    # SLAB_ELEMENTS counts float64 outputs: float32 slabs hold twice as many, complex128 half.
    # 7 planes of 3x2 with SLAB_ELEMENTS = 12: float64 2 planes a block, float32 24 // 6 = 4,
    # complex128 6 // 6 = 1.
    monkeypatch.setattr(direct, "SLAB_ELEMENTS", 12)
    spec = plain_spec("t", (3, 4), (1, 3))
    assert direct._slabs(7, spec, np.dtype(np.float32)) == [((0, 4), [(0, 3)]), ((4, 7), [(0, 3)])]
    assert direct._slabs(7, spec, np.dtype(np.complex128)) == [((p, p + 1), [(0, 3)]) for p in range(7)]


@pytest.mark.performance_contract
def test_the_reused_slab_buffer_holds_one_slab(monkeypatch):
    # Eight 6x6 planes (2 images of a depthwise layer of 4 groups) with SLAB_ELEMENTS = 36: a row of
    # every plane does not fit (48), one plane does: one plane per slab, so the buffer each slab is
    # padded into (refconv._taps.slab_padder) holds one plane, not eight.
    monkeypatch.setattr(direct, "SLAB_ELEMENTS", 36)
    most = []
    real = direct.slab_padder  # eight slabs: a buffer per thread

    def recording(planes, spec, n, *, per_thread):
        most.append(n)
        return real(planes, spec, n, per_thread=per_thread)

    monkeypatch.setattr(direct, "slab_padder", recording)
    x = np.arange(8 * 36, dtype=np.float64).reshape(2, 4, 6, 6) % 5 - 2
    w = np.arange(4 * 9, dtype=np.float64).reshape(4, 1, 3, 3) % 3 - 1
    kw = dict(stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=4, padding_mode="zeros")
    assert conv(x, w, method="direct", **kw).tolist() == _depthwise_brute(x, w, kw).tolist()
    assert most == [1]


@pytest.mark.performance_contract
def test_stride_1_views_are_one_flat_run_per_plane(monkeypatch):
    # Module docstring: "with every stride 1 a tap's view of a slab is one flat run of memory per
    # plane": each view _tap_sum adds is (planes, run), contiguous.  A stride keeps 2-D views.
    ndims = []
    real = direct._tap_sum

    def spy(views, weights, out):
        views = list(views)
        ndims.extend((v.ndim, v.strides[-1] == v.itemsize) for v in views)
        return real(views, weights, out)

    monkeypatch.setattr(direct, "_tap_sum", spy)
    x = np.arange(6 * 7, dtype=np.float64).reshape(6, 7) % 5 - 2
    w = np.array([[1.0, 2.0, -1.0], [0.5, 3.0, 1.0]])
    assert refconv.correlate(x, w, method="direct").tolist() == _brute(x, w).tolist()
    assert ndims == [(2, True)] * 6
    ndims.clear()
    assert refconv.correlate(x, w, stride=(2, 1), method="direct").tolist() == _brute(x, w, stride=(2, 1)).tolist()
    assert ndims == [(3, True)] * 6


class _Counted:
    """A Python object entry that counts the products formed with it."""

    products = 0

    def __init__(self, value):
        self.value = value

    def __mul__(self, other):
        _Counted.products += 1
        return _Counted(self.value * other)

    def __add__(self, other):
        return _Counted(self.value + other.value)


@pytest.mark.performance_contract
def test_object_entries_form_one_product_per_tap_and_output():
    # Python objects are summed over their views with no flat runs: the flat runs' extra outputs
    # (each row's tail, computed and dropped) would cost a Python product each.  A 4x5 image and
    # a 2x2 kernel: 3x4 outputs, 4 taps, 48 products.
    values = np.arange(20).reshape(4, 5) % 7 - 3
    x = np.empty((4, 5), dtype=object)
    for i, j in np.ndindex(4, 5):
        x[i, j] = _Counted(int(values[i, j]))
    w = np.array([[2, 3], [5, 7]], dtype=object)
    _Counted.products = 0
    got = direct.correlate_direct(x[None, None, None], w[None, None, None], plain_spec("t", (4, 5), (2, 2)))
    assert _Counted.products == 4 * 3 * 4
    assert [[v.value for v in row] for row in got[0, 0, 0]] == _brute(values, w).tolist()


@pytest.mark.performance_contract
def test_a_one_block_flat_sum_allocates_one_output(monkeypatch):
    # One block (a small stride-1 problem): the flat sum's wide rows are the output itself,
    # returned as a view, with no second output-sized array.  150x200 outputs, unit weights (no
    # product scratch): the wide rows are 150 x 201 float64, about one output.
    import tracemalloc

    x = np.arange(151 * 201, dtype=np.float64).reshape(1, 1, 1, 151, 201) % 9
    w = np.array([[1.0, 1.0], [-1.0, 1.0]]).reshape(1, 1, 1, 2, 2)
    spec = plain_spec("t", (151, 201), (2, 2))
    direct.correlate_direct(x, w, spec)  # warm the cached plans
    tracemalloc.start()
    try:
        y = direct.correlate_direct(x, w, spec)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert y.shape == (1, 1, 1, 150, 200)
    v = x[0, 0, 0]
    assert np.array_equal(y[0, 0, 0], v[:-1, :-1] + v[:-1, 1:] - v[1:, :-1] + v[1:, 1:])
    assert peak < 1.5 * y.nbytes, (peak, y.nbytes)


def test_a_task_slab_is_its_padded_rows():
    # _padded_rows: padded rows r0 .. r1-1 of the planes, channel-first, C-contiguous, and nothing more.
    planes = np.arange(2 * 3 * 4).reshape(2, 3, 4) + 1  # Ci = 2 planes of 3x4
    padded = np.zeros((2, 6, 7), dtype=planes.dtype)
    padded[:, 1:4, 2:6] = planes  # 1 row and 2 columns into a 6x7 plane of zeros
    for r0, r1 in [(0, 6), (2, 5), (3, 6), (4, 6), (0, 1), (5, 6)]:
        slab = direct._padded_rows(planes, (1, 2), (6, 7), r0, r1)
        assert slab.shape == (2, r1 - r0, 7) and slab.flags.c_contiguous
        assert slab.tolist() == padded[:, r0:r1].tolist()


@pytest.mark.performance_contract
def test_stride_1_gemms_read_each_tap_in_place(monkeypatch):
    monkeypatch.setattr(direct, "FLAT_CHANNELS", 1)  # their few channels through the flat GEMMs
    # _gemm_tasks: one GEMM per tap on a view of the task's padded slab, no im2col copy.
    # x (1, 3, 6, 8), w (4, 3, 2, 3): one task, 5x6 outputs span (5-1)*8 + 6 = 38 flat positions,
    # and the 6 taps read them at flat offsets 0, 1, 2, 8, 9, 10; with dilation (1, 2) the kernel
    # spans 5 columns, so 5x4 outputs span (5-1)*8 + 4 = 36 positions, read at 0, 2, 4, 8, 10, 12.
    calls = []
    real = direct.shifted_gemm_sum

    def spy(a, b, offsets, c):
        calls.append((a.shape, b.shape, list(offsets), c.shape))
        return real(a, b, offsets, c)

    monkeypatch.setattr(direct, "shifted_gemm_sum", spy)
    x = np.arange(3 * 6 * 8, dtype=np.float64).reshape(1, 3, 6, 8) % 7 - 3
    w = np.arange(4 * 3 * 2 * 3, dtype=np.float64).reshape(4, 3, 2, 3) % 5 - 2
    assert conv(x, w, method="direct").tolist() == _brute_layer(x, w, 0).tolist()
    assert calls == [((6, 4, 3), (3, 48), [0, 1, 2, 8, 9, 10], (4, 38))]
    calls.clear()
    dilated = conv(x, w, dilation=(1, 2), method="direct")
    assert dilated.tolist() == conv(x.astype(int), w.astype(int), dilation=(1, 2), method="sparse").tolist()
    assert calls == [((6, 4, 3), (3, 48), [0, 2, 4, 8, 10, 12], (4, 36))]


@st.composite
def _strided_layers(draw):
    """A layer with strides (and dilations, padding, groups, a padding mode) and small integers:
    exact in int64 and float64, for comparison with the sparse matrix method."""
    ndim = draw(st.integers(1, 3))
    groups, ci, co = draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    kernel = draw(st.tuples(*[st.integers(1, 3)] * ndim))
    dilation = draw(st.tuples(*[st.integers(1, 2)] * ndim))
    stride = draw(st.tuples(*[st.integers(1, 4)] * ndim))
    padding = draw(st.tuples(*[st.integers(0, 2)] * ndim))
    reach = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    shape = tuple(draw(st.integers(max(1, r - 2 * p, p + 1), 8)) for r, p in zip(reach, padding))
    mode = draw(st.sampled_from(["zeros", "reflect", "circular"]))
    x = draw(hnp.arrays(np.int64, (2, ci * groups, *shape), elements=st.integers(-5, 5)))
    w = draw(hnp.arrays(np.int64, (co * groups, ci, *kernel), elements=st.integers(-3, 3)))
    kw = dict(stride=stride, dilation=dilation, padding=padding, groups=groups, padding_mode=mode)
    return x, w, kw


@given(_strided_layers(), st.sampled_from([1, 200, 1 << 21]))
def test_im2col_tasks_equal_the_sparse_matrix(case, task):
    # _im2col_tasks: per image, group and run of output rows (TASK_BYTES of 1 and 200 bytes cut
    # one or a few rows per task), every tap's views stacked and multiplied into the output; the
    # same for Ci below FLAT_CHANNELS at stride 1.  Exact on small integers in every dtype.
    x, w, kw = case
    expected = conv(x, w, method="sparse", **kw).tolist()
    with mock.patch.object(direct, "TASK_BYTES", task):
        for dtype in (np.int64, np.float64, np.float32, np.complex128):
            assert conv(x.astype(dtype), w.astype(dtype), method="direct", **kw).tolist() == expected


@given(_strided_layers(), st.sampled_from([np.float32, np.float64]), st.data(), st.sampled_from([200, 1 << 21]))
def test_channel_layers_stay_within_the_direct_bound(case, dtype, data, task):
    # Every channels kernel (one GEMM per tap at stride 1 from FLAT_CHANNELS channels, im2col in
    # tasks otherwise; one or a few rows per task) on floats Hypothesis draws: within
    # error_bound's direct class of the exact sum (the direct method on Fractions).
    x, w, kw = case
    floats = st.floats(-100, 100, width=32, allow_subnormal=False)
    x = data.draw(hnp.arrays(dtype, x.shape, elements=floats), label="x")
    w = data.draw(hnp.arrays(dtype, w.shape, elements=floats), label="w")
    with mock.patch.object(direct, "TASK_BYTES", task):
        got = conv(x, w, method="direct", **kw)
    exact_of = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])
    exact = conv(exact_of(x), exact_of(w), method="direct", **kw)
    bound = np.asarray(refconv.error_bound(x, w, op="conv", method="direct", **kw))
    assert got.dtype == dtype and got.shape == exact.shape
    errors = [abs(Fraction(float(a)) - e) for a, e in zip(got.flat, exact.flat)]
    assert all(err <= Fraction(float(b)) for err, b in zip(errors, bound.flat))


@pytest.mark.performance_contract
def test_im2col_tasks_hold_one_task_of_columns_per_thread(monkeypatch):
    # x (1, 3, 130, 130) float64, w (4, 3, 3, 3), stride 2: 64 output rows of 64, 27 columns per
    # output position.  With TASK_BYTES = 64 * (27 + 4) * 8 * 8 a task holds 8 rows: 8 tasks, each
    # stacking 27 x 512 columns (110,592 bytes).  Stacking the whole image would hold 884,736.
    import tracemalloc

    monkeypatch.setattr(direct, "TASK_BYTES", 64 * (27 + 4) * 8 * 8)
    seen = []
    real = direct.gemm_into
    monkeypatch.setattr(direct, "gemm_into", lambda a, b, c: (seen.append(b.shape), real(a, b, c))[1])
    x, w = np.ones((1, 3, 130, 130)), np.ones((4, 3, 3, 3))
    refconv.conv(x, w, stride=2, method="direct")  # caches filled once, not measured
    seen.clear()
    tracemalloc.start()
    y = refconv.conv(x, w, stride=2, method="direct")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert y.tolist() == np.full((1, 4, 64, 64), 27.0).tolist()
    assert seen == [(27, 512)] * 8
    padded = 0  # no padding: the input itself is the padded array
    assert peak - y.nbytes - padded < 3 * 27 * 512 * 8  # a task per thread (2 here), with room


@pytest.mark.performance_contract
def test_stride_1_results_are_views_of_rows_no_wider_than_twice_the_outputs():
    # _flat_gemm writes into rows as long as a padded row and returns the view without their
    # tails, unless a padded row is more than twice an output row: then the wide rows would be
    # mostly tails (memory the output's budget does not count), and the rows are copied into a
    # plain output.  (2, 4, 9, 7) with 3x3 padding 1: rows of 9 for 7 outputs, a view;
    # (2, 4, 40, 1) with 3x3 padding 1: rows of 3 for 1 output, a plain C-contiguous array.
    rng = np.random.default_rng(4)
    for shape, strided in [((2, 4, 9, 7), True), ((2, 4, 40, 1), False)]:
        x = rng.integers(-9, 10, shape)
        w = rng.integers(-9, 10, (5, 4, 3, 3))
        got = conv(x.astype(np.float64), w.astype(np.float64), padding=1, method="direct")
        assert got.tolist() == _brute_layer(x, w, 1).tolist()
        assert got.flags.c_contiguous is not strided


@pytest.mark.performance_contract
def test_stride_1_task_sizes_by_hand():
    # Rows per task: TASK_BYTES // (row * per_position) bytes' worth, at most the rows there are,
    # at least one.
    task = direct.TASK_BYTES
    assert direct._task_rows(1000, 1000, 100) == task // 100_000 < 1000
    assert direct._task_rows(10, 1, 1) == 10
    assert direct._task_rows(10, 1000, task) == 1  # one row is past the budget: one row per task


@pytest.mark.performance_contract
@pytest.mark.parametrize("padding", [(0, 1), (1, 0), (2, 1)])
def test_stride_1_tasks_write_a_zero_padding_around_their_slabs(monkeypatch, padding):
    monkeypatch.setattr(direct, "FLAT_CHANNELS", 1)  # their few channels through the flat GEMMs
    # _gemm_tasks: a constant (zero) boundary is written into each task's slab around the interior,
    # with no padded copy of the whole input, also when an axis has no padding; another boundary
    # is padded once.
    copies = []
    real = direct.pad

    def spy(x, *args, **kwargs):
        out = real(x, *args, **kwargs)
        copies.append(out is not x)
        return out

    monkeypatch.setattr(direct, "pad", spy)
    rng = np.random.default_rng(11)
    x = rng.integers(-9, 10, (2, 3, 5, 6))
    w = rng.integers(-9, 10, (4, 3, 3, 2))
    pads = ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2)
    got = conv(x.astype(np.float64), w.astype(np.float64), padding=padding, method="direct")
    assert got.tolist() == _brute_layer(np.pad(x, pads), w, 0).tolist()
    assert True not in copies
    got = conv(x.astype(np.float64), w.astype(np.float64), padding=padding, padding_mode="reflect", method="direct")
    assert got.tolist() == _brute_layer(np.pad(x, pads, mode="reflect"), w, 0).tolist()
    assert copies == [True]


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_layers_through_the_stride_1_gemms_equal_the_definition(monkeypatch, dtype):
    # One complex GEMM per tap, each added into the output in place (BLAS's cgemm/zgemm with
    # beta = 1).  Small Gaussian integers: every sum is exact, so the definition in Python
    # complex arithmetic gives the bits.
    monkeypatch.setattr(direct, "FLAT_CHANNELS", 1)
    rng = np.random.default_rng(12)
    x = (rng.integers(-4, 5, (2, 2, 4, 5)) + 1j * rng.integers(-4, 5, (2, 2, 4, 5))).astype(dtype)
    w = (rng.integers(-4, 5, (3, 2, 2, 3)) + 1j * rng.integers(-4, 5, (3, 2, 2, 3))).astype(dtype)
    got = conv(x, w, method="direct")
    assert got.dtype == dtype
    xs, ws = x.astype(object), w.astype(object)
    expected = np.empty((2, 3, 3, 3), dtype=object)
    for n, c, i, j in np.ndindex(expected.shape):
        expected[n, c, i, j] = complex((xs[n, :, i : i + 2, j : j + 3] * ws[c]).sum())
    assert got.tolist() == expected.tolist()


@pytest.mark.performance_contract
@pytest.mark.parametrize(("budget", "gemms"), [(96, 3), (192, 3), (384, 2), (480, 2), (576, 1)])
def test_col2im_chunks_of_taps_follow_the_budget(monkeypatch, budget, gemms):
    # _col2im: one GEMM per chunk of taps, as many taps as IM2COL_BUDGET holds at B*G*Ci*P cells
    # of max(itemsize, 8) bytes each, at least one.  B = G = Ci = 2, P = 3 outputs: 2*2*2*3*8 = 192
    # bytes per tap, 3 taps: budgets of 96, 192, 384, 480, 576 bytes take 1, 1, 2, 2, 3 taps per chunk.
    monkeypatch.setattr(adjoint, "IM2COL_BUDGET", budget)
    calls = []
    real = adjoint.matmul
    monkeypatch.setattr(adjoint, "matmul", lambda a, b: (calls.append(1), real(a, b))[1])
    spec = plain_spec("t", (7,), (3,), stride=2)  # outputs 0, 1, 2 read cells 2o, 2o + 1, 2o + 2
    y = (np.arange(2 * 2 * 2 * 3, dtype=np.float64).reshape(2, 2, 2, 3) * 5) % 7 - 3
    w = (np.arange(2 * 2 * 2 * 3, dtype=np.float64).reshape(2, 2, 2, 3) * 3) % 5 - 2
    got = adjoint._col2im(y, w, spec)
    # The adjoint by its definition: output o hands y[o] * w[t] back to input cell 2o + t.
    expected = np.zeros((2, 2, 2, 7), dtype=object)
    for b, g, co, o, ci, t in np.ndindex(2, 2, 2, 3, 2, 3):
        expected[b, g, ci, 2 * o + t] += int(y[b, g, co, o]) * int(w[g, co, ci, t])
    assert got.tolist() == expected.tolist()
    assert len(calls) == gemms
