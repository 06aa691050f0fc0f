"""The asv suite measures like against like: every peer computes refconv's result on the workload.

A ratio to a peer means something only if both sides compute the same numbers, so each peer of
each workload is compared with refconv (exactly on exact inputs) on the benchmark's own inputs.
Also: the guards that turn a missing method into asv's n/a, and the offline-dashboard rewrite.
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

sys.path.insert(0, str(ROOT / "tools"))
import asv_vendor  # noqa: E402


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


# The CDN tags of asv 0.6.6's www/index.html, verbatim (two of them shown in full).
_ASV_HEAD = """<head>
    <script src="https://code.jquery.com/jquery-3.3.1.min.js" integrity="sha256-FgpCb/KJQlLNfOu91ta32o/NMZxltwRo8QtmkMRdAu8=" crossorigin="anonymous" onerror="js_load_failure()"></script>
    <script src="https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js" integrity="sha512-x" crossorigin="anonymous" referrerpolicy="no-referrer" onerror="js_load_failure()"></script>
    {more}
    <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css" integrity="sha256-6VA0SGkrc43SYPvX98q/LhHwm2APqX5us6Vuulsafps=" crossorigin="anonymous">
    <script language="javascript" type="text/javascript" src="asv.js"></script>
</head><body><a href="https://github.com/airspeed-velocity/asv/" class="navbar-link">asv</a></body>"""  # noqa: E501


def test_vendor_rewrites_every_cdn_load_to_a_local_file(tmp_path):
    more = "\n".join(f'<script src="{url}" crossorigin="anonymous"></script>' for url in asv_vendor.LOCAL)
    (tmp_path / "index.html").write_text(_ASV_HEAD.format(more=more))
    assert asv_vendor.vendor(tmp_path) == []
    html = (tmp_path / "index.html").read_text()
    loads = [m.group(0) for m in asv_vendor._LOADING_TAG.finditer(html)]
    assert loads and not any("https:" in tag or "integrity" in tag or "crossorigin" in tag for tag in loads)
    local = [asv_vendor._URL_ATTR.search(tag).group(3) for tag in loads]
    vendored = [src for src in local if src.startswith("vendor/")]
    assert len(vendored) == len(asv_vendor.LOCAL) + 3  # the three written out above, then {more}
    assert all((tmp_path / src).is_file() for src in vendored), vendored
    assert 'href="https://github.com/airspeed-velocity/asv/"' in html  # a link, not a load: kept


def test_vendor_reports_an_unknown_cdn_url(tmp_path):
    (tmp_path / "index.html").write_text('<script src="https://cdn.example/new-lib.js"></script>')
    assert asv_vendor.vendor(tmp_path) == ["https://cdn.example/new-lib.js"]
