"""The arithmetic devices use, as models (issue 20, item 4): flush-to-zero and denormals-are-zero,
outputs stored in a lower format, PyTorch CUDA's float32 default, bfloat16 through ml_dtypes.

Each model is tested both ways: an implementation that computes so passes under it, and the same
implementation fails without it (or a worse one fails with it): the terms are neither missing nor
so loose that they hide bugs.
"""

import dataclasses
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import refconv
from refconv import error_bound, exact
from refconv.bounds import FORMATS, PRESETS, Arithmetic, gamma
from refconv.conformance import STRATEGIES, ProblemSpace
from refconv.exact import round_rational

REALMIN32 = 2.0**-126
FTZ = Arithmetic("f32, FTZ outputs", accumulate=FORMATS["f32"], ftz=True)


def flush(y: np.ndarray, limit: float = REALMIN32) -> np.ndarray:
    return np.where(np.abs(y) < limit, 0, y).astype(y.dtype)


def flushing_correlate(x, w, **kw):
    """Correct float32 results (float64 sums of exact products, rounded once) with subnormals flushed."""
    return flush(refconv.correlate(x.astype(np.float64), w.astype(np.float64), **kw).astype(np.float32))


def tiny_space() -> ProblemSpace:
    """refconv's correlate space, x scaled by 2**-140 (exact, or a subnormal rounded once): every
    output ``|y| <= n * 16 * 2**-140`` is subnormal, so any nonzero output shows a flush and the
    reducer can always drop a cell or a tap while one does."""
    base = STRATEGIES["correlate"]

    def scaled(problem):
        (x, w, *rest), kwargs = problem
        return (x * np.float32(2.0**-140), w, *rest), kwargs

    return ProblemSpace(lambda opt: base(opt).map(scaled))


# --- flush-to-zero ------------------------------------------------------------------------------


def test_ftz_outputs_pass_the_ftz_model_and_fail_without_it_with_two_elements():
    passed = refconv.check(flushing_correlate, "correlate", problems=tiny_space(), arithmetic=FTZ, max_examples=150)
    assert passed.passed, passed.repro
    assert refconv.check(
        flushing_correlate, "correlate", problems=tiny_space(), arithmetic="F32_F32_F32_FTZ", max_examples=150
    ).passed
    failed = refconv.check(flushing_correlate, "correlate", problems=tiny_space(), max_examples=150)
    assert not failed.passed and failed.minimal
    x, w = failed.counterexample.args[:2]
    assert x.size + w.size <= 2, (x, w)
    assert failed.verdict.got == 0.0 and 0 < abs(failed.verdict.expected) < REALMIN32


def test_flushing_more_than_subnormals_fails_even_under_ftz():
    # Negative control: flushing below 2 * realmin is a bug the FTZ term must not hide.
    def overflushing(x, w, **kw):
        return flush(flushing_correlate(x, w, **kw), 2 * REALMIN32)

    x, w = np.array([1.5 * REALMIN32], np.float32), np.array([1.0], np.float32)
    err = abs(float(overflushing(x, w, mode="valid")[0]) - 1.5 * REALMIN32)
    assert err > error_bound(x, w, op="correlate", arithmetic=FTZ).value[0]
    space = ProblemSpace(
        lambda opt: STRATEGIES["correlate"](opt).map(lambda p: ((p[0][0] * np.float32(2.0**-125),) + p[0][1:], p[1]))
    )
    result = refconv.check(overflushing, "correlate", problems=space, arithmetic=FTZ, max_examples=150)
    assert not result.passed and REALMIN32 <= abs(result.verdict.expected) < 2 * REALMIN32


def test_ftz_term_by_hand():
    # One product 2**-140 * 1 (n = 1): gamma_1(u) M replaces u M; the FTZ term is
    # (1 + gamma_1(u)) * 1 operation * realmin; plus n * eta; all times 1 + 2**-40, plus 2**-1070.
    x, w = np.array([2.0**-140], np.float32), np.array([1.0], np.float32)
    b = error_bound(x, w, op="correlate", arithmetic=FTZ)
    u, M = 2.0**-24, float(b.terms["M"][0])
    g1 = float(gamma(1, u))
    expected = (g1 * M + (1 + g1) * REALMIN32 + 2.0**-149) * (1 + 2.0**-40) + 2.0**-1070
    assert float(b.value[0]) == pytest.approx(expected, rel=2.0**-50)
    assert b.assumptions == ("any summation order", "FTZ modelled")
    # An all-zero window stays an exact zero under FTZ.
    assert error_bound(np.zeros(3, np.float32), w, op="correlate", arithmetic=FTZ).value.tolist() == [0.0] * 3


