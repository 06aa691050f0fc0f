"""Convolution as a matrix: the three formats, the layer form and its adjoint, structures, eigenvalues.

Independent oracles: ``refconv.correlate``/``conv``/``conv_transpose`` (the direct core, a different
algorithm), ``scipy.linalg.convolution_matrix``/``circulant``, ``numpy.roll`` sums for circular
convolution, ``numpy.fft`` for eigenvalues, and PyTorch for the layer matrix; the rest is derived by
hand (as arithmetic in the test, never copied from the code under test).
"""

import math
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import refconv
from refconv import conv, conv_transpose, convolve, correlate
from refconv import strategies as rst
from refconv.matrices import (
    StructureCheck,
    circulant_eigenvalues,
    conv_matrix,
    doubly_block_circulant,
    is_circulant,
    is_doubly_block_circulant,
    is_doubly_block_toeplitz,
    is_multilevel_circulant,
    is_multilevel_toeplitz,
    is_toeplitz,
    layer_matrix,
    multilevel_circulant,
)
from refconv.spec import DENSE_LIMIT, plain_spec

SMALL = st.integers(-9, 9)
NONZERO = st.integers(-9, 9).filter(bool)


def problems(kind="int", max_dims=3, max_side=7, **spec_options):
    """Plain problems from refconv's public strategies, the geometry restricted by ``spec_options``
    (built from ``plain_specs`` and ``arrays`` so that every option reaches the geometry)."""
    specs = rst.plain_specs(max_dims=max_dims, max_side=max_side, **spec_options)
    return specs.flatmap(
        lambda s: st.builds(
            rst.PlainProblem,
            rst.arrays(s.input_shape, kind=kind, prefix="x"),
            rst.arrays(s.kernel_shape, kind=kind, prefix="w"),
            st.just(s.kwargs),
        )
    )


def layer_problems(**spec_options):
    """Integer layer problems (no bias) from ``layer_specs`` with ``spec_options`` applied."""
    return rst.layer_specs(**spec_options).flatmap(
        lambda s: st.builds(
            rst.LayerProblem,
            rst.arrays(s.input_shape),
            rst.arrays(s.weight_shape),
            st.none(),
            st.just(s.kwargs),
        )
    )


def _entries(A) -> np.ndarray:
    """Any format as a dense object array of exact values (SymPy numbers kept as SymPy)."""
    if sp.issparse(A):
        return A.toarray().astype(object)
    if isinstance(A, sympy.MatrixBase):
        return np.array(A.tolist(), dtype=object).reshape(A.shape)
    return np.asarray(A).astype(object)


def _apply(A, x: np.ndarray) -> np.ndarray:
    """``A @ x.ravel()`` for a dense, sparse or SymPy matrix, exactly."""
    v = x.ravel()
    if isinstance(A, sympy.MatrixBase):
        return np.array((A * sympy.Matrix(list(v))).tolist(), dtype=object).ravel()
    return A @ v


def _same_values(got, expected) -> bool:
    got, expected = np.asarray(got, dtype=object).ravel(), np.asarray(expected, dtype=object).ravel()
    return got.shape == expected.shape and all(sympy.expand(a - b) == 0 for a, b in zip(got, expected))


# --- acceptance 1: A @ x.ravel() == correlate(...).ravel(); three formats entry for entry ---------


@given(problems(kind="int"))
def test_int_matrix_applied_equals_correlate(problem):
    expected = problem.call(correlate).ravel()
    dense = conv_matrix(problem.w, problem.x.shape, format="dense", **problem.kwargs)
    sparse = conv_matrix(problem.w, problem.x.shape, format="sparse", **problem.kwargs)
    assert dense.dtype == np.int64 and sparse.dtype == np.int64
    assert sp.issparse(sparse) and sparse.format == "csr"
    assert np.array_equal(dense @ problem.x.ravel(), expected)
    assert np.array_equal(sparse @ problem.x.ravel(), expected)
    assert np.array_equal(sparse.toarray(), dense)
    outputs, inputs = math.prod(expected.shape), problem.x.size
    assert dense.shape == (outputs, inputs)


@given(problems(kind="int", min_dims=3, max_dims=3, max_side=4))
def test_three_dimensional_matrices(problem):
    expected = problem.call(correlate).ravel()
    sparse = conv_matrix(problem.w, problem.x.shape, format="sparse", **problem.kwargs)
    assert np.array_equal(sparse @ problem.x.ravel(), expected)


@settings(max_examples=25)
@given(problems(kind="int", max_dims=2, max_side=4, max_kernel=3))
def test_sympy_format_equals_dense_and_correlate(problem):
    dense = conv_matrix(problem.w, problem.x.shape, **problem.kwargs)
    symbolic = conv_matrix(problem.w, problem.x.shape, format="sympy", **problem.kwargs)
    assert isinstance(symbolic, sympy.ImmutableMatrix)
    assert (_entries(symbolic) == dense).all()
    assert _same_values(_apply(symbolic, problem.x), problem.call(correlate))


@settings(max_examples=25)
@given(problems(kind="fraction", max_dims=2, max_side=4, max_kernel=3))
def test_fraction_matrices_are_exact_in_every_format(problem):
    expected = problem.call(correlate)
    forms = {
        f: conv_matrix(problem.w, problem.x.shape, format=f, **problem.kwargs) for f in ("dense", "sparse", "sympy")
    }
    assert forms["dense"].dtype == object
    assert all(isinstance(v, (int, Fraction)) for v in forms["dense"].flat)
    # scipy.sparse holds no Python objects: the exact sparse form is SymPy's sparse matrix.
    assert isinstance(forms["sparse"], sympy.ImmutableSparseMatrix)
    for A in forms.values():
        assert (_entries(A) == forms["dense"]).all()
        assert _same_values(_apply(A, problem.x), expected)


