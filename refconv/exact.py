"""Exact, correctly rounded references for float inputs.

Every finite binary float is a dyadic rational ``I * 2**E`` (error-bounds notes §4.1), so a
convolution of float arrays has an exact dyadic (or, for average pooling, rational) value.
:func:`exact` computes it and rounds it **once** to the target dtype, round-half-even, as IEEE 754
would round the infinitely precise result.  Going exact -> float64 -> float32 rounds twice and can
be wrong: the exact ``1 + 2**-24 + 2**-60`` is ``1 + 2**-23`` in float32, but rounds to ``1.0``
through float64 (notes §4.5).

How it is computed (bilinear ops: correlate, convolve, conv, conv_transpose)
---------------------------------------------------------------------------
1. Each operand is scaled to integers with a common power of two: ``x = X * 2**Ex`` where ``Ex``
   is the lowest set bit over the array (trailing zeros are dropped, so integer-valued floats
   give small integers).
2. ``X`` and ``W`` are cut into limbs of ``b`` bits, ``X = sum_j X_j 2**(j*b)``, with ``b`` small
   enough that every limb product summed over all taps fits ``int64``.  Each limb pair runs
   through **refconv's own op on int64 arrays** (one geometry: the op is not re-implemented
   here), and the exact result is ``sum_jk op(X_j, W_k) 2**((j+k)*b) * 2**(Ex+Ew)``, combined in
   Python ints (O(outputs) object work, not O(multiply-adds)).  When the exponent spread is so
   wide that too many limb pairs would be needed, the op runs once on Python-int arrays instead.
3. The bias, scaled the same way, is added exactly per output channel.
4. The integer ``V`` with exponent ``E`` is rounded to ``p`` bits once: quantum
   ``q = max(E + bitlen(V) - 1, e_min) - (p - 1)``, shift right by ``q - E`` with
   round-half-even on the remainder, overflow to ``inf`` (notes §4.5).  Subnormal targets are
   handled by the ``e_min`` clamp.

Average pooling is linear with a rational divisor: the exact value is a Fraction per output,
rounded by the same rule with an integer division.  Max pooling selects an input, so refconv's
own float result is already exact.

Non-finite inputs follow IEEE semantics: an output is NaN when a NaN, ``inf * 0`` or
``inf - inf`` enters it, else ``±inf`` when an infinity does (found by running the op on the
signs of the finite values, which cannot overflow); other outputs are exact.  An exact zero is
returned as ``+0.0``.
"""

from __future__ import annotations

import importlib
import inspect
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ._validation import check_choice, fail

#: Largest number of limb-pair correlations before the single Python-int run is preferred.
_MAX_LIMB_PAIRS = 36


