"""The direct (any summation order) bound and the average-pooling bound, componentwise, and the
:class:`Bound` every bound is returned as."""

from __future__ import annotations

__all__ = ["Bound"]

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import fail
from .formats import Arithmetic, Format, dtype_format, gamma, representable

_U64 = 2.0**-53
_ETA64 = 2.0**-1074
_SAFETY = 1 + 2.0**-40
#: Where the bound is subnormal, relative margins vanish in float64: the direct and avg_pool
#: bounds (which cover underflow) add 2**-1070, more than the absolute rounding error of the
#: dozen float64 operations that evaluate them there (2**-1075 each).
_TINY = 2.0**-1070


@dataclass(frozen=True)
class Bound:
    """A rigorous error bound and what it covers, as :func:`error_bound` returns it.

    ``np.asarray(bound)`` is ``bound.value``.

    Parameters
    ----------
    value : numpy.ndarray
        float64.  For ``kind="componentwise"`` the output's shape, ``|y^_i - y_i| <= value_i``; for
        ``kind="normwise"`` the output's leading (batch, channel) shape, ``||y^ - y||_2 <= value``
        per feature map.  ``inf`` where no finite bound holds (possible overflow).
    kind : {"componentwise", "normwise"}
        How ``value`` bounds the error.
    method : {"direct", "winograd", "fft"}
        The algorithm class the bound covers.
    arithmetic : Arithmetic
        The arithmetic it was computed for, its accumulator filled in.
    source : str
        The citations of the formula (``[derived]`` where worked out for refconv).
    assumptions : tuple of str, default ()
        The conditions under which it holds.
    terms : dict, default {}
        The ingredients (``M``, ``n``, the constants), for inspection; not compared.

    See Also
    --------
    error_bound : computes it.
    Arithmetic : the ``arithmetic`` field.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import error_bound
    >>> b = error_bound(np.ones(4, np.float32), np.ones(2, np.float32), op="correlate")
    >>> b.kind, b.method, b.arithmetic.name, b.value.shape
    ('componentwise', 'direct', 'F32_F32_F32', (3,))
    >>> bool((np.asarray(b) == b.value).all()), b.terms["n"].tolist()     # 2 nonzero products per output
    (True, [2.0, 2.0, 2.0])
    """

    value: np.ndarray
    kind: str
    method: str
    arithmetic: Arithmetic
    source: str
    assumptions: tuple[str, ...] = ()
    terms: dict = field(default_factory=dict, repr=False, compare=False)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)


def _run(fn, ops, kwargs, dtype):
    """refconv's op on operands (x, w[, bias]) converted to ``dtype``."""
    conv = [None if a is None else np.asarray(a).astype(dtype) for a in ops]
    return fn(*conv, **kwargs)


def _nonzero_products(fn, ops: list, kwargs: dict) -> np.ndarray:
    """Per output, the products (and the bias) without a zero factor: the op on 0/1 indicators.

    The counts are integers no larger than ``w.size + 1``; below ``2**24`` every partial sum is
    exact in float32, whose GEMM costs half of float64's, so the count is not the bound's
    bottleneck (issue: ``error_bound`` at layer scale is one float64 convolution of ``|x|, |w|``).
    """
    dtype = np.float32 if np.size(ops[1]) + 1 < 2**24 else np.float64
    indicators = [None if a is None else (np.asarray(a) != 0).astype(dtype) for a in ops]
    return np.asarray(fn(*indicators, **kwargs), dtype=np.float64)


def _input_terms(arith: Arithmetic, operands: list) -> list[float]:
    """``u`` of converting each operand into ``arith.inputs`` (0 when exactly representable)."""
    out = []
    for a in operands:
        if arith.inputs is None or a is None or representable(_as_float_values(a), arith.inputs):
            out.append(0.0)
        else:
            out.append(arith.inputs.u(arith.input_rounding))
    return out


def _as_float_values(a: Any) -> np.ndarray:
    """An operand as the float array its values are read as: integers below ``2**53`` exactly as
    float64; larger ones as NaN-free values no format below float64 holds (so the conversion term
    is kept, which covers them)."""
    a = np.asarray(a)
    if a.dtype.kind not in "biu":
        return a
    if a.size and np.abs(a.astype(object)).max() > 2**53:
        return np.full(a.shape, 1 + 2.0**-52)  # not representable in any narrower format
    return a.astype(np.float64)


