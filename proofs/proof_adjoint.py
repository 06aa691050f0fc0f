"""Claim 9: the adjoint — the transposed matrix of a convolution layer is the matrix of ``conv_transpose``.

Seed, end of §9.1:

    "Discrete convolution can be viewed as multiplication by a matrix. ... Any neural network
    algorithm that works with matrix multiplication and does not depend on specific properties
    of the matrix structure should work with convolution, without requiring any further
    changes to the neural network."

Back-propagation through ``y = A x`` multiplies by ``A^T``; for convolution that product is the
transposed convolution.  What is proven, about ``refconv.conv``, ``refconv.conv_transpose`` and
``refconv.matrices.layer_matrix``:

1. For every geometry below, with SymPy symbols as the input ``x``, the output-side ``y`` and
   the weight ``w``: ``sum(conv(x, w) * y) == sum(x * conv_transpose(y, w, output_padding=p))``
   as a polynomial identity — ``<A x, y> = <x, B y>`` for all ``x, y, w``, hence ``B = A^T``.
   ``p = (n + 2 pad - d (k - 1) - 1) mod s`` is the output padding that restores ``n``.
2. For the 1-D geometries with ``n <= 3``: the matrix of ``conv_transpose``, built here column
   by column by applying it to each basis vector, equals ``layer_matrix(w, ...).T`` exactly.

Geometries, exhaustively: 1-D ``n <= 5``, ``k <= 3``, stride 1-2, padding 0-1, dilation 1-2
(where the dilated kernel fits the padded input), one channel; plus channels
``(C_in, C_out, groups)`` in ``(2, 1, 1), (1, 2, 1), (2, 2, 2)`` with ``n <= 4``, stride 1-2;
plus 2-D inputs up to 3x3 with kernels up to 2x2, stride ``(1, 2)``, padding ``(1, 0)``.

Negative controls (each must fail): the same proof with the adjoint taken to be the full
correlation with the *unflipped* kernel, and with ``output_padding`` left at 0 when the stride
does not divide the input.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy

import refconv
import refconv.matrices

NAME = "adjoint"
CLAIM = "The transposed matrix of a convolution layer is the matrix of conv_transpose (the exact adjoint)"
SEED = "§9.1 (convolution as a matrix)"
QUOTE = (
    "Discrete convolution can be viewed as multiplication by a matrix. ... Any neural network algorithm that works "
    "with matrix multiplication and does not depend on specific properties of the matrix structure should work "
    "with convolution, without requiring any further changes to the neural network."
)
METHOD = "symbolic (SymPy) inner-product identity + exact matrices, exhaustive over small 1-D/2-D geometries"


def _symbols(prefix: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.array(sympy.symbols(f"{prefix}_:{math.prod(shape)}"), dtype=object).reshape(shape)


def _geometries():
    """``(C_in, C_out, groups, spatial, kernel, stride, padding, dilation)`` of every case."""
    for n, k, s, p, d in itertools.product(range(1, 6), range(1, 4), (1, 2), (0, 1), (1, 2)):
        if d * (k - 1) + 1 <= n + 2 * p:
            yield 1, 1, 1, (n,), (k,), (s,), (p,), (d,)
    for (c_in, c_out, g), n, k, s in itertools.product(((2, 1, 1), (1, 2, 1), (2, 2, 2)), range(1, 5), (1, 2), (1, 2)):
        if k <= n:
            yield c_in, c_out, g, (n,), (k,), (s,), (0,), (1,)
    for shape in itertools.product(range(1, 4), repeat=2):
        for kshape in itertools.product(range(1, 3), repeat=2):
            if kshape[0] <= shape[0] + 2 and kshape[1] <= shape[1]:
                yield 1, 1, 1, shape, kshape, (1, 2), (1, 0), (1, 1)


def _restoring_padding(spatial, kernel, stride, padding, dilation) -> tuple[int, ...]:
    return tuple((n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))


def _transpose(y, w, *, stride, padding, dilation, groups, output_padding):
    return refconv.conv_transpose(
        y, w, stride=stride, padding=padding, dilation=dilation, groups=groups, output_padding=output_padding
    )


def _adjoint_proof(adjoint=_transpose, restore: bool = True) -> tuple[int, int]:
    identities = matrices = 0
    for c_in, c_out, groups, spatial, kernel, stride, padding, dilation in _geometries():
        geometry = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        where = f"C_in={c_in} C_out={c_out} input {spatial} kernel {kernel} {geometry}"
        x = _symbols("x", (1, c_in, *spatial))
        w = _symbols("w", (c_out, c_in // groups, *kernel))
        forward = refconv.conv(x, w, **geometry)
        y = _symbols("y", forward.shape)
        extra = _restoring_padding(spatial, kernel, stride, padding, dilation) if restore else (0,) * len(spatial)
        try:
            back = adjoint(y, w, output_padding=extra, **geometry)
        except ValueError as exc:  # refusing the shape is failing the claim, reported as such
            raise AssertionError(f"the adjoint refuses output_padding={extra}: {exc}; {where}") from exc
        assert back.shape == x.shape, f"adjoint has shape {back.shape}, the input {x.shape}, {where}"
        gap = sympy.expand(np.sum(forward * y) - np.sum(x * back))
        assert gap == 0, f"<conv(x), y> - <x, adjoint(y)> = {gap}, {where}"
        identities += 1
        if len(spatial) == 1 and spatial[0] <= 3:
            A = refconv.matrices.layer_matrix(w, (c_in, *spatial), format="sympy", **geometry)
            columns = []
            for i in range(y.size):
                basis = np.zeros(y.size, dtype=np.int64)
                basis[i] = 1
                columns.append(
                    list(adjoint(basis.reshape(y.shape).astype(object), w, output_padding=extra, **geometry).ravel())
                )
            B = sympy.Matrix(columns).T  # column i is the adjoint of the basis vector e_i
            assert B == A.T, f"the matrix of the adjoint is not layer_matrix(...).T, {where}"
            matrices += 1
    return identities, matrices


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    identities, matrices = _adjoint_proof()
    return f"<conv(x), y> = <x, conv_transpose(y)> symbolically on {identities} geometries; {matrices} matrices == A.T"


def _unflipped_full(y, w, *, stride, padding, dilation, groups, output_padding):
    """Wrong adjoint: the full correlation with the kernel as is (conv_transpose flips, so pre-flip it)."""
    flipped = np.flip(w, axis=tuple(range(2, w.ndim)))
    return _transpose(
        y, flipped, stride=stride, padding=padding, dilation=dilation, groups=groups, output_padding=output_padding
    )


def _unflipped() -> None:
    """Wrong claim: the adjoint of a correlation is the full correlation with the unflipped kernel."""
    _adjoint_proof(adjoint=_unflipped_full)


def _no_output_padding() -> None:
    """Wrong claim: conv_transpose with output_padding=0 is always the adjoint, whatever the stride."""
    _adjoint_proof(restore=False)


NEGATIVE_CONTROLS = (_unflipped, _no_output_padding)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
