"""scripts/app.sh starts ``studio worker`` beside Streamlit and stops it when the app stops.

The script runs for real in a copy of the repository layout whose ``.venv/bin`` holds stand-ins
for ``studio`` and ``streamlit`` that record how they were started and how they ended.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

STAND_IN = """#!/usr/bin/env bash
name=$(basename "$0")
case "$name $1" in
  "studio worker"|"streamlit run")
    echo "$name $* started" >> "$LOG"
    trap 'echo "$name stopped by TERM" >> "$LOG"; exit 0' TERM
    while true; do sleep 0.1; done ;;
  "studio users") exit 1 ;;  # an admin exists
  *) exit 0 ;;
esac
"""


def _checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "scripts" / "app.sh", root / "scripts" / "app.sh")
    (root / "scripts" / "setup.sh").write_text("exit 0\n")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("studio", "streamlit"):
        (bin_dir / name).write_text(STAND_IN)
        (bin_dir / name).chmod(0o755)
    return root


def _wait_for(log: Path, text: str, count: int = 1) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        content = log.read_text() if log.exists() else ""
        if content.count(text) >= count:
            return content
        time.sleep(0.05)
    raise AssertionError(
        f"{text!r} not seen {count}x in: {log.read_text() if log.exists() else ''}"
    )


def test_app_script_runs_a_worker_beside_streamlit_and_stops_both(tmp_path: Path) -> None:
    root, log = _checkout(tmp_path), tmp_path / "log"
    script = subprocess.Popen(
        ["bash", "scripts/app.sh"],
        cwd=root,
        env={**os.environ, "LOG": str(log)},
        stdin=subprocess.DEVNULL,
    )
    content = _wait_for(log, "started", count=2)
    assert "studio worker started" in content and "streamlit run app.py" in content
    script.send_signal(signal.SIGTERM)
    script.wait(timeout=30)
    content = _wait_for(log, "stopped by TERM", count=2)
    assert "studio stopped by TERM" in content and "streamlit stopped by TERM" in content