def _reference_abs(reference: Any, shape: tuple) -> np.ndarray:
    """``|reference| (1 + 2**-52)``: the exact result may come rounded to float64 (half an ulp each way).

    >>> _reference_abs([[1, -2]], (2,))
    Traceback (most recent call last):
    ValueError: error_bound: reference=[[1, -2]] has shape (1, 2); expected the op's output shape (2,)
    """
    func = "error_bound"
    try:
        ref = np.asarray(reference)
        if ref.dtype.kind not in "biufO":
            raise TypeError
        # float(v) per object element: numpy would turn a None into NaN.
        ref = np.array([float(v) for v in ref.ravel()]).reshape(ref.shape) if ref.dtype.kind == "O" else ref
        ref = ref.astype(np.float64)
    except (TypeError, ValueError):
        raise fail(
            func, "reference", reference, "is not an array of real numbers", "the exact result", TypeError
        ) from None
    if ref.shape != shape:
        raise fail(func, "reference", reference, f"has shape {ref.shape}", f"the op's output shape {shape}")
    return np.abs(ref) * (1 + 2 * _U64)


def _direct(fn, ops, kwargs, arith, out_fmt, reference) -> Bound:
    x, w, bias = ops
    # M must carry only float64 rounding errors of a sum of products: refconv's direct method.
    kwargs = dict(kwargs, method="direct")
    acc = arith.accumulate
    out_fmt = arith.output or out_fmt
    u_acc = acc.u(arith.accumulate_rounding)
    u_out = 0.0 if (out_fmt.p >= acc.p and out_fmt.e_max >= acc.e_max) else out_fmt.u("rn")
    mags = [None if a is None else np.abs(np.asarray(a, dtype=np.float64)) for a in ops]
    with np.errstate(over="ignore"):  # |x| (*) |w| may overflow float64: the bound is inf there
        M64 = np.asarray(_run(fn, mags, kwargs, np.float64))
    n = _nonzero_products(fn, ops, kwargs)
    m = float(n.max(initial=0)) + 1
    with np.errstate(over="ignore"):
        M = (M64 + m * _ETA64) / (1 - float(gamma(m, _U64)))
    u_x, u_w = _input_terms(arith, [x, w])
    assumptions = ["any summation order", _flush_assumption(arith)]
    terms_n = 3 * n if arith.split == "bf16x3" else n  # products in the sum
    bracket = _bracket(arith, acc, n, u_acc, u_x, u_w)
    ref_abs = None if reference is None else _reference_abs(reference, M.shape)  # refused here if malformed
    with np.errstate(over="ignore", invalid="ignore"):
        value = np.asarray(bracket * M, dtype=np.float64)
        value += n * acc.eta
        if u_out:
            y_abs = M if ref_abs is None else np.minimum(M, ref_abs)
            value = (1 + u_out) * value + u_out * y_abs
        underflow_in = 0.0
        if arith.inputs is not None and (u_x or u_w):
            value = value + _conversion_underflow(fn, mags, kwargs, arith, bracket, u_x, u_w)
            underflow_in = arith.inputs.eta
        flush = _flush_terms(
            arith, acc, out_fmt, u_out, 2 * terms_n - 1, terms_n, _daz_mass(fn, ops, mags, kwargs, arith)
        )
        if np.any(flush):
            value = value + flush
        # An output without a nonzero product is an exact zero in any arithmetic: its bound is 0.
        value *= _SAFETY
        value += _TINY
        value[n == 0] = 0.0
    limits = [acc.realmax, out_fmt.realmax] + ([arith.inputs.realmax] if arith.inputs else [])
    overflow = ~np.isfinite(M) | (M >= min(limits))
    if overflow.any():
        value = np.where(overflow, np.inf, value)
        assumptions.append(f"overflow possible at {int(overflow.sum())} outputs: bound is inf there")
    source = (
        "k*u, any order (Jeannerod & Rump, SIMAX 34(2) 2013)"
        if arith.accumulate_rounding == "rn"
        else "gamma_k, any order, u = 2**(1-p) (Higham 2002 §3.1, §4.2)"
    ) + "; nonzero-product count and underflow term [derived], notes §1.1, §1.5"
    terms = dict(
        M=M, n=n, u_acc=u_acc, u_out=u_out, u_x=u_x, u_w=u_w, eta_in=underflow_in, bracket=bracket, flush=flush
    )
    return Bound(
        np.asarray(value, dtype=np.float64), "componentwise", "direct", arith, source, tuple(assumptions), terms
    )


