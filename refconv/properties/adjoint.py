"""The adjoint (§9.1: convolution as a matrix): exact dot tests."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from .._arith import _is_sympy
from .._validation import fail
from ..spec import adjoint_spec, layer_spec
from ._report import (
    _as_array,
    _is_matrix,
    _name,
    _scalar_equal,
    _show,
    _tolerances,
)

__all__ = ["DotTest", "dot_test", "conv_dot_test"]

# --------------------------------------------------------------------------------------------
# 6. The adjoint: dot tests
# --------------------------------------------------------------------------------------------


class DotTest(NamedTuple):
    """``lhs = <A x, y>`` and ``rhs = <x, A* y>``, computed exactly from the operator outputs.

    Parameters
    ----------
    lhs : int, Fraction or SymPy expression
        ``<forward(x), y>``.
    rhs : int, Fraction or SymPy expression
        ``<x, adjoint(y)>``.

    See Also
    --------
    dot_test : the property that returns it.
    conv_dot_test : the same for a layer pair.

    Examples
    --------
    A matrix and its transpose, by hand: ``A x = [1*1 + 10*2, 1*2 + 10*3] = [21, 32]``.

    >>> A = np.array([[1, 10, 0], [0, 1, 10]])
    >>> dot_test(A, None, np.array([1, 2, 3]), np.array([1, -1]))
    DotTest(lhs=-11, rhs=-11)
    """

    lhs: Any
    rhs: Any


def _apply(op: Any, v: np.ndarray) -> np.ndarray:
    if not _is_matrix(op):
        return _as_array(op(v))
    if hasattr(op, "is_Matrix"):  # SymPy
        import sympy

        return np.array(op * sympy.Matrix(v.ravel().tolist()), dtype=object).ravel()
    return _as_array(op @ v.ravel())


def _inner(a: np.ndarray, b: np.ndarray) -> Any:
    """``sum(a * b)`` exactly: floats as the rationals they are, ints without wrapping."""
    a, b = a.ravel(), b.ravel()
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return sum((Fraction(float(u)) * Fraction(float(v)) for u, v in zip(a, b)), Fraction(0))
    total = sum((u * v for u, v in zip(a.astype(object), b.astype(object))), 0)
    return total.expand() if _is_sympy(total) else total


def dot_test(forward: Any, adjoint: Any, x: Any, y: Any, *, atol: float = 0.0, rtol: float = 0.0) -> DotTest:
    """The adjoint identity ``<forward(x), y> == <x, adjoint(y)>``, exactly.

    ``forward`` and ``adjoint`` are callables or matrices (NumPy, ``scipy.sparse``, SymPy; a
    matrix acts on ``x.ravel()``); ``adjoint=None`` with a matrix ``forward`` uses its transpose.
    The inner products are computed exactly from the operators' outputs (float outputs as the
    dyadic rationals they are), so with exact inputs any difference is a real error of the
    operator pair, not rounding in the test.  For float operators give ``atol``/``rtol``, relative
    to ``max(|lhs|, |rhs|)``.

    Parameters
    ----------
    forward : callable or matrix
        The operator ``A``: ``forward(x)``, or a 2-D matrix applied to ``x.ravel()``.
    adjoint : callable, matrix or None
        The claimed adjoint ``A*``, applied to ``y``; ``None`` with a matrix ``forward`` uses
        ``forward.T``.
    x : array_like
        A vector of ``A``'s domain (any shape ``forward`` takes).
    y : array_like
        A vector of ``A``'s range, with as many cells as ``forward(x)``.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).

    Returns
    -------
    DotTest
        The two inner products (equal, or within the tolerance).

    Raises
    ------
    AssertionError
        The inner products differ, or ``adjoint(y)`` is not of ``x``'s size.

    See Also
    --------
    conv_dot_test : the dot test of ``conv`` and ``conv_transpose``.
    refconv.matrices.conv_matrix : a matrix ``forward`` for a correlation.

    Examples
    --------
    >>> import refconv
    >>> x, w, y = np.array([1, 2, 3, 4]), np.array([1, 10]), np.array([5, -1, 2])
    >>> dot_test(lambda v: refconv.correlate(v, w), lambda u: refconv.convolve(u, w, mode="full"), x, y)
    DotTest(lhs=159, rhs=159)
    """
    func = "dot_test"
    atol, rtol = _tolerances(func, atol, rtol)
    x, y = np.asarray(x), np.asarray(y)
    if adjoint is None:
        if not _is_matrix(forward):
            raise fail(
                func,
                "adjoint",
                adjoint,
                "is missing while forward is a callable, not a matrix",
                "the adjoint operator (None only with a matrix)",
            )
        adjoint = forward.T
    fx, ay = _apply(forward, x), _apply(adjoint, y)
    if fx.size != y.size:
        raise fail(func, "y", y, f"has {y.size} cells but forward(x) has shape {fx.shape}", "y of forward(x)'s size")
    if ay.size != x.size:
        raise AssertionError(
            f"{func}: got adjoint(y) of shape {ay.shape}, expected x's shape {x.shape}\n"
            f"call: forward={_name(forward)}, adjoint={_name(adjoint)}, x={_show(x)}, y={_show(y)}"
        )
    lhs, rhs = _inner(fx, y), _inner(x, ay)
    if isinstance(lhs, Fraction) or isinstance(rhs, Fraction):
        ok = abs(lhs - rhs) <= atol + rtol * max(abs(lhs), abs(rhs))
    else:
        ok = _scalar_equal(lhs, rhs)
    if not ok:
        raise AssertionError(
            f"{func}: got <forward(x), y> = {lhs}, expected <x, adjoint(y)> = {rhs}\n"
            f"call: forward={_name(forward)}, adjoint={_name(adjoint)}, x={_show(x)}, y={_show(y)}"
        )
    return DotTest(lhs, rhs)


def conv_dot_test(
    conv: Callable,
    conv_transpose: Callable,
    x: Any,
    w: Any,
    y: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    atol: float = 0.0,
    rtol: float = 0.0,
) -> DotTest:
    """The dot test of a layer pair: ``<conv(x, w), y> == <x, conv_transpose(y, w)>``.

    Both are called with PyTorch's signatures and the same ``w`` (``(C_out, C_in/groups, *k)``
    is ``conv_transpose``'s ``(C_in, C_out/groups, *k)``); ``conv_transpose`` gets the
    ``output_padding`` that restores ``x``'s shape, ``(n + lo + hi - d*(k-1) - 1) mod s``, and
    ``padding`` as ints when symmetric (torch's form), else as ``(before, after)`` pairs.
    Zero padding only: the adjoint of a reflecting or circular pad is not a transposed
    convolution.

    Parameters
    ----------
    conv : callable
        The layer, ``conv(x, w, padding=, stride=, dilation=, groups=)``.
    conv_transpose : callable
        Its claimed adjoint, ``conv_transpose(y, w, padding=, output_padding=, stride=, dilation=, groups=)``.
    x : array_like
        Input, ``(N, C_in, *spatial)``.
    w : array_like
        Weight, ``(C_out, C_in/groups, *k)``.
    y : array_like
        A vector of the output's shape, ``(N, C_out, *out)``.
    stride : int or tuple of int
        The layer's stride.
    padding : int, tuple or str
        The layer's zero padding, in :func:`refconv.conv`'s forms.
    dilation : int or tuple of int
        The layer's dilation.
    groups : int
        The layer's groups.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).

    Returns
    -------
    DotTest
        ``<conv(x, w), y>`` and ``<x, conv_transpose(y, w)>``.

    Raises
    ------
    AssertionError
        The inner products differ (or shapes do not match).

    See Also
    --------
    dot_test : the identity for any operator pair or matrix.
    refconv.layer.conv_transpose : the adjoint refconv provides.

    Examples
    --------
    >>> import refconv
    >>> x, w = np.arange(10).reshape(1, 2, 5), np.array([[[1, -2, 3]], [[4, 5, -6]]])
    >>> y = np.array([[[3, -1], [2, 7]]])
    >>> conv_dot_test(refconv.conv, refconv.conv_transpose, x, w, y, stride=2, groups=2)
    DotTest(lhs=118, rhs=118)
    """
    func = "conv_dot_test"
    x, w, y = np.asarray(x), np.asarray(w), np.asarray(y)
    spec = layer_spec(func, x.shape[2:], w.shape[2:], padding=padding, stride=stride, dilation=dilation)
    output_padding = adjoint_spec(spec).output_padding
    pads = spec.pads
    t_padding = tuple(lo for lo, _ in pads) if all(lo == hi for lo, hi in pads) else pads
    layer = dict(stride=stride, dilation=dilation, groups=groups)

    def forward(v):
        return conv(v, w, padding=padding, **layer)

    def adjoint(u):
        return conv_transpose(u, w, padding=t_padding, output_padding=output_padding, **layer)

    forward.__qualname__ = (
        f"{_name(conv)}(x, w, padding={padding!r}, stride={stride!r}, dilation={dilation!r}, groups={groups})"
    )
    adjoint.__qualname__ = f"{_name(conv_transpose)}(x, w, padding={t_padding!r}, output_padding={output_padding})"
    return dot_test(forward, adjoint, x, y, atol=atol, rtol=rtol)
