"""Checks of §9.1's matrix view and figure 9.6: Toeplitz / doubly block circulant structure, the
three matrix formats, the adjoint, circulant eigenvalues, and the efficiency numbers."""

from __future__ import annotations

import time

import numpy as np

from ..convolution import correlate
from ..costs import conv_cost
from ..matrices import (
    circulant_eigenvalues,
    conv_matrix,
    is_circulant,
    is_doubly_block_circulant,
    is_doubly_block_toeplitz,
    is_multilevel_circulant,
    is_toeplitz,
    layer_matrix,
    multilevel_circulant,
)
from . import Check

__all__ = ["CHECKS"]

_SEED = 20261126
_FIG = np.array([[-1, 1]])


def figure_9_6_counts() -> str:
    cost = conv_cost((280, 320), (1, 2))
    # Each number typed from the figure's caption, as arithmetic, not from the library.
    assert cost.output_shape == (280, 319), cost.output_shape
    assert cost.flops == 319 * 280 * 3 == 267_960, cost.flops
    assert cost.dense_entries == 320 * 280 * 319 * 280 > 8e9, cost.dense_entries
    assert cost.representation_ratio >= 4e9, cost.representation_ratio  # "four billion times"
    assert cost.dense_flops > 16e9, cost.dense_flops  # "over sixteen billion"
    assert 55_000 < cost.computation_ratio < 65_000, cost.computation_ratio  # "roughly 60,000"
    assert cost.sparse_nnz == 2 * 319 * 280 == 178_640, cost.sparse_nnz
    assert cost.sparse_flops == cost.flops  # "the same number of floating point operations"
    return (
        f"output 280x319, {cost.flops:,} flops, {cost.dense_entries:,} dense entries, {cost.dense_flops:,} dense "
        f"flops (ratio {float(cost.computation_ratio):,.0f}), {cost.sparse_nnz:,} sparse entries"
    )


def figure_9_6_sparse() -> str:
    import scipy.sparse as sp

    def best(build, repeat=7):
        # CPU time of this process, best of several: robust to other processes sharing the cores.
        times = []
        for _ in range(repeat):
            start = time.process_time()
            result = build()
            times.append(time.process_time() - start)
        return result, min(times)

    A, ours = best(lambda: conv_matrix(_FIG, (280, 320), format="sparse"))
    m = 280 * 319
    ones = np.ones(m, dtype=np.int64)
    _, diags = best(lambda: sp.diags([-ones, ones], [0, 1], shape=(m, 280 * 320), format="csr", dtype=np.int64))
    assert A.nnz == 2 * 319 * 280, A.nnz
    image = np.random.default_rng(_SEED).integers(0, 256, (280, 320))
    assert np.array_equal(A @ image.ravel(), correlate(image, _FIG).ravel())
    try:
        conv_matrix(_FIG, (280, 320), format="dense")
    except ValueError as exc:
        assert "8,003,072,000 entries" in str(exc) and 'format="sparse"' in str(exc), exc
    else:
        raise AssertionError("the dense figure-9.6 matrix was not refused")
    return (
        f"CSR with {A.nnz:,} entries built in {ours * 1e3:.1f} ms CPU (scipy.sparse.diags, same nnz: "
        f"{diags * 1e3:.1f} ms), equals correlate on an image; dense refused (8,003,072,000 entries)"
    )


def structures() -> str:
    rng = np.random.default_rng(_SEED + 1)
    w1 = rng.integers(1, 9, 3)
    w2 = rng.integers(1, 9, (2, 3))
    claims = [
        ("1-D zero boundary, stride 1: Toeplitz", bool(is_toeplitz(conv_matrix(w1, (7,), mode="full"))), True),
        ("1-D wrap 'same': circulant", bool(is_circulant(conv_matrix(w1, (7,), mode="same", boundary="wrap"))), True),
        ("1-D stride 2: not Toeplitz", bool(is_toeplitz(conv_matrix(w1, (7,), stride=2))), False),
        ("1-D zero 'same': not circulant", bool(is_circulant(conv_matrix(w1, (7,), mode="same"))), False),
        ("2-D zero: doubly block Toeplitz", bool(is_doubly_block_toeplitz(conv_matrix(w2, (4, 5)), (3, 5))), True),
        ("2-D zero 'same': not circulant", bool(is_circulant(conv_matrix(w2, (4, 5), mode="same"))), False),
        (
            "2-D zero 'same': not doubly block circulant",
            bool(is_doubly_block_circulant(conv_matrix(w2, (4, 5), mode="same"), (5, 5))),
            False,
        ),
        (
            "2-D wrap 'same': doubly block circulant",
            bool(is_doubly_block_circulant(conv_matrix(w2, (4, 5), mode="same", boundary="wrap"), (5, 5))),
            True,
        ),
        (
            "3-D wrap 'same': 3-level circulant",
            bool(
                is_multilevel_circulant(
                    conv_matrix(np.ones((2, 2, 2), int), (3, 4, 2), mode="same", boundary="wrap", format="sparse"),
                    (3, 4, 2),
                )
            ),
            True,
        ),
    ]
    wrong = [name for name, got, want in claims if got != want]
    assert not wrong, f"claims that failed: {wrong}"
    return (
        f"{len(claims)} structure claims hold, negatives included, e.g. "
        + is_toeplitz(conv_matrix(w1, (7,), stride=2)).why.split(";")[0]
    )


