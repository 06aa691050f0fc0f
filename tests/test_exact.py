"""The exact float reference: equal to an independent Fraction computation, correctly rounded once."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import refconv
from refconv import strategies as rst
from refconv.exact import exact, exact_value, round_dyadic, round_rational
from refconv.layer import conv, conv_transpose

# --- an independent reference: Fractions, and a rounding by nearest-candidate search -------------


def round_fraction(fr: Fraction, dtype) -> float:
    """The ``dtype`` number nearest to ``fr`` (ties to an even significand), by trying candidates.

    Independent of refconv's rounding: the nearest float64 (CPython's ``float(Fraction)`` rounds
    correctly), cast, and its two neighbours, compared exactly as Fractions.
    """
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    biggest = Fraction(float(info.max))
    # The midpoint between the largest finite number and the next power of two rounds to inf.
    if abs(fr) >= biggest + Fraction(2) ** (info.maxexp - 1 - info.nmant) / 2:
        return float("inf") if fr > 0 else float("-inf")
    try:
        near = float(fr)
    except OverflowError:
        near = float(info.max) if fr > 0 else -float(info.max)
    with np.errstate(over="ignore"):
        c = np.array(near).astype(dtype)
    c = np.clip(c, -info.max, info.max).astype(dtype)
    cands = {c.item(), np.nextafter(c, dtype.type(np.inf)).item(), np.nextafter(c, dtype.type(-np.inf)).item()}
    cands = [v for v in cands if np.isfinite(v)]
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dtype.itemsize]

    def key(v):
        odd = int(np.array(v, dtype=dtype).view(uint)) & 1
        return (abs(Fraction(v) - fr), odd)

    return float(min(cands, key=key))


def fraction_reference(op, *args, dtype, **kwargs) -> np.ndarray:
    """refconv's op on Fraction arrays (its object path), each output rounded by ``round_fraction``."""
    frac = [None if a is None else np.vectorize(Fraction, otypes=[object])(a) for a in args]
    y = getattr(refconv, op)(*frac, **kwargs)
    return np.vectorize(lambda v: round_fraction(Fraction(v), dtype), otypes=[np.float64])(y).astype(dtype)


def same(a, b) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


# --- generated checks -------------------------------------------------------------------------------

wide = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=True)
huge = st.floats(allow_nan=False, allow_infinity=False)  # up to 1.8e308: products overflow, spreads of 2000 bits


def float_arrays(shape, elements=wide):
    return hnp.arrays(np.float64, shape, elements=elements)


@given(
    rst.plain_specs(max_dims=2, max_side=5, max_kernel=3).flatmap(
        lambda s: st.tuples(st.just(s), float_arrays(s.input_shape), float_arrays(s.kernel_shape))
    ),
    st.sampled_from([np.float64, np.float32, np.float16]),
)
def test_correlate_equals_fraction_reference(case, dtype):
    spec, x, w = case
    got = exact("correlate", x, w, dtype=dtype, **spec.kwargs)
    assert same(got, fraction_reference("correlate", x, w, dtype=dtype, **spec.kwargs))


@given(
    st.integers(1, 6).flatmap(lambda n: st.tuples(float_arrays((n,), huge), float_arrays((min(n, 2),), huge))),
    st.sampled_from([np.float64, np.float32]),
)
def test_extreme_exponents_equal_fraction_reference(case, dtype):
    # Spreads of ~2000 bits take the Python-int route; overflowing products must round to inf.
    x, w = case
    assert same(
        exact("convolve", x, w, dtype=dtype, mode="full"),
        fraction_reference("convolve", x, w, dtype=dtype, mode="full"),
    )


