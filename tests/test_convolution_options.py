"""SciPy ndimage's filter options on the plain functions: ``origin``, ``cval``, ``axes`` and the grid-* names."""

from fractions import Fraction

import numpy as np
import pytest
import scipy.ndimage
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import convolve, correlate
from refconv.conventions import BOUNDARY_ALIASES, boundary

X7 = np.arange(1, 8)


# ----------------------------------------------------------------------------------------------
# Hand-derived cases
# ----------------------------------------------------------------------------------------------


def test_origin_by_hand():
    w = [1, 10, 100]
    # "same" pads (1, 1): output i reads x[i-1], x[i], x[i+1]; origin 1 pads (2, 0): x[i-2] .. x[i].
    assert correlate(X7, w, mode="same").tolist() == [210, 321, 432, 543, 654, 765, 76]
    assert correlate(X7, w, mode="same", origin=1).tolist() == [100, 210, 321, 432, 543, 654, 765]
    assert correlate(X7, w, mode="same", origin=-1).tolist() == [321, 432, 543, 654, 765, 76, 7]
    # An even kernel: "same" pads (1, 0) (tap 1 over x[i]); origin -1 pads (0, 1).
    assert correlate(X7, [1, 10], mode="same", origin=-1).tolist() == [21, 32, 43, 54, 65, 76, 7]
    # convolve: the same tap of the given kernel moves the other way: y[i] = 10*x[i] + x[i+1].
    assert convolve(X7, [1, 10], mode="same", origin=1).tolist() == [12, 23, 34, 45, 56, 67, 70]
    # "full" pads (2, 2) allow origins -2 .. 2; origin 2 pads (4, 0): y[0] = 100*x[-2]... = 0.
    assert correlate([1, 2], w, mode="full", origin=2).tolist() == [0, 0, 100, 210]
    # Per axis: pads (0, 1) on axis 1 with origin 1 are (1, 0): y[i, j] = x[i, j-1] + 2*x[i, j].
    x = np.arange(9).reshape(3, 3)
    assert correlate(x, [[1, 2]], mode=((0, 0), (0, 1)), origin=(0, 1)).tolist() == [
        [0, 2, 5],
        [6, 11, 14],
        [12, 20, 23],
    ]
    # Stride and dilation read the shifted pads as any pads: "full" (2, 2) + origin 1 = (3, 1),
    # y[o] = x[2o-3] + x[2o-1] over x = 1..7.
    assert correlate(X7, [1, 1], mode="full", stride=2, dilation=2, origin=1).tolist() == [0, 2, 6, 10, 6]


def test_cval_by_hand():
    # Pads of 1.5 around [1, 2, 3], kernel [1, 1]: 1.5+1, 1+2, 2+3, 3+1.5.
    y = correlate([1, 2, 3], [1, 1], mode="full", cval=Fraction(3, 2))
    assert y.dtype == object and y.tolist() == [Fraction(5, 2), 3, 5, Fraction(9, 2)]
    assert correlate([1, 2, 3], [1, 1], mode="full", cval=7).tolist() == [8, 3, 5, 10]
    assert correlate([1.0, 2.0], [1.0, 2.0, 4.0], mode="same", cval=0.5).tolist() == [10.5, 7.0]  # .5+2+8, 1+4+2
    # A symbol fills symbolically; convolve flips the kernel and fills alike.
    c = sympy.Symbol("c")
    assert correlate([1, 2], [1, 10], mode="full", cval=c).tolist() == [c + 10, 21, 2 + 10 * c]
    assert convolve([1, 2], [1, 10], mode="full", cval=5).tolist() == [51, 12, 25]
    # Windows wholly in the padding read cval only: 3*1 + 3*2; the last reads 3*1 + 5*2.
    assert correlate([5], [1, 2], mode=(3, 0), cval=3).tolist() == [9, 9, 13]


def test_cval_never_overflows():
    big = 2**62
    y = correlate(np.array([1, 1]), np.array([1, 1]), mode="full", cval=big)
    assert y.dtype == object and y.tolist() == [big + 1, 2, big + 1]
    y8 = correlate(np.array([1, 2], dtype=np.int8), np.array([1, 1], dtype=np.int8), mode="full", cval=300)
    assert y8.tolist() == [301, 3, 302]


def test_axes_by_hand():
    x = np.arange(6).reshape(2, 3)
    assert correlate(x, [1, 10], axes=1).tolist() == [[10, 21], [43, 54]]
    assert correlate(x, [1, 10], axes=0).tolist() == [[30, 41, 52]]
    assert correlate(x, [1, 10], axes=(-1,), mode="same", cval=1).tolist() == [[1, 10, 21], [31, 43, 54]]
    # Kernel axis i runs along x's axis axes[i]: axes=(1, 0) is the transposed kernel.
    w = np.array([[1, 2], [3, 4], [5, 6]])
    assert correlate(x, w, axes=(1, 0)).tolist() == correlate(x, w.T).tolist()
    # Axes not filtered keep their length in every mode; the filtered ones take stride/dilation.
    x3 = np.arange(24).reshape(2, 3, 4)
    assert correlate(x3, [1, 1], axes=2, mode="full", stride=2).shape == (2, 3, 3)


def test_grid_names_are_in_the_table():
    assert {name: boundary("ndimage", name) for name in ("grid-constant", "grid-wrap", "grid-mirror")} == {
        "grid-constant": "constant",
        "grid-wrap": "wrap",
        "grid-mirror": "symmetric",
    }


# ----------------------------------------------------------------------------------------------
# Properties (exact, any inputs)
# ----------------------------------------------------------------------------------------------

