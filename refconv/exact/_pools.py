"""Exact values of the Lp and weighted pools and of their global forms, for float inputs.

Weighted pooling is linear in ``x`` with the weights as given: every finite float is a dyadic
rational, so ``sum w_t v_t / sum w_t`` is an exact rational, computed by refconv's own
:func:`~refconv.pooling.weighted_pool` on the integers ``X`` of ``x = X * 2**E`` and the weights
as Fractions (one geometry: the windows are not re-derived here), then scaled by ``2**E``.  The
weights are a parameter of the op, not an operand: the exact value uses them exactly as given (a
callable is evaluated as refconv's float path evaluates it, at float distances).

The Lp norm ``(sum |v|**p) ** (1/p)`` is not rational.  With ``p = a/b`` (its exact value),
``|v| = X * 2**E`` gives ``y = 2**E * (sum X**(a/b)) ** (b/a)``: the common scale factors out.
Each term is enclosed by integer roots with ``F`` fraction bits, the window sums of the lower and
upper terms (refconv's :func:`~refconv.pooling.avg_pool` with ``divisor_override=1``: the same
windows) enclose the power sum, and integer ``a``-th roots of its ``b``-th power enclose ``y``
to ``H`` bits.  The enclosure is narrowed (``F`` and ``H`` doubled, Ziv's strategy) until both
ends round to the same float16, bfloat16, float32 and float64 numbers; the value returned is a
Fraction inside it, so :func:`refconv.exact.rounded` rounds it correctly to any of them.  Where
every root is exact (``p = 1``; ``p = 2`` on a perfect square) the enclosure is one point and the
value is exact.  An irrational ``y`` is never a rounding boundary, so the loop ends; a rational
``y`` on a boundary reached through irrational terms (``p = 1/2``: ``(sqrt 2 + sqrt 2)**2 = 8``)
is refused past :data:`MAX_GUARD_BITS`.  The judge decides ``|got - y| <= bound`` on that Fraction:
the verdict can differ from the one on ``y`` itself only when the error lies within
``2**-MAX_GUARD_BITS * y`` of the bound.  ``p = inf`` is ``max |v|``: refconv's float result,
already exact.

Non-finite inputs: refconv's own op on ``sign(x)`` where ``x`` is finite (no overflow possible)
and the non-finite values elsewhere gives IEEE's class of each output.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from .._validation import fail
from ..pooling import avg_pool, weighted_pool
from ..pooling._global import _global_axes
from ..pooling._weighted import _weights
from ..pooling._windows import _setup
from ._rounding import BFLOAT16, Format, _round_fraction, float_format

__all__ = ["exact_pool", "windowed", "MAX_GUARD_BITS"]

#: Most fraction bits the Lp enclosure is narrowed to before refusing (see the module docstring).
MAX_GUARD_BITS = 4096
#: Largest integer an exact power or root may reach, in bits (as refconv.pooling.POWER_BITS_LIMIT).
_MAX_BITS = 10**6
#: Every format a value may be rounded to: an enclosure is settled when both ends agree in each.
_FORMATS: tuple[Format, ...] = tuple(float_format("exact", t) for t in ("float16", "float32", "float64")) + (BFLOAT16,)


def windowed(form, x: Any, params: dict) -> tuple[str, dict]:
    """A global pool's call as its windowed op's: one window over the whole of the pooled axes.

    ``params`` holds the call's arguments by name (``axes`` and, per op, ``p`` or ``weight``);
    returns the windowed op's name and its arguments by name (``kernel_size`` and ``axes`` added).

    >>> from refconv.exact import OPS
    >>> windowed(OPS["global_lp_pool"], np.zeros((2, 3, 4)), {"p": 2, "axes": (1, 2)})
    ('lp_pool', {'p': 2, 'kernel_size': (3, 4), 'axes': (1, 2)})
    """
    _, axes, size = _global_axes(form.name, x, params.get("axes"))
    rest = {k: v for k, v in params.items() if k != "axes"}
    return form.name.removeprefix("global_"), {**rest, "kernel_size": size, "axes": axes}


def _by_name(form, args: tuple, kwargs: dict) -> dict:
    return {**dict(zip(form.positional, args)), **kwargs}


def exact_pool(form, args: tuple, kwargs: dict) -> tuple[str, Any]:
    """``exact_value`` of an Lp or weighted pool (``form.kind`` "norm" or "weighted"), global or
    windowed: ``("rational", R)`` (Fractions, refconv's own non-finite values) or, for
    ``p = inf``, ``("float", y)``."""
    params = _by_name(form, args, kwargs)
    x = np.asarray(params.pop("x"))
    if form.kernel_index is None:
        name, params = windowed(form, x, params)
    else:
        name = form.name
    fn = {"lp_pool": _lp, "weighted_pool": _weighted}[name]
    return fn(x, params)


def _ints(a: np.ndarray) -> tuple[np.ndarray, int]:
    """``(I, E)`` with finite float array ``a == I * 2**E`` exactly, ``I`` Python ints."""
    ratios = [float(v).as_integer_ratio() for v in a.reshape(-1)]
    E = -max((d.bit_length() - 1 for _, d in ratios), default=0)
    ints = np.empty(len(ratios), dtype=object)
    ints[:] = [n * ((1 << -E) // d) for n, d in ratios]
    return ints.reshape(a.shape), E


def _classes(fn, x: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray | None:
    """IEEE's class of each output (None when ``x`` is finite): the op on ``sign(x)``, non-finite kept."""
    if np.isfinite(x).all():
        return None
    signs = np.where(np.isfinite(x), np.sign(x), x).astype(np.float64)
    with np.errstate(all="ignore"):
        return np.asarray(fn(signs, *args, **kwargs), dtype=np.float64)


def _with_classes(value: np.ndarray, cls: np.ndarray | None) -> np.ndarray:
    if cls is None:
        return value
    return np.where(np.isfinite(cls), value, cls.astype(object))


def _weighted(x: np.ndarray, params: dict) -> tuple[str, Any]:
    kernel_size, weight = params.pop("kernel_size"), params.pop("weight")
    geometry = {k: params[k] for k in ("stride", "padding", "dilation", "pad_rule") if k in params}
    _, spec, _ = _setup("exact_value", x, kernel_size, params.get("axes"), **geometry)
    # The weights as refconv's float path has them (a callable at float distances), then exactly.
    table = np.asarray(_weights("exact_value", weight, spec.kernel_shape, spec.dilation, exact=False))
    exact_w = np.empty(table.shape, dtype=object)
    exact_w.reshape(-1)[:] = [Fraction(float(v)) for v in table.reshape(-1)]
    X, E = _ints(np.where(np.isfinite(x), x, 0))
    scale = Fraction(2) ** E
    value = np.asarray(weighted_pool(X, kernel_size, exact_w, **params), dtype=object) * scale
    cls = _classes(weighted_pool, x, kernel_size, table.astype(np.float64), **params)
    return "rational", _with_classes(value, cls)


def _iroot(n: int, k: int) -> int:
    """``floor(n ** (1/k))`` for an integer ``n >= 0`` (Newton's method on integers)."""
    if n < 2 or k == 1:
        return n
    r = 1 << -(-n.bit_length() // k)  # >= the root
    while True:
        s = ((k - 1) * r + n // r ** (k - 1)) // k
        if s >= r:
            return r
        r = s


def _shift(n: int, s: int, up: bool) -> int:
    """``n * 2**s`` rounded down (or up) to an integer."""
    if s >= 0:
        return n << s
    return -((-n) >> -s) if up else n >> -s


def _term(i: int, a: int, b: int, F: int, up: bool) -> int:
    """``i**(a/b) * 2**F`` rounded down (or up) to an integer."""
    t = i**a << (F * b)
    r = _iroot(t, b)
    return r + 1 if up and r**b != t else r


def _root(s: int, a: int, b: int, F: int, H: int, up: bool) -> int:
    """``(s / 2**F) ** (b/a) * 2**H`` rounded down (or up) to an integer."""
    t = _shift(s**b, H * a - F * b, up)
    r = _iroot(t, a)
    return r + 1 if up and r**a != t else r


def _check_size(p, q: Fraction, X: np.ndarray, G: int) -> None:
    bits = max((int(v).bit_length() for v in X.flat), default=1)
    size = max(q.numerator, q.denominator) * (bits + G)
    if size > _MAX_BITS:
        raise fail(
            "exact_value",
            "p",
            p,
            f"is exactly {q.numerator}/{q.denominator}: enclosing the Lp norm needs integers of about "
            f"{size:,} bits, over the limit of {_MAX_BITS:,}",
            "p with a small numerator and denominator (1, 2, 3, 1.5, ...)",
        )


def _lp(x: np.ndarray, params: dict) -> tuple[str, Any]:
    from ..pooling import lp_pool

    p, kernel_size = params.pop("p"), params.pop("kernel_size")
    if p == math.inf:
        return "float", lp_pool(x, p, kernel_size, **params)
    lp_pool(np.zeros(x.shape, dtype=np.float64), p, kernel_size, **params)  # the op's own refusals first
    q = Fraction(p)
    a, b = q.numerator, q.denominator
    X, E = _ints(np.abs(np.where(np.isfinite(x), x, 0)))
    sums = dict(kernel_size=kernel_size, divisor_override=1, **params)
    terms = np.frompyfunc(_term, 5, 1)
    roots = np.frompyfunc(_root, 6, 1)
    G = 64
    while True:
        _check_size(p, q, X, G)
        lo_s = np.asarray(avg_pool(terms(X, a, b, G, False), **sums), dtype=object)
        hi_s = np.asarray(avg_pool(terms(X, a, b, G, True), **sums), dtype=object)
        lo_s, hi_s = (np.frompyfunc(int, 1, 1)(s) for s in (lo_s, hi_s))  # Fractions of denominator 1
        scale = Fraction(2) ** (E - G)
        lo = np.asarray(roots(lo_s, a, b, G, G, False), dtype=object) * scale
        hi = np.asarray(roots(hi_s, a, b, G, G, True), dtype=object) * scale
        if _settled(lo, hi):
            value = np.frompyfunc(lambda u, v: (u + v) / 2, 2, 1)(lo, hi)
            break
        if G >= MAX_GUARD_BITS:
            raise fail(
                "exact_value",
                "p",
                p,
                f"gives a norm within 2**-{MAX_GUARD_BITS} of a rounding boundary, which this oracle cannot round",
                "an integer p, or x whose norms are not on a boundary",
            )
        G *= 2
    return "rational", _with_classes(np.asarray(value, dtype=object), _classes(lp_pool, x, p, kernel_size, **params))


def _settled(lo: np.ndarray, hi: np.ndarray) -> bool:
    """Both ends of every enclosure round to the same number in every format."""
    for u, v in zip(lo.reshape(-1), hi.reshape(-1)):
        if u != v and any(_round_fraction(u, f) != _round_fraction(v, f) for f in _FORMATS):
            return False
    return True