@given(
    rst.layer_specs(max_dims=2, max_side=4, max_kernel=3).flatmap(
        lambda s: st.tuples(
            st.just(s),
            float_arrays(s.input_shape),
            float_arrays(s.weight_shape),
            st.none() | float_arrays((s.weight_shape[0],)),
        )
    )
)
def test_conv_with_bias_equals_fraction_reference(case):
    spec, x, w, b = case
    for dtype in (np.float64, np.float32):
        got = exact("conv", x, w, b, dtype=dtype, **spec.kwargs)
        assert same(got, fraction_reference("conv", x, w, b, dtype=dtype, **spec.kwargs))


@given(
    st.tuples(st.integers(1, 2), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 1)).flatmap(
        lambda p: st.tuples(float_arrays((1, p[0], p[1])), float_arrays((p[0], 2, p[2])), st.just(p))
    )
)
def test_conv_transpose_equals_fraction_reference(case):
    x, w, (_, _, k, s, pad) = case
    pad = min(pad, (k - 1) // 2)  # keeps the output non-empty: (m-1)s + k - 2 pad >= 1
    kw = dict(stride=s, padding=pad)
    got = exact("conv_transpose", x, w, dtype=np.float32, **kw)
    assert same(got, fraction_reference("conv_transpose", x, w, dtype=np.float32, **kw))


@given(st.lists(st.fractions(-(10**12), 10**12, max_denominator=10**9), min_size=1, max_size=20))
def test_round_rational_equals_candidate_search(values):
    arr = np.array(values, dtype=object)
    for dtype in (np.float64, np.float32, np.float16):
        expected = np.array([round_fraction(v, dtype) for v in values]).astype(dtype)
        assert same(round_rational(arr, dtype), expected)


@given(st.lists(st.integers(-(2**80), 2**80), min_size=1, max_size=20), st.integers(-1200, 1000))
def test_round_dyadic_equals_candidate_search(ints, exponent):
    arr = np.array(ints, dtype=object)
    for dtype in (np.float64, np.float32, np.float16):
        expected = np.array([round_fraction(Fraction(v) * Fraction(2) ** exponent, dtype) for v in ints]).astype(dtype)
        assert same(round_dyadic(arr, exponent, dtype), expected)


# --- hand-derived cases ---------------------------------------------------------------------------------


def test_rounded_once_not_twice():
    # 1 + 2**-24 + 2**-60 is just above the float32 midpoint 1 + 2**-24: it rounds up to 1 + 2**-23.
    # Through float64 the 2**-60 is lost, the midpoint ties to even, and the answer is 1.0.
    x = np.array([1.0, 2.0**-24, 2.0**-60])
    got = exact("correlate", x, np.ones(3), dtype=np.float32)
    assert got.tolist() == [1 + 2.0**-23]
    assert np.float32(np.float64(1) + 2.0**-24 + 2.0**-60) == 1.0  # the double rounding this avoids


def test_ties_round_to_even():
    # Exact float32 midpoints: 1 + 2**-24 ties down to 1, 1 + 3 * 2**-24 ties up to 1 + 2**-22.
    x = np.array([1.0, 2.0**-24, 1.0, 3 * 2.0**-24])
    got = exact("correlate", x, np.ones(2), dtype=np.float32, stride=2)
    assert got.tolist() == [1.0, 1 + 2.0**-22]


def test_subnormal_results():
    tiny = 2.0**-1074
    # 3 * 2**-1075 = 1.5 * tiny: a tie between tiny and 2 * tiny, to even (2 * tiny).
    got = exact("correlate", np.array([3 * tiny]), np.array([0.5]))
    assert got.tolist() == [2 * tiny]
    # float32: 2**-149 * 2**-1 ties to 0 (even), 3 * 2**-150 to 2 * 2**-149.
    got32 = exact("correlate", np.array([2.0**-149, 3 * 2.0**-149]), np.array([0.5]), dtype=np.float32)
    assert got32.tolist() == [0.0, 2 * 2.0**-149]


def test_overflow_rounds_to_inf():
    got = exact("correlate", np.array([300.0, -300.0], dtype=np.float16), np.array([300.0], dtype=np.float16))
    assert got.dtype == np.float16 and got.tolist() == [np.inf, -np.inf]  # 90000 > 65504
    # 65519.99 is below the midpoint 65520 between 65504 and 2**16: it stays finite.
    assert exact("correlate", np.array([65519.0]), np.array([1.0]), dtype=np.float16).tolist() == [65504.0]


def test_non_finite_inputs_follow_ieee():
    inf, nan = np.inf, np.nan
    x = np.array([inf, 1.0, -inf, 2.0, nan, 3.0])
    got = exact("correlate", x, np.array([1.0, 0.0]))
    # inf*1 + 1*0 = inf; 1*1 + (-inf)*0 = nan; -inf + 0 = -inf; 2 + nan*0 = nan; nan*1 = nan.
    assert same(got, np.array([inf, nan, -inf, nan, nan]))
    assert same(exact("correlate", np.array([inf, -inf]), np.ones(2)), np.array([nan]))


def test_conv_bias_exact_and_integers_small():
    # 0.1 + 0.2 + 0.5 is 0.8 exactly rounded (float64 summation gives 0.8000000000000002 in some orders).
    x = np.array([[[0.1, 0.2]]])
    got = exact("conv", x, np.array([[[1.0, 1.0]]]), np.array([0.5]))
    assert got.tolist() == [[[float(Fraction(0.1) + Fraction(0.2) + Fraction(0.5))]]]
    kind, (V, E) = exact_value("conv", np.array([[[3.0, 5.0]]]), np.array([[[2.0, 4.0]]]))
    # Trailing zeros are dropped: w = [1, 2] * 2**1, so V = 3*1 + 5*2 and E = 1.
    assert kind == "dyadic" and (V.tolist(), E) == ([[[3 * 1 + 5 * 2]]], 1)


def test_agrees_with_layer_functions_on_exact_floats():
    # Integer-valued floats: refconv's float path is exact, so it must equal the exact reference.
    x = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    w = np.arange(8, dtype=np.float32).reshape(2, 1, 2, 2) - 3
    assert same(exact("conv", x, w, groups=2, padding=1), conv(x, w, groups=2, padding=1))
    assert same(
        exact("conv_transpose", x, w.reshape(2, 1, 2, 2), stride=2), conv_transpose(x, w.reshape(2, 1, 2, 2), stride=2)
    )


def test_refuses_non_float_operands():
    with pytest.raises(TypeError, match=r"^exact: x=.* has dtype int64"):
        exact("correlate", np.array([1, 2]), np.array([1.0]))
    with pytest.raises(TypeError, match=r"^exact_value: w=.* has dtype <U1"):
        exact_value("correlate", np.array([1.0, 2.0]), np.array(["a"]))
    with pytest.raises(TypeError, match=r"^exact: w=\[\[1.0\], \[1.0, 2.0\]\] is not a rectangular array"):
        exact("correlate", np.array([1.0, 2.0]), [[1.0], [1.0, 2.0]])


def test_limb_plan_keeps_every_limb_pair_exact_in_float64_with_the_fewest_pairs():
    # By hand: 47-bit and 40-bit operands, 576 taps (10 bits).  Balanced limbs are at most
    # 2**(b-1), so 576 * 2**(bx+bw-2) <= 2**53 allows bx + bw = 45.  Two 24-bit limbs hold 47
    # bits (2*24 - 1), two 21-bit limbs 41: 4 pairs; 3 pairs would need bw >= 41, so bx <= 4
    # and 12 limbs of x.
    import importlib

    S = importlib.import_module("refconv.exact._scaled")
    assert S.plan(47, 40, 576) == (24, 21)
    assert (S.limb_count(47, 24), S.limb_count(40, 21), S.limb_count(48, 24)) == (2, 2, 3)
    # Narrow operands: one limb each, one bit of headroom for the balanced digit.
    assert S.plan(23, 23, 9) == (24, 24)
    # Past 64 pairs the Python-int route is preferred.
    assert S.plan(2000, 2000, 576) is None


@given(st.integers(1, 3000), st.integers(1, 3000), st.integers(1, 1 << 20))
def test_every_limb_plan_is_exact_in_float64(bits_x, bits_w, taps):
    import importlib

    S = importlib.import_module("refconv.exact._scaled")
    widths = S.plan(bits_x, bits_w, taps)
    if widths is not None:
        bx, bw = widths
        assert taps * 2 ** (bx + bw - 2) <= 2**53
        assert S.limb_count(bits_x, bx) * S.limb_count(bits_w, bw) <= 64
        assert bits_x <= S.limb_count(bits_x, bx) * bx - 1 and bits_w <= S.limb_count(bits_w, bw) * bw - 1


def test_a_nonzero_cval_is_an_exact_operand():
    # Full correlation pads one cell each side with cval: [c, x0, x1, c] against [w0, w1], summed in Fractions.
    x, w, c = [0.1, 0.2], [1.0, 3.0], 0.5
    F = Fraction
    by_hand = [
        F(c) * F(w[0]) + F(x[0]) * F(w[1]),
        F(x[0]) * F(w[0]) + F(x[1]) * F(w[1]),
        F(x[1]) * F(w[0]) + F(c) * F(w[1]),
    ]
    got = exact("correlate", np.array(x), np.array(w), mode="full", cval=c)
    assert got.tolist() == [float(v) for v in by_hand]
    # float32 operands: cval is rounded to float32 once, as correlate rounds it.
    x32, w32 = np.array(x, dtype=np.float32), np.array(w, dtype=np.float32)
    c32 = F(float(np.float32(0.1)))
    got = exact("correlate", x32, w32, mode="same", cval=0.1, dtype=np.float64)
    assert got[0] == float(c32 * F(float(w32[0])) + F(float(x32[0])) * F(float(w32[1])))
    with pytest.raises(ValueError, match=r"^exact_value: cval=inf with non-finite operands"):
        exact("correlate", np.array(x), np.array(w), mode="full", cval=float("inf"))


# --- the fast path at layer scale: limbs per image and per channel, stacked calls, one rounding -----


def round_by_definition(fr: Fraction, p: int, e_min: int, e_max: int) -> float:
    """Round half to even to ``p`` significant bits with the subnormal quantum ``2**(e_min-p+1)``
    and overflow past ``(2 - 2**(1-p)) * 2**e_max`` (and its half ulp) to inf: the IEEE definition,
    with Python's own half-even ``round`` of a Fraction."""
    if fr == 0:
        return 0.0
    a = abs(fr)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    e = e if a >= Fraction(2) ** e else e - 1  # 2**e <= |fr| < 2**(e+1)
    quantum = Fraction(2) ** (max(e, e_min) - p + 1)
    n = round(a / quantum)
    value = n * quantum
    sign = -1.0 if fr < 0 else 1.0
    if value > (2 - Fraction(2) ** (1 - p)) * Fraction(2) ** e_max:
        return sign * math.inf
    return math.copysign(float(value), sign)


_FORMATS = {
    "float16": (11, -14, 15),
    "bfloat16": (8, -126, 127),
    "float32": (24, -126, 127),
    "float64": (53, -1022, 1023),
}


def _dtype(name):
    if name == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes")
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def _operands(name: str, shape, data, spread: int):
    """Values of format ``name`` (subnormals included) over ``2**-spread .. 2**spread``, some zeros."""
    p, e_min, e_max = _FORMATS[name]
    low = max(e_min - p + 1, -spread)
    mant = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-(2**p) + 1, 2**p - 1)))
    exps = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(low, min(spread, e_max - p + 1))))
    values = np.ldexp(mant.astype(np.float64), exps)
    # Values below the format's smallest subnormal, or past its range, are dropped to zero / clipped.
    values = np.where(np.abs(values) < 2.0 ** (e_min - p + 1), 0.0, values)
    biggest = (2 - 2.0 ** (1 - p)) * 2.0**e_max
    values = np.clip(values, -biggest, biggest)
    rounded = values.astype(_dtype(name))  # exact for float16/32/64; bfloat16 rounds (any value of it is fine)
    assert np.isfinite(rounded.astype(np.float64)).all()
    return rounded