@settings(max_examples=15)
@given(problems(kind="symbolic", max_dims=2, max_side=3, max_kernel=2))
def test_symbolic_kernels_give_symbolic_matrices(problem):
    expected = problem.call(correlate)
    dense = conv_matrix(problem.w, problem.x.shape, **problem.kwargs)
    for fmt in ("sparse", "sympy"):
        A = conv_matrix(problem.w, problem.x.shape, format=fmt, **problem.kwargs)
        assert all(sympy.expand(a - b) == 0 for a, b in zip(_entries(A).ravel(), dense.ravel()))
        assert _same_values(_apply(A, problem.x), expected)
    assert _same_values(dense.dot(problem.x.ravel()), expected)
    # Every entry is zero or a sum of kernel symbols: parameter sharing, visible.
    symbols = set(problem.w.ravel())
    assert all(entry == 0 or sympy.sympify(entry).free_symbols <= symbols for entry in dense.flat)


@settings(max_examples=10)
@given(
    st.sampled_from(["fraction", "symbolic"]).flatmap(
        lambda kind: problems(kind=kind, min_dims=3, max_dims=3, max_side=3, max_kernel=2)
    )
)
def test_three_dimensional_exact_matrices_in_every_format(problem):
    expected = problem.call(correlate)
    dense = conv_matrix(problem.w, problem.x.shape, **problem.kwargs)
    for fmt in ("sparse", "sympy"):
        A = conv_matrix(problem.w, problem.x.shape, format=fmt, **problem.kwargs)
        assert all(sympy.expand(a - b) == 0 for a, b in zip(_entries(A).ravel(), dense.ravel()))
        assert _same_values(_apply(A, problem.x), expected)
    assert _same_values(dense.dot(problem.x.ravel()), expected)


def test_figure_9_1_matrix_row_by_hand():
    a, b, c, d, e, f, g, h, i, j, k, l = sympy.symbols("a:l")
    w, x, y, z = sympy.symbols("w x y z")
    image = np.array([[a, b, c, d], [e, f, g, h], [i, j, k, l]], dtype=object)
    A = conv_matrix(np.array([[w, x], [y, z]], dtype=object), (3, 4), format="sympy")
    # Row 0 is output S[0, 0] = a*w + b*x + e*y + f*z: input cells 0, 1, 4, 5 of the 3x4 grid.
    assert list(A.row(0)) == [w, x, 0, 0, y, z, 0, 0, 0, 0, 0, 0]
    assert sympy.expand((A * sympy.Matrix(image.ravel()))[0] - (a * w + b * x + e * y + f * z)) == 0


def test_large_integer_kernels_stay_exact():
    # sum|w| > 2**63: int64 entries could wrap where two taps land on one cell, so entries are Python ints.
    w = np.array([2**62, 2**62, 2**62], dtype=np.uint64)
    A = conv_matrix(w, (2,), mode="same", boundary="wrap")
    assert A.dtype == object
    # n = 2, pads (1, 1): output 0 reads cells 1, 0, 1; output 1 reads 0, 1, 0.
    assert A.tolist() == [[2**62, 2 * 2**62], [2 * 2**62, 2**62]]
    assert isinstance(conv_matrix(w, (2,), mode="same", boundary="wrap", format="sparse"), sympy.ImmutableSparseMatrix)


def test_float_kernels_keep_their_dtype():
    A = conv_matrix(np.array([0.5, 0.25], dtype=np.float32), (3,), format="sparse")
    assert A.dtype == np.float32 and A.toarray().tolist() == [[0.5, 0.25, 0], [0, 0.5, 0.25]]


# --- independent peers ------------------------------------------------------------------------


@given(hnp.arrays(np.int64, st.integers(1, 5), elements=SMALL), st.integers(0, 6), st.sampled_from(["valid", "full"]))
def test_1d_equals_scipy_convolution_matrix(w, extra, mode):
    n = w.size + extra
    # scipy's matrix is np.convolve's (kernel flipped): correlate(x, w) == convolve(x, w[::-1]).
    assert np.array_equal(conv_matrix(w, (n,), mode=mode), scipy.linalg.convolution_matrix(w[::-1], n, mode))


@given(hnp.arrays(np.int64, st.integers(1, 6), elements=SMALL), st.integers(0, 4))
def test_1d_circulant_equals_scipy_circulant(w, extra):
    n = w.size + extra
    first_column = np.concatenate([w, np.zeros(extra, dtype=np.int64)])
    assert np.array_equal(multilevel_circulant(w, (n,)), scipy.linalg.circulant(first_column))


@given(
    hnp.arrays(np.int64, st.tuples(st.integers(1, 4), st.integers(1, 4)), elements=SMALL),
    st.tuples(st.integers(1, 5), st.integers(1, 5)),
    st.data(),
)
def test_doubly_block_circulant_is_circular_convolution(w, shape, data):
    x = data.draw(hnp.arrays(np.int64, shape, elements=SMALL))
    # Circular convolution by its definition: y = sum_m w[m] * (x shifted by m, wrapping).
    expected = sum(w[m] * np.roll(x, m, axis=(0, 1)) for m in np.ndindex(*w.shape))
    for fmt in ("dense", "sparse"):
        C = doubly_block_circulant(w, shape, format=fmt)
        assert np.array_equal(C @ x.ravel(), expected.ravel())
    assert bool(is_doubly_block_circulant(C, (shape[1], shape[1])))


def test_circulant_is_convolve_with_wrap():
    x, w = np.arange(12).reshape(3, 4), np.array([[1, -1, 2], [3, 0, 5]])
    C = multilevel_circulant(w, x.shape)
    assert np.array_equal(C @ x.ravel(), convolve(x, w, mode=((1, 0), (2, 0)), boundary="wrap").ravel())


# --- the layer form and its adjoint -----------------------------------------------------------


@settings(max_examples=40)
@given(layer_problems(max_dims=2, max_side=5))
def test_layer_matrix_is_the_matrix_of_conv(problem):
    kw = problem.kwargs
    y = conv(problem.x, problem.w, **kw)
    n = problem.x.shape[0]
    for fmt in ("dense", "sparse"):
        A = layer_matrix(problem.w, problem.x.shape[1:], format=fmt, **kw)
        assert np.array_equal((A @ problem.x.reshape(n, -1).T).T, y.reshape(n, -1))


