"""Error bounds: hand-derived values, the derived formulas tested numerically, and the presets.

Each emulated implementation below computes a plain "valid" correlation in a declared arithmetic,
rounding every operation exactly as that arithmetic would (Fractions, rounded by
``refconv.exact.round_rational``, itself tested against a candidate search in test_exact.py).  A
correct implementation of that arithmetic must stay within the bound for *every* input: the tests
draw the inputs with Hypothesis.
"""

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import correlate, error_bound, exact
from refconv.bounds import FORMATS, PRESETS, WINOGRAD, Arithmetic, Format, gamma, round_to
from refconv.exact import round_rational
from refconv.layer import conv

U32, U16 = 2.0**-24, 2.0**-11
SLOW = settings(max_examples=max(10, settings.default.max_examples // 2))  # Fraction emulations are slow

# --- emulated arithmetics ---------------------------------------------------------------------------


def _round(v: Fraction, dtype, mode: str) -> Fraction:
    near = float(round_rational(np.array([v], dtype=object), dtype)[0])
    if mode == "rz" and abs(Fraction(near)) > abs(v):
        near = float(np.nextafter(np.array(near, dtype=dtype), np.array(0, dtype=dtype)))
    return Fraction(near)


def _sum(terms, dtype, mode, order):
    if order == "pairwise" and len(terms) > 1:
        half = len(terms) // 2
        return _round(_sum(terms[:half], dtype, mode, order) + _sum(terms[half:], dtype, mode, order), dtype, mode)
    acc = None
    for t in terms[::-1] if order == "reverse" else terms:
        acc = t if acc is None else _round(acc + t, dtype, mode)
    return acc


def emulate(
    x,
    w,
    *,
    inputs=None,
    input_rounding="rn",
    products=None,
    acc=np.float32,
    acc_rounding="rn",
    order="forward",
    out=None,
):
    """A valid correlation in the declared arithmetic, every rounding done exactly once."""
    xi = round_to(x, inputs, input_rounding) if inputs else x
    wi = round_to(w, inputs, input_rounding) if inputs else w
    windows = np.lib.stride_tricks.sliding_window_view(xi.astype(np.float64), w.shape)
    y = np.empty(windows.shape[: x.ndim])
    for index in np.ndindex(*y.shape):
        terms = [Fraction(float(a)) * Fraction(float(b)) for a, b in zip(windows[index].ravel(), wi.ravel())]
        if products is not None:
            terms = [_round(t, products, acc_rounding) for t in terms]
        s = _sum(terms, acc, acc_rounding, order)
        y[index] = float(_round(s, out, "rn")) if out is not None else float(s)
    return y


def floats32(shape):
    return hnp.arrays(np.float32, shape, elements=st.floats(-4, 4, width=32, allow_subnormal=False))


def normal32(shape):
    """No underflow in any product or transform: zero, or magnitudes in [2**-20, 4]."""
    mag = st.floats(2.0**-20, 4, width=32)
    return hnp.arrays(np.float32, shape, elements=st.just(0.0) | mag | mag.map(lambda v: -v))


problems = st.sampled_from([((7,), (3,)), ((9,), (4,)), ((4, 5), (2, 3)), ((5, 5), (3, 3))]).flatmap(
    lambda s: st.tuples(floats32(s[0]), floats32(s[1]))
)


def within(y, x, w, **bound_kwargs):
    e = exact("correlate", x, w, dtype=np.float64)
    b = error_bound(x, w, op="correlate", **bound_kwargs)
    err = np.abs(y - e)
    assert np.all(err <= b.value), (err.tolist(), b.value.tolist())


# --- hand-derived values ---------------------------------------------------------------------------------


# This test comes first in the module on purpose: the low-precision-output presets are built when
# refconv.bounds is imported, and mutmut attributes import-time calls to the first test that runs.
def test_low_precision_output_presets_store_in_their_narrow_format():
    # F16_F16_F32_F16 / BF16_BF16_F32_BF16: the F16_F16_F32 / BF16_BF16_F32 preset (operands
    # rounded into fp16/bf16, float32 accumulation), its result stored once more in fp16/bf16.
    for base, out in (("F16_F16_F32", "f16"), ("BF16_BF16_F32", "bf16")):
        name = f"{base}_{out.upper()}"
        stored = PRESETS[name]
        assert stored.name == name and stored.output == FORMATS[out], name
        assert dataclasses.replace(stored, name=base, output=None) == PRESETS[base], name
    # Stored in fp16, the bound of four ones summed in float32 (exact products: c = 3 u32, M = 4)
    # becomes (1 + u_out) c M + u_out M + eta_f16 / 2: it gains u_out (1 + c) M + 2**-25.
    ones = np.ones(4, np.float32)
    f32 = error_bound(ones, ones, op="correlate", arithmetic="F16_F16_F32").value
    f16 = error_bound(ones, ones, op="correlate", arithmetic="F16_F16_F32_F16").value
    assert float(f16[0] - f32[0]) == pytest.approx(U16 * 4 * (1 + 3 * 2.0**-24) + 2.0**-25, rel=1e-9, abs=0)


def test_hand_values_direct():
    # 3 products of ones in float32, round to nearest: 3 u M with M = 3 (times the 1 + 2**-40 safety).
    b = error_bound(np.ones(5, np.float32), np.ones(3, np.float32), op="correlate")
    assert np.allclose(b.value, 3 * U32 * 3, rtol=1e-11)
    assert np.all(b.value >= 3 * U32 * 3)
    # Truncating accumulation (u = 2**-23), products exact: gamma_{n-1} with n = 3.
    tc = error_bound(np.ones(5, np.float32), np.ones(3, np.float32), op="correlate", arithmetic="F16_F16_F32_TC")
    assert np.allclose(tc.value, (2 * 2.0**-23 / (1 - 2 * 2.0**-23)) * 3, rtol=1e-11)


def test_padding_taps_do_not_count():
    b = error_bound(np.ones(4), np.ones(3), op="correlate", mode="same")
    assert b.terms["n"].tolist() == [2, 3, 3, 2]
    assert b.terms["M"][0] == pytest.approx(2) and b.terms["M"][1] == pytest.approx(3)
    # Zero values are exact too: a zero input cell removes its product.
    z = error_bound(np.array([1.0, 0.0, 1.0, 1.0]), np.ones(2), op="correlate")
    assert z.terms["n"].tolist() == [1, 1, 2]


def test_bias_is_one_more_term():
    x, w = np.ones((1, 1, 3), np.float32), np.ones((1, 1, 2), np.float32)
    with_bias = error_bound(x, w, np.array([1.0], np.float32), op="conv")
    assert with_bias.terms["n"].tolist() == [[[3, 3]]]
    assert np.allclose(with_bias.value, 3 * U32 * 3, rtol=1e-11)


def test_output_rounding_and_input_terms():
    # float32 inputs exactly representable in float16 -> no input term; the bound is the F32 one.
    x, w = np.ones(4, np.float32), np.ones(2, np.float32)
    b = error_bound(x, w, op="correlate", arithmetic="F16_F16_F32")
    assert b.terms["u_x"] == 0 and b.terms["u_w"] == 0
    # Not representable (1 + 2**-20): the input term (1+u)^2 - 1 appears (products exact: n - 1 additions).
    x2 = np.full(4, 1 + 2.0**-20, np.float32)
    b2 = error_bound(x2, w, op="correlate", arithmetic="F16_F16_F32")
    # u_x = u16, u_w = 0, c = (n-1) u32 with n = 2; plus float32 underflow n*eta and the float16
    # conversion underflow eta16 * sum|w| = 2**-24 * 2.
    M = 2 * (1 + 2.0**-20)
    bracket = U16 + U32 + U16 * U32
    expected = bracket * M + 2 * 2.0**-149 + (1 + bracket) * 2.0**-24 * 2
    assert b2.value[0] == pytest.approx(expected, rel=1e-12) and b2.value[0] >= expected
    # float16 storage of a float32 accumulation: + u_out |y|.
    f16 = error_bound(x.astype(np.float16), w.astype(np.float16), op="correlate", arithmetic="F16_F16_F32")
    assert f16.terms["u_out"] == U16


def test_gamma_is_infinite_past_one():
    assert float(gamma(3, 0.25)) == 3.0 and math.isinf(float(gamma(4, 0.25)))


def test_bound_is_not_below_its_formula_in_exact_arithmetic():
    # Evaluate B = [(1+c) - 1] M + n eta exactly (Fractions) and compare with the float64 value.
    x = np.array([0.1, 0.7, -0.3, 2.5, 1e-3], np.float32)
    w = np.array([0.9, -1.1, 0.25], np.float32)
    b = error_bound(x, w, op="correlate")
    for i in range(3):
        M = sum(abs(Fraction(float(x[i + t]))) * abs(Fraction(float(w[t]))) for t in range(3))
        exact_bound = 3 * Fraction(2) ** -24 * M + 3 * Fraction(2) ** -149
        assert Fraction(float(b.value[i])) >= exact_bound


# --- the derived formulas, numerically: emulated correct implementations stay within -----------------


@SLOW
@given(problems, st.sampled_from(["forward", "reverse", "pairwise"]))
def test_float32_any_order_within_bound(case, order):
    x, w = case
    y = emulate(x, w, products=np.float32, acc=np.float32, order=order)
    within(y, x, w)


@SLOW
@given(problems)
def test_f16_inputs_f32_accumulation_within_preset(case):
    x, w = case
    y = emulate(x, w, inputs="f16", acc=np.float32)
    within(y, x, w, arithmetic="F16_F16_F32")


@SLOW
@given(problems)
def test_bf16_inputs_within_preset(case):
    x, w = case
    within(emulate(x, w, inputs="bf16", acc=np.float32), x, w, arithmetic="BF16_BF16_F32")


@SLOW
@given(problems)
def test_tf32_truncating_tensor_core_within_preset(case):
    x, w = case
    y = emulate(x, w, inputs="tf32", input_rounding="rz", acc=np.float32, acc_rounding="rz")
    within(y, x, w, arithmetic="TF32_TF32_F32")


@SLOW
@given(problems)
def test_f16_everything_within_default_float16_bound(case):
    x, w = (a.astype(np.float16) for a in case)
    y = emulate(x, w, products=np.float16, acc=np.float16)
    within(y, x, w)


@SLOW
@given(problems)
def test_f32_accumulate_f16_store_within_float16_bound(case):
    # Accumulating in float32 and storing float16 is covered by the (larger) all-float16 bound.
    x, w = (a.astype(np.float16) for a in case)
    within(emulate(x, w, acc=np.float32, out=np.float16), x, w)


@SLOW
@given(problems)
def test_bf16x3_split_within_preset(case):
    x, w = case

    def split(a):
        hi = round_to(a, "bf16")
        mid = round_to((a - hi).astype(np.float32), "bf16")
        return hi, mid

    (xh, xm), (wh, wm) = split(x), split(w)
    # Three bf16 GEMMs (hi*hi, hi*mid, mid*hi; products exact in float32), then their float32 sum.
    parts = [emulate(a, b, acc=np.float32).ravel() for a, b in ((xh, wh), (xh, wm), (xm, wh))]

    def add(a, b):
        return _round(Fraction(float(a)) + Fraction(float(b)), np.float32, "rn")

    y = np.array([float(add(add(a, b), c)) for a, b, c in zip(*parts)])
    within(y.reshape(exact("correlate", x, w).shape), x, w, arithmetic="BF16x3_F32")


# --- the bound catches wrong arithmetic -----------------------------------------------------------------


def test_f16_inputs_exceed_the_float32_bound():
    # float32 inputs rounded to float16 (1 + 2**-20 -> 1): error 2**-20 against a bound ~ 2**-24.
    x, w = np.array([1 + 2.0**-20, 1.0], np.float32), np.array([1.0], np.float32)
    y = emulate(x, w, inputs="f16", acc=np.float32)
    b = error_bound(x, w, op="correlate")
    e = exact("correlate", x, w, dtype=np.float64)
    assert abs(y[0] - e[0]) > b.value[0]
    assert abs(y[0] - e[0]) <= error_bound(x, w, op="correlate", arithmetic="F16_F16_F32").value[0]


def test_products_rounded_to_f16_exceed_the_float32_bound():
    x = np.array([1.0009765625 + 2.0**-15, 3.0], np.float32)
    w = np.array([1.25, 1.0], np.float32)
    y = emulate(x, w, products=np.float16, acc=np.float32)
    e = exact("correlate", x, w, dtype=np.float64)
    assert abs(y[0] - e[0]) > error_bound(x, w, op="correlate").value[0]


# --- fast algorithms ------------------------------------------------------------------------------------


def _mv(a, v):
    """``a @ v`` in float32, each product rounded and summed in index order (no BLAS, no FMA):
    the same roundings on every machine."""
    out = np.zeros(a.shape[0], np.float32)
    for j in range(a.shape[1]):
        out = out + a[:, j] * v[j]
    return out


def winograd_1d(x, w, transform):
    at, g, bt = (np.asarray(m, dtype=np.float32) for m in WINOGRAD[transform])
    m, r = at.shape[0], g.shape[1]
    outs = x.shape[0] - r + 1
    tiles = -(-outs // m)
    d = np.zeros(tiles * m + r - 1, np.float32)
    d[: x.shape[0]] = x
    u = _mv(g, w)
    return np.concatenate([_mv(at, u * _mv(bt, d[t * m : t * m + m + r - 1])) for t in range(tiles)])[:outs]


def winograd_2d(x, w, transform):
    at, g, bt = (np.asarray(m, dtype=np.float32) for m in WINOGRAD[transform])
    m, r = at.shape[0], g.shape[1]
    outs = [n - r + 1 for n in x.shape]
    tiles = [-(-o // m) for o in outs]
    d = np.zeros([t * m + r - 1 for t in tiles], np.float32)
    d[: x.shape[0], : x.shape[1]] = x
    u = g @ w @ g.T
    y = np.zeros([t * m for t in tiles], np.float32)
    for i in range(tiles[0]):
        for j in range(tiles[1]):
            tile = d[i * m : i * m + m + r - 1, j * m : j * m + m + r - 1]
            y[i * m : (i + 1) * m, j * m : (j + 1) * m] = at @ (u * (bt @ tile @ bt.T)) @ at.T
    return y[: outs[0], : outs[1]]


@given(st.integers(3, 40).flatmap(lambda n: normal32((n,))), normal32((3,)), st.sampled_from(["F(2,3)", "F(4,3)"]))
def test_winograd_1d_within_winograd_bound(x, w, transform):
    within(winograd_1d(x, w, transform), x, w, method="winograd", transform=transform)


@SLOW
@given(
    st.tuples(st.integers(3, 9), st.integers(3, 9)).flatmap(normal32),
    normal32((3, 3)),
    st.sampled_from(["F(2,3)", "F(4,3)"]),
)
def test_winograd_2d_within_winograd_bound(x, w, transform):
    within(winograd_2d(x, w, transform), x, w, method="winograd", transform=transform)


def test_winograd_breaks_the_direct_bound_but_not_its_own():
    # One large and several small inputs in a tile: Winograd spreads the large one's error.  x[2]
    # feeds rows 0-4 of F(4,3)'s B^T, so its rounding reaches output 3, whose window (x[3:6]) holds
    # only small values and whose direct bound is tiny (x[0] feeds row 0 alone: it would not spread).
    x = np.array([0.001, -0.002, 1000.0, 0.001, -0.001, 0.002, 0.001, 0.004], np.float32)
    w = np.array([0.3, -0.7, 0.11], np.float32)
    y = winograd_1d(x, w, "F(4,3)")
    e = exact("correlate", x, w, dtype=np.float64)
    direct = error_bound(x, w, op="correlate").value
    assert np.any(np.abs(y - e) > direct)
    assert np.all(np.abs(y - e) <= error_bound(x, w, op="correlate", method="winograd", transform="F(4,3)").value)


def test_winograd_transforms_are_exact_on_integers():
    # AT[(G g) * (BT d)] is the correlation: checked in rationals for both default transforms.
    for name, (at, g, bt) in WINOGRAD.items():
        m, r = len(at), len(g[0])
        at, bt = np.array(at, dtype=object), np.array(bt, dtype=object)
        g = np.array([[Fraction(v).limit_denominator(100) for v in row] for row in g], dtype=object)
        d, k = np.arange(1, m + r, dtype=object), np.array([2, -3, 5], dtype=object)[:r]
        assert (at.dot(g.dot(k) * bt.dot(d))).tolist() == correlate(d, k).tolist(), name


@SLOW
@given(
    st.integers(8, 300).flatmap(lambda n: hnp.arrays(np.float32, n, elements=st.floats(-1e4, 1e4, width=32))),
    st.integers(1, 20).flatmap(floats32),
)
def test_fft_within_normwise_bound(x, w):
    if w.size > x.size:
        x, w = w, x
    e = exact("correlate", x, w, dtype=np.float64)
    b = error_bound(x, w, op="correlate", method="fft")
    assert b.kind == "normwise" and b.value.shape == ()
    for y in (correlate(x, w, method="fft"), scipy.signal.fftconvolve(x, w[::-1], mode="valid")):
        assert np.linalg.norm(y - e) <= b.value


@SLOW
@given(st.integers(1, 2), st.integers(1, 3), st.integers(4, 12))
def test_fft_conv_channels_within_normwise_bound(n, c, side):
    x = np.linspace(-3, 3, n * 2 * c * side * side, dtype=np.float32).reshape(n, 2 * c, side, side) ** 3
    w = np.linspace(-1, 2, 3 * c * 9, dtype=np.float32).reshape(3, c, 3, 3)
    kw = dict(padding=1, groups=2) if c else {}
    w = np.concatenate([w, w[::-1]])
    e = exact("conv", x, w, dtype=np.float64, **kw)
    b = error_bound(x, w, op="conv", method="fft", **kw)
    err = np.sqrt(((conv(x, w, method="fft", **kw) - e) ** 2).sum(axis=(2, 3)))
    assert b.value.shape == (n, 6) and np.all(err <= b.value)


# --- formats ---------------------------------------------------------------------------------------------


@given(hnp.arrays(np.float32, 20, elements=st.floats(-(2.0**100), 2.0**100, width=32)))
def test_bf16_round_to_nearest_matches_torch(a):
    torch = pytest.importorskip("torch")
    expected = torch.from_numpy(a).to(torch.bfloat16).to(torch.float32).numpy()
    assert np.array_equal(round_to(a, "bf16"), expected)


def _rounded(v: float, fmt, rounding: str) -> float:
    """``v`` rounded into ``fmt`` from the definition: a multiple of the quantum at v's exponent."""
    if not math.isfinite(v) or v == 0:
        return v
    f = Fraction(v)
    quantum = Fraction(2) ** (max(_exponent(f), fmt.e_min) - fmt.p + 1)
    steps = round(f / quantum) if rounding == "rn" else math.trunc(f / quantum)  # round(): ties to even
    r = steps * quantum
    if abs(r) > Fraction(fmt.realmax):
        return math.copysign(math.inf if rounding == "rn" else fmt.realmax, v)
    return float(r)


def _float_arrays(dtype):
    """Any finite values of ``dtype``, dense near the ranges' edges and in the subnormals."""
    width = np.finfo(dtype).bits
    values = st.floats(allow_nan=False, allow_infinity=False, width=width)
    if width == 64:  # beyond float32's range, and float32's subnormals
        values |= st.floats(-(2.0**130), 2.0**130) | st.floats(-(2.0**-120), 2.0**-120)
    return hnp.arrays(dtype, 12, elements=values)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("rounding", ["rn", "rz"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_round_to_rounds_once_into_every_format(fmt, rounding, dtype, data):
    # Against the definition (exact rationals): no double rounding through float32 for bf16/tf32.
    a = data.draw(_float_arrays(dtype))
    got = round_to(a, fmt, rounding)
    expected = [_rounded(float(v), FORMATS[fmt], rounding) for v in a]
    assert got.dtype == dtype and got.tolist() == np.array(expected, dtype=dtype).tolist(), (a.tolist(), got.tolist())


@pytest.mark.parametrize("rounding", ["rn", "rz"])
def test_round_to_on_every_float16(rounding):
    # Every finite float16: into bf16 (3 bits fewer, a wider range) against the definition; every
    # other format holds float16 exactly.
    every = np.arange(2**16, dtype=np.uint16).view(np.float16)
    every = every[np.isfinite(every)]
    got = round_to(every, "bf16", rounding)
    with np.errstate(over="ignore"):  # 65504 rounds to bf16's 65536: inf in float16
        expected = np.array([_rounded(float(v), FORMATS["bf16"], rounding) for v in every], dtype=np.float16)
    # bf16's spacing below 65536 is 256: float16's 65408 (a tie, to even), 65440, 65472 and 65504 round up.
    assert got.tolist() == expected.tolist() and np.isinf(got).sum() == (8 if rounding == "rn" else 0)
    for fmt in ("tf32", "f16", "f32", "f64"):
        assert np.array_equal(round_to(every, fmt, rounding), every)


def test_round_to_just_off_a_tie_and_past_the_range():
    # 1 + 2**-8 is a bf16 tie (ties to even: 1); 2**-40 above it must round up, 2**-40 below down.
    a = np.array([1 + 2.0**-8, 1 + 2.0**-8 + 2.0**-40, 1 + 2.0**-8 - 2.0**-40, 1e300, -1e300, np.nan, -np.inf])
    near = round_to(a, "bf16").tolist()
    assert near[:5] == [1.0, 1 + 2.0**-7, 1.0, np.inf, -np.inf] and np.isnan(near[5]) and near[6] == -np.inf
    bf16_max = (2 - 2.0**-7) * 2.0**127
    assert round_to(a, "bf16", "rz").tolist()[:5] == [1.0, 1.0, 1.0, bf16_max, -bf16_max]
    f32_max = float(np.finfo(np.float32).max)
    assert round_to(a[3:5], "f32", "rz").tolist() == [f32_max, -f32_max]
    # A custom format of float32's range: 12 bits.
    p12 = Format("p12", 12, -126, 127)
    assert round_to(np.array([1 + 2.0**-12, 1 + 3 * 2.0**-12]), p12).tolist() == [1.0, 1 + 2.0**-10]


@given(hnp.arrays(np.float32, 20, elements=st.floats(-6e4, 6e4, width=32)))
def test_f16_rounding_brackets_the_value(a):
    near, zero = round_to(a, "f16"), round_to(a, "f16", "rz")
    assert np.array_equal(near, a.astype(np.float16).astype(np.float32))
    # Toward zero: never larger in magnitude, and less than one float16 spacing below.
    spacing = np.spacing(np.abs(zero).astype(np.float16)).astype(np.float32)
    assert np.all(np.abs(zero) <= np.abs(a)) and np.all(np.abs(a - zero) < spacing)


def test_presets_are_named_like_jax():
    assert {"F32_F32_F32", "TF32_TF32_F32", "BF16_BF16_F32", "F16_F16_F32", "BF16x3_F32"} <= set(PRESETS)
    assert PRESETS["TF32_TF32_F32"].input_rounding == "rz" and FORMATS["tf32"].p == 11


# --- average pooling: gamma_{k+1} for k-1 additions and one division [derived] ----------------------------


def test_avg_pool_bound_by_hand():
    # Windows [1, 2] and [3, 4]: k = 2 nonzero cells each, so gamma_3(u) times the mean of |x|
    # (itself inflated by the float64 evaluation: (M + 4 eta64) / (1 - gamma_4(u64))), plus
    # 3 eta of float32 for underflow, times the 1 + 2**-40 safety factor.  No output rounding:
    # float32 output from float32 accumulation.
    x = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    b = error_bound(x, 2, op="avg_pool")
    u, u64 = Fraction(1, 2**24), Fraction(1, 2**53)
    gamma3 = 3 * u / (1 - 3 * u)
    inflate = 1 - 4 * u64 / (1 - 4 * u64)
    for got, mean in zip(b.value, (Fraction(3, 2), Fraction(7, 2))):
        m = (mean + 4 * Fraction(2) ** -1074) / inflate
        expected = (gamma3 * m + 3 * Fraction(2) ** -149) * (1 + Fraction(1, 2**40))
        assert abs(Fraction(float(got)) - expected) <= expected * Fraction(1, 2**50)
    assert (b.kind, b.method) == ("componentwise", "direct")
    assert b.terms["n"].tolist() == [2.0, 2.0]
    # Zeros cost nothing: a window of one nonzero cell has gamma_2, and an all-zero window only eta.
    z = error_bound(np.array([0.0, 5.0, 0.0, 0.0], dtype=np.float32), 2, op="avg_pool")
    assert z.terms["n"].tolist() == [1.0, 0.0]
    assert float(z.value[1]) == pytest.approx(2.0**-149 * (1 + 2.0**-40), rel=1e-12)
    assert float(z.value[0]) == pytest.approx(float(gamma(2, U32)) * 2.5, rel=1e-9)


def _emulated_avg_pool(x, k, stride, padding, count_include_pad, order, acc):
    """1-D average pooling, each addition rounded to ``acc`` in the given order, one division."""
    n = len(x)
    y = []
    for start in range(-padding, n + padding - k + 1, stride):
        cells = [Fraction(float(x[i])) for i in range(start, start + k) if 0 <= i < n]
        divisor = k if count_include_pad else len(cells)
        s = _sum(cells, acc, "rn", order)
        y.append(float(_round(s / divisor, np.float32, "rn")))
    return np.array(y)


@SLOW
@given(
    hnp.arrays(np.float32, st.integers(4, 12), elements=st.floats(-4, 4, width=32, allow_subnormal=False)),
    st.integers(2, 4),
    st.integers(1, 3),
    st.booleans(),
    st.sampled_from(["forward", "reverse", "pairwise"]),
)
def test_avg_pool_any_order_within_bound(x, k, stride, count_include_pad, order):
    padding = k // 2
    kw = dict(stride=stride, padding=padding, count_include_pad=count_include_pad)
    y = _emulated_avg_pool(x, k, stride, padding, count_include_pad, order, np.float32)
    e = exact("avg_pool", x, k, dtype=np.float64, **kw)
    b = error_bound(x, k, op="avg_pool", **kw)
    assert np.all(np.abs(y - e) <= b.value), (np.abs(y - e).tolist(), b.value.tolist())


def test_avg_pool_in_float16_accumulation_exceeds_the_float32_bound():
    # float16 holds 11 bits: 2048 + 1 rounds back to 2048 three times; the mean 512.75 becomes 512.
    x = np.array([2048.0, 1.0, 1.0, 1.0], dtype=np.float32)
    y = _emulated_avg_pool(x, 4, 4, 0, True, "forward", np.float16)
    assert y.tolist() == [512.0]
    b = error_bound(x, 4, op="avg_pool")
    assert abs(512.0 - 512.75) > float(b.value[0])
    # Declared as float16 arithmetic, the same error is within the bound.
    assert abs(512.0 - 512.75) <= float(error_bound(x, 4, op="avg_pool", dtype=np.float16).value[0])


# --- the direct bound's ingredients, output rounding, references and overflow ---------------------------


def test_direct_terms_by_hand():
    # [1, -1, 2] (*) [1, 1]: two nonzero products per output, round to nearest in float32, no
    # conversion or output rounding: bracket = n * u (Jeannerod-Rump), value = (bracket M + n eta) * safety.
    x, w = np.array([1.0, -1.0, 2.0], dtype=np.float32), np.array([1.0, 1.0], dtype=np.float32)
    b = error_bound(x, w, op="correlate")
    t = b.terms
    assert sorted(t) == ["M", "bracket", "eta_in", "flush", "n", "u_acc", "u_out", "u_w", "u_x"]
    assert (t["u_acc"], t["u_out"], t["u_x"], t["u_w"], t["eta_in"]) == (U32, 0.0, 0.0, 0.0, 0.0)
    assert t["n"].tolist() == [2.0, 2.0] and t["bracket"].tolist() == [2 * U32, 2 * U32]
    inflate = 1 - float(gamma(3, 2.0**-53))  # m = max n + 1 = 3 float64 roundings in |x| (*) |w|
    assert t["M"].tolist() == pytest.approx([(2 + 3 * 2.0**-1074) / inflate, (3 + 3 * 2.0**-1074) / inflate], rel=0)
    expected = [(2 * U32 * m + 2 * 2.0**-149) * (1 + 2.0**-40) for m in t["M"]]
    assert b.value.tolist() == pytest.approx(expected, rel=1e-15)
    assert b.source.startswith("k*u, any order (Jeannerod & Rump, SIMAX 34(2) 2013)")
    assert b.assumptions == ("any summation order", "no FTZ/DAZ")
    rz = error_bound(x, w, op="correlate", arithmetic="TF32_TF32_F32")
    assert rz.source.startswith("gamma_k, any order, u = 2**(1-p) (Higham 2002 §3.1, §4.2)")


def test_a_conv_without_bias_is_bounded_like_its_correlation():
    x, w = np.array([[[1.0, -1.0, 2.0]]], dtype=np.float32), np.array([[[1.0, 1.0]]], dtype=np.float32)
    layer = error_bound(x, w, op="conv")
    plain = error_bound(x[0, 0], w[0, 0], op="correlate")
    assert layer.value.ravel().tolist() == plain.value.tolist()
    assert np.isfinite(layer.value).all()


def test_the_output_rounds_when_its_format_is_narrower_in_precision_or_range():
    from refconv.bounds import Arithmetic

    x, w = np.array([1.0, 2.0], dtype=np.float32), np.array([1.0], dtype=np.float32)
    # bf16 accumulation (8 bits, fp32 range) stored as float16 (11 bits, range to 65504): more
    # precision but less range, so storing still rounds, with float16's u.
    narrower_range = Arithmetic("bf16 acc, f16 out", None, "rn", FORMATS["bf16"], "rn", output=FORMATS["f16"])
    assert error_bound(x, w, op="correlate", arithmetic=narrower_range).terms["u_out"] == U16
    wider = Arithmetic("f16 acc, f32 out", None, "rn", FORMATS["f16"], "rn", output=FORMATS["f32"])
    assert error_bound(x, w, op="correlate", arithmetic=wider).terms["u_out"] == 0.0


def test_a_reference_tightens_only_the_output_rounding_term():
    from refconv.bounds import Arithmetic

    f32_to_f16 = Arithmetic("f32 acc, f16 out", None, "rn", FORMATS["f32"], "rn", output=FORMATS["f16"])
    x, w = np.array([1.0, -1.0, 3.0], dtype=np.float32), np.array([1.0, 1.0], dtype=np.float32)
    plain = error_bound(x, w, op="correlate", arithmetic=f32_to_f16)
    M = plain.terms["M"]
    # Exact results 0 and 2: u_out |y| replaces u_out M (M = 2 and 4, |y| <= M), scaled by 1 + 2 u64.
    tight = error_bound(x, w, op="correlate", arithmetic=f32_to_f16, reference=np.array([0.0, 2.0]))
    saved = (plain.value - tight.value) / (1 + 2.0**-40)
    assert saved.tolist() == pytest.approx([U16 * M[0], U16 * (M[1] - 2 * (1 + 2 * 2.0**-53))], rel=1e-12)
    # A reference larger than M cannot loosen the bound.
    loose = error_bound(x, w, op="correlate", arithmetic=f32_to_f16, reference=np.array([100.0, 100.0]))
    assert loose.value.tolist() == plain.value.tolist()


def test_overflow_gives_an_infinite_bound_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # float16 products within range whose sum (120000) passes float16's 65504.
        b = error_bound(np.array([6e4, 6e4], dtype=np.float16), np.array([1, 1], dtype=np.float16), op="correlate")
        assert b.value.tolist() == [np.inf]
        assert b.assumptions[-1] == "overflow possible at 1 outputs: bound is inf there"
        # |x| (*) |w| overflowing float64 itself: inf, never NaN, for every method and avg_pool.
        # Outputs 1e308 + 1e308 + 1 (inf) and 1e308 + 1 + 1 (finite, below float64's 1.8e308).
        big, ones = np.array([1e308, 1e308, 1.0, 1.0]), np.array([1.0, 1.0, 1.0])
        direct = error_bound(big, ones, op="correlate").value
        assert direct[0] == np.inf and 0 < direct[1] < np.inf
        winograd = error_bound(big, ones, op="correlate", method="winograd").value
        assert winograd[0] == np.inf and not np.isnan(winograd).any()
        assert float(error_bound(big, ones, op="correlate", method="fft").value) == np.inf
        pooled = error_bound(big, 2, op="avg_pool").value  # windows [1e308, 1e308] and [1, 1]
        assert pooled[0] == np.inf and pooled[1] == pytest.approx(float(gamma(3, 2.0**-53)), rel=1e-9)
    # NaN inputs give NaN outputs: the bound there is inf, not NaN (NaN would reject everything).
    nan = error_bound(np.array([np.nan, 1.0, 1.0]), np.array([1.0, 1.0]), op="correlate").value
    assert nan[0] == np.inf and np.isfinite(nan[1])


def test_round_to_returns_a_copy_in_every_format():
    a32 = np.array([1.0, 1.0 + 2.0**-20], dtype=np.float32)
    for fmt in ("f64", "f32", "tf32", "f16", "bf16"):
        r = round_to(a32, fmt)
        assert r is not a32 and r.dtype == np.float32
        r[0] = 7.0
        assert a32[0] == 1.0
    a64 = np.array([1.0 + 2.0**-30])
    r = round_to(a64, "f64")
    assert r is not a64 and r.tolist() == a64.tolist() and r.dtype == np.float64
    # float64 values exactly float32 round like their float32 selves, returned as float64.
    exact32 = np.array([1.0 + 2.0**-20])
    assert round_to(exact32, "tf32").tolist() == [1.0] and round_to(exact32, "tf32").dtype == np.float64
    assert round_to(exact32, "f32").tolist() == exact32.tolist()


# --- fast algorithms: the bounds' values and labels by hand ---------------------------------------------

U64 = 2.0**-53


def test_fft_bound_by_hand():
    # x = [1, 2], w = [1]: a length-2 transform (t = 1 radix-2 stage); S = ||x||_2 ||w||_1 +
    # ||x||_1 ||w||_2 = sqrt(5) + 3; one input channel (gamma_1); 2 + 1 + 10 float64 terms.
    b = error_bound(np.array([1.0, 2.0]), np.array([1.0]), op="correlate", method="fft")
    eta = U64 + float(gamma(4, U64)) * (math.sqrt(2) + U64)
    c_n = eta / (1 - eta)
    s = math.sqrt(5) + 3
    expected = (3 * c_n + math.sqrt(5) * U64 + float(gamma(1, U64))) * s * (1 + 13 * 2.0**-52) * (1 + 2.0**-40)
    assert float(b.value) == pytest.approx(expected, rel=1e-12)
    assert (b.kind, b.method, b.terms["t"]) == ("normwise", "fft", 1)
    assert b.terms["c_N"] == pytest.approx(c_n, rel=1e-15) and b.terms["S"].tolist() == [[pytest.approx(s)]]
    assert b.source == (
        "norm-wise, radix-2 Cooley-Tukey (Higham 2002 Thm 24.2); linear convolution through a zero-padded FFT "
        "[derived], notes §2.1"
    )
    assert b.assumptions == (
        "model bound for mixed-radix, real-input or overlap-add FFTs (pocketfft, cuFFT)",
        "twiddle error mu = u; t = 1 radix-2 stages",
        "per feature map: ||y^ - y||_2 over the map's outputs",
        "no underflow; a map whose intermediates may reach the accumulator's range has bound inf",
    )


def test_fft_bound_is_infinite_where_the_transforms_may_overflow():
    # x = [a, 0], w = [2, 0]: t = 2 stages (full length 3 -> 4), so the guard is
    # 2**2 * 4 * ||x||_1 ||w||_1 = 32 a against float32's largest value (2 - 2**-23) 2**127.
    w = np.array([2.0, 0.0], dtype=np.float32)
    below, above = 2.0**122, 2.0**123  # 32 * 2**122 = 2**127 < realmax < 2**128 = 32 * 2**123
    finite = error_bound(np.array([below, 0.0], dtype=np.float32), w, op="correlate", method="fft", dtype="float32")
    infinite = error_bound(np.array([above, 0.0], dtype=np.float32), w, op="correlate", method="fft", dtype="float32")
    assert np.isfinite(finite.value).all() and np.isinf(infinite.value).all()
    # The same x is finite in float64's range: the guard reads the accumulator's format.
    assert np.isfinite(error_bound(np.array([above, 0.0]), np.array([2.0, 0.0]), op="correlate", method="fft").value)


def test_fft_overflow_guard_is_reach_times_two_to_the_t_times_four_at_or_past_realmax():
    # x of length 10 with one nonzero a, w = [1]: the full linear length is 10, so t = 4 stages
    # and the guard is 2**4 * 4 * a = 64 a >= float32's realmax.  At a = realmax / 64 exactly the
    # bound is inf (the guard is ">="); 2**-10 below it the map is finite, with its formula value.
    realmax = float(np.finfo(np.float32).max)
    w = np.array([1.0], dtype=np.float32)

    def bound(a):
        x = np.zeros(10, dtype=np.float32)
        x[3] = a
        return error_bound(x, w, op="correlate", method="fft", arithmetic="F32_F32_F32")

    at = bound(realmax / 64)
    assert at.terms["t"] == 4 and float(at.value) == np.inf
    a = float(np.float32(realmax / 64 * (1 - 2.0**-10)))  # 5/4 of it passes realmax: the constant is 4
    below = bound(a)
    u = 2.0**-24
    eta = u + 4 * u / (1 - 4 * u) * (math.sqrt(2) + u)
    c_n = 4 * eta / (1 - 4 * eta)
    # One channel, one nonzero tap: S = ||x||_2 ||w||_1 + ||x||_1 ||w||_2 = 2 a; 10 + 1 + 10 terms.
    expected = (3 * c_n + math.sqrt(5) * u + u / (1 - u)) * 2 * a * (1 + 21 * 2.0**-52) * (1 + 2.0**-40)
    assert float(below.value) == pytest.approx(expected, rel=1e-12)


def test_fft_norms_are_taken_per_map_without_underflow():
    # The 2-norms are of each feature map on its own: a batch of a huge sample (2**500) and a tiny
    # one (2**-600, whose square underflows float64) has the tiny sample's bound proportional to
    # 2**-600, the formula's, not 0 or the huge sample's.  x = [a, a], w = [1] per sample:
    # S = ||x||_2 ||w||_1 + ||x||_1 ||w||_2 = (sqrt(2) + 2) a, t = 1 stage.
    x = np.array([[[2.0**500, 2.0**500]], [[2.0**-600, 2.0**-600]]])
    w = np.array([[[1.0]]])
    got = error_bound(x, w, op="conv", method="fft").value  # (N, C_out) = (2, 1)
    u = 2.0**-53
    eta = u + 4 * u / (1 - 4 * u) * (math.sqrt(2) + u)
    c_n = eta / (1 - eta)
    constant = (3 * c_n + math.sqrt(5) * u + u / (1 - u)) * (1 + (4 + 1 + 10) * 2.0**-52) * (1 + 2.0**-40)
    for sample, a in enumerate((2.0**500, 2.0**-600)):
        assert float(got[sample, 0]) == pytest.approx(constant * (math.sqrt(2) + 2) * a, rel=1e-12, abs=0), sample
    # A lone tiny map too: scaling it by 2 (not by its own largest power of two) would square it to 0.
    tiny = error_bound(np.array([2.0**-600, 2.0**-600]), np.array([2.0**-600]), op="correlate", method="fft")
    assert float(tiny.value) == pytest.approx(constant * (math.sqrt(2) + 2) * 2.0**-1200, rel=1e-12, abs=0)


def test_fft_bound_of_a_layer_adds_the_bias_rounding():
    # One more rounding per output: (1 + u) B + u (S + sqrt(#outputs) |b|); two outputs here.
    x, w = np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, -1.0]]])
    plain = float(error_bound(x, w, op="conv", method="fft").value[0, 0])
    s = float(error_bound(x, w, op="conv", method="fft").terms["S"][0, 0])
    biased = float(error_bound(x, w, np.array([4.0]), op="conv", method="fft").value[0, 0])
    assert biased == pytest.approx((1 + U64) * plain + U64 * (s + math.sqrt(2) * 4.0) * (1 + 2.0**-40), rel=1e-9)
    # The convolution's bound is the correlation's with the kernel flipped.
    conv = error_bound(np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0]), op="convolve", method="fft")
    corr = error_bound(np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0]), op="correlate", method="fft")
    assert float(conv.value) == float(corr.value)


