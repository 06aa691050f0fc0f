"""Every op checkable: the Lp, weighted and global pools and conv_transpose's output_padding.

For each op: hand-derived exact values, refconv's own float implementation passes ``check``, and
broken implementations (wrong p, wrong divisor, dropped padding, flipped or ignored weights, a
float16 intermediate, output_padding ignored) are caught with small counterexamples.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import refconv
from refconv import error_bound, exact
from refconv import pooling as P
from refconv.exact import OPS, exact_value
from refconv.strategies._spaces import STRATEGIES, Options

NEW_OPS = ("lp_pool", "weighted_pool", "global_avg_pool", "global_max_pool", "global_lp_pool", "global_weighted_pool")
QUICK = settings(database=None, phases=[Phase.generate], max_examples=2000)


def _brackets(f: float, dtype, power, target: Fraction) -> bool:
    """``f`` is the correctly rounded root of ``power(v) == target``: the midpoints to its neighbours
    bracket it (``power`` increasing), so no other float of ``dtype`` is nearer."""
    lo = Fraction(float(np.nextafter(dtype(f), dtype(-np.inf))))
    hi = Fraction(float(np.nextafter(dtype(f), dtype(np.inf))))
    v = Fraction(f)
    return power((lo + v) / 2) < target < power((v + hi) / 2)


# --- exact values, derived by hand -------------------------------------------------------------


def test_lp_exact_values_by_hand():
    # [3, 4] has norm 5 exactly; the clipped ceil-mode window [1] has norm 1.
    assert exact_value("lp_pool", np.array([3.0, -4.0, 1.0]), 2, 2, ceil_mode=True)[1].tolist() == [5, 1]
    # p = 1 is the sum of magnitudes, exact: 0.5 + 0.25 + 2**-30.
    (v,) = exact_value("lp_pool", np.array([0.5, -0.25, 2.0**-30]), 1, 3)[1]
    assert v == Fraction(3, 4) + Fraction(1, 2**30)
    # sqrt(2) correctly rounded (IEEE sqrt is): float32 and float64.
    for dt in (np.float32, np.float64):
        got = exact("lp_pool", np.ones(2, dt), 2, 2)
        assert got.dtype == dt and got[0] == np.sqrt(dt(2))
    # cbrt(2) (p = 3) and 2**(2/3) (p = 1.5, [1, 1]): the neighbours' midpoints bracket the root.
    for dt in (np.float16, np.float32, np.float64):
        (f,) = exact("lp_pool", np.ones(2, dt), 3, 2)
        assert _brackets(float(f), dt, lambda v: v**3, 2)
        (g,) = exact("lp_pool", np.ones(2, dt), 1.5, 2)
        assert _brackets(float(g), dt, lambda v: v**3, 4)  # (2**(2/3))**3 == 4
    # p = 1/2 on [1, 4]: (1 + 2)**2 = 9, exactly.
    assert exact_value("lp_pool", np.array([1.0, 4.0]), 0.5, 2)[1].tolist() == [9]


def test_weighted_and_global_exact_values_by_hand():
    # Windows [1, 2] and [2, 3] with weights [1, 3]: (1 + 6)/4 and (2 + 9)/4.
    got = exact_value("weighted_pool", np.array([1.0, 2.0, 3.0]), 2, np.array([1.0, 3.0]), stride=1)[1]
    assert got.tolist() == [Fraction(7, 4), Fraction(11, 4)]
    # Padding is ignored: the window [pad, 1, 2] with weights [5, 1, 1] is (1 + 2)/2.
    got = exact_value("weighted_pool", np.array([1.0, 2.0]), 3, np.array([5.0, 1.0, 1.0]), padding=1, stride=2)[1]
    assert got.tolist() == [Fraction(3, 2)]
    assert exact_value("global_weighted_pool", np.array([1.0, 5.0, 3.0]), np.array([1.0, 2.0, 1.0]))[1].tolist() == [
        Fraction(7, 2)
    ]
    assert exact_value("global_avg_pool", np.array([[1.0, 2.0], [3.0, 5.0]]))[1].tolist() == [[Fraction(11, 4)]]
    assert exact_value("global_lp_pool", np.array([[3.0, 0.0], [0.0, -4.0]]), 2)[1].tolist() == [[5]]
    assert exact("global_max_pool", np.array([[3.0, 7.5], [0.0, -4.0]])).tolist() == [[7.5]]
    # 1/3 is not a float: the exact mean of [1, 0, 0] rounds once to float32.
    assert exact("global_avg_pool", np.array([1.0, 0.0, 0.0], np.float32))[0] == np.float32(1 / 3)


def test_non_finite_inputs_give_ieee_classes():
    kind, value = exact_value("lp_pool", np.array([3.0, np.inf, 1.0, np.nan]), 2, 2)
    assert math.isinf(value[0]) and value[0] > 0 and math.isnan(value[1])
    kind, value = exact_value("weighted_pool", np.array([np.inf, -np.inf, 1.0]), 2, np.array([1.0, 0.0]), stride=1)
    # inf*1 + (-inf)*0 is NaN (0 * inf); -inf*1 + 1*0 is -inf.
    assert math.isnan(value[0]) and value[1] == -math.inf


# --- refconv's own implementation passes ------------------------------------------------------


@pytest.mark.parametrize("op", NEW_OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_refconv_passes_check(op, dtype):
    result = refconv.check(getattr(P, op), op, dtype=dtype, max_examples=40)
    assert result.passed, result
    assert OPS[op].resolve() is getattr(P, op)


def test_refconv_float16_lp_and_weighted_pass():
    for op in ("lp_pool", "weighted_pool"):
        result = refconv.check(getattr(P, op), op, dtype="float16", max_examples=30)
        assert result.passed, result


@settings(deadline=None)
@given(data=st.data())
def test_lp_and_weighted_bounds_hold_for_refconv(data):
    op = data.draw(st.sampled_from(["lp_pool", "weighted_pool", "global_lp_pool", "global_weighted_pool"]))
    dtype = data.draw(st.sampled_from([np.float16, np.float32, np.float64]))
    args, kwargs = data.draw(STRATEGIES[op](Options(np.dtype(dtype), stage="tiny")))
    try:
        y = getattr(P, op)(*args, **kwargs)
    except ValueError:  # a window whose input cells all weigh zero: refused, outside the space
        return
    ref = exact(op, *args, dtype=np.float64, **kwargs)
    bound = error_bound(*args, op=op, **kwargs).value
    err = np.abs(y.astype(np.float64) - ref)
    # float64 references are rounded: compare with half an ulp of slack.
    assert (err <= bound + np.abs(ref) * 2.0**-53).all()


# --- broken implementations are caught ---------------------------------------------------------


def _caught(impl, op, dtype="float32", max_examples=100, cells=12):
    result = refconv.check(impl, op, dtype=dtype, max_examples=max_examples)
    assert not result.passed, result
    assert result.counterexample.size <= cells, result
    return result


def _f16(f):
    """``f`` computed through a float16 intermediate (an accumulator too narrow)."""
    return lambda x, *a, **k: f(x.astype(np.float16), *a, **k).astype(x.dtype)


def _shorter(k):
    k = (k,) if isinstance(k, int) else tuple(k)
    return (max(1, k[0] - 1), *k[1:])


def test_broken_lp_pools_are_caught():
    # p ignored (always the Euclidean norm).
    _caught(lambda x, p, k, **kw: P.lp_pool(x, 2, k, **kw), "lp_pool")
    # Padding dropped.
    result = _caught(lambda x, p, k, **kw: P.lp_pool(x, p, k, **{**kw, "padding": 0}), "lp_pool")
    assert result.counterexample.kwargs["padding"] != 0
    # PyTorch's formula: no absolute value, and the full window size for a clipped ceil-mode window.
    _caught(P.lp_pool_torch, "lp_pool")
    # Off-by-one window: the first axis one tap short.
    _caught(lambda x, p, k, **kw: P.lp_pool(x, p, _shorter(k), **kw), "lp_pool")
    # A float16 intermediate (too narrow an accumulator).
    _caught(_f16(P.lp_pool), "lp_pool")
    _caught(lambda x, p, **kw: P.global_lp_pool(x, 2, **kw), "global_lp_pool")
    _caught(_f16(P.global_lp_pool), "global_lp_pool")


def test_broken_weighted_pools_are_caught():
    _caught(lambda x, k, w, **kw: P.weighted_pool(x, k, np.flip(w), **kw), "weighted_pool")
    _caught(lambda x, k, w, **kw: P.avg_pool(x, k, count_include_pad=False, **kw), "weighted_pool")
    _caught(_f16(P.weighted_pool), "weighted_pool")
    _caught(lambda x, w, **kw: P.global_avg_pool(x, **kw), "global_weighted_pool")


def test_broken_global_pools_are_caught():
    # Divided by the last axis's length only (the mean of the row sums' sum).
    _caught(lambda x: x.sum(keepdims=True) / x.shape[-1], "global_avg_pool")
    _caught(_f16(P.global_avg_pool), "global_avg_pool")
    _caught(lambda x: x.min(keepdims=True), "global_max_pool")
    _caught(lambda x: np.abs(x).max(keepdims=True), "global_max_pool")


def test_lp_p_inf_is_judged_exactly():
    x = np.array([1.0, -7.0, 3.0, 2.0], np.float32)
    assert error_bound(x, math.inf, 2, op="lp_pool").value.tolist() == [0.0, 0.0]
    with pytest.raises(AssertionError, match="lp_pool"):
        refconv.assert_conforms(np.array([7.0, np.nextafter(np.float32(3), 4)], np.float32), "lp_pool", x, math.inf, 2)


# --- conv_transpose: every output_padding -----------------------------------------------------


def test_conv_transpose_problems_draw_every_valid_output_padding():
    space = STRATEGIES["conv_transpose"](Options(np.dtype("float64"), ranks=(1,)))
    # output_padding < max(stride, dilation) (torch's rule): the largest value, through either.
    for by in ("stride", "dilation"):
        other = "dilation" if by == "stride" else "stride"

        def largest(t, by=by, other=other):
            kw = t[1]
            return kw[by][0] == 3 and kw[other][0] == 1 and kw["output_padding"][0] == 2

        args, kwargs = find(space, largest, settings=QUICK)
        refconv.conv_transpose(*args, **kwargs)  # valid: refconv (and torch's rule) takes it

    def never_too_large(t):
        kw = t[1]
        return any(o >= max(s, d) for o, s, d in zip(kw["output_padding"], kw["stride"], kw["dilation"]))

    from hypothesis.errors import NoSuchExample

    with pytest.raises(NoSuchExample):
        find(space, never_too_large, settings=settings(QUICK, max_examples=300))


def test_conv_transpose_ignoring_output_padding_is_caught():
    def broken(x, w, b, **kw):
        return refconv.conv_transpose(x, w, b, **{**kw, "output_padding": 0})

    result = _caught(broken, "conv_transpose", cells=16)
    assert any(v != 0 for v in result.counterexample.kwargs["output_padding"])
    assert refconv.check(refconv.conv_transpose, "conv_transpose", dtype="float32", max_examples=40).passed


# --- the Lp and weighted pool bounds are their documented formulas (refconv.bounds.pools) ------------
#
# Each formula is recomputed here from the module docstring of refconv.bounds.pools, in Fractions,
# over windows enumerated by hand (torch's rule, padded cells outside the input); refconv's value
# must lie between the formula and the formula times its documented 1 + 2**-40 margin (plus the
# few float64 evaluation errors and the enclosures of the window sums, all below ``slack``).

_F = refconv.bounds.FORMATS
_POOL_ARITHMETICS = [a for name, a in sorted(refconv.bounds.PRESETS.items()) if not (a.ftz or a.daz)] + [
    refconv.bounds.Arithmetic("as stored, accumulate in the dtype"),
    refconv.bounds.Arithmetic("f32 acc, f16 out", None, "rn", _F["f32"], "rn", _F["f16"]),
    refconv.bounds.Arithmetic("f16 in, truncated", _F["f16"], "rz", _F["f32"], "rz"),
]
_DTYPE_FORMAT = {"float16": _F["f16"], "float32": _F["f32"], "float64": _F["f64"]}
_PER_ARITHMETIC = settings(
    max_examples=max(5, settings.default.max_examples // 8)
)  # a share of the profile's, as in test_bounds


def _q(v) -> Fraction:
    return Fraction(float(v))


def _rel(k, u: Fraction, rounding: str) -> Fraction:
    """The relative error of ``k`` additions of non-negative terms: ``k u`` (RN), ``gamma_k(u)`` (RZ)."""
    k = max(k, 0)
    return k * u if rounding == "rn" else k * u / (1 - k * u)


def _representable(a, fmt) -> bool:
    """Every entry an integer multiple of ``fmt``'s quantum at its exponent, within range."""
    for v in np.ravel(a):
        f = abs(_q(v))
        if f == 0:
            continue
        e = f.numerator.bit_length() - f.denominator.bit_length()
        e = e if Fraction(2) ** e <= f else e - 1
        if (f / Fraction(2) ** (max(e, fmt.e_min) - fmt.p + 1)).denominator != 1 or f > _q(fmt.realmax):
            return False
    return True


