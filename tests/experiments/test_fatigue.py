"""Creative fatigue: an arm's recent CTR against its own early baseline."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from sqlmodel import Session, select

from studio.core.models import AuditLog, Experiment, saved_id
from studio.experiments import lifecycle as ex
from studio.experiments.fatigue import check_fatigue
from tests.experiments.conftest import arms_of, import_meta, start_test

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


def test_with_frequency_a_ctr_drop_is_fatigue_only_when_frequency_rose() -> None:
    # Both arms fall from 3% to 1.5%; A's frequency rose (wear-out), B's did not (the audience
    # or season changed): only A is flagged. Without reach, both are flagged on CTR alone.
    impressions = np.full((6, 2), 5_000)
    clicks = np.array([[150, 150]] * 3 + [[75, 75]] * 3)
    reach = np.array([[4_000, 4_000]] * 3 + [[2_000, 4_000]] * 3)
    worn, not_worn = check_fatigue(impressions, clicks, reach, recent_days=3)
    assert worn.uses_frequency and worn.frequency_rose and worn.flagged
    assert (worn.baseline_frequency, worn.recent_frequency) == (1.25, 2.5)
    assert not_worn.uses_frequency and not_worn.frequency_rose is False
    assert not not_worn.flagged and "frequency did not rise" in not_worn.reason
    assert not_worn.probability is not None and not_worn.probability > 0.999
    ctr_only = check_fatigue(impressions, clicks, recent_days=3)
    assert [f.flagged for f in ctr_only] == [True, True]
    assert not any(f.uses_frequency for f in ctr_only)
    # Reach missing on one delivery day: that arm falls back to CTR only.
    gaps = reach.astype(float)
    gaps[4, 1] = np.nan
    assert [f.uses_frequency for f in check_fatigue(impressions, clicks, gaps)] == [True, False]


def test_fatigue_settings_are_validated_with_a_message() -> None:
    with pytest.raises(ex.ExperimentError, match=r"fatigue: flag probability must be in \(0, 1\)"):
        ex.fatigue_settings(recent_days=3, drop=0.2, flag_probability=90)
    with pytest.raises(ex.ExperimentError, match="fatigue: recent days must be a whole number"):
        ex.fatigue_settings(recent_days=0, drop=0.2, flag_probability=0.9)


#: People reached per day and arm: B's recent days reach half as many people (frequency doubles).
REACH = np.array([[4_000, 4_000]] * 3 + [[4_000, 2_000]] * 3)


def _deliver_days(session: Session, experiment: Experiment, reach: object = REACH) -> None:
    arms = arms_of(session, experiment)
    rows = [
        dict(day=f"2024-05-0{d + 1}", ad_name=a.ad_name, impressions=5_000, clicks=int(c))
        | {"reach": reach if isinstance(reach, str) else int(np.asarray(reach)[d, k])}
        for d in range(6)
        for k, (a, c) in enumerate(zip(arms, CLICKS[d], strict=True))
    ]
    import_meta(session, experiment, rows, "meta.csv")


def _start(session: Session, fatigue: ex.FatigueSettings | None = None) -> Experiment:
    return start_test(session, fatigue=fatigue)


def test_the_dashboard_flags_the_fatigued_arm_with_the_settings_stored_on_the_test(session, people):
    experiment = _start(session)
    _deliver_days(session, experiment)
    board = ex.dashboard(session, saved_id(experiment))
    assert board.fatigue_settings == ex.FatigueSettings()
    assert [f.flagged for f in board.fatigue] == [False, True]
    notes = ex.fatigue_notes(board)
    assert notes[0].kind == "fatigue_basis" and "CTR and frequency" in notes[0].text
    assert [n.kind for n in notes[1:]] == ["fatigued"]
    # A larger drop than B's 50%, stored on the test (audited), is not flagged.
    ex.set_fatigue(
        session,
        saved_id(experiment),
        actor="mia",
        settings=ex.FatigueSettings(recent_days=3, drop=0.6, flag_probability=0.9),
    )
    session.commit()
    strict = ex.dashboard(session, saved_id(experiment))
    assert strict.fatigue_settings.drop == 0.6
    assert [f.flagged for f in strict.fatigue] == [False, False]
    entry = session.exec(select(AuditLog).where(AuditLog.action == "experiment.set_fatigue")).one()
    assert entry.before["drop"] == 0.2 and entry.after["drop"] == 0.6


def test_fatigue_set_at_start_and_without_reach_says_it_uses_ctr_only(session, people):
    experiment = _start(session, ex.FatigueSettings(recent_days=2, drop=0.3, flag_probability=0.8))
    stored = session.get(Experiment, saved_id(experiment))
    assert stored is not None
    assert (stored.fatigue_recent_days, stored.fatigue_drop) == (2, 0.3)
    assert stored.fatigue_flag_probability == 0.8
    _deliver_days(session, experiment, reach="")  # the Reach cells are empty
    board = ex.dashboard(session, saved_id(experiment))
    assert [f.uses_frequency for f in board.fatigue] == [False, False]
    assert (board.fatigue[1].baseline_days, board.fatigue[1].recent_days) == (4, 2)
    basis, fatigued = ex.fatigue_notes(board)
    assert "Fatigue uses CTR only: the reports carry no Reach" in basis.text
    assert fatigued.kind == "fatigued" and "last 2 delivery day(s)" in basis.text


def test_a_ctr_drop_without_a_frequency_rise_is_reported_not_flagged(session, people):
    experiment = _start(session)
    _deliver_days(session, experiment, reach=np.full((6, 2), 4_000))
    board = ex.dashboard(session, saved_id(experiment))
    assert [f.uses_frequency for f in board.fatigue] == [True, True]
    assert [n.kind for n in ex.fatigue_notes(board)] == ["fatigue_basis", "ctr_drop"]
    assert not board.fatigue[1].flagged
