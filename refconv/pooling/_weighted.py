"""Distance-weighted pooling: :func:`weighted_pool`, the seed's "weighted average based on the
distance from the central pixel", exact for exact inputs and weights."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import _is_sympy, accumulator, as_operand, convert, domain, finish
from .._validation import fail
from ._windows import _IEEE, _ratio, _real, _restore, _setup, _windows

__all__ = ["weighted_pool"]


def _scalar(value):
    """A NumPy scalar as the Python number it holds, for messages (``-1``, not ``np.int64(-1)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _distance_weights(
    weight: Callable[[Any], Any], kernel_size: tuple[int, ...], dilation: tuple[int, ...], exact: bool
) -> np.ndarray:
    """``weight(d)`` per window tap (row-major), ``d`` its distance in input cells to the window's
    centre (taps ``dilation`` cells apart): an int64 or float64 table for plain numbers, else an
    object table of shape ``kernel_size``."""
    import sympy

    values = []
    for tap in np.ndindex(*kernel_size):
        # Twice the offset from the centre is an integer, so the squared distance is exact.
        d2 = Fraction(sum(((2 * t - (k - 1)) * e) ** 2 for t, k, e in zip(tap, kernel_size, dilation)), 4)
        d = sympy.sqrt(sympy.Rational(d2.numerator, d2.denominator)) if exact else math.sqrt(d2)
        value = weight(d)
        if _is_sympy(value) and value.is_Rational:
            # Rational SymPy weights become int/Fraction, so rational pools give Fractions.
            value = int(value.p) if value.q == 1 else Fraction(int(value.p), int(value.q))
        values.append(value)
    table = np.empty(len(values), dtype=object)
    table[:] = values
    plain = (int, float, np.integer, np.floating)
    if all(isinstance(v, plain) and not isinstance(v, (bool, np.bool_)) for v in values):
        table = np.array(values)  # plain numbers: an int64 or float64 table
    return table.reshape(kernel_size)


def _weights(func: str, weight: Any, kernel_size: tuple[int, ...], dilation: tuple[int, ...], exact: bool):
    """The weight of each window tap, as an operand array of shape ``kernel_size``."""
    if callable(weight):
        w = as_operand(func, "weight", _distance_weights(weight, kernel_size, dilation, exact))
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
    dilation: Any = 1,
    axes: Any = None,
    pad_rule: str = "torch",
) -> np.ndarray:
    """Distance-weighted average pooling: ``sum w_t v_t / sum w_t`` over each window.

    The seed's "weighted average based on the distance from the central pixel".

    Parameters
    ----------
    x : array_like
        Any rank; integer, float or exact object arrays.
    kernel_size, stride, padding, dilation, axes, pad_rule
        As in :func:`max_pool` (no ceil mode).
    weight : callable or array_like
        ``weight(d)`` of the Euclidean distance ``d`` (in input cells, so dilated taps lie
        ``dilation`` cells apart) from a tap to the window's centre (which lies between cells
        for an even length), or an explicit array of shape
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

    See Also
    --------
    avg_pool : equal weights; ``weighted_pool`` with a constant weight is ``avg_pool`` with
        ``count_include_pad=False``.
    max_pool : the maximum over the same windows.
    global_weighted_pool : one window over the whole of the pooled axes.

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

    A constant weight against :func:`avg_pool`, padding ignored by both:

    >>> from refconv.pooling import avg_pool
    >>> v = [1, 2, 3, 4, 6]
    >>> weighted_pool(v, 3, lambda d: 1, padding=1).tolist()
    [Fraction(3, 2), Fraction(13, 3)]
    >>> avg_pool(v, 3, padding=1, count_include_pad=False).tolist()
    [Fraction(3, 2), Fraction(13, 3)]

    Dilation 2: taps 2 cells from the centre weigh ``1/(1 + 2**2)``, the centre 1, so
    ``[1, _, 6, _, 1]`` gives ``(1/5 + 6 + 1/5) / (1/5 + 1 + 1/5)``:

    >>> weighted_pool([1, 0, 6, 0, 1], 3, lambda d: 1 / (1 + d**2), dilation=2)
    array([Fraction(32, 7)], dtype=object)
    """
    geometry = dict(stride=stride, padding=padding, dilation=dilation, pad_rule=pad_rule)
    return _weighted_pool("weighted_pool", x, kernel_size, weight, axes, geometry)


def _weighted_pool(func: str, x, kernel_size, weight, axes, geometry: dict) -> np.ndarray:
    """:func:`weighted_pool`, its errors naming ``func`` (the global form calls it too)."""
    moved, spec, axes = _setup(func, x, kernel_size, axes, **geometry)
    exact = moved.dtype.kind not in "fc"
    w = _weights(func, weight, spec.kernel_shape, spec.dilation, exact)
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
