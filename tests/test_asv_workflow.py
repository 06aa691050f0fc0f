"""The asv workflow of docs/guides/performance.rst and the dashboard it publishes.

Default run (a few seconds): the ratio summary on the committed results and on a small fixture,
the targets the dashboard draws, ``tools/asv_vendor.py`` on a real ``asv publish`` of the
committed results, ``tools/asv_history.sh``'s refusal without ``ASV_MACHINE``, and -- where
Chromium is installed -- the published page rendered headless: target lines, commit labels, the
sweep's log axis and the legend beside the plot.

``REFCONV_ASV_WORKFLOW=1`` (set by ``.ci/run``) adds the guide's quick path run as pasted in a
fresh clone: a new venv, the install, ``tools/asv_history.sh --quick`` and ``tools/asv_ratios.py``
(a few minutes: the install, then about a minute of benchmarks).
"""

from __future__ import annotations

import functools
import http.server
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import asv_ratios  # noqa: E402
import asv_vendor  # noqa: E402

GUIDE = ROOT / "docs" / "guides" / "performance.rst"
COMMITTED = "0f6bbc2c"  # the recording the guide's "Measured" table quotes


def _quick_path() -> list[str]:
    """The shell lines of the guide's quick path, between its two markers, as printed."""
    text = GUIDE.read_text(encoding="utf-8")
    block = text.split(".. quick-path-start", 1)[1].split(".. quick-path-end", 1)[0]
    return [line.strip() for line in block.splitlines() if line.startswith("   ") and line.strip()]


# --- the ratio summary -------------------------------------------------------------------------


def test_every_target_names_a_recorded_benchmark_and_parameter_set():
    # A typo in TARGETS would silently print n/a forever: check each against asv's discovery.
    benchmarks = json.loads((ROOT / "benchmarks" / "results" / "benchmarks.json").read_text())
    for name, rows in asv_ratios.TARGETS.items():
        assert asv_ratios.is_ratio(name) and name in benchmarks, name
        params = benchmarks[name]["params"]
        for combo, target, what in rows:
            assert len(combo) == len(params) and all(v in p for v, p in zip(combo, params)), (name, combo)
            assert target > 0 and what


def test_summary_lists_every_ratio_of_the_committed_run_against_its_target():
    run = asv_ratios.load("refconv-vm", COMMITTED)
    every_row = asv_ratios.ratio_rows(run)
    # Benchmarks added after that recording are listed as n/a; the rest are its ratios.
    rows = [r for r in every_row if r["benchmark"] in run["results"]]
    assert all(r["met"] == "n/a" for r in every_row if r not in rows)
    recorded = {(n, c) for n in run["results"] if asv_ratios.is_ratio(n) for c in asv_ratios.table(run, n)}
    assert {(r["benchmark"], r["params"]) for r in rows} == recorded  # every ratio, none twice
    assert len(rows) == len(recorded) == 5 + 3 + 3 + 3 + 1 + 4 + 4 + 4 + 7  # by benchmark, by hand
    by_key = {(r["benchmark"].split(".")[1], r["params"]): r for r in rows}
    # The guide's table, read off by hand: value, target, verdict.
    edge = by_key["EdgeDetectorRatio", ("'direct'",)]
    assert (round(edge["value"], 2), edge["target"], edge["met"]) == (1.75, 2.0, "yes")
    resnet = by_key["SpeedTable", ("'resnet'",)]
    assert (round(resnet["value"], 2), resnet["target"], resnet["met"]) == (3.52, 1.5, "NO")
    coprime = by_key["CoprimeFractionRatio", ("'auto'",)]
    assert (round(coprime["value"], 2), coprime["target"], coprime["met"]) == (0.96, 1.0, "yes")
    pool = by_key["PoolRatio", ("'avg'", "3")]
    assert (round(pool["value"], 2), pool["target"], pool["met"]) == (1.57, None, "tracked")
    # Targeted rows first, in TARGETS order.
    assert rows[0]["benchmark"] == next(iter(asv_ratios.TARGETS)) and rows[0]["target"] is not None


def test_verdict_by_hand():
    assert [asv_ratios.verdict(v, t) for v, t in [(1.0, 1.0), (1.01, 1.0), (math.nan, 1.0), (0.3, None)]] == [
        "yes",
        "NO",
        "n/a",
        "tracked",
    ]


