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


# --- operands: subclasses, foreign arrays, byte orders and views (refconv._arith.as_operand) ------


def _views(base: np.ndarray, kind: str) -> np.ndarray:
    """``base``'s values through a byte-swapped, strided or reversed layout (same values)."""
    if kind == "byteswapped":
        return base.astype(base.dtype.newbyteorder(">" if base.dtype.byteorder in "=<" else "<"))
    if kind == "strided":  # every other cell of a twice-as-long buffer
        wide = np.zeros(base.shape[:-1] + (2 * base.shape[-1],), base.dtype)
        wide[..., ::2] = base
        return wide[..., ::2]
    if kind == "reversed":  # negative strides on every axis
        flipped = np.ascontiguousarray(base[(slice(None, None, -1),) * base.ndim])
        return flipped[(slice(None, None, -1),) * base.ndim]
    return np.asfortranarray(base)


_VIEW_KINDS = ("byteswapped", "strided", "reversed", "fortran")


@st.composite
def _view_problems(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.int32, np.float16]))
    elements = hnp.from_dtype(np.dtype(dtype), allow_nan=False, allow_infinity=False, min_value=-4, max_value=4)
    x = draw(
        hnp.arrays(dtype, draw(hnp.array_shapes(min_dims=3, max_dims=3, min_side=2, max_side=5)), elements=elements)
    )
    w = draw(hnp.arrays(dtype, (x.shape[0], x.shape[1], 2), elements=elements))
    return x, w, draw(st.sampled_from(_VIEW_KINDS)), draw(st.sampled_from(_VIEW_KINDS))


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


@given(_view_problems())
def test_views_and_byte_orders_give_the_native_copys_result(problem):
    """Byte-swapped, strided, negative-stride and Fortran-order operands: the very result (values
    and dtype) of their native C-contiguous copies, in plain and layer functions and every pool."""
    import refconv

    x, w, kx, kw = problem
    vx, vw = _views(x, kx), _views(w, kw)
    assert np.array_equal(vx, x) and np.array_equal(vw, w)
    _same(correlate(vx, vw), correlate(x, w))
    _same(convolve(vx, vw, mode="same"), convolve(x, w, mode="same"))
    _same(refconv.conv(vx, vw[:, :, :2]), refconv.conv(x, w[:, :, :2]))
    _same(
        refconv.conv_transpose(vx, vw[:, :, :2].swapaxes(0, 1)), refconv.conv_transpose(x, w[:, :, :2].swapaxes(0, 1))
    )
    for pool in (refconv.max_pool, refconv.avg_pool):
        _same(pool(vx, (2, 2), stride=1), pool(x, (2, 2), stride=1))
    _same(refconv.lp_pool(vx, 2, 2), refconv.lp_pool(x, 2, 2))
    _same(refconv.weighted_pool(vx, 2, [1, 3]), refconv.weighted_pool(x, 2, [1, 3]))
    _same(refconv.global_max_pool(vx, return_indices=True)[1], refconv.global_max_pool(x, return_indices=True)[1])


def test_byte_swapped_result_dtype_is_native():
    x = np.array([1.0, 2.0, 3.0], dtype=">f8")
    y = correlate(x, np.array([1.0, 10.0], dtype=">f8"))
    assert y.dtype.isnative and y.dtype == np.float64
    np.testing.assert_array_equal(y, [21.0, 32.0])  # 1 + 20, 2 + 30


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_matrix_subclass_is_its_values():
    y = correlate(np.matrix([[1, 2, 3]]), np.array([[1, 1]]))
    assert type(y) is np.ndarray
    np.testing.assert_array_equal(y, [[3, 5]])


def test_masked_array_with_nothing_masked_is_its_data():
    y = correlate(np.ma.array([1, 2, 3], mask=[0, 0, 0]), [1, 1])
    assert type(y) is np.ndarray
    np.testing.assert_array_equal(y, [3, 5])


def test_masked_array_with_a_masked_entry_is_refused():
    x = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    with pytest.raises(TypeError, match=r"^correlate: x=<masked array .* has 1 masked entries of 3.*\.filled\(value\)"):
        correlate(x, [1.0])
    with pytest.raises(TypeError, match=r"^convolve: w=<masked array .* has 2 masked entries of 2"):
        convolve([1.0, 2.0], np.ma.array([1.0, 1.0], mask=True))