@settings(max_examples=40)
@given(layer_problems(max_dims=3, max_side=5, padding_modes=("zeros",)))
def test_transposed_layer_matrix_is_conv_transpose(problem):
    kw = {k: v for k, v in problem.kwargs.items() if k != "padding_mode"}
    spec = problem.spec
    n = problem.x.shape[0]
    out = conv(problem.x, problem.w, **kw)
    # The adjoint maps the output back onto the input shape: output_padding restores the cells
    # the stride skipped at the end, (n + lo + hi - extent) mod s per axis.
    output_padding = tuple((g.padded - g.extent) % g.stride for g in spec.axes)
    kw_t = dict(kw, padding=spec.pads, output_padding=output_padding)
    y = np.arange(out.size, dtype=np.int64).reshape(out.shape) % 7 - 3
    z = conv_transpose(y, problem.w, **kw_t)
    A = layer_matrix(problem.w, problem.x.shape[1:], format="sparse", **kw)
    assert z.shape == problem.x.shape
    assert np.array_equal((A.T @ y.reshape(n, -1).T).T, z.reshape(n, -1))


def test_layer_matrix_blocks_are_conv_matrices():
    w = np.arange(1, 2 * 2 * 3 + 1).reshape(4, 1, 3)  # C_out = 4, C_in = 2, groups = 2
    A = layer_matrix(w, (2, 5), groups=2, padding=1)
    blocks = A.reshape(4, 5, 2, 5)  # (C_out, out, C_in, in)
    for co in range(4):
        for ci in range(2):
            expected = conv_matrix(w[co, 0], (5,), mode=1) if ci == co // 2 else np.zeros((5, 5), int)
            assert np.array_equal(blocks[co, :, ci, :], expected)


def test_layer_matrix_matches_torch():
    torch = pytest.importorskip("torch")
    x = (np.arange(2 * 4 * 5 * 6) % 11 - 5).reshape(2, 4, 5, 6).astype(np.float64)
    w = (np.arange(6 * 2 * 3 * 2) % 7 - 3).reshape(6, 2, 3, 2).astype(np.float64)
    kw = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    expected = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kw).numpy()
    A = layer_matrix(w.astype(np.int64), (4, 5, 6), format="sparse", **kw)
    # Small integers: float64 results are exact, so equality is exact.
    assert np.array_equal((A @ x.reshape(2, -1).T).T, expected.reshape(2, -1))


# --- acceptance 2: structures ------------------------------------------------------------------


def _formats(w, shape, **kw):
    return [conv_matrix(w, shape, format=f, **kw) for f in ("dense", "sparse", "sympy")]


@settings(max_examples=30)
@given(problems(kind="int", max_dims=1, max_stride=1, boundaries=("constant",)))
def test_1d_zero_boundary_stride_1_is_toeplitz(problem):
    for A in _formats(problem.w, problem.x.shape, **problem.kwargs):
        assert is_toeplitz(A), is_toeplitz(A).why


@settings(max_examples=30)
@given(problems(kind="int", max_dims=1, max_stride=1, modes=("same",), boundaries=("wrap",)))
def test_1d_wrap_same_is_circulant(problem):
    for A in _formats(problem.w, problem.x.shape, **problem.kwargs):
        assert is_circulant(A), is_circulant(A).why


@settings(max_examples=30)
@given(problems(kind="int", min_dims=2, max_dims=2, max_stride=1, boundaries=("constant",)))
def test_2d_zero_boundary_is_doubly_block_toeplitz(problem):
    out = problem.spec.output_shape
    for A in _formats(problem.w, problem.x.shape, **problem.kwargs):
        assert is_doubly_block_toeplitz(A, (out[1], problem.x.shape[1]))


@settings(max_examples=30)
@given(st.tuples(st.integers(2, 5), st.integers(2, 5)), st.tuples(st.integers(2, 4), st.integers(2, 4)), st.data())
def test_2d_zero_boundary_is_not_circulant(shape, kernel, data):
    # Zero padding: output 0 on an axis with lo >= 1 reads fewer real cells than output 1 (n >= 2),
    # so rows hold different numbers of nonzeros; a (block) circulant's rows all hold the same.
    w = data.draw(hnp.arrays(np.int64, kernel, elements=NONZERO))
    for A in _formats(w, shape, mode="same"):
        assert not is_circulant(A)
        assert not is_doubly_block_circulant(A, (shape[1], shape[1]))
        assert is_doubly_block_toeplitz(A, (shape[1], shape[1]))


@settings(max_examples=30)
@given(problems(kind="int", min_dims=2, max_dims=2, max_stride=1, modes=("same",), boundaries=("wrap",)))
def test_2d_wrap_is_doubly_block_circulant(problem):
    n1 = problem.x.shape[1]
    for A in _formats(problem.w, problem.x.shape, **problem.kwargs):
        assert is_doubly_block_circulant(A, (n1, n1)), is_doubly_block_circulant(A, (n1, n1)).why


@settings(max_examples=20)
@given(problems(kind="int", min_dims=3, max_dims=3, max_side=4, max_stride=1, boundaries=("constant",)))
def test_3d_zero_boundary_is_3_level_toeplitz(problem):
    A = conv_matrix(problem.w, problem.x.shape, format="sparse", **problem.kwargs)
    assert is_multilevel_toeplitz(A, problem.spec.output_shape, problem.x.shape)


@settings(max_examples=20)
@given(problems(kind="int", min_dims=3, max_dims=3, max_side=4, max_stride=1, modes=("same",), boundaries=("wrap",)))
def test_3d_wrap_is_3_level_circulant(problem):
    A = conv_matrix(problem.w, problem.x.shape, format="sparse", **problem.kwargs)
    assert is_multilevel_circulant(A, problem.x.shape)


