"""The data behind the matrix pictures of §9.1: convolution as a Toeplitz / doubly block matrix.

Each function builds a small matrix of SymPy symbols with refconv's own builders and asks the
structure predicate of :mod:`refconv.matrices` whether it has the structure the seed names.
"""

from __future__ import annotations

__all__ = ["MatrixPicture", "toeplitz_data", "doubly_block_toeplitz_data", "doubly_block_circulant_data"]

from typing import Any, NamedTuple

import numpy as np

from ..matrices import (
    StructureCheck,
    conv_matrix,
    doubly_block_circulant,
    is_doubly_block_circulant,
    is_doubly_block_toeplitz,
    is_toeplitz,
)
from ..spec import output_shape
from ._common import labels, symbols


class MatrixPicture(NamedTuple):
    """A symbolic matrix of §9.1, its labels, block shape and the structure predicate's verdict.

    Parameters
    ----------
    matrix : sympy.ImmutableMatrix
        The matrix, from :func:`refconv.conv_matrix` or :func:`refconv.doubly_block_circulant`
        with ``format="sympy"``.
    kernel : numpy.ndarray
        The kernel of symbols it was built from.
    input_shape : tuple of int
        The input's shape.
    labels : numpy.ndarray
        The entries as strings, ``""`` for the zeros.
    block_shape : tuple of (int, int) or None
        The shape of one block (``None`` for the 1-D Toeplitz matrix).
    structure : StructureCheck
        The structure predicate's verdict, truthy when the structure holds.

    See Also
    --------
    toeplitz_data : the 1-D picture.
    doubly_block_toeplitz_data : the 2-D zero-boundary picture.
    doubly_block_circulant_data : the 2-D circular picture.

    Examples
    --------
    >>> d = toeplitz_data()
    >>> d.matrix.shape, d.input_shape, d.block_shape, d.structure.structure
    ((4, 6), (6,), None, 'Toeplitz matrix')
    """

    matrix: Any
    kernel: np.ndarray
    input_shape: tuple[int, ...]
    labels: np.ndarray
    block_shape: tuple[int, int] | None
    structure: StructureCheck


def toeplitz_data() -> MatrixPicture:
    """§9.1: the matrix of a 1-D "valid" correlation with kernel ``a b c`` on 6 inputs is Toeplitz.

    Returns
    -------
    MatrixPicture
        The 4x6 matrix and :func:`refconv.is_toeplitz`'s verdict.

    See Also
    --------
    refconv.conv_matrix : builds the matrix.
    refconv.is_toeplitz : the verdict.

    Examples
    --------
    >>> d = toeplitz_data()
    >>> d.labels[1].tolist(), bool(d.structure)
    (['', 'a', 'b', 'c', '', ''], True)

    Each row is the row above shifted right by one:

    >>> d.labels[0, :-1].tolist() == d.labels[1, 1:].tolist()
    True
    """
    w = symbols("a b c", (3,))
    A = conv_matrix(w, (6,), format="sympy")
    return MatrixPicture(A, w, (6,), labels(A), None, is_toeplitz(A))


def doubly_block_toeplitz_data() -> MatrixPicture:
    """§9.1: 2-D "valid" correlation (kernel ``[[a, b], [c, d]]``, 3x4 input) is doubly block Toeplitz.

    Returns
    -------
    MatrixPicture
        The 6x12 matrix in 3x4 blocks (one output row against one input row) and
        :func:`refconv.is_doubly_block_toeplitz`'s verdict.

    See Also
    --------
    refconv.conv_matrix : builds the matrix.
    refconv.is_doubly_block_toeplitz : the verdict.

    Examples
    --------
    >>> d = doubly_block_toeplitz_data()
    >>> d.matrix.shape, d.block_shape, bool(d.structure)
    ((6, 12), (3, 4), True)
    >>> d.labels[0, :6].tolist()
    ['a', 'b', '', '', 'c', 'd']
    """
    w = symbols("a b c d", (2, 2))
    shape = (3, 4)
    A = conv_matrix(w, shape, format="sympy")
    # Blocks: one output row (out[1] rows) against one input row (shape[1] columns).
    block = (output_shape(shape, w.shape)[1], shape[1])
    return MatrixPicture(A, w, shape, labels(A), block, is_doubly_block_toeplitz(A, block))


def doubly_block_circulant_data() -> MatrixPicture:
    """§9.1: "In two dimensions, a doubly block circulant matrix corresponds to convolution."

    :func:`refconv.doubly_block_circulant` of ``[[a, b], [c, d]]`` on a 3x3 input.

    Returns
    -------
    MatrixPicture
        The 9x9 matrix in 3x3 blocks and :func:`refconv.is_doubly_block_circulant`'s verdict.

    See Also
    --------
    refconv.doubly_block_circulant : builds the matrix.
    refconv.is_doubly_block_circulant : the verdict.

    Examples
    --------
    >>> d = doubly_block_circulant_data()
    >>> d.labels[0].tolist(), bool(d.structure)
    (['a', '', 'b', '', '', '', 'c', '', 'd'], True)
    """
    w = symbols("a b c d", (2, 2))
    shape = (3, 3)
    A = doubly_block_circulant(w, shape, format="sympy")
    block = (shape[1], shape[1])
    return MatrixPicture(A, w, shape, labels(A), block, is_doubly_block_circulant(A, block))
