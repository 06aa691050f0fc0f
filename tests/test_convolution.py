"""correlate / convolve: agreement with SciPy and numpy.pad, stride/dilation, exactness."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import BOUNDARY_NAMES, convolve, correlate

MODES = ("valid", "same", "full")
BOUNDARIES = ("constant", "wrap", "reflect", "symmetric", "edge")


SMALL_INTS = st.integers(-100, 100)


@st.composite
def int_problems(draw, min_dims=1, max_dims=4, elements=SMALL_INTS, dtype=np.int64):
    """An input and a kernel of the same rank with the kernel no larger than the input."""
    ndim = draw(st.integers(min_dims, max_dims))
    side = 6 if ndim <= 2 else 4
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=side))
    kshape = tuple(draw(st.integers(1, n)) for n in shape)
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    w = draw(hnp.arrays(dtype, kshape, elements=elements))
    return x, w


def _eq96_full(x, w):
    """Equation 9.6 literally, in Python ints, "full" mode: an oracle independent of refconv."""
    xp = np.pad(x.astype(object), [(k - 1, k - 1) for k in w.shape])
    out_shape = tuple(n + k - 1 for n, k in zip(x.shape, w.shape))
    out = np.empty(out_shape, dtype=object)
    for i in itertools.product(*map(range, out_shape)):
        out[i] = sum(int(xp[tuple(a + b for a, b in zip(i, m))]) * int(w[m]) for m in np.ndindex(*w.shape))
    return out


def _flip(w):
    return w[(slice(None, None, -1),) * w.ndim]


# --- hand-derived cases: expected values written as arithmetic ------------------------------


def test_hand_1d_modes():
    x, w = [1, 2, 3, 4, 5], [1, 10]
    assert correlate(x, w).tolist() == [1 + 20, 2 + 30, 3 + 40, 4 + 50]
    assert correlate(x, w, mode="same").tolist() == [0 + 10 * 1, 1 + 20, 2 + 30, 3 + 40, 4 + 50]
    assert correlate(x, w, mode="full").tolist() == [10 * 1, 1 + 20, 2 + 30, 3 + 40, 4 + 50, 5 + 0]
    assert convolve(x, w, mode="full").tolist() == [1, 10 + 2, 20 + 3, 30 + 4, 40 + 5, 50]


def test_hand_2d_valid():
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    w = [[1, 2], [3, 4]]
    expected = [
        [1 * 1 + 2 * 2 + 4 * 3 + 5 * 4, 2 * 1 + 3 * 2 + 5 * 3 + 6 * 4],
        [4 * 1 + 5 * 2 + 7 * 3 + 8 * 4, 5 * 1 + 6 * 2 + 8 * 3 + 9 * 4],
    ]
    assert correlate(x, w).tolist() == expected


def test_hand_same_even_kernel_puts_extra_pad_before():
    # Even kernel, "same": lo = 1, hi = 0 (scipy's centred slice of "full").
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    w = [[1, 2], [3, 4]]
    got = correlate(x, w, mode="same")
    assert got[0, 0] == 4 * 1  # only w[1,1] meets x[0,0]
    assert got[2, 2] == 5 * 1 + 6 * 2 + 8 * 3 + 9 * 4


def test_hand_stride_dilation_and_pads():
    x = [1, 2, 3, 4, 5, 6, 7]
    assert correlate(x, [1, 1], stride=3).tolist() == [1 + 2, 4 + 5]
    assert correlate(x, [1, 1], dilation=3).tolist() == [1 + 4, 2 + 5, 3 + 6, 4 + 7]
    assert correlate(x, [1, 1], mode=(2, 0)).tolist() == [0 + 0, 0 + 1, 1 + 2, 2 + 3, 3 + 4, 4 + 5, 5 + 6, 6 + 7]
    assert correlate([1, 2, 3], [1, 1, 1], mode=1, boundary="wrap").tolist() == [3 + 1 + 2, 1 + 2 + 3, 2 + 3 + 1]
    assert correlate([1, 2, 3], [1, 1, 1], mode=1, boundary="reflect").tolist() == [2 + 1 + 2, 6, 2 + 3 + 2]
    assert correlate([1, 2, 3], [1, 1, 1], mode=1, boundary="symmetric").tolist() == [1 + 1 + 2, 6, 2 + 3 + 3]
    assert correlate([1, 2, 3], [1, 1, 1], mode=1, boundary="edge").tolist() == [1 + 1 + 2, 6, 2 + 3 + 3]


def test_figure_9_1_symbolic():
    a, b, c, d, e, f, g, h, i, j, k, l = sympy.symbols("a:l")
    w, x, y, z = sympy.symbols("w x y z")
    image = np.array([[a, b, c, d], [e, f, g, h], [i, j, k, l]], dtype=object)
    kernel = np.array([[w, x], [y, z]], dtype=object)
    got = correlate(image, kernel)
    assert got.shape == (2, 3)
    assert got[0, 0] == a * w + b * x + e * y + f * z
    assert got[0, 1] == b * w + c * x + f * y + g * z
    assert got[0, 2] == c * w + d * x + g * y + h * z
    assert got[1, 0] == e * w + f * x + i * y + j * z
    assert got[1, 1] == f * w + g * x + j * y + k * z
    assert got[1, 2] == g * w + h * x + k * y + l * z
    # Convolution flips: the top-left output pairs a with z.
    assert convolve(image, kernel)[0, 0] == a * z + b * y + e * x + f * w


def test_fraction_exact():
    x = np.array([Fraction(1, 3), Fraction(1, 6), Fraction(1, 2)], dtype=object)
    got = correlate(x, np.array([Fraction(3), Fraction(-1, 7)], dtype=object))
    assert got.tolist() == [Fraction(1, 3) * 3 - Fraction(1, 6) / 7, Fraction(1, 6) * 3 - Fraction(1, 2) / 7]
    assert all(isinstance(v, Fraction) for v in got)


# --- generated problems ---------------------------------------------------------------------


@given(int_problems(), st.sampled_from(MODES))
def test_matches_scipy_exactly(problem, mode):
    x, w = problem
    assert np.array_equal(correlate(x, w, mode=mode), scipy.signal.correlate(x, w, mode=mode, method="direct"))
    assert np.array_equal(convolve(x, w, mode=mode), scipy.signal.convolve(x, w, mode=mode, method="direct"))


@given(int_problems(), st.sampled_from(MODES), st.integers(1, 3), st.integers(1, 3))
def test_convolve_is_correlate_with_flipped_kernel(problem, mode, s, d):
    x, w = problem
    extent_ok = all((k - 1) * d + 1 <= n for n, k in zip(x.shape, w.shape)) or mode != "valid"
    if extent_ok:
        kw = dict(mode=mode, stride=s, dilation=d)
        assert np.array_equal(convolve(x, w, **kw), correlate(x, _flip(w), **kw))


@st.composite
def padded_problems(draw, max_dims=3):
    x, w = draw(int_problems(max_dims=max_dims))
    pads = tuple((draw(st.integers(0, 2 * n + 1)), draw(st.integers(0, 2 * n + 1))) for n in x.shape)
    return x, w, pads


@given(padded_problems(), st.sampled_from(BOUNDARIES))
def test_boundary_is_numpy_pad_then_valid(problem, boundary):
    x, w, pads = problem
    expected = scipy.signal.correlate(np.pad(x, pads, mode=boundary), w, mode="valid", method="direct")
    assert np.array_equal(correlate(x, w, mode=pads, boundary=boundary), expected)


@given(int_problems(max_dims=3, elements=st.integers(-20, 20)), st.sampled_from(BOUNDARY_NAMES))
def test_boundary_names_match_ndimage(problem, names):
    refconv_name, ndimage_name = names[0], names[2]
    x, w = problem
    # ndimage works in the input dtype; small integers in float64 are exact.
    expected = scipy.ndimage.correlate(x.astype(float), w.astype(float), mode=ndimage_name)
    got = correlate(x, w, mode="same", boundary=refconv_name)
    assert np.array_equal(got, expected), (refconv_name, ndimage_name)


@given(int_problems(max_dims=3), st.sampled_from(MODES), st.lists(st.integers(1, 4), min_size=3, max_size=3))
def test_stride_is_subsampling(problem, mode, strides):
    x, w = problem
    s = tuple(strides[: x.ndim])
    full = correlate(x, w, mode=mode)
    assert np.array_equal(correlate(x, w, mode=mode, stride=s), full[tuple(slice(None, None, k) for k in s)])


@given(int_problems(max_dims=3), st.lists(st.integers(1, 3), min_size=3, max_size=3), st.sampled_from(BOUNDARIES))
def test_dilation_is_kernel_with_zeros(problem, dilations, boundary):
    x, w = problem
    d = tuple(dilations[: x.ndim])
    dilated = np.zeros(tuple((k - 1) * di + 1 for k, di in zip(w.shape, d)), dtype=w.dtype)
    dilated[tuple(slice(None, None, di) for di in d)] = w
    mode = tuple((e - 1, e - 1) for e in dilated.shape)  # "full" for the dilated kernel
    expected = correlate(x, dilated, mode=mode, boundary=boundary)
    assert np.array_equal(correlate(x, w, mode="full", dilation=d, boundary=boundary), expected)


# --- exactness ------------------------------------------------------------------------------

INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@given(st.sampled_from(INT_DTYPES), st.data())
def test_integer_dtypes_never_wrap(dtype, data):
    info = np.iinfo(dtype)
    x, w = data.draw(int_problems(max_dims=2, elements=st.integers(info.min, info.max), dtype=dtype))
    got = correlate(x, w, mode="full")
    assert got.tolist() == _eq96_full(x, w).tolist()
    assert got.dtype in (np.int64, object)


def test_int64_near_limits_goes_to_python_ints():
    x = np.array([2**62, 2**62, -(2**62)], dtype=np.int64)
    got = correlate(x, np.array([2, 2], dtype=np.int64))
    assert got.dtype == object
    assert got.tolist() == [2 * 2**62 + 2 * 2**62, 2 * 2**62 - 2 * 2**62]


def test_small_int_result_dtype_is_int64():
    got = correlate(np.full(3, 127, dtype=np.int8), np.full(2, 127, dtype=np.int8))
    assert got.dtype == np.int64 and got.tolist() == [2 * 127 * 127] * 2


def test_uint64_above_int64_is_exact():
    x = np.array([2**64 - 1, 1], dtype=np.uint64)
    assert correlate(x, np.array([1], dtype=np.uint64)).tolist() == [2**64 - 1, 1]


fractions = st.fractions(min_value=-10, max_value=10, max_denominator=12)


@given(st.lists(fractions, min_size=1, max_size=8), st.lists(fractions, min_size=1, max_size=4), st.sampled_from(MODES))
def test_fractions_match_scipy_object(xs, ws, mode):
    x, w = np.array(xs, dtype=object), np.array(ws, dtype=object)
    if len(ws) > len(xs):
        x, w = w, x
    got = correlate(x, w, mode=mode)
    assert got.tolist() == scipy.signal.correlate(x, w, mode=mode, method="direct").tolist()


def test_sympy_result_is_expanded():
    s, t = sympy.symbols("s t")
    got = correlate(np.array([s + 1, t], dtype=object), np.array([s - 1], dtype=object))
    assert got[0] == s**2 - 1 and got[1] == s * t - t


@given(int_problems(elements=st.integers(-50, 50)), st.sampled_from(MODES))
def test_floats_close_to_scipy(problem, mode):
    x, w = problem
    got = correlate(x.astype(np.float32), w.astype(np.float32), mode=mode)
    assert got.dtype == np.float32
    # Small integers: every product and partial sum is exact in float32 here.
    assert np.array_equal(got, scipy.signal.correlate(x, w, mode=mode, method="direct").astype(np.float32))


def test_complex_is_not_conjugated():
    got = correlate(np.array([1j, 2]), np.array([1j]))
    assert got.tolist() == [1j * 1j, 2 * 1j]


def test_method_direct_and_auto_agree():
    x = np.arange(30).reshape(5, 6)
    w = np.array([[1, -2], [3, 4]])
    assert np.array_equal(correlate(x, w, method="direct"), correlate(x, w, method="auto"))


@pytest.mark.parametrize("mode", MODES)
def test_scipy_silently_swaps_but_refconv_refuses(mode):
    if mode == "valid":
        with pytest.raises(ValueError, match="did you swap x and w"):
            correlate([1, 2], [1, 2, 3])
    else:
        assert correlate([1, 2], [1, 2, 3], mode=mode).shape[0] >= 2
