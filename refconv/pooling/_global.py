"""The global pools (one window over the whole of the pooled axes, one axis at a time) and
figure 9.8's experiment, :func:`pooled_unchanged_fraction`."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import accumulator, as_operand, convert, domain, finish
from .._validation import check_bool, fail, is_int
from ..spec import ConvSpec, pool_spec
from ._lp import _check_p, _check_power, _pow, _root, _to_sympy
from ._max import _max_core, max_pool
from ._weighted import _weighted_pool
from ._windows import _IEEE, _axes, _ratio, _window_sum

__all__ = ["global_max_pool", "global_avg_pool", "global_lp_pool", "global_weighted_pool", "pooled_unchanged_fraction"]


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

    Parameters
    ----------
    x : array_like
        At least one axis; integer, float or exact object arrays of orderable values.
    axes : int or tuple of int, optional
        The pooled axes (default: every axis), distinct, each of length at least one.
    return_indices : bool
        Also return the flat index of each maximum within the pooled axes.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of int64)
        ``x``'s dtype, with every pooled axis of length 1.

    Raises
    ------
    ValueError
        A 0-d ``x``, bad or empty ``axes``, or a pooled axis of length 0.
    TypeError
        Complex inputs, or values that cannot be ordered.

    See Also
    --------
    max_pool : the windowed form; equal to it with one window over ``axes``.
    global_avg_pool : the mean over the whole of ``axes``.
    global_lp_pool : the p-norm over the whole of ``axes``.

    Examples
    --------
    >>> global_max_pool(np.array([[[1, 5], [3, 2]]]), axes=(1, 2))
    array([[[5]]])
    >>> global_max_pool(np.array([[1, 5], [5, 2]]), return_indices=True)[1]
    array([[1]])

    The windowed form with one window over the axes agrees, indices included:

    >>> x = np.array([[4, 1, 4], [0, 4, 2]])
    >>> [a.tolist() for a in global_max_pool(x, return_indices=True)]
    [[[4]], [[0]]]
    >>> [a.tolist() for a in max_pool(x, x.shape, return_indices=True)]
    [[[4]], [[0]]]
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

    Parameters
    ----------
    x : array_like
        At least one axis; integer, float, complex or exact object arrays.
    axes : int or tuple of int, optional
        The pooled axes (default: every axis), distinct, each of length at least one.

    Returns
    -------
    numpy.ndarray
        Every pooled axis of length 1.  Exact inputs: an object array of
        :class:`fractions.Fraction` (SymPy for SymPy inputs); floats: ``x``'s dtype.

    Raises
    ------
    ValueError
        A 0-d ``x``, bad or empty ``axes``, or a pooled axis of length 0.

    See Also
    --------
    avg_pool : the windowed form; equal to it with one window over ``axes`` for exact inputs.
    global_max_pool : the maximum over the whole of ``axes``.
    global_weighted_pool : a distance-weighted mean over the whole of ``axes``.

    Examples
    --------
    >>> global_avg_pool(np.array([[1, 2], [3, 5]])).tolist()
    [[Fraction(11, 4)]]

    Per row, against the hand sums ``(1 + 2) / 2`` and ``(3 + 5) / 2`` and the windowed form:

    >>> from refconv.pooling import avg_pool
    >>> x = np.array([[1, 2], [3, 5]])
    >>> global_avg_pool(x, axes=1).tolist() == [[Fraction(3, 2)], [Fraction(8, 2)]] == avg_pool(x, 2).tolist()
    True
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

    Parameters
    ----------
    x : array_like
        At least one axis; integer, float, complex or exact object arrays.
    p : positive real or math.inf
        The norm's order; ``math.inf`` gives ``max |v|``.
    axes : int or tuple of int, optional
        The pooled axes (default: every axis), distinct, each of length at least one.

    Returns
    -------
    numpy.ndarray
        Every pooled axis of length 1.  Exact inputs: an object array of SymPy numbers (the exact
        root); floats: ``x``'s real dtype.

    Raises
    ------
    ValueError
        ``p <= 0``, an exact ``p`` past :data:`refconv.pooling.POWER_BITS_LIMIT`, a 0-d ``x``,
        bad or empty ``axes``, or a pooled axis of length 0.
    TypeError
        A ``p`` that is not a real number.

    See Also
    --------
    lp_pool : the windowed form; equal to it with one window over ``axes``.
    global_max_pool : ``global_lp_pool(x, math.inf)`` is ``global_max_pool(abs(x))``.
    global_avg_pool : the mean over the whole of ``axes``.

    Examples
    --------
    >>> global_lp_pool(np.array([[3, 0], [0, 4]]), 2)
    array([[5]], dtype=object)

    Against the windowed form, and the hand sum ``|1| + |-2| + |3|``:

    >>> from refconv.pooling import lp_pool
    >>> x = np.array([[1, -2, 3]])
    >>> global_lp_pool(x, 1, axes=1).tolist(), lp_pool(x, 1, 3).tolist()
    ([[6]], [[6]])
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

    :func:`weighted_pool` with one window over the whole of ``axes``; the pooled axes are kept,
    of length 1.

    Parameters
    ----------
    x : array_like
        At least one axis; integer, float or exact object arrays.
    weight : callable or array_like
        ``weight(d)`` of the distance ``d`` from a cell to the centre of the pooled axes, or an
        array of shape ``[x.shape[a] for a in axes]``; as in :func:`weighted_pool`.
    axes : int or tuple of int, optional
        The pooled axes (default: every axis), distinct, each of length at least one.

    Returns
    -------
    numpy.ndarray
        As :func:`weighted_pool`: Fractions for exact ``x`` and rational weights, ``x``'s dtype
        for floats.

    Raises
    ------
    ValueError
        Negative, non-finite or all-zero weights, a 0-d ``x``, bad or empty ``axes``, or a pooled
        axis of length 0.
    TypeError
        A weight that is neither callable nor an array, or float weights for exact ``x``.

    See Also
    --------
    weighted_pool : the windowed form.
    global_avg_pool : equal weights.

    Examples
    --------
    Weight ``2 - d`` on 3 cells: 1, 2, 1.

    >>> global_weighted_pool([1, 5, 3], lambda d: 2 - d)     # (1 + 10 + 3) / (1 + 2 + 1)
    array([Fraction(7, 2)], dtype=object)
    >>> from refconv.pooling import weighted_pool
    >>> global_weighted_pool([1, 5, 3], [1, 2, 1]).tolist() == weighted_pool([1, 5, 3], 3, [1, 2, 1]).tolist()
    True
    """
    func = "global_weighted_pool"
    x, axes, size = _global_axes(func, x, axes)
    return _weighted_pool(func, x, size, weight, axes, {"stride": None, "padding": 0})


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

    Parameters
    ----------
    x : array_like
        The detector values, at least one axis.
    kernel_size : int or tuple of int
        Passed to ``pool``.
    shift : int
        Cells to shift by, ``1 <= shift < x.shape[axis]``.
    axis : int
        The axis shifted along.
    pool : callable
        ``pool(signal, kernel_size, **options)``; :func:`max_pool` by default.  For
        :func:`lp_pool` pass e.g. ``pool=lambda v, k, **o: lp_pool(v, 2, k, **o)``.
    **options
        Keywords for ``pool`` (``stride``, ``padding``, ``axes``, ...).

    Returns
    -------
    fractions.Fraction
        Unchanged outputs over all outputs, exactly.

    Raises
    ------
    ValueError
        A 0-d ``x``, ``axis`` out of range, ``shift`` outside ``[1, n)``, or no pooled outputs.
    TypeError
        A non-int ``axis`` or ``shift``, or a ``pool`` that is not callable.

    See Also
    --------
    max_pool : the default pool, whose near-invariance figure 9.8 shows.
    refconv.properties.pooling_invariance : the reusable check of pooling's near-invariance.

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
