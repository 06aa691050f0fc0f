"""The ratio benchmarks against their targets, and the sweep's crossovers, from recorded asv runs.

``TARGETS`` below is the one list of the issues' target ratios (the speed table's rows come from
``benchmarks/bench_speed_table.TARGETS``).  Three readers use it:

- this script prints, for one recorded run (``benchmarks/results/<machine>/<commit>-*.json``, the
  newest by date unless a commit is named), every targeted ratio with its target, every ratio
  track, and the method sweep (``bench_sweep.Sweep.time_sweep``) with the fastest method per size;
- ``tools/asv_vendor.py`` writes :func:`summary_html` (every ``track_ratio*`` benchmark of the
  newest run of every machine, against its target) as ``ratios.html`` into the published dashboard;
- ``tools/asv_vendor.py`` writes :func:`targets_js` into the dashboard, where
  ``benchmarks/dashboard.js`` draws each target as a line on its ratio graph.

Usage: ``python tools/asv_ratios.py [--machine NAME] [--commit SHA-PREFIX]`` (the machine defaults
to ``$ASV_MACHINE``, else ``refconv-vm``, the reference VM whose results are committed).
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
#: The machine whose results are committed (the 2-core reference VM).
REFERENCE_MACHINE = "refconv-vm"


def _speed_targets() -> dict[str, float]:
    """The speed table's rows and targets, read from the benchmark module (one list)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_speed_table import TARGETS as rows

    return rows


