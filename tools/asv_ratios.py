"""Print the issue's target ratios and the sweep's crossovers from one recorded asv run.

Reads ``benchmarks/results/<machine>/<commit>-*.json`` (the newest commit by date unless one is
named) and prints every ``track_ratio_vs_*`` value with its target, then the method sweep
(``bench_sweep.Sweep.time_sweep``) as a table with the fastest method per size.

Usage: ``python tools/asv_ratios.py [--machine NAME] [--commit SHA-PREFIX]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _speed_targets() -> dict[str, float]:
    """The speed table's rows and targets, read from the benchmark module (one list)."""
    import sys

    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_speed_table import TARGETS as rows

    return rows


#: benchmark -> (parameter values whose ratio the issue targets, target, what it means).
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
    "bench_speed_table.SpeedTable.track_ratio": [
        ((f"'{row}'",), target, f"speed table: {row}") for row, target in _speed_targets().items()
    ],
    "bench_signal.Signal1DRatio.track_ratio_vs_oaconvolve": [
        (("'auto'", "1001"), 1.5, "1-D 1e6 samples 1001 taps, auto vs scipy.signal.oaconvolve"),
    ],
}


def _load(machine: str, commit: str | None) -> dict:
    folder = ROOT / "benchmarks" / "results" / machine
    runs = [json.loads(p.read_text()) for p in folder.glob("*.json") if p.name != "machine.json"]
    if commit:
        runs = [r for r in runs if r["commit_hash"].startswith(commit)]
    if not runs:
        raise SystemExit(f"asv_ratios: no results for machine {machine!r} commit {commit!r} in {folder}")
    return max(runs, key=lambda r: r["date"])


def _table(run: dict, name: str) -> dict[tuple, float]:
    """``{param values: result}`` of one benchmark (asv stores results in product order)."""
    entry = run["results"].get(name)
    if entry is None:
        return {}
    values, params = entry[0], entry[1]
    return {combo: (math.nan if v is None else v) for combo, v in zip(itertools.product(*params), values or [])}


def _fmt_time(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default="refconv-vm")
    parser.add_argument("--commit", default=None)
    args = parser.parse_args()
    run = _load(args.machine, args.commit)
    print(f"commit {run['commit_hash'][:8]}  env {run['env_name']}  machine {args.machine}\n")

    print("| workload | ratio | target | met |\n| --- | ---: | ---: | --- |")
    for name, rows in TARGETS.items():
        table = _table(run, name)
        for combo, target, what in rows:
            value = table.get(combo, math.nan)
            met = "n/a" if math.isnan(value) else ("yes" if value <= target else "NO")
            print(f"| {what} | {value:.2f}x | <= {target}x | {met} |")
    print("\nAll ratio tracks (refconv time / peer time):")
    for name in sorted(n for n in run["results"] if ".track_ratio_vs_" in n):
        cells = ", ".join(
            f"{'/'.join(c.strip(chr(39)) for c in combo) or '-'}: {v:.3g}" for combo, v in _table(run, name).items()
        )
        print(f"  {name.split('.', 1)[1]}: {cells}")

    sweep = _table(run, "bench_sweep.Sweep.time_sweep")
    if sweep:
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


if __name__ == "__main__":
    main()
