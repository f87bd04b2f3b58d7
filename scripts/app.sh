#!/usr/bin/env bash
# Set up (first run only) and start the app on http://127.0.0.1:8501 with the embedded defaults:
# SQLite in var/, offline copy and image backends, the example brands in brand_guidelines/.
set -euo pipefail
cd "$(dirname "$0")/.."
STUDIO_EXTRAS=${STUDIO_EXTRAS:-dev} bash scripts/setup.sh
.venv/bin/studio db upgrade
.venv/bin/studio brands validate || echo "(some brand files are invalid: the app lists them on the Brand page)"
exec .venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port "${STUDIO_PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false "$@"
