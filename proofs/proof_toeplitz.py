"""Claim 3: 1-D convolution is multiplication by a Toeplitz matrix — entry (i, j) depends only on j - i.

Seed, end of §9.1:

    "Discrete convolution can be viewed as multiplication by a matrix. However, the matrix has
    several entries constrained to be equal to other entries. For example, for univariate
    discrete convolution, each row of the matrix is constrained to be equal to the row above
    shifted by one element. This is known as a Toeplitz matrix."

What is proven, about ``refconv.matrices.conv_matrix`` (1-D, zero boundary, stride 1):

1. Index arithmetic, symbolically for every ``n, k``, dilation ``d`` and pad ``lo``: entry
   ``(o, source_index(o, t))`` holds ``w[t]``, and ``column - row = t*d - lo + o*(s - 1)``;
   at stride ``s = 1`` this does not depend on the row, so every entry depends only on
   ``j - i`` (and at ``s > 1`` it does: the rows shift by ``s``).
2. Exhaustively for every ``n <= 7``, kernel ``k <= n``, mode valid/same/full and dilation 1
   or 2 (where the dilated kernel fits), with SymPy symbols ``w_0, ...`` as the kernel:
   ``conv_matrix(w, (n,), format="sympy")`` equals the matrix built here from the definition,
   ``T[i, j] = w[(j - i + lo) / d]`` (zero when that is not a tap), with ``lo`` the documented
   pad of the mode (valid 0, full ``d(k-1)``, same ``ceil(d(k-1)/2)``); each of its rows is the
   row above shifted by one (``A[i+1, j+1] == A[i, j]``); ``refconv.matrices.is_toeplitz``
   agrees; and ``A * x == correlate(x, w)`` for a symbolic ``x``.  Convolution's matrix is the
   same with the kernel flipped (``conv_matrix(flip(w))``) and is Toeplitz too.

Negative controls (each must fail): the same proof for stride 2, and for a "reflect" boundary.
"""

from __future__ import annotations

import types

import numpy as np
import sympy

import refconv
import refconv.matrices
from refconv._taps import source_index

NAME = "toeplitz"
CLAIM = "1-D convolution is multiplication by a Toeplitz matrix: entry (i, j) depends only on j - i"
SEED = "§9.1 (convolution as a matrix)"
QUOTE = (
    "for univariate discrete convolution, each row of the matrix is constrained to be equal to the row above "
    "shifted by one element. This is known as a Toeplitz matrix."
)
METHOD = "symbolic (SymPy) index arithmetic + exhaustive symbolic matrices, n <= 7, all modes, dilation 1-2"

N = 7
MODES = ("valid", "same", "full")


def _index_arithmetic() -> None:
    o, t, s, d, lo = sympy.symbols("o t s d lo", integer=True)
    column = source_index(o, t, types.SimpleNamespace(stride=s, dilation=d, lo=lo))
    offset = sympy.expand(column - o)
    assert sympy.diff(offset, o) == s - 1, f"j - i = {offset}"
    assert sympy.diff(offset.subs(s, 1), o) == 0, "at stride 1, j - i still depends on the row"


def _documented_lo(mode: str, extent: int) -> int:
    return {"valid": 0, "full": extent - 1, "same": extent // 2}[mode]  # same: ceil((extent-1)/2) before


def _definition(w: np.ndarray, n: int, mode: str, d: int) -> sympy.Matrix:
    k = len(w)
    extent = d * (k - 1) + 1
    lo = _documented_lo(mode, extent)
    rows = n + 2 * lo - extent + 1 if mode != "same" else n

    def entry(i, j):
        t, rem = divmod(int(j) - int(i) + lo, d)  # SymPy passes Integer indices
        return w[t] if rem == 0 and 0 <= t < k else 0

    return sympy.Matrix(rows, n, entry)


def _toeplitz_proof(stride: int = 1, boundary: str = "constant") -> int:
    count = 0
    for n in range(1, N + 1):
        x = np.array(sympy.symbols(f"x_:{n}"), dtype=object)
        for k in range(1, n + 1):
            w = np.array(sympy.symbols(f"w_:{k}"), dtype=object)
            for d in (1, 2):
                if d * (k - 1) + 1 > n:
                    continue
                for mode in MODES:
                    for kernel in (w, np.flip(w)):  # correlation, and convolution (kernel flipped)
                        where = f"n={n} k={k} dilation={d} mode={mode} stride={stride} boundary={boundary}"
                        A = refconv.matrices.conv_matrix(
                            kernel, (n,), mode=mode, dilation=d, stride=stride, boundary=boundary, format="sympy"
                        )
                        T = _definition(kernel, n, mode, d)
                        assert A.shape == T.shape and A == T, f"conv_matrix is not T[i, j] = w[(j - i + lo)/d], {where}"
                        shifted = all(A[i + 1, j + 1] == A[i, j] for i in range(A.rows - 1) for j in range(n - 1))
                        assert shifted, f"a row is not the row above shifted by one, {where}"
                        check = refconv.matrices.is_toeplitz(A)
                        assert check, f"is_toeplitz disagrees: {check.why}, {where}"
                        product = np.array(A.tolist(), dtype=object) @ x
                        y = refconv.correlate(x, kernel, mode=mode, dilation=d)
                        assert all(sympy.expand(a - b) == 0 for a, b in zip(product, y)), f"A x != correlate, {where}"
                        count += 1
    return count


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    _index_arithmetic()
    count = _toeplitz_proof()
    return f"j - i = t*d - lo + o*(s-1) symbolically; {count} symbolic matrices equal the Toeplitz definition"


def _strided() -> None:
    """Wrong claim: a stride-2 convolution's matrix is Toeplitz too."""
    _toeplitz_proof(stride=2)


def _reflect() -> None:
    """Wrong claim: with a "reflect" boundary the matrix is still Toeplitz."""
    _toeplitz_proof(boundary="reflect")


NEGATIVE_CONTROLS = (_strided, _reflect)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
