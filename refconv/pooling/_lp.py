"""Lp pooling: :func:`lp_pool` (the true p-norm, exact for exact inputs) and :func:`lp_pool_torch`
(PyTorch's formula, for adapters); the exact powers and roots the global form shares."""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import _is_sympy, accumulator, as_operand, finish
from .._validation import fail, shape_tuple
from ._average import avg_pool
from ._max import _max_core, max_pool  # noqa: F401  (max_pool: the docstrings' cross-check)
from ._windows import _IEEE, _map, _one_for_all, _restore, _setup, _window_sum

__all__ = ["POWER_BITS_LIMIT", "lp_pool", "lp_pool_torch"]


def _check_p(func: str, p: Any):
    """``p`` as a positive real or ``math.inf``."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real):
        raise fail(func, "p", p, "is not a real number", "p > 0 or math.inf", TypeError)
    if p != p or not p > 0:
        raise fail(func, "p", p, "is not positive", "p > 0 or math.inf (the Lp norm needs p > 0)")
    return p


#: Largest exact power :func:`lp_pool` computes, in bits: for ``p = a/b`` (its exact value),
#: ``max(a, b)`` times the bits of the largest ``|v|`` (``|v|**a`` and the root's ``b``-th power).
POWER_BITS_LIMIT = 10**6


def _bits(v) -> int:
    """Bits of an exact number's numerator or denominator, whichever is longer (1 for SymPy irrationals)."""
    if isinstance(v, (int, np.integer)):
        return int(v).bit_length()
    if isinstance(v, numbers.Rational):
        return max(int(v.numerator).bit_length(), int(v.denominator).bit_length())
    if _is_sympy(v) and v.is_Rational:
        return max(int(v.p).bit_length(), int(v.q).bit_length())
    return 1


def _check_power(func: str, p, magnitude: np.ndarray):
    """The exact ``p`` (:func:`_exact_p`), refused before computing powers past :data:`POWER_BITS_LIMIT`."""
    q = _exact_p(p)
    a, b = (q, 1) if isinstance(q, int) else (q.numerator, q.denominator)
    bits = max(map(_bits, magnitude.flat), default=1)
    size = max(a, b) * max(bits, 1)
    if size > POWER_BITS_LIMIT:
        exactly = f"{a}/{b}" if len(f"{a}/{b}") <= 40 else f"a/b with {a.bit_length()}-bit a and {b.bit_length()}-bit b"
        about = f"{size:,}" if size < 10**12 else f"2**{size.bit_length() - 1}"
        raise fail(
            func,
            "p",
            p,
            f"is exactly {exactly}: raising exact x (entries of up to {bits} bits) to it needs numbers of about "
            f"{about} bits, over the limit of {POWER_BITS_LIMIT:,} (refconv.pooling.POWER_BITS_LIMIT)",
            "p with a small numerator and denominator (e.g. Fraction(1, 10), not 0.1), or float x",
        )
    return q


def _exact_p(p):
    """``p`` as an exact rational: an int when integral (floats are dyadic rationals, so exact)."""
    q = Fraction(p)
    return int(q) if q.denominator == 1 else q


