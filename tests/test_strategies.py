"""refconv.strategies: valid by construction, covering every form, caps honoured and overridable."""

import importlib.util
import os
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from refconv import conv, correlate, output_shape
from refconv import strategies as rst
from refconv.pooling import avg_pool, lp_pool, max_pool
from refconv.strategies import _caps

FIND = settings(database=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))


# --- valid by construction: refconv accepts every draw, with the documented output shape ------


@given(rst.plain_problems())
def test_plain_problems_are_valid(p):
    y = p.call(correlate)
    assert y.shape == p.spec.output_shape
    mode = p.kwargs["mode"]
    assert y.shape == output_shape(
        p.x.shape, p.w.shape, mode=mode, stride=p.kwargs["stride"], dilation=p.kwargs["dilation"]
    )


@given(rst.layer_problems())
def test_layer_problems_are_valid(p):
    groups = p.kwargs["groups"]
    assert p.x.shape[1] % groups == 0 and p.w.shape[0] % groups == 0 and p.w.shape[1] * groups == p.x.shape[1]
    y = p.call(conv)
    assert y.shape == rst.LayerSpec(p.x.shape, p.w.shape, p.kwargs).output_shape
    if p.kwargs["padding"] == "same":
        assert set(np.atleast_1d(p.kwargs["stride"])) == {1}  # torch's rule
    if p.kwargs["padding_mode"] in ("reflect", "circular"):
        assert all(max(pair) < n for pair, n in zip(p.spec.pads, p.x.shape[2:]))  # torch's limit


@given(rst.pooling_problems(op="max"))
def test_pooling_problems_are_valid(p):
    y = p.call(max_pool)
    k = (p.kernel_size,) * 1 if isinstance(p.kernel_size, int) else p.kernel_size
    pads = p.kwargs["padding"]
    assert all(q <= kk // 2 for q, kk in zip(np.broadcast_to(pads, len(k)), k))  # torch's rule
    assert y.shape[: p.x.ndim - len(k)] == p.x.shape[: p.x.ndim - len(k)]


@given(st.sampled_from(["avg", "lp"]).flatmap(lambda op: st.tuples(st.just(op), rst.pooling_problems(op=op))))
def test_other_pooling_problems_are_valid(case):
    op, p = case
    if op == "avg":
        p.call(avg_pool)
        assert "dilation" not in p.kwargs
    else:
        lp_pool(p.x, 2, p.kernel_size, **p.kwargs)
        assert sorted(p.kwargs) == ["ceil_mode", "stride"]


# --- coverage: every form is drawn -------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        lambda s: s.kwargs["mode"] == "valid",
        lambda s: s.kwargs["mode"] == "same",
        lambda s: s.kwargs["mode"] == "full",
        lambda s: isinstance(s.kwargs["mode"], int),
        lambda s: isinstance(s.kwargs["mode"], tuple) and isinstance(s.kwargs["mode"][0], int),
        lambda s: isinstance(s.kwargs["mode"], tuple) and np.ndim(s.kwargs["mode"][0]) and np.ptp(s.kwargs["mode"][0]),
        lambda s: s.kwargs["boundary"] == "symmetric",
        lambda s: 3 in np.atleast_1d(s.kwargs["stride"]),
        lambda s: isinstance(s.kwargs["dilation"], tuple) and len(set(s.kwargs["dilation"])) > 1,
        lambda s: len(s.input_shape) == 3,
        lambda s: s.spec.axes[0].extent == s.input_shape[0] and s.kwargs["mode"] == "valid",  # tight fit
    ],
)
def test_plain_specs_cover(condition):
    find(rst.plain_specs(), condition, settings=FIND)


@pytest.mark.parametrize(
    "condition",
    [
        lambda s: s.kwargs["padding"] == "same" and s.weight_shape[2] % 2 == 0,
        lambda s: s.kwargs["padding"] == "valid",
        lambda s: isinstance(s.kwargs["padding"], int) and s.kwargs["padding"] > 0,
        lambda s: isinstance(s.kwargs["padding"], tuple) and isinstance(s.kwargs["padding"][0], tuple),
        lambda s: s.kwargs["groups"] == 2 and s.input_shape[1] == 4,
        lambda s: s.kwargs["padding_mode"] == "circular" and s.kwargs["padding"] not in (0, "valid"),
        lambda s: s.input_shape[0] == 2,
    ],
)
def test_layer_specs_cover(condition):
    find(rst.layer_specs(), condition, settings=FIND)


