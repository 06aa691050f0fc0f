"""Pooling and small translations (§9.3, figure 9.8): which max-pooled outputs a shift keeps, and how many."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from .._validation import fail, int_tuple, is_int
from ..spec import ConvSpec, plain_spec
from ._report import _as_array, _call, _equal, _outer_and, _value

__all__ = ["PoolShift", "max_pool_shift", "PoolingInvariance", "pooling_invariance"]


class PoolShift(NamedTuple):
    """Which max-pooled outputs a shift leaves unchanged, measured and predicted (:func:`max_pool_shift`).

    Parameters
    ----------
    unchanged : numpy.ndarray
        Boolean, the pooled output's shape: the outputs ``pool`` returned unchanged (measured).
    predicted : numpy.ndarray
        Boolean, same shape: the outputs the exact max condition says are unchanged.
    kept : numpy.ndarray
        Boolean, same shape: the outputs whose maximum stays in view and nothing larger enters.
    fraction : fractions.Fraction
        ``unchanged.sum() / unchanged.size``, exactly.

    See Also
    --------
    max_pool_shift : the property that returns it.
    PoolingInvariance : the fractions of figure 9.8, pooled against detector.

    Examples
    --------
    >>> r = PoolShift(np.array([True, False]), np.array([True, False]), np.array([True, False]), Fraction(1, 2))
    >>> r.fraction, r.unchanged.tolist() == r.predicted.tolist()
    (Fraction(1, 2), True)
    """

    unchanged: np.ndarray
    predicted: np.ndarray
    kept: np.ndarray
    fraction: Fraction


class PoolingInvariance(NamedTuple):
    """Figure 9.8 in numbers: the fractions of detector and pooled values a shift leaves unchanged.

    Parameters
    ----------
    detector : fractions.Fraction
        Fraction of the detector values (the input, pooled with width 1) that the shift leaves unchanged.
    pooled : fractions.Fraction
        Fraction of the pooled outputs that the shift leaves unchanged.
    kept : fractions.Fraction
        Fraction of the pooled outputs unchanged because their window's maximum stays in view and
        nothing larger enters (the rest of ``pooled`` are ties between a leaving and an entering value).

    See Also
    --------
    pooling_invariance : the property that returns it.
    PoolShift : the per-output masks behind ``pooled`` and ``kept``.

    Examples
    --------
    >>> r = PoolingInvariance(Fraction(0), Fraction(1, 2), Fraction(1, 2))
    >>> r.pooled - r.detector
    Fraction(1, 2)
    """

    detector: Fraction
    pooled: Fraction
    kept: Fraction


def _windows(z: np.ndarray, spec: ConvSpec, offset: tuple[int, ...]) -> np.ndarray:
    """The values each window reads in ``z``: ``(*lead, *output_shape, taps)``; tap ``t`` of output ``o``
    is cell ``offset + o*s + t*d``."""
    ndim = spec.ndim
    index = [
        np.add.outer(c + np.arange(g.out) * g.stride, np.arange(g.k) * g.dilation) for c, g in zip(offset, spec.axes)
    ]
    values = z[(Ellipsis, *np.ix_(*[i.ravel() for i in index]))]
    lead = values.shape[: values.ndim - ndim]
    values = values.reshape(lead + tuple(d for g in spec.axes for d in (g.out, g.k)))
    # (o1, t1, o2, t2, ...) -> (o1, o2, ..., t1, t2, ...)
    order = [
        *range(len(lead)),
        *(len(lead) + 2 * a for a in range(ndim)),
        *(len(lead) + 2 * a + 1 for a in range(ndim)),
    ]
    return values.transpose(order).reshape(lead + spec.output_shape + (spec.taps,))


def _shared_taps(spec: ConvSpec, shift: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Flat masks of the taps the old and the new window share: old tap ``t`` is new tap ``t + shift/d``."""
    shared_old, shared_new = [], []
    for s, g in zip(shift, spec.axes):
        t = np.arange(g.k)
        if s % g.dilation:  # the windows' cells interleave: none is shared
            shared_old.append(np.zeros(g.k, bool))
            shared_new.append(np.zeros(g.k, bool))
            continue
        step = s // g.dilation
        shared_old.append((t + step >= 0) & (t + step < g.k))
        shared_new.append((t - step >= 0) & (t - step < g.k))
    return _outer_and(shared_old).ravel(), _outer_and(shared_new).ravel()


def _max_condition(v_old: np.ndarray, v_new: np.ndarray, ov_old: np.ndarray, ov_new: np.ndarray):
    """``(predicted, kept)``: unchanged iff ``A >= L and A >= E`` (kept) or ``L == E >= A`` (a tie)."""
    shape = v_old.shape[:-1]
    if ov_old.all():  # no shift: nothing leaves or enters
        return np.ones(shape, dtype=bool), np.ones(shape, dtype=bool)
    L, E = v_old[..., ~ov_old].max(axis=-1), v_new[..., ~ov_new].max(axis=-1)
    tie = np.asarray(L == E, dtype=bool)
    if not ov_old.any():  # disjoint windows: only the tie remains
        return tie, np.zeros(shape, dtype=bool)
    A = v_old[..., ov_old].max(axis=-1)
    kept = np.asarray((A >= L) & (A >= E), dtype=bool)
    return kept | (tie & np.asarray(L >= A, dtype=bool)), kept


