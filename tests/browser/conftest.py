"""Real-browser journeys: the app runs under ``streamlit run`` and Debian's chromium drives it.

``app`` starts the real app on a free port with its own SQLite database, brand folder copy and
asset folder, and a ``studio worker`` beside it (as ``scripts/app.sh`` does) for the jobs pages queue; ``page`` is a fresh Playwright page in /usr/bin/chromium. Tests seed the database
through the library (``app.database_url``) exactly as the CLI would. Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from studio.core.database import upgrade

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


@dataclass
class RunningApp:
    url: str
    database_url: str
    brand_dir: Path
    asset_dir: Path
    env: dict[str, str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(
    url: str, process: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 90
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy in {timeout_s}s:\n{log_path.read_text()}")


@pytest.fixture
def app_env(tmp_path: Path, brand_dir: Path) -> dict[str, str]:
    """The app's settings; a test may add to it (e.g. STUDIO_FOUR_EYES) before using ``app``."""
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(database_url)
    return {
        "STUDIO_DATABASE_URL": database_url,
        "STUDIO_BRAND_DIR": str(brand_dir),
        "STUDIO_ASSET_DIR": str(tmp_path / "assets"),
    }


@pytest.fixture
def app(app_env: dict[str, str], tmp_path: Path) -> Iterator[RunningApp]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "streamlit.log"
    env = {**os.environ, **app_env, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(REPO_ROOT / "app.py"),
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # The worker beside the app, as scripts/app.sh starts it: pages queue jobs, it runs them.
    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-c", "from studio.cli import app; app()", "worker", "--poll", "0.5"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, process, log_path)
        yield RunningApp(
            url=url,
            database_url=app_env["STUDIO_DATABASE_URL"],
            brand_dir=Path(app_env["STUDIO_BRAND_DIR"]),
            asset_dir=Path(app_env["STUDIO_ASSET_DIR"]),
            env=app_env,
            log_path=log_path,
        )
    finally:
        for running in (process, worker):
            running.terminate()
        for running in (process, worker):
            try:
                running.wait(timeout=15)
            except subprocess.TimeoutExpired:
                running.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (scripts/test.sh installs it as root)"
        )
    from playwright.sync_api import expect, sync_playwright

    # The machine is small and shared: allow slow reruns rather than flaky timeouts.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, app: RunningApp):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(30_000)
    browser_page = context.new_page()
    yield browser_page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the current script run and dropped stale elements."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app.getAttribute('data-test-script-state') !== 'running'
                && !document.querySelector('[data-testid="stStatusWidget"]')
                && !document.querySelector('[data-stale="true"]');
        }""",
        timeout=60_000,
    )


def click_key(page, key: str) -> None:  # type: ignore[no-untyped-def]
    """Click the button with Streamlit ``key`` (ignoring a stale copy from the last run), then wait."""
    page.locator(f'.st-key-{key.replace(":", "-")}:not([data-stale="true"]) button').click()
    wait_for_app(page)


def choose_options(page, label: str, options: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Pick ``options`` in the multiselect labelled ``label``, one at a time: each pick reruns
    the page, which redraws the open list, so the list is opened afresh for every option. A
    rerun started by something else (a field committing on blur) can still redraw the list
    under the click; then the pick is tried again once the page has settled, until the option
    shows as a chosen tag."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    for option in options:
        for attempt in range(4):
            wait_for_app(page)
            # The last list of that label (a stale copy of an earlier run may precede it).
            chosen_list = page.locator('[data-testid="stMultiSelect"]').filter(has_text=label).last
            tags = chosen_list.locator('[data-testid="stMultiSelectTagsContainer"]')
            if tags.get_by_text(option, exact=True).count():
                break
            # The text box, not the box's middle (a chip of an earlier pick may sit there).
            box = chosen_list.locator("input")
            try:
                box.click(timeout=10_000)
                box.fill(option, timeout=10_000)
                page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            except PlaywrightTimeoutError:
                if attempt == 3:
                    raise
            page.keyboard.press("Escape")
        wait_for_app(page)
        chosen_list = page.locator('[data-testid="stMultiSelect"]').filter(has_text=label).last
        expect(
            chosen_list.locator('[data-testid="stMultiSelectTagsContainer"]').get_by_text(
                option, exact=True
            )
        ).to_be_visible()


def choose_option(page, label: str, option: str, *, exact: bool = True, within=None) -> None:  # type: ignore[no-untyped-def]
    """Pick ``option`` in the select box labelled ``label`` (in ``within``, default the page).
    A rerun can redraw the open list under the click, as for :func:`choose_options`; then the
    pick is tried again once the page has settled, until the box shows the option."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    scope = page if within is None else within
    for attempt in range(4):
        wait_for_app(page)
        box = scope.locator('[data-testid="stSelectbox"]').filter(has_text=label).last
        try:
            box.click(timeout=10_000)
            page.get_by_role("option", name=option, exact=exact).click(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            if attempt == 3:
                raise
    wait_for_app(page)
    box = scope.locator('[data-testid="stSelectbox"]').filter(has_text=label).last
    # The chosen option is the value of the box's combobox, not text on the page.
    expect(box.get_by_role("combobox")).to_have_value(re.compile(re.escape(option)))


def assert_no_exception(page) -> None:  # type: ignore[no-untyped-def]
    """Fail if the page shows a Streamlit exception box."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()


def sign_in(page, app: RunningApp, username: str, password: str, path: str = "") -> None:  # type: ignore[no-untyped-def]
    """Open ``path`` in the app and sign in through the real form (the page asked for opens
    after signing in; a reload keeps the sign-in, see test_sign_in_reload.py). Another person
    signing in at the same browser starts without the previous person's session cookie."""
    page.context.clear_cookies()
    page.goto(f"{app.url}/{path}")
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebar"]').get_by_text(username).first.wait_for()
