"""Methods: identical exact results, the float summation order, FFT accuracy, the auto choice."""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import correlate
from refconv.methods import METHODS, choose_method, direct
from refconv.spec import plain_spec

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


def test_sympy_and_numbers_mixed():
    s = sympy.Symbol("s")
    got = correlate(np.array([s, 2, Fraction(1, 2)], dtype=object), np.array([1, s], dtype=object))
    assert got[0] == s + 2 * s and got[1] == 2 + s / 2


@given(
    hnp.arrays(np.float64, st.integers(3, 40), elements=st.floats(-1e6, 1e6)),
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


@given(problems(st.floats(-100, 100), dtype=np.float64, max_dims=2))
def test_fft_close_to_direct_normwise(problem):
    x, w, kw = problem
    got = correlate(x, w, method="fft", **kw)
    ref = correlate(x, w, method="direct", **kw)
    # Norm-wise: FFT errors scale with ||x|| ||w||, not with each output.
    cells = x.size + w.size
    bound = 64 * np.finfo(float).eps * np.log2(cells + 1) * np.linalg.norm(x) * np.linalg.norm(w) * np.sqrt(cells)
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
