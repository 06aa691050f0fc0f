"""Adaptive pooling: :func:`adaptive_avg_pool` and :func:`adaptive_max_pool`, PyTorch's windows, any rank.

Along an axis of length ``L`` pooled to ``out`` cells, output ``i`` covers input cells
``floor(i*L/out) <= j < ceil((i+1)*L/out)`` (:func:`adaptive_windows`, PyTorch's
``start_index``/``end_index``), so windows may differ in length by one and overlap.  These windows
are not one strided convolution geometry, so they are not a :class:`~refconv.spec.ConvSpec`: the
pool runs over the taps of the longest window per axis, masking the taps a shorter window lacks.
"""

from __future__ import annotations

import math
from functools import reduce
from typing import Any

import numpy as np

from .._arith import accumulator, as_operand, convert, domain, finish
from .._validation import check_bool, fail, is_int
from ..spec import check_cells
from ._windows import _IEEE, _axes, _one_for_all, _ratio, _restore, _unordered

__all__ = ["adaptive_windows", "adaptive_avg_pool", "adaptive_max_pool"]


def adaptive_windows(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """``(start, stop)`` per output along one axis: ``floor(i*n/out)`` and ``ceil((i+1)*n/out)``.

    >>> [a.tolist() for a in adaptive_windows(5, 3)]
    [[0, 1, 3], [2, 4, 5]]
    """
    i = np.arange(out, dtype=object)  # Python ints: i*n never wraps
    start = (i * n) // out
    stop = -((-(i + 1) * n) // out)
    return start.astype(np.int64), stop.astype(np.int64)


def _open_mesh(arrays: list) -> list:
    """1-D arrays shaped to broadcast against each other, one axis each (``np.ix_`` without its
    reading of bool arrays as masks)."""
    r = len(arrays)
    return [a.reshape(tuple(-1 if b == i else 1 for b in range(r))) for i, a in enumerate(arrays)]


def _output_size(func: str, output_size: Any, axes: Any, x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The pooled axes and the output length along each (``None`` keeps an axis's length, as torch)."""
    items = output_size.tolist() if isinstance(output_size, np.ndarray) else output_size
    items = (items,) if is_int(items) or items is None else items
    items = _one_for_all(tuple(items), axes) if isinstance(items, (tuple, list)) else items
    expected = "an int >= 1, or a tuple of ints >= 1 (or None: keep that axis's length)"
    if isinstance(items, (str, bytes)) or not isinstance(items, (tuple, list)):
        raise fail(func, "output_size", output_size, "is not an int or a tuple of ints", expected, TypeError)
    if not items:
        raise fail(func, "output_size", output_size, "is empty", expected)
    for v in items:
        if v is not None and not is_int(v):
            raise fail(func, "output_size", output_size, f"has an entry {v!r} that is not an int", expected, TypeError)
        if v is not None and v < 1:
            raise fail(func, "output_size", output_size, f"has an entry {int(v)} < 1", expected)
    k = len(items)
    if axes is None and x.ndim < k:
        raise fail(func, "output_size", output_size, f"has {k} entries but x.ndim={x.ndim}", "at most x.ndim lengths")
    named = 1 if is_int(axes) else len(axes) if isinstance(axes, (tuple, list)) else k
    if named != k:
        problem = f"names {named} axes but output_size={output_size!r} has {k} entries"
        raise fail(func, "axes", axes, problem, "one axis per output length")
    pooled = _axes(func, axes, x.ndim, k, tuple(items))
    for a in pooled:
        if x.shape[a] == 0:
            problem = f"has length 0 along pooled axis {a} (shape {x.shape}), which no window can cover"
            raise fail(func, "x", x, problem, "pooled axes of length >= 1 (as torch)")
    sizes = tuple(x.shape[a] if v is None else int(v) for a, v in zip(pooled, items))
    return pooled, sizes


def _adaptive_taps(func: str, x: Any, output_size: Any, axes: Any):
    """``(moved, axes, taps)``: ``x`` with its pooled axes last, and for each tap of the longest
    windows (row-major) the values every output reads, the open mesh of their input indices and
    which outputs have that tap.  Also the window lengths per axis."""
    x = as_operand(func, "x", x)
    axes, sizes = _output_size(func, output_size, axes, x)
    moved = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
    plane = moved.shape[x.ndim - len(axes) :]
    lead = moved.shape[: x.ndim - len(axes)]
    check_cells(func, "output_size", output_size, "an output", lead + sizes, x.size)
    # The per-axis window tables, even where the output is empty (a zero-length leading axis).
    check_cells(func, "output_size", output_size, "window tables", (2 * sum(sizes),), x.size)
    windows = [adaptive_windows(n, o) for n, o in zip(plane, sizes)]
    longest = tuple(int((stop - start).max()) for start, stop in windows)
    # prod(out) * prod(longest) bounds the cells the taps read: refuse it before looping.
    check_cells(func, "output_size", output_size, "windows reading", (math.prod(lead + sizes), *longest), x.size)
    lengths = [stop - start for start, stop in windows]

    def taps():
        for tap in np.ndindex(*longest):
            index = [np.minimum(start + t, n - 1) for (start, _), t, n in zip(windows, tap, plane)]
            has = reduce(np.logical_and, _open_mesh([t < length for t, length in zip(tap, lengths)]))
            mesh = np.ix_(*index)
            yield moved[(Ellipsis, *mesh)], mesh, has

    return moved, axes, taps, lengths, plane


def adaptive_avg_pool(x: Any, output_size: Any, *, axes: Any = None) -> np.ndarray:
    """Adaptive average pooling: the mean over PyTorch's adaptive windows, exact for exact inputs.

    Parameters
    ----------
    x : array_like
        Any rank; integer, float, complex or exact object arrays (int, Fraction, SymPy).
    output_size : int, or tuple of (int or None)
        The output length per pooled axis; ``None`` keeps that axis's length (as torch).  An int
        is one pooled axis (PyTorch's ``adaptive_avg_pool2d(x, 3)`` is ``output_size=(3, 3)``),
        or every axis ``axes`` names (``output_size=3, axes=(-2, -1)``).
    axes : int or tuple of int, optional
        The pooled axes; default the last ``len(output_size)`` axes.

    Returns
    -------
    numpy.ndarray
        Output ``i`` along an axis of length ``L`` is the mean over input cells
        ``floor(i*L/out) .. ceil((i+1)*L/out) - 1`` (windows may overlap and differ in length).
        Exact inputs: an object array of :class:`fractions.Fraction` (SymPy inputs: SymPy), as
        :func:`refconv.pooling.avg_pool`.  Float/complex: the sum over the window in row-major
        order from zero, then one division by the cell count, in ``x``'s dtype (``float16`` in
        ``float64``, rounded once).  PyTorch divides by the two lengths one after the other, so
        floats may differ from it in the last bit.

    See Also
    --------
    adaptive_max_pool : the maximum over the same windows.
    refconv.pooling.avg_pool : fixed windows; equal to this when ``L`` is a multiple of ``out``.
    refconv.pooling.global_avg_pool : ``output_size=1``.

    Examples
    --------
    Five cells pooled to three: windows ``[0, 2)``, ``[1, 4)``, ``[3, 5)``.

    >>> adaptive_avg_pool([1, 2, 3, 4, 6], 3).tolist()
    [Fraction(3, 2), Fraction(3, 1), Fraction(5, 1)]
    >>> from fractions import Fraction
    >>> [Fraction(1 + 2, 2), Fraction(2 + 3 + 4, 3), Fraction(4 + 6, 2)]
    [Fraction(3, 2), Fraction(3, 1), Fraction(5, 1)]
    >>> adaptive_avg_pool(np.arange(16.0).reshape(4, 4), (2, None))
    array([[ 2.,  3.,  4.,  5.],
           [10., 11., 12., 13.]])
    """
    func = "adaptive_avg_pool"
    moved, axes, taps, lengths, _ = _adaptive_taps(func, x, output_size, axes)
    kind = domain(func, {"x": moved, "w": np.ones(tuple(int(n.max()) for n in lengths), dtype=np.int64)})
    given_dtype = moved.dtype
    moved = convert(moved, kind, accumulator(moved.dtype))
    zero = np.zeros((), moved.dtype) if kind != "object" else 0
    total = None
    with np.errstate(**_IEEE):
        for values, _, has in taps():
            values = convert(values, kind, moved.dtype)
            term = np.where(has, values, zero) if not has.all() else values
            total = term + zero if total is None else total + term
    count = reduce(np.multiply, _open_mesh(lengths))
    if kind == "float":
        with np.errstate(**_IEEE):
            return _restore((total / count.astype(total.real.dtype)).astype(given_dtype, copy=False), axes)
    return _restore(finish(_ratio(total, count), "object"), axes)


def adaptive_max_pool(
    x: Any, output_size: Any, *, axes: Any = None, return_indices: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Adaptive max pooling: the maximum over PyTorch's adaptive windows, any rank.

    Parameters
    ----------
    x : array_like
        Any rank; integer, float or exact object arrays (values that can be ordered).
    output_size : int, or tuple of (int or None)
        As in :func:`adaptive_avg_pool`.
    axes : int or tuple of int, optional
        The pooled axes; default the last ``len(output_size)`` axes.
    return_indices : bool
        Also return the flat index of each maximum within the pooled axes of ``x`` (row-major
        over ``axes`` in the order given): PyTorch's per-``(N, C)``-plane indices.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of int64)
        Values in ``x``'s dtype.  Ties: the first maximum in row-major window order; a window
        holding NaN gives NaN with the last NaN's index (PyTorch's rule, as
        :func:`refconv.pooling.max_pool`).

    See Also
    --------
    adaptive_avg_pool : the mean over the same windows, and the window rule.
    refconv.pooling.max_pool : fixed windows.
    refconv.pooling.max_unpool : scatters values back to these indices.

    Examples
    --------
    >>> adaptive_max_pool([5, 1, 7, 2, 2], 3, return_indices=True)
    (array([5, 7, 2]), array([0, 2, 3]))
    >>> x = np.array([[1, 9, 2], [4, 0, 8]])
    >>> adaptive_max_pool(x, (1, 2), return_indices=True)
    (array([[9, 9]]), array([[1, 1]]))

    By hand: the column windows of 3 cells pooled to 2 are ``[0, 2)`` and ``[1, 3)``.

    >>> int(x[:, 0:2].max()), int(x[:, 1:3].max())
    (9, 9)
    """
    func = "adaptive_max_pool"
    return_indices = check_bool(func, "return_indices", return_indices)
    moved, axes, taps, _, plane = _adaptive_taps(func, x, output_size, axes)
    if moved.dtype.kind == "c":
        raise fail(func, "x", x, "is complex, which has no order", "real numbers", TypeError)
    is_float = moved.dtype.kind == "f"
    steps = [math.prod(plane[i + 1 :]) for i in range(len(plane))]
    best = index = None
    for values, mesh, has in taps():
        flat = sum(m * s for m, s in zip(mesh, steps))
        if best is None:  # every window holds its first tap: PyTorch's starting maximum
            best, index = values.copy(), np.broadcast_to(flat, values.shape).astype(np.int64)
            continue
        try:
            take = np.greater(values, best)
        except TypeError as exc:
            raise _unordered(func, x, exc) from None
        if is_float:
            take |= np.isnan(values)
        take &= has
        np.copyto(best, values, where=take)
        np.copyto(index, np.broadcast_to(flat, index.shape), where=take)
    best = finish(best, "object") if best.dtype.kind == "O" else best
    return (_restore(best, axes), _restore(index, axes)) if return_indices else _restore(best, axes)
