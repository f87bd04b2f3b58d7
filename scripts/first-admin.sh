#!/usr/bin/env bash
# Create the first admin, asking in the terminal (scripts/app.sh runs it on a fresh install).
# The rules are stated before asking, and a refused username or password is asked for again
# instead of ending the set-up. tests/review/test_first_admin_script.py runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "No one can sign in yet. Create the first admin (or press Ctrl-C and run 'studio demo' instead)."
echo "The username: 2-64 lowercase letters, digits or . _ @ + - (an email works);"
echo "the password is asked for next, with its rule."
while true; do
  read -r -p "Admin username: " admin || { echo; echo "Stopped: no admin was created."; exit 1; }
  [ -n "$admin" ] && .venv/bin/studio users create-admin "$admin" && break
  echo "Not created (the reason is above); try again, or press Ctrl-C."
done
