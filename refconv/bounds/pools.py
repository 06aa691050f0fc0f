"""Error bounds of the Lp and weighted pools (and, through :func:`refconv.exact._pools.windowed`,
their global forms), componentwise, for an implementation computing in ``arithmetic.accumulate``.
Both are **[derived here]** from the standard model (Higham 2002, §2.2 and §3.1) and tested
numerically in ``tests/test_checkable_ops.py`` (they hold for refconv's own float computation on
generated inputs and fail for broken ones).

Weighted pooling ``y = N / D``, ``N = sum w_t v_t``, ``D = sum w_t`` over a window's input cells,
``w >= 0``.  With ``K`` the nonzero weights (a bound on the products and on the terms of ``D``),
``c = K u`` (any order, Jeannerod & Rump 2013; ``gamma_K(u)`` under truncation), ``u_x, u_w`` the
rounding of ``x`` and of the weights into the arithmetic (0 when representable)::

    |N^ - N| <= [(1+u_x)(1+u_w)(1+c) - 1] * sum w|v| + K eta        (products may underflow)
                + (1+u_w)(1+c) eta_in sum w                       (x read below normal)
    D^ = D (1 + beta),  |beta| <= b = (1+u_w)(1+(K-1)u) - 1            (non-negative terms)
    |N^/D^ - y| <= ([..] Mbar + K eta / w_min + (1+u_w)(1+c) eta_in + b |y|) / (1 - b),   Mbar = sum w|v| / D >= |y|

then the division's rounding (``u |q| + eta/2``) and the output's (``(1+u_out) E + u_out |y| +
eta_out/2``) as in :func:`refconv.bounds.error_bound`'s direct bound.  ``Mbar`` is refconv's
float64 weighted pool of ``|x|``, enclosed as ``M`` is there.

Lp pooling ``y = S**r``, ``S = sum |v|**p``, ``r = 1/p``.  Assumed: ``pow`` is faithful (error
below one ulp, ``2u`` relative; exact when the result is representable: ``p = 1``), as the GNU C
Library documents for ``pow``/``powf`` on x86-64 (glibc manual, "Known Maximum Errors in Math
Functions"); ``sqrt`` is correctly rounded (IEEE 754).  With ``n`` nonzero cells::

    |S^ - S| <= A = [(1+e_pow)(1+c) - 1] S + (1+c) n (eta + s),   c = (n-1) u,  e_pow = phi_p(u_x) + 2u
    |S^**r - S**r| <= D = S**r phi_r(A/S)   (A < S),  else A**r (r <= 1) or r (S+A)**(r-1) A (r > 1)
    phi_r(t) = max((1+t)**r - 1, 1 - (1-t)**r) <= r t (1+t)**(r-1) (r >= 1), r t / (1-t) (r < 1)

where ``s`` is the error of one ``|v|**p`` whose ``v`` underflows when read into the input
format (absolutely, by up to its ``eta_in``; :func:`_underflow_of_power`), 0 when ``x`` is read
exactly.  The exponent ``1/p`` is itself rounded (unless it is a power of two): ``S^**(r(1+e))`` is
``S^**r (1 + X)``, ``|X| <= expm1(r u L)`` with ``L`` the largest ``|ln S^|``.  The root's own
rounding (``2u``, ``u`` for ``sqrt``: ``2u`` covers both) and underflow (``eta``) follow, then the
output's rounding.  ``S`` is enclosed from refconv's float64 window sum of ``|x|**p`` (its own
pow and sum errors, ``gamma_{n+2}(2**-53)``, and ``n 2**-1074`` of underflow).  ``p = inf`` is
``max |v|``: exact, bound 0.  Where ``S`` or ``sum w|v|`` may overflow the arithmetic, the bound is
``inf``.  Flush-to-zero arithmetics are refused: no bound here models them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import fail
from ..pooling import avg_pool, weighted_pool
from .direct import _SAFETY, _TINY, Bound, _reference_abs
from .formats import Arithmetic, Format, gamma, representable

__all__ = ["pool_bound"]

_U64 = 2.0**-53
_ETA64 = 2.0**-1074


def pool_bound(form, x: np.ndarray, params: dict, arith: Arithmetic, out_fmt: Format, reference: Any) -> Bound:
    """The bound of a windowed Lp (``form.kind == "norm"``) or weighted pool call ``params``."""
    if arith.ftz or arith.daz:
        raise fail(
            "error_bound",
            "arithmetic",
            arith.name,
            f"flushes subnormals: no {form.name} bound models it",
            "an arithmetic without ftz/daz",
        )
    x = np.asarray(x)
    if form.kind == "norm":
        return _lp_bound(x, dict(params), arith, out_fmt, reference)
    return _weighted_bound(x, dict(params), arith, out_fmt, reference)


def _terms(arith: Arithmetic, out_fmt: Format) -> tuple[Format, Format, float, float]:
    acc = arith.accumulate
    out_fmt = arith.output or out_fmt
    u_out = 0.0 if (out_fmt.p >= acc.p and out_fmt.e_max >= acc.e_max) else out_fmt.u("rn")
    return acc, out_fmt, acc.u(arith.accumulate_rounding), u_out


def _sum_rel(k: Any, u: float, arith: Arithmetic) -> Any:
    """The relative error of a sum of ``k + 1`` non-negative terms (``k`` additions), any order."""
    k = np.maximum(k, 0)
    return k * u if arith.accumulate_rounding == "rn" else gamma(k, u)


def _input_u(a: np.ndarray, arith: Arithmetic, fmt: Format) -> float:
    """``u`` of reading ``a`` in ``fmt`` (the arithmetic's inputs, else its accumulator): 0 when exact."""
    return 0.0 if representable(np.asarray(a, dtype=np.float64), fmt) else fmt.u(arith.input_rounding)


def _finish(value, n, y_abs, acc, out_fmt, u_out, M_over, limit_note, source, arith, terms) -> Bound:
    """The output's rounding, the safety margins, exact zeros and the overflow rule."""
    with np.errstate(over="ignore", invalid="ignore"):
        value = (1 + u_out) * value + u_out * y_abs + (out_fmt.eta / 2 if u_out else 0.0)
        value = np.where(n > 0, value * _SAFETY + _TINY, 0.0)
    assumptions = ["any summation order", limit_note]
    overflow = ~np.isfinite(M_over) | (M_over >= min(acc.realmax, out_fmt.realmax))
    if overflow.any():
        value = np.where(overflow, np.inf, value)
        assumptions.append(f"overflow possible at {int(overflow.sum())} outputs: bound is inf there")
    return Bound(
        np.asarray(value, dtype=np.float64), "componentwise", "direct", arith, source, tuple(assumptions), terms
    )


def _window_sum(a: np.ndarray, params: dict) -> np.ndarray:
    """refconv's own window sums (avg_pool with divisor 1: the pool's windows, padding zero)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(avg_pool(a, divisor_override=1, **params)).astype(np.float64)


def _phi(t: Any, r: float) -> Any:
    """An upper bound of ``max((1+t)**r - 1, 1 - (1-t)**r)`` for ``0 <= t < 1``."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return r * t * (1 + t) ** (r - 1) if r >= 1 else r * t / (1 - t)


def _underflow_of_power(fmt: Format, p: float, ulp: float) -> float:
    """A bound on ``| |v^|**p - |v|**p |`` (after a faithful pow) where reading ``v`` into ``fmt``
    underflows: below ``fmt``'s normal range the rounding error is absolute, at most ``eta``, and
    ``|v|, |v^| <= realmin``; the mean value theorem (``p >= 1``) or Hoelder (``p < 1``) bounds the power."""
    eta = fmt.eta
    if p >= 1:
        return p * (fmt.realmin + eta) ** (p - 1) * eta * (1 + ulp)
    return eta**p * (1 + ulp)


def _lp_bound(x: np.ndarray, params: dict, arith: Arithmetic, out_fmt: Format, reference: Any) -> Bound:
    p = params.pop("p")
    acc, out_fmt, u, u_out = _terms(arith, out_fmt)
    n = _window_sum((x != 0).astype(np.int64), params)
    if p == math.inf:  # max |v|: exact
        return Bound(np.zeros(n.shape), "componentwise", "direct", arith, "max |v| is exact", (), {"n": n})
    pf, r = float(p), 1 / float(p)
    ulp = 2 * acc.u("rn")  # one ulp, relative: a faithful pow or root (rounded either way)
    e_pow = 0.0 if pf == 1 else ulp
    u_x = _input_u(x, arith, arith.inputs or acc)
    if u_x:
        e_pow = e_pow + float(_phi(u_x, pf)) * (1 + e_pow)
    sub = _underflow_of_power(arith.inputs or acc, pf, ulp) if u_x else 0.0
    with np.errstate(over="ignore"):
        S64 = _window_sum(np.abs(x.astype(np.float64)) ** pf, params)
    g = float(gamma(float(n.max(initial=0)) + 2, _U64))
    with np.errstate(over="ignore"):  # an enclosure past float64's range is inf, and so is the bound
        S_hi = (S64 + n * _ETA64) / (1 - g)
    S_lo = np.maximum((S64 - n * _ETA64) * (1 - g), 0.0)
    c = _sum_rel(n - 1, u, arith)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        A = (e_pow + c + e_pow * c) * S_hi + (1 + c) * n * (acc.eta + sub)
        Y = S_hi**r * (1 + 2.0**-50)  # >= y: float64 pow is faithful
        # Near: a relative perturbation t = A/S < 1 of S; far (any A): Hoelder (r <= 1) or the mean value theorem.
        t = np.where(S_lo > 0, A / np.where(S_lo > 0, S_lo, 1.0), np.inf)
        far = r * (S_hi + A) ** (r - 1) * A if r > 1 else A**r
        near = Y * _phi(np.where(t < 1, t, 0.0), r)
        D = np.where(t < 1, np.minimum(near, far), far)
        # The exponent 1/p rounded into the accumulator (exact for a power of two).
        e_r = 0.0 if math.frexp(r)[0] == 0.5 else acc.u(arith.accumulate_rounding)
        low = np.maximum(S_lo - A, acc.eta)
        L = np.maximum(np.abs(np.log(low)), np.abs(np.log(S_hi + A))) * (1 + 2.0**-40) + 1e-12
        X = np.expm1(r * e_r * L) * (1 + 2.0**-40)
        e_root = 0.0 if pf == 1 else ulp
        value = D + (Y + D) * (X + e_root + X * e_root) + (acc.eta if pf != 1 else 0.0)
    y_abs = Y if reference is None else np.minimum(Y, _reference_abs(reference, Y.shape))
    source = "[derived here] from the standard model and faithful pow (glibc), refconv.bounds.pools"
    terms = dict(S=S_hi, n=n, A=A, D=D, X=X, u_acc=u, u_out=u_out)
    with np.errstate(over="ignore"):
        M_over = S_hi * (1 + e_pow) * (1 + c)
    return _finish(value, n, y_abs, acc, out_fmt, u_out, M_over, "faithful pow", source, arith, terms)


def _weighted_bound(x: np.ndarray, params: dict, arith: Arithmetic, out_fmt: Format, reference: Any) -> Bound:
    kernel_size, weight = params.pop("kernel_size"), params.pop("weight")
    acc, out_fmt, u, u_out = _terms(arith, out_fmt)
    with np.errstate(over="ignore", invalid="ignore"):
        Mbar64 = np.asarray(weighted_pool(np.abs(x.astype(np.float64)), kernel_size, weight, **params))
        # Which outputs have a nonzero product: an exact zero otherwise, in any arithmetic.
        hit = np.asarray(weighted_pool((x != 0).astype(np.float64), kernel_size, weight, **params))
    w = _weight_table(x, kernel_size, weight, params)
    K = int(np.count_nonzero(w))
    w_min = float(w[w > 0].min(initial=np.inf))
    u_x = _input_u(x, arith, arith.inputs or acc)
    u_w = _input_u(w, arith, arith.inputs or acc)
    if u_w and w_min < (arith.inputs or acc).realmin:
        u_w = math.inf  # a weight that underflows when rounded: no relative bound
    g = float(gamma(2 * K + 2, _U64))
    with np.errstate(over="ignore"):  # an enclosure past float64's range is inf, and so is the bound
        Mbar = (Mbar64 + K * _ETA64 / w_min) / (1 - g)
    c = float(_sum_rel(K, u, arith))
    bracket = u_x + u_w + c + u_x * u_w + (u_x + u_w) * c + u_x * u_w * c
    c_den = float(_sum_rel(K - 1, u, arith))
    b = u_w + c_den + u_w * c_den
    # x read below the input format's normal range errs by up to eta absolutely: each product by
    # w eta, their sum over a window by (1+u_w)(1+c) eta D at most, the quotient by that over D.
    sub = (1 + u_w) * (1 + c) * (arith.inputs or acc).eta if u_x else 0.0
    y_abs = Mbar if reference is None else np.minimum(Mbar, _reference_abs(reference, Mbar.shape))
    with np.errstate(over="ignore", invalid="ignore"):
        E = (bracket * Mbar + K * acc.eta / w_min + sub + b * y_abs) / (1 - b) if b < 1 else np.full(Mbar.shape, np.inf)
        value = E + u * (y_abs + E) + acc.eta / 2  # the division's rounding and underflow
        n = (hit != 0).astype(np.float64)
        M_over = Mbar * float(w.sum())
    source = "[derived here] from the standard model, refconv.bounds.pools"
    terms = dict(M=Mbar, K=K, w_min=w_min, bracket=bracket, b=b, u_acc=u, u_out=u_out)
    return _finish(value, n, y_abs, acc, out_fmt, u_out, M_over, "weights as given", source, arith, terms)


def _weight_table(x: np.ndarray, kernel_size: Any, weight: Any, params: dict) -> np.ndarray:
    """The weight of each tap as refconv's float path computes it (float64)."""
    from ..pooling._weighted import _weights
    from ..pooling._windows import _setup

    geometry = {k: params[k] for k in ("stride", "padding", "dilation", "pad_rule") if k in params}
    _, spec, _ = _setup("error_bound", x, kernel_size, params.get("axes"), **geometry)
    return np.asarray(_weights("error_bound", weight, spec.kernel_shape, spec.dilation, exact=False), np.float64)