def _fixture_results(tmp_path: Path) -> Path:
    """One machine, two runs of two ratio benchmarks (the newer one is summarised)."""
    machine = tmp_path / "results" / "box<1>"
    machine.mkdir(parents=True)
    (machine / "machine.json").write_text('{"machine": "box<1>", "version": 1}')
    (tmp_path / "results" / "empty").mkdir()
    (tmp_path / "results" / "empty" / "machine.json").write_text('{"machine": "empty", "version": 1}')
    for commit, date, layer in (("aaaa1111", 1, 9.0), ("bbbb2222", 2, 3.5)):
        results = {
            "bench_layer.ConvLayerRatio.track_ratio_vs_torch": [[layer], []],
            "bench_pool.PoolRatio.track_ratio_vs_torch": [[0.5, None], [["'max'"], ["2", "3"]]],
            "bench_sweep.Sweep.time_sweep": [[1e-3], [["'direct'"], ["16"], ["3"]]],
        }
        run = {"commit_hash": commit + "c" * 32, "env_name": "env", "date": date, "results": results}
        (machine / f"{commit}-env.json").write_text(json.dumps(run))
    return tmp_path / "results"


def test_summary_page_on_a_fixture(tmp_path):
    page = asv_ratios.summary_html(_fixture_results(tmp_path))
    assert "<h2>box&lt;1&gt;</h2>" in page and "empty" not in page  # escaped; a machine with no run skipped
    assert "bbbb2222" in page and "aaaa1111" not in page  # the newest run only
    rows = re.findall(r"<tr class=\"(\w*)\"><td><a href=\"index.html#([^\"]+)\">.*?</tr>", page)
    # ConvLayerRatio 3.5 > 3 (NO: danger), pool max/2 tracked, pool max/3 n/a, then every other
    # target of TARGETS unrecorded in this run (n/a, no class); the sweep is not a ratio.
    assert ("danger", "bench_layer.ConvLayerRatio.track_ratio_vs_torch") in rows
    assert '3.50x</td><td class="num">&le; 3x</td><td>NO' in page
    assert '0.50x</td><td class="num">—</td><td>tracked' in page
    assert 'n/a</td><td class="num">—</td><td>n/a' in page
    assert "Sweep" not in page
    assert len(rows) == sum(len(v) for v in asv_ratios.TARGETS.values()) + 2
    assert not re.search(r"(src|href)=\"https?:", page)  # offline: nothing loaded from outside


def test_targets_js_holds_every_target_unquoted():
    text = asv_ratios.targets_js()
    assert text.startswith("window.REFCONV_TARGETS = ") and text.endswith(";\n")
    data = json.loads(text[len("window.REFCONV_TARGETS = ") : -2])
    assert set(data) == set(asv_ratios.TARGETS)
    speed = {tuple(t["params"]): t["target"] for t in data["bench_speed_table.SpeedTable.track_ratio"]}
    assert speed[("resnet",)] == 1.5 and speed[("int64",)] == 3.0 and len(speed) == 7
    assert data["bench_signal.Signal1DRatio.track_ratio_vs_oaconvolve"][0]["params"] == ["auto", "1001"]


