"""Adaptive and fractional max pooling: hand-derived windows, properties, and PyTorch agreement.

The windows are written out here independently (``_brute``: Python loops over every output and
every cell of its window, from the formulas of PyTorch's ``AdaptivePooling.h`` and
``FractionalMaxPool2d.cpp``), so the tests share no index arithmetic with refconv.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from refconv import adaptive_avg_pool, adaptive_max_pool, avg_pool, fractional_max_pool, max_pool
from refconv.pooling._fractional import fractional_starts

# --------------------------------------------------------------------------------------------
# An independent oracle


def _adaptive_cells(n, out, i):
    return range((i * n) // out, -((-(i + 1) * n) // out))


def _brute(x, windows, reduce):
    """``reduce(values, flat_indices)`` over every output of the last ``len(windows)`` axes;
    ``windows[a](plane, i)`` lists the cells of output ``i`` on axis ``a``."""
    x = np.asarray(x, dtype=object)
    r = len(windows)
    lead, plane = x.shape[: x.ndim - r], x.shape[x.ndim - r :]
    outs = [w[1] for w in windows]
    result = np.empty(lead + tuple(outs), dtype=object)
    for p in itertools.product(*map(range, lead)):
        for o in itertools.product(*map(range, outs)):
            cells = list(itertools.product(*(w[0](p, a, i) for a, (w, i) in enumerate(zip(windows, o)))))
            values = [x[p + c] for c in cells]
            flats = [int(np.ravel_multi_index(c, plane)) for c in cells]
            result[p + o] = reduce(values, flats)
    return result


def _adaptive(x, out):
    x = np.asarray(x)
    plane = x.shape[x.ndim - len(out) :]
    return [(lambda p, a, i, n=n, o=o: _adaptive_cells(n, o, i), o) for n, o in zip(plane, out)]


def _argmax(values, flats):
    """PyTorch's rule: first maximum in row-major order; NaN wins, the last NaN kept."""
    best, at = values[0], flats[0]
    for v, f in zip(values[1:], flats[1:]):
        if v > best or v != v:
            best, at = v, f
    return (best, at)


def _mean(values, flats):
    return Fraction(sum(values), len(values))


# --------------------------------------------------------------------------------------------
# Hand-derived cases


def test_adaptive_windows_by_hand():
    # 5 -> 3: [0, 2) [1, 4) [3, 5); 7 -> 3: [0, 3) [2, 5) [4, 7); 2 -> 4: each cell twice.
    assert adaptive_avg_pool([1, 2, 3, 4, 6], 3).tolist() == [Fraction(3, 2), Fraction(3), Fraction(5)]
    assert adaptive_max_pool([0, 9, 1, 8, 2, 7, 3], 3).tolist() == [9, 8, 7]
    y, i = adaptive_max_pool([4, 5], 4, return_indices=True)
    assert y.tolist() == [4, 4, 5, 5] and i.tolist() == [0, 0, 1, 1]


def test_adaptive_2d_indices_by_hand():
    x = np.array([[1, 2, 3], [6, 5, 4], [7, 9, 8]])
    # rows 3 -> 2: [0, 2) [1, 3); columns 3 -> 2: [0, 2) [1, 3)
    y, i = adaptive_max_pool(x, (2, 2), return_indices=True)
    assert y.tolist() == [[6, 5], [9, 9]]
    assert i.tolist() == [[3, 4], [7, 7]]
    assert adaptive_avg_pool(x, (2, 2))[0, 0] == Fraction(1 + 2 + 6 + 5, 4)
    assert adaptive_avg_pool(x, (1, None)).tolist() == [[Fraction(14, 3), Fraction(16, 3), Fraction(15, 3)]]


def test_adaptive_ties_nan_and_axes():
    assert adaptive_max_pool([3, 3, 1], 1, return_indices=True)[1].tolist() == [0]
    y, i = adaptive_max_pool([np.nan, 1.0, np.nan, 2.0], 1, return_indices=True)
    assert np.isnan(y[0]) and i.tolist() == [2]
    x = np.arange(24).reshape(2, 3, 4)
    assert (adaptive_max_pool(x, 1, axes=(1,)) == x.max(axis=1, keepdims=True)).all()
    assert adaptive_avg_pool(x, (1, 1), axes=(0, 2)).shape == (1, 3, 1)


def test_adaptive_exact_kinds():
    big = np.array([2**62, 2**62], dtype=np.int64)
    assert adaptive_avg_pool(big, 1).tolist() == [Fraction(2**62)]  # the sum 2**63 does not wrap
    a = sympy.Symbol("a")
    assert adaptive_avg_pool(np.array([a, 2 * a, 3], dtype=object), 1)[0] == sympy.expand((3 * a + 3) / 3)
    y = adaptive_avg_pool(np.array([60000, 60000], dtype=np.float16), 1)
    assert y.dtype == np.float16 and y[0] == 60000  # float16 sums in float64
    with pytest.raises(TypeError, match="cannot be ordered"):
        adaptive_max_pool(np.array([a, 1], dtype=object), 1)