def fraction_layer(op, x, w, b, **kw):
    """refconv's op on Fraction object arrays (its exact object path), bias included."""
    frac = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])
    fb = None if b is None else frac(b.astype(np.float64))
    return getattr(refconv, op)(frac(x.astype(np.float64)), frac(w.astype(np.float64)), fb, **kw)


@given(
    st.sampled_from(["float16", "bfloat16", "float32", "float64"]),
    st.sampled_from(["conv", "conv_transpose"]),
    st.tuples(st.integers(1, 6), st.integers(1, 2), st.integers(1, 2), st.integers(1, 2), st.integers(1, 3)),
    st.sampled_from([4, 40, 400]),
    st.data(),
)
def test_layers_equal_the_fraction_reference_in_every_format(fmt, op, dims, spread, data):
    # Batches of up to 6 images: with few limb pairs the limbs are stacked into one call.
    n, groups, c_in, c_out, k = dims
    x = _operands(fmt, (n, groups * c_in, 5), data, spread)
    if op == "conv":
        w = _operands(fmt, (groups * c_out, c_in, k), data, spread)
        kw = dict(groups=groups, padding=1)
    else:
        w = _operands(fmt, (groups * c_in, c_out, k), data, spread)
        kw = dict(groups=groups, stride=2, padding=0)
    b = data.draw(st.none() | st.just(_operands(fmt, (groups * c_out,), data, spread)))
    y = fraction_layer(op, x, w, b, **kw)
    for target in {fmt, "float64"}:
        got = exact(op, x, w, b, dtype=_dtype(target), **kw)
        fmt_of = _FORMATS[target]
        want = np.vectorize(lambda v, f=fmt_of: round_by_definition(Fraction(v), *f), otypes=[float])(y)
        assert got.dtype == _dtype(target)
        g64 = got.astype(np.float64)
        # The same numbers and the same zeros: +0.0 for an exact zero, -0.0 for a negative that underflows.
        assert np.array_equal(g64, want) and np.array_equal(np.signbit(g64), np.signbit(want))