def test_pooling_specs_cover():
    find(rst.pooling_specs(), lambda s: s.kwargs["stride"] is None, settings=FIND)
    find(rst.pooling_specs(), lambda s: s.kwargs["ceil_mode"] and len(s.input_shape) >= 3, settings=FIND)


# --- caps ----------------------------------------------------------------------------------------


@given(rst.plain_specs(max_side=2, max_kernel=1, max_dims=2, max_stride=1, max_dilation=1, max_pad=0))
def test_caps_are_honoured(s):
    assert all(n <= 2 for n in s.input_shape) and s.kernel_shape == (1,) * len(s.input_shape)
    assert len(s.input_shape) <= 2 and s.spec.stride == s.spec.dilation == (1,) * len(s.input_shape)
    assert all(p == (0, 0) for p in s.spec.pads) or s.kwargs["mode"] in ("same", "full")


@given(rst.layer_specs(max_channels=2, max_groups=2, max_batch=1))
def test_layer_caps_are_honoured(s):
    assert s.input_shape[0] == 1 and s.input_shape[1] <= 2 and s.weight_shape[0] <= 2


def _fresh_module(name: str, monkeypatch):
    """Execute ``refconv/strategies/<name>.py`` again, as a new module, so it reads the environment
    afresh; a fresh ``_geometry`` is built on a fresh ``_caps`` (its defaults are read from there)."""
    if name == "_geometry":
        monkeypatch.setitem(sys.modules, "refconv.strategies._caps", _fresh_module("_caps", monkeypatch))
    path = os.path.join(os.path.dirname(rst.__file__), name + ".py")
    spec = importlib.util.spec_from_file_location(f"refconv.strategies.{name}_env_copy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_environment_overrides_the_caps(monkeypatch):
    monkeypatch.setenv("REFCONV_MAX_SIDE", "2")
    monkeypatch.setenv("REFCONV_MAX_DIMS", "1")
    fresh = _fresh_module("_caps", monkeypatch)
    assert (fresh.MAX_SIDE, fresh.MAX_DIMS, fresh.MAX_KERNEL) == (2, 1, rst.MAX_KERNEL)
    spec = find(_fresh_module("_geometry", monkeypatch).plain_specs(), lambda s: True, settings=FIND)
    assert len(spec.input_shape) == 1 and spec.input_shape[0] <= 2
    monkeypatch.setenv("REFCONV_MAX_SIDE", "many")
    with pytest.raises(ValueError, match=r"REFCONV_MAX_SIDE='many' is not a positive integer; expected an int >= 1"):
        _fresh_module("_caps", monkeypatch)
    monkeypatch.setenv("REFCONV_MAX_SIDE", "0")
    with pytest.raises(ValueError, match=r"REFCONV_MAX_SIDE='0'"):
        _caps._env_int("MAX_SIDE", 7)


# --- operands ------------------------------------------------------------------------------------


@given(rst.arrays((3, 2), kind="int", dtype="int8", max_value=1000))
def test_int_arrays_respect_dtype(a):
    assert a.dtype == np.int8 and a.shape == (3, 2) and np.abs(a.astype(int)).max() <= 128


@given(rst.arrays(st.tuples(st.integers(1, 3)), kind="fraction", max_value=2, max_denominator=3))
def test_fraction_arrays(a):
    assert a.dtype == object and all(isinstance(v, Fraction) and abs(v) <= 2 and v.denominator <= 3 for v in a)


def test_symbolic_arrays_are_distinct_symbols():
    a = find(rst.arrays((2, 3), kind="symbolic", prefix="q"), lambda a: True)
    assert a[1, 2] == sympy.Symbol("q1_2") and len({str(v) for v in a.flat}) == 6


@given(rst.arrays(4, kind="float", dtype="float32", integer_valued=True, max_value=5))
def test_integer_valued_floats(a):
    assert a.dtype == np.float32 and (a == np.round(a)).all() and np.abs(a).max() <= 5


@given(rst.plain_problems(kind="symbolic"))
def test_symbolic_problems_use_their_own_caps(p):
    assert p.x.ndim <= rst.SYMBOLIC_MAX_DIMS and max(p.x.shape) <= rst.SYMBOLIC_MAX_SIDE
    assert str(p.x.flat[0]).startswith("x") and str(p.w.flat[0]).startswith("w")


@given(rst.layer_problems(bias=True, kind="fraction", max_dims=1, max_channels=2))
def test_layer_problem_bias(p):
    assert p.bias.shape == (p.w.shape[0],) and isinstance(p.bias[0], Fraction)
