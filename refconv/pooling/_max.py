"""Max pooling: :func:`max_pool`, its exact core (values and indices) and its fast values-only path."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._arith import finish
from .._validation import check_bool, fail
from ..spec import ConvSpec
from ._windows import _by_slabs, _real, _refuse_empty, _restore, _setup, _unordered, _windows

__all__ = ["max_pool"]


def _max_core(
    func: str, x: np.ndarray, spec: ConvSpec, want_index: bool = True
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Maximum and flat argmax over every window of ``x`` (pooled axes last), and which windows
    hold an input cell.  Update rule, per tap in row-major order: take the tap if it is an input
    cell and (it is the window's first input cell, or it is greater, or it is NaN) — PyTorch's
    CPU rule, so ties keep the first maximum and the last NaN wins."""
    is_float = x.dtype.kind == "f"
    plane = x.shape[x.ndim - spec.ndim :]
    steps = [math.prod(plane[i + 1 :]) for i in range(spec.ndim)]
    best = index = have = None
    for _, view, mesh in _windows(x, spec, -np.inf if is_float else 0):
        real = _real(mesh)
        flat = sum(m * s for m, s in zip(mesh, steps)) if want_index else None
        if best is None:
            best = np.where(real, view, -np.inf) if is_float else view.copy()
            if want_index:
                index = np.broadcast_to(np.where(real, flat, -1), best.shape).astype(np.int64)
            have, every = real, bool(real.all())
            continue
        try:
            take = np.greater(view, best)
        except TypeError as exc:
            raise _unordered(func, x, exc) from None
        if is_float:
            take |= np.isnan(view)
        # Masks matter only near padding: once every window has an input cell, and where a tap
        # reads input cells only, the rule is just "greater or NaN".
        if not every:
            take |= ~have
        if not real.all():
            take &= real
        np.copyto(best, view, where=take)
        if want_index:
            np.copyto(index, flat, where=take)
        if not every:
            have = have | real
            every = bool(have.all())
    return best, index, have


def _max_values(x: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The maximum over every window of a real-dtype ``x`` (pooled axes last), values only.

    ``np.maximum`` per tap in row-major order, in place, over slabs of planes padded with the
    dtype's least value (:func:`~refconv.pooling._windows._by_slabs`; padding then never wins,
    and a float window of padding only is ``-inf``).  ``maximum`` gives the right value but not
    :func:`_max_core`'s choice among equal floats: which of ``0.0`` and ``-0.0`` it returns
    depends on its SIMD loop, so a zero maximum of a slab holding a ``-0.0`` takes the sign of
    the window's first zero (:func:`_first_zero_wins`); and a window holding NaNs gives one of
    them, where torch's rule takes the last: :func:`max_pool` recomputes a result holding a NaN by :func:`_max_core`.
    """
    is_float = x.dtype.kind == "f"

    def maximum(padded: np.ndarray, best: np.ndarray, views: list) -> None:
        if len(views) == 1:
            np.copyto(best, views[0])
            return
        np.maximum(views[0], views[1], out=best)
        for view in views[2:]:
            np.maximum(best, view, out=best)
        if is_float and not best.all() and ((padded == 0) & np.signbit(padded)).any():
            _first_zero_wins(best, views)

    return _by_slabs(x, spec, -np.inf if is_float else np.iinfo(x.dtype).min, maximum)


def _first_zero_wins(best: np.ndarray, views: list) -> None:
    """Give each zero maximum in ``best`` the sign of its window's first zero (row-major taps)."""
    zero = best == 0
    negative = np.zeros(best.shape, dtype=bool)
    for view in reversed(views):  # the first zero tap writes last
        np.copyto(negative, np.signbit(view), where=zero & (view == 0))
    best[zero] = np.where(negative[zero], -0.0, 0.0)


