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
