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

from . import structure
from .builders import conv_matrix, layer_matrix
from .circulant import EIGEN_LIMIT, circulant_eigenvalues, doubly_block_circulant, multilevel_circulant
from .structure import *  # noqa: F403  (the predicates: structure.__all__, listed once)

__all__ = [
    "conv_matrix",
    "layer_matrix",
    "multilevel_circulant",
    "doubly_block_circulant",
    "circulant_eigenvalues",
    *structure.__all__,
    "EIGEN_LIMIT",
]
