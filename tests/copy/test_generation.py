"""The generation pipeline: write, check, repair or flag, merge near-duplicates, save drafts."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlmodel import select

from studio.backends.contracts import CopyDraft, CopyWriterError, CopyWriterUnavailable
from studio.copy.channels import CHANNELS, Violation
from studio.copy.generation import (
    GenerationRequest,
    generate_variants,
    repair_fields,
    run_generation,
    save_variants,
)
from studio.copy.offline_writer import OfflineCopyWriter
from studio.copy.variants import create_campaign
from studio.copy.writing import CampaignBrief, CopyRequest
from studio.core import audit
from studio.core.errors import NotFound
from studio.core.models import AuditLog, Campaign, Variant
from studio.review.accounts import (
    AuthenticationFailed,
    AuthError,
    PermissionDenied,
    create_user,
    set_active,
)
from tests.people import add_people


class ShoutingWriter:
    """The offline writer, but it shouts the first word and stacks exclamation marks."""

    name, model = "shouting", "test"

    def write(self, request: CopyRequest) -> CopyDraft:
        draft = OfflineCopyWriter().write(request)
        first, rest = draft.fields["ad_text"].split(" ", 1)
        return replace(
            draft,
            fields={**draft.fields, "ad_text": f"{first.upper()}!! {rest}"},
            backend=self.name,
        )


class BannedWriter:
    """Always uses a banned phrase: no repair can help."""

    name, model = "banned", "test"

    def __init__(self) -> None:
        self.requests: list[CopyRequest] = []

    def write(self, request: CopyRequest) -> CopyDraft:
        self.requests.append(request)
        draft = replace(OfflineCopyWriter().write(request), backend=self.name, model=self.model)
        if "ad_text" not in draft.fields:
            return draft
        return replace(
            draft, fields={**draft.fields, "ad_text": f"Cheap. {draft.fields['ad_text']}"[:100]}
        )


class LearningWriter(BannedWriter):
    """Uses a banned phrase until it is told what was wrong."""

    def write(self, request: CopyRequest) -> CopyDraft:
        if request.feedback:
            self.requests.append(request)
            return OfflineCopyWriter().write(request)
        return super().write(request)


class ParrotWriter:
    """Writes the same ad whatever the seed."""

    name, model = "parrot", "test"

    def write(self, request: CopyRequest) -> CopyDraft:
        return OfflineCopyWriter().write(replace(request, seed=0))


class FlakyWriter:
    """Fails (retryably) on the first ``failures`` calls."""

    name, model = "flaky", "test"

    def __init__(self, failures: int, error: type[Exception] = CopyWriterError) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def write(self, request: CopyRequest) -> CopyDraft:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"the flaky reply is not valid JSON (call {self.calls})")
        return OfflineCopyWriter().write(request)


@pytest.fixture
def halden(catalog):
    return catalog.get("halden-coffee")


def make_request(brand, channels=("tiktok",), personas=("home-baristas",), **kwargs):
    brief = CampaignBrief(
        "sales", brand.guideline.website, offer="50% off your first bag", name="Spring"
    )
    return GenerationRequest(
        brand=brand, brief=brief, personas=personas, channels=channels, **kwargs
    )


def test_offline_generation_across_personas_and_channels(halden):
    request = make_request(
        halden, channels=tuple(CHANNELS), personas=("home-baristas", "gift-buyers"), n=3
    )
    steps = []
    result = generate_variants(request, OfflineCopyWriter(), progress=steps.append)
    assert len(result.variants) == 2 * 4 * 3
    assert not result.failures and not result.flagged and not result.shortfall
    assert {(v.persona, v.channel) for v in result.variants} == set(request.pairs)
    assert result.diversity is not None and 0.05 < result.diversity <= 1.0
    assert set(result.pair_diversity) == set(request.pairs)
    for variant in result.variants:
        assert variant.prompt.template == "copy.j2" and len(variant.prompt.sha256) == 64
        assert variant.backend == "offline" and variant.attempts == 1
    fractions = [s.fraction for s in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and steps[-1].total == 24


def test_generation_is_reproducible_for_a_seed(halden):
    request = make_request(halden, channels=("meta_feed",), n=2, seed=11)
    first = [v.fields for v in generate_variants(request, OfflineCopyWriter()).variants]
    again = [v.fields for v in generate_variants(request, OfflineCopyWriter()).variants]
    other = [
        v.fields
        for v in generate_variants(replace(request, seed=500), OfflineCopyWriter()).variants
    ]
    assert first == again and first != other


def test_shouting_is_repaired_mechanically_and_recorded(halden):
    result = generate_variants(make_request(halden, n=2), ShoutingWriter())
    for variant in result.variants:
        assert not variant.flagged, variant.violations
        assert "!!" not in variant.fields["ad_text"]
        assert any(r.startswith("shouting") for r in variant.repairs)
        assert variant.attempts == 1


def test_a_variant_that_cannot_be_repaired_is_kept_and_flagged(halden):
    writer = BannedWriter()
    result = generate_variants(make_request(halden, n=2, max_attempts=3), writer)
    assert len(result.variants) == 2 and len(result.flagged) == 2
    for variant in result.variants:
        assert any(v.rule == "banned_phrase" and "'cheap'" in v.reason for v in variant.violations)
        assert variant.attempts == 3
        assert any("did not fix: banned_phrase" in r for r in variant.repairs)
    # Rewrites were asked for with the violations as feedback, in the prompt too.
    repair_requests = [r for r in writer.requests if r.feedback]
    assert repair_requests and all(
        "Fix your previous attempt" in r.prompt.text for r in repair_requests
    )
    assert all(r.previous and "Cheap" in r.previous["ad_text"] for r in repair_requests)


def test_feedback_rewrite_fixes_a_variant(halden):
    writer = LearningWriter()
    result = generate_variants(make_request(halden, n=1), writer)
    [variant] = result.variants
    assert not variant.flagged and variant.attempts == 2
    assert variant.seed == 1000 and "Fix your previous attempt" in variant.prompt.text
    assert any(r.startswith("rewritten (seed 1000) to fix: banned_phrase") for r in variant.repairs)


def test_near_duplicates_are_merged_and_the_shortfall_reported(halden):
    result = generate_variants(make_request(halden, n=3), ParrotWriter())
    [variant] = result.variants
    assert result.merged == 8 and variant.duplicates_merged == 8
    assert result.shortfall == {("home-baristas", "tiktok"): 2}
    assert result.diversity is None


def test_a_retryable_error_is_retried_and_a_persistent_one_reported(halden):
    result = generate_variants(make_request(halden, n=1, max_attempts=2), FlakyWriter(failures=1))
    assert len(result.variants) == 1 and result.variants[0].attempts == 2
    # Replies that cannot be read at all: the offline writer writes the variant, and says so.
    broken = generate_variants(make_request(halden, n=1, max_attempts=2), FlakyWriter(failures=99))
    assert broken.failures == [] and len(broken.variants) == 1
    (variant,) = broken.variants
    assert variant.backend == "offline" and variant.fallback_from.startswith("flaky: ")
    assert "the flaky replies could not be read after 2 attempt(s)" in variant.notes[0]
    (warning,) = broken.warnings
    assert warning.startswith("1 of 1 variant(s) were written by the offline writer")
    assert "flaky" in warning and "not valid JSON" in warning


def test_an_unavailable_backend_stops_everything(halden):
    with pytest.raises(CopyWriterUnavailable, match="not valid JSON"):
        generate_variants(
            make_request(halden), FlakyWriter(failures=1, error=CopyWriterUnavailable)
        )


def test_request_is_validated(halden):
    with pytest.raises(NotFound, match="There is no persona 'astronauts' in brand"):
        make_request(halden, personas=("astronauts",))
    with pytest.raises(NotFound, match="There is no channel 'fax'"):
        make_request(halden, channels=("fax",))
    with pytest.raises(ValueError, match="allowed: 1-50"):
        make_request(halden, n=0)


def test_repair_fields_trims_but_keeps_the_disclaimer():
    disclaimer = "New subscribers only. Cancel anytime."
    text = (
        "Tired of stale beans with no roast date? Beans roasted to order, shipped fresh. "
        + disclaimer
    )
    fields = {"ad_text": text, "call_to_action": "SHOP_NOW"}
    violation = Violation("max_length", "ad_text", "too long")
    fixed, notes = repair_fields(CHANNELS["tiktok"], fields, [violation], [disclaimer])
    assert len(fixed["ad_text"]) <= 100 and fixed["ad_text"].endswith(disclaimer)
    assert fixed["ad_text"].startswith("Tired of stale beans") and notes
    assert fields["ad_text"] == text  # the input is not modified


def test_repair_fields_drops_a_surplus_long_headline_and_appends_a_missing_disclaimer():
    spec = CHANNELS["google_rsa"]
    fields = {
        "headlines": ["Fresh beans", "x" * 31, "Roasted to order", "Shop now"],
        "descriptions": ["One.", "Two."],
    }
    fixed, _ = repair_fields(spec, fields, [Violation("max_length", "headlines[1]", "")], [])
    assert fixed["headlines"] == ["Fresh beans", "Roasted to order", "Shop now"]
    meta = {"primary_text": "Fresh beans.", "headline": "Fresh", "call_to_action": "Shop now"}
    violations = [
        Violation("disclaimer", "primary_text", ""),
        Violation("choice", "call_to_action", ""),
    ]
    fixed, _ = repair_fields(CHANNELS["meta_feed"], meta, violations, ["Cancel anytime."])
    assert (
        fixed["primary_text"] == "Fresh beans. Cancel anytime."
        and fixed["call_to_action"] == "SHOP_NOW"
    )


def test_run_generation_saves_drafts_with_provenance_and_audit(session, halden):
    add_people(session)
    request = make_request(halden, channels=("tiktok", "google_rsa"), n=2)
    result = run_generation(session, request, BannedWriter(), created_by="ada")
    session.commit()
    campaign = session.exec(select(Campaign)).one()
    assert (campaign.brand, campaign.name, campaign.objective, campaign.created_by) == (
        "halden-coffee",
        "Spring",
        "sales",
        "ada",
    )
    assert result.campaign_id == campaign.id
    rows = session.exec(select(Variant).order_by(Variant.id)).all()
    assert len(rows) == 4 and [r.id for r in rows] == [v.variant_id for v in result.variants]
    for row, generated in zip(rows, result.variants, strict=True):
        assert row.status == "draft" and row.created_by == "ada" and row.campaign_id == campaign.id
        assert row.fields == generated.fields and row.seed == generated.seed
        assert row.prompt_template == "copy.j2" and row.prompt_hash == generated.prompt.sha256
        assert (
            row.prompt == generated.prompt.text and row.backend == "banned" and row.model == "test"
        )
    # The tiktok ones are flagged (kept, with their violations); the RSA ones are clean.
    flagged = [r for r in rows if r.violations]
    assert {r.channel for r in flagged} == {"tiktok"}
    assert all(v["rule"] and v["field"] and v["reason"] for r in flagged for v in r.violations)
    # Every draft got a CTR prediction from the shipped predictor, with its interval.
    assert result.unscored == ""
    for row, generated in zip(rows, result.variants, strict=True):
        assert row.predicted_ctr is not None and row.ctr_low <= row.predicted_ctr <= row.ctr_high
        assert generated.predicted_ctr == row.predicted_ctr and row.ctr_explanation["scored_text"]
    entries = audit.list_entries(session, entity_type="variant")
    assert sorted(int(e.entity_id) for e in entries) == sorted(r.id for r in rows)
    assert all(e.actor == "ada" and e.action == "variant.create" for e in entries)
    assert len(session.exec(select(AuditLog).where(AuditLog.entity_type == "campaign")).all()) == 1


def test_run_generation_checks_the_role_before_any_work(session, halden):
    add_people(session)
    writer = BannedWriter()
    with pytest.raises(PermissionDenied, match="bea"):
        run_generation(session, make_request(halden), writer, created_by="bea")
    assert writer.requests == [] and session.exec(select(Variant)).all() == []
    with pytest.raises(AuthenticationFailed, match="no user named 'ghost'"):
        run_generation(session, make_request(halden), writer, created_by="ghost")


@pytest.mark.parametrize(
    ("actor", "message"),
    [
        ("bea", "bea (brand_manager) may not generate copy"),
        ("dana", "user 'dana' is deactivated"),
        ("ghost", "no user named 'ghost'"),
    ],
)
def test_saving_generated_variants_needs_the_generate_permission(session, halden, actor, message):
    add_people(session)
    create_user(
        session,
        actor="ada",
        username="dana",
        display_name="Dana",
        role="creative",
        password="a long enough passphrase",
    )
    set_active(session, actor="ada", username="dana", active=False)
    campaign = create_campaign(
        session,
        brand="halden-coffee",
        name="Spring",
        objective="sales",
        landing_url="https://halden.example",
        created_by="cara",
    )
    result = generate_variants(make_request(halden, n=1), OfflineCopyWriter())
    with pytest.raises(AuthError, match=re.escape(message)):
        save_variants(session, campaign=campaign, result=result, created_by=actor)
    assert session.exec(select(Variant)).all() == []
    rows = save_variants(session, campaign=campaign, result=result, created_by="cara")
    assert [r.created_by for r in rows] == ["cara"] * len(result.variants) and rows


def test_drafts_are_saved_when_no_ctr_model_can_be_loaded(session, halden, monkeypatch, tmp_path):
    from studio.core.settings import get_settings

    monkeypatch.setenv("STUDIO_CTR_MODEL_PATH", str(tmp_path / "missing.npz"))
    get_settings.cache_clear()
    try:
        add_people(session)
        result = run_generation(
            session, make_request(halden, n=1), OfflineCopyWriter(), created_by="cara"
        )
    finally:
        get_settings.cache_clear()
    assert "CTR not predicted" in result.unscored and "missing.npz" in result.unscored
    [row] = session.exec(select(Variant)).all()
    assert row.predicted_ctr is None and row.id == result.variants[0].variant_id


# --------------------------------------------------------------------------------------------
# Claims fidelity of the offer (issue 16): refused, or rewritten with a visible warning
# --------------------------------------------------------------------------------------------


def offer_request(brand, offer, **kwargs):
    brief = CampaignBrief("sales", brand.guideline.website, offer=offer)
    return GenerationRequest(
        brand=brand, brief=brief, personas=("home-baristas",), channels=("meta_feed",), **kwargs
    )


def test_an_offer_the_claims_do_not_back_is_refused_by_default(halden):
    from studio.copy.claims import OfferNotApproved

    with pytest.raises(OfferNotApproved) as caught:
        offer_request(halden, "60% off your first bag")
    message = str(caught.value)
    assert "'60% off your first bag'" in message and "'60%'" in message
    assert "first-bag-50: '50% off your first bag'" in message and "'rewrite'" in message


def test_an_offer_rewritten_under_the_rewrite_policy_says_what_changed(halden):
    request = offer_request(halden, "60% off your first bag", offer_policy="rewrite", n=2)
    result = generate_variants(request, OfflineCopyWriter())
    assert result.offer == "50% off your first bag"
    (warning,) = result.warnings
    assert "rewritten from '60% off your first bag'" in warning
    assert "'50% off your first bag' (first-bag-50)" in warning and "'60%'" in warning
    texts = repr([v.fields for v in result.variants])
    assert "60%" not in texts


def test_a_backed_offer_passes_unchanged_under_either_policy(halden):
    for policy in ("refuse", "rewrite"):
        request = offer_request(halden, "50% off your first bag", offer_policy=policy, n=1)
        result = generate_variants(request, OfflineCopyWriter())
        assert result.offer == "50% off your first bag" and result.warnings == []


def test_unknown_offer_policy_is_refused(halden):
    with pytest.raises(ValueError, match="offer_policy is 'ignore'; allowed: refuse, rewrite"):
        offer_request(halden, "", offer_policy="ignore")


def test_run_generation_saves_the_offer_used_and_audits_the_rewrite(session, halden):
    add_people(session)
    request = offer_request(halden, "60% off everything", offer_policy="rewrite", n=1)
    result = run_generation(session, request, OfflineCopyWriter(), created_by="ada")
    session.commit()
    campaign = session.exec(select(Campaign)).one()
    assert campaign.offer == result.offer and result.offer != "60% off everything"
    (entry,) = session.exec(select(AuditLog).where(AuditLog.entity_type == "campaign")).all()
    assert entry.after["brief_offer"] == "60% off everything"
    assert entry.after["warnings"] == result.warnings and "rewritten" in result.warnings[0]


# --------------------------------------------------------------------------------------------
# Fresh seeds and repeated briefs (issue 16)
# --------------------------------------------------------------------------------------------


def test_proposed_seeds_are_fresh():
    from studio.copy.generation import propose_seed

    seeds = {propose_seed() for _ in range(50)}
    assert len(seeds) > 45 and all(1 <= s < 2**31 for s in seeds)


def test_a_repeated_brief_is_found_and_a_new_seed_is_not(session, halden):
    from studio.copy.generation import earlier_runs

    add_people(session)
    request = make_request(halden, channels=("tiktok", "meta_feed"), n=1, seed=7)
    assert earlier_runs(session, request) == []
    result = run_generation(session, request, OfflineCopyWriter(), created_by="ada")
    session.commit()
    repeats = earlier_runs(session, request)
    assert [(r.persona, r.channel, r.seed, r.campaign_ids) for r in repeats] == [
        ("home-baristas", "tiktok", 7, (result.campaign_id,)),
        ("home-baristas", "meta_feed", 7, (result.campaign_id,)),
    ]
    assert "repeats campaign #" in repeats[0].describe()
    assert earlier_runs(session, replace(request, seed=500)) == []
    other = CampaignBrief("sales", halden.guideline.website, offer="", name="Spring")
    assert earlier_runs(session, replace(request, brief=other)) == []
