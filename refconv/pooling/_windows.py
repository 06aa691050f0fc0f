"""The window machinery shared by every pool: axes, the spec, the windows, slabs, exact ratios.

A pool moves its pooled axes to the end (:func:`_setup`), reads each window tap through one
strided view of the padded input (:func:`_windows`, or :func:`_by_slabs` for the fast paths),
and moves the axes back (:func:`_restore`).  :data:`SLAB_CELLS` sizes the slabs of the fast
paths; tests patch it here, the one place it is read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from fractions import Fraction
from functools import reduce
from typing import Any

import numpy as np

from .._arith import _is_sympy, as_operand
from .._gemm import blocks_in_parallel
from .._taps import FILL, all_tap_slices, gather_index, pad, slab_padder, tap_slices, taps
from .._validation import fail, is_int, shape_tuple
from ..spec import ConvSpec, check_spec_cells, pool_spec

__all__ = ["SLAB_CELLS"]


def _unordered(func: str, x, exc: Exception) -> TypeError:
    """The refusal of values max pooling cannot order (SymPy symbols), naming ``x``."""
    return fail(
        func,
        "x",
        x,
        f"holds values that cannot be ordered ({exc})",
        "real numbers (max pooling needs an order; SymPy symbols have none)",
        TypeError,
    )


def _axes(func: str, axes: Any, ndim: int, k: int, kernel_size: tuple[int, ...]) -> tuple[int, ...]:
    """The pooled axes as non-negative ints, one per window length."""
    if axes is None:
        if ndim < k:
            raise fail(
                func, "kernel_size", kernel_size, f"has {k} entries but x.ndim={ndim}", "at most x.ndim window lengths"
            )
        return tuple(range(ndim - k, ndim))
    items = (axes,) if is_int(axes) else axes
    if isinstance(items, (str, bytes)) or not isinstance(items, (tuple, list)) or not all(is_int(a) for a in items):
        raise fail(func, "axes", axes, "is not an int or a tuple of ints", "a tuple of axis numbers", TypeError)
    if len(items) != k:
        raise fail(
            func,
            "axes",
            axes,
            f"names {len(items)} axes but kernel_size={kernel_size} has {k} entries",
            "one axis per window length",
        )
    out = []
    for a in items:
        if not -ndim <= a < ndim:
            raise fail(
                func, "axes", axes, f"has axis {int(a)} out of range for x.ndim={ndim}", f"axes in [-{ndim}, {ndim})"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise fail(func, "axes", axes, "repeats an axis", "distinct axes")
    return tuple(out)


def _one_for_all(lengths: tuple, axes: Any) -> tuple:
    """One length (an int, or torch's one-entry ``(k,)``) for every axis ``axes`` names, as torch's
    ``max_pool2d(x, 3)`` is ``(3, 3)``; without ``axes`` the lengths' count is the pooled rank."""
    if len(lengths) == 1 and isinstance(axes, (tuple, list)) and len(axes) > 1:
        return lengths * len(axes)
    return lengths


def _setup(func: str, x: Any, kernel_size: Any, axes: Any, **geometry) -> tuple[np.ndarray, ConvSpec, tuple]:
    """``x`` as an operand with its pooled axes moved to the end, the spec, and the axes."""
    x = as_operand(func, "x", x)
    kernel_size = _one_for_all(shape_tuple(func, "kernel_size", kernel_size), axes)
    axes = _axes(func, axes, x.ndim, len(kernel_size), kernel_size)
    spec = pool_spec(func, tuple(x.shape[a] for a in axes), kernel_size, **geometry)
    # ceil_mode's overhang grows with the window: kernel_size=10**9 on 3 cells is one valid window.
    lead = tuple(n for a, n in enumerate(x.shape) if a not in axes)
    check_spec_cells(func, "kernel_size", kernel_size, spec, lead_in=lead, lead_out=lead, given=x.size)
    return np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim)), spec, axes


def _refuse_empty(func: str, spec: ConvSpec, dilation: Any, padding: Any, what: str, floats: str) -> None:
    """Exact inputs have no ``-inf`` or NaN for a window that holds padding only (dilation with
    torch's pad rule); ``what`` says what that window would be, ``floats`` what float x gives.

    A window reaches an input cell iff it does along every axis, so the first such window
    (row-major) comes from one ``(out, k)`` table per axis, never from a table of all windows.
    """
    # bad[a][o]: output o's taps along axis a all land in padding (or the ceil overhang).
    bad = [(gather_index(g, "constant") == FILL).all(axis=1) for g in spec.axes]
    # A bad window is bad along some axis a; the row-major first of those is zeros but for the
    # first bad index along a, and the first of all is the least of these candidates.
    candidates = [
        tuple(int(np.argmax(b)) if i == a else 0 for i in range(len(bad))) for a, b in enumerate(bad) if b.any()
    ]
    if not candidates:
        return
    raise fail(
        func,
        "dilation",
        dilation,
        f"with padding={padding!r} leaves window {min(candidates)} holding padding only, {what}",
        f"windows that reach an input cell for exact x ({floats})",
    )


