"""The shared factories build what they promise, through the library, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from studio.core.models import Review, Role, VariantStatus
from studio.experiments import queries as experiment_queries
from studio.experiments.reports import import_report
from studio.review import accounts as auth
from tests import factories


@pytest.fixture
def people(session: Session) -> Session:
    factories.add_people(session)
    return session


@pytest.mark.parametrize("status", list(VariantStatus))
def test_variants_reach_every_status_through_the_review_state_machine(people, status):
    campaign_id = factories.make_campaign(people)
    variant = factories.make_variant(people, campaign_id=campaign_id, status=status)
    assert variant.status == status
    reviews = people.exec(select(Review).where(Review.variant_id == variant.id)).all()
    # Every status but draft was reached by a submit, then a reviewer's decision if any.
    assert len(reviews) == (0 if status == VariantStatus.draft else 1 + (status != "in_review"))
    if status != VariantStatus.draft:
        assert reviews[0].reviewer == "cara"


def test_stored_status_skips_the_state_machine(people):
    campaign_id = factories.make_campaign(people)
    variant = factories.make_variant(
        people, campaign_id=campaign_id, status=VariantStatus.winner, through_review=False
    )
    assert variant.status == VariantStatus.winner
    assert people.exec(select(Review).where(Review.variant_id == variant.id)).all() == []


def test_users_per_role_sign_in_with_the_test_password(people):
    for role in Role:
        user = factories.make_user(people, role=role)
        assert user.role == role and user.is_active
        assert auth.authenticate(people, username=user.username, password=factories.PASSWORD)
    inactive = factories.make_user(people, role=Role.marketer, active=False)
    people.commit()
    with pytest.raises(auth.AuthenticationFailed, match="deactivated"):
        auth.active_user(people, username=inactive.username)


def test_a_creative_test_takes_its_reports_rows(people):
    experiment = factories.make_test(people, n=3, now=datetime(2024, 4, 30, 9, tzinfo=UTC))
    arms = experiment_queries.list_arms(people, experiment_id=experiment.id)
    assert len(arms) == 3 and {a.ad_name for a in arms} == {f"studio-v{a.variant_id}" for a in arms}
    rows = factories.report_rows(
        arms, days=[date(2024, 5, 1), date(2024, 5, 2)], ctrs=[0.01, 0.02, 0.03]
    )
    assert [r["clicks"] for r in rows] == [10, 20, 30, 10, 20, 30]
    result = import_report(
        people,
        experiment_id=experiment.id,
        data=factories.meta_csv(rows, with_id=False),
        file_name="meta.csv",
        actor="mia",
    )
    assert not result.bad_rows, result.bad_rows
    assert (result.imported, result.impressions, result.clicks) == (6, 6000, 120)


def test_a_decided_test_has_its_winner_arms_results_and_decision(people):
    campaign_id = factories.make_campaign(people)
    winner = factories.make_variant(people, campaign_id=campaign_id, status=VariantStatus.winner)
    loser = factories.make_variant(people, campaign_id=campaign_id, status=VariantStatus.retired)
    experiment, arms = factories.make_decided_test(
        people, winner=winner, others=[loser], clicks=(60, 30)
    )
    assert experiment.winner_arm_id == arms[0].id and experiment.status == "stopped"
    assert [a.variant_id for a in arms] == [winner.id, loser.id]
    assert arms[0].ad_name == f"Roast vs price v{winner.id}"
    totals = experiment_queries.delivery_by_arm(people, experiment_id=experiment.id)
    assert [totals[a.id].clicks for a in arms] == [60, 30]
    decision = experiment_queries.latest_decision(people, experiment_id=experiment.id)
    assert decision is not None and decision.summary == f"v{winner.id} wins"
