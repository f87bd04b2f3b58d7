"""``studio demo``: the whole flow in one command, through the same library calls as the app.

It signs nothing in and skips no rule: three demo accounts (a creative, a brand manager and a
marketer, each with a fresh random password) do what their roles allow. The creative generates
and renders variants for one brand, persona and channel; the brand manager approves the ones
without brand violations; the marketer starts a Thompson-sampling test, imports one simulated
Meta Ads Manager report a day (clicks drawn from per-variant "true" CTRs that follow the CTR
predictor's ranking), reweights after each, and exports the winner for Meta. Every report the
demo imports is kept as a CSV so a person can import it again in the app.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
from sqlmodel import Session

from studio.brand.guidelines import BrandCatalog
from studio.copy import variants as variant_queries
from studio.copy.generation import GenerationRequest, run_generation
from studio.copy.writing import CampaignBrief, make_copy_writer
from studio.core import audit
from studio.core.assets import local_folder
from studio.core.database import database_label
from studio.core.errors import UserFacingError
from studio.core.models import AssetKind, Role, VariantStatus, saved_id, utcnow
from studio.core.settings import Settings
from studio.experiments import lifecycle as experiments
from studio.experiments.reports import import_report
from studio.export.pipeline import ExportScope, export
from studio.imaging.render import RenderOptions, render_variants
from studio.review import account_queries as user_queries
from studio.review import workflow as review
from studio.review.accounts import hash_password

#: Demo accounts: username -> role. Passwords are generated afresh on every run.
DEMO_PEOPLE: dict[str, Role] = {
    "demo-creative": Role.creative,
    "demo-reviewer": Role.brand_manager,
    "demo-marketer": Role.marketer,
}

#: Simulated true CTRs, best-predicted variant first: clear enough gaps for a winner within days.
TRUE_CTRS = (0.017, 0.014, 0.013, 0.012, 0.011, 0.010)


class DemoError(UserFacingError):
    """The demo cannot go on with the options given; the message says which to change."""


@dataclass
class DemoResult:
    """Where everything the demo made is, for the summary it prints."""

    database: str
    asset_dir: Path
    passwords: dict[str, str]
    campaign_id: int
    variant_ids: list[int]
    approved_ids: list[int]
    images: int = 0
    videos: int = 0
    experiment_id: int | None = None
    reports: list[Path] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    winner_variant_id: int | None = None
    export_path: Path | None = None
    export_sha256: str = ""


Say = Callable[[str], None]


def _demo_accounts(session: Session) -> dict[str, str]:
    """Create the demo accounts, or give existing active ones new passwords; returns them.

    A demo account that an admin deactivated or gave another role is never changed back: the
    demo stops with a message instead.
    """
    passwords = {}
    for username, role in DEMO_PEOPLE.items():
        password = secrets.token_urlsafe(12)
        user = user_queries.find_user(session, username=username)
        if user is None:
            user_queries.add_user(
                session,
                username=username,
                display_name=username.replace("-", " ").title(),
                role=role,
                password_hash=hash_password(password),
            )
            action = "user.create"
        else:
            if not user.is_active or user.role != role:
                # An admin deactivated it or changed its role: that decision stands.
                state = "deactivated" if not user.is_active else f"a {user.role} now"
                raise ValueError(
                    f"demo account {username!r} exists and is {state}; the demo does not undo an "
                    f"admin's change. Run the demo on its own database (the default), or "
                    f"reactivate it / give it the role {role.value} with `studio users` first"
                )
            user.password_hash = hash_password(password)
            user.sessions_valid_after = utcnow()
            session.add(user)
            action = "user.set_password"
        audit.record(
            session,
            actor="studio-demo",
            action=action,
            entity_type="user",
            entity_id=username,
            after={"role": role.value, "demo": True},
        )
        passwords[username] = password
    session.flush()
    return passwords


def _meta_report(day: date, rows: list[tuple[str, int, int]]) -> bytes:
    """A Meta Ads Manager export (one day, one row per ad): Day, Ad name, Impressions, Link clicks, spend."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Day", "Ad name", "Impressions", "Link clicks", "Amount spent (USD)"])
    for ad_name, impressions, clicks in rows:
        writer.writerow(
            [day.isoformat(), ad_name, impressions, clicks, f"{impressions * 0.0065:.2f}"]
        )
    return buffer.getvalue().encode("utf-8")