@dataclass(frozen=True)
class OpForm:
    """How the oracle treats an op: where refconv's function lives and what algebra it has.

    ``kind`` is ``"bilinear"`` (linear in ``x`` and in ``w``: correlate, convolve, conv,
    conv_transpose), ``"linear"`` (linear in ``x`` with exact rational coefficients: average
    pooling) or ``"select"`` (the result is one of the inputs: max pooling).
    """

    name: str
    module: str
    function: str
    kind: str
    bias: bool = False

    def resolve(self):
        """refconv's own function for this op (imported lazily: ops land in separate modules)."""
        return getattr(importlib.import_module(self.module), self.function)

    @property
    def required(self) -> tuple[str, ...]:
        """The arguments every call of this op needs, in positional order."""
        return ("x", "w") if self.kind == "bilinear" else ("x", "kernel_size")

    @property
    def operands(self) -> tuple[str, ...]:
        """The leading positional arguments that are arrays of numbers (a pool's kernel_size is not)."""
        return ("x", "w", "bias") if self.kind == "bilinear" else ("x",)

    def bind(self, func: str, args: tuple, kwargs: dict, kinds: str = "iuf") -> dict:
        """The call's arguments by parameter name, after refusing, naming ``func``'s parameter, a
        call of this op that refconv's function would not take: arguments its signature does not
        bind, a missing (or None) operand, or an operand array whose dtype kind is not in ``kinds``.

        >>> OPS["conv"].bind("exact", (np.ones(3),), {})
        Traceback (most recent call last):
        ...
        TypeError: exact: w=None is missing; expected op='conv' called with x, w (and bias) as refconv.conv takes them
        >>> OPS["max_pool"].bind("exact", (np.ones(3), 2), {"mode": "same"})
        Traceback (most recent call last):
        ...
        TypeError: exact: mode='same' is not a keyword of refconv.max_pool; expected stride, padding, dilation, ...
        """
        params = inspect.signature(self.resolve()).parameters
        positional = [n for n, p in params.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
        keywords = [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY]
        if len(args) > len(positional):
            raise fail(
                func,
                "args",
                f"{len(args)} operands",
                f"is too many for op={self.name!r}",
                f"at most {len(positional)}: {', '.join(positional)}",
                TypeError,
            )
        for name, value in kwargs.items():
            if name not in params:
                raise fail(
                    func,
                    name,
                    value,
                    f"is not a keyword of refconv.{self.function}",
                    ", ".join(keywords[:3]) + (", ..." if len(keywords) > 3 else ""),
                    TypeError,
                )
        bound = dict(zip(positional, args))
        for name, value in kwargs.items():
            if name in bound:
                raise fail(func, name, value, "is given twice (as an operand and a keyword)", "one of them", TypeError)
            bound[name] = value
        for name in self.required:
            if bound.get(name) is None:
                optional = " (and bias)" if self.bias else ""
                raise fail(
                    func,
                    name,
                    None,
                    "is missing",
                    f"op={self.name!r} called with {', '.join(self.required)}{optional} as "
                    f"refconv.{self.function} takes them",
                    TypeError,
                )
        for name in self.operands:
            value = bound.get(name)
            if value is None:
                continue
            wanted = {"f": "a float16, float32 or float64 array", "iuf": "an integer or float array"}[kinds]
            try:
                dt = np.asarray(value).dtype
            except (ValueError, TypeError):  # ragged nested lists
                raise fail(func, name, value, "is not a rectangular array", wanted, TypeError) from None
            if dt.kind not in kinds:
                raise fail(func, name, value, f"has dtype {dt}", wanted, TypeError)
        return bound


#: The oracle's table of ops.  A new op plugs in with one row here, one strategy in
#: :mod:`refconv.conformance` and (for a new ``kind``) one bound rule in :mod:`refconv.bounds`.
OPS: dict[str, OpForm] = {
    "correlate": OpForm("correlate", "refconv.convolution", "correlate", "bilinear"),
    "convolve": OpForm("convolve", "refconv.convolution", "convolve", "bilinear"),
    "conv": OpForm("conv", "refconv.layer", "conv", "bilinear", bias=True),
    "conv_transpose": OpForm("conv_transpose", "refconv.layer", "conv_transpose", "bilinear", bias=True),
    "avg_pool": OpForm("avg_pool", "refconv.pooling", "avg_pool", "linear"),
    "max_pool": OpForm("max_pool", "refconv.pooling", "max_pool", "select"),
}


def op_form(func: str, op: Any) -> OpForm:
    """The :class:`OpForm` of ``op`` (a name of :data:`OPS`), or a ValueError naming ``func``."""
    return OPS[check_choice(func, "op", op, tuple(OPS))]


@dataclass(frozen=True)
class Format:
    """A binary floating-point format: ``p`` significand bits, normal exponents ``e_min..e_max``."""

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


def float_format(func: str, dtype: Any) -> Format:
    """The :class:`Format` of a NumPy float dtype (float16, float32, float64)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise fail(func, "dtype", dtype, "is not a dtype", "float16, float32 or float64", TypeError) from None
    if dt.kind != "f" or dt.itemsize > 8:
        raise fail(func, "dtype", dtype, "is not a float dtype refconv rounds to", "float16, float32 or float64")
    info = np.finfo(dt)
    return Format(dt.name, info.nmant + 1, info.minexp, info.maxexp - 1)


# ---------------------------------------------------------------------------------------------
# Floats -> integers with a common power of two
# ---------------------------------------------------------------------------------------------


def _exponents(mag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per element of non-negative finite float64 ``mag``: (top, lsb) with ``mag < 2**top`` and
    ``mag`` an integer multiple of ``2**lsb`` (the lowest set bit, trailing zeros dropped)."""
    m, top = np.frexp(mag)
    sig = np.ldexp(m, 53).astype(np.int64)  # exact: m has at most 53 significant bits
    low = sig & -sig
    tz = np.frexp(low.astype(np.float64))[1] - 1  # log2 of the lowest set bit (exact power of 2)
    return top, top - 53 + tz


@dataclass
class _Scaled:
    """``a == sign * sum_j limbs[j] * 2**(E + j*b)`` exactly, for a finite float array ``a``."""

    mag: np.ndarray  # |a| as float64
    sign: np.ndarray  # -1, 0, 1 as int64
    E: int  # exponent of the lowest set bit over the array
    bits: int  # |a| < 2**(E + bits)

    @classmethod
    def of(cls, a: np.ndarray) -> _Scaled:
        a64 = np.asarray(a, dtype=np.float64)
        mag = np.abs(a64)
        sign = np.sign(a64).astype(np.int64)
        nz = mag != 0
        if not nz.any():
            return cls(mag, sign, 0, 0)
        top, lsb = _exponents(mag)
        E = int(lsb[nz].min())
        return cls(mag, sign, E, int(top[nz].max()) - E)

    def limbs(self, b: int) -> list[np.ndarray]:
        """Signed int64 limbs of ``b`` bits (``b <= 62``), lowest first."""
        count = max(1, -(-self.bits // b))
        out = []
        with np.errstate(over="ignore"):
            for j in range(count):
                t = np.ldexp(self.mag, -(self.E + j * b))
                # An overflowing t is a multiple of 2**b (its lowest bit is >= 2**971), so the limb is 0.
                limb = np.where(np.isfinite(t), np.fmod(np.floor(np.where(np.isfinite(t), t, 0.0)), 2.0**b), 0.0)
                out.append(limb.astype(np.int64) * self.sign)
        return out

    def ints(self) -> np.ndarray:
        """The integers ``I`` with ``a == I * 2**E``, as Python ints in an object array."""
        limbs = self.limbs(52)
        total = limbs[-1].astype(object)
        for limb in reversed(limbs[:-1]):
            total = total * (1 << 52) + limb.astype(object)
        return total


def _bit_budget(taps: int, groups: int) -> int:
    """Bits ``bx + bw`` allowed for a limb pair: ``groups * taps * 2**(bx+bw) < 2**63``."""
    return 62 - math.ceil(math.log2(max(1, taps) * max(1, groups)))


def _widths(xs: _Scaled, ws: _Scaled, budget: int) -> tuple[int, int, int, int]:
    """Limb widths ``(bx, bw)`` with ``bx + bw <= budget`` for these operands, and the limb
    counts ``(nx, nw)`` they give."""
    if xs.bits + ws.bits <= budget:
        bx, bw = max(1, xs.bits), max(1, ws.bits)
    elif ws.bits <= budget // 2:
        bx, bw = budget - ws.bits, max(1, ws.bits)
    elif xs.bits <= budget // 2:
        bx, bw = max(1, xs.bits), budget - xs.bits
    else:
        bx = bw = budget // 2
    return bx, bw, -(-max(1, xs.bits) // bx), -(-max(1, ws.bits) // bw)


def _plan(xs: _Scaled, ws: _Scaled, taps: int) -> tuple[int, int] | None:
    """Limb widths ``(bx, bw)``, or None when the Python-int run is the better route.

    First choice: limbs narrow enough that every limb pair's op is exact in float64 as well
    (``taps * 2**(bx+bw) <= 2**53``), so its GEMMs run on float64 BLAS in one piece instead of
    being cut again (:mod:`refconv._gemm`); then the int64 budget, summing up to ``groups``
    limb-pair results of one shift in int64.
    """
    budget = 53 - math.ceil(math.log2(max(1, taps)))
    if budget >= 2:
        bx, bw, nx, nw = _widths(xs, ws, budget)
        if nx * nw <= _MAX_LIMB_PAIRS // 2:
            return bx, bw
    for groups in (1, 2, 4, 8, 16, 32, 64):
        bx, bw, nx, nw = _widths(xs, ws, _bit_budget(taps, groups))
        if min(nx, nw) <= groups:
            return (bx, bw) if nx * nw <= _MAX_LIMB_PAIRS else None
    return None


def _exact_bilinear(fn, x: np.ndarray, w: np.ndarray, bias, kwargs) -> tuple[np.ndarray, int]:
    """Exact ``fn(x, w, bias, **kwargs)`` of finite float arrays as (Python-int array, exponent)."""
    xs, ws = _Scaled.of(x), _Scaled.of(w)
    plan = _plan(xs, ws, w.size)
    if plan is None:
        y = fn(xs.ints(), ws.ints(), **kwargs)
        total = np.asarray(y, dtype=object)
    else:
        bx, bw = plan
        groups: dict[int, np.ndarray] = {}
        x_limbs, w_limbs = xs.limbs(bx), ws.limbs(bw)
        for j, xj in enumerate(x_limbs):
            for k, wk in enumerate(w_limbs):
                y = fn(xj, wk, **kwargs)
                key = j * bx + k * bw
                groups[key] = groups[key] + y if key in groups else y
        # Horner from the top group down, in Python ints: O(outputs) object operations.
        keys = sorted(groups, reverse=True)
        total = np.asarray(groups[keys[0]]).astype(object)
        for hi, lo in zip(keys, keys[1:]):
            total = total * (1 << (hi - lo)) + np.asarray(groups[lo]).astype(object)
        total = total * (1 << keys[-1]) if keys[-1] else total
    exponent = xs.E + ws.E
    if bias is not None:
        bs = _Scaled.of(bias)
        low = min(exponent, bs.E)
        total = total * (1 << (exponent - low))
        b_ints = bs.ints() * (1 << (bs.E - low))
        total = total + b_ints.reshape((-1,) + (1,) * (w.ndim - 2))
        exponent = low
    return total, exponent


# ---------------------------------------------------------------------------------------------
# Rounding once
# ---------------------------------------------------------------------------------------------

_bit_length = np.frompyfunc(int.bit_length, 1, 1)


def round_dyadic(V: np.ndarray, E: int, dtype: Any) -> np.ndarray:
    """Round ``V * 2**E`` (``V`` an array of Python ints) to ``dtype``, once, half to even.

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

    >>> from fractions import Fraction
    >>> round_rational(np.array([Fraction(1, 3), Fraction(-5, 2)], dtype=object), np.float16).tolist()
    [0.333251953125, -2.5]
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


# ---------------------------------------------------------------------------------------------
# The public entry points
# ---------------------------------------------------------------------------------------------


def _float_operands(func: str, args: tuple, names: tuple[str, ...]) -> list:
    out = []
    for name, value in zip(names, args):
        if value is None:
            out.append(None)
            continue
        arr = np.asarray(value)
        if arr.dtype.kind != "f":
            raise fail(func, name, value, f"has dtype {arr.dtype}", "a float16, float32 or float64 array", TypeError)
        out.append(arr)
    return out


def exact_value(op: str, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """The exact value of refconv's ``op`` on float inputs, in the cheapest exact form.

    Returns ``("dyadic", (V, E))`` (the value is ``V * 2**E``, ``V`` an object array of Python
    ints), ``("rational", R)`` (an object array of ``Fraction``) or ``("float", y)`` (a float
    array that is already exact: max pooling, and non-finite outputs).  Most users want
    :func:`exact`; :mod:`refconv.conformance` uses this to compare without rounding first.

    Examples
    --------
    >>> kind, (V, E) = exact_value("correlate", np.array([0.5, 0.25, 3.0]), np.array([1.0, 2.0]))
    >>> kind, (V * 2.0**E).tolist()          # 0.5*1 + 0.25*2, 0.25*1 + 3*2
    ('dyadic', [1.0, 6.25])
    """
    form = op_form("exact_value", op)
    form.bind("exact_value", args, kwargs, kinds="f")
    fn = form.resolve()
    if form.kind == "select":
        return "float", fn(*args, **kwargs)
    if form.kind == "linear":
        (x,) = _float_operands("exact_value", args[:1], ("x",))
        xs = _Scaled.of(np.where(np.isfinite(x), x, 0))
        y = np.asarray(fn(xs.ints(), *args[1:], **kwargs), dtype=object)
        scale = Fraction(2) ** xs.E
        exact = np.frompyfunc(lambda v: Fraction(v) * scale, 1, 1)(y)
        if not np.isfinite(x).all():
            cls = np.asarray(fn(x.astype(np.float64), *args[1:], **kwargs))
            exact = np.where(np.isfinite(cls), exact, cls.astype(object))
        return "rational", exact
    names = ("x", "w", "bias") if form.bias else ("x", "w")
    if len(args) > len(names):
        raise fail(
            "exact_value",
            "args",
            f"{len(args)} positional arguments",
            f"is too many for op={op!r}",
            f"at most {len(names)}: {', '.join(names)}",
            TypeError,
        )
    if form.bias and len(args) < 3:
        args = (*args, kwargs.pop("bias", None))
    ops = _float_operands("exact_value", args, names)
    x, w = ops[0], ops[1]
    bias = ops[2] if form.bias else None
    if bias is not None and w is not None and w.ndim >= 2:  # added exactly here, so checked here
        from .layer import _check_bias

        c_out = w.shape[0] if form.name == "conv" else w.shape[1] * int(kwargs.get("groups", 1))
        _check_bias(form.name, bias, c_out)  # the op's own message: the bias is its argument
    finite = [np.where(np.isfinite(a), a, 0) if a is not None else None for a in (x, w, bias)]
    # The direct method: every refconv method is exact on integers, and on the sign arrays below
    # (non-finite inputs) only the direct method keeps IEEE's inf/NaN classes.
    kwargs = dict(kwargs, method="direct")
    call = (lambda a, b, **kw: fn(a, b, **kw)) if not form.bias else (lambda a, b, **kw: fn(a, b, None, **kw))
    V, E = _exact_bilinear(call, finite[0], finite[1], finite[2], kwargs)
    if all(a is None or np.isfinite(a).all() for a in (x, w, bias)):
        return "dyadic", (V, E)
    # IEEE classes: run the op on the signs of finite values (no overflow possible) and the non-finite ones.
    signs = [None if a is None else np.where(np.isfinite(a), np.sign(a), a).astype(np.float64) for a in (x, w, bias)]
    with np.errstate(invalid="ignore"):
        cls = np.asarray(fn(signs[0], signs[1], signs[2], **kwargs) if form.bias else fn(signs[0], signs[1], **kwargs))
    return "mixed", (V, E, cls)


def exact(op: str, *args: Any, dtype: Any = None, **kwargs: Any) -> np.ndarray:
    """refconv's ``op`` on float inputs, computed exactly and rounded once to ``dtype``.

    Parameters
    ----------
    op : {"correlate", "convolve", "conv", "conv_transpose", "avg_pool", "max_pool"}
        The refconv function whose result is wanted; ``args`` and ``kwargs`` are passed as to it.
    *args, **kwargs
        The op's arguments: float arrays (float16/32/64) and its keywords.
    dtype : float dtype, optional
        Target format; default ``numpy.result_type`` of the float operands.

    Returns
    -------
    numpy.ndarray
        The correctly rounded (round-half-even) exact result: what an infinitely precise
        implementation would return.  Non-finite inputs give IEEE's NaN/inf classes; an exact
        zero is ``+0.0``.

    Examples
    --------
    Three float32 numbers whose sum float64-then-float32 gets wrong:

    >>> x = np.array([1.0, 2.0**-24, 2.0**-60])
    >>> float(exact("correlate", x, np.ones(3), dtype=np.float32)[0]) == 1 + 2**-23
    True
    >>> float(np.float32(np.correlate(x, np.ones(3))[0]))       # rounded twice
    1.0

    With layer semantics (torch-style conv, bias added exactly):

    >>> exact("conv", np.array([[[0.1, 0.2, 0.3]]]), np.array([[[1.0, 1.0]]]), np.array([0.5])).tolist()
    [[[0.8, 1.0]]]
    """
    form = op_form("exact", op)
    form.bind("exact", args, kwargs, kinds="f")
    if dtype is None:
        floats = [np.asarray(a) for a in args if isinstance(a, np.ndarray) and np.asarray(a).dtype.kind == "f"]
        if not floats:
            raise fail("exact", "args", "no float array", "has no float operand", "float16/32/64 arrays", TypeError)
        dtype = np.result_type(*floats)
    fmt = float_format("exact", dtype)
    kind, value = exact_value(form.name, *args, **kwargs)
    return rounded(kind, value, fmt.name)


def rounded(kind: str, value: Any, dtype: Any) -> np.ndarray:
    """Round the output of :func:`exact_value` to ``dtype`` (once)."""
    if kind == "float":
        return np.asarray(value).astype(dtype)
    if kind == "rational":
        finite = np.frompyfunc(lambda v: isinstance(v, (int, Fraction)), 1, 1)(value).astype(bool)
        out = round_rational(np.where(finite, value, 0), dtype)
        return np.where(finite, out, value.astype(np.float64)).astype(dtype)
    if kind == "dyadic":
        V, E = value
        return round_dyadic(V, E, dtype)
    V, E, cls = value
    out = round_dyadic(V, E, dtype)
    return np.where(np.isfinite(cls), out, cls).astype(dtype)


__all__ = [
    "exact",
    "exact_value",
    "round_dyadic",
    "round_rational",
    "OPS",
    "OpForm",
    "op_form",
    "Format",
    "float_format",
]