def _pinned(got: float, formula: Fraction, slack: Fraction, where) -> None:
    got = Fraction(got)
    assert got >= formula, ("below the formula", where, float(got), float(formula))
    if formula == 0:
        assert got == 0, ("an exact zero got", where, float(got))
    elif formula < Fraction(2) ** -1000:  # subnormal in float64: refconv adds 2**-1070 instead of a ratio
        assert got <= formula + Fraction(2) ** -1060, ("a subnormal formula got", where, float(got), float(formula))
    else:
        ratio = got / (formula * (1 + Fraction(2) ** -40))
        assert ratio <= 1 + slack, ("above formula x margin", where, float(ratio - 1))


@st.composite
def _pool_problems(draw, weighted: bool):
    """``(x, kernel, kwargs, windows, shape)``: a pool over every axis of x; per output its
    ``(tap, cell)`` pairs inside the input (padding and dilation worked out here)."""
    nd = draw(st.sampled_from([1, 2]))
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    k = tuple(draw(st.lists(st.integers(1, 3), min_size=nd, max_size=nd)))
    dilation = draw(st.sampled_from([1, 2]))
    padding = draw(st.integers(0, min(k) // 2))
    stride = draw(st.sampled_from([1, 2]))
    shape = tuple(draw(st.integers(max(1, dilation * (kk - 1) + 1 - 2 * padding), 6)) for kk in k)
    values = st.sampled_from([0.0, 1.0, -1.5, 0.1, 3.0, -2.0 / 3, 1e-3, 2.5e-8])
    scale = draw(st.sampled_from([1.0, 2.0**-60])) if dtype != np.float16 else 1.0
    x = np.array(draw(st.lists(values, min_size=math.prod(shape), max_size=math.prod(shape)))) * scale
    x = x.reshape(shape).astype(dtype)
    outs = tuple((n + 2 * padding - dilation * (kk - 1) - 1) // stride + 1 for n, kk in zip(shape, k))
    windows = {}
    for index in np.ndindex(*outs):
        pairs = []
        for tap in np.ndindex(*k):
            cell = tuple(i * stride - padding + t * dilation for i, t in zip(index, tap))
            if all(0 <= c < n for c, n in zip(cell, shape)):
                pairs.append((tap, x[cell]))
        windows[index] = pairs
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    return x, k, kwargs, windows, outs


def _out_terms(arith, x):
    """``(acc, out, u, u_out)`` of a pool bound: the accumulator, the stored format, their roundoffs."""
    out_fmt = _DTYPE_FORMAT[x.dtype.name]
    acc, out = arith.accumulate or out_fmt, arith.output or out_fmt
    u_out = Fraction(0) if (out.p >= acc.p and out.e_max >= acc.e_max) else _q(out.u("rn"))
    return acc, out, _q(acc.u(arith.accumulate_rounding)), u_out


def _stored(value: Fraction, y_abs: Fraction, out, u_out: Fraction) -> Fraction:
    """The output's rounding: ``(1 + u_out) E + u_out |y| + eta_out / 2`` where it rounds."""
    return (1 + u_out) * value + u_out * y_abs + (_q(out.eta) / 2 if u_out else 0)


@pytest.mark.parametrize("arith", _POOL_ARITHMETICS, ids=lambda a: a.name)
@_PER_ARITHMETIC
@given(_pool_problems(weighted=True), st.data())
def test_weighted_pool_bound_is_its_documented_formula(arith, problem, data):
    # |N^/D^ - y| <= E = ([(1+u_x)(1+u_w)(1+c) - 1] Mbar + K eta / w_min + s + b |y|) / (1 - b), with K
    # the nonzero weights of the table, c = K u, b = (1+u_w)(1+(K-1)u) - 1 (gamma under RZ), Mbar =
    # sum w|v| / sum w over the window's input cells, s = (1+u_w)(1+c) eta_in where x is not read
    # exactly (an x below the input format's normal range errs by up to eta_in, absolutely); then the
    # division, u (|y| + E) + eta / 2, and the output's rounding.  An output without a nonzero
    # product is an exact zero.
    x, k, kwargs, windows, shape = problem
    weight = np.array(
        data.draw(
            st.lists(st.sampled_from([0.0, 0.5, 1.0, 1 / 3, 2.25, 0.1]), min_size=math.prod(k), max_size=math.prod(k))
        )
    )
    weight = weight.reshape(k)
    if any(sum(weight[tap] for tap, _ in pairs) == 0 for pairs in windows.values()):
        return  # a window whose input cells all weigh zero: refused by weighted_pool
    with_reference = data.draw(st.booleans())
    exact_y = {
        i: sum((_q(weight[t]) * _q(v) for t, v in pairs), Fraction(0)) / sum(_q(weight[t]) for t, _ in pairs)
        for i, pairs in windows.items()
    }
    reference = np.array([float(y) for y in exact_y.values()]).reshape(shape) if with_reference else None
    got = error_bound(x, k, weight, op="weighted_pool", arithmetic=arith, reference=reference, **kwargs)
    acc, out, u, u_out = _out_terms(arith, x)
    fmt = arith.inputs or acc
    u_x = Fraction(0) if _representable(x, fmt) else _q(fmt.u(arith.input_rounding))
    u_w = Fraction(0) if _representable(weight, fmt) else _q(fmt.u(arith.input_rounding))
    K = int(np.count_nonzero(weight))
    w_min = min(_q(v) for v in weight.ravel() if v > 0)
    c, c_den = _rel(K, u, arith.accumulate_rounding), _rel(K - 1, u, arith.accumulate_rounding)
    bracket = (1 + u_x) * (1 + u_w) * (1 + c) - 1
    b = (1 + u_w) * (1 + c_den) - 1
    eta = _q(acc.eta)
    assert got.value.shape == shape and (got.kind, got.method, got.terms["K"]) == ("componentwise", "direct", K)
    assert got.arithmetic.name == arith.name and got.arithmetic.accumulate == acc
    for index, pairs in windows.items():
        mbar = sum((_q(weight[t]) * abs(_q(v)) for t, v in pairs), Fraction(0)) / sum(_q(weight[t]) for t, _ in pairs)
        y_abs = abs(exact_y[index]) if with_reference else mbar
        sub = (1 + u_w) * (1 + c) * _q(fmt.eta) if u_x else 0  # x read below its format's normal range
        E = (bracket * mbar + K * eta / w_min + sub + b * y_abs) / (1 - b)
        formula = _stored(E + u * (y_abs + E) + eta / 2, y_abs, out, u_out)
        if not any(weight[t] != 0 and v != 0 for t, v in pairs):
            formula = Fraction(0)
        # Slack: Mbar enclosed by gamma_{2K+2}(2**-53), the reference by 2**-52, a dozen float64 roundings.
        _pinned(got.value[index], formula, Fraction(2 * K + 20, 2**53), index)


def test_weighted_pool_bound_is_infinite_for_a_weight_that_underflows_its_input_format():
    # A weight of 1e-6 rounded into float16 operands (smallest normal 2**-14) underflows: no relative
    # bound covers it, so the bound is inf; 2**-20, a float16 subnormal held exactly, does not round.
    x, weight = np.array([1.0, 2.0, 3.0], np.float32), np.array([1e-6, 1.0])
    f16 = error_bound(x, 2, weight, op="weighted_pool", arithmetic="F16_F16_F32")
    assert f16.value.tolist() == [math.inf]  # one window (stride = kernel)
    f32 = error_bound(x, 2, np.array([2.0**-20, 1.0]), op="weighted_pool", arithmetic="F16_F16_F32")
    assert np.isfinite(f32.value).all()
    # The smallest normal float16 (2**-14) as the smallest weight, another weight rounding: finite.
    assert np.isfinite(
        error_bound(x, 2, np.array([2.0**-14, 0.1]), op="weighted_pool", arithmetic="F16_F16_F32").value
    ).all()


def _lp_formula(cells, p: float, arith, acc, out, u, u_out, u_x, y_ref):
    """The Lp bound of one window (refconv.bounds.pools docstring), in 200-bit mpmath: ``S**r`` and
    the logarithms are irrational.  ``y_ref``: |y| from a reference (None: ``S**r`` itself).  Where
    ``x`` is not read exactly (``u_x``), a cell's ``|v|**p`` may also err by ``s``: below the input
    format's normal range reading ``v`` errs by up to ``eta_in``, and ``|v|, |v^| <= realmin``, so
    ``s = p (realmin + eta_in)**(p-1) eta_in`` (``p >= 1``) or ``eta_in**p``, times the pow's ulp."""
    import mpmath

    with mpmath.workprec(200):

        def mf(v):
            v = v if isinstance(v, Fraction) else _q(v)
            return mpmath.mpf(v.numerator) / v.denominator

        P, r = mf(p), 1 / mpmath.mpf(mf(p))
        n = sum(1 for v in cells if v != 0)
        if n == 0:
            return Fraction(0)
        eta, ulp = mf(acc.eta), 2 * mf(acc.u("rn"))  # a faithful pow or root: one ulp, 2u relative

        def phi(t, e):  # bounds max((1+t)**e - 1, 1 - (1-t)**e), 0 <= t < 1
            return e * t * (1 + t) ** (e - 1) if e >= 1 else e * t / (1 - t)

        e_pow = mpmath.mpf(0) if p == 1 else ulp
        if u_x:
            e_pow += phi(mf(u_x), P) * (1 + e_pow)
        S = mpmath.fsum(abs(mf(v)) ** P for v in cells)
        c = mf(_rel(n - 1, u, arith.accumulate_rounding))
        fmt = arith.inputs or acc
        e_in, low = mf(fmt.eta), mf(fmt.realmin)
        s = 0 if not u_x else (P * (low + e_in) ** (P - 1) * e_in if P >= 1 else e_in**P) * (1 + ulp)
        A = ((1 + e_pow) * (1 + c) - 1) * S + (1 + c) * n * (eta + s)
        far = r * (S + A) ** (r - 1) * A if r > 1 else A**r
        D = min(S**r * phi(A / S, r), far) if A < S else far
        e_r = 0 if mpmath.frexp(r)[0] == 0.5 else mf(acc.u(arith.accumulate_rounding))  # 1/p rounded
        L = max(abs(mpmath.log(max(S - A, eta))), abs(mpmath.log(S + A)))
        X = mpmath.expm1(r * e_r * L)
        e_root = 0 if p == 1 else ulp
        Y = S**r
        value = D + (Y + D) * (X + e_root + X * e_root) + (eta if p != 1 else 0)
        y_abs = Y if y_ref is None else min(Y, mf(y_ref))
        value = (1 + mf(u_out)) * value + mf(u_out) * y_abs + (mf(out.eta) / 2 if u_out else 0)
        man, exp = mpmath.mpf(value).man_exp
        return Fraction(int(man)) * Fraction(2) ** int(exp)


@pytest.mark.parametrize("arith", _POOL_ARITHMETICS, ids=lambda a: a.name)
@_PER_ARITHMETIC
@given(_pool_problems(weighted=False), st.sampled_from([1.0, 2.0, 3.0, 0.5, 1.5]), st.booleans())
def test_lp_pool_bound_is_its_documented_formula(arith, problem, p, with_reference):
    # A = [(1+e_pow)(1+c) - 1] S + (1+c) n eta, c = (n-1) u, e_pow = phi_p(u_x) + 2u; D = S**r phi_r(A/S)
    # (or the far bound, whichever is smaller); the rounded exponent 1/p, X = expm1(r u L); the
    # root's 2u and eta; the output's rounding.  n counts the window's nonzero cells.
    x, k, kwargs, windows, shape = problem
    exact_y = {i: sum(abs(_q(v)) ** 2 for _, v in pairs) for i, pairs in windows.items()}  # only for p = 2
    reference = None
    if with_reference and p == 2.0:
        reference = np.array([math.sqrt(float(y)) for y in exact_y.values()]).reshape(shape)
    got = error_bound(x, p, k, op="lp_pool", arithmetic=arith, reference=reference, **kwargs)
    acc, out, u, u_out = _out_terms(arith, x)
    fmt = arith.inputs or acc
    u_x = Fraction(0) if _representable(x, fmt) else _q(fmt.u(arith.input_rounding))
    assert got.value.shape == shape and (got.kind, got.method) == ("componentwise", "direct")
    assert got.arithmetic.name == arith.name and got.arithmetic.accumulate == acc
    for index, pairs in windows.items():
        cells = [v for _, v in pairs]
        y_ref = None if reference is None else Fraction(float(reference[index]))
        formula = _lp_formula(cells, p, arith, acc, out, u, u_out, u_x, y_ref)
        _pinned(got.value[index], formula * (1 - Fraction(2) ** -150), Fraction(2) ** -36, index)


def _lp_case(x, p: float, arith) -> Fraction:
    """:func:`_lp_formula` of the one window ``x``, with no reference (``|y| = S**r``)."""
    acc, out, u, u_out = _out_terms(arith, x)
    fmt = arith.inputs or acc
    u_x = Fraction(0) if _representable(x, fmt) else _q(fmt.u(arith.input_rounding))
    return _lp_formula(list(x), p, arith, acc, out, u, u_out, u_x, None)


@pytest.mark.parametrize(
    "cells, dtype, p, arith",
    [
        # float16 operands (eta_in = 2**-24): reading 2**-26 underflows, and |v|**(1/2) errs by up to
        # eta_in**(1/2) = 2**-12 > S = 2**-13, so t = A/S > 1 and D is the far bound r (S+A)**(r-1) A.
        ([2.0**-26], np.float32, 0.5, "F16_F16_F32"),
        ([2.0**-26, 2.0**-20], np.float32, 0.5, "F16_F16_F32"),
        # The same underflow for p = 2 (the mean value theorem's branch) and p = 1.
        ([2.0**-26, 1.0], np.float32, 2.0, "F16_F16_F32"),
        ([2.0**-26], np.float32, 1.0, "F16_F16_F32"),
    ],
)
def test_lp_pool_bound_is_its_formula_where_x_underflows_its_input_format(cells, dtype, p, arith):
    x = np.array(cells, dtype)
    arith = refconv.bounds.PRESETS[arith]
    got = error_bound(x, p, len(cells), op="lp_pool", arithmetic=arith).value[0]
    ratio = Fraction(float(got)) / (_lp_case(x, p, arith) * (1 + Fraction(2) ** -40))  # the documented margin
    assert 1 - Fraction(2) ** -48 <= ratio <= 1 + Fraction(2) ** -36, float(ratio - 1)


def test_lp_pool_bound_covers_a_sum_of_powers_in_float64s_subnormal_range():
    # p = 2 on 2**-530: S = 2**-1060, A = 2**-1074 (one term may underflow): t = A/S = 2**-14 and
    # D = S**(1/2) t / (2 (1 - t)), about 2**-545, far above float64's subnormal margins.  S is
    # enclosed by its own underflow (n 2**-1074) both ways: the bound must not shrink below D.
    got = Fraction(float(error_bound(np.array([2.0**-530]), 2.0, 1, op="lp_pool").value[0]))
    formula = _lp_case(np.array([2.0**-530]), 2.0, refconv.bounds.PRESETS["F64_F64_F64"])
    assert formula > Fraction(2) ** -546 and got >= formula


def test_lp_pool_bound_keeps_its_far_term_where_a_equals_s():
    # p = 1 on 2**-1073: the float64 enclosures give A = S_lo = 2**-1074 (t = 1): the bound is the
    # far term A = 2**-1074 (the formula's) plus the 2**-1070 margin of subnormal bounds, never less.
    got = Fraction(float(error_bound(np.array([2.0**-1073]), 1.0, 1, op="lp_pool").value[0]))
    formula = _lp_case(np.array([2.0**-1073]), 1.0, refconv.bounds.PRESETS["F64_F64_F64"])
    assert formula == Fraction(2) ** -1074 and got >= formula + Fraction(2) ** -1070


def test_pool_bounds_are_infinite_where_their_sums_may_overflow():
    # float16 accumulation: the weighted sum 6e4 + 6e4 (weights 1) and Lp's 200**2 + 200**2 pass
    # 65504, so those windows' bounds are inf and say so; half the values stay finite.
    note = "overflow possible at 1 outputs: bound is inf there"
    for op, args in (("weighted_pool", (2, np.ones(2))), ("lp_pool", (2.0, 2))):
        big = np.array([6e4, 6e4] if op == "weighted_pool" else [200.0, 200.0], np.float16)
        over = error_bound(big, *args, op=op) if op == "weighted_pool" else error_bound(big, args[0], args[1], op=op)
        assert over.value.tolist() == [math.inf] and over.assumptions[-1] == note, op
        small = big / 2
        fine = (
            error_bound(small, *args, op=op) if op == "weighted_pool" else error_bound(small, args[0], args[1], op=op)
        )
        assert np.isfinite(fine.value).all() and note not in fine.assumptions, op


def test_pool_bounds_state_their_sources_and_assumptions():
    x = np.array([1.0, -2.0, 3.0, 0.5], np.float32)
    lp = error_bound(x, 3.0, 2, op="lp_pool")
    assert lp.source == "[derived here] from the standard model and faithful pow (glibc), refconv.bounds.pools"
    assert lp.assumptions == ("any summation order", "faithful pow")
    assert sorted(lp.terms) == ["A", "D", "S", "X", "n", "u_acc", "u_out"] and lp.terms["n"].tolist() == [2, 2]
    # S encloses 1 + 8 and 27 + 1/8 from above; A, D, X are the positive parts of the bound.
    S = np.array([9, 27.125])
    assert (S <= lp.terms["S"]).all() and (lp.terms["S"] <= S * (1 + 2.0**-40)).all()
    assert all((lp.terms[k] > 0).all() and np.isfinite(lp.terms[k]).all() for k in ("A", "D", "X"))
    assert (lp.terms["u_acc"], lp.terms["u_out"]) == (2.0**-24, 0.0)
    weighted = error_bound(x, 2, np.array([1.0, 3.0]), op="weighted_pool")
    assert weighted.source == "[derived here] from the standard model, refconv.bounds.pools"
    assert weighted.assumptions == ("any summation order", "weights as given")
    assert sorted(weighted.terms) == ["K", "M", "b", "bracket", "u_acc", "u_out", "w_min"]
    assert (weighted.terms["K"], weighted.terms["w_min"], weighted.terms["u_acc"]) == (2, 1.0, 2.0**-24)
    # Representable x and weights: bracket = c = K u, b = (K - 1) u; float32 stored as computed.
    assert (weighted.terms["bracket"], weighted.terms["b"], weighted.terms["u_out"]) == (2.0**-23, 2.0**-24, 0.0)
    exact_max = error_bound(x, math.inf, 2, op="lp_pool")
    assert (exact_max.source, exact_max.assumptions, exact_max.terms["n"].tolist()) == ("max |v| is exact", (), [2, 2])
    assert (exact_max.kind, exact_max.method, exact_max.arithmetic.name) == ("componentwise", "direct", "F32_F32_F32")


def test_pool_bounds_of_integer_operands_are_those_of_their_float_values():
    # Integer x (the dtype given) is bounded as the same values in that float dtype.
    ints, weight = np.array([1, 2, 3, 4]), np.array([1.0, 0.3])
    for dtype in (np.float32, np.float64):
        floats = ints.astype(dtype)
        for op, args in (("weighted_pool", (2, weight)), ("lp_pool", (2.0, 2))):
            got = error_bound(ints, *args, op=op, dtype=dtype).value
            assert got.tolist() == error_bound(floats, *args, op=op).value.tolist(), (op, dtype)


def test_weighted_pool_bound_follows_the_pool_geometry():
    # Along one axis of a 2-D x, under ONNX's pad rule (padding 2 > half the kernel of 3: refused by
    # torch's rule): each row is bounded as that row alone, and refconv's own result is within it.
    x = np.array([[1.0, -2.0, 3.0], [0.25, 5.0, -1.0]], np.float32)
    weight = np.array([1.0, 3.0, 0.5])
    geometry = dict(padding=2, stride=1, pad_rule="onnx")
    both = error_bound(x, (3,), weight, op="weighted_pool", axes=-1, **geometry).value
    assert both.shape == (2, 5)
    for row in range(2):
        alone = error_bound(x[row], 3, weight, op="weighted_pool", **geometry).value
        assert both[row].tolist() == alone.tolist(), row
    y = P.weighted_pool(x, (3,), weight, axes=-1, **geometry).astype(np.float64)
    assert (np.abs(y - exact("weighted_pool", x, (3,), weight, dtype=np.float64, axes=-1, **geometry)) <= both).all()
    # Along the first axis of an array whose last axis is shorter than the kernel.
    tall = np.arange(10, dtype=np.float32).reshape(5, 2) - 4
    down = error_bound(tall, 3, weight, op="weighted_pool", axes=0).value
    for col in range(2):
        assert down[:, col].tolist() == error_bound(tall[:, col], 3, weight, op="weighted_pool").value.tolist()


def test_pool_bounds_past_float64_are_infinite_without_warnings():
    import warnings

    # |x|**2 of 1e200 passes float64's range: the window's bound is inf, never NaN, and no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lp = error_bound(np.array([1e200, 1.0, 1.0]), 2.0, 2, stride=1, op="lp_pool")
        weighted = error_bound(np.array([1.7e308, 1.7e308, 1.0]), 2, np.ones(2), stride=1, op="weighted_pool")
        # Mbar = 1e308 (one weighted cell) times the table's total weight 2 passes float64; an infinite x.
        padded = error_bound(np.array([1e308]), 2, np.ones(2), padding=1, op="weighted_pool")
        infinite = error_bound(np.array([math.inf, 1.0]), 1, np.ones(1), op="weighted_pool")
    assert padded.value.tolist() == [math.inf] and infinite.value[0] == math.inf and np.isfinite(infinite.value[1])
    assert lp.value[0] == math.inf and 0 < lp.value[1] < math.inf
    assert weighted.value[0] == math.inf and 0 < weighted.value[1] < math.inf
    # One step below sqrt(realmax): S encloses to float64's largest value itself, the overflow test
    # S (1 + e_pow)(1 + c) passes it: inf, again without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        edge = error_bound(np.array([math.sqrt(np.finfo(np.float64).max) * (1 - 2.0**-53)]), 2.0, 1, op="lp_pool")
    assert edge.terms["S"].tolist() == [np.finfo(np.float64).max] and edge.value.tolist() == [math.inf]


@pytest.mark.parametrize("op, args", [("weighted_pool", (1, np.ones(1))), ("lp_pool", (1.0, 1))])
def test_pool_bounds_at_float64s_largest_value_raise_no_warning(op, args):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = error_bound(np.array([np.finfo(np.float64).max]), *args, op=op)
    assert bound.value.tolist() == [math.inf]


def test_pool_bounds_cover_underflow_where_they_are_subnormal():
    # The L1 norm of [1.0] in float64: S = 1, A = n eta = 2**-1074 (the one term may underflow), the
    # pow and root exact (p = 1), so the formula is 2**-1074; refconv adds 2**-1070 there, where
    # relative margins vanish (_pinned's subnormal branch).
    eta = Fraction(2) ** -1074
    _pinned(float(error_bound(np.array([1.0]), 1.0, 1, op="lp_pool").value[0]), eta, Fraction(0), "lp")
    # A weight of 1 on [2**-1074] (K = 1, b = 0): E = K u Mbar + K eta / w_min = (1 + u) eta, then
    # the division's u (|y| + E) + eta / 2.
    u = Fraction(2) ** -53
    E = (1 + u) * eta
    got = float(error_bound(np.array([5e-324]), 1, np.ones(1), op="weighted_pool").value[0])
    _pinned(got, E + u * (eta + E) + eta / 2, Fraction(0), "weighted")


@pytest.mark.parametrize(
    "cells, dtype, p",
    [
        ([2.0**-149], np.float32, 1.0),  # S at float32's smallest subnormal: A/S = 1, the far bound A
        ([2.0**-600, 2.0**-600], np.float64, 2.0),  # |v|**2 underflows float64: S_lo = 0, the far bound
        ([0.01, 0.04], np.float64, 0.5),  # r = 2 with S < 1: the far bound r (S+A)**(r-1) A is the smaller
        ([0.01, 0.04], np.float16, 0.5),  # the same in float16, where A/S is about 2**-9: (S+A), not (S-A)
        ([16.0, 81.0], np.float64, 0.25),  # r = 4: (S+A)**3, S = 5
    ],
)
def test_lp_pool_bound_is_its_documented_formula_at_the_edges(cells, dtype, p):
    x = np.array(cells, dtype)
    arith = refconv.bounds.default_arithmetic(dtype)
    got = error_bound(x, p, len(cells), op="lp_pool").value[0]
    acc, out, u, u_out = _out_terms(arith, x)
    formula = _lp_formula(list(x), p, arith, acc, out, u, u_out, Fraction(0), None)
    _pinned(got, formula * (1 - Fraction(2) ** -150), Fraction(2) ** -36, (cells, p))


@pytest.mark.parametrize("op, args", [("weighted_pool", (1, np.ones(1))), ("lp_pool", (1.0, 1))])
def test_pool_bounds_cover_operands_underflowing_their_input_format(op, args):
    # Once a strict xfail: the pool bounds modelled reading x into arithmetic.inputs as relative
    # (u_x) only, and a float16 subnormal errs absolutely; they now add eta_in as the direct bound does.
    # F16_F16_F32 reads x in float16: 1.3e-7 becomes 2 * 2**-24 (float16's subnormal spacing is
    # 2**-24), an error of about 1.08e-8; one cell with weight 1 (or p = 1) is then exactly that value.
    x = np.array([1.3e-7], np.float32)
    read = float(np.float16(x[0]))
    assert read == 2 * 2.0**-24
    bound = float(error_bound(x, *args, op=op, arithmetic="F16_F16_F32").value[0])
    assert abs(read - float(x[0])) <= bound


@pytest.mark.parametrize(
    "cells, infinite",
    [([255.875], True), ([255.75, 4.0], True), ([255.5], False), ([200.0], False)],
)
def test_lp_pool_overflow_rule_is_s_times_its_relative_error_at_the_largest_float(cells, infinite):
    # float16 throughout (p = 2): S^ may reach S (1 + e_pow)(1 + c), e_pow = 2 u = 2**-10, c = (n-1) 2**-11;
    # at or past 65504 that sum may overflow.  65472.02 (1 + 2**-10) and 65424.06 (1 + 2**-10)(1 + 2**-11)
    # pass it, 65280.25 (1 + 2**-10) and 40000 do not.
    bound = error_bound(np.array(cells, np.float16), 2.0, len(cells), op="lp_pool")
    assert bool(np.isinf(bound.value[0])) == infinite
    assert (bound.assumptions[-1] == "overflow possible at 1 outputs: bound is inf there") == infinite


@pytest.mark.parametrize("K, finite", [(256, True), (257, False), (258, False)])
def test_weighted_pool_bound_is_infinite_once_its_denominator_error_reaches_one(K, finite):
    # bfloat16 throughout, K weights of 1: b = (K - 1) 2**-8 is 255/256, 1 and 257/256; from b = 1
    # on the quotient has no relative bound: inf, without a warning (no division by 1 - b <= 0).
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = error_bound(np.ones(K, np.float32), K, np.ones(K), op="weighted_pool", arithmetic="BF16_BF16_BF16")
    assert bound.terms["b"] == (K - 1) / 256 and bool(np.isfinite(bound.value).all()) == finite


def test_weighted_pool_bound_of_a_callable_weight_is_that_of_its_table():
    # weight(d) of the distance in input cells: with dilation 2 the outer taps lie 2 cells out,
    # 1/(1 + 4) = 0.2; with padding, on an x shorter than the kernel, 1/2 at distance 1.
    def weight(d):
        return 1 / (1 + d**2)

    x = np.arange(1, 8, dtype=np.float32)
    table = np.array([0.2, 1.0, 0.2])
    assert (
        error_bound(x, 3, weight, dilation=2, op="weighted_pool").value.tolist()
        == error_bound(x, 3, table, dilation=2, op="weighted_pool").value.tolist()
    )
    short = np.array([1.0, 0.1], np.float32)
    assert (
        error_bound(short, 3, weight, padding=1, op="weighted_pool").value.tolist()
        == error_bound(short, 3, np.array([0.5, 1.0, 0.5]), padding=1, op="weighted_pool").value.tolist()
    )
