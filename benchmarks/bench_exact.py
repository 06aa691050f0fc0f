"""Exact arithmetic: int64 128x128 with 5x5, Fraction 64x64 with 3x3, SymPy 8x8 with 3x3.

int64: values in [-1000, 1000] and [-9, 9] bound every partial sum far below 2**63, so refconv
may stay in int64; ``scipy.signal.convolve2d`` on the same int64 arrays is the target (it wraps
silently on overflow, refconv does not).  Fractions: the peer is a NumPy object-array
shift-and-add over the Fractions (one Python Fraction operation per multiply-add); refconv
should be >= 10x faster.  Coprime Fractions: 400 cells whose denominators are distinct primes
and a 200-tap kernel of further primes (a common denominator of ~7,000 bits, past which refconv
sums the Fractions as they are); the peer is a plain loop of Fraction multiply-adds, and refconv
should be no slower (ratio <= 1).  SymPy: the symbolic path of figure 9.1, expanded.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import scipy.signal
import sympy

from ._common import Bench, api, probe, ratio, rng

#: Dense int64 would be 124**2 x 128**2 = 2.5e8 entries, beyond refconv's dense limit; dense
#: Fractions would be 1.6e7 Python objects.  Those are the sweep's and the matrix suite's job.
INT_METHODS = ["direct", "sparse", "auto"]
FRACTION_METHODS = ["direct", "sparse", "auto"]
SYMBOLIC_METHODS = ["direct", "dense", "sparse", "auto"]


def int_inputs():
    r = rng(128)
    return r.integers(-1000, 1001, (128, 128)), r.integers(-9, 10, (5, 5))


def fraction_inputs():
    r = rng(64)

    def fractions(shape):
        num = r.integers(-9, 10, shape)
        den = r.integers(1, 10, shape)
        return np.array([Fraction(int(a), int(b)) for a, b in zip(num.flat, den.flat)], dtype=object).reshape(shape)

    return fractions((64, 64)), fractions((3, 3))


def coprime_fraction_inputs(n: int = 400, k: int = 200):
    """``x`` of ``n`` Fractions and ``w`` of ``k``, every denominator a distinct prime."""
    ps = [int(p) for p in sympy.sieve[1 : n + k + 1]]  # the first n + k primes
    x = np.array([Fraction(i + 1, p) for i, p in enumerate(ps[:n])], dtype=object)
    w = np.array([Fraction((-1) ** t * (t + 1), p) for t, p in enumerate(ps[n:])], dtype=object)
    return x, w


def fraction_loop(x, w):
    """Valid 1-D correlation as a plain loop of Fraction multiply-adds: the coprime peer."""
    k = len(w)
    return [sum((x[i + t] * w[t] for t in range(k)), Fraction(0)) for i in range(len(x) - k + 1)]


def symbolic_inputs():
    x = np.array(sympy.symbols("x:64"), dtype=object).reshape(8, 8)
    w = np.array(sympy.symbols("w:9"), dtype=object).reshape(3, 3)
    return x, w


def shift_and_add(x, w):
    """Valid 2-D correlation as one object-array multiply-add per tap: the Fraction peer."""
    oh, ow = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
    out = np.full((oh, ow), Fraction(0), dtype=object)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            out += w[i, j] * x[i : i + oh, j : j + ow]
    return out


def refconv_call(func, method, x, w):
    f = api(func)
    probe(f, x, w, method=method)
    return lambda: f(x, w, method=method)


class Int64Conv(Bench):
    """Time of an exact int64 128x128 * 5x5 valid convolution."""

    params = [INT_METHODS + ["scipy.signal.convolve2d"]]
    param_names = ["method"]

    def setup(self, method):
        x, w = int_inputs()
        if method == "scipy.signal.convolve2d":
            self.f = lambda: scipy.signal.convolve2d(x, w, mode="valid")
        else:
            self.f = refconv_call("convolve", method, x, w)

    def time_int64_conv(self, method):
        self.f()


class Int64ConvRatio(Bench):
    """refconv's time over ``scipy.signal.convolve2d``'s on the same int64 arrays (target <= 1)."""

    params = [INT_METHODS]
    param_names = ["method"]

    def setup(self, method):
        x, w = int_inputs()
        self.f = refconv_call("convolve", method, x, w)
        self.peer = lambda: scipy.signal.convolve2d(x, w, mode="valid")

    def track_ratio_vs_convolve2d(self, method):
        return ratio(self.f, self.peer)

    track_ratio_vs_convolve2d.unit = "x scipy convolve2d"


class FractionConv(Bench):
    """Time of an exact Fraction 64x64 (x) 3x3 valid correlation."""

    params = [FRACTION_METHODS + ["numpy-object-shift-add"]]
    param_names = ["method"]
    repeat = (1, 5, 10.0)

    def setup(self, method):
        x, w = fraction_inputs()
        if method == "numpy-object-shift-add":
            self.f = lambda: shift_and_add(x, w)
        else:
            self.f = refconv_call("correlate", method, x, w)

    def time_fraction_conv(self, method):
        self.f()


class FractionConvRatio(Bench):
    """refconv's time over the object-array shift-and-add's (target: <= 0.1)."""

    params = [FRACTION_METHODS]
    param_names = ["method"]

    def setup(self, method):
        x, w = fraction_inputs()
        self.f = refconv_call("correlate", method, x, w)
        self.peer = lambda: shift_and_add(x, w)

    def track_ratio_vs_object_shift_add(self, method):
        return ratio(self.f, self.peer, rounds=3)

    track_ratio_vs_object_shift_add.unit = "x object shift-add"


class CoprimeFractionRatio(Bench):
    """refconv's time over a plain Fraction loop's, many coprime denominators (target: <= 1)."""

    params = [FRACTION_METHODS]
    param_names = ["method"]
    timeout = 300.0

    def setup(self, method):
        x, w = coprime_fraction_inputs()
        self.f = refconv_call("correlate", method, x, w)
        self.peer = lambda: fraction_loop(x, w)

    def track_ratio_vs_fraction_loop(self, method):
        return ratio(self.f, self.peer, rounds=3)

    track_ratio_vs_fraction_loop.unit = "x Fraction loop"


class SymbolicConv(Bench):
    """Time of the symbolic 8x8 (x) 3x3 valid correlation (36 expanded sums of 9 products)."""

    params = [SYMBOLIC_METHODS]
    param_names = ["method"]
    repeat = (1, 5, 10.0)

    def setup(self, method):
        self.f = refconv_call("correlate", method, *symbolic_inputs())

    def time_symbolic_conv(self, method):
        self.f()
