#!/usr/bin/env bash
# `make mutate`: mutation testing of the pure matcher (matcher/) with mutmut, against the pure matcher
# tests ([tool.mutmut] in pyproject.toml). CPU-heavy: runs under `nice`, with MUTATE_CHILDREN parallel
# mutants (default 1). Writes the score and every surviving mutant (its diff) to mutants/report.txt;
# docs/testing.md explains each survivor.
#
#   scripts/mutate.sh            a full run from scratch (what `make mutate` does)
#   scripts/mutate.sh --recheck  keeps mutants/ and runs again only the mutants that survived (or had
#                                no test) in the last run, against the tests as they are now; then the
#                                report. For iterating on tests: minutes instead of a full run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each surviving mutant runs every property test; 15 examples each keeps a run practical.
export DIVERT_PROPERTY_EXAMPLES="${DIVERT_PROPERTY_EXAMPLES:-15}"
run() { nice -n "${MUTATE_NICE:-10}" .venv/bin/mutmut run --max-children "${MUTATE_CHILDREN:-1}" "$@" >>mutants.log 2>&1 || true; }
rm -f mutants.log
if [[ "${1:-}" == "--recheck" ]]; then
  [[ -f mutants/results.txt ]] || { echo "no previous run (mutants/results.txt); run without --recheck" >&2; exit 1; }
  mapfile -t again < <(grep -E ': (survived|no tests|timeout|suspicious|segfault)$' mutants/results.txt | sed 's/^ *//; s/: .*$//')
  if ((${#again[@]})); then run "${again[@]}"; fi
else
  rm -rf mutants
  run
fi
mv mutants.log mutants/run.log
report=mutants/report.txt
.venv/bin/mutmut results --all true >mutants/results.txt
{
  echo "mutmut over matcher/ ($(date -u +%FT%TZ))"
  awk -F': ' '{n[$2]++} END {for (s in n) printf "  %-12s %d\n", s, n[s]}' mutants/results.txt | sort
  killed=$(grep -c ': killed$' mutants/results.txt || true)
  total=$(grep -cvE ': (skipped|not checked)$' mutants/results.txt || true)
  echo "  killed ${killed} of ${total} mutants checked"
  echo
  echo "Surviving mutants (each explained in docs/testing.md):"
  grep -E ': (survived|no tests|timeout|suspicious|segfault)$' mutants/results.txt | while IFS=': ' read -r name _; do
    echo "--- ${name}"
    .venv/bin/mutmut show "${name}" || true
  done
} >"$report"
sed -n '1,12p' "$report"
echo "full report: $report"
