"""Canonical probes: fixed, valid, varied, smallest first."""

import numpy as np
import pytest

import refconv
from refconv.exact import OPS
from refconv.probes import pattern, probes

OPS_CHECKED = ["correlate", "convolve", "conv", "conv_transpose", "max_pool", "avg_pool"]


@pytest.mark.parametrize("op", OPS_CHECKED)
def test_probes_are_accepted_by_refconv_and_sorted_by_size(op):
    found = list(probes(op, ranks=(1, 2), dtype=np.dtype("float32")))
    assert len(found) >= 20
    sizes = [p.size for p in found]
    assert sizes == sorted(sizes)
    accepted = 0
    for p in found:
        try:
            p.call(OPS[op].resolve())
            accepted += 1
        except ValueError:
            pass  # e.g. per-side pads of a kernel that torch-like rules refuse
    assert accepted >= len(found) - 2


def test_probes_are_the_same_in_every_call():
    a = [
        p.describe() + repr([x.tolist() for x in p.args if isinstance(x, np.ndarray)])
        for p in probes("conv", ranks=(2,), dtype=np.dtype("float64"))
    ]
    b = [
        p.describe() + repr([x.tolist() for x in p.args if isinstance(x, np.ndarray)])
        for p in probes("conv", ranks=(2,), dtype=np.dtype("float64"))
    ]
    assert a == b


def test_patterns_by_hand():
    # ints: ((5 i + 3 salt + 1) mod 7) - 3; floats: the Weyl sequence i * 2654435769 mod 2**32 on [-2, 2).
    assert pattern((3,), np.dtype("int32"), "ints", 1).tolist() == [1, -1, -3]
    f = pattern((1,), np.dtype("float64"), "floats", 0)[0]
    assert f == 2654435769 / 2**32 * 4 - 2
    wide = pattern((300,), np.dtype("int8"), "wide", 0)
    assert wide.min() < -100 and wide.max() > 100  # spans the dtype: wrapping accumulators show


def test_long_probe_exposes_tiles():
    longest = max(probes("conv", ranks=(1,), dtype=np.dtype("float32")), key=lambda p: p.args[0].shape[-1])
    assert refconv.conv(longest.args[0], longest.args[1]).shape[-1] > 16


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("op", OPS_CHECKED)
def test_large_probes_sit_near_the_range_with_every_partial_sum_finite(op, dtype):
    dt = np.dtype(dtype)
    big = float(np.finfo(dt).max)
    large = [p for p in probes(op, ranks=(1, 2), dtype=dt) if np.abs(p.args[0].astype(np.float64)).max() > 4]
    assert len(large) >= 10
    for p in large:
        x = np.abs(p.args[0].astype(np.float64))
        if op == "max_pool":
            weight = 1.0
        elif op == "avg_pool":
            weight = float(np.prod(p.args[1]))
        else:
            weight = max(1.0, float(np.abs(p.args[1].astype(np.float64)).sum()))
        # Every product and partial sum, in any order, stays under half the range (so no correct
        # implementation overflows), and the input reaches past an eighth of it.
        assert x.max() * weight <= big / 2
        assert x.max() * weight >= big / 8
        with np.errstate(all="raise"):
            p.call(OPS[op].resolve())  # refconv itself computes them without overflow


def test_an_implementation_that_breaks_near_the_float16_range_fails():
    # Right up to 1e4, zeros past it: the large probes (inputs up to ~3e4 against a small kernel)
    # catch it before any search; a probe reaches it on every machine.
    def breaks(x, w, **kw):
        y = refconv.correlate(x, w, method="direct", **kw)
        return np.zeros_like(y) if np.abs(x).max(initial=0) > 1e4 else y

    result = refconv.check(breaks, "correlate", dtype="float16", max_examples=5)
    assert not result.passed and result.found_by == "probe" and "bound" in result.reason, str(result)
    assert np.abs(result.counterexample.args[0]).max() > 1e4


@pytest.mark.parametrize("op", OPS_CHECKED)
def test_high_rank_probes_stay_small(op):
    # Rank 9: the n = 7 variants would have 7**9 = 40 million cells; probes keep to PROBE_CELLS.
    from refconv.probes import PROBE_CELLS

    def cells(p):
        return sum(a.size for a in p.args if isinstance(a, np.ndarray))

    assert all(cells(p) <= PROBE_CELLS for p in probes(op, ranks=(9,), dtype=np.dtype("float64")))
    # Rank 3's variants (7**3 = 343 cells at most) all stay.
    assert len(list(probes(op, ranks=(3,), dtype=np.dtype("float64")))) >= 20


def test_check_at_rank_9_draws_small_problems():
    # It used to build the rank-9 probes and 6**9-cell problems: a search that never ended.
    seen = []

    def correlate(x, w, **kw):
        seen.append(x.size)
        return refconv.correlate(x, w, **kw)  # refconv's own default: the space is what it accepts

    result = refconv.check(correlate, "correlate", dtype="float64", ranks=(9,), max_examples=10)
    assert result.passed, str(result)
    assert seen and max(seen) <= 4096  # 2**9 cells per side-2 input at most: well under the cap
