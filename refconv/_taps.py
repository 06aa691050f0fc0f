"""The index arithmetic, written once: which input cell feeds which output through which tap.

Along one axis (an :class:`~refconv.spec.AxisGeometry`), output ``o`` reads input
``o*s + t*d - lo`` through tap ``t`` (:func:`source_index`).  An index outside ``[0, n)`` is a
padded cell; :func:`boundary_index` says which real cell it copies under each boundary mode, or
``-1`` when it holds the fill value (zero for convolution).  Everything else — the direct
method's padded views, the sparse matrix's column indices, pooling's windows — is derived here.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from ._arith import INT64_MAX
from .spec import AxisGeometry, ConvSpec

__all__ = [
    "FILL",
    "source_index",
    "boundary_index",
    "gather_index",
    "array_safe",
    "padded_index",
    "pad",
    "slab_padder",
    "tap_slices",
    "all_tap_slices",
    "taps",
]

#: Marks a padded cell that holds the fill value rather than a copy of an input cell.
FILL = -1


def source_index(o, t, g: AxisGeometry):
    """Input index that output ``o`` reads through tap ``t`` (arrays broadcast).

    >>> from refconv.spec import AxisGeometry
    >>> g = AxisGeometry(n=5, k=3, stride=2, dilation=2, lo=1, hi=1)
    >>> [source_index(1, t, g) for t in range(3)]
    [1, 3, 5]
    """
    return o * g.stride + t * g.dilation - g.lo


def boundary_index(i: np.ndarray, n: int, boundary: str) -> np.ndarray:
    """Map (possibly out-of-range) indices to the input cell a padded cell copies.

    Matches ``numpy.pad`` for every mode and any pad width (``reflect`` and ``symmetric``
    repeat periodically, as NumPy's iterated padding does).  Cells that hold the fill value
    (``boundary="constant"``) map to :data:`FILL`.

    >>> boundary_index(np.arange(-2, 5), 3, "reflect").tolist()
    [2, 1, 0, 1, 2, 1, 0]
    >>> boundary_index(np.arange(-2, 5), 3, "symmetric").tolist()
    [1, 0, 0, 1, 2, 2, 1]
    >>> boundary_index(np.arange(-2, 5), 3, "constant").tolist()
    [-1, -1, 0, 1, 2, -1, -1]
    """
    i = np.asarray(i)
    if boundary == "constant":
        return np.where((i >= 0) & (i < n), i, FILL)
    if boundary == "wrap":
        return np.mod(i, n)
    if boundary == "edge":
        return np.clip(i, 0, n - 1)
    if boundary == "reflect":
        if n == 1:
            return np.zeros_like(i)
        period = 2 * (n - 1)
        r = np.mod(i, period)
        return np.where(r < n, r, period - r)
    if boundary == "symmetric":
        r = np.mod(i, 2 * n)
        return np.where(r < n, r, 2 * n - 1 - r)
    raise ValueError(f"boundary_index: boundary={boundary!r} is not recognised")


def gather_index(g: AxisGeometry, boundary: str) -> np.ndarray:
    """``(out, k)`` array: the input cell (or :data:`FILL`) output ``o`` reads through tap ``t``.

    >>> from refconv.spec import AxisGeometry
    >>> gather_index(AxisGeometry(n=4, k=2, lo=1, hi=0), "constant").tolist()
    [[-1, 0], [0, 1], [1, 2], [2, 3]]
    """
    o = np.arange(g.out)[:, None]
    t = np.arange(g.k)[None, :]
    return boundary_index(source_index(o, t, array_safe(g)), g.n, boundary)


def array_safe(g: AxisGeometry) -> AxisGeometry:
    """``g`` for index arithmetic on int64 arrays over its outputs ``0..out-1`` and taps ``0..k-1``.

    A stride (dilation) past int64 is valid with one output (one tap) only, where it multiplies
    ``o = 0`` (``t = 0``) and moves nothing; NumPy's int64 arrays cannot hold it, so it becomes 1.

    >>> array_safe(AxisGeometry(n=3, k=2, stride=2**63)).stride
    1
    """
    if (g.out == 1 and g.stride > INT64_MAX) or (g.k == 1 and g.dilation > INT64_MAX):
        return dataclasses.replace(g, stride=1 if g.out == 1 else g.stride, dilation=1 if g.k == 1 else g.dilation)
    return g


def padded_index(g: AxisGeometry, boundary: str) -> np.ndarray:
    """Source cell of each cell of the padded axis, ``lo`` before to ``hi`` (+ ceil overhang) after."""
    return boundary_index(np.arange(-g.lo, g.n + g.hi + g.overhang), g.n, boundary)


def pad(x: np.ndarray, spec: ConvSpec, axes: Sequence[int], fill=0) -> np.ndarray:
    """The padded input: ``x`` extended along ``axes`` by the spec's pads and boundary rule.

    Fill cells (constant boundary, and ceil_mode's overhang) get ``fill``; pooling passes its
    own fill (``-inf``, or a marker).  Equals ``numpy.pad(x, pads, mode=boundary)`` when there
    is no overhang.
    """
    if not any(g.lo or g.hi or g.overhang for g in spec.axes):
        return x
    if spec.boundary == "constant" and all(g.lo >= 0 and g.hi >= 0 for g in spec.axes):
        # Every cell outside the interior is a fill cell: one fill and one copy, no gather.
        shape, interior = list(x.shape), [slice(None)] * x.ndim
        for axis, g in zip(axes, spec.axes):
            shape[axis] = g.n + g.lo + g.hi + g.overhang
            interior[axis] = slice(g.lo, g.lo + g.n)
        out = np.full(shape, fill, dtype=x.dtype)
        out[tuple(interior)] = x
        return out
    for axis, g in zip(axes, spec.axes):
        index = padded_index(g, spec.boundary)
        if g.overhang:  # ceil overhang cells hold the fill value under every boundary
            index[g.n + g.lo + g.hi :] = FILL
        x = np.take(x, np.maximum(index, 0), axis=axis)
        holes = index == FILL
        if holes.any():
            x[(slice(None),) * (axis % x.ndim) + (holes,)] = fill
    return x


def slab_padder(planes: np.ndarray, spec: ConvSpec, most: int, fill=0, *, per_thread: bool = False):
    """``padder(p0, p1)``: planes ``p0 .. p1-1`` of ``planes`` (spatial axes after the first)
    padded as :func:`pad` pads them, for slabs of at most ``most`` planes.

    A ``"constant"`` boundary writes each slab into the interior of one buffer filled with
    ``fill`` once and reused: its border is never written, so padding a slab costs one in-cache
    copy instead of :func:`pad`'s gather and fill.  The returned slab is
    overwritten by the next call.  (Max pooling pads its slabs the same way, with ``-inf``.)
    With ``per_thread``, each thread that calls the padder gets a buffer of its own, made at
    its first slab: slabs padded concurrently (the tasks of
    :func:`refconv._gemm.blocks_in_parallel`) do not overwrite each other's.
    """
    if per_thread:
        local = threading.local()

        def padder_of_this_thread(p0: int, p1: int) -> np.ndarray:
            own = getattr(local, "padder", None)
            if own is None:
                own = local.padder = slab_padder(planes, spec, most, fill)
            return own(p0, p1)

        return padder_of_this_thread
    axes = tuple(range(1, 1 + spec.ndim))
    if spec.boundary != "constant" or any(g.lo < 0 or g.hi < 0 for g in spec.axes):
        return lambda p0, p1: pad(planes[p0:p1], spec, axes, fill)
    if not any(g.lo or g.hi or g.overhang for g in spec.axes):
        return lambda p0, p1: planes[p0:p1]
    buffer = np.full((most, *(g.padded + g.overhang for g in spec.axes)), fill, dtype=planes.dtype)
    interior = tuple(slice(g.lo, g.lo + g.n) for g in spec.axes)

    def padder(p0: int, p1: int) -> np.ndarray:
        slab = buffer[: p1 - p0]
        slab[(slice(None), *interior)] = planes[p0:p1]
        return slab

    return padder


def tap_slices(spec: ConvSpec, tap: Sequence[int], rows: tuple[int, int] | None = None) -> tuple[slice, ...]:
    """Slices of the padded input that every output reads through kernel tap ``tap``.

    Padded cell ``source_index(o, t) + lo`` for ``o = 0, 1, ..., out-1``: a strided view.
    ``rows=(first, stop)`` restricts the first axis to outputs ``first .. stop-1`` (the direct
    method works in slabs of rows that fit in cache).
    """
    out = []
    for axis, (g, t) in enumerate(zip(spec.axes, tap)):
        first, stop = rows if axis == 0 and rows is not None else (0, g.out)
        start = source_index(first, t, g) + g.lo
        out.append(slice(start, start + (stop - first - 1) * g.stride + 1, g.stride))
    return tuple(out)


@functools.lru_cache(maxsize=512)
def all_tap_slices(spec: ConvSpec, rows: tuple[int, int] | None = None) -> tuple[tuple[slice, ...], ...]:
    """:func:`tap_slices` of every tap, in :func:`taps` order (cached per spec: the direct method
    asks for the same slices on every call)."""
    return tuple(tap_slices(spec, tap, rows) for tap in taps(spec))


def taps(spec: ConvSpec) -> Iterator[tuple[int, ...]]:
    """Every kernel tap, in row-major (C) order: the documented summation order."""
    return np.ndindex(*spec.kernel_shape)
