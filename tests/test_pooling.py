"""Pooling: hand-derived cases, a brute-force oracle, PyTorch agreement and figure 9.8.

The brute-force oracle below enumerates every output and every window tap with plain Python
loops and its own output-length formula (PyTorch's ``Pool.h``, written out independently), so it
shares no code with :mod:`refconv.pooling` beyond NumPy.
"""

import itertools
import math
from fractions import Fraction
from unittest import mock

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import refconv
import refconv.pooling._max as _max
import refconv.pooling._windows as _windows
from refconv import output_shape
from refconv import strategies as rst
from refconv.pooling import (
    avg_pool,
    global_avg_pool,
    global_lp_pool,
    global_max_pool,
    global_weighted_pool,
    lp_pool,
    lp_pool_torch,
    max_pool,
    pooled_unchanged_fraction,
    weighted_pool,
)
from refconv.spec import pool_spec

# --------------------------------------------------------------------------------------------
# The brute-force oracle


def _out_len(n, k, s, lo, hi, d, ceil):
    """PyTorch's ``pooling_output_shape``: floor (or ceil) division, then drop a last window that
    would start at or past ``n + lo``."""
    span = n + lo + hi - d * (k - 1) - 1
    out = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + lo:
        out -= 1
    return out


def _reference(x, kernel, reduce, *, stride=None, pads=None, dilation=None, ceil=False, axes=None):
    """``reduce(cells, padded_count)`` per output, where ``cells`` lists ``(tap, value, flat)`` for
    the window taps that are input cells, in row-major tap order, and ``padded_count`` counts the
    taps inside the padded input (input cells and padding, not the ceil overhang)."""
    x = np.asarray(x)
    nd = len(kernel)
    axes = tuple(range(x.ndim - nd, x.ndim)) if axes is None else tuple(a % x.ndim for a in axes)
    stride = stride or kernel
    pads = pads or ((0, 0),) * nd
    dilation = dilation or (1,) * nd
    sizes = [x.shape[a] for a in axes]
    out_shape = list(x.shape)
    for i, a in enumerate(axes):
        out_shape[a] = _out_len(sizes[i], kernel[i], stride[i], *pads[i], dilation[i], ceil)
        assert out_shape[a] >= 1
    result = np.empty(out_shape, dtype=object)
    for idx in np.ndindex(*out_shape):
        cells, padded = [], 0
        for tap in itertools.product(*(range(k) for k in kernel)):
            pos = list(idx)
            inside_padded = inside_input = True
            for i, a in enumerate(axes):
                p = idx[a] * stride[i] + tap[i] * dilation[i] - pads[i][0]
                pos[a] = p
                inside_input &= 0 <= p < sizes[i]
                inside_padded &= -pads[i][0] <= p < sizes[i] + pads[i][1]
            padded += inside_padded
            if inside_input:
                flat = 0
                for i, a in enumerate(axes):
                    flat = flat * sizes[i] + pos[a]
                cells.append((tap, x[tuple(pos)], flat))
        result[idx] = reduce(cells, padded)
    return result


def _ref_max(cells, _):
    """PyTorch's CPU rule: the first input cell, then any greater value or any NaN."""
    best, where = -math.inf, -1
    for i, (_, v, flat) in enumerate(cells):
        if i == 0 or v > best or (isinstance(v, float) and math.isnan(v)):
            best, where = v, flat
    return best, where


def _split(pairs):
    values = np.empty(pairs.shape, dtype=object)
    index = np.empty(pairs.shape, dtype=object)
    for idx, (v, i) in np.ndenumerate(pairs):
        values[idx], index[idx] = v, i
    return values, index


# --------------------------------------------------------------------------------------------
# Hand-derived cases: a 4x4 image, 2x2 windows, stride 2 (the default stride)

IMAGE = np.array([[1, 3, 2, 0], [4, 2, 0, 6], [0, 0, 1, 1], [3, 4, 1, 1]])


def test_max_pool_by_hand():
    values, index = max_pool(IMAGE, (2, 2), return_indices=True)
    assert values.tolist() == [[max(1, 3, 4, 2), max(2, 0, 0, 6)], [max(0, 0, 3, 4), max(1, 1, 1, 1)]]
    # flat index row*4 + col: 4 at (1,0), 6 at (1,3), 4 at (3,1); four 1s tie: the first, (2,2).
    assert index.tolist() == [[1 * 4 + 0, 1 * 4 + 3], [3 * 4 + 1, 2 * 4 + 2]]
    assert values.dtype == IMAGE.dtype


def test_avg_pool_by_hand_is_exact():
    got = avg_pool(IMAGE, (2, 2))
    assert got.tolist() == [
        [Fraction(1 + 3 + 4 + 2, 4), Fraction(2 + 0 + 0 + 6, 4)],
        [Fraction(0 + 0 + 3 + 4, 4), Fraction(1 + 1 + 1 + 1, 4)],
    ]
    assert all(type(v) is Fraction for v in got.flat)


def test_exact_average_three_halves():
    got = avg_pool([1, 2], 2)
    assert got.tolist() == [Fraction(3, 2)] and type(got[0]) is Fraction


def test_lp_pool_by_hand_is_exact():
    got = lp_pool(IMAGE, 2, (2, 2))
    expected = [
        [sympy.sqrt(1**2 + 3**2 + 4**2 + 2**2), sympy.sqrt(2**2 + 6**2)],
        [sympy.sqrt(3**2 + 4**2), sympy.sqrt(4 * 1**2)],
    ]
    assert got.tolist() == expected
    assert got[1, 0] == 5 and got[1, 1] == 2


def test_exact_l2_of_five():
    got = lp_pool([[3, 4]], 2, (1, 2))
    assert got.shape == (1, 1) and got[0, 0] == 5 and isinstance(got[0, 0], sympy.Integer)


def test_weighted_pool_by_hand_explicit_weights():
    w = [[1, 2], [3, 4]]
    got = weighted_pool(IMAGE, (2, 2), w)
    assert got.tolist() == [
        [Fraction(1 * 1 + 3 * 2 + 4 * 3 + 2 * 4, 10), Fraction(2 * 1 + 0 * 2 + 0 * 3 + 6 * 4, 10)],
        [Fraction(0 * 1 + 0 * 2 + 3 * 3 + 4 * 4, 10), Fraction(1 + 2 + 3 + 4, 10)],
    ]


def test_exact_distance_weighted_pool_with_padding():
    # 3x3 windows, stride 1, padding 1; weight 1/(1 + d^2): 1 at the centre, 1/2 at distance 1,
    # 1/3 at distance sqrt(2).  Output (0, 0) reads rows/cols -1..1: only the input cells
    # (0,0)=1 [d=0], (0,1)=3 and (1,0)=4 [d=1], (1,1)=2 [d=sqrt 2] count (padding is ignored).
    got = weighted_pool(IMAGE, (3, 3), lambda d: 1 / (1 + d**2), stride=1, padding=1)
    assert got.shape == (4, 4)
    half, third = Fraction(1, 2), Fraction(1, 3)
    assert got[0, 0] == (1 * 1 + 3 * half + 4 * half + 2 * third) / (1 + half + half + third)
    # Output (1, 1): the full window rows/cols 0..2 around IMAGE[1, 1] = 2.
    num = 2 * 1 + (3 + 4 + 0 + 0) * half + (1 + 2 + 0 + 1) * third
    assert got[1, 1] == num / (1 + 4 * half + 4 * third)
    assert all(type(v) is Fraction for v in got.flat)


def test_weighted_pool_irrational_weights_stay_symbolic():
    got = weighted_pool([[0, 1], [1, 0]], (2, 2), lambda d: sympy.exp(-d))
    # Every tap is at distance sqrt(1/2) from the centre: equal weights, the plain mean 1/2.
    assert sympy.simplify(got[0, 0] - sympy.Rational(1, 2)) == 0


def test_weighted_pool_callable_sees_the_distance():
    seen = []
    weighted_pool(np.zeros((1, 4)), (1, 4), lambda d: seen.append(d) or 1.0)
    assert seen == [1.5, 0.5, 0.5, 1.5]
    seen.clear()
    weighted_pool(np.zeros((3, 3), dtype=int), (3, 3), lambda d: seen.append(d) or 1)
    assert seen == [sympy.sqrt(2), 1, sympy.sqrt(2), 1, 0, 1, sympy.sqrt(2), 1, sympy.sqrt(2)]


# --------------------------------------------------------------------------------------------
# NaN, ties, signed zeros and windows of padding only


def test_max_pool_nan_wins_and_points_at_the_last_nan():
    nan = math.nan
    values, index = max_pool([1.0, nan, 3.0, nan, 2.0], 5, return_indices=True)
    assert math.isnan(values[0]) and index.tolist() == [3]
    values, index = max_pool([1.0, nan, 3.0, 2.0], 2, return_indices=True)
    assert math.isnan(values[0]) and values[1] == 3.0 and index.tolist() == [1, 2]
    assert math.isnan(avg_pool([1.0, nan], 2)[0]) and math.isnan(lp_pool([nan, 1.0], 2, 2)[0])


def test_max_pool_ties_first_wins_including_signed_zero():
    assert max_pool([3, 3, 1, 5], 2, return_indices=True)[1].tolist() == [0, 3]
    values, index = max_pool([-0.0, 0.0], 2, return_indices=True)
    assert index.tolist() == [0] and math.copysign(1, values[0]) == -1


def test_float_window_of_padding_only_is_minus_infinity():
    # n=1, k=2, dilation 2, padding 1: the taps read cells -1 and 1, both padding.
    values, index = max_pool([5.0], 2, stride=1, padding=1, dilation=2, return_indices=True)
    assert values.tolist() == [-math.inf] and index.tolist() == [-1]


# --------------------------------------------------------------------------------------------
# Geometry and axes


