"""Real browser: a marketer creates a test from three approved variants, imports a Meta report
(one bad row is listed, the rest imports), reweights, and sees the split move to the best arm.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import expect
from sqlmodel import Session, select

from studio.core.database import get_engine
from studio.core.models import AllocationDecision, Experiment, VariantStatus
from tests.browser.conftest import (
    assert_no_exception,
    choose_option,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.experiments.conftest import make_variants, meta_csv
from tests.people import PASSWORD, add_people


def _choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    choose_option(page, label, option, exact=False)


def _split(text: str) -> dict[str, int]:
    return {arm: int(share) for arm, share in re.findall(r"([A-C]) (\d+)%", text)}


def test_create_a_test_import_a_report_and_see_the_split_change(page, app, tmp_path):
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        add_people(session)
        variants = make_variants(session, n=3)
        ids = [v.id for v in variants]

    sign_in(page, app, "mia", PASSWORD, path="tests")
    page.get_by_role("heading", name="Tests").wait_for()
    wait_for_app(page)
    page.locator('[data-testid="stRadio"]').get_by_text("New test", exact=True).click()
    wait_for_app(page)
    _choose(page, "Persona", "(home-baristas)")
    _choose(page, "Channel", "meta_feed")
    page.get_by_text(f"v{ids[0]} · Find your roast").first.wait_for()
    name = page.get_by_role("textbox", name="Test name")
    name.fill("Spring headlines")
    name.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Create test").click()
    page.get_by_text("'Spring headlines' started with 3 arms").wait_for()
    wait_for_app(page)
    start = page.get_by_text(re.compile(r"^Test started: equal split"))
    start.wait_for()
    assert _split(start.inner_text()) == {"A": 33, "B": 33, "C": 33}
    page.get_by_text(
        "Create one ad per arm on the platform and name each exactly as below"
    ).wait_for()
    screenshot(page, "tests-created")

    # The arms carry their ad names; the letters follow the order the variants were listed in.
    with Session(get_engine(app.database_url)) as session:
        experiment = session.exec(select(Experiment)).one()
        decision = session.exec(select(AllocationDecision)).one()
        arms = {a["arm_id"]: a["variant_id"] for a in decision.details["arms"]}
    order = list(arms.values())
    clicks = {ids[0]: 21, ids[1]: 31, ids[2]: 24}
    today = datetime.now(UTC).date().isoformat()  # a test counts no day before it started
    rows = [
        dict(
            day=today,
            ad_name=f"studio-v{vid}",
            ad_id=f"12021{vid}",
            impressions=2500,
            clicks=clicks[vid],
        )
        for vid in order
    ]
    rows.append(dict(day=today, ad_name="studio-v999", ad_id="", impressions=50, clicks=1))
    report = tmp_path / "meta-may-1.csv"
    report.write_bytes(meta_csv(rows))

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(report))
    wait_for_app(page)
    page.get_by_role("button", name="Import report").click()
    page.get_by_text("3 row(s) imported (7,500 impressions, 76 clicks)").wait_for()
    page.get_by_text("3 report row(s) imported since this decision").wait_for()
    wait_for_app(page)
    screenshot(page, "tests-imported")

    page.get_by_role("button", name="Reweight now").click()
    new_split = page.get_by_text(re.compile(r"^New split: "))
    try:
        new_split.wait_for()
    except Exception:
        screenshot(page, "tests-reweight-failed")
        raise
    wait_for_app(page)
    split = _split(new_split.inner_text())
    best = "ABC"[order.index(ids[1])]
    assert split[best] == max(split.values()) and split[best] > 50, split
    assert sum(split.values()) in (99, 100, 101)
    page.get_by_text(re.compile(r"^No winner yet: the leader, arm " + best)).wait_for()
    page.get_by_text("Served traffic matches the split in force each day", exact=False).wait_for()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(6)
    screenshot(page, "tests-reweighted")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    assert info.value.suggested_filename == f"test-{experiment.id}-dashboard.csv"
    assert_no_exception(page)

    with Session(get_engine(app.database_url)) as session:
        logged = session.exec(select(AllocationDecision).order_by(AllocationDecision.id)).all()
        assert len(logged) == 2 and max(logged[-1].shares.values()) > 0.5
        from studio.core.models import Variant

        assert {session.get(Variant, vid).status for vid in ids} == {VariantStatus.in_test}  # type: ignore[union-attr]
