"""Structure predicates: is a matrix (multi-level) Toeplitz or circulant, and if not, which pair of
entries says so (:class:`StructureCheck`)."""

from __future__ import annotations

__all__ = [
    "StructureCheck",
    "is_toeplitz",
    "is_circulant",
    "is_doubly_block_toeplitz",
    "is_doubly_block_circulant",
    "is_multilevel_toeplitz",
    "is_multilevel_circulant",
]

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import fail, shape_tuple


@dataclass(frozen=True)
class StructureCheck:
    """The answer of a structure predicate: truthy iff the structure holds.

    Parameters
    ----------
    holds : bool
        Whether the matrix has the structure.
    structure : str
        What was checked, e.g. ``"Toeplitz matrix"`` or ``"doubly block circulant matrix"``.
    why : str, default ""
        Empty when it holds; otherwise the reason, naming the first offending pair of entries
        (first in row-major order of its first entry) or the shape that rules it out.
    pair : tuple or None, default None
        ``((i, j), (i2, j2))``, the two entries the structure needs equal.
    values : tuple or None, default None
        Their values ``(A[i, j], A[i2, j2])``.

    See Also
    --------
    is_toeplitz, is_circulant : the 1-level predicates that return it.
    is_multilevel_toeplitz, is_multilevel_circulant : the N-level ones.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import is_toeplitz
    >>> check = is_toeplitz(np.array([[1, 2], [3, 5]]))
    >>> bool(check), check.structure, check.pair, [int(v) for v in check.values]   # values: the matrix's scalars
    (False, 'Toeplitz matrix', ((0, 0), (1, 1)), [1, 5])
    >>> check.why
    'A[0, 0] = 1 but A[1, 1] = 5; a Toeplitz matrix needs them equal'
    >>> bool(is_toeplitz(np.array([[1, 2], [3, 1]])))
    True
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


def _level_shapes(
    func: str, shape: tuple[int, int], row_shape: Any, col_shape: Any, names: tuple[str, str]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``row_shape`` and ``col_shape`` checked against each other and against ``A.shape``."""
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
    return row_shape, col_shape


def _levels(
    func: str, A: Any, row_shape: Any, col_shape: Any, cyclic: bool, name: str, names=("row_shape", "col_shape")
) -> StructureCheck:
    """Shift invariance along every level: ``A[r, c] == A[r + e_a, c + e_a]`` (mod n if cyclic).

    ``names`` are the caller's parameter names for ``row_shape`` and ``col_shape``, for messages."""
    shape, r, c, v = _nonzero_entries(func, A)
    row_shape, col_shape = _level_shapes(func, shape, row_shape, col_shape, names)
    if cyclic:
        for a, (p, q) in enumerate(zip(row_shape, col_shape)):
            if p != q:
                return StructureCheck(
                    False, name, f"level {a} has {p} rows but {q} columns; a circulant level must be square"
                )
    best = _first_mismatch(shape[1], r, c, v, row_shape, col_shape, cyclic)
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


def _first_mismatch(
    n_cols: int,
    r: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    row_shape: tuple[int, ...],
    col_shape: tuple[int, ...],
    cyclic: bool,
) -> tuple | None:
    """``(flat index, level, pair, values)`` of the first pair of entries one level's shift finds
    unequal, first in row-major order of its first entry (then the outer level); None if none."""
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
    return best


