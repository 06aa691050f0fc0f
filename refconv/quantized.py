"""Quantized convolution with ONNX's semantics, exact: ``conv_integer`` and ``qlinear_conv``.

Both are :func:`refconv.conv` on exact integers: the zero points are subtracted from the
operands (``x - x_zp``, ``w - w_zp``, per output channel for ``w``) and the result is the exact
sum of products, from the one layer normaliser (:class:`refconv.spec.LayerCall`, through
:mod:`refconv.layer`), so every layer option (``stride``, ``padding`` with explicit
``(before, after)`` pairs as in ONNX's ``pads``, ``dilation``, ``groups``) means what it means
for :func:`refconv.conv`.  A padded cell holds the real value 0, that is the quantized value
``x_zp`` (ONNX and onnxruntime pad with the zero point; so does PyTorch).

:func:`qlinear_conv` then requantizes exactly.  Every float is a dyadic rational, so the
multiplier ``M_c = x_scale * w_scale[c] / y_scale`` is an exact :class:`~fractions.Fraction` of
the scales as given (float32 in ONNX), and

``y = saturate(round_half_to_even(acc * M_c) + y_zp)``

is computed in integers: ``acc * M_c = num / den`` is rounded to the nearest integer, ties to
the even one, then clamped to the range of ``y_zp``'s dtype (uint8 ``[0, 255]`` or int8
``[-128, 127]``).  Peers compute the same formula in floating point, see
:func:`qlinear_conv`'s Notes for where they differ.
"""

from __future__ import annotations

import dataclasses
import numbers
from fractions import Fraction
from typing import Any

import numpy as np

from ._arith import INT64_MAX, as_operand
from ._validation import check_choice, fail
from .layer import _conv_call, _conv_of

__all__ = ["conv_integer", "qlinear_conv"]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
#: The quantized dtypes of ONNX QLinearConv's ``x``, ``w`` and ``y`` (types T1, T2, T3).
_QUANTIZED = (np.dtype(np.uint8), np.dtype(np.int8))
_OVERFLOW = ("widen", "raise")


def _is_integer_array(arr: np.ndarray) -> bool:
    """Integer dtype, or an object array of Python ints only (no Fraction, no SymPy)."""
    if arr.dtype.kind in "iu":
        return True
    return arr.dtype.kind == "O" and all(isinstance(v, numbers.Integral) for v in arr.flat)


def _integers(func: str, name: str, value: Any, expected: str) -> np.ndarray:
    """``value`` as an integer array (refconv's operand checks first), else a TypeError."""
    arr = as_operand(func, name, value)
    if not _is_integer_array(arr):
        odd = (
            next((v for v in arr.flat if not isinstance(v, numbers.Integral)), None) if arr.dtype.kind == "O" else None
        )
        problem = f"has dtype {arr.dtype}" if odd is None else f"holds {type(odd).__name__} {odd}"
        raise fail(func, name, value, problem + ", not integers", expected, TypeError)
    return arr


