"""Variant and campaign queries, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from studio.copy import variants as crud
from studio.core.errors import NotFound
from studio.core.models import Asset, Variant, VariantStatus


def _variant(campaign_id: int, **overrides) -> Variant:
    values = dict(
        campaign_id=campaign_id,
        brand="ledgerly",
        persona="freelancers",
        channel="meta_feed",
        fields={"headline": "Get paid 2x faster"},
        backend="offline",
        model="offline-v1",
        seed=1,
        prompt_template="copy_meta_feed.j2",
        prompt_hash="0" * 64,
        created_by="maria",
    )
    values.update(overrides)
    return Variant(**values)


def test_campaign_and_variant_round_trip(session):
    campaign = crud.create_campaign(
        session,
        brand="ledgerly",
        name="Q1",
        objective="traffic",
        landing_url="https://ledgerly.example/start",
        created_by="maria",
    )
    variants = [
        _variant(campaign.id, persona="freelancers", predicted_ctr=0.02),
        _variant(
            campaign.id,
            persona="shop-owners",
            predicted_ctr=0.05,
            channel="google_rsa",
            fields={"headlines": ["a", "b", "c"], "descriptions": ["d", "e"]},
        ),
        _variant(campaign.id, persona="freelancers", status=VariantStatus.approved),
    ]
    session.add_all(variants)
    session.commit()

    assert [c.name for c in crud.list_campaigns(session, brand="ledgerly")] == ["Q1"]
    assert crud.count_variants(session, campaign_id=campaign.id) == 3
    assert crud.count_variants(session, personas=["freelancers"]) == 2
    assert crud.count_variants(session, statuses=[VariantStatus.approved]) == 1
    by_ctr = crud.list_variants(session, order="predicted_ctr")
    assert [v.predicted_ctr for v in by_ctr] == [0.05, 0.02, None]
    rsa = crud.get_variant(session, variant_id=variants[1].id)
    assert rsa.fields["headlines"] == ["a", "b", "c"]
    assert crud.count_by_status(session, brand="ledgerly") == {"draft": 2, "approved": 1}
    assert crud.list_variants(session, min_predicted_ctr=0.03)[0].id == variants[1].id


def test_assets_belong_to_variants(session):
    campaign = crud.create_campaign(
        session,
        brand="ledgerly",
        name="Q1",
        objective="traffic",
        landing_url="https://ledgerly.example",
        created_by="maria",
    )
    variant = _variant(campaign.id)
    session.add(variant)
    session.flush()
    session.add(
        Asset(
            variant_id=variant.id,
            kind="image",
            size_label="1080x1080",
            width=1080,
            height=1080,
            path="a.png",
            sha256="f" * 64,
            backend="offline",
            model="m",
            seed=3,
            prompt_hash="0" * 64,
            qc=[{"check": "contrast", "passed": True}],
        )
    )
    session.commit()
    [asset] = crud.list_assets(session, variant_ids=[variant.id])
    assert asset.qc_passed and crud.list_assets(session, variant_ids=[]) == []


def test_missing_rows_raise_clear_errors(session):
    with pytest.raises(NotFound, match="There is no variant with id 42"):
        crud.get_variant(session, variant_id=42)
    with pytest.raises(NotFound, match="There is no campaign with id 7"):
        crud.get_campaign(session, campaign_id=7)


def test_status_counts_leave_out_superseded_revisions(session):
    campaign = crud.create_campaign(
        session,
        brand="ledgerly",
        name="Q1",
        objective="traffic",
        landing_url="https://ledgerly.example",
        created_by="maria",
    )
    original = _variant(campaign.id, status=VariantStatus.changes_requested)
    session.add(original)
    session.flush()
    session.add(_variant(campaign.id, parent_id=original.id, revision=2))
    session.commit()
    assert crud.count_by_status(session) == {"draft": 1}
    assert crud.count_variants(session) == 2 and crud.count_variants(session, latest_only=True) == 1
