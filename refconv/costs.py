"""Figure 9.6's arithmetic for any shapes: what a convolution costs next to its matrix.

The seed (figure 9.6): a 280x320 image and the kernel ``[-1, 1]`` give a 280x319 output for
``319 x 280 x 3 = 267,960`` floating point operations; the same map as a dense matrix has
``320 x 280 x 319 x 280`` (over eight billion) entries, *four billion times* the two
parameters, and its product takes over sixteen billion operations, *roughly 60,000 times*
more; stored sparsely it has ``2 x 319 x 280 = 178,640`` entries and costs what convolution
costs.  :func:`conv_cost` computes each of these numbers from the one geometry.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

from ._assemble import axis_counts
from .spec import check_cells, plain_spec

__all__ = ["ConvCost", "conv_cost"]


class ConvCost(NamedTuple):
    """The costs of one correlation (or convolution) and of its matrix, as :func:`conv_cost` counts them.

    All counts are exact ints and the ratios exact Fractions.  ``m`` is the number of outputs,
    ``n`` of inputs and ``k`` of kernel taps.

    Parameters
    ----------
    output_shape : tuple of int
        As :func:`refconv.output_shape`.
    multiplies : int
        ``m * k``: every output multiplies every tap (padded cells included), as the seed counts.
    additions : int
        ``m * (k - 1)``: adding up each output's ``k`` products.
    flops : int
        ``multiplies + additions``, the direct algorithm's floating point operations.
    parameters : int
        ``k = prod(kernel_shape)``: the shared weights.
    dense_entries : int
        ``m * n``: the entries of the dense ``m x n`` matrix.
    dense_flops : int
        ``m * (2n - 1)``: the straightforward dense product, ``n`` multiplications and ``n - 1``
        additions per row.
    sparse_nnz : int
        The stored entries of :func:`refconv.conv_matrix` ``(..., format="sparse")`` (two taps
        reading one cell share an entry; padded zeros are not stored).
    sparse_flops : int
        ``2 * sparse_nnz - (non-empty rows)``: one multiplication per entry and one addition per
        entry after a row's first.  In "valid" mode it equals ``flops``: "both matrix
        multiplication and convolution would require the same number of floating point operations".
    representation_ratio : fractions.Fraction
        ``dense_entries / parameters``: "four billion times more efficient for representing".
    computation_ratio : fractions.Fraction
        ``dense_flops / flops``: "roughly 60,000 times more efficient computationally".

    See Also
    --------
    conv_cost : computes it from shapes and a geometry.

    Examples
    --------
    The kernel ``[1, 1]`` on 3 cells: 2 outputs of 2 products and 1 addition each, a 2x3 dense
    matrix, and 4 stored entries:

    >>> cost = conv_cost((3,), (2,))
    >>> cost.output_shape, cost.multiplies, cost.additions, cost.flops, cost.dense_entries
    ((2,), 4, 2, 6, 6)
    >>> cost.dense_flops == 2 * (2 * 3 - 1), cost.sparse_nnz, cost.sparse_flops == cost.flops
    (True, 4, True)
    >>> from refconv.matrices import conv_matrix
    >>> cost.sparse_nnz == int((conv_matrix([1, 1], (3,)) != 0).sum())
    True
    """

    output_shape: tuple[int, ...]
    multiplies: int
    additions: int
    flops: int
    parameters: int
    dense_entries: int
    dense_flops: int
    sparse_nnz: int
    sparse_flops: int
    representation_ratio: Fraction
    computation_ratio: Fraction


def conv_cost(
    input_shape: Any,
    kernel_shape: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
) -> ConvCost:
    r"""Operation and storage counts of a correlation and of its matrix (figure 9.6, any shapes).

    Parameters
    ----------
    input_shape, kernel_shape : tuple of int
        Shapes of ``x`` and ``w`` (same rank).
    mode, stride, dilation, boundary
        As in :func:`refconv.correlate`; the boundary only changes ``sparse_nnz`` and
        ``sparse_flops`` (two taps reading one cell share a stored entry).

    Returns
    -------
    ConvCost
        The direct algorithm's counts, the dense and sparse matrices' sizes and products, and
        the two ratios of figure 9.6 (each field defined in :class:`ConvCost`).

    See Also
    --------
    ConvCost : the fields and how each is counted.
    refconv.conv_matrix : the matrix whose entries ``dense_entries`` and ``sparse_nnz`` count.
    refconv.correlate : the operation counted.

    Examples
    --------
    Figure 9.6:

    >>> cost = conv_cost((280, 320), (1, 2))
    >>> cost.output_shape, cost.flops, cost.dense_entries, cost.sparse_nnz
    ((280, 319), 267960, 8003072000, 178640)
    >>> cost.dense_flops, cost.computation_ratio, cost.representation_ratio
    (16006054680, Fraction(59733, 1), Fraction(4001536000, 1))
    >>> cost.sparse_flops == cost.flops
    True

    Padding adds multiplications by padded zeros to the direct count, but no stored entries:

    >>> conv_cost((5,), (3,), mode="full")[1:]     # 7 outputs: 7*3, 7*2, ..., 7*5, 7*(2*5-1), 1+2+3+3+3+2+1, 2*15-7
    (21, 14, 35, 3, 35, 63, 15, 23, Fraction(35, 3), Fraction(9, 5))
    """
    func = "conv_cost"
    spec = plain_spec(
        func,
        input_shape,
        kernel_shape,
        mode=mode,
        stride=stride,
        dilation=dilation,
        boundary=boundary,
        names=("input_shape", "kernel_shape"),
    )
    for a, g in enumerate(spec.axes):  # the stored-entry count reads an (outputs x taps) table per axis
        check_cells(func, "input_shape", input_shape, f"an index table on axis {a}", (g.out, g.k))
    outputs = math.prod(spec.output_shape)
    inputs = math.prod(spec.input_shape)
    k = spec.taps
    multiplies, additions = outputs * k, outputs * (k - 1)
    dense_entries, dense_flops = outputs * inputs, outputs * (2 * inputs - 1)
    nnz, rows = axis_counts(spec)
    return ConvCost(
        output_shape=spec.output_shape,
        multiplies=multiplies,
        additions=additions,
        flops=multiplies + additions,
        parameters=k,
        dense_entries=dense_entries,
        dense_flops=dense_flops,
        sparse_nnz=nnz,
        sparse_flops=2 * nnz - rows,
        representation_ratio=Fraction(dense_entries, k),
        computation_ratio=Fraction(dense_flops, multiplies + additions),
    )
