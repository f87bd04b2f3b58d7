"""The copy prompt shows the model only the approved claims usable on the day it is rendered."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from studio.brand.guidelines import ApprovedClaim
from studio.copy.channels import CHANNELS
from studio.copy.prompts import render, usable_claims
from studio.copy.writing import CampaignBrief, build_prompt, reply_schema_json


def _with_expiry(catalog, claim_id: str, last_day: date):  # type: ignore[no-untyped-def]
    brand = catalog.get("ledgerly")
    claims = [
        claim.model_copy(update={"expires": last_day}) if claim.id == claim_id else claim
        for claim in brand.guideline.approved_claims
    ]
    assert any(claim.id == claim_id for claim in claims)
    return brand.guideline.model_copy(update={"approved_claims": claims})


def _render(guideline, brand, today: date) -> str:  # type: ignore[no-untyped-def]
    spec = CHANNELS["meta_feed"]
    return render(
        "copy.j2",
        guideline=guideline,
        persona=brand.persona("freelancers"),
        channel=spec,
        brief=CampaignBrief("leads", guideline.website),
        disclaimers=[],
        schema=reply_schema_json(spec),
        previous=None,
        feedback=[],
        today=today,
    ).text


def test_a_claim_is_in_the_prompt_through_its_last_day_and_out_the_day_after(catalog):
    brand = catalog.get("ledgerly")
    guideline = _with_expiry(catalog, "paid-faster", date(2026, 6, 30))
    text = next(c.text for c in guideline.approved_claims if c.id == "paid-faster")
    others = [c.text for c in guideline.approved_claims if c.id != "paid-faster"]
    assert others  # the other claims stay listed either way

    on_last_day = _render(guideline, brand, date(2026, 6, 30))
    assert f"- {text}" in on_last_day
    day_after = _render(guideline, brand, date(2026, 7, 1))
    assert text not in day_after
    assert all(f"- {other}" in day_after for other in others)


def test_build_prompt_leaves_out_a_claim_that_expired_yesterday(catalog):
    brand = catalog.get("ledgerly")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    guideline = _with_expiry(catalog, "trial-30", yesterday)
    expired_text = next(c.text for c in guideline.approved_claims if c.id == "trial-30")
    prompt = build_prompt(
        dataclasses.replace(brand, guideline=guideline),
        "freelancers",
        CHANNELS["meta_feed"],
        CampaignBrief("leads", guideline.website),
    )
    assert expired_text not in prompt.text
    assert "Approved claims" in prompt.text


def test_usable_claims_keeps_a_claim_through_its_last_day():
    claims = [
        ApprovedClaim(id="a", text="A claim", evidence="e", expires=date(2026, 1, 1)),
        ApprovedClaim(id="b", text="B claim", evidence="e"),
    ]
    assert [c.id for c in usable_claims(claims, date(2026, 1, 1))] == ["a", "b"]
    assert [c.id for c in usable_claims(claims, date(2026, 1, 2))] == ["b"]
