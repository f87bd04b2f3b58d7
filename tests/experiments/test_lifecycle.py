"""The creative-test lifecycle on SQLite and PostgreSQL: create, reweight, winner, pause, stop."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlmodel import Session, select

from studio.core import audit
from studio.core.models import (
    AllocationDecision,
    Arm,
    ArmResult,
    Experiment,
    Variant,
    VariantStatus,
)
from studio.experiments import lifecycle as ex
from studio.experiments.reports import import_report
from studio.export.pipeline import ExportScope, select_variants
from studio.review.accounts import PermissionDenied
from tests.experiments.conftest import arms_of, import_meta, make_variants, start_test

S = VariantStatus


def _reweight(session: Session, experiment: Experiment, day: str) -> ex.Decision:
    """Reweight at 06:00 UTC on ``day`` (the morning after the delivery it reads)."""
    at = datetime.fromisoformat(day).replace(hour=6, tzinfo=UTC)
    decision = ex.reweight(session, experiment.id, actor="mia", now=at)  # type: ignore[arg-type]
    session.commit()
    return decision


def _deliver(
    session: Session, experiment: Experiment, day: str, numbers: list[tuple[int, int]]
) -> None:
    rows = [
        dict(day=day, ad_name=a.ad_name, impressions=i, clicks=c)
        for a, (i, c) in zip(arms_of(session, experiment), numbers, strict=True)
    ]
    import_meta(session, experiment, rows, f"meta-{day}.csv")


def _status(session: Session, variants: list[Variant]) -> list[str]:
    session.expire_all()
    return [str(session.get(Variant, v.id).status) for v in variants]  # type: ignore[union-attr]


def test_create_moves_variants_to_in_test_and_logs_the_first_split(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants)
    assert _status(session, variants) == ["in_test"] * 3
    arms = session.exec(
        select(Arm).where(Arm.experiment_id == experiment.id).order_by(Arm.id)
    ).all()
    assert [a.ad_name for a in arms] == [f"studio-v{v.id}" for v in variants]
    assert [(a.prior_alpha, a.prior_beta) for a in arms] == [(1.0, 1.0)] * 3
    defaults = ex.TestSettings()
    assert (experiment.prior_source, experiment.prior_strength, experiment.min_share) == (
        "pooled",
        ex.DEFAULT_PRIOR_STRENGTH["pooled"],
        defaults.min_share,
    )
    (decision,) = session.exec(select(AllocationDecision)).all()
    assert decision.shares == {str(a.id): pytest.approx(1 / 3) for a in arms}
    assert decision.details["burn_in"] is True and decision.details["through_result_id"] == 0
    assert decision.summary.startswith(
        "Test started: equal split (A 33%, B 33%, C 33%) until every arm has "
        f"{defaults.burn_in_impressions:,}"
    )
    actions = [e.action for e in audit.list_entries(session, limit=50)]
    assert actions.count("variant.start_test") == 3 and "experiment.create" in actions


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"persona": "office-managers"},
            "is written for persona 'office-managers', not 'home-baristas'",
        ),
        ({"channel": "google_rsa"}, "is for channel 'google_rsa', not 'meta_feed'"),
        ({"status": S.in_review}, "is 'in_review'; only approved variants can start a test"),
    ],
)
def test_only_approved_variants_of_the_persona_and_channel(session, people, change, message):
    good = make_variants(session, n=2)
    odd = make_variants(session, n=1, **change)  # type: ignore[arg-type]
    with pytest.raises(ex.ExperimentError, match=message):
        start_test(session, good + odd)
    session.rollback()
    assert session.exec(select(Experiment)).all() == []
    assert _status(session, good) == ["approved", "approved"]


def test_other_refusals(session, people):
    variants = make_variants(session, n=2)
    with pytest.raises(ex.ExperimentError, match="a test compares 2 to 20 variants; got 1"):
        start_test(session, variants[:1])
    with pytest.raises(ex.ExperimentError, match="variant 999 does not exist"):
        ex.create_test(
            session,
            name="x",
            brand="halden-coffee",
            persona="home-baristas",
            channel="meta_feed",
            variant_ids=[variants[0].id, 999],
            actor="mia",
        )  # type: ignore[list-item]
    with pytest.raises(ex.ExperimentError, match="has no predicted CTR"):
        start_test(session, variants, prior_source="predictor")
    with pytest.raises(ex.ExperimentError, match="policy 'ucb' does not exist"):
        ex.TestSettings(policy="ucb")
    with pytest.raises(ex.ExperimentError, match="min share must be in"):
        ex.TestSettings(min_share=1.0)


@pytest.mark.parametrize("username", ["cara", "bea"])
def test_only_roles_that_run_tests_may(session, people, username):
    variants = make_variants(session, n=2)
    with pytest.raises(PermissionDenied, match="run_tests"):
        ex.create_test(
            session,
            name="x",
            brand="halden-coffee",
            persona="home-baristas",
            channel="meta_feed",
            variant_ids=[v.id for v in variants],
            actor=username,
        )  # type: ignore[misc]
    session.rollback()
    experiment = start_test(session, variants)
    for call in (
        lambda: ex.reweight(session, experiment.id, actor=username),  # type: ignore[arg-type]
        lambda: ex.pause(session, experiment.id, actor=username),  # type: ignore[arg-type]
        lambda: ex.stop(session, experiment.id, actor=username),  # type: ignore[arg-type]
        lambda: import_report(
            session,
            experiment_id=experiment.id,
            data=b"x",
            file_name="r.csv",  # type: ignore[arg-type]
            actor=username,
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_burn_in_then_the_split_follows_the_data_with_a_floor(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants, burn_in_impressions=1000, min_share=0.05)
    _deliver(session, experiment, "2024-05-01", [(600, 6), (600, 12), (600, 6)])
    burn_in = _reweight(session, experiment, "2024-05-02")
    assert burn_in.burn_in and [a.share for a in burn_in.arms] == pytest.approx([1 / 3] * 3)
    assert "until every arm has 1,000 impressions (A has 600, B has 600, C has 600)" in burn_in.text
    _deliver(session, experiment, "2024-05-02", [(600, 7), (600, 9), (600, 8)])
    decision = _reweight(session, experiment, "2024-05-03")
    shares = [a.share for a in decision.arms]
    assert not decision.burn_in and decision.winner_arm_id is None
    assert sum(shares) == pytest.approx(1.0)
    assert shares[1] == max(shares) > 0.5 and min(shares) >= 0.05 - 1e-9
    assert "No winner yet: the leader, arm B 'Fresh beans, every week'" in decision.text
    assert "New split: A " in decision.text
    # The logged decision can be recomputed offline from its details alone.
    logged = session.get(AllocationDecision, decision.decision_id)
    assert (
        logged.details["arms"][1]["impressions"] == 1200
        and logged.details["arms"][1]["clicks"] == 21
    )
    replayed = ex.replay_decision(logged)
    assert dict(zip(logged.shares, replayed.shares, strict=True)) == pytest.approx(
        logged.shares, abs=1e-6
    )


def test_a_clear_winner_is_declared_and_the_others_retired(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants, burn_in_impressions=500)
    _deliver(session, experiment, "2024-05-01", [(20000, 200), (20000, 320), (20000, 210)])
    decision = _reweight(session, experiment, "2024-05-02")
    winner = decision.winner
    assert winner is not None and winner.variant_id == variants[1].id
    assert winner.prob_best >= 0.95 and winner.expected_loss < 0.01 * winner.ctr_mean  # type: ignore[operator]
    assert [a.share for a in decision.arms] == [0.0, 1.0, 0.0]
    assert decision.text.startswith("Arm B 'Fresh beans, every week' is the winner: ")
    assert "shift all traffic to it" in decision.text
    assert _status(session, variants) == ["retired", "winner", "retired"]
    session.refresh(experiment)
    assert experiment.status == "completed" and experiment.winner_arm_id == winner.arm_id
    assert experiment.ended_at is not None
    # The export reads the winner the way it always has.
    assert [
        v.id
        for v in select_variants(session, platform="meta", scope=ExportScope.test(experiment.id))
    ] == [variants[1].id]
    with pytest.raises(ex.ExperimentError, match="is completed; it has ended"):
        ex.reweight(session, experiment.id, actor="mia")  # type: ignore[arg-type]
    actions = [e.action for e in audit.list_entries(session, entity_type="experiment", limit=50)]
    assert "experiment.declare_winner" in actions


def test_hopeless_arms_are_paused(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants, burn_in_impressions=500, win_probability=0.999)
    _deliver(session, experiment, "2024-05-01", [(4000, 80), (4000, 84), (4000, 8)])
    decision = _reweight(session, experiment, "2024-05-02")
    c = decision.arms[2]
    assert c.paused_now and c.share == 0.0 and c.prob_best < 0.01
    assert sum(a.share for a in decision.arms[:2]) == pytest.approx(1.0)
    assert "Pause arm C 'Roasted to order'" in decision.text and "turn its ad off" in decision.text
    assert session.get(Arm, c.arm_id).paused  # type: ignore[union-attr]


def test_sample_ratio_mismatch_against_the_previous_split(session, people):
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants, burn_in_impressions=0)
    # The first split is 50/50: a 50/50 delivery is fine ...
    _deliver(session, experiment, "2024-05-01", [(5000, 50), (5020, 52)])
    fine = _reweight(session, experiment, "2024-05-02")
    assert fine.srm is not None and not fine.srm.mismatch
    assert fine.srm.served == {fine.arms[0].arm_id: 5000, fine.arms[1].arm_id: 5020}
    assert "Served traffic matches the split in force each day" in fine.text
    # ... then the platform serves 70/30 whatever the split said.
    planned = {a.arm_id: a.share for a in fine.arms}
    # Day 2 is served under the first split (50/50) until the platform switched to the new one
    # (at 06:00 or later): 70/30 is no mixture of the two.
    _deliver(session, experiment, "2024-05-02", [(7000, 70), (3000, 31)])
    skewed = _reweight(session, experiment, "2024-05-03")
    assert skewed.srm is not None and skewed.srm.mismatch and skewed.srm.p_value < 0.001
    assert skewed.srm.worst_day.isoformat() == "2024-05-02"  # type: ignore[union-attr]
    assert skewed.srm.planned == pytest.approx(planned)
    assert skewed.srm.served == {fine.arms[0].arm_id: 7000, fine.arms[1].arm_id: 3000}
    assert "Sample-ratio mismatch" in skewed.text
    assert session.get(AllocationDecision, skewed.decision_id).details["srm"]["mismatch"] is True  # type: ignore[union-attr]


def test_pause_resume_and_stop(session, people):
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants)
    ex.pause(session, experiment.id, actor="mia")  # type: ignore[arg-type]
    with pytest.raises(ex.ExperimentError, match="is paused; resume it first"):
        ex.reweight(session, experiment.id, actor="mia")  # type: ignore[arg-type]
    with pytest.raises(ex.ExperimentError, match="cannot pause test"):
        ex.pause(session, experiment.id, actor="mia")  # type: ignore[arg-type]
    ex.resume(session, experiment.id, actor="mia")  # type: ignore[arg-type]
    ex.stop(session, experiment.id, actor="ada", reason="budget cut")  # type: ignore[arg-type]
    session.commit()
    assert _status(session, variants) == ["retired", "retired"]
    session.refresh(experiment)
    assert experiment.status == "stopped" and experiment.winner_arm_id is None
    with pytest.raises(ex.ExperimentError, match="cannot stop test"):
        ex.stop(session, experiment.id, actor="mia")  # type: ignore[arg-type]
    stop_entry = audit.list_entries(session, action="experiment.stop")[0]
    assert stop_entry.actor == "ada" and stop_entry.after["reason"] == "budget cut"


def test_predictor_prior_favours_the_predicted_best_before_any_delivery(session, people):
    variants = make_variants(session, n=2, predicted=[0.01, 0.03])
    experiment = start_test(
        session, variants, prior_source="predictor", prior_strength=200.0, burn_in_impressions=0
    )
    arms = session.exec(
        select(Arm).where(Arm.experiment_id == experiment.id).order_by(Arm.id)
    ).all()
    # Beta(1 + ctr n0, 1 + (1 - ctr) n0) with n0 = 200 (the interval is narrow enough to allow it).
    assert (arms[0].prior_alpha, arms[0].prior_beta) == pytest.approx((3.0, 199.0))
    decision = session.exec(select(AllocationDecision)).one()
    # The prior alone makes the predicted best very likely best ...
    p_best = decision.prob_best[str(arms[1].id)]
    assert p_best > 0.85
    # ... and top-two Thompson sampling (the default) serves it as leader 85% of the time and as
    # the challenger whenever the other arm leads, mixed with the 1% floor per arm.
    top_two = 0.85 * p_best + 0.15 * (1 - p_best)
    assert decision.shares[str(arms[1].id)] == pytest.approx(0.01 + 0.98 * top_two, abs=1e-5)
    assert decision.shares[str(arms[1].id)] > 0.75
    # After delivery the prior keeps the predicted gap but is centred on the pooled CTR.
    _deliver(session, experiment, "2024-05-01", [(1000, 50), (1000, 50)])
    after = _reweight(session, experiment, "2024-05-02")
    a, b = after.arms
    assert a.prior_alpha + a.prior_beta == pytest.approx(202.0)
    pooled = 100.5 / 2001
    logits = np.log(
        np.array([a.prior_alpha - 1, b.prior_alpha - 1])
        / np.array([a.prior_beta - 1, b.prior_beta - 1])
    )
    assert logits.mean() == pytest.approx(np.log(pooled / (1 - pooled)), abs=1e-9)
    assert logits[1] - logits[0] == pytest.approx(
        np.log(0.03 / 0.97) - np.log(0.01 / 0.99), abs=1e-9
    )


def test_cadence_makes_a_test_due(session, people):
    variants = make_variants(session, n=2)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    experiment = ex.create_test(
        session,
        name="x",
        brand="halden-coffee",
        persona="home-baristas",
        channel="meta_feed",
        variant_ids=[v.id for v in variants],
        actor="mia",  # type: ignore[misc]
        settings=ex.TestSettings(reweight_hours=12),
        now=start,
    )
    session.commit()
    assert ex.due_tests(session, now=start + timedelta(hours=11)) == []
    assert [e.id for e in ex.due_tests(session, now=start + timedelta(hours=12))] == [experiment.id]
    ex.reweight(session, experiment.id, actor="mia", now=start + timedelta(hours=12))  # type: ignore[arg-type]
    session.commit()
    assert ex.due_tests(session, now=start + timedelta(hours=23)) == []


def test_assign_ad_ids(session, people):
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants)
    arms = session.exec(
        select(Arm).where(Arm.experiment_id == experiment.id).order_by(Arm.id)
    ).all()
    ex.assign_ad(
        session, experiment_id=experiment.id, arm_id=arms[0].id, actor="mia", ad_id="2384001"
    )  # type: ignore[arg-type]
    with pytest.raises(ex.ExperimentError, match="ad id '2384001' already belongs to arm"):
        ex.assign_ad(
            session, experiment_id=experiment.id, arm_id=arms[1].id, actor="mia", ad_id="2384001"
        )  # type: ignore[arg-type]
    with pytest.raises(ex.ExperimentError, match="has no arm 999"):
        ex.assign_ad(session, experiment_id=experiment.id, arm_id=999, actor="mia", ad_id="1")  # type: ignore[arg-type]
    assert session.exec(select(ArmResult)).all() == []


# --------------------------------------------------------------------------- issue 13 findings
# Each test below failed on the earlier code and passes now, on SQLite and PostgreSQL.


def _at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_finding_sparse_clicks_declare_no_winner(session, people):
    # 3 arms x 1,000 impressions, clicks 2/0/0: the pooled prior worth 10 impressions gave arm A
    # P(best) 0.997 and declared it the winner.
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants, burn_in_impressions=1000)
    _deliver(session, experiment, "2024-05-01", [(1000, 2), (1000, 0), (1000, 0)])
    decision = _reweight(session, experiment, "2024-05-02")
    assert decision.winner_arm_id is None
    assert decision.arms[0].prob_best < 0.9
    assert _status(session, variants) == ["in_test"] * 3


def test_finding_zero_clicks_tie_is_fair_in_either_order(session, people):
    # 0 clicks on 100,000 vs 100,001 impressions: underflowing draws made arm A win either way.
    for numbers in ([(100_000, 0), (100_001, 0)], [(100_001, 0), (100_000, 0)]):
        variants = make_variants(session, n=2)
        experiment = start_test(session, variants)
        _deliver(session, experiment, "2024-05-01", numbers)
        decision = _reweight(session, experiment, "2024-05-02")
        assert decision.winner_arm_id is None
        assert [a.prob_best for a in decision.arms] == pytest.approx([0.5, 0.5], abs=1e-3)


def test_finding_no_pausing_on_noise_and_no_winner_from_the_same_data(session, people):
    # 7 arms x 3,000 impressions, clicks 96 and 68 on six identical others (exact P(best) of
    # each other arm 0.0102): the first decision paused 4 of the six on Monte Carlo noise and a
    # second decision on the same data declared the leader winner among the remaining arms.
    variants = make_variants(session, n=7)
    experiment = start_test(session, variants, prior_source="flat", burn_in_impressions=1000)
    _deliver(session, experiment, "2024-05-01", [(3000, 96)] + [(3000, 68)] * 6)
    first = _reweight(session, experiment, "2024-05-02")
    assert not any(a.paused_now for a in first.arms)
    assert [a.prob_best for a in first.arms[1:]] == pytest.approx([0.0102] * 6, abs=3e-4)
    again = _reweight(session, experiment, "2024-05-02")
    assert again.winner_arm_id is None and not again.new_data
    assert [a.share for a in again.arms] == [a.share for a in first.arms]


def test_finding_no_winner_while_srm_is_unresolved_nor_without_new_data(session, people):
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants, burn_in_impressions=0)
    # Day 1 is served 20,000 / 26,000 under a 50/50 split: a mismatch, whatever B's clear lead.
    _deliver(session, experiment, "2024-05-01", [(20_000, 200), (26_000, 520)])
    held = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-02"))  # type: ignore[arg-type]
    session.commit()
    assert held.srm is not None and held.srm.mismatch
    assert held.winner_arm_id is None and held.held == ("srm",)
    assert "no winner is declared until the mismatch is resolved" in held.text
    board = ex.dashboard(session, experiment.id)  # type: ignore[arg-type]
    assert [n.kind for n in board.notes][:3] == ["no_winner", "held", "split"]
    assert board.latest_srm_mismatch

    with pytest.raises(ex.ExperimentError, match="say what caused the sample-ratio mismatch"):
        ex.resolve_srm(session, experiment.id, actor="mia", through=date(2024, 5, 1), reason=" ")  # type: ignore[arg-type]
    ex.resolve_srm(
        session,
        experiment.id,
        actor="mia",
        through=date(2024, 5, 1),
        reason="B's ad set had twice the budget",
    )  # type: ignore[arg-type]
    session.commit()
    assert audit.list_entries(session, action="experiment.resolve_srm")[0].after["reason"]
    # Resolved, but no delivery since the last decision: a second look is not new evidence.
    same = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-02", 1))  # type: ignore[arg-type]
    session.commit()
    assert same.winner_arm_id is None and same.held == ("no_new_data",)
    # Day 2 follows the split (A, hopeless, was paused on day 1); now the winner is declared.
    assert same.arms[0].paused and same.share_of(same.arms[0].arm_id) == 0.0
    _deliver(session, experiment, "2024-05-02", [(0, 0), (10_000, 220)])
    won = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-03"))  # type: ignore[arg-type]
    session.commit()
    assert won.srm is not None and not won.srm.mismatch
    assert won.srm.days == (date(2024, 5, 2),)
    assert won.winner_arm_id == won.arms[1].arm_id


def test_finding_srm_judges_each_day_by_its_own_split(session, people):
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants, burn_in_impressions=0, win_probability=0.999)
    _deliver(session, experiment, "2024-05-01", [(5000, 50), (5000, 68)])
    first = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-02"))  # type: ignore[arg-type]
    session.commit()
    share_a = first.share_of(first.arms[0].arm_id)
    assert share_a < 0.2
    # Day 2 follows the new split; the half day the test ran on its first day (04-30, 50/50)
    # arrives late, in the same import. Against the newest split it was p < 1e-300.
    served_a = round(10_000 * share_a)
    _deliver(session, experiment, "2024-05-02", [(served_a, 10), (10_000 - served_a, 130)])
    _deliver(session, experiment, "2024-04-30", [(2000, 20), (2010, 26)])
    decision = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-03"))  # type: ignore[arg-type]
    session.commit()
    assert decision.srm is not None and not decision.srm.mismatch
    assert decision.srm.days == (date(2024, 4, 30), date(2024, 5, 1), date(2024, 5, 2))


def test_finding_stray_impressions_on_a_just_paused_arm_are_tolerated(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants, burn_in_impressions=500, win_probability=0.999)
    _deliver(session, experiment, "2024-05-01", [(4000, 80), (4000, 84), (4000, 8)])
    first = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-02"))  # type: ignore[arg-type]
    session.commit()
    assert first.arms[2].paused_now
    share_a = first.share_of(first.arms[0].arm_id)
    served_a = round(11_960 * share_a)
    # The ad of arm C is switched off an hour late: 40 impressions (0.3% of the day).
    _deliver(session, experiment, "2024-05-02", [(served_a, 80), (11_960 - served_a, 84), (40, 0)])
    decision = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-03"))  # type: ignore[arg-type]
    session.commit()
    assert decision.srm is not None and not decision.srm.mismatch
    assert decision.srm.unplanned == {decision.arms[2].arm_id: 40}


def test_finding_identical_copy_cannot_be_tested_against_itself(session, people):
    variants = make_variants(session, n=3)
    twin = session.get(Variant, variants[2].id)
    twin.fields = {
        k: (f"  {v.upper()} " if k == "headline" else v) for k, v in variants[0].fields.items()
    }  # type: ignore[union-attr]
    session.add(twin)
    session.commit()
    with pytest.raises(
        ex.ExperimentError,
        match=rf"variants {variants[0].id} and {variants[2].id} have identical copy",
    ):
        start_test(session, variants)


def test_replay_recomputes_a_decision_that_paused_an_arm(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants, burn_in_impressions=500, win_probability=0.999)
    _deliver(session, experiment, "2024-05-01", [(4000, 80), (4000, 84), (4000, 8)])
    decision = _reweight(session, experiment, "2024-05-02")
    assert decision.arms[2].paused_now
    logged = session.get(AllocationDecision, decision.decision_id)
    replayed = ex.replay_decision(logged)  # type: ignore[arg-type]
    assert replayed.paused_now.tolist() == [False, False, True]
    assert dict(zip(logged.shares, replayed.shares.round(6), strict=True)) == logged.shares  # type: ignore[union-attr]
    assert int(replayed.winner) == -1


def test_every_split_in_force_on_a_day_is_one_the_srm_check_may_mix():
    # A reweight at 00:00, an arm paused at 08:00, a reweight at 16:00: three splits on 05-02.
    arms = [Arm(id=k, experiment_id=1, variant_id=k, ad_id=f"ad-{k}") for k in (1, 2, 3)]
    splits = (
        (_at("2024-05-01"), {"1": 0.34, "2": 0.33, "3": 0.33}),
        (_at("2024-05-02"), {"1": 0.6, "2": 0.3, "3": 0.1}),
        (_at("2024-05-02", 8), {"1": 0.2, "2": 0.8}),
        (_at("2024-05-02", 16), {"1": 0.45, "2": 0.45, "3": 0.1}),
    )
    decisions = [AllocationDecision(experiment_id=1, created_at=at, shares=s) for at, s in splits]
    last, others = ex._splits_of_day(decisions, arms, date(2024, 5, 2))
    assert np.allclose(last, [0.45, 0.45, 0.1])
    assert np.allclose(others, [[0.6, 0.3, 0.1], [0.2, 0.8, 0.0]])
    # The day before had one split; a day after the last decision keeps the last split.
    last, others = ex._splits_of_day(decisions, arms, date(2024, 5, 1))
    assert np.allclose(last, [0.34, 0.33, 0.33]) and others.shape == (0, 3)
    last, others = ex._splits_of_day(decisions, arms, date(2024, 5, 3))
    assert np.allclose(last, [0.45, 0.45, 0.1]) and others.shape == (0, 3)
    assert ex._splits_of_day(decisions, arms, date(2024, 4, 30)) is None
