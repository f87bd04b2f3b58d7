"""``studio events import``: an ad-platform report CSV -> a test's delivery (same rules as the app)."""

from __future__ import annotations

from pathlib import Path

import typer

from studio.cli._common import database, fail
from studio.experiments.reports import PLATFORM_CHOICES, import_report

app = typer.Typer(
    help="Import ad-platform delivery reports into creative tests.", no_args_is_help=True
)


@app.command("import")
def import_events(
    report: Path = typer.Argument(
        ..., help="Meta Ads Manager or Google Ads report exported as CSV (one row per ad and day)."
    ),
    test: int = typer.Option(..., "--test", help="The test the report's ads belong to."),
    platform: str = typer.Option(
        "auto",
        "--platform",
        help=f"Report format: {', '.join(PLATFORM_CHOICES)} (auto: from the columns).",
    ),
    actor: str | None = typer.Option(
        None,
        "--as",
        envvar="STUDIO_USER",
        help="Who imports (a marketer or admin); audited. Default: $STUDIO_USER.",
    ),
) -> None:
    """Import a report; importing the same report again adds nothing twice.

    Bad rows (unknown ad, clicks > impressions, negative numbers, bad dates) are listed with
    their line numbers; every other row is imported. Exits 1 when any row was bad.
    """
    if platform not in PLATFORM_CHOICES:
        fail(f"--platform {platform!r} is not one of {', '.join(PLATFORM_CHOICES)}")
    if not actor:
        fail("say who imports with --as USER (a marketer or admin) or set STUDIO_USER")
    if not report.is_file():
        fail(f"{report}: no such file")
    with database() as session:
        result = import_report(
            session,
            experiment_id=test,
            data=report.read_bytes(),
            file_name=report.name,
            actor=actor,
            platform=platform,
        )
    typer.echo(result.summary())
    for arm_id, ad_id in result.learned_ad_ids.items():
        typer.echo(f"arm {arm_id} now has ad id {ad_id} (learnt from the report)")
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    for bad in result.bad_rows:
        typer.secho(f"  line {bad.line}: {bad.reason}", fg=typer.colors.RED, err=True)
    if result.bad_rows:
        raise typer.Exit(1)