@st.composite
def _geometry(draw, max_dims=3, dilation=True, padding=True, fits=False, sizes=None):
    """Per-axis (n, k, s, pad, d) and ceil_mode; with ``fits=False`` the window may be longer than
    the input (and may not fit even the padded input, so the call may be refused).  ``sizes``
    fixes the pooled lengths."""
    if sizes is None:
        sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_dims))
    ks, ss, ps, ds = [], [], [], []
    for n in sizes:
        d = draw(st.integers(1, 2)) if dilation else 1
        k = draw(st.integers(1, max(1, (n - 1) // d + 1) if fits else n + 2))
        ks.append(k), ds.append(d)
        ss.append(draw(st.integers(1, 3)))
        ps.append(draw(st.integers(0, k // 2)) if padding else 0)
    return tuple(sizes), tuple(ks), tuple(ss), tuple(ps), tuple(ds), draw(st.booleans())


def _fits(n, k, s, p, d, ceil):
    return all(_out_len(*a, ceil) >= 1 for a in zip(n, k, s, p, p, d))


@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), st.data())
def test_max_pool_matches_brute_force_with_indices(shape, data):
    x = data.draw(hnp.arrays(object, shape, elements=st.fractions(-3, 3, max_denominator=3)))
    # The pooled axes: a random subset of x's axes in a random order.
    axes = tuple(data.draw(st.permutations(range(x.ndim)))[: data.draw(st.integers(1, min(3, x.ndim)))])
    n, k, s, p, d, ceil = data.draw(_geometry(sizes=[x.shape[a] for a in axes]))
    geometry = dict(stride=s, padding=p, dilation=d, ceil_mode=ceil)
    if not _fits(n, k, s, p, d, ceil):
        with pytest.raises(ValueError, match="does not fit"):
            max_pool(x, k, axes=axes, **geometry)
        return
    pads = tuple((q, q) for q in p)
    ref = _reference(x, k, _ref_max, stride=s, pads=pads, dilation=d, ceil=ceil, axes=axes)
    if any(i == -1 for _, i in ref.flat):  # a window of padding only: no exact -inf
        with pytest.raises(ValueError, match="holding padding only"):
            max_pool(x, k, axes=axes, **geometry)
        return
    values, index = max_pool(x, k, axes=axes, return_indices=True, **geometry)
    ref_values, ref_index = _split(ref)
    assert values.tolist() == ref_values.tolist()
    assert index.tolist() == ref_index.tolist()


@given(_geometry(dilation=False), st.booleans(), st.none() | st.integers(-3, 5).filter(bool), st.data())
def test_avg_pool_matches_brute_force_exactly(geometry, cip, override, data):
    n, k, s, p, d, ceil = geometry
    assume(_fits(n, k, s, p, d, ceil))
    x = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-50, 50)))

    def mean(cells, padded):
        divisor = override if override is not None else padded if cip else len(cells)
        return Fraction(sum(int(v) for _, v, _ in cells), divisor)

    ref = _reference(x, k, mean, stride=s, pads=tuple((q, q) for q in p), ceil=ceil)
    got = avg_pool(x, k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip, divisor_override=override)
    assert got.tolist() == ref.tolist()
    assert all(type(v) is Fraction for v in got.flat)


@given(_geometry(dilation=False, padding=False), st.sampled_from([1, 2, 3, Fraction(1, 2), 2.5]), st.data())
def test_lp_pool_is_the_exact_norm(geometry, p, data):
    n, k, s, _, _, ceil = geometry
    zero = (0,) * len(n)
    assume(_fits(n, k, s, zero, (1,) * len(n), ceil))
    x = data.draw(hnp.arrays(object, n, elements=st.fractions(-4, 4, max_denominator=2)))
    q = sympy.Rational(Fraction(p))
    # The defining property, checked independently of how the root is formed: r >= 0, r**p = S.
    total = _reference(
        x, k, lambda cells, _: sum(sympy.Rational(abs(v)) ** q for _, v, _ in cells), stride=s, ceil=ceil
    )
    got = lp_pool(x, p, k, stride=s, ceil_mode=ceil)
    assert got.shape == total.shape
    # For positive reals r**(a/b) = t is r**a = t**b: integer powers, which SymPy expands exactly.
    a, b = q.p, q.q
    for r, t in zip(got.flat, total.flat):
        assert r.is_nonnegative and sympy.expand(r**a - t**b) == 0, (r, t)


@given(_geometry(dilation=False, fits=True), st.data())
def test_weighted_pool_matches_brute_force(geometry, data):
    n, k, s, p, _, _ = geometry
    w = data.draw(hnp.arrays(np.int64, k, elements=st.integers(1, 9)))
    x = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-20, 20)))

    def weighted(cells, _):
        return Fraction(sum(int(w[t]) * int(v) for t, v, _ in cells), sum(int(w[t]) for t, _, _ in cells))

    ref = _reference(x, k, weighted, stride=s, pads=tuple((q, q) for q in p))
    assert weighted_pool(x, k, w, stride=s, padding=p).tolist() == ref.tolist()


@given(_geometry(dilation=False, fits=True), st.data())
def test_constant_weight_is_the_average_over_input_cells(geometry, data):
    n, k, s, p, _, _ = geometry
    x = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-20, 20)))
    got = weighted_pool(x, k, lambda d: 7, stride=s, padding=p)
    assert got.tolist() == avg_pool(x, k, stride=s, padding=p, count_include_pad=False).tolist()


@given(_geometry(dilation=False, fits=True), st.integers(-5, 5), st.data())
def test_weighted_pool_ignores_padding(geometry, c, data):
    # A constant input stays constant, whatever the (positive) weights and padding.
    n, k, s, p, _, _ = geometry
    w = data.draw(hnp.arrays(np.int64, k, elements=st.integers(1, 5)))
    got = weighted_pool(np.full(n, c), k, w, stride=s, padding=p)
    assert set(got.flat) == {c}


@given(rst.pooling_problems(op="max", kind="fraction"))
def test_public_strategy_max_is_a_window_value(problem):
    got = problem.call(max_pool)
    assert set(got.flat) <= set(problem.x.flat)


@given(_geometry(fits=True))
def test_output_shape_is_the_convolution_geometry(geometry):
    n, k, s, p, d, ceil = geometry
    x = np.zeros(n)
    got = max_pool(x, k, stride=s, padding=p, dilation=d, ceil_mode=ceil).shape
    assert got == output_shape(n, k, padding=p, stride=s, dilation=d, ceil_mode=ceil)
    assert got == tuple(_out_len(*a, ceil) for a in zip(n, k, s, p, p, d))


def test_maxout_pools_the_channel_axis():
    x = np.arange(2 * 6 * 3).reshape(2, 6, 3) % 7
    expected = x.reshape(2, 3, 2, 3).max(axis=2)
    assert np.array_equal(max_pool(x, 2, axes=(1,)), expected)
    assert np.array_equal(max_pool(x, (2,), axes=1), expected)


def test_axes_order_sets_the_flat_index():
    x = np.zeros((3, 4), dtype=int)
    x[2, 1] = 5
    # axes=(1, 0): the pooled plane is (col, row), so the flat index is col*3 + row.
    assert max_pool(x, (4, 3), axes=(1, 0), return_indices=True)[1].tolist() == [[1 * 3 + 2]]
    assert max_pool(x, (3, 4), return_indices=True)[1].tolist() == [[2 * 4 + 1]]


def test_global_forms():
    x = np.array([[[1, 5, 2], [3, 2, -7]]])
    assert np.array_equal(global_max_pool(x, axes=(1, 2)), x.max(axis=(1, 2), keepdims=True))
    assert global_max_pool(x, return_indices=True)[1].tolist() == [[[1]]]
    assert global_max_pool(x, axes=(2, 1), return_indices=True)[1].tolist() == [[[1 * 2 + 0]]]  # (col, row)
    assert global_avg_pool(x).tolist() == [[[Fraction(1 + 5 + 2 + 3 + 2 - 7, 6)]]]
    assert global_lp_pool(x, 1, axes=-1).tolist() == [[[1 + 5 + 2], [3 + 2 + 7]]]
    assert global_lp_pool(x, math.inf).tolist() == [[[7]]]
    assert global_weighted_pool([2, 4, 9], [1, 1, 0]).tolist() == [Fraction(2 + 4, 2)]
    y = np.array([[3.0, 4.0], [0.0, 12.0]])
    assert global_avg_pool(y).tolist() == [[(3.0 + 4.0 + 0.0 + 12.0) / 4]]
    assert global_lp_pool(y, 2).tolist() == [[13.0]]


@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), st.data())
def test_global_forms_equal_a_window_over_the_axes(shape, data):
    # The global forms reduce one axis at a time; they must equal the one-window general path.
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, -0.0, 1.0, 2.0, math.nan, -math.inf])))
    axes = tuple(data.draw(st.permutations(range(x.ndim)))[: data.draw(st.integers(1, x.ndim))])
    window = [x.shape[a] for a in axes]
    values, index = global_max_pool(x, axes=axes, return_indices=True)
    ref_values, ref_index = max_pool(x, window, axes=axes, return_indices=True)
    assert np.array_equal(values, ref_values, equal_nan=True) and np.array_equal(index, ref_index)
    assert np.array_equal(np.signbit(values), np.signbit(ref_values))
    exact = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-9, 9)))
    assert global_avg_pool(exact, axes=axes).tolist() == avg_pool(exact, window, axes=axes).tolist()
    assert global_lp_pool(exact, 2, axes=axes).tolist() == lp_pool(exact, 2, window, axes=axes).tolist()
    assert global_lp_pool(exact, math.inf, axes=axes).tolist() == lp_pool(exact, math.inf, window, axes=axes).tolist()


# --------------------------------------------------------------------------------------------
# Exactness


def test_integer_extremes_are_exact():
    assert avg_pool(np.array([2**62, 2**62, 2**62], dtype=np.int64), 3).tolist() == [Fraction(2**62)]
    assert avg_pool(np.array([-128, -127], dtype=np.int8), 2).tolist() == [Fraction(-255, 2)]
    assert lp_pool(np.array([-128], dtype=np.int8), 1, 1).tolist() == [128]
    assert lp_pool(np.array([-128, 0], dtype=np.int8), math.inf, 2).tolist() == [128]
    u8 = max_pool(np.array([200, 255, 3], dtype=np.uint8), 2, stride=1)
    assert u8.dtype == np.uint8 and u8.tolist() == [255, 255]


def test_symbolic_average():
    a, b = sympy.symbols("a b")
    got = avg_pool(np.array([a, b], dtype=object), 2)
    assert sympy.expand(got[0] - (a + b) / 2) == 0


def test_p_infinity_is_max_abs():
    x = np.array([[1.0, -7.0, 3.0, 2.0]])
    assert lp_pool(x, math.inf, 2).tolist() == [[7.0, 3.0]]


def test_float_lp_agrees_with_exact_on_integers():
    x = np.array([3, 4, 6, 8, 5, 12])
    assert lp_pool(x.astype(float), 2, 2).tolist() == [float(v) for v in lp_pool(x, 2, 2)] == [5.0, 10.0, 13.0]


# --------------------------------------------------------------------------------------------
# PyTorch's Lp pool versus the true norm


def test_lp_differs_from_the_peer_formula_where_documented():
    x = np.array([3.0, 4.0, 2.0, 2.0, 5.0])
    # Ceil mode clips the last window to [5]: the norm is 5, torch scales it by k=2: sqrt(2*25).
    assert lp_pool(x, 2, 2, ceil_mode=True)[-1] == 5.0
    assert lp_pool_torch(x, 2, 2, ceil_mode=True)[-1] == pytest.approx(math.sqrt(2 * 5**2), rel=1e-15)
    # Odd p on negative values: the norm takes |v|, torch's formula does not.
    y = np.array([-1.0, 2.0, -3.0, 4.0])
    assert lp_pool(y, 1, 2).tolist() == [1.0 + 2.0, 3.0 + 4.0]
    assert lp_pool_torch(y, 1, 2).tolist() == [-1.0 + 2.0, -3.0 + 4.0]


# --------------------------------------------------------------------------------------------
# Figure 9.8: max pooling introduces invariance

# The figure's detector values (in view: 0.1 1. 0.2 0.1), with one cell of context each side.
ROW = [Fraction(v, 10) for v in (0, 3, 1, 10, 2, 1, 0)]


def test_figure_9_8():
    original, shifted = ROW[1:], ROW[:-1]  # shifted right by one: position i holds ROW[i-1]
    pooled = max_pool(original, 3, stride=1).tolist()
    pooled_shifted = max_pool(shifted, 3, stride=1).tolist()
    # The figure's top rows: 1. 1. 1. 0.2 and, after the shift, 0.3 1. 1. 1.
    assert pooled == [1, 1, 1, Fraction(2, 10)]
    assert pooled_shifted == [Fraction(3, 10), 1, 1, 1]
    # Every detector value changes; only half the pooled values do.
    assert pooled_unchanged_fraction(ROW, 1, stride=1) == 0
    assert pooled_unchanged_fraction(ROW, 3, stride=1) == Fraction(1, 2)


