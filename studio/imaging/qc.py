"""Brand QC for finished images and videos, listed like copy violations.

Every check measures the finished pixels (or the encoded file), not the compositor's plan:

* ``text_contrast`` (headline, cta): WCAG contrast between the text colour and the pixels
  under its glyphs, at the 5th percentile, must be >= 4.5.
* ``text_fit``: no text was cut with an ellipsis to fit.
* ``safe_zone``: every glyph, the logo and the button lie inside the platform safe zone.
* ``ui_zones``: none of them lies under a platform's interface (Stories/Reels profile and reply
  bars, TikTok's tabs, caption and action buttons: :data:`studio.imaging.formats.TIKTOK_ZONES`).
* ``logo_present``: the logo is on the image and stands out from what is behind it
  (contrast >= 3, WCAG's figure for graphics).
* ``logo_unobstructed``: nothing overlaps the logo and its pixels are exactly as pasted.
* ``logo_size``: the logo is 4-15 % of the short side; ``logo_clear_space``: nothing within a
  quarter of its height around it (boxes and glyph pixels).
* ``text_area``: the words' boxes cover at most 40 % of the image.
* ``text_overlap``: no text on the product, the logo or the background motifs, by box and by
  pixel.
* ``cta_text``: the button reads the variant's call to action, whole.
* ``palette``: most of the image is close to a brand colour (CIE76 distance).
* videos: ``video_codec``, ``video_audio`` (a sound track), ``video_size``, ``video_duration``
  against the channel's limits.

Each check is a :class:`QcCheck`; ``as_dict()`` is what :class:`studio.core.models.Asset` stores in
``qc`` (``passed`` is the key ``Asset.qc_passed`` reads).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageChops

from studio.imaging.color import (
    MIN_GRAPHIC_CONTRAST,
    MIN_TEXT_CONTRAST,
    RGB,
    contrast_ratio,
    delta_e,
)
from studio.imaging.compositor import Box, Composition, TextElement
from studio.imaging.formats import CLIP_MAX_S, CLIP_MIN_S, MIN_VIDEO_SIZE, AdFormat

#: A pixel is "on palette" within this CIE76 distance of a brand colour (about the step
#: between neighbouring tints a designer would still call the same colour).
PALETTE_DELTA_E = 20.0
#: Share of the image (by area) that must be on palette.
PALETTE_MIN_SHARE = 0.5
#: Logo height as a share of the canvas's short side: below it the mark is lost on a phone,
#: above it the ad shouts (the compositor sizes it at 7.5 %).
LOGO_MIN_SHARE = 0.04
LOGO_MAX_SHARE = 0.15
#: Clear space around the logo, in logo heights (a common brand-book rule: a quarter).
LOGO_CLEAR_SPACE = 0.25
#: Most of the canvas the words' boxes may cover (Meta's text-overlay guidance said 20 % of the
#: image; a typographic layout is allowed more, never most of it).
TEXT_AREA_MAX = 0.4


@dataclass(frozen=True)
class QcCheck:
    """One brand check on one file.

    Attributes
    ----------
    rule : the check's id, e.g. ``"text_contrast"``.
    element : what was checked (``"headline"``, ``"cta"``, ``"logo"``, ``"image"``, ``"video"``).
    passed : whether the file meets the rule.
    message : a sentence for the reviewer: what was measured, against what.
    value, threshold : the measured figure and the limit it is compared with, when numeric.
    """

    rule: str
    element: str
    passed: bool
    message: str
    value: float | None = None
    threshold: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text_contrast(composition: Composition, element: TextElement) -> QcCheck:
    box = element.fitted.ink_box
    final = np.asarray(composition.image.crop(box.as_tuple()), dtype=np.int16)
    plate = np.asarray(composition.plate.crop(box.as_tuple()), dtype=np.float64)
    ink = np.abs(final - plate.astype(np.int16)).sum(axis=-1) > 0
    if not ink.any():
        return QcCheck(
            "text_contrast", element.role, False, f"no {element.role} text is visible on the image"
        )
    ratios = np.asarray(contrast_ratio(np.asarray(element.color, dtype=np.float64), plate[ink]))
    worst = float(np.percentile(ratios, 5))
    passed = worst >= MIN_TEXT_CONTRAST
    verdict = "meets" if passed else "is below"
    return QcCheck(
        "text_contrast",
        element.role,
        passed,
        f"{element.role} contrast {worst:.2f}:1 {verdict} the WCAG minimum {MIN_TEXT_CONTRAST}:1",
        round(worst, 3),
        MIN_TEXT_CONTRAST,
    )


def _text_fit(element: TextElement) -> QcCheck:
    fitted = element.fitted
    if fitted.truncated:
        return QcCheck(
            "text_fit",
            element.role,
            False,
            f"{element.role} ({len(fitted.text)} characters) does not fit {fitted.box.width}x{fitted.box.height} px "
            f"even at {fitted.font_size} px and was cut to {' '.join(fitted.lines)!r}; shorten it",
        )
    return QcCheck(
        "text_fit",
        element.role,
        True,
        f"{element.role} fits in {len(fitted.lines)} line(s) at {fitted.font_size} px",
        float(fitted.font_size),
    )


def _parts(composition: Composition) -> dict[str, Box]:
    """Everything that must stay readable and uncovered: logo, button, words, badge, stars."""
    layout = composition.layout
    parts: dict[str, Box] = {"logo": layout.logo_box, "button": layout.button.box}
    parts |= {e.role: e.fitted.ink_box for e in layout.text_elements}
    if layout.offer_disc is not None:
        parts["offer badge"] = layout.offer_disc.box
    if layout.stars_box is not None:
        parts["stars"] = layout.stars_box
    return parts


def _safe_zone(composition: Composition) -> QcCheck:
    layout = composition.layout
    parts = _parts(composition)
    outside = [name for name, box in parts.items() if not layout.safe_box.contains(box)]
    if outside:
        return QcCheck(
            "safe_zone",
            "image",
            False,
            f"{', '.join(outside)} outside the {layout.format.size_label} safe zone",
        )
    return QcCheck("safe_zone", "image", True, "logo, headline and button inside the safe zone")


def _logo_checks(composition: Composition) -> list[QcCheck]:
    layout = composition.layout
    box = layout.logo_box
    logo = np.asarray(composition.logo, dtype=np.float64)
    if logo.shape[:2] != (box.height, box.width):
        return [
            QcCheck(
                "logo_present", "logo", False, "the logo is missing or was resized after placement"
            )
        ]
    placed = np.asarray(composition.plate.crop(box.as_tuple()), dtype=np.float64)
    alpha = logo[..., 3]
    ink_mask, clear_mask = alpha > 200, alpha < 16
    if not ink_mask.any():
        present = QcCheck("logo_present", "logo", False, "the logo image has no opaque pixels")
    else:
        ink = np.median(placed[ink_mask], axis=0)
        # What surrounds the mark: its transparent pixels, or a ring around the box if it has none.
        ring = (
            placed[clear_mask]
            if clear_mask.sum() > 16
            else np.asarray(
                composition.plate.crop(
                    box.expanded(
                        max(2, box.height // 4), Box(0, 0, *composition.plate.size)
                    ).as_tuple()
                ),
                dtype=np.float64,
            ).reshape(-1, 3)
        )
        ratio = float(contrast_ratio(ink, np.median(ring, axis=0)))
        present = QcCheck(
            "logo_present",
            "logo",
            ratio >= MIN_GRAPHIC_CONTRAST,
            f"logo stands out from its backdrop at {ratio:.2f}:1 (minimum {MIN_GRAPHIC_CONTRAST}:1)",
            round(ratio, 3),
            MIN_GRAPHIC_CONTRAST,
        )
    overlapping = [
        name
        for name, other in (
            ("headline", layout.headline.fitted.ink_box),
            (
                "headline panel",
                # A scrim lies under the logo (the logo is pasted over it); a panel lies over.
                layout.headline_panel.box
                if layout.headline_panel and layout.headline_panel.shape != "scrim"
                else None,
            ),
            ("button", layout.button.box),
        )
        if other is not None and other.intersects(box)
    ]
    final = np.asarray(composition.image.crop(box.as_tuple()), dtype=np.int16)
    changed = int((np.abs(final - placed.astype(np.int16)).sum(axis=-1) > 0).sum())
    if overlapping or changed:
        reason = (
            f"overlapped by {', '.join(overlapping)}"
            if overlapping
            else f"{changed} logo pixels drawn over"
        )
        unobstructed = QcCheck("logo_unobstructed", "logo", False, f"logo is obstructed: {reason}")
    else:
        unobstructed = QcCheck("logo_unobstructed", "logo", True, "nothing overlaps the logo")
    return [present, unobstructed]


def logo_size(composition: Composition) -> QcCheck:
    """The logo's height as a share of the canvas's short side, within the brand's bounds."""
    layout = composition.layout
    short = min(layout.format.width, layout.format.height)
    share = layout.logo_box.height / short
    low, high = LOGO_MIN_SHARE, LOGO_MAX_SHARE
    passed = low <= share <= high
    return QcCheck(
        "logo_size",
        "logo",
        passed,
        f"logo is {layout.logo_box.height} px high, {share:.1%} of the short side "
        f"(allowed {low:.0%}-{high:.0%})"
        + ("" if passed else "; it would be " + ("lost" if share < low else "shouting")),
        round(share, 4),
        low if share < low else high,
    )


