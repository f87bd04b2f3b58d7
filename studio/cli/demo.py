"""``studio demo``: generate, score, approve, test and export in one command, in its own database."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from studio.brand.guidelines import load_catalog
from studio.cli._common import fail, settings
from studio.core.database import session_scope, upgrade
from studio.core.errors import UserFacingError

#: The demo's own database and asset folder: it never writes into the working ones.
DEMO_DATABASE_URL = "sqlite:///var/demo/studio.db"
DEMO_ASSET_DIR = Path("var/demo/assets")


def _same_database(a: str, b: str) -> bool:
    left, right = make_url(a), make_url(b)
    if left.get_backend_name() == right.get_backend_name() == "sqlite":
        return Path(left.database or "").resolve() == Path(right.database or "").resolve()
    return left.render_as_string(hide_password=True) == right.render_as_string(hide_password=True)


def demo(
    brand: str = typer.Option("halden-coffee", help="Example brand to use."),
    persona: str = typer.Option("remote-professionals", help="Persona of that brand."),
    channel: str = typer.Option("meta_feed", help="Channel (the winner is exported for Meta)."),
    variants: int = typer.Option(4, min=2, max=12, help="Variants to generate."),
    days: int = typer.Option(30, min=1, max=90, help="Days of simulated delivery at most."),
    video: bool = typer.Option(False, "--video/--no-video", help="Also encode video ads (slower)."),
    seed: int = typer.Option(2, help="Random seed for copy, images and simulated clicks."),
    database_url: str = typer.Option(
        DEMO_DATABASE_URL, "--database", help="The demo's own database (never the working one)."
    ),
    asset_dir: Path = typer.Option(
        DEMO_ASSET_DIR, "--asset-dir", help="The demo's own folder for images, videos, exports."
    ),
) -> None:
    """Run the whole journey in the demo's own database and print where everything is."""
    from studio.demo.journey import run_demo, summary

    working = settings()
    if _same_database(database_url, working.database_url):
        fail(
            f"--database {make_url(database_url).render_as_string(hide_password=True)} is the working "
            "database (STUDIO_DATABASE_URL); the demo creates accounts and data, so it runs in its "
            f"own database: leave --database at its default ({DEMO_DATABASE_URL}) or name another"
        )
    config = working.model_copy(update={"database_url": database_url, "asset_dir": str(asset_dir)})
    catalog = load_catalog(config.brand_dir)
    if brand not in catalog.brands:
        fail(
            f"brand {brand!r} is not a valid brand in {config.brand_dir}; valid: {', '.join(catalog.brands) or 'none'}"
        )
    try:
        upgrade(database_url)
        with session_scope(database_url) as session:
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
    typer.echo(
        "Open the app on the demo's data with: "
        f"STUDIO_DATABASE_URL={make_url(database_url).render_as_string(hide_password=True)} "
        f"STUDIO_ASSET_DIR={asset_dir} scripts/app.sh"
    )
