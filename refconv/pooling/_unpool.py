"""Max unpooling: :func:`max_unpool`, PyTorch's ``max_unpool{1,2,3}d`` at any rank.

The unpooled shape is the input shape of the pooling that the indices came from: the forward
geometry of a transposed convolution (:func:`refconv.spec.transpose_spec`), which is torch's
``(m - 1)*stride - 2*padding + kernel_size``; ``output_size`` may move it by less than a stride,
as torch allows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._arith import as_operand, convert, domain, finish
from .._validation import check_bool, fail, is_int, pad_pairs, shape_tuple
from ..spec import check_cells, transpose_spec

__all__ = ["max_unpool"]


def _unpooled_shape(func: str, x: np.ndarray, kernel_size: Any, stride: Any, padding: Any, output_size: Any) -> tuple:
    """The unpooled lengths of the last ``len(kernel_size)`` axes of ``x``."""
    kernel_size = shape_tuple(func, "kernel_size", kernel_size)
    r = len(kernel_size)
    if x.ndim < r:
        raise fail(func, "kernel_size", kernel_size, f"has {r} entries but x.ndim={x.ndim}", "at most x.ndim lengths")
    spec = transpose_spec(func, x.shape[x.ndim - r :], kernel_size, stride=kernel_size if stride is None else stride)
    # The unpadded transposed length, cropped by the pads (torch's "- 2*padding"): torch lets
    # output_size move a length that the pads alone would take below one.
    pads = pad_pairs(func, "padding", padding, r)
    default = tuple(n - lo - hi for n, (lo, hi) in zip(spec.input_shape, pads))
    if output_size is None:
        for i, (n, m, k, s, (lo, hi)) in enumerate(zip(default, spec.output_shape, kernel_size, spec.stride, pads)):
            if n < 1:
                problem = f"leaves no output on axis {i}: (m-1)*s + k - lo - hi = ({m}-1)*{s} + {k} - {lo} - {hi} = {n}"
                raise fail(func, "padding", padding, problem, "padding small enough for a length >= 1, or output_size")
        return default
    sizes = tuple(output_size.tolist()) if isinstance(output_size, np.ndarray) else output_size
    expected = f"{r} lengths (or {x.ndim}, of which the last {r} are used, as torch's len(kernel_size) + 2)"
    if not isinstance(sizes, (tuple, list)) or not all(is_int(v) for v in sizes):
        raise fail(func, "output_size", output_size, "is not a tuple of ints", expected, TypeError)
    if len(sizes) not in (r, x.ndim):
        raise fail(func, "output_size", output_size, f"has {len(sizes)} entries", expected)
    sizes = tuple(int(v) for v in sizes[len(sizes) - r :])
    for i, (n, d, s) in enumerate(zip(sizes, default, spec.stride)):
        if not d - s < n < d + s:
            problem = f"is {n} on axis {i}, outside the default length {d} -+ stride {s} (exclusive)"
            raise fail(func, "output_size", output_size, problem, f"a length in ({max(d - s, 0)}, {d + s}) (as torch)")
    return sizes


def _checked_indices(func: str, indices: Any, x: np.ndarray, cells: int) -> np.ndarray:
    """``indices`` as int64 of ``x``'s shape, each a cell of the unpooled plane."""
    idx = as_operand(func, "indices", indices)
    if idx.dtype.kind not in "iu" and not (idx.dtype.kind == "O" and all(is_int(v) for v in idx.flat)):
        raise fail(
            func, "indices", indices, f"has dtype {idx.dtype}", "an integer array (max_pool's indices)", TypeError
        )
    if idx.shape != x.shape:
        raise fail(func, "indices", indices, f"has shape {idx.shape} but x.shape={x.shape}", "x's shape")
    if idx.dtype.kind == "O":
        outside = np.array([not 0 <= v < cells for v in idx.flat], dtype=bool).reshape(idx.shape)
    else:
        outside = (idx < 0) | (idx >= cells)
    if outside.any():
        where = np.unravel_index(int(np.argmax(outside)), idx.shape)
        problem = (
            f"holds {int(idx[where])} at {tuple(int(w) for w in where)}, outside the unpooled plane of {cells} cells"
        )
        raise fail(func, "indices", indices, problem, f"flat indices in [0, {cells})")
    return idx.astype(np.int64)