def logo_clear_space(composition: Composition) -> QcCheck:
    """Nothing within :data:`LOGO_CLEAR_SPACE` logo heights of the logo but its plate.

    Boxes (button, words, badge, stars, product) must stay out of the ring around the logo,
    and no glyph pixel may fall in it.
    """
    layout = composition.layout
    canvas = Box(0, 0, layout.format.width, layout.format.height)
    margin = max(1, round(layout.logo_box.height * LOGO_CLEAR_SPACE))
    ring = layout.logo_box.expanded(margin, canvas)
    others = {name: box for name, box in _parts(composition).items() if name != "logo"}
    if layout.product_box is not None:
        others["product"] = layout.product_box
    crowding = sorted(name for name, box in others.items() if box.intersects(ring))
    final = np.asarray(composition.image.crop(ring.as_tuple()), dtype=np.int16)
    plate = np.asarray(composition.plate.crop(ring.as_tuple()), dtype=np.int16)
    ink = int((np.abs(final - plate).sum(axis=-1) > 0).sum())
    if crowding or ink:
        what = ", ".join(crowding) if crowding else f"{ink} text pixels"
        return QcCheck(
            "logo_clear_space",
            "logo",
            False,
            f"{what} within the logo's clear space ({margin} px, "
            f"{LOGO_CLEAR_SPACE:g} of its height)",
            float(ink),
            0.0,
        )
    return QcCheck(
        "logo_clear_space",
        "logo",
        True,
        f"nothing within {margin} px of the logo ({LOGO_CLEAR_SPACE:g} of its height)",
        0.0,
        0.0,
    )


