"""Floats to integer limbs on a shared power of two, and the exact bilinear op as float64 GEMMs.

A finite float array is ``sign * I * 2**E`` with integer ``I`` (:class:`Scaled`), ``E`` per
image (``x``'s batch axis) or per output channel (``w``) where the op allows it, global
otherwise: per-row exponents keep the integers short (Ozaki, Ogita, Oishi & Rump, Numer.
Algorithms 59, 2012, split each row of a GEMM on its own grid).  ``I`` is cut into limbs of
``bx`` and ``bw`` bits with ``taps * 2**(bx+bw) <= 2**53``, so that refconv's own op on the
limbs, run in float64 by its direct method, is exact in any summation order (every partial sum
is an integer below ``2**53``).  For the layer ops every limb pair runs in one call: the limbs
of ``x`` are stacked on the batch axis and those of ``w`` on the output channels.  The limb
results, shifted, and the bias are the terms of an :class:`~refconv.exact._expansion.Expansion`.

When the operands span so many bits that too many limb pairs would be needed (float64 data over
a wide exponent range), :func:`exact_bilinear` returns None and the caller runs the op once on
Python ints (:meth:`Scaled.ints`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._expansion import Expansion

__all__ = ["Scaled", "Layout", "plan", "exact_bilinear"]

#: Most limb pairs before the single Python-int run is preferred.
_MAX_LIMB_PAIRS = 64
#: Largest exponent a term may reach (its sums stay clear of float64's overflow).
_TERM_EXPONENT = 1000


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
    """``a == sign * sum_j limbs[j] * 2**(E + j*b)`` exactly, for a finite float array ``a``.

    ``E`` has one entry per index of ``axis`` (shaped to broadcast against ``a``), or is a
    scalar array for ``axis=None``; ``bits`` bounds every row: ``|a| < 2**(E + bits)``.
    """

    mag: np.ndarray  # |a| as float64
    sign: np.ndarray  # -1.0, 0.0, 1.0
    E: np.ndarray  # int64, the lowest set bit per row
    bits: int

    @classmethod
    def of(cls, a: np.ndarray, axis: int | None = None) -> Scaled:
        a64 = np.asarray(a, dtype=np.float64)
        mag, sign = np.abs(a64), np.sign(a64)
        top, lsb = _exponents(mag)
        nz = mag != 0
        rows = tuple(i for i in range(a64.ndim) if i != axis)
        if a64.size == 0:
            E, high = np.zeros((1,) * a64.ndim, np.int64), np.zeros((1,) * a64.ndim, np.int64)
        else:
            E = np.min(np.where(nz, lsb, np.iinfo(np.int64).max), axis=rows, keepdims=True)
            high = np.max(np.where(nz, top, np.iinfo(np.int64).min), axis=rows, keepdims=True)
            empty = E == np.iinfo(np.int64).max  # an all-zero row: any exponent, no bits
            E, high = np.where(empty, 0, E), np.where(empty, 0, high)
        return cls(mag, sign, E.astype(np.int64), int(np.max(high - E, initial=0)))

    def limbs(self, b: int) -> list[np.ndarray]:
        """Balanced signed limbs ``|d_j| <= 2**(b-1)`` of ``b`` bits as exact float64 arrays,
        lowest first, for ``bits <= count * b - 1`` (:func:`limb_count`).

        Balanced digits (``v - 2**b * rint(v / 2**b)``) halve each limb's magnitude, which buys
        two bits per limb pair in the exactness budget (:func:`plan`).  Every step is exact:
        scaling by a power of two, ``rint`` of a float, and an integer difference below ``2**53``.
        """
        v = np.ldexp(self.mag, -self.E) * self.sign  # integers below 2**bits (<= 2**1000: no overflow)
        out = []
        for _ in range(limb_count(self.bits, b) - 1):
            high = np.rint(np.ldexp(v, -b))
            out.append(v - np.ldexp(high, b))
            v = high
        out.append(v)
        return out

    def ints(self) -> tuple[np.ndarray, int]:
        """``(I, E)``: Python ints (an object array) with ``a == I * 2**E``, one ``E`` for the array
        (any exponent range: each element is its 53-bit significand shifted in Python ints)."""
        m, e = np.frexp(self.mag)
        significand = (np.ldexp(m, 53) * self.sign).astype(np.int64)  # exact: at most 53 bits
        e = e.astype(np.int64) - 53
        E = int(e[self.mag != 0].min(initial=0))
        e = np.where(self.mag != 0, e, E)  # a zero's exponent is any: E keeps its shift at 0
        return significand.astype(object) * (np.ones(e.shape, dtype=object) << (e - E).astype(object)), E


@dataclass(frozen=True)
class Layout:
    """Where a bilinear op has per-row exponents: a layer's batch (``x``) and output channels.

    ``w_axis`` is the weight's output-channel axis (0 for conv, 1 for conv_transpose, whose
    weight is ``(C_in, C_out/groups, ...)``); None for a plain op (one exponent per operand).
    """

    w_axis: int | None = None
    groups: int = 1
    batched: bool = True

    def taps(self, w: np.ndarray) -> int:
        """An upper bound on the products summed into one output."""
        if self.w_axis is None:
            return max(1, w.size)
        if self.w_axis == 0:
            return max(1, w.size // max(1, w.shape[0]))
        return max(1, (w.shape[0] // self.groups) * math.prod(w.shape[2:]))


def limb_count(bits: int, b: int) -> int:
    """Balanced limbs of ``b`` bits that hold any integer below ``2**bits``: ``bits <= n*b - 1``."""
    return max(1, -(-(bits + 1) // b))


def plan(bits_x: int, bits_w: int, taps: int) -> tuple[int, int] | None:
    """Limb widths ``(bx, bw)`` with the fewest limb pairs (ties: fewer limbs of ``x``, the
    operand whose stack is the larger), or None past the pair limit.

    Balanced limbs are at most ``2**(bx-1)`` and ``2**(bw-1)``, so ``taps`` products sum below
    ``taps * 2**(bx+bw-2)``; every partial sum is an exact float64 integer when that is at most
    ``2**53``: ``bx + bw <= 55 - ceil(log2(taps))``.

    >>> plan(23, 23, 9)            # float32 operands of one exponent: one pair
    (24, 24)
    >>> plan(47, 40, 576)          # 45 bits per pair: 2 x 2 limbs
    (24, 21)
    """
    budget = 55 - math.ceil(math.log2(taps))
    if budget < 4:
        return None
    if bits_x + bits_w + 2 <= budget:
        return bits_x + 1, bits_w + 1
    best = min(
        (limb_count(bits_x, bx) * limb_count(bits_w, budget - bx), limb_count(bits_x, bx), bx)
        for bx in range(2, budget - 1)
    )
    pairs, _, bx = best
    return (bx, budget - bx) if pairs <= _MAX_LIMB_PAIRS else None


def exact_bilinear(fn, x: np.ndarray, w: np.ndarray, bias, kwargs: dict, layout: Layout) -> Expansion | None:
    """Exact ``fn(x, w, bias, **kwargs)`` of finite float arrays as an :class:`Expansion`, or None
    when the operands need too many limb pairs (the caller's Python-int route)."""
    if not layout.batched:
        out = exact_bilinear(fn, x[None], w, bias, kwargs, Layout(layout.w_axis, layout.groups))
        return None if out is None else Expansion(tuple(t[0] for t in out.terms), out.scale[0])
    xs = Scaled.of(x, axis=None if layout.w_axis is None else 0)
    ws = Scaled.of(w, axis=layout.w_axis)
    widths = plan(xs.bits, ws.bits, layout.taps(w))
    if widths is None:
        return None
    bx, bw = widths
    nx, nw = limb_count(xs.bits, bx), limb_count(ws.bits, bw)
    if (nx - 1) * bx + (nw - 1) * bw + 53 + nx * nw > _TERM_EXPONENT:
        return None  # a term could reach float64's overflow: the Python-int route
    x_limbs, w_limbs = xs.limbs(bx), ws.limbs(bw)
    if layout.w_axis is None:
        products = _each_pair(fn, x_limbs, w_limbs, kwargs)
        scale = xs.E.reshape(()) + ws.E.reshape(())
    else:
        products = _stacked(fn, x_limbs, w_limbs, kwargs, layout)
        scale = _layer_scale(xs.E, ws.E, layout, np.ndim(next(iter(products.values()))))
    terms = [np.ldexp(np.asarray(y, dtype=np.float64), j * bx + k * bw) for (j, k), y in products.items()]
    if bias is not None:
        b = np.asarray(bias, dtype=np.float64).reshape((-1,) + (1,) * (terms[0].ndim - 2))
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            term = np.ldexp(b, -scale)
            if not np.array_equal(np.ldexp(term, scale), np.broadcast_to(b, term.shape)) or not np.isfinite(term).all():
                return None  # the bias is not exact on the products' grid: the Python-int route
            if np.abs(term).max(initial=0) >= 2.0**_TERM_EXPONENT:
                return None
        terms.append(np.broadcast_to(term, terms[0].shape))
    return Expansion(tuple(terms), scale)


def _each_pair(fn, x_limbs: list, w_limbs: list, kwargs: dict) -> dict:
    """Every limb pair's result from a call of its own, by ``(j, k)``."""
    return {(j, k): fn(xj, wk, **kwargs) for j, xj in enumerate(x_limbs) for k, wk in enumerate(w_limbs)}


def _stacked(fn, x_limbs: list, w_limbs: list, kwargs: dict, layout: Layout) -> dict:
    """Every limb pair's layer output from calls on stacked limbs: ``x``'s on the batch axis,
    ``w``'s on the output channels of each group, in batch chunks no larger than the call asked."""
    g, axis = layout.groups, layout.w_axis
    nx, nw = len(x_limbs), len(w_limbs)
    n = x_limbs[0].shape[0]
    if n < nx * nw:  # stacking would make one call larger than the one asked for: a call per pair
        return _each_pair(fn, x_limbs, w_limbs, kwargs)
    w0 = w_limbs[0]
    if axis == 0:  # conv's (C_out, C_in/g, ...): stack inside each group, (g, nw, C_out/g, ...)
        parts = [wk.reshape((g, w0.shape[0] // g) + w0.shape[1:]) for wk in w_limbs]
        w_stack = np.stack(parts, axis=1).reshape((nw * w0.shape[0],) + w0.shape[1:])
    else:  # conv_transpose's (C_in, C_out/g, ...): its output channels are already group-major
        w_stack = np.stack(w_limbs, axis=1).reshape((w0.shape[0], nw * w0.shape[1]) + w0.shape[2:])
    chunk = n // (nx * nw)
    pieces = []
    for start in range(0, n, chunk):
        x_stack = np.concatenate([xj[start : start + chunk] for xj in x_limbs], axis=0)
        y = np.asarray(fn(x_stack, w_stack, **kwargs))
        m = y.shape[0] // nx
        pieces.append(y.reshape((nx, m, g, nw, y.shape[1] // (g * nw)) + y.shape[2:]))
    y = np.concatenate(pieces, axis=1)
    out_shape = (n, y.shape[2] * y.shape[4]) + y.shape[5:]
    return {(j, k): y[j, :, :, k].reshape(out_shape) for j in range(nx) for k in range(nw)}


def _layer_scale(Ex: np.ndarray, Ew: np.ndarray, layout: Layout, ndim: int) -> np.ndarray:
    """The output's exponent ``Ex[image] + Ew[channel]``, shaped ``(N, C_out, 1, ...)``."""
    ex = Ex.reshape(-1)
    ew = Ew.reshape(-1)
    if layout.w_axis == 1:  # conv_transpose: channel o of group q is column o % (C_out/groups)
        ew = np.tile(ew, layout.groups)
    return (ex[:, None] + ew[None, :]).reshape(ex.shape + ew.shape + (1,) * (ndim - 2))
