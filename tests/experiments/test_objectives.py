"""Objectives beyond CTR: their posteriors against closed forms, and decide() choosing on them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import integrate, stats
from sqlmodel import Session, col, select

from studio.core.models import (
    AllocationDecision,
    Arm,
    ArmResult,
    AuditLog,
    Experiment,
    Objective,
    saved_id,
)
from studio.experiments import lifecycle as ex
from studio.experiments.decisions import ExperimentError, TestSettings, decide
from studio.experiments.objectives import summarize_objective
from studio.experiments.reports import import_report, parse_report
from tests.experiments.conftest import (
    arms_of,
    google_csv,
    import_meta,
    meta_csv,
    start_test,
)

# One period, two arms with the same CTR; arm B converts three times as often per click.
SAME_CTR = dict(impressions=[[10_000, 10_000]], clicks=[[500, 500]])
CONVERSIONS = [[25, 75]]
SPEND = [[500.0, 500.0]]


def test_an_unknown_objective_is_refused_with_the_choices() -> None:
    with pytest.raises(ExperimentError, match=r"objective 'clicks' does not exist.*roas"):
        TestSettings(objective="clicks")  # type: ignore[arg-type]
    assert TestSettings(objective="cpa").objective is Objective.cpa  # type: ignore[arg-type]


def test_ctr_cannot_pick_between_equal_ctrs_but_conversions_per_click_can() -> None:
    by_ctr = decide(TestSettings(), **SAME_CTR, conversions=CONVERSIONS)
    assert by_ctr.winner.tolist() == -1
    by_cvr = decide(
        TestSettings(objective=Objective.conversion_rate), **SAME_CTR, conversions=CONVERSIONS
    )
    assert by_cvr.winner.tolist() == 1
    assert by_cvr.prob_best[1] > 0.999
    np.testing.assert_array_equal(by_cvr.shares, [0.0, 1.0])
    # The posterior mean of conversions per click is close to the observed 5% and 15%.
    np.testing.assert_allclose(by_cvr.objective.mean, [0.05, 0.15], rtol=0.05)


def test_a_winner_on_conversions_whose_ctr_is_clearly_worse_is_held_by_the_guardrail() -> None:
    outcome = decide(
        TestSettings(objective=Objective.conversion_rate),
        impressions=[[10_000, 10_000]],
        clicks=[[800, 400]],
        conversions=[[40, 80]],
    )
    assert outcome.leader.tolist() == 1
    assert outcome.leader_qualifies.tolist() is True
    assert outcome.held_guardrail.tolist() is True
    assert outcome.winner.tolist() == -1
    assert outcome.guardrail_p > 0.999  # arm A's CTR (8%) beats B's (4%)
    # Not held when the CTRs are close: the guardrail is for clearly worse CTRs only.
    close = decide(
        TestSettings(objective=Objective.conversion_rate),
        impressions=[[10_000, 10_000]],
        clicks=[[505, 500]],
        conversions=[[25, 75]],
    )
    assert close.winner.tolist() == 1
    assert close.held_guardrail.tolist() is False
    assert close.guardrail_p < 0.95


def test_cpa_matches_the_gamma_poisson_closed_form() -> None:
    summary = summarize_objective(
        Objective.cpa,
        impressions=[10_000, 10_000],
        clicks=[500, 500],
        conversions=[20, 30],
        spend=[400.0, 500.0],
    )
    # Prior Gamma(1, pooled spend per conversion = 900 / 50 = 18); posterior Gamma(1 + c, 18 + s).
    shape, rate = np.array([21.0, 31.0]), np.array([418.0, 518.0])
    np.testing.assert_allclose(summary.mean, shape / rate, rtol=0.01)
    a, b = (stats.gamma(s, scale=1 / r) for s, r in zip(shape, rate, strict=True))
    exact_b_best = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), 0, np.inf)[0]
    assert summary.prob_best[1] == pytest.approx(exact_b_best, abs=0.01)
    cpa, _, _ = summary.display()
    assert cpa[0] == pytest.approx(1 / (shape[0] / rate[0]), rel=0.05)  # about 20 per conversion


def test_cpa_decides_on_spend_per_conversion_and_without_spend_says_so() -> None:
    outcome = decide(
        TestSettings(objective=Objective.cpa),
        **SAME_CTR,
        conversions=[[40, 120]],
        spend=[[1_000.0, 1_000.0]],
    )
    assert outcome.winner.tolist() == 1
    with pytest.raises(ExperimentError, match=r"needs spend.*Amount spent"):
        decide(
            TestSettings(objective=Objective.cpa),
            **SAME_CTR,
            conversions=[[40, 120]],
            spend=[[0.0, 0.0]],
        )


def test_roas_needs_the_conversion_value_and_decides_on_revenue_per_spend() -> None:
    settings = TestSettings(objective=Objective.roas)
    money = dict(conversions=[[60, 60]], spend=[[1_000.0, 1_000.0]])
    with pytest.raises(ExperimentError, match=r"Purchases conversion value.*Conv\. value"):
        decide(settings, **SAME_CTR, **money)
    # Same conversions, but arm A's are worth 4x as much: A wins on ROAS though B would not lose CPA.
    outcome = decide(settings, **SAME_CTR, **money, revenue=[[12_000.0, 3_000.0]])
    assert outcome.winner.tolist() == 0
    assert outcome.objective.mean[0] == pytest.approx(12.0, rel=0.1)
    assert outcome.objective.mean[1] == pytest.approx(3.0, rel=0.1)


def test_monte_carlo_objectives_are_reproducible_and_fair_to_identical_arms() -> None:
    kwargs = dict(
        impressions=[1_000, 1_000, 1_000],
        clicks=[10, 10, 10],
        conversions=[0, 0, 0],
        spend=[10.0, 10.0, 10.0],
    )
    first = summarize_objective(Objective.cpa, **kwargs)
    again = summarize_objective(Objective.cpa, **kwargs)
    np.testing.assert_array_equal(first.prob_best, again.prob_best)
    np.testing.assert_allclose(first.prob_best, 1 / 3, atol=0.01)


def test_conversions_above_clicks_are_refused_for_conversions_per_click() -> None:
    with pytest.raises(ExperimentError, match=r"conversions <= clicks.*cpa"):
        decide(
            TestSettings(objective=Objective.conversion_rate),
            **SAME_CTR,
            conversions=[[600, 10]],
        )


def test_during_the_burn_in_the_objective_is_not_needed_yet() -> None:
    # A new ROAS test has no spend nor conversion value yet: the equal split stands, no error.
    outcome = decide(TestSettings(objective=Objective.roas), impressions=[[0, 0]], clicks=[[0, 0]])
    np.testing.assert_array_equal(outcome.shares, [0.5, 0.5])
    assert outcome.burn_in.tolist() is True


# --------------------------------------------------------------------------------------------
# Live tests (SQLite and PostgreSQL)
# --------------------------------------------------------------------------------------------


def _start(session: Session, objective: Objective) -> Experiment:
    return start_test(session, objective=objective, burn_in_impressions=500)


def _deliver(session: Session, experiment: Experiment, numbers: list[tuple[int, ...]]) -> None:
    rows = [
        dict(day="2024-05-01", ad_name=a.ad_name, impressions=i, clicks=c, results=r, spend=s)
        for a, (i, c, r, s) in zip(arms_of(session, experiment), numbers, strict=True)
    ]
    import_meta(session, experiment, rows, "meta-2024-05-01.csv")


def _reweight(session: Session, experiment: Experiment) -> ex.Decision:
    at = datetime(2024, 5, 2, 6, tzinfo=UTC)
    decision = ex.reweight(session, saved_id(experiment), actor="mia", now=at)
    session.commit()
    return decision


def test_a_live_test_decides_on_its_objective_and_shows_it(session, people):
    experiment = _start(session, Objective.conversion_rate)
    assert experiment.objective is Objective.conversion_rate
    _deliver(session, experiment, [(10_000, 500, 25, 250.0), (10_000, 500, 75, 250.0)])
    decision = _reweight(session, experiment)
    assert decision.winner is not None and decision.winner.letter == "B"
    assert "expected loss" in decision.text and "of its conversions per click" in decision.text
    assert "Objective: conversions per click (A 5." in decision.text
    board = ex.dashboard(session, saved_id(experiment))
    assert board.objective is Objective.conversion_rate
    assert [round(a.objective_mean or 0, 2) for a in board.arms] == [0.05, 0.15]
    logged = session.get(AllocationDecision, decision.decision_id)
    assert logged is not None
    assert int(ex.replay_decision(logged).winner) == 1


def test_a_live_winner_whose_ctr_is_clearly_worse_is_held_with_the_reason(session, people):
    experiment = _start(session, Objective.conversion_rate)
    _deliver(session, experiment, [(10_000, 800, 40, 400.0), (10_000, 400, 80, 400.0)])
    decision = _reweight(session, experiment)
    assert decision.winner is None
    assert decision.held == ("guardrail",)
    assert "its CTR is clearly worse than the CTR leader's" in decision.text


def test_a_live_roas_test_says_the_conversion_value_is_missing(session, people):
    experiment = _start(session, Objective.roas)
    _deliver(session, experiment, [(10_000, 500, 25, 250.0), (10_000, 500, 75, 250.0)])
    with pytest.raises(ex.ExperimentError, match=r"Purchases conversion value.*Conv\. value"):
        _reweight(session, experiment)


def test_a_live_cpa_test_picks_the_cheaper_conversions(session, people):
    experiment = _start(session, Objective.cpa)
    _deliver(session, experiment, [(10_000, 500, 20, 1_000.0), (10_000, 500, 60, 1_000.0)])
    decision = _reweight(session, experiment)
    assert decision.winner is not None and decision.winner.letter == "B"
    cpa = decision.winner.objective_mean
    assert cpa is not None and 15 < cpa < 19  # about 1,000 / 60 per conversion
    assert "per conversion" in decision.text


# --------------------------------------------------------------------------------------------
# Conversion value in reports
# --------------------------------------------------------------------------------------------


def _with_value(report: bytes, column: str, values: list[str]) -> bytes:
    """Add a conversion-value column to a report, as the platform exports it."""
    lines = list(csv.reader(io.StringIO(report.decode())))
    header = next(i for i, cells in enumerate(lines) if "Clicks" in cells or "Link clicks" in cells)
    lines[header].append(column)
    for offset, value in enumerate(values, start=1):
        lines[header + offset].append(value)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue().encode()


def test_reports_carry_the_conversion_value_when_the_platform_exports_it() -> None:
    google = google_csv(
        [dict(day="2024-05-01", ad_id="77", impressions=1_000, clicks=30, conversions="3.00")]
    )
    parsed = parse_report(_with_value(google, "Conv. value", ["1,250.50"]), name="g.csv")
    assert parsed.rows[0].revenue == 1250.5
    assert parse_report(google, name="g.csv").rows[0].revenue is None
    meta = meta_csv([dict(day="2024-05-01", ad_name="x", impressions=1_000, clicks=30, results=3)])
    with_value = _with_value(meta, "Purchases conversion value", ["99.90"])
    assert parse_report(with_value, name="m.csv").rows[0].revenue == 99.9


def _roas_rows(session: Session, experiment: Experiment) -> list[dict[str, object]]:
    arms = session.exec(
        select(Arm).where(Arm.experiment_id == experiment.id).order_by(col(Arm.id))
    ).all()
    return [
        dict(day="2024-05-01", ad_name=a.ad_name, impressions=10_000, clicks=500, results=60)
        | {"spend": 1_000}
        for a in arms
    ]


def test_a_roas_test_warns_when_a_report_has_no_conversion_value(session, people):
    experiment = _start(session, Objective.roas)
    plain = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=meta_csv(_roas_rows(session, experiment), with_id=False),
        file_name="no-value.csv",
        actor="mia",
    )
    assert plain.imported == 2
    assert any("add 'Purchases conversion value'" in w for w in plain.warnings)


def test_a_live_roas_test_decides_on_revenue_per_spend(session, people):
    experiment = _start(session, Objective.roas)
    rows = _roas_rows(session, experiment)
    report = _with_value(
        meta_csv(rows, with_id=False), "Purchases conversion value", ["12000", "3000"]
    )
    result = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=report,
        file_name="meta.csv",
        actor="mia",
    )
    assert result.imported == 2 and not result.warnings
    session.commit()
    revenue = session.exec(select(ArmResult.revenue).order_by(col(ArmResult.arm_id))).all()
    assert revenue == [12000.0, 3000.0]
    decision = _reweight(session, experiment)
    assert decision.winner is not None and decision.winner.letter == "A"
    assert [round(a.objective_mean or 0) for a in decision.arms] == [12, 3]
    # About 12x and 3x, shrunk a little toward each other by the pooled value per conversion.
    assert re.search(r"Objective: return on ad spend \(A 1[12]\.\d\dx, B 3\.\d\dx\)", decision.text)


def test_a_later_report_adds_the_conversion_value_to_days_already_imported(session, people):
    experiment = _start(session, Objective.roas)
    rows = _roas_rows(session, experiment)
    first = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=meta_csv(rows, with_id=False),
        file_name="no-value.csv",
        actor="mia",
    )
    assert first.imported == 2
    session.commit()
    ids_before = session.exec(select(ArmResult.id)).all()
    with_value = _with_value(
        meta_csv(rows, with_id=False), "Purchases conversion value", ["12000", "3000"]
    )
    later = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=with_value,
        file_name="with-value.csv",
        actor="mia",
    )
    assert (later.imported, later.merged, later.bad_rows) == (0, 2, ())
    assert "2 day(s) already imported completed" in later.summary()
    session.commit()
    stored = session.exec(select(ArmResult).order_by(col(ArmResult.arm_id))).all()
    assert [(r.impressions, r.clicks, r.revenue) for r in stored] == [
        (10_000, 500, 12000.0),
        (10_000, 500, 3000.0),
    ]
    assert stored[0].source == "meta:no-value.csv + meta:with-value.csv"
    assert not set(r.id for r in stored) & set(ids_before)  # new rows: the decision sees new data
    audits = session.exec(
        select(AuditLog).where(AuditLog.action == "experiment.merge_report_values")
    ).all()
    assert len(audits) == 2 and audits[0].after["added"] == {"revenue": 12000.0}
    # Importing either report again adds nothing.
    again = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=meta_csv(rows, with_id=False),
        file_name="no-value.csv",
        actor="mia",
    )
    assert (again.imported, again.merged, again.duplicates) == (0, 0, 2)
    decision = _reweight(session, experiment)
    assert decision.winner is not None and decision.winner.letter == "A"


def test_a_later_report_that_contradicts_a_stored_day_is_refused_naming_both_values(
    session, people
):
    experiment = _start(session, Objective.roas)
    rows = _roas_rows(session, experiment)
    import_report(
        session,
        experiment_id=saved_id(experiment),
        data=meta_csv(rows, with_id=False),
        file_name="first.csv",
        actor="mia",
    )
    session.commit()
    changed = [rows[0] | {"clicks": 480}, rows[1] | {"results": 70}]
    report = _with_value(
        meta_csv(changed, with_id=False), "Purchases conversion value", ["12000", "3000"]
    )
    result = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=report,
        file_name="second.csv",
        actor="mia",
    )
    assert (result.imported, result.merged) == (0, 0)
    first, second = result.bad_rows
    assert "2024-05-01, arm A" in first.reason and "(from meta:first.csv)" in first.reason
    assert "clicks 500 stored, 480 in this report" in first.reason
    assert "2024-05-01, arm B" in second.reason
    assert "conversions 60 stored, 70 in this report" in second.reason
    session.commit()
    assert session.exec(select(ArmResult.revenue)).all() == [None, None]


def test_conversions_missing_from_a_report_are_unknown_and_can_be_added_later(session, people):
    experiment = _start(session, Objective.ctr)
    arms = session.exec(
        select(Arm).where(Arm.experiment_id == experiment.id).order_by(col(Arm.id))
    ).all()
    rows = [dict(day="2024-05-01", ad_name=a.ad_name, impressions=1_000, clicks=30) for a in arms]
    # The same export without its Results (conversions) column.
    without = meta_csv(rows, with_id=False).decode().replace(",Results,", ",Other,").encode()
    import_report(
        session, experiment_id=saved_id(experiment), data=without, file_name="m1.csv", actor="mia"
    )
    session.commit()
    assert session.exec(select(ArmResult.conversions)).all() == [None, None]
    result = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=meta_csv([r | {"results": 4} for r in rows], with_id=False),
        file_name="m2.csv",
        actor="mia",
    )
    assert result.merged == 2, result.bad_rows
    session.commit()
    assert session.exec(select(ArmResult.conversions)).all() == [4, 4]
