"""The asv suite measures like against like: every peer computes refconv's result on the workload.

A ratio to a peer means something only if both sides compute the same numbers, so each peer of
each workload is compared with refconv (exactly on exact inputs) on the benchmark's own inputs.
Also: the guards that turn a missing method into asv's n/a.  The dashboard (tools/asv_vendor.py,
tools/asv_ratios.py, benchmarks/dashboard.js) is tested in tests/test_asv_workflow.py.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the suite lives in ROOT/benchmarks, run by asv, not installed

import refconv  # noqa: E402
from benchmarks import _common, bench_edge, bench_exact, bench_same, bench_signal  # noqa: E402


def _available(module, method, *args):
    try:
        return module.call(method, *args)
    except NotImplementedError:
        return None


@pytest.mark.parametrize("method", bench_edge.METHODS + [bench_edge.MATVEC] + bench_edge.PEERS)
def test_edge_detector_methods_and_peers_agree(method):
    x, w = bench_edge.inputs()
    f = _available(bench_edge, method, x, w)
    if f is None:
        pytest.skip(f"{method} not available")
    y = np.asarray(f())
    if method == "scipy.ndimage.correlate":
        y = y[:, :-1]  # ndimage keeps the input's width; the valid part is all but the last column
    # Figure 9.6's edge map by hand: each pixel minus its left neighbour.
    expected = x[:, 1:] - x[:, :-1]
    np.testing.assert_allclose(y.reshape(expected.shape), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", bench_same.METHODS + bench_same.PEERS)
def test_same_3x3_methods_and_peers_agree(method):
    x, w = bench_same.inputs()
    f = _available(bench_same, method, x, w)
    if f is None:
        pytest.skip(f"{method} not available")
    # Independent reference: the 9 shifted copies of the zero-padded image, weighted and summed.
    p = np.pad(x, 1)
    expected = sum(w[i, j] * p[i : i + 512, j : j + 512] for i in range(3) for j in range(3))
    np.testing.assert_allclose(f(), expected, rtol=0, atol=1e-11)


@pytest.mark.parametrize("method", ["fft", "auto"] + bench_signal.PEERS)
def test_signal_1d_methods_and_peers_agree(method):
    x, w = bench_signal.inputs(31)
    f = _available(bench_signal, method, x, w)
    if f is None:
        pytest.skip(f"{method} not available")
    expected = np.convolve(x, w, mode="valid")
    np.testing.assert_allclose(f(), expected, rtol=0, atol=1e-9 * np.abs(w).sum() * np.abs(x).max())


def test_int64_peer_is_refconv_exactly():
    x, w = bench_exact.int_inputs()
    assert x.dtype == np.int64
    y = refconv.convolve(x, w)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, __import__("scipy.signal").signal.convolve2d(x, w, mode="valid"))


def test_shift_and_add_by_hand():
    x = np.array([[Fraction(1, 2), Fraction(1, 3), 1], [2, Fraction(-1, 5), 0]], dtype=object)
    w = np.array([[Fraction(1, 7), 3]], dtype=object)
    out = bench_exact.shift_and_add(x, w)
    expected = [
        [Fraction(1, 2) * Fraction(1, 7) + Fraction(1, 3) * 3, Fraction(1, 3) * Fraction(1, 7) + 1 * 3],
        [2 * Fraction(1, 7) + Fraction(-1, 5) * 3, Fraction(-1, 5) * Fraction(1, 7) + 0 * 3],
    ]
    assert out.tolist() == expected


def test_coprime_fraction_peer_is_refconv_exactly():
    x, w = bench_exact.coprime_fraction_inputs(12, 5)
    assert [int(p.denominator) for p in x[:4]] == [2, 3, 5, 7]  # distinct primes, by hand
    assert bench_exact.fraction_loop(x, w) == refconv.correlate(x, w).tolist()
    # By hand on the first output of a 2-tap case: 1/2 * 1/5 + 2/3 * (-2/7).
    assert bench_exact.fraction_loop(x[:3], np.array([Fraction(1, 5), Fraction(-2, 7)], dtype=object))[0] == Fraction(
        1, 10
    ) - Fraction(4, 21)


def test_fraction_peer_is_refconv_exactly():
    x, w = bench_exact.fraction_inputs()
    y = refconv.correlate(x, w)
    assert y.tolist() == bench_exact.shift_and_add(x, w).tolist()
    assert all(isinstance(v, Fraction) for v in y.flat)


def test_conv_layer_peer_agrees():
    torch = pytest.importorskip("torch")
    if not hasattr(refconv, "conv"):
        pytest.skip("refconv.conv not available")
    from benchmarks import bench_layer

    args = bench_layer.inputs()
    ours = bench_layer.call("refconv", *args)()
    theirs = bench_layer.call("torch", *args)().numpy()
    assert torch.get_num_threads() == _common.blas_threads()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize("k", [2, 3])
def test_pool_peer_agrees(op, k):
    pytest.importorskip("torch")
    if not hasattr(refconv, f"{op}_pool"):
        pytest.skip(f"refconv.{op}_pool not available")
    from benchmarks import bench_pool

    x = bench_pool.inputs()
    ours = bench_pool.call("refconv", op, k, x)()
    theirs = bench_pool.call("torch", op, k, x)().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("row", ["resnet", "depthwise", "transpose", "max_pool", "avg_pool", "edge", "int64"])
def test_speed_table_rows_compute_what_their_peer_computes(row):
    pytest.importorskip("torch")
    from benchmarks import bench_speed_table

    ours, peer = bench_speed_table.calls(row)
    got, want = np.asarray(ours()), np.asarray(peer())
    assert got.shape == want.shape
    if row == "int64":  # exact integers; the float64 peer is exact too at these magnitudes
        assert got.dtype == np.int64 and got.tolist() == want.astype(np.int64).tolist()
    else:
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert set(bench_speed_table.TARGETS) == {
        "resnet",
        "depthwise",
        "transpose",
        "max_pool",
        "avg_pool",
        "edge",
        "int64",
    }


def test_probe_turns_only_method_errors_into_not_available():
    x = np.arange(5.0)
    with pytest.raises(NotImplementedError, match="method='no-such-method'"):
        _common.probe(refconv.correlate, x, [1.0, 2.0], method="no-such-method")
    # A real failure (here a kernel that does not fit) must stay a failure, not an asv n/a.
    with pytest.raises(ValueError, match="correlate"):
        _common.probe(refconv.correlate, x[:1], [1.0, 2.0], method="direct")


def test_api_guard_names_the_missing_function():
    with pytest.raises(NotImplementedError, match="refconv.no_such_function"):
        _common.api("no_such_function")


def test_ratio_times_each_round_after_the_other_side_settles(monkeypatch):
    # ratio() alternates the two sides' rounds and pauses SETTLE seconds before each (torch's
    # spin-waiting threads go to sleep first); the order of events, by hand for 3 rounds: both
    # calibrated once, then per round a pause, ours, a pause, the peer.
    events = []

    class OneCall:  # a timeit.Timer whose round is one call, taking the seconds it returns
        def __init__(self, f):
            self.f = f

        def timeit(self, number):
            return self.f()

    monkeypatch.setattr(_common, "QUICK", False)
    monkeypatch.setattr(_common.time, "sleep", lambda seconds: events.append(("pause", seconds)))
    monkeypatch.setattr(_common, "_calibrated", lambda f, floor: (OneCall(f), 1, f()))
    ours = lambda: events.append("ours") or 2.0  # noqa: E731
    peer = lambda: events.append("peer") or 4.0  # noqa: E731
    assert _common.ratio(ours, peer, rounds=3) == 0.5
    pause = ("pause", _common.SETTLE)
    assert events == ["ours", "peer"] + [pause, "ours", pause, "peer"] * 2
    assert _common.SETTLE >= 0.05  # libgomp spins for milliseconds


_FAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "steady":
    from benchmarks import _common  # fixes the allocator at import
    assert _common.steady_allocator()
np.ones(6 << 20).sum()  # a 48 MB buffer, allocated, written and freed once
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    np.ones(6 << 20).sum()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_the_steady_allocator_serves_repeated_buffers_without_page_faults():
    # A loop of calls allocating the same 48 MB buffer: glibc's default maps it afresh each time
    # (above 32 MB its dynamic threshold never rises), so every call faults its pages in again
    # (at least 24 a call even as 2 MiB huge pages, which NumPy asks for; 536 here); the
    # benchmarks' fixed threshold serves it from the heap, where it stays (no fault here).
    import subprocess

    def faults(mode: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _FAULTS, mode],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).parents[1],
        )
        assert out.returncode == 0, out.stderr
        return int(out.stdout)

    assert faults("default") >= 10 * 24
    assert faults("steady") < 24