def _ftz_sum(x, w, order, daz):
    """A float32 valid correlation with every product and partial sum flushed; DAZ: operands too."""
    if daz:
        x, w = flush(x), flush(w)
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape)
    y = np.zeros(windows.shape[: x.ndim], np.float32)
    for index in np.ndindex(*y.shape):
        products = [flush(np.array(a * b, np.float32)) for a, b in zip(windows[index].ravel(), w.ravel())]
        acc = np.float32(0)
        for p in products[order] if isinstance(order, slice) else products:
            acc = flush(np.array(acc + p, np.float32))
        y[index] = acc
    return y


_TINY_VALUES = st.sampled_from([0.0, 2.0**-149, -(2.0**-140), 2.0**-127, 1.5 * 2.0**-126]) | st.floats(
    -(2.0**-100), 2.0**-100, width=32
)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float32, st.integers(3, 8), elements=_TINY_VALUES),
    hnp.arrays(np.float32, st.integers(1, 3), elements=st.floats(-4, 4, width=32) | _TINY_VALUES),
    st.sampled_from([slice(None), slice(None, None, -1)]),
    st.booleans(),
)
def test_an_ftz_daz_float32_sum_stays_within_the_model(x, w, order, daz):
    y = _ftz_sum(x, w, order, daz).astype(np.float64)
    e = exact("correlate", x, w, dtype=np.float64)
    arith = dataclasses.replace(FTZ, daz=daz)
    assert np.all(np.abs(y - e) <= error_bound(x, w, op="correlate", arithmetic=arith).value)


def test_daz_alone_is_caught_without_its_term_and_passes_with_it():
    # x = [2**-130] is read as 0: the whole product is lost (an error of 2**-130 * 3).
    x, w = np.array([2.0**-130, 1.0], np.float32), np.array([3.0], np.float32)
    y = np.array([0.0, 3.0])
    err = np.abs(y - exact("correlate", x, w, dtype=np.float64))
    assert not np.all(err <= error_bound(x, w, op="correlate").value)
    daz = error_bound(x, w, op="correlate", arithmetic=Arithmetic("DAZ", accumulate=FORMATS["f32"], daz=True))
    assert np.all(err <= daz.value) and daz.value[0] < 2 * err[0]


def test_ftz_covers_average_pooling():
    x = np.array([[2.0**-130, 2.0**-131, 1.0, 0.0]], np.float32)
    y = np.array([[0.0, 0.5]])  # the flushed sum of the first window, and 1/2
    err = np.abs(y - exact("avg_pool", x, 2, dtype=np.float64))
    assert not np.all(err <= error_bound(x, 2, op="avg_pool").value)
    assert np.all(err <= error_bound(x, 2, op="avg_pool", arithmetic="F32_F32_F32_FTZ").value)


# --- outputs stored in a lower format -----------------------------------------------------------


def f16_store_f32_sum(x, w, **kw):
    """float16 operands, products and sums in float32 (any order: here float64, rounded once), stored float16."""
    return refconv.correlate(x.astype(np.float64), w.astype(np.float64), **kw).astype(np.float32).astype(np.float16)


def f16_store_f16_sum(x, w, **kw):
    """The same, but accumulating in float16: tap by tap, each partial sum rounded to float16."""
    y = None
    for t in np.ndindex(*w.shape):
        one_hot = np.zeros(w.shape)
        one_hot[t] = 1
        term = (refconv.correlate(x.astype(np.float64), one_hot, **kw) * float(w[t])).astype(np.float32)
        y = term.astype(np.float16) if y is None else (y.astype(np.float32) + term).astype(np.float16)
    return y


def test_f16_output_preset_passes_f32_accumulation():
    result = refconv.check(
        f16_store_f32_sum, "correlate", dtype="float16", arithmetic="F16_F16_F32_F16", max_examples=150
    )
    assert result.passed, result.repro


def test_f16_output_preset_catches_f16_accumulation():
    # By hand: 2048 + 8 ones.  A float16 sum loses every 1 (spacing 2 above 2048); float32 does not.
    x = np.ones(9, np.float16)
    w = np.array([2048] + [1] * 8, np.float16)
    bound = error_bound(x, w, op="correlate", arithmetic="F16_F16_F32_F16").value
    assert abs(float(f16_store_f16_sum(x, w)[0]) - 2056) > bound[0]
    assert abs(float(f16_store_f32_sum(x, w, mode="valid")[0]) - 2056) <= bound[0]
    wide = refconv.check(f16_store_f16_sum, "correlate", dtype="float16", arithmetic="F16_F16_F32_F16")
    assert not wide.passed and wide.minimal and "bound" in wide.verdict.reason