@given(hnp.arrays(np.int64, st.integers(2, 12), elements=st.integers(0, 3)))
def test_unchanged_fraction_of_identity_pool_counts_equal_neighbours(x):
    expected = Fraction(sum(int(x[i]) == int(x[i - 1]) for i in range(1, len(x))), len(x) - 1)
    assert pooled_unchanged_fraction(x, 1, stride=1) == expected


def test_unchanged_fraction_other_pools_and_axes():
    x = np.array([[1, 1, 1, 1], [1, 2, 3, 4]])
    assert pooled_unchanged_fraction(x, 2, stride=1, pool=avg_pool) == Fraction(3, 6)
    assert pooled_unchanged_fraction(x, 1, axis=0) == Fraction(1, 4)
    lp2 = lambda v, k, **o: lp_pool(v, 2, k, **o)  # noqa: E731
    assert pooled_unchanged_fraction(x, 3, stride=1, pool=lp2) == Fraction(2, 4)


# --------------------------------------------------------------------------------------------
# PyTorch agreement (float64)


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    # Tiny tensors: torch's thread pool costs ~10 ms a call on a loaded machine, one thread ~1 ms.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


_FLOATS = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 7.0, math.nan, math.inf, -math.inf])


def _torch_call(f, *args, **kwargs):
    """``(result, None)``, or ``(None, error)`` where torch refuses the call."""
    try:
        return f(*args, **kwargs), None
    except RuntimeError as exc:
        return None, exc


@given(_geometry(), st.data())
def test_max_pool_matches_torch(torch, geometry, data):
    n, k, s, p, d, ceil = geometry
    lead = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    x = data.draw(hnp.arrays(np.float64, lead + n, elements=_FLOATS))
    F = torch.nn.functional
    f = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[len(n) - 1]
    expected, refused = _torch_call(f, torch.from_numpy(x), k, s, p, d, ceil, return_indices=True)
    if refused is not None:
        with pytest.raises(ValueError):
            max_pool(x, k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
        return
    values, index = max_pool(x, k, stride=s, padding=p, dilation=d, ceil_mode=ceil, return_indices=True)
    assert np.array_equal(values, expected[0].numpy(), equal_nan=True)
    # Same signs of zero too: torch's first-max-wins rule.
    assert np.array_equal(np.signbit(values), np.signbit(expected[0].numpy()))
    real = index != -1  # refconv's -1 marks a window of padding only, where torch's index is garbage
    assert np.array_equal(index[real], expected[1].numpy()[real])


@given(_geometry(dilation=False), st.booleans(), st.none() | st.integers(1, 5), st.data())
def test_avg_pool_matches_torch(torch, geometry, cip, override, data):
    n, k, s, p, _, ceil = geometry
    nd = len(n)
    override = None if nd == 1 else override  # avg_pool1d has no divisor_override
    x = data.draw(hnp.arrays(np.float64, (2, 1) + n, elements=_FLOATS))  # inf - inf: NaN, silently
    F = torch.nn.functional
    f = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[nd - 1]
    extra = {} if nd == 1 else {"divisor_override": override}
    expected, refused = _torch_call(f, torch.from_numpy(x), k, s, p, ceil, cip, **extra)
    call = dict(stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip, divisor_override=override)
    if refused is not None and nd == 3 and "smaller than kernel size" in str(refused):
        # torch's avg_pool3d alone also refuses an *unpadded* input shorter than the window;
        # refconv applies the 1-D/2-D rule (the padded input must hold it) and documents this.
        assert any(nn < kk for nn, kk in zip(n, k))
        if _fits(n, k, s, p, (1,) * nd, ceil):

            def mean(cells, padded):
                divisor = override if override is not None else padded if cip else len(cells)
                return sum((float(v) for _, v, _ in cells), 0.0) / divisor

            ref = _reference(x, k, mean, stride=s, pads=tuple((q, q) for q in p), ceil=ceil)
            assert np.array_equal(avg_pool(x, k, **call), ref.astype(float), equal_nan=True)
        return
    if refused is not None:
        with pytest.raises(ValueError):
            avg_pool(x, k, **call)
        return
    got = avg_pool(x, k, **call)
    assert np.array_equal(got, expected.numpy(), equal_nan=True)


def _clipped(n, k, s, ceil):
    return any((_out_len(nn, kk, ss, 0, 0, 1, ceil) - 1) * ss + kk > nn for nn, kk, ss in zip(n, k, s))


@given(_geometry(max_dims=3, dilation=False, padding=False), st.sampled_from([2, 4, math.inf]), st.data())
def test_lp_pool_matches_torch_for_even_p(torch, geometry, p, data):
    n, k, s, _, _, ceil = geometry
    nd = len(n)
    x = data.draw(hnp.arrays(np.float64, (1, 2) + n, elements=st.floats(-10, 10, allow_subnormal=False)))
    F = torch.nn.functional
    f = (F.lp_pool1d, F.lp_pool2d, F.lp_pool3d)[nd - 1]
    expected, refused = _torch_call(f, torch.from_numpy(x), p, k[0] if nd == 1 else k, s, ceil)
    if refused is not None and nd == 3 and _fits(n, k, s, (0,) * nd, (1,) * nd, ceil):
        # lp_pool3d calls avg_pool3d, which also refuses an unpadded input shorter than the window
        # (see test_avg_pool_matches_torch); refconv needs only an output length >= 1.
        assert "smaller than kernel size" in str(refused) and any(nn < kk for nn, kk in zip(n, k))
        assert lp_pool(x, p, k, stride=s, ceil_mode=ceil).shape[2:] == tuple(
            _out_len(nn, kk, ss, 0, 0, 1, ceil) for nn, kk, ss in zip(n, k, s)
        )
        return
    if refused is not None:
        with pytest.raises(ValueError):
            lp_pool(x, p, k, stride=s, ceil_mode=ceil)
        return
    got = lp_pool(x, p, k, stride=s, ceil_mode=ceil)
    if _clipped(n, k, s, ceil) and p != math.inf:
        return  # torch overcounts clipped windows (test_lp_differs_from_torch_where_documented)
    # Not bitwise: torch computes (K * (sum/K)) ** (1/p) and its vectorised sqrt is not correctly
    # rounded; K + 4 roundings bound the difference.
    eps = np.finfo(np.float64).eps
    np.testing.assert_allclose(got, expected.numpy(), rtol=(math.prod(k) + 4) * eps, atol=1e-300)


@given(_geometry(max_dims=3, dilation=False, padding=False, fits=True), st.sampled_from([1, 2, 3, 1.5]), st.data())
def test_lp_pool_torch_reproduces_torch(torch, geometry, p, data):
    n, k, s, _, _, ceil = geometry
    nd = len(n)
    x = data.draw(hnp.arrays(np.float64, (1, 1) + n, elements=st.floats(-10, 10, allow_subnormal=False)))
    F = torch.nn.functional
    f = (F.lp_pool1d, F.lp_pool2d, F.lp_pool3d)[nd - 1]
    expected = f(torch.from_numpy(x), p, k[0] if nd == 1 else k, s, ceil).numpy()
    got = lp_pool_torch(x, p, k, stride=s, ceil_mode=ceil)
    eps = np.finfo(np.float64).eps
    np.testing.assert_allclose(got, expected, rtol=(math.prod(k) + 8) * eps, atol=1e-12, equal_nan=True)


# --------------------------------------------------------------------------------------------
# float16: accumulated in float64, rounded once


_HALVES: list = []


def _nearest_half(q: Fraction) -> np.float16:
    """The float16 nearest to the exact ``q`` (ties to even), by search over the float16 grid:
    independent of refconv's and NumPy's float arithmetic."""
    import bisect

    if not _HALVES:  # every finite float16 >= 0 (bit patterns 0 .. 0x7BFF), as exact Fractions
        _HALVES.extend(Fraction(float(v)) for v in np.arange(0, 0x7C00, dtype=np.uint16).view(np.float16))
    sign, mag = (-1 if q < 0 else 1), abs(q)
    if mag >= Fraction(65504 + 16):  # halfway to 2**16 or past it: overflow
        return np.float16(sign * np.inf)
    i = bisect.bisect_left(_HALVES, mag)
    if i == len(_HALVES) or _HALVES[i] != mag:
        below, above = _HALVES[i - 1], _HALVES[i]
        # The nearer neighbour; a tie goes to the even bit pattern.
        i = i - 1 if (mag - below, (i - 1) % 2) < (above - mag, i % 2) else i
    return np.float16(sign * float(_HALVES[i]))


def test_float16_avg_pool_near_the_range_is_hand_exact():
    x = np.array([60000, 60000, 65504, 65504, -65504, 65504], dtype=np.float16)
    y = avg_pool(x, 2)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, np.array([60000, 65504, 0], dtype=np.float16))  # a float16 sum gives inf, inf
    np.testing.assert_array_equal(global_avg_pool(x[:4]), np.array([62752], dtype=np.float16))  # (120000+131008)/4
    np.testing.assert_array_equal(weighted_pool(x[:2], 2, [1, 3]), np.array([60000], dtype=np.float16))


def test_float16_lp_pool_overflows_only_where_the_norm_does():
    x = np.array([300, 300, 60000, 60000], dtype=np.float16)
    y = lp_pool(x, 2, 2)
    assert y.dtype == np.float16
    # 300*sqrt(2) = 424.26..., float16 spacing 0.25 there: 424.25; 60000*sqrt(2) > 65504: inf.
    np.testing.assert_array_equal(y, np.array([424.25, np.inf], dtype=np.float16))
    np.testing.assert_array_equal(global_lp_pool(x[:2], 2), np.array([424.25], dtype=np.float16))
    np.testing.assert_array_equal(lp_pool(x, math.inf, 2), np.array([300, 60000], dtype=np.float16))


@given(
    hnp.arrays(np.float16, st.integers(2, 12), elements=st.floats(-65504, 65504, width=16)),
    st.integers(1, 4),
    st.booleans(),
)
def test_float16_avg_pool_is_the_correctly_rounded_mean(x, k, ceil_mode):
    assume(k <= x.size)
    y = avg_pool(x, k, ceil_mode=ceil_mode)
    assert y.dtype == np.float16
    for o in range(y.size):
        cells = x[o * k : o * k + k]
        exact = sum(Fraction(float(v)) for v in cells) / len(cells)
        assert y[o] == _nearest_half(exact), (o, cells, y[o])


def test_float16_avg_pool_conforms_to_refconvs_own_oracle():
    import refconv

    x = np.array([60000, 60000], dtype=np.float16)
    refconv.assert_conforms(avg_pool(x, 2), "avg_pool", x, 2)
    # Summed in float16 (the dtype's own arithmetic, the default) 6e4 + 6e4 overflows: inf is what
    # that accumulator gives, and the bound says no finite bound holds there.  Summed in float32
    # and stored in float16 (torch's way) nothing overflows, and inf is caught.
    inf = np.array([np.inf], dtype=np.float16)
    refconv.assert_conforms(inf, "avg_pool", x, 2)
    with pytest.raises(AssertionError, match="differs from the exact result"):
        refconv.assert_conforms(inf, "avg_pool", x, 2, arithmetic="F16_F16_F32_F16")


