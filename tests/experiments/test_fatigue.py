"""Creative fatigue: an arm's recent CTR against its own early baseline."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import integrate, stats
from sqlmodel import Session, col, select

from studio.core.models import Arm, Experiment, saved_id
from studio.experiments import lifecycle as ex
from studio.experiments.fatigue import check_fatigue
from studio.experiments.reports import import_report
from tests.experiments.conftest import make_variants, meta_csv

# Six days, two arms: A steady at 2%, B falls from 3% to 1.5% over its last three days.
IMPRESSIONS = np.full((6, 2), 5_000)
CLICKS = np.array([[100, 150], [100, 150], [100, 150], [100, 75], [100, 75], [100, 75]])


def test_a_falling_arm_is_flagged_and_a_steady_one_is_not() -> None:
    steady, falling = check_fatigue(IMPRESSIONS, CLICKS, recent_days=3, drop=0.2)
    assert falling.flagged and falling.probability is not None and falling.probability > 0.999
    assert falling.baseline_ctr == pytest.approx(0.03) and falling.recent_ctr == pytest.approx(
        0.015
    )
    assert (falling.baseline_days, falling.recent_days) == (3, 3)
    assert not steady.flagged and steady.probability is not None and steady.probability < 0.01


def test_the_probability_matches_the_integral_of_the_two_beta_posteriors() -> None:
    impressions = np.array([[2_000], [2_000], [1_000]])
    clicks = np.array([[40], [40], [14]])
    (arm,) = check_fatigue(impressions, clicks, recent_days=1, drop=0.2)
    baseline, recent = stats.beta(1 + 80, 1 + 4_000 - 80), stats.beta(1 + 14, 1 + 1_000 - 14)
    exact = integrate.quad(lambda b: baseline.pdf(b) * recent.cdf(0.8 * b), 0, 0.1)[0]
    assert arm.probability == pytest.approx(exact, abs=1e-3)
    assert 0.2 < exact < 0.9  # a case where the answer is genuinely uncertain


def test_too_few_days_give_no_verdict_and_bad_settings_are_refused() -> None:
    (arm,) = check_fatigue([[1_000], [0], [1_000]], [[10], [0], [5]], recent_days=2)
    assert arm.probability is None and not arm.flagged
    assert "needs more than 2 day(s) of delivery; has 2" in arm.reason
    with pytest.raises(ValueError, match="drop must be a fraction"):
        check_fatigue(IMPRESSIONS, CLICKS, drop=20)
    with pytest.raises(ValueError, match="recent days must be a whole number >= 1; got 0"):
        check_fatigue(IMPRESSIONS, CLICKS, recent_days=0)


def _deliver_days(session: Session, experiment: Experiment) -> None:
    arms = session.exec(
        select(Arm).where(Arm.experiment_id == experiment.id).order_by(col(Arm.id))
    ).all()
    rows = [
        dict(day=f"2024-05-0{d + 1}", ad_name=a.ad_name, impressions=5_000, clicks=int(c))
        for d in range(6)
        for a, c in zip(arms, CLICKS[d], strict=True)
    ]
    result = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=meta_csv(rows, with_id=False),
        file_name="meta.csv",
        actor="mia",
    )
    assert not result.bad_rows, result.bad_rows
    session.commit()


def test_the_dashboard_flags_the_fatigued_arm(session, people):
    variants = make_variants(session, n=2)
    experiment = ex.create_test(
        session,
        name="Spring headlines",
        brand="halden-coffee",
        persona="home-baristas",
        channel="meta_feed",
        variant_ids=[saved_id(v) for v in variants],
        actor="mia",
        now=datetime(2024, 4, 30, 12, tzinfo=UTC),
    )
    session.commit()
    _deliver_days(session, experiment)
    board = ex.dashboard(session, saved_id(experiment))
    assert [f.flagged for f in board.fatigue] == [False, True]
    # A larger drop than B's 50% is not flagged.
    strict = ex.dashboard(session, saved_id(experiment), fatigue_drop=0.6)
    assert [f.flagged for f in strict.fatigue] == [False, False]
    with pytest.raises(ex.ExperimentError, match="fatigue check: recent days"):
        ex.dashboard(session, saved_id(experiment), fatigue_days=0)