def test_winograd_bound_by_hand():
    # F(2,3) on x = 1..6, w = [1, 2, 3]: two tiles d = x[0:4], x[2:6].  Magnitudes
    # |AT| (|G||w| * |BT||d|): |G||w| = [1, 3, 3, 3]; |BT||d| = [4, 5, 5, 6] and [8, 9, 9, 10];
    # rows [1, 1, 1, 0] and [0, 1, 1, 1] of |AT| give 4+15+15 = 34, 15+15+18 = 48, 8+27+27 = 62, 27+27+30 = 84.
    x, w = np.arange(1.0, 7.0), np.array([1.0, 2.0, 3.0])
    b = error_bound(x, w, op="correlate", method="winograd")
    assert b.terms["magnitude"].ravel().tolist() == [34.0, 48.0, 62.0, 84.0]
    # K = nd (k_A + k_G + k_B) + C + 1 + rho_G = (3 + 3 + 2) + 1 + 1 + 0 (G is dyadic): nonzeros per row.
    assert b.terms["K"] == 10
    scale = (1 + (1 + 4 * 4 + 10) * 2.0**-52) * (1 + 2.0**-40)  # C + 4 alpha nd + 10 float64 terms
    expected = [float(gamma(10, U64)) * y * scale for y in (34, 48, 62, 84)]
    assert b.value.tolist() == pytest.approx(expected, rel=1e-12)
    assert (b.kind, b.method) == ("componentwise", "winograd")
    assert b.source == (
        "componentwise Winograd bound [derived] from fl(Mv) = (M + dM)v, |dM| <= gamma_k|M| (Higham §3.5), notes §2.2"
    )
    assert b.assumptions == (
        "transforms as given (m=2, r=3); K = 10",
        "transform-domain sum over channels",
        "no underflow or overflow in the transforms",
    )
    # With a bias: one more rounding, (1 + u) B + u (Y + |b|).
    xl, wl = x[None, None], w[None, None]
    biased = error_bound(xl, wl, np.array([-5.0]), op="conv", method="winograd").value.ravel()
    expected_b = [(1 + U64) * e + U64 * (y + 5) * (1 + 2.0**-40) for e, y in zip(expected, (34, 48, 62, 84))]
    assert biased.tolist() == pytest.approx(expected_b, rel=1e-12)
    # Convolution: the correlation with the kernel flipped.
    flipped = error_bound(x, w[::-1].copy(), op="convolve", method="winograd")
    assert flipped.value.tolist() == b.value.tolist()


