"""``studio brands``: check, list and create brands."""

from __future__ import annotations

from pathlib import Path

import typer

from studio.brand.guidelines import load_catalog
from studio.brand.new_brand import (
    NewBrand,
    NewBrandInvalid,
    NewColor,
    NewPersona,
    UploadedFile,
    create_brand,
)
from studio.cli._common import database, fail, settings

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


def _color(value: str) -> NewColor:
    role, _, rest = value.partition("=")
    hex_value, _, name = rest.partition(":")
    if not role or not hex_value:
        fail(f"--color {value!r}: write it as ROLE=#RRGGBB or ROLE=#RRGGBB:Name")
    return NewColor(name=name.strip() or role.replace("_", " ").title(), hex=hex_value, role=role)


@app.command("new")
def new(
    name: str = typer.Option(..., help="The brand's name, e.g. 'Halden Coffee'."),
    website: str = typer.Option(..., help="https://… (landing pages must be on it)."),
    industry: str = typer.Option(..., help="e.g. 'Specialty coffee subscriptions'."),
    tone: list[str] = typer.Option(..., help="A tone adjective; repeat for more."),
    voice: str = typer.Option(..., help="How the brand sounds, in a sentence or two."),
    value_proposition: list[str] = typer.Option(..., help="Repeat for more."),
    cta: list[str] = typer.Option(..., help="A call to action; repeat for more."),
    visual_style: str = typer.Option(..., help="What the pictures look like."),
    color: list[str] = typer.Option(
        ...,
        help="ROLE=#RRGGBB[:Name]; roles primary, background and text are required "
        "(others: secondary, accent, cta, cta_text).",
    ),
    logo: Path = typer.Option(..., help="A PNG (with transparency) or JPEG."),
    headline_font: Path = typer.Option(..., help="A .ttf or .otf file."),
    body_font: Path = typer.Option(..., help="A .ttf or .otf file."),
    persona_name: str = typer.Option(..., help="The first persona, e.g. 'Home baristas'."),
    persona_description: str = typer.Option(..., help="Who they are."),
    persona_age_range: str = typer.Option(..., help="e.g. 25-45."),
    persona_pain: list[str] = typer.Option(..., help="Repeat for more."),
    persona_motivation: list[str] = typer.Option(..., help="Repeat for more."),
    persona_channel: list[str] = typer.Option(
        ..., help="google_rsa, meta_feed, linkedin_sponsored or tiktok; repeat for more."
    ),
    persona_locale: str = typer.Option("en-US", help="Like en-US or de-DE."),
    slug: str = typer.Option("", help="Folder name (default: from the name)."),
    banned_phrase: list[str] = typer.Option([], help="Repeat for more."),
    acting: str = typer.Option(
        ..., "--as", envvar="STUDIO_USER", help="Username of the brand manager or admin."
    ),
    brand_dir: Path | None = typer.Option(
        None, help="Folder of brands (default: STUDIO_BRAND_DIR)."
    ),
) -> None:
    """Create a brand folder (what the app's new-brand wizard does), valid by `brands validate`."""
    root = brand_dir or settings().brand_dir
    spec = NewBrand(
        slug=slug,
        name=name,
        website=website,
        industry=industry,
        tone=tone,
        voice_description=voice,
        value_propositions=value_proposition,
        calls_to_action=cta,
        visual_style=visual_style,
        colors=[_color(c) for c in color],
        logo=UploadedFile.from_path(logo),
        headline_font=UploadedFile.from_path(headline_font),
        body_font=UploadedFile.from_path(body_font),
        banned_phrases=banned_phrase,
        persona=NewPersona(
            name=persona_name,
            description=persona_description,
            age_range=persona_age_range,
            pains=persona_pain,
            motivations=persona_motivation,
            preferred_channels=persona_channel,
            locale=persona_locale,
        ),
    )
    try:
        with database() as session:
            created = create_brand(session, root=root, spec=spec, author=acting)
    except NewBrandInvalid as exc:
        for error in exc.errors:
            typer.secho(f"bad {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {root / created}: {name}, persona {spec.persona.name!r}")
