"""The assembler: the (row, column, tap) triplets of a convolution's matrix, and the matrix.

One geometry, three formats.  Every entry of the matrix of a correlation is ``w[tap]`` at row
``output`` and column ``input cell``, where the input cell is the one :func:`refconv._taps.gather_index`
says the output reads through the tap; this module enumerates those triplets once and builds
the dense (NumPy), sparse (``scipy.sparse`` CSR, or SymPy for exact objects) or SymPy matrix
from them.  It sits below :mod:`refconv.methods` (whose dense and sparse methods multiply by
these matrices) and :mod:`refconv.matrices` (the public builders), so neither imports the other.

Dense and SymPy matrices are refused before anything is allocated past
:data:`refconv.spec.DENSE_LIMIT` and :data:`refconv.spec.SYMPY_LIMIT` entries.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import spec as _spec
from ._arith import convert, domain
from ._taps import FILL, gather_index
from ._validation import fail
from .spec import ConvSpec, check_cells

__all__ = ["assemble", "axis_counts", "matrix_weights", "triplets"]


def _spatial_cells(spec: ConvSpec) -> tuple[np.ndarray, np.ndarray]:
    """``(P_out, K)`` ravelled input cell read by each output through each tap, and a mask.

    The N-d index is the per-axis :func:`gather_index` broadcast over an ``(O_1..O_N, K_1..K_N)``
    grid and ravelled row-major, so rows come out sorted and, under a zero boundary, the
    columns of a row increase with the tap.  Cells that hold the fill value are masked out.
    """
    nd = spec.ndim
    cols = np.zeros((1,) * (2 * nd), dtype=np.int64)
    valid = np.ones((1,) * (2 * nd), dtype=bool)
    for a, g in enumerate(spec.axes):
        shape = [1] * (2 * nd)
        shape[a], shape[nd + a] = g.out, g.k
        index = gather_index(g, spec.boundary).astype(np.int64).reshape(shape)
        cols = cols * g.n + index
        valid = valid & (index != FILL)
    full = spec.output_shape + spec.kernel_shape
    p_out, k = math.prod(spec.output_shape), spec.taps
    # Copies: the reshape of a broadcast can be a read-only view, and scipy sorts indices in place.
    return np.array(np.broadcast_to(cols, full).reshape(p_out, k)), np.broadcast_to(valid, full).reshape(p_out, k)


def triplets(spec: ConvSpec, c_out: int, c_in_g: int, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, cols, taps)`` of the layer matrix, ``taps`` indexing ``w.ravel()`` of shape
    ``(c_out, c_in_g, *kernel)``.

    Entries are enumerated over the grid ``(c_out, P_out, c_in_g, K)``: its flat index ``f``
    splits into ``row = f // (c_in_g*K)`` (so rows come out sorted, CSR order) and the input
    channel and tap; under a zero boundary the columns of each row then increase strictly.

    Parameters
    ----------
    spec : ConvSpec
        The geometry (one channel's spatial axes).
    c_out : int
        Output channels.
    c_in_g : int
        Input channels per group.
    groups : int
        Groups; ``c_out`` is a multiple of it and the matrix has ``c_in_g * groups`` input channels.

    Returns
    -------
    rows, cols, taps : numpy.ndarray
        Equal-length integer arrays: entry ``k`` is ``w.ravel()[taps[k]]`` at ``(rows[k], cols[k])``.
        Taps that read a fill cell are left out; taps that read the same cell (a copying
        boundary) repeat the pair, to be summed.

    See Also
    --------
    assemble : the matrix built from them.
    axis_counts : how many distinct pairs they hold, without enumerating them.

    Examples
    --------
    A 2-tap kernel on 4 cells ("valid": 3 outputs): output ``o`` reads cells ``o`` and ``o+1``
    through taps 0 and 1.

    >>> from refconv.spec import plain_spec
    >>> rows, cols, taps = triplets(plain_spec("f", (4,), (2,)), 1, 1, 1)
    >>> rows.tolist(), cols.tolist(), taps.tolist()
    ([0, 0, 1, 1, 2, 2], [0, 1, 1, 2, 2, 3], [0, 1, 0, 1, 0, 1])
    """
    cols2, valid2 = _spatial_cells(spec)
    p_out, k = cols2.shape
    p_in = math.prod(spec.input_shape)
    per_row = c_in_g * k
    if c_out == c_in_g == 1:
        if valid2.all():  # every tap reads a real cell ("valid", or a copying boundary): no mask to apply
            return np.repeat(np.arange(p_out), k), cols2.ravel(), np.tile(np.arange(k), p_out)
        flat = np.flatnonzero(valid2)
        return flat // k, cols2.ravel()[flat], flat % k
    mask = np.broadcast_to(valid2[None, :, None, :], (c_out, p_out, c_in_g, k))
    flat = np.arange(mask.size) if valid2.all() else np.flatnonzero(mask)
    rows, rest = np.divmod(flat, per_row)
    ci, t = np.divmod(rest, k)
    co, o = np.divmod(rows, p_out)
    cols = ((co // (c_out // groups)) * c_in_g + ci) * p_in + cols2[o, t]
    return rows, cols, (co * c_in_g + ci) * k + t


def axis_counts(spec: ConvSpec) -> tuple[int, int]:
    """Structural nnz of the single-channel matrix, and its number of non-empty rows.

    Entry ``(o, c)`` is stored iff on every axis some tap connects ``o_a`` to ``c_a``, so both
    counts are products of per-axis counts: no matrix is built.

    Parameters
    ----------
    spec : ConvSpec
        The geometry.

    Returns
    -------
    nnz, rows : int
        The stored entries (distinct ``(output, input cell)`` pairs) and the rows holding any.

    See Also
    --------
    triplets : the pairs themselves, repeated where two taps read one cell.
    refconv.conv_cost : reports ``nnz`` as ``sparse_nnz``.

    Examples
    --------
    >>> from refconv.spec import plain_spec
    >>> axis_counts(plain_spec("f", (4,), (2,)))  # 6 stored entries on 3 non-empty rows
    (6, 3)
    >>> axis_counts(plain_spec("f", (2,), (3,), mode="same", boundary="wrap"))  # taps 0 and 2 read one cell
    (4, 2)
    """
    nnz = rows = 1
    for g in spec.axes:
        s = np.sort(gather_index(g, spec.boundary), axis=1)
        real = s != FILL
        new = np.ones_like(real)
        new[:, 1:] = s[:, 1:] != s[:, :-1]
        nnz *= int((new & real).sum())
        rows *= int(real.any(axis=1).sum())
    return nnz, rows


def matrix_weights(func: str, w: np.ndarray) -> tuple[np.ndarray, str]:
    """``w`` in the matrix's arithmetic: the no-overflow rule of :mod:`refconv._arith` with
    ``max|x| = 1``, since every entry is a sum of distinct taps.

    Parameters
    ----------
    func : str
        The public function's name, for messages.
    w : numpy.ndarray
        The kernel, as :func:`refconv._arith.as_operand` returns it.

    Returns
    -------
    w : numpy.ndarray
        Converted: int64, Python ints or exact objects (object dtype), or floats in ``w``'s dtype.
    kind : str
        The arithmetic :func:`refconv._arith.domain` names: "float", "int64" or "object".

    See Also
    --------
    assemble : takes both.

    Examples
    --------
    >>> import numpy as np
    >>> w, kind = matrix_weights("f", np.array([1, 2], dtype=np.int8))
    >>> w.dtype, kind
    (dtype('int64'), 'int64')
    >>> matrix_weights("f", np.array([2**62, 2**62]))[1]            # their sum passes int64
    'object'
    """
    kind = domain(func, {"x": np.ones(1, dtype=np.int64), "w": w})
    return convert(w, kind, w.dtype if kind == "float" else None), kind


def _guard(func: str, fmt: str, spec: ConvSpec, shape: tuple[int, int], channels: int, dtype, method: bool) -> None:
    """Refuse a dense or SymPy matrix past the documented limit, before allocating anything.

    ``method``: the caller is ``method="dense"`` of correlate/convolve, so the message names
    ``method`` rather than ``format``."""
    if fmt == "sparse":
        return
    m, n = shape
    entries = m * n
    limit, name = (_spec.DENSE_LIMIT, "DENSE_LIMIT") if fmt == "dense" else (_spec.SYMPY_LIMIT, "SYMPY_LIMIT")
    if entries <= limit:
        return
    itemsize = np.dtype(dtype).itemsize
    if fmt == "dense" and np.dtype(dtype).kind != "O":
        what = f"{entries * itemsize:,} bytes of {np.dtype(dtype)}"
    else:
        what = f"at least {entries * 8:,} bytes of object pointers"
    nnz = axis_counts(spec)[0] * channels
    param, alternative = ("method", 'method="sparse" or "direct"') if method else ("format", 'format="sparse"')
    raise fail(
        func,
        param,
        fmt,
        f"would build a {m:,} x {n:,} matrix of {entries:,} entries ({what}), over the limit of "
        f"{limit:,} entries (refconv.spec.{name})",
        f"{alternative}, which stores {nnz:,} entries, or a smaller input",
    )


def assemble(func: str, spec: ConvSpec, w: np.ndarray, kind: str, groups: int, fmt: str, method: bool = False):
    """The matrix of ``spec`` with layer-form weights ``w`` ``(c_out, c_in_g, *kernel)``.

    The index tables are sized first (:func:`refconv.spec.check_cells`), then a dense or SymPy
    matrix past its limit is refused, all before anything large is allocated.

    Parameters
    ----------
    func : str
        The public function's name, for messages.
    spec : ConvSpec
        The geometry.
    w : numpy.ndarray
        Layer-form weights, already converted by :func:`matrix_weights`.
    kind : str
        The arithmetic :func:`matrix_weights` returned.
    groups : int
        Groups, as in :func:`triplets`.
    fmt : {"dense", "sparse", "sympy"}
        The format.
    method : bool, default False
        The caller is ``method="dense"|"sparse"`` of correlate/convolve: messages name ``method``.

    Returns
    -------
    matrix
        A NumPy array, a ``scipy.sparse.csr_array`` (SymPy ``ImmutableSparseMatrix`` for exact
        objects) or a SymPy ``ImmutableMatrix``, of shape ``(c_out * prod(out), c_in_g * groups *
        prod(input))``; taps that read one cell are summed.

    See Also
    --------
    triplets : the entries.
    refconv.conv_matrix, refconv.layer_matrix : the public builders.

    Examples
    --------
    The Toeplitz matrix of figure 9.1's 1-D analogue, kernel ``[1, 10]`` on 4 cells:

    >>> import numpy as np
    >>> from refconv.spec import plain_spec
    >>> assemble("f", plain_spec("f", (4,), (2,)), np.array([[[1, 10]]]), "int64", 1, "dense").tolist()
    [[1, 10, 0, 0], [0, 1, 10, 0], [0, 0, 1, 10]]
    >>> S = assemble("f", plain_spec("f", (4,), (2,)), np.array([[[1, 10]]]), "int64", 1, "sparse")
    >>> S.nnz, S.toarray().tolist()                                # the same entries, 6 stored
    (6, [[1, 10, 0, 0], [0, 1, 10, 0], [0, 0, 1, 10]])
    """
    c_out, c_in_g = w.shape[:2]
    shape = (c_out * math.prod(spec.output_shape), c_in_g * groups * math.prod(spec.input_shape))
    # Every format is built from (row, column, tap) index tables of this shape: size them first.
    name, value = ("method", fmt) if method else ("input_shape", spec.input_shape)
    check_cells(func, name, value, "an index table (outputs x taps)", (shape[0], c_in_g * spec.taps), w.size)
    _guard(func, fmt, spec, shape, c_out * c_in_g, w.dtype, method)
    rows, cols, taps = triplets(spec, c_out, c_in_g, groups)
    data = w.ravel()[taps]
    merge = spec.boundary != "constant"  # only a copying boundary lets two taps read one cell
    if fmt == "sparse":
        if kind == "object":
            return _sympy_sparse(shape, rows, cols, data)
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
        matrix = sp.csr_array((data, cols, indptr), shape=shape)
        if merge:
            matrix.sum_duplicates()
        return matrix
    dense = np.zeros(shape, dtype=w.dtype)
    if merge:
        np.add.at(dense, (rows, cols), data)
    else:
        dense[rows, cols] = data
    if fmt == "dense":
        return dense
    import sympy

    return sympy.ImmutableMatrix(dense.tolist())


def _sympy_sparse(shape, rows, cols, data):
    """SymPy's sparse matrix from triplets, duplicates summed (scipy.sparse holds no objects)."""
    import sympy

    entries: dict[tuple[int, int], Any] = {}
    for r, c, v in zip(rows.tolist(), cols.tolist(), data):
        key = (r, c)
        entries[key] = entries[key] + v if key in entries else v
    return sympy.ImmutableSparseMatrix(shape[0], shape[1], {k: sympy.sympify(v) for k, v in entries.items()})