def _range(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _per_channel(func: str, name: str, value: Any, arr: np.ndarray, channels: int | None) -> np.ndarray:
    """``arr`` as a 1-D array of 1 entry (per tensor) or ``channels`` entries (per output channel).

    ONNX: a scalar or a 1-D tensor; onnxruntime also takes a 1-element 1-D tensor for a scalar.
    ``channels=None`` allows only the per-tensor form.
    """
    allowed = [(), (1,)] + ([(channels,)] if channels is not None else [])
    if arr.shape not in allowed:
        expected = "a scalar (per tensor)" + (
            f" or a 1-D array of C_out = {channels} entries (per output channel)" if channels is not None else ""
        )
        problem = "is not a scalar" + (" or a per-channel vector" if channels is not None else "")
        raise fail(func, f"{name}.shape", arr.shape, problem, expected)
    return arr.reshape(-1)


def _zero_point(func: str, name: str, value: Any, tensor: str, dtype: np.dtype, channels: int | None) -> np.ndarray:
    """A checked zero point as a 1-D object array of Python ints.

    ONNX gives a zero point its tensor's type, so its values must lie in that dtype's range (when
    the tensor has an integer dtype) and an integer-dtype zero point must have that very dtype.
    """
    arr = _integers(func, name, value, f"an integer of {tensor}'s type")
    typed = isinstance(value, (np.ndarray, np.generic))  # a Python int has no type of its own to clash
    if typed and arr.dtype.kind in "iu" and dtype.kind in "iu" and arr.dtype != dtype:
        expected = f"{tensor}'s dtype {dtype} (ONNX gives a zero point its tensor's type)"
        raise fail(func, name, value, f"has dtype {arr.dtype} but {tensor} has dtype {dtype}", expected, TypeError)
    flat = _per_channel(func, name, value, arr, channels).astype(object)
    if dtype.kind in "iu":
        lo, hi = _range(dtype)
        bad = [int(v) for v in flat if not lo <= v <= hi]
        if bad:
            problem = f"holds {bad[0]}, outside the range of {tensor}'s dtype {dtype}"
            raise fail(func, name, value, problem, f"zero points in [{lo}, {hi}]")
    return np.array([int(v) for v in flat], dtype=object)


def _shifted(arr: np.ndarray, zero_point: np.ndarray, channel_axis: bool) -> np.ndarray:
    """``arr - zero_point`` exactly: int64 when ``max|arr| + max|zp|`` fits, else Python ints.

    ``channel_axis`` broadcasts a per-channel zero point along ``arr``'s first axis (C_out).
    """
    zp = zero_point.reshape((-1,) + (1,) * (arr.ndim - 1)) if channel_axis else zero_point[0]
    top = max(abs(int(arr.max())), abs(int(arr.min()))) if arr.size else 0
    exact = arr.astype(object) - zp
    if top + max(abs(int(v)) for v in zero_point) <= INT64_MAX:
        return exact.astype(np.int64)
    return exact


def _accumulate(func: str, x: Any, w: Any, x_zp: Any, w_zp: Any, bias: Any, layer: dict, types: Any) -> tuple:
    """The exact accumulator ``sum (x - x_zp) * (w - w_zp) (+ bias)`` of a layer call, batched.

    ``types(name, arr)`` checks an operand's dtype.  Returns the accumulator (int64 or an object
    array of Python ints, ``(N, C_out, *out)``), whether ``x`` came batched and the checked ``x``.
    """
    x, w = types("x", _integers(func, "x", x, "an integer array")), types("w", _integers(func, "w", w, "integers"))
    if bias is not None:
        bias = _integers(func, "bias", bias, "an integer array (ONNX: int32, scale x_scale*w_scale, zero point 0)")
    call = _conv_call(func, x, w, bias, **layer)  # every shape, channel and geometry refusal, named func
    xs = _shifted(call.x, _zero_point(func, "x_zero_point", x_zp, "x", x.dtype, None), False)
    ws = _shifted(call.w, _zero_point(func, "w_zero_point", w_zp, "w", w.dtype, call.c_out), True)
    # The same geometry on the shifted operands (call.x is batched, so the result is too).
    return _conv_of(func, dataclasses.replace(call, x=xs, w=ws, batched=True), "auto"), call.batched, x


def _narrow(func: str, y: np.ndarray, overflow: str) -> np.ndarray:
    """The exact result in the narrowest of int32, int64 and Python ints that holds every value."""
    if y.size == 0:
        return y.astype(np.int32)
    top, bottom = int(y.max()), int(y.min())
    if INT32_MIN <= bottom and top <= INT32_MAX:
        return y.astype(np.int32)
    if overflow == "raise":
        where = tuple(int(i) for i in np.argwhere((y > INT32_MAX) | (y < INT32_MIN))[0])
        problem = f"makes output {where} = {int(y[where])}, outside int32 [{INT32_MIN}, {INT32_MAX}] (ONNX's type)"
        raise fail(func, "overflow", overflow, problem, "overflow='widen' for the exact result in int64 or Python ints")
    return y.astype(np.int64) if -INT64_MAX - 1 <= bottom and top <= INT64_MAX else y.astype(object)


def conv_integer(
    x: Any,
    w: Any,
    x_zero_point: Any = 0,
    w_zero_point: Any = 0,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    overflow: str = "widen",
) -> np.ndarray:
    """ONNX ``ConvInteger``: the convolution layer of zero-point-shifted integers, exact.

    ``y[n, c] = sum_{i, m} (x[n, g*Ci + i](o*s + m*d - lo) - x_zp) * (w[c, i](m) - w_zp[c])``,
    the :func:`refconv.conv` of ``x - x_zero_point`` and ``w - w_zero_point``.

    Parameters
    ----------
    x : array_like
        Integer input ``(N, C_in, *spatial)`` (or unbatched ``(C_in, *spatial)``); ONNX's types
        are uint8 and int8, refconv takes any integer dtype or Python ints.
    w : array_like
        Integer weight ``(C_out, C_in/groups, *kernel)``.
    x_zero_point : int or array_like
        A scalar (or 1-element array) of ``x``'s type: its value must lie in ``x``'s dtype range.
    w_zero_point : int or array_like
        A scalar, or ``C_out`` values (one per output channel), of ``w``'s type.
    stride, padding, dilation, groups, padding_mode
        As in :func:`refconv.conv`.  ONNX's ``pads = [b_1, ..., b_r, e_1, ..., e_r]`` is
        ``padding=((b_1, e_1), ..., (b_r, e_r))``; a padded cell holds ``x_zero_point``.
    overflow : {"widen", "raise"}
        What happens when an output leaves int32 (ONNX's output type; ONNX lets the
        accumulation wrap there): ``"widen"`` returns the exact result in int64, or Python ints
        past int64; ``"raise"`` refuses with a ValueError naming the output and its value.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *out)`` (``(C_out, *out)`` unbatched): int32 when every output fits in
        int32, else (``overflow="widen"``) int64 when every output fits in int64, else an
        object array of Python ints.  Never wrapped.

    Raises
    ------
    TypeError
        Non-integer operands or zero points, a zero-point array of another dtype than its tensor.
    ValueError
        A zero point outside its tensor's dtype range or of the wrong shape, an output outside
        int32 with ``overflow="raise"``, and every refusal of :func:`refconv.conv`.

    See Also
    --------
    qlinear_conv : the same accumulation, requantized to uint8/int8.
    refconv.conv : the layer this is, on shifted operands.

    Notes
    -----
    The ``int32`` rule is on the exact values, so an implementation that accumulates in int32
    and wraps (onnxruntime, ``onnx.reference``) agrees with refconv exactly when refconv
    returns int32: wrapping arithmetic is exact modulo ``2**32``.  ``uint8`` operands need more
    than 33,025 products of ``255 * 255`` per output to leave int32.

    Examples
    --------
    >>> x = np.array([[[3, 4, 5, 6]]], dtype=np.uint8)
    >>> w = np.array([[[1, 2]]], dtype=np.uint8)
    >>> conv_integer(x, w, 2, 1)      # (x - 2) * (w - 1): [1*0 + 2*1, 2*0 + 3*1, 3*0 + 4*1]
    array([[[2, 3, 4]]], dtype=int32)
    >>> conv_integer(x, w, 2, 1, padding=((1, 0),))   # the pad holds the zero point: 0*0 + 1*1
    array([[[1, 2, 3, 4]]], dtype=int32)

    Per output channel zero points, and an accumulation past int32, returned exactly:

    >>> conv_integer(x, np.array([[[1, 2]], [[3, 3]]], dtype=np.uint8), 0, np.array([1, 0], dtype=np.uint8))
    array([[[ 4,  5,  6],
            [21, 27, 33]]], dtype=int32)
    >>> big = np.full((1, 1, 33026), 255, dtype=np.uint8)
    >>> conv_integer(big, big), 33026 * 255 * 255 > 2**31 - 1
    (array([[[2147515650]]]), True)
    """
    func = "conv_integer"
    overflow = check_choice(func, "overflow", overflow, _OVERFLOW)
    layer = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode)
    y, batched, _ = _accumulate(func, x, w, x_zero_point, w_zero_point, None, layer, lambda name, arr: arr)
    y = _narrow(func, y, overflow)
    return y if batched else y[0]


