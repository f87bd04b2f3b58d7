"""Page load times with a large database: seeds N variants, then opens every page in Chromium.

Usage::

    .venv/bin/python benchmarks/page_load.py [--variants 10000] [--repeats 5] [--out FILE]

It seeds a fresh SQLite database (variants spread over both example brands, all personas and
channels and every review status, with predicted CTRs, reviews and audit rows), starts the real
app with ``streamlit run``, signs in as an admin and clicks through every page in the sidebar.
Each load is timed from the click on a page's link (coming from another page, so that every
click is a real page change) until the page has settled: Streamlit has finished the run and no
element of the previous page is left on screen. Prints one line per page (and writes them to
``--out``).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlmodel import Session

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from studio.brand.guidelines import load_catalog  # noqa: E402
from studio.copy import variants as variant_queries  # noqa: E402
from studio.core import audit  # noqa: E402
from studio.core.database import get_engine, upgrade  # noqa: E402
from studio.core.models import Review, Role, Variant, VariantStatus  # noqa: E402
from studio.review import account_queries as user_queries  # noqa: E402
from studio.review.accounts import hash_password  # noqa: E402

PASSWORD = "benchmark password 2026"
SCRIPT_STATE = (
    "document.querySelector('[data-testid=\"stApp\"]').getAttribute('data-test-script-state')"
)
STATUSES = [
    VariantStatus.draft,
    VariantStatus.in_review,
    VariantStatus.approved,
    VariantStatus.rejected,
    VariantStatus.changes_requested,
    VariantStatus.exported,
]

#: The review decision that leaves a variant at each seeded status: (action, from status).
LAST_MOVE = {
    VariantStatus.in_review: ("submit", "draft"),
    VariantStatus.approved: ("approve", "in_review"),
    VariantStatus.rejected: ("reject", "in_review"),
    VariantStatus.changes_requested: ("request_changes", "in_review"),
    VariantStatus.exported: ("export", "approved"),
}


def seed(database_url: str, brand_dir: Path, n_variants: int) -> None:
    """Generate real drafts for every brand x persona x channel, then copy them up to ``n_variants``."""
    from studio.copy.generation import CampaignBrief, GenerationRequest, run_generation
    from studio.copy.offline_writer import OfflineCopyWriter

    upgrade(database_url)
    catalog = load_catalog(brand_dir)
    rng = random.Random(0)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        user_queries.add_user(
            session,
            username="admin",
            display_name="Admin",
            role=Role.admin,
            password_hash=hash_password(PASSWORD),
        )
        session.commit()
        templates: list[Variant] = []
        for brand in catalog.brands.values():
            request = GenerationRequest(
                brand=brand,
                brief=CampaignBrief(
                    objective="traffic",
                    landing_url=brand.guideline.website,
                    name=f"{brand.guideline.name} benchmark",
                ),
                personas=tuple(brand.personas),
                channels=("google_rsa", "meta_feed", "linkedin_sponsored", "tiktok"),
                n=2,
                seed=1,
            )
            result = run_generation(session, request, OfflineCopyWriter(), created_by="admin")
            templates += variant_queries.list_variants(
                session, campaign_id=result.campaign_id, limit=1000
            )
        session.commit()
        for start in range(len(templates), n_variants, 1000):
            batch = []
            for i in range(start, min(n_variants, start + 1000)):
                template = templates[i % len(templates)]
                batch.append(
                    Variant(
                        **template.model_dump(
                            exclude={
                                "id",
                                "status",
                                "seed",
                                "predicted_ctr",
                                "created_at",
                                "updated_at",
                            }
                        ),
                        status=STATUSES[i % len(STATUSES)],
                        seed=i,
                        predicted_ctr=rng.uniform(0.005, 0.03),
                    )
                )
            session.add_all(batch)
            session.flush()
            for variant in batch:
                if variant.status != VariantStatus.draft:
                    session.add(
                        Review(
                            variant_id=variant.id,
                            reviewer="admin",
                            action=LAST_MOVE[variant.status][0],
                            from_status=LAST_MOVE[variant.status][1],
                            to_status=str(variant.status),
                        )
                    )
                    audit.record(
                        session,
                        actor="admin",
                        action="variant.seed",
                        entity_type="variant",
                        entity_id=variant.id,
                        after={"status": str(variant.status)},
                    )
            session.commit()


#: Before each click (made while no script runs): note when the next script run starts. A
#: MutationObserver sees every change of the run state, even a run too quick for polling to
#: catch; any change means a run started (a run that had already ended when the callback ran
#: leaves the state at 'notRunning'). A run so quick that the browser drew its start and its
#: end at once changes no attribute at all: the page's address, which changes when the run of
#: the new page starts, tells that one.
_WATCH_RUN = """() => {
    window.__studioRan = false;
    window.__studioFrom = location.pathname;
    new MutationObserver((records, observer) => {
        if (records.length) {
            window.__studioRan = true;
            observer.disconnect();
        }
    }).observe(document.body, {
        attributes: true, subtree: true, attributeFilter: ['data-test-script-state']
    });
}"""
_SETTLED = f"""() => (window.__studioRan || location.pathname !== window.__studioFrom)
    && {SCRIPT_STATE} === 'notRunning' && !document.querySelector('[data-stale="true"]')"""


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) the process ``pid`` has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _open(page, name: str, server_pid: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Click the sidebar link ``name``: seconds until the page has settled, and the server CPU
    seconds spent meanwhile (the script run, whatever the browser does; a loaded machine
    stretches the first figure far more than the second)."""
    # A click during a run (the one after sign-in, a fragment's) would restart that run rather
    # than start one, and the watch below would wait for a start that never comes.
    page.wait_for_function(f"() => {SCRIPT_STATE} === 'notRunning'", polling=10)
    page.evaluate(_WATCH_RUN)
    cpu = _cpu_seconds(server_pid)
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=name).first.click()
    page.wait_for_function(_SETTLED, polling=10)
    return time.perf_counter() - start, _cpu_seconds(server_pid) - cpu


