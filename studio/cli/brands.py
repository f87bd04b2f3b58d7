"""``studio brands``: check and list the brand guideline files."""

from __future__ import annotations

from pathlib import Path

import typer

from studio.brand.guidelines import load_catalog
from studio.cli._common import settings

app = typer.Typer(help="Brand guidelines and personas.", no_args_is_help=True)


@app.command("validate")
def validate(
    brand_dir: Path | None = typer.Option(
        None, help="Folder of brands (default: STUDIO_BRAND_DIR)."
    ),
) -> None:
    """Check every guideline and persona file; exit 1 and list each problem if any is invalid."""
    root = brand_dir or settings().brand_dir
    catalog = load_catalog(root)
    for slug, brand in catalog.brands.items():
        typer.echo(f"ok  {slug}: {brand.guideline.name}, {len(brand.personas)} personas")
    for error in catalog.errors:
        typer.secho(f"bad {error}", fg=typer.colors.RED, err=True)
    if catalog.errors:
        raise typer.Exit(1)
    typer.echo(f"{len(catalog.brands)} brands valid in {root}")


@app.command("list")
def list_brands(brand_dir: Path | None = typer.Option(None, help="Folder of brands.")) -> None:
    """List brands and their personas."""
    catalog = load_catalog(brand_dir or settings().brand_dir)
    for slug, brand in catalog.brands.items():
        typer.echo(f"{slug}\t{brand.guideline.name}\t{', '.join(brand.personas)}")
