"""What ``streamlit run`` reads from ``.streamlit/config.toml`` when started from the repository
root, as scripts/app.sh and the browser tests start it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

READ_OPTION = (
    "import sys\n"
    "from streamlit import config\n"
    "config.get_config_options(force_reparse=True)\n"
    "print(config.get_option(sys.argv[1]))\n"
)


def option(cwd: Path, name: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", READ_OPTION, name],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def toolbar_mode(cwd: Path) -> str:
    return option(cwd, "client.toolbarMode")


def test_no_deploy_button_when_run_from_the_repository(tmp_path):
    assert toolbar_mode(tmp_path) == "auto"  # Streamlit's default shows "Deploy"
    assert toolbar_mode(REPO_ROOT) == "minimal"


def test_no_garbage_collection_or_file_watching_after_each_page_run(tmp_path):
    """Streamlit's defaults cost most of a page load's server time (benchmarks/page_load.py)."""
    assert option(tmp_path, "runner.postScriptGC") == "True"
    assert option(tmp_path, "server.fileWatcherType") == "auto"
    assert option(REPO_ROOT, "runner.postScriptGC") == "False"
    assert option(REPO_ROOT, "server.fileWatcherType") == "none"


def test_app_script_and_browser_tests_start_streamlit_in_the_repository_root():
    script = (REPO_ROOT / "scripts" / "app.sh").read_text()
    assert 'cd "$(dirname "$0")/.."' in script and "streamlit run app.py" in script
    fixture = (REPO_ROOT / "tests" / "browser" / "conftest.py").read_text()
    assert "cwd=REPO_ROOT" in fixture