# --- the published dashboard -------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """``asv publish`` of the committed results into a temporary folder, then asv_vendor.py on it."""
    pytest.importorskip("asv")  # the bench extra; .ci/run installs it after the main test run
    html = tmp_path_factory.mktemp("html")
    asv = [sys.executable, "-m", "asv"]
    subprocess.run([*asv, "publish", "--html-dir", str(html)], cwd=ROOT, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "tools/asv_vendor.py", str(html)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "ratios.html" in done.stdout
    return html


def test_vendor_adds_the_dashboard_once_and_loads_nothing_from_outside(published):
    for _ in range(2):  # idempotent: a second run adds nothing
        assert asv_vendor.vendor(published) == []
        asv_vendor.add_dashboard(published)
    index = (published / "index.html").read_text()
    tags = asv_vendor._LOADING_TAG.findall(index)
    assert tags
    for name in asv_vendor.DASHBOARD_SCRIPTS:
        assert index.count(f'src="{name}"') == 1 and (published / name).is_file()
    # The targets load before the script that reads them, both after asv's graphdisplay.js.
    assert index.index("graphdisplay.js") < index.index("refconv_targets.js") < index.index("refconv_dashboard.js")
    assert index.count('href="ratios.html"') == 1
    assert (published / "refconv_dashboard.js").read_bytes() == (ROOT / "benchmarks" / "dashboard.js").read_bytes()
    for page in published.glob("*.html"):
        assert not re.search(r"<(script|link)\b[^>]*(src|href)=\"(https?:)?//", page.read_text()), page.name
    ratios = (published / "ratios.html").read_text()
    assert "<h2>refconv-vm</h2>" in ratios and "bench_speed_table.SpeedTable.track_ratio" in ratios


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


def test_dashboard_script_parses():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    subprocess.run([node, "--check", str(ROOT / "benchmarks" / "dashboard.js")], check=True)


def _chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


@pytest.fixture(scope="module")
def served(published):
    """The published page on a loopback port; yields a function ``hash -> rendered DOM``."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium to render the page")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(published))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def render(fragment: str) -> str:
        url = f"http://127.0.0.1:{server.server_address[1]}/{fragment}"
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,800"]
        done = subprocess.run(
            [browser, *args, "--virtual-time-budget=8000", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout

    yield render
    server.shutdown()


def _x_ticks(dom: str) -> list[str]:
    axis = dom.split('class="flot-x-axis', 1)[1].split('class="flot-y-axis', 1)[0]
    return re.findall(r'class="flot-tick-label[^"]*"[^>]*>([^<]*)<', axis)


def test_ratio_graph_draws_its_target_and_commit_labels(served):
    dom = served("#bench_layer.ConvLayerRatio.track_ratio_vs_torch")
    assert "target ≤ 3x" in dom  # the label of the target line
    ticks = _x_ticks(dom)
    assert len(ticks) >= 3 and all(re.fullmatch(r"[0-9a-f]{8}", t) for t in ticks), ticks
    assert 'id="refconv-legend"' in dom and "legendLabel" in dom.split('id="refconv-legend"', 1)[1]


def test_speed_table_draws_a_target_per_row(served):
    dom = served("#bench_speed_table.SpeedTable.track_ratio?x-axis=row")
    labels = re.findall(r'class="refconv-target-label"[^>]*>([^<]*)<', dom)
    assert sorted(labels) == sorted(f"≤ {t:g}x" for t in asv_ratios._speed_targets().values())


def test_sweep_plots_on_a_log_axis_with_the_legend_beside_it(served):
    dom = served("#bench_sweep.Sweep.time_sweep?x-axis=n&y-axis-scale=log&p-kernel=3")
    assert _x_ticks(dom) == ["16", "32", "64", "128", "256", "512"]  # one tick per size: a log axis
    legend = dom.split('id="refconv-legend"', 1)[1]
    assert "method-direct" in legend and "method-auto" in legend
    assert "legend" not in dom.split('id="main-graph"', 1)[1].split('id="refconv-legend"', 1)[0]


# --- the guide's commands ----------------------------------------------------------------------


def test_guide_quick_path_is_what_the_scripts_accept():
    lines = _quick_path()
    assert lines == [
        "python3 -m venv .venv",
        ".venv/bin/python -m pip install -e '.[test,peers,bench]'",
        'export ASV_MACHINE="$(hostname)"',
        "tools/asv_history.sh --quick",
        '.venv/bin/python tools/asv_ratios.py --machine "$ASV_MACHINE-quick"',
    ]
    assert os.access(ROOT / "tools" / "asv_history.sh", os.X_OK)
    subprocess.run(["bash", "-n", "-c", "\n".join(lines)], check=True)
    text = GUIDE.read_text(encoding="utf-8")
    # No redundant publish step: the history script publishes and vendors.
    assert "asv publish" not in text and "asv_vendor.py .asv/html" not in text


def test_history_script_refuses_without_a_machine_name():
    env = {k: v for k, v in os.environ.items() if k != "ASV_MACHINE"}
    done = subprocess.run(["tools/asv_history.sh", "--quick"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "set ASV_MACHINE" in done.stderr and "refconv-vm" in done.stderr


def _fresh_clone(dest: Path) -> None:
    """A clone of this repository with the working tree's uncommitted changes applied."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    changed = subprocess.run(
        ["git", "ls-files", "-z", "-m", "-o", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, changed.split("\0")):
        source, target = ROOT / name, dest / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif target.exists():
            target.unlink()  # deleted in the working tree


@pytest.mark.skipif(os.environ.get("REFCONV_ASV_WORKFLOW") != "1", reason="long: set REFCONV_ASV_WORKFLOW=1")
def test_guide_quick_path_runs_as_pasted_in_a_fresh_clone(tmp_path):
    clone = tmp_path / "refconv"
    _fresh_clone(clone)
    script = "set -euo pipefail\n" + "\n".join(_quick_path()) + "\necho ASV_MACHINE=$ASV_MACHINE\n"
    env = {k: v for k, v in os.environ.items() if k not in ("ASV_MACHINE", "VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(["bash", "-c", script], cwd=clone, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    machine = done.stdout.rsplit("ASV_MACHINE=", 1)[1].strip() + "-quick"
    runs = [p for p in (clone / "benchmarks" / "results" / machine).glob("*.json") if p.name != "machine.json"]
    assert len(runs) == 1 and "existing-" in runs[0].name
    assert "| workload | ratio | target | met |" in done.stdout
    html = clone / ".asv" / "html"
    assert (html / "ratios.html").is_file() and f"<h2>{machine}</h2>" in (html / "ratios.html").read_text()
    assert 'src="refconv_dashboard.js"' in (html / "index.html").read_text()
