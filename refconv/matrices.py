r"""Convolution as a matrix: Toeplitz, doubly block Toeplitz and (multi-level) circulant, exactly.

The seed (end of §9.1): *discrete convolution can be viewed as multiplication by a matrix ...
a Toeplitz matrix* in 1-D, *a doubly block circulant matrix* in 2-D, *very sparse*.  This module
builds those matrices from the one geometry (:mod:`refconv.spec`, :mod:`refconv._taps`) and says
exactly when each structure arises.

Builders
--------
:func:`conv_matrix`
    ``A @ x.ravel() == correlate(x, w, ...).ravel()``, any rank, every mode, stride, dilation
    and boundary of :func:`refconv.correlate`.
:func:`layer_matrix`
    the layer form (PyTorch conventions, channels and groups): ``A @ x[i].ravel() ==
    conv(x, w, ...)[i].ravel()``, and ``A.T`` is the matrix of ``conv_transpose``.
:func:`multilevel_circulant`, :func:`doubly_block_circulant`
    circular *convolution* (kernel anchored at index 0, wrapped): the matrix the DFT
    diagonalises; :func:`circulant_eigenvalues` are its eigenvalues, exactly.

Every builder takes ``format="dense"`` (a NumPy array), ``"sparse"`` (a ``scipy.sparse``
CSR array) or ``"sympy"`` (a SymPy ``ImmutableMatrix``).  All three come from the same
``(row, column, tap)`` triplets, built in O(nnz) with vectorised index arithmetic: the row is
the ravelled output index, the column the ravelled input cell that output reads through the
tap (after the boundary rule: :func:`refconv._taps.gather_index` per axis, combined across
axes), and the entry is ``w[tap]``.  Taps that read a fill cell (zero padding) store nothing;
taps that read the same cell (``wrap``/``reflect``/... with wide padding) are summed.

Entries and exactness
---------------------
* integer ``w``: ``int64`` entries when ``sum|w| < 2**63`` (the rule of :mod:`refconv._arith`
  with ``max|x| = 1``: every entry is a sum of distinct taps), else exact Python ints;
* ``Fraction``/SymPy ``w`` (object arrays): exact object entries; *symbolic* when ``w`` is;
* float/complex ``w``: entries in ``w``'s dtype.

``scipy.sparse`` holds numeric dtypes only, so ``format="sparse"`` with an exact object ``w``
returns a SymPy ``ImmutableSparseMatrix`` (SymPy's own sparse matrix) instead of a CSR array.

Stored entries are the *structural* ones: one per (output, input cell) pair that some tap
connects, zero-valued weights included (call ``A.eliminate_zeros()`` to drop them).  Their
number is :func:`refconv.conv_cost`'s ``sparse_nnz``.

Size limits
-----------
The index tables every format is built from (one entry per output and tap) are sized first and
refused past :data:`refconv.spec.CELL_LIMIT` cells, naming ``input_shape`` (or ``method`` for
``correlate(..., method="dense"|"sparse")``).  Dense and SymPy matrices are counted before
anything is allocated: past :data:`refconv.spec.DENSE_LIMIT`
(``10**8`` entries, 800 MB of int64) or :data:`refconv.spec.SYMPY_LIMIT` (``10**6`` entries) the builders
raise ``ValueError`` naming the entry count, the bytes and ``format="sparse"``.

Structure predicates
--------------------
:func:`is_toeplitz`, :func:`is_circulant`, :func:`is_doubly_block_toeplitz`,
:func:`is_doubly_block_circulant`, :func:`is_multilevel_toeplitz` and
:func:`is_multilevel_circulant` accept dense, sparse and SymPy matrices and return a
:class:`StructureCheck`: truthy when the structure holds, falsy otherwise, and then its ``why``
names the first offending pair of entries.  When each structure arises:

================================================  ========================================
matrix                                            structure
================================================  ========================================
1-D, zero boundary, stride 1 (any mode/dilation)  Toeplitz
1-D, wrap, "same", stride 1                       circulant
N-D, zero boundary, stride 1                      N-level (2-D: doubly block) Toeplitz
N-D, wrap, "same", stride 1                       N-level (2-D: doubly block) circulant
stride > 1                                        not Toeplitz (rows shift by the stride)
================================================  ========================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._arith import as_operand
from ._assemble import assemble, matrix_weights, triplets
from ._validation import check_choice, fail, is_int, shape_tuple
from .conventions import _PADDING_MODE_HINTS, PADDING_MODES
from .spec import ConvSpec, check_cells, layer_spec, plain_spec

#: Largest exact DFT :func:`circulant_eigenvalues` computes: ``prod(shape) * sum(shape)`` terms.
EIGEN_LIMIT = 10**5

_FORMATS = ("dense", "sparse", "sympy")


def _format(func: str, fmt: Any) -> str:
    return check_choice(func, "format", fmt, _FORMATS)


def _input_shape(func: str, input_shape: Any, ndim: int, what: str) -> tuple[int, ...]:
    shape = shape_tuple(func, "input_shape", input_shape)
    if len(shape) != ndim:
        raise fail(func, "input_shape", input_shape, f"has {len(shape)} axes but {what}", f"{ndim} axes")
    return shape


# --------------------------------------------------------------------------------------------
# Public builders
# --------------------------------------------------------------------------------------------


def conv_matrix(
    w: Any,
    input_shape: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    format: str = "dense",
):
    r"""The matrix of :func:`refconv.correlate`: ``A @ x.ravel() == correlate(x, w, ...).ravel()``.

    Parameters
    ----------
    w : array_like
        The kernel, any rank.  Integer, ``Fraction`` and SymPy entries stay exact.
    input_shape : tuple of int
        Shape of the inputs ``x`` the matrix acts on (same rank as ``w``).
    mode, stride, dilation, boundary
        Exactly as in :func:`refconv.correlate` (normalised by :func:`refconv.spec.plain_spec`).
    format : {"dense", "sparse", "sympy"}
        A NumPy array, a ``scipy.sparse.csr_array`` (a SymPy ``ImmutableSparseMatrix`` for exact
        object ``w``, which scipy.sparse cannot hold), or a SymPy ``ImmutableMatrix``.

    Returns
    -------
    matrix
        Shape ``(prod(output_shape), prod(input_shape))``: row ``i`` is output ``i`` in
        row-major order, column ``j`` input cell ``j``.  For a convolution (kernel flipped)
        pass ``np.flip(w)``.

    Raises
    ------
    ValueError
        For a bad mode/stride/dilation/boundary/format, a kernel that does not fit, or a dense
        (SymPy) matrix past :data:`refconv.spec.DENSE_LIMIT` (:data:`refconv.spec.SYMPY_LIMIT`)
        entries: the message names the entry count, the bytes and ``format="sparse"``.  Nothing
        large is allocated first.
    TypeError
        For a non-numeric ``w`` or a non-integer shape.

    Notes
    -----
    1-D, zero boundary, stride 1: a **Toeplitz** matrix, each row the row above shifted by one
    (``w = [a, b, c]``, ``n = 5``, "valid"; ``.`` is zero)::

        [ a b c . . ]
        [ . a b c . ]
        [ . . a b c ]

    1-D, ``boundary="wrap"``, "same": a **circulant**, each row the row above rotated by one::

        [ b c . . a ]
        [ a b c . . ]
        [ . a b c . ]
        [ . . a b c ]
        [ c . . a b ]

    2-D, zero boundary: a **doubly block Toeplitz** matrix, a Toeplitz matrix of blocks that
    are Toeplitz (``w = [[a, b], [c, d]]`` on a 3x3 input, "valid": a 2x3 grid of 2x3 blocks)::

        [ T0 T1 0  ]     T0 = [ a b . ]     T1 = [ c d . ]
        [ 0  T0 T1 ]          [ . a b ]          [ . c d ]

    With ``boundary="wrap"`` and "same" both levels become circulant (:func:`multilevel_circulant`).
    Stride ``s`` shifts each row by ``s`` (not Toeplitz for ``s > 1``); dilation spreads the taps.

    Examples
    --------
    >>> A = conv_matrix([1, 2, 3], (5,))
    >>> A
    array([[1, 2, 3, 0, 0],
           [0, 1, 2, 3, 0],
           [0, 0, 1, 2, 3]])
    >>> from refconv import correlate
    >>> x = np.array([4, -1, 7, 0, 2])
    >>> (A @ x).tolist(), correlate(x, [1, 2, 3]).tolist()     # 4*1 - 1*2 + 7*3 = 23, ...
    ([23, 13, 13], [23, 13, 13])

    A circulant with a wrap boundary; two taps reading one cell are summed:

    >>> conv_matrix([1, 2, 3], (3,), mode="same", boundary="wrap")
    array([[2, 3, 1],
           [1, 2, 3],
           [3, 1, 2]])
    >>> conv_matrix([1, 2, 3], (2,), mode="same", boundary="wrap")    # taps 0 and 2 read cell 1
    array([[2, 4],
           [4, 2]])

    Any rank, stride and dilation; the sparse form is built from the same triplets:

    >>> x = np.arange(20).reshape(4, 5)
    >>> w = np.array([[1, -2], [3, 5]])
    >>> S = conv_matrix(w, x.shape, mode="full", stride=(2, 1), dilation=(1, 2), format="sparse")
    >>> S.shape, S.nnz        # (3*7 outputs, 4*5 inputs); (1+2+1 real rows) * (1+1+2+2+2+1+1 real columns)
    ((21, 20), 40)
    >>> bool((S @ x.ravel() == correlate(x, w, mode="full", stride=(2, 1), dilation=(1, 2)).ravel()).all())
    True

    Symbolic kernels give symbolic matrices (figure 9.1's kernel on a 2x3 input):

    >>> import sympy
    >>> K = np.array(sympy.symbols("w x y z"), dtype=object).reshape(2, 2)
    >>> conv_matrix(K, (2, 3), format="sympy")
    Matrix([
    [w, x, 0, y, z, 0],
    [0, w, x, 0, y, z]])

    Figure 9.6 is too large for a dense matrix; the sparse one has 2 entries per output:

    >>> conv_matrix(np.array([[-1, 1]]), (280, 320), format="sparse").nnz
    178640
    """
    func = "conv_matrix"
    w = as_operand(func, "w", w)
    fmt = _format(func, format)
    if w.ndim == 0:
        raise fail(func, "w", w, "is a scalar", "an array with at least one axis")
    input_shape = _input_shape(func, input_shape, w.ndim, f"w has {w.ndim} (w.shape={w.shape})")
    spec = plain_spec(
        func,
        input_shape,
        w.shape,
        mode=mode,
        stride=stride,
        dilation=dilation,
        boundary=boundary,
        names=("input_shape", "w"),
    )
    w, kind = matrix_weights(func, w)
    return assemble(func, spec, w[None, None], kind, 1, fmt)


def layer_matrix(
    w: Any,
    input_shape: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    format: str = "dense",
):
    r"""The matrix of the layer convolution ``conv(x, w, ...)`` (PyTorch conventions), one sample.

    ``A @ x[i].ravel() == conv(x, w, ...)[i].ravel()`` for every sample ``i``: the input
    ``(C_in, *spatial)`` flattened maps to the output ``(C_out, *out)`` flattened.  For a whole
    batch, ``(A @ x.reshape(N, -1).T).T``.  The bias is not linear and is not part of ``A``.
    ``A.T`` is the matrix of the transposed convolution (with zero padding):
    ``A.T @ y[i].ravel() == conv_transpose(y, w, ...)[i].ravel()`` when ``conv_transpose``'s
    ``output_padding`` restores ``input_shape``.

    Parameters
    ----------
    w : array_like
        Weights ``(C_out, C_in // groups, *kernel)``.
    input_shape : tuple of int
        ``(C_in, *spatial)`` of one sample.
    stride, padding, dilation, groups
        As in ``torch.nn.functional.conv*d`` (normalised by :func:`refconv.spec.layer_spec`;
        ``padding`` also takes ``((before, after), ...)``).
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        PyTorch's names.
    format : {"dense", "sparse", "sympy"}
        As in :func:`conv_matrix`.

    Notes
    -----
    A ``C_out x C_in`` grid of blocks, each the :func:`conv_matrix` of one kernel slice; with
    ``groups=g`` the grid is block diagonal with ``g`` blocks.  Two input and two output
    channels, ``groups=1``::

        [ A00 A01 ]      Aoi = conv_matrix(w[o, i], spatial, ...)
        [ A10 A11 ]

    Examples
    --------
    >>> w = np.array([[[1, 2]], [[3, 4]]])         # 2 output channels, 1 input channel, k = 2
    >>> layer_matrix(w, (1, 3))
    array([[1, 2, 0],
           [0, 1, 2],
           [3, 4, 0],
           [0, 3, 4]])
    >>> from refconv import correlate
    >>> x = np.array([[5, 6, 7], [1, 0, -1]])          # 2 input channels, groups=2
    >>> w = np.array([[[1, 2]], [[3, 4]]])
    >>> A = layer_matrix(w, (2, 3), groups=2)
    >>> (A @ x.ravel()).tolist() == correlate(x[0], w[0, 0]).tolist() + correlate(x[1], w[1, 0]).tolist()
    True
    """
    func = "layer_matrix"
    w = as_operand(func, "w", w)
    fmt = _format(func, format)
    if w.ndim < 3:
        raise fail(func, "w", w, f"has {w.ndim} axes", "(C_out, C_in // groups, *kernel) with at least 3 axes")
    input_shape = _input_shape(
        func, input_shape, w.ndim - 1, f"w.shape={w.shape} needs (C_in, *spatial) with {w.ndim - 2} spatial axes"
    )
    if not is_int(groups):
        raise fail(func, "groups", groups, "is not an integer", "an int >= 1", TypeError)
    if groups < 1:
        raise fail(func, "groups", groups, "is < 1", "an int >= 1")
    c_out, c_in_g = w.shape[:2]
    c_in = input_shape[0]
    if c_out % groups:
        raise fail(
            func, "groups", groups, f"does not divide C_out = w.shape[0] = {c_out}", "a divisor of C_out and C_in"
        )
    if c_in_g * groups != c_in:
        raise fail(
            func,
            "input_shape",
            input_shape,
            f"has C_in = {c_in} channels but w.shape[1] * groups = {c_in_g} * {groups} = {c_in_g * groups}",
            "C_in == w.shape[1] * groups",
        )

    mode = check_choice(func, "padding_mode", padding_mode, tuple(PADDING_MODES), _PADDING_MODE_HINTS)
    spec = layer_spec(
        func,
        input_shape[1:],
        w.shape[2:],
        padding=padding,
        stride=stride,
        dilation=dilation,
        boundary=PADDING_MODES[mode],
    )
    w, kind = matrix_weights(func, w)
    return assemble(func, spec, w, kind, int(groups), fmt)


def multilevel_circulant(w: Any, input_shape: Any, *, format: str = "dense"):
    r"""The N-level circulant of N-d circular *convolution*: ``y[i] = sum_m w[m] x[(i - m) mod n]``.

    The kernel is anchored at index 0 and wrapped onto the input (taps past ``n`` add onto
    ``m mod n``); the matrix is square, ``prod(input_shape)`` on a side, and its first column
    is the zero-padded, wrapped kernel.  It equals ``conv_matrix(np.flip(w), input_shape,
    mode=[(k - 1, 0) per axis], boundary="wrap")``, i.e. ``convolve(x, w, mode=[(k-1, 0), ...],
    boundary="wrap")`` (the wrap "same" correlation matrix is the same circulant rotated).  The
    DFT diagonalises it: see :func:`circulant_eigenvalues`.

    Notes
    -----
    1 level (``w = [a, b, c]``, ``n = 4``), a circulant with first column ``[a, b, c, 0]``::

        [ a . c b ]
        [ b a . c ]
        [ c b a . ]
        [ . c b a ]

    2 levels (:func:`doubly_block_circulant`), 3x3 input: a circulant of circulant blocks,
    block ``Ci`` built from kernel row ``i`` (``C2 = 0`` for a 2-row kernel)::

        [ C0 C2 C1 ]
        [ C1 C0 C2 ]
        [ C2 C1 C0 ]

    Examples
    --------
    >>> multilevel_circulant([1, 2, 3], (4,))
    array([[1, 0, 3, 2],
           [2, 1, 0, 3],
           [3, 2, 1, 0],
           [0, 3, 2, 1]])
    >>> import scipy.linalg
    >>> bool((multilevel_circulant([1, 2, 3], (4,)) == scipy.linalg.circulant([1, 2, 3, 0])).all())
    True
    >>> from refconv import convolve
    >>> x = np.arange(12).reshape(3, 4)
    >>> w = np.array([[1, -1], [2, 5]])
    >>> C = multilevel_circulant(w, x.shape)
    >>> bool((C @ x.ravel() == convolve(x, w, mode=((1, 0), (1, 0)), boundary="wrap").ravel()).all())
    True
    """
    return _circulant("multilevel_circulant", w, input_shape, format)


def _circulant(func: str, w: Any, input_shape: Any, format: Any):
    w = as_operand(func, "w", w)
    fmt = _format(func, format)
    spec = _circulant_spec(func, w, input_shape)
    w, kind = matrix_weights(func, w)
    return assemble(func, spec, np.flip(w)[None, None], kind, 1, fmt)


def _circulant_spec(func: str, w: np.ndarray, input_shape: Any) -> ConvSpec:
    if w.ndim == 0:
        raise fail(func, "w", w, "is a scalar", "an array with at least one axis")
    input_shape = _input_shape(func, input_shape, w.ndim, f"w has {w.ndim} (w.shape={w.shape})")
    return plain_spec(func, input_shape, w.shape, mode=tuple((k - 1, 0) for k in w.shape), boundary="wrap")


def doubly_block_circulant(w: Any, input_shape: Any, *, format: str = "dense"):
    r"""The doubly block circulant matrix of 2-D circular convolution (the seed's "2-D" matrix).

    :func:`multilevel_circulant` for a 2-D kernel: a circulant grid of ``n0 x n0`` blocks,
    each an ``n1 x n1`` circulant.  ``C @ x.ravel()`` is ``y[i, j] = sum w[m, l] x[(i-m) mod n0,
    (j-l) mod n1]``.

    Notes
    -----
    ``w = [[a, b], [c, d]]`` on a 2x3 input: blocks ``C0`` (from ``[a, b]``) and ``C1``
    (from ``[c, d]``)::

        [ C0 C1 ]     C0 = [ a . b ]     C1 = [ c . d ]
        [ C1 C0 ]          [ b a . ]          [ d c . ]
                           [ . b a ]          [ . d c ]

    Examples
    --------
    >>> doubly_block_circulant([[1, 2], [3, 4]], (2, 3))
    array([[1, 0, 2, 3, 0, 4],
           [2, 1, 0, 4, 3, 0],
           [0, 2, 1, 0, 4, 3],
           [3, 0, 4, 1, 0, 2],
           [4, 3, 0, 2, 1, 0],
           [0, 4, 3, 0, 2, 1]])
    >>> bool(is_doubly_block_circulant(_, (3, 3)))
    True
    """
    func = "doubly_block_circulant"
    arr = as_operand(func, "w", w)
    if arr.ndim != 2:
        raise fail(func, "w", arr, f"has {arr.ndim} axes", "a 2-D kernel (multilevel_circulant takes any rank)")
    return _circulant(func, arr, input_shape, format)


def circulant_eigenvalues(w: Any, input_shape: Any, *, exact: bool | None = None) -> np.ndarray:
    r"""Eigenvalues of :func:`multilevel_circulant` ``(w, input_shape)``: the DFT of its first column.

    ``C = F^-1 diag(lam) F`` with ``F`` the N-d DFT, so ``lam = fftn(c)`` where ``c`` is the
    kernel zero-padded (and wrapped) to ``input_shape``.  ``lam[k]`` belongs to the eigenvector
    ``v_k[j] = exp(+2 pi i sum_a j_a k_a / n_a)`` (``j`` ravelled row-major).

    Parameters
    ----------
    w : array_like
        Kernel, any rank.
    input_shape : tuple of int
        The circulant's levels.
    exact : bool, optional
        ``True``: SymPy expressions (roots of unity written as radicals where SymPy knows them,
        e.g. for ``n <= 6``), an object array; needs an exact ``w`` and at most
        :data:`EIGEN_LIMIT` terms ``prod(n) * sum(n)``.  ``False``: ``numpy.fft.fftn`` of the
        first column, a complex array.  Default: exact for exact ``w`` (integer or object).

    Notes
    -----
    The first column is read off the same triplets as the matrix, so ``c`` is the matrix's
    column, not a second formula.  For ``n = 3``, ``w = [a, b, c]``::

        lam_k = a + b * omega**(-k) + c * omega**(-2k),    omega = exp(2 pi i / 3)

    Examples
    --------
    >>> circulant_eigenvalues([1, 2, 3], (3,))
    array([6, -3/2 + sqrt(3)*I/2, -3/2 - sqrt(3)*I/2], dtype=object)
    >>> np.round(circulant_eigenvalues([1, 2, 3], (3,), exact=False), 6)
    array([ 6. +0.j      , -1.5+0.866025j, -1.5-0.866025j])
    >>> circulant_eigenvalues([[1, 2], [3, 4]], (2, 2))        # real: a symmetric matrix
    array([[10, -2],
           [-4, 0]], dtype=object)
    """
    func = "circulant_eigenvalues"
    w = as_operand(func, "w", w)
    spec = _circulant_spec(func, w, input_shape)
    w, kind = matrix_weights(func, w)
    if exact is None:
        exact = kind != "float"
    if not isinstance(exact, bool):
        raise fail(func, "exact", exact, "is not a bool or None", "True, False or None", TypeError)
    shape = spec.input_shape
    check_cells(
        func, "input_shape", input_shape, "an index table (outputs x taps)", (math.prod(shape), spec.taps), w.size
    )
    rows, cols, taps = triplets(spec, 1, 1, 1)
    first = cols == 0
    column = np.zeros(math.prod(shape), dtype=object if exact else w.dtype)
    np.add.at(column, rows[first], np.flip(w).ravel()[taps[first]])
    column = column.reshape(shape)
    if not exact:
        if column.dtype == object:  # numpy's FFT takes numbers, not Fractions or Python ints
            try:
                column = column.astype(np.complex128)
            except (TypeError, OverflowError) as exc:
                raise fail(
                    func, "exact", exact, f"needs w as complex floats, which it is not ({exc})", "exact=True"
                ) from None
        return np.fft.fftn(column)
    if kind == "float":
        raise fail(
            func,
            "exact",
            exact,
            f"needs an exact w but w has dtype {w.dtype}",
            "exact=False, or w as integers or an object array of Fractions",
        )
    terms = math.prod(shape) * sum(shape)
    if terms > EIGEN_LIMIT:
        raise fail(
            func,
            "exact",
            exact,
            f"would need {terms:,} exact SymPy terms for input_shape={shape}, over the limit of "
            f"{EIGEN_LIMIT:,} (refconv.matrices.EIGEN_LIMIT)",
            "exact=False for numpy.fft.fftn",
        )
    import sympy

    for axis, n in enumerate(shape):
        # The 1-D DFT matrix along this axis, each root reduced mod n first so equal roots share one form.
        roots = [sympy.expand_complex(sympy.exp(-2 * sympy.pi * sympy.I * sympy.Rational(j, n))) for j in range(n)]
        dft = np.array([[roots[(k * m) % n] for m in range(n)] for k in range(n)], dtype=object)
        column = np.moveaxis(np.tensordot(dft, column, axes=([1], [axis])), 0, axis)
    out = np.empty(shape, dtype=object)
    for idx, value in np.ndenumerate(column):
        out[idx] = sympy.expand(value)
    return out


# --------------------------------------------------------------------------------------------
# Structure predicates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StructureCheck:
    """The answer of a structure predicate: truthy iff the structure holds.

    Attributes
    ----------
    holds : bool
        Whether the matrix has the structure.
    structure : str
        What was checked, e.g. ``"Toeplitz matrix"`` or ``"doubly block circulant matrix"``.
    why : str
        Empty when it holds; otherwise the reason, naming the first offending pair of entries
        (first in row-major order of its first entry) or the shape that rules it out.
    pair : tuple or None
        ``((i, j), (i2, j2))``, the two entries the structure needs equal.
    values : tuple or None
        Their values ``(A[i, j], A[i2, j2])``.
    """

    holds: bool
    structure: str
    why: str = ""
    pair: tuple[tuple[int, int], tuple[int, int]] | None = None
    values: tuple[Any, Any] | None = None

    def __bool__(self) -> bool:
        return self.holds


def _nonzero_entries(func: str, A: Any) -> tuple[tuple[int, int], np.ndarray, np.ndarray, np.ndarray]:
    """``(shape, rows, cols, values)`` of the nonzero entries of a dense, sparse or SymPy matrix."""
    if sp.issparse(A):
        if A.ndim != 2:
            raise fail(func, "A", A, f"is a {A.ndim}-D sparse array", "a 2-D matrix")
        coo = sp.coo_array(A, copy=True)
        coo.sum_duplicates()
        shape, r, c, v = coo.shape, coo.row, coo.col, coo.data
    elif _is_sympy_matrix(A):
        dok = A.todok()
        shape = A.shape
        r = np.array([key[0] for key in dok], dtype=np.int64)
        c = np.array([key[1] for key in dok], dtype=np.int64)
        v = np.empty(len(dok), dtype=object)
        v[:] = list(dok.values())
    else:
        if isinstance(A, (str, bytes, dict, set)) or A is None:
            raise fail(
                func, "A", A, "is not a matrix", "a 2-D NumPy array, scipy.sparse array or SymPy matrix", TypeError
            )
        try:
            arr = np.asarray(A)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise fail(func, "A", A, f"is not a rectangular matrix ({exc})", "a 2-D matrix", TypeError) from None
        if arr.ndim != 2:
            raise fail(func, "A", A, f"has {arr.ndim} axes", "a 2-D matrix")
        if arr.dtype.kind not in "iufcO":
            raise fail(func, "A", A, f"has dtype {arr.dtype}", "a numeric or object matrix", TypeError)
        shape = arr.shape
        r, c = np.nonzero(np.not_equal(arr, 0).astype(bool))
        v = arr[r, c]
    keep = np.not_equal(v, 0).astype(bool)
    return (int(shape[0]), int(shape[1])), r[keep].astype(np.int64), c[keep].astype(np.int64), v[keep]


def _is_sympy_matrix(A: Any) -> bool:
    try:
        import sympy
    except ImportError:  # pragma: no cover - sympy is a hard dependency
        return False
    return isinstance(A, sympy.MatrixBase)


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Entries that differ as matrix entries: NaN equals NaN (a structure is about positions, and
    a kernel tap holding NaN repeats along its diagonal like any other value)."""
    differ = np.not_equal(a, b).astype(bool)
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        differ &= ~(np.isnan(a) & np.isnan(b))
    return differ


def _show(value: Any) -> str:
    return str(value.item() if isinstance(value, np.generic) else value)


def _levels(
    func: str, A: Any, row_shape: Any, col_shape: Any, cyclic: bool, name: str, names=("row_shape", "col_shape")
) -> StructureCheck:
    """Shift invariance along every level: ``A[r, c] == A[r + e_a, c + e_a]`` (mod n if cyclic).

    ``names`` are the caller's parameter names for ``row_shape`` and ``col_shape``, for messages."""
    shape, r, c, v = _nonzero_entries(func, A)
    row_shape = shape_tuple(func, names[0], row_shape)
    col_shape = shape_tuple(func, names[1], col_shape)
    if len(row_shape) != len(col_shape):
        raise fail(
            func,
            "col_shape",
            col_shape,
            f"has {len(col_shape)} levels but row_shape={row_shape} has {len(row_shape)}",
            "one length per level in each",
        )
    for label, sub, size, what in ((names[0], row_shape, shape[0], "rows"), (names[1], col_shape, shape[1], "columns")):
        if math.prod(sub) != size:
            raise fail(
                func,
                label,
                sub,
                f"has product {math.prod(sub)} but A has {size} {what} (A.shape={shape})",
                "level sizes whose product is the matrix size",
            )
    if cyclic:
        for a, (p, q) in enumerate(zip(row_shape, col_shape)):
            if p != q:
                return StructureCheck(
                    False, name, f"level {a} has {p} rows but {q} columns; a circulant level must be square"
                )
    n_cols = shape[1]
    order = np.argsort(r * n_cols + c, kind="stable")
    keys, vals = (r * n_cols + c)[order], v[order]
    rmulti, cmulti = np.unravel_index(r, row_shape), np.unravel_index(c, col_shape)

    def lookup(rr, cc):
        key = rr * n_cols + cc
        pos = np.minimum(np.searchsorted(keys, key), max(len(keys) - 1, 0))
        found = (keys[pos] == key) if len(keys) else np.zeros(len(key), dtype=bool)
        out = np.zeros(len(key), dtype=vals.dtype)
        out[found] = vals[pos[found]]
        return out

    best = None
    for a, (p, q) in enumerate(zip(row_shape, col_shape)):
        for step in (1, -1):
            # Forward (+1) from each nonzero entry, and backward (-1) so that a zero entry followed
            # by a nonzero one is caught too; pairs are reported as (earlier, later).
            rs, cs = list(rmulti), list(cmulti)
            if cyclic:
                rs[a], cs[a] = (rmulti[a] + step) % p, (cmulti[a] + step) % q
                inside = np.ones(len(v), dtype=bool)
            else:
                rs[a], cs[a] = rmulti[a] + step, cmulti[a] + step
                inside = (rs[a] >= 0) & (rs[a] < p) & (cs[a] >= 0) & (cs[a] < q)
            rr = np.ravel_multi_index(tuple(x[inside] for x in rs), row_shape) if inside.any() else np.zeros(0, int)
            cc = np.ravel_multi_index(tuple(x[inside] for x in cs), col_shape) if inside.any() else np.zeros(0, int)
            other = lookup(rr, cc)
            bad = np.flatnonzero(_differ(other, v[inside]))
            if not len(bad):
                continue
            here = (r[inside][bad], c[inside][bad], v[inside][bad])
            there = (rr[bad], cc[bad], other[bad])
            first, second = (here, there) if step == 1 else (there, here)
            i = int(np.argmin(first[0] * n_cols + first[1]))
            candidate = (
                int(first[0][i]) * n_cols + int(first[1][i]),
                a,
                ((int(first[0][i]), int(first[1][i])), (int(second[0][i]), int(second[1][i]))),
                (first[2][i], second[2][i]),
            )
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    if best is None:
        return StructureCheck(True, name)
    _, level, pair, values = best
    where = "" if len(row_shape) == 1 else f" (level {level}, outermost 0)"
    (i, j), (i2, j2) = pair
    return StructureCheck(
        False,
        name,
        f"A[{i}, {j}] = {_show(values[0])} but A[{i2}, {j2}] = {_show(values[1])}{where}; a {name} needs them equal",
        pair,
        (values[0], values[1]),
    )


def is_toeplitz(A: Any) -> StructureCheck:
    r"""Is ``A`` Toeplitz: ``A[i, j] == A[i + 1, j + 1]`` (every diagonal constant)?  Any shape.

    Returns a :class:`StructureCheck`: truthy iff it holds; when not, ``.why`` names the first
    pair of entries that differ.  ``A`` is a NumPy array, a scipy.sparse array/matrix or a SymPy
    matrix; symbolic entries compare structurally.

    Notes
    -----
    ::

        [ a b c d ]
        [ e a b c ]      each row is the row above shifted right by one
        [ f e a b ]

    Examples
    --------
    >>> bool(is_toeplitz(conv_matrix([1, 2, 3], (6,))))
    True
    >>> check = is_toeplitz(conv_matrix([1, 2, 3], (6,), stride=2))
    >>> bool(check), check.why
    (False, 'A[0, 0] = 1 but A[1, 1] = 0; a Toeplitz matrix needs them equal')
    """
    func = "is_toeplitz"
    shape = _shape_of(func, A)
    return _levels(func, A, (shape[0],), (shape[1],), False, "Toeplitz matrix")


def is_circulant(A: Any) -> StructureCheck:
    r"""Is ``A`` circulant: square with ``A[i, j] == A[(i + 1) % n, (j + 1) % n]``?

    Returns a :class:`StructureCheck` (see :func:`is_toeplitz`).

    Notes
    -----
    ::

        [ a b c ]
        [ c a b ]      each row is the row above rotated right by one
        [ b c a ]

    Examples
    --------
    >>> bool(is_circulant(conv_matrix([1, 2, 3], (5,), mode="same", boundary="wrap")))
    True
    >>> is_circulant(conv_matrix([1, 2, 3], (5,), mode="same")).why     # zero boundary
    'A[0, 4] = 0 but A[1, 0] = 1; a circulant matrix needs them equal'
    >>> is_circulant(conv_matrix([1, 2, 3], (5,))).why
    'level 0 has 3 rows but 5 columns; a circulant level must be square'
    """
    func = "is_circulant"
    shape = _shape_of(func, A)
    return _levels(func, A, (shape[0],), (shape[1],), True, "circulant matrix")


def _block_levels(func: str, A: Any, block_shape: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    shape = _shape_of(func, A)
    block = shape_tuple(func, "block_shape", block_shape)
    if len(block) != 2:
        raise fail(func, "block_shape", block_shape, f"has {len(block)} entries", "(block rows, block columns)")
    if shape[0] % block[0] or shape[1] % block[1]:
        raise fail(
            func,
            "block_shape",
            block_shape,
            f"does not tile A.shape={shape}",
            "a block shape dividing the matrix shape",
        )
    return (shape[0] // block[0], block[0]), (shape[1] // block[1], block[1])


def _shape_of(func: str, A: Any) -> tuple[int, int]:
    if sp.issparse(A) or _is_sympy_matrix(A) or (isinstance(A, np.ndarray) and A.ndim == 2):
        shape = tuple(A.shape)
    else:
        shape = _nonzero_entries(func, A)[0]
    if 0 in shape:  # its levels would have length 0: say so of A, not of the levels derived from it
        raise fail(func, "A.shape", shape, "is empty", "a matrix with at least one row and one column")
    return shape


def is_doubly_block_toeplitz(A: Any, block_shape: Any) -> StructureCheck:
    r"""Is ``A`` doubly block Toeplitz: a Toeplitz grid of ``block_shape`` blocks, each Toeplitz?

    ``block_shape = (p, q)`` cuts ``A`` into ``p x q`` blocks; for the matrix of a 2-D
    correlation it is ``(out[1], input_shape[1])``.  Returns a :class:`StructureCheck`.

    Notes
    -----
    ::

        [ T0 T1 T2 ]
        [ T3 T0 T1 ]      every Ti Toeplitz, e.g. T0 = [ a b . ]
        [ T4 T3 T0 ]                                  [ c a b ]

    Examples
    --------
    >>> A = conv_matrix(np.ones((2, 2), dtype=int), (3, 4))          # 2x3 outputs, 3x4 inputs
    >>> bool(is_doubly_block_toeplitz(A, (3, 4))), bool(is_circulant(A))
    (True, False)
    >>> is_doubly_block_toeplitz(A, (2, 6)).why        # output (0, 0) reads cell 4; output (0, 2) not cell 10
    'A[0, 4] = 1 but A[2, 10] = 0 (level 0, outermost 0); a doubly block Toeplitz matrix needs them equal'
    """
    func = "is_doubly_block_toeplitz"
    rows, cols = _block_levels(func, A, block_shape)
    return _levels(func, A, rows, cols, False, "doubly block Toeplitz matrix")


def is_doubly_block_circulant(A: Any, block_shape: Any) -> StructureCheck:
    r"""Is ``A`` doubly block circulant: a circulant grid of square blocks, each circulant?

    ``block_shape = (p, p)``: for a 2-D wrap correlation ("same") or :func:`doubly_block_circulant`
    it is ``(input_shape[1],) * 2``.  Returns a :class:`StructureCheck`.

    Notes
    -----
    ::

        [ C0 C1 C2 ]
        [ C2 C0 C1 ]      every Ci circulant, e.g. C0 = [ a b c ]
        [ C1 C2 C0 ]                                   [ c a b ]
                                                       [ b c a ]

    Examples
    --------
    >>> w = np.array([[1, 2], [3, 4]])
    >>> bool(is_doubly_block_circulant(conv_matrix(w, (3, 3), mode="same", boundary="wrap"), (3, 3)))
    True
    >>> bool(is_doubly_block_circulant(conv_matrix(w, (3, 3), mode="same"), (3, 3)))
    False
    """
    func = "is_doubly_block_circulant"
    rows, cols = _block_levels(func, A, block_shape)
    return _levels(func, A, rows, cols, True, "doubly block circulant matrix")


def is_multilevel_toeplitz(A: Any, row_shape: Any, col_shape: Any) -> StructureCheck:
    r"""Is ``A`` an N-level Toeplitz matrix over ``row_shape x col_shape`` (outermost level first)?

    Rows index ``row_shape`` and columns ``col_shape`` row-major; each level ``a`` must be
    shift invariant: ``A[r, c] == A[r + e_a, c + e_a]``.  The matrix of an N-d zero-boundary
    stride-1 correlation is N-level Toeplitz over ``(output_shape, input_shape)``.

    Examples
    --------
    >>> A = conv_matrix(np.arange(1, 9).reshape(2, 2, 2), (3, 3, 4))
    >>> bool(is_multilevel_toeplitz(A, (2, 2, 3), (3, 3, 4)))
    True
    >>> bool(is_multilevel_toeplitz(conv_matrix(np.ones((2, 2, 2), dtype=int), (3, 3, 4), stride=(1, 1, 2)),
    ...                             (2, 2, 2), (3, 3, 4)))
    False
    """
    return _levels("is_multilevel_toeplitz", A, row_shape, col_shape, False, "multilevel Toeplitz matrix")


def is_multilevel_circulant(A: Any, shape: Any) -> StructureCheck:
    r"""Is ``A`` an N-level circulant over ``shape`` (square levels, outermost first)?

    The matrix of an N-d wrap "same" stride-1 correlation, and :func:`multilevel_circulant`,
    are N-level circulant over ``input_shape``.

    Examples
    --------
    >>> A = multilevel_circulant(np.arange(1, 9).reshape(2, 2, 2), (3, 2, 4))
    >>> bool(is_multilevel_circulant(A, (3, 2, 4))), bool(is_multilevel_circulant(A, (2, 3, 4)))
    (True, False)
    """
    return _levels("is_multilevel_circulant", A, shape, shape, True, "multilevel circulant matrix", ("shape", "shape"))


__all__ = [
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
