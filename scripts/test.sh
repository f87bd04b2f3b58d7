#!/usr/bin/env bash
# Set up and run the whole test suite: unit, SQLite and PostgreSQL database tests, AppTest pages
# and real-browser journeys in Debian's chromium. As root (CI) it installs the system packages
# it needs; otherwise it uses what is there and the tests that need a missing piece say so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/services.sh
ensure_system_packages
start_test_postgres
trap stop_test_postgres EXIT
export STUDIO_TEST_POSTGRES_URL HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/python -m pytest "$@"
