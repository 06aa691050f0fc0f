"""Claim 5: sparse interactions — at most prod(kernel) non-zeros per row, and figure 9.6's counts as exact formulas.

Seed, §9.2 (sparse interactions) and figure 9.6:

    "convolution usually corresponds to a very sparse matrix" (§9.1); "If we limit the number of
    connections each output may have to k, then the sparsely connected approach requires only
    k x n parameters and O(k x n) runtime" (§9.2); figure 9.6: "Both images are 280 pixels
    tall. The input image is 320 pixels wide while the output image is 319 pixels wide. ...
    requires 319 x 280 x 3 = 267, 960 floating point operations (two multiplications and one
    addition per output pixel) ... To describe the same transformation with a matrix
    multiplication would take 320x 280 x 319 x 280, or over eight billion, entries in the
    matrix, making convolution four billion times more efficient for representing this
    transformation. The straightforward matrix multiplication algorithm performs over sixteen
    billion floating point operations, making convolution roughly 60,000 times more efficient
    computationally. ... If we stored only the nonzero entries of the matrix, then both matrix
    multiplication and convolution would require the same number of floating point operations
    to compute. The matrix would still need to contain 2 x 319 x 280 = 178, 640 entries."

What is proven, with SymPy symbols ``n`` (image rows), ``m`` (image columns), ``kr, kc``
(kernel rows and columns), "valid" mode, ``K = kr*kc`` and ``O = (n - kr + 1)(m - kc + 1)``
outputs:

1. The formulas: flops ``O (2K - 1)``; dense entries ``O n m``; dense flops ``O (2nm - 1)``;
   stored entries ``O K``; sparse flops ``2 O K - O``.  Symbolically: sparse flops == flops
   (the seed's "same number of floating point operations"), and the computation ratio is
   ``(2nm - 1)/(2K - 1)`` whatever the output size.
2. ``refconv.conv_cost`` equals the formulas for every image up to 6x6 and every kernel inside it.
3. Every row of ``refconv.matrices.conv_matrix(..., format="sparse")`` stores at most
   ``prod(kernel)`` entries, for every 2-D image up to 3x3, every kernel inside it, every mode
   and every boundary; exactly ``prod(kernel)`` in "valid" mode; the stored total is
   ``conv_cost(...).sparse_nnz``.
4. At ``n = 280, m = 320`` and the kernel ``[[-1, 1]]`` the formulas give the seed's numbers,
   typed from the figure: 319 wide; 267,960 flops; 320 x 280 x 319 x 280 (> 8e9) entries, a
   ratio between four and five billion; > 16e9 dense flops, a ratio that rounds to 60,000; and
   2 x 319 x 280 = 178,640 stored entries — and the actual 89,320 x 89,600 sparse matrix has
   those 178,640 entries, 2 per row, and maps an image to its left-neighbour differences.

Negative controls (each must fail): the same proof with a wrong output size (a "same"-size,
320-wide output), and with a square dense matrix (as many outputs as inputs).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy

import refconv
import refconv.costs
import refconv.matrices

NAME = "sparsity-costs"
CLAIM = "At most prod(kernel) non-zeros per matrix row; figure 9.6's counts as exact formulas in image and kernel sizes"
SEED = "§9.2 (sparse interactions), fig. 9.6"
QUOTE = (
    "requires 319 x 280 x 3 = 267, 960 floating point operations ... 320x 280 x 319 x 280, or over eight billion, "
    "entries in the matrix, making convolution four billion times more efficient for representing this "
    "transformation ... over sixteen billion floating point operations, making convolution roughly 60,000 times "
    "more efficient computationally ... The matrix would still need to contain 2 x 319 x 280 = 178, 640 entries."
)
METHOD = "symbolic formulas (SymPy) + exhaustive up to 6x6 (costs) and 3x3 (sparse rows, all modes/boundaries)"

n, m, kr, kc = sympy.symbols("n m k_r k_c", positive=True, integer=True)


def valid_formulas(n, m, kr, kc) -> dict:
    """Figure 9.6's counts for an ``n x m`` image and a ``kr x kc`` kernel, "valid" mode."""
    outputs = (n - kr + 1) * (m - kc + 1)
    K = kr * kc
    return {
        "output_width": m - kc + 1,
        "flops": outputs * (2 * K - 1),  # K multiplications and K - 1 additions per output
        "dense_entries": outputs * n * m,
        "dense_flops": outputs * (2 * n * m - 1),  # n*m multiplications and n*m - 1 additions per row
        "sparse_nnz": outputs * K,
        "sparse_flops": 2 * outputs * K - outputs,  # one multiplication per entry, one addition after a row's first
        "parameters": K,
    }


def _same_size_output(n, m, kr, kc) -> dict:
    """Wrong: as if the output were as wide as the input (no shrinking)."""
    f = valid_formulas(n, m, kr, kc)
    K = kr * kc
    return f | {
        "output_width": m,
        "flops": n * m * (2 * K - 1),
        "dense_entries": (n * m) ** 2,
        "dense_flops": n * m * (2 * n * m - 1),
        "sparse_nnz": n * m * K,
        "sparse_flops": n * m * (2 * K - 1),
    }


def _square_matrix(n, m, kr, kc) -> dict:
    """Wrong: as if the dense matrix were square, inputs x inputs."""
    return valid_formulas(n, m, kr, kc) | {"dense_entries": (n * m) ** 2}


