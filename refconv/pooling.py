"""Pooling (§9.3): max, average, Lp-norm and distance-weighted pooling, exact, on the convolution's geometry.

The seed: "the max pooling ... operation reports the maximum output within a rectangular
neighborhood.  Other popular pooling functions include the average of a rectangular neighborhood,
the L2 norm of a rectangular neighborhood, or a weighted average based on the distance from the
central pixel."

One geometry
------------
A pooling window is a convolution kernel that is never multiplied: :func:`refconv.spec.pool_spec`
turns ``kernel_size``/``stride``/``padding``/``dilation``/``ceil_mode`` into the same
:class:`~refconv.spec.ConvSpec` that convolution uses, so output sizes, window positions and
PyTorch's ceil-mode rule (a last window that would start in the right padding is dropped) come
from :class:`~refconv.spec.AxisGeometry`, and the windows themselves from :mod:`refconv._taps`
(the padded input read through :func:`~refconv._taps.tap_slices`, one strided view per window
tap; :func:`~refconv._taps.gather_index` says which taps are input cells).  A tap that is not an
input cell — left/right padding, or the cells past the padded input that a ceil-mode window
reaches — is *ignored* by every pool, with two documented exceptions: ``avg_pool`` with
``count_include_pad=True`` counts padding (not the ceil overhang) in its divisor, as PyTorch
does, and a float ``max_pool`` window holding no input cell at all is ``-inf``.

Axes
----
Pooling acts on the last ``len(kernel_size)`` axes, or on ``axes``; ``axes=(1,)`` pools the
channel axis of an ``(N, C, ...)`` array, as maxout does.  The pooled axes are moved to the end,
pooled, and moved back: one code path for every rank.  ``kernel_size=2`` is a one-axis window
(PyTorch's ``max_pool2d(x, 2)`` is ``kernel_size=(2, 2)`` here).

Exactness
---------
* ``max_pool`` returns input values, in the input's dtype (int, float, or object arrays of
  ``int``/``Fraction``/SymPy numbers).  Ties: the first maximal tap in row-major window order
  wins (so ``-0.0`` before ``0.0`` gives ``-0.0``).  NaN wins, as in PyTorch: a window holding a
  NaN gives NaN and its index is the *last* NaN's (torch's ``val > max || isnan(val)`` rule).
* ``avg_pool`` of exact inputs (integer dtypes, object arrays of int/Fraction) is an object array
  of :class:`fractions.Fraction` — every entry a Fraction, ``Fraction(2, 1)`` for an integral
  mean, never a floor division; SymPy inputs give SymPy results.  Float inputs: the sum over
  the window's taps in row-major order, starting from zero, then one division.
* Low-precision floats (``float16``): ``avg_pool``, ``lp_pool``, ``weighted_pool`` and their
  global forms accumulate in ``float64`` (:func:`refconv._arith.accumulator`) and round once, at
  the end, to ``float16`` — so a mean or norm that fits ``float16`` never overflows in a partial
  sum (``avg_pool(float16 [60000, 60000], 2)`` is 60000, as PyTorch's ``float32`` accumulation
  gives; a ``float16`` sum would be ``inf``), and for windows and divisors up to ``2**13`` the mean is
  the correctly rounded ``float16`` mean.  ``max_pool`` does no arithmetic and keeps the dtype.
* ``lp_pool`` of exact inputs is an object array of SymPy numbers (``sympy.Integer(5)``,
  ``2*sqrt(2)``): the exact p-th root.  ``p = math.inf`` is ``max |v|``.  A ``p = a/b`` (its
  exact value: ``0.1`` is ``3602879701896397/2**55``) whose powers would exceed
  :data:`POWER_BITS_LIMIT` bits is refused (``ValueError``) before any power is computed.
* ``weighted_pool`` with rational weights and exact inputs gives Fractions; SymPy weights (an
  irrational distance such as ``sqrt(2)`` fed to ``exp``) give SymPy numbers.

PyTorch's Lp pool
-----------------
``torch.nn.functional.lp_pool*d`` computes ``(K * avg(x**p)) ** (1/p)``: it takes no absolute
value (an odd ``p`` on negative inputs differs, or is NaN) and, in ceil mode, multiplies a
clipped window's average by the full kernel size ``K`` instead of its cell count, overcounting it.
:func:`lp_pool` is the true norm over the cells actually in the window; :func:`lp_pool_torch`
reproduces torch's formula for adapters (to a few ulps, not bitwise: torch's vectorised float64
``sqrt`` is not correctly rounded — it differed from ``math.sqrt`` on 1289 of 100000 random
inputs, torch 2.13 CPU).

Other differences from PyTorch (all tested)
-------------------------------------------
* ``avg_pool3d`` (and so ``lp_pool3d``) alone refuses an *unpadded* input shorter than the
  window ("input image smaller than kernel size") even when padding or ceil mode gives an output;
  refconv applies the rule of the 1-D and 2-D pools: the output length must be at least one.
* A float window that holds padding only (dilation with padding, e.g. ``n=1, k=2, dilation=2,
  padding=1``) is ``-inf`` in both; torch's index then points past the input, refconv's is ``-1``.

Cost
----
One vectorised step per window tap over all outputs.  ``max_pool`` of an integer or float
array without ``return_indices`` is one in-place ``np.maximum`` per tap over slabs of planes
padded with the dtype's least value (:func:`_max_values`; :data:`SLAB_CELLS`); with indices,
or objects, a handful of NumPy operations per tap; exact inputs run in ``int64`` where
:func:`refconv._arith.domain` proves it safe, else in Python numbers.  The global forms pool one
whole axis at a time, ``sum(n)`` tap steps instead of ``prod(n)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from fractions import Fraction
from functools import reduce
from typing import Any

import numpy as np

from ._arith import _is_sympy, accumulator, as_operand, convert, domain, finish
from ._taps import FILL, all_tap_slices, array_safe, gather_index, pad, slab_padder, source_index, tap_slices, taps
from ._validation import check_bool, fail, is_int, shape_tuple
from .spec import ConvSpec, check_spec_cells, pool_spec

__all__ = [
    "max_pool",
    "avg_pool",
    "lp_pool",
    "weighted_pool",
    "global_max_pool",
    "global_avg_pool",
    "global_lp_pool",
    "global_weighted_pool",
    "pooled_unchanged_fraction",
    "lp_pool_torch",
]


# --------------------------------------------------------------------------------------------
# The window machinery shared by every pool


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


def _setup(func: str, x: Any, kernel_size: Any, axes: Any, **geometry) -> tuple[np.ndarray, ConvSpec, tuple]:
    """``x`` as an operand with its pooled axes moved to the end, the spec, and the axes."""
    x = as_operand(func, "x", x)
    kernel_size = shape_tuple(func, "kernel_size", kernel_size)
    axes = _axes(func, axes, x.ndim, len(kernel_size), kernel_size)
    spec = pool_spec(func, tuple(x.shape[a] for a in axes), kernel_size, **geometry)
    # ceil_mode's overhang grows with the window: kernel_size=10**9 on 3 cells is one valid window.
    lead = tuple(n for a, n in enumerate(x.shape) if a not in axes)
    check_spec_cells(func, "kernel_size", kernel_size, spec, lead_in=lead, lead_out=lead, given=x.size)
    return np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim)), spec, axes


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


# --------------------------------------------------------------------------------------------
# max


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


#: Padded input cells per slab of planes in the fast max pool (512 KiB of float32): a slab and
#: its views stay in cache across the window's taps.
SLAB_CELLS = 1 << 17


def _max_values(x: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The maximum over every window of a real-dtype ``x`` (pooled axes last), values only.

    ``np.maximum`` per tap in row-major order, in place, over slabs of planes padded with the
    dtype's least value (padding then never wins, and a float window of padding only is
    ``-inf``).  ``maximum`` gives the right value but not :func:`_max_core`'s choice among
    equal floats: which of ``0.0`` and ``-0.0`` it returns depends on its SIMD loop, so a zero
    maximum of a slab holding a ``-0.0`` takes the sign of the window's first zero
    (:func:`_first_zero_wins`); and a window holding NaNs gives one of them, where torch's rule
    takes the last: :func:`max_pool` recomputes a result holding a NaN by :func:`_max_core`.
    """
    lead, plane = x.shape[: x.ndim - spec.ndim], x.shape[x.ndim - spec.ndim :]
    planes = x.reshape(math.prod(lead), *plane)
    out = np.empty((len(planes), *spec.output_shape), dtype=x.dtype)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    step = max(1, SLAB_CELLS // math.prod(g.padded + g.overhang for g in spec.axes))
    padder = slab_padder(planes, spec, min(step, len(planes)), fill)
    slices = all_tap_slices(spec)
    for p0 in range(0, len(planes), step):
        padded, best = padder(p0, min(p0 + step, len(planes))), out[p0 : p0 + step]
        views = [padded[(Ellipsis, *s)] for s in slices]
        if len(views) == 1:
            np.copyto(best, views[0])
            continue
        np.maximum(views[0], views[1], out=best)
        for view in views[2:]:
            np.maximum(best, view, out=best)
        if x.dtype.kind == "f" and not best.all() and ((padded == 0) & np.signbit(padded)).any():
            _first_zero_wins(best, views)
    return out.reshape(*lead, *spec.output_shape)


def _first_zero_wins(best: np.ndarray, views: list) -> None:
    """Give each zero maximum in ``best`` the sign of its window's first zero (row-major taps)."""
    zero = best == 0
    negative = np.zeros(best.shape, dtype=bool)
    for view in reversed(views):  # the first zero tap writes last
        np.copyto(negative, np.signbit(view), where=zero & (view == 0))
    best[zero] = np.where(negative[zero], -0.0, 0.0)


def _refuse_empty(func: str, spec: ConvSpec, dilation: Any, padding: Any) -> None:
    """Exact inputs have no ``-inf`` for a window that holds padding only.

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
    where = min(candidates)
    raise fail(
        func,
        "dilation",
        dilation,
        f"with padding={padding!r} leaves window {where} holding padding only, whose max is -inf",
        "windows that reach an input cell for exact x (float x gives -inf, as torch)",
    )


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
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Max pooling: the maximum over each (possibly dilated) rectangular window.

    Parameters
    ----------
    x : array_like
        Any rank.  Integer, float or exact object (int, Fraction, SymPy numbers) arrays.
    kernel_size : int or tuple of int
        Window length per pooled axis.  The pooled axes are the last ``len(kernel_size)`` axes
        of ``x`` unless ``axes`` names them.
    stride : int or tuple of int, optional
        Default: ``kernel_size`` (non-overlapping windows, as in PyTorch).
    padding : int, tuple of int, or ((before, after), ...)
        Implicit ``-inf`` cells: padding never wins.  At most ``kernel_size // 2`` per side, as
        PyTorch requires (checked against ``k``, not the dilated extent).
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

    Maxout: the maximum over groups of 2 channels of an (N, C) array.

    >>> max_pool(np.array([[1, 7, 3, 2]]), 2, axes=(1,))
    array([[7, 3]])
    """
    func = "max_pool"
    return_indices = check_bool(func, "return_indices", return_indices)
    moved, spec, axes = _setup(
        func, x, kernel_size, axes, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode
    )
    if moved.dtype.kind == "c":
        raise fail(func, "x", x, "is complex, which has no order", "real numbers", TypeError)
    if moved.dtype.kind != "f":
        _refuse_empty(func, spec, dilation, padding)
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


# --------------------------------------------------------------------------------------------
# average


def _counts(spec: ConvSpec, lo_edge: Callable, hi_edge: Callable, outputs: tuple | None = None) -> np.ndarray:
    """Per output, the number of window taps with ``lo_edge(g) <= source < hi_edge(g)`` on every
    axis, as an array over the output's pooled axes (only the ``outputs`` ranges, one ``range``
    per axis, when given: refconv.dask divides block by block)."""
    per_axis = []
    for i, g in enumerate(spec.axes):
        o = np.arange(g.out) if outputs is None else np.arange(outputs[i].start, outputs[i].stop)
        src = source_index(o[:, None], np.arange(g.k)[None, :], array_safe(g))
        per_axis.append(((src >= lo_edge(g)) & (src < hi_edge(g))).sum(axis=1))
    return reduce(np.multiply, np.ix_(*per_axis))


def _window_sum(x: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Sum over each window's taps in row-major order, starting from zero as PyTorch does (so an
    all-``-0.0`` window sums to ``+0.0``); padded and overhang cells add zero.

    Floats run over slabs of planes (:data:`SLAB_CELLS` padded cells, padded into one reused
    buffer), so that a slab and its views stay in cache across the taps: the same additions in
    the same order, one pass over the input instead of one per tap.
    """
    if x.dtype.kind not in "fc":
        total = None
        with np.errstate(**_IEEE):
            for _, view, _ in _windows(x, spec, 0):
                total = view + np.zeros((), view.dtype) if total is None else total + view
        return total
    lead, plane = x.shape[: x.ndim - spec.ndim], x.shape[x.ndim - spec.ndim :]
    planes = x.reshape(math.prod(lead), *plane)
    out = np.empty((len(planes), *spec.output_shape), dtype=x.dtype)
    step = max(1, SLAB_CELLS // math.prod(g.padded + g.overhang for g in spec.axes))
    padder = slab_padder(planes, spec, min(step, len(planes)), 0)
    slices = all_tap_slices(spec)
    zero = np.zeros((), x.dtype)
    with np.errstate(**_IEEE):
        for p0 in range(0, len(planes), step):
            padded, total = padder(p0, min(p0 + step, len(planes))), out[p0 : p0 + step]
            views = [padded[(Ellipsis, *s)] for s in slices]
            np.add(views[0], zero, out=total)
            for view in views[1:]:
                np.add(total, view, out=total)
    return out.reshape(*lead, *spec.output_shape)


def avg_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    axes: Any = None,
) -> np.ndarray:
    """Average pooling: the mean over each rectangular window, exact for exact inputs.

    Parameters
    ----------
    x : array_like
        Any rank; integer, float, complex or exact object arrays.
    kernel_size, stride, padding, ceil_mode, axes
        As in :func:`max_pool` (padded cells hold zero; no dilation, as in PyTorch).
    count_include_pad : bool
        Divide by the taps inside the padded input (True, PyTorch's default) or by the input
        cells in the window (False).  Either way the cells a ceil-mode window reaches past the
        padded input are not counted, as in PyTorch.
    divisor_override : int, optional
        A nonzero divisor used for every window instead (PyTorch's; it overrides
        ``count_include_pad``).

    Returns
    -------
    numpy.ndarray
        Exact inputs (integer dtypes, object arrays of int/Fraction): an object array of
        :class:`fractions.Fraction` (``Fraction(2, 1)`` for an integral mean; never a floor
        division).  SymPy inputs: SymPy.  Float/complex: ``x``'s dtype, computed as the sum over
        the taps in row-major order from zero, then one division.  ``float16`` is summed and
        divided in ``float64`` and rounded once to ``float16``: a mean that fits ``float16`` never
        overflows (``[60000, 60000]`` gives 60000, as PyTorch's ``float32`` accumulation does), and
        for windows and divisors up to ``2**13`` it is the correctly rounded mean.

    Examples
    --------
    The 4x4 image of :func:`max_pool`, exactly:

    >>> x = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 0], [0, 9, 0, 0]])
    >>> avg_pool(x, (2, 2)).tolist()
    [[Fraction(5, 2), Fraction(13, 2)], [Fraction(9, 4), Fraction(1, 4)]]
    >>> avg_pool([1, 2], 2)[0]
    Fraction(3, 2)

    PyTorch's divisor with ceil_mode and padding: the window past the input counts its padding
    but never the ceil overhang.

    >>> avg_pool(np.arange(1.0, 7.0), 3, stride=2, padding=1, ceil_mode=True)
    array([1., 3., 5., 3.])
    >>> avg_pool(np.arange(1.0, 7.0), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    array([1.5, 3. , 5. , 6. ])
    """
    func = "avg_pool"
    count_include_pad = check_bool(func, "count_include_pad", count_include_pad)
    if divisor_override is not None:
        if not is_int(divisor_override):
            raise fail(func, "divisor_override", divisor_override, "is not an int", "None or a nonzero int", TypeError)
        if divisor_override == 0:
            raise fail(func, "divisor_override", divisor_override, "is zero", "None or a nonzero int (as torch)")
    moved, spec, axes = _setup(func, x, kernel_size, axes, stride=stride, padding=padding, ceil_mode=ceil_mode)
    kind = domain(func, {"x": moved, "w": np.ones(spec.kernel_shape, dtype=np.int64)})
    given_dtype = moved.dtype
    moved = convert(moved, kind, accumulator(moved.dtype))
    total = _window_sum(moved, spec)
    if divisor_override is not None:
        divisor = np.array(int(divisor_override))
    elif count_include_pad:
        divisor = _counts(spec, lambda g: -g.lo, lambda g: g.n + g.hi)
    else:
        divisor = _counts(spec, lambda g: 0, lambda g: g.n)
    if kind == "float":
        with np.errstate(**_IEEE):
            np.divide(total, divisor.astype(total.real.dtype), out=total)  # total is this call's own array
            return _restore(total.astype(given_dtype, copy=False), axes)
    return _restore(finish(_ratio(total, divisor), "object"), axes)


# --------------------------------------------------------------------------------------------
# Lp


def _check_p(func: str, p: Any):
    """``p`` as a positive real or ``math.inf``."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real):
        raise fail(func, "p", p, "is not a real number", "p > 0 or math.inf", TypeError)
    if p != p or not p > 0:
        raise fail(func, "p", p, "is not positive", "p > 0 or math.inf (the Lp norm needs p > 0)")
    return p


#: Largest exact power :func:`lp_pool` computes, in bits: for ``p = a/b`` (its exact value),
#: ``max(a, b)`` times the bits of the largest ``|v|`` (``|v|**a`` and the root's ``b``-th power).
POWER_BITS_LIMIT = 10**6


def _bits(v) -> int:
    """Bits of an exact number's numerator or denominator, whichever is longer (1 for SymPy irrationals)."""
    if isinstance(v, (int, np.integer)):
        return int(v).bit_length()
    if isinstance(v, numbers.Rational):
        return max(int(v.numerator).bit_length(), int(v.denominator).bit_length())
    if _is_sympy(v) and v.is_Rational:
        return max(int(v.p).bit_length(), int(v.q).bit_length())
    return 1


def _check_power(func: str, p, magnitude: np.ndarray):
    """The exact ``p`` (:func:`_exact_p`), refused before computing powers past :data:`POWER_BITS_LIMIT`."""
    q = _exact_p(p)
    a, b = (q, 1) if isinstance(q, int) else (q.numerator, q.denominator)
    bits = max(map(_bits, magnitude.flat), default=1)
    size = max(a, b) * max(bits, 1)
    if size > POWER_BITS_LIMIT:
        exactly = f"{a}/{b}" if len(f"{a}/{b}") <= 40 else f"a/b with {a.bit_length()}-bit a and {b.bit_length()}-bit b"
        about = f"{size:,}" if size < 10**12 else f"2**{size.bit_length() - 1}"
        raise fail(
            func,
            "p",
            p,
            f"is exactly {exactly}: raising exact x (entries of up to {bits} bits) to it needs numbers of about "
            f"{about} bits, over the limit of {POWER_BITS_LIMIT:,} (refconv.pooling.POWER_BITS_LIMIT)",
            "p with a small numerator and denominator (e.g. Fraction(1, 10), not 0.1), or float x",
        )
    return q


def _exact_p(p):
    """``p`` as an exact rational: an int when integral (floats are dyadic rationals, so exact)."""
    q = Fraction(p)
    return int(q) if q.denominator == 1 else q


def lp_pool(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    ceil_mode: bool = False,
    axes: Any = None,
) -> np.ndarray:
    """Lp pooling: the p-norm ``(sum |v|**p) ** (1/p)`` of each window (the seed's "L2 norm").

    Parameters
    ----------
    x : array_like
        Any rank; integer, float, complex or exact object arrays.
    p : positive real or math.inf
        The norm's order; ``math.inf`` gives ``max |v|``.
    kernel_size, stride, ceil_mode, axes
        As in :func:`max_pool` (no padding or dilation, as in PyTorch).  A window clipped by
        ceil mode is the norm of the cells it holds.

    Returns
    -------
    numpy.ndarray
        Exact inputs: an object array of SymPy numbers, the exact root (``sympy.Integer(5)``,
        ``2*sqrt(2)``; a float ``p`` is its exact dyadic value).  Float inputs: ``x``'s real
        dtype, computed as the sum of ``|v|**p`` over the taps in row-major order, then
        ``sqrt`` (p = 2) or ``** (1/p)``; it overflows where ``|v|**p`` does.  ``float16`` is
        computed in ``float64`` and rounded once to ``float16``, so it is ``inf`` only where the
        norm itself exceeds the ``float16`` range (``[300, 300]`` with ``p=2`` gives 424.2;
        PyTorch's half ``lp_pool`` overflows in ``300**2``).

    Notes
    -----
    PyTorch's ``lp_pool*d`` differs: it takes no absolute value (odd ``p`` on negative values),
    and in ceil mode scales a clipped window by the full kernel size.  :func:`lp_pool_torch`
    reproduces it.

    Examples
    --------
    >>> lp_pool([[3, 4]], 2, (1, 2))
    array([[5]], dtype=object)
    >>> lp_pool([1, 1, -3, 4], 1, 2)        # |1|+|1|, |-3|+|4|
    array([2, 7], dtype=object)
    >>> lp_pool([2, 2, 1, 1], 2, 2)
    array([2*sqrt(2), sqrt(2)], dtype=object)
    >>> lp_pool(np.array([3.0, -4.0, 1.0]), 2, 2, ceil_mode=True)
    array([5., 1.])
    """
    func = "lp_pool"
    p = _check_p(func, p)
    moved, spec, axes = _setup(func, x, kernel_size, axes, stride=stride, ceil_mode=ceil_mode)
    exact = moved.dtype.kind not in "fc"
    if exact:
        moved = np.abs(moved.astype(object))
    else:
        real = np.abs(np.zeros(0, moved.dtype)).dtype  # x's real dtype: the result's
        moved = np.abs(moved.astype(accumulator(moved.dtype), copy=False))
    if p == math.inf:
        best, _, _ = _max_core(func, moved, spec, want_index=False)
        if not exact:
            return _restore(best.astype(real, copy=False), axes)
        return _restore(_to_sympy(best), axes)
    if not exact:
        # A Fraction p would make NumPy power element by element in Python floats, which raise
        # OverflowError where IEEE arithmetic gives inf: floats take p as a float.
        pf = float(p)
        with np.errstate(**_IEEE):
            total = _window_sum(moved**pf, spec)
            norm = np.sqrt(total) if pf == 2 else total ** (1 / pf)
            return _restore(norm.astype(real, copy=False), axes)
    q = _check_power(func, p, moved)
    # Integral p stays in Python ints/Fractions until the root; a fractional p needs SymPy powers.
    total = _window_sum(moved**q if isinstance(q, int) else _pow(moved, q), spec)
    return _restore(finish(_root(total, q), "object"), axes)


def _sympy_of(v):
    import sympy

    if _is_sympy(v):
        return v
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    return sympy.Integer(int(v))


def _pow(v: np.ndarray, q) -> np.ndarray:
    return _map(lambda a: _sympy_of(a) ** _sympy_of(Fraction(q)), v)


def _root(s: np.ndarray, q) -> np.ndarray:
    return _map(lambda a: _sympy_of(a) ** (1 / _sympy_of(Fraction(q))), s)


def _to_sympy(v: np.ndarray) -> np.ndarray:
    return _map(_sympy_of, v)


def lp_pool_torch(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    ceil_mode: bool = False,
    axes: Any = None,
) -> np.ndarray:
    """PyTorch's ``lp_pool*d`` formula, for adapters: ``(sign(a) * relu(|a|) * K) ** (1/p)``.

    ``a`` is ``avg_pool(x**p)`` (no absolute value; PyTorch's ceil-mode divisor) and ``K`` is the
    full window size, so a clipped ceil-mode window is overcounted by ``K / cells``, and an odd
    ``p`` on negative values gives NaN or a signed result.  ``p = math.inf`` is ``max |v|``.
    Float inputs only; this is not the Lp norm — use :func:`lp_pool` for that.

    Examples
    --------
    The clipped last window ``[5]``: torch's 7.07... = sqrt(2 * 25), where the norm is 5.

    >>> lp_pool_torch(np.array([3.0, 4.0, 2.0, 2.0, 5.0]), 2, 2, ceil_mode=True).round(3)
    array([5.   , 2.828, 7.071])
    >>> lp_pool(np.array([3.0, 4.0, 2.0, 2.0, 5.0]), 2, 2, ceil_mode=True).round(3)
    array([5.   , 2.828, 5.   ])
    """
    func = "lp_pool_torch"
    p = _check_p(func, p)
    arr = as_operand(func, "x", x)
    if arr.dtype.kind != "f":
        raise fail(
            func, "x", x, f"has dtype {arr.dtype}", "a float array (this reproduces torch's float formula)", TypeError
        )
    if p == math.inf:
        return max_pool(np.abs(arr), kernel_size, stride=stride, ceil_mode=ceil_mode, axes=axes)
    with np.errstate(**_IEEE):  # NaN from a negative base is torch's answer, reproduced
        a = avg_pool(arr * arr if p == 2 else arr**p, kernel_size, stride=stride, ceil_mode=ceil_mode, axes=axes)
        window = math.prod(shape_tuple(func, "kernel_size", kernel_size))
        scaled = np.sign(a) * np.maximum(np.abs(a), 0) * window
        # torch evaluates pow(., 0.5) as sqrt.
        return np.sqrt(scaled) if p == 2 else scaled ** (1.0 / p)


# --------------------------------------------------------------------------------------------
# distance-weighted


def _scalar(value):
    """A NumPy scalar as the Python number it holds, for messages (``-1``, not ``np.int64(-1)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _weights(func: str, weight: Any, kernel_size: tuple[int, ...], exact: bool) -> np.ndarray:
    """The weight of each window tap, as an operand array of shape ``kernel_size``."""
    if callable(weight):
        import sympy

        values = []
        for tap in np.ndindex(*kernel_size):
            # Twice the offset from the centre is an integer, so the squared distance is exact.
            d2 = Fraction(sum((2 * t - (k - 1)) ** 2 for t, k in zip(tap, kernel_size)), 4)
            d = sympy.sqrt(sympy.Rational(d2.numerator, d2.denominator)) if exact else math.sqrt(d2)
            value = weight(d)
            if _is_sympy(value) and value.is_Rational:
                # Rational SymPy weights become int/Fraction, so rational pools give Fractions.
                value = int(value.p) if value.q == 1 else Fraction(int(value.p), int(value.q))
            values.append(value)
        table = np.empty(len(values), dtype=object)
        table[:] = values
        if all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in values
        ):
            table = np.array(values)  # plain numbers: an int64 or float64 table
        w = as_operand(func, "weight", table.reshape(kernel_size))
    elif isinstance(weight, (np.ndarray, list, tuple)):
        w = as_operand(func, "weight", weight)
        if w.shape != kernel_size:
            raise fail(
                func,
                "weight",
                weight,
                f"has shape {w.shape}, not kernel_size={kernel_size}",
                "a callable of the distance, or an array of shape kernel_size",
            )
    else:
        raise fail(
            func,
            "weight",
            weight,
            "is neither a callable nor an array",
            "a callable of the distance to the window centre, or an array of shape kernel_size",
            TypeError,
        )
    if w.dtype.kind == "c":
        raise fail(func, "weight", weight, "is complex", "real weights >= 0", TypeError)
    for tap in np.ndindex(*kernel_size):
        value = w[tap]
        try:
            bad = not bool(value >= 0) or (w.dtype.kind == "f" and not math.isfinite(value))
        except TypeError:
            raise fail(
                func,
                "weight",
                weight,
                f"gives {_scalar(value)!r} at tap {tap}, whose sign is unknown",
                "real weights >= 0",
                TypeError,
            ) from None
        if bad:
            raise fail(func, "weight", weight, f"gives {_scalar(value)!r} at tap {tap}", "finite weights >= 0")
    return w


def weighted_pool(
    x: Any,
    kernel_size: Any,
    weight: Callable[[Any], Any] | Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    axes: Any = None,
) -> np.ndarray:
    """Distance-weighted average pooling: ``sum w_t v_t / sum w_t`` over each window.

    The seed's "weighted average based on the distance from the central pixel".

    Parameters
    ----------
    x : array_like
        Any rank; integer, float or exact object arrays.
    kernel_size, stride, padding, axes
        As in :func:`max_pool` (no dilation or ceil mode).
    weight : callable or array_like
        ``weight(d)`` of the Euclidean distance ``d`` (in cells) from a tap to the window's
        centre (which lies between cells for an even length), or an explicit array of shape
        ``kernel_size``.  ``d`` is a SymPy number (``sqrt(2)``, ``sqrt(5)/2``) when ``x`` is
        exact and a Python float otherwise; ``weight`` is called once per tap.  Weights must be
        finite and ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Exact ``x`` with rational weights: an object array of :class:`fractions.Fraction`;
        irrational SymPy weights give SymPy numbers.  Float ``x``: ``x``'s dtype (``float16``
        computed in ``float64``, weights included, and rounded once, as in :func:`avg_pool`).

    Notes
    -----
    Padded cells are *ignored*: they take no weight, and the weights are renormalised over the
    input cells of the window (``sum`` over those cells only, numerator and denominator), so
    padding never pulls the average toward zero and every output is a convex combination of
    input values.  A window whose input cells all have weight zero is an error.  Exact ``x``
    with float weights is refused (TypeError), as in :func:`refconv.correlate`.

    Examples
    --------
    Weight ``1/(1 + d**2)`` on a 3x3 window: 1 at the centre, 1/2 at the edges, 1/3 at the
    corners, so a window of ones, except a 9 at the centre, averages
    ``(9 + 4/2 + 4/3) / (1 + 4/2 + 4/3)``:

    >>> x = np.ones((3, 3), dtype=int); x[1, 1] = 9
    >>> weighted_pool(x, (3, 3), lambda d: 1 / (1 + d**2))
    array([[Fraction(37, 13)]], dtype=object)
    >>> weighted_pool([1, 2, 3, 4], 2, [1, 3])          # (1 + 6)/4, (3 + 12)/4
    array([Fraction(7, 4), Fraction(15, 4)], dtype=object)
    """
    return _weighted_pool("weighted_pool", x, kernel_size, weight, stride, padding, axes)


def _weighted_pool(func: str, x, kernel_size, weight, stride, padding, axes) -> np.ndarray:
    """:func:`weighted_pool`, its errors naming ``func`` (the global form calls it too)."""
    moved, spec, axes = _setup(func, x, kernel_size, axes, stride=stride, padding=padding)
    exact = moved.dtype.kind not in "fc"
    w = _weights(func, weight, spec.kernel_shape, exact)
    if exact and w.dtype.kind in "fc":
        raise fail(
            func,
            "weight",
            weight,
            f"gives {w.dtype} weights while x is exact",
            "exact weights (int, Fraction, SymPy) for exact x, or a float x",
            TypeError,
        )
    given_dtype, wide = moved.dtype, accumulator(moved.dtype)
    if not exact and w.dtype.kind == "O":
        w = np.array([float(v) for v in w.flat], dtype=wide).reshape(w.shape)
    kind = domain(func, {"x": moved, "w": w})
    moved, w = convert(moved, kind, wide), convert(w, kind, wide)
    num = den = None
    with np.errstate(**_IEEE):
        for tap, view, mesh in _windows(moved, spec, 0):
            term, mass = view * w[tap], np.where(_real(mesh), w[tap], 0)
            num = term if num is None else num + term
            den = mass if den is None else den + mass
    if not (den > 0).all():
        where = tuple(int(i) for i in np.argwhere(~(den > 0))[0])
        raise fail(
            func,
            "weight",
            weight,
            f"gives window {where} a total weight of zero on its input cells",
            "a positive total weight on every window",
        )
    if kind == "float":
        with np.errstate(**_IEEE):
            return _restore((num / den).astype(given_dtype, copy=False), axes)
    return _restore(finish(_ratio(num, den), "object"), axes)


# --------------------------------------------------------------------------------------------
# global forms and figure 9.8


def _global_axes(func: str, x: Any, axes: Any) -> tuple[np.ndarray, tuple[int, ...], tuple[int, ...]]:
    given, x = x, as_operand(func, "x", x)
    if x.ndim == 0:
        raise fail(func, "x", given, "is 0-dimensional", "an array with at least one axis")
    if axes is None:
        chosen = tuple(range(x.ndim))
    else:
        count = len(axes) if isinstance(axes, (tuple, list)) else 1
        if count == 0:
            raise fail(func, "axes", axes, "is empty", "at least one axis to pool over, or None for all")
        chosen = _axes(func, axes, x.ndim, count, (None,) * count)
    empty = [a for a in chosen if x.shape[a] == 0]
    if empty:
        why = f"has length 0 on pooled axis {empty[0]} (x.shape={x.shape})"
        raise fail(func, "x", given, why, "pooled axes of length >= 1")
    return x, chosen, tuple(x.shape[a] for a in chosen)


def _axis_spec(func: str, n: int) -> ConvSpec:
    """One window covering a whole axis of length ``n``."""
    return pool_spec(func, (n,), (n,))


def _global_sum(func: str, x: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """The sum over ``axes`` (kept, length 1), one axis at a time from the last listed: a global
    window is the product of whole-axis windows, so it costs ``sum(n)`` tap steps, not
    ``prod(n)``.  Exact inputs run in the arithmetic :func:`refconv._arith.domain` proves safe."""
    kind = domain(func, {"x": x, "w": np.ones(tuple(x.shape[a] for a in axes), dtype=np.int64)})
    total = convert(x, kind, accumulator(x.dtype))
    for a in reversed(axes):
        moved = np.moveaxis(total, a, -1)
        total = np.moveaxis(_window_sum(moved, _axis_spec(func, moved.shape[-1])), -1, a)
    return total, kind


def global_max_pool(x: Any, *, axes: Any = None, return_indices: bool = False):
    """Max over the whole of ``axes`` (default: every axis), kept as length-1 axes (ONNX ``GlobalMaxPool``).

    Equal to ``max_pool(x, [x.shape[a] for a in axes], axes=axes, ...)``, values and indices (the
    flat index is row-major over ``axes``), computed one axis at a time from the last listed:
    the row-major first maximum is the first row maximum of the first row holding it, and the
    row-major last NaN the last NaN of the last row holding one, so the tie and NaN rules of
    :func:`max_pool` compose.

    >>> global_max_pool(np.array([[[1, 5], [3, 2]]]), axes=(1, 2))
    array([[[5]]])
    >>> global_max_pool(np.array([[1, 5], [5, 2]]), return_indices=True)[1]
    array([[1]])
    """
    func = "global_max_pool"
    return_indices = check_bool(func, "return_indices", return_indices)
    x, axes, _ = _global_axes(func, x, axes)
    if x.dtype.kind == "c":
        raise fail(func, "x", x, "is complex, which has no order", "real numbers", TypeError)
    best, flat, span = x, None, 1
    for a in reversed(axes):
        moved = np.moveaxis(best, a, -1)
        n = moved.shape[-1]
        value, where, _ = _max_core(func, moved, _axis_spec(func, n), return_indices)
        best = np.moveaxis(value, -1, a)
        if return_indices:
            where = np.moveaxis(where, -1, a)
            # The winner's index within the axes already reduced, read at the winning position.
            inner = 0 if flat is None else np.take_along_axis(flat, where, axis=a)
            flat = where * span + inner
        span *= n
    if x.dtype.kind == "O":
        best = finish(best, "object")
    return (best, flat) if return_indices else best


def global_avg_pool(x: Any, *, axes: Any = None) -> np.ndarray:
    """Mean over the whole of ``axes`` (default: every axis), kept as length-1 axes.

    Exact inputs give the same Fractions as ``avg_pool(x, [x.shape[a] for a in axes],
    axes=axes)``.  Floats are summed one axis at a time (the last listed first; each axis in
    order, from zero), then divided once (``float16`` in ``float64``, rounded once, as in
    :func:`avg_pool`).

    >>> global_avg_pool(np.array([[1, 2], [3, 5]])).tolist()
    [[Fraction(11, 4)]]
    """
    func = "global_avg_pool"
    x, axes, size = _global_axes(func, x, axes)
    total, kind = _global_sum(func, x, axes)
    if kind == "float":
        with np.errstate(**_IEEE):
            return (total / total.real.dtype.type(math.prod(size))).astype(x.dtype, copy=False)
    return finish(_ratio(total, math.prod(size)), "object")


def global_lp_pool(x: Any, p: float, *, axes: Any = None) -> np.ndarray:
    """Lp norm over the whole of ``axes`` (default: every axis), kept as length-1 axes.

    Exact inputs give the same SymPy numbers as ``lp_pool`` with a window over the whole of
    ``axes``; floats sum ``|v|**p`` one axis at a time (as :func:`global_avg_pool`; ``float16``
    in ``float64``, rounded once).

    >>> global_lp_pool(np.array([[3, 0], [0, 4]]), 2)
    array([[5]], dtype=object)
    """
    func = "global_lp_pool"
    p = _check_p(func, p)
    x, axes, _ = _global_axes(func, x, axes)
    exact = x.dtype.kind not in "fc"
    magnitude = np.abs(x.astype(object)) if exact else np.abs(x)
    if p == math.inf:
        best = global_max_pool(magnitude, axes=axes)
        return _to_sympy(best) if exact else best
    if not exact:
        with np.errstate(**_IEEE):
            # accumulator(): float16 powers and sums in float64, rounded once (see lp_pool).
            pf = float(p)  # a Fraction p would power in Python floats, which raise on overflow (see lp_pool)
            total, _ = _global_sum(func, magnitude.astype(accumulator(magnitude.dtype), copy=False) ** pf, axes)
            return (np.sqrt(total) if pf == 2 else total ** (1 / pf)).astype(magnitude.dtype, copy=False)
    q = _check_power(func, p, magnitude)
    total, _ = _global_sum(func, magnitude**q if isinstance(q, int) else _pow(magnitude, q), axes)
    return finish(_root(total, q), "object")


def global_weighted_pool(x: Any, weight: Callable[[Any], Any] | Any, *, axes: Any = None) -> np.ndarray:
    """Distance-weighted average over the whole of ``axes`` (default: every axis).

    >>> global_weighted_pool([1, 5, 3], lambda d: 2 - d)     # (1 + 10 + 3) / (1 + 2 + 1)
    array([Fraction(7, 2)], dtype=object)
    """
    func = "global_weighted_pool"
    x, axes, size = _global_axes(func, x, axes)
    return _weighted_pool(func, x, size, weight, None, 0, axes)


def pooled_unchanged_fraction(
    x: Any,
    kernel_size: Any,
    *,
    shift: int = 1,
    axis: int = -1,
    pool: Callable[..., np.ndarray] = max_pool,
    **options: Any,
) -> Fraction:
    """Fraction of pooled outputs that stay the same when the input shifts by ``shift`` cells.

    Figure 9.8's experiment.  The input moved right by ``shift`` along ``axis`` holds
    ``x[i - shift]`` at position ``i``; on the positions both signals cover
    (``shift <= i < n``) that is ``x[:-shift]`` against the original ``x[shift:]``.  Both are
    pooled with ``pool(signal, kernel_size, **options)`` and compared output by output (NaN
    counts as changed).  ``kernel_size=1, stride=1`` compares the detector values themselves.
    For :func:`lp_pool` pass e.g. ``pool=lambda v, k, **o: lp_pool(v, 2, k, **o)``.

    Examples
    --------
    Figure 9.8: detector values 0.1 1. 0.2 0.1 in view; max pooling of width 3, stride 1 gives
    1. 1. 1. 0.2.  Shifted right by one, the detector row reads 0.3 0.1 1. 0.2 — every value
    changed — and the pool 0.3 1. 1. 1.: only half changed.

    >>> row = [Fraction(v, 10) for v in (0, 3, 1, 10, 2, 1, 0)]
    >>> pooled_unchanged_fraction(row, 1, stride=1)
    Fraction(0, 1)
    >>> pooled_unchanged_fraction(row, 3, stride=1)
    Fraction(1, 2)
    """
    func = "pooled_unchanged_fraction"
    given, x = x, as_operand(func, "x", x)
    if x.ndim == 0:
        raise fail(func, "x", given, "is 0-dimensional", "an array with at least one axis")
    if not is_int(axis):
        raise fail(func, "axis", axis, "is not an int", "an axis number", TypeError)
    if not -x.ndim <= axis < x.ndim:
        raise fail(func, "axis", axis, f"is out of range for x.ndim={x.ndim}", f"an axis in [-{x.ndim}, {x.ndim})")
    n = x.shape[axis]
    if not is_int(shift):
        raise fail(func, "shift", shift, "is not an int", "an int >= 1", TypeError)
    if not 1 <= shift < n:
        raise fail(
            func, "shift", shift, f"leaves no overlap of x.shape[{axis}]={n} with its shift", f"1 <= shift < {n}"
        )
    if not callable(pool):
        raise fail(func, "pool", pool, "is not callable", "a pooling function such as max_pool", TypeError)
    original = np.take(x, np.arange(shift, n), axis=axis)
    shifted = np.take(x, np.arange(0, n - shift), axis=axis)
    before, after = pool(original, kernel_size, **options), pool(shifted, kernel_size, **options)
    same = np.asarray(before == after, dtype=bool)
    if same.size == 0:
        raise fail(func, "x", given, f"of shape {x.shape} gives no pooled outputs to compare", "a non-empty x")
    return Fraction(int(same.sum()), same.size)