@pytest.mark.parametrize(
    "bad",
    [sympy.Float(0.1), sympy.Float(2), sympy.Symbol("a") + sympy.Float(1.5), sympy.sqrt(sympy.Float(2))],
    ids=["float", "integral-float", "in-sum", "in-sqrt"],
)
def test_sympy_floats_are_refused_as_inexact(bad):
    with pytest.raises(TypeError, match=r"^correlate: x=.* holds .*, a SymPy Float \(a binary float with a precision"):
        correlate(np.array([bad, 1], dtype=object), [3])


def test_sympy_exact_numbers_and_symbols_still_compute():
    a = sympy.Symbol("a")
    y = correlate(np.array([sympy.Rational(1, 10), a, sympy.sqrt(2)], dtype=object), [3, 1])
    assert list(y) == [sympy.Rational(3, 10) + a, 3 * a + sympy.sqrt(2)]


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        (sympy.Interval(0, 1), r"SymPy Interval Interval\(0, 1\)"),
        (sympy.Eq(sympy.Symbol("a"), 1), r"SymPy Equality Eq\(a, 1\)"),
        (sympy.Symbol("a") < 1, r"SymPy StrictLessThan a < 1"),
        (sympy.false, "SymPy BooleanFalse False"),
        (sympy.FiniteSet(1, 2), r"SymPy FiniteSet \{1, 2\}"),
        (sympy.ImmutableMatrix([[1, 2], [3, 4]]), r"SymPy ImmutableDenseMatrix Matrix\(\[ \[1, 2\], \[3, 4\]\]\)"),
    ],
    ids=["interval", "eq", "lt", "false", "set", "matrix"],
)
def test_sympy_non_expressions_are_refused_by_name(bad, shown):
    with pytest.raises(TypeError, match=rf"^correlate: w=.* holds {shown}, which is not a number or an expression"):
        correlate([1, 2, 3], np.array([bad, 1], dtype=object))


@pytest.mark.parametrize("bad", [sympy.oo, -sympy.oo, sympy.zoo, sympy.nan, sympy.Symbol("a") + sympy.oo])
def test_sympy_non_finite_numbers_are_refused(bad):
    with pytest.raises(TypeError, match=r"^correlate: x=.* which is not finite; expected finite exact numbers"):
        correlate(np.array([1, bad], dtype=object), [1])


class _RaisingArray:
    def __init__(self, exc):
        self.exc = exc

    def __array__(self, dtype=None, copy=None):
        raise self.exc


@pytest.mark.parametrize("exc", [RuntimeError("gone"), MemoryError("too big"), KeyError("k"), ValueError("odd")])
def test_foreign_array_whose_conversion_raises_is_a_type_error(exc):
    name = type(exc).__name__
    with pytest.raises(TypeError, match=rf"^correlate: x=.* cannot be converted to a NumPy array \({name}: "):
        correlate(_RaisingArray(exc), [1])


def test_torch_tensor_requiring_grad_is_detached():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
    np.testing.assert_array_equal(correlate(x, [1.0, 1.0]), [3.0, 6.0])
    assert x.grad is None and x.requires_grad  # the caller's tensor is untouched


def test_torch_meta_tensor_is_refused_by_name():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"^correlate: w=.* cannot be converted to a NumPy array \(TypeError: .*meta"):
        correlate([1.0, 2.0], torch.ones(1, device="meta"))


@pytest.mark.parametrize("rank", [17, 32, 33, 62, 64])
def test_ranks_above_the_limit_are_refused_before_any_work(rank):
    from refconv._arith import MAX_RANK

    assert MAX_RANK == 16
    with pytest.raises(ValueError, match=rf"^correlate: x=<ndarray ndim={rank} .* has {rank} axes, .*at most 16 axes"):
        correlate(np.ones((1,) * rank), np.ones((1,) * rank))


def test_rank_16_computes_in_every_method():
    x = np.full((1,) * 15 + (3,), 2.0)
    for method in ("direct", "fft", "dense", "sparse"):
        np.testing.assert_allclose(correlate(x, np.ones((1,) * 15 + (2,)), method=method).ravel(), [4.0, 4.0])
    q = np.full((1,) * 15 + (3,), Fraction(1, 3), dtype=object)
    assert list(correlate(q, np.ones((1,) * 15 + (2,), dtype=int)).ravel()) == [Fraction(2, 3)] * 2
