"""Sizes: receptive field growth (figure 9.4) and inputs of variable size (end of §9.2)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._taps import source_index
from .._validation import fail, int_tuple
from ..receptive import ReceptiveField, receptive_field
from ..spec import plain_spec
from ._report import (
    _as_array,
    _call,
    _check,
    _name,
    _outer_and,
)

__all__ = ["receptive_field_growth", "VariableSize", "variable_size"]

# --------------------------------------------------------------------------------------------
# 8. Receptive fields (figure 9.4)
# --------------------------------------------------------------------------------------------


def _stack(f: Callable, x: np.ndarray, layers: Sequence[tuple]) -> np.ndarray:
    for kernel, stride, dilation, pads in layers:
        x = _as_array(f(x, np.ones(kernel, dtype=np.int64), mode=pads, stride=stride, dilation=dilation))
    return x


def receptive_field_growth(f: Callable, layers: Sequence[Any], input_shape: Any) -> ReceptiveField:
    """Figure 9.4: a unit of a deep layer depends on exactly its receptive field's input cells.

    The stack ``layers`` (as :func:`refconv.receptive.receptive_field` takes it: ``(kernel,
    stride, dilation, padding)``) is run through the plain operator ``f`` with all-ones kernels
    and zero padding, on every unit input ``e_i`` of ``input_shape`` (perturbation; positive
    weights, so nothing cancels).  For every unit ``o`` of the last layer the set of inputs it
    depends on must equal the cells reached from ``o`` through every layer's taps *via real cells*
    (a padded cell of an intermediate layer holds zero and depends on nothing).  That set always
    lies in :meth:`ReceptiveField.cells` ``(o)``, and equals its part inside the input when no
    layer after the first pads (e.g. "valid" stacks) — the growth of figure 9.4.

    Parameters
    ----------
    f : callable
        A plain operator, ``f(x, w, mode=pads, stride=, dilation=)``.
    layers : sequence
        The stack, one ``(kernel, stride, dilation, padding)`` entry per layer (trailing items
        optional), as :func:`refconv.receptive.receptive_field` takes it.
    input_shape : int or tuple of int
        The input's shape.

    Returns
    -------
    refconv.receptive.ReceptiveField
        The stack's receptive field, as :func:`refconv.receptive.receptive_field` computes it.

    Raises
    ------
    AssertionError
        A unit depends on other inputs than the cells reached through real cells (got / expected / call).

    See Also
    --------
    refconv.receptive.receptive_field : the field computed from the geometry alone.
    sparse_interactions : one layer's dependence.

    Examples
    --------
    Figure 9.4: two width-3 layers on five inputs ("same"): ``g3`` sees all of ``x1..x5``.

    >>> import refconv
    >>> rf = receptive_field_growth(refconv.correlate, [(3, 1, 1, 1), (3, 1, 1, 1)], (5,))
    >>> rf.size
    (5,)
    """
    func = "receptive_field_growth"
    field = receptive_field(layers)
    ndim = len(field.size)
    input_shape = tuple(int_tuple(func, "input_shape", input_shape, ndim, minimum=1))
    # Normalise each layer through the same parser, then through plain_spec for the shapes.
    stack, specs, shape = [], [], input_shape
    for i, entry in enumerate(layers):
        entry = tuple(entry) if isinstance(entry, Sequence) else (entry,)
        kernel, stride, dilation, padding = entry + (1, 1, 0)[len(entry) - 1 :]
        kernel = int_tuple(func, f"layers[{i}].kernel", kernel, ndim, minimum=1)
        spec = plain_spec(func, shape, kernel, mode=padding, stride=stride, dilation=dilation)
        stack.append((spec.kernel_shape, spec.stride, spec.dilation, spec.pads))
        specs.append(spec)
        shape = spec.output_shape
    n_in = math.prod(input_shape)
    D = np.zeros((math.prod(shape), n_in), dtype=bool)
    for i in range(n_in):
        e = np.zeros(n_in, dtype=np.int64)
        e[i] = 1
        y = _stack(f, e.reshape(input_shape), stack)
        if y.shape != shape:
            raise AssertionError(
                f"{func}: got a last layer of shape {y.shape}, expected {shape}\n"
                f"call: {_name(f)} stacked as {stack} on input shape {input_shape}"
            )
        D[:, i] = y.ravel() != 0
    for row, o in enumerate(np.ndindex(*shape)):
        cells = []
        for a in range(ndim):
            # Walk down through the layers, keeping only real cells of each layer below.
            reach = np.array([o[a]])
            for spec in reversed(specs):
                g = spec.axes[a]
                reach = np.unique(source_index(reach[:, None], np.arange(g.k)[None, :], g))
                reach = reach[(reach >= 0) & (reach < g.n)]
            field_cells = field.cells(o)[a]
            assert np.isin(reach, field_cells).all(), (reach, field_cells)  # always within the field
            if all((sp.pads[a] == (0, 0)) for sp in specs[1:]):
                inside = field_cells[(field_cells >= 0) & (field_cells < input_shape[a])]
                assert np.array_equal(reach, inside), (reach, inside)  # no inner padding: the whole field
            cells.append(reach)
        expected = np.zeros(input_shape, dtype=bool)
        expected[np.ix_(*cells)] = True
        if not (D[row] == expected.ravel()).all():
            got = [np.unravel_index(i, input_shape) for i in np.flatnonzero(D[row])]
            want = [np.unravel_index(i, input_shape) for i in np.flatnonzero(expected)]
            raise AssertionError(
                f"{func}: got unit {o} depending on inputs {[tuple(map(int, c)) for c in got]}, expected its "
                f"receptive field {[tuple(map(int, c)) for c in want]} ({field})\n"
                f"call: {_name(f)} stacked as {stack} on input shape {input_shape}"
            )
    return field


# --------------------------------------------------------------------------------------------
# 11. Inputs of variable size (end of §9.2)
# --------------------------------------------------------------------------------------------


class VariableSize(NamedTuple):
    """Per input shape: the output shape, and the shape a dense layer's matrix would need.

    Parameters
    ----------
    output_shapes : tuple of tuple of int
        The output shape per input shape.
    dense_shapes : tuple of tuple of int
        ``(prod(output_shape), prod(input_shape))`` per input shape.
    compared : int
        Output cells compared with the largest input's.

    See Also
    --------
    variable_size : the property that returns it.

    Examples
    --------
    >>> import refconv
    >>> v = variable_size(refconv.correlate, [1, 2, 1], [(4,), (6,)], mode="same")
    >>> v.output_shapes, v.dense_shapes
    (((4,), (6,)), ((4, 4), (6, 6)))
    """

    output_shapes: tuple[tuple[int, ...], ...]
    dense_shapes: tuple[tuple[int, int], ...]
    compared: int


def variable_size(
    f: Callable, w: Any, input_shapes: Sequence[Any], *, matrix: Callable | None = None, **kwargs: Any
) -> VariableSize:
    """End of §9.2: one kernel processes inputs of every size; a dense layer's matrix fixes it.

    For each shape in ``input_shapes`` the plain operator ``f`` is applied, with the same ``w``,
    to a crop of one generic input (distinct positive integers).  Checked: the output shape is
    :func:`refconv.output_shape`'s; and every output of a crop that reads only cells inside the
    crop (a zero boundary: cells before 0 read zeros in both) equals the same output of the
    largest input — the same local function at every size.  A dense layer mapping that input to
    that output needs a ``prod(out) x prod(n)`` matrix: a different one, with different
    parameters, per size.  With ``matrix`` (a builder such as
    :func:`refconv.matrices.conv_matrix`) its matrices are checked to have those shapes and to
    refuse inputs of another size.

    Parameters
    ----------
    f : callable
        A plain operator, ``f(x, w, **kwargs)``.
    w : array_like
        The one kernel, used at every size.
    input_shapes : sequence
        The input shapes (each an int or a tuple of ``w.ndim`` ints); not empty.
    matrix : callable, optional
        A builder ``matrix(w, input_shape, **kwargs)`` of the dense matrix, checked for its
        shape and for refusing other sizes.
    **kwargs
        :func:`refconv.correlate`'s geometry keywords, passed to ``f`` and ``matrix``.

    Returns
    -------
    VariableSize
        Output and dense-matrix shapes per input shape, and the cells compared.

    Raises
    ------
    AssertionError
        A wrong output shape, an output that differs from the largest input's, or a matrix of
        the wrong shape or accepting another size (got / expected / call).

    See Also
    --------
    refconv.spec.output_shape : the output shape of each size.
    refconv.matrices.conv_matrix : a builder for ``matrix``.

    Examples
    --------
    >>> import refconv
    >>> v = variable_size(refconv.correlate, [1, -1], [(3,), (5,), (8,)])
    >>> v.output_shapes, v.dense_shapes
    (((2,), (4,), (7,)), ((2, 3), (4, 5), (7, 8)))
    """
    func = "variable_size"
    w = np.asarray(w)
    shapes = [tuple(int_tuple(func, "input_shapes", s, w.ndim, minimum=1)) for s in input_shapes]
    if not shapes:
        raise fail(func, "input_shapes", input_shapes, "is empty", "at least one input shape")
    big = tuple(max(s[a] for s in shapes) for a in range(w.ndim))
    x = np.arange(1, math.prod(big) + 1, dtype=np.int64).reshape(big)
    y_big = _as_array(f(x, w, **kwargs))
    big_spec = plain_spec(func, big, w.shape, **kwargs)
    outs, dense, compared = [], [], 0
    for shape in shapes:
        spec = plain_spec(func, shape, w.shape, **kwargs)
        xs = x[tuple(slice(0, m) for m in shape)]
        y = _as_array(f(xs, w, **kwargs))
        call = _call(f, xs, w, **kwargs)
        if y.shape != spec.output_shape:
            raise AssertionError(
                f"{func}: got output shape {y.shape}, expected output_shape {spec.output_shape}\ncall: {call}"
            )
        if spec.pads != big_spec.pads:  # "same"/"full" pads depend on the kernel only; explicit pads are fixed
            raise AssertionError(f"{func}: pads {spec.pads} differ from {big_spec.pads}")
        inside = []
        for g, gb in zip(spec.axes, big_spec.axes):
            j = source_index(np.arange(g.out)[:, None], np.arange(g.k)[None, :], g)
            low_ok = (j >= 0) if spec.boundary != "constant" else np.ones_like(j, dtype=bool)
            inside.append(((j < g.n) & low_ok).all(axis=1) & (np.arange(g.out) < gb.out))
        region = _outer_and(inside)
        if y_big.shape != big_spec.output_shape:
            raise AssertionError(
                f"{func}: got output shape {y_big.shape}, expected output_shape {big_spec.output_shape}\n"
                f"call: {_call(f, x, w, **kwargs)}"
            )
        partner = y_big[np.ix_(*(np.minimum(np.arange(g.out), gb.out - 1) for g, gb in zip(spec.axes, big_spec.axes)))]
        compared += _check(func, y, partner, call, got_label="f(crop)", expected_label="f(x)", mask=region)
        rows, cols = math.prod(spec.output_shape), math.prod(shape)
        if matrix is not None:
            A = matrix(w, shape, **kwargs)
            if tuple(A.shape) != (rows, cols):
                raise AssertionError(
                    f"{func}: got a matrix of shape {A.shape}, expected {(rows, cols)}\ncall: {_name(matrix)}"
                )
            other = next((s for s in shapes if math.prod(s) != cols), None)
            if other is not None:
                try:
                    A @ np.ones(math.prod(other), dtype=np.int64)
                except ValueError:
                    pass
                else:
                    raise AssertionError(
                        f"{func}: got a {A.shape} matrix accepting an input of {math.prod(other)} cells, expected a "
                        f"shape error (a dense layer fixes the input size)\ncall: {_name(matrix)}"
                    )
        outs.append(spec.output_shape)
        dense.append((rows, cols))
    return VariableSize(tuple(outs), tuple(dense), compared)
