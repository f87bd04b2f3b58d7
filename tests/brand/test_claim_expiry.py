"""An approved claim past its expiry date is no longer usable: new copy using it is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from studio.brand import forms
from studio.brand.guidelines import load_catalog
from studio.copy.channels import CHANNELS
from studio.copy.compliance import ComplianceChecker
from studio.copy.offline_writer import OfflineCopyWriter
from studio.copy.writing import CampaignBrief, CopyRequest, build_prompt

COPY = {
    "headline": "Get paid 2x faster",
    "primary_text": "Invoices that get paid. Ledgerly is not a bank. Payments by Stripe.",
    "description": "Ledgerly is not a bank. Payments by Stripe.",
    "call_to_action": "LEARN_MORE",
}


def _expire(brand_dir, claim_id: str, last_day: date):  # type: ignore[no-untyped-def]
    path = brand_dir / "ledgerly" / "guideline.yaml"
    values = forms.form_values(path.read_text())
    for claim in values["approved_claims"]:
        if claim["id"] == claim_id:
            claim["expires"] = last_day
    path.write_text(forms.apply_form(path.read_text(), values))
    catalog = load_catalog(brand_dir)
    assert not catalog.errors, catalog.errors
    return catalog.brands["ledgerly"]


def test_copy_using_an_expired_claim_is_refused_naming_claim_and_date(brand_dir):
    brand = _expire(brand_dir, "paid-faster", date(2026, 6, 30))
    on_last_day = ComplianceChecker(brand.guideline, today=date(2026, 6, 30))
    assert "expired_claim" not in on_last_day.check("meta_feed", COPY).rules()

    day_after = ComplianceChecker(brand.guideline, today=date(2026, 7, 1))
    result = day_after.check("meta_feed", COPY)
    assert not result.passed
    [violation] = [v for v in result.violations if v.rule == "expired_claim"]
    assert violation.field == "headline"
    assert "'paid-faster'" in violation.reason and "2026-06-30" in violation.reason
    assert "Customers get paid 2x faster on average" in violation.reason
    assert "unbacked_claim" not in result.rules()  # one message, the one that explains


def test_a_figure_still_backed_by_a_live_claim_stays_usable(brand_dir):
    path = brand_dir / "ledgerly" / "guideline.yaml"
    values = forms.form_values(path.read_text())
    values["approved_claims"].append(
        {"id": "paid-faster-2027", "text": "Paid 2x faster in 2027", "evidence": "Q1 2027 data"}
    )
    path.write_text(forms.apply_form(path.read_text(), values))
    brand = _expire(brand_dir, "paid-faster", date(2026, 6, 30))
    checker = ComplianceChecker(brand.guideline, today=date(2026, 7, 1))
    assert checker.check_text("Get paid 2x faster") == []


def test_new_copy_from_the_writer_leaves_out_an_expired_claim(brand_dir):
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    brand = _expire(brand_dir, "trial-30", yesterday)
    spec = CHANNELS["meta_feed"]
    brief = CampaignBrief("leads", brand.guideline.website)
    checker = ComplianceChecker(brand.guideline)
    notes = []
    for seed in range(12):
        request = CopyRequest(
            brand,
            "freelancers",
            spec,
            brief,
            seed,
            build_prompt(brand, "freelancers", spec, brief),
        )
        draft = OfflineCopyWriter().write(request)
        assert "expired_claim" not in checker.check("meta_feed", draft.fields).rules()
        assert "30 days" not in repr(draft.fields)
        notes += [n for n in draft.notes if "expired" in n]
    assert any("'trial-30'" in n and f"{yesterday:%Y-%m-%d}" in n for n in notes), notes