def max_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    axes: Any = None,
    return_indices: bool = False,
    pad_rule: str = "torch",
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Max pooling: the maximum over each (possibly dilated) rectangular window.

    Parameters
    ----------
    x : array_like
        Any rank.  Integer, float or exact object (int, Fraction, SymPy numbers) arrays.
    kernel_size : int or tuple of int
        Window length per pooled axis.  The pooled axes are the last ``len(kernel_size)`` axes
        of ``x`` unless ``axes`` names them; with ``axes``, one length (an int, or torch's ``(k,)``)
        serves every named axis, as torch's ``max_pool2d(x, 3)`` is ``(3, 3)``.
    stride : int or tuple of int, optional
        Default: ``kernel_size`` (non-overlapping windows, as in PyTorch).
    padding : int, tuple of int, or ((before, after), ...)
        Implicit ``-inf`` cells: padding never wins.  At most ``kernel_size // 2`` per side, as
        PyTorch requires (checked against ``k``, not the dilated extent), unless ``pad_rule="onnx"``.
        PyTorch's one-entry forms ``(p,)`` (every axis) and ``stride=()`` (the window) are taken.
    dilation : int or tuple of int
        Spacing between window taps.
    ceil_mode : bool
        PyTorch's rule: round the output length up, then drop a last window that would start in
        the right padding.  Cells past the padded input are ignored.
    axes : int or tuple of int, optional
        The pooled axes; ``axes=(1,)`` pools the channels of an ``(N, C, ...)`` array (maxout).
    return_indices : bool
        Also return, for each output, the flat index of its maximum within the pooled axes of
        ``x`` (row-major over ``axes`` in the order given) — PyTorch's per-``(N, C)``-plane
        indices for the default axes.  Ties: the first maximum in row-major window order.
    pad_rule : {"torch", "onnx"}
        ``"torch"`` (default): pads at most ``kernel_size // 2``.  ``"onnx"``: any pads with which
        every window holds an input cell, as ONNX's ``MaxPool`` ``pads`` (others are refused).

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of int64)
        Values in ``x``'s dtype, shape :func:`refconv.output_shape` along the pooled axes.

    Raises
    ------
    ValueError
        A window longer than the padded input (in ceil mode: an output length below one, as in
        PyTorch), padding over half the window, bad axes, or — exact inputs only — a dilated
        window that holds padding only.
    TypeError
        Complex inputs, or values that cannot be ordered (SymPy symbols).

    See Also
    --------
    avg_pool : the mean over the same windows.
    lp_pool : the p-norm over the windows; ``p=math.inf`` is ``max_pool`` of ``|x|``.
    global_max_pool : one window over the whole of the pooled axes.
    refconv.output_shape : the pooled shape (``ceil_mode`` included).

    Notes
    -----
    NaN propagates as in PyTorch: a window holding a NaN gives NaN, and its index is the last
    NaN's.  A float window that holds no input cell at all (possible only with dilation and
    padding, e.g. ``n=1, k=2, dilation=2, padding=1``) gives ``-inf`` with index ``-1``; PyTorch
    gives ``-inf`` with an index past the input.

    Examples
    --------
    A 4x4 image, 2x2 windows, stride 2:

    >>> x = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 0], [0, 9, 0, 0]])
    >>> max_pool(x, (2, 2))
    array([[4, 8],
           [9, 1]])
    >>> max_pool(x, (2, 2), return_indices=True)[1]
    array([[ 5,  7],
           [13, 10]])
    >>> max_pool([1.0, float("nan"), 3.0, 2.0], 2)
    array([nan,  3.])

    ONNX's pads, wider than torch allows, while every window holds an input cell:

    >>> max_pool([5, 7], 3, stride=1, padding=2, pad_rule="onnx")
    array([5, 7, 7, 7])

    Maxout: the maximum over groups of 2 channels of an (N, C) array.

    >>> max_pool(np.array([[1, 7, 3, 2]]), 2, axes=(1,))
    array([[7, 3]])

    The same windows by hand, one 2x2 block at a time:

    >>> [[int(x[i : i + 2, j : j + 2].max()) for j in (0, 2)] for i in (0, 2)]
    [[4, 8], [9, 1]]
    """
    func = "max_pool"
    return_indices = check_bool(func, "return_indices", return_indices)
    moved, spec, axes = _setup(
        func,
        x,
        kernel_size,
        axes,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
        pad_rule=pad_rule,
    )
    if moved.dtype.kind == "c":
        raise fail(func, "x", x, "is complex, which has no order", "real numbers", TypeError)
    if moved.dtype.kind != "f":
        _refuse_empty(func, spec, dilation, padding, "whose max is -inf", "float x gives -inf, as torch")
    if not return_indices and moved.dtype.kind in "fiu":
        best, index = _max_values(moved, spec), None
        if moved.dtype.kind == "f" and np.isnan(best).any():  # the last NaN's bits, as torch
            best = _max_core(func, moved, spec, False)[0]
    else:
        best, index, _ = _max_core(func, moved, spec, return_indices)
    if moved.dtype.kind != "f":
        best = finish(best, "object") if moved.dtype.kind == "O" else best
    if return_indices:
        return _restore(best, axes), _restore(index, axes)
    return _restore(best, axes)