def test_a_subnormal_stored_output_is_covered():
    # 2**-14 (1 + 2**-10) * 2**-3 (1 + 2**-10) is float16-subnormal: storing it rounds on the
    # 2**-24 grid, an error of about 2**-26, far above u_out |y| = 2**-28: eta_out / 2 covers it.
    x = np.array([2.0**-14 * (1 + 2.0**-10)], np.float16)
    w = np.array([2.0**-3 * (1 + 2.0**-10)], np.float16)
    exact_y = Fraction(float(x[0])) * Fraction(float(w[0]))
    err = abs(Fraction(float(f16_store_f32_sum(x, w)[0])) - exact_y)
    b = error_bound(x, w, op="correlate", arithmetic="F16_F16_F32_F16")
    assert err > Fraction(2.0**-11) * exact_y and err <= Fraction(float(b.value[0]))
    assert float(b.terms["flush"]) == 2.0**-25


def test_low_output_presets_are_built_from_formats():
    for out in ("f16", "bf16"):
        name = f"{out.upper()}_{out.upper()}_F32_{out.upper()}"
        a = PRESETS[name]
        assert (a.inputs, a.accumulate, a.output) == (FORMATS[out], FORMATS["f32"], FORMATS[out])
        assert (
            dataclasses.replace(a, name=f"{out.upper()}_{out.upper()}_F32", output=None)
            == PRESETS[f"{out.upper()}_{out.upper()}_F32"]
        )


# --- PyTorch CUDA's float32 default --------------------------------------------------------------


def test_torch_cuda_f32_default_is_tf32_and_catches_only_what_tf32_explains():
    a = PRESETS["TORCH_CUDA_F32_DEFAULT"]
    assert dataclasses.replace(a, name="TF32_TF32_F32") == PRESETS["TF32_TF32_F32"]
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(64).astype(np.float32), rng.standard_normal(9).astype(np.float32)
    # TF32 operands (truncated), exact products, float32 sum.
    xt, wt = refconv.bounds.round_to(x, "tf32", "rz"), refconv.bounds.round_to(w, "tf32", "rz")
    y = refconv.correlate(xt.astype(np.float64), wt.astype(np.float64)).astype(np.float32).astype(np.float64)
    err = np.abs(y - exact("correlate", x, w, dtype=np.float64))
    assert np.all(err <= error_bound(x, w, op="correlate", arithmetic="TORCH_CUDA_F32_DEFAULT").value)
    assert not np.all(err <= error_bound(x, w, op="correlate").value)  # the float32 bound catches TF32


# --- bfloat16 as a NumPy dtype (ml_dtypes, optional) ----------------------------------------------


def test_refconv_imports_without_ml_dtypes():
    code = (
        "import sys; sys.modules['ml_dtypes'] = None; import refconv; "
        "from refconv.exact._rounding import bfloat16_dtype; assert bfloat16_dtype() is None; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


_BF16_VALUES = st.sampled_from([0.0, 2.0**-133, 2.0**-126, 1 + 2.0**-8, 3.0e38]) | st.floats(-1e3, 1e3, width=32)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, st.integers(2, 6), elements=_BF16_VALUES), st.integers(1, 2))
def test_exact_rounds_once_to_bfloat16(x, k):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    w = np.array([1.0, -(1 + 2.0**-9)][:k], np.float32)
    got = exact("correlate", x, w, dtype=ml_dtypes.bfloat16)
    values = [
        sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(x[i : i + k], w)) for i in range(len(x) - k + 1)
    ]
    want = round_rational(np.array(values, dtype=object), ml_dtypes.bfloat16)
    assert got.dtype == np.dtype(ml_dtypes.bfloat16)
    assert got.astype(np.float64).tolist() == want.astype(np.float64).tolist()


def test_bfloat16_operands_round_to_and_error_bound():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    bf16 = ml_dtypes.bfloat16
    a = np.array([1.0, 1 + 2.0**-7, 2.0**-130], bf16)
    assert refconv.bounds.round_to(a, "f32").dtype == np.dtype(bf16)
    assert refconv.bounds.round_to(a, "tf32").astype(float).tolist() == a.astype(float).tolist()
    assert refconv.bounds.representable(a, FORMATS["bf16"])
    # Operands holding bfloat16 values (as float32: refconv's ops take float16/32/64 arrays), judged
    # in bfloat16: the default arithmetic sums in bfloat16.
    x, w = a.astype(np.float32)[:2], np.array([1.0, 1.0], np.float32)
    b = error_bound(x, w, op="correlate", dtype=bf16)
    assert b.arithmetic.name == "BF16_BF16_BF16" and b.arithmetic.accumulate == FORMATS["bf16"]
    # 1 + (1 + 2**-7) = 2.0078125 rounds to 2.0 in bfloat16 (spacing 2**-6 there): within the bound.
    assert abs(2.0 - (2 + 2.0**-7)) <= b.value[0]
    assert exact("correlate", x, w, dtype=bf16).astype(float).tolist() == [2.0]