def run_demo(
    session: Session,
    *,
    settings: Settings,
    catalog: BrandCatalog,
    brand_slug: str = "halden-coffee",
    persona: str = "remote-professionals",
    channel: str = "meta_feed",
    variants: int = 4,
    days: int = 30,
    daily_impressions: int = 2500,
    video: bool = False,
    seed: int = 2,
    say: Say = print,
) -> DemoResult:
    """Run the whole journey once and return where everything is (the caller commits)."""
    brand = catalog.get(brand_slug)
    brand.persona(persona)
    rng = np.random.default_rng(seed)
    passwords = _demo_accounts(session)
    session.commit()

    say(f"1/6 Generating {variants} {channel} variants for {brand.guideline.name} / {persona} …")
    request = GenerationRequest(
        brand=brand,
        brief=CampaignBrief(
            objective="traffic",
            landing_url=brand.guideline.website,
            name=f"Demo: {brand.guideline.name} {channel}",
            offer="",
        ),
        personas=(persona,),
        channels=(channel,),
        n=variants,
        seed=seed,
    )
    generated = run_generation(
        session, request, make_copy_writer(settings), created_by="demo-creative"
    )
    session.commit()
    assert generated.campaign_id is not None
    rows = variant_queries.list_variants(session, campaign_id=generated.campaign_id, limit=1000)
    result = DemoResult(
        database=database_label(settings.database_url),
        asset_dir=local_folder(settings.asset_dir, purpose="the demo's reports and export"),
        passwords=passwords,
        campaign_id=generated.campaign_id,
        variant_ids=[v.id for v in rows if v.id],
        approved_ids=[],
    )
    say(
        f"    campaign {result.campaign_id}: variants {result.variant_ids}"
        + (
            f" ({generated.unscored})"
            if generated.unscored
            else ", each scored by the CTR predictor"
        )
    )

    say("2/6 Rendering images" + (" and videos" if video else "") + " …")
    reports = render_variants(
        session,
        variant_ids=result.variant_ids,
        catalog=catalog,
        settings=settings,
        options=RenderOptions(video=video, seed=seed),
        actor="demo-creative",
    )
    session.commit()
    for report in reports:
        result.images += sum(1 for a in report.assets if a.kind == AssetKind.image)
        result.videos += sum(1 for a in report.assets if a.kind == AssetKind.video)
    say(f"    {result.images} image(s), {result.videos} video(s) in {settings.asset_dir}")

    say(
        "3/6 Review: the creative submits, the brand manager approves variants without violations …"
    )
    for variant in rows:
        review.submit(session, variant_id=saved_id(variant), actor="demo-creative")
        if variant.violations:
            review.request_changes(
                session,
                variant_id=saved_id(variant),
                actor="demo-reviewer",
                comment="; ".join(v["reason"] for v in variant.violations)[:500],
            )
        else:
            review.approve(session, variant_id=saved_id(variant), actor="demo-reviewer")
            result.approved_ids.append(saved_id(variant))
        session.commit()
    say(f"    approved {result.approved_ids}")
    if len(result.approved_ids) < 2:
        raise DemoError(
            "fewer than two variants were approved, so there is nothing to test; "
            "run the demo with more --variants"
        )

    say("4/6 Starting a top-two Thompson-sampling test (the studio's default policy) …")
    test = experiments.create_test(
        session,
        name=f"Demo test: {brand.guideline.name} {persona} {channel}",
        brand=brand.slug,
        persona=persona,
        channel=channel,
        variant_ids=result.approved_ids,
        actor="demo-marketer",
        settings=experiments.TestSettings(reweight_hours=24),
        now=datetime.now(UTC) - timedelta(days=days + 1),
    )
    session.commit()
    result.experiment_id = test.id
    assert test.id is not None
    approved = sorted(
        (variant_queries.get_variant(session, variant_id=i) for i in result.approved_ids),
        key=lambda v: -(v.predicted_ctr or 0),
    )
    true_ctr = {v.id: TRUE_CTRS[min(i, len(TRUE_CTRS) - 1)] for i, v in enumerate(approved)}
    setup = {arm.variant_id: arm for arm in experiments.arm_setup(session, experiment_id=test.id)}

    say(
        f"5/6 Simulating up to {days} days of Meta delivery ({daily_impressions:,} impressions a day) …"
    )
    report_dir = result.asset_dir / "demo" / f"test-{test.id}"
    report_dir.mkdir(parents=True, exist_ok=True)
    shares = {arm.variant_id: 1 / len(setup) for arm in setup.values()}
    first_day = date.today() - timedelta(days=days)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        rows_today = []
        for variant_id, arm in setup.items():
            impressions = round(daily_impressions * shares.get(variant_id, 0.0))
            clicks = int(rng.binomial(impressions, true_ctr[variant_id])) if impressions else 0
            rows_today.append((arm.ad_name, impressions, clicks))
        data = _meta_report(day, rows_today)
        path = report_dir / f"meta-report-{day.isoformat()}.csv"
        path.write_bytes(data)
        result.reports.append(path)
        imported = import_report(
            session,
            experiment_id=test.id,
            data=data,
            file_name=path.name,
            actor="demo-marketer",
            platform="meta",
        )
        decision = experiments.reweight(
            session,
            test.id,
            actor="demo-marketer",
            now=datetime.combine(day + timedelta(days=1), time(6), tzinfo=UTC),
        )
        session.commit()
        shares = {arm.variant_id: arm.share for arm in decision.arms}
        text = " ".join(decision.lines)
        result.decisions.append(f"{day}: {imported.imported} row(s) imported. {text}")
        say(f"    {day}: {text}")
        if decision.winner_arm_id is not None:
            result.winner_variant_id = next(
                a.variant_id for a in decision.arms if a.arm_id == decision.winner_arm_id
            )
            break
    if result.winner_variant_id is None:
        say("    no clear winner yet; the test keeps running (import more reports in the app)")
        return result

    say("6/6 Exporting the winner for Meta Ads Manager …")
    output = result.asset_dir / "exports" / f"demo-test-{test.id}-meta.zip"
    output.parent.mkdir(parents=True, exist_ok=True)
    exported = export(
        session,
        platform="meta",
        scope=ExportScope.test(test.id),
        output=output,
        actor="demo-marketer",
        asset_dir=settings.asset_dir,
    )
    session.commit()
    result.export_path, result.export_sha256 = exported.path, exported.sha256
    if (
        variant_queries.get_variant(session, variant_id=result.winner_variant_id).status
        != VariantStatus.exported
    ):
        raise RuntimeError(
            f"the winner {result.winner_variant_id} was exported but its status did not change"
        )
    return result


def summary(result: DemoResult) -> str:
    """The closing text: what was made, where it is, and how to look at it in the app."""
    lines = [
        "",
        "Demo finished.",
        f"  database:   {result.database}",
        f"  assets:     {result.asset_dir.resolve()}",
        f"  campaign:   {result.campaign_id} ({len(result.variant_ids)} variants, approved {result.approved_ids})",
        f"  media:      {result.images} image(s), {result.videos} video(s)",
        f"  test:       {result.experiment_id} ({len(result.reports)} daily reports in "
        f"{result.reports[0].parent if result.reports else '-'})",
        f"  winner:     variant {result.winner_variant_id}"
        if result.winner_variant_id
        else "  winner:     not yet",
    ]
    if result.export_path:
        lines.append(
            f"  export:     {result.export_path.resolve()} (sha256 {result.export_sha256[:16]}…)"
        )
    lines += ["", "Sign in to the app (bash scripts/app.sh) with any demo account:"]
    lines += [
        f"  {user:<14} {DEMO_PEOPLE[user].value:<14} password: {password}"
        for user, password in result.passwords.items()
    ]
    return "\n".join(lines)
