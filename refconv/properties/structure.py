"""Sparse interactions and parameter sharing (figures 9.2, 9.3, 9.5), measured and checked against the geometry."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._taps import FILL, gather_index, source_index
from .._validation import fail
from ..spec import ConvSpec, plain_spec
from ._report import (
    _as_array,
    _call,
    _is_matrix,
    _outer_and,
    _outer_product,
)

__all__ = ["SparseInteractions", "sparse_interactions", "ParameterSharing", "parameter_sharing"]

# --------------------------------------------------------------------------------------------
# 7. Sparse interactions (figures 9.2, 9.3)
# --------------------------------------------------------------------------------------------


class SparseInteractions(NamedTuple):
    """Who depends on whom: ``dependence[o, i]`` (outputs x inputs, row-major) and its counts.

    Parameters
    ----------
    dependence : numpy.ndarray
        Boolean ``(prod(output_shape), prod(input_shape))``: output ``o`` depends on input ``i``.
    per_output : numpy.ndarray
        Inputs each output depends on (``dependence.sum(axis=1)``).
    per_input : numpy.ndarray
        Outputs each input affects (``dependence.sum(axis=0)``).
    interior : numpy.ndarray
        Boolean per output: all its taps read real cells.
    taps : int
        ``prod(kernel_shape)``.

    See Also
    --------
    sparse_interactions : the property that returns it.
    ParameterSharing : figure 9.5's count of the same matrix's parameters.

    Examples
    --------
    >>> import refconv
    >>> s = sparse_interactions(refconv.correlate, (4,), (2,))
    >>> s.per_output.tolist(), s.per_input.tolist(), s.taps
    ([2, 2, 2], [1, 2, 2, 1], 2)
    >>> bool((s.per_output == s.dependence.sum(axis=1)).all())
    True
    """

    dependence: np.ndarray
    per_output: np.ndarray
    per_input: np.ndarray
    interior: np.ndarray
    taps: int


def _expected_dependence(spec: ConvSpec) -> tuple[np.ndarray, np.ndarray]:
    """From the geometry: ``E[o, i]`` (output o reads input i through some tap) and the interior outputs."""
    n_out, n_in = math.prod(spec.output_shape), math.prod(spec.input_shape)
    cells = [gather_index(g, spec.boundary) for g in spec.axes]
    E = np.zeros((n_out, n_in), dtype=bool)
    rows = np.arange(n_out).reshape(spec.output_shape)
    for tap in np.ndindex(*spec.kernel_shape):
        grids = np.broadcast_arrays(*np.ix_(*(c[:, t] for c, t in zip(cells, tap))))
        real = np.logical_and.reduce([gr != FILL for gr in grids])
        cols = np.ravel_multi_index(tuple(np.where(gr == FILL, 0, gr) for gr in grids), spec.input_shape)
        E[rows[real], cols[real]] = True
    raw = [source_index(np.arange(g.out)[:, None], np.arange(g.k)[None, :], g) for g in spec.axes]
    interior = _outer_and([((r >= 0) & (r < g.n)).all(axis=1) for r, g in zip(raw, spec.axes)])
    return E, interior.ravel()


def _pattern(A: Any) -> np.ndarray:
    if hasattr(A, "is_Matrix"):  # SymPy: structural nonzeros
        return np.array([[v != 0 for v in row] for row in A.tolist()], dtype=bool).reshape(A.shape)
    if hasattr(A, "tocoo"):  # scipy.sparse: the stored (structural) entries
        coo = A.tocoo()
        out = np.zeros(A.shape, dtype=bool)
        out[coo.row, coo.col] = True
        return out
    return np.asarray(A) != 0


def sparse_interactions(f: Any, input_shape: Any, kernel_shape: Any, **kwargs: Any) -> SparseInteractions:
    """Figures 9.2 and 9.3: each output interacts with ``prod(kernel)`` inputs, not all of them.

    ``f`` is a plain operator (``f(x, w, **kwargs)``) or its matrix.  For an operator the
    dependence is *measured by perturbation*: ``f(e_i, w)`` for every unit input ``e_i``, with a
    kernel of distinct positive entries ``1, 2, ..., prod(kernel)`` (no cancellation can hide a
    connection).  A matrix gives its nonzero pattern (``scipy.sparse``: its stored entries); build
    it with a kernel that has no zeros.

    Checked, exactly: the dependence equals the geometry's (output ``o`` depends on input ``i``
    iff some tap reads ``i``, :func:`refconv._taps.gather_index`); every output depends on at
    most ``prod(kernel)`` inputs, and on exactly ``prod(kernel)`` away from the border (the
    *interior*: all its taps read real cells); with the zero boundary every input affects at most
    ``prod(kernel)`` outputs (a wrapping or reflecting boundary makes border cells count twice).

    Parameters
    ----------
    f : callable or matrix
        A plain operator ``f(x, w, **kwargs)``, or its matrix (NumPy, ``scipy.sparse``, SymPy).
    input_shape : int or tuple of int
        The input's shape.
    kernel_shape : int or tuple of int
        The kernel's shape.
    **kwargs
        :func:`refconv.correlate`'s geometry keywords (``mode``, ``stride``, ``dilation``,
        ``boundary``), passed to ``f``.

    Returns
    -------
    SparseInteractions
        The dependence and its counts.

    Raises
    ------
    AssertionError
        The measured dependence differs from the geometry's (got / expected / call).

    See Also
    --------
    parameter_sharing : figure 9.5, the other half of the same matrix's structure.
    refconv.matrices.conv_matrix : the matrix whose nonzero pattern this is.

    Examples
    --------
    Figure 9.2 and 9.3: five inputs, a width-3 kernel, "same": ``x3`` affects ``s2, s3, s4``,
    ``s3`` sees ``x2, x3, x4``.

    >>> import refconv
    >>> s = sparse_interactions(refconv.correlate, (5,), (3,), mode="same")
    >>> s.dependence[:, 2].nonzero()[0].tolist(), s.dependence[2].nonzero()[0].tolist()
    ([1, 2, 3], [1, 2, 3])
    >>> s.per_output.tolist(), s.per_input.tolist()
    ([2, 3, 3, 3, 2], [2, 3, 3, 3, 2])
    """
    func = "sparse_interactions"
    spec = plain_spec(func, input_shape, kernel_shape, **kwargs)
    w = np.arange(1, spec.taps + 1, dtype=np.int64).reshape(spec.kernel_shape)
    n_out, n_in = math.prod(spec.output_shape), math.prod(spec.input_shape)
    if _is_matrix(f):
        D = _pattern(f)
        where = f"the matrix {type(f).__name__} of shape {f.shape}"
    else:
        where = _call(f, f"e_i of shape {spec.input_shape}", w, **kwargs)
        columns = []
        for i in range(n_in):
            e = np.zeros(n_in, dtype=np.int64)
            e[i] = 1
            y = _as_array(f(e.reshape(spec.input_shape), w, **kwargs))
            if y.shape != spec.output_shape:
                raise AssertionError(
                    f"{func}: got output shape {y.shape}, expected output_shape {spec.output_shape}\ncall: {where}"
                )
            columns.append(y.ravel() != 0)
        D = np.stack(columns, axis=1)
    if D.shape != (n_out, n_in):
        raise AssertionError(f"{func}: got a dependence of shape {D.shape}, expected {(n_out, n_in)}\ncall: {where}")
    E, interior = _expected_dependence(spec)
    if not (D == E).all():
        o = int(np.argwhere(D != E)[0][0])
        raise AssertionError(
            f"{func}: got output {o} depending on inputs {np.flatnonzero(D[o]).tolist()}, expected "
            f"{np.flatnonzero(E[o]).tolist()} (the cells its taps read)\ncall: {where}"
        )
    per_output, per_input = D.sum(axis=1), D.sum(axis=0)
    assert (per_output <= spec.taps).all(), (per_output, spec.taps)
    assert (per_output[interior] == spec.taps).all(), (per_output, interior)
    if spec.boundary == "constant":
        assert (per_input <= spec.taps).all(), (per_input, spec.taps)
    return SparseInteractions(D, per_output, per_input, interior, spec.taps)


# --------------------------------------------------------------------------------------------
# 9. Parameter sharing (figure 9.5)
# --------------------------------------------------------------------------------------------


class ParameterSharing(NamedTuple):
    """Distinct parameters in the matrix and how many entries use each.

    Parameters
    ----------
    parameters : int
        Distinct parameters (SymPy symbols) in the matrix.
    uses : dict
        ``symbol -> number of matrix entries that use it``.

    See Also
    --------
    parameter_sharing : the property that returns it.
    SparseInteractions : figures 9.2 and 9.3's view of the same matrix.

    Examples
    --------
    >>> import refconv
    >>> r = parameter_sharing(refconv.correlate, (4,), (2,))
    >>> r.parameters == len(r.uses), sorted(r.uses.values())
    (True, [3, 3])
    """

    parameters: int
    uses: dict


def _symbols(shape: tuple[int, ...], prefix: str) -> np.ndarray:
    import sympy

    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sympy.Symbol(prefix + "_".join(map(str, index)))
    return out


def _usage(M: Any) -> dict:
    """Entries of a symbolic matrix that use each parameter (an entry ``w0 + w2`` uses both)."""
    import sympy

    rows = M.tolist() if hasattr(M, "tolist") else M
    uses: dict = {}
    for row in rows:
        for v in row:
            for s in sympy.sympify(v).free_symbols:
                uses[s] = uses.get(s, 0) + 1
    return uses


def parameter_sharing(
    f: Any, input_shape: Any, kernel_shape: Any, *, shared: bool = True, **kwargs: Any
) -> ParameterSharing:
    """Figure 9.5: a convolution's matrix ties its entries to ``prod(kernel)`` parameters.

    ``f`` is a plain operator or a symbolic matrix of it.  For an operator, the matrix is measured
    by perturbation with a *symbolic* weight — columns ``f(e_i, W)`` — where ``W`` has shape
    ``kernel_shape`` (``shared=True``, a convolution) or ``output_shape + kernel_shape``
    (``shared=False``, :func:`refconv.unshared.locally_connected`: one kernel per output).

    Checked, exactly, against the geometry: with ``shared=True`` the matrix holds one parameter
    per tap that reads a real cell for some output (``prod(kernel)`` in "valid" mode), each used
    by every output whose tap reads a real cell (all ``prod(output)`` in "valid" mode: the
    central black arrows of figure 9.5); with ``shared=False`` it holds one parameter per (output,
    tap) pair that reads a real cell, each used once.  For a given matrix (whose symbol names are
    unknown) the multiset of use counts is compared.

    Parameters
    ----------
    f : callable or matrix
        A plain operator ``f(x, W, **kwargs)`` that accepts symbolic weights, or a symbolic matrix.
    input_shape : int or tuple of int
        The input's shape.
    kernel_shape : int or tuple of int
        The kernel's shape.
    shared : bool
        ``True`` for a convolution (one kernel), ``False`` for a locally connected layer (one
        kernel per output).
    **kwargs
        :func:`refconv.correlate`'s geometry keywords, passed to ``f``.

    Returns
    -------
    ParameterSharing
        The distinct parameters and their use counts.

    Raises
    ------
    AssertionError
        The parameters or their use counts differ from the geometry's (got / expected / call).

    See Also
    --------
    sparse_interactions : figures 9.2 and 9.3, the matrix's sparsity.
    refconv.unshared.locally_connected : the unshared layer of ``shared=False``.

    Examples
    --------
    >>> import refconv
    >>> from refconv.unshared import locally_connected
    >>> parameter_sharing(refconv.correlate, (5,), (3,)).uses
    {w0: 3, w1: 3, w2: 3}
    >>> parameter_sharing(locally_connected, (5,), (3,), shared=False).parameters
    9
    """
    func = "parameter_sharing"
    if not isinstance(shared, bool):
        raise fail(
            func, "shared", shared, "is not a bool", "True (convolution) or False (locally connected)", TypeError
        )
    spec = plain_spec(func, input_shape, kernel_shape, **kwargs)
    # How many outputs read a real cell through each tap (per axis, then multiplied over axes).
    real = [gather_index(g, spec.boundary) != FILL for g in spec.axes]  # (out, k) per axis
    if shared:
        W = _symbols(spec.kernel_shape, "w")
        per_tap = _outer_product([r.sum(axis=0) for r in real])
        expected = {W[t]: int(per_tap[t]) for t in np.ndindex(*spec.kernel_shape) if per_tap[t]}
    else:
        W = _symbols(spec.output_shape + spec.kernel_shape, "w")
        # _outer_and interleaves the axes (o1, t1, o2, t2, ...); the weight is (o1, o2, ..., t1, t2, ...).
        order = [2 * a for a in range(spec.ndim)] + [2 * a + 1 for a in range(spec.ndim)]
        reads = _outer_and(real).transpose(order)
        expected = {W[i]: 1 for i in np.ndindex(*W.shape) if reads[i]}
    if _is_matrix(f):
        uses = _usage(f)
        got_counts, want_counts = sorted(uses.values()), sorted(expected.values())
        if got_counts != want_counts:
            raise AssertionError(
                f"{func}: got {len(uses)} parameters used {got_counts} times, expected {len(expected)} used "
                f"{want_counts} times\ncall: the matrix {type(f).__name__} of shape {f.shape}, shared={shared}"
            )
        return ParameterSharing(len(uses), uses)
    n_in = math.prod(spec.input_shape)
    columns = []
    for i in range(n_in):
        e = np.zeros(n_in, dtype=object)  # Python int zeros: exact next to SymPy weights
        e[i] = 1
        columns.append(_as_array(f(e.reshape(spec.input_shape), W, **kwargs)).ravel())
    uses = _usage(np.stack(columns, axis=1))
    if uses != expected:
        wrong = next(s for s in sorted(set(uses) | set(expected), key=str) if uses.get(s) != expected.get(s))
        raise AssertionError(
            f"{func}: got {len(uses)} distinct parameters, {wrong} used {uses.get(wrong, 0)} times; expected "
            f"{len(expected)}, {wrong} used {expected.get(wrong, 0)} times\n"
            f"call: {_call(f, f'e_i of shape {spec.input_shape}', W, **kwargs)}"
        )
    return ParameterSharing(len(uses), uses)