def three_formats() -> str:
    import sympy

    a, b, c, d = sympy.symbols("a b c d")
    w = np.array([[a, b], [c, d]], dtype=object)
    rng = np.random.default_rng(_SEED + 2)
    x = rng.integers(-9, 10, (3, 4))
    count = 0
    for mode in ("valid", "same", "full"):
        for boundary in ("constant", "wrap", "reflect", "symmetric", "edge"):
            for stride, dilation in ((1, 1), (2, 1), (1, 2)):
                kw = dict(mode=mode, boundary=boundary, stride=stride, dilation=dilation)
                try:
                    dense = conv_matrix(w, x.shape, **kw)
                except ValueError:
                    continue  # the dilated kernel does not fit this input in "valid" mode
                sparse = conv_matrix(w, x.shape, format="sparse", **kw)
                symbolic = conv_matrix(w, x.shape, format="sympy", **kw)
                assert sympy.Matrix(dense.tolist()) == sparse == symbolic, kw
                y = correlate(x, w, **kw).ravel()
                assert all(sympy.expand(u - v) == 0 for u, v in zip(dense.dot(x.ravel()), y)), kw
                count += 1
    return (
        f"{count} symbolic 3x4 problems (modes x boundaries x stride/dilation): dense == sparse == SymPy, "
        "A@x == correlate"
    )


def adjoint() -> str:
    from ..layer import conv, conv_transpose

    rng = np.random.default_rng(_SEED + 3)
    x = rng.integers(-5, 6, (2, 4, 5, 6))
    w = rng.integers(-5, 6, (6, 2, 2, 3))
    kw = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    A = layer_matrix(w, x.shape[1:], format="sparse", **kw)
    y = conv(x, w, **kw)
    assert np.array_equal((A @ x.reshape(2, -1).T).T, y.reshape(2, -1))
    # output_padding 1 on axis 0: (5 + 2 - 2) % 2 cells the stride skipped at the end.
    z = conv_transpose(y, w, output_padding=(1, 0), **kw)
    assert np.array_equal((A.T @ y.reshape(2, -1).T).T, z.reshape(2, -1))
    return (
        f"layer matrix {A.shape[0]}x{A.shape[1]} (groups 2, stride, dilation) is conv; its transpose is conv_transpose"
    )


def eigenvalues() -> str:
    import sympy

    checked = 0
    rng = np.random.default_rng(_SEED + 4)
    for shape in [(n,) for n in range(1, 7)] + [(3, 3)]:
        w = rng.integers(-5, 6, tuple(min(3, n) for n in shape))
        C = multilevel_circulant(w, shape)
        lam = circulant_eigenvalues(w, shape)
        for k in np.ndindex(*shape):
            # Row 0 of C against v_k (v_k[0] = 1): with C multi-level circulant this is C v_k = lam_k v_k.
            row0 = 0
            for col, cell in enumerate(np.ndindex(*shape)):
                phase = sum(sympy.Rational(j * kk, n) for j, kk, n in zip(cell, k, shape))
                row0 += int(C[0, col]) * sympy.expand_complex(sympy.exp(2 * sympy.pi * sympy.I * phase))
            assert sympy.expand(row0 - lam[k]) == 0, (shape, k, lam[k])
            checked += 1
        assert is_multilevel_circulant(C, shape)
    w = rng.standard_normal((3, 4))
    padded = np.zeros((64, 64))
    padded[:3, :4] = w
    err = np.abs(circulant_eigenvalues(w, (64, 64)) - np.fft.fft2(padded)).max()
    assert err < 1e-12, err
    return f"{checked} exact eigenvalues (1-D n <= 6, 2-D 3x3, roots of unity in SymPy); 64x64 vs fft2: {err:.1e}"


CHECKS = [
    Check(
        "fig-9.6-counts",
        "Figure 9.6: output 280x319, 267,960 flops, 8,003,072,000 dense entries, >16e9 dense "
        "flops (~60,000x), 178,640 sparse entries",
        "fig. 9.6",
        "exact arithmetic (conv_cost)",
        figure_9_6_counts,
        "requires 319 x 280 x 3 = 267, 960 floating point operations",
    ),
    Check(
        "fig-9.6-sparse",
        "Figure 9.6's sparse matrix is built (178,640 entries) and equals correlate; the dense one is refused",
        "fig. 9.6",
        "built matrix, seeded image",
        figure_9_6_sparse,
        "The matrix would still need to contain 2 x 319 x 280 = 178, 640 entries",
    ),
    Check(
        "matrix-structure",
        "1-D: Toeplitz (zero boundary), circulant (wrap); 2-D: doubly block Toeplitz (zero), "
        "doubly block circulant (wrap); stride breaks Toeplitz",
        "§9.1",
        "structure predicates",
        structures,
        "This is known as a Toeplitz matrix. In two dimensions, a doubly block circulant matrix corresponds to "
        "convolution.",
    ),
    Check(
        "matrix-formats",
        "Dense, sparse and SymPy matrices agree entry for entry and A @ x == correlate",
        "§9.1",
        "symbolic (SymPy)",
        three_formats,
        "Discrete convolution can be viewed as multiplication by a matrix.",
    ),
    Check(
        "matrix-adjoint",
        "The layer matrix is conv's; its transpose is conv_transpose's",
        "§9.1 / §9.5",
        "exact cross-check, seeded integers",
        adjoint,
    ),
    Check(
        "circulant-eigen",
        "The DFT diagonalises a (multi-level) circulant: eigenvalues = DFT of the wrapped kernel",
        "§9.1 (circulant)",
        "exact (SymPy roots of unity) + numeric (fft2)",
        eigenvalues,
    ),
]
