"""Brand QC measures finished pixels: contrast at the WCAG boundary, logo, palette, videos."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from studio.imaging.compositor import AdCopy, BrandKit, compose
from studio.imaging.formats import SQUARE, VIDEO_FORMATS
from studio.imaging.qc import check_image, check_video, palette_check


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
        "logo_present",
        "logo_unobstructed",
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
        channel="tiktok", fmt=fmt, codec="h264", width=1080, height=1920, duration_s=8.0
    )
    assert all(c.passed for c in good)
    bad = {
        c.rule: c
        for c in check_video(
            channel="tiktok", fmt=fmt, codec="hevc", width=540, height=960, duration_s=4.0
        )
    }
    assert not bad["video_codec"].passed and "H.264" in bad["video_codec"].message
    assert not bad["video_size"].passed and "720x1280" in bad["video_size"].message
    assert not bad["video_duration"].passed and "6-15 s" in bad["video_duration"].message