def _restore(y: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    return np.moveaxis(y, range(y.ndim - len(axes), y.ndim), axes)


def _windows(x: np.ndarray, spec: ConvSpec, fill) -> Iterator[tuple[tuple[int, ...], np.ndarray, tuple]]:
    """For each window tap (row-major): the tap, the strided view every output reads through it,
    and the open mesh of input indices per pooled axis (:data:`FILL` for a non-input cell)."""
    lead = x.ndim - spec.ndim
    padded = pad(x, spec, range(lead, x.ndim), fill)
    gathers = [gather_index(g, "constant") for g in spec.axes]
    for tap in taps(spec):
        mesh = np.ix_(*(gi[:, t] for gi, t in zip(gathers, tap)))
        yield tap, padded[(Ellipsis, *tap_slices(spec, tap))], mesh


def _real(mesh: tuple) -> np.ndarray:
    """Which outputs read an input cell (not padding or overhang) through this tap."""
    return reduce(np.logical_and, (m != FILL for m in mesh))


def _exact_ratio(num, den):
    """``num / den`` exactly: a Fraction, or SymPy when either side is SymPy."""
    if _is_sympy(num) or _is_sympy(den):
        import sympy

        return sympy.sympify(num) / sympy.sympify(den)
    return Fraction(_rational(num)) / Fraction(_rational(den))


#: Floats follow IEEE arithmetic silently (inf - inf is NaN, |v|**p may overflow to inf): an
#: oracle's answer is the value, not a warning.
_IEEE = dict(invalid="ignore", over="ignore", divide="ignore", under="ignore")


def _rational(v):
    return int(v) if isinstance(v, np.integer) else v


def _map(f: Callable, *arrays) -> np.ndarray:
    """``f`` over broadcast arrays into an object array (a Python loop: exact arithmetic is
    per element anyway; unlike ``np.frompyfunc`` it does not report floating-point flags that
    a lazy ``import sympy`` raises inside the loop)."""
    both = np.broadcast(*arrays)
    out = np.empty(both.shape, dtype=object)
    for i, values in enumerate(both):
        out.flat[i] = f(*values)
    return out


def _ratio(num, den):
    return _map(_exact_ratio, num, den)


#: Padded input cells per slab of planes in the fast max pool and in float window sums (2 MiB of
#: float32): a slab and its views stay in cache across the window's taps, and a slab's NumPy calls
#: are long enough that the threads running the slabs seldom wait for the GIL.  Speed table, 2
#: cores, best of 30 calls in three alternating runs: avg_pool 2x2 3.7-4.2 ms with slabs of 64K
#: cells, 3.1-4.3 with 128K, 2.9-3.0 with 256K and 512K; max_pool 3x3/2 7.9-10.5, 5.9-9.4,
#: 6.8-8.1 and 6.0-6.1 ms.
SLAB_CELLS = 1 << 19


def _by_slabs(x: np.ndarray, spec: ConvSpec, fill, reduce_slab: Callable[[np.ndarray, np.ndarray, list], None]):
    """``reduce_slab(padded, out, views)`` over slabs of :data:`SLAB_CELLS` padded cells.

    ``x`` has its pooled axes last; its leading axes are flattened into planes, and each slab of
    planes is padded with ``fill`` into a reused buffer (``padded``); ``views`` are its strided
    views, one per window tap in row-major order, and ``out`` is the slab's part of the result,
    which ``reduce_slab`` fills.  Returns the result, shaped ``lead + spec.output_shape``.

    The slabs are tasks of :func:`refconv._gemm.blocks_in_parallel` (a buffer per thread): they
    run on the threads BLAS is allowed, as torch's pooling runs on its threads, and a slab's
    outputs are computed by the same operations whichever thread runs it.
    """
    lead, plane = x.shape[: x.ndim - spec.ndim], x.shape[x.ndim - spec.ndim :]
    planes = x.reshape(math.prod(lead), *plane)
    out = np.empty((len(planes), *spec.output_shape), dtype=x.dtype)
    step = max(1, SLAB_CELLS // math.prod(g.padded + g.overhang for g in spec.axes))
    starts = list(range(0, len(planes), step))
    # Slabs run on several threads pad into a buffer per thread.
    padder = slab_padder(planes, spec, min(step, len(planes)), fill, per_thread=len(starts) > 1)
    slices = all_tap_slices(spec)

    def slab(p0: int) -> None:
        padded = padder(p0, min(p0 + step, len(planes)))
        reduce_slab(padded, out[p0 : p0 + step], [padded[(Ellipsis, *s)] for s in slices])

    if len(starts) == 1:  # a small problem: not worth holding BLAS's threads
        slab(0)
    else:  # the slabs run concurrently
        blocks_in_parallel(starts, slab)
    return out.reshape(*lead, *spec.output_shape)


def _window_sum(x: np.ndarray, spec: ConvSpec, then: Callable[[np.ndarray], Any] | None = None) -> np.ndarray:
    """Sum over each window's taps in row-major order, starting from zero as PyTorch does (so an
    all-``-0.0`` window sums to ``+0.0``); padded and overhang cells add zero.

    Floats run over slabs of planes (:func:`_by_slabs`), so that a slab and its views stay in
    cache across the taps: the same additions in the same order, one pass over the input instead
    of one per tap.  ``then(sums)``, for float ``x`` only, finishes each slab's sums in place
    while they are in cache (the mean's division: :func:`refconv.pooling.avg_pool`).
    """
    if x.dtype.kind not in "fc":
        total = None
        with np.errstate(**_IEEE):
            for _, view, _ in _windows(x, spec, 0):
                total = view + np.zeros((), view.dtype) if total is None else total + view
        return total
    zero = np.zeros((), x.dtype)

    def add(padded: np.ndarray, total: np.ndarray, views: list) -> None:
        with np.errstate(**_IEEE):  # here: NumPy's error state is per thread, and slabs run on several
            np.add(views[0], zero, out=total)
            for view in views[1:]:
                np.add(total, view, out=total)
            if then is not None:
                then(total)

    return _by_slabs(x, spec, 0, add)