@given(st.integers(2, 3), st.integers(2, 8), st.data())
def test_stride_breaks_toeplitz(stride, extra, data):
    w = data.draw(hnp.arrays(np.int64, st.integers(1, 4), elements=SMALL).filter(lambda a: a[0] != 0))
    n = w.size + stride + extra  # at least two outputs
    for A in _formats(w, (n,), stride=stride):
        check = is_toeplitz(A)
        # Row 1 starts at column `stride` >= 2, so A[1, 1] = 0 while A[0, 0] = w[0].
        assert not check and check.pair == ((0, 0), (1, 1))
        assert check.values[0] == w[0] and check.values[1] == 0
        assert check.why.startswith(f"A[0, 0] = {w[0]} but A[1, 1] = 0")


@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_predicates_name_the_first_offending_pair(m, n, data):
    c = data.draw(hnp.arrays(np.int64, m, elements=SMALL))
    r = data.draw(hnp.arrays(np.int64, n, elements=SMALL))
    T = scipy.linalg.toeplitz(c, np.concatenate([c[:1], r[1:]]))
    assert all(is_toeplitz(A) for A in (T, sp.csr_array(T), sympy.Matrix(T)))
    i, j = data.draw(st.integers(0, m - 1)), data.draw(st.integers(0, n - 1))
    if min(i, j) == 0 and (i == m - 1 or j == n - 1):
        return  # a diagonal of one cell: any value keeps the matrix Toeplitz
    T[i, j] += data.draw(NONZERO)
    # The changed cell differs from both diagonal neighbours; the earlier pair in row-major order
    # is the one through its upper-left neighbour when it has one.
    pair = ((i - 1, j - 1), (i, j)) if min(i, j) >= 1 else ((i, j), (i + 1, j + 1))
    for A in (T, sp.csr_array(T), sympy.ImmutableMatrix(T)):
        check = is_toeplitz(A)
        assert not check and check.pair == pair, check
        assert check.values == (T[pair[0]], T[pair[1]])


@given(st.integers(2, 6), st.data())
def test_circulant_predicate_catches_one_changed_entry(n, data):
    first = data.draw(hnp.arrays(np.int64, n, elements=SMALL))
    C = scipy.linalg.circulant(first)
    assert is_circulant(C) and is_circulant(sp.csr_array(C))
    i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    C[i, j] += data.draw(NONZERO)
    before = ((i - 1) % n, (j - 1) % n)
    pair = (before, (i, j)) if before < (i, j) else ((i, j), ((i + 1) % n, (j + 1) % n))
    for A in (C, sp.csr_array(C), sympy.Matrix(C)):
        check = is_circulant(A)
        assert not check and check.pair == pair


def test_structure_check_reads_as_a_bool_and_explains():
    yes = is_toeplitz(np.eye(3, dtype=int))
    assert isinstance(yes, StructureCheck) and yes and yes.why == "" and yes.pair is None
    no = is_circulant(np.array([[1, 2], [3, 1]]))
    assert not no and no.why == "A[0, 1] = 2 but A[1, 0] = 3; a circulant matrix needs them equal"
    assert "square" in is_circulant(np.ones((2, 3))).why
    assert "square" in is_doubly_block_circulant(np.ones((4, 6)), (2, 3)).why


def test_stored_zeros_do_not_count():
    A = sp.csr_array((np.array([0, 1, 1]), np.array([1, 0, 1]), np.array([0, 2, 3])), shape=(2, 2))
    assert A.nnz == 3 and is_toeplitz(A) and is_circulant(A)  # identity plus a stored zero


def test_symbolic_entries_compare_structurally():
    a, b = sympy.symbols("a b")
    assert is_toeplitz(sympy.Matrix([[a, b], [0, a]]))
    check = is_toeplitz(sympy.Matrix([[a, b], [0, b]]))
    assert not check and check.values == (a, b)


# --- acceptance 3, 4, 7: figure 9.6 ------------------------------------------------------------


def _image():
    # A deterministic 280x320 "image" with values 0..255 (no randomness: the claim is structural).
    i, j = np.indices((280, 320))
    return (i * 7 + j * 13 + i * j) % 256


def test_figure_9_6_sparse_matrix_is_built_and_applies():
    A = conv_matrix(np.array([[-1, 1]]), (280, 320), format="sparse")
    assert A.shape == (280 * 319, 280 * 320)
    assert A.nnz == 2 * 319 * 280 == 178_640
    image = _image()
    edges = A @ image.ravel()
    assert np.array_equal(edges, correlate(image, np.array([[-1, 1]])).ravel())
    # "subtracting the value of its neighboring pixel on the left", checked by slicing.
    assert np.array_equal(edges.reshape(280, 319), image[:, 1:] - image[:, :-1])


@pytest.mark.performance_contract
def test_figure_9_6_dense_is_refused_at_once():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            conv_matrix(np.array([[-1, 1]]), (280, 320), format="dense")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "8,003,072,000 entries" in message
    assert f"{320 * 280 * 319 * 280 * 8:,} bytes of int64" in message
    assert 'format="sparse"' in message and f"{178_640:,}" in message
    assert peak < 2**20, f"refusing allocated {peak} bytes"


def test_sympy_and_layer_guards():
    with pytest.raises(ValueError, match=r"format='sympy' .* 1,010,025 entries .*SYMPY_LIMIT"):
        conv_matrix(np.ones(1, int), (1005,), format="sympy")  # 1005 * 1005 entries
    with pytest.raises(ValueError, match=r"layer_matrix: format='dense' .*entries"):
        layer_matrix(np.ones((64, 64, 3, 3), int), (64, 40, 40), padding=1)


def test_dense_limit_is_the_documented_one():
    assert DENSE_LIMIT == 10**8
    side = math.isqrt(DENSE_LIMIT) + 1  # a 1-tap kernel on n cells: an n x n matrix, just past the limit
    with pytest.raises(ValueError, match=f"{side * side:,} entries"):
        conv_matrix(np.ones(1, int), (side,), format="dense")


# --- acceptance 5: eigenvalues -----------------------------------------------------------------


def _root(r: sympy.Rational):
    return sympy.expand_complex(sympy.exp(2 * sympy.pi * sympy.I * r))