def text_area(composition: Composition) -> QcCheck:
    """Share of the canvas covered by the words' boxes (union), at most :data:`TEXT_AREA_MAX`."""
    layout = composition.layout
    covered = np.zeros((layout.format.height, layout.format.width), dtype=bool)
    for element in layout.text_elements:
        box = element.fitted.ink_box
        covered[box.top : box.bottom, box.left : box.right] = True
    share = float(covered.mean())
    passed = share <= TEXT_AREA_MAX
    return QcCheck(
        "text_area",
        "image",
        passed,
        f"text covers {share:.0%} of the image (at most {TEXT_AREA_MAX:.0%}"
        + ("" if passed else "; the picture is crowded out: shorten the words")
        + ")",
        round(share, 4),
        TEXT_AREA_MAX,
    )


def ui_zones(composition: Composition) -> QcCheck:
    """Nothing that must be seen lies under the platform's interface (Stories, Reels, TikTok)."""
    layout = composition.layout
    zones = layout.format.ui_zones
    if not zones:
        return QcCheck(
            "ui_zones", "image", True, f"{layout.format.size_label} has no interface over it"
        )
    covered = [
        f"{name} under the {zone.name}"
        for name, box in _parts(composition).items()
        for zone in zones
        if box.intersects(Box(*zone.box))
    ]
    if covered:
        return QcCheck("ui_zones", "image", False, "; ".join(covered))
    return QcCheck(
        "ui_zones",
        "image",
        True,
        "words, logo and button clear of " + ", ".join(zone.name for zone in zones),
    )