def is_toeplitz(A: Any) -> StructureCheck:
    r"""Is ``A`` Toeplitz: ``A[i, j] == A[i + 1, j + 1]`` (every diagonal constant)?  Any shape.

    Parameters
    ----------
    A : array_like, scipy.sparse array or matrix, or sympy.Matrix
        The matrix, 2-D: a NumPy array (numeric or object), a ``scipy.sparse`` array/matrix or a
        SymPy matrix; symbolic entries compare structurally, and NaN equals NaN.

    Returns
    -------
    StructureCheck
        Truthy iff the structure holds; otherwise ``.why`` names the first pair of entries that
        differ (``.pair``, ``.values``) or the shape that rules it out.

    See Also
    --------
    is_circulant : Toeplitz and also wrapped around.
    is_doubly_block_toeplitz, is_multilevel_toeplitz : the same shift invariance on 2 or N levels.
    conv_matrix : whose 1-D zero-boundary stride-1 matrices are Toeplitz.

    Notes
    -----
    ::

        [ a b c d ]
        [ e a b c ]      each row is the row above shifted right by one
        [ f e a b ]

    Examples
    --------
    >>> from refconv import conv_matrix, is_toeplitz
    >>> bool(is_toeplitz(conv_matrix([1, 2, 3], (6,))))
    True
    >>> check = is_toeplitz(conv_matrix([1, 2, 3], (6,), stride=2))      # rows shift by 2
    >>> bool(check), check.why
    (False, 'A[0, 0] = 1 but A[1, 1] = 0; a Toeplitz matrix needs them equal')

    Sparse and SymPy matrices give the same answer as the dense one:

    >>> bool(is_toeplitz(conv_matrix([1, 2, 3], (6,), format="sparse")))
    True
    >>> bool(is_toeplitz(conv_matrix([1, 2, 3], (6,), stride=2, format="sympy")))
    False
    """
    func = "is_toeplitz"
    shape = _shape_of(func, A)
    return _levels(func, A, (shape[0],), (shape[1],), False, "Toeplitz matrix")


def is_circulant(A: Any) -> StructureCheck:
    r"""Is ``A`` circulant: square with ``A[i, j] == A[(i + 1) % n, (j + 1) % n]``?

    Parameters
    ----------
    A : array_like, scipy.sparse array or matrix, or sympy.Matrix
        The matrix, 2-D: a NumPy array (numeric or object), a ``scipy.sparse`` array/matrix or a
        SymPy matrix; symbolic entries compare structurally, and NaN equals NaN.

    Returns
    -------
    StructureCheck
        Truthy iff the structure holds; otherwise ``.why`` names the first pair of entries that
        differ (``.pair``, ``.values``) or the shape that rules it out.

    See Also
    --------
    is_toeplitz : the same without the wrap-around.
    is_doubly_block_circulant, is_multilevel_circulant : circulant on 2 or N levels.
    multilevel_circulant : circular convolution's matrix.

    Notes
    -----
    ::

        [ a b c ]
        [ c a b ]      each row is the row above rotated right by one
        [ b c a ]

    Examples
    --------
    >>> from refconv import conv_matrix, is_circulant
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
    correlation it is ``(out[1], input_shape[1])``.  The same as
    ``is_multilevel_toeplitz(A, (m // p, p), (n // q, q))`` for ``A.shape == (m, n)``.

    Parameters
    ----------
    A : array_like, scipy.sparse array or matrix, or sympy.Matrix
        The matrix, 2-D: a NumPy array (numeric or object), a ``scipy.sparse`` array/matrix or a
        SymPy matrix; symbolic entries compare structurally, and NaN equals NaN.
    block_shape : tuple of int
        ``(p, q)``: the shape of one block; it must divide ``A.shape``.

    Returns
    -------
    StructureCheck
        Truthy iff the structure holds; otherwise ``.why`` names the first pair of entries that
        differ (``.pair``, ``.values``) or the shape that rules it out.

    See Also
    --------
    is_toeplitz : one level.
    is_doubly_block_circulant : both levels wrapped around.
    is_multilevel_toeplitz : N levels.

    Notes
    -----
    ::

        [ T0 T1 T2 ]
        [ T3 T0 T1 ]      every Ti Toeplitz, e.g. T0 = [ a b . ]
        [ T4 T3 T0 ]                                  [ c a b ]

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import conv_matrix, is_circulant, is_doubly_block_toeplitz, is_multilevel_toeplitz
    >>> A = conv_matrix(np.ones((2, 2), dtype=int), (3, 4))          # 2x3 outputs, 3x4 inputs
    >>> bool(is_doubly_block_toeplitz(A, (3, 4))), bool(is_circulant(A))
    (True, False)
    >>> bool(is_multilevel_toeplitz(A, (2, 3), (3, 4)))
    True
    >>> is_doubly_block_toeplitz(A, (2, 6)).why        # output (0, 0) reads cell 4; output (0, 2) not cell 10
    'A[0, 4] = 1 but A[2, 10] = 0 (level 0, outermost 0); a doubly block Toeplitz matrix needs them equal'
    """
    func = "is_doubly_block_toeplitz"
    rows, cols = _block_levels(func, A, block_shape)
    return _levels(func, A, rows, cols, False, "doubly block Toeplitz matrix")


