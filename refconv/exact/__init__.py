"""Exact, correctly rounded references for float inputs.

Every finite binary float is a dyadic rational ``I * 2**E`` (error-bounds notes §4.1), so a
convolution of float arrays has an exact dyadic (or, for average pooling, rational) value.
:func:`exact` computes it and rounds it **once** to the target dtype, round-half-even, as IEEE 754
would round the infinitely precise result.  Going exact -> float64 -> float32 rounds twice and can
be wrong: the exact ``1 + 2**-24 + 2**-60`` is ``1 + 2**-23`` in float32, but rounds to ``1.0``
through float64 (notes §4.5).

How it is computed (bilinear ops: correlate, convolve, conv, conv_transpose)
----------------------------------------------------------------------------
An exact convolution of floats is an integer GEMM in disguise (the Ozaki scheme: Ozaki, Ogita,
Oishi & Rump, Numer. Algorithms 59, 2012; notes §4.3), run on float64 BLAS:

1. Each operand is scaled to integers on a power of two of its own row: ``x[n] = X[n] * 2**Ex[n]``
   per image, ``w[o] = W[o] * 2**Ew[o]`` per output channel (one exponent per operand for the
   plain ops), ``E`` the lowest set bit of the row (:mod:`refconv.exact._scaled`).
2. ``X`` and ``W`` are cut into balanced limbs (``|limb| <= 2**(b-1)``) of ``bx`` and ``bw`` bits
   with ``taps * 2**(bx+bw-2) <= 2**53``, the widths chosen for the fewest limb pairs: every
   limb pair's op, run by **refconv's own op** in float64 (its direct method; one geometry, the
   op is not re-implemented here), sums integers below ``2**53`` and is exact in any order.  For
   the layer ops all limb pairs run in one call (``x``'s limbs stacked on the batch axis, ``w``'s
   on the output channels), cut into batch chunks no larger than the call asked for.  A float32
   ResNet layer (47- and 40-bit rows, 576 taps) needs 2 x 2 limbs: four float64 GEMMs.
3. The limb results, shifted, and the bias are the terms of an unevaluated float64 sum times
   ``2**(Ex[n] + Ew[o])`` (:mod:`refconv.exact._expansion`), never summed into big integers.
4. It is rounded **once** to the target: Sum2 (error-free TwoSum cascade) encloses the value
   within a few units of ``2**-100`` of it; where no rounding boundary of the target lies in the
   enclosure the answer is certain, and the other outputs (a tie, or a value just off one; a
   subnormal float64) are summed exactly in Python ints and rounded by the integer rule:
   quantum ``q = max(E + bitlen(V) - 1, e_min) - (p - 1)``, shift right by ``q - E`` with
   round-half-even on the remainder, overflow to ``inf`` (notes §4.5).

When the operands span so many bits that more than 64 limb pairs would be needed (float64 data
over a wide exponent range) the op runs once on Python ints instead, with the bias added exactly.

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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .._validation import check_choice, fail
from ..spec import LayerCall
from ._expansion import Expansion
from ._pools import exact_pool
from ._rounding import Format, float_format, float_result_type, is_float, round_dyadic, round_rational
from ._scaled import Layout, Scaled, exact_bilinear

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


@dataclass(frozen=True)
class OpForm:
    """How the oracle treats an op: where refconv's function lives and what algebra it has.

    Parameters
    ----------
    name : str
        The op's name, its key in :data:`OPS`.
    module : str
        The module holding refconv's function (imported lazily: ops land in separate modules).
    function : str
        The function's name in that module.
    kind : {"bilinear", "linear", "select", "norm", "weighted"}
        ``"bilinear"``: linear in ``x`` and in ``w`` (correlate, convolve, conv, conv_transpose);
        ``"linear"``: linear in ``x`` with exact rational coefficients (average pooling);
        ``"select"``: the result is one of the inputs (max pooling);
        ``"norm"``: the Lp norm of each window, enclosed and correctly rounded (Lp pooling);
        ``"weighted"``: linear in ``x`` with the given weights, exact rational (weighted pooling).
    bias : bool
        Whether the op takes a bias as its third operand.
    call : tuple of str
        A pool's positional arguments, operand first (default ``("x", "kernel_size")``; the
        global pools have no ``kernel_size``).  Only ``x`` is an operand: ``p`` and ``weight``
        are parameters, used exactly as given.

    See Also
    --------
    op_form : an op's row of :data:`OPS`, by name.
    exact : the oracle that reads these rows.

    Examples
    --------
    >>> form = OPS["conv"]
    >>> form.kind, form.bias, form.required, form.operands
    ('bilinear', True, ('x', 'w'), ('x', 'w', 'bias'))
    >>> import refconv
    >>> form.resolve() is refconv.conv and OPS["max_pool"].operands == ("x",)
    True
    """

    name: str
    module: str
    function: str
    kind: str
    bias: bool = False
    call: tuple[str, ...] = ()

    def resolve(self):
        """refconv's own function for this op (imported lazily: ops land in separate modules)."""
        return getattr(importlib.import_module(self.module), self.function)

    @property
    def positional(self) -> tuple[str, ...]:
        """The op's positional arguments, in order (a problem's ``args``)."""
        if self.kind == "bilinear":
            return ("x", "w", "bias") if self.bias else ("x", "w")
        return self.call or ("x", "kernel_size")

    @property
    def required(self) -> tuple[str, ...]:
        """The arguments every call of this op needs, in positional order."""
        return ("x", "w") if self.kind == "bilinear" else self.positional

    @property
    def kernel_index(self) -> int | None:
        """Where a pool's ``kernel_size`` is among :attr:`positional`; None for a global pool
        (one window over the whole of the pooled axes) and for the bilinear ops."""
        names = () if self.kind == "bilinear" else self.positional
        return names.index("kernel_size") if "kernel_size" in names else None

    def rank_of(self, args: tuple, kwargs: dict) -> int:
        """The number of spatial (pooled) axes of a call ``args, kwargs`` of this op.

        >>> OPS["lp_pool"].rank_of((np.ones((2, 5)), 2, 3), {}), OPS["global_avg_pool"].rank_of((np.ones((2, 5)),), {})
        (1, 2)
        """
        x = np.asarray(args[0])
        if self.kind == "bilinear":
            return x.ndim if not self.bias else x.ndim - 2
        if self.kernel_index is None:
            axes = kwargs.get("axes")
            return x.ndim if axes is None else (len(axes) if isinstance(axes, (tuple, list)) else 1)
        k = args[self.kernel_index]
        return 1 if isinstance(k, (int, np.integer)) else len(k)

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
            if ("f" if is_float(dt) else dt.kind) not in kinds:
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
    "global_avg_pool": OpForm("global_avg_pool", "refconv.pooling", "global_avg_pool", "linear", call=("x",)),
    "global_max_pool": OpForm("global_max_pool", "refconv.pooling", "global_max_pool", "select", call=("x",)),
    "lp_pool": OpForm("lp_pool", "refconv.pooling", "lp_pool", "norm", call=("x", "p", "kernel_size")),
    "global_lp_pool": OpForm("global_lp_pool", "refconv.pooling", "global_lp_pool", "norm", call=("x", "p")),
    "weighted_pool": OpForm(
        "weighted_pool", "refconv.pooling", "weighted_pool", "weighted", call=("x", "kernel_size", "weight")
    ),
    "global_weighted_pool": OpForm(
        "global_weighted_pool", "refconv.pooling", "global_weighted_pool", "weighted", call=("x", "weight")
    ),
}


