"""unfold/fold: hand-derived columns, the exact dot test, the im2col form of conv, PyTorch agreement."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refconv import conv, fold, unfold
from refconv.properties import dot_test


def test_unfold_by_hand():
    x = np.arange(1, 10).reshape(1, 1, 3, 3)
    # padding 1, stride 2, kernel 2: windows start at padded rows/cols 0 and 2 of the 5x5 padded image
    cols = unfold(x, 2, padding=1, stride=2)
    assert cols.shape == (1, 4, 4)
    # window (0, 0) is [[0, 0], [0, 1]]; window (1, 1) is [[5, 6], [8, 9]]
    assert cols[0, :, 0].tolist() == [0, 0, 0, 1]
    assert cols[0, :, 3].tolist() == [5, 6, 8, 9]
    # dilation 2: the one 2x2 window reads the corners
    assert unfold(x, 2, dilation=2)[0, :, 0].tolist() == [1, 3, 7, 9]
    # two channels: rows c*K + j
    two = np.stack([x[0, 0], 10 * x[0, 0]])[None]
    assert unfold(two, (3, 3))[0, :, 0].tolist() == list(range(1, 10)) + list(range(10, 100, 10))


def test_fold_by_hand():
    # 1-D, length 4, kernel 2, stride 1: cell j is read by windows j-1 and j.
    cols = np.array([[[1, 2, 3], [10, 20, 30]]])  # tap 0 row, tap 1 row
    assert fold(cols, (4,), 2).tolist() == [[[1, 2 + 10, 3 + 20, 30]]]  # two ints would be 2-D, as torch
    # padding drops what falls into it
    assert fold(np.array([[[5], [7]]]), (1,), (2,), padding=((1, 0),)).tolist() == [[[7]]]
    exact = fold(np.array([[[Fraction(1, 3)], [Fraction(1, 6)]]], dtype=object), (2,), (2,))
    assert exact.tolist() == [[[Fraction(1, 3), Fraction(1, 6)]]]
    big = np.full((1, 2, 2), 2**62, dtype=np.int64)
    assert fold(big, (3,), (2,))[0, 0, 1] == 2**63  # no wrap: Python ints


@st.composite
def _problems(draw, max_rank=3):
    r = draw(st.integers(1, max_rank))
    k = tuple(draw(st.integers(1, 3)) for _ in range(r))
    d = tuple(draw(st.integers(1, 2)) for _ in range(r))
    s = tuple(draw(st.integers(1, 3)) for _ in range(r))
    p = tuple(draw(st.integers(0, 2)) for _ in range(r))
    spatial = tuple(max(dd * (kk - 1) + 1 - 2 * pp, 1) + draw(st.integers(0, 3)) for kk, dd, pp in zip(k, d, p))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    shape = (n, c) + spatial
    x = np.array(draw(st.lists(st.integers(-9, 9), min_size=math.prod(shape), max_size=math.prod(shape))))
    return x.reshape(shape), dict(kernel_size=k, dilation=d, stride=s, padding=p)


@given(_problems(), st.data())
def test_fold_is_the_adjoint_of_unfold(problem, data):
    x, geo = problem
    cols = unfold(x, **geo)
    y = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=cols.size, max_size=cols.size))).reshape(cols.shape)
    k = geo.pop("kernel_size")
    dot_test(lambda v: unfold(v, k, **geo), lambda v: fold(v, x.shape[2:], k, **geo), x, y)


def test_dot_test_catches_a_wrong_fold():
    x = np.arange(1, 5).reshape(1, 1, 4)
    y = np.arange(1, 7).reshape(1, 2, 3)
    with pytest.raises(AssertionError):
        dot_test(lambda v: unfold(v, 2), lambda v: fold(v, (4,), 2)[..., ::-1], x, y)


@given(_problems(), st.data())
def test_conv_is_a_product_with_the_columns(problem, data):
    x, geo = problem
    c_out = data.draw(st.integers(1, 2))
    k = geo["kernel_size"]
    shape = (c_out, x.shape[1], *k)
    w = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=math.prod(shape), max_size=math.prod(shape))))
    w = w.reshape(shape)
    cols = unfold(x, **geo)
    y = conv(x, w, stride=geo["stride"], padding=geo["padding"], dilation=geo["dilation"])
    assert (np.einsum("ok,nkl->nol", w.reshape(c_out, -1), cols).reshape(y.shape) == y).all()


@given(_problems(max_rank=2))
def test_unfold_fold_agree_with_torch(problem):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, geo = problem
    if x.ndim == 3:  # torch's unfold/fold are 2-D: a 1-D problem is a height-1 image
        x = x[:, :, None, :]
        geo = {key: (1 if key != "padding" else 0,) + v for key, v in geo.items()}
    t = torch.tensor(x, dtype=torch.float64)
    want = F.unfold(t, **geo)
    cols = unfold(x, **geo)
    assert cols.tolist() == want.numpy().tolist()
    back = F.fold(want, x.shape[2:], **geo)
    assert fold(cols.astype(np.float64), x.shape[2:], **geo).tolist() == back.numpy().tolist()
