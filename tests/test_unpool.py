"""max_unpool: hand-derived scatters, the exact dot test against max pooling's gather, PyTorch agreement."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refconv import adaptive_max_pool, max_pool, max_unpool
from refconv.properties import dot_test


def test_unpool_by_hand():
    x = np.array([[1, 5, 3, 2], [0, 4, 8, 9]])
    y, i = max_pool(x, (2, 2), return_indices=True)  # windows [[1, 5], [0, 4]] and [[3, 2], [8, 9]]
    assert (y.tolist(), i.tolist()) == ([[5, 9]], [[1, 7]])
    assert max_unpool(y, i, (2, 2)).tolist() == [[0, 5, 0, 0], [0, 0, 0, 9]]
    # default length (m-1)*s - 2p + k = (2-1)*2 - 2 + 3 = 3; output_size may add up to s-1 = 1
    assert max_unpool([7, 8], [0, 2], 3, stride=2, padding=1).tolist() == [7, 0, 8]
    assert max_unpool([7, 8], [0, 3], 3, stride=2, padding=1, output_size=(4,)).tolist() == [7, 0, 0, 8]
    assert max_unpool([[7, 8]], [[0, 3]], 3, stride=2, padding=1, output_size=(1, 4)).tolist() == [[7, 0, 0, 8]]


def test_unpool_repeated_index():
    # two windows (stride 1) chose cell 1: torch keeps the last write, accumulate adds
    assert max_unpool([7, 8], [1, 1], 2, stride=1).tolist() == [0, 8, 0]
    assert max_unpool([7, 8], [1, 1], 2, stride=1, accumulate=True).tolist() == [0, 15, 0]
    big = np.array([2**62, 2**62], dtype=np.int64)
    summed = max_unpool(big, [0, 0], 1, accumulate=True)
    assert summed.tolist() == [2**63, 0]  # past int64: Python ints, no wrap
    exact = max_unpool(np.array([Fraction(1, 3), Fraction(1, 6)]), [0, 0], 2, stride=1, accumulate=True)
    assert exact.tolist() == [Fraction(1, 2), 0, 0]


def test_unpool_adaptive_indices():
    x = np.array([5, 1, 7, 2, 2])
    y, i = adaptive_max_pool(x, 2, return_indices=True)  # windows [0, 3) and [2, 5)
    assert max_unpool(y, i, 3, stride=2, output_size=(5,)).tolist() == [0, 0, 7, 0, 0]


@st.composite
def _pool_problems(draw):
    r = draw(st.integers(1, 3))
    lead = tuple(draw(st.lists(st.integers(1, 2), min_size=0, max_size=2)))
    k = tuple(draw(st.lists(st.integers(1, 3), min_size=r, max_size=r)))
    s = tuple(draw(st.integers(1, 3)) for _ in range(r))
    p = tuple(draw(st.integers(0, kk // 2)) for kk in k)
    plane = tuple(max(kk - 2 * pp, 1) + draw(st.integers(0, 4)) for kk, pp in zip(k, p))
    shape = lead + plane
    x = np.array(draw(st.lists(st.integers(-5, 5), min_size=math.prod(shape), max_size=math.prod(shape))))
    return x.reshape(shape), k, s, p


def _gather(x, idx, r):
    """Max pooling with its indices fixed: each output reads ``x`` at its index in the plane."""
    lead = x.shape[: x.ndim - r]
    planes = x.reshape(math.prod(lead), -1)
    flat = idx.reshape(math.prod(lead), -1)
    return np.take_along_axis(planes, flat, axis=1).reshape(idx.shape)


@given(_pool_problems(), st.data())
def test_unpool_is_the_adjoint_of_the_gather(problem, data):
    x, k, s, p = problem
    r = len(k)
    y, idx = max_pool(x, k, stride=s, padding=p, return_indices=True)
    assert (_gather(x, idx, r) == y).all()
    plane = x.shape[x.ndim - r :]
    z = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=y.size, max_size=y.size))).reshape(y.shape)
    unpool = lambda v: max_unpool(v, idx, k, stride=s, padding=p, output_size=plane, accumulate=True)  # noqa: E731
    dot_test(lambda v: _gather(v, idx, r), unpool, x, z)
    if all(ss >= kk for ss, kk in zip(s, k)):  # disjoint windows: indices differ, torch's rule is the adjoint
        dot_test(
            lambda v: _gather(v, idx, r), lambda v: max_unpool(v, idx, k, stride=s, padding=p, output_size=plane), x, z
        )


def test_unpool_dot_test_catches_a_wrong_scatter():
    idx = np.array([1, 1])
    with pytest.raises(AssertionError):
        dot_test(lambda v: v[idx], lambda v: max_unpool(v, idx, 2, stride=1), np.array([1, 2, 3]), np.array([1, 1]))


@given(_pool_problems())
def test_unpool_agrees_with_torch(problem):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, k, s, p = problem
    r = len(k)
    t = torch.tensor(x, dtype=torch.float64)
    while t.ndim < r + 2:
        t = t[None]
    if t.ndim > r + 2:
        t = t.reshape(-1, *t.shape[-r - 1 :])
    ty, ti = getattr(F, f"max_pool{r}d")(t, k, stride=s, padding=p, return_indices=True)
    try:
        want = getattr(F, f"max_unpool{r}d")(ty, ti, k, stride=s, padding=p)
    except RuntimeError:  # the default size drops cells the pool read: both refuse the index
        with pytest.raises(ValueError, match="outside the unpooled plane"):
            max_unpool(ty.numpy(), ti.numpy(), k, stride=s, padding=p)
    else:
        if want.numel() == 0:  # torch returns an empty plane for a default length of 0; refconv refuses it
            with pytest.raises(ValueError, match="leaves no output"):
                max_unpool(ty.numpy(), ti.numpy(), k, stride=s, padding=p)
        else:
            assert max_unpool(ty.numpy(), ti.numpy(), k, stride=s, padding=p).tolist() == want.numpy().tolist()
    plane = x.shape[x.ndim - r :]
    want = getattr(F, f"max_unpool{r}d")(ty, ti, k, stride=s, padding=p, output_size=plane)
    assert max_unpool(ty.numpy(), ti.numpy(), k, stride=s, padding=p, output_size=plane).tolist() == want.tolist()


@given(st.lists(st.integers(0, 3), min_size=1, max_size=8), st.data())
def test_unpool_repeated_indices_against_torch(idx, data):
    torch = pytest.importorskip("torch")
    y = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=len(idx), max_size=len(idx))), dtype=np.float64)
    # kernel 4, stride 1: 4 + len(idx) - 1 cells.  torch leaves the choice among values sent to one
    # cell unspecified (its CPU kernel does not always keep the last); refconv keeps the last.
    want = torch.nn.functional.max_unpool1d(torch.tensor(y)[None, None], torch.tensor(idx)[None, None], 4, stride=1)
    got = max_unpool(y, idx, 4, stride=1)
    for cell, (g, w) in enumerate(zip(got.tolist(), want[0, 0].tolist())):
        sent = [v for v, i in zip(y.tolist(), idx) if i == cell]
        assert g == (sent[-1] if sent else 0.0)
        assert w in (sent or [0.0])
