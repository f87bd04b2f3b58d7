"""Brand QC measures finished pixels: contrast at the WCAG boundary, logo, palette, videos."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from studio.imaging.compositor import (
    AdCopy,
    Box,
    BrandKit,
    Composition,
    Panel,
    compose,
    resolve_layout,
)
from studio.imaging.formats import SQUARE, STORY, VIDEO_FORMATS, SafeZone
from studio.imaging.layouts import Region
from studio.imaging.qc import (
    check_image,
    check_video,
    logo_clear_space,
    logo_size,
    palette_check,
    text_area,
    text_overlap,
    ui_zones,
)


def _grey_kit(kit: BrandKit, grey: tuple[int, int, int]) -> BrandKit:
    """A brand whose only colours are white and one grey, so no panel can rescue the text."""
    white = (255, 255, 255)
    colors = {role: white for role in kit.colors} | {"text": grey, "cta": (0, 0, 0)}
    return dataclasses.replace(kit, colors=colors, palette=(white, grey))


@pytest.mark.parametrize(
    ("grey", "passes", "ratio"), [((0x76,) * 3, True, 4.54), ((0x77,) * 3, False, 4.48)]
)
def test_text_contrast_is_measured_at_the_wcag_boundary(
    halden: BrandKit, grey: tuple[int, int, int], passes: bool, ratio: float
) -> None:
    kit = _grey_kit(halden, grey)
    ad = compose(
        Image.new("RGB", (200, 200), "white"),
        AdCopy("Grey on white", "Go"),
        kit,
        SQUARE.scaled(0.5),
    )
    check = next(
        c
        for c in check_image(ad, kit.palette)
        if c.rule == "text_contrast" and c.element == "headline"
    )
    assert check.passed is passes
    assert check.value == pytest.approx(ratio, abs=0.01)
    assert check.threshold == 4.5
    assert ("below" in check.message) is not passes


def test_logo_that_vanishes_into_its_backdrop_fails(halden: BrandKit) -> None:
    ad = compose(
        Image.new("RGB", (200, 200), (244, 233, 220)),
        AdCopy("Fresh", "Shop now"),
        halden,
        SQUARE.scaled(0.5),
    )
    box = ad.layout.logo_box
    # Paint the logo's surroundings in the logo's own ink colour: the mark disappears.
    ink = tuple(
        int(v)
        for v in np.median(np.asarray(ad.logo)[np.asarray(ad.logo)[..., 3] > 200][:, :3], axis=0)
    )
    plate = ad.plate.copy()
    plate.paste(Image.new("RGB", (box.width, box.height), ink), (box.left, box.top))
    plate.paste(ad.logo, (box.left, box.top), ad.logo)
    image = ad.image.copy()
    image.paste(plate.crop(box.as_tuple()), (box.left, box.top))
    hidden = dataclasses.replace(ad, plate=plate, image=image)
    present = next(c for c in check_image(hidden, halden.palette) if c.rule == "logo_present")
    assert not present.passed
    assert present.value is not None and present.value < 3.0


def test_text_drawn_over_the_logo_is_reported(halden: BrandKit) -> None:
    ad = compose(
        Image.new("RGB", (200, 200), (244, 233, 220)),
        AdCopy("Fresh", "Shop now"),
        halden,
        SQUARE.scaled(0.5),
    )
    image = ad.image.copy()
    box = ad.layout.logo_box
    image.paste((255, 0, 0), (box.left + 2, box.top + 2, box.left + 6, box.top + 6))
    checks = {c.rule: c for c in check_image(dataclasses.replace(ad, image=image), halden.palette)}
    assert not checks["logo_unobstructed"].passed
    assert "16 logo pixels drawn over" in checks["logo_unobstructed"].message


def test_palette_check(halden: BrandKit) -> None:
    on_brand = Image.new("RGB", (64, 64), halden.colors["background"])
    neon = Image.new("RGB", (64, 64), (0, 255, 0))
    assert palette_check(on_brand, halden.palette).passed
    off = palette_check(neon, halden.palette)
    assert not off.passed and off.value == 0.0


def test_every_check_serialises_for_the_asset_row(halden: BrandKit) -> None:
    ad = compose(
        Image.new("RGB", (100, 100), "white"), AdCopy("Fresh", "Shop"), halden, SQUARE.scaled(0.3)
    )
    rows = [c.as_dict() for c in check_image(ad, halden.palette)]
    rules = [r["rule"] for r in rows]
    assert rules == [
        "text_contrast",
        "text_contrast",
        "text_fit",
        "text_fit",
        "safe_zone",
        "ui_zones",
        "logo_present",
        "logo_unobstructed",
        "logo_size",
        "logo_clear_space",
        "text_area",
        "text_overlap",
        "cta_text",
        "palette",
    ]
    assert all(
        set(r) == {"rule", "element", "passed", "message", "value", "threshold"} for r in rows
    )


def test_video_checks_against_tiktok_limits() -> None:
    fmt = VIDEO_FORMATS["9:16"]
    good = check_video(
        channel="tiktok",
        fmt=fmt,
        codec="h264",
        width=1080,
        height=1920,
        duration_s=8.0,
        audio_codec="aac",
    )
    assert all(c.passed for c in good)
    bad = {
        c.rule: c
        for c in check_video(
            channel="tiktok",
            fmt=fmt,
            codec="hevc",
            width=540,
            height=960,
            duration_s=4.0,
            audio_codec=None,
        )
    }
    assert not bad["video_codec"].passed and "H.264" in bad["video_codec"].message
    assert not bad["video_audio"].passed and "the video is silent" in bad["video_audio"].message
    assert "sound track: aac" in next(c.message for c in good if c.rule == "video_audio")
    assert not bad["video_size"].passed and "720x1280" in bad["video_size"].message
    assert not bad["video_duration"].passed and "6-15 s" in bad["video_duration"].message


# ------------------------------------------------------------------------------------------------
# Each brand check fails on a deliberately bad image and passes on a good one.
# ------------------------------------------------------------------------------------------------

GOOD_COPY = AdCopy("Roasted within 48 hours", "Shop now")


def _good(kit: BrandKit, fmt=SQUARE.scaled(0.4)) -> Composition:  # type: ignore[no-untyped-def]
    return compose(Image.new("RGB", (50, 50), kit.colors["background"]), GOOD_COPY, kit, fmt)


def _with_logo(ad: Composition, logo: Image.Image, box: Box) -> Composition:
    """``ad`` as a bad compositor would have made it: ``logo`` pasted at ``box``."""
    plate = ad.plate.copy()
    plate.paste(logo, (box.left, box.top), logo)
    layout = dataclasses.replace(ad.layout, logo_box=box, logo_plate=None)
    return dataclasses.replace(ad, plate=plate, image=plate.copy(), logo=logo, layout=layout)


def test_logo_size_fails_for_a_tiny_and_a_huge_logo(halden: BrandKit) -> None:
    ad = _good(halden)
    good = logo_size(ad)
    assert good.passed and good.value == pytest.approx(0.075, abs=0.01)
    short = min(ad.image.size)
    for height, word in ((max(2, round(short * 0.02)), "lost"), (round(short * 0.25), "shouting")):
        width = round(halden.logo.width * height / halden.logo.height)
        logo = halden.logo.resize((width, height))
        box = Box(
            ad.layout.logo_box.left,
            ad.layout.logo_box.top,
            ad.layout.logo_box.left + width,
            ad.layout.logo_box.top + height,
        )
        bad = logo_size(_with_logo(ad, logo, box))
        assert not bad.passed and word in bad.message
        assert "of the short side (allowed 4%-15%)" in bad.message


def test_logo_clear_space_fails_when_words_crowd_the_logo(halden: BrandKit) -> None:
    ad = _good(halden)
    assert logo_clear_space(ad).passed
    # A layout whose headline starts right under the logo: the boxes say so.
    spec = resolve_layout("full_bleed", ad.layout.format)
    crowded = dataclasses.replace(spec, headline=Region(0, 0.09, 1, 0.5), valign="top")
    bad = logo_clear_space(
        compose(
            Image.new("RGB", (50, 50), "white"), GOOD_COPY, halden, ad.layout.format, layout=crowded
        )
    )
    assert (
        not bad.passed
        and "headline" in bad.message
        and "within the logo's clear space" in bad.message
    )
    # Glyph pixels drawn beside the logo (no box planned there): the pixels say so.
    image = ad.image.copy()
    box = ad.layout.logo_box
    image.paste((20, 20, 20), (box.right + 1, box.top, box.right + 3, box.top + 4))
    pixels = logo_clear_space(dataclasses.replace(ad, image=image))
    assert not pixels.passed and "8 text pixels" in pixels.message


def test_text_area_fails_when_words_fill_the_image(halden: BrandKit) -> None:
    ad = _good(halden)
    assert text_area(ad).passed and ad.layout is not None
    spec = resolve_layout("headline_first", ad.layout.format)
    shouting = dataclasses.replace(spec, headline=Region(0, 0.15, 1, 0.84), headline_scale=0.3)
    words = "Roasted within 48 hours of shipping and at your door by Friday morning, every week"
    bad = text_area(
        compose(
            Image.new("RGB", (50, 50), "white"),
            AdCopy(words, "Shop now"),
            halden,
            ad.layout.format,
            layout=shouting,
        )
    )
    assert not bad.passed and bad.value is not None and bad.value > 0.4
    assert "the picture is crowded out" in bad.message


def test_ui_zones_fail_when_a_format_ignores_tiktoks_interface(halden: BrandKit) -> None:
    tiktok = VIDEO_FORMATS["9:16"].scaled(0.25)
    good = ui_zones(_good(halden, tiktok))
    assert good.passed and "TikTok caption and profile" in good.message
    # The same size with a plain 6 % margin: the button lands under the caption and profile.
    careless = dataclasses.replace(tiktok, safe_zone=SafeZone(16, 16, 16, 16))
    bad = ui_zones(_good(halden, careless))
    assert not bad.passed
    assert "button under the TikTok caption and profile" in bad.message
    assert "under the TikTok action buttons" in bad.message or "cta under" in bad.message
    # The safe zone check sees a button moved off the safe area too.
    ad = _good(halden, tiktok)
    moved = Box(
        2, ad.layout.button.box.top, 2 + ad.layout.button.box.width, ad.layout.button.box.bottom
    )
    off = dataclasses.replace(
        ad, layout=dataclasses.replace(ad.layout, button=Panel(moved, (0, 0, 0), 1.0))
    )
    safe = {c.rule: c for c in check_image(off, halden.palette)}["safe_zone"]
    assert not safe.passed and "button outside the 270x480 safe zone" in safe.message
    assert {c.rule: c for c in check_image(ad, halden.palette)}["safe_zone"].passed
    story = ui_zones(_good(halden, STORY.scaled(0.25)))
    assert story.passed and "Stories/Reels reply bar and button" in story.message
    assert ui_zones(_good(halden)).message == "432x432 has no interface over it"


def test_text_overlap_fails_when_the_headline_sits_on_the_product(halden: BrandKit) -> None:
    fmt = SQUARE.scaled(0.4)
    product = Image.new("RGBA", (40, 40), (200, 30, 30, 255))
    copy = AdCopy("Roasted within 48 hours of shipping", "Shop now")
    ground = Image.new("RGB", (50, 50), halden.colors["background"])
    good = text_overlap(compose(ground, copy, halden, fmt, layout="product_hero", product=product))
    assert good.passed and "product" in good.message
    spec = resolve_layout("product_hero", fmt)
    on_top = dataclasses.replace(spec, product=spec.headline)
    bad = text_overlap(compose(ground, copy, halden, fmt, layout=on_top, product=product))
    assert not bad.passed
    assert "headline box meets the product box" in bad.message
    assert "text pixels lie on the product" in bad.message