def test_fractional_windows_by_hand():
    # n=10, k=2, out=4: alpha = 8/3.  u=0: floor(i*8/3) = 0, 2, 5 and the last at 8.
    # u=9/10: floor(9/10*8/3) = floor(2.4) = 2; floor(1.9*8/3) = floor(5.07) = 5 -> 3;
    # floor(2.9*8/3) = floor(7.73) = 7 -> 5.
    assert fractional_starts(np.array([0.0]), 10, 2, 4).tolist() == [[0, 2, 5, 8]]
    assert fractional_starts(np.array([Fraction(9, 10)], dtype=object), 10, 2, 4).tolist() == [[0, 3, 5, 8]]
    x = np.arange(100).reshape(10, 10)
    # samples in axis order (height's, width's); torch's 2-D pool takes them reversed, (W, H)
    y, i = fractional_max_pool(x, 2, 4, [0.9, 0.0], return_indices=True)
    assert i[0].tolist() == [11, 13, 16, 19] and i[:, 0].tolist() == [11, 41, 61, 91]
    assert (y == i).all()  # x's values are their own flat indices


# --------------------------------------------------------------------------------------------
# Properties


@st.composite
def _adaptive_problems(draw, max_rank=3):
    r = draw(st.integers(1, max_rank))
    lead = tuple(draw(st.lists(st.integers(1, 2), min_size=0, max_size=2)))
    plane = tuple(draw(st.lists(st.integers(1, 6), min_size=r, max_size=r)))
    out = tuple(draw(st.lists(st.integers(1, 7), min_size=r, max_size=r)))
    shape = lead + plane
    x = np.array(draw(st.lists(st.integers(-4, 4), min_size=math.prod(shape), max_size=math.prod(shape))))
    return x.reshape(shape), out


@given(_adaptive_problems())
def test_adaptive_matches_brute_force(problem):
    x, out = problem
    assert adaptive_avg_pool(x, out).tolist() == _brute(x, _adaptive(x, out), _mean).tolist()
    y, i = adaptive_max_pool(x, out, return_indices=True)
    want = _brute(x, _adaptive(x, out), _argmax)
    assert y.ravel().tolist() == [v for v, _ in want.flat]
    assert i.ravel().tolist() == [f for _, f in want.flat]