def palette_check(image: Image.Image, palette: tuple[RGB, ...]) -> QcCheck:
    """Share of the image (64x64 sample) within :data:`PALETTE_DELTA_E` of a brand colour."""
    sample = np.asarray(
        image.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR), dtype=np.float64
    )
    pixels = sample.reshape(-1, 1, 3)
    colours = np.asarray(palette, dtype=np.float64).reshape(1, -1, 3)
    nearest = np.asarray(delta_e(pixels, colours)).min(axis=1)
    share = float((nearest <= PALETTE_DELTA_E).mean())
    passed = share >= PALETTE_MIN_SHARE
    return QcCheck(
        "palette",
        "image",
        passed,
        f"{share:.0%} of the image is within ΔE {PALETTE_DELTA_E:g} of a brand colour "
        f"(minimum {PALETTE_MIN_SHARE:.0%})",
        round(share, 4),
        PALETTE_MIN_SHARE,
    )


def _ink_mask(composition: Composition) -> np.ndarray:
    """bool ``(height, width)``: pixels the text changed (final image vs the plate)."""
    # ImageChops works in C on uint8: several times faster than an int16 numpy difference.
    difference = np.asarray(ImageChops.difference(composition.image, composition.plate))
    changed: np.ndarray = np.asarray(difference.any(axis=-1))
    return changed


def text_overlap(composition: Composition) -> QcCheck:
    """Words stay off the product, the logo and the background motifs.

    Two measurements: the planned boxes (each text's ink box against the pasted product's box,
    the logo's box and the layout's motif region) and the pixels (glyph pixels against the
    product's opaque pixels and the motif pixels still visible). Either overlap fails.
    """
    layout = composition.layout
    texts: dict[str, Box] = {e.role: e.fitted.ink_box for e in layout.text_elements}
    if layout.stars_box is not None:
        texts["stars"] = layout.stars_box
    keep_clear = {"logo": layout.logo_box}
    if layout.product_box is not None:
        keep_clear["product"] = layout.product_box
    if "motifs" in layout.regions:
        keep_clear["motif region"] = layout.regions["motifs"]
    boxes = [
        f"{text} box meets the {other} box"
        for text, box in texts.items()
        for other, clear in keep_clear.items()
        if box.intersects(clear)
    ]
    ink = _ink_mask(composition)
    pixels = []
    for name, mask in (("product", composition.product_mask), ("motif", composition.motif_mask)):
        if mask is not None:
            count = int((ink & mask).sum())
            if count:
                pixels.append(f"{count} text pixels lie on the {name}")
    problems = boxes + pixels
    measured = ", ".join(
        n
        for n, m in (("product", composition.product_mask), ("motifs", composition.motif_mask))
        if m is not None
    )
    if problems:
        return QcCheck(
            "text_overlap",
            "image",
            False,
            f"{layout.name}: text overlaps what it must leave clear: {'; '.join(problems)}",
            float(
                sum(
                    int((ink & m).sum())
                    for m in (composition.product_mask, composition.motif_mask)
                    if m is not None
                )
            ),
            0.0,
        )
    return QcCheck(
        "text_overlap",
        "image",
        True,
        f"{layout.name}: text clear of the logo"
        + (f" and the {measured} (boxes and pixels)" if measured else " (boxes)"),
        0.0,
        0.0,
    )


