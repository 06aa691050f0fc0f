"""Circular convolution as a matrix: :func:`multilevel_circulant`, :func:`doubly_block_circulant`,
and the exact eigenvalues the DFT gives them, :func:`circulant_eigenvalues`."""

from __future__ import annotations

__all__ = ["EIGEN_LIMIT", "multilevel_circulant", "doubly_block_circulant", "circulant_eigenvalues"]

import math
from typing import Any

import numpy as np

from .._arith import as_operand
from .._assemble import assemble, matrix_weights, triplets
from .._validation import fail
from ..spec import ConvSpec, check_cells, plain_spec
from .builders import _format, _input_shape

#: Largest exact DFT :func:`circulant_eigenvalues` computes: ``prod(shape) * sum(shape)`` terms.
EIGEN_LIMIT = 10**5


def multilevel_circulant(w: Any, input_shape: Any, *, format: str = "dense"):
    r"""The N-level circulant of N-d circular *convolution*: ``y[i] = sum_m w[m] x[(i - m) mod n]``.

    The kernel is anchored at index 0 and wrapped onto the input (taps past ``n`` add onto
    ``m mod n``); the matrix is square, ``prod(input_shape)`` on a side, and its first column
    is the zero-padded, wrapped kernel.  It equals ``conv_matrix(np.flip(w), input_shape,
    mode=[(k - 1, 0) per axis], boundary="wrap")``, i.e. ``convolve(x, w, mode=[(k-1, 0), ...],
    boundary="wrap")`` (the wrap "same" correlation matrix is the same circulant rotated).  The
    DFT diagonalises it: see :func:`circulant_eigenvalues`.

    Parameters
    ----------
    w : array_like
        The kernel, any rank and size (taps past ``input_shape`` wrap onto ``m mod n``).  Integer,
        ``Fraction`` and SymPy entries stay exact, as in :func:`conv_matrix`.
    input_shape : tuple of int
        Shape of the inputs ``x`` (same rank as ``w``): the sizes of the circulant's levels,
        outermost first.
    format : {"dense", "sparse", "sympy"}
        As in :func:`conv_matrix`.

    Returns
    -------
    matrix
        Square, ``prod(input_shape)`` on a side, in the format asked for; ``C @ x.ravel()`` is the
        circular convolution of ``x`` with ``w``, ravelled row-major.

    See Also
    --------
    doubly_block_circulant : the 2-D case, by name.
    circulant_eigenvalues : its eigenvalues, the DFT of its first column.
    is_multilevel_circulant : checks the structure.
    conv_matrix : the matrix of any correlation, circulant for ``boundary="wrap"`` and "same".

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
    >>> import numpy as np
    >>> from refconv import multilevel_circulant
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

    Parameters
    ----------
    w : array_like
        A 2-D kernel (:func:`multilevel_circulant` takes any rank).
    input_shape : tuple of int
        ``(n0, n1)``: ``n0 x n0`` blocks, each ``n1 x n1``.
    format : {"dense", "sparse", "sympy"}
        As in :func:`conv_matrix`.

    Returns
    -------
    matrix
        Square, ``n0 * n1`` on a side: ``multilevel_circulant(w, input_shape, format=format)``.

    See Also
    --------
    multilevel_circulant : the same matrix for any rank.
    is_doubly_block_circulant : checks the structure.
    circulant_eigenvalues : its eigenvalues, exactly.

    Examples
    --------
    >>> from refconv import doubly_block_circulant, is_doubly_block_circulant, multilevel_circulant
    >>> C = doubly_block_circulant([[1, 2], [3, 4]], (2, 3))
    >>> C
    array([[1, 0, 2, 3, 0, 4],
           [2, 1, 0, 4, 3, 0],
           [0, 2, 1, 0, 4, 3],
           [3, 0, 4, 1, 0, 2],
           [4, 3, 0, 2, 1, 0],
           [0, 4, 3, 0, 2, 1]])
    >>> bool(is_doubly_block_circulant(C, (3, 3))), bool((C == multilevel_circulant([[1, 2], [3, 4]], (2, 3))).all())
    (True, True)
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

    Returns
    -------
    numpy.ndarray
        Shape ``input_shape``: ``lam[k]`` the eigenvalue of eigenvector ``v_k``; an object array of
        expanded SymPy expressions when exact, else complex.

    Raises
    ------
    ValueError
        ``exact=True`` with a float ``w``, or past :data:`EIGEN_LIMIT` terms; a bad ``input_shape``.
    TypeError
        ``exact`` not a bool or None; a non-numeric ``w``.

    See Also
    --------
    multilevel_circulant : the matrix these are the eigenvalues of.
    numpy.fft.fftn : what ``exact=False`` computes, on the first column.

    Notes
    -----
    The first column is read off the same triplets as the matrix, so ``c`` is the matrix's
    column, not a second formula.  For ``n = 3``, ``w = [a, b, c]``::

        lam_k = a + b * omega**(-k) + c * omega**(-2k),    omega = exp(2 pi i / 3)

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import circulant_eigenvalues, multilevel_circulant
    >>> circulant_eigenvalues([1, 2, 3], (3,))
    array([6, -3/2 + sqrt(3)*I/2, -3/2 - sqrt(3)*I/2], dtype=object)
    >>> np.round(circulant_eigenvalues([1, 2, 3], (3,), exact=False), 6)
    array([ 6. +0.j      , -1.5+0.866025j, -1.5-0.866025j])
    >>> circulant_eigenvalues([[1, 2], [3, 4]], (2, 2))        # real: a symmetric matrix
    array([[10, -2],
           [-4, 0]], dtype=object)

    Cross-check ``C v_k == lam_k v_k`` with ``n = 4``, whose roots of unity are ``1, I, -1, -I``:

    >>> import sympy
    >>> lam = circulant_eigenvalues([1, 2, 3], (4,))
    >>> lam.tolist()
    [6, -2 - 2*I, 2, -2 + 2*I]
    >>> v1 = np.array([sympy.I**j for j in range(4)], dtype=object)
    >>> C = multilevel_circulant([1, 2, 3], (4,))
    >>> [sympy.expand(e) for e in C @ v1] == [sympy.expand(lam[1] * e) for e in v1]
    True
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