@given(
    hnp.arrays(
        np.float16,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=6),
        elements=st.floats(-65504, 65504, width=16) | st.floats(3e4, 65504, width=16),
    ),
    st.integers(1, 2),
)
def test_float16_avg_pool_matches_torch_near_the_range(x, k):
    torch = pytest.importorskip("torch")
    got = avg_pool(x[None], (k, k))[0]
    want = torch.nn.functional.avg_pool2d(torch.from_numpy(x)[None, None], k)[0, 0].numpy()
    assert got.dtype == want.dtype == np.float16
    # torch sums in float32 and rounds twice (float32, then half): it may differ by an ulp where a
    # sum needs more than 24 bits, but it overflows only where the mean does, as refconv.
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    finite = np.isfinite(want)
    magnitude = np.abs(want[finite].astype(np.float64))
    ulp = 2.0 ** (np.floor(np.log2(np.maximum(magnitude, 2.0**-14))) - 10)  # float16's spacing at |want|
    assert (np.abs(got[finite].astype(np.float64) - want[finite]) <= ulp).all()


# --------------------------------------------------------------------------------------------
# max_pool's values-only path (np.maximum over slabs of planes) keeps every documented rule

#: Padded cells per slab that force one plane per slab, a few, and all of them.
_SLAB_CELLS = st.sampled_from([1, 40, 300, _windows.SLAB_CELLS])


@st.composite
def _max_problems(draw, dtype, elements):
    """``(x, kernel, geometry)`` for a window that fits; ``x`` has two leading axes."""
    n, k, s, p, d, ceil = draw(_geometry())
    assume(_fits(n, k, s, p, d, ceil))
    lead = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    x = draw(hnp.arrays(dtype, lead + n, elements=elements))
    return x, k, dict(stride=s, padding=p, dilation=d, ceil_mode=ceil)


@given(_max_problems(np.float64, _FLOATS), _SLAB_CELLS)
def test_max_pool_values_equal_the_indexed_rule_bit_for_bit(problem, cells):
    # The fast path (no indices) against the per-tap update rule (return_indices=True): the same
    # bits, signs of zero and NaNs (the last NaN's payload) included, whatever the slabs.
    x, k, geometry = problem
    x, nans = x.copy(), np.isnan(x)
    x.view(np.uint64)[nans] = np.uint64(0x7FF8000000000000) + np.arange(1, nans.sum() + 1, dtype=np.uint64)
    with mock.patch.object(_windows, "SLAB_CELLS", cells):
        fast = max_pool(x, k, **geometry)
    indexed = max_pool(x, k, return_indices=True, **geometry)[0]
    assert fast.dtype == x.dtype and np.array_equal(fast.view(np.uint64), indexed.view(np.uint64))
    ref = _split(_reference(x, k, _ref_max, **_ref_geometry(geometry)))[0].astype(np.float64)
    assert np.array_equal(fast.view(np.uint64), ref.view(np.uint64))


def _ref_geometry(geometry):
    return dict(
        stride=geometry["stride"],
        pads=tuple((q, q) for q in geometry["padding"]),
        dilation=geometry["dilation"],
        ceil=geometry["ceil_mode"],
    )


@given(
    st.sampled_from([np.int64, np.int8, np.uint8]).flatmap(
        lambda dt: _max_problems(dt, st.integers(np.iinfo(dt).min, np.iinfo(dt).max))
    ),
    _SLAB_CELLS,
)
def test_integer_max_pool_is_exact_and_padding_never_wins(problem, cells):
    # Padding is the dtype's least value: a window holding it and an input cell equal to it
    # still gives that value; a window of padding only is refused for exact inputs.
    x, k, geometry = problem
    ref = _reference(x, k, _ref_max, **_ref_geometry(geometry))
    if any(i == -1 for _, i in ref.flat):
        with pytest.raises(ValueError, match="holding padding only"):
            max_pool(x, k, **geometry)
        return
    with mock.patch.object(_windows, "SLAB_CELLS", cells):
        got = max_pool(x, k, **geometry)
    assert got.dtype == x.dtype and got.tolist() == _split(ref)[0].tolist()


def test_max_pool_values_by_hand():
    x = np.array([[[1.0, -0.0, 0.0, 5.0], [-3.0, 0.0, -0.0, -1.0]]])  # (1, 2, 4)
    got = max_pool(x, 2)
    # Windows: (1, -0.0) -> 1; (0.0, 5) -> 5; (-3, 0.0) -> 0.0; (-0.0, -1) -> -0.0 (first of a tie).
    assert got.tolist() == [[[1.0, 5.0], [0.0, -0.0]]] and np.signbit(got).tolist() == [[[False, False], [False, True]]]
    # Padding 1, kernel 3, stride 2 over [-5, -7, -2]: windows (pad, -5, -7) and (-7, -2, pad).
    assert max_pool(np.array([-5.0, -7.0, -2.0]), 3, stride=2, padding=1).tolist() == [-5.0, -2.0]
    assert max_pool(np.array([-128, 7, -128], dtype=np.int8), 3, stride=2, padding=1).tolist() == [7, 7]
    # ceil_mode: the last window [9] starts inside the input and reads one cell past it.
    assert max_pool(np.array([1, 4, 9]), 2, ceil_mode=True).tolist() == [4, 9]
    # A float window of padding only is -inf.
    assert max_pool([5.0], 2, stride=1, padding=1, dilation=2).tolist() == [-math.inf]


def test_max_pool_values_keep_the_last_nan_bits():
    a, b = (np.array([0x7FF8000000000000 + v], dtype=np.uint64).view(np.float64)[0] for v in (1, 2))
    got = max_pool(np.array([1.0, a, 3.0, b]), 4)
    assert got.view(np.uint64).tolist() == [0x7FF8000000000002]


@given(_max_problems(np.float32, _FLOATS), _SLAB_CELLS)
def test_max_pool_values_match_torch(torch, problem, cells):
    x, k, geometry = problem
    F = torch.nn.functional
    f = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[len(k) - 1]
    expected, refused = _torch_call(f, torch.from_numpy(x), k, **geometry)
    assume(refused is None)  # torch's own limits (padding over half the window) are tested above
    with mock.patch.object(_windows, "SLAB_CELLS", cells):
        got = max_pool(x, k, **geometry)
    assert got.dtype == np.float32
    assert np.array_equal(got, expected.numpy(), equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected.numpy()))


def test_max_pool_signed_zero_ties_by_hand_past_a_simd_width():
    # 100 windows of 3 taps each, all zeros: the first tap's sign wins in every window, over
    # the length NumPy's maximum runs in SIMD lanes (which return either zero on a tie).
    first = np.where(np.arange(100) % 3 == 0, -0.0, 0.0)
    x = np.stack([first, -first, first], axis=-1).reshape(-1)  # window i: (s, -s, s)
    got = max_pool(x, 3)
    assert (got == 0).all() and np.signbit(got).tolist() == np.signbit(first).tolist()
    assert np.signbit(max_pool(np.array([-1.0, -0.0, 0.0, 0.0]), 4)).tolist() == [True]


