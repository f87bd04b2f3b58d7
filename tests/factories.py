"""Test data made the way users make it: people per role, campaigns, variants at any status,
creative tests with arms, and ad-platform reports as Meta Ads Manager and Google Ads export them.

Variants reach their status through the real review state machine (a creative submits, a brand
manager decides, a marketer tests and exports), so each carries the reviews and audit entries a
user's variant would; ``through_review=False`` stores a status directly, for the tests of the
state machine itself. Creative tests are started by :func:`studio.experiments.lifecycle.create_test`.
The shared test accounts (cara and cole: creative, bea and ben: brand manager, mia: marketer,
ada: admin; password :data:`PASSWORD`) come from :func:`add_people`.

Factories flush or commit as noted and return the rows, refreshed.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from studio.copy import variants as variant_queries
from studio.core.models import (
    AllocationDecision,
    Arm,
    ArmResult,
    Experiment,
    Role,
    User,
    Variant,
    VariantStatus,
)
from studio.experiments import lifecycle
from studio.export import ExportOptions, ExportScope, export
from studio.review import account_queries as user_queries
from studio.review import workflow as review
from tests.people import PASSWORD, PEOPLE, add_people, password_hash

__all__ = [
    "FIELDS",
    "HEADLINES",
    "PASSWORD",
    "PEOPLE",
    "add_people",
    "export_zip",
    "google_csv",
    "make_campaign",
    "make_test",
    "make_user",
    "make_variant",
    "make_variants",
    "meta_csv",
    "report_rows",
    "zip_manifest",
]

BRAND = "halden-coffee"
PERSONA = "home-baristas"

#: Who performs each review move by default: the shared account of a role that may.
ACTOR_FOR_ACTION = {
    "submit": "cara",
    "approve": "bea",
    "reject": "bea",
    "request_changes": "bea",
    "start_test": "mia",
    "declare_winner": "mia",
    "retire": "mia",
    "export": "mia",
}
#: The text a move that needs one is given (a rejection's reason, a change request's comment).
TEXT_FOR_ACTION = {"approve": "on brand", "reject": "off brand", "request_changes": "shorter"}

#: Valid, compliant copy for halden-coffee, one set of fields per channel.
FIELDS: dict[str, dict[str, Any]] = {
    "google_rsa": {
        "headlines": ["Fresh beans, every week", "Roasted to order", "Halden Coffee Roasters"],
        "descriptions": [
            "Single-origin coffee shipped fresh to your door.",
            "Pause, skip or swap your subscription in two clicks.",
        ],
        "path1": "coffee",
        "path2": "subscribe",
    },
    "meta_feed": {
        "primary_text": "Beans roasted to order and shipped fresh to your door. New subscribers only. Cancel anytime.",
        "headline": "Find your roast",
        "description": "Tasting notes with every bag",
        "call_to_action": "SHOP_NOW",
    },
    "linkedin_sponsored": {
        "intro_text": "Fresh single-origin coffee for the office, roasted to order. Offer ends 31 Dec 2026.",
        "headline": "Coffee your team will queue for",
        "call_to_action": "LEARN_MORE",
    },
    "tiktok": {
        "ad_text": "Roasted this week, in your cup next week. New subscribers only. Cancel anytime.",
        "call_to_action": "SHOP_NOW",
    },
}
#: Headlines that :func:`make_variants` cycles through, so the arms of a test differ.
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

_usernames = itertools.count(1)


def make_user(
    session: Session,
    *,
    role: Role | str,
    username: str | None = None,
    display_name: str | None = None,
    active: bool = True,
) -> User:
    """A user with ``role`` (a fresh username unless given) and the test password; flushed."""
    role = Role(role)
    username = username or f"{role.value.replace('_', '-')}-{next(_usernames)}"
    user = user_queries.add_user(
        session,
        username=username,
        display_name=display_name or username.title(),
        role=role,
        password_hash=password_hash(),
    )
    if not active:
        user.is_active = False
        session.add(user)
        session.flush()
    return user


def make_campaign(
    session: Session,
    *,
    brand: str = BRAND,
    name: str = "Spring subscriptions",
    objective: str = "traffic",
    landing_url: str = "https://haldencoffee.example/spring",
    created_by: str = "cara",
) -> int:
    """A campaign; committed. Returns its id."""
    campaign = variant_queries.create_campaign(
        session,
        brand=brand,
        name=name,
        objective=objective,
        landing_url=landing_url,
        created_by=created_by,
    )
    session.commit()
    assert campaign.id is not None
    return campaign.id


def make_variant(
    session: Session,
    *,
    campaign_id: int,
    status: VariantStatus = VariantStatus.draft,
    channel: str = "meta_feed",
    persona: str = PERSONA,
    fields: Mapping[str, Any] | None = None,
    headline: str | None = None,
    created_by: str = "cara",
    seed: int = 7,
    predicted_ctr: float | None = None,
    ctr_explanation: dict[str, Any] | None = None,
    through_review: bool = True,
) -> Variant:
    """A halden-coffee variant at ``status``; committed.

    ``fields`` default to :data:`FIELDS` for the channel (``headline`` replaces the first
    headline). A predicted CTR comes with an 80% interval of x0.8 to x1.25 and, unless given, an
    explanation naming its top features. With ``through_review`` (the default) the variant is
    stored as a draft and walked to ``status`` by the review state machine; otherwise the status
    is stored as is.
    """
    copy = dict(fields if fields is not None else FIELDS[channel])
    if headline is not None:
        if "headline" in copy:
            copy["headline"] = headline
        else:  # keep the count and keep them distinct
            others = [h for h in copy["headlines"] if h != headline]
            copy["headlines"] = [headline, *others][: len(copy["headlines"])]
    if ctr_explanation is None:
        ctr_explanation = (
            {} if predicted_ctr is None else {"interval_level": 0.8, "top_features": ["fresh"]}
        )
    variant = Variant(
        campaign_id=campaign_id,
        brand=BRAND,
        persona=persona,
        channel=channel,
        fields=copy,
        status=VariantStatus.draft if through_review else status,
        backend="offline",
        model="offline-v1",
        seed=seed,
        prompt_template=f"copy/{channel}",
        prompt_hash="0" * 64,
        prompt="brief",
        created_by=created_by,
        predicted_ctr=predicted_ctr,
        ctr_low=None if predicted_ctr is None else predicted_ctr * 0.8,
        ctr_high=None if predicted_ctr is None else predicted_ctr * 1.25,
        ctr_explanation=ctr_explanation,
    )
    session.add(variant)
    session.commit()
    assert variant.id is not None
    if through_review:
        walk_to(session, variant_id=variant.id, status=status, author=created_by)
        session.commit()
    session.refresh(variant)
    assert variant.status == status
    return variant


def make_variants(
    session: Session,
    *,
    n: int = 3,
    campaign_id: int | None = None,
    status: VariantStatus = VariantStatus.approved,
    channel: str = "meta_feed",
    persona: str = PERSONA,
    predicted: Sequence[float | None] | None = None,
) -> list[Variant]:
    """``n`` variants with different headlines (:data:`HEADLINES`) in one campaign (a new one
    unless given), each brought to ``status`` through the state machine; committed."""
    if campaign_id is None:
        campaign_id = make_campaign(session)
    return [
        make_variant(
            session,
            campaign_id=campaign_id,
            status=status,
            channel=channel,
            persona=persona,
            headline=HEADLINES[i % len(HEADLINES)],
            seed=i,
            predicted_ctr=None if predicted is None else predicted[i],
        )
        for i in range(n)
    ]


def walk_to(
    session: Session, *, variant_id: int, status: VariantStatus, author: str = "cara"
) -> None:
    """Move a variant from its status to ``status`` by the fewest moves of
    :data:`studio.review.workflow.MOVES`, each made by a role that may (``author`` submits)."""
    variant = session.get(Variant, variant_id)
    assert variant is not None
    for move in _path(VariantStatus(variant.status), status):
        actor = author if move.action == "submit" else ACTOR_FOR_ACTION[move.action]
        review.act(
            session,
            variant_id=variant_id,
            action=move.action,
            actor=actor,
            comment=TEXT_FOR_ACTION.get(move.action, ""),
            four_eyes=False,
        )


def _path(source: VariantStatus, target: VariantStatus) -> list[review.Move]:
    paths: dict[VariantStatus, list[review.Move]] = {source: []}
    queue = deque([source])
    while queue:
        status = queue.popleft()
        for move in review.MOVES:
            if move.source == status and move.target not in paths:
                paths[move.target] = [*paths[status], move]
                queue.append(move.target)
    if target not in paths:
        raise ValueError(f"no review moves lead from {source.value} to {target.value}")
    return paths[target]


def make_test(
    session: Session,
    *,
    variants: Sequence[Variant] | None = None,
    n: int = 2,
    name: str = "Spring headlines",
    actor: str = "mia",
    settings: lifecycle.TestSettings | None = None,
    fatigue: lifecycle.FatigueSettings | None = None,
    ad_names: Mapping[int, str] | None = None,
    predicted: Sequence[float | None] | None = None,
    now: datetime | None = None,
) -> Experiment:
    """A running creative test of ``variants`` (``n`` new approved ones unless given), started
    by ``actor`` through :func:`studio.experiments.lifecycle.create_test` at ``now`` (default:
    the present; report rows dated before it are refused); committed."""
    if variants is None:
        variants = make_variants(session, n=n, predicted=predicted)
    first = variants[0]
    experiment = lifecycle.create_test(
        session,
        name=name,
        brand=first.brand,
        persona=first.persona,
        channel=first.channel,
        variant_ids=[v.id for v in variants if v.id is not None],
        actor=actor,
        settings=settings,
        fatigue=fatigue,
        ad_names=ad_names,
        now=now,
    )
    session.commit()
    session.refresh(experiment)
    return experiment


def make_decided_test(
    session: Session,
    *,
    winner: Variant,
    others: Sequence[Variant] = (),
    name: str = "Roast vs price",
    clicks: Sequence[int] | None = None,
    day: date = date(2026, 3, 1),
) -> tuple[Experiment, list[Arm]]:
    """A finished creative test whose winner is declared: an arm per variant (``winner``
    first, each with ad id ``ad-<variant id>`` and ad name ``<name> v<variant id>``) and
    ``Experiment.winner_arm_id`` set, stored as a test that ran and stopped leaves it (the
    variants keep the status they were made with, e.g. ``winner`` / ``retired``).

    ``clicks`` (one per arm) adds a day of results (2,000 impressions each, on ``day``) and the
    allocation decision that picked the winner. Committed.
    """
    variants = [winner, *others]
    experiment = Experiment(
        name=name,
        brand=winner.brand,
        persona=winner.persona,
        channel=winner.channel,
        created_by="mia",
        status="stopped",
    )
    session.add(experiment)
    session.flush()
    arms = [
        Arm(
            experiment_id=experiment.id,
            variant_id=v.id,
            ad_id=f"ad-{v.id}",
            ad_name=f"{name} v{v.id}",
        )
        for v in variants
    ]
    session.add_all(arms)
    session.flush()
    if clicks is not None:
        for arm, arm_clicks in zip(arms, clicks, strict=True):
            session.add(
                ArmResult(
                    experiment_id=experiment.id,
                    arm_id=arm.id,
                    day=day,
                    impressions=2000,
                    clicks=arm_clicks,
                    source="meta-report.csv",
                    row_key=f"{arm.id}-{day.isoformat()}",
                )
            )
        best = {str(a.id): 0.99 if a is arms[0] else 0.01 / max(len(arms) - 1, 1) for a in arms}
        session.add(
            AllocationDecision(
                experiment_id=experiment.id,
                shares={str(a.id): 0.9 if a is arms[0] else 0.1 for a in arms},
                prob_best=best,
                expected_loss={str(a.id): 0.0 if a is arms[0] else 0.01 for a in arms},
                summary=f"v{winner.id} wins",
            )
        )
    experiment.winner_arm_id = arms[0].id
    session.add(experiment)
    session.commit()
    session.refresh(experiment)
    return experiment, arms


def report_rows(
    arms: Sequence[Arm],
    *,
    days: Sequence[date],
    impressions: int | Sequence[int] = 1000,
    ctrs: Sequence[float],
) -> list[dict[str, Any]]:
    """One report row per arm and day (``ctrs[i]`` for arm i), as :func:`meta_csv` and
    :func:`google_csv` take them: day, ad_name, ad_id, impressions, clicks."""
    if len(ctrs) != len(arms):
        raise ValueError(f"one CTR per arm: {len(arms)} arms, {len(ctrs)} CTRs")
    per_arm = [impressions] * len(arms) if isinstance(impressions, int) else list(impressions)
    return [
        {
            "day": day.isoformat(),
            "ad_name": arm.ad_name,
            "ad_id": arm.ad_id or "",
            "impressions": shown,
            "clicks": round(shown * ctr),
        }
        for day in days
        for arm, shown, ctr in zip(arms, per_arm, ctrs, strict=True)
    ]


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
            r.get("reach", int(int(r["impressions"]) * 0.8))
            if str(r["impressions"]).isdigit()
            else "",
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
    for total in ("Total: Account", "Total: Search"):
        writer.writerow(
            [total, "", "", "", "", "USD", f"{total_impressions:,}", total_clicks, "", "", "", ""]
        )
    return buffer.getvalue().encode("utf-8")


def export_zip(
    session: Session,
    folder: Path,
    asset_dir: Path,
    platform: str,
    scope: ExportScope,
    options: ExportOptions | None = None,
    brand_dir: Path | None = None,
    *,
    actor: str = "mia",
) -> Path:
    """Export ``scope`` for ``platform`` as ``actor`` to ``folder/PLATFORM.zip`` through
    :func:`studio.export.export`; committed (the zip appears with its record)."""
    output = folder / f"{platform}.zip"
    export(
        session,
        platform=platform,
        scope=scope,
        output=output,
        actor=actor,
        options=options,
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    session.commit()
    return output


def zip_manifest(path: Path) -> dict[str, Any]:
    """The ``manifest.json`` of an export zip."""
    with zipfile.ZipFile(path) as archive:
        manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return manifest