def test_winograd_bound_of_a_batch_with_bias_is_the_bound_of_each_sample():
    # Outputs do not interact: the bound of a batch (N = 2, two output channels, a bias) is, sample
    # by sample, the bound of that sample alone; float64 values from an exact (Fraction) transform.
    rng = np.random.default_rng(19)
    x, w, bias = rng.normal(size=(2, 1, 7)), rng.normal(size=(2, 1, 3)), np.array([0.5, -2.0])
    batch = error_bound(x, w, bias, op="conv", method="winograd")
    assert batch.value.shape == (2, 2, 5) and batch.value.dtype == np.float64
    for i in range(2):
        alone = error_bound(x[i : i + 1], w, bias, op="conv", method="winograd").value
        assert batch.value[i].tolist() == alone[0].tolist(), i
    # Transform matrices given as exact rationals bound in float64, as the same matrices in float do.
    exact_f23 = tuple([[Fraction(v).limit_denominator(8) for v in row] for row in m] for m in WINOGRAD["F(2,3)"])
    rational = error_bound(x, w, bias, op="conv", method="winograd", transform=exact_f23)
    assert rational.value.dtype == np.float64 and rational.value.tolist() == batch.value.tolist()


def test_fast_bounds_read_an_integer_bias_by_its_magnitude():
    # |b| of an int8 bias of -128 is 128 (int8's own abs wraps to -128): every bound with it is the
    # bound with the float bias -128.0, and larger than with no bias, by u (Y + 128) per output
    # for Winograd (Y = 3 for ones), by u sqrt(4) 128 and more per map for the FFT.
    x, w = np.ones((1, 1, 6)), np.ones((1, 1, 3))
    for method in ("winograd", "fft", "direct"):
        as_int = error_bound(x, w, np.array([-128], np.int8), op="conv", method=method).value
        as_float = error_bound(x, w, np.array([-128.0]), op="conv", method=method).value
        unbiased = error_bound(x, w, op="conv", method=method).value
        assert as_int.tolist() == as_float.tolist(), method
        assert (as_int - unbiased > 128 * 2.0**-53).all(), method


