#!/usr/bin/env bash
# Record asv results for a range of commits, then publish the dashboard for offline viewing.
#
#   tools/asv_history.sh [RANGE [ASV RUN OPTIONS...]]
#
# RANGE as for `git rev-list`, default main~5..main (A..B excludes A: the last 5 commits);
# e.g. `tools/asv_history.sh main --steps 8` spreads 8 commits over all of main's history.
#
# Each commit of RANGE is built into asv's virtualenv (.asv/env, created on first use from the
# pinned matrix in asv.conf.json) and measured with the benchmarks of the *working tree*, so a
# function missing at an old commit shows as n/a.  Commits already recorded for this machine are
# skipped.  Results go to benchmarks/results/<machine>/ (committed); the page to .asv/html.
# ASV_MACHINE names this host in the results (default refconv-vm, the 2-core reference VM): use
# another name on other hardware so that its numbers start their own series.
set -euo pipefail
cd "$(dirname "$0")/.."
RANGE=${1:-main~5..main}
shift || true
MACHINE=${ASV_MACHINE:-refconv-vm}
PY=${PYTHON:-.venv/bin/python}

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
"$PY" -m asv run --machine "$MACHINE" --skip-existing-commits --show-stderr "$@" "$RANGE"
"$PY" -m asv publish
"$PY" tools/asv_vendor.py .asv/html
