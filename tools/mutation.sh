#!/usr/bin/env bash
# Mutation testing of refconv's core with mutmut 3 (pip install mutmut), one module at a time.
#
#   tools/mutation.sh                 # every core module: spec taps direct matrices pooling bounds gemm
#   tools/mutation.sh spec pooling    # some of them
#   MUTATION_SAMPLE='refconv.spec.x__out*' tools/mutation.sh spec   # only matching mutants (a CI sample)
#   MUTATION_SAMPLE="$(cat survivors.txt)" tools/mutation.sh spec   # re-run a list of mutant names
#
# Each module runs in its own scratch copy of the tracked and untracked (not ignored) files (MUTATION_DIR, default
# /tmp/refconv-mutation/<module>), so the repository never holds mutmut's `mutants/` tree and a
# run sees a fixed snapshot of the sources.  The copy's [tool.mutmut] section (pyproject.toml)
# is rewritten to mutate that one module and to run only the fast tests that exercise it;
# mutmut then runs, for each mutant, only the tests that call the mutated function.
# Hypothesis runs the `dev` profile with a fixed seed (deterministic verdicts), and
# tools/mutation_plugin.py empties refconv's memo caches before every test (a cached spec would
# hide the call from mutmut's test-to-function map).  Results: <dir>/mutants/mutmut-cicd-stats.json
# and a summary line per module; `cd <dir> && mutmut results` lists the survivors and
# `mutmut show NAME` shows one.  Tests whose names say torch, dask or onnxruntime are left out (a peer import per
# mutant); refconv's own torch-convention code (pooling.lp_pool_torch) is tested under other names.
# MUTATION_JOBS sets the workers (default 1: the machine is shared).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
mutmut="$(dirname "$python")/mutmut"
base="${MUTATION_DIR:-/tmp/refconv-mutation}"
jobs="${MUTATION_JOBS:-1}"
modules=("$@")
[ ${#modules[@]} -eq 0 ] && modules=(spec taps direct matrices pooling bounds gemm)

# Each set holds the module's own tests and every module test that states its contracts by hand
# (the tests once gathered in test_mutation_killers.py live there now); the bad-call tables run
# through tests/test_argument_validation.py.
declare -A source tests
source[spec]="refconv/spec/*.py"  # a package: only_mutate is matched with fnmatch
tests[spec]="tests/test_spec.py tests/test_taps.py tests/test_convolution.py tests/test_layer.py tests/test_pooling.py tests/test_methods.py tests/test_matrices.py tests/test_argument_validation.py refconv/spec"
source[taps]="refconv/_taps.py"
tests[taps]="tests/test_taps.py tests/test_spec.py tests/test_convolution.py tests/test_methods.py tests/test_pooling.py tests/test_matrices.py tests/test_argument_validation.py refconv/_taps.py"
source[direct]="refconv/methods/direct.py refconv/methods/adjoint.py refconv/methods/_rational.py"  # one or more patterns, spaces between
tests[direct]="tests/test_methods.py tests/test_convolution.py tests/test_layer.py tests/test_spec.py tests/test_taps.py tests/test_pooling.py tests/test_matrices.py"
source[matrices]="refconv/matrices/*.py"  # a package: only_mutate is matched with fnmatch
tests[matrices]="tests/test_matrices.py tests/test_costs.py tests/test_spec.py tests/test_taps.py tests/test_methods.py tests/test_pooling.py tests/test_argument_validation.py refconv/matrices"
source[pooling]="refconv/pooling/*.py"  # a glob: mutmut matches only_mutate with fnmatch
tests[pooling]="tests/test_pooling.py tests/test_adaptive_pooling.py tests/test_unpool.py tests/test_pooling_options.py tests/test_spec.py tests/test_taps.py tests/test_methods.py tests/test_matrices.py tests/test_argument_validation.py refconv/pooling"
source[gemm]="refconv/_gemm.py"
tests[gemm]="tests/test_gemm.py tests/test_methods.py tests/test_layer.py tests/test_resources.py"
source[bounds]="refconv/bounds/*.py"
tests[bounds]="tests/test_bounds.py tests/test_device_arithmetic.py tests/test_checkable_ops.py tests/test_argument_validation.py refconv/bounds"

toml_list() { # words -> a TOML list of strings
    local out="" w
    for w in "$@"; do out+="\"$w\", "; done
    echo "[${out%, }]"
}

for module in "${modules[@]}"; do
    [ -n "${source[$module]:-}" ] || { echo "unknown module '$module'; expected: ${!source[*]}" >&2; exit 2; }
    work="$base/$module"
    rm -rf "$work" && mkdir -p "$work"
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work" 2>/dev/null || true)
    existing=()
    for t in ${tests[$module]}; do [ -e "$work/$t" ] && existing+=("$t"); done
    # Replace the [tool.mutmut] section by this module's settings (same keys, narrower values).
    "$python" - "$work/pyproject.toml" "${source[$module]}" "$(toml_list "${existing[@]}")" <<'EOF'
import json, re, sys
path, module, selection = sys.argv[1:]
text = re.sub(r"\n\[tool\.mutmut\]\n(?:(?!\n\[).)*", "", open(path).read(), flags=re.S)
text += f"""
[tool.mutmut]
source_paths = ["refconv"]
only_mutate = {json.dumps(module.split())}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "mutation_plugin", "--hypothesis-seed=0", "-x", "-q",
                       "-k", "(not torch and not dask and not onnxruntime) or lp_pool_torch"]
pytest_add_cli_args_test_selection = {selection}
"""
open(path, "w").write(text)
EOF
    echo "== $module: mutating ${source[$module]} against ${existing[*]}"
    start=$(date +%s)
    (
        cd "$work"
        export HYPOTHESIS_PROFILE=dev PYTHONPATH="$work/tools" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
        set -f  # MUTATION_SAMPLE holds names and globs, one or more, separated by spaces
        # shellcheck disable=SC2086
        "$mutmut" run --max-children "$jobs" ${MUTATION_SAMPLE:-} >"$work/mutmut.log" 2>&1 || true
        set +f
        "$mutmut" export-cicd-stats >/dev/null 2>&1 || true
    )
    "$python" - "$work/mutants/mutmut-cicd-stats.json" "$module" "$(($(date +%s) - start))" <<'EOF'
import json, sys
path, module, seconds = sys.argv[1:]
try:
    s = json.load(open(path))
except OSError:
    sys.exit(f"{module}: no results (see the mutmut.log beside {path})")
# Mutants with a verdict (a sample leaves the others unchecked); "no tests" counts as surviving.
tried = sum(s[k] for k in ("killed", "timeout", "survived", "no_tests", "suspicious", "segfault"))
score = 100 * (s["killed"] + s["timeout"]) / max(tried, 1)
print(f"{module}: {s['killed']} killed + {s['timeout']} timeout of {tried} mutants = {score:.1f}% "
      f"({s['total']} generated)  "
      f"(survived {s['survived']}, no tests {s['no_tests']}, suspicious {s['suspicious']}, "
      f"segfault {s['segfault']}; {seconds} s)")
EOF
done
