"""People, approved variants and hand-made ad-platform reports for the creative-test tests.

Variants reach ``approved`` through the real review state machine (a creative submits, a brand
manager approves), as a user's would. The report builders write CSV exactly as Meta Ads Manager
and Google Ads export it (column names, Google's two title lines and Total rows, Meta's empty
cells for zero).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from studio.copy import variants as variant_queries
from studio.core.models import Variant, VariantStatus
from studio.review import workflow as review
from tests.people import add_people

HEADLINES = (
    "Find your roast",
    "Fresh beans, every week",
    "Roasted to order",
    "Coffee, your way",
    "Your morning, sorted",
    "Beans worth waking for",
    "Small batches, big flavour",
    "The roast you keep coming back to",
)


def meta_fields(headline: str) -> dict[str, Any]:
    return {
        "primary_text": "Beans roasted to order and shipped fresh to your door. New subscribers only.",
        "headline": headline,
        "description": "Tasting notes with every bag",
        "call_to_action": "SHOP_NOW",
    }


def make_variants(
    session: Session,
    *,
    n: int = 3,
    persona: str = "home-baristas",
    channel: str = "meta_feed",
    status: VariantStatus = VariantStatus.approved,
    predicted: Sequence[float | None] | None = None,
) -> list[Variant]:
    """``n`` variants of halden-coffee brought to ``status`` through the state machine."""
    campaign = variant_queries.create_campaign(
        session,
        brand="halden-coffee",
        name="Spring subscriptions",
        objective="traffic",
        landing_url="https://haldencoffee.example/spring",
        created_by="cara",
    )
    variants = []
    for i in range(n):
        ctr = None if predicted is None else predicted[i]
        variant = Variant(
            campaign_id=campaign.id,
            brand="halden-coffee",
            persona=persona,
            channel=channel,  # type: ignore[arg-type]
            fields=meta_fields(HEADLINES[i % len(HEADLINES)])
            if channel == "meta_feed"
            else {
                "headlines": [HEADLINES[i % len(HEADLINES)], "Halden Coffee", "Roasted weekly"],
                "descriptions": ["Single-origin coffee shipped fresh.", "Pause or skip anytime."],
            },
            status=VariantStatus.draft,
            backend="offline",
            model="offline-v1",
            seed=i,
            prompt_template="copy",
            prompt_hash="0" * 64,
            prompt="brief",
            created_by="cara",
            predicted_ctr=ctr,
            ctr_low=None if ctr is None else ctr * 0.8,
            ctr_high=None if ctr is None else ctr * 1.25,
            ctr_explanation={} if ctr is None else {"interval_level": 0.8},
        )
        session.add(variant)
        session.flush()
        if status != VariantStatus.draft:
            review.submit(session, variant_id=variant.id, actor="cara")  # type: ignore[arg-type]
        if status == VariantStatus.approved:
            review.approve(session, variant_id=variant.id, actor="bea")  # type: ignore[arg-type]
        variants.append(variant)
    session.commit()
    for v in variants:
        session.refresh(v)
    return variants


@pytest.fixture
def people(session: Session) -> Session:
    add_people(session)
    return session


def meta_csv(
    rows: Sequence[dict[str, Any]], *, with_id: bool = True, day_column: bool = True
) -> bytes:
    """A Meta Ads Manager export: ``rows`` have day, ad_name, ad_id, impressions, clicks, results, spend.

    Zeros are written as empty cells, as Meta does.
    """
    header = ["Reporting starts", "Reporting ends"]
    if day_column:
        header.append("Day")
    header += ["Campaign name", "Ad set name", "Ad name"]
    if with_id:
        header.append("Ad ID")
    header += [
        "Ad delivery",
        "Impressions",
        "Reach",
        "Link clicks",
        "Clicks (all)",
        "Results",
        "Result indicator",
        "Amount spent (USD)",
        "CTR (link click-through rate)",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for r in rows:
        day = r["day"]
        line = [r.get("starts", day), r.get("ends", day)]
        if day_column:
            line.append(day)
        line += ["Spring subscriptions", "Spring | home-baristas", r["ad_name"]]
        if with_id:
            line.append(r.get("ad_id", ""))
        clicks = r["clicks"]
        line += [
            "active",
            r["impressions"],
            int(int(r["impressions"]) * 0.8) if str(r["impressions"]).isdigit() else "",
            clicks or "",
            (int(clicks) + 3) if str(clicks).isdigit() else clicks,
            r.get("results") or "",
            "actions:link_click",
            r.get("spend", "12.50"),
            f"{int(clicks) / int(r['impressions']):.4%}"
            if str(clicks).isdigit() and str(r["impressions"]).isdigit() and int(r["impressions"])
            else "",
        ]
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8-sig")


def google_csv(
    rows: Sequence[dict[str, Any]], *, start: date = date(2024, 5, 1), end: date = date(2024, 5, 7)
) -> bytes:
    """A Google Ads report download: two title lines, the header, rows, then Total lines."""
    buffer = io.StringIO()
    buffer.write("Ad report\n")
    buffer.write(f'"{start:%B} {start.day}, {start.year} - {end:%B} {end.day}, {end.year}"\n')
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "Day",
            "Ad state",
            "Ad ID",
            "Campaign",
            "Ad group",
            "Currency code",
            "Impr.",
            "Clicks",
            "CTR",
            "Avg. CPC",
            "Cost",
            "Conversions",
        ]
    )
    total_impressions = total_clicks = 0
    for r in rows:
        impressions, clicks = r["impressions"], r["clicks"]
        writer.writerow(
            [
                r["day"],
                "Enabled",
                r["ad_id"],
                "Spring subscriptions",
                "home-baristas",
                "USD",
                f"{impressions:,}" if isinstance(impressions, int) else impressions,
                clicks,
                f"{clicks / impressions:.2%}"
                if isinstance(impressions, int) and impressions
                else "--",
                "0.45",
                r.get("cost", "1,234.50"),
                r.get("conversions", "2.00"),
            ]
        )
        if isinstance(impressions, int) and isinstance(clicks, int):
            total_impressions += impressions
            total_clicks += clicks
    writer.writerow(
        [
            "Total: Account",
            "",
            "",
            "",
            "",
            "USD",
            f"{total_impressions:,}",
            total_clicks,
            "",
            "",
            "",
            "",
        ]
    )
    writer.writerow(
        [
            "Total: Search",
            "",
            "",
            "",
            "",
            "USD",
            f"{total_impressions:,}",
            total_clicks,
            "",
            "",
            "",
            "",
        ]
    )
    return buffer.getvalue().encode("utf-8")
