"""Floats to integers with a common power of two, and the exact bilinear op on their limbs.

A finite float array is ``sign * I * 2**E`` with integer ``I`` (:class:`Scaled`); ``I`` is cut
into limbs narrow enough that refconv's own op on int64 limb arrays is exact, and the limb
results are combined in Python ints (:func:`exact_bilinear`; the package docstring has the plan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Scaled", "plan", "exact_bilinear"]

#: Largest number of limb-pair correlations before the single Python-int run is preferred.
_MAX_LIMB_PAIRS = 36


def _exponents(mag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per element of non-negative finite float64 ``mag``: (top, lsb) with ``mag < 2**top`` and
    ``mag`` an integer multiple of ``2**lsb`` (the lowest set bit, trailing zeros dropped)."""
    m, top = np.frexp(mag)
    sig = np.ldexp(m, 53).astype(np.int64)  # exact: m has at most 53 significant bits
    low = sig & -sig
    tz = np.frexp(low.astype(np.float64))[1] - 1  # log2 of the lowest set bit (exact power of 2)
    return top, top - 53 + tz


@dataclass
class Scaled:
    """``a == sign * sum_j limbs[j] * 2**(E + j*b)`` exactly, for a finite float array ``a``."""

    mag: np.ndarray  # |a| as float64
    sign: np.ndarray  # -1, 0, 1 as int64
    E: int  # exponent of the lowest set bit over the array
    bits: int  # |a| < 2**(E + bits)

    @classmethod
    def of(cls, a: np.ndarray) -> Scaled:
        a64 = np.asarray(a, dtype=np.float64)
        mag = np.abs(a64)
        sign = np.sign(a64).astype(np.int64)
        nz = mag != 0
        if not nz.any():
            return cls(mag, sign, 0, 0)
        top, lsb = _exponents(mag)
        E = int(lsb[nz].min())
        return cls(mag, sign, E, int(top[nz].max()) - E)

    def limbs(self, b: int) -> list[np.ndarray]:
        """Signed int64 limbs of ``b`` bits (``b <= 62``), lowest first."""
        count = max(1, -(-self.bits // b))
        out = []
        with np.errstate(over="ignore"):
            for j in range(count):
                t = np.ldexp(self.mag, -(self.E + j * b))
                # An overflowing t is a multiple of 2**b (its lowest bit is >= 2**971), so the limb is 0.
                limb = np.where(np.isfinite(t), np.fmod(np.floor(np.where(np.isfinite(t), t, 0.0)), 2.0**b), 0.0)
                out.append(limb.astype(np.int64) * self.sign)
        return out

    def ints(self) -> np.ndarray:
        """The integers ``I`` with ``a == I * 2**E``, as Python ints in an object array."""
        limbs = self.limbs(52)
        total = limbs[-1].astype(object)
        for limb in reversed(limbs[:-1]):
            total = total * (1 << 52) + limb.astype(object)
        return total


def _bit_budget(taps: int, groups: int) -> int:
    """Bits ``bx + bw`` allowed for a limb pair: ``groups * taps * 2**(bx+bw) < 2**63``."""
    return 62 - math.ceil(math.log2(max(1, taps) * max(1, groups)))


def _widths(xs: Scaled, ws: Scaled, budget: int) -> tuple[int, int, int, int]:
    """Limb widths ``(bx, bw)`` with ``bx + bw <= budget`` for these operands, and the limb
    counts ``(nx, nw)`` they give."""
    if xs.bits + ws.bits <= budget:
        bx, bw = max(1, xs.bits), max(1, ws.bits)
    elif ws.bits <= budget // 2:
        bx, bw = budget - ws.bits, max(1, ws.bits)
    elif xs.bits <= budget // 2:
        bx, bw = max(1, xs.bits), budget - xs.bits
    else:
        bx = bw = budget // 2
    return bx, bw, -(-max(1, xs.bits) // bx), -(-max(1, ws.bits) // bw)


def plan(xs: Scaled, ws: Scaled, taps: int) -> tuple[int, int] | None:
    """Limb widths ``(bx, bw)``, or None when the Python-int run is the better route.

    First choice: limbs narrow enough that every limb pair's op is exact in float64 as well
    (``taps * 2**(bx+bw) <= 2**53``), so its GEMMs run on float64 BLAS in one piece instead of
    being cut again (:mod:`refconv._gemm`); then the int64 budget, summing up to ``groups``
    limb-pair results of one shift in int64.
    """
    budget = 53 - math.ceil(math.log2(max(1, taps)))
    if budget >= 2:
        bx, bw, nx, nw = _widths(xs, ws, budget)
        if nx * nw <= _MAX_LIMB_PAIRS // 2:
            return bx, bw
    for groups in (1, 2, 4, 8, 16, 32, 64):
        bx, bw, nx, nw = _widths(xs, ws, _bit_budget(taps, groups))
        if min(nx, nw) <= groups:
            return (bx, bw) if nx * nw <= _MAX_LIMB_PAIRS else None
    return None


def exact_bilinear(fn, x: np.ndarray, w: np.ndarray, bias, kwargs) -> tuple[np.ndarray, int]:
    """Exact ``fn(x, w, bias, **kwargs)`` of finite float arrays as (Python-int array, exponent)."""
    xs, ws = Scaled.of(x), Scaled.of(w)
    widths = plan(xs, ws, w.size)
    if widths is None:
        y = fn(xs.ints(), ws.ints(), **kwargs)
        total = np.asarray(y, dtype=object)
    else:
        bx, bw = widths
        groups: dict[int, np.ndarray] = {}
        x_limbs, w_limbs = xs.limbs(bx), ws.limbs(bw)
        for j, xj in enumerate(x_limbs):
            for k, wk in enumerate(w_limbs):
                y = fn(xj, wk, **kwargs)
                key = j * bx + k * bw
                groups[key] = groups[key] + y if key in groups else y
        # Horner from the top group down, in Python ints: O(outputs) object operations.
        keys = sorted(groups, reverse=True)
        total = np.asarray(groups[keys[0]]).astype(object)
        for hi, lo in zip(keys, keys[1:]):
            total = total * (1 << (hi - lo)) + np.asarray(groups[lo]).astype(object)
        total = total * (1 << keys[-1]) if keys[-1] else total
    exponent = xs.E + ws.E
    if bias is not None:
        bs = Scaled.of(bias)
        low = min(exponent, bs.E)
        total = total * (1 << (exponent - low))
        b_ints = bs.ints() * (1 << (bs.E - low))
        total = total + b_ints.reshape((-1,) + (1,) * (w.ndim - 2))
        exponent = low
    return total, exponent
