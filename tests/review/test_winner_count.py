"""Winners are counted from the workflow's record, so exporting a winner does not uncount it."""

from __future__ import annotations

from studio.core.models import ReviewAction, VariantStatus
from studio.review import queries as review_queries
from studio.review import workflow as review
from tests import factories


def test_winners_stay_counted_after_export_and_per_brand(session, people):
    campaign = factories.make_campaign(session)
    won = [
        factories.make_variant(session, campaign_id=campaign, status=VariantStatus.winner, seed=i)
        for i in range(2)
    ]
    factories.make_variant(session, campaign_id=campaign, status=VariantStatus.exported, seed=5)
    factories.make_variant(session, campaign_id=campaign, status=VariantStatus.retired, seed=6)
    assert review_queries.count_winners(session, brand="halden-coffee") == 2
    review.act(session, variant_id=won[0].id, action=ReviewAction.export, actor="mia")
    session.commit()
    assert review_queries.count_winners(session, brand="halden-coffee") == 2
    assert review_queries.count_winners(session) == 2
    assert review_queries.count_winners(session, brand="ledgerly") == 0
