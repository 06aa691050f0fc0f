"""The deterministic reducer: termination, 1-minimality, validity kept, and hand-derived fixed points."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv.problem import Problem
from refconv.reduce import reduce, reduction_steps, simpler


def _plain(x, w, **kw):
    return Problem("correlate", (np.asarray(x, dtype=float), np.asarray(w, dtype=float)), kw)


def test_simpler_orders_zero_then_bits_then_exponent_then_sign():
    # By hand: 0 < 1 < -1 < {0.5, 2} < 3 (2 bits) < 1.25 (3 bits); integers by magnitude.
    assert simpler(0.0) < simpler(1.0) < simpler(-1.0) < simpler(2.0) < simpler(3.0) < simpler(1.25)
    assert simpler(0.5) == simpler(2.0)  # neither is simpler: no step goes between them
    assert simpler(0) < simpler(1) < simpler(-1) < simpler(2) < simpler(127)


def test_a_predicate_on_two_cells_reduces_to_them_at_the_origin():
    # Fails when x has a nonzero cell at index >= 1 and w a nonzero tap: the 1-minimal problem by
    # hand is x = [0, 1], w = [1] (x[0] must exist for index 1; its simplest value is 0).
    def fails(p):
        x, w = p.args
        return x.size >= 2 and np.any(x[1:] != 0) and np.any(w != 0)

    start = _plain([7.5, -3.0, 2.25, 9.0, 1.0], [0.5, -2.0, 3.0])
    done = reduce(start, fails, valid=lambda p: p.args[0].size >= p.args[1].size)
    assert done.minimal
    assert done.problem.args[0].tolist() == [0.0, 1.0] and done.problem.args[1].tolist() == [1.0]


def test_geometry_is_lowered_to_what_the_failure_needs():
    # Fails while stride >= 2: stride comes down to exactly 2; mode "same" goes to "valid".
    p = Problem("correlate", (np.ones(6), np.ones(2)), {"mode": "same", "stride": 3, "dilation": 2})

    def fails(q):
        s = q.kwargs["stride"]
        return (s if isinstance(s, int) else max(s)) >= 2

    done = reduce(p, fails)
    assert done.problem.kwargs == {"mode": "valid", "stride": 2, "dilation": 1}
    assert done.problem.args[0].size == 1 and done.problem.args[0].tolist() == [0.0]


def test_layer_steps_keep_groups_consistent():
    x, w, b = np.ones((2, 4, 3)), np.ones((6, 2, 2)), np.ones(6)
    p = Problem("conv", (x, w, b), {"groups": 2, "stride": 1, "padding": 0, "dilation": 1, "padding_mode": "zeros"})
    for label, q in reduction_steps(p):
        x2, w2, b2 = q.args
        g = q.kwargs["groups"]
        assert x2.shape[1] == g * w2.shape[1], label
        assert b2 is None or b2.shape[0] == w2.shape[0], label
        assert w2.shape[0] % g == 0, label


def test_budget_is_reported():
    done = reduce(_plain([5.0, 5.0, 5.0], [5.0]), lambda p: True, budget=2)
    assert not done.minimal and done.calls == 2


def test_invalid_candidates_are_never_tried():
    tried = []

    def fails(p):
        tried.append(p)
        return True

    reduce(_plain([1.0, 2.0, 3.0], [4.0, 5.0]), fails, valid=lambda p: p.args[1].size == 2)
    assert tried and all(p.args[1].size == 2 for p in tried)


@given(
    hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-8, 8, width=32)),
    st.integers(0, 5),
)
def test_reduction_terminates_at_a_fixed_point(x, threshold):
    # Any monotone-enough predicate: the result still fails and no single step does.
    def fails(p):
        return float(np.abs(p.args[0]).sum()) > threshold

    start = _plain(x, [1.0])
    if not fails(start):
        return
    done = reduce(start, fails)
    assert done.minimal and fails(done.problem)
    assert not any(fails(q) for _, q in reduction_steps(done.problem))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "float16"])
def test_value_steps_stay_in_the_dtype(dtype):
    x = np.array([100, 7], dtype=dtype)
    for label, q in reduction_steps(Problem("correlate", (x, np.array([1], dtype=dtype)), {})):
        assert q.args[0].dtype == np.dtype(dtype), label
    labels = [label for label, _ in reduction_steps(Problem("correlate", (x, np.array([1], dtype=dtype)), {}))]
    assert any(
        label.startswith("x[0]: 100") and label.endswith("-> -1") or label.endswith("-> -1.0") for label in labels
    ) == (dtype != "uint8")
