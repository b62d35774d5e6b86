#!/usr/bin/env bash
# Mutation testing of adamtheory/rules.py and adamtheory/theory/ with mutmut 3 (docs/mutation.md).
#
#   bash mutation/run.sh                        # the whole run (about 45 min on one core)
#   bash mutation/run.sh 'adamtheory.rules.*'   # only the mutants matching the glob(s)
#   MUTATION_BASELINE=1 bash mutation/run.sh    # with tests/test_mutation_kills_*.py emptied
#   MUTATION_RESUME=1 bash mutation/run.sh [GLOB...]
#       # keep the last run's copy and results, refresh tests/test_mutation_kills_*.py, re-test the
#       # given mutants (default: every survived, untested or suspicious mutant)
#
# Not part of the default test run or CI. Needs the `mutation` extra (pip install -e .[mutation]).
# The repository is never modified: everything happens in a scratch copy ($MUTATION_WORKDIR,
# default /tmp/mut-src), made afresh on every call except with MUTATION_RESUME=1.
# Environment: MUTATION_JOBS (parallel mutant workers, default 1), MUTATION_WORKDIR, PYTHON
# (the interpreter whose environment has adamtheory's dependencies and mutmut; default
# .venv/bin/python when it exists, else python3).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${MUTATION_WORKDIR:-/tmp/mut-src}
jobs=${MUTATION_JOBS:-1}
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$repo/.venv/bin/python" ]]; then PYTHON="$repo/.venv/bin/python"; else PYTHON=python3; fi
fi
work=$(realpath -m "$work")
case "$work/" in
    "$repo"/*) echo "MUTATION_WORKDIR must lie outside the repository ($repo)" >&2; exit 2 ;;
esac
"$PYTHON" -c "import mutmut" 2>/dev/null || {
    echo "mutmut is not installed for $PYTHON: pip install -e '.[mutation]'" >&2; exit 2; }

copy_tree() {  # copy_tree SRC DEST [tar excludes...]: a plain copy without git, venv, caches
    local src=$1 dest=$2; shift 2
    tar -C "$src" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='*.egg-info' \
        --exclude='__pycache__' --exclude=.pytest_cache --exclude=.hypothesis \
        --exclude=./mutants --exclude=./docs/_build --exclude=./notebooks --exclude=./figures \
        "$@" -cf - . | tar -C "$dest" -xf -
}

use_existing_tests() {  # drop test files named in setup.cfg that this checkout lacks
    "$PYTHON" - <<'PY'
import pathlib, re
cfg = pathlib.Path("setup.cfg")
keep = []
for line in cfg.read_text().splitlines():
    m = re.match(r"\s+(tests/[^:\s]+\.py)", line)
    if m and not pathlib.Path(m.group(1)).exists():
        print(f"   (skipping missing {m.group(1)})")
        continue
    keep.append(line)
cfg.write_text("\n".join(keep) + "\n")
PY
}

if [[ -n "${MUTATION_RESUME:-}" ]]; then
    [[ -e "$work/.mutation-workdir" && -d "$work/mutants" ]] || {
        echo "no previous run in $work to resume" >&2; exit 2; }
    # only the kill tests are refreshed: the rest of tests/ must stay as the mutated sources
    # were when the mutants were made (mutmut would otherwise run new tests on old code)
    echo "== refreshing tests/test_mutation_kills_*.py in $work (sources and mutants kept)"
    cp "$repo"/tests/test_mutation_kills_*.py "$work/tests/"
    cd "$work"
    cp "$repo/mutation/mutmut.cfg" setup.cfg
    use_existing_tests
    if [[ $# -eq 0 ]]; then
        mapfile -t names < <("$PYTHON" "$repo/mutation/survivors.py" --status survived,no_tests,suspicious \
                             | cut -f1)
        echo "== re-testing ${#names[@]} surviving / untested / suspicious mutants"
        set -- "${names[@]}"
    fi
else
    echo "== copying $repo -> $work"
    # the copy is recreated on every call; refuse to delete a directory this script did not make
    if [[ -e "$work" && ! -e "$work/.mutation-workdir" && -n "$(ls -A "$work" 2>/dev/null)" ]]; then
        echo "$work exists and was not made by mutation/run.sh: choose another MUTATION_WORKDIR" >&2
        exit 2
    fi
    rm -rf "$work"
    mkdir -p "$work"
    touch "$work/.mutation-workdir"
    copy_tree "$repo" "$work"
    cd "$work"
    cp mutation/mutmut.cfg setup.cfg
    cp mutation/mutant_cache.py adamtheory/_mutation_cache.py
    "$PYTHON" mutation/uncache.py "$work" adamtheory/theory/*.py
    if [[ -n "${MUTATION_BASELINE:-}" ]]; then
        # keep the files (same test selection, so a later MUTATION_RESUME=1 can add them back)
        for f in tests/test_mutation_kills_*.py; do
            printf '"""Emptied for the baseline mutation run."""\n' > "$f"
        done
    fi
    use_existing_tests
fi

export PYTHONPATH="$work"
echo "== mutmut $("$PYTHON" -c 'import importlib.metadata as m; print(m.version("mutmut"))')," \
     "$jobs worker(s), log in $work/mutmut-run.log"
start=$(date +%s)
status=0
"$PYTHON" -m mutmut run --max-children "$jobs" "$@" > mutmut-run.log 2>&1 || status=$?
tr '\r' '\n' < mutmut-run.log | grep -v '^\s*$' | tail -n 4
echo "== mutmut exited with $status after $(( $(date +%s) - start )) s"

"$PYTHON" -m mutmut export-cicd-stats >/dev/null
"$PYTHON" "$repo/mutation/survivors.py" --status all > mutants/results.tsv
"$PYTHON" - <<'PY'
import json
s = json.load(open("mutants/mutmut-cicd-stats.json"))
get = lambda k: s.get(k, 0)  # noqa: E731
judged = get("killed") + get("survived") + get("timeout") + get("suspicious")
print(f"killed {get('killed')}, survived {get('survived')}, timeout {get('timeout')}, "
      f"suspicious {get('suspicious')}, no tests {get('no_tests')}, "
      f"not checked {get('not_checked')}, total {get('total')}")
if judged + get("no_tests"):
    print(f"score (killed + timeout) / (judged + no tests): "
          f"{(get('killed') + get('timeout')) / (judged + get('no_tests')):.1%}")
PY
echo "== surviving / untested mutants by function (all mutants with diffs: $work/mutants/results.tsv)"
grep -P '\t(survived|no_tests)\t' mutants/results.tsv | cut -f1 | sed 's/__mutmut_[0-9]*$//' \
    | sort | uniq -c | sort -rn || echo "   none"
exit "$status"