def _pool_shift(
    func: str, pool: Callable, z: Any, kernel_size: Any, shift: Any, stride: Any, dilation: Any
) -> PoolShift:
    """:func:`max_pool_shift`'s body, with ``func`` naming the public function in messages."""
    z = np.asarray(z)
    if z.dtype.kind == "f" and np.isnan(z).any():
        raise fail(func, "z", z, "holds NaN", "an input without NaN (a NaN maximum has no order)")
    k = (kernel_size,) if is_int(kernel_size) else tuple(kernel_size)
    ndim = len(k)
    shift = int_tuple(func, "shift", shift, ndim, minimum=-(2**62))
    axes = tuple(range(z.ndim - ndim, z.ndim))
    n = tuple(z.shape[a] - abs(s) for a, s in zip(axes, shift))
    spec = plain_spec(func, n, k, stride=k if stride is None else stride, dilation=dilation)
    # x = z[c : c + n] and x'(i) = x(i - shift) = z[c - shift : c - shift + n], c = max(shift, 0).
    start = tuple(max(s, 0) for s in shift)
    moved = tuple(c - s for c, s in zip(start, shift))
    old = z[(Ellipsis, *(slice(c, c + m) for c, m in zip(start, n)))]
    new = z[(Ellipsis, *(slice(c, c + m) for c, m in zip(moved, n)))]
    options = {"stride": spec.stride}
    if any(d != 1 for d in spec.dilation):
        options["dilation"] = spec.dilation
    y_old, y_new = _as_array(pool(old, kernel_size, **options)), _as_array(pool(new, kernel_size, **options))
    call = _call(pool, old, kernel_size, **options) + f" against the input shifted by {shift}"
    if y_old.shape != y_new.shape or y_old.shape[y_old.ndim - ndim :] != spec.output_shape:
        raise AssertionError(
            f"{func}: got pooled shapes {y_old.shape} and {y_new.shape}, expected spatial {spec.output_shape}\n"
            f"call: {call}"
        )
    unchanged = _equal(y_old, y_new, 0.0, 0.0)
    predicted, kept = _max_condition(_windows(z, spec, start), _windows(z, spec, moved), *_shared_taps(spec, shift))
    if not (predicted == unchanged).all():
        index = tuple(int(i) for i in np.argwhere(predicted != unchanged)[0])
        raise AssertionError(
            f"{func}: got output {list(index)} {'unchanged' if unchanged[index] else 'changed'} "
            f"({_value(y_old[index])} -> {_value(y_new[index])}), expected it "
            f"{'unchanged' if predicted[index] else 'changed'} by the max condition\ncall: {call}"
        )
    return PoolShift(unchanged, predicted, kept, Fraction(int(unchanged.sum()), unchanged.size))


def max_pool_shift(
    pool: Callable,
    z: Any,
    kernel_size: Any,
    shift: Any,
    *,
    stride: Any = None,
    dilation: Any = 1,
) -> PoolShift:
    """§9.3: which max-pooled outputs a small translation leaves unchanged, and exactly why.

    ``z`` is a longer signal (the middle of a detector layer, figure 9.8); the input is the view
    ``x = z[c : c + n]`` and the translated input ``x'(i) = x(i - shift)`` is the view starting at
    ``c - shift`` (``c = max(shift, 0)``, ``n = len(z) - |shift|``, per pooled axis — the last
    ``len(kernel_size)`` axes).  Both are pooled by ``pool(v, kernel_size, stride=, dilation=)``.

    The exact condition: window ``W`` moves to ``W' = W - shift``.  Let ``A`` be the maximum over
    the cells they share, ``L`` over the cells leaving and ``E`` over the cells entering.  The
    pooled value ``max(A, L)`` becomes ``max(A, E)``, so it is unchanged **iff** ``A >= L`` and
    ``A >= E`` (the maximum stays in view and nothing larger enters: ``kept``), or ``L == E >=
    A`` (a tie between leaving and entering values).  When ``W`` and ``W'`` share no cell (a shift
    of at least the window, or not a multiple of the dilation) only the tie remains.

    Parameters
    ----------
    pool : callable
        The max pooling under test, ``pool(v, kernel_size, stride=..., dilation=...)``
        (``dilation`` is passed only when it is not 1).
    z : array_like
        The detector signal the two views are cut from; no NaN (a NaN maximum has no order).
    kernel_size : int or tuple of int
        Window per pooled axis; the pooled axes are the last ``len(kernel_size)`` of ``z``.
    shift : int or tuple of int
        Translation per pooled axis, positive or negative; ``|shift|`` must leave a view of at
        least one window.
    stride : int or tuple of int, optional
        Pooling stride; default ``kernel_size`` (non-overlapping windows).
    dilation : int or tuple of int
        Pooling dilation.

    Returns
    -------
    PoolShift
        The measured ``unchanged`` mask, the ``predicted`` one (they must agree), ``kept``, and
        the ``fraction`` unchanged.

    Raises
    ------
    AssertionError
        ``pool`` changes an output the max condition keeps, or keeps one it changes (got /
        expected / call), or returns the wrong shape.

    See Also
    --------
    pooling_invariance : the fractions of figure 9.8, detector against pooled.
    refconv.pooling.pooled_unchanged_fraction : the measured fraction for any pooling function.

    Examples
    --------
    Width 3, stride 1, shift 1: the detector values all move, half of the pooled ones do not.

    >>> from refconv.pooling import max_pool
    >>> r = max_pool_shift(max_pool, np.array([0, 3, 1, 10, 2, 1, 0]), 3, 1, stride=1)
    >>> r.unchanged.astype(int).tolist(), r.fraction
    ([0, 1, 1, 0], Fraction(1, 2))

    The same fraction, measured by :mod:`refconv.pooling`:

    >>> from refconv.pooling import pooled_unchanged_fraction
    >>> pooled_unchanged_fraction(np.array([0, 3, 1, 10, 2, 1, 0]), 3, stride=1)
    Fraction(1, 2)
    """
    return _pool_shift("max_pool_shift", pool, z, kernel_size, shift, stride, dilation)


