"""im2col and its adjoint: :func:`unfold` and :func:`fold`, PyTorch's ``F.unfold``/``F.fold`` layout, any rank.

Both read the window geometry from one :func:`refconv.spec.layer_spec` (PyTorch's ``padding``,
``stride``, ``dilation``) and the window taps from :mod:`refconv._taps`, the arithmetic every
convolution uses: column ``l`` of ``unfold(x)`` is the ``l``-th window (row-major over the
output positions), and row ``c*K + j`` is channel ``c`` read through tap ``j`` (row-major over
the kernel, ``K = prod(kernel_size)``).  ``fold`` sums each column back into the cells it was
read from, so it is ``unfold``'s adjoint: ``<unfold(x), y> == <x, fold(y, ...)>`` exactly.

PyTorch's ``F.unfold``/``F.fold`` take 4-D/3-D (2-D spatial) tensors only; here any number of
spatial axes, batched ``(N, C, *spatial)`` only (add a batch axis for an unbatched input).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._arith import as_operand, convert, domain, finish
from ._taps import all_tap_slices, pad
from ._validation import fail, is_int, shape_tuple
from .spec import ConvSpec, check_cells, check_spec_cells, layer_spec

__all__ = ["unfold", "fold"]


def _per_axis(func: str, name: str, value: Any, r: int) -> tuple[int, ...]:
    """``value`` (an int or ``r`` ints >= 1) as ``r`` ints."""
    lengths = shape_tuple(func, name, value)
    if is_int(value) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return lengths * r
    if len(lengths) != r:
        raise fail(
            func, name, value, f"has {len(lengths)} entries but there are {r} spatial axes", f"an int or {r} ints"
        )
    return lengths


def _spec(func: str, spatial: tuple, kernel: tuple, padding: Any, stride: Any, dilation: Any, names) -> ConvSpec:
    return layer_spec(func, spatial, kernel, padding=padding, stride=stride, dilation=dilation, names=names)


def unfold(x: Any, kernel_size: Any, *, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> np.ndarray:
    """Every window of ``x`` as a column (im2col): PyTorch's ``F.unfold``, any rank, exact.

    Parameters
    ----------
    x : array_like
        ``(N, C, *spatial)``, one or more spatial axes; any dtype refconv takes (values are
        copied, never computed with, so the result is exact for every dtype).
    kernel_size : int or tuple of int
        The window per spatial axis (an int: the same on every spatial axis).
    dilation, padding, stride
        PyTorch's, per spatial axis; padded cells hold zero.  ``padding`` also takes refconv's
        layer forms (``"same"``, ``"valid"``, ``(before, after)`` pairs), which torch's lacks.

    Returns
    -------
    numpy.ndarray
        ``(N, C*K, L)`` in ``x``'s dtype, ``K = prod(kernel_size)``, ``L`` the number of windows
        (``prod`` of :func:`refconv.output_shape`): entry ``[n, c*K + j, l]`` is channel ``c`` of
        window ``l`` read through tap ``j`` (taps and windows in row-major order).

    See Also
    --------
    fold : the adjoint: sums columns back into an image.
    refconv.conv : ``conv(x, w)`` is ``w.reshape(C_out, -1) @ unfold(x, k)`` (``groups=1``).

    Examples
    --------
    A 3x3 image, 2x2 windows: four windows, four taps each.

    >>> x = np.arange(1, 10).reshape(1, 1, 3, 3)
    >>> unfold(x, 2)
    array([[[1, 2, 4, 5],
            [2, 3, 5, 6],
            [4, 5, 7, 8],
            [5, 6, 8, 9]]])

    Column 0 is the top-left window ``[[1, 2], [4, 5]]`` row by row; a 1-D signal works too:

    >>> unfold(np.array([[[1, 2, 3, 4]]]), 2, stride=2)
    array([[[1, 3],
            [2, 4]]])
    """
    func = "unfold"
    x = as_operand(func, "x", x)
    if x.ndim < 3:
        raise fail(func, "x", x, f"has {x.ndim} axes", "(N, C, *spatial) with at least one spatial axis")
    kernel = _per_axis(func, "kernel_size", kernel_size, x.ndim - 2)
    spec = _spec(func, x.shape[2:], kernel, padding, stride, dilation, ("x", "kernel_size"))
    n, c = x.shape[:2]
    taps = math.prod(kernel)
    check_spec_cells(func, "kernel_size", kernel_size, spec, lead_in=(n, c), lead_out=(n, c * taps), given=x.size)
    padded = pad(x, spec, range(2, x.ndim), 0)
    cols = np.stack([padded[(Ellipsis, *s)] for s in all_tap_slices(spec)], axis=2)
    return cols.reshape(n, c * taps, math.prod(spec.output_shape))


def fold(
    cols: Any, output_size: Any, kernel_size: Any, *, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> np.ndarray:
    """Sum columns back into an image (col2im): PyTorch's ``F.fold``, any rank, exact; :func:`unfold`'s adjoint.

    Parameters
    ----------
    cols : array_like
        ``(N, C*K, L)``, ``K = prod(kernel_size)`` and ``L`` the number of windows of
        ``output_size`` under the geometry, as :func:`unfold` returns it.
    output_size : int or tuple of int
        The image's spatial shape.  The spatial rank is the length of ``output_size`` or
        ``kernel_size`` where one is a tuple; with two ints it is 2, as in torch.
    kernel_size, dilation, padding, stride
        As in :func:`unfold`.

    Returns
    -------
    numpy.ndarray
        ``(N, C, *output_size)``: each cell the sum, over the windows and taps that read it, of
        their column entries, added in tap order (row-major) from zero — PyTorch's ``col2im``
        order; entries that fall into padding are dropped.  Floats in ``cols``'s dtype; exact
        inputs exactly (integer sums that could pass ``int64`` as Python ints, an object array).

    See Also
    --------
    unfold : the forward map; ``<unfold(x), y> == <x, fold(y, x.shape[2:], k)>``.
    refconv.conv_transpose : ``fold`` of ``w.reshape(C_in, -1).T @ x`` columns.

    Examples
    --------
    Folding the columns of :func:`unfold` counts how many windows read each cell:

    >>> fold(np.ones((1, 4, 4), int), (3, 3), 2)
    array([[[[1, 2, 1],
             [2, 4, 2],
             [1, 2, 1]]]])

    The centre is read by all four 2x2 windows, a corner by one: ``fold(unfold(x))`` is ``x``
    times these counts.

    >>> x = np.arange(1, 10).reshape(1, 1, 3, 3)
    >>> (fold(unfold(x, 2), (3, 3), 2) == x * fold(np.ones((1, 4, 4), int), (3, 3), 2)).all()
    np.True_
    """
    func = "fold"
    cols = as_operand(func, "cols", cols)
    if cols.ndim != 3:
        raise fail(func, "cols", cols, f"has {cols.ndim} axes", "(N, C*prod(kernel_size), L): 3 axes")
    tuples = [len(v) for v in (output_size, kernel_size) if isinstance(v, (tuple, list, np.ndarray)) and np.ndim(v)]
    r = tuples[0] if tuples else 2
    spatial = _per_axis(func, "output_size", output_size, r)
    kernel = _per_axis(func, "kernel_size", kernel_size, r)
    spec = _spec(func, spatial, kernel, padding, stride, dilation, ("output_size", "kernel_size"))
    n, ck, length = cols.shape
    taps = math.prod(kernel)
    if ck % taps:
        problem = f"has {ck} rows, not a multiple of prod(kernel_size) = {taps}"
        raise fail(func, "cols", cols, problem, "cols.shape[1] == C * prod(kernel_size)")
    windows = math.prod(spec.output_shape)
    if length != windows:
        problem = f"has {length} columns but output_size={spatial} has {windows} windows {spec.output_shape}"
        raise fail(func, "cols", cols, problem, "cols.shape[2] == the number of windows (as torch)")
    c = ck // taps
    padded_shape = (n, c, *(g.padded for g in spec.axes))
    check_cells(func, "output_size", output_size, "a padded output", padded_shape, cols.size)
    kind = domain(func, {"x": cols, "w": np.ones(spec.kernel_shape, dtype=np.int64)})
    blocks = convert(cols, kind, cols.dtype).reshape(n, c, taps, *spec.output_shape)
    out = np.full(padded_shape, 0, dtype=blocks.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # IEEE sums: inf - inf is NaN, silently
        for j, s in enumerate(all_tap_slices(spec)):
            out[(Ellipsis, *s)] += blocks[:, :, j]
    out = out[(Ellipsis, *(slice(g.lo, g.lo + g.n) for g in spec.axes))]
    return finish(np.ascontiguousarray(out), kind)