def _check_eigenvalues(w, shape):
    """Exact: C is multi-level circulant, and row 0 of C times v_k is lam_k (v_k[0] = 1); for a
    multi-level circulant row 0 determines every row, so this is C v_k = lam_k v_k."""
    C = multilevel_circulant(w, shape)
    lam = circulant_eigenvalues(w, shape)
    assert is_multilevel_circulant(C, shape)
    assert lam.shape == shape and lam.dtype == object
    for k in np.ndindex(*shape):
        assert not sympy.sympify(lam[k]).atoms(sympy.Float), lam[k]
        row0 = sum(
            int(C[0, col]) * _root(sum(sympy.Rational(j * kk, n) for j, kk, n in zip(cell, k, shape)))
            for col, cell in enumerate(np.ndindex(*shape))
        )
        assert sympy.expand(row0 - lam[k]) == 0, (k, row0, lam[k])
    np.testing.assert_allclose(np.array(lam, dtype=complex), np.fft.fftn(_wrapped(w, shape)), atol=1e-9)


def _wrapped(w, shape):
    c = np.zeros(shape, dtype=np.int64)
    for m in np.ndindex(*w.shape):
        c[tuple(mm % n for mm, n in zip(m, shape))] += w[m]
    return c


@settings(max_examples=15)
@given(st.integers(1, 6), st.data())
def test_exact_eigenvalues_1d(n, data):
    w = data.draw(hnp.arrays(np.int64, st.integers(1, n + 2), elements=SMALL))  # longer kernels wrap
    _check_eigenvalues(w, (n,))


@settings(max_examples=8)
@given(hnp.arrays(np.int64, st.tuples(st.integers(1, 3), st.integers(1, 3)), elements=SMALL))
def test_exact_eigenvalues_3x3(w):
    _check_eigenvalues(w, (3, 3))


def test_exact_eigenvalues_of_fractions_and_symbols():
    a, b = sympy.symbols("a b")
    lam = circulant_eigenvalues(np.array([a, b], dtype=object), (2,))
    assert sympy.expand(lam[0] - (a + b)) == 0 and sympy.expand(lam[1] - (a - b)) == 0
    lam = circulant_eigenvalues(np.array([Fraction(1, 2), Fraction(1, 3)], dtype=object), (4,))
    # 1/2 + 1/3 * exp(-2 pi i k / 4) = 1/2 + 1/3 * (-i)^k
    assert list(lam) == [
        sympy.Rational(5, 6),
        sympy.Rational(1, 2) - sympy.I / 3,
        sympy.Rational(1, 6),
        sympy.Rational(1, 2) + sympy.I / 3,
    ]


@settings(max_examples=5)
@given(hnp.arrays(np.float64, (3, 4), elements=st.floats(-1, 1)))
def test_eigenvalues_64x64_match_numpy_fft2(w):
    padded = np.zeros((64, 64))
    padded[:3, :4] = w
    lam = circulant_eigenvalues(w, (64, 64))
    np.testing.assert_allclose(lam, np.fft.fft2(padded), atol=1e-12)
    # And they are eigenvalues of the 4096 x 4096 sparse circulant: C v_k = lam_k v_k.
    C = multilevel_circulant(w, (64, 64), format="sparse")
    for k in [(0, 0), (1, 5), (63, 17)]:
        v = np.exp(2j * np.pi * (np.add.outer(np.arange(64) * k[0], np.arange(64) * k[1]) / 64)).ravel()
        np.testing.assert_allclose(C @ v, lam[k] * v, atol=1e-9)


def test_exact_is_refused_past_its_limit_and_for_floats():
    with pytest.raises(ValueError, match=r"exact=True .*exact=False"):
        circulant_eigenvalues(np.ones((2, 2), int), (64, 64))
    with pytest.raises(ValueError, match=r"exact=True needs an exact w"):
        circulant_eigenvalues(np.ones(2), (4,), exact=True)


# --- methods "dense" and "sparse" ----------------------------------------------------------------


@settings(max_examples=30)
@given(problems(kind="fraction", max_dims=2, max_side=5), st.sampled_from(["dense", "sparse"]))
def test_matrix_methods_are_exact_on_fractions(problem, method):
    got = correlate(problem.x, problem.w, method=method, **problem.kwargs)
    expected = correlate(problem.x, problem.w, method="direct", **problem.kwargs)
    assert np.array_equal(got, expected)
    assert all(isinstance(v, (int, Fraction)) for v in got.flat)


@settings(max_examples=10)
@given(problems(kind="symbolic", max_dims=2, max_side=3), st.sampled_from(["dense", "sparse"]))
def test_matrix_methods_are_exact_on_symbols(problem, method):
    got = correlate(problem.x, problem.w, method=method, **problem.kwargs)
    assert _same_values(got, correlate(problem.x, problem.w, method="direct", **problem.kwargs))


def test_matrix_cache_keys_on_kernel_values_and_types():
    from refconv.methods.sparse import sparse_matrix

    x = np.array([1, 2, 3], dtype=object)
    as_int = correlate(x, np.array([2], dtype=object), method="sparse")
    as_fraction = correlate(x, np.array([Fraction(2)], dtype=object), method="sparse")
    assert [type(v) for v in as_int] == [int] * 3 and [type(v) for v in as_fraction] == [Fraction] * 3
    sparse_matrix.cache_clear()
    for _ in range(3):
        correlate(np.arange(5), np.array([1, 2]), method="sparse")
    correlate(np.arange(5), np.array([1, 3]), method="sparse")
    info = sparse_matrix.cache_info()
    assert (info.hits, info.misses) == (2, 2)


def test_dense_method_refuses_huge_matrices():
    with pytest.raises(ValueError, match=r"correlate: method='dense' would build .* entries.*method=\"sparse\""):
        correlate(np.zeros((280, 320), int), np.array([[-1, 1]]), method="dense")