def _brute_window_sums(x: np.ndarray, k: tuple, stride: tuple, padding: tuple, ceil: bool) -> np.ndarray:
    """Per window, ``0 + v_0 + v_1 + ...`` over its taps in row-major order, padding adding 0.0,
    in x's dtype one addition at a time (the documented order), for 2-D windows on the last axes."""
    n = x.shape[-2:]
    out_len = []
    for a in range(2):
        span = n[a] + 2 * padding[a] - k[a]
        o = (-(-span // stride[a]) if ceil else span // stride[a]) + 1
        if ceil and (o - 1) * stride[a] >= n[a] + padding[a]:
            o -= 1
        out_len.append(o)
    out = np.empty(x.shape[:-2] + tuple(out_len), dtype=x.dtype)
    for lead in np.ndindex(*x.shape[:-2]):
        for i in range(out_len[0]):
            for j in range(out_len[1]):
                total = x.dtype.type(0)
                for a in range(k[0]):
                    for b in range(k[1]):
                        r, c = i * stride[0] + a - padding[0], j * stride[1] + b - padding[1]
                        v = x[lead + (r, c)] if 0 <= r < n[0] and 0 <= c < n[1] else x.dtype.type(0)
                        total = x.dtype.type(total + v)
                out[lead + (i, j)] = total
    return out


@given(
    hnp.arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(2, 7), st.integers(2, 7)), elements=_FLOATS),
    st.tuples(st.integers(1, 2), st.integers(1, 3)),
    st.integers(1, 2),
    st.booleans(),
    _SLAB_CELLS,
)
def test_float_window_sums_in_slabs_are_the_row_major_sums_bit_for_bit(x, k, s, ceil, cells):
    # The slab path of _window_sum adds the same terms in the same order as one addition at a
    # time from zero, whatever the slab size; avg_pool then divides once.
    pad = (k[0] // 2, k[1] // 2)
    spec = pool_spec("avg_pool", x.shape[1:], k, stride=s, padding=pad, ceil_mode=ceil)
    with np.errstate(all="ignore"):
        with mock.patch.object(_windows, "SLAB_CELLS", cells):
            got = _windows._window_sum(x, spec)
        want = _brute_window_sums(x, k, (s, s), pad, ceil)
    assert got.dtype == np.float32 and got.shape == want.shape
    # Bit for bit, signed zeros included, but not a NaN's sign and payload: IEEE 754 leaves them
    # to the implementation, and NumPy's vectorised additions and this scalar loop picked
    # different ones (a window of inf, -inf and nan: sign bit set in one, clear in the other).
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert got[~nan].tobytes() == want[~nan].tobytes()


@pytest.mark.performance_contract
def test_slabs_hold_as_many_planes_as_fit_and_threads_pad_into_their_own_buffers(monkeypatch):
    # 2x4 planes pooled 2x2 need 8 padded cells each; SLAB_CELLS = 16 holds 2 planes: 5 planes are
    # slabs of 2, 2 and 1.  Several slabs may run on several threads, so each thread pads into a
    # buffer of its own (per_thread); one slab pads into the calling thread's.
    made = []
    real = _windows.slab_padder

    def recording(*args, per_thread):
        made.append("thread_padder" if per_thread else "slab_padder")
        return real(*args, per_thread=per_thread)

    monkeypatch.setattr(_windows, "slab_padder", recording)
    monkeypatch.setattr(_windows, "SLAB_CELLS", 16)
    x = np.arange(40.0).reshape(5, 2, 4)
    by_hand = [[[(32 * p + 0 + 1 + 4 + 5) / 4, (32 * p + 2 + 3 + 6 + 7) / 4]] for p in range(5)]  # plane p: 8p + ...
    assert avg_pool(x, (2, 2)).tolist() == by_hand
    assert made == ["thread_padder"]
    cut = []
    real_by_slabs = _windows._by_slabs

    def counting(x, spec, fill, reduce_slab):
        def counted(padded, out, views):
            cut.append(len(out))
            reduce_slab(padded, out, views)

        return real_by_slabs(x, spec, fill, counted)

    monkeypatch.setattr(_max, "_by_slabs", counting)
    max_pool(x, (2, 2))
    assert sorted(cut) == [1, 2, 2]  # the slabs may run on several threads
    made.clear()
    assert max_pool(x[:2], (2, 2)).tolist() == [[[5.0, 7.0]], [[13.0, 15.0]]]
    assert made == ["slab_padder"]


@pytest.mark.performance_contract
def test_max_and_window_sum_slabs_are_sized_by_the_one_slab_cells(monkeypatch):
    # Both fast paths read SLAB_CELLS where the slabs are cut (refconv.pooling._windows), so one
    # patch there sizes both: 1 cell per slab forces one plane per slab, 3 slabs for 3 planes.
    cut, padder_of = [], _windows.slab_padder

    def counting(planes, spec, step, fill, *, per_thread):
        padder = padder_of(planes, spec, step, fill, per_thread=per_thread)

        def slab(p0, p1):
            cut.append((p0, p1))
            return padder(p0, p1)

        return slab

    monkeypatch.setattr(_windows, "slab_padder", counting)
    monkeypatch.setattr(_windows, "SLAB_CELLS", 1)
    x = np.arange(24.0).reshape(3, 2, 4)
    assert max_pool(x, (2, 2)).tolist() == [[[5.0, 7.0]], [[13.0, 15.0]], [[21.0, 23.0]]]
    assert avg_pool(x, (2, 2)).tolist() == [[[2.5, 4.5]], [[10.5, 12.5]], [[18.5, 20.5]]]
    assert sorted(cut) == sorted([(0, 1), (1, 2), (2, 3)] * 2)  # the slabs may run on several threads


def test_the_package_keeps_every_public_name_where_it_was():
    # Issue 19's split: refconv.pooling.<name> and refconv.<name> are the same objects as before,
    # defined in the package's submodules, and the documented limit is still importable here.
    for name in refconv.pooling.__all__:
        obj = getattr(refconv.pooling, name)
        assert obj.__module__.startswith("refconv.pooling._"), name
        assert name not in refconv.__all__ or getattr(refconv, name) is obj
    assert refconv.pooling.POWER_BITS_LIMIT == 10**6
    assert set(refconv.pooling.__all__) - set(refconv.__all__) == {"lp_pool_torch"}


def test_float_lp_pool_with_a_fraction_p_overflows_to_inf_like_a_float_p():
    # A Fraction p made NumPy power element by element in Python floats, which raise
    # OverflowError; IEEE arithmetic gives inf, as a float p does.  By hand: (3**1.5 + 4**1.5)**(2/3).
    x = np.array([3.0, 4.0])
    assert lp_pool(x, Fraction(3, 2), 2).tolist() == lp_pool(x, 1.5, 2).tolist()
    assert lp_pool(x, Fraction(3, 2), 2)[0] == pytest.approx((3**1.5 + 4**1.5) ** (2 / 3), rel=1e-15)
    assert lp_pool(np.array([4e205]), Fraction(3, 2), 1).tolist() == [np.inf]  # (4e205)**1.5 > 1.8e308
    # The global pool too (thorough fuzz): sum (4e205)**1.5 + 0 overflows to inf.
    assert global_lp_pool(np.array([4e205, 0.0]), Fraction(3, 2)).tolist() == [np.inf]


# --------------------------------------------------------------------------------------------
# torch's Lp formula, the global forms, distance weights, exact max pools (by hand)


def test_lp_pool_in_the_peer_convention_by_hand_not_the_norm():
    # Windows [3, 4], [2, 2], [5] (ceil): mean of squares 25/2, 4, 25/1, times K = 2, square root.
    got = lp_pool_torch(np.array([3.0, 4.0, 2.0, 2.0, 5.0]), 2, 2, ceil_mode=True)
    assert np.allclose(got, [5.0, 8.0**0.5, 50.0**0.5], rtol=0, atol=1e-12)
    # p = 1 keeps the sign of the window mean: (-3 + 1)/2 * 2 = -2.
    assert lp_pool_torch(np.array([-3.0, 1.0]), 1, 2).tolist() == [-2.0]
    # p = 3 on negatives: mean -8, times 2 is -16, and (-16)**(1/3) is NaN in floats.
    assert np.isnan(lp_pool_torch(np.array([-2.0, -2.0]), 3, 2)).all()
    # p = 0.5: mean of sqrt(4), sqrt(16) = 3, times 2 = 6, then 6**2 = 36.
    assert np.allclose(lp_pool_torch(np.array([4.0, 16.0]), 0.5, 2), [36.0], rtol=1e-15)
    # p = inf is max |v|, through max_pool on |x| (stride and axes passed on).
    x = np.array([[-3.0, 1.0], [2.0, -5.0], [0.5, 0.25]])
    assert lp_pool_torch(x, float("inf"), 2, axes=(0,), stride=1).tolist() == [[3.0, 5.0], [2.0, 5.0]]
    # A 2x2 window multiplies by K = 4: mean(1, 4, 9, 16) * 4 = 30.
    assert np.allclose(lp_pool_torch(np.array([[1.0, 2.0], [3.0, 4.0]]), 2, (2, 2)), [[30.0**0.5]], rtol=1e-15)
    # stride and axes reach avg_pool: windows [1, 2], [2, 3] along axis 0 of a column.
    col = np.array([[1.0], [2.0], [3.0]])
    assert np.allclose(lp_pool_torch(col, 1, 2, stride=1, axes=(0,)), [[3.0], [5.0]], rtol=1e-15)
    with pytest.raises(TypeError, match=r"^lp_pool_torch: x=.* has dtype int64; expected a float array"):
        lp_pool_torch(np.array([1, 2]), 2, 2)
    with pytest.raises(ValueError, match=r"^lp_pool_torch: p=0 is not positive"):
        lp_pool_torch(np.array([1.0, 2.0]), 0, 2)


def test_global_max_pool_indices_are_row_major_over_the_axes_given():
    # x[i, j, k] with a unique maximum per j: flat index over (axes 0, 2) is i*2 + k.
    x = np.zeros((2, 3, 2), dtype=np.int64)
    x[1, 0, 0] = 9  # j=0: (i, k) = (1, 0) -> 2
    x[0, 1, 1] = 7  # j=1: (0, 1) -> 1
    x[1, 2, 1] = 5  # j=2: (1, 1) -> 3
    best, where = refconv.global_max_pool(x, axes=(0, 2), return_indices=True)
    assert best.shape == (1, 3, 1) and best.ravel().tolist() == [9, 7, 5]
    assert where.ravel().tolist() == [1 * 2 + 0, 0 * 2 + 1, 1 * 2 + 1]
    # The axes in the other order: the index is k*2 + i.
    _, where = refconv.global_max_pool(x, axes=(2, 0), return_indices=True)
    assert where.ravel().tolist() == [0 * 2 + 1, 1 * 2 + 0, 1 * 2 + 1]
    # Every axis of a 2x3: ties keep the first maximum (row-major), NaN wins and the last NaN's index.
    best, where = refconv.global_max_pool(np.array([[1, 5, 2], [5, 0, 5]]), return_indices=True)
    assert best.tolist() == [[5]] and where.tolist() == [[1]]
    nan = float("nan")
    best, where = refconv.global_max_pool(np.array([[nan, 1.0], [2.0, nan]]), return_indices=True)
    assert np.isnan(best).all() and where.tolist() == [[3]]
    # Same values as max_pool with the whole window, and exact objects come back as Python numbers.
    frac = np.array([[Fraction(1, 3), Fraction(1, 2)], [Fraction(-1), Fraction(1, 4)]], dtype=object)
    assert refconv.global_max_pool(frac).tolist() == [[Fraction(1, 2)]]
    assert refconv.global_max_pool(frac, axes=(1,)).tolist() == [[Fraction(1, 2)], [Fraction(1, 4)]]
    assert refconv.global_max_pool(x).tolist() == [[[9]]]
    with pytest.raises(
        TypeError, match=r"^global_max_pool: x=.* is complex, which has no order; expected real numbers$"
    ):
        refconv.global_max_pool(np.array([1j]))


def test_global_avg_and_lp_pool_by_hand():
    x = np.array([[3, 0, 4], [1, 2, -2]])
    # Means: whole (3+0+4+1+2-2)/6 = 4/3; per row 7/3, 1/3; per column 2, 1, 1.
    assert refconv.global_avg_pool(x).tolist() == [[Fraction(4, 3)]]
    assert refconv.global_avg_pool(x, axes=(1,)).tolist() == [[Fraction(7, 3)], [Fraction(1, 3)]]
    assert refconv.global_avg_pool(x, axes=0).tolist() == [[2, 1, 1]]
    f = refconv.global_avg_pool(x.astype(np.float32), axes=(1,))
    assert f.dtype == np.float32 and np.allclose(f.ravel(), [7 / 3, 1 / 3], rtol=1e-6)
    # L2 per row: sqrt(9 + 16) = 5, sqrt(1 + 4 + 4) = 3; L1 of everything: 12; Linf: 4.
    assert refconv.global_lp_pool(x, 2, axes=(1,)).ravel().tolist() == [5, 3]
    assert refconv.global_lp_pool(x, 1).tolist() == [[12]]
    assert refconv.global_lp_pool(x, float("inf")).tolist() == [[4]]
    # Floats: sqrt for p = 2, the 1/p power otherwise: (27 + 64)**(1/3) for row 0 with p = 3.
    fl = refconv.global_lp_pool(x.astype(np.float64), 3, axes=(1,))
    assert np.allclose(fl.ravel(), [91 ** (1 / 3), (1 + 8 + 8) ** (1 / 3)], rtol=1e-15)
    assert refconv.global_lp_pool(x.astype(np.float64), 2, axes=(1,)).ravel().tolist() == [5.0, 3.0]
    assert refconv.global_lp_pool(-x.astype(np.float64), float("inf")).tolist() == [[4.0]]
    # Exact with a fractional p = 1/2: (sqrt 3 + sqrt 4)**2 per row 0 restricted to [3, 4].
    got = refconv.global_lp_pool(np.array([3, 4]), Fraction(1, 2))
    assert sympy.simplify(got[0] - (sympy.sqrt(3) + 2) ** 2) == 0


def test_distance_weights_exact_and_float():
    # 3-tap window: distances 1, 0, 1; weight 2 - d: 1, 2, 1.  (1*1 + 2*2 + 1*3)/4 = 2.
    assert refconv.weighted_pool([1, 2, 3], 3, lambda d: 2 - d).tolist() == [Fraction(2)]
    # 2x2 window: every tap at distance sqrt(2)/2; exact x receives SymPy distances.
    seen = []
    refconv.weighted_pool(np.ones((2, 2), dtype=int), (2, 2), lambda d: seen.append(d) or 1)
    assert seen == [sympy.sqrt(2) / 2] * 4
    # Float x receives float distances, and the weights become x's dtype.
    seen.clear()
    got = refconv.weighted_pool(np.array([1.0, 3.0], np.float32), 2, lambda d: seen.append(d) or 1)
    assert seen == [0.5, 0.5] and got.dtype == np.float32 and got.tolist() == [2.0]
    # An irrational weight gives a SymPy number: (1*1 + 2*sqrt(2)) / (1 + sqrt(2)) for x = [1, 2].
    got = refconv.weighted_pool([1, 2], 2, lambda d: 1 if d < 0 else sympy.sqrt(2) ** (2 * d))
    assert sympy.simplify(got[0] - (1 * sympy.sqrt(2) + 2 * sympy.sqrt(2)) / (2 * sympy.sqrt(2))) == 0
    # A rational SymPy weight becomes a Fraction: weights 1/2, 1/4 -> (1/2 + 2/4) / (3/4) = 4/3.
    got = refconv.weighted_pool([1, 2], 2, lambda d: sympy.Rational(1, 2))
    assert got.tolist() == [Fraction(3, 2)] and type(got[0]) is Fraction
    got = refconv.weighted_pool([1, 2], 2, np.array([sympy.Rational(1, 2), sympy.Rational(1, 4)], dtype=object))
    assert got.tolist() == [Fraction(4, 3)]
    got = refconv.weighted_pool([1, 2, 3], 3, lambda d: sympy.Integer(2) - d)
    assert got.tolist() == [Fraction(2)] and type(got[0]) is Fraction
    # Float weights for float x; a mixed table of ints and floats is one float table.
    assert refconv.weighted_pool(np.array([1.0, 3.0]), 2, lambda d: 0.5).tolist() == [2.0]
    assert refconv.weighted_pool(np.array([2.0, 4.0]), 2, np.array([1, 3])).tolist() == [(2 + 12) / 4]


@pytest.mark.parametrize(
    ("weight", "exc", "message"),
    [
        (lambda d: 1j, TypeError, r"weight=.* holds complex 1j; expected an object array of int, Fraction or SymPy"),
        (np.array([1j, 1]), TypeError, r"weight=.* is complex; expected real weights >= 0$"),
        (lambda d: -1, ValueError, r"weight=.* gives -1 at tap \(0,\); expected finite weights >= 0$"),
        (lambda d: float("nan"), ValueError, r"weight=.* gives nan at tap \(0,\); expected finite weights >= 0$"),
        (lambda d: float("inf"), ValueError, r"weight=.* gives inf at tap \(0,\); expected finite weights >= 0$"),
        (np.array([1, -2]), ValueError, r"weight=.* gives -2 at tap \(1,\); expected finite weights >= 0$"),
        (lambda d: None, TypeError, r"weight=.* holds NoneType None; expected an object array"),
        (np.array([sympy.Symbol("s"), 1]), TypeError, r"weight=.* gives s at tap \(0,\), whose sign is unknown"),
    ],
)
def test_weight_refusals_name_the_tap(weight, exc, message):
    with pytest.raises(exc, match=r"^weighted_pool: " + message):
        refconv.weighted_pool(np.array([1.0, 2.0]), 2, weight)


def test_lp_pool_float_powers_and_default_floor_mode():
    x = np.array([3.0, 4.0, 5.0])
    # Floor mode by default: one window [3, 4]; ceil mode adds the clipped [5].
    assert refconv.lp_pool(x, 2, 2).tolist() == [5.0]
    assert refconv.lp_pool(x, 2, 2, ceil_mode=True).tolist() == [5.0, 5.0]
    # p = 3: (27 + 64)**(1/3); p = 1: 3 + 4; p = 0.5: (sqrt 3 + 2)**2.
    assert np.allclose(refconv.lp_pool(x, 3, 2), [91 ** (1 / 3)], rtol=1e-15)
    assert refconv.lp_pool(x, 1, 2).tolist() == [7.0]
    assert np.allclose(refconv.lp_pool(x, 0.5, 2), [(3**0.5 + 2) ** 2], rtol=1e-15)
    # p = inf: max |v| over windows of -x, in float.
    assert refconv.lp_pool(-x, float("inf"), 2, stride=1).tolist() == [4.0, 5.0]
    assert refconv.lp_pool(np.array([-3, 1, -2]), float("inf"), 3).tolist() == [3]


def test_average_pooling_keeps_a_float32_dtype_and_divides_by_the_documented_counts():
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    got = refconv.avg_pool(x, 3, stride=1, padding=1)
    # Windows [pad, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, pad]: divisor 3 (padding counts).
    assert got.dtype == np.float32 and np.allclose(got, [1.0, 2.0, 3.0, 7 / 3], rtol=1e-6)
    got = refconv.avg_pool(x, 3, stride=1, padding=1, count_include_pad=False)
    assert np.allclose(got, [1.5, 2.0, 3.0, 3.5], rtol=1e-6)
    # The dask path's per-block divisors: outputs 1..2 of the same geometry, ranges per axis.
    from refconv.pooling._average import _counts

    g = pool_spec("f", (4,), (3,), stride=1, padding=1)
    assert _counts(g, lambda a: 0, lambda a: a.n).tolist() == [2, 3, 3, 2]
    assert _counts(g, lambda a: 0, lambda a: a.n, outputs=(range(1, 3),)).tolist() == [3, 3]
    assert _counts(g, lambda a: 0, lambda a: a.n, outputs=(range(3, 4),)).tolist() == [2]


def test_weighted_pool_of_float_x_with_exact_weights_runs_in_floats():
    got = refconv.weighted_pool(np.array([1.0, 3.0], np.float32), 2, lambda d: Fraction(1, 3))
    assert got.dtype == np.float32 and got.tolist() == [2.0]
    got = refconv.weighted_pool(np.array([1.0, 3.0]), 2, np.array([Fraction(1, 4), Fraction(3, 4)], dtype=object))
    assert got.dtype == np.float64 and got.tolist() == [1 / 4 + 9 / 4]
    # Float weights and float x: (2*1 + 4*3) / (1 + 3).
    assert refconv.weighted_pool(np.array([2.0, 4.0]), 2, np.array([1.0, 3.0])).tolist() == [14 / 4]


def test_exact_max_pools_return_exact_objects():
    # Fractions and Python ints stay exact objects, per window and globally (not floats).
    x = np.array([Fraction(1, 3), Fraction(-1, 2), 2**70, 5], dtype=object)
    got = refconv.max_pool(x, 2)
    assert got.dtype == object and got.tolist() == [Fraction(1, 3), 2**70]
    assert all(type(v) in (Fraction, int) for v in got)
    g = refconv.global_max_pool(x)
    assert g.dtype == object and g.tolist() == [2**70]
    values, index = refconv.global_max_pool(x, return_indices=True)
    assert (values.tolist(), index.tolist()) == ([2**70], [2])


# ---- adaptive and global pools: arithmetic, exactness and messages stated by hand (issue 19's re-measure) --


def test_adaptive_avg_pool_sums_float32_in_float32_from_positive_zero():
    from refconv.pooling import adaptive_avg_pool

    # In float32, 1 + 2**-24 rounds back to 1 (a tie, to even) twice: the window sum is 1 and the mean
    # float32(1) / float32(3); a float64 sum (1 + 2**-23) would round to a different float32 mean.
    x = np.array([1.0, 2.0**-24, 2.0**-24], dtype=np.float32)
    got = adaptive_avg_pool(x, 1)
    assert got.dtype == np.float32 and got[0] == np.float32(1) / np.float32(3)
    assert np.float32((1 + 2.0**-23) / 3) != got[0]  # the control: the float64 sum gives another value
    # The sum starts from +0.0 (the documented "from zero"): a window of -0.0 averages to +0.0.
    assert not np.signbit(adaptive_avg_pool(np.array([-0.0, -0.0]), 1)[0])


def test_adaptive_avg_pool_is_exact_past_float_precision_and_past_int64():
    from refconv.pooling import adaptive_avg_pool

    # 2**60 + 1 and 2**60 + 3 fit int64 (their sum too) but not float64: the mean is exactly 2**60 + 2.
    assert adaptive_avg_pool(np.array([2**60 + 1, 2**60 + 3]), 1).tolist() == [2**60 + 2]
    # 3 * 2**62 is past int64: the sum is taken in Python ints.
    assert adaptive_avg_pool(np.array([2**62, 2**62, 2**62]), 1).tolist() == [2**62]


def test_exact_adaptive_and_global_pools_expand_sympy_results():
    from refconv.pooling import adaptive_avg_pool, adaptive_max_pool

    a, b = sympy.symbols("a b")
    x = np.array([a * (b + 1), sympy.Integer(1)], dtype=object)
    expanded = a * b / 2 + a / 2 + sympy.Rational(1, 2)  # (a*(b+1) + 1) / 2, multiplied out by hand
    assert adaptive_avg_pool(x, 1)[0] == expanded and global_avg_pool(x)[0] == expanded
    r = np.array([(1 + sympy.sqrt(2)) ** 2, sympy.Integer(1)], dtype=object)  # (1 + sqrt 2)**2 = 3 + 2 sqrt 2
    assert adaptive_max_pool(r, 1)[0] == 3 + 2 * sympy.sqrt(2) and global_max_pool(r)[0] == 3 + 2 * sympy.sqrt(2)


def test_adaptive_max_pool_of_floats_takes_the_greater_value_and_the_last_nan():
    from refconv.pooling import adaptive_max_pool

    assert adaptive_max_pool(np.array([1.0, 3.0, 2.0]), 1).tolist() == [3.0]
    value, index = adaptive_max_pool(np.array([1.0, np.nan, 3.0, np.nan, 0.0]), 1, return_indices=True)
    assert np.isnan(value[0]) and index.tolist() == [3]


def test_max_pool_zero_maximum_takes_the_sign_of_its_windows_first_zero():
    got = max_pool(np.array([-0.0, 0.0, 0.0, -0.0]), 2)
    assert got.tolist() == [0.0, 0.0] and np.signbit(got).tolist() == [True, False]


def test_global_max_pool_index_is_row_major_over_three_axes():
    x = np.zeros((2, 2, 2), dtype=np.int64)
    x[1, 0, 1] = 7
    value, index = global_max_pool(x, return_indices=True)
    assert value.tolist() == [[[7]]] and index.tolist() == [[[1 * 4 + 0 * 2 + 1]]]


def test_global_lp_pool_of_ints_whose_powers_pass_int64_is_exact():
    # |2**40|**2 = 2**80 is past int64: the exact path powers Python ints; the 2-norm is 2**40.
    assert global_lp_pool(np.array([2**40, 0]), 2).tolist() == [2**40]


def test_global_weighted_pool_pools_only_the_named_axes():
    # axis 0 with weights (1, 3): column means (1*1 + 3*3)/4 and (1*2 + 3*4)/4.
    got = global_weighted_pool(np.array([[1, 2], [3, 4]]), [1, 3], axes=0)
    assert got.tolist() == [[Fraction(10, 4), Fraction(14, 4)]]


def test_max_pool_refusals_of_unordered_values_word_for_word():
    from refconv.pooling import adaptive_max_pool

    with pytest.raises(TypeError) as info:
        adaptive_max_pool(np.array([1 + 2j, 3j]), 1)
    assert str(info.value) == (
        "adaptive_max_pool: x=<ndarray shape=(2,) dtype=complex128> is complex, which has no order; "
        "expected real numbers"
    )
    a, b = sympy.symbols("a b")
    for pool, call in [(adaptive_max_pool, (1,)), (global_max_pool, ())]:
        with pytest.raises(TypeError) as info:
            pool(np.array([a, b], dtype=object), *call)
        text = str(info.value)
        assert text.startswith(f"{pool.__name__}: x=<ndarray shape=(2,) dtype=object> holds values that cannot be ")
        assert "cannot determine truth value of Relational" in text  # SymPy's reason, carried in the message
        assert text.endswith("; expected real numbers (max pooling needs an order; SymPy symbols have none)")


def test_pooled_unchanged_fraction_names_itself_and_x_when_x_is_not_an_array():
    with pytest.raises(TypeError) as info:
        pooled_unchanged_fraction("abc", 2)
    assert str(info.value) == "pooled_unchanged_fraction: x='abc' is not an array; expected an array of numbers"


# ---- max_unpool: sizes, indices, accumulation, stated by hand -----------------------------------------------


def test_max_unpool_default_length_of_one_is_accepted_and_zero_is_refused():
    from refconv.pooling import max_unpool

    # (m-1)*s + k - lo - hi = 0*3 + 3 - 1 - 1 = 1 cell: the index 0 names it.
    assert max_unpool(np.array([5]), np.array([0]), 3, padding=1).tolist() == [5]
    with pytest.raises(ValueError) as info:
        max_unpool(np.array([5]), np.array([0]), 2, padding=1)
    assert str(info.value) == (
        "max_unpool: padding=1 leaves no output on axis 0: (m-1)*s + k - lo - hi = (1-1)*2 + 2 - 1 - 1 = 0; "
        "expected padding small enough for a length >= 1, or output_size"
    )


def test_max_unpool_output_size_is_an_array_or_ints_within_a_stride_exclusive():
    from refconv.pooling import max_unpool

    x, i = np.array([[5, 7]]), np.array([[0, 2]])  # default length (2-1)*2 + 2 = 4, stride 2
    assert max_unpool(x, i, 2, output_size=np.array([5])).tolist() == [[5, 0, 7, 0, 0]]
    expected = "expected 1 lengths (or 2, of which the last 1 are used, as torch's len(kernel_size) + 2)"
    for size, exc, problem in [
        ("abc", TypeError, "output_size='abc' is not a tuple of ints"),
        ((1, 2, 3), ValueError, "output_size=(1, 2, 3) has 3 entries"),
    ]:
        with pytest.raises(exc) as info:
            max_unpool(x, i, 2, output_size=size)
        assert str(info.value) == f"max_unpool: {problem}; {expected}"
    with pytest.raises(ValueError) as info:
        max_unpool(x, i, 2, output_size=(2,))  # 4 - 2: the open interval's end
    assert str(info.value) == (
        "max_unpool: output_size=(2,) is 2 on axis 0, outside the default length 4 -+ stride 2 (exclusive); "
        "expected a length in (2, 6) (as torch)"
    )


def test_max_unpool_indices_of_python_ints_and_their_range():
    from refconv.pooling import max_unpool

    x = np.array([5, 7])
    assert max_unpool(x, np.array([0, 3], dtype=object), 2).tolist() == [5, 0, 0, 7]
    with pytest.raises(ValueError) as info:
        max_unpool(x, np.array([0, 4], dtype=object), 2)
    assert str(info.value) == (
        "max_unpool: indices=<ndarray shape=(2,) dtype=object> holds 4 at (1,), outside the unpooled plane of "
        "4 cells; expected flat indices in [0, 4)"
    )
    with pytest.raises(TypeError) as info:
        max_unpool(np.zeros((0, 1)), np.zeros((0, 1)), 2)  # float indices are refused even when empty
    assert str(info.value).startswith("max_unpool: indices=<ndarray shape=(0, 1) dtype=float64> has dtype float64")
    with pytest.raises(TypeError) as info:
        max_unpool(x, "abc", 2)
    assert str(info.value) == "max_unpool: indices='abc' is not an array; expected an array of numbers"


def test_max_unpool_accumulate_keeps_dtypes_and_exact_sums():
    from refconv.pooling import max_unpool

    # No index repeats: int64 holds every sum, and the result stays int64.
    got = max_unpool(np.array([2**62, 1]), np.array([0, 3]), 2, accumulate=True)
    assert got.dtype == np.int64 and got.tolist() == [2**62, 0, 0, 1]
    # Two values in one cell: 2**62 + 2**62 = 2**63 is past int64, so the sum is a Python int.
    got = max_unpool(np.array([2**62, 2**62]), np.array([1, 1]), 2, stride=1, accumulate=True)
    assert got.tolist() == [0, 2**63, 0]
    # Floats add in x's dtype: float32 in, float32 out.
    got = max_unpool(np.array([1.5, 2.0], dtype=np.float32), np.array([1, 1]), 2, stride=1, accumulate=True)
    assert got.dtype == np.float32 and got.tolist() == [0.0, 3.5, 0.0]
    # Nothing to scatter: an empty batch gives an empty result.
    assert max_unpool(np.zeros((0, 1)), np.zeros((0, 1), dtype=np.int64), 2, accumulate=True).shape == (0, 2)


def test_max_unpool_budget_counts_x_as_held(monkeypatch):
    from refconv import spec
    from refconv.pooling import max_unpool

    # 4 output cells = x's 2 + a limit of 2: allowed; 5 cells (output_size=5) are one over.
    monkeypatch.setattr(spec, "CELL_LIMIT", 2)
    assert max_unpool(np.array([5, 7]), np.array([0, 3]), 2).tolist() == [5, 0, 0, 7]
    with pytest.raises(ValueError, match=r"^max_unpool: output_size=\(5,\) needs an output of shape \(5,\), 5 cells"):
        max_unpool(np.array([5, 7]), np.array([0, 3]), 2, output_size=(5,))


def test_global_lp_pool_inf_pools_the_named_axes_in_sympy_and_float_powers_in_float32():
    x = np.array([[3, -4], [1, 2]])
    got = global_lp_pool(x, math.inf, axes=1)
    assert got.tolist() == [[4], [2]] and all(isinstance(v, sympy.Integer) for v in got.flat)
    # float32 |v|**1 summed in float32: 1 + 2**-24 + 2**-24 stays 1 (ties to even), unlike a float64 sum.
    f = global_lp_pool(np.array([1.0, 2.0**-24, 2.0**-24], dtype=np.float32), 1)
    assert f.dtype == np.float32 and f.tolist() == [1.0]


def test_max_unpool_of_exact_values_keeps_them_and_the_last_write_wins():
    from refconv.pooling import max_unpool

    got = max_unpool(np.array([Fraction(1, 2), Fraction(3, 4)], dtype=object), [0, 3], 2)
    assert got.dtype == object and got.tolist() == [Fraction(1, 2), 0, 0, Fraction(3, 4)]
    # (1 + sqrt 2)**2 comes back multiplied out, as every exact pool's SymPy result.
    r = max_unpool(np.array([(1 + sympy.sqrt(2)) ** 2], dtype=object), [0], 1)
    assert r[0] == 3 + 2 * sympy.sqrt(2)
    # Keys 0, 1, 1 (stride 1, k 2: 4 cells): cell 1 keeps the later value 8, cell 0 gets 5.
    assert max_unpool(np.array([5, 7, 8]), np.array([0, 1, 1]), 2, stride=1).tolist() == [5, 8, 0, 0]


def test_global_lp_pool_expands_sympy_results():
    r = global_lp_pool(np.array([(1 + sympy.sqrt(2)) ** 2, 0], dtype=object), 1)  # |v| summed, 1st root
    assert r[0] == 3 + 2 * sympy.sqrt(2)


def test_fractional_max_pool_of_floats_greater_and_nan_rules():
    from refconv.pooling import fractional_max_pool

    # Sample 0.9 starts the four windows of 2 at 0, 3, 5 and 8 (the docstring's example).
    x = np.array([1.0, 3.0, 4.0, np.nan, 5.0, 2.0, 9.0, 6.0, 0.0, np.nan])
    value, index = fractional_max_pool(x, 2, 4, [0.9], return_indices=True)
    # [1, 3] -> 3 (greater); [nan, 5] -> nan (5 is not greater than nan); [2, 9] -> 9; [0, nan] -> nan.
    assert index.tolist() == [1, 3, 6, 9]
    assert value[0] == 3.0 and value[2] == 9.0 and np.isnan(value[1]) and np.isnan(value[3])


def test_fractional_max_pool_refuses_unordered_values_with_the_cause():
    from refconv.pooling import fractional_max_pool

    a, b = sympy.symbols("a b")
    with pytest.raises(TypeError) as info:
        fractional_max_pool(np.array([a, b], dtype=object), 2, 1, [0.5])
    text = str(info.value)
    assert text.startswith("fractional_max_pool: x=<ndarray shape=(2,) dtype=object> holds values that cannot be ")
    assert "cannot determine truth value of Relational" in text  # SymPy's reason, carried in the message


def test_lp_pool_torch_defaults_messages_and_options():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert lp_pool_torch(x, 2, 2).shape == (2,)  # floor mode by default: windows [0, 2), [2, 4)
    for bad, problem in [("abc", "x='abc' is not an array; expected an array of numbers"), ([1, 2, 3], None)]:
        with pytest.raises(TypeError) as info:
            lp_pool_torch(bad, 2, 2)
        assert str(info.value) == "lp_pool_torch: " + (
            problem or "x=[1, 2, 3] has dtype int64; expected a float array (this reproduces torch's float formula)"
        )
    # pad_rule="onnx" lets a pad exceed k // 2 (2 > 3 // 2); each window of 3 still holds an input cell.
    got = lp_pool_torch(np.array([1.0, 2.0]), 1, 3, stride=1, padding=((2, 0),), pad_rule="onnx")
    assert got.shape == (2 + 2 - 3 + 1,)
    # kernel_size=2 for both axes (axes=(0, 1)): K = 4 cells; ones give (4/4 * 4) ** (1/1) = 4.
    assert lp_pool_torch(np.ones((2, 2)), 1, 2, axes=(0, 1)).tolist() == [[4.0]]


def test_adaptive_output_size_forms_and_refusals_word_for_word():
    from refconv.pooling import adaptive_avg_pool

    x = np.arange(16.0).reshape(4, 4)
    assert adaptive_avg_pool(x, np.array([2])).shape == (4, 2)  # an array of lengths
    assert adaptive_avg_pool(x, (2,), axes=(0, 1)).shape == (2, 2)  # one length for every named axis
    expected = "expected an int >= 1, or a tuple of ints >= 1 (or None: keep that axis's length)"
    for size, exc, problem in [
        (2.5, TypeError, "output_size=2.5 is not an int or a tuple of ints"),
        ((), ValueError, "output_size=() is empty"),
        ((1.5,), TypeError, "output_size=(1.5,) has an entry 1.5 that is not an int"),
    ]:
        with pytest.raises(exc) as info:
            adaptive_avg_pool(x, size)
        assert str(info.value) == f"adaptive_avg_pool: {problem}; {expected}"
    with pytest.raises(ValueError) as info:
        adaptive_avg_pool(np.zeros((2, 0)), 1)
    assert str(info.value) == (
        "adaptive_avg_pool: x=<ndarray shape=(2, 0) dtype=float64> has length 0 along pooled axis 1 (shape (2, 0)), "
        "which no window can cover; expected pooled axes of length >= 1 (as torch)"
    )


def test_adaptive_budget_counts_x_as_held(monkeypatch):
    from refconv import spec
    from refconv.pooling import adaptive_avg_pool

    # x holds 6 cells; the output (2, 3), its one-cell windows (6 cells) and the window tables (2*3)
    # are each over a limit of 5 but within x's 6 + 5.
    monkeypatch.setattr(spec, "CELL_LIMIT", 5)
    assert adaptive_avg_pool(np.ones((2, 3)), 3).tolist() == [[1.0] * 3] * 2


# ---- fractional_max_pool: its default, exact results, float32 sample arithmetic and every refusal ------------


def test_fractional_max_pool_returns_values_only_by_default_and_expands_sympy():
    from refconv.pooling import fractional_max_pool

    got = fractional_max_pool(np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]), 2, 4, [0.9])
    assert isinstance(got, np.ndarray) and got.tolist() == [3, 5, 9, 5]  # windows at 0, 3, 5, 8
    r = fractional_max_pool(np.array([(1 + sympy.sqrt(2)) ** 2, sympy.Integer(1)], dtype=object), 2, 1, [0.5])
    assert r[0] == 3 + 2 * sympy.sqrt(2)


