"""Impact of a guideline change: the list equals a full re-check of every variant; the choice
to send approved variants back to review is audited. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from studio.brand import forms, impact
from studio.brand.guidelines import Guideline, load_catalog
from studio.brand.store import BrandFileInvalid
from studio.copy.compliance import check_variant
from studio.core import audit
from studio.core.models import Variant
from studio.core.models import VariantStatus as S
from studio.review import queries as review_queries
from studio.review import workflow
from studio.review.accounts import PermissionDenied
from tests.factories import FIELDS, add_people, make_campaign, make_variant

PATH = "halden-coffee/guideline.yaml"
TODAY = date(2026, 11, 30)


@pytest.fixture
def variants(session):
    add_people(session)
    campaign = make_campaign(session)
    rows = {}
    for status in (S.draft, S.in_review, S.approved, S.rejected, S.changes_requested):
        for channel in ("meta_feed", "tiktok", "google_rsa"):
            rows[status, channel] = make_variant(
                session, campaign_id=campaign, status=status, channel=channel
            )
    for status in (S.in_test, S.winner, S.exported, S.retired):
        rows[status, "meta_feed"] = make_variant(
            session, campaign_id=campaign, status=status, through_review=False
        )
    # Uses the claim "roast-48h" in a headline: flagged when the claim expires.
    rows["claim"] = make_variant(
        session,
        campaign_id=campaign,
        status=S.approved,
        headline="Roasted within 48 hours",
    )
    # A draft edited into a new revision: the old one is superseded and no longer checked.
    old = make_variant(session, campaign_id=campaign, channel="linkedin_sponsored")
    rows["superseded"] = old
    # Another brand's variant with the same words.
    other = make_variant(session, campaign_id=campaign, through_review=False)
    other.brand = "ledgerly"
    session.add(other)
    session.commit()
    rows["other"] = other
    return rows


def _proposed(brand_dir) -> tuple[str, Guideline, Guideline]:
    text = (brand_dir / PATH).read_text()
    values = forms.form_values(text)
    values["banned_phrases"].append("roasted")  # in the copy of most channels
    values["approved_claims"][0]["expires"] = date(2026, 10, 31)  # roast-48h
    values["disclaimers"].append({"text": "Free delivery.", "channels": ["tiktok"]})
    new_text = forms.apply_form(text, values)
    return (
        new_text,
        Guideline.model_validate(forms.form_values(text)),
        Guideline.model_validate(forms.form_values(new_text)),
    )


def _full_recheck(session, current: Guideline, proposed: Guideline) -> dict[int, set]:
    """Every variant in the database, checked from scratch against both guidelines."""
    expected = {}
    for variant in session.exec(select(Variant)).all():
        if variant.brand != "halden-coffee":
            continue
        if variant.status not in {"draft", "in_review", "approved", "in_test"}:
            continue
        if review_queries.next_revision(session, variant_id=variant.id) is not None:
            continue
        before = check_variant(current, variant.channel, variant.fields)
        after = check_variant(proposed, variant.channel, variant.fields)
        # check_variant reads claims against the real today; the impact below is asked for
        # TODAY, which is also after the expiry.
        new = {(v.rule, v.field, v.reason) for v in after.violations} - {
            (v.rule, v.field, v.reason) for v in before.violations
        }
        if new:
            expected[variant.id] = new
    return expected


def test_impact_equals_a_full_recheck_of_every_variant(session, brand_dir, variants):
    guideline = load_catalog(brand_dir).brands["halden-coffee"].guideline
    workflow.edit_variant(
        session,
        variant_id=variants["superseded"].id,
        actor="cara",
        fields={**FIELDS["linkedin_sponsored"], "headline": "Coffee your office will love"},
        guideline=guideline,
    )
    session.commit()
    text, current, proposed = _proposed(brand_dir)

    found = impact.impact_of_text(session, root=brand_dir, path=PATH, text=text, today=TODAY)

    assert found is not None
    got = {a.variant_id: {(f.rule, f.field, f.reason) for f in a.flags} for a in found.affected}
    assert got == _full_recheck(session, current, proposed)
    statuses = {a.status for a in found.affected}
    assert statuses == {S.draft, S.in_review, S.approved, S.in_test}
    assert variants["superseded"].id not in got and variants["other"].id not in got
    rules = impact.flags_by_rule(found)
    assert set(rules) == {"banned_phrase", "expired_claim", "disclaimer"}
    claim = next(a for a in found.affected if a.variant_id == variants["claim"].id)
    [expired] = [f for f in claim.flags if f.rule == "expired_claim"]
    assert expired.field == "headline" and expired.text == "Roasted within 48 hours"
    assert "roast-48h" in expired.reason and "2026-10-31" in expired.reason
    assert found.checked == 3 * 3 + 1 + 1 + 1  # draft, in review, approved x 3; test; claim; edit


def test_unchanged_guideline_flags_nothing(session, brand_dir, variants):
    text = (brand_dir / PATH).read_text()
    found = impact.impact_of_text(session, root=brand_dir, path=PATH, text=text, today=TODAY)
    assert found is not None and found.affected == () and found.checked > 0


def test_save_may_send_approved_variants_back_to_review_and_audits_it(session, brand_dir, variants):
    text, _, _ = _proposed(brand_dir)
    saved = impact.save_guideline(
        session,
        root=brand_dir,
        path=PATH,
        text=text,
        author="bea",
        message="roasted is banned",
        send_back_approved=True,
        today=TODAY,
    )
    session.commit()
    assert saved.impact is not None
    approved = saved.impact.approved_ids
    assert approved and sorted(saved.sent_back) == sorted(approved)
    for variant_id in approved:
        variant = review_queries.load_variant(session, variant_id=variant_id)
        assert variant.status == S.in_review
    untouched = review_queries.load_variant(session, variant_id=variants[S.in_test, "meta_feed"].id)
    assert untouched.status == S.in_test
    [entry] = audit.list_entries(session, action="guideline.impact")
    assert entry.actor == "bea" and entry.entity_id == PATH
    assert entry.after["send_back_chosen"] is True
    assert sorted(entry.after["sent_back"]) == sorted(approved)
    moves = audit.list_entries(session, action="variant.send_back")
    assert sorted(int(e.entity_id) for e in moves) == sorted(approved)
    for entry in moves:
        assert entry.actor == "bea" and entry.after["status"] == "in_review"
        assert (
            "guideline change to halden-coffee/guideline.yaml now flags it" in entry.after["reason"]
        )
    assert (brand_dir / PATH).read_text() == text


def test_keeping_approved_variants_is_audited_too(session, brand_dir, variants):
    text, _, _ = _proposed(brand_dir)
    saved = impact.save_guideline(
        session, root=brand_dir, path=PATH, text=text, author="bea", today=TODAY
    )
    session.commit()
    assert saved.sent_back == ()
    assert (
        review_queries.load_variant(session, variant_id=variants["claim"].id).status == S.approved
    )
    [entry] = audit.list_entries(session, action="guideline.impact")
    assert entry.after["send_back_chosen"] is False and entry.after["sent_back"] == []
    assert variants["claim"].id in entry.after["approved_flagged"]


def test_only_brand_managers_save_and_an_invalid_text_moves_nothing(session, brand_dir, variants):
    text, _, _ = _proposed(brand_dir)
    with pytest.raises(PermissionDenied):
        impact.save_guideline(
            session, root=brand_dir, path=PATH, text=text, author="cara", send_back_approved=True
        )
    with pytest.raises(BrandFileInvalid):
        impact.save_guideline(
            session,
            root=brand_dir,
            path=PATH,
            text=text.replace("#3B2418", "brown"),
            author="bea",
            send_back_approved=True,
        )
    session.rollback()
    assert (
        review_queries.load_variant(session, variant_id=variants["claim"].id).status == S.approved
    )
    assert audit.list_entries(session, action="guideline.impact") == []
