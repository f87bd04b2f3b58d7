"""The live preview's library: contrast pairs, sample ads by the real compositor, copy check."""

from __future__ import annotations

from studio.brand import forms, preview
from studio.brand.guidelines import Guideline
from studio.imaging.color import contrast_ratio


def _edited(brand_dir, **colors: str) -> Guideline:  # type: ignore[no-untyped-def]
    values = forms.form_values((brand_dir / "ledgerly" / "guideline.yaml").read_text())
    for item in values["colors"]:
        if item["role"] in colors:
            item["hex"] = colors[item["role"]]
    return Guideline.model_validate(values)


def test_contrast_matrix_covers_the_layout_pairs_and_follows_an_edit(catalog, brand_dir):
    guideline = catalog.brands["ledgerly"].guideline
    pairs = preview.contrast_matrix(guideline)
    assert [(p.text_role, p.background_role) for p in pairs] == [
        (t, b) for t, b, _ in preview.LAYOUT_PAIRS
    ]
    first = pairs[0]
    assert (first.text_hex, first.background_hex) == ("#14181F", "#F7F9FC")
    assert first.ratio == round(contrast_ratio((0x14, 0x18, 0x1F), (0xF7, 0xF9, 0xFC)), 2)
    assert all(p.passes for p in pairs)

    grey = preview.contrast_matrix(_edited(brand_dir, text="#B0B0B0"))
    assert grey[0].text_hex == "#B0B0B0" and not grey[0].passes and grey[0].ratio < 2.5
    assert grey[2].ratio != pairs[2].ratio  # the dark panel is the text colour too


def test_sample_ads_are_drawn_in_two_formats_and_change_with_the_colours(catalog, brand_dir):
    brand = catalog.brands["ledgerly"]
    ads = preview.sample_ads(brand.root, "ledgerly", brand.guideline, "Get paid faster", "Sign up")
    assert [a.format.aspect for a in ads] == ["1:1", "1.91:1"]
    assert [a.image.size for a in ads] == [(540, 540), (600, 314)]
    assert all(a.warnings == () for a in ads)
    recoloured = preview.sample_ads(
        brand.root, "ledgerly", _edited(brand_dir, cta="#C0392B"), "Get paid faster", "Sign up"
    )
    assert ads[0].image.tobytes() != recoloured[0].image.tobytes()
    minimum = ads[1].logo_height_px + 10
    values = brand.guideline.model_dump()
    values["logo_min_height_px"] = minimum
    strict = preview.sample_ads(
        brand.root, "ledgerly", Guideline.model_validate(values), "Get paid faster", "Sign up"
    )
    assert any(f"below the brand's minimum of {minimum} px" in w for w in strict[1].warnings)


def test_sample_copy_check_and_specimens(catalog):
    brand = catalog.brands["ledgerly"]
    found = preview.sample_copy_check(brand.guideline, "Guaranteed savings, the cheapest app")
    assert {v.rule for v in found} >= {"banned_phrase"}
    assert preview.sample_copy_check(brand.guideline, "Invoices that get paid.") == []
    light = preview.font_specimen(brand.headline_font_path, "Aa Bb", "#14181F", "#F7F9FC")
    dark = preview.font_specimen(brand.headline_font_path, "Aa Bb", "#F7F9FC", "#14181F")
    assert light.size == dark.size and light.getpixel((0, 0)) == (0xF7, 0xF9, 0xFC)
    logo = preview.logo_on(brand.logo_path, "#14181F", height=48)
    assert logo.height == 48 + 2 * 16 and logo.getpixel((0, 0)) == (0x14, 0x18, 0x1F)