def lp_pool(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    axes: Any = None,
    pad_rule: str = "torch",
) -> np.ndarray:
    """Lp pooling: the p-norm ``(sum |v|**p) ** (1/p)`` of each window (the seed's "L2 norm").

    Parameters
    ----------
    x : array_like
        Any rank; integer, float, complex or exact object arrays.
    p : positive real or math.inf
        The norm's order; ``math.inf`` gives ``max |v|``.
    kernel_size, stride, padding, dilation, ceil_mode, axes, pad_rule
        As in :func:`max_pool`.  Padded cells hold zero, which adds nothing to the norm, so a
        window is the norm of the input cells it holds — as ONNX's ``LpPool`` (``pads``,
        ``dilations``; onnxruntime and ONNX's reference agree), whether or not padding is counted;
        PyTorch's ``lp_pool`` has ``ceil_mode`` but no padding or dilation.  A window clipped by
        ceil mode is likewise the norm of the cells it holds, and a window of padding only
        (dilation) is 0.

    Returns
    -------
    numpy.ndarray
        Exact inputs: an object array of SymPy numbers, the exact root (``sympy.Integer(5)``,
        ``2*sqrt(2)``; a float ``p`` is its exact dyadic value).  Float inputs: ``x``'s real
        dtype, computed as the sum of ``|v|**p`` over the taps in row-major order, then
        ``sqrt`` (p = 2) or ``** (1/p)``; it overflows where ``|v|**p`` does.  ``float16`` is
        computed in ``float64`` and rounded once to ``float16``, so it is ``inf`` only where the
        norm itself exceeds the ``float16`` range (``[300, 300]`` with ``p=2`` gives 424.2;
        PyTorch's half ``lp_pool`` overflows in ``300**2``).

    Raises
    ------
    ValueError
        ``p <= 0`` or NaN, an exact ``p`` whose powers of exact ``x`` would pass
        :data:`refconv.pooling.POWER_BITS_LIMIT` bits, and the geometry errors of :func:`max_pool`.
    TypeError
        A ``p`` that is not a real number.

    See Also
    --------
    max_pool : ``lp_pool(x, math.inf, ...)`` is ``max_pool(abs(x), ...)``.
    avg_pool : the mean over the same windows.
    lp_pool_torch : PyTorch's formula, which is not the norm.
    global_lp_pool : one window over the whole of the pooled axes.

    Notes
    -----
    PyTorch's ``lp_pool*d`` differs: it takes no absolute value (odd ``p`` on negative values),
    and in ceil mode scales a clipped window by the full kernel size.  :func:`lp_pool_torch`
    reproduces it.

    Examples
    --------
    >>> lp_pool([[3, 4]], 2, (1, 2))
    array([[5]], dtype=object)
    >>> lp_pool([1, 1, -3, 4], 1, 2)        # |1|+|1|, |-3|+|4|
    array([2, 7], dtype=object)
    >>> lp_pool([2, 2, 1, 1], 2, 2)
    array([2*sqrt(2), sqrt(2)], dtype=object)
    >>> lp_pool(np.array([3.0, -4.0, 1.0]), 2, 2, ceil_mode=True)
    array([5., 1.])

    Padding adds zeros (windows ``[0, 3, -4]`` and ``[0, 5, -12]``), dilation skips cells:

    >>> lp_pool([3, -4, 0, 5, -12], 2, 3, stride=3, padding=1)
    array([5, 13], dtype=object)
    >>> lp_pool([3, 1, 4, 1], 1, 2, stride=1, dilation=2)           # |3|+|4|, |1|+|1|
    array([7, 2], dtype=object)

    ``p = math.inf`` against :func:`max_pool` of the magnitudes:

    >>> x = np.array([1, -7, 3, 2])
    >>> lp_pool(x, math.inf, 2).tolist(), max_pool(np.abs(x), 2).tolist()
    ([7, 3], [7, 3])
    """
    func = "lp_pool"
    p = _check_p(func, p)
    geometry = dict(stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode, pad_rule=pad_rule)
    moved, spec, axes = _setup(func, x, kernel_size, axes, **geometry)
    exact = moved.dtype.kind not in "fc"
    if exact:
        moved = np.abs(moved.astype(object))
    else:
        real = np.abs(np.zeros(0, moved.dtype)).dtype  # x's real dtype: the result's
        moved = np.abs(moved.astype(accumulator(moved.dtype), copy=False))
    if p == math.inf:
        best, _, have = _max_core(func, moved, spec, want_index=False)
        if not exact:
            # A window of padding only is max |0| = 0 (padding holds zeros), not max_pool's -inf.
            return _restore(np.where(have, best, 0).astype(real, copy=False), axes)
        return _restore(_to_sympy(best), axes)
    if not exact:
        # A Fraction p would make NumPy power element by element in Python floats, which raise
        # OverflowError where IEEE arithmetic gives inf: floats take p as a float.
        pf = float(p)
        with np.errstate(**_IEEE):
            total = _window_sum(moved**pf, spec)
            norm = np.sqrt(total) if pf == 2 else total ** (1 / pf)
            return _restore(norm.astype(real, copy=False), axes)
    q = _check_power(func, p, moved)
    # Integral p stays in Python ints/Fractions until the root; a fractional p needs SymPy powers.
    total = _window_sum(moved**q if isinstance(q, int) else _pow(moved, q), spec)
    return _restore(finish(_root(total, q), "object"), axes)


