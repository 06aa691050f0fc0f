"""Claim 7: convolution is equivariant to translation — exactly with a wrap boundary, on a stated interior with zeros.

Seed, §9.2 (equivariant representations):

    "a function f (x) is equivariant to a function g if f(g(x)) = g(f(x)). In the case of
    convolution, if we let g be any function that translates the input, i.e., shifts it, then
    the convolution function is equivariant to g. ... I'(x, y) = I(x - 1, y). This shifts every
    pixel of I one unit to the right."

A finite image must say what is shifted in and what falls off.  What is proven, about
``refconv.correlate`` (and so ``convolve``, a correlation with a flipped kernel) at stride 1:

1. Index arithmetic, symbolically: output ``o - q`` reads input ``source_index(o, t) - q``
   through every tap (every ``n, k, d, lo``), so shifting the input by ``q`` shifts every window
   by ``q``; with stride ``s`` it shifts them by ``q*s`` (equivariance only to shifts that are
   multiples of the stride).  The wrap rule commutes with the shift: ``(i - q) mod n`` is
   ``((i mod n) - q) mod n``.
2. **Wrap boundary, "same"**: ``correlate(roll(x, q), w) == roll(correlate(x, w), q)`` exactly
   (SymPy symbols as entries: a polynomial identity), for every shift ``q`` — exhaustively all
   ``n`` shifts, which under wrap are all the integer shifts — every 1-D length ``n <= 6`` with
   every kernel ``k <= n``, every 2-D shape up to 3x3 with every kernel inside it and every 2-D
   shift.
3. **Zero boundary** (any mode, 1-D ``n <= 6`` and 2-D up to 3x3, every kernel and every shift
   ``q >= 0``): with ``x'`` the input moved by ``q`` inside its frame (``q`` zeros shifted in, ``q``
   cells pushed out), ``correlate(x')[o] == correlate(x)[o - q]`` holds **exactly for the
   outputs whose window reads none of the pushed-out cells** — reads no ``j`` with ``j - q``
   inside the frame and ``j`` outside it — and fails (for generic entries) at every other output
   with ``o - q >= 0``.  In "valid" mode no window reads past the frame, so the interior is every
   output ``o >= q``.

Negative controls (each must fail): the wrap proof with a zero boundary where wrap is needed,
and the wrap proof with stride 2 (strided convolution is not equivariant to a unit shift).
"""

from __future__ import annotations

import itertools
import math
import types

import numpy as np
import sympy

import refconv
from refconv._taps import source_index
from refconv.spec import plain_spec

NAME = "equivariance"
CLAIM = "Convolution is equivariant to translation: exactly with a wrap boundary, on the stated interior with zeros"
SEED = "§9.2 (equivariance)"
QUOTE = (
    "a function f (x) is equivariant to a function g if f(g(x)) = g(f(x)). In the case of convolution, if we let g "
    "be any function that translates the input, i.e., shifts it, then the convolution function is equivariant to g."
)
METHOD = "symbolic (SymPy) index arithmetic + exhaustive symbolic entries and shifts, 1-D n <= 6, 2-D up to 3x3"

N_1D = 6
N_2D = 3
MODES = ("valid", "same", "full")


