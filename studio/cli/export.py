"""``studio export``: approved variants -> one zip for an ad platform's bulk import."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from studio.cli._common import database, fail
from studio.export import (
    ExportBlocked,
    ExportOptions,
    ExportScope,
    InvalidOption,
    NotApproved,
    RsaPins,
    get_exporter,
    platform_names,
)
from studio.export import export as run_export
from studio.export.base import parse_money, parse_video_ids

#: ExportOptions field -> the flag that sets it, so an option's error names the flag typed.
FLAGS = {
    "existing_campaign": "--existing-campaign",
    "existing_ad_group": "--existing-ad-group",
    "campaign_id": "--campaign-id",
    "ad_group_id": "--ad-group-id",
    "max_cpc": "--max-cpc",
    "video_ids": "--meta-video-ids",
}
_PIN = re.compile(r"^(\d+):((?:[hd]\d+=\d+)(?:,[hd]\d+=\d+)*)$")


def parse_pins(values: list[str]) -> dict[int, RsaPins]:
    """``["12:h1=1,h2=2,d1=1"]`` -> {12: RsaPins(headlines={0: 1, 1: 2}, descriptions={0: 1})}.

    Texts are numbered from 1 as in Google Ads Editor (``h1`` = Headline 1).
    """
    pins: dict[int, RsaPins] = {}
    for value in values:
        match = _PIN.match(value.strip().lower())
        if not match:
            raise typer.BadParameter(
                f"{value!r} is not VARIANT:PINS, e.g. 12:h1=1,d1=1 (headline 1 at position 1, "
                "description 1 at position 1)",
                param_hint="--pin",
            )
        variant_id = int(match.group(1))
        headlines: dict[int, int] = dict(pins.get(variant_id, RsaPins()).headlines)
        descriptions: dict[int, int] = dict(pins.get(variant_id, RsaPins()).descriptions)
        for part in match.group(2).split(","):
            name, position = part.split("=")
            index = int(name[1:]) - 1
            if index < 0:
                raise typer.BadParameter(f"{part!r}: texts are numbered from 1", param_hint="--pin")
            (headlines if name[0] == "h" else descriptions)[index] = int(position)
        pins[variant_id] = RsaPins(headlines=headlines, descriptions=descriptions)
    return pins


def export(
    platform: str = typer.Option(
        ..., "--platform", help=f"Ad platform: {', '.join(platform_names())}."
    ),
    campaign: int | None = typer.Option(
        None, "--campaign", help="Export every approved variant of this campaign."
    ),
    test: int | None = typer.Option(
        None, "--test", help="Export the winner(s) of this creative test."
    ),
    output: Path = typer.Option(
        ..., "--output", help="The zip to write (sheet, media, manifest.json)."
    ),
    actor: str | None = typer.Option(
        None,
        "--as",
        envvar="STUDIO_USER",
        help="Who exports (a marketer or admin); recorded in the audit log. Default: $STUDIO_USER.",
    ),
    pin: list[str] = typer.Option(
        [], "--pin", help="Google only: pin texts, e.g. 12:h1=1,d1=1 (repeatable, one per variant)."
    ),
    existing_campaign: str | None = typer.Option(
        None,
        "--existing-campaign",
        help="Put the ads into this campaign already in the ad account (its exact name) "
        "instead of creating one.",
    ),
    existing_ad_group: str | None = typer.Option(
        None,
        "--existing-ad-group",
        help="Put every ad into this ad group (Google, TikTok), ad set (Meta) or campaign "
        "(LinkedIn) already in the account, by its exact name; needs --existing-campaign or "
        "--campaign-id.",
    ),
    campaign_id: str | None = typer.Option(
        None,
        "--campaign-id",
        help="Google and Meta: the existing campaign's id (digits), instead of or beside its name.",
    ),
    ad_group_id: str | None = typer.Option(
        None,
        "--ad-group-id",
        help="Google and Meta: the existing ad group's / ad set's id (digits).",
    ),
    max_cpc: str | None = typer.Option(
        None,
        "--max-cpc",
        help="Google only: each new ad group's max CPC for Manual CPC bidding, in the account's "
        "currency (e.g. 0.80); default: google_ads.max_cpc in platforms.yaml.",
    ),
    meta_video_ids: Path | None = typer.Option(
        None,
        "--meta-video-ids",
        help="Meta only: a CSV of video file (or variant id) -> the id Meta gave the video on "
        "upload: the videos_to_upload.csv of an earlier export, filled in. Without it, video "
        "ads are left out (with a warning saying how to get the ids).",
    ),
    worksheet: bool = typer.Option(
        False,
        "--worksheet",
        help="TikTok only: write studio's worksheet (not an import file) when the brand has no "
        "TikTok template.",
    ),
    leave_out_not_ready: bool = typer.Option(
        False,
        "--leave-out-not-ready",
        help="Export the variants that are ready and leave out, listed with why, those that are "
        "not (not approved, media missing, over a limit) instead of stopping.",
    ),
    force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists."),
) -> None:
    """Export approved variants (a campaign's, or a test's winners) for one ad platform.

    Every field is checked against the platform's limits first, and the brand's
    platforms.yaml for the account settings the file needs; any problem stops the export and is
    listed, and nothing is written. The zip's SHA-256 is printed and recorded.
    """
    if platform not in platform_names():
        fail(
            f"--platform {platform!r} is not a platform; choose one of {', '.join(platform_names())}"
        )
    if campaign is not None and test is None:
        scope = ExportScope.campaign(campaign)
    elif test is not None and campaign is None:
        scope = ExportScope.test(test)
    else:
        fail("give exactly one of --campaign ID or --test ID")
    if not actor:
        fail("say who exports with --as USER (a marketer or admin) or set STUDIO_USER")
    if pin and platform != "google_ads":
        fail("--pin applies to Google responsive search ads only (--platform google_ads)")
    if max_cpc is not None and platform != "google_ads":
        fail("--max-cpc applies to Google ad groups only (--platform google_ads)")
    if meta_video_ids is not None and platform != "meta":
        fail("--meta-video-ids applies to Meta only (--platform meta)")
    video_ids_text = ""
    if meta_video_ids is not None:
        try:
            video_ids_text = meta_video_ids.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"--meta-video-ids: cannot read {meta_video_ids}: {exc}")
    if worksheet and platform != "tiktok":
        fail("--worksheet applies to TikTok only (--platform tiktok)")
    try:
        options = ExportOptions(
            pins=parse_pins(pin),
            existing_campaign=existing_campaign,
            existing_ad_group=existing_ad_group,
            campaign_id=campaign_id,
            ad_group_id=ad_group_id,
            max_cpc=None if max_cpc is None else parse_money("max_cpc", max_cpc),
            video_ids=parse_video_ids(video_ids_text, str(meta_video_ids))
            if meta_video_ids is not None
            else {},
            worksheet=worksheet,
            leave_out_not_ready=leave_out_not_ready,
        )
    except InvalidOption as exc:
        fail(f"{FLAGS[exc.option]}: {exc}")
    try:
        # The zip appears when the record commits (and not at all otherwise): see export().
        with database() as session:
            result = run_export(
                session,
                platform=platform,
                scope=scope,
                output=output,
                actor=actor,
                options=options,
                overwrite=force,
            )
    except ExportBlocked as exc:
        for problem in exc.problems:
            typer.secho(f"  - {problem}", fg=typer.colors.RED, err=True)
        hint = (
            "; add --leave-out-not-ready to export the other variants without these"
            if not leave_out_not_ready and all(p.variant_id is not None for p in exc.problems)
            else ""
        )
        fail(
            f"export stopped: {len(exc.problems)} problem(s) listed above; nothing was "
            f"written{hint}"
        )
    except NotApproved as exc:
        fail(f"{exc} Or add --leave-out-not-ready to export the approved ones without these.")
    for left_out in result.left_out:
        typer.secho(f"left out: {left_out}", fg=typer.colors.YELLOW, err=True)
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    left = f", {len(result.left_out)} left out (listed above)" if result.left_out else ""
    typer.echo(
        f"exported {len(result.variant_ids)} variant(s) ({result.rows} row(s), {len(result.media_files)} "
        f"media file(s)){left} to {result.path}"
    )
    typer.echo(f"sha256 {result.sha256}  export #{result.export_id}")
    typer.echo(get_exporter(platform).import_hint)