def test_layer_ties_cancellation_and_overflow_by_hand():
    # Four images (so the limbs are stacked), one channel, kernel 2: each output is x0 * 1 + x1 * 1.
    eps = 2.0**-24
    rows = [[1.0, eps], [1.0, 3 * eps], [2.0**-3, -(2.0**-3)], [2.0**127, 2.0**127]]
    x = np.array(rows, dtype=np.float32).reshape(4, 1, 2)
    w = np.ones((1, 1, 2), dtype=np.float32)
    got = exact("conv", x, w)
    # A tie down to even (1), a tie up to even (1 + 2**-22), an exact zero (+0.0, not -0.0), and
    # 2**128 past float32's range (inf).
    assert got.reshape(-1).tolist() == [1.0, 1 + 2.0**-22, 0.0, np.inf]
    assert not np.signbit(got.reshape(-1)[2])
    # In float64 each is exact (2**128 included).
    assert exact("conv", x, w, dtype=np.float64).reshape(-1).tolist() == [1 + eps, 1 + 3 * eps, 0.0, 2.0**128]
    # A bias that cancels the products exactly: +0.0 again; one that leaves 2**-24, a float32.
    eighths = np.array([[[0.125, 0.125]]], np.float32)
    assert exact("conv", eighths, w, np.array([-0.25], np.float32)).tolist() == [[[0.0]]]
    assert exact("conv", x[:1], w, np.array([-1.0], np.float32)).tolist() == [[[eps]]]


