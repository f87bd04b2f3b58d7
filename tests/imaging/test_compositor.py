"""The compositor: text stays in its box and the safe zone, logo placement, contrast panels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.imaging.compositor import AdCopy, Box, BrandKit, Composition, compose, fit_text
from studio.imaging.formats import IMAGE_FORMATS, LANDSCAPE, SQUARE, STORY, AdFormat, SafeZone
from studio.imaging.qc import check_image

LONG_HEADLINE = (
    "Single-origin beans roasted to order within forty-eight hours and shipped to your door, "
    "with tasting notes, brew guides and a subscription you can pause, skip or swap whenever you like"
)
UNBREAKABLE = "Supercalifragilisticexpialidociouslyroastedcoffeebeans " * 2

NARROW = AdFormat("image", 240, 600, SafeZone(20, 20, 20, 20), "2:5")


def _changed(composition: Composition) -> np.ndarray:
    final = np.asarray(composition.image, dtype=np.int16)
    plate = np.asarray(composition.plate, dtype=np.int16)
    return np.abs(final - plate).sum(axis=-1) > 0


def _inside(mask: np.ndarray, box: Box) -> bool:
    outside = mask.copy()
    outside[box.top : box.bottom, box.left : box.right] = False
    return not outside.any()


def _busy_background(width: int = 600, height: int = 600) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")


@pytest.mark.parametrize("headline", ["Fresh beans", LONG_HEADLINE, UNBREAKABLE])
@pytest.mark.parametrize("fmt", [*IMAGE_FORMATS.values(), NARROW], ids=lambda f: f.size_label)
def test_text_never_leaves_its_box(halden: BrandKit, fmt: AdFormat, headline: str) -> None:
    ad = compose(_busy_background(), AdCopy(headline, "Start your subscription today"), halden, fmt)
    layout = ad.layout
    assert ad.image.size == (fmt.width, fmt.height)
    changed = _changed(ad)
    assert changed.any(), "no text was drawn"
    for element in layout.text_elements:
        fitted = element.fitted
        assert fitted.box.contains(fitted.ink_box)
        assert layout.safe_box.contains(fitted.ink_box)
    # Every pixel the text changed lies inside the union of the two text boxes.
    allowed = np.zeros_like(changed)
    for element in layout.text_elements:
        ink = element.fitted.ink_box
        allowed[ink.top : ink.bottom, ink.left : ink.right] = True
    assert not (changed & ~allowed).any(), "a glyph was drawn outside its box"
    # The button text stays on the button.
    assert _inside(changed & _mask_of(changed.shape, layout.cta.fitted.ink_box), layout.button.box)


def _mask_of(shape: tuple[int, ...], box: Box) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[box.top : box.bottom, box.left : box.right] = True
    return mask


def test_long_headline_shrinks_before_it_wraps_off_the_box(halden: BrandKit) -> None:
    short = compose(_busy_background(), AdCopy("Fresh beans", "Shop now"), halden, SQUARE)
    long = compose(_busy_background(), AdCopy(LONG_HEADLINE, "Shop now"), halden, SQUARE)
    assert long.layout.headline.fitted.font_size < short.layout.headline.fitted.font_size
    assert len(long.layout.headline.fitted.lines) > len(short.layout.headline.fitted.lines)
    assert not long.layout.headline.fitted.truncated


def test_text_that_cannot_fit_is_cut_with_an_ellipsis_and_fails_qc(halden: BrandKit) -> None:
    ad = compose(_busy_background(), AdCopy(LONG_HEADLINE * 6, "Shop now"), halden, LANDSCAPE)
    fitted = ad.layout.headline.fitted
    assert fitted.truncated
    assert fitted.lines[-1].endswith("…")
    assert fitted.box.contains(fitted.ink_box)
    fit = next(
        c
        for c in check_image(ad, halden.palette)
        if c.rule == "text_fit" and c.element == "headline"
    )
    assert not fit.passed
    assert "shorten it" in fit.message


def test_fit_text_uses_the_largest_size_that_fits(halden: BrandKit) -> None:
    box = Box(0, 0, 300, 80)
    fitted = fit_text("Roasted to order", halden.headline_font, box, max_size=200, min_size=8)
    bigger = fit_text(
        "Roasted to order", halden.headline_font, box, max_size=200, min_size=fitted.font_size + 1
    )
    assert bigger.truncated, "one pixel larger should no longer fit"
    assert box.contains(fitted.ink_box)


def test_fit_text_explains_impossible_requests(halden: BrandKit) -> None:
    with pytest.raises(ValueError, match="min_size <= max_size"):
        fit_text("x", halden.headline_font, Box(0, 0, 100, 100), max_size=10, min_size=20)
    with pytest.raises(ValueError, match="cannot hold any text"):
        fit_text("x", halden.headline_font, Box(0, 0, 3, 3), max_size=40, min_size=30)


def test_ad_copy_rejects_empty_text() -> None:
    with pytest.raises(ValueError, match=r"AdCopy.headline must be non-empty text; received ' '"):
        AdCopy(" ", "Shop now")


@pytest.mark.parametrize("fmt", list(IMAGE_FORMATS.values()), ids=lambda f: f.size_label)
def test_logo_sits_top_left_in_the_safe_zone_unobstructed(
    ledgerly: BrandKit, fmt: AdFormat
) -> None:
    ad = compose(
        Image.new("RGB", (400, 400), (247, 249, 252)),
        AdCopy(LONG_HEADLINE, "Learn more"),
        ledgerly,
        fmt,
    )
    layout = ad.layout
    logo = layout.logo_box
    assert layout.safe_box.contains(logo)
    assert logo.left - layout.safe_box.left < fmt.width * 0.05
    assert logo.top - layout.safe_box.top < fmt.height * 0.05
    assert (logo.width, logo.height) == ad.logo.size
    assert abs(logo.width / logo.height - ledgerly.logo.width / ledgerly.logo.height) < 0.05
    for other in (layout.headline.fitted.ink_box, layout.button.box, layout.cta.fitted.ink_box):
        assert not logo.intersects(other)
    # The pasted pixels are the logo over the background: opaque logo pixels are the logo's own.
    placed = np.asarray(ad.image.crop(logo.as_tuple()), dtype=np.int16)
    logo_rgba = np.asarray(ad.logo, dtype=np.int16)
    opaque = logo_rgba[..., 3] == 255
    assert np.abs(placed[opaque] - logo_rgba[..., :3][opaque]).max() <= 1
    checks = {c.rule: c for c in check_image(ad, ledgerly.palette)}
    assert checks["logo_present"].passed and checks["logo_unobstructed"].passed


def test_dark_logo_on_dark_background_gets_a_plate(halden: BrandKit) -> None:
    espresso = Image.new("RGB", (400, 400), (59, 36, 24))
    ad = compose(espresso, AdCopy("Fresh beans", "Shop now"), halden, SQUARE)
    assert ad.layout.logo_plate is not None
    assert ad.layout.logo_plate.box.contains(ad.layout.logo_box)
    present = next(c for c in check_image(ad, halden.palette) if c.rule == "logo_present")
    assert present.passed and present.value is not None and present.value >= 3.0


@pytest.mark.parametrize("fmt", [SQUARE, STORY, LANDSCAPE], ids=lambda f: f.size_label)
def test_busy_backgrounds_get_a_panel_that_makes_text_readable(
    halden: BrandKit, fmt: AdFormat
) -> None:
    ad = compose(
        _busy_background(), AdCopy("Roasted within 48 hours of shipping", "Shop now"), halden, fmt
    )
    assert ad.layout.headline_panel is not None
    assert ad.layout.headline_panel.box.contains(ad.layout.headline.fitted.ink_box)
    contrast = next(
        c
        for c in check_image(ad, halden.palette)
        if c.rule == "text_contrast" and c.element == "headline"
    )
    assert contrast.passed, contrast.message


def test_plain_light_background_needs_no_panel(ledgerly: BrandKit) -> None:
    ad = compose(
        Image.new("RGB", (300, 300), (247, 249, 252)),
        AdCopy("Invoices, done", "Learn more"),
        ledgerly,
        SQUARE,
    )
    assert ad.layout.headline_panel is None
    assert ad.layout.headline.color == ledgerly.colors["text"]
