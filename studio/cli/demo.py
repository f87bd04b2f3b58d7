"""``studio demo``: generate, score, approve, test and export in one command."""

from __future__ import annotations

import typer

from studio.brand.guidelines import load_catalog
from studio.cli._common import database, fail, settings
from studio.core.errors import UserFacingError


def demo(
    brand: str = typer.Option("halden-coffee", help="Example brand to use."),
    persona: str = typer.Option("remote-professionals", help="Persona of that brand."),
    channel: str = typer.Option("meta_feed", help="Channel (the winner is exported for Meta)."),
    variants: int = typer.Option(4, min=2, max=12, help="Variants to generate."),
    days: int = typer.Option(30, min=1, max=90, help="Days of simulated delivery at most."),
    video: bool = typer.Option(False, "--video/--no-video", help="Also encode video ads (slower)."),
    seed: int = typer.Option(2, help="Random seed for copy, images and simulated clicks."),
) -> None:
    """Run the whole journey on the configured database and print where everything is."""
    from studio.demo.journey import run_demo, summary

    config = settings()
    catalog = load_catalog(config.brand_dir)
    if brand not in catalog.brands:
        fail(
            f"brand {brand!r} is not a valid brand in {config.brand_dir}; valid: {', '.join(catalog.brands) or 'none'}"
        )
    try:
        with database() as session:
            result = run_demo(
                session,
                settings=config,
                catalog=catalog,
                brand_slug=brand,
                persona=persona,
                channel=channel,
                variants=variants,
                days=days,
                video=video,
                seed=seed,
                say=typer.echo,
            )
    except (UserFacingError, ValueError, RuntimeError) as exc:
        fail(str(exc))
    typer.echo(summary(result))