def test_spec_and_matrix_agree_on_shape():
    spec = plain_spec("t", (4, 6), (2, 3), mode="full", stride=2)
    A = conv_matrix(np.ones((2, 3), int), (4, 6), mode="full", stride=2, format="sparse")
    assert A.shape == (math.prod(spec.output_shape), 24)


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_matrix_methods_accept_an_empty_batch(method):
    w = np.arange(12).reshape(3, 2, 2)
    got = conv(np.zeros((0, 2, 5), dtype=np.int64), w, method=method)
    assert got.shape == (0, 3, 4) and got.shape == conv(np.zeros((0, 2, 5), dtype=np.int64), w).shape


@pytest.mark.performance_contract
def test_dense_cache_keeps_only_small_matrices():
    from refconv.methods.dense import CACHE_ENTRIES, dense_matrix

    dense_matrix.cache_clear()
    correlate(np.arange(10), np.array([1, 2]), method="dense")  # 9 x 10 entries: cached
    side = math.isqrt(CACHE_ENTRIES) + 1  # a 1-tap kernel: a side x side matrix, just past the cache limit
    big = correlate(np.arange(side), np.array([3]), method="dense")
    assert np.array_equal(big, 3 * np.arange(side))
    assert dense_matrix.cache_info().currsize == 1


def test_the_matrices_package_keeps_every_public_name_where_it_was():
    # refconv/matrices.py became a package (issue 19): every name of its __all__ is reached as
    # refconv.matrices.NAME, and refconv's re-exports are the same objects.
    import refconv
    import refconv.matrices as matrices

    assert matrices.__all__ == [
        "conv_matrix",
        "layer_matrix",
        "multilevel_circulant",
        "doubly_block_circulant",
        "circulant_eigenvalues",
        "StructureCheck",
        "is_toeplitz",
        "is_circulant",
        "is_doubly_block_toeplitz",
        "is_doubly_block_circulant",
        "is_multilevel_toeplitz",
        "is_multilevel_circulant",
        "EIGEN_LIMIT",
    ]
    assert matrices.EIGEN_LIMIT == 10**5
    for name in matrices.__all__[:-1]:
        assert getattr(refconv, name) is getattr(matrices, name), name


# ---- the budget guards' boundary and arithmetic, narrow dtypes, channel columns, the predicates' first pairs ----


def test_the_dense_limit_admits_exactly_its_entries(monkeypatch):
    w = np.array([1, 2], dtype=np.float32)
    entries = 4 * 5  # 4 outputs x 5 inputs
    monkeypatch.setattr(refconv.spec, "DENSE_LIMIT", entries)
    assert conv_matrix(w, (5,)).shape == (4, 5)
    monkeypatch.setattr(refconv.spec, "DENSE_LIMIT", entries - 1)
    with pytest.raises(ValueError) as info:
        conv_matrix(w, (5,))
    # float32: 4 bytes an entry; the sparse form stores 2 taps x 4 outputs.
    assert str(info.value) == (
        "conv_matrix: format='dense' would build a 4 x 5 matrix of 20 entries (80 bytes of float32), over the "
        'limit of 19 entries (refconv.spec.DENSE_LIMIT); expected format="sparse", which stores 8 entries, '
        "or a smaller input"
    )
    monkeypatch.setattr(refconv.spec, "SYMPY_LIMIT", entries - 1)
    with pytest.raises(ValueError) as info:
        conv_matrix(w, (5,), format="sympy")
    assert str(info.value) == (
        "conv_matrix: format='sympy' would build a 4 x 5 matrix of 20 entries (at least 160 bytes of object "
        'pointers), over the limit of 19 entries (refconv.spec.SYMPY_LIMIT); expected format="sparse", which '
        "stores 8 entries, or a smaller input"
    )


def test_the_dense_guard_counts_object_pointers_and_every_channel(monkeypatch):
    monkeypatch.setattr(refconv.spec, "DENSE_LIMIT", 10)
    with pytest.raises(ValueError) as info:
        conv_matrix(np.array([1, 2], dtype=object), (5,))
    assert "(at least 160 bytes of object pointers)" in str(info.value)  # 20 entries x 8 bytes
    # Two output channels x one input channel, 2 taps on 4 outputs each: 16 stored entries; the
    # matrix is (2*4) x (1*5).
    with pytest.raises(ValueError) as info:
        layer_matrix(np.ones((2, 1, 2), dtype=np.int64), (1, 5))
    assert str(info.value) == (
        "layer_matrix: format='dense' would build a 8 x 5 matrix of 40 entries (320 bytes of int64), over the "
        'limit of 10 entries (refconv.spec.DENSE_LIMIT); expected format="sparse", which stores 16 entries, '
        "or a smaller input"
    )


def test_the_dense_method_names_method_in_its_refusals(monkeypatch):
    with pytest.raises(ValueError) as info:
        refconv.correlate(np.ones(20000), np.ones(2), method="dense")
    assert str(info.value) == (
        "correlate: method='dense' would build a 19,999 x 20,000 matrix of 399,980,000 entries (3,199,840,000 "
        "bytes of float64), over the limit of 100,000,000 entries (refconv.spec.DENSE_LIMIT); expected "
        'method="sparse" or "direct", which stores 39,998 entries, or a smaller input'
    )
    # The (outputs x taps) index table is sized before the matrix: 5 outputs x 2 taps = 10 cells
    # are allowed beyond the kernel's 2 cells exactly when CELL_LIMIT >= 8.
    # (Refusal first: the dense method caches the matrices it builds.)
    monkeypatch.setattr(refconv.spec, "CELL_LIMIT", 7)
    with pytest.raises(ValueError) as info:
        refconv.correlate(np.arange(6), np.array([1, 3]), method="dense")
    assert str(info.value).startswith(
        "correlate: method='dense' needs an index table (outputs x taps) of shape (5, 2), 10 cells, over the "
        "limit of 7 cells beyond the operands' 2"
    )
    monkeypatch.setattr(refconv.spec, "CELL_LIMIT", 8)
    assert refconv.correlate(np.arange(6), np.array([1, 3]), method="dense").tolist() == [3, 7, 11, 15, 19]


