"""Brief a challenger: drafts from a winning or fatigued arm, linked to it, through review."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from studio.brand.guidelines import BrandCatalog
from studio.copy.offline_writer import OfflineCopyWriter
from studio.core.models import Arm, AuditLog, Variant, VariantStatus, saved_id
from studio.experiments import lifecycle as ex
from studio.experiments.challengers import brief_challenger
from studio.review.accounts import PermissionDenied
from tests.experiments.conftest import arms_of, import_meta, make_variants, start_test


def _won(session: Session) -> tuple[int, list[Arm], list[Variant]]:
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants)
    arms = arms_of(session, experiment)
    rows = [
        dict(day="2024-05-01", ad_name=a.ad_name, impressions=20_000, clicks=c)
        for a, c in zip(arms, (200, 320), strict=True)
    ]
    import_meta(session, experiment, rows, "meta.csv")
    decision = ex.reweight(
        session, saved_id(experiment), actor="mia", now=datetime(2024, 5, 2, 6, tzinfo=UTC)
    )
    session.commit()
    assert decision.winner_arm_id == arms[1].id
    return saved_id(experiment), arms, variants


def test_a_challenger_to_the_winner_is_a_linked_draft_written_from_its_copy(
    session, people, catalog: BrandCatalog
):
    test_id, arms, variants = _won(session)
    halden = catalog.get("halden-coffee")
    made = brief_challenger(
        session,
        experiment_id=test_id,
        arm_id=saved_id(arms[1]),
        actor="cara",
        brand=halden,
        writer=OfflineCopyWriter(),
    )
    session.commit()
    assert made.reason == "winner" and made.parent_variant_id == variants[1].id
    (variant_id,) = made.variant_ids
    child = session.get(Variant, variant_id)
    assert child is not None
    assert child.status == VariantStatus.draft  # nothing unreviewed goes live
    assert child.challenger_of_id == variants[1].id
    assert (child.brand, child.persona, child.channel) == (
        "halden-coffee",
        "home-baristas",
        "meta_feed",
    )
    assert child.fields != variants[1].fields
    # The prompt holds the winner's copy and result, and asks for another angle.
    assert "## Reference ad (a challenger brief)" in child.prompt
    assert variants[1].fields["headline"] in child.prompt
    assert "It won test" in child.prompt and "take a different angle" in child.prompt
    entry = session.exec(
        select(AuditLog).where(AuditLog.action == "experiment.brief_challenger")
    ).one()
    assert entry.after["variant_ids"] == [variant_id]
    # A draft cannot join a test before it is reviewed and approved.
    with pytest.raises(ex.ExperimentError, match="approved"):
        ex.create_test(
            session,
            name="Round two",
            brand="halden-coffee",
            persona="home-baristas",
            channel="meta_feed",
            variant_ids=[variants[1].id, variant_id],
            actor="mia",
        )


def test_only_a_winning_or_fatigued_arm_gets_a_challenger_and_only_from_a_writer(
    session, people, catalog: BrandCatalog
):
    test_id, arms, _variants = _won(session)
    halden = catalog.get("halden-coffee")
    with pytest.raises(ex.ExperimentError, match="neither its winner nor fatigued"):
        brief_challenger(
            session,
            experiment_id=test_id,
            arm_id=saved_id(arms[0]),
            actor="cara",
            brand=halden,
            writer=OfflineCopyWriter(),
        )
    with pytest.raises(ex.ExperimentError, match="has no arm 999"):
        brief_challenger(
            session,
            experiment_id=test_id,
            arm_id=999,
            actor="cara",
            brand=halden,
            writer=OfflineCopyWriter(),
        )
    with pytest.raises(PermissionDenied):
        brief_challenger(
            session,
            experiment_id=test_id,
            arm_id=saved_id(arms[1]),
            actor="mia",  # a marketer runs tests; writing copy is a creative's
            brand=halden,
            writer=OfflineCopyWriter(),
        )
