"""Rounding once: binary float formats, and exact dyadic or rational values rounded half to even."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .._validation import fail

__all__ = [
    "Format",
    "BFLOAT16",
    "bfloat16_dtype",
    "float_format",
    "is_float",
    "float_result_type",
    "round_dyadic",
    "round_rational",
]


@dataclass(frozen=True)
class Format:
    """A binary floating-point format: ``p`` significand bits, normal exponents ``e_min..e_max``.

    Parameters
    ----------
    name : str
        The NumPy dtype name (``"float32"``, ...).
    p : int
        Significand bits, the implicit bit included.
    e_min : int
        Smallest normal exponent.
    e_max : int
        Largest exponent.

    See Also
    --------
    float_format : the Format of a NumPy float dtype.

    Examples
    --------
    >>> f = float_format("f", np.float16)
    >>> f, f.u(), f.eta == 2.0**-24, f.realmax
    (Format(name='float16', p=11, e_min=-14, e_max=15), 0.00048828125, True, 65504.0)
    >>> f.realmax == float(np.finfo(np.float16).max), f.realmin == 2.0**-14
    (True, True)
    """

    name: str
    p: int
    e_min: int
    e_max: int

    def u(self, rounding: str = "rn") -> float:
        """Unit roundoff: ``2**-p`` (round to nearest) or ``2**(1-p)`` (truncation, "rz")."""
        return 2.0**-self.p if rounding == "rn" else 2.0 ** (1 - self.p)

    @property
    def eta(self) -> float:
        """Smallest positive subnormal, ``2**(e_min - p + 1)``."""
        return 2.0 ** (self.e_min - self.p + 1)

    @property
    def realmax(self) -> float:
        return (2 - 2.0 ** (1 - self.p)) * 2.0**self.e_max

    @property
    def realmin(self) -> float:
        """Smallest positive normal number, ``2**e_min``: below it, flush-to-zero hardware gives 0."""
        return 2.0**self.e_min


def float_format(func: str, dtype: Any) -> Format:
    """The :class:`Format` of a NumPy float dtype (float16, float32, float64).

    Parameters
    ----------
    func : str
        The public function being called, for the message.
    dtype : Any
        Anything ``numpy.dtype`` takes.

    Returns
    -------
    Format
        Its precision and exponent range; :data:`BFLOAT16` for ``ml_dtypes.bfloat16``.

    See Also
    --------
    Format : the fields.

    Examples
    --------
    >>> float_format("f", "float32").p, float_format("f", np.float64).p
    (24, 53)
    >>> try:
    ...     float_format("exact", np.int32)
    ... except ValueError as exc:
    ...     print(str(exc).split(";")[0])
    exact: dtype=<class 'numpy.int32'> is not a float dtype refconv rounds to
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise fail(func, "dtype", dtype, "is not a dtype", "float16, float32 or float64", TypeError) from None
    if dt.name == "bfloat16":  # ml_dtypes' bfloat16 (numpy kind "V"): float32's range, 8 bits
        return BFLOAT16
    if dt.kind != "f" or dt.itemsize > 8:
        raise fail(func, "dtype", dtype, "is not a float dtype refconv rounds to", "float16, float32 or float64")
    info = np.finfo(dt)
    return Format(dt.name, info.nmant + 1, info.minexp, info.maxexp - 1)


#: bfloat16 (Google Brain's format: float32's exponent range, 8 significant bits), the NumPy dtype
#: ``ml_dtypes.bfloat16`` where that optional package is installed.
BFLOAT16 = Format("bfloat16", 8, -126, 127)