def _symbols(prefix: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.array(sympy.symbols(f"{prefix}_:{math.prod(shape)}"), dtype=object).reshape(shape)


def _same(a, b) -> bool:
    # Structural equality is sound and fast; only an apparent difference pays for an expansion.
    return a == b or sympy.expand(a - b) == 0


def _problems():
    for ndim, limit in ((1, N_1D), (2, N_2D)):
        for n in itertools.product(range(1, limit + 1), repeat=ndim):
            for k in itertools.product(*(range(1, a + 1) for a in n)):
                yield _symbols("x", n), _symbols("w", k)


def _index_arithmetic() -> None:
    o, t, q, s, d, lo, i, n = sympy.symbols("o t q s d lo i n", integer=True)
    unit = types.SimpleNamespace(stride=1, dilation=d, lo=lo)
    moved = source_index(o - q, t, unit) - (source_index(o, t, unit) - q)
    assert sympy.expand(moved) == 0, f"stride 1: shifted window differs by {moved}"
    strided = types.SimpleNamespace(stride=s, dilation=d, lo=lo)
    moved = source_index(o - q, t, strided) - source_index(o, t, strided)
    assert sympy.expand(moved + q * s) == 0, f"stride s: shifted window moves by {moved}, not -q*s"
    assert sympy.Mod(sympy.Mod(i, n) - q, n) == sympy.Mod(i - q, n), "wrap does not commute with the shift"


def _wrap_proof(boundary: str = "wrap", stride: int = 1) -> int:
    count = 0
    for x, w in _problems():
        y = refconv.correlate(x, w, mode="same", boundary=boundary, stride=stride)
        axes = tuple(range(x.ndim))
        for q in np.ndindex(*x.shape):
            moved = refconv.correlate(np.roll(x, q, axis=axes), w, mode="same", boundary=boundary, stride=stride)
            want = np.roll(y, q, axis=axes)
            assert moved.shape == want.shape and all(map(_same, moved.flat, want.flat)), (
                f"f(g(x)) != g(f(x)) for x{x.shape} w{w.shape} shift {q} boundary={boundary} stride={stride}"
            )
            count += 1
    return count


def _shift_in_frame(x: np.ndarray, q: tuple[int, ...]) -> np.ndarray:
    """``x'[j] = x[j - q]`` inside the frame, zeros shifted in; cells moved past the end are lost."""
    out = np.zeros(x.shape, dtype=object)
    out[tuple(slice(a, None) for a in q)] = x[tuple(slice(0, n - a) for n, a in zip(x.shape, q))]
    return out


def _reads_a_lost_cell(o: tuple[int, ...], q: tuple[int, ...], spec) -> bool:
    for t in np.ndindex(*spec.kernel_shape):
        j = [source_index(oa, ta, g) for oa, ta, g in zip(o, t, spec.axes)]
        inside = all(0 <= ja < g.n for ja, g in zip(j, spec.axes))
        came_from_inside = all(0 <= ja - qa < g.n for ja, qa, g in zip(j, q, spec.axes))
        if came_from_inside and not inside:
            return True
    return False


def _zero_interior_proof() -> tuple[int, int]:
    checked = exact = 0
    for x, w in _problems():
        for mode in MODES:
            spec = plain_spec("proof", x.shape, w.shape, mode=mode)
            y = refconv.correlate(x, w, mode=mode)
            for q in np.ndindex(*x.shape):
                moved = refconv.correlate(_shift_in_frame(x, q), w, mode=mode)
                for o in np.ndindex(*y.shape):
                    back = tuple(a - b for a, b in zip(o, q))
                    if min(back) < 0:
                        continue  # g(f(x)) shifts zeros in here: not part of the statement
                    predicted = not _reads_a_lost_cell(o, q, spec)
                    holds = _same(moved[o], y[back])
                    assert holds == predicted, (
                        f"zero boundary, x{x.shape} w{w.shape} mode={mode} shift {q}: at output {o} equivariance "
                        f"{'holds' if holds else 'fails'} but the interior statement says it "
                        f"{'holds' if predicted else 'fails'}"
                    )
                    if mode == "valid":
                        assert predicted, f"valid output {o} >= shift {q} is not interior"
                    checked += 1
                    exact += holds
    return checked, exact


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    _index_arithmetic()
    wrap = _wrap_proof()
    checked, exact = _zero_interior_proof()
    return (
        f"window shift symbolic in (o, t, q, s, d, lo); wrap: {wrap} (problem, shift) pairs exact; zero boundary: "
        f"interior statement decides all {checked} outputs ({exact} equal, {checked - exact} not)"
    )


def _zero_where_wrap_needed() -> None:
    """Wrong claim: with a zero boundary, shifting (rolling) the input rolls the output."""
    _wrap_proof(boundary="constant")


def _strided() -> None:
    """Wrong claim: a stride-2 convolution is equivariant to every shift."""
    _wrap_proof(stride=2)


NEGATIVE_CONTROLS = (_zero_where_wrap_needed, _strided)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