def test_an_empty_batch_has_an_empty_bound():
    # No outputs, no bound entries, no error: the largest term count over no outputs is taken as 0.
    empty = np.zeros((0, 4))
    assert error_bound(empty, 2, op="avg_pool", axes=-1).value.shape == (0, 2)
    assert error_bound(empty, 2, 2, op="lp_pool", axes=-1).value.shape == (0, 2)
    assert error_bound(empty, 2, np.ones(2), op="weighted_pool", axes=-1).value.shape == (0, 2)
    daz = Arithmetic("f64, DAZ", accumulate=FORMATS["f64"], daz=True)
    for arith in (None, daz):
        assert error_bound(np.zeros((0, 1, 4)), np.ones((3, 1, 2)), op="conv", arithmetic=arith).value.shape == (
            0,
            3,
            3,
        )
        assert error_bound(empty, 2, op="avg_pool", axes=-1, arithmetic=arith).value.shape == (0, 2)


def test_avg_pool_bound_past_float64_is_infinite_without_warnings():
    import warnings

    # 200 cells of 5e305 summed (divisor 1) in bfloat16: the sum 1e308 is finite in float64, but
    # gamma_201(2**-8) = 201/55 > 1, so the bound passes float64's range: inf, without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = error_bound(np.full(200, 5e305), 200, op="avg_pool", divisor_override=1, arithmetic="BF16_BF16_BF16")
    assert b.terms["M"].tolist() == [pytest.approx(1e308, rel=1e-12)] and b.value.tolist() == [math.inf]


def test_avg_pool_bound_is_infinite_where_the_window_sum_may_overflow():
    # A float16 implementation summing [6e4, 6e4] in float16 gets inf (120000 > 65504) and then
    # inf / 2: correct for F16_F16_F16, yet |inf - 6e4| exceeds any finite bound.  The weighted
    # pool with equal weights, the same average, says inf.
    x = np.array([6e4, 6e4], np.float16)
    assert error_bound(x, 2, np.ones(2), op="weighted_pool").value.tolist() == [math.inf]
    bound = error_bound(x, 2, op="avg_pool")
    assert bound.value.tolist() == [math.inf]
    assert bound.assumptions[-1] == "overflow possible at 1 outputs: bound is inf there"


def test_daz_flushes_only_subnormal_float_operands():
    # DAZ reads operands below the smallest normal as 0: float32's smallest normal itself is read
    # as it is (the bound equals the one without DAZ), and an integer operand has no subnormals
    # (it is bounded as its float32 values are).
    daz = Arithmetic("f32, DAZ", accumulate=FORMATS["f32"], daz=True)
    plain = Arithmetic("f32", accumulate=FORMATS["f32"])
    w = np.array([1.0, 0.5], np.float32)
    x = np.array([2.0**-126, 0.0, -3.0], np.float32)  # the first output holds the smallest normal alone
    assert error_bound(x, w, op="correlate", arithmetic=daz).value.tolist() == (
        error_bound(x, w, op="correlate", arithmetic=plain).value.tolist()
    )
    ints = np.array([1, -2, 3])
    assert error_bound(ints, w, op="correlate", arithmetic=daz).value.tolist() == (
        error_bound(ints.astype(np.float32), w, op="correlate", arithmetic=daz).value.tolist()
    )


def test_integer_operands_with_rounded_inputs_are_bounded_as_their_float_values():
    ints, w = np.array([1, -2, 3]), np.array([1.0, 0.5], np.float32)
    got = error_bound(ints, w, op="correlate", arithmetic="F16_F16_F32").value
    assert (
        got.tolist() == error_bound(ints.astype(np.float32), w, op="correlate", arithmetic="F16_F16_F32").value.tolist()
    )


def test_fast_bounds_cover_only_the_bilinear_ops():
    y, w = np.ones((1, 1, 3)), np.ones((1, 1, 2))
    with pytest.raises(ValueError) as info:
        error_bound(y, w, op="conv_transpose", method="fft")
    assert str(info.value) == (
        "error_bound: op='conv_transpose' has no fast-algorithm bound; expected 'conv', 'correlate' or 'convolve'"
    )


# --- the documented formulas, recomputed independently ------------------------------------------
#
# Each test below restates a formula of refconv.bounds' docstring and evaluates it without
# refconv: taps enumerated by plain loops over a numpy-padded input, magnitudes and counts in
# exact rationals (Fractions), representability decided from the format's definition.  refconv's
# float64 bound must never be below the exact formula (rigour) and must equal it times the
# documented 1 + 2**-40 safety factor up to float64 evaluation error (no silent loosening).

SAFETY = Fraction(1) + Fraction(2) ** -40
_PAD = {"zeros": "constant", "circular": "wrap"}