def test_operands_spanning_the_whole_exponent_range_take_the_python_int_route():
    import importlib

    S = importlib.import_module("refconv.exact._scaled")
    x = np.array([[[2.0**-1074, 1.0, 2.0**1000, -(2.0**-500)]]] * 3)
    w = np.array([[[2.0**-1000, 2.0**20]]])
    assert S.plan(S.Scaled.of(x, 0).bits, S.Scaled.of(w, 0).bits, 2) is None
    got = exact("conv", x, w, dtype=np.float64)
    F = Fraction
    by_hand = [
        F(2) ** -1074 * F(2) ** -1000 + F(2) ** 20,
        F(2) ** -1000 + F(2) ** 1020,
        F(2) ** 0 - F(2) ** -480,
    ]
    assert got[0, 0].tolist() == [float(v) for v in by_hand] and (got[1:] == got[0]).all()


def test_non_finite_layer_operands_follow_ieee():
    inf, nan = np.inf, np.nan
    x = np.array([[[inf, 1.0, 0.0, 2.0]]], dtype=np.float32)
    w = np.array([[[1.0, 1.0]]], dtype=np.float32)
    # inf + 1 = inf; 1 + 0 = 1; 0 + 2 = 2; a NaN bias poisons every output of its channel.
    assert same(exact("conv", x, w), np.array([[[inf, 1.0, 2.0]]], np.float32))
    assert same(exact("conv", x, w, np.array([nan], np.float32)), np.full((1, 1, 3), nan, np.float32))
    # inf * 0 is NaN: the zero weight meets the infinite input in the first window.
    assert same(exact("conv", x, np.array([[[0.0, 1.0]]], np.float32)), np.array([[[nan, 0.0, 2.0]]], np.float32))