def max_unpool(
    x: Any,
    indices: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
    accumulate: bool = False,
) -> np.ndarray:
    """Max unpooling: each value of ``x`` written to the cell its index names, zeros elsewhere.

    Parameters
    ----------
    x : array_like
        The pooled values, any rank; the last ``len(kernel_size)`` axes are the pooled ones.
    indices : array_like of int
        ``x``'s shape: for each value, its flat (row-major) cell in the unpooled plane, as
        :func:`refconv.pooling.max_pool` and PyTorch return them.
    kernel_size, stride, padding
        The pooling's (``stride`` defaults to ``kernel_size``); they fix the default size.
    output_size : tuple of int, optional
        The unpooled lengths: ``len(kernel_size)`` of them, or ``x.ndim`` (the last used, as torch
        takes ``len(kernel_size) + 2``).  Each must be within a stride of the default
        ``(m - 1)*stride - lo - hi + kernel_size`` (exclusive), as torch requires; it may be
        given where the default length is below one.
    accumulate : bool
        How two values sent to one cell combine (only overlapping windows do that; max pooling
        sends one cell's own value, so then any choice is the same).  ``False``: the last in
        row-major order wins (torch leaves the choice unspecified; its CPU kernel does not
        always keep the last).  ``True``: they add, which makes
        this the exact adjoint of gathering ``x`` at ``indices`` for any indices.

    Returns
    -------
    numpy.ndarray
        ``x.shape[:-r] + output lengths``, in ``x``'s dtype; with ``accumulate=True`` exact
        integer sums that could pass ``int64`` are Python ints (an object array).

    Raises
    ------
    ValueError
        An index outside the unpooled plane (torch: "Found an invalid max index"), ``indices`` of
        another shape, an ``output_size`` out of range, or a default length below one without
        ``output_size`` (torch returns an empty plane there).

    See Also
    --------
    refconv.pooling.max_pool : gives the indices; with distinct indices (``stride >= kernel_size``)
        this is the adjoint of its gather.
    refconv.pooling.adaptive_max_pool : indices of adaptive windows (give ``output_size``).

    Examples
    --------
    >>> from refconv.pooling import max_pool
    >>> y, i = max_pool(np.array([[1, 5, 3, 2], [0, 4, 8, 9]]), (2, 2), return_indices=True)
    >>> y, i
    (array([[5, 9]]), array([[1, 7]]))
    >>> max_unpool(y, i, (2, 2))
    array([[0, 5, 0, 0],
           [0, 0, 0, 9]])

    Overlapping windows choose cell 1 twice: the last is kept, or ``accumulate`` adds.

    >>> max_unpool([7, 8], [1, 1], 2, stride=1), max_unpool([7, 8], [1, 1], 2, stride=1, accumulate=True)
    (array([0, 8, 0]), array([ 0, 15,  0]))
    """
    func = "max_unpool"
    accumulate = check_bool(func, "accumulate", accumulate)
    x = as_operand(func, "x", x)
    plane = _unpooled_shape(func, x, kernel_size, stride, padding, output_size)
    cells = math.prod(plane)
    lead = x.shape[: x.ndim - len(plane)]
    check_cells(func, "output_size", output_size, "an output", lead + plane, x.size)
    idx = _checked_indices(func, indices, x, cells)
    planes = math.prod(lead)
    per_plane = math.prod(x.shape[len(lead) :])
    keys = (np.arange(planes, dtype=np.int64)[:, None] * cells + idx.reshape(planes, per_plane)).ravel()
    values = x.reshape(-1)
    if accumulate:
        most = int(np.bincount(keys).max()) if keys.size else 0
        kind = domain(func, {"x": x, "w": np.ones(max(most, 1), dtype=np.int64)})
        values = convert(values, kind, x.dtype)
        out = np.zeros(planes * cells, dtype=values.dtype) if kind != "object" else np.full(planes * cells, 0, object)
        np.add.at(out, keys, values)  # unbuffered, in order: float sums in row-major order from zero
    else:
        out = np.zeros(planes * cells, dtype=x.dtype) if x.dtype.kind != "O" else np.full(planes * cells, 0, object)
        # The last write of each key, found without relying on NumPy's unspecified order for
        # repeated fancy-index assignment.
        _, first_from_end = np.unique(keys[::-1], return_index=True)
        last = keys.size - 1 - first_from_end
        out[keys[last]] = values[last]
    return finish(out.reshape(lead + plane), "object" if out.dtype.kind == "O" else "")
