#!/usr/bin/env bash
# Record asv results on this machine, then publish the dashboard for offline viewing.
#
#   ASV_MACHINE=<name> tools/asv_history.sh --quick               # ~1 min: one quick round
#   ASV_MACHINE=<name> tools/asv_history.sh [RANGE [ASV RUN OPTIONS...]]
#
# ASV_MACHINE (required) names this host in the results: asv draws one series per machine, and
# the committed results are the 2-core reference VM's (`refconv-vm`; only that VM uses that
# name), so another host's numbers must start their own series.  The performance guide
# (docs/guides/performance.rst) walks through both modes from a fresh clone.
#
# --quick measures the checked-out working tree once, in the current venv (`asv run --python=same
# --quick`, ratio tracks one round each; about 40 s on 2 cores), labelled with HEAD's hash, under
# the machine name "$ASV_MACHINE-quick": single samples, kept apart from the real series (and from
# --skip-existing-commits, which would otherwise skip HEAD in a later history run).
#
# RANGE as for `git rev-list`, default main~5..main (A..B excludes A: the last 5 commits, about
# 20 min on 2 cores plus ~3 min to build .asv/env on first use); `'HEAD^!'` is one commit (about
# 3.5 min); `main --steps 8` spreads 8 commits over all of main's history.  Each commit is built
# into asv's virtualenv (.asv/env, created from the pinned matrix in asv.conf.json) and measured
# with the benchmarks of the *working tree*, so a function missing at an old commit shows as n/a.
# Commits already recorded for this machine are skipped.
#
# Results go to benchmarks/results/<machine>/; the page to .asv/html, made to work offline (and
# given its ratio summary, ratios.html) by tools/asv_vendor.py.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ASV_MACHINE:-}" ]; then
    echo "asv_history: set ASV_MACHINE to a name for this machine, e.g. ASV_MACHINE=\$(hostname) $0 $*" >&2
    echo "  (refconv-vm is the reference VM whose results are committed; use it only there)" >&2
    exit 2
fi
PY=${PYTHON:-.venv/bin/python}
QUICK=0
if [ "${1:-}" = "--quick" ]; then
    QUICK=1
    shift
    MACHINE=$ASV_MACHINE-quick
else
    MACHINE=$ASV_MACHINE
    RANGE=${1:-main~5..main}
    shift || true
fi

# `asv machine --yes --machine X` records only the name (asv drops every detected value equal to
# its default); store the name with asv's detected os/arch/cpu/num_cpu/ram instead -- or, when
# this machine name already has committed results, their recorded description: asv splits a
# graph into series by these values, and a new VM of the same kind differs in its kernel build.
"$PY" -c "
import json, pathlib, sys
from asv.machine import Machine, MachineCollection
name, recorded = sys.argv[1], pathlib.Path('benchmarks/results') / sys.argv[1] / 'machine.json'
info = {**Machine.get_defaults(), 'machine': name}
if recorded.exists():
    info.update({k: v for k, v in json.loads(recorded.read_text()).items() if k != 'version'})
MachineCollection.save(name, info)" "$MACHINE"
if [ "$QUICK" = 1 ]; then
    REFCONV_BENCH_QUICK=1 "$PY" -m asv run --machine "$MACHINE" --python=same --quick \
        --set-commit-hash "$(git rev-parse HEAD)" --show-stderr "$@"
else
    "$PY" -m asv run --machine "$MACHINE" --skip-existing-commits --show-stderr "$@" "$RANGE"
fi
"$PY" -m asv publish
"$PY" tools/asv_vendor.py .asv/html