def test_fractional_starts_follow_float32_arithmetic_for_float32_samples():
    from refconv.pooling import fractional_max_pool

    # n=11, k=1, out=7, u=0: alpha = float32(10)/float32(6); start i = int(float32(float32(i) * alpha)).
    # For i=3 the float32 product rounds up to 5.0, where a float64 product (4.99999988...) truncates to 4.
    alpha = np.float32(10) / np.float32(6)
    by_hand = [int(np.float32(np.float32(i) * alpha)) for i in range(6)] + [11 - 1]
    assert by_hand == [0, 1, 3, 5, 6, 8, 10]
    _, index = fractional_max_pool(np.arange(11.0), 1, 7, np.array([0.0], dtype=np.float32), return_indices=True)
    assert index.tolist() == by_hand


@pytest.mark.parametrize(
    ("x", "k", "out", "samples", "exc", "message"),
    [
        ("abc", 2, 1, [0.5], TypeError, "x='abc' is not an array; expected an array of numbers"),
        ([1.0, 2.0], 2, 1, "abc", TypeError, "samples='abc' is not an array; expected an array of numbers"),
        (
            np.arange(4.0),
            2,
            4,
            [0.5],
            ValueError,
            "output_size=4 needs output_size + kernel_size - 1 = 4+2-1 = 5 cells on axis 0, x has 4; "
            "expected output_size + kernel_size - 1 <= the input length",
        ),
        (
            np.array([1 + 1j, 2j]),
            2,
            1,
            [0.5],
            TypeError,
            "x=<ndarray shape=(2,) dtype=complex128> is complex, which has no order; expected real numbers",
        ),
        (
            [1.0, 2.0, 3.0],
            2,
            1,
            [0.5j],
            TypeError,
            "samples=<ndarray shape=(1,) dtype=complex128> is complex; expected real numbers",
        ),
        (
            np.ones((2, 4)),
            2,
            1,
            [[0.5]],
            ValueError,
            "samples=<ndarray shape=(1, 1) dtype=float64> has shape (1, 1), not x.shape[:-1] + (1,) = (2, 1); "
            "expected one sample per plane and pooled axis",
        ),
        (
            [1.0, 2.0, 3.0],
            2,
            1,
            np.array([sympy.sqrt(2) / 2], dtype=object),
            TypeError,
            "samples=<ndarray shape=(1,) dtype=object> holds an irrational or symbolic entry; "
            "expected rational samples (int, Fraction, sympy.Rational) or floats",
        ),
        (
            [1.0, 2.0, 3.0],
            2,
            1,
            [np.inf],
            ValueError,
            "samples=<ndarray shape=(1,) dtype=float64> holds np.float64(inf); "
            "expected finite samples (torch draws them in [0, 1))",
        ),
        (
            np.ones((2, 4)),
            2,
            (1, 1, 1),
            [[0.5], [0.5]],
            ValueError,
            "output_size=(1, 1, 1) has 3 entries but samples name 1 pooled axes; expected 1 ints",
        ),
    ],
)
def test_fractional_max_pool_refusals_word_for_word(x, k, out, samples, exc, message):
    from refconv.pooling import fractional_max_pool

    with pytest.raises(exc) as info:
        fractional_max_pool(x, k, out, samples)
    assert str(info.value) == "fractional_max_pool: " + message


