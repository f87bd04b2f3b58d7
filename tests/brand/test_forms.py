"""Brand forms: form and YAML round-trip without losing a field or a comment; one validator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from studio.brand import forms
from studio.brand.guidelines import (
    ApprovedClaim,
    Guideline,
    Persona,
    ProductPhoto,
    load_catalog,
    validate_text,
)

BRANDS = ["halden-coffee", "ledgerly"]


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1] for line in text.splitlines() if line.lstrip().startswith("#")]


def _files(brand_dir: Path) -> list[Path]:
    return sorted(brand_dir.glob("*/guideline.yaml")) + sorted(brand_dir.glob("*/personas/*.yaml"))


def test_every_schema_field_has_a_form():
    guideline_paths = {f.path for f in forms.form_fields(forms.GUIDELINE_SECTIONS)}
    assert forms.schema_fields(Guideline) == guideline_paths
    persona_paths = {f.path for f in forms.form_fields(forms.PERSONA_SECTIONS)}
    assert forms.schema_fields(Persona) == persona_paths
    [claims] = [
        f for f in forms.form_fields(forms.GUIDELINE_SECTIONS) if f.path == "approved_claims"
    ]
    assert {c.path for c in claims.columns} == set(ApprovedClaim.model_fields)
    [photos] = [
        f for f in forms.form_fields(forms.GUIDELINE_SECTIONS) if f.path == "product_photos"
    ]
    assert {c.path for c in photos.columns} == set(ProductPhoto.model_fields)


@pytest.mark.parametrize("brand", BRANDS)
def test_unedited_form_gives_back_the_file_byte_for_byte(brand_dir, brand):
    for path in _files(brand_dir / brand):
        text = path.read_text()
        assert forms.apply_form(text, forms.form_values(text)) == text, path


@pytest.mark.parametrize("brand", BRANDS)
def test_form_values_hold_every_field_of_the_loaded_brand(brand_dir, brand):
    loaded = load_catalog(brand_dir).brands[brand]
    values = forms.form_values((brand_dir / brand / "guideline.yaml").read_text())
    assert Guideline.model_validate(values) == loaded.guideline
    for slug, persona in loaded.personas.items():
        text = (brand_dir / brand / "personas" / f"{slug}.yaml").read_text()
        assert Persona.model_validate(forms.form_values(text)) == persona


@pytest.mark.parametrize("brand", BRANDS)
def test_form_edit_keeps_comments_unknown_keys_and_other_fields(brand_dir, brand):
    path = brand_dir / brand / "guideline.yaml"
    text = "# kept: a comment above an unknown key\nlegacy_note: keep me  # and its comment\n"
    text += path.read_text()
    values = forms.form_values(text)
    values["banned_phrases"] = ["instant riches", *values["banned_phrases"]]
    values["colors"][0]["hex"] = "#102030"
    values["approved_claims"][0]["expires"] = date(2027, 1, 31)
    edited = forms.apply_form(text, values)

    assert _comments(edited) == _comments(text) and _comments(text)
    assert "legacy_note: keep me  # and its comment" in edited
    after = forms.form_values(edited)
    assert after == values
    before = forms.form_values(text)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"banned_phrases", "colors", "approved_claims"}
    # Only the edited lines differ.
    old_lines, new_lines = text.splitlines(), edited.splitlines()
    assert len(set(new_lines) - set(old_lines)) <= 3


def test_empty_optional_fields_are_left_out_not_written_empty(brand_dir):
    text = (brand_dir / "ledgerly" / "guideline.yaml").read_text()
    values = forms.form_values(text)
    values["approved_claims"][0]["source"] = ""
    values["approved_claims"][0]["expires"] = None
    values["logo_min_height_px"] = None
    values["negative_prompts"] = []
    cleaned = forms.without_empty(values, forms.form_fields(forms.GUIDELINE_SECTIONS))
    assert "negative_prompts" not in cleaned and "logo_min_height_px" not in cleaned
    assert set(cleaned["approved_claims"][0]) == {"id", "text", "evidence"}
    edited = forms.apply_form(text, cleaned)
    assert "negative_prompts" not in edited
    assert Guideline.model_validate(forms.form_values(edited)).negative_prompts == []


def test_field_errors_are_those_of_brands_validate_by_field_path(brand_dir):
    relative = "ledgerly/guideline.yaml"
    text = (brand_dir / relative).read_text()
    values = forms.form_values(text)
    values["colors"][2]["hex"] = "navy"
    values["voice"]["tone"] = []
    values["website"] = "ledgerly"
    edited = forms.apply_form(text, values)
    errors = forms.field_errors(brand_dir, relative, edited)
    expected = {e.field: e.problem for e in validate_text(brand_dir, relative, edited)}
    assert {k: v[0] for k, v in errors.items()} == expected
    assert set(errors) == {"colors[2].hex", "voice.tone", "website"}
    assert "'navy' is not a hex colour" in errors["colors[2].hex"][0]
    assert forms.errors_under(errors, "colors") == ["colors[2].hex: " + errors["colors[2].hex"][0]]


def test_form_keeps_the_yaml_safety_limits():
    with pytest.raises(forms.FormDocumentInvalid, match="aliases"):
        forms.load_document("a: &x [1]\nb: *x\n", "x/guideline.yaml")
    deep = "a: " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(forms.FormDocumentInvalid, match="nested more than"):
        forms.load_document(deep, "x/guideline.yaml")
    with pytest.raises(forms.FormDocumentInvalid, match="mapping"):
        forms.load_document("- a\n- b\n", "x/guideline.yaml")


def test_expired_claim_date_and_retired_persona_load(brand_dir):
    path = brand_dir / "ledgerly" / "guideline.yaml"
    values = forms.form_values(path.read_text())
    values["approved_claims"][2]["expires"] = date(2026, 1, 31)
    path.write_text(forms.apply_form(path.read_text(), values))
    persona = brand_dir / "ledgerly" / "personas" / "freelancers.yaml"
    persona.write_text(persona.read_text() + "retired: true\n")
    brand = load_catalog(brand_dir).brands["ledgerly"]
    claim = brand.guideline.approved_claims[2]
    assert claim.expires == date(2026, 1, 31)
    assert claim.expired(date(2026, 2, 1)) and not claim.expired(date(2026, 1, 31))
    assert "freelancers" not in brand.personas and "freelancers" in brand.retired_personas
    assert brand.persona("freelancers").name == "Freelancers"
