"""Claim 6: parameter sharing — the entries of convolution's matrix take only the kernel's values.

Seed, §9.2 (parameter sharing):

    "In a convolutional neural net, each member of the kernel is used at every position of the
    input (except perhaps some of the boundary pixels, depending on the design decisions
    regarding the boundary). The parameter sharing used by the convolution operation means that
    rather than learning a separate set of parameters for every location, we learn only one set."

What is proven, about ``refconv.matrices.conv_matrix`` and ``layer_matrix``, with SymPy symbols
``w_0, ...`` as the kernel, exhaustively for every 1-D length ``n <= 6`` and every 2-D shape up
to 3x3, every kernel inside it, every mode, and the boundaries constant, wrap, reflect,
symmetric, edge (1-D) and constant, wrap (2-D):

1. Every entry is a sum of *distinct* kernel values (coefficients 0 or 1) — with a zero
   boundary, 0 or a single kernel value — so the matrix's free parameters are the ``K =
   prod(kernel)`` kernel values, not one per (output, input) pair.
2. "Used at every position": as a linear form, every row uses each kernel value with
   coefficient exactly 1 in "valid" mode and with every copying boundary (wrap, reflect,
   symmetric, edge) in any mode — no exception; with zero padding ("same"/"full") each value is
   used at most once per row, and the rows where some value is missing are exactly the outputs
   whose window overhangs the input — the seed's "boundary pixels".
3. The layer form (channels, groups): ``layer_matrix`` entries are single weights of
   ``w (C_out, C_in/groups, k)`` or 0, and every weight is used in every row of its output
   channel ("valid"), for ``C_in, C_out <= 2``, ``groups`` 1 or 2, ``n <= 4``.

Negative controls (each must fail): the same proof applied to the *locally connected* (unshared)
layer's matrix, ``refconv.unshared.locally_connected_matrix``; and the claim that with zero
padding every kernel value is used at every output, boundary pixels included.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy

import refconv
import refconv.matrices
import refconv.unshared

NAME = "parameter-sharing"
CLAIM = (
    "Parameter sharing: the entries of convolution's matrix take only the kernel's values, each used at every position"
)
SEED = "§9.2 (parameter sharing)"
QUOTE = (
    "each member of the kernel is used at every position of the input (except perhaps some of the boundary "
    "pixels, depending on the design decisions regarding the boundary)."
)
METHOD = "exhaustive symbolic matrices (SymPy), 1-D n <= 6 and 2-D up to 3x3, all modes, 5 / 2 boundaries"

N_1D = 6
N_2D = 3
MODES = ("valid", "same", "full")
COPYING = ("wrap", "reflect", "symmetric", "edge")


def _symbols(prefix: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.array(sympy.symbols(f"{prefix}_:{math.prod(shape)}"), dtype=object).reshape(shape)


def _convolution(w, shape, mode, boundary):
    return np.array(refconv.matrices.conv_matrix(w, shape, mode=mode, boundary=boundary, format="sympy").tolist())


def _problems():
    for ndim, limit, boundaries in ((1, N_1D, ("constant", *COPYING)), (2, N_2D, ("constant", "wrap"))):
        for shape in itertools.product(range(1, limit + 1), repeat=ndim):
            for kshape in itertools.product(*(range(1, a + 1) for a in shape)):
                for mode, boundary in itertools.product(MODES, boundaries):
                    yield shape, kshape, mode, boundary


def _overhangs(shape, kshape, mode) -> np.ndarray:
    """Per output (ravelled): does its window reach a padded cell?  From the documented pads."""
    spec = refconv.spec.plain_spec("proof", shape, kshape, mode=mode)
    per_axis = [[(o - g.lo < 0) or (o - g.lo + g.k - 1 >= g.n) for o in range(g.out)] for g in spec.axes]
    return np.array([any(flags) for flags in itertools.product(*per_axis)], dtype=bool)


def _sharing_proof(build=_convolution, zero_rows_complete: bool = False) -> int:
    count = 0
    for shape, kshape, mode, boundary in _problems():
        w = _symbols("w", kshape)
        kernel = set(w.flat)
        A = build(w, shape, mode, boundary)
        where = f"input {shape} kernel {kshape} mode={mode} boundary={boundary}"
        used = set()
        for entry in A.flat:
            terms = sympy.Add.make_args(sympy.expand(entry)) if entry != 0 else ()
            assert all(term in kernel for term in terms), f"entry {entry} is not a sum of kernel values, {where}"
            assert len(set(terms)) == len(terms), f"entry {entry} repeats a kernel value, {where}"
            if boundary == "constant":
                assert len(terms) <= 1, f"entry {entry} is not 0 or one kernel value (zero boundary), {where}"
            used.update(terms)
        assert len(used) <= len(kernel), f"{len(used)} free parameters, more than the kernel's {len(kernel)}, {where}"
        # Coefficient of each kernel value in each row's linear form.
        rows = [sympy.expand(sum(row)) for row in A]
        coefficient = np.array([[row.coeff(v) for v in w.flat] for row in rows], dtype=object)
        assert ((coefficient == 0) | (coefficient == 1)).all(), f"a row uses a kernel value twice, {where}"
        complete = (coefficient == 1).all(axis=1)
        if mode == "valid" or boundary in COPYING or zero_rows_complete:
            assert complete.all(), f"row {int(np.argmin(complete))} misses a kernel value, {where}"
        else:
            overhang = _overhangs(shape, kshape, mode)
            assert (complete == ~overhang).all(), f"rows missing a value are not the overhanging outputs, {where}"
        count += 1
    return count


def _layer_proof() -> int:
    count = 0
    for c_in, c_out, groups, n in itertools.product((1, 2), (1, 2), (1, 2), range(1, 5)):
        if c_in % groups or c_out % groups:
            continue
        for k in range(1, n + 1):
            w = _symbols("w", (c_out, c_in // groups, k))
            A = refconv.matrices.layer_matrix(w, (c_in, n), groups=groups, format="sympy")
            out = n - k + 1
            where = f"C_in={c_in} C_out={c_out} groups={groups} n={n} k={k}"
            assert set(A) <= set(w.flat) | {0}, f"an entry is not a single weight, {where}"
            for co in range(c_out):
                mine = set(w[co].flat)
                for o in range(out):
                    row = [e for e in A.row(co * out + o) if e != 0]
                    assert sorted(row, key=str) == sorted(mine, key=str), f"output ({co}, {o}) row {row}, {where}"
            count += 1
    return count


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    matrices = _sharing_proof()
    layers = _layer_proof()
    return (
        f"{matrices} symbolic matrices: entries are sums of distinct kernel values, every row uses each value once "
        f"except exactly the zero-padded boundary outputs; {layers} layer matrices tie every weight to its channel"
    )


def _unshared(w, shape, mode, boundary):
    spec = refconv.spec.plain_spec("proof", shape, w.shape, mode=mode, boundary=boundary)
    free = _symbols("u", spec.output_shape + w.shape)  # one kernel per output position
    return refconv.unshared.locally_connected_matrix(free, shape, mode=mode, boundary=boundary)


def _locally_connected() -> None:
    """Wrong claim: the locally connected (unshared) layer's matrix shares its parameters too."""
    _sharing_proof(build=_unshared)


def _no_boundary_exception() -> None:
    """Wrong claim: with zero padding every kernel value is used at every output, boundary pixels included."""
    _sharing_proof(zero_rows_complete=True)


NEGATIVE_CONTROLS = (_locally_connected, _no_boundary_exception)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