def _bracket(arith: Arithmetic, acc: Format, n: np.ndarray, u_acc: float, u_x: float, u_w: float) -> Any:
    """The relative factor of ``M`` in the direct bound: the products' and the sum's roundings."""
    if arith.split == "bf16x3":
        return 3 * 2.0**-16 + gamma(3 * n, u_acc)
    products_exact = arith.inputs is not None and 2 * arith.inputs.p <= acc.p
    k = np.maximum(n - 1, 0) if products_exact else n
    # Under FTZ the model has an absolute term per operation: Higham's gamma_k, not k*u.
    c = k * u_acc if arith.accumulate_rounding == "rn" and not arith.ftz else gamma(k, u_acc)
    # (1+u_x)(1+u_w)(1+c) - 1 expanded into non-negative monomials: no cancellation.  (At layer
    # scale each array pass costs a fraction of the convolution: skip the zero terms.)
    return c if not (u_x or u_w) else u_x + u_w + c + u_x * u_w + (u_x + u_w) * c + u_x * u_w * c


def _conversion_underflow(fn, mags: list, kwargs: dict, arith: Arithmetic, bracket: Any, u_x: float, u_w: float):
    """Converting an operand into ``arith.inputs`` may underflow: ``|x^ - x| <= u|x| + eta_in``
    per operand [derived]; the ``eta_in`` part, carried through the products and the sum."""
    eta, term = arith.inputs.eta, 0.0
    if u_x:
        ones = np.ones(mags[0].shape)
        term = term + (1 + bracket) * eta * np.asarray(_run(fn, [ones, mags[1], None], kwargs, np.float64))
    if u_w:
        ones = np.ones(mags[1].shape)
        term = term + (1 + bracket) * eta * np.asarray(_run(fn, [mags[0], ones, None], kwargs, np.float64))
    return term


def _flush_assumption(arith: Arithmetic) -> str:
    flags = [name for name in ("ftz", "daz") if getattr(arith, name)]
    return "no FTZ/DAZ" if not flags else " and ".join(f.upper() for f in flags) + " modelled"


def _enclosed(fn, ops, kwargs) -> np.ndarray:
    """An upper bound of refconv's op on non-negative float64 ``ops``, as ``M`` is enclosed."""
    with np.errstate(over="ignore"):
        value = np.asarray(_run(fn, ops, kwargs, np.float64), dtype=np.float64)
    m = float(_nonzero_products(fn, ops, kwargs).max(initial=0)) + 2
    with np.errstate(over="ignore"):
        return (value + m * _ETA64) / (1 - float(gamma(m, _U64)))


def _subnormal(a: np.ndarray, fmt: Format) -> np.ndarray:
    """Where ``a`` is nonzero and below ``fmt``'s smallest normal: what DAZ reads as 0."""
    mag = np.abs(np.asarray(a, dtype=np.float64))
    return (mag != 0) & (mag < fmt.realmin)


def _daz_flushed(a: np.ndarray, arith: Arithmetic) -> np.ndarray:
    """Where DAZ reads operand ``a`` as 0 (an integer operand has no subnormals)."""
    if arith.inputs is None and a.dtype.kind in "biu":
        return np.zeros(a.shape, dtype=bool)
    return _subnormal(a, arith.inputs or dtype_format("error_bound", a.dtype))


def _daz_mass(fn, ops, mags, kwargs, arith: Arithmetic) -> Any:
    """``D_i``: the sum of ``|x_t w_t|`` (and ``|b|``) over the products with an operand that DAZ
    reads as zero, below the smallest normal of ``arith.inputs`` (else of the operand's own
    dtype); 0 without DAZ.  Each such product is lost whole from the sum [derived here]."""
    if not arith.daz:
        return 0.0
    flushed = [None if a is None else m * _daz_flushed(a, arith) for a, m in zip(ops, mags)]
    if not any(f is not None and f.any() for f in flushed):
        return 0.0
    x_side = _enclosed(fn, [flushed[0], mags[1], flushed[2]], kwargs)
    return x_side + _enclosed(fn, [mags[0], flushed[1], None], kwargs)