def test_circulant_eigenvalues_size_their_table_beyond_the_kernel(monkeypatch):
    # 4 outputs x 2 taps = 8 cells, the kernel holds 2: allowed exactly when CELL_LIMIT >= 6.
    monkeypatch.setattr(refconv.spec, "CELL_LIMIT", 6)
    assert circulant_eigenvalues(np.array([1, 1]), (4,)).tolist() == [2, 1 - sympy.I, 0, 1 + sympy.I]
    monkeypatch.setattr(refconv.spec, "CELL_LIMIT", 5)
    with pytest.raises(ValueError, match=r"^circulant_eigenvalues: input_shape=\(4,\) needs an index table"):
        circulant_eigenvalues(np.array([1, 1]), (4,))


def test_matrix_entries_that_sum_taps_do_not_wrap_a_narrow_dtype():
    # One input cell under "full" with wrap: both taps read it, so every entry is 100 + 100 = 200,
    # which int8 cannot hold.
    A = refconv.conv_matrix(np.array([100, 100], dtype=np.int8), (1,), mode="full", boundary="wrap")
    assert A.tolist() == [[200], [200]]
    S = refconv.conv_matrix(np.array([100, 100], dtype=np.int8), (1,), mode="full", boundary="wrap", format="sparse")
    assert S.toarray().tolist() == [[200], [200]]


def test_the_layer_matrix_puts_each_input_channel_in_its_own_columns():
    # Two input channels, one output: y = corr(x0, w0) + corr(x1, w1), written out.
    x = np.array([[1, 2, 3], [10, 20, 30]])
    w = np.array([[[1, 2], [3, 4]]])  # (C_out=1, C_in=2, k=2)
    A = refconv.layer_matrix(w, (2, 3))
    assert A.tolist() == [[1, 2, 0, 3, 4, 0], [0, 1, 2, 0, 3, 4]]
    assert (A @ x.ravel()).tolist() == [1 * 1 + 2 * 2 + 3 * 10 + 4 * 20, 1 * 2 + 2 * 3 + 3 * 20 + 4 * 30]
    S = refconv.layer_matrix(w, (2, 3), format="sparse")
    assert S.toarray().tolist() == A.tolist()


@pytest.mark.parametrize(
    ("predicate", "args", "structure", "pair"),
    [
        ("is_toeplitz", (), "Toeplitz matrix", ((0, 0), (1, 1))),
        ("is_circulant", (), "circulant matrix", ((0, 0), (1, 1))),
        ("is_multilevel_toeplitz", ((2,), (2,)), "multilevel Toeplitz matrix", ((0, 0), (1, 1))),
        ("is_multilevel_circulant", ((2,),), "multilevel circulant matrix", ((0, 0), (1, 1))),
    ],
)
def test_predicates_name_their_structure_and_the_first_pair(predicate, args, structure, pair):
    check = getattr(refconv.matrices, predicate)(np.array([[1, 2], [3, 4]]), *args)
    assert (bool(check), check.structure, check.pair) == (False, structure, pair)
    assert check.why == f"A[0, 0] = 1 but A[1, 1] = 4; a {structure} needs them equal"
    holds = getattr(refconv.matrices, predicate)(np.array([[1, 2], [2, 1]]), *args)
    assert (bool(holds), holds.structure, holds.why, holds.pair) == (True, structure, "", None)


def test_circulant_predicates_see_the_wrapped_pair_that_toeplitz_ignores():
    A = np.array([[1, 2], [3, 1]])  # Toeplitz; circulant would need A[0, 1] == A[1, 0]
    assert is_toeplitz(A)
    for check in (is_circulant(A), is_multilevel_circulant(A, (2,))):
        assert not check and check.pair == ((0, 1), (1, 0)) and check.values == (2, 3)
    assert not is_multilevel_circulant(A, (2,))
    B = np.array([[1, 2, 0, 0], [3, 1, 0, 0], [0, 0, 1, 2], [0, 0, 3, 5]])
    dbt = is_doubly_block_toeplitz(B, (2, 2))  # blocks T00 != T11 at their (1, 1) entries
    assert (dbt.structure, dbt.pair) == ("doubly block Toeplitz matrix", ((1, 1), (3, 3)))
    dbc = is_doubly_block_circulant(B, (2, 2))  # block T00 fails its own wrap first
    assert (dbc.structure, dbc.pair) == ("doubly block circulant matrix", ((0, 1), (1, 0)))
    rect = is_doubly_block_circulant(np.eye(4), (2, 1))
    assert (bool(rect), rect.why) == (False, "level 0 has 2 rows but 4 columns; a circulant level must be square")


# ---- structure checks: float entries, NaN, zeros before nonzeros, messages (issue 19's re-measure) -----------


def test_structure_checks_compare_floats_and_take_nan_as_equal():
    from refconv.matrices import is_toeplitz

    assert is_toeplitz(np.array([[1.0, 2.0], [3.0, 1.0]]))
    assert is_toeplitz(np.array([[np.nan, 2.0], [3.0, np.nan]]))  # NaN repeats along its diagonal
    assert is_toeplitz(np.array([[complex(np.nan, 0), 1j], [2, complex(np.nan, 0)]]))
    check = is_toeplitz(np.array([[np.nan, 0.0], [0.0, 1.0]]))
    assert not check and check.pair == ((0, 0), (1, 1))


def test_toeplitz_finds_a_zero_before_a_nonzero_on_its_diagonal():
    from refconv.matrices import is_toeplitz

    check = is_toeplitz(np.array([[0, 0], [0, 5]]))
    assert not check and check.pair == ((0, 0), (1, 1))
    assert check.why == "A[0, 0] = 0 but A[1, 1] = 5; a Toeplitz matrix needs them equal"


def test_structure_check_shows_float32_entries_as_the_python_floats_they_hold():
    from refconv.matrices import is_toeplitz

    check = is_toeplitz(np.array([[0.1, 0.0], [0.0, 0.2]], dtype=np.float32))
    # float(np.float32(0.1)) = 0.10000000149011612: the stored value, not its shortest float32 repr.
    assert check.why == (
        f"A[0, 0] = {float(np.float32(0.1))} but A[1, 1] = {float(np.float32(0.2))}; a Toeplitz matrix needs them equal"
    )
    assert "0.10000000149011612" in check.why