def _sympy_of(v):
    import sympy

    if _is_sympy(v):
        return v
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    return sympy.Integer(int(v))


def _pow(v: np.ndarray, q) -> np.ndarray:
    return _map(lambda a: _sympy_of(a) ** _sympy_of(Fraction(q)), v)


def _root(s: np.ndarray, q) -> np.ndarray:
    return _map(lambda a: _sympy_of(a) ** (1 / _sympy_of(Fraction(q))), s)


def _to_sympy(v: np.ndarray) -> np.ndarray:
    return _map(_sympy_of, v)


def lp_pool_torch(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    axes: Any = None,
    pad_rule: str = "torch",
) -> np.ndarray:
    """PyTorch's ``lp_pool*d`` formula, for adapters: ``(sign(a) * relu(|a|) * K) ** (1/p)``.

    ``a`` is ``avg_pool(x**p)`` (no absolute value; PyTorch's ceil-mode divisor) and ``K`` is the
    full window size, so a clipped ceil-mode window is overcounted by ``K / cells``, and an odd
    ``p`` on negative values gives NaN or a signed result.  ``p = math.inf`` is ``max |v|``.
    Float inputs only; this is not the Lp norm — use :func:`lp_pool` for that.

    Parameters
    ----------
    x : array_like
        A float array of any rank.
    p : positive real or math.inf
        The exponent; ``p == 2`` squares as ``x * x`` and takes ``sqrt``, as torch does.
    kernel_size, stride, ceil_mode, axes
        As in :func:`lp_pool`.
    padding, dilation, pad_rule
        Not in PyTorch's ``lp_pool``: its formula extended, with ``a`` the :func:`avg_pool` of
        ``x**p`` (padded cells zero, counted in the divisor), so a window not clipped by ceil mode
        is ``(sum of v**p over its input cells) ** (1/p)`` — padded cells contribute zeros.

    Returns
    -------
    numpy.ndarray
        ``x``'s dtype, the shape of :func:`lp_pool`'s result; NaN where a negative ``a`` meets a
        fractional root, as in torch.

    Raises
    ------
    TypeError
        A non-float ``x`` or a ``p`` that is not real.
    ValueError
        ``p <= 0``, and the geometry errors of :func:`avg_pool`.

    See Also
    --------
    lp_pool : the true Lp norm over the cells in each window.
    avg_pool : the average ``a`` of ``x**p`` this formula scales.

    Examples
    --------
    The clipped last window ``[5]``: torch's 7.07... = sqrt(2 * 25), where the norm is 5.

    >>> lp_pool_torch(np.array([3.0, 4.0, 2.0, 2.0, 5.0]), 2, 2, ceil_mode=True).round(3)
    array([5.   , 2.828, 7.071])
    >>> lp_pool(np.array([3.0, 4.0, 2.0, 2.0, 5.0]), 2, 2, ceil_mode=True).round(3)
    array([5.   , 2.828, 5.   ])

    With padding (not in torch), full windows are the norm: ``[0, 3, 4]`` and ``[0, 5, 12]``.

    >>> lp_pool_torch(np.array([3.0, 4.0, 0.0, 5.0, 12.0]), 2, 3, stride=3, padding=1)
    array([ 5., 13.])
    """
    func = "lp_pool_torch"
    p = _check_p(func, p)
    arr = as_operand(func, "x", x)
    if arr.dtype.kind != "f":
        raise fail(
            func, "x", x, f"has dtype {arr.dtype}", "a float array (this reproduces torch's float formula)", TypeError
        )
    geometry = dict(stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode, pad_rule=pad_rule)
    if p == math.inf:
        return lp_pool(arr, p, kernel_size, axes=axes, **geometry)  # max |v|, padding zero
    with np.errstate(**_IEEE):  # NaN from a negative base is torch's answer, reproduced
        a = avg_pool(arr * arr if p == 2 else arr**p, kernel_size, axes=axes, **geometry)
        window = math.prod(_one_for_all(shape_tuple(func, "kernel_size", kernel_size), axes))
        scaled = np.sign(a) * np.maximum(np.abs(a), 0) * window
        # torch evaluates pow(., 0.5) as sqrt.
        return np.sqrt(scaled) if p == 2 else scaled ** (1.0 / p)
