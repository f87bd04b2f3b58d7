"""Scoring stored variants, the studio's own results as training data, and the model registry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from studio.core.errors import NotFound
from studio.core.models import (
    Arm,
    ArmResult,
    AuditLog,
    Campaign,
    CtrModelRecord,
    Experiment,
    Variant,
)
from studio.scoring.predict import load_predictor
from studio.scoring.registry import (
    activate_model,
    active_model_path,
    list_models,
    register_model,
)
from studio.scoring.reports import studio_results_table
from studio.scoring.variants import UnscorableVariantError, score_variants, variant_text
from tests.people import add_people


def _variant(session, campaign_id: int, channel: str, fields: dict) -> Variant:
    variant = Variant(
        campaign_id=campaign_id,
        brand="halden-coffee",
        persona="p",
        channel=channel,
        fields=fields,
        backend="offline",
        model="offline",
        seed=1,
        prompt_template="t",
        prompt_hash="h",
        created_by="ana",
    )
    session.add(variant)
    return variant


@pytest.fixture
def campaign(session) -> Campaign:
    campaign = Campaign(
        brand="halden-coffee",
        name="Spring",
        objective="traffic",
        landing_url="https://example.com",
        created_by="ana",
    )
    session.add(campaign)
    session.commit()
    return campaign


def test_variant_text_per_channel():
    assert variant_text("google_rsa", {"headlines": ["", "First real", "Second"]}) == "First real"
    assert (
        variant_text("meta_feed", {"headline": " Brew better ", "primary_text": "x"})
        == "Brew better"
    )
    assert variant_text("linkedin_sponsored", {"intro_text": "Intro only"}) == "Intro only"
    assert variant_text("tiktok", {"ad_text": "Coffee that keeps up"}) == "Coffee that keeps up"
    with pytest.raises(UnscorableVariantError, match="unknown_channel"):
        variant_text("unknown_channel", {})
    with pytest.raises(UnscorableVariantError, match="no text in headline"):
        variant_text("meta_feed", {"headline": "  "})


def test_score_variants_fills_the_prediction_columns(session, campaign, small_model):
    variants = [
        _variant(
            session,
            campaign.id,
            "google_rsa",
            {"headlines": ["You Won't Believe How Fresh This Is", "b", "c"]},
        ),
        _variant(session, campaign.id, "meta_feed", {"headline": "Coffee delivered weekly"}),
    ]
    session.commit()
    predictor = load_predictor(small_model.path)
    score_variants(session, variants, predictor)
    session.commit()
    stored = session.exec(select(Variant).order_by(Variant.id)).all()
    for variant in stored:
        assert 0 < variant.ctr_low < variant.predicted_ctr < variant.ctr_high < 1
        assert variant.ctr_explanation["neighbours"] and variant.ctr_explanation["drivers"]
        assert variant.ctr_explanation["model_sha256"] == small_model.sha256
    assert stored[0].ctr_explanation["scored_text"] == "You Won't Believe How Fresh This Is"
    broken = _variant(session, campaign.id, "tiktok", {"ad_text": ""})
    with pytest.raises(UnscorableVariantError):
        score_variants(session, [stored[0], broken], predictor)


def test_studio_results_become_a_test_table(session, campaign):
    a = _variant(session, campaign.id, "meta_feed", {"headline": "Brew better"})
    b = _variant(session, campaign.id, "meta_feed", {"headline": "Coffee for you"})
    experiment = Experiment(
        name="t", brand="halden-coffee", persona="p", channel="meta_feed", created_by="ana"
    )
    session.add(experiment)
    session.commit()
    arms = [Arm(experiment_id=experiment.id, variant_id=v.id, ad_id=f"ad{v.id}") for v in (a, b)]
    session.add_all(arms)
    session.commit()
    for day, (arm, clicks) in enumerate([(arms[0], 10), (arms[0], 5), (arms[1], 3)]):
        session.add(
            ArmResult(
                experiment_id=experiment.id,
                arm_id=arm.id,
                day=date(2024, 1, day + 1),
                impressions=500,
                clicks=clicks,
                source="r.csv",
                row_key=f"k{day}",
            )
        )
    session.commit()
    table = studio_results_table(session).set_index("text")
    assert (
        table.loc["Brew better", "impressions"] == 1000 and table.loc["Brew better", "clicks"] == 15
    )
    assert table.loc["Coffee for you", "clicks"] == 3
    assert table["test_id"].nunique() == 1


def test_registry_switches_only_when_asked(session, small_model, tmp_path):
    add_people(session)  # registering and switching need the run_tests permission
    shipped_path = active_model_path(session)
    record = register_model(
        session,
        path=small_model.path,
        training_data="sample.csv",
        metrics=small_model.model.metrics,
        created_by="mia",
    )
    session.commit()
    assert not record.is_active and active_model_path(session) == shipped_path
    activate_model(session, record_id=record.id, actor="mia")
    session.commit()
    assert active_model_path(session) == small_model.path.resolve()
    second = register_model(
        session, path=small_model.path, training_data="again", metrics={}, created_by="mia"
    )
    session.commit()
    activate_model(session, record_id=second.id, actor="ada")
    session.commit()
    assert [
        r.is_active for r in session.exec(select(CtrModelRecord).order_by(CtrModelRecord.id)).all()
    ] == [False, True]
    assert list_models(session)[0].id == second.id
    actions = [
        e.action
        for e in session.exec(select(AuditLog).where(AuditLog.entity_type == "ctr_model")).all()
    ]
    assert actions.count("ctr_model.activate") == 2
    with pytest.raises(NotFound, match="There is no CTR model with id 999"):
        activate_model(session, record_id=999, actor="mia")


def test_retrain_registers_an_inactive_candidate_beside_the_current_model(
    session, small_model, tmp_path
):
    from studio.scoring.embeddings import EmbeddingCache
    from studio.scoring.registry import retrain
    from studio.scoring.train import Hyperparameters

    add_people(session)
    current = load_predictor(small_model.path)
    record, comparison = retrain(
        session,
        small_model.table,
        output=tmp_path / "candidate.npz",
        sources=["sample.csv"],
        current=current,
        created_by="mia",
        encoder=EmbeddingCache(cache_dir=tmp_path / "cache"),
        grid=[Hyperparameters()],
    )
    session.commit()
    assert not record.is_active and (tmp_path / "candidate.npz").is_file()
    assert comparison.candidate.significant_pairs == comparison.current.significant_pairs > 0
    assert (
        record.metrics["comparison"]["current"]["pairwise_accuracy"]
        == comparison.current.pairwise_accuracy
    )
