"""An exact value held as an unevaluated sum of float64 arrays, and its rounding once.

The fast exact path (:mod:`refconv.exact._scaled`) ends with a few float64 arrays ``T_i``, each
holding its addend *exactly* (integer limb-pair results times powers of two, and the bias), and an
integer exponent per output: the exact value is ``(T_0 + ... + T_{n-1}) * 2**scale`` (Ozaki,
Ogita, Oishi & Rump, Numer. Algorithms 59, 2012: "an unevaluated sum of floating-point
matrices").  It is never summed into big integers unless an output needs it.

Rounding it once to a format of ``p`` bits, vectorised (:meth:`Expansion.rounded`):

1. **Sum2** (Ogita, Rump & Oishi, SISC 26(6), 2005): the TwoSum cascade gives ``s = fl(sum)``
   and error terms ``e_i`` with ``sum T_i = s + sum e_i`` *exactly* (TwoSum is error-free without
   overflow); ``c = fl(sum e_i)`` and ``|sum e_i - c| <= gamma_{m-1} sum|e_i|`` (Higham 2002,
   (4.4)), enclosed by ``r = m * 2**-52 * fl(sum|e_i|)`` for ``m`` error terms [derived here: the
   factor 2 over ``gamma_{m-1}/(1-gamma_{m-1})`` absorbs the roundings of ``r`` itself].
2. The exact value lies in ``[s + c_lo, s + c_hi]`` with ``c_lo <= c - r`` and ``c_hi >= c + r``
   (one ``nextafter`` outward).  ``g = fl(s + c_lo) * 2**scale`` is ``RN_53`` of the low end
   (exactly, while it is a float64 normal number), likewise the high end.
3. The answer is ``RN_p(g_lo)`` when ``RN_p(g_lo) == RN_p(g_hi)`` (same sign bit) and neither
   ``g`` is a midpoint of the target format: ``RN_p`` and ``RN_53`` are monotone, and a value
   that rounds differently must reach a target midpoint, which is itself a float64 number
   [derived here; notes §4.5].  For ``p = 53`` no float64 is a midpoint and the test reduces to
   ``fl(s + c_lo) == fl(s + c_hi)``.
4. Every other output (near a rounding boundary, or outside float64's normal range after
   scaling) is summed exactly in Python ints and rounded by the integer rule.  Such outputs are
   rare (a rounding boundary within ``r``, about ``2**-(53-p)`` of them per ulp of slack).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ._rounding import Format, _round_dyadic_int

__all__ = ["Expansion"]

_U = 2.0**-53


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knuth's TwoSum: ``s = fl(a + b)`` and ``e`` with ``a + b == s + e`` exactly (no overflow)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


#: Elements per block of the vectorised rounding: its temporaries stay in cache.
_BLOCK = 1 << 15


def _round_block(terms: list[np.ndarray], scale: np.ndarray, fmt: Format) -> tuple[np.ndarray, np.ndarray]:
    """``RN_p`` of ``sum(terms) * 2**scale`` for 1-D blocks, and where that answer is certain."""
    s, errors = terms[0], []
    for t in terms[1:]:
        s, err = _two_sum(s, t)
        errors.append(err)
    c = r = 0.0
    if errors:
        c = errors[0]
        mass = np.abs(errors[0])
        for err in errors[1:]:
            c = c + err
            mass = mass + np.abs(err)
        if len(errors) > 1:  # one error term is summed exactly
            r = mass * (len(errors) * 2 * _U)
    g = s + c
    if fmt.p == 53:
        # RN_53 of s + c, off the exact value by r at most: certain if |s + c - g| + r < ulp(g)/2.
        _, tail = _two_sum(s, c)
        radius = np.abs(tail) + r
    else:
        # RN_53(s + c) is within |g| 2**-53 of s + c; the double rounding is caught by the distance test.
        radius = np.abs(g) * _U + r
    # + 0.0 turns an exact zero's -0.0 (a sum of -0.0 products) into refconv's +0.0.
    G = np.ldexp(g, scale) + 0.0
    R = np.ldexp(radius * (1 + 2.0**-50), scale)
    e = np.frexp(G)[1]  # |G| in [2**(e-1), 2**e)
    quantum = np.maximum(e - 1, fmt.e_min) - (fmt.p - 1)
    units = np.ldexp(G, -quantum)  # G in units of the target's quantum: exact (at most 53 bits)
    n = np.rint(units)  # half to even
    off = units - n
    # Distance to the nearest rounding boundary, in quanta; at the bottom of a binade the boundary
    # below is a quarter quantum away (the binade below has half the quantum).
    slack = np.where(
        np.abs(n) == 2.0 ** (fmt.p - 1), np.minimum(0.5 - np.abs(off), 0.25 + np.sign(G) * off), 0.5 - np.abs(off)
    )
    out = np.ldexp(n, quantum)
    out = np.where(np.abs(out) > fmt.realmax, np.copysign(np.inf, G), out)
    certain = (np.abs(G) > 2.0**-1022) & np.isfinite(G) & (np.ldexp(slack, quantum) > R)
    certain |= (g == 0) & (radius == 0)
    if fmt.p == 53:
        certain |= (r == 0) & (np.abs(G) > 2.0**-1022) & np.isfinite(G)  # g is RN_53 of the exact value
    return out, certain


@dataclass(frozen=True)
class Expansion:
    """``value == (terms[0] + ... + terms[-1]) * 2**scale`` exactly, elementwise.

    ``terms`` are float64 arrays of the output's shape, each holding its addend exactly; ``scale``
    is an integer array broadcastable to that shape (per-image and per-channel exponents).  The
    sums of ``terms`` are assumed free of float64 overflow (the builder keeps every term below
    ``2**1000``).

    Examples
    --------
    ``1 + 2**-24 + 2**-60``, held as three float64 terms, rounds up once to float32:

    >>> from refconv.exact._rounding import float_format
    >>> e = Expansion((np.array([1.0]), np.array([2.0**-24]), np.array([2.0**-60])), np.zeros(1, np.int64))
    >>> float(e.rounded(float_format("f", np.float32))[0]) == 1 + 2**-23
    True
    >>> e.at((0,)) == 1 + Fraction(1, 2**24) + Fraction(1, 2**60)
    True
    """

    terms: tuple[np.ndarray, ...]
    scale: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.terms[0].shape

    def at(self, index: tuple) -> Fraction:
        """The exact value of one output, as a Fraction."""
        total = sum((Fraction(float(t[index])) for t in self.terms), Fraction(0))
        return total * Fraction(2) ** int(np.broadcast_to(self.scale, self.shape)[index])

    def dyadic(self, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(V, E)``: Python-int ``V`` and int ``E`` arrays with ``value == V * 2**E`` (where ``mask``)."""
        scale = np.broadcast_to(self.scale, self.shape)
        pick = (lambda a: a[mask]) if mask is not None else (lambda a: a)
        parts = []
        for t in self.terms:
            m, e = np.frexp(pick(t))
            # m * 2**53 is an integer below 2**53: the term is that integer times 2**(e - 53).
            parts.append((np.ldexp(m, 53).astype(np.int64), e.astype(np.int64) - 53 + pick(scale)))
        E = np.minimum.reduce([e for _, e in parts])
        V = np.zeros(E.shape, dtype=object)
        for mant, e in parts:
            V = V + (mant.astype(object) << (e - E).astype(object))
        return V, E

    def rounded(self, fmt: Format) -> np.ndarray:
        """The value rounded once, half to even, to ``fmt`` (module docstring)."""
        terms = [np.ascontiguousarray(t, dtype=np.float64).reshape(-1) for t in self.terms]
        scale = np.ascontiguousarray(np.broadcast_to(self.scale, self.shape)).reshape(-1)
        out = np.empty(scale.shape, dtype=np.float64)
        certain = np.empty(scale.shape, dtype=bool)
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, scale.size, _BLOCK):
                block = slice(start, start + _BLOCK)
                out[block], certain[block] = _round_block([t[block] for t in terms], scale[block], fmt)
        out, certain = out.reshape(self.shape).astype(fmt.name), certain.reshape(self.shape)
        if not certain.all():
            redo = ~certain
            V, E = self.dyadic(redo)
            out[redo] = _round_dyadic_int(V, E, fmt)
        return out