@given(
    st.lists(st.tuples(st.integers(-(2**53) + 1, 2**53 - 1), st.integers(-60, 200)), min_size=1, max_size=6),
    st.integers(-1300, 1100),
    st.sampled_from(["float16", "bfloat16", "float32", "float64"]),
)
def test_an_unevaluated_float64_sum_rounds_once_correctly(terms, scale, fmt):
    # The rounding core alone: terms are exact float64 integers times powers of two (as the limb
    # products are), the scale any integer; the certified fast path or its exact fallback must
    # give the correctly rounded value.
    from refconv.exact._expansion import Expansion
    from refconv.exact._rounding import BFLOAT16, float_format

    e = Expansion(tuple(np.array([math.ldexp(m, s)]) for m, s in terms), np.array([scale]))
    fmt_ = BFLOAT16 if fmt == "bfloat16" else float_format("t", fmt)
    if fmt == "bfloat16":
        pytest.importorskip("ml_dtypes")
    exact_value_ = sum((Fraction(m) * Fraction(2) ** s for m, s in terms), Fraction(0)) * Fraction(2) ** scale
    assert e.at((0,)) == exact_value_
    got = float(e.rounded(fmt_).astype(np.float64)[0])
    want = round_by_definition(exact_value_, *_FORMATS[fmt])
    assert got == want and math.copysign(1, got) == math.copysign(1, want)  # -0.0 for a tiny negative, +0.0 for 0


def test_a_large_layer_is_computed_one_tile_of_images_at_a_time(monkeypatch):
    import importlib

    X = importlib.import_module("refconv.exact")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 4, 6, 6)).astype(np.float32)
    w = rng.standard_normal((3, 4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    whole = exact("conv", x, w, b, padding=1)
    calls = []
    original = X.reference_value

    def counted(op, *args, **kwargs):
        calls.append(args[0].shape[0])
        return original(op, *args, **kwargs)

    monkeypatch.setattr(X, "TILE_OUTPUTS", 2 * 3 * 36)  # two images' outputs per tile
    monkeypatch.setattr(X, "reference_value", counted)
    tiled = exact("conv", x, w, b, padding=1)
    assert calls == [2, 2, 1] and tiled.tobytes() == whole.tobytes()
    # A refused call is refused whole, before any tile runs.
    with pytest.raises(ValueError, match="^conv: "):
        exact("conv", x, w[:, :3], b, padding=1)
    assert calls == [2, 2, 1]