_ints = st.integers(-9, 9)


@st.composite
def _problem(draw, max_rank=3):
    """x (rank 1..3), the filtered axes (sorted), a kernel over them and an origin each side allows."""
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_rank))
    x = draw(hnp.arrays(np.int64, tuple(shape), elements=_ints))
    axes = tuple(sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    kshape = tuple(draw(st.integers(1, 4)) for _ in axes)
    w = draw(hnp.arrays(np.int64, kshape, elements=_ints))
    origin = tuple(draw(st.integers(-(k // 2), (k - 1) // 2)) for k in kshape)
    return x, w, axes, origin


@given(_problem(), _ints)
def test_cval_is_a_shift_of_the_input(problem, c):
    # Every cell of x + c padded with c is (x zero-padded) + c: the result moves by c * sum(w).
    x, w, axes, origin = problem
    kw = dict(mode="same", axes=axes, origin=origin)
    shifted = correlate(x + c, w, cval=c, **kw)
    assert (shifted == correlate(x, w, **kw) + c * int(w.sum())).all()
    half = Fraction(c, 2)
    exact = correlate(x.astype(object) + half, w, cval=half, **kw)
    assert exact.tolist() == (correlate(x, w, **kw) + half * int(w.sum())).tolist()


@given(_problem(), st.sampled_from(["constant", "wrap", "reflect", "symmetric", "edge"]))
def test_convolve_is_correlate_of_the_flipped_kernel_with_origin_negated(problem, mode):
    x, w, axes, origin = problem
    kw = dict(mode="full", axes=axes, boundary=mode)  # "full" allows both signs of every origin
    y = convolve(x, w, origin=origin, **kw)
    assert (y == correlate(x, np.flip(w), origin=tuple(-o for o in origin), **kw)).all()


@given(_problem(max_rank=2), st.sampled_from(["direct", "dense", "sparse", "fft"]))
def test_every_method_fills_alike(problem, method):
    x, w, axes, origin = problem
    kw = dict(mode="full", axes=axes, origin=origin, cval=3)
    if method == "fft":
        got = correlate(x.astype(float), w.astype(float), method=method, **kw)
        assert np.allclose(got, correlate(x, w, **kw), atol=1e-9 * (1 + np.abs(x).sum() * np.abs(w).sum()))
    else:
        assert (correlate(x, w, method=method, **kw) == correlate(x, w, method="direct", **kw)).all()


@given(_problem())
def test_axes_is_the_kernel_with_unit_axes(problem):
    x, w, axes, origin = problem
    full = w.reshape([w.shape[axes.index(a)] if a in axes else 1 for a in range(x.ndim)])
    whole_origin = tuple(origin[axes.index(a)] if a in axes else 0 for a in range(x.ndim))
    got = correlate(x, w, mode="same", axes=axes, origin=origin, cval=2)
    assert (got == correlate(x, full, mode="same", origin=whole_origin, cval=2)).all()


# ----------------------------------------------------------------------------------------------
# Cross-check with scipy.ndimage (the peer that defines origin, cval, axes and the grid-* names)
# ----------------------------------------------------------------------------------------------

NDIMAGE_MODES = sorted(BOUNDARY_ALIASES["ndimage"])


@given(_problem(), st.sampled_from(NDIMAGE_MODES), st.integers(-5, 5), st.booleans())
def test_agrees_with_ndimage(problem, mode, cval, convolution):
    x, w, axes, origin = problem
    ours = boundary("ndimage", mode)
    kw = dict(mode="same", boundary=ours, axes=axes, cval=cval if ours == "constant" else 0)
    xf, wf = x.astype(float), w.astype(float)  # integer-valued floats: both sides exact
    if convolution:
        theirs = scipy.ndimage.convolve(xf, wf, mode=mode, cval=cval, origin=origin, axes=axes)
        # refconv's "same" is scipy.signal's; ndimage's convolve anchors an even kernel one tap later.
        shifted = tuple(o + (1 - k % 2) for o, k in zip(origin, w.shape))
        assert (convolve(x, w, origin=shifted, **kw) == theirs).all()
    else:
        theirs = scipy.ndimage.correlate(xf, wf, mode=mode, cval=cval, origin=origin, axes=axes)
        assert (correlate(x, w, origin=origin, **kw) == theirs).all()
        assert (correlate(xf, wf, origin=origin, **kw) == theirs).all()


def test_origin_range_is_ndimages():
    # ndimage refuses exactly the origins refconv refuses with mode="same".
    for k in range(1, 6):
        w = np.ones(k)
        for o in range(-k, k + 1):
            try:
                scipy.ndimage.correlate1d(np.ones(6), w, origin=o)
                theirs = True
            except ValueError:
                theirs = False
            try:
                correlate(np.ones(6), w, mode="same", origin=o)
                ours = True
            except ValueError:
                ours = False
            assert ours == theirs, (k, o)


@pytest.mark.parametrize("axes", [(1, 0), (2, 0)])
def test_unsorted_axes_differ_from_ndimage_as_documented(axes):
    # ndimage places w's axes on the sorted axes; refconv runs kernel axis i along axes[i].
    x = np.arange(24.0).reshape(2, 3, 4)[..., :3] if axes == (2, 0) else np.arange(12.0).reshape(3, 4)
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    theirs = scipy.ndimage.correlate(x, w, mode="constant", axes=axes)
    assert (correlate(x, w, mode="same", axes=tuple(sorted(axes))) == theirs).all()
    assert (correlate(x, w.T, mode="same", axes=axes) == theirs).all()