def _symbolic_identities(formulas) -> None:
    f = formulas(n, m, kr, kc)
    assert sympy.expand(f["sparse_flops"] - f["flops"]) == 0, "stored-entry flops differ from convolution flops"
    ratio = sympy.cancel(f["dense_flops"] / f["flops"])
    assert sympy.simplify(ratio - (2 * n * m - 1) / (2 * kr * kc - 1)) == 0, f"computation ratio {ratio}"


def _against_conv_cost(formulas, limit: int = 6) -> int:
    count = 0
    for shape in itertools.product(range(1, limit + 1), repeat=2):
        for kshape in itertools.product(range(1, shape[0] + 1), range(1, shape[1] + 1)):
            f = formulas(*shape, *kshape)
            cost = refconv.costs.conv_cost(shape, kshape)
            got = {name: getattr(cost, name) for name in f if name != "output_width"}
            got["output_width"] = cost.output_shape[1]
            assert got == f, f"conv_cost{shape, kshape} = {got}, the formulas give {f}"
            count += 1
    return count


def _rows_at_most_kernel(limit: int = 3) -> int:
    count = 0
    for shape in itertools.product(range(1, limit + 1), repeat=2):
        for kshape in itertools.product(range(1, shape[0] + 1), range(1, shape[1] + 1)):
            w = np.arange(1, math.prod(kshape) + 1).reshape(kshape)  # no zero weight: stored == non-zero
            K = w.size
            for mode in ("valid", "same", "full"):
                for boundary in refconv.BOUNDARIES:
                    A = refconv.matrices.conv_matrix(w, shape, mode=mode, boundary=boundary, format="sparse")
                    per_row = np.diff(A.indptr)
                    where = f"image {shape} kernel {kshape} mode={mode} boundary={boundary}"
                    assert per_row.max() <= K, f"a row stores {per_row.max()} > prod(kernel) = {K} entries, {where}"
                    assert np.count_nonzero(A.data) == A.nnz, f"a stored entry is zero with no zero weight, {where}"
                    if mode == "valid":
                        assert (per_row == K).all(), f"a valid row does not store all {K} taps, {where}"
                    nnz = refconv.costs.conv_cost(shape, kshape, mode=mode, boundary=boundary).sparse_nnz
                    assert A.nnz == nnz, f"stored {A.nnz} entries, conv_cost says {nnz}, {where}"
                    count += 1
    return count


def _figure_9_6(formulas) -> str:
    f = {name: int(v) for name, v in formulas(280, 320, 1, 2).items()}
    # The seed's numbers, typed from figure 9.6.
    assert f["output_width"] == 319, f"output width {f['output_width']}, the figure says 319"
    assert f["flops"] == 319 * 280 * 3 == 267_960, f"flops {f['flops']:,}, the figure says 267,960"
    entries = f["dense_entries"]
    assert entries == 320 * 280 * 319 * 280, f"dense entries {entries:,}, the figure says 320 x 280 x 319 x 280"
    assert entries > 8 * 10**9, f"dense entries {entries:,}, not 'over eight billion'"
    representation = sympy.Rational(f["dense_entries"], f["parameters"])
    assert 4 * 10**9 <= representation < 5 * 10**9, f"representation ratio {representation}, not 'four billion'"
    assert f["dense_flops"] > 16 * 10**9, f"dense flops {f['dense_flops']:,}, not 'over sixteen billion'"
    computation = sympy.Rational(f["dense_flops"], f["flops"])
    assert round(computation, -4) == 60_000, f"computation ratio {computation}, not 'roughly 60,000'"
    assert f["sparse_nnz"] == 2 * 319 * 280 == 178_640, f"stored entries {f['sparse_nnz']:,}, the figure says 178,640"
    assert f["sparse_flops"] == f["flops"], "stored-entry flops differ from convolution flops"
    cost = refconv.costs.conv_cost((280, 320), (1, 2))
    assert (cost.flops, cost.dense_entries, cost.dense_flops, cost.sparse_nnz) == (
        f["flops"],
        f["dense_entries"],
        f["dense_flops"],
        f["sparse_nnz"],
    ), f"conv_cost at 280x320: {cost}"
    A = refconv.matrices.conv_matrix(np.array([[-1, 1]]), (280, 320), format="sparse")
    assert A.shape == (280 * 319, 280 * 320) and A.nnz == 178_640 and (np.diff(A.indptr) == 2).all(), A
    image = np.arange(280 * 320, dtype=np.int64).reshape(280, 320) ** 2 % 1009
    edges = (A @ image.ravel()).reshape(280, 319)
    assert (edges == image[:, 1:] - image[:, :-1]).all(), "the matrix is not 'subtract the neighbour on the left'"
    return (
        f"{f['flops']:,} flops, {f['dense_entries']:,} entries, ratios {representation} and {float(computation):,.0f}"
    )


def _sparsity_proof(formulas) -> str:
    _symbolic_identities(formulas)
    figure = _figure_9_6(formulas)
    costs = _against_conv_cost(formulas)
    return f"{costs} shapes match conv_cost; figure 9.6: {figure}"


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    detail = _sparsity_proof(valid_formulas)
    rows = _rows_at_most_kernel()
    return f"formulas symbolic; {rows} sparse matrices store <= prod(kernel) per row; {detail}"


def _wrong_output_size() -> None:
    """Wrong claim: the output is as wide as the input (320), so 268,800 flops."""
    _sparsity_proof(_same_size_output)


def _wrong_square() -> None:
    """Wrong claim: the dense matrix is square, (320 x 280)^2 entries."""
    _sparsity_proof(_square_matrix)


NEGATIVE_CONTROLS = (_wrong_output_size, _wrong_square)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