def test_fractional_max_pool_return_indices_must_be_a_bool_and_budget_counts_x(monkeypatch):
    from refconv import spec
    from refconv.pooling import fractional_max_pool

    with pytest.raises(TypeError) as info:
        fractional_max_pool([1.0, 2.0, 3.0], 2, 1, [0.5], return_indices=1)
    assert str(info.value) == "fractional_max_pool: return_indices=1 is not a bool; expected True or False"
    # An output never outgrows x (out + k - 1 <= n): with x's 4 cells held, even a limit of 1 allows 2 outputs.
    monkeypatch.setattr(spec, "CELL_LIMIT", 1)
    assert fractional_max_pool(np.arange(4.0), 2, 2, [0.5]).tolist() == [1.0, 3.0]


def test_adaptive_window_budget_refusals_word_for_word(monkeypatch):
    from refconv import spec
    from refconv.pooling import adaptive_avg_pool

    # n=5 to 2 outputs: windows [0, 3) and [2, 5), 3 cells each: (2, 3) = 6 cells read, x holds 5.
    monkeypatch.setattr(spec, "CELL_LIMIT", 1)
    assert adaptive_avg_pool(np.ones(5), 2).tolist() == [1.0, 1.0]
    monkeypatch.setattr(spec, "CELL_LIMIT", 0)
    with pytest.raises(ValueError) as info:
        adaptive_avg_pool(np.ones(5), 2)
    assert str(info.value) == (
        "adaptive_avg_pool: output_size=2 needs windows reading of shape (2, 3), 6 cells, over the limit of 0 cells "
        "beyond the operands' 5 (refconv.spec.CELL_LIMIT); expected a smaller problem, or a larger "
        "refconv.spec.CELL_LIMIT"
    )
    # One cell to (1, 3): the window tables 2*(1+3) = 8 cells are the largest array.
    monkeypatch.setattr(spec, "CELL_LIMIT", 3)
    with pytest.raises(ValueError) as info:
        adaptive_avg_pool(np.ones((1, 1)), (1, 3))
    assert str(info.value).startswith(
        "adaptive_avg_pool: output_size=(1, 3) needs window tables of shape (8,), 8 cells, over the limit of 3 cells "
        "beyond the operands' 1"
    )