def pooling_invariance(
    pool: Callable,
    z: Any,
    kernel_size: Any,
    shift: Any = 1,
    *,
    stride: Any = None,
    dilation: Any = 1,
) -> PoolingInvariance:
    """§9.3, figure 9.8: pooling makes the representation approximately invariant to small translations.

    The seed: *"In all cases, pooling helps to make the representation become approximately
    invariant to small translations of the input"*; figure 9.8 shifts a detector row right by one
    cell: every detector value changes, only half of the max-pooled values do.  This property
    states that comparison as exact fractions: the detector values (``z`` pooled with a width-1
    window, stride 1) and the pooled outputs (``kernel_size``, ``stride``, ``dilation``) that a
    translation by ``shift`` leaves unchanged.  Both counts come from :func:`max_pool_shift` —
    the same views of ``z``, the same exact max condition, checked output by output against
    ``pool`` — so a pooling function that is not a max pool fails here the way it fails there.

    "Approximately" is all the seed claims, so no inequality between the two is asserted: ``pooled`` is not
    always above ``detector`` (``z = [0, 0, 0, 0, 1]``, width 2, stride 1: the detector keeps 3/4,
    the pool 2/3).  ``refconv verify``'s row ``pool-invariance`` measures the average on random
    detector rows.

    Parameters
    ----------
    pool : callable
        The max pooling under test, ``pool(v, kernel_size, stride=..., dilation=...)``.
    z : array_like
        The detector signal (as for :func:`max_pool_shift`); no NaN.
    kernel_size : int or tuple of int
        Pooling window per pooled axis (the last ``len(kernel_size)`` axes of ``z``).
    shift : int or tuple of int
        The small translation, per pooled axis (default one cell).
    stride : int or tuple of int, optional
        Pooling stride; default ``kernel_size``.
    dilation : int or tuple of int
        Pooling dilation.

    Returns
    -------
    PoolingInvariance
        ``detector``, ``pooled`` and ``kept``: exact fractions of the values left unchanged.

    Raises
    ------
    AssertionError
        ``pool`` disagrees with the max condition on the detector or on the pooled layer.

    See Also
    --------
    max_pool_shift : which outputs are unchanged, and why.
    refconv.pooling.pooled_unchanged_fraction : the measured fraction for any pooling function.

    Examples
    --------
    Figure 9.8 (values in tenths): the detector row in view is ``3 1 10 2 1 0``; shifted right by
    one it reads ``0 3 1 10 2 1``, every cell changed.  Max pooling of width 3, stride 1 gives
    ``10 10 10 2`` before and ``3 10 10 10`` after: outputs 1 and 2 keep their maximum (10 stays
    in view), outputs 0 and 3 change.

    >>> from refconv.pooling import max_pool
    >>> z = np.array([0, 3, 1, 10, 2, 1, 0])
    >>> pooling_invariance(max_pool, z, 3, stride=1)
    PoolingInvariance(detector=Fraction(0, 1), pooled=Fraction(1, 2), kept=Fraction(1, 2))

    Cross-check with the measurement in :mod:`refconv.pooling`:

    >>> from refconv.pooling import pooled_unchanged_fraction
    >>> pooled_unchanged_fraction(z, 1, stride=1), pooled_unchanged_fraction(z, 3, stride=1)
    (Fraction(0, 1), Fraction(1, 2))
    """
    func = "pooling_invariance"
    pooled = _pool_shift(func, pool, z, kernel_size, shift, stride, dilation)
    width_one = 1 if is_int(kernel_size) else (1,) * len(tuple(kernel_size))
    detector = _pool_shift(func, pool, z, width_one, shift, 1, 1)
    kept = Fraction(int(pooled.kept.sum()), pooled.kept.size)
    return PoolingInvariance(detector.fraction, pooled.fraction, kept)
