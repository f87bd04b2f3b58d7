#!/usr/bin/env bash
# Create .venv and install studio with its dependencies (idempotent; fast when nothing changed).
# torch is installed first so that the CPU wheel is used on machines without a GPU; a user with
# a GPU installs their CUDA build of torch into .venv before running this (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.studio-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    .venv/bin/python -m pip install --quiet "torch==${STUDIO_TORCH_VERSION:-2.13.0}"
  fi
  .venv/bin/python -m pip install --quiet -e ".[${STUDIO_EXTRAS:-dev}]"
  touch "$stamp"
fi
