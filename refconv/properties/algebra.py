"""The algebra of §9.1 and eq. 9.6: flip, commutativity, correlation swap, linearity, associativity."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import _is_sympy
from .._validation import fail, int_tuple
from ..spec import plain_spec
from ._report import (
    _as_array,
    _call,
    _check,
    _flip,
    _name,
    _show,
    _tolerances,
)

__all__ = [
    "flip_equivalence",
    "reflection_swaps_pads",
    "commutativity",
    "correlation_swap",
    "linearity",
    "associativity",
]

# --------------------------------------------------------------------------------------------
# 3-5. Flip, commutativity, linearity, associativity
# --------------------------------------------------------------------------------------------


def flip_equivalence(
    convolve: Callable, correlate: Callable, x: Any, w: Any, *, atol: float = 0.0, rtol: float = 0.0, **kwargs: Any
) -> int:
    """Equation 9.6: ``convolve(x, w, **kw) == correlate(x, flip(w), **kw)``, for every keyword.

    Both calls read the same pads ``(lo, hi)`` from ``mode``, so the identity holds in every
    mode, stride, dilation and boundary — including "same" with an even kernel under the centred
    rule (both are the centred slice ``full[lo : lo + n]``, ``lo = ceil((e-1)/2)``, of the same
    "full" result).  What even "same" does *not* keep is mirror symmetry: see
    :func:`reflection_swaps_pads`.

    Parameters
    ----------
    convolve : callable
        The convolution under test, ``convolve(x, w, **kwargs)``.
    correlate : callable
        The correlation it is compared with, ``correlate(x, w, **kwargs)``.
    x : array_like
        The input.
    w : array_like
        The kernel; every axis is flipped.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).
    **kwargs
        Passed to both.

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``convolve(x, w)`` differs from ``correlate(x, flip(w))`` (got / expected / call).

    See Also
    --------
    reflection_swaps_pads : what reversing the whole problem does to the pads.
    commutativity : the other half of §9.1's comparison of the two.

    Examples
    --------
    >>> import refconv
    >>> flip_equivalence(refconv.convolve, refconv.correlate, [1, 2, 3, 4, 5], [1, 10], mode="same")
    5
    """
    func = "flip_equivalence"
    atol, rtol = _tolerances(func, atol, rtol)
    x, w = np.asarray(x), np.asarray(w)
    got = convolve(x, w, **kwargs)
    expected = correlate(x, _flip(w), **kwargs)
    call = _call(convolve, x, w, **kwargs) + f" against {_name(correlate)} with w flipped"
    return _check(
        func,
        got,
        expected,
        call,
        got_label="convolve(x, w)",
        expected_label="correlate(x, flip(w))",
        atol=atol,
        rtol=rtol,
    )


def reflection_swaps_pads(
    f: Callable, x: Any, w: Any, *, mode: Any = "same", atol: float = 0.0, rtol: float = 0.0, **kwargs: Any
) -> int:
    """Reversing input, kernel and output swaps the pads: ``flip(f(x, w, (lo, hi))) == f(flip(x), flip(w), (hi, lo))``.

    For a stride-1 correlation (or convolution), per axis.  With ``lo == hi`` ("valid", "full",
    "same" with an odd extent) the pads are unchanged, so the operator commutes with reversal.
    In "same" mode with an *even* extent the centred rule pads ``(lo, hi) = (h+1, h)`` and the
    reversed problem needs ``(h, h+1)`` — PyTorch's split: ``flip(correlate(x, w, mode="same"))``
    equals ``correlate(flip(x), flip(w), mode=((h, h+1),))``, not ``mode="same"``.

    ``mode`` takes what ``f`` takes (a name or explicit pads); the swapped pads are passed as
    explicit ``(before, after)`` pairs.

    Parameters
    ----------
    f : callable
        A stride-1 correlation or convolution, ``f(x, w, mode=..., **kwargs)``.
    x : array_like
        The input.
    w : array_like
        The kernel.
    mode : str or sequence
        ``f``'s mode: a name ("valid", "same", "full") or explicit pads.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).
    **kwargs
        Passed to ``f`` (``stride`` must be 1).

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``flip(f(x, w))`` differs from the reversed problem with swapped pads (got / expected / call).

    See Also
    --------
    flip_equivalence : equation 9.6, which holds in every mode.
    correlation_swap : swapping the operands instead of reversing them.

    Examples
    --------
    >>> import refconv
    >>> reflection_swaps_pads(refconv.correlate, [1, 2, 3, 4, 5], [1, 10], mode="same")
    5
    """
    func = "reflection_swaps_pads"
    atol, rtol = _tolerances(func, atol, rtol)
    x, w = np.asarray(x), np.asarray(w)
    spec = plain_spec(func, x.shape, w.shape, mode=mode, **{k: kwargs[k] for k in ("dilation",) if k in kwargs})
    if "stride" in kwargs and set(int_tuple(func, "stride", kwargs["stride"], spec.ndim, minimum=1)) != {1}:
        raise fail(func, "stride", kwargs["stride"], "is not 1", "stride 1 (a stride moves the sampling grid)")
    swapped = tuple((hi, lo) for lo, hi in spec.pads)
    got = _flip(_as_array(f(x, w, mode=mode, **kwargs)))
    expected = f(_flip(x), _flip(w), mode=swapped, **kwargs)
    call = _call(f, x, w, mode=mode, **kwargs) + f" reversed, against the reversed problem with mode={swapped}"
    return _check(
        func,
        got,
        expected,
        call,
        got_label="flip(f(x, w))",
        expected_label="f(flip(x), flip(w), swapped pads)",
        atol=atol,
        rtol=rtol,
    )


def commutativity(f: Callable, a: Any, b: Any, *, atol: float = 0.0, rtol: float = 0.0, **kwargs: Any) -> int:
    """``f(a, b) == f(b, a)`` — true of convolution in "full" mode (the default here), not of correlation.

    Parameters
    ----------
    f : callable
        The operator, ``f(a, b, **kwargs)``.
    a : array_like
        The first operand.
    b : array_like
        The second operand.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).
    **kwargs
        Passed to ``f``; ``mode`` defaults to "full".

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``f(a, b)`` differs from ``f(b, a)`` (got / expected / call).

    See Also
    --------
    correlation_swap : what correlation keeps instead.
    associativity : the other algebraic law of convolution.

    Examples
    --------
    >>> import refconv
    >>> commutativity(refconv.convolve, [1, 2, 3], [1, 10])
    4
    >>> commutativity(refconv.correlate, [1, 2, 3], [1, 10])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: commutativity: got f(a, b)[0] = 10, expected f(b, a)[0] = 3 ...
    """
    func = "commutativity"
    atol, rtol = _tolerances(func, atol, rtol)
    a, b = np.asarray(a), np.asarray(b)
    kwargs.setdefault("mode", "full")
    call = _call(f, a, b, **kwargs)
    return _check(
        func,
        f(a, b, **kwargs),
        f(b, a, **kwargs),
        call,
        got_label="f(a, b)",
        expected_label="f(b, a)",
        atol=atol,
        rtol=rtol,
    )


def correlation_swap(f: Callable, a: Any, b: Any, *, atol: float = 0.0, rtol: float = 0.0) -> int:
    """What correlation keeps instead of commutativity: ``f(a, b, "full") == flip(f(b, a, "full"))``.

    ``sum_m a[i+m] b[m]`` with the roles swapped is the same sum read backwards.

    Parameters
    ----------
    f : callable
        The correlation, ``f(a, b, mode="full")``.
    a : array_like
        The first operand.
    b : array_like
        The second operand.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``f(a, b)`` differs from ``flip(f(b, a))`` (got / expected / call).

    See Also
    --------
    commutativity : the law convolution keeps and correlation does not.

    Examples
    --------
    >>> import refconv
    >>> refconv.correlate([1, 2], [1, 2, 3, 4], mode="full").tolist()
    [4, 11, 8, 5, 2]
    >>> correlation_swap(refconv.correlate, [1, 2], [1, 2, 3, 4])
    5
    """
    func = "correlation_swap"
    atol, rtol = _tolerances(func, atol, rtol)
    a, b = np.asarray(a), np.asarray(b)
    got = f(a, b, mode="full")
    expected = _flip(_as_array(f(b, a, mode="full")))
    return _check(
        func,
        got,
        expected,
        _call(f, a, b, mode="full"),
        got_label="f(a, b)",
        expected_label="flip(f(b, a))",
        atol=atol,
        rtol=rtol,
    )


def linearity(
    f: Callable,
    x: Any,
    w: Any,
    other: Any,
    *,
    argument: str = "x",
    a: Any = 2,
    b: Any = -3,
    atol: float = 0.0,
    rtol: float = 0.0,
    **kwargs: Any,
) -> int:
    """Linearity in one argument: ``f(a*x + b*x2, w) == a*f(x, w) + b*f(x2, w)`` (or in ``w``).

    ``other`` is the second input (``argument="x"``) or the second kernel (``argument="w"``), of
    the same shape.

    Parameters
    ----------
    f : callable
        The operator, ``f(x, w, **kwargs)``.
    x : array_like
        The input.
    w : array_like
        The kernel.
    other : array_like
        The second input (``argument="x"``) or kernel (``argument="w"``), of the same shape.
    argument : {"x", "w"}
        Which argument is mixed.
    a : int, Fraction or SymPy expression
        The coefficient of the first operand.
    b : int, Fraction or SymPy expression
        The coefficient of ``other``.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).
    **kwargs
        Passed to ``f``.

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``f(a*x + b*x2)`` differs from ``a*f(x) + b*f(x2)`` (got / expected / call).

    See Also
    --------
    dot_test : the adjoint of the linear map.
    associativity : another law of the linear operator.

    Examples
    --------
    >>> import refconv, sympy
    >>> a, b = sympy.symbols("a b")
    >>> linearity(refconv.correlate, np.array([1, 2, 3]), np.array([1, -1]), np.array([0, 5, 7]), a=a, b=b)
    2
    """
    func = "linearity"
    atol, rtol = _tolerances(func, atol, rtol)
    if argument not in ("x", "w"):
        raise fail(func, "argument", argument, "is not recognised", "'x' or 'w'")
    x, w, other = np.asarray(x), np.asarray(w), np.asarray(other)
    first = x if argument == "x" else w
    if other.shape != first.shape:
        raise fail(func, "other", other, f"has shape {other.shape}, not {argument}.shape={first.shape}", "same shape")
    exact = _is_sympy(a) or _is_sympy(b) or isinstance(a, Fraction) or isinstance(b, Fraction)
    mix = a * (first.astype(object) if exact else first) + b * (other.astype(object) if exact else other)
    if argument == "x":
        got, y1, y2 = f(mix, w, **kwargs), f(x, w, **kwargs), f(other, w, **kwargs)
    else:
        got, y1, y2 = f(x, mix, **kwargs), f(x, w, **kwargs), f(x, other, **kwargs)
    expected = a * _as_array(y1) + b * _as_array(y2)
    call = _call(f, x, w, **kwargs) + f" with {argument} -> {a}*{argument} + {b}*{_show(other)}"
    return _check(
        func,
        got,
        expected,
        call,
        got_label=f"f(a*{argument}+b*{argument}2)",
        expected_label="a*f1+b*f2",
        atol=atol,
        rtol=rtol,
    )


def associativity(f: Callable, a: Any, b: Any, c: Any, *, atol: float = 0.0, rtol: float = 0.0) -> int:
    """``f(f(a, b), c) == f(a, f(b, c))`` in "full" mode: true of convolution, not of correlation.

    Parameters
    ----------
    f : callable
        The operator, ``f(a, b, mode="full")``.
    a : array_like
        The first operand.
    b : array_like
        The second operand.
    c : array_like
        The third operand.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``f(f(a, b), c)`` differs from ``f(a, f(b, c))`` (got / expected / call).

    See Also
    --------
    commutativity : the other law of "full" convolution.
    linearity : linear in each argument.

    Examples
    --------
    >>> import refconv
    >>> associativity(refconv.convolve, [1, 2], [3, 4, 5], [1, -1])
    5
    """
    func = "associativity"
    atol, rtol = _tolerances(func, atol, rtol)
    a, b, c = np.asarray(a), np.asarray(b), np.asarray(c)
    left = f(_as_array(f(a, b, mode="full")), c, mode="full")
    right = f(a, _as_array(f(b, c, mode="full")), mode="full")
    call = f"{_name(f)}: a={_show(a)}, b={_show(b)}, c={_show(c)}, mode='full'"
    return _check(
        func, left, right, call, got_label="f(f(a, b), c)", expected_label="f(a, f(b, c))", atol=atol, rtol=rtol
    )
