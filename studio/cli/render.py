"""``studio render``: make the images and videos of a variant or a whole campaign."""

from __future__ import annotations

import typer

from studio.brand.guidelines import load_catalog
from studio.cli._common import database, fail, settings
from studio.core.errors import UserFacingError
from studio.core.progress import Progress
from studio.imaging.render import RenderOptions, render_campaign, render_variants
from studio.review.accounts import AuthError


def render(
    variant: list[int] = typer.Option(
        None, "--variant", "-v", help="Variant id; repeat for several."
    ),
    campaign: int | None = typer.Option(
        None, "--campaign", "-c", help="Render every variant of this campaign."
    ),
    seed: int | None = typer.Option(
        None, help="Base seed. Default: each variant's own seed (reproducible)."
    ),
    steps: int | None = typer.Option(
        None, min=1, help="Diffusion steps (default: STUDIO_DIFFUSERS_STEPS)."
    ),
    guidance: float | None = typer.Option(
        None, min=0, help="Guidance scale (default: STUDIO_DIFFUSERS_GUIDANCE)."
    ),
    batch_size: int = typer.Option(
        1, "--batch-size", help="Backgrounds per image size, each its own file (1-8)."
    ),
    video: bool = typer.Option(
        True, "--video/--no-video", help="Make the videos channels need (TikTok)."
    ),
    duration: float = typer.Option(8.0, help="Video length in seconds (6-15)."),
    scenes: int = typer.Option(2, help="Pictures per video (1-3)."),
    fps: int = typer.Option(30, help="Video frames per second."),
    scale: float = typer.Option(
        1.0, help="Fraction of the platform sizes for quick previews (0.05-1)."
    ),
    actor: str = typer.Option(
        ...,
        "--as",
        envvar="STUDIO_USER",
        help="Who renders (a creative or admin; checked and audited). Default: $STUDIO_USER.",
    ),
) -> None:
    """Render images (and videos) for variants, with brand QC; files go to STUDIO_ASSET_DIR."""
    if bool(variant) == (campaign is not None):
        fail("give either --variant ID (repeatable) or --campaign ID")
    try:
        options = RenderOptions(
            seed=seed,
            steps=steps,
            guidance=guidance,
            batch_size=batch_size,
            video=video,
            video_duration_s=duration,
            video_scenes=scenes,
            fps=fps,
            scale=scale,
        )
    except ValueError as exc:
        fail(str(exc))
    config = settings()
    catalog = load_catalog(config.brand_dir)

    def show(step: Progress) -> None:
        typer.echo(f"[{step.done}/{step.total}] {step.message}")

    try:
        with database() as session:
            if campaign is not None:
                reports = render_campaign(
                    session,
                    campaign_id=campaign,
                    catalog=catalog,
                    settings=config,
                    options=options,
                    actor=actor,
                    progress=show,
                )
            else:
                reports = render_variants(
                    session,
                    variant_ids=variant,
                    catalog=catalog,
                    settings=config,
                    options=options,
                    actor=actor,
                    progress=show,
                )
    except AuthError as exc:
        fail(str(exc))
    except (UserFacingError, ValueError, ImportError) as exc:
        fail(f"{exc} Nothing was recorded.")

    files = failed = 0
    for report in reports:
        if report.skipped:
            typer.echo(f"variant {report.variant_id}: skipped, {report.skipped}")
            continue
        for note in report.notes:
            typer.echo(f"variant {report.variant_id}: note: {note}")
        for asset in report.assets:
            files += 1
            problems = [c for c in asset.qc if not c.get("passed", False)]
            failed += bool(problems)
            verdict = "qc ok  " if not problems else "qc FAIL"
            typer.echo(
                f"{verdict} variant {report.variant_id} {asset.kind} {asset.size_label} {asset.path}"
            )
            for check in problems:
                typer.secho(
                    f"        {check['rule']} ({check['element']}): {check['message']}",
                    fg=typer.colors.RED,
                )
    typer.echo(
        f"{files} files for {len(reports)} variants in {config.asset_dir}; {failed} failed brand QC"
    )
