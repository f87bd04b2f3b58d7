#!/usr/bin/env bash
# Set up (first run only) and start the app on http://127.0.0.1:8501, with a `studio worker` beside
# it, on the embedded defaults:
# SQLite in var/, offline copy and image backends, the example brands in brand_guidelines/.
# On a fresh install it offers to create the first admin (you choose the password).
set -euo pipefail
cd "$(dirname "$0")/.."
STUDIO_EXTRAS=${STUDIO_EXTRAS:-dev} bash scripts/setup.sh
.venv/bin/studio db upgrade
.venv/bin/studio brands validate || echo "(some brand files are invalid: the app lists them on the Brand page)"
if .venv/bin/studio users needs-admin >/dev/null; then
  if [ -t 0 ]; then
    echo
    bash scripts/first-admin.sh
  else
    echo "No admin yet: create the first admin with '.venv/bin/studio users create-admin USERNAME'," \
         "or run '.venv/bin/studio demo' for demo accounts."
  fi
fi
# The worker runs what the pages queue (generating, rendering, exporting): closing the browser
# does not stop the work. Its scheduler reweights due tests and checks copy drift, as the system
# account `scheduler` (README: Jobs). It stops with the app (Ctrl-C, or a SIGTERM to this script).
.venv/bin/studio worker &
worker=$!
app=""
stop_all() {
  kill -TERM $app "$worker" 2>/dev/null || true
  wait $app "$worker" 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
.venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port "${STUDIO_PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false "$@" &
app=$!
wait "$app"