#: One page's run as the shell makes it (sign-in check, navigation permissions, sidebar, the
#: page), timed and profiled inside the script thread. AppTest runs it without a browser.
_PROFILED_RUN = """
import cProfile, time
from studio.ui import auth as auth_ui, shell
from studio.ui.pages.{module} import render
profile = cProfile.Profile()
started = time.thread_time()
profile.enable()
user = auth_ui.require_sign_in()
allowed = [spec for spec in shell.PAGES if auth_ui.may_open(spec.permission)]
shell.sidebar()
auth_ui.account_sidebar(user)
render()
profile.disable()
with open({timing!r}, "a") as out:
    out.write(f"{{time.thread_time() - started}}\\n")
profile.dump_stats({stats!r})
"""


def profile_pages(
    database_url: str, out_dir: Path, repeats: int, only: list[str] | None = None
) -> list[str]:
    """Run every page ``repeats`` times in AppTest (no browser): the median script-thread CPU
    seconds per run, and a cProfile listing of the last run in ``out_dir/<page>.txt``."""
    import io
    import pstats

    from streamlit.testing.v1 import AppTest

    from studio.review import accounts as auth
    from studio.ui.auth import SIGNIN_KEY
    from studio.ui.shell import PAGES

    out_dir.mkdir(parents=True, exist_ok=True)
    with Session(get_engine(database_url)) as session:
        admin = user_queries.get_user(session, username="admin")
    lines = [
        f"{'page':<14} {'median s':>9} {'max s':>7}  (script-thread CPU per run in AppTest, under cProfile)"
    ]
    for spec in PAGES:
        if only and spec.title not in only:
            continue
        timing = out_dir / f"{spec.module}.times"
        timing.unlink(missing_ok=True)
        stats = out_dir / f"{spec.module}.prof"
        script = _PROFILED_RUN.format(module=spec.module, timing=str(timing), stats=str(stats))
        at = AppTest.from_string(script, default_timeout=300)
        at.session_state[SIGNIN_KEY] = auth.start_session(admin, ttl_minutes=60)
        for _ in range(repeats):
            at.run()
            if at.exception:
                raise RuntimeError(f"{spec.title}: {at.exception[0].message}")
        times = [float(t) for t in timing.read_text().split()]
        listing = io.StringIO()
        pstats.Stats(str(stats), stream=listing).sort_stats("cumulative").print_stats(40)
        (out_dir / f"{spec.module}.txt").write_text(listing.getvalue())
        lines.append(f"{spec.title:<14} {statistics.median(times):>9.3f} {max(times):>7.3f}")
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--database",
        type=Path,
        help="SQLite file to use: seeded when it does not exist yet, reused as it is when it does "
        "(so that repeated runs skip the minutes of seeding)",
    )
    parser.add_argument(
        "--page",
        action="append",
        dest="pages",
        metavar="TITLE",
        help="time only this page (repeatable; default: every page)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="no browser: time each page's script run in AppTest and write a cProfile listing "
        "per page into DIR",
    )
    args = parser.parse_args()
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        brand_dir = scratch_dir / "brand_guidelines"
        shutil.copytree(REPO_ROOT / "brand_guidelines", brand_dir)
        database_path = args.database or scratch_dir / "bench.db"
        database_url = f"sqlite:///{database_path.resolve()}"
        if database_path.exists():
            upgrade(database_url)
            say(f"reusing {database_path} (seeded earlier)")
        else:
            started = time.perf_counter()
            seed(database_url, brand_dir, args.variants)
            say(f"seeded {args.variants} variants in {time.perf_counter() - started:.1f} s")
        if args.profile:
            os.environ.update(
                STUDIO_DATABASE_URL=database_url,
                STUDIO_BRAND_DIR=str(brand_dir),
                STUDIO_ASSET_DIR=str(scratch_dir / "assets"),
            )
            for line in profile_pages(database_url, args.profile, args.repeats, args.pages):
                lines.append(line)
            _write(args.out, lines)
            return
        env = {
            **os.environ,
            "STUDIO_DATABASE_URL": database_url,
            "STUDIO_BRAND_DIR": str(brand_dir),
            "STUDIO_ASSET_DIR": str(scratch_dir / "assets"),
            "HF_HUB_OFFLINE": "1",
        }
        port = args.port
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(REPO_ROOT / "app.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server_pid = server.pid
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    headless=True,
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--disable-background-networking",
                        "--disable-component-update",
                    ],
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(120_000)
                page.goto(url)
                page.get_by_role("textbox", name="Username").fill("admin")
                page.get_by_role("textbox", name="Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.locator('[data-testid="stSidebarNavLink"]').first.wait_for()
                links = page.locator('[data-testid="stSidebarNavLink"]')
                # A link's text is its icon's ligature name, a newline, then the page title.
                names = [
                    links.nth(i).inner_text().strip().splitlines()[-1].strip()
                    for i in range(links.count())
                ]
                say(
                    f"{'page':<14} {'median s':>9} {'max s':>7} {'server s':>9}  "
                    f"(click -> settled, {args.repeats} loads; server: median CPU seconds of "
                    "the app server per load)"
                )
                current = names[0]  # the default page, open after sign-in
                for name in names:
                    if args.pages and name not in args.pages:
                        continue
                    timings, server_cpu = [], []
                    for _ in range(args.repeats):
                        # A click on the page already open would not run the script at all.
                        other = next(n for n in names if n not in (name, current))
                        _open(page, other, server_pid)
                        wall, cpu = _open(page, name, server_pid)
                        current = name
                        timings.append(wall)
                        server_cpu.append(cpu)
                    errors = page.locator('[data-testid="stException"]').count()
                    say(
                        f"{name:<14} {statistics.median(timings):>9.2f} {max(timings):>7.2f} "
                        f"{statistics.median(server_cpu):>9.2f}"
                        + (f"  ({errors} exception(s) shown!)" if errors else "")
                    )
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    _write(args.out, lines)


def _write(out: Path | None, lines: list[str]) -> None:
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