def op_form(func: str, op: Any) -> OpForm:
    """The :class:`OpForm` of ``op`` (a name of :data:`OPS`), or a ValueError naming ``func``.

    Parameters
    ----------
    func : str
        The public function being called, for the message.
    op : Any
        The user's op name.

    Returns
    -------
    OpForm
        The op's row of :data:`OPS`.

    See Also
    --------
    OpForm : what a row says.

    Examples
    --------
    >>> op_form("exact", "avg_pool").kind
    'linear'
    >>> try:
    ...     op_form("exact", "pool")
    ... except ValueError as exc:
    ...     print(str(exc).split(";")[0])
    exact: op='pool' is not recognised
    """
    return OPS[check_choice(func, "op", op, tuple(OPS))]


def _float_operands(func: str, args: tuple, names: tuple[str, ...]) -> list:
    out = []
    for name, value in zip(names, args):
        if value is None:
            out.append(None)
            continue
        arr = np.asarray(value)
        if not is_float(arr.dtype):
            raise fail(func, name, value, f"has dtype {arr.dtype}", "a float16, float32 or float64 array", TypeError)
        out.append(arr)
    return out


def exact_value(op: str, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """The exact value of refconv's ``op`` on float inputs, in the cheapest exact form.

    Most users want :func:`exact`; :mod:`refconv.conformance` uses this to compare without
    rounding first.

    Parameters
    ----------
    op : {"correlate", "convolve", "conv", "conv_transpose", "avg_pool", "max_pool"}
        A key of :data:`OPS`.
    *args : Any
        The op's positional arguments, as refconv's function takes them (float operands).
    **kwargs : Any
        The op's keywords.

    Returns
    -------
    tuple of (str, Any)
        ``("dyadic", (V, E))``: the value is ``V * 2**E``, ``V`` an object array of Python ints;
        ``("mixed", (V, E, cls))``: as dyadic where ``cls`` (IEEE's result class, from the signs)
        is finite, ``cls`` elsewhere; ``("rational", R)``: an object array of ``Fraction`` (and
        refconv's own non-finite values); ``("float", y)``: a float array that is already exact
        (max pooling).

    See Also
    --------
    exact : the value rounded once to a float dtype.
    rounded : the rounding step alone.

    Examples
    --------
    >>> kind, (V, E) = exact_value("correlate", np.array([0.5, 0.25, 3.0]), np.array([1.0, 2.0]))
    >>> kind, (V * 2.0**E).tolist()          # 0.5*1 + 0.25*2, 0.25*1 + 3*2
    ('dyadic', [1.0, 6.25])
    >>> exact_value("avg_pool", np.array([1.0, 0.5, 0.25]), 3)[1].tolist()
    [Fraction(7, 12)]
    """
    kind, value = reference_value(op, *args, _func="exact_value", **kwargs)
    if kind != "exact":
        return kind, value
    total, cls = value
    V, E = total if not isinstance(total, Expansion) else _common_exponent(*total.dyadic())
    return ("dyadic", (V, E)) if cls is None else ("mixed", (V, E, cls))


def _common_exponent(V: np.ndarray, E: np.ndarray) -> tuple[np.ndarray, int]:
    """Per-output ``V * 2**E`` as one exponent for the array (exact_value's documented form)."""
    low = int(E.min(initial=0))
    V = V * (np.ones_like(V) << (E - low).astype(object))
    # Trailing zeros common to every value go into E: integer-valued operands give small integers.
    nonzero = [abs(int(v)) for v in V.flat if v]
    zeros = min(((v & -v).bit_length() - 1 for v in nonzero), default=0)
    return (V >> zeros if zeros else V), low + zeros


def reference_value(op: str, *args: Any, _func: str = "reference_value", **kwargs: Any) -> tuple[str, Any]:
    """The exact value in the form the oracle computes it: :func:`exact_value`'s kinds, except
    that a bilinear op gives ``("exact", (value, cls))`` — ``value`` an
    :class:`~refconv.exact._expansion.Expansion` (the fast path) or ``(V, E)`` (Python ints),
    ``cls`` None or IEEE's classes where an input is not finite.  Read it with :func:`rounded`
    and :func:`value_at`; it is never materialised as big integers unless asked."""
    form = op_form(_func, op)
    form.bind(_func, args, kwargs, kinds="f")
    args, kwargs = widen_bfloat16(args), dict(zip(kwargs, widen_bfloat16(tuple(kwargs.values()))))
    fn = form.resolve()
    if form.kind == "select":
        return "float", fn(*args, **kwargs)
    if form.kind == "linear":
        return "rational", _exact_linear(fn, args, kwargs)
    if form.kind in ("norm", "weighted"):  # Lp and weighted pools, windowed or global
        return exact_pool(form, args, kwargs)
    return _exact_layer_or_plain(form, fn, args, kwargs)


def widen_bfloat16(values: tuple) -> tuple:
    """``values`` with every bfloat16 array as the float32 array of the same numbers (exact):
    refconv's ops compute in NumPy's dtypes, and the oracle only reads the operands' values."""
    return tuple(
        v.astype(np.float32) if isinstance(v, np.ndarray) and v.dtype.name == "bfloat16" else v for v in values
    )


def value_at(kind: str, value: Any, index: tuple) -> Fraction | float:
    """One output of :func:`reference_value` (or :func:`exact_value`): a Fraction, or the
    non-finite float IEEE gives there."""
    if kind in ("exact", "dyadic", "mixed"):
        # exact_value's forms as reference_value's: (total, IEEE classes or None).
        total, cls = value if kind == "exact" else (value[:2], value[2] if kind == "mixed" else None)
        if cls is not None and not np.isfinite(cls[index]):
            return float(cls[index])
        if isinstance(total, Expansion):
            return total.at(index)
        V, E = total
        return Fraction(int(V[index])) * Fraction(2) ** E
    v = np.asarray(value)[index]
    return Fraction(v) if isinstance(v, (int, Fraction)) else Fraction(float(v)) if np.isfinite(v) else float(v)


def _exact_linear(fn, args: tuple, kwargs: dict) -> np.ndarray:
    """Average pooling's exact value: Fractions, with refconv's own non-finite outputs."""
    (x,) = _float_operands("exact_value", args[:1], ("x",))
    ints, E = Scaled.of(np.where(np.isfinite(x), x, 0)).ints()
    y = np.asarray(fn(ints, *args[1:], **kwargs), dtype=object)
    scale = Fraction(2) ** E
    exact = np.frompyfunc(lambda v: Fraction(v) * scale, 1, 1)(y)
    if not np.isfinite(x).all():
        cls = np.asarray(fn(x.astype(np.float64), *args[1:], **kwargs))
        exact = np.where(np.isfinite(cls), exact, cls.astype(object))
    return exact


def _is_zero(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value == 0


def _exact_filled(fn, x: np.ndarray, w: np.ndarray, kwargs: dict) -> tuple[str, Any]:
    """A plain op with a nonzero ``cval``: the fill value is a third operand that the limb
    scaling of ``x`` does not cover, so the op runs once on exact Fractions (the same op, its
    own padding rule) with ``cval`` rounded to the operands' dtype as the op rounds it."""
    fn(x, w, **kwargs)  # the op's own refusals, before any exact work
    cval = kwargs["cval"]
    if not (np.isfinite(x).all() and np.isfinite(w).all() and np.isfinite(np.asarray(cval, dtype=complex)).all()):
        raise fail(
            "exact_value", "cval", cval, "with non-finite operands has no exact value here", "finite x, w and cval"
        )
    dtype = np.result_type(x, w)
    fraction = np.frompyfunc(lambda v: Fraction(float(v)), 1, 1)
    filled = Fraction(float(np.asarray(cval).astype(dtype)))
    kwargs = dict(kwargs, cval=filled, method="direct")
    values = np.asarray(fn(fraction(x), fraction(w), **kwargs), dtype=object)
    # Every value is dyadic: a common power of two makes them integers.
    E = -max((Fraction(v).denominator.bit_length() - 1 for v in values.flat), default=0)
    V = np.frompyfunc(lambda v: int(Fraction(v) * Fraction(2) ** -E), 1, 1)(values).astype(object)
    return "dyadic", (np.asarray(V, dtype=object), E)


def _exact_layer_or_plain(form: OpForm, fn, args: tuple, kwargs: dict) -> tuple[str, Any]:
    """A bilinear op's exact value: ``("dyadic", (V, E))``, or ``("mixed", (V, E, cls))`` with
    IEEE's classes where an input is not finite."""
    names = ("x", "w", "bias") if form.bias else ("x", "w")
    if len(args) > len(names):
        raise fail(
            "exact_value",
            "args",
            f"{len(args)} positional arguments",
            f"is too many for op={form.name!r}",
            f"at most {len(names)}: {', '.join(names)}",
            TypeError,
        )
    if form.bias and len(args) < 3:
        args = (*args, kwargs.pop("bias", None))
    x, w, bias = (*_float_operands("exact_value", args, names), None)[:3]
    if not form.bias and not _is_zero(kwargs.get("cval", 0)):
        return _exact_filled(fn, x, w, kwargs)
    layout = Layout()
    if form.bias:  # the bias is added exactly here, so the layer call is normalised here: the op's own refusals
        layer_kwargs = {k: v for k, v in kwargs.items() if k != "method"}
        call = getattr(LayerCall, form.name)(form.name, x, w, bias, **layer_kwargs)
        layout = Layout(1 if call.transposed else 0, call.groups, call.batched)
    finite = [np.where(np.isfinite(a), a, 0) if a is not None else None for a in (x, w, bias)]
    # The direct method: every refconv method is exact on integers, and on the sign arrays below
    # (non-finite inputs) only the direct method keeps IEEE's inf/NaN classes.
    kwargs = dict(kwargs, method="direct")
    call = (lambda a, b, **kw: fn(a, b, **kw)) if not form.bias else (lambda a, b, **kw: fn(a, b, None, **kw))
    value = exact_bilinear(call, finite[0], finite[1], finite[2], kwargs, layout)
    if value is None:  # too many limb pairs: the op once on Python ints
        value = _python_int_bilinear(call, finite, kwargs)
    if all(a is None or np.isfinite(a).all() for a in (x, w, bias)):
        return "exact", (value, None)
    # IEEE classes: run the op on the signs of finite values (no overflow possible) and the non-finite ones.
    signs = [None if a is None else np.where(np.isfinite(a), np.sign(a), a).astype(np.float64) for a in (x, w, bias)]
    with np.errstate(invalid="ignore"):
        cls = np.asarray(fn(signs[0], signs[1], signs[2], **kwargs) if form.bias else fn(signs[0], signs[1], **kwargs))
    return "exact", (value, cls)


def _python_int_bilinear(call, operands: list, kwargs: dict) -> tuple[np.ndarray, int]:
    """``(V, E)``: the bilinear op run once on Python ints, the bias added exactly (any exponent range)."""
    (X, Ex), (W, Ew) = Scaled.of(operands[0]).ints(), Scaled.of(operands[1]).ints()
    V, E = np.asarray(call(X, W, **kwargs), dtype=object), Ex + Ew
    if operands[2] is not None:
        B, Eb = Scaled.of(operands[2]).ints()
        low = min(E, Eb)
        V = V * (1 << (E - low)) + (B * (1 << (Eb - low))).reshape((-1,) + (1,) * (operands[1].ndim - 2))
        E = low
    return V, E


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

    See Also
    --------
    exact_value : the exact value before rounding.
    refconv.bounds.error_bound : a rigorous bound on a float implementation's distance from it.
    refconv.check : compares an implementation with this oracle.

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
        floats = [a.dtype for a in args if isinstance(a, np.ndarray) and is_float(a.dtype)]
        if not floats:
            raise fail("exact", "args", "no float array", "has no float operand", "float16/32/64 arrays", TypeError)
        dtype = float_result_type(*floats)
    fmt = float_format("exact", dtype)
    chunks = _batch_tiles(form, args, kwargs)
    if chunks is not None:  # a large layer: its exact value lives only one tile of images at a time
        x, rest = args[0], args[1:]
        parts = [exact(form.name, x[tile], *rest, dtype=dtype, **kwargs) for tile in chunks]
        return np.concatenate(parts, axis=0)
    kind, value = reference_value(form.name, *args, _func="exact", **kwargs)
    return rounded(kind, value, fmt.name)


#: Outputs per tile of :func:`exact` on a batched layer: the unevaluated sum holds a few float64
#: arrays of the tile's outputs (about 64 MiB each at this size).
TILE_OUTPUTS = 1 << 23


def _batch_tiles(form: OpForm, args: tuple, kwargs: dict) -> list | None:
    """Slices of ``x``'s batch for a layer whose output exceeds :data:`TILE_OUTPUTS`, else None.

    The layer's output size is read from the spec (``LayerCall``), so a refused call is refused
    by the whole call, before any tile runs."""
    if not form.bias or not args or not isinstance(args[0], np.ndarray) or len(args) < 2:
        return None
    layer_kwargs = {k: v for k, v in kwargs.items() if k not in ("method", "bias")}
    bias = args[2] if len(args) > 2 else kwargs.get("bias")
    call = getattr(LayerCall, form.name)(
        form.name, *widen_bfloat16(args[:2]), widen_bfloat16((bias,))[0], **layer_kwargs
    )
    outputs = int(np.prod(call.out_shape))
    n = args[0].shape[0] if call.batched else 1
    if outputs <= TILE_OUTPUTS or n <= 1:
        return None
    per_tile = max(1, n * TILE_OUTPUTS // outputs)
    return [slice(start, start + per_tile) for start in range(0, n, per_tile)]


def rounded(kind: str, value: Any, dtype: Any) -> np.ndarray:
    """Round the output of :func:`exact_value` to ``dtype`` (once)."""
    if kind == "float":
        return np.asarray(value).astype(dtype)
    if kind == "rational":
        finite = np.frompyfunc(lambda v: isinstance(v, (int, Fraction)), 1, 1)(value).astype(bool)
        out = round_rational(np.where(finite, value, 0), dtype)
        return np.where(finite, out, value.astype(np.float64)).astype(dtype)
    # exact_value's forms ("dyadic", "mixed") as reference_value's: (total, IEEE classes or None).
    total, cls = value if kind == "exact" else (value[:2], value[2] if kind == "mixed" else None)
    if isinstance(total, Expansion):
        out = total.rounded(float_format("rounded", dtype))
    else:
        out = round_dyadic(*total, dtype)
    return out if cls is None else np.where(np.isfinite(cls), out, cls).astype(dtype)