def bfloat16_dtype() -> np.dtype | None:
    """``numpy.dtype(ml_dtypes.bfloat16)``, or None where ml_dtypes is not installed.

    Returns
    -------
    numpy.dtype or None
        The bfloat16 dtype, when NumPy can have one.

    See Also
    --------
    float_format : gives ``BFLOAT16`` for it.

    Examples
    --------
    >>> dt = bfloat16_dtype()
    >>> dt is None or float_format("f", dt) == BFLOAT16
    True
    """
    try:
        import ml_dtypes
    except ImportError:  # an optional dependency: refconv works without it
        return None
    return np.dtype(ml_dtypes.bfloat16)


def is_float(dtype: Any) -> bool:
    """Whether ``dtype`` is a binary float refconv computes with: NumPy's, or ml_dtypes' bfloat16.

    >>> is_float(np.float16), is_float(np.int8), is_float(bfloat16_dtype() or np.float32)
    (True, False, True)
    """
    dt = np.dtype(dtype)
    return (dt.kind == "f" and dt.itemsize <= 8) or dt.name == "bfloat16"


def float_result_type(*dtypes: Any) -> np.dtype:
    """``numpy.result_type`` of float dtypes, bfloat16 included: bfloat16 alone stays bfloat16,
    beside a NumPy float it widens as float32 would (every bfloat16 is a float32).

    >>> float_result_type(np.float16, np.float32)
    dtype('float32')
    >>> bf = bfloat16_dtype()
    >>> bf is None or (float_result_type(bf, bf) == bf and float_result_type(bf, np.float16) == np.float32)
    True
    """
    dts = [np.dtype(d) for d in dtypes]
    if dts and all(d.name == "bfloat16" for d in dts):
        return dts[0]
    return np.result_type(*[np.float32 if d.name == "bfloat16" else d for d in dts])


_bit_length = np.frompyfunc(int.bit_length, 1, 1)


def round_dyadic(V: np.ndarray, E: int, dtype: Any) -> np.ndarray:
    """Round ``V * 2**E`` (``V`` an array of Python ints) to ``dtype``, once, half to even.

    Parameters
    ----------
    V : numpy.ndarray
        Integers (an object array of Python ints, or any integer array).
    E : int
        The common binary exponent.
    dtype : Any
        The target float dtype.

    Returns
    -------
    numpy.ndarray
        The correctly rounded values of ``dtype``; overflow gives ``±inf``, subnormals are exact.

    See Also
    --------
    round_rational : the same for rationals.

    Examples
    --------
    The exact ``1 + 2**-24 + 2**-60`` rounds up in float32 (through float64 it would not):

    >>> V = np.array([2**60 + 2**36 + 1], dtype=object)
    >>> float(round_dyadic(V, -60, np.float32)[0]) == 1 + 2**-23
    True
    >>> round_dyadic(np.array([3, 5, -7], dtype=object), -1, np.float16).tolist()  # ties stay exact
    [1.5, 2.5, -3.5]
    """
    fmt = float_format("round_dyadic", dtype)
    V = np.asarray(V, dtype=object)
    try:
        # Python's int -> float conversion rounds correctly (half to even) to 53 bits.
        f = V.astype(np.float64)
    except OverflowError:
        return _round_dyadic_int(V, E, fmt)
    with np.errstate(over="ignore", under="ignore"):
        g = np.ldexp(f, E)  # exact unless it leaves float64's normal range
    if fmt.p == 53:
        # Only a float64-subnormal g was rounded a second time; overflow to inf is the right answer.
        redo = (g != 0) & (np.abs(g) < 2.0**-1022)
    else:
        # RN_p(RN_53(v)) == RN_p(v) unless RN_53(v) is a midpoint of the target format: p-format
        # midpoints are float64 numbers and rounding is monotone (notes §4.5).
        m, e = np.frexp(np.abs(g))
        quantum = np.maximum(e - 1, fmt.e_min) - (fmt.p - 1)
        r = np.ldexp(np.where(np.isfinite(g), np.abs(g), 0.0), -(quantum - 1))  # < 2**(p+1): exact
        redo = np.isfinite(g) & (g != 0) & (r == np.floor(r)) & (np.fmod(r, 2.0) == 1.0)
    with np.errstate(over="ignore"):
        out = g.astype(fmt.name)
    if redo.any():
        out[redo] = _round_dyadic_int(V[redo], E, fmt)
    return out


