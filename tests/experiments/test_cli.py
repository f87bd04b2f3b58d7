"""``studio tests`` and ``studio events import``: the same rules as the app, headless."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from studio.cli import app
from studio.core.database import get_engine
from studio.core.models import Arm, ArmResult, Experiment, VariantStatus
from tests.experiments.conftest import make_variants, meta_csv

runner = CliRunner()

#: Report rows are dated the day the test starts (rows from before the start are refused).
TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def db(studio_env: dict[str, str], sign_in) -> Session:  # type: ignore[misc,no-untyped-def]
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as session:
        yield session


def _create(variant_ids: list[int], *extra: str) -> str:
    args = [
        "tests",
        "create",
        "--name",
        "Spring",
        "--brand",
        "halden-coffee",
        "--persona",
        "home-baristas",
        "--channel",
        "meta_feed",
        "--as",
        "mia",
        "--burn-in",
        "500",
        *extra,
    ]
    for vid in variant_ids:
        args += ["--variant", str(vid)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_create_import_reweight_show_and_dashboard(db: Session, tmp_path: Path):
    variants = make_variants(db, n=2)
    out = _create([v.id for v in variants])  # type: ignore[misc]
    assert "test 1 created: Spring" in out
    assert (
        f"ad name studio-v{variants[0].id}" in out
        and "Test started: equal split (A 50%, B 50%)" in out
    )
    report = tmp_path / "meta.csv"
    rows = [
        dict(
            day=TODAY,
            ad_name=f"studio-v{v.id}",
            ad_id=f"77{v.id}",
            impressions=3000,
            clicks=c,
        )
        for v, c in zip(variants, (30, 41), strict=True)
    ]
    rows.append(dict(day=TODAY, ad_name="studio-v404", ad_id="", impressions=10, clicks=1))
    report.write_bytes(meta_csv(rows))
    result = runner.invoke(app, ["events", "import", str(report), "--test", "1", "--as", "mia"])
    assert result.exit_code == 1, result.output  # one bad row: listed, the rest imported
    assert "2 row(s) imported (6,000 impressions, 71 clicks)" in result.output
    assert "line 4: ad 'studio-v404' is not in test 1" in result.output
    again = runner.invoke(
        app, ["events", "import", str(report), "--test", "1", "--as", "mia", "--platform", "meta"]
    )
    assert "0 row(s) imported" in again.output and "2 duplicate(s)" in again.output
    assert len(db.exec(select(ArmResult)).all()) == 2

    result = runner.invoke(app, ["tests", "reweight", "1", "--as", "mia"])
    assert result.exit_code == 0, result.output
    assert "decision 2 for test 1:" in result.output and "New split: A " in result.output
    show = runner.invoke(app, ["tests", "show", "1"])
    assert "3,000 impr, 41 clicks, CTR 1.37%" in show.output
    listing = runner.invoke(app, ["tests", "list"])
    assert "running" in listing.output and "Spring" in listing.output
    result = runner.invoke(
        app,
        [
            "tests",
            "dashboard",
            "1",
            "--csv",
            str(tmp_path / "d.csv"),
            "--png",
            str(tmp_path / "d.png"),
        ],
    )
    assert result.exit_code == 0, result.output
    rows_out = list(csv.DictReader(io.StringIO((tmp_path / "d.csv").read_text())))
    assert [r["decision_id"] for r in rows_out] == ["1", "1", "2", "2"]
    assert (tmp_path / "d.png").read_bytes().startswith(b"\x89PNG")
    result = runner.invoke(app, ["tests", "stop", "1", "--as", "mia", "--reason", "done"])
    assert "test 1 is stopped" in result.output
    db.expire_all()
    assert {db.get(type(v), v.id).status for v in variants} == {VariantStatus.retired}  # type: ignore[union-attr]


def test_refusals_exit_with_a_message(db: Session, tmp_path: Path):
    variants = make_variants(db, n=2)
    result = runner.invoke(
        app,
        [
            "tests",
            "create",
            "--name",
            "x",
            "--brand",
            "halden-coffee",
            "--persona",
            "home-baristas",
            "--channel",
            "meta_feed",
            "--variant",
            str(variants[0].id),
            "--variant",
            str(variants[1].id),
            "--as",
            "cara",
        ],
    )
    assert (
        result.exit_code == 1
        and "cara (creative) may not start and decide creative tests" in result.output
    )
    _create([v.id for v in variants])  # type: ignore[misc]
    result = runner.invoke(
        app, ["events", "import", str(tmp_path / "missing.csv"), "--test", "1", "--as", "mia"]
    )
    assert result.exit_code == 1 and "no such file" in result.output
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(
        app, ["events", "import", str(tmp_path / "junk.csv"), "--test", "1", "--as", "mia"]
    )
    assert result.exit_code == 1 and "no header line with an Impressions" in result.output
    arm = db.exec(select(Arm).order_by(Arm.id)).first()
    result = runner.invoke(
        app, ["tests", "set-ad", "1", "--arm", str(arm.id), "--ad-id", "555", "--as", "mia"]
    )  # type: ignore[union-attr]
    assert result.exit_code == 0 and "ad id 555" in result.output
    result = runner.invoke(app, ["tests", "reweight", "--as", "mia"])
    assert result.exit_code == 1 and "give a test id or --due" in result.output
    result = runner.invoke(app, ["tests", "reweight", "--due", "--as", "mia"])
    assert result.exit_code == 0 and "no test is due for reweighting" in result.output


def test_defaults_come_from_test_settings_and_srm_can_be_resolved(db: Session):
    from studio.core import audit
    from studio.core.models import Experiment
    from studio.experiments.decisions import DEFAULT_PRIOR_STRENGTH, TestSettings

    variants = make_variants(db, n=2)
    args = ["tests", "create", "--name", "Defaults", "--brand", "halden-coffee"]
    args += ["--persona", "home-baristas", "--channel", "meta_feed", "--as", "mia"]
    for v in variants:
        args += ["--variant", str(v.id)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (experiment,) = db.exec(select(Experiment)).all()
    defaults = TestSettings()
    assert (
        experiment.policy,
        experiment.top_two_leader_share,
        experiment.burn_in_impressions,
        experiment.win_probability,
        experiment.max_relative_loss,
        experiment.prior_source,
        experiment.prior_strength,
    ) == (
        defaults.policy,
        defaults.top_two_leader_share,
        defaults.burn_in_impressions,
        defaults.win_probability,
        defaults.max_relative_loss,
        defaults.prior_source,
        DEFAULT_PRIOR_STRENGTH[defaults.prior_source],
    )
    empty = runner.invoke(
        app, ["tests", "resolve-srm", "1", "--through", TODAY, "--reason", " ", "--as", "mia"]
    )
    assert empty.exit_code == 1 and "say what caused the sample-ratio mismatch" in empty.output
    done = runner.invoke(
        app,
        [
            "tests",
            "resolve-srm",
            "1",
            "--through",
            TODAY,
            "--reason",
            "budget fixed",
            "--as",
            "mia",
        ],
    )
    assert done.exit_code == 0, done.output
    assert f"sample-ratio mismatch up to {TODAY} resolved" in done.output
    db.expire_all()
    assert db.get(Experiment, 1).srm_resolved_through.isoformat() == TODAY  # type: ignore[union-attr]
    (entry,) = audit.list_entries(db, action="experiment.resolve_srm")
    assert entry.actor == "mia" and entry.after["reason"] == "budget fixed"


def test_the_objective_is_chosen_at_create_and_shown(db: Session, tmp_path: Path):
    variants = make_variants(db, n=2)
    _create([v.id for v in variants], "--objective", "cpa")  # type: ignore[misc]
    report = tmp_path / "meta.csv"
    rows = [
        dict(
            day=TODAY,
            ad_name=f"studio-v{v.id}",
            impressions=10_000,
            clicks=500,
            results=r,
            spend=1000,
        )
        for v, r in zip(variants, (20, 60), strict=True)
    ]
    report.write_bytes(meta_csv(rows, with_id=False))
    result = runner.invoke(app, ["events", "import", str(report), "--test", "1", "--as", "mia"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["tests", "reweight", "1", "--as", "mia"])
    assert "is the winner" in result.output and "Objective: cost per acquisition" in result.output
    show = runner.invoke(app, ["tests", "show", "1"])
    assert "objective cpa)" in show.output
    assert "60 conv, spend 1,000.00" in show.output and " per conversion (90% " in show.output
    bad_args = ["tests", "create", "--name", "x", "--brand", "halden-coffee", "--persona", "p"]
    bad_args += ["--channel", "meta_feed", "--variant", "1", "--variant", "2"]
    bad = runner.invoke(app, [*bad_args, "--objective", "clicks"])
    assert bad.exit_code != 0 and "clicks" in bad.output


def test_the_leader_share_is_chosen_at_create_stored_on_the_test_and_shown(db: Session):
    variants = make_variants(db, n=4)
    ids = [v.id for v in variants]
    args = ["tests", "create", "--name", "x", "--brand", "halden-coffee", "--as", "mia"]
    args += ["--persona", "home-baristas", "--channel", "meta_feed", "--leader-share", "1.5"]
    bad = runner.invoke(app, [*args, "--variant", str(ids[0]), "--variant", str(ids[1])])
    assert bad.exit_code == 1
    assert "top-two leader share must be a fraction in (0, 1); got 1.5" in bad.output
    assert db.exec(select(Experiment)).all() == []  # nothing was created
    _create(ids[:2], "--leader-share", "0.7")  # type: ignore[arg-type]
    _create(ids[2:])  # type: ignore[arg-type]
    chosen, default = db.exec(select(Experiment).order_by(Experiment.id)).all()
    assert (chosen.policy, chosen.top_two_leader_share) == ("top_two", 0.7)
    assert (default.policy, default.top_two_leader_share) == ("top_two", 0.85)
    shown = runner.invoke(app, ["tests", "show", str(chosen.id)])
    assert "(running, top_two (leader keeps 70%), pooled prior" in shown.output
    plain = runner.invoke(app, ["tests", "show", str(default.id)])
    assert "leader keeps 85%" in plain.output


def test_show_flags_a_fatigued_arm_with_the_settings_stored_on_the_test(
    db: Session, tmp_path: Path
):
    variants = make_variants(db, n=2)
    _create([v.id for v in variants], "--fatigue-days", "3", "--fatigue-probability", "0.95")  # type: ignore[misc]
    # Rows may not predate the test: move its start back a week, as if created then.
    test = db.get(Experiment, 1)
    assert test is not None
    assert (test.fatigue_recent_days, test.fatigue_flag_probability) == (3, 0.95)
    test.created_at = datetime.now(UTC) - timedelta(days=7)
    db.add(test)
    db.commit()
    today = datetime.now(UTC).date()
    rows = [
        dict(
            day=(today - timedelta(days=5 - d)).isoformat(),
            ad_name=f"studio-v{v.id}",
            impressions=5_000,
            clicks=c,
            reach="",  # no reach: fatigue on CTR alone
        )
        for d in range(6)
        for v, c in zip(variants, (100, 150 if d < 3 else 75), strict=True)
    ]
    report = tmp_path / "meta.csv"
    report.write_bytes(meta_csv(rows, with_id=False))
    result = runner.invoke(app, ["events", "import", str(report), "--test", "1", "--as", "mia"])
    assert "12 row(s) imported" in result.output, result.output
    show = runner.invoke(app, ["tests", "show", "1"])
    assert show.exit_code == 0, show.output
    assert "Fatigue uses CTR only" in show.output
    assert "FATIGUE Arm B" in show.output
    assert "CTR 1.50% over its last 3 day(s) against 3.00% before" in show.output
    assert "FATIGUE Arm A" not in show.output
    calm = runner.invoke(app, ["tests", "set-fatigue", "1", "--drop", "0.6", "--as", "mia"])
    assert calm.exit_code == 0, calm.output
    assert "more than 60% below its earlier CTR with 95% probability" in calm.output
    assert "FATIGUE" not in runner.invoke(app, ["tests", "show", "1"]).output
    bad = runner.invoke(app, ["tests", "set-fatigue", "1", "--drop", "20", "--as", "mia"])
    assert bad.exit_code != 0 and "drop must be a fraction in (0, 1)" in bad.output


def test_brief_challenger_drafts_from_the_winner(db: Session, tmp_path: Path):
    variants = make_variants(db, n=2)
    _create([v.id for v in variants])  # type: ignore[misc]
    rows = [
        dict(day=TODAY, ad_name=f"studio-v{v.id}", impressions=20_000, clicks=c)
        for v, c in zip(variants, (200, 320), strict=True)
    ]
    report = tmp_path / "meta.csv"
    report.write_bytes(meta_csv(rows, with_id=False))
    runner.invoke(app, ["events", "import", str(report), "--test", "1", "--as", "mia"])
    won = runner.invoke(app, ["tests", "reweight", "1", "--as", "mia"])
    assert "is the winner" in won.output, won.output
    winner_arm = db.exec(select(Arm).where(Arm.variant_id == variants[1].id)).one()
    result = runner.invoke(
        app, ["tests", "brief-challenger", "1", str(winner_arm.id), "--as", "cara"]
    )
    assert result.exit_code == 0, result.output
    assert f"1 challenger draft(s) to variant {variants[1].id} (winner of test 1)" in result.output
    assert "Submit and approve them" in result.output
    refused = runner.invoke(
        app, ["tests", "brief-challenger", "1", str(winner_arm.id), "--as", "mia"]
    )
    assert refused.exit_code == 1 and "generate" in refused.output


def test_add_arm_joins_a_running_test_and_refusals_say_why(db: Session):
    variants = make_variants(db, n=3)
    _create([v.id for v in variants[:2]])  # type: ignore[misc]
    refused = runner.invoke(app, ["tests", "add-arm", "1", str(variants[0].id), "--as", "mia"])
    assert refused.exit_code == 1
    assert f"variant {variants[0].id} cannot join test 1: it is already arm A" in refused.output
    result = runner.invoke(app, ["tests", "add-arm", "1", str(variants[2].id), "--as", "mia"])
    assert result.exit_code == 0, result.output
    assert "joined test 1 as arm C" in result.output
    assert f"name its ad 'studio-v{variants[2].id}'" in result.output
    assert "until every arm has 500 impressions (A has 0, B has 0, C has 0)" in result.output
    db.expire_all()
    assert len(db.exec(select(Arm).where(Arm.experiment_id == 1)).all()) == 3
    runner.invoke(app, ["tests", "stop", "1", "--as", "mia"])
    ended = runner.invoke(app, ["tests", "add-arm", "1", str(variants[2].id), "--as", "mia"])
    assert ended.exit_code == 1 and "only a running test takes new arms" in ended.output