def _scale(func: str, name: str, value: Any, channels: int | None) -> list[Fraction]:
    """A checked scale as exact Fractions, one per tensor or per output channel.

    A float is taken at its exact binary value (``np.float32(0.1)`` is ONNX's scale
    ``13421773/134217728``); ints and Fractions are exact as they are.
    """
    arr = as_operand(func, name, value)
    if arr.dtype.kind == "c" or (arr.dtype.kind == "f" and arr.dtype.itemsize > 8):
        expected = "real scales: float16/32/64, int or Fraction (ONNX: float32)"
        raise fail(func, name, value, f"has dtype {arr.dtype}", expected, TypeError)
    if arr.dtype.kind == "O" and not all(isinstance(v, numbers.Rational) for v in arr.flat):
        raise fail(func, name, value, "holds SymPy expressions", "float, int or Fraction scales", TypeError)
    flat = _per_channel(func, name, value, arr, channels)
    if arr.dtype.kind == "f" and not np.isfinite(flat).all():
        raise fail(func, name, value, "is not finite", "finite scales > 0")
    # float(v) of a float16/32 value is exact (float64 holds every one), so Fraction is too.
    scales = [Fraction(float(v)) if arr.dtype.kind == "f" else Fraction(v) for v in flat]
    if min(scales) <= 0:
        raise fail(func, name, value, f"holds {min(scales)}, not > 0", "scales > 0")
    return scales


