"""What a guideline edit does to the ads, before it is saved: contrast, sample ads, a copy check.

* :func:`contrast_matrix` -- the WCAG contrast of every text/background pair the compositor's
  layouts draw (:data:`LAYOUT_PAIRS`), read from the colours as edited.
* :func:`sample_ads` -- a sample ad in two formats (square feed, landscape), drawn by the real
  compositor with the edited colours, fonts and logo on a background made from the palette; with
  the logo's drawn height, checked against ``logo_min_height_px``.
* :func:`sample_copy_check` -- the copy checks of :mod:`studio.copy.compliance` on a sample text.
* :func:`font_specimen`, :func:`logo_on` -- a font's specimen and the logo, on light and dark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from studio.brand.guidelines import Brand, Guideline
from studio.copy.channels import Violation
from studio.copy.compliance import ComplianceChecker
from studio.imaging.color import MIN_TEXT_CONTRAST, RGB, contrast_ratio, hex_to_rgb
from studio.imaging.compositor import AdCopy, BrandKit, compose
from studio.imaging.formats import LANDSCAPE, SQUARE, AdFormat

#: The text/background colour roles the compositor draws (studio.imaging.compositor): the
#: headline in the text colour on a light backdrop, in the background colour on a brand-colour
#: or a dark panel, and the call to action on its button.
LAYOUT_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("text", "background", "headline on a light backdrop"),
    ("background", "primary", "headline on a brand-colour panel"),
    ("background", "text", "headline on a dark panel"),
    ("cta_text", "cta", "call-to-action button"),
)
#: The two formats of the preview: a square feed ad and a landscape link ad.
PREVIEW_FORMATS: tuple[AdFormat, ...] = (SQUARE, LANDSCAPE)
PREVIEW_SCALE = 0.5


@dataclass(frozen=True)
class ContrastPair:
    """One text/background pair: colours, their WCAG ratio and whether it passes AA text."""

    text_role: str
    background_role: str
    text_hex: str
    background_hex: str
    ratio: float
    used_for: str

    @property
    def passes(self) -> bool:
        return self.ratio >= MIN_TEXT_CONTRAST


def contrast_matrix(guideline: Guideline) -> list[ContrastPair]:
    """The contrast of each pair in :data:`LAYOUT_PAIRS` (roles resolved as the compositor does:
    a missing ``cta`` is the primary colour, a missing ``cta_text`` the background)."""
    out = []
    for text_role, background_role, used_for in LAYOUT_PAIRS:
        text, background = guideline.color(text_role), guideline.color(background_role)
        out.append(
            ContrastPair(
                text_role,
                background_role,
                text.hex,
                background.hex,
                round(float(contrast_ratio(text.rgb, background.rgb)), 2),
                used_for,
            )
        )
    return out


@dataclass(frozen=True)
class SampleAd:
    """One preview image and what it shows about the logo size.

    Attributes
    ----------
    image : RGB at :data:`PREVIEW_SCALE` of the format's size.
    logo_height_px : the logo's height in the full-size ad (pixels).
    warnings : e.g. the logo drawn below the guideline's minimum height, text cut.
    """

    format: AdFormat
    image: Image.Image
    logo_height_px: int
    warnings: tuple[str, ...]


def _background(guideline: Guideline, width: int, height: int) -> Image.Image:
    """A soft diagonal gradient from the background colour to the primary, tinted light."""
    start = np.array(guideline.color("background").rgb, dtype=np.float64)
    end = np.array(guideline.color("primary").rgb, dtype=np.float64)
    end = start + (end - start) * 0.35
    ys, xs = np.mgrid[0:height, 0:width]
    t = ((xs / max(1, width - 1)) + (ys / max(1, height - 1))) / 2
    pixels = start + (end - start) * t[..., None]
    return Image.fromarray(pixels.round().astype(np.uint8), "RGB")


def sample_ads(
    root: Path, slug: str, guideline: Guideline, headline: str, cta: str
) -> list[SampleAd]:
    """The sample ad in each of :data:`PREVIEW_FORMATS`, drawn by the real compositor.

    ``root`` is the brand's folder (fonts and logo are read from it, as the guideline names
    them). Raises :class:`~studio.core.errors.InvalidValue` when the logo or a font cannot be
    read, naming the file.
    """
    kit = BrandKit.from_brand(Brand(slug=slug, root=root, guideline=guideline))
    copy = AdCopy(headline=headline, cta=cta)
    out = []
    for fmt in PREVIEW_FORMATS:
        small = fmt.scaled(PREVIEW_SCALE)
        composition = compose(_background(guideline, small.width, small.height), copy, kit, small)
        logo_height = round(composition.layout.logo_box.height / PREVIEW_SCALE)
        warnings = []
        minimum = guideline.logo_min_height_px
        if minimum is not None and logo_height < minimum:
            warnings.append(
                f"{fmt.size_label}: the logo is drawn about {logo_height} px tall, below the "
                f"brand's minimum of {minimum} px (logo_min_height_px)"
            )
        for element in composition.layout.text_elements:
            if element.fitted.truncated:
                warnings.append(
                    f"{fmt.size_label}: the {element.role} does not fit and is cut "
                    f"({element.fitted.text!r})"
                )
        out.append(SampleAd(fmt, composition.image, logo_height, tuple(warnings)))
    return out


def sample_copy_check(
    guideline: Guideline, text: str, channel: str = "meta_feed"
) -> list[Violation]:
    """The brand's text rules (banned phrases, claims and their expiry, shouting) on ``text``."""
    return ComplianceChecker(guideline).check_text(text, where="sample copy", channel=channel)


def font_specimen(
    path: Path, text: str, foreground: str, background: str, size: int = 36
) -> Image.Image:
    """``text`` set in the font at ``path`` (``size`` px), ``foreground`` on ``background`` (hex)."""
    font = ImageFont.truetype(str(path), size)
    left, top, right, bottom = font.getbbox(text)
    pad = size // 2
    image = Image.new(
        "RGB", (int(right - left) + 2 * pad, int(bottom - top) + 2 * pad), hex_to_rgb(background)
    )
    ImageDraw.Draw(image).text(
        (pad - left, pad - top), text, font=font, fill=hex_to_rgb(foreground)
    )
    return image


def logo_on(path: Path, background: str, height: int = 96) -> Image.Image:
    """The logo at ``height`` px on a ``background`` (hex) canvas with a margin."""
    with Image.open(path) as opened:
        logo = opened.convert("RGBA")
    width = max(1, round(logo.width * height / logo.height))
    logo = logo.resize((width, height), Image.Resampling.LANCZOS)
    pad = height // 3
    color: RGB = hex_to_rgb(background)
    canvas = Image.new("RGBA", (width + 2 * pad, height + 2 * pad), (*color, 255))
    canvas.alpha_composite(logo, (pad, pad))
    return canvas.convert("RGB")