def _oracle_targets() -> dict[str, float]:
    """The oracle-at-layer-scale rows and targets, read from their benchmark module (one list)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_oracle import TARGETS as rows

    return rows


#: benchmark -> [(parameter values whose ratio the issue targets, target, what it means)].
#: Parameter values are spelled as asv stores them (``"'direct'"``, ``"1001"``).
TARGETS = {
    "bench_edge.EdgeDetectorRatio.track_ratio_vs_numpy_slicing": [
        (("'direct'",), 2.0, "figure 9.6, direct vs x[:, 1:] - x[:, :-1] (stretch 1.5)"),
        (("'matvec-sparse'",), 3.0, "figure 9.6, prebuilt sparse matvec vs slicing"),
    ],
    "bench_same.Same3x3Ratio.track_ratio_vs_correlate2d": [
        (("'auto'",), 1.0, "512x512 3x3 same float64, auto vs scipy.signal.correlate2d"),
        (("'direct'",), 1.0, "512x512 3x3 same float64, direct vs scipy.signal.correlate2d"),
    ],
    "bench_layer.ConvLayerRatio.track_ratio_vs_torch": [
        ((), 3.0, "CNN layer float32, refconv.conv vs torch, same threads (stretch 2)"),
    ],
    "bench_exact.Int64ConvRatio.track_ratio_vs_convolve2d": [
        (("'auto'",), 1.0, "int64 128x128 5x5, auto vs scipy.signal.convolve2d"),
    ],
    "bench_exact.FractionConvRatio.track_ratio_vs_object_shift_add": [
        (("'auto'",), 0.1, "Fraction 64x64 3x3, auto vs object-array shift-and-add"),
    ],
    "bench_exact.CoprimeFractionRatio.track_ratio_vs_fraction_loop": [
        (("'auto'",), 1.0, "400 coprime Fractions, 200 taps, auto vs a plain Fraction loop"),
    ],
    "bench_speed_table.SpeedTable.track_ratio": [
        ((f"'{row}'",), target, f"speed table: {row}") for row, target in _speed_targets().items()
    ],
    "bench_oracle.OracleAtLayerScale.track_ratio": [
        ((f"'{row}'",), target, f"ResNet 3x3 layer: {row} vs refconv.conv float64")
        for row, target in _oracle_targets().items()
    ],
    "bench_signal.Signal1DRatio.track_ratio_vs_oaconvolve": [
        (("'auto'", "1001"), 1.5, "1-D 1e6 samples 1001 taps, auto vs scipy.signal.oaconvolve"),
    ],
}


def is_ratio(name: str) -> bool:
    """Whether benchmark ``name`` records a refconv/peer ratio (``track_ratio`` or ``track_ratio_vs_*``)."""
    return name.rsplit(".", 1)[-1].startswith("track_ratio")


def machines(results_dir: Path = RESULTS) -> list[str]:
    """The machine names with recorded results under ``results_dir``, sorted."""
    return sorted(p.parent.name for p in results_dir.glob("*/machine.json"))


def load(machine: str, commit: str | None = None, results_dir: Path = RESULTS) -> dict:
    """The newest recorded run of ``machine`` (of the commit starting with ``commit`` if given)."""
    folder = results_dir / machine
    runs = [json.loads(p.read_text()) for p in folder.glob("*.json") if p.name != "machine.json"]
    if commit:
        runs = [r for r in runs if r["commit_hash"].startswith(commit)]
    if not runs:
        raise SystemExit(f"asv_ratios: no results for machine {machine!r} commit {commit!r} in {folder}")
    return max(runs, key=lambda r: r["date"])


def table(run: dict, name: str) -> dict[tuple, float]:
    """``{param values: result}`` of one benchmark (asv stores results in product order); NaN for n/a."""
    entry = run["results"].get(name)
    if entry is None:
        return {}
    values, params = entry[0], entry[1]
    return {combo: (math.nan if v is None else v) for combo, v in zip(itertools.product(*params), values or [])}


def verdict(value: float, target: float | None) -> str:
    """``"yes"`` / ``"NO"`` for a ratio against its target; ``"n/a"`` unmeasured; ``"tracked"`` no target."""
    if math.isnan(value):
        return "n/a"
    if target is None:
        return "tracked"
    return "yes" if value <= target else "NO"


def ratio_rows(run: dict) -> list[dict]:
    """Every ratio of ``run`` (every ``track_ratio*`` benchmark, every parameter set), with its target.

    Each row is ``{"benchmark", "params", "value", "target", "what", "met"}``; ``target`` and
    ``what`` are None for a ratio the issues only track.  Targeted ratios come first, in
    ``TARGETS`` order (a target whose benchmark was not recorded shows ``n/a``), then the rest by name.
    """
    rows, seen = [], set()
    for name, wanted in TARGETS.items():
        values = table(run, name)
        for combo, target, what in wanted:
            value = values.get(combo, math.nan)
            rows.append(dict(benchmark=name, params=combo, value=value, target=target, what=what))
            seen.add((name, combo))
    for name in sorted(n for n in run["results"] if is_ratio(n)):
        for combo, value in table(run, name).items():
            if (name, combo) not in seen:
                rows.append(dict(benchmark=name, params=combo, value=value, target=None, what=None))
    for row in rows:
        row["met"] = verdict(row["value"], row["target"])
    return rows


def _params_text(combo: tuple) -> str:
    return ", ".join(c.strip("'") for c in combo) or "-"


def summary_html(results_dir: Path = RESULTS) -> str:
    """``ratios.html``: per machine, the newest run's ratios against their targets, linked to their graphs."""
    parts = []
    for machine in machines(results_dir):
        try:
            run = load(machine, results_dir=results_dir)
        except SystemExit:
            continue  # a machine.json with no run yet (e.g. after an `asv check`)
        lines = []
        for row in ratio_rows(run):
            target = "—" if row["target"] is None else f"&le; {row['target']:g}x"
            value = "n/a" if math.isnan(row["value"]) else f"{row['value']:.2f}x"
            graph = html.escape(row["benchmark"], quote=True)
            cls = {"yes": "success", "NO": "danger"}.get(row["met"], "")
            lines.append(
                f'<tr class="{cls}"><td><a href="index.html#{graph}">{html.escape(row["benchmark"])}</a></td>'
                f"<td>{html.escape(_params_text(row['params']))}</td><td>{html.escape(row['what'] or '')}</td>"
                f'<td class="num">{value}</td><td class="num">{target}</td><td>{row["met"]}</td></tr>'
            )
        parts.append(
            f"<h2>{html.escape(machine)}</h2><p>commit <code>{run['commit_hash'][:8]}</code>, "
            f"environment <code>{html.escape(run['env_name'])}</code></p>"
            '<table class="table table-condensed"><thead><tr><th>benchmark</th><th>parameters</th>'
            "<th>workload</th><th>ratio</th><th>target</th><th>met</th></tr></thead><tbody>"
            + "\n".join(lines)
            + "</tbody></table>"
        )
    body = "\n".join(parts) or "<p>No recorded results.</p>"
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>refconv: ratios against targets</title>'
        '<link rel="stylesheet" href="vendor/bootstrap-3.1.1/css/bootstrap.min.css">'
        "<style>body{margin:2em} td.num{text-align:right}</style></head><body>"
        '<p><a href="index.html">&larr; the dashboard</a></p><h1>Ratios against their targets</h1>'
        "<p>refconv time / peer time, measured in one process in alternating rounds (below 1: refconv "
        "is faster). Each machine's newest recorded run; a ratio without a target is tracked only. "
        "Generated by <code>tools/asv_ratios.py</code>.</p>\n" + body + "\n</body></html>\n"
    )