def _round_dyadic_int(V: np.ndarray, E: int, fmt: Format) -> np.ndarray:
    """:func:`round_dyadic` in integer arithmetic only: exact for any size and exponent."""
    neg = V < 0
    A = np.where(neg, -V, V)
    bl = _bit_length(A).astype(np.int64)
    top = E + bl - 1
    quantum = np.maximum(top, fmt.e_min) - (fmt.p - 1)
    shift = quantum - E
    s = np.maximum(shift, 0).astype(object)
    Q = A >> s
    R = A - (Q << s)
    half = np.where(shift > 0, (np.ones_like(s) << np.maximum(shift - 1, 0).astype(object)), 0)
    up = (shift > 0) & ((R > half) | ((R == half) & ((Q & 1) == 1)))
    Q = Q + up.astype(np.int64)
    # Q <= 2**p fits float64 exactly; Q * 2**exp is representable in the target unless it overflows.
    exp = np.where(shift > 0, quantum, E)
    qf = Q.astype(np.float64)
    overflow = (qf != 0) & (np.frexp(qf)[1] - 1 + exp > fmt.e_max)
    with np.errstate(over="ignore"):
        val = np.where(overflow, np.inf, np.ldexp(qf, np.where(overflow, 0, exp)))
    val = np.where(neg, -val, val)
    return val.astype(fmt.name)


def round_rational(values: np.ndarray, dtype: Any) -> np.ndarray:
    """Round an array of exact rationals (``int``/``Fraction``) to ``dtype``, once, half to even.

    Parameters
    ----------
    values : numpy.ndarray
        ``int`` or ``Fraction`` entries (an object array).
    dtype : Any
        The target float dtype.

    Returns
    -------
    numpy.ndarray
        The correctly rounded values of ``dtype``.

    See Also
    --------
    round_dyadic : the faster route for dyadic values ``V * 2**E``.

    Examples
    --------
    >>> from fractions import Fraction
    >>> round_rational(np.array([Fraction(1, 3), Fraction(-5, 2)], dtype=object), np.float16).tolist()
    [0.333251953125, -2.5]

    On dyadic values the two agree:

    >>> V = np.array([3, 5, -7], dtype=object)
    >>> (round_rational(V * Fraction(1, 2), np.float16) == round_dyadic(V, -1, np.float16)).all()
    np.True_
    """
    fmt = float_format("round_rational", dtype)
    out = np.empty(np.shape(values), dtype=np.float64)
    flat = out.reshape(-1)
    for i, v in enumerate(np.asarray(values, dtype=object).reshape(-1)):
        flat[i] = _round_fraction(Fraction(v), fmt)
    return out.astype(fmt.name)


def _round_fraction(v: Fraction, fmt: Format) -> float:
    num, den = v.numerator, v.denominator
    if num == 0:
        return 0.0
    a = abs(num)
    top = a.bit_length() - den.bit_length()  # a/den in [2**(top-1), 2**(top+1))
    if (a < den << top) if top >= 0 else (a << -top < den):
        top -= 1  # now 2**top <= a/den < 2**(top+1)
    quantum = max(top, fmt.e_min) - (fmt.p - 1)
    # q = round(a / den / 2**quantum), half to even.
    scaled_num, scaled_den = (a, den << quantum) if quantum >= 0 else (a << -quantum, den)
    q, r = divmod(scaled_num, scaled_den)
    if 2 * r > scaled_den or (2 * r == scaled_den and q & 1):
        q += 1
    if q.bit_length() - 1 + quantum > fmt.e_max:
        result = math.inf
    else:
        result = math.ldexp(float(q), quantum)
    return -result if num < 0 else result