def test_block_checks_take_nested_lists():
    assert is_doubly_block_toeplitz([[1, 2], [3, 1]], (1, 1))


@pytest.mark.parametrize(
    ("check", "args", "exc", "message"),
    [
        (
            "is_circulant",
            (np.array([["a", "b"], ["c", "d"]]),),
            TypeError,
            "A=<ndarray shape=(2, 2) dtype=<U1> has dtype <U1; expected a numeric or object matrix",
        ),
        (
            "is_doubly_block_toeplitz",
            (np.array([["a", "b"], ["c", "d"]]), (1, 1)),
            TypeError,
            "A=<ndarray shape=(2, 2) dtype=<U1> has dtype <U1; expected a numeric or object matrix",
        ),
        (
            "is_doubly_block_circulant",
            (np.array([["a", "b"], ["c", "d"]]), (1, 1)),
            TypeError,
            "A=<ndarray shape=(2, 2) dtype=<U1> has dtype <U1; expected a numeric or object matrix",
        ),
        (
            "is_doubly_block_toeplitz",
            ("abc", (1, 1)),
            TypeError,
            "A='abc' is not a matrix; expected a 2-D NumPy array, scipy.sparse array or SymPy matrix",
        ),
        (
            "is_doubly_block_toeplitz",
            (np.ones((2, 2)), (1, 1, 1)),
            ValueError,
            "block_shape=(1, 1, 1) has 3 entries; expected (block rows, block columns)",
        ),
        (
            "is_multilevel_circulant",
            (np.ones((2, 3)), (2,)),
            ValueError,
            "shape=(2,) has product 2 but A has 3 columns (A.shape=(2, 3)); expected level sizes whose product is "
            "the matrix size",
        ),
    ],
)
def test_structure_check_refusals_word_for_word(check, args, exc, message):
    import refconv.matrices

    with pytest.raises(exc) as info:
        getattr(refconv.matrices, check)(*args)
    assert str(info.value) == f"{check}: {message}"


# ---- circulant eigenvalues and exact sparse formats -------------------------------------------------------------


def test_circulant_eigenvalues_are_the_dft_of_the_first_column():
    from refconv.matrices import circulant_eigenvalues, multilevel_circulant

    w = np.array([1, 2])
    column = multilevel_circulant(w, (3,))[:, 0].tolist()
    assert column == [1, 2, 0]
    # lambda_k = sum_m c_m omega**(k m), omega = exp(-2 pi i / 3) = -1/2 - (sqrt 3 / 2) i:
    # 3, 1 + 2 omega = -sqrt(3) i, 1 + 2 omega**2 = sqrt(3) i.
    exact = circulant_eigenvalues(w, (3,))
    assert exact.tolist() == [3, -sympy.sqrt(3) * sympy.I, sympy.sqrt(3) * sympy.I]
    floats = circulant_eigenvalues(w, (3,), exact=False)
    assert np.allclose(floats, [3, -math.sqrt(3) * 1j, math.sqrt(3) * 1j], rtol=0, atol=1e-12)
    # An exact complex w (SymPy's I) goes to complex floats with exact=False: column (I, 1, 0).
    z = circulant_eigenvalues(np.array([sympy.I, 1], dtype=object), (3,), exact=False)
    omega = complex(-0.5, -math.sqrt(3) / 2)
    assert np.allclose(z, [1j + 1, 1j + omega, 1j + omega**2], rtol=0, atol=1e-12)


def test_circulant_eigenvalues_refusals_and_the_exact_limit(monkeypatch):
    import refconv.matrices.circulant as circulant_module
    from refconv.matrices import circulant_eigenvalues

    with pytest.raises(ValueError) as info:
        circulant_eigenvalues(np.array([sympy.Symbol("a"), 1], dtype=object), (3,), exact=False)
    text = str(info.value)
    assert text.startswith("circulant_eigenvalues: exact=False needs w as complex floats, which it is not (")
    assert text.endswith("); expected exact=True")
    # input_shape (3,): prod(n) * sum(n) = 3 * 3 = 9 exact terms, allowed at a limit of exactly 9.
    monkeypatch.setattr(circulant_module, "EIGEN_LIMIT", 9)
    assert circulant_eigenvalues(np.array([1, 2]), (3,))[0] == 3
    monkeypatch.setattr(circulant_module, "EIGEN_LIMIT", 8)
    with pytest.raises(ValueError, match=r"^circulant_eigenvalues: exact=True would need 9 exact SymPy terms"):
        circulant_eigenvalues(np.array([1, 2]), (3,))


def test_exact_sparse_matrices_are_sympy_sparse():
    from refconv.matrices import layer_matrix, multilevel_circulant

    w = np.array([Fraction(1, 2), 1], dtype=object)
    for m, dense in [
        (layer_matrix(w.reshape(1, 1, 2), (1, 3), format="sparse"), [[Fraction(1, 2), 1, 0], [0, Fraction(1, 2), 1]]),
        (
            multilevel_circulant(w, (3,), format="sparse"),
            [[Fraction(1, 2), 0, 1], [1, Fraction(1, 2), 0], [0, 1, Fraction(1, 2)]],
        ),
    ]:
        assert isinstance(m, sympy.ImmutableSparseMatrix) and m.tolist() == dense


def test_structure_checks_take_exact_object_matrices_and_name_the_structure_refused():
    assert is_toeplitz(np.array([[Fraction(1, 2), 0], [0, Fraction(1, 2)]], dtype=object))
    check = is_circulant(np.ones((2, 3)))
    assert not check and check.structure == "circulant matrix"
    assert check.why == "level 0 has 2 rows but 3 columns; a circulant level must be square"


def test_circulant_builders_refuse_an_empty_kernel_in_their_own_name():
    with pytest.raises(ValueError) as info:
        multilevel_circulant(np.ones((0,)), (3,))
    assert str(info.value) == "multilevel_circulant: w.shape=(0,) has a length 0 < 1; expected lengths >= 1"