def cta_text(composition: Composition, expected: str) -> QcCheck:
    """The button says exactly the variant's call to action (whole, not cut)."""
    fitted = composition.layout.cta.fitted
    shown = " ".join(fitted.lines)
    if fitted.truncated or " ".join(expected.split()) != shown:
        return QcCheck(
            "cta_text",
            "cta",
            False,
            f"the button reads {shown!r}; the copy's call to action is {expected!r}",
        )
    return QcCheck(
        "cta_text", "cta", True, f"the button reads the copy's call to action {expected!r}"
    )


def check_image(
    composition: Composition, palette: tuple[RGB, ...], *, cta: str | None = None
) -> list[QcCheck]:
    """All brand checks for one composited image, in a stable order.

    ``cta``: the variant's call to action as button text; the button must read it (by default,
    the text the compositor was given).
    """
    layout = composition.layout
    checks = [_text_contrast(composition, e) for e in layout.text_elements]
    checks += [_text_fit(e) for e in layout.text_elements]
    checks.append(_safe_zone(composition))
    checks.append(ui_zones(composition))
    checks += _logo_checks(composition)
    checks += [logo_size(composition), logo_clear_space(composition)]
    checks.append(text_area(composition))
    checks.append(text_overlap(composition))
    checks.append(cta_text(composition, cta if cta is not None else layout.cta.fitted.text))
    checks.append(palette_check(composition.image, palette))
    return checks


def check_video(
    *,
    channel: str,
    fmt: AdFormat,
    codec: str,
    width: int,
    height: int,
    duration_s: float,
    audio_codec: str | None,
) -> list[QcCheck]:
    """Platform checks for an encoded video (values from :func:`studio.imaging.probe.probe_video`).

    ``audio_codec`` is the sound stream's codec, None when the file is silent (which fails:
    most feeds play with sound on, and a silent clip reads as broken).
    """
    checks = [
        QcCheck(
            "video_codec",
            "video",
            codec == "h264",
            f"video codec is {codec}" + ("" if codec == "h264" else "; platforms need H.264"),
        ),
        QcCheck(
            "video_audio",
            "video",
            audio_codec is not None,
            f"sound track: {audio_codec}"
            if audio_codec
            else "the video is silent; it needs a sound track (music or voice)",
        ),
    ]
    min_w, min_h = MIN_VIDEO_SIZE.get(channel, (0, 0))
    size_ok = (width, height) == (fmt.width, fmt.height) and width >= min_w and height >= min_h
    minimum = f" (the channel's minimum is {min_w}x{min_h})" if channel in MIN_VIDEO_SIZE else ""
    checks.append(
        QcCheck(
            "video_size",
            "video",
            size_ok,
            f"video is {width}x{height}, format {fmt.size_label}{minimum}",
        )
    )
    low = max(CLIP_MIN_S, fmt.min_duration_s or 0.0)
    high = min(CLIP_MAX_S, fmt.max_duration_s or CLIP_MAX_S)
    # Encoders round to whole frames; allow one frame at 30 fps either side.
    within = low - 1 / 30 <= duration_s <= high + 1 / 30
    checks.append(
        QcCheck(
            "video_duration",
            "video",
            within,
            f"video lasts {duration_s:.2f} s; allowed {low:g}-{high:g} s",
            round(duration_s, 3),
            high if duration_s > high else low,
        )
    )
    return checks