def targets_js() -> str:
    """``refconv_targets.js``: ``TARGETS`` for ``benchmarks/dashboard.js`` (parameter values unquoted, as graphed)."""
    data = {
        name: [
            {"params": [c.strip("'") for c in combo], "target": target, "what": what} for combo, target, what in rows
        ]
        for name, rows in TARGETS.items()
    }
    return "window.REFCONV_TARGETS = " + json.dumps(data, indent=1, sort_keys=True) + ";\n"


def _fmt_time(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _print_sweep(run: dict) -> None:
    sweep = table(run, "bench_sweep.Sweep.time_sweep")
    if not sweep:
        return
    methods = sorted(
        {c[0] for c in sweep},
        key=lambda m: ["'direct'", "'dense'", "'sparse'", "'fft'"].index(m) if m != "'auto'" else 9,
    )
    print("\nSweep, n x n (x) k x k valid, float64 (fastest of direct/dense/sparse/fft marked *):")
    print("| k | n | " + " | ".join(m.strip("'") for m in methods) + " |")
    print("| --- | ---: |" + " ---: |" * len(methods))
    for k in sorted({c[2] for c in sweep}, key=int):
        for n in sorted({c[1] for c in sweep}, key=int):
            times = {m: sweep.get((m, n, k), math.nan) for m in methods}
            real = {m: t for m, t in times.items() if m != "'auto'" and not math.isnan(t)}
            best = min(real, key=real.get) if real else None
            cells = [_fmt_time(times[m]) + ("*" if m == best else "") for m in methods]
            print(f"| {k} | {n} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=os.environ.get("ASV_MACHINE") or REFERENCE_MACHINE)
    parser.add_argument("--commit", default=None)
    args = parser.parse_args(argv)
    run = load(args.machine, args.commit)
    print(f"commit {run['commit_hash'][:8]}  env {run['env_name']}  machine {args.machine}\n")

    rows = ratio_rows(run)
    print("| workload | ratio | target | met |\n| --- | ---: | ---: | --- |")
    for row in rows:
        if row["target"] is not None:
            print(f"| {row['what']} | {row['value']:.2f}x | <= {row['target']}x | {row['met']} |")
    print("\nAll ratio tracks (refconv time / peer time):")
    for name in sorted(n for n in run["results"] if is_ratio(n)):
        cells = ", ".join(
            f"{'/'.join(c.strip(chr(39)) for c in combo) or '-'}: {v:.3g}" for combo, v in table(run, name).items()
        )
        print(f"  {name.split('.', 1)[1]}: {cells}")
    _print_sweep(run)


if __name__ == "__main__":
    main()
