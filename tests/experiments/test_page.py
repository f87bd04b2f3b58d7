"""The Tests page in Streamlit's AppTest: create a test, import a report, reweight, dashboard."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.models import AllocationDecision, Experiment, VariantStatus
from studio.experiments.reports import import_report
from studio.ui.shell import PAGES
from tests.experiments.conftest import make_variants, meta_csv

PAGE = "from studio.ui.pages.tests import render\nrender()\n"

#: Report rows are dated the day the test starts (rows from before the start are refused).
TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def db(studio_env: dict[str, str], sign_in) -> Session:  # type: ignore[misc,no-untyped-def]
    # ``sign_in`` adds the test accounts to the app's database.
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as session:
        yield session


def _table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The dataframe shown with ``column`` (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _page(sign_in, username: str = "mia") -> AppTest:  # type: ignore[no-untyped-def]
    return sign_in(AppTest.from_string(PAGE, default_timeout=120), username)


def test_the_page_needs_the_run_tests_permission():
    spec = next(p for p in PAGES if p.module == "tests")
    assert spec.permission == "run_tests"


def test_create_import_reweight_and_dashboard(db, sign_in):
    variants = make_variants(db, n=3)
    at = _page(sign_in).run()
    assert not at.exception, at.exception
    assert any("No tests for this brand yet" in i.value for i in at.info)
    # The empty state says what a test is and how to start one.
    assert any("A **test** puts two or more approved variants" in m.value for m in at.markdown)
    at.button(key="tests_empty_new").click().run()
    assert at.radio(key="tests_mode").value == "New test"
    at.radio(key="tests_mode").set_value("New test").run()
    at.selectbox(key="tests_new_persona").set_value("home-baristas").run()
    at.selectbox(key="tests_new_channel").set_value("meta_feed").run()
    assert sorted(at.multiselect(key="tests_new_variants").value) == sorted(v.id for v in variants)
    at.text_input(key="tests_new_name").input("Spring headlines").run()
    at.number_input(key="tests_new_burn_in").set_value(500).run()
    at.number_input(key="tests_new_fatigue_days").set_value(5).run()
    # Top-two Thompson sampling is the default; its leader's share is set here (and only for it).
    assert at.selectbox(key="tests_new_policy").value == "top_two"
    assert at.number_input(key="tests_new_leader_share").value == pytest.approx(85.0)
    at.selectbox(key="tests_new_policy").set_value("thompson").run()
    assert at.number_input(key="tests_new_leader_share").disabled
    at.selectbox(key="tests_new_policy").set_value("top_two").run()
    assert not at.number_input(key="tests_new_leader_share").disabled
    at.number_input(key="tests_new_leader_share").set_value(70.0).run()
    at.button(key="tests_create").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("started with 3 arms" in s.value for s in at.success)
    setup = _table(at, "ad name to use")
    assert sorted(setup["ad name to use"]) == sorted(f"studio-v{v.id}" for v in variants)
    db.expire_all()
    (experiment,) = db.exec(select(Experiment)).all()
    assert experiment.burn_in_impressions == 500 and experiment.prior_source == "pooled"
    assert experiment.fatigue_recent_days == 5  # set at the start, stored on the test
    assert (experiment.policy, experiment.top_two_leader_share) == ("top_two", pytest.approx(0.7))
    assert any("(leader keeps 70%)" in c.value for c in at.caption)
    # ... and edited later from the test's page (audited in the library).
    at.number_input(key=f"tests_{experiment.id}_fatigue_drop").set_value(40.0).run()
    at.button(key="tests_fatigue_save").click().run()
    assert any("Fatigue settings of test" in s.value for s in at.success)
    db.expire_all()
    assert db.get(Experiment, experiment.id).fatigue_drop == pytest.approx(0.4)  # type: ignore[union-attr]
    assert any("Test started: equal split (A 33%, B 33%, C 33%)" in m.value for m in at.markdown)

    # AppTest cannot upload files (the browser journey does): import as `studio events import` would.
    rows = [
        dict(
            day=TODAY,
            ad_name=f"studio-v{v.id}",
            ad_id=f"9{v.id}",
            impressions=2000,
            clicks=c,
        )
        for v, c in zip(variants, (20, 28, 22), strict=True)
    ]
    result = import_report(
        db, experiment_id=experiment.id, data=meta_csv(rows), file_name="meta-may.csv", actor="mia"
    )
    db.commit()
    assert result.imported == 3
    at.run()
    assert any("3 report row(s) imported since this decision" in i.value for i in at.info)

    at.button(key="tests_reweight").click().run()
    assert not at.exception, at.exception
    assert any("New split:" in m.value for m in at.markdown), (
        [e.value for e in at.error],
        [m.value for m in at.markdown],
        [s.value for s in at.success],
    )
    db.expire_all()
    decisions = db.exec(select(AllocationDecision).order_by(AllocationDecision.id)).all()
    assert len(decisions) == 2
    shares = decisions[-1].shares
    best = str(
        next(a for a in decisions[-1].details["arms"] if a["variant_id"] == variants[1].id)[
            "arm_id"
        ]
    )
    assert shares[best] == max(shares.values()) and shares[best] > 0.5
    table = _table(at, "Probability of being best")
    assert list(table["Impressions"]) == [2000, 2000, 2000]
    # Arms read as their letter and headline; rates are fractions the column shows as percent.
    assert all(arm.startswith(("A: ", "B: ", "C: ")) for arm in table["Arm"])
    assert table["Traffic share"].sum() == pytest.approx(1.0, abs=1e-3)
    assert "Running" in at.caption[0].value or any("Running" in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 6

    # The CSV download holds one row per decision and arm.
    downloads = {d.proto.label: d for d in at.get("download_button")}
    assert set(downloads) == {"Download CSV", "Download PNG"}

    db.expire_all()
    assert all(v.status == VariantStatus.in_test for v in [db.get(type(v), v.id) for v in variants])


def test_refusals_are_shown_not_raised(db, sign_in):
    make_variants(db, n=2)
    at = _page(sign_in).run()
    at.radio(key="tests_mode").set_value("New test").run()
    at.selectbox(key="tests_new_persona").set_value("home-baristas").run()
    at.selectbox(key="tests_new_channel").set_value("meta_feed").run()
    at.number_input(key="tests_new_min_share").set_value(49.0).run()
    at.text_input(key="tests_new_name").input("Too wide").run()
    at.multiselect(key="tests_new_variants").set_value([]).run()
    at.button(key="tests_create").click().run()
    assert not at.exception, at.exception
    assert any("a test compares 2 to" in e.value for e in at.error)


def test_csv_is_the_dashboard_history(db, sign_in):
    from studio.experiments import lifecycle as ex

    variants = make_variants(db, n=2)
    experiment = ex.create_test(
        db,
        name="t",
        brand="halden-coffee",
        persona="home-baristas",
        channel="meta_feed",
        variant_ids=[v.id for v in variants],
        actor="mia",
    )
    db.commit()
    board = ex.dashboard(db, experiment.id)
    rows = list(csv.DictReader(io.StringIO(ex.dashboard_csv(board))))
    assert [r["arm"] for r in rows] == ["A", "B"]
    assert {float(r["share"]) for r in rows} == {0.5}
    from studio.experiments.charts import dashboard_png

    # The library returns the dashboard as data; the UI side draws it.
    assert not hasattr(ex, "dashboard_png")
    png = dashboard_png(board)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_raw_values_of_tests_have_labels_in_words():
    from studio.core.models import AllocationPolicy, ExperimentStatus, Objective, PriorSource
    from studio.ui import labels

    assert [labels.objective(o) for o in Objective] == [
        "CTR (clicks per impression)",
        "Conversions per click",
        "Cost per acquisition",
        "Return on ad spend",
    ]
    assert {labels.policy(p) for p in AllocationPolicy} == {
        "Thompson sampling",
        "Top-two Thompson sampling",
    }
    assert all(labels.prior_source(p)[0].isupper() for p in PriorSource)
    assert labels.experiment_status(ExperimentStatus.completed) == "Completed"


def test_add_to_this_test_offers_challengers_and_campaign_variants(db, sign_in):
    from studio.core.models import Arm
    from studio.experiments import queries
    from tests.factories import make_campaign, make_test, make_variant

    variants = make_variants(db, n=3)
    experiment = make_test(db, variants=variants[:2])
    challenger = make_variant(
        db,
        campaign_id=make_campaign(db, name="Challenger"),
        status=VariantStatus.approved,
        headline="A cup that tastes of home",
    )
    queries.link_challenger(db, variant_id=challenger.id, parent_id=variants[1].id)  # type: ignore[arg-type]
    make_variant(  # not approved: not offered
        db, campaign_id=variants[0].campaign_id, status=VariantStatus.in_review, headline="Later"
    )
    db.commit()
    at = _page(sign_in).run()
    assert not at.exception, at.exception
    choice = at.selectbox(key="tests_join_variant")
    # Challengers to its arms first, then the approved variants of the arms' campaign.
    assert choice.options == [
        f"#{challenger.id} · A cup that tastes of home (challenger to arm B)",
        f"#{variants[2].id} · {variants[2].fields['headline']}",
    ]
    choice.set_value(challenger.id).run()
    at.button(key="tests_join").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(f"Variant {challenger.id} joined the test as arm C" in s.value for s in at.success)
    db.expire_all()
    arms = db.exec(select(Arm).where(Arm.experiment_id == experiment.id).order_by(Arm.id)).all()
    assert [a.variant_id for a in arms] == [variants[0].id, variants[1].id, challenger.id]
    # Once in the test it is no longer offered; the remaining campaign variant still is.
    assert at.selectbox(key="tests_join_variant").options == [
        f"#{variants[2].id} · {variants[2].fields['headline']}"
    ]