def is_doubly_block_circulant(A: Any, block_shape: Any) -> StructureCheck:
    r"""Is ``A`` doubly block circulant: a circulant grid of square blocks, each circulant?

    ``block_shape = (p, p)``: for a 2-D wrap correlation ("same") or :func:`doubly_block_circulant`
    it is ``(input_shape[1],) * 2``.

    Parameters
    ----------
    A : array_like, scipy.sparse array or matrix, or sympy.Matrix
        The matrix, 2-D: a NumPy array (numeric or object), a ``scipy.sparse`` array/matrix or a
        SymPy matrix; symbolic entries compare structurally, and NaN equals NaN.
    block_shape : tuple of int
        ``(p, q)``: the shape of one block; it must divide ``A.shape``.

    Returns
    -------
    StructureCheck
        Truthy iff the structure holds; otherwise ``.why`` names the first pair of entries that
        differ (``.pair``, ``.values``) or the shape that rules it out.

    See Also
    --------
    is_circulant : one level.
    is_doubly_block_toeplitz : without the wrap-around.
    doubly_block_circulant : 2-D circular convolution's matrix.

    Notes
    -----
    ::

        [ C0 C1 C2 ]
        [ C2 C0 C1 ]      every Ci circulant, e.g. C0 = [ a b c ]
        [ C1 C2 C0 ]                                   [ c a b ]
                                                       [ b c a ]

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import conv_matrix, is_doubly_block_circulant
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

    Parameters
    ----------
    A : array_like, scipy.sparse array or matrix, or sympy.Matrix
        The matrix, 2-D: a NumPy array (numeric or object), a ``scipy.sparse`` array/matrix or a
        SymPy matrix; symbolic entries compare structurally, and NaN equals NaN.
    row_shape : tuple of int
        The levels of the rows, outermost first; their product is ``A.shape[0]``.
    col_shape : tuple of int
        The levels of the columns, as many as ``row_shape``; their product is ``A.shape[1]``.

    Returns
    -------
    StructureCheck
        Truthy iff the structure holds; otherwise ``.why`` names the first pair of entries that
        differ (``.pair``, ``.values``) or the shape that rules it out.

    See Also
    --------
    is_toeplitz, is_doubly_block_toeplitz : 1 and 2 levels.
    is_multilevel_circulant : every level wrapped around.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import conv_matrix, is_multilevel_toeplitz
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

    Parameters
    ----------
    A : array_like, scipy.sparse array or matrix, or sympy.Matrix
        The matrix, 2-D: a NumPy array (numeric or object), a ``scipy.sparse`` array/matrix or a
        SymPy matrix; symbolic entries compare structurally, and NaN equals NaN.
    shape : tuple of int
        The levels of both rows and columns, outermost first; ``A`` is square with side
        ``prod(shape)``.

    Returns
    -------
    StructureCheck
        Truthy iff the structure holds; otherwise ``.why`` names the first pair of entries that
        differ (``.pair``, ``.values``) or the shape that rules it out.

    See Also
    --------
    is_circulant, is_doubly_block_circulant : 1 and 2 levels.
    is_multilevel_toeplitz : without the wrap-around.
    multilevel_circulant : N-d circular convolution's matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import conv_matrix, is_multilevel_circulant, multilevel_circulant
    >>> A = multilevel_circulant(np.arange(1, 9).reshape(2, 2, 2), (3, 2, 4))
    >>> bool(is_multilevel_circulant(A, (3, 2, 4))), bool(is_multilevel_circulant(A, (2, 3, 4)))
    (True, False)
    >>> B = conv_matrix(np.arange(1, 9).reshape(2, 2, 2), (3, 2, 4), mode="same", boundary="wrap")
    >>> bool(is_multilevel_circulant(B, (3, 2, 4)))
    True
    """
    return _levels("is_multilevel_circulant", A, shape, shape, True, "multilevel circulant matrix", ("shape", "shape"))