def _q(v) -> Fraction:
    return Fraction(float(v))


def _exponent(f: Fraction) -> int:
    """``floor(log2 |f|)``, exactly (math.log2 rounds just below a power of two up to it)."""
    f = abs(f)
    e = f.numerator.bit_length() - f.denominator.bit_length()
    return e if Fraction(2) ** e <= f else e - 1


def _fits(v, fmt) -> bool:
    """Whether ``v`` is a number of ``fmt``: an integer multiple of its quantum, within range."""
    f = abs(_q(v))
    if f == 0:
        return True
    quantum = Fraction(2) ** (max(_exponent(f), fmt.e_min) - fmt.p + 1)
    return (f / quantum).denominator == 1 and f <= _q(fmt.realmax)


def _gamma(k, u: Fraction) -> Fraction:
    return k * u / (1 - k * u)


def _layer_taps(x, w, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """Taps of a layer conv, x (C_in, *S), w (C_out, C_in/g, *K): ``(taps, outs, xp)``.

    ``taps`` is ``{(o, *out_index): [(x_tap, w_tap, real_cell), ...]}``, ``outs`` the output's
    spatial shape and ``xp`` the padded input.  ``padding`` is one width for every axis or one per
    axis.  ``real_cell`` is 1 where the tap reads an input cell or a copy of one (circular padding),
    0 on a zero pad: the conversion-underflow term counts those taps.
    """
    nd = w.ndim - 2
    pads = (padding,) * nd if isinstance(padding, int) else padding
    widths = [(0, 0)] + [(p, p) for p in pads]
    xp = np.pad(x.astype(np.float64), widths, mode=_PAD[padding_mode])
    real = np.pad(np.ones(x.shape), widths, mode=_PAD[padding_mode])
    c_group, o_group = x.shape[0] // groups, w.shape[0] // groups
    outs = [(xp.shape[1 + a] - dilation * (w.shape[2 + a] - 1) - 1) // stride + 1 for a in range(nd)]
    taps = {}
    for o in range(w.shape[0]):
        first = (o // o_group) * c_group
        for index in np.ndindex(*outs):
            taps[(o, *index)] = [
                (xp[(first + c, *pos)], w[(o, c, *k)], real[(first + c, *pos)])
                for c in range(c_group)
                for k in np.ndindex(*w.shape[2:])
                for pos in [tuple(i * stride + t * dilation for i, t in zip(index, k))]
            ]
    return taps, tuple(outs), xp


_magnitudes = st.floats(2.0**-6, 4, width=32)
_values = st.sampled_from([0.0, 1.0, -3.0]) | _magnitudes | _magnitudes.map(lambda v: -v)


@dataclass
class Problem:
    """An error_bound call (``args``, ``kwargs``) and, worked out without refconv, its ``taps``
    (keyed by output index), ``bias``, output ``shape``, and the layer form the fast bounds see:
    padded input ``xp`` (C_in, *P), ``kernel`` (C_out, C_in/g, *K) and ``groups``."""

    args: tuple
    kwargs: dict
    taps: dict
    bias: Any
    shape: tuple
    xp: np.ndarray
    kernel: np.ndarray
    groups: int


@st.composite
def conv_problems(draw, kinds=("correlate-1d", "correlate-2d", "convolve-1d", "conv-1d", "conv-2d"), fast=False):
    """A :class:`Problem`.  ``fast=True`` keeps to what the Winograd bound covers: stride 1,
    dilation 1, 3-tap kernels."""
    kind = draw(st.sampled_from(kinds))
    nd = int(kind[-2])
    # Scaled by 2**-70, products are float32 subnormals: the underflow terms n * eta matter; by
    # 2**12, sums pass float16's range: the bound is inf where a format may overflow.
    scale = np.float32(draw(st.sampled_from([1.0, 2.0**-70, 2.0**12])))
    arr = lambda shape: draw(hnp.arrays(np.float32, shape, elements=_values)) * scale  # noqa: E731
    stride, dilation = (1, 1) if fast or nd == 2 else (draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 2])))
    kernel_shape = (3,) * nd if fast else ((3,) if nd == 1 else (2, 3))
    if kind.startswith(("correlate", "convolve")):
        x, w = arr((7,) if nd == 1 else (5, 6)), arr(kernel_shape)
        mode = draw(st.sampled_from(["valid", "full"]))
        kernel = (w if kind.startswith("correlate") else np.flip(w))[None, None]
        padding = tuple(dilation * (k - 1) for k in w.shape) if mode == "full" else 0
        taps, outs, xp = _layer_taps(x[None], kernel, stride, padding, dilation)
        kwargs = dict(op=kind[:-3], mode=mode, stride=stride, dilation=dilation)
        taps = {index[1:]: pairs for index, pairs in taps.items()}
        return Problem((x, w), kwargs, taps, None, outs, xp, kernel, 1)
    groups, c_out = draw(st.sampled_from([1, 2])), draw(st.sampled_from([2, 4]))
    x = arr((2, 7) if nd == 1 else (2, 5, 5))
    w = arr((c_out, 2 // groups) + ((3,) * nd if fast or nd == 1 else (2, 2)))
    bias = draw(st.none() | hnp.arrays(np.float32, c_out, elements=_values))
    geometry = dict(
        stride=stride,
        padding=draw(st.sampled_from([0, 1])),
        dilation=dilation,
        groups=groups,
        padding_mode=draw(st.sampled_from(["zeros", "circular"])),
    )
    taps, outs, xp = _layer_taps(x, w, **geometry)
    return Problem((x, w, bias), dict(op="conv", **geometry), taps, bias, (c_out, *outs), xp, w, groups)


ARITHMETICS = [PRESETS[name] for name in sorted(PRESETS)] + [
    Arithmetic("as stored, accumulate in the dtype", None, "rn", None, "rn"),
    Arithmetic("f32 acc, f16 out", None, "rn", FORMATS["f32"], "rn", FORMATS["f16"]),
    Arithmetic("f16 in, truncated", FORMATS["f16"], "rz", FORMATS["f32"], "rz"),
    # 2 p_in = p_acc: the products are still exact.
    Arithmetic("12-bit in, f32 acc", Format("p12", 12, -126, 127), "rn", FORMATS["f32"], "rn"),
    # f16 inputs summed in f16: the products round (2 p_in > p_acc).
    Arithmetic("f16 in, f16 acc", FORMATS["f16"], "rn", FORMATS["f16"], "rn"),
    # Device arithmetic: flush-to-zero results, denormal operands read as zero, low-format stores.
    Arithmetic("f16 in, f32 acc, FTZ, f16 out", FORMATS["f16"], "rn", FORMATS["f32"], "rn", FORMATS["f16"], ftz=True),
    Arithmetic("DAZ only", None, "rn", None, "rn", daz=True),
    Arithmetic("bf16 in, truncated, FTZ and DAZ", FORMATS["bf16"], "rz", FORMATS["f32"], "rz", ftz=True, daz=True),
    Arithmetic("bf16x3, FTZ", None, "rn", FORMATS["f32"], "rn", split="bf16x3", ftz=True),
]
#: The FFT and Winograd bounds refuse flushing arithmetics.
FAST_ARITHMETICS = [a for a in ARITHMETICS if not (a.ftz or a.daz)]
#: Each arithmetic gets its own examples (a fraction of the profile's: the formulas are in Fractions).
PER_ARITHMETIC = settings(max_examples=max(6, settings.default.max_examples // 8))
_DTYPES = {None: "f32", np.float16: "f16", np.float32: "f32", np.float64: "f64"}
_DTYPE_FORMAT = {"float16": FORMATS["f16"], "float32": FORMATS["f32"], "float64": FORMATS["f64"]}


def _direct_formula(x, w, taps, bias, arith, out_fmt, reference: bool):
    """``{index: (B_i, y_i, n_i)}`` and the scalar terms: the module docstring's bound (None:
    overflow possible), the exact result and the nonzero-product count.

    With ``reference``, ``|y_i|`` replaces ``M_i`` in the output-rounding term.  ``u_x`` and
    ``u_w`` are per operand: zero when every element of it is a number of the input format.
    """
    acc = arith.accumulate or out_fmt
    out = arith.output or out_fmt
    u_acc = _q(acc.u(arith.accumulate_rounding))
    u_out = Fraction(0) if (out.p >= acc.p and out.e_max >= acc.e_max) else _q(out.u())

    def u_in(values):
        if arith.inputs is None or all(_fits(v, arith.inputs) for v in values):
            return Fraction(0)
        return _q(arith.inputs.u(arith.input_rounding))

    u_x, u_w = u_in(x.ravel()), u_in(w.ravel())
    limit = min(f.realmax for f in (acc, out, arith.inputs) if f is not None)
    bound = {}
    for index, pairs in taps.items():
        b = abs(_q(bias[index[0]])) if bias is not None else Fraction(0)
        M = sum((abs(_q(a)) * abs(_q(c)) for a, c, _ in pairs), Fraction(0)) + b
        n = sum(1 for a, c, _ in pairs if a != 0 and c != 0) + (b != 0)
        if arith.split == "bf16x3":
            bracket = 3 * Fraction(2) ** -16 + _gamma(3 * n, u_acc)
        else:
            products_exact = arith.inputs is not None and 2 * arith.inputs.p <= acc.p
            k = max(n - 1, 0) if products_exact else n
            c = k * u_acc if arith.accumulate_rounding == "rn" and not arith.ftz else _gamma(k, u_acc)
            bracket = (1 + u_x) * (1 + u_w) * (1 + c) - 1
        y = sum((_q(a) * _q(c) for a, c, _ in pairs), Fraction(0)) + (_q(bias[index[0]]) if bias is not None else 0)
        y_abs = min(M, abs(y)) if reference else M
        value = (1 + u_out) * bracket * M + u_out * y_abs + (1 + u_out) * n * _q(acc.eta)
        if arith.inputs is not None and u_x:
            value += (1 + bracket) * _q(arith.inputs.eta) * sum(abs(_q(c)) * _q(r) for _, c, r in pairs)
        if arith.inputs is not None and u_w:
            value += (1 + bracket) * _q(arith.inputs.eta) * sum(abs(_q(a)) for a, _, _ in pairs)
        value += _device_terms(arith, acc, out, u_out, u_acc, n, pairs, bias, index, x, w)
        if n == 0:  # every product (and the bias) is an exact zero: so is the output, in any arithmetic
            value = Fraction(0)
        bound[index] = (None if M >= _q(limit) else value, y, n)
    eta_in = arith.inputs.eta if arith.inputs is not None and (u_x or u_w) else 0.0
    return bound, dict(u_acc=u_acc, u_out=u_out, u_x=u_x, u_w=u_w, eta_in=eta_in)


def _flushed(v, fmt) -> bool:
    return v != 0 and abs(_q(v)) < _q(fmt.realmin)


def _device_terms(arith, acc, out, u_out, u_acc, n, pairs, bias, index, x, w) -> Fraction:
    """The stored output's underflow, FTZ and DAZ terms (refconv.bounds' module docstring)."""
    value = Fraction(0)
    if u_out:  # eta_out / 2, or realmin_out when the store may flush
        value += _q(out.realmin) if arith.ftz else _q(out.eta) / 2
    if arith.daz:
        fx, fw = arith.inputs or _DTYPE_FORMAT[x.dtype.name], arith.inputs or _DTYPE_FORMAT[w.dtype.name]
        lost = sum(abs(_q(a) * _q(c)) * (_flushed(a, fx) + _flushed(c, fw)) for a, c, _ in pairs)
        if bias is not None and _flushed(bias[index[0]], arith.inputs or _DTYPE_FORMAT[bias.dtype.name]):
            lost += abs(_q(bias[index[0]]))
        value += (1 + u_out) * lost
    if arith.ftz:
        terms = 3 * n if arith.split == "bf16x3" else n
        value += (1 + u_out) * (1 + _gamma(terms, u_acc)) * max(2 * terms - 1, 0) * _q(acc.realmin)
    return value


def _assert_pinned(got: float, formula: Fraction, where):
    """``got`` is the formula times the 1 + 2**-40 safety factor, up to float64 evaluation error.

    Where the formula is subnormal in float64, relative margins vanish: refconv adds 2**-1070
    there instead (module docstring), so the check is absolute.
    """
    got = Fraction(got)
    assert got >= formula, ("below the formula", where, float(got), float(formula))
    if formula == 0:
        assert got == 0, ("an exact zero got", where, float(got))
    elif formula < Fraction(2) ** -1000:
        assert got <= formula + Fraction(2) ** -1060, ("a subnormal formula got", where, float(got), float(formula))
    else:
        ratio = got / (formula * SAFETY)
        assert 1 - Fraction(2) ** -48 <= ratio <= 1 + Fraction(2) ** -44, (where, float(ratio - 1))


@pytest.mark.parametrize("arith", ARITHMETICS, ids=lambda a: a.name)
@PER_ARITHMETIC
@given(conv_problems(), st.sampled_from(list(_DTYPES)), st.booleans())
def test_direct_bound_is_its_documented_formula(arith, problem, dtype, with_reference):
    p = problem
    args, kwargs, taps, bias, shape = p.args, p.kwargs, p.taps, p.bias, p.shape
    out_fmt = FORMATS[_DTYPES[dtype]]
    formula, terms = _direct_formula(*args[:2], taps, bias, arith, out_fmt, with_reference)
    reference = None
    if with_reference:  # the exact results, rounded to float64 (refconv allows for that rounding)
        reference = np.array([float(y) for _, y, _ in formula.values()]).reshape(shape)
    got = error_bound(*args, dtype=dtype, arithmetic=arith, reference=reference, **kwargs)
    assert (got.kind, got.method, got.arithmetic.name) == ("componentwise", "direct", arith.name)
    assert got.value.shape == shape and got.value.dtype == np.float64
    assert {k: got.terms[k] for k in terms} == terms
    assert got.terms["n"].tolist() == np.reshape([n for _, _, n in formula.values()], shape).tolist()
    for index, pairs in taps.items():  # M encloses sum |x||w| (+|b|) from above, never below
        b = abs(_q(bias[index[0]])) if bias is not None else 0
        assert Fraction(got.terms["M"][index]) >= sum(abs(_q(a) * _q(c)) for a, c, _ in pairs) + b, index
    for index, (value, _, _) in formula.items():
        if value is None:
            assert got.value[index] == np.inf, index
        else:
            _assert_pinned(got.value[index], value, index)


#: Nonzeros per row, at most, of AT, G and BT, and whether G holds a non-dyadic entry (1/6), hand-counted.
_WINOGRAD_COUNTS = {"F(2,3)": (3, 3, 2, 0), "F(4,3)": (5, 3, 4, 1)}


def _winograd_magnitude(p: Problem, transform: str) -> dict:
    """``{index: Y}``: |AT| [sum_c (|G||g_c||G|^T) * (|BT||d_c||BT|^T)] |AT|^T per tile, in Fractions.

    Tiles start every m cells of the padded input, zero-extended to whole tiles.
    """
    at, g_mat, bt = (np.vectorize(lambda v: abs(_q(v)), otypes=[object])(np.array(m)) for m in WINOGRAD[transform])
    m, alpha = at.shape[0], bt.shape[0]
    nd = p.kernel.ndim - 2
    ext = np.zeros(p.xp.shape[:1] + tuple(-(-o // m) * m + alpha - m for o in p.shape[-nd:]), dtype=object)
    ext[(slice(None), *(slice(0, n) for n in p.xp.shape[1:]))] = np.vectorize(_q, otypes=[object])(p.xp)
    c_group, o_group = p.xp.shape[0] // p.groups, p.kernel.shape[0] // p.groups

    def both_sides(a, v):  # a v a^T in 2-D, a v in 1-D
        return a.dot(v) if nd == 1 else a.dot(v).dot(a.T)

    Y = {}
    for index in p.taps:
        o, out = (index[0], index[1:]) if len(index) > nd else (0, index)
        tile = tuple(slice(i // m * m, i // m * m + alpha) for i in out)
        first = (o // o_group) * c_group
        acc = sum(
            both_sides(g_mat, np.vectorize(lambda v: abs(_q(v)), otypes=[object])(p.kernel[o, c]))
            * both_sides(bt, np.vectorize(abs, otypes=[object])(ext[(first + c, *tile)]))
            for c in range(c_group)
        )
        Y[index] = both_sides(at, acc)[tuple(i % m for i in out)]
    return Y


@pytest.mark.parametrize("transform", [None, "F(2,3)", "F(4,3)", "F(4,3) matrices"])
@PER_ARITHMETIC
@given(
    conv_problems(kinds=("correlate-1d", "correlate-2d", "convolve-1d", "conv-1d", "conv-2d"), fast=True),
    st.sampled_from(FAST_ARITHMETICS),
)
def test_winograd_bound_is_its_documented_formula(transform, problem, arith):
    p = problem
    name = "F(4,3)" if transform and transform.startswith("F(4,3)") else "F(2,3)"
    given_transform = WINOGRAD[name] if transform == "F(4,3) matrices" else transform
    got = error_bound(*p.args, method="winograd", transform=given_transform, arithmetic=arith, **p.kwargs)
    nd = p.kernel.ndim - 2
    k_a, k_g, k_b, rho = _WINOGRAD_COUNTS[name]
    K = nd * (k_a + k_g + k_b) + p.kernel.shape[1] + 1 + rho
    acc = arith.accumulate or FORMATS["f32"]
    u = _q(acc.u(arith.accumulate_rounding))
    m = 2 if name == "F(2,3)" else 4
    assert (got.kind, got.method, got.terms["K"], got.arithmetic.name) == ("componentwise", "winograd", K, arith.name)
    assert got.assumptions[0] == f"transforms as given (m={m}, r=3); K = {K}"
    assert got.value.shape == p.shape
    magnitude = got.terms["magnitude"].reshape(p.shape)
    for index, Y in _winograd_magnitude(p, name).items():
        formula = _gamma(K, u) * Y
        if p.bias is not None:
            formula = (1 + u) * formula + u * (Y + abs(_q(p.bias[index[0]])))
        assert abs(Fraction(float(magnitude[index])) - Y) <= Y * Fraction(2) ** -45, (index, magnitude[index], Y)
        _assert_pinned(got.value[index], formula, index)


@pytest.mark.parametrize("arith", FAST_ARITHMETICS, ids=lambda a: a.name)
@PER_ARITHMETIC
@given(conv_problems())
def test_fft_bound_is_its_documented_formula(arith, problem):
    # ||y^ - y||_2 <= (3 c_N + sqrt(5) u + gamma_C(u)) S per feature map, S = sum_c (||x_c||_2
    # ||w_c||_1 + ||x_c||_1 ||w_c||_2) over the padded input's channels of the map's group; t
    # radix-2 stages per axis for the full linear convolution; a bias adds one rounding.  In
    # float64 (sqrt is irrational), scaled by the documented 1 + (size) 2**-52 evaluation margin.
    p = problem
    got = error_bound(*p.args, method="fft", arithmetic=arith, **p.kwargs)
    nd = p.kernel.ndim - 2
    dilation = p.kwargs["dilation"]
    full = [n + dilation * (k - 1) for n, k in zip(p.xp.shape[1:], p.kernel.shape[2:])]
    t = sum(math.ceil(math.log2(max(2, n))) for n in full)
    u = (arith.accumulate or FORMATS["f32"]).u(arith.accumulate_rounding)
    eta = u + 4 * u / (1 - 4 * u) * (math.sqrt(2) + u)
    c_n = t * eta / (1 - t * eta)
    C = p.kernel.shape[1]
    constant = 3 * c_n + math.sqrt(5) * u + C * u / (1 - C * u)
    c_group, o_group = p.xp.shape[0] // p.groups, p.kernel.shape[0] // p.groups
    outputs = math.prod(p.shape[-nd:])
    margin = (1 + (p.xp.size + p.kernel.size + 10) * 2.0**-52) * (1 + 2.0**-40)
    expected = []
    for o in range(p.kernel.shape[0]):
        xs = np.abs(p.xp[(o // o_group) * c_group :][:c_group]).reshape(c_group, -1)
        ws = np.abs(p.kernel[o].astype(np.float64)).reshape(c_group, -1)
        S = sum(math.sqrt(a @ a) * b.sum() + a.sum() * math.sqrt(b @ b) for a, b in zip(xs, ws))
        value = constant * S
        if p.bias is not None:
            value = (1 + u) * value + u * (S + math.sqrt(outputs) * abs(float(p.bias[o])))
        # Past the accumulator's range the transforms may overflow: no finite bound.
        reach = sum(a.sum() * b.sum() for a, b in zip(xs, ws)) * 2.0**t * 4
        expected.append(math.inf if reach >= (arith.accumulate or FORMATS["f32"]).realmax else value * margin)
    assert (got.kind, got.method, got.terms["t"], got.arithmetic.name) == ("normwise", "fft", t, arith.name)
    assert got.assumptions[1] == f"twiddle error mu = u; t = {t} radix-2 stages"
    assert np.shape(got.value) == p.shape[: len(p.shape) - nd]
    assert np.ravel(got.value).tolist() == pytest.approx(expected, rel=2.0**-48, abs=0)


@st.composite
def pool_problems(draw):
    """``(x, kernel_size, kwargs, windows, shape)``: an avg_pool call over every axis of x, per
    output its cells and divisor (torch's rules, worked out here), and the output shape."""
    nd = draw(st.sampled_from([1, 2]))
    scale = np.float32(draw(st.sampled_from([1.0, 2.0**-70, 2.0**-135])))  # 2**-135: float32 subnormals (DAZ)
    x = draw(hnp.arrays(np.float32, (7,) if nd == 1 else (5, 6), elements=_values)) * scale
    k = draw(st.sampled_from([2, 3]))
    stride = draw(st.sampled_from([None, 1, 2]))
    padding = draw(st.sampled_from([0, 1]))
    include_pad = draw(st.booleans())
    override = draw(st.sampled_from([None, 3]))
    s = stride or k
    outs = [(n + 2 * padding - k) // s + 1 for n in x.shape]
    windows = {}
    for index in np.ndindex(*outs):
        starts = [i * s - padding for i in index]
        cells = [
            x[pos]
            for pos in np.ndindex(*(k,) * nd)
            for pos in [tuple(a + t for a, t in zip(starts, pos))]
            if all(0 <= c < n for c, n in zip(pos, x.shape))
        ]
        divisor = override or (k**nd if include_pad else len(cells))
        windows[index] = (cells, divisor)
    kwargs = dict(stride=stride, padding=padding, count_include_pad=include_pad, divisor_override=override)
    return x, (k,) * nd, kwargs, windows, tuple(outs)


@pytest.mark.parametrize("arith", ARITHMETICS, ids=lambda a: a.name)
@PER_ARITHMETIC
@given(pool_problems(), st.sampled_from(list(_DTYPES)), st.booleans())
def test_avg_pool_bound_is_its_documented_formula(arith, problem, dtype, with_reference):
    # B = (1+u_out) gamma_{k+1}(u_acc) mean|x| + u_out |y| + (1+u_out)(k+1) eta_acc, k the window's
    # nonzero cells, mean|x| the window's sum of |x| over its divisor (module docstring, notes §5).
    x, kernel_size, kwargs, windows, shape = problem
    out_fmt = FORMATS[_DTYPES[dtype]]
    acc = arith.accumulate or out_fmt
    out = arith.output or out_fmt
    u_acc = _q(acc.u(arith.accumulate_rounding))
    u_out = Fraction(0) if out.p >= acc.p else _q(out.u())
    exact_y = {i: sum(map(_q, cells), Fraction(0)) / divisor for i, (cells, divisor) in windows.items()}
    reference = None
    if with_reference:
        reference = np.array([float(y) for y in exact_y.values()]).reshape(shape)
    got = error_bound(x, kernel_size, op="avg_pool", dtype=dtype, arithmetic=arith, reference=reference, **kwargs)
    assert (got.kind, got.method, got.value.shape, got.arithmetic.name) == (
        "componentwise",
        "direct",
        shape,
        arith.name,
    )
    assert got.source == (
        "gamma_{k+1} for k-1 additions and a division by the divisor [derived], Higham 2002 §4.2, notes §5"
    )
    flags = " and ".join(f.upper() for f in ("ftz", "daz") if getattr(arith, f))
    assert got.assumptions == ("any summation order",) + ((f"{flags} modelled",) if flags else ())
    assert sorted(got.terms) == ["M", "n", "u_acc", "u_out"] and (got.terms["u_acc"], got.terms["u_out"]) == (
        u_acc,
        u_out,
    )
    for index, (cells, divisor) in windows.items():
        k = sum(1 for c in cells if c != 0)
        mean_abs = sum((abs(_q(c)) for c in cells), Fraction(0)) / divisor
        y_abs = abs(exact_y[index]) if with_reference else mean_abs
        formula = (1 + u_out) * _gamma(k + 1, u_acc) * mean_abs + u_out * y_abs + (1 + u_out) * (k + 1) * _q(acc.eta)
        # Device terms: each flushed cell's |x| / divisor lost (DAZ); k operations flushed (FTZ).
        fx = arith.inputs or _DTYPE_FORMAT[x.dtype.name]
        lost = sum((abs(_q(c)) for c in cells if _flushed(c, fx)), Fraction(0)) / divisor
        formula += _device_terms(dataclasses.replace(arith, daz=False), acc, out, u_out, u_acc, 0, [], None, (), x, x)
        formula += (1 + u_out) * lost if arith.daz else 0
        if arith.ftz:  # the direct helper counted 2n - 1 operations for n products; here k, carried k + 1 times
            formula += (1 + u_out) * (1 + _gamma(k + 1, u_acc)) * k * _q(acc.realmin)
        assert got.terms["n"][index] == k and Fraction(got.terms["M"][index]) >= mean_abs
        _assert_pinned(got.value[index], formula, index)


# --- the small pieces: formats, gamma, representability, operands by keyword, max pooling ---------


def test_unit_roundoff_and_gamma_by_hand():
    assert FORMATS["f32"].u() == 2.0**-24 and FORMATS["f32"].u("rz") == 2.0**-23
    assert FORMATS["bf16"].u() == 2.0**-8 and FORMATS["f16"].eta == 2.0**-24
    # gamma_k(1/4) = k/4 / (1 - k/4): 0, 1/3, 3, then inf from k u = 1 on (no division warning).
    assert gamma([0, 1, 3, 4, 5], 0.25).tolist() == [0.0, 1 / 3, 3.0, np.inf, np.inf]


def test_representable_by_hand():
    from refconv.bounds import representable

    assert representable(np.array([1.5, -0.25, np.nan, np.inf]), FORMATS["bf16"])
    assert not representable(np.array([1.5, 1 + 2.0**-30]), FORMATS["bf16"])  # float64, not even float32
    assert not representable(np.array([1 + 2.0**-9], np.float32), FORMATS["bf16"])
    assert representable(np.array([1 + 2.0**-10], np.float32), FORMATS["f16"])
    assert not representable(np.array([1e5], np.float32), FORMATS["f16"])  # past 65504


def test_operands_by_keyword_bind_like_positional_ones():
    x, w, b = np.arange(1.0, 6.0, dtype=np.float32), np.array([1.0, -2.0, 0.5], np.float32), np.float32([3.0])
    assert error_bound(x=x, w=w, op="correlate").value.tolist() == error_bound(x, w, op="correlate").value.tolist()
    layer = error_bound(x[None, None], w[None, None], b, op="conv", padding=1)
    by_name = error_bound(x[None, None], w=w[None, None], bias=b, op="conv", padding=1)
    assert by_name.value.tolist() == layer.value.tolist() and layer.terms["n"][0, 0].tolist() == [3, 4, 4, 4, 3]
    pooled = error_bound(x, op="avg_pool", kernel_size=2, stride=1)
    assert pooled.value.tolist() == error_bound(x, 2, op="avg_pool", stride=1).value.tolist()
    assert pooled.value.shape == (4,)


def test_a_bound_is_an_array():
    b = error_bound(np.ones(4, np.float32), np.ones(2, np.float32), op="correlate")
    assert np.array_equal(np.asarray(b), b.value) and np.asarray(b).dtype == np.float64
    assert np.asarray(b, dtype=np.float32).dtype == np.float32 and np.all(np.asarray(b) > 0)


def test_max_pooling_is_exact():
    x = np.arange(10, dtype=np.float16).reshape(2, 5)
    b = error_bound(x, 2, op="max_pool", stride=1, padding=1)
    assert b.value.tolist() == [[0.0] * 6] * 2 and b.value.shape == (2, 6)
    assert (b.kind, b.method, b.arithmetic.name) == ("componentwise", "direct", "F16_F16_F16")
    assert b.source == "max is exact: compare bitwise (notes §5)"


def test_winograd_scaled_transform_counts_only_g_dyadicity():
    # G scaled by 3/64 and AT by 64/3 is the same algorithm; G's entries stay dyadic (3/64, 3/128),
    # so rho_G = 0 and K = 10 as for F(2,3).  A non-dyadic G (1/6) adds one rounding: rho_G = 1.
    at, g_mat, bt = (np.array(m, dtype=np.float64) for m in WINOGRAD["F(2,3)"])
    x, w = np.arange(1.0, 7.0), np.array([1.0, 2.0, 3.0])
    scaled = error_bound(x, w, op="correlate", method="winograd", transform=(at * 64 / 3, g_mat * 3 / 64, bt))
    assert scaled.terms["K"] == 10
    sixth = error_bound(x, w, op="correlate", method="winograd", transform=(at * 3, g_mat / 3, bt))
    assert sixth.terms["K"] == 11


@given(
    x_shape=st.lists(st.integers(1, 4), min_size=2, max_size=3),
    w_shape=st.lists(st.integers(1, 4), min_size=3, max_size=3),
    bias_len=st.none() | st.integers(1, 4),
    groups=st.sampled_from([0, 1, 2, 3, 1.5]),
    padding_mode=st.sampled_from(["zeros", "circular", "reflect", "wrap"]),
    padding=st.sampled_from([0, 1, -1]),
)
def test_fast_bounds_refuse_what_conv_refuses(x_shape, w_shape, bias_len, groups, padding_mode, padding):
    # The FFT bound shares conv's setup: the same calls fail, with the same message.
    x, w = np.ones(x_shape, np.float32), np.ones(w_shape, np.float32)
    bias = None if bias_len is None else np.ones(bias_len, np.float32)
    geometry = dict(groups=groups, padding_mode=padding_mode, padding=padding)
    try:
        conv(x, w, bias, **geometry)
    except (ValueError, TypeError) as refused:
        with pytest.raises(type(refused)) as info:
            error_bound(x, w, bias, op="conv", method="fft", **geometry)
        assert str(info.value) == str(refused)
    else:
        got = error_bound(x, w, bias, op="conv", method="fft", **geometry).value
        assert got.shape == conv(x, w, bias, **geometry).shape[: x.ndim - 1] and np.all(got >= 0)


def test_m_comes_from_the_direct_method_even_where_auto_would_use_fft():
    # 3000 x 300 taps: refconv's "auto" correlates by FFT here, whose error near the 1e8 spike
    # swamps outputs of 3e-6.  M must enclose sum |x||w| from above: the direct method's float64
    # sum, enlarged by its own error bound.
    x, w = np.full(3000, 1e-8), np.ones(300)
    x[0] = 1e8
    M = error_bound(x, w, op="correlate").terms["M"]
    assert Fraction(M[0]) >= Fraction(1e8) + 299 * Fraction(1e-8)
    assert all(Fraction(m) >= 300 * Fraction(1e-8) for m in M[1:])
    assert np.abs(correlate(x, w) - correlate(x, w, method="direct"))[1:].max() > 1e-9  # auto is not direct


def test_conv_is_the_default_op_and_every_method_refuses_other_ops():
    x, w = np.ones((1, 1, 5), np.float32), np.ones((1, 1, 3), np.float32)
    assert error_bound(x, w).value.tolist() == error_bound(x, w, op="conv").value.tolist()
    for method in ("fft", "winograd"):
        with pytest.raises(ValueError) as info:
            error_bound(x, w, op="conv_transpose", method=method)
        assert str(info.value) == (
            "error_bound: op='conv_transpose' has no fast-algorithm bound; expected 'conv', 'correlate' or 'convolve'"
        )


def test_the_bounds_package_keeps_every_public_name_where_it_was():
    # refconv/bounds.py became a package (issue 19): each name of its __all__, and WINOGRAD, is still
    # reached as refconv.bounds.NAME, and the top-level re-exports are the same objects.
    import refconv
    import refconv.bounds as bounds

    assert set(bounds.__all__) == {
        "error_bound",
        "Bound",
        "Arithmetic",
        "Format",
        "FORMATS",
        "PRESETS",
        "round_to",
        "gamma",
        "default_arithmetic",
        "representable",
    }
    assert all(hasattr(bounds, name) for name in bounds.__all__)
    assert bounds.WINOGRAD["F(2,3)"][0] == ((1, 1, 1, 0), (0, 1, -1, -1))
    assert (refconv.error_bound, refconv.Bound, refconv.Arithmetic) == (
        bounds.error_bound,
        bounds.Bound,
        bounds.Arithmetic,
    )
    from refconv.exact import Format as exact_format

    assert bounds.Format is exact_format  # one home: the format type is refconv.exact's


@pytest.mark.parametrize("dtype", ["int32", "no such dtype", object, np.complex64])
def test_default_arithmetic_refuses_a_dtype_without_a_preset(dtype):
    from refconv.bounds import default_arithmetic

    with pytest.raises(ValueError) as info:
        default_arithmetic(dtype)
    assert str(info.value) == (
        f"default_arithmetic: dtype={dtype!r} is not a float dtype with a bound; expected float16, float32 or float64"
    )
    # error_bound words the same refusal the same way: one home for the dtype -> format table.
    with pytest.raises(ValueError, match=r"^error_bound: dtype=.* is not a float dtype with a bound; expected float16"):
        error_bound(np.ones(3), np.ones(2), op="correlate", dtype=dtype)


@pytest.mark.parametrize(
    ("dtype", "name"), [(np.float16, "F16_F16_F16"), ("float32", "F32_F32_F32"), (float, "F64_F64_F64")]
)
def test_default_arithmetic_is_the_dtypes_own_preset(dtype, name):
    from refconv.bounds import default_arithmetic

    assert default_arithmetic(dtype) is PRESETS[name]


# --- hand-picked edges of the bounds' documented formulas ------------------------------------------------
#
# Cases the Hypothesis formula tests rarely draw: each is one window or one output whose bound is
# recomputed here from the docstrings (Fractions, or 200-bit mpmath where a root is irrational).

_ETA64 = Fraction(2) ** -1074


def _direct_case(x, w, arith, dtype=None, reference=False):
    """``(got, formula)`` of a 1-D "valid" correlation of ``x`` and ``w`` under ``arith``."""
    taps, outs, _ = _layer_taps(x[None], w[None, None])
    taps = {index[1:]: pairs for index, pairs in taps.items()}
    out_fmt = FORMATS[_DTYPES[dtype]] if dtype is not None else _DTYPE_FORMAT[np.result_type(x, w).name]
    formula, _ = _direct_formula(x, w, taps, None, arith, out_fmt, reference)
    ref = np.array([float(y) for _, y, _ in formula.values()]) if reference else None
    got = error_bound(x, w, op="correlate", dtype=dtype, arithmetic=arith, reference=ref)
    return got, formula


_DAZ_BF16_OUT = Arithmetic("DAZ, f32 acc, bf16 out", None, "rn", FORMATS["f32"], "rn", FORMATS["bf16"], daz=True)
_FTZ_BF16_OUT = Arithmetic("FTZ, f32 acc, bf16 out", None, "rn", FORMATS["f32"], "rn", FORMATS["bf16"], ftz=True)


@pytest.mark.parametrize(
    "x, w, arith",
    [
        # A float32 subnormal times 2**120: the product, 2**-7, is lost whole under DAZ and the
        # stored bfloat16 rounds it once more: the lost mass enters as (1 + u_out) D.
        (np.array([2.0**-127], np.float32), np.array([2.0**120], np.float32), _DAZ_BF16_OUT),
        # Under FTZ into a bfloat16 output (u_out = 2**-8, float32's range): the FTZ term
        # (1 + u_out)(1 + gamma_n) (2n - 1) realmin_acc is about half the bound.
        (np.array([2.0**-140], np.float32), np.array([1.0], np.float32), _FTZ_BF16_OUT),
        # Flushed operands on both sides: a small flushed x times 1 and a large x times a flushed w;
        # both products are lost, so D is the sum of both sides (never their difference).
        (
            np.array([2.0**-130, 2.0**100], np.float32),
            np.array([1.0, 2.0**-130], np.float32),
            PRESETS["F32_F32_F32_FTZ"],
        ),
        # float64's smallest subnormal: the formula is u M + eta, far below 2**-1070, which the
        # bound adds (relative margins vanish there), never subtracts.
        (np.array([5e-324]), np.array([1.0]), PRESETS["F64_F64_F64"]),
    ],
    ids=["daz-bf16-out", "ftz-bf16-out", "daz-both-sides", "f64-subnormal"],
)
def test_direct_bound_is_its_formula_at_device_edges(x, w, arith):
    got, formula = _direct_case(x, w, arith)
    for index, (value, _, _) in formula.items():
        _assert_pinned(got.value[index], value, index)


@pytest.mark.parametrize(
    "bound_of",
    [
        lambda x: error_bound(x, np.ones(1), op="correlate", dtype=np.float16),
        lambda x: error_bound(x, 1, np.ones(1), op="weighted_pool", dtype=np.float16),  # one cell, weight 1
    ],
    ids=["correlate", "weighted_pool"],
)
def test_bound_is_infinite_from_the_largest_stored_value_on(bound_of):
    # The rule is M >= realmax (M the enclosed sum |x||w|, or the weighted pool's Mbar): find x
    # whose M lands exactly on float16's largest value 65504: there the bound is inf; below, finite.
    found = None
    for k in range(-40, 5):
        bound = bound_of(np.array([65504.0 * (1 + k * 2.0**-53)]))
        if bound.terms["M"][0] == 65504.0:
            found = bound
        elif bound.terms["M"][0] < 65504.0:
            assert np.isfinite(bound.value).all(), k
    assert found is not None and found.value.tolist() == [math.inf]


@pytest.mark.parametrize(
    "x, w, arith",
    [
        # M = float64's largest value: its enclosure M / (1 - gamma) overflows.
        (np.array([np.finfo(np.float64).max]), np.ones(1), None),
        # An infinite float16 x (held exactly in float16), products exact: bracket 0 times M = inf.
        (np.array([np.inf], np.float16), np.ones(1, np.float16), "F16_F16_F32"),
        # bfloat16 accumulation of 300 products: bracket 300 * 2**-8 > 1 times M near float64's top.
        (np.full(300, 5.2e305), np.ones(300), "BF16_BF16_BF16"),
    ],
    ids=["M-at-realmax", "inf-times-zero-bracket", "bracket-above-one"],
)
def test_direct_bound_overflowing_float64_is_infinite_without_warnings(x, w, arith):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = error_bound(x, w, op="correlate", arithmetic=arith)
    assert bound.value.tolist() == [math.inf]


@pytest.mark.parametrize(
    "x, kernel",
    [
        (np.array([np.finfo(np.float64).max]), 1),  # the mean's enclosure M / (1 - gamma) overflows
        (np.full(2, np.finfo(np.float64).max), 2),  # the window sum itself overflows
    ],
    ids=["mean-at-realmax", "window-sum-past-realmax"],
)
def test_avg_pool_bound_overflowing_float64_is_infinite_without_warnings(x, kernel):
    # As the direct bound: an overflow of the bound's own evaluation is a bound of inf, stated
    # in its assumptions, not a RuntimeWarning.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = error_bound(x, kernel, op="avg_pool")
    assert bound.value.tolist() == [math.inf]
    assert "overflow possible at 1 outputs: bound is inf there" in bound.assumptions


def test_direct_bound_states_its_sources():
    x, w = np.ones(3, np.float32), np.ones(2, np.float32)
    tail = "; nonzero-product count and underflow term [derived], notes §1.1, §1.5"
    assert error_bound(x, w, op="correlate").source == "k*u, any order (Jeannerod & Rump, SIMAX 34(2) 2013)" + tail
    truncated = error_bound(x, w, op="correlate", arithmetic="TF32_TF32_F32").source
    assert truncated == "gamma_k, any order, u = 2**(1-p) (Higham 2002 §3.1, §4.2)" + tail


def test_a_reference_of_exact_fractions_counts_as_its_float_values():
    # refconv.exact's object results (Fractions, ints) are accepted as the reference, element by
    # element and in the op's (2-D) output shape, and bound as the same values in float64.
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0], [2.0, 2.0, -4.0]], np.float16)
    w = np.array([[1.0, -1.0], [0.5, 2.0]], np.float16)
    exact_y = np.array(
        [[sum(Fraction(float(x[i + a, j + b])) * Fraction(float(w[a, b])) for a in range(2) for b in range(2))
          for j in range(2)] for i in range(2)],
        dtype=object,
    )  # fmt: skip
    floats = np.array([[float(v) for v in row] for row in exact_y])
    by_fraction = error_bound(x, w, op="correlate", reference=exact_y).value
    assert by_fraction.tolist() == error_bound(x, w, op="correlate", reference=floats).value.tolist()
    assert by_fraction.shape == (2, 2)


def test_integer_operands_past_2_to_the_53_keep_their_conversion_term():
    # 2**53 + 1 has no float64 (nor bfloat16) value: reading it into bfloat16 errs by 1, so u_x is
    # bfloat16's 2**-8 and the bound covers that error.  Integers up to 2**53 that bfloat16 holds
    # (200 = 25 * 2**3, 2**53 itself) are read exactly: u_x = 0.
    w = np.ones(1, np.float32)
    big = error_bound(np.array([2**53 + 1]), w, op="correlate", arithmetic="BF16_BF16_F32")
    assert big.terms["u_x"] == 2.0**-8 and big.value[0] >= 1
    exact_ints = error_bound(np.array([200, 2**53]), w, op="correlate", arithmetic="BF16_BF16_F32")
    assert exact_ints.terms["u_x"] == 0.0


def test_daz_refuses_an_operand_dtype_without_a_format():
    # Without DAZ a float128 x is read by value (dtype=float64 given); DAZ reads an operand in its
    # own dtype's format, and float128 has none: refused, naming error_bound and the dtype.
    x = np.array([1, 2, 3], dtype=np.longdouble)
    assert np.isfinite(error_bound(x, np.ones(2), op="correlate", dtype=np.float64).value).all()
    if np.dtype(np.longdouble).itemsize > 8:  # a float64 longdouble (some platforms) has a format
        with pytest.raises(ValueError, match=r"^error_bound: dtype=dtype\('float128'\) is not a float dtype"):
            error_bound(x, np.ones(2), op="correlate", dtype=np.float64, arithmetic="F32_F32_F32_FTZ")


def test_fast_bounds_refuse_any_flushing_arithmetic_and_name_empty_operands():
    x, w = np.ones(8, np.float32), np.ones(3, np.float32)
    for flags in (dict(ftz=True), dict(daz=True)):
        arith = Arithmetic("f32 flushing", None, "rn", FORMATS["f32"], "rn", **flags)
        for method in ("fft", "winograd"):
            with pytest.raises(
                ValueError,
                match=f"^error_bound: arithmetic='f32 flushing' flushes subnormals: no {method} bound models it",
            ):
                error_bound(x, w, op="correlate", method=method, arithmetic=arith)
    with pytest.raises(ValueError, match=r"empty operands \(x\.shape=\(0,\), w\.shape=\(3,\)\)"):
        error_bound(np.ones(0, np.float32), w, op="correlate", method="fft")


# --- average pooling: the overflow rule and the stored format's range ---------------------------------


@pytest.mark.parametrize(
    "cells, dtype, finite",
    [
        # float16 throughout, a window of 2 cells: its sum of |x| bounds every partial sum.
        ([20000.0, 20000.0], np.float16, True),  # 40000 < 65504: finite, though twice it is not
        ([32752.0, 32752.0], np.float16, False),  # the sum is 65504 itself: inf (the mean is 32752)
        # Three cells summing to 5 float64 ulps (2**-37) below 65504, in float16 arithmetic: the sum
        # enclosed by its float64 error, 1 + (k + 2) 2**-53 with k = 3 (under 5 ulps), stays below.
        ([21834.0, 21834.0, 21836.0 - 5 * 2.0**-37], np.float64, True),
    ],
)
def test_avg_pool_bound_is_infinite_once_its_window_sum_may_reach_the_largest_float16(cells, dtype, finite):
    bound = error_bound(np.array(cells, dtype), len(cells), op="avg_pool", dtype=np.float16)
    assert bool(np.isfinite(bound.value).all()) == finite
    note = "overflow possible at 1 outputs: bound is inf there"
    assert bound.assumptions == ("any summation order",) + (() if finite else (note,))


def test_avg_pool_bound_is_infinite_from_the_stored_formats_largest_value_on():
    # float32 accumulation stored in float16: the accumulator never overflows here, the stored
    # mean does from 65504 on.  Find x (one cell) whose enclosed mean lands exactly on 65504.
    arith = Arithmetic("f32 acc, f16 out", None, "rn", FORMATS["f32"], "rn", FORMATS["f16"])
    found = None
    for k in range(-40, 5):
        bound = error_bound(np.array([65504.0 * (1 + k * 2.0**-53)]), 1, op="avg_pool", arithmetic=arith)
        if bound.terms["M"][0] == 65504.0:
            found = bound
        elif bound.terms["M"][0] < 65504.0:
            assert np.isfinite(bound.value).all(), k
    assert found is not None and found.value.tolist() == [math.inf]


# --- Lp and weighted pooling at hand-picked edges (refconv.bounds.pools docstring) ------------------------


def test_weighted_pool_bound_is_its_formula_with_a_large_weight():
    # One cell 2**-560, weight 2**500 (K = 1, b = 0): Mbar = 2**-560, E = u Mbar + eta / 2**500, then
    # the division's u (|y| + E) + eta / 2.  The underflow term K eta / w_min is tiny here: a large
    # weight must not enlarge the bound.
    u, mbar = Fraction(2) ** -53, Fraction(2) ** -560
    E = u * mbar + _ETA64 / Fraction(2) ** 500
    formula = E + u * (mbar + E) + _ETA64 / 2
    got = Fraction(float(error_bound(np.array([2.0**-560]), 1, np.array([2.0**500]), op="weighted_pool").value[0]))
    ratio = got / (formula * SAFETY)
    assert 1 - Fraction(2) ** -48 <= ratio <= 1 + Fraction(2) ** -44, float(ratio - 1)


def test_weighted_pool_bound_takes_a_callable_weight_as_the_float_path_computes_it():
    # The pool itself calls weight(d) with float distances; the bound reads the same table, so a
    # callable that only takes floats (numpy's exp) is bounded as its table of float64 values.
    def weight(d):
        return np.exp(-(d**2))

    x = np.array([1.0, -2.0, 3.0, 0.5, 4.0], np.float32)
    table = np.exp(-np.array([1.0, 0.0, 1.0]))
    got = error_bound(x, 3, weight, stride=1, op="weighted_pool").value
    assert got.tolist() == error_bound(x, 3, table, stride=1, op="weighted_pool").value.tolist()


# --- formats: gamma's dtype, round_to's range of precisions ---------------------------------------------


def test_gamma_is_float64_for_any_count_dtype():
    # gamma_k(u) in float64 even for float32 or float16 counts (1 u / (1 - u), exactly rounded).
    u = 2.0**-24
    expected = [float(Fraction(k) * Fraction(u) / (1 - Fraction(k) * Fraction(u))) for k in (1, 3)]
    for dtype in (np.float16, np.float32):
        g = gamma(np.array([1, 3], dtype), u)
        assert g.dtype == np.float64 and g.tolist() == expected, dtype


@pytest.mark.parametrize(
    "p, values, rounding, expected",
    [
        # One significant bit: the numbers are the powers of two (1.25 -> 1, 1.75 -> 2, -3.5 -> -4).
        (1, [1.25, 1.75, -3.5], "rn", [1.0, 2.0, -4.0]),
        (1, [1.25, 1.75, -3.5], "rz", [1.0, 1.0, -2.0]),
        # 22 bits: spacing 2**-21 above 1; 1 + 3 * 2**-23 is past the midpoint 1 + 2**-22.
        (22, [1 + 3 * 2.0**-23, 1 + 2.0**-23], "rn", [1 + 2.0**-21, 1.0]),
        (22, [1 + 3 * 2.0**-23], "rz", [1.0]),
    ],
)
def test_round_to_formats_of_float32s_range_from_1_to_22_bits(p, values, rounding, expected):
    fmt = Format(f"p{p}", p, -126, 127)
    for dtype in (np.float32, np.float64):
        got = round_to(np.array(values, dtype), fmt, rounding)
        assert got.dtype == dtype and got.tolist() == expected, dtype


def test_round_to_rounds_bfloat16_values_in_the_requested_mode():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    # 2**-20 (1 + 2**-5 + 2**-6) is a bfloat16; float16's subnormal spacing there is 2**-24, and the
    # part below it (3 * 2**-26) is past half a spacing: up to nearest, dropped toward zero.
    a = np.array([2.0**-20 * (1 + 2.0**-5 + 2.0**-6)], ml_dtypes.bfloat16)
    assert round_to(a, "f16", "rn").astype(np.float64).tolist() == [2.0**-20 + 2.0**-24]
    assert round_to(a, "f16", "rz").astype(np.float64).tolist() == [2.0**-20]
