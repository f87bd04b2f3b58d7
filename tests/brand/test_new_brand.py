"""A new brand from the wizard's answers (library and ``studio brands new``): a valid folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from studio.brand.guidelines import load_catalog
from studio.brand.new_brand import (
    NewBrand,
    NewBrandInvalid,
    NewColor,
    NewPersona,
    UploadedFile,
    create_brand,
)
from studio.brand.store import history
from studio.cli import app
from studio.core import audit
from studio.review.accounts import PermissionDenied
from tests.people import add_people

EXAMPLE = Path(__file__).resolve().parents[2] / "brand_guidelines" / "ledgerly"


def _spec(**changes) -> NewBrand:  # type: ignore[no-untyped-def]
    values = dict(
        name="Fjord Bikes",
        website="https://fjordbikes.example",
        industry="Electric city bikes",
        tone=["calm", "practical"],
        voice_description="Plain words about getting around town.",
        value_propositions=["Ride to work without arriving sweaty"],
        calls_to_action=["Book a test ride"],
        visual_style="Bright streets, riders in everyday clothes.",
        colors=[
            NewColor("Fjord", "#0B3D5C", "primary"),
            NewColor("Snow", "#FAFAF7", "background"),
            NewColor("Night", "#111418", "text"),
        ],
        logo=UploadedFile.from_path(EXAMPLE / "logo.png"),
        headline_font=UploadedFile.from_path(EXAMPLE / "fonts" / "DejaVuSans-Bold.ttf"),
        body_font=UploadedFile.from_path(EXAMPLE / "fonts" / "DejaVuSans.ttf"),
        persona=NewPersona(
            name="City commuters",
            description="Office workers who ride 5-15 km each way.",
            age_range="25-50",
            pains=["crowded trains"],
            motivations=["arrive fresh"],
            preferred_channels=["meta_feed", "tiktok"],
        ),
    )
    values.update(changes)
    return NewBrand(**values)  # type: ignore[arg-type]


def test_create_brand_makes_a_valid_versioned_folder(session, brand_dir):
    add_people(session)
    slug = create_brand(session, root=brand_dir, spec=_spec(), author="bea")
    assert slug == "fjord-bikes"
    assert not (brand_dir / slug / "guideline.yaml").exists()  # appears on commit
    session.commit()
    catalog = load_catalog(brand_dir)
    assert not catalog.errors, catalog.errors
    brand = catalog.brands["fjord-bikes"]
    assert brand.guideline.name == "Fjord Bikes"
    assert brand.guideline.color("primary").hex == "#0B3D5C"
    assert list(brand.personas) == ["city-commuters"]
    assert brand.logo_path.read_bytes() == (EXAMPLE / "logo.png").read_bytes()
    text = (brand_dir / slug / "guideline.yaml").read_text()
    assert text.startswith("# Fjord Bikes: created with the new-brand wizard.")
    [version] = history(session, path="fjord-bikes/guideline.yaml")
    assert version.content == text and version.author == "bea"
    [entry] = audit.list_entries(session, action="brand.create")
    assert (
        entry.entity_id == "fjord-bikes" and "personas/city-commuters.yaml" in entry.after["files"]
    )


def test_bad_answers_are_refused_by_file_and_field_and_nothing_is_written(session, brand_dir):
    add_people(session)
    spec = _spec(
        website="fjordbikes",
        colors=[NewColor("Fjord", "blue", "primary"), NewColor("Snow", "#FAFAF7", "background")],
    )
    with pytest.raises(NewBrandInvalid) as caught:
        create_brand(session, root=brand_dir, spec=spec, author="bea")
    fields = {(e.file, e.field) for e in caught.value.errors}
    assert ("fjord-bikes/guideline.yaml", "website") in fields
    assert ("fjord-bikes/guideline.yaml", "colors[0].hex") in fields
    assert not (brand_dir / "fjord-bikes").exists()
    with pytest.raises(NewBrandInvalid, match="already exists"):
        create_brand(session, root=brand_dir, spec=_spec(slug="ledgerly"), author="bea")
    with pytest.raises(NewBrandInvalid, match="cannot be used"):
        create_brand(
            session,
            root=brand_dir,
            spec=_spec(logo=UploadedFile("logo.png", b"not an image")),
            author="bea",
        )
    with pytest.raises(PermissionDenied):
        create_brand(session, root=brand_dir, spec=_spec(), author="cara")
    assert sorted(p.name for p in brand_dir.iterdir()) == ["halden-coffee", "ledgerly"]


def test_cli_brands_new(studio_env, brand_dir, tmp_path):
    from sqlmodel import Session

    from studio.core.database import get_engine

    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        add_people(session)
    args = ["brands", "new", "--as", "bea", "--name", "Fjord Bikes"]
    args += ["--website", "https://fjordbikes.example", "--industry", "Electric city bikes"]
    args += ["--tone", "calm", "--tone", "practical", "--voice", "Plain words."]
    args += ["--value-proposition", "Ride to work", "--cta", "Book a test ride"]
    args += ["--visual-style", "Bright streets."]
    args += ["--color", "primary=#0B3D5C:Fjord", "--color", "background=#FAFAF7"]
    args += ["--color", "text=#111418", "--logo", str(EXAMPLE / "logo.png")]
    args += ["--headline-font", str(EXAMPLE / "fonts" / "DejaVuSans-Bold.ttf")]
    args += ["--body-font", str(EXAMPLE / "fonts" / "DejaVuSans.ttf")]
    args += ["--persona-name", "City commuters", "--persona-description", "Commuters."]
    args += ["--persona-age-range", "25-50", "--persona-pain", "crowded trains"]
    args += ["--persona-motivation", "arrive fresh", "--persona-channel", "meta_feed"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    validated = CliRunner().invoke(app, ["brands", "validate"])
    assert validated.exit_code == 0, validated.output
    assert "3 brands valid" in validated.output
    colors = load_catalog(brand_dir).brands["fjord-bikes"].guideline.colors
    assert [(c.name, c.role) for c in colors] == [
        ("Fjord", "primary"),
        ("Background", "background"),
        ("Text", "text"),
    ]

    again = CliRunner().invoke(app, [*args[:5], "Fjord Bikes 2", *args[6:], "--color", "x"])
    assert again.exit_code == 1
    assert "ROLE=#RRGGBB" in again.output


def test_personas_are_created_duplicated_retired_and_brought_back(session, brand_dir):
    from studio.brand import personas
    from studio.core.errors import InvalidValue

    add_people(session)
    path = personas.create_persona(
        session,
        root=brand_dir,
        brand="ledgerly",
        persona=NewPersona(
            name="Bookkeepers",
            description="Part-time bookkeepers serving several small clients.",
            age_range="30-60",
            pains=["chasing receipts"],
            motivations=["clean books"],
            preferred_channels=["linkedin_sponsored"],
        ),
        author="bea",
    )
    session.commit()
    assert path == "ledgerly/personas/bookkeepers.yaml"
    copy = personas.duplicate_persona(session, root=brand_dir, path=path, author="bea")
    session.commit()
    assert copy == "ledgerly/personas/bookkeepers-copy.yaml"
    brand = load_catalog(brand_dir).brands["ledgerly"]
    assert brand.personas["bookkeepers-copy"].name == "Bookkeepers (copy)"

    personas.set_retired(session, root=brand_dir, path=path, retired=True, author="bea")
    session.commit()
    brand = load_catalog(brand_dir).brands["ledgerly"]
    assert "bookkeepers" in brand.retired_personas and "bookkeepers" not in brand.personas
    assert history(session, path=path)[0].message == "retired"
    personas.set_retired(session, root=brand_dir, path=path, retired=False, author="bea")
    session.commit()
    assert "bookkeepers" in load_catalog(brand_dir).brands["ledgerly"].personas

    for slug in ("finance-leads", "freelancers", "shop-owners", "bookkeepers"):
        personas.set_retired(
            session,
            root=brand_dir,
            path=f"ledgerly/personas/{slug}.yaml",
            retired=True,
            author="bea",
        )
        session.commit()
    with pytest.raises(InvalidValue, match="last active persona"):
        personas.set_retired(session, root=brand_dir, path=copy, retired=True, author="bea")
    with pytest.raises(PermissionDenied):
        personas.duplicate_persona(session, root=brand_dir, path=copy, author="cara")
