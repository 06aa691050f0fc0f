"""Claim 4: 2-D convolution is doubly block circulant (wrap) or doubly block Toeplitz (zeros); the DFT diagonalises it.

Seed, end of §9.1:

    "In two dimensions, a doubly block circulant matrix corresponds to convolution."

The seed's sentence is exact for a *wrap* boundary (circular convolution); with zero padding
the matrix is doubly block *Toeplitz*.  What is proven, about ``refconv.matrices``:

1. **Wrap**: for every 2-D input shape up to 4x4 and every kernel shape inside it, with SymPy
   symbols as the kernel, ``conv_matrix(w, shape, mode="same", boundary="wrap",
   format="sympy")`` equals the matrix built here from the definition,
   ``C[(i0, i1), (j0, j1)] = c[(j0 - i0) mod n0, (j1 - i1) mod n1]`` with
   ``c[r] = sum of w[t] over the taps t with t - lo = r (mod n)`` — a circulant grid of
   circulant blocks by construction; ``is_doubly_block_circulant`` agrees.
   ``doubly_block_circulant(w)`` (circular *convolution*) equals the same construction with
   the kernel anchored at 0 and not flipped, ``C[i, j] = c'[(i - j) mod n]``.
2. **Zeros**: for every shape up to 3x3, every kernel inside it and every mode,
   ``conv_matrix(w, shape, mode)`` equals ``T[(i0, i1), (j0, j1)] = w[j0 - i0 + lo0, j1 - i1 +
   lo1]`` (zero off the kernel): it depends only on ``(j0 - i0, j1 - i1)``, a Toeplitz grid of
   Toeplitz blocks; ``is_doubly_block_toeplitz`` agrees.
3. **DFT** (the convolution theorem), exactly, for every shape up to 6x6: ``C`` is linear in
   ``w`` (checked symbolically: ``C(w) == sum_t w[t] C(e_t)``), each ``C(e_t)`` is a permutation
   matrix, and with ``F = F_n0 (x) F_n1``, ``F[k, j] = omega^(-k.j)``, the identity
   ``F C(e_t) = diag(lambda_t) F`` holds in the cyclotomic field: both sides are roots of unity
   ``zeta^e`` (``zeta = exp(2 pi i / lcm(n0, n1))``), compared by their exponents mod the
   order — integer arithmetic, no rounding.  Hence ``F C(w) F^-1 = diag(sum_t w[t] lambda_t)``.
   For every shape up to 3x3 those eigenvalues, written as radicals, equal
   ``refconv.matrices.circulant_eigenvalues(w)`` symbolically.

Negative controls (each must fail): the circulant proof with a zero boundary where wrap is
needed, and the DFT proof applied to the zero-boundary (Toeplitz, not circulant) matrix.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy

import refconv
import refconv.matrices

NAME = "block-circulant"
CLAIM = (
    "2-D convolution with a wrap boundary is a doubly block circulant matrix, with zeros a doubly block Toeplitz "
    "one; the DFT diagonalises the circulant"
)
SEED = "§9.1 (convolution as a matrix)"
QUOTE = "In two dimensions, a doubly block circulant matrix corresponds to convolution."
METHOD = "exhaustive symbolic matrices (wrap up to 4x4, zeros up to 3x3); DFT exactly in the cyclotomic field up to 6x6"

N_WRAP = 4
N_ZERO = 3
N_DFT = 6
N_EIGEN = 3
MODES = ("valid", "same", "full")


def _symbols(prefix: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.array(sympy.symbols(f"{prefix}_:{math.prod(shape)}"), dtype=object).reshape(shape)


def _problems(limit: int):
    for n in itertools.product(range(1, limit + 1), repeat=2):
        for k in itertools.product(range(1, n[0] + 1), range(1, n[1] + 1)):
            yield n, _symbols("w", k)


def _grid(shape_rows, shape_cols, entry) -> sympy.ImmutableMatrix:
    """The matrix with entry(i, j) at (ravelled i, ravelled j), i and j multi-indices."""
    rows = [np.unravel_index(r, shape_rows) for r in range(math.prod(shape_rows))]
    cols = [np.unravel_index(c, shape_cols) for c in range(math.prod(shape_cols))]
    return sympy.ImmutableMatrix([[entry(tuple(map(int, i)), tuple(map(int, j))) for j in cols] for i in rows])


def _circulant_of(c: np.ndarray, n: tuple[int, int], sign: int) -> sympy.ImmutableMatrix:
    """``C[(i0, i1), (j0, j1)] = c[sign (j0 - i0) mod n0, sign (j1 - i1) mod n1]``: circulant blocks, circulant grid."""
    return _grid(n, n, lambda i, j: c[(sign * (j[0] - i[0])) % n[0], (sign * (j[1] - i[1])) % n[1]])


def _same_pad(k: int) -> int:
    return k // 2  # "same": the larger half of k - 1 before (SciPy's centred convention)


def _circulant_proof(boundary: str = "wrap") -> int:
    count = 0
    for n, w in _problems(N_WRAP):
        lo = tuple(_same_pad(k) for k in w.shape)
        c = np.zeros(n, dtype=object)
        for t in np.ndindex(*w.shape):
            c[tuple((ta - la) % na for ta, la, na in zip(t, lo, n))] += w[t]
        want = _circulant_of(c, n, +1)
        got = refconv.matrices.conv_matrix(w, n, mode="same", boundary=boundary, format="sympy")
        where = f"input {n}, kernel {w.shape}, boundary={boundary}"
        assert got == want, f"conv_matrix(mode='same') is not C[i, j] = c[(j - i) mod n], {where}"
        check = refconv.matrices.is_doubly_block_circulant(got, (n[1], n[1]))
        assert check, f"is_doubly_block_circulant disagrees: {check.why}, {where}"
        # Circular convolution: kernel anchored at 0, C[i, j] = c'[(i - j) mod n].
        anchored = np.zeros(n, dtype=object)
        for t in np.ndindex(*w.shape):
            anchored[tuple(ta % na for ta, na in zip(t, n))] += w[t]
        want = _circulant_of(anchored, n, -1)
        got = refconv.matrices.doubly_block_circulant(w, n, format="sympy")
        assert got == want, f"doubly_block_circulant is not C[i, j] = c'[(i - j) mod n], {where}"
        count += 1
    return count


def _toeplitz_proof() -> int:
    count = 0
    for n, w in _problems(N_ZERO):
        for mode in MODES:
            lo = tuple({"valid": 0, "full": k - 1, "same": _same_pad(k)}[mode] for k in w.shape)
            out = tuple({"valid": a - k + 1, "full": a + k - 1, "same": a}[mode] for a, k in zip(n, w.shape))

            def entry(i, j, lo=lo, w=w):
                t = tuple(jb - ib + lb for ib, jb, lb in zip(i, j, lo))
                return w[t] if all(0 <= ta < ka for ta, ka in zip(t, w.shape)) else 0

            got = refconv.matrices.conv_matrix(w, n, mode=mode, format="sympy")
            where = f"input {n}, kernel {w.shape}, mode={mode}"
            assert got == _grid(out, n, entry), f"conv_matrix is not T[i, j] = w[j - i + lo], {where}"
            check = refconv.matrices.is_doubly_block_toeplitz(got, (out[1], n[1]))
            assert check, f"is_doubly_block_toeplitz disagrees: {check.why}, {where}"
            count += 1
    return count


def _circular_convolution(w, n):
    return refconv.matrices.doubly_block_circulant(w, n)


def _dft_proof(builder=_circular_convolution, limit: int = N_DFT) -> tuple[int, dict]:
    """``F C(e_t) = diag(zeta^lam) F`` by exponents mod m; returns the eigenvalue exponents per shape."""
    exponents = {}
    for n in itertools.product(range(1, limit + 1), repeat=2):
        m = math.lcm(*n)
        N = math.prod(n)
        idx = np.unravel_index(np.arange(N), n)
        # F[k, j] = omega_n0^(-k0 j0) omega_n1^(-k1 j1) = zeta^E[k, j], zeta = exp(2 pi i / m).
        E = (-sum((m // na) * np.outer(ia, ia) for na, ia in zip(n, idx))) % m
        w = _symbols("w", n)
        basis = {
            t: np.asarray(builder(np.eye(N, dtype=np.int64)[np.ravel_multi_index(t, n)].reshape(n), n))
            for t in np.ndindex(*n)
        }
        symbolic = np.asarray(builder(w, n), dtype=object)
        combined = np.zeros((N, N), dtype=object)  # sum_t w[t] C(e_t), built term by term (no dense products)
        for t in basis:
            for i, j in zip(*np.nonzero(basis[t])):
                combined[i, j] += int(basis[t][i, j]) * w[t]
        same = all(a == b or sympy.expand(a - b) == 0 for a, b in zip(symbolic.flat, combined.flat))
        assert same, f"C(w) != sum_t w[t] C(e_t): not linear in w, input {n}"
        lam = np.zeros((len(basis), N), dtype=np.int64)
        for number, (t, P) in enumerate(basis.items()):
            assert ((P == 0) | (P == 1)).all() and (P.sum(axis=0) <= 1).all(), f"C(e_{t}) is not 0/1, {n}"
            has = P.sum(axis=0) == 1
            # (F P)[k, j] = F[k, r(j)] with P[r(j), j] = 1, or 0 for an empty column j; diag(lam) F has
            # no zero entry, so F P = diag(lam) F needs every column full and E[k, r(j)] - E[k, j]
            # constant along each row k (mod m): that constant is lam_k's exponent.
            assert has.all(), f"F C(e_{t}) F^-1 is not diagonal for input {n}: column {int(np.argmin(has))} of C is 0"
            source = P.argmax(axis=0)
            D = (E[:, source] - E) % m
            assert (D == D[:, :1]).all(), f"F C(e_{t}) F^-1 is not diagonal for input {n}"
            lam[number] = D[:, 0]
        exponents[n] = (m, list(basis), lam)
    return len(exponents), exponents


def _eigenvalues_match(exponents) -> int:
    count = 0
    for n, (m, taps, lam) in exponents.items():
        if max(n) > N_EIGEN:
            continue
        w = _symbols("w", n)
        roots = [sympy.expand_complex(sympy.exp(2 * sympy.pi * sympy.I * sympy.Rational(e, m))) for e in range(m)]
        mine = [sum(w[t] * roots[lam[number, k]] for number, t in enumerate(taps)) for k in range(math.prod(n))]
        theirs = refconv.matrices.circulant_eigenvalues(w, n).ravel()
        for k, (a, b) in enumerate(zip(mine, theirs)):
            assert sympy.expand(a - b) == 0, f"eigenvalue {k} of input {n}: {a} vs circulant_eigenvalues {b}"
        count += 1
    return count


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    circulants = _circulant_proof()
    toeplitz = _toeplitz_proof()
    shapes, exponents = _dft_proof()
    eigen = _eigenvalues_match(exponents)
    return (
        f"{circulants} wrap matrices doubly block circulant, {toeplitz} zero-boundary ones doubly block Toeplitz "
        f"(SymPy); DFT diagonalises all {shapes} circulant shapes up to {N_DFT}x{N_DFT} exactly; "
        f"eigenvalues equal circulant_eigenvalues on {eigen} shapes"
    )


def _zero_where_wrap_needed() -> None:
    """Wrong claim: with a zero boundary the matrix is doubly block circulant too."""
    _circulant_proof(boundary="constant")


def _dft_on_toeplitz() -> None:
    """Wrong claim: the DFT diagonalises the zero-boundary (doubly block Toeplitz) matrix as well."""

    def zero_boundary(w, n):
        w = np.asarray(w)
        return refconv.matrices.conv_matrix(np.flip(w), n, mode=tuple((k - 1, 0) for k in w.shape))

    _dft_proof(zero_boundary, limit=3)


NEGATIVE_CONTROLS = (_zero_where_wrap_needed, _dft_on_toeplitz)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
