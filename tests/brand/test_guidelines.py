"""Brand files: every kind of invalid file is reported by file, field and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.brand.guidelines import editable_files, load_catalog, resolve_brand_file, validate_text


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_example_brands_are_valid_and_realistic(catalog):
    assert set(catalog.brands) == {"halden-coffee", "ledgerly"}
    industries = {b.guideline.industry for b in catalog.brands.values()}
    assert len(industries) == 2
    for brand in catalog.brands.values():
        assert len(brand.personas) == 3
        assert brand.logo_path.is_file()
        assert brand.headline_font_path.is_file() and brand.body_font_path.is_file()
        assert brand.guideline.approved_claims and brand.guideline.banned_phrases


def test_bad_yaml_names_file_and_line_and_other_brands_keep_working(brand_dir):
    (brand_dir / "ledgerly" / "guideline.yaml").write_text("name: Ledgerly\nvoice: [unclosed\n")
    catalog = load_catalog(brand_dir)
    assert "halden-coffee" in catalog.brands and "ledgerly" not in catalog.brands
    [error] = catalog.errors
    assert error.file == "ledgerly/guideline.yaml"
    assert error.field.startswith("line ")
    assert "invalid YAML" in error.problem


def test_missing_field(brand_dir):
    _edit(
        brand_dir / "halden-coffee" / "guideline.yaml",
        "website: https://haldencoffee.example\n",
        "",
    )
    errors = load_catalog(brand_dir).errors
    assert [(e.file, e.field, e.problem) for e in errors] == [
        ("halden-coffee/guideline.yaml", "website", "required field is missing")
    ]


def test_colour_that_is_not_hex(brand_dir):
    _edit(brand_dir / "halden-coffee" / "guideline.yaml", '"#3B2418"', '"espresso"')
    [error] = load_catalog(brand_dir).errors
    assert error.field == "colors[0].hex"
    assert "'espresso' is not a hex colour" in error.problem and "#RRGGBB" in error.problem


def test_missing_colour_role(brand_dir):
    _edit(brand_dir / "ledgerly" / "guideline.yaml", "role: background", "role: accent")
    [error] = load_catalog(brand_dir).errors
    assert "background" in error.problem and error.file == "ledgerly/guideline.yaml"


def test_logo_path_that_does_not_exist(brand_dir):
    (brand_dir / "ledgerly" / "logo.png").unlink()
    [error] = load_catalog(brand_dir).errors
    assert (error.file, error.field) == ("ledgerly/guideline.yaml", "logo")
    assert "'logo.png' does not exist" in error.problem


def test_file_reference_outside_brand_folder(brand_dir):
    _edit(
        brand_dir / "ledgerly" / "guideline.yaml",
        "logo: logo.png",
        "logo: ../halden-coffee/logo.png",
    )
    [error] = load_catalog(brand_dir).errors
    assert error.field == "logo" and "outside the brand folder" in error.problem


def test_unknown_field_and_wrong_type(brand_dir):
    _edit(brand_dir / "ledgerly" / "guideline.yaml", "industry:", "industy: typo\nindustry:")
    _edit(
        brand_dir / "ledgerly" / "guideline.yaml", "calls_to_action:\n", "calls_to_action: 7\nx_:\n"
    )
    fields = {e.field: e.problem for e in load_catalog(brand_dir).errors}
    assert "unknown field" in fields["industy"]
    assert "calls_to_action" in fields


def test_invalid_persona_is_reported_and_skipped(brand_dir):
    _edit(brand_dir / "ledgerly" / "personas" / "freelancers.yaml", "tiktok", "myspace")
    catalog = load_catalog(brand_dir)
    [error] = catalog.errors
    assert error.file == "ledgerly/personas/freelancers.yaml"
    assert error.field == "preferred_channels[1]"
    assert "'myspace' is not allowed" in error.problem
    assert set(catalog.brands["ledgerly"].personas) == {"finance-leads", "shop-owners"}


def test_persona_that_is_not_a_mapping(brand_dir):
    (brand_dir / "ledgerly" / "personas" / "freelancers.yaml").write_text("- just\n- a list\n")
    [error] = load_catalog(brand_dir).errors
    assert error.problem == "expected a mapping of fields"


def test_brand_folder_without_guideline(brand_dir):
    (brand_dir / "empty-brand").mkdir()
    catalog = load_catalog(brand_dir)
    assert [str(e) for e in catalog.errors] == [
        "empty-brand/guideline.yaml: missing: every brand folder needs a guideline.yaml"
    ]
    assert len(catalog.brands) == 2


def test_validate_text_does_not_touch_disk(brand_dir):
    path = "halden-coffee/personas/gift-buyers.yaml"
    before = (brand_dir / path).read_text()
    errors = validate_text(brand_dir, path, "name: [")
    assert errors and errors[0].file == path
    assert (brand_dir / path).read_text() == before


@pytest.mark.parametrize(
    "relative",
    [
        "../secrets.yaml",
        "/etc/passwd",
        "ledgerly/logo.png",
        "ledgerly/fonts/DejaVuSans.ttf",
        "ledgerly/personas/../../halden-coffee/guideline.yaml/..",
        "ledgerly/personas/x.txt",
    ],
)
def test_only_guideline_and_persona_files_inside_the_folder_are_editable(brand_dir, relative):
    with pytest.raises(ValueError, match=r"outside|not an editable"):
        resolve_brand_file(brand_dir, relative)


def test_editable_files_lists_guidelines_and_personas(brand_dir):
    files = editable_files(brand_dir)
    assert "ledgerly/guideline.yaml" in files
    assert "halden-coffee/personas/home-baristas.yaml" in files
    assert "ledgerly/platforms.yaml" in files  # export account settings (issue 14)
    assert len(files) == 10


def _add_product_photo(brand_dir: Path, entry: str) -> None:
    path = brand_dir / "halden-coffee" / "guideline.yaml"
    text = path.read_text()
    if "product_photos:" in text:
        text = text.split("product_photos:")[0]
    path.write_text(text + "product_photos:\n" + entry)


def _save_image(path: Path, fmt: str, mode: str = "RGBA") -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (8, 8), (10, 20, 30, 0) if mode == "RGBA" else (10, 20, 30)).save(path, fmt)


@pytest.mark.parametrize(
    ("name", "fmt", "mode", "background"),
    [
        ("product/bag.png", "PNG", "RGBA", "transparent"),
        ("product/bag.webp", "WEBP", "RGBA", "transparent"),
        ("bag.jpg", "JPEG", "RGB", "plain"),
    ],
)
def test_product_photos_are_optional_and_load_when_valid(brand_dir, name, fmt, mode, background):
    _save_image(brand_dir / "halden-coffee" / name, fmt, mode)
    _add_product_photo(
        brand_dir,
        f"  - file: {name}\n    description: A 250 g bag\n    licence: MIT, own render\n"
        f"    background: {background}\n",
    )
    catalog = load_catalog(brand_dir)
    assert catalog.errors == []
    brand = catalog.brands["halden-coffee"]
    [photo] = brand.guideline.product_photos
    assert (photo.file, photo.background, photo.licence) == (name, background, "MIT, own render")
    assert brand.product_photo_paths == [brand.root / name]
    # Optional: a guideline without product_photos loads with none.
    ledgerly = brand_dir / "ledgerly" / "guideline.yaml"
    ledgerly.write_text(ledgerly.read_text().split("product_photos:")[0])
    assert load_catalog(brand_dir).brands["ledgerly"].guideline.product_photos == []


@pytest.mark.parametrize(
    ("entry", "field", "problem"),
    [
        (
            "  - {file: missing.png, description: d, licence: MIT, background: transparent}\n",
            "product_photos[0].file",
            "file 'missing.png' does not exist in the brand folder",
        ),
        (
            "  - {file: ../ledgerly/logo.png, description: d, licence: MIT, background: plain}\n",
            "product_photos[0].file",
            "points outside the brand folder",
        ),
        (
            "  - {file: bag.gif, description: d, licence: MIT, background: plain}\n",
            "product_photos[0].file",
            "'bag.gif' is not an image file studio reads; allowed: .png, .jpg, .jpeg, .webp",
        ),
        (
            "  - {file: bag.jpg, description: d, licence: MIT, background: transparent}\n",
            "product_photos[0]",
            "'bag.jpg' cannot be transparent (a JPEG has no alpha channel)",
        ),
        (
            "  - {file: fake.png, description: d, licence: MIT, background: plain}\n",
            "product_photos[0].file",
            "'fake.png' is not a PNG, JPEG or WebP image",
        ),
        (
            "  - {file: logo.png, description: d, background: plain}\n",
            "product_photos[0].licence",
            "required field is missing",
        ),
        (
            "  - {file: logo.png, description: d, licence: MIT, background: white}\n",
            "product_photos[0].background",
            "'white' is not allowed",
        ),
    ],
)
def test_bad_product_photo_names_the_entry_and_the_problem(brand_dir, entry, field, problem):
    _save_image(brand_dir / "halden-coffee" / "bag.jpg", "JPEG", "RGB")
    (brand_dir / "halden-coffee" / "fake.png").write_text("not an image")
    _add_product_photo(brand_dir, entry)
    catalog = load_catalog(brand_dir)
    [error] = catalog.errors
    assert (error.file, error.field) == ("halden-coffee/guideline.yaml", field)
    assert problem in error.problem
    assert "halden-coffee" not in catalog.brands and "ledgerly" in catalog.brands