@given(_adaptive_problems(), st.data())
def test_adaptive_equals_fixed_pool_when_windows_divide(problem, data):
    x, out = problem
    plane = x.shape[x.ndim - len(out) :]
    k = tuple(data.draw(st.integers(1, 3)) for _ in plane)
    x = np.tile(x, (1,) * (x.ndim - len(k)) + k)  # each pooled length n becomes n*k: windows of k
    plane = x.shape[x.ndim - len(k) :]
    out = tuple(n // kk for n, kk in zip(plane, k))
    assert adaptive_avg_pool(x, out).tolist() == avg_pool(x, k).tolist()
    got = adaptive_max_pool(x, out, return_indices=True)
    want = max_pool(x, k, return_indices=True)
    assert all((g == w).all() for g, w in zip(got, want))


@st.composite
def _fractional_problems(draw, exact=False):
    r = draw(st.integers(1, 3))
    lead = tuple(draw(st.lists(st.integers(1, 2), min_size=0, max_size=2)))
    k = tuple(draw(st.lists(st.integers(1, 3), min_size=r, max_size=r)))
    out = tuple(draw(st.integers(1, 4)) for _ in range(r))
    plane = tuple(o + kk - 1 + draw(st.integers(0, 4)) for o, kk in zip(out, k))
    shape = lead + plane
    x = np.array(draw(st.lists(st.integers(-9, 9), min_size=math.prod(shape), max_size=math.prod(shape))))
    if exact:
        u = [Fraction(draw(st.integers(0, 99)), 100) for _ in range(math.prod(lead) * r)]
        samples = np.array(u, dtype=object).reshape(lead + (r,))
    else:
        u = draw(
            st.lists(st.floats(0, 1, exclude_max=True), min_size=math.prod(lead) * r, max_size=math.prod(lead) * r)
        )
        samples = np.array(u, dtype=np.float64).reshape(lead + (r,))
    return x.reshape(shape), k, out, samples


@given(_fractional_problems(exact=True))
def test_fractional_matches_brute_force(problem):
    x, k, out, samples = problem
    r = len(k)
    plane = x.shape[x.ndim - r :]

    def cells(p, a, i, n, kk, o):
        u = samples[p + (a,)]
        alpha = Fraction(n - kk, o - 1) if o > 1 else 0
        start = n - kk if i == o - 1 else math.floor((i + u) * alpha) - math.floor(u * alpha)
        return range(start, start + kk)

    windows = [(lambda p, a, i, n=n, kk=kk, o=o: cells(p, a, i, n, kk, o), o) for n, kk, o in zip(plane, k, out)]
    want = _brute(x, windows, _argmax)
    y, i = fractional_max_pool(x, k, out, samples, return_indices=True)
    assert y.ravel().tolist() == [v for v, _ in want.flat]
    assert i.ravel().tolist() == [f for _, f in want.flat]


# --------------------------------------------------------------------------------------------
# PyTorch


@given(_adaptive_problems())
def test_adaptive_agrees_with_torch(problem):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, out = problem
    r = len(out)
    t = torch.tensor(x, dtype=torch.float64)
    if t.ndim == r:
        t = t[None]
    pool_max = getattr(F, f"adaptive_max_pool{r}d")
    pool_avg = getattr(F, f"adaptive_avg_pool{r}d")
    ty, ti = pool_max(t, out, return_indices=True)
    y, i = adaptive_max_pool(x, out, return_indices=True)
    assert y.ravel().tolist() == ty.ravel().tolist()
    assert i.ravel().tolist() == ti.ravel().tolist()
    exact = adaptive_avg_pool(x, out).ravel()
    got = adaptive_avg_pool(x.astype(np.float64), out).ravel()
    want = pool_avg(t, out).numpy().ravel()
    # torch divides by each window length in turn: within a few ulps of the exact mean.
    assert np.allclose(want, [float(f) for f in exact], rtol=4e-16, atol=0)
    assert got.tolist() == [float(f) for f in exact]  # small-int sums are exact: one rounding


@given(_fractional_problems())
def test_fractional_agrees_with_torch(problem):
    torch = pytest.importorskip("torch")
    x, k, out, samples = problem
    r = len(k)
    if r == 1 or x.ndim < r + 1:
        return  # torch has 2-D and 3-D only, on (C, ...) or (N, C, ...) inputs
    t = torch.tensor(x, dtype=torch.float64)
    # torch's 2-D pool stores its samples (W, H), its 3-D pool (T, H, W)
    s = torch.tensor(samples[..., ::-1].copy() if r == 2 else samples, dtype=torch.float64)
    while t.ndim < r + 2:
        t, s = t[None], s[None]
    if t.ndim > r + 2:
        return
    plane = x.shape[x.ndim - r :]
    if r == 3 and any(o + kk - 1 == n for o, kk, n in zip(out, k, plane)):
        return  # torch's 3-D check is strict (out + k - 1 < n) where its 2-D one, and refconv, allow equality
    pool = getattr(torch.nn.functional, f"fractional_max_pool{r}d")
    ty, ti = pool(t, k, output_size=out, return_indices=True, _random_samples=s)
    y, i = fractional_max_pool(x.astype(np.float64), k, out, samples, return_indices=True)
    assert y.ravel().tolist() == ty.ravel().tolist()
    assert i.ravel().tolist() == ti.ravel().tolist()


def test_fractional_sample_order_of_torch():
    torch = pytest.importorskip("torch")
    # 10 cells, k=2, out=4: sample 0 starts windows at 0, 2, 5, 8, sample 0.9 at 0, 3, 5, 8
    x2, x3 = torch.arange(100.0).reshape(1, 1, 10, 10), torch.arange(1000.0).reshape(1, 1, 10, 10, 10)
    f = torch.nn.functional
    i2 = f.fractional_max_pool2d(x2, 2, output_size=4, return_indices=True, _random_samples=torch.tensor([[[0.9, 0]]]))[
        1
    ]
    i3 = f.fractional_max_pool3d(x3, 2, 4, return_indices=True, _random_samples=torch.tensor([[[0.9, 0, 0]]]))[1]
    assert i2[0, 0, 0].tolist() == [11, 14, 16, 19]  # torch 2-D: sample 0 moved the width's windows
    assert i3[0, 0, :, 0, 0].tolist() == [111, 411, 611, 911]  # torch 3-D: sample 0 moved the first axis's
    assert fractional_max_pool(x2.numpy(), 2, 4, np.array([[[0, 0.9]]]), return_indices=True)[1].tolist() == i2.tolist()
    assert (
        fractional_max_pool(x3.numpy(), 2, 4, np.array([[[0.9, 0, 0]]]), return_indices=True)[1].tolist() == i3.tolist()
    )


def test_fractional_float32_samples_follow_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(2 * 3 * 23 * 23, dtype=np.float32).reshape(2, 3, 23, 23)
    s = np.random.default_rng(0).random((2, 3, 2), dtype=np.float32)
    ty, ti = torch.nn.functional.fractional_max_pool2d(
        torch.tensor(x), 3, output_size=(7, 9), return_indices=True, _random_samples=torch.tensor(s)
    )
    y, i = fractional_max_pool(x, 3, (7, 9), s[..., ::-1], return_indices=True)
    assert (i == ti.numpy()).all() and (y == ty.numpy()).all()
