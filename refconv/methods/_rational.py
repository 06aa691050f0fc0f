"""Exact rationals as scaled integers: the direct method's fast path for ``int``/``Fraction`` operands.

A correlation is linear in each operand, so scaling ``x`` by ``Dx`` and ``w`` by ``Dw`` (the
common denominators of their entries) scales every output by ``D = Dx * Dw``: the products and
sums run on integers — ``int64`` when :mod:`refconv._arith`'s no-overflow bound allows, else
Python ints — and each output is divided back once (:func:`rescale`).  Exact, and far faster
than a loop of ``Fraction`` operations while ``D`` stays short; past :data:`SCALE_BITS` bits
:func:`scaled_integers` declines and the caller sums the ``Fraction`` entries as they are.

Examples
--------
>>> import numpy as np
>>> from fractions import Fraction
>>> x = np.array([Fraction(1, 2), Fraction(1, 3), 1], dtype=object)
>>> w = np.array([Fraction(1, 5), 2], dtype=object)
>>> X, W, D, fractions = scaled_integers(x, w)
>>> X.tolist(), W.tolist(), D, fractions
([3, 2, 6], [1, 10], 30, True)
>>> y = np.array([3 * 1 + 2 * 10, 2 * 1 + 6 * 10])   # X correlated with W, by hand
>>> rescale(y, D).tolist() == [Fraction(1, 2) / 5 + Fraction(2, 3), Fraction(1, 3) / 5 + 2]
True
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from numbers import Rational
from typing import NamedTuple

import numpy as np

from .._arith import INT64_MAX, _abs_max, fits_int64

__all__ = ["SCALE_BITS", "Scaled", "scaled_integers", "common_denominator", "rescale"]

#: Exact rationals are scaled to integers while their common denominator has at most this many
#: bits.  Measured against a plain ``Fraction`` loop (benchmarks/bench_exact.py): 1,000 bits
#: (about 100 coprime denominators) and 3 to 30 taps, scaling is 2-4x faster; 3,000-7,000 bits,
#: 1.2-4x slower.  Denominators 1..9 give 2520, 12 bits.
SCALE_BITS = 1024

_numerator = np.frompyfunc(operator.attrgetter("numerator"), 1, 1)
_denominator = np.frompyfunc(operator.attrgetter("denominator"), 1, 1)


class Scaled(NamedTuple):
    """Integer operands whose outputs, divided by ``denominator``, are the rational operands' outputs."""

    x: np.ndarray
    w: np.ndarray
    denominator: int
    fractions: bool  # an operand held a non-int rational: the outputs are Fractions (see rescale)


def scaled_integers(x: np.ndarray, w: np.ndarray) -> Scaled | None:
    """The operands scaled to integers (:class:`Scaled`), or None.

    None when an entry is not rational (SymPy) or the common denominator is past
    :data:`SCALE_BITS` bits.  ``X`` and ``W`` are ``int64`` when the no-overflow bound allows,
    else object arrays of Python ints.
    """
    scaled = []
    denominator = 1
    fractions = False
    for arr in (x, w):
        kinds = set(map(type, arr.flat))
        if not all(issubclass(t, Rational) for t in kinds):
            return None
        if kinds <= {int}:
            scaled.append(arr)
            continue
        fractions = True
        dens = _denominator(arr)
        d = common_denominator(set(dens.ravel().tolist()), SCALE_BITS - denominator.bit_length())
        if d is None:  # too large to pay off: plain Fraction arithmetic (the module docstring)
            return None
        scaled.append(_numerator(arr) * (d // dens))
        denominator *= d
    X, W = scaled
    # X and W hold Python ints (object arrays): the int64 rule of refconv._arith decides, and
    # each must itself be an int64 (a zero x makes the bound 0 whatever w holds).
    if fits_int64({"x": X, "w": W}, lead=2) and max(_abs_max(X), _abs_max(W)) <= INT64_MAX:
        X, W = X.astype(np.int64), W.astype(np.int64)
    return Scaled(X, W, denominator, fractions)


def common_denominator(denominators: set[int], bits: int) -> int | None:
    """The lcm of ``denominators``, or None as soon as it exceeds ``bits`` bits (it never shrinks)."""
    d = 1
    for v in denominators:
        d = math.lcm(d, v)
        if d.bit_length() > bits:
            return None
    return d


def rescale(y: np.ndarray, denominator: int, fractions: bool = True) -> np.ndarray:
    """``y / denominator`` as Fractions in lowest terms, or as Python ints when no operand held a
    Fraction (``fractions`` false, denominator 1): the kinds the other methods' arithmetic gives."""
    if not fractions:
        return y.astype(object)
    if y.dtype == np.int64 and denominator <= INT64_MAX:
        # Reduce with a vectorised gcd, then build each Fraction from coprime parts directly.
        g = np.gcd(y, np.int64(denominator))
        numerators, denominators = (y // g).ravel().tolist(), (np.int64(denominator) // g).ravel().tolist()
        out = np.empty(len(numerators), dtype=object)
        out[:] = list(map(_coprime_fraction, numerators, denominators))
        return out.reshape(y.shape)
    return np.frompyfunc(lambda v: Fraction(int(v), denominator), 1, 1)(y).astype(object)


def _coprime_fraction(n: int, d: int) -> Fraction:
    """``Fraction(n, d)`` for coprime ``n`` and ``d > 0`` without re-normalising.

    Building thousands of output Fractions dominates the exact rational path; skipping the
    redundant gcd through the constructor's own fast path halves it.
    """
    return _FROM_COPRIME(n, d)


def _probe_from_coprime():
    if hasattr(Fraction, "_from_coprime_ints"):  # Python >= 3.12
        return Fraction._from_coprime_ints
    try:
        if Fraction(2, 4, _normalize=False).denominator == 4:  # Python <= 3.11
            return lambda n, d: Fraction(n, d, _normalize=False)
    except TypeError:  # pragma: no cover
        pass
    return Fraction  # pragma: no cover


_FROM_COPRIME = _probe_from_coprime()