def test_global_avg_pool_float32_in_float32_and_ints_exact():
    # float32 sums in float32 (1 + 2**-24 stays 1, twice): the mean is float32(1) / float32(3).
    got = global_avg_pool(np.array([1.0, 2.0**-24, 2.0**-24], dtype=np.float32))
    assert got.dtype == np.float32 and got[0] == np.float32(1) / np.float32(3)
    assert global_avg_pool(np.array([2**60 + 1, 2**60 + 3])).tolist() == [2**60 + 2]  # past float64's 53 bits
    assert global_avg_pool(np.array([2**62, 2**62])).tolist() == [2**62]  # the sum 2**63 is past int64


def test_weighted_pool_named_axes_float32_arithmetic_and_exact_ints():
    # axis 0 with weights (1, 3): (1*1 + 3*3)/4 and (1*2 + 3*4)/4.
    got = weighted_pool(np.array([[1, 2], [3, 4]]), 2, [1, 3], axes=0)
    assert got.tolist() == [[Fraction(10, 4), Fraction(14, 4)]]
    # float32 in float32: 1 + 2**-24 + 2**-24 stays 1, so the mean is float32(1) / float32(3); exact
    # (Fraction) weights are converted to x's float dtype first.
    x = np.array([1.0, 2.0**-24, 2.0**-24], dtype=np.float32)
    for w in ([1.0, 1.0, 1.0], np.array([Fraction(1), Fraction(1), Fraction(1)], dtype=object)):
        got = weighted_pool(x, 3, w)
        assert got.dtype == np.float32 and got.tolist() == [np.float32(1) / np.float32(3)]
    # 2**60 + 1 and 2**60 + 3 are not float64 numbers: the weighted mean is exactly 2**60 + 2.
    assert weighted_pool(np.array([2**60 + 1, 2**60 + 3]), 2, [1, 1]).tolist() == [2**60 + 2]


# ---- lp_pool: the exact-power limit, its message, float32 arithmetic, SymPy results ----------------------------


def test_lp_pool_power_limit_is_inclusive_and_counts_bits_by_hand(monkeypatch):
    import refconv.pooling._lp as lp_module

    # size = max(a, b) * max(bits, 1) for p = a/b: p=2 on entries of 1 bit (or none, or a SymPy
    # irrational, counted as 1 bit) is 2 * 1 = 2, allowed at a limit of exactly 2.
    monkeypatch.setattr(lp_module, "POWER_BITS_LIMIT", 2)
    assert lp_pool(np.array([1, 1]), 2, 2).tolist() == [sympy.sqrt(2)]
    assert lp_pool(np.zeros((0, 2), dtype=np.int64), 2, 2).shape == (0, 1)
    assert lp_pool(np.array([sympy.sqrt(2)], dtype=object), 2, 1).tolist() == [sympy.sqrt(2)]
    monkeypatch.setattr(lp_module, "POWER_BITS_LIMIT", 1)
    with pytest.raises(ValueError, match=r"^lp_pool: p=2 is exactly 2/1: raising exact x \(entries of up to 1 bits\)"):
        lp_pool(np.array([1, 1]), 2, 2)


@pytest.mark.parametrize(
    ("p", "exactly", "about"),
    [
        # 10**12 * 1 bit = 10**12 >= 10**12: said as a power of two, 2**39 <= 10**12 < 2**40.
        (10**12, "1000000000000/1", "2**39"),
        # "a/b" of 20 + 1 + 19 = 40 characters is written out; 10**19 + 1 has 64 bits: 2**63.
        (Fraction(10**19 + 1, 10**18 + 1), "10000000000000000001/1000000000000000001", "2**63"),
        # 21 + 1 + 19 = 41 characters: said by bit lengths (10**20 + 1: 67 bits, 10**18 + 1: 60 bits).
        (Fraction(10**20 + 1, 10**18 + 1), "a/b with 67-bit a and 60-bit b", "2**66"),
    ],
)
def test_lp_pool_power_limit_message_word_for_word(p, exactly, about):
    with pytest.raises(ValueError) as info:
        lp_pool(np.array([1]), p, 1)
    assert str(info.value) == (
        f"lp_pool: p={p!r} is exactly {exactly}: raising exact x (entries of up to 1 bits) to it needs numbers of "
        f"about {about} bits, over the limit of 1,000,000 (refconv.pooling.POWER_BITS_LIMIT); expected p with a small "
        "numerator and denominator (e.g. Fraction(1, 10), not 0.1), or float x"
    )


def test_lp_pool_refusals_floats_and_exact_results():
    with pytest.raises(ValueError) as info:
        lp_pool(np.array([1.0]), -1, 1)
    assert str(info.value) == "lp_pool: p=-1 is not positive; expected p > 0 or math.inf (the Lp norm needs p > 0)"
    a, b = sympy.symbols("a b")
    with pytest.raises(TypeError) as info:
        lp_pool(np.array([a, b], dtype=object), math.inf, 2)
    assert str(info.value).startswith("lp_pool: x=<ndarray shape=(2,) dtype=object> holds values that cannot be ")
    # float32 in float32: |1| + |2**-24| + |2**-24| stays 1; p = inf keeps float32 too.
    x = np.array([1.0, 2.0**-24, 2.0**-24], dtype=np.float32)
    assert lp_pool(x, 1, 3).tolist() == [1.0] and lp_pool(x, 1, 3).dtype == np.float32
    assert lp_pool(x, math.inf, 3).dtype == np.float32
    # p = 1/2 on exact x: (sqrt 2 + sqrt 0)**2 = 2 exactly, not a float near it.
    assert lp_pool(np.array([2, 0]), Fraction(1, 2), 2).tolist() == [2]
    assert isinstance(lp_pool(np.array([2, 0]), Fraction(1, 2), 2)[0], sympy.Integer)
    # SymPy results come multiplied out: |(1 + sqrt 2)**2| = 3 + 2 sqrt 2.
    assert lp_pool(np.array([(1 + sympy.sqrt(2)) ** 2, 0], dtype=object), 1, 2)[0] == 3 + 2 * sympy.sqrt(2)
    # weighted_pool likewise: ((1 + sqrt 2)**2 + 1) / 2 = 2 + sqrt 2.
    w = weighted_pool(np.array([(1 + sympy.sqrt(2)) ** 2, sympy.Integer(1)], dtype=object), 2, [1, 1])
    assert w[0] == 2 + sympy.sqrt(2)
