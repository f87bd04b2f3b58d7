#!/usr/bin/env bash
# The house-style gates, in the order CI runs them; any violation fails the run.
#   ruff check .          lint
#   ruff format --check . formatting
#   mypy                  strict types on studio/ (pyproject [tool.mypy])
#   lint-imports          the import rules between layers (pyproject [tool.importlinter])
# Uses .venv (scripts/setup.sh installs the dev extras); pre-commit and .ci/run call this script.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
status=0
run() {
  echo "== $*"
  "$bin/$1" "${@:2}" || status=1
}
run ruff check .
run ruff format --check .
run mypy
run lint-imports
if [ "$status" != 0 ]; then
  echo "check.sh: a style gate failed (see above)" >&2
fi
exit "$status"