def _round_half_even(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` rounded to the nearest integer, ties to even, in Python ints (``den > 0``)."""
    floor = num // den
    twice = 2 * (num - floor * den)  # twice the remainder, in [0, 2*den)
    up = (twice > den) | ((twice == den) & (floor % 2 == 1))
    return np.where(up.astype(bool), floor + 1, floor)


def _output_type(func: str, value: Any) -> tuple[np.dtype, int]:
    """The output dtype (y_zero_point's: uint8 or int8) and the zero point's value."""
    dtype = getattr(value, "dtype", None)
    if not isinstance(value, (np.ndarray, np.generic)) or np.dtype(dtype) not in _QUANTIZED:
        expected = "a NumPy uint8 or int8 scalar, e.g. np.uint8(128): its dtype is the output's (ONNX type T3)"
        raise fail(func, "y_zero_point", value, "has no uint8/int8 dtype", expected, TypeError)
    zp = _zero_point(func, "y_zero_point", value, "y", np.dtype(dtype), None)
    return np.dtype(dtype), int(zp[0])


def _requantize(acc: np.ndarray, multipliers: list[Fraction], zero_point: int, dtype: np.dtype) -> np.ndarray:
    """``saturate(round_half_to_even(acc * M_c) + zero_point)`` exactly, channel ``c`` on axis 1."""
    column = (1, -1) + (1,) * (acc.ndim - 2)
    num = np.array([m.numerator for m in multipliers], dtype=object).reshape(column)
    den = np.array([m.denominator for m in multipliers], dtype=object).reshape(column)
    num, den = np.broadcast_arrays(acc.astype(object) * num, den)
    lo, hi = _range(dtype)
    return np.clip(_round_half_even(num, den) + zero_point, lo, hi).astype(dtype)


def qlinear_conv(
    x: Any,
    x_scale: Any,
    x_zero_point: Any,
    w: Any,
    w_scale: Any,
    w_zero_point: Any,
    y_scale: Any,
    y_zero_point: Any,
    bias: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """ONNX ``QLinearConv``: a quantized convolution layer, requantized exactly.

    ``acc = conv_integer(x, w, x_zero_point, w_zero_point) + bias`` (exact), then per output
    channel ``c``: ``y = saturate(round_half_to_even(acc * x_scale * w_scale[c] / y_scale) + y_zero_point)``.

    Parameters
    ----------
    x : array_like of uint8 or int8
        Quantized input ``(N, C_in, *spatial)`` (or unbatched ``(C_in, *spatial)``).
    x_scale : float or array_like
        A scalar ``> 0`` (ONNX: float32), used at its exact value.
    x_zero_point : int or array_like
        A scalar in ``x``'s dtype range (a NumPy one must have ``x``'s dtype).
    w : array_like of uint8 or int8
        Quantized weight ``(C_out, C_in/groups, *kernel)``.
    w_scale : float or array_like
        A scalar, or ``C_out`` values (per output channel), each ``> 0``.
    w_zero_point : int or array_like
        A scalar or ``C_out`` values in ``w``'s dtype range.
    y_scale : float or array_like
        The output's scale, a scalar ``> 0``.
    y_zero_point : numpy.uint8 or numpy.int8 (scalar or 1-element array)
        The output's zero point; its dtype is the output's, and saturation clamps to its range.
    bias : array_like of int, optional
        ``(C_out,)`` integers (ONNX: int32, quantized with scale ``x_scale * w_scale`` and zero
        point 0), added to the accumulator before requantization.
    stride, padding, dilation, groups, padding_mode
        As in :func:`refconv.conv` (ONNX ``pads = [b_1.., e_1..]`` is ``padding=((b_1, e_1), ...)``);
        a padded cell holds ``x_zero_point``.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *out)`` (``(C_out, *out)`` unbatched) of ``y_zero_point``'s dtype.

    Raises
    ------
    TypeError
        ``x`` or ``w`` not uint8/int8, a ``y_zero_point`` without a uint8/int8 dtype, a
        non-integer bias or zero point, a complex or symbolic scale.
    ValueError
        A scale ``<= 0`` or not finite, a scale or zero point of the wrong shape or outside its
        dtype's range, and every refusal of :func:`refconv.conv`.

    See Also
    --------
    conv_integer : the accumulation alone, exact.
    refconv.conv : the layer, on the shifted operands.

    Notes
    -----
    refconv computes the definition exactly; the peers round on the way, so they agree with it
    except near a tie or where the accumulator leaves their arithmetic:

    * ``onnx.reference`` forms ``x_scale * w_scale / y_scale`` in float32 (two roundings), then
      multiplies the int32 accumulator in float64, adds the zero point, clips and rounds half
      to even (``np.round``).
    * onnxruntime (MLAS) multiplies ``float32(acc)`` by the float32 multiplier in float32 and
      rounds half to even; its accumulator is int32 (wraps past ``2**31``).
    * PyTorch (``torch.ao.nn.quantized.functional.conv{1,2,3}d``, fbgemm on x86) takes per-tensor
      scales as float64 but requantizes in float32 (``lrintf``: half to even); its bias is a
      *float* tensor added in float (not ONNX's int32), weights are qint8 (per tensor or per
      channel, ``torch.per_channel_affine``), the input quint8, the output ``dtype=`` quint8 by
      default with ``scale=``/``zero_point=`` arguments in place of ``y_scale``/``y_zero_point``.
      Its AVX2 kernels add pairs of uint8*int8 products in saturating int16, so inputs that use
      the full 8-bit range can differ by more than rounding (hence torch's ``reduce_range``).

    Examples
    --------
    >>> x = np.array([[[2, 4, 6]]], dtype=np.uint8)
    >>> w = np.array([[[1, 1]]], dtype=np.int8)
    >>> one = np.float32(1)
    >>> # acc = [6, 10]; y = round(acc * 1 * 1 / 4) + 10 = [round(1.5), round(2.5)] + 10 (ties to even)
    >>> qlinear_conv(x, one, 0, w, one, 0, np.float32(4), np.uint8(10))
    array([[[12, 12]]], dtype=uint8)

    Per output channel scales, a bias, and saturation to int8:

    >>> w2 = np.array([[[1, 1]], [[1, -1]]], dtype=np.int8)
    >>> y = qlinear_conv(x, one, 0, w2, np.array([1, 100], np.float32), 0, np.float32(2), np.int8(0), [2, 0])
    >>> y     # channel 0: (6 + 2) / 2 = 4, (10 + 2) / 2 = 6; channel 1: -2 * 100 / 2 = -100 twice
    array([[[   4,    6],
            [-100, -100]]], dtype=int8)
    >>> qlinear_conv(x, one, 0, w2, np.array([1, 200], np.float32), 0, np.float32(2), np.int8(0))[0, 1]
    array([-128, -128], dtype=int8)
    """
    func = "qlinear_conv"

    def quantized(name: str, arr: np.ndarray) -> np.ndarray:
        if arr.dtype not in _QUANTIZED:
            expected = "a uint8 or int8 array (ONNX QLinearConv's types); use conv_integer for other integers"
            raise fail(func, name, arr, f"has dtype {arr.dtype}", expected, TypeError)
        return arr

    layer = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode)
    out_dtype, y_zp = _output_type(func, y_zero_point)
    acc, batched, _ = _accumulate(func, x, w, x_zero_point, w_zero_point, bias, layer, quantized)
    c_out = acc.shape[1]
    xs, ys = _scale(func, "x_scale", x_scale, None)[0], _scale(func, "y_scale", y_scale, None)[0]
    ws = _scale(func, "w_scale", w_scale, c_out)
    multipliers = [xs * s / ys for s in (ws if len(ws) == c_out else ws * c_out)]
    y = _requantize(acc, multipliers, y_zp, out_dtype)
    return y if batched else y[0]