def _flush_terms(arith: Arithmetic, acc: Format, out_fmt: Format, u_out: float, ops: Any, depth: Any, daz) -> Any:
    """The absolute terms of device arithmetic, added to the bound [derived here]:

    * the stored output's own underflow where it rounds into a narrower format: ``eta_out / 2``
      (Higham 2002 §2.2, model (2.8): ``fl(x) = x(1 + d) + e``, ``|e| <= u * realmin = eta / 2``),
      or ``realmin_out`` when that rounding may flush (FTZ);
    * FTZ: each of the ``ops`` operations (products and additions) may give ``r(1 + d) + e`` with
      ``|e| < realmin_acc`` (a flushed result loses ``|r| < realmin``), and ``e`` is carried through
      at most ``depth`` later roundings: ``(1 + u_out)(1 + gamma_depth(u_acc)) * ops * realmin_acc``;
    * DAZ: the products lost whole, ``(1 + u_out) * daz``.
    """
    out_under = (out_fmt.realmin if arith.ftz else out_fmt.eta / 2) if u_out else 0.0
    term = out_under + (1 + u_out) * np.asarray(daz, dtype=np.float64)
    if arith.ftz:
        u_acc = acc.u(arith.accumulate_rounding)
        term = term + (1 + u_out) * (1 + gamma(depth, u_acc)) * np.maximum(ops, 0) * acc.realmin
    return term


def _avg_pool(fn, x, params, arith, out_fmt, reference) -> Bound:
    acc = arith.accumulate
    out_fmt = arith.output or out_fmt
    u_acc = acc.u(arith.accumulate_rounding)
    u_out = 0.0 if out_fmt.p >= acc.p else out_fmt.u("rn")
    k = np.asarray(fn((x != 0).astype(np.int64), **dict(params, divisor_override=1))).astype(np.float64)
    m = float(k.max(initial=0)) + 2
    # A window sum of |x| (or its enclosure) may overflow float64: the bound is inf there.
    with np.errstate(over="ignore"):
        mean_abs = np.asarray(fn(np.abs(x.astype(np.float64)), **params))
        mean_abs = (mean_abs + m * _ETA64) / (1 - float(gamma(m, _U64)))
    y_abs = mean_abs if reference is None else _reference_abs(reference, mean_abs.shape)
    daz = 0.0
    if arith.daz:  # the flushed cells' mean magnitude, enclosed as mean_abs is
        with np.errstate(over="ignore"):
            daz = np.asarray(fn(np.abs(x.astype(np.float64)) * _daz_flushed(x, arith), **params))
            daz = (daz + m * _ETA64) / (1 - float(gamma(m, _U64)))
    with np.errstate(over="ignore", invalid="ignore"):
        value = (1 + u_out) * gamma(k + 1, u_acc) * mean_abs + u_out * y_abs + (1 + u_out) * (k + 1) * acc.eta
        # k - 1 additions and a division: k operations, each carried through at most k + 1 roundings.
        value = value + _flush_terms(arith, acc, out_fmt, u_out, k, k + 1, daz)
        value = value * _SAFETY + _TINY
        # A partial sum of the window may overflow the accumulator (float16: 6e4 + 6e4): no finite
        # bound holds there, as in the direct bound.  The window sum of |x| bounds every partial sum.
        window_sum = np.asarray(fn(np.abs(x.astype(np.float64)), **dict(params, divisor_override=1)))
        overflow = ~np.isfinite(window_sum) | (window_sum * (1 + m * _U64) >= acc.realmax)
        overflow |= mean_abs >= out_fmt.realmax  # the mean itself past the stored format
    assumptions = ("any summation order",) + ((_flush_assumption(arith),) if arith.ftz or arith.daz else ())
    if overflow.any():
        value = np.where(overflow, np.inf, value)
        assumptions += (f"overflow possible at {int(overflow.sum())} outputs: bound is inf there",)
    source = "gamma_{k+1} for k-1 additions and a division by the divisor [derived], Higham 2002 §4.2, notes §5"
    return Bound(
        value, "componentwise", "direct", arith, source, assumptions, dict(M=mean_abs, n=k, u_acc=u_acc, u_out=u_out)
    )
