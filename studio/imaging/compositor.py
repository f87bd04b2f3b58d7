"""The brand compositor: a background image in, a finished ad out.

It places the brand's logo, the headline and a call-to-action button, in the brand's fonts and
colours, inside the format's safe zone. Text is wrapped and shrunk until it fits its box; when
even the smallest allowed size cannot hold it, it is cut at a word with an ellipsis and the
:class:`FittedText` says so (brand QC then fails the image: nothing is hidden). Where the
background is too busy or too close in tone for readable text, a panel in a palette colour is
laid under the text, only as opaque as needed for WCAG contrast.

The result keeps the intermediate *plate* (everything except the text) and the layout, so
:mod:`studio.imaging.qc` can measure the finished pixels rather than trust the plan.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

# Backends fit their pictures with the same function; it lives in their contracts.
from studio.backends.contracts import cover
from studio.brand.guidelines import Brand
from studio.core.errors import InvalidValue
from studio.imaging.color import MIN_GRAPHIC_CONTRAST, MIN_TEXT_CONTRAST, RGB, contrast_ratio
from studio.imaging.formats import AdFormat
from studio.imaging.layouts import LayoutSpec, Need, Region, family_of, get_layout

ELLIPSIS = "…"
#: Contrast the compositor aims for, a little above the WCAG minimum so antialiased edges and
#: busy backgrounds stay readable.
TARGET_TEXT_CONTRAST = MIN_TEXT_CONTRAST * 1.1


@dataclass(frozen=True)
class Box:
    """A pixel rectangle; ``right`` and ``bottom`` are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def contains(self, other: Box) -> bool:
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def intersects(self, other: Box) -> bool:
        return not (
            other.right <= self.left
            or self.right <= other.left
            or other.bottom <= self.top
            or self.bottom <= other.top
        )

    def expanded(self, by: int, limit: Box) -> Box:
        return Box(
            max(limit.left, self.left - by),
            max(limit.top, self.top - by),
            min(limit.right, self.right + by),
            min(limit.bottom, self.bottom + by),
        )

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.right, self.bottom)


@dataclass(frozen=True)
class AdCopy:
    """The words on the image.

    Attributes
    ----------
    headline, cta : the headline and the button's text.
    offer : an offer the ``offer_badge`` layout states (an approved claim), or None.
    proof : a proof line the ``testimonial`` layout quotes (an approved claim), or None; when
        it reads ``N out of 5`` the layout also draws N stars.
    """

    headline: str
    cta: str
    offer: str | None = None
    proof: str | None = None

    def __post_init__(self) -> None:
        for name in ("headline", "cta", "offer", "proof"):
            value = getattr(self, name)
            if value is None and name in ("offer", "proof"):
                continue
            if not isinstance(value, str) or not value.strip():
                raise InvalidValue(f"AdCopy.{name} must be non-empty text; received {value!r}")

    def has(self, *, product: bool) -> frozenset[Need]:
        """What this ad can show, for :func:`studio.imaging.layouts.eligible`."""
        have: set[Need] = set()
        if self.offer:
            have.add("offer")
        if self.proof:
            have.add("proof")
        if product:
            have.add("product")
        return frozenset(have)


#: ``4.8 out of 5`` or ``4.8/5`` in a proof line: the rating the stars show.
_RATING = re.compile(r"(\d+(?:\.\d+)?)\s*(?:out of|/)\s*5\b")


def rating_in(text: str | None) -> float | None:
    """The rating (0-5) a proof line states, e.g. 4.8 for "Rated 4.8 out of 5", or None."""
    match = _RATING.search(text or "")
    if match is None:
        return None
    value = float(match.group(1))
    return value if 0 <= value <= 5 else None


@dataclass(frozen=True)
class BrandKit:
    """What the compositor needs from a brand: colours by role, the palette, fonts and logo."""

    name: str
    colors: dict[str, RGB]
    palette: tuple[RGB, ...]
    headline_font: Path
    body_font: Path
    logo: Image.Image

    @classmethod
    def from_brand(cls, brand: Brand) -> BrandKit:
        guideline = brand.guideline
        roles = ("primary", "secondary", "accent", "background", "text", "cta", "cta_text")
        try:
            with Image.open(brand.logo_path) as opened:
                logo = opened.convert("RGBA")
        except (OSError, ValueError) as exc:
            raise InvalidValue(
                f"brand {brand.slug!r}: logo {brand.logo_path} cannot be read as an image ({exc}); "
                "use a PNG with transparency"
            ) from exc
        for field_name, path in (
            ("fonts.headline", brand.headline_font_path),
            ("fonts.body", brand.body_font_path),
        ):
            try:
                _font(str(path), 12)
            except OSError as exc:
                raise InvalidValue(
                    f"brand {brand.slug!r}: {field_name} {path} is not a TrueType/OpenType font ({exc})"
                ) from exc
        return cls(
            name=guideline.name,
            colors={role: guideline.color(role).rgb for role in roles},
            palette=tuple(c.rgb for c in guideline.colors),
            headline_font=brand.headline_font_path,
            body_font=brand.body_font_path,
            logo=logo,
        )


@dataclass(frozen=True)
class FittedText:
    """Text laid out inside a box.

    Attributes
    ----------
    lines : the wrapped lines, in order.
    font_size : pixels (em size).
    positions : ``(x, y)`` of each line's left-ascender anchor, in canvas pixels.
    ink_box : the union of the drawn glyphs' bounding boxes, inside ``box``.
    box : the box the text was given.
    truncated : True when the text did not fit at ``min_size`` and was cut with an ellipsis.
    """

    text: str
    lines: tuple[str, ...]
    font_path: Path
    font_size: int
    positions: tuple[tuple[int, int], ...]
    ink_box: Box
    box: Box
    truncated: bool


@dataclass(frozen=True)
class TextElement:
    role: Literal["headline", "cta", "offer", "proof"]
    fitted: FittedText
    color: RGB


@dataclass(frozen=True)
class Panel:
    """A shape laid under text or forming the layout: ``alpha`` 0 (none) to 1 (opaque).

    ``shape``: ``rounded`` (a rounded rectangle), ``rect`` (square corners, for panels that
    bleed off the canvas), ``disc`` (the largest circle centred in ``box``) or ``scrim`` (a
    gradient, opaque at ``alpha`` over the text and fading to nothing away from it).
    """

    box: Box
    color: RGB
    alpha: float
    shape: Literal["rounded", "rect", "disc", "scrim"] = "rounded"
    #: For a scrim: the box where it is at full ``alpha`` (the rest of ``box`` fades out).
    solid: Box | None = None


@dataclass(frozen=True)
class Layout:
    """Where everything went, in canvas pixels.

    ``regions`` are the spec's regions in pixels (``product`` and ``motifs`` among them);
    ``product_box`` is where the product photo was actually pasted (inside its region).
    """

    format: AdFormat
    safe_box: Box
    logo_box: Box
    logo_plate: Panel | None
    headline: TextElement
    headline_panel: Panel | None
    button: Panel
    cta: TextElement
    spec: LayoutSpec | None = None
    regions: dict[str, Box] = field(default_factory=dict)
    shapes: tuple[Panel, ...] = ()
    product_box: Box | None = None
    offer: TextElement | None = None
    offer_disc: Panel | None = None
    proof: TextElement | None = None
    stars_box: Box | None = None

    @property
    def text_elements(self) -> tuple[TextElement, ...]:
        extra = tuple(e for e in (self.offer, self.proof) if e is not None)
        return (self.headline, self.cta, *extra)

    @property
    def name(self) -> str:
        return self.spec.name if self.spec else "full_bleed"


@dataclass(frozen=True)
class Composition:
    """A finished ad and how it was made.

    Attributes
    ----------
    image : RGB, ``format.width`` x ``format.height``, the file to ship.
    plate : the same canvas before any text was drawn (background, panels, logo, button).
    logo : the scaled RGBA logo exactly as pasted at ``layout.logo_box``.
    layout : where everything went.
    product_mask : bool ``(height, width)``: the product photo's opaque pixels, or None.
    motif_mask : bool ``(height, width)``: background motif pixels still visible (not under
        an opaque panel, card, badge, button or the product), or None when unknown.
    """

    image: Image.Image
    plate: Image.Image
    logo: Image.Image
    layout: Layout
    product_mask: np.ndarray | None = None
    motif_mask: np.ndarray | None = None


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while font.getlength(word) > max_width:
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            cut = max(1, cut)  # one glyph wider than the line: _place rejects it
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _place(
    lines: list[str], font: ImageFont.FreeTypeFont, box: Box, align: str, valign: str
) -> tuple[list[tuple[int, int]], Box] | None:
    """Positions for ``lines`` inside ``box``, or None if the glyphs would leave it."""
    ascent, descent = font.getmetrics()
    pitch = round((ascent + descent) * 1.08)
    # FreeType boxes are whole pixels; Pillow types them as float for its other font kinds.
    boxes = [tuple(int(v) for v in font.getbbox(line, anchor="la")) for line in lines]
    ink_top = min(b[1] for b in boxes[:1])
    block_height = (len(lines) - 1) * pitch + max(boxes[-1][3], ascent + descent) - min(0, ink_top)
    if block_height > box.height:
        return None
    offset_y = {
        "top": 0,
        "middle": (box.height - block_height) // 2,
        "bottom": box.height - block_height,
    }[valign]
    positions = []
    ink = [box.right, box.bottom, box.left, box.top]
    for i, (line_box, _line) in enumerate(zip(boxes, lines, strict=True)):
        width = line_box[2] - line_box[0]
        if width > box.width:
            return None
        slack = box.width - width
        x = box.left - line_box[0] + (slack // 2 if align == "center" else 0)
        y = box.top + offset_y - min(0, ink_top) + i * pitch
        left, top, right, bottom = (
            x + line_box[0],
            y + line_box[1],
            x + line_box[2],
            y + line_box[3],
        )
        if top < box.top or bottom > box.bottom or left < box.left or right > box.right:
            return None
        positions.append((x, y))
        ink = [min(ink[0], left), min(ink[1], top), max(ink[2], right), max(ink[3], bottom)]
    return positions, Box(*ink)


def fit_text(
    text: str,
    font_path: Path,
    box: Box,
    *,
    max_size: int,
    min_size: int,
    align: Literal["left", "center"] = "left",
    valign: Literal["top", "middle", "bottom"] = "top",
) -> FittedText:
    """Wrap and shrink ``text`` until every glyph lies inside ``box``.

    The largest font size in ``[min_size, max_size]`` that fits is used. If none fits, the text
    is set at ``min_size`` with as many words as fit and an ellipsis, and ``truncated`` is True.

    Raises
    ------
    ValueError
        If the sizes are not ``1 <= min_size <= max_size`` or the box is too small to hold even
        one ellipsis at ``min_size``.
    """
    if not 1 <= min_size <= max_size:
        raise InvalidValue(
            f"font sizes must satisfy 1 <= min_size <= max_size; received {min_size}, {max_size}"
        )
    text = " ".join(text.split())

    def attempt(size: int, candidate: str) -> FittedText | None:
        font = _font(str(font_path), size)
        lines = _wrap(candidate, font, box.width)
        placed = _place(lines, font, box, align, valign) if lines else None
        if placed is None:
            return None
        return FittedText(
            text, tuple(lines), font_path, size, tuple(placed[0]), placed[1], box, candidate != text
        )

    low, high, best = min_size, max_size, None
    while low <= high:  # the fit is monotone in size: binary search for the largest
        size = (low + high) // 2
        fitted = attempt(size, text)
        if fitted is None:
            high = size - 1
        else:
            best, low = fitted, size + 1
    if best is not None:
        return best
    words = text.split()
    low, high, cut = 0, len(words) - 1, None
    while low <= high:  # fewer words always fit at least as well: binary search the most
        keep = (low + high) // 2
        fitted = attempt(min_size, (" ".join(words[:keep]) + ELLIPSIS) if keep else ELLIPSIS)
        if fitted is None:
            high = keep - 1
        else:
            cut, low = fitted, keep + 1
    if cut is not None:
        return cut
    raise InvalidValue(
        f"box {box.width}x{box.height} px cannot hold any text at {min_size} px; "
        "use a larger format or a smaller minimum size"
    )


def _region(image: Image.Image, box: Box) -> np.ndarray:
    """Pixels under ``box``, shape (h, w, 3), downsampled to at most 96 px a side for speed."""
    crop = image.crop(box.as_tuple())
    crop.thumbnail((96, 96), Image.Resampling.BILINEAR)
    return np.asarray(crop.convert("RGB"), dtype=np.float64)


def _worst_contrast(text_rgb: RGB, pixels: np.ndarray) -> float:
    """5th-percentile contrast between a text colour and background pixels (h, w, 3)."""
    ratios = np.asarray(
        contrast_ratio(np.asarray(text_rgb, dtype=np.float64), pixels.reshape(-1, 3))
    )
    return float(np.percentile(ratios, 5))


def _blend(pixels: np.ndarray, color: RGB, alpha: float) -> np.ndarray:
    return pixels * (1 - alpha) + np.asarray(color, dtype=np.float64) * alpha


def _choose_text_color(
    kit: BrandKit, pixels: np.ndarray, min_panel_alpha: float = 0.0
) -> tuple[RGB, Panel | None, float]:
    """The palette text colour and panel (colour, alpha) that reach the target contrast.

    Tries dark text (role ``text``) and light text (role ``background``) with no panel, then
    each with a panel in the opposite colour, raising the panel's opacity in steps of 0.05.
    Returns the first pair reaching :data:`TARGET_TEXT_CONTRAST`, else the best found.
    """
    dark, light = kit.colors["text"], kit.colors["background"]
    best: tuple[float, RGB, RGB, float] = (0.0, dark, light, 1.0)
    if min_panel_alpha == 0:
        # Without a panel first: on a solid brand panel one of the two colours simply reads.
        for text_rgb in (dark, light):
            ratio = _worst_contrast(text_rgb, pixels)
            if ratio >= TARGET_TEXT_CONTRAST:
                return text_rgb, None, ratio
    for text_rgb, panel_rgb in ((dark, light), (light, kit.colors["primary"]), (light, dark)):
        for alpha in np.arange(min_panel_alpha, 1.0001, 0.05):
            ratio = _worst_contrast(text_rgb, _blend(pixels, panel_rgb, float(alpha)))
            if ratio >= TARGET_TEXT_CONTRAST:
                if alpha == 0:
                    return text_rgb, None, ratio
                # Panels are a design element; below 0.6 they read as a smudge, so round up.
                return text_rgb, Panel(Box(0, 0, 0, 0), panel_rgb, max(0.6, float(alpha))), ratio
            if ratio > best[0]:
                best = (ratio, text_rgb, panel_rgb, float(alpha))
    ratio, text_rgb, panel_rgb, alpha = best
    return text_rgb, Panel(Box(0, 0, 0, 0), panel_rgb, alpha), ratio


def _logo_ink(logo: Image.Image) -> np.ndarray:
    rgba = np.asarray(logo, dtype=np.float64)
    opaque = rgba[..., 3] > 200
    return np.median(rgba[opaque][:, :3], axis=0) if opaque.any() else np.zeros(3)


def _rounded(draw: ImageDraw.ImageDraw, panel: Panel, radius: int) -> None:
    """Draw ``panel`` (any shape) with ``draw`` onto an RGBA layer (or 255 onto an ``L`` mask)."""
    fill: int | tuple[int, ...] = (
        255 if draw.mode == "L" else (*panel.color, round(255 * panel.alpha))
    )
    box = (panel.box.left, panel.box.top, panel.box.right - 1, panel.box.bottom - 1)
    if panel.shape == "rect":
        draw.rectangle(box, fill=fill)
    elif panel.shape == "disc":
        side = min(panel.box.width, panel.box.height)
        cx, cy = panel.box.left + panel.box.width / 2, panel.box.top + panel.box.height / 2
        draw.ellipse(
            (cx - side / 2, cy - side / 2, cx + side / 2 - 1, cy + side / 2 - 1), fill=fill
        )
    elif panel.shape == "scrim":
        _scrim(draw, panel)
    else:
        draw.rounded_rectangle(box, radius=radius, fill=fill)


def _scrim(draw: ImageDraw.ImageDraw, panel: Panel) -> None:
    """A gradient: ``panel.alpha`` over ``panel.solid``, easing to 0 at the far side of ``box``.

    A scrim wider than it is tall at the bottom of the canvas fades upwards; one down the
    left side fades to the right.
    """
    box, solid = panel.box, panel.solid or panel.box
    peak = 255 * panel.alpha
    horizontal = box.height > box.width * 1.2 or (solid.right < box.right and solid.top <= box.top)
    if horizontal:
        span = max(1, box.right - solid.right)
        for x in range(box.left, box.right):
            p = 1.0 if x < solid.right else 1 - (x - solid.right) / span
            alpha = round(peak * p * p * (3 - 2 * p))
            draw.line((x, box.top, x, box.bottom - 1), fill=(*panel.color, alpha))
    else:
        span = max(1, solid.top - box.top)
        for y in range(box.top, box.bottom):
            p = 1.0 if y >= solid.top else 1 - (solid.top - y) / span
            alpha = round(peak * p * p * (3 - 2 * p))
            draw.line((box.left, y, box.right - 1, y), fill=(*panel.color, alpha))


def layout_regions(spec: LayoutSpec, fmt: AdFormat) -> dict[str, Box]:
    """Every region of ``spec`` in ``fmt``'s pixels; panels, cards and scrims bleed to the edge."""
    safe = fmt.safe_box
    canvas = (0, 0, fmt.width, fmt.height)
    named: dict[str, Region | None] = {
        "headline": spec.headline,
        "cta": spec.cta,
        "logo": spec.logo,
        "product": spec.product,
        "motifs": spec.motifs,
        "offer": spec.offer,
        "proof": spec.proof,
        "stars": spec.stars,
    }
    boxes = {name: Box(*region.within(safe)) for name, region in named.items() if region}
    for name, region in (("panel", spec.panel), ("card", spec.card), ("scrim", spec.scrim)):
        if region is not None:
            boxes[name] = Box(*region.within(safe, bleed=canvas))
    return boxes


def resolve_layout(layout: str | LayoutSpec, fmt: AdFormat) -> LayoutSpec:
    """The spec for ``layout`` in ``fmt``'s family (a name, or a spec that must match it)."""
    family = family_of(fmt.width, fmt.height)
    if isinstance(layout, str):
        return get_layout(layout, family)
    if layout.family != family:
        raise InvalidValue(
            f"layout {layout.name!r} is for {layout.family} formats; {fmt.size_label} is {family}"
        )
    return layout


def trim_to_content(product: Image.Image) -> Image.Image:
    """``product`` as RGBA, cropped to its opaque pixels."""
    rgba = product.convert("RGBA")
    bbox = rgba.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    if bbox is None:
        raise InvalidValue("the product image is fully transparent; nothing to place")
    return rgba.crop(bbox)


def place_product(product: Image.Image, region: Box) -> tuple[Image.Image, Box]:
    """``product`` (RGBA, trimmed) scaled to fit ``region`` whole, standing on its bottom edge.

    Returns the scaled image and the box it occupies (inside ``region``, centred across).
    """
    trimmed = trim_to_content(product)
    scale = min(region.width / trimmed.width, region.height / trimmed.height)
    width = max(1, int(trimmed.width * scale))
    height = max(1, int(trimmed.height * scale))
    scaled = trimmed.resize((width, height), Image.Resampling.LANCZOS)
    left = region.left + (region.width - width) // 2
    return scaled, Box(left, region.bottom - height, left + width, region.bottom)


def _star_points(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.42
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def _draw_stars(canvas: Image.Image, box: Box, rating: float, fill: RGB, empty: RGB) -> Box:
    """Five stars across ``box``, the first ``rating`` of them filled (fractions clipped).

    Returns the box the stars cover.
    """
    side = min(box.height, box.width // 5)
    left = box.left + (box.width - side * 5) // 2
    top = box.top + (box.height - side) // 2
    layer = Image.new("RGBA", (side * 5, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for k in range(5):
        points = _star_points(side * (k + 0.5), side / 2, side * 0.46)
        draw.polygon(points, fill=(*empty, 255))
        share = min(max(rating - k, 0.0), 1.0)
        if share > 0:
            star = Image.new("L", layer.size, 0)
            ImageDraw.Draw(star).polygon(points, fill=255)
            # Only the first ``share`` of the star's width is filled.
            ImageDraw.Draw(star).rectangle(
                (round(side * (k + share)), 0, layer.width, side), fill=0
            )
            layer.paste((*fill, 255), (0, 0), star)
    canvas.alpha_composite(layer, (left, top))
    return Box(left, top, left + side * 5, top + side)


def _pick_on(ground: RGB, candidates: tuple[RGB, ...]) -> RGB:
    """The first candidate colour readable on ``ground``, else the most readable."""
    for color in candidates:
        if contrast_ratio(np.asarray(color), np.asarray(ground)) >= TARGET_TEXT_CONTRAST:
            return color
    return max(candidates, key=lambda c: float(contrast_ratio(np.asarray(c), np.asarray(ground))))


def _fitted_mask(shape: tuple[int, int], image: Image.Image | None) -> np.ndarray | None:
    if image is None:
        return None
    height, width = shape
    mask = image.convert("L")
    if mask.size != (width, height):
        mask = ImageOps.fit(mask, (width, height), Image.Resampling.NEAREST)
    return np.asarray(mask) > 127


def compose(
    background: Image.Image,
    copy: AdCopy,
    kit: BrandKit,
    fmt: AdFormat,
    *,
    layout: str | LayoutSpec = "full_bleed",
    product: Image.Image | None = None,
    motif_mask: Image.Image | None = None,
    min_panel_alpha: float = 0.0,
) -> Composition:
    """Turn ``background`` (any size; cover-cropped) into a finished ad in format ``fmt``.

    Parameters
    ----------
    layout : a layout name (:data:`studio.imaging.layouts.LAYOUT_NAMES`) or spec of ``fmt``'s
        family; everything is placed in its regions.
    product : the product photo, RGBA with a transparent background, for layouts with a
        product region (others leave it out).
    motif_mask : where the background has motifs (``L``, same size as ``background``; from
        :attr:`studio.backends.contracts.GeneratedImages.motif_masks`), so QC can prove text
        stays off them.
    min_panel_alpha : 0-1; forces a headline panel at least that opaque: videos use it because
        the pictures move under the headline after its colour was chosen.

    Raises
    ------
    InvalidValue
        For a layout of another family, or one that needs what the ad lacks (an offer, a proof
        line, a product photo).
    """
    if not 0.0 <= min_panel_alpha <= 1.0:
        raise InvalidValue(f"min_panel_alpha must be 0-1; received {min_panel_alpha}")
    spec = resolve_layout(layout, fmt)
    missing = sorted(spec.needs - copy.has(product=product is not None))
    if missing:
        raise InvalidValue(
            f"layout {spec.name!r} needs {' and '.join(missing)}; this ad has none "
            "(choose another layout, or give the copy an offer/proof or the brand a product photo)"
        )
    width, height = fmt.width, fmt.height
    canvas_box = Box(0, 0, width, height)
    safe = Box(*fmt.safe_box)
    regions = layout_regions(spec, fmt)
    short = min(width, height)
    gap = max(2, round(short * 0.03))
    landscape = spec.family == "landscape"
    base = cover(background, width, height)
    plate = base.convert("RGBA")
    covered = Image.new("L", (width, height), 0)
    cover_draw = ImageDraw.Draw(covered)

    # Ground: the layout's solid panel and card.
    shapes: list[Panel] = []
    if "panel" in regions:
        shapes.append(Panel(regions["panel"], kit.colors[spec.panel_role], 1.0, "rect"))
    if "card" in regions:
        shapes.append(Panel(regions["card"], kit.colors["background"], 1.0, "rounded"))
    if shapes:
        ground = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        ground_draw = ImageDraw.Draw(ground)
        for shape in shapes:
            _rounded(ground_draw, shape, radius=gap)
            _rounded(cover_draw, Panel(shape.box, (255, 255, 255), 1.0, shape.shape), gap)
        plate = Image.alpha_composite(plate, ground)

    # The product, whole, standing on its region's floor.
    product_box: Box | None = None
    product_mask: np.ndarray | None = None
    if product is not None and "product" in regions:
        scaled, product_box = place_product(product, regions["product"])
        plate.alpha_composite(scaled, (product_box.left, product_box.top))
        product_mask = np.zeros((height, width), dtype=bool)
        product_mask[product_box.top : product_box.bottom, product_box.left : product_box.right] = (
            np.asarray(scaled.getchannel("A")) > 127
        )
    ground_rgb = plate.convert("RGB")

    # Logo: a fixed share of the short side, never wider than 40 % of the safe zone.
    logo_region = regions["logo"]
    logo_h = max(4, round(short * 0.075))
    logo_w = round(kit.logo.width * logo_h / kit.logo.height)
    if logo_w > safe.width * 0.4:
        logo_w = max(4, int(safe.width * 0.4))
        logo_h = max(4, round(kit.logo.height * logo_w / kit.logo.width))
    logo = kit.logo.resize((logo_w, logo_h), Image.Resampling.LANCZOS)
    logo_pad = max(1, round(logo_h * 0.25))
    logo_left = (
        logo_region.left + logo_pad
        if spec.logo_corner == "left"
        else logo_region.right - logo_pad - logo_w
    )
    logo_box = Box(
        logo_left,
        logo_region.top + logo_pad,
        logo_left + logo_w,
        logo_region.top + logo_pad + logo_h,
    )
    logo_ink = _logo_ink(logo)
    # Measured as brand QC measures it: the pixels the mark leaves uncovered.
    behind = np.asarray(ground_rgb.crop(logo_box.as_tuple()), dtype=np.float64)
    clear = np.asarray(logo, dtype=np.float64)[..., 3] < 16
    backdrop = np.median(behind[clear] if clear.sum() > 16 else behind.reshape(-1, 3), axis=0)
    logo_plate = None
    if contrast_ratio(logo_ink, backdrop) < MIN_GRAPHIC_CONTRAST * 1.1:
        choices = [
            kit.colors["background"],
            kit.colors["cta_text"],
            kit.colors["primary"],
            kit.colors["text"],
        ]
        plate_color = max(choices, key=lambda c: contrast_ratio(logo_ink, np.asarray(c)))
        logo_plate = Panel(logo_box.expanded(logo_pad, canvas_box), plate_color, 1.0)

    # Button: the brand's CTA colour, as wide as its words, in its region.
    cta_area = regions["cta"]
    button_h = min(cta_area.height, max(6, round(short * (0.1 if landscape else 0.085))))
    button_pad_x = max(2, round(button_h * 0.45))
    cta_inner_pad = max(1, round(button_h * 0.2))
    cta_probe = fit_text(
        copy.cta,
        kit.body_font,
        Box(0, 0, cta_area.width - 2 * button_pad_x, button_h - 2 * cta_inner_pad),
        max_size=max(2, round(button_h * 0.42)),
        min_size=max(1, round(button_h * 0.25)),
        align="center",
        valign="middle",
    )
    button_w = min(cta_area.width, cta_probe.ink_box.width + 2 * button_pad_x)
    button_left = (
        cta_area.left if spec.align == "left" else cta_area.left + (cta_area.width - button_w) // 2
    )
    button_top = cta_area.top + (cta_area.height - button_h) // 2
    button_box = Box(button_left, button_top, button_left + button_w, button_top + button_h)
    cta_box = Box(
        button_box.left + button_pad_x // 2,
        button_box.top + cta_inner_pad,
        button_box.right - button_pad_x // 2,
        button_box.bottom - cta_inner_pad,
    )
    cta_fitted = fit_text(
        copy.cta,
        kit.body_font,
        cta_box,
        max_size=cta_probe.font_size,
        min_size=cta_probe.font_size if not cta_probe.truncated else max(1, round(button_h * 0.25)),
        align="center",
        valign="middle",
    )
    button = Panel(button_box, kit.colors["cta"], 1.0)

    # Headline: as large as its region allows, in a colour readable on what lies under it.
    headline_fitted = fit_text(
        copy.headline,
        kit.headline_font,
        regions["headline"],
        max_size=max(2, round(short * spec.headline_scale)),
        min_size=max(1, round(short * 0.035)),
        align=spec.align,
        valign=spec.valign,
    )
    panel_pad = max(1, round(gap * 0.8))
    panel_box = headline_fitted.ink_box.expanded(panel_pad, canvas_box)
    text_rgb, panel, _ = _choose_text_color(kit, _region(ground_rgb, panel_box), min_panel_alpha)
    headline_panel = None
    # Over moving pictures (videos force a panel) a compact panel hides less of the motion
    # than a scrim across the frame; stills get the layout's scrim.
    if panel is not None and "scrim" in regions and min_panel_alpha == 0:
        headline_panel = Panel(regions["scrim"], panel.color, panel.alpha, "scrim", solid=panel_box)
    elif panel is not None:
        headline_panel = Panel(panel_box, panel.color, panel.alpha)

    # Offer badge: a disc in a brand colour with the offer inside it.
    offer_el: TextElement | None = None
    offer_disc: Panel | None = None
    if copy.offer and "offer" in regions:
        region = regions["offer"]
        side = min(region.width, region.height)
        disc_box = Box(
            region.left + (region.width - side) // 2,
            region.top + (region.height - side) // 2,
            region.left + (region.width - side) // 2 + side,
            region.top + (region.height - side) // 2 + side,
        )
        # The first brand colour on which the offer's words read, accent first.
        texts = (kit.colors["cta_text"], kit.colors["background"], kit.colors["text"])
        disc_color = next(
            (
                color
                for color in (kit.colors["accent"], kit.colors["cta"], kit.colors["primary"])
                if max(float(contrast_ratio(np.asarray(t), np.asarray(color))) for t in texts)
                >= TARGET_TEXT_CONTRAST
            ),
            kit.colors["primary"],
        )
        offer_disc = Panel(disc_box, disc_color, 1.0, "disc")
        inner = round(side * 0.68)
        inner_box = Box(
            disc_box.left + (side - inner) // 2,
            disc_box.top + (side - inner) // 2,
            disc_box.left + (side - inner) // 2 + inner,
            disc_box.top + (side - inner) // 2 + inner,
        )
        offer_fitted = fit_text(
            copy.offer,
            kit.headline_font,
            inner_box,
            max_size=max(2, round(side * 0.16)),
            min_size=max(1, round(short * 0.025)),
            align="center",
            valign="middle",
        )
        offer_color = _pick_on(disc_color, texts)
        offer_el = TextElement("offer", offer_fitted, offer_color)
        _rounded(cover_draw, Panel(disc_box, (255, 255, 255), 1.0, "disc"), 0)

    # Proof line (and stars) on the testimonial card.
    proof_el: TextElement | None = None
    if copy.proof and "proof" in regions:
        proof_fitted = fit_text(
            copy.proof,
            kit.body_font,
            regions["proof"],
            max_size=max(2, round(short * 0.04)),
            min_size=max(1, round(short * 0.022)),
            align="center",
            valign="top",
        )
        under = _region(ground_rgb, proof_fitted.ink_box)
        proof_color = _pick_on(
            tuple(int(v) for v in np.median(under.reshape(-1, 3), axis=0)),  # type: ignore[arg-type]
            (kit.colors["primary"], kit.colors["text"], kit.colors["background"]),
        )
        proof_el = TextElement("proof", proof_fitted, proof_color)

    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    if headline_panel:
        _rounded(draw, headline_panel, radius=panel_pad)
    if logo_plate:
        _rounded(draw, logo_plate, radius=logo_pad)
    _rounded(draw, button, radius=button_h // 4)
    _rounded(cover_draw, Panel(button_box, (255, 255, 255), 1.0), button_h // 4)
    if offer_disc:
        _rounded(draw, offer_disc, radius=0)
    plate = Image.alpha_composite(plate, overlay)
    stars_box = None
    rating = rating_in(copy.proof)
    if rating is not None and "stars" in regions:
        stars_box = _draw_stars(
            plate,
            regions["stars"],
            rating,
            kit.colors["accent"],
            _tint_towards(kit.colors["background"], kit.colors["text"], 0.18),
        )
    plate.alpha_composite(logo, (logo_box.left, logo_box.top))
    plate_rgb = plate.convert("RGB")

    headline = TextElement("headline", headline_fitted, text_rgb)
    cta = TextElement("cta", cta_fitted, kit.colors["cta_text"])
    final = plate_rgb.copy()
    text_draw = ImageDraw.Draw(final)
    for element in (headline, cta, offer_el, proof_el):
        if element is None:
            continue
        font = _font(str(element.fitted.font_path), element.fitted.font_size)
        for line, position in zip(element.fitted.lines, element.fitted.positions, strict=True):
            text_draw.text(position, line, font=font, fill=element.color, anchor="la")

    visible_motifs = _fitted_mask((height, width), motif_mask)
    if visible_motifs is not None:
        visible_motifs &= np.asarray(covered) == 0
        if product_mask is not None:
            visible_motifs &= ~product_mask
    placed = Layout(
        fmt,
        safe,
        logo_box,
        logo_plate,
        headline,
        headline_panel,
        button,
        cta,
        spec=spec,
        regions=regions,
        shapes=tuple(shapes),
        product_box=product_box,
        offer=offer_el,
        offer_disc=offer_disc,
        proof=proof_el,
        stars_box=stars_box,
    )
    return Composition(
        image=final,
        plate=plate_rgb,
        logo=logo,
        layout=placed,
        product_mask=product_mask,
        motif_mask=visible_motifs,
    )


def _tint_towards(color: RGB, target: RGB, amount: float) -> RGB:
    red, green, blue = (round(c + (t - c) * amount) for c, t in zip(color, target, strict=True))
    return red, green, blue


@dataclass(frozen=True)
class Layer:
    """An RGBA piece of an ad, to be laid over moving pictures at ``(left, top)``."""

    image: Image.Image
    left: int
    top: int


def _text_onto(layer: Image.Image, element: TextElement, origin: tuple[int, int]) -> Image.Image:
    """``layer`` with ``element`` drawn on it; glyph coverage becomes alpha (no dark fringes)."""
    mask = Image.new("L", layer.size, 0)
    font = _font(str(element.fitted.font_path), element.fitted.font_size)
    draw = ImageDraw.Draw(mask)
    for line, (x, y) in zip(element.fitted.lines, element.fitted.positions, strict=True):
        draw.text((x - origin[0], y - origin[1]), line, font=font, fill=255, anchor="la")
    ink = Image.new("RGBA", layer.size, (*element.color, 0))
    ink.putalpha(mask)
    return Image.alpha_composite(layer, ink)


def _panel_layer(panel: Panel | None, box: Box, radius: int) -> Image.Image:
    layer = Image.new("RGBA", (box.width, box.height), (0, 0, 0, 0))
    if panel is not None:
        local = Panel(
            Box(
                panel.box.left - box.left,
                panel.box.top - box.top,
                panel.box.right - box.left,
                panel.box.bottom - box.top,
            ),
            panel.color,
            panel.alpha,
        )
        _rounded(ImageDraw.Draw(layer), local, radius)
    return layer


def overlay_layers(composition: Composition) -> dict[str, Layer]:
    """The ad's logo, headline (with its panel) and button as separate RGBA layers.

    Video ads animate these over the moving background; each layer is placed exactly where
    :func:`compose` put it, so a still frame of the video matches the image ad.
    """
    layout = composition.layout
    canvas = Box(0, 0, layout.format.width, layout.format.height)
    gap = max(1, round(min(canvas.width, canvas.height) * 0.03 * 0.8))

    logo_box = layout.logo_plate.box if layout.logo_plate else layout.logo_box
    logo = _panel_layer(layout.logo_plate, logo_box, radius=max(1, layout.logo_box.height // 4))
    logo.alpha_composite(
        composition.logo, (layout.logo_box.left - logo_box.left, layout.logo_box.top - logo_box.top)
    )

    headline_box = (
        layout.headline_panel.box if layout.headline_panel else layout.headline.fitted.ink_box
    )
    headline = _text_onto(
        _panel_layer(layout.headline_panel, headline_box, radius=gap),
        layout.headline,
        (headline_box.left, headline_box.top),
    )
    button_box = layout.button.box
    button = _text_onto(
        _panel_layer(layout.button, button_box, radius=button_box.height // 4),
        layout.cta,
        (button_box.left, button_box.top),
    )
    return {
        "logo": Layer(logo, logo_box.left, logo_box.top),
        "headline": Layer(headline, headline_box.left, headline_box.top),
        "button": Layer(button, button_box.left, button_box.top),
    }


def end_card(copy: AdCopy, kit: BrandKit, fmt: AdFormat) -> Image.Image:
    """The closing frame of a video: the logo large and centred, the call-to-action button below.

    The ground is the brand's background colour; the logo gets up to 60 % of the safe width.
    """
    width, height = fmt.width, fmt.height
    safe = Box(*fmt.safe_box)
    short = min(width, height)
    card = Image.new("RGBA", (width, height), (*kit.colors["background"], 255))
    logo_w = round(safe.width * 0.6)
    logo_h = round(kit.logo.height * logo_w / kit.logo.width)
    if logo_h > safe.height * 0.3:
        logo_h = round(safe.height * 0.3)
        logo_w = round(kit.logo.width * logo_h / kit.logo.height)
    logo = kit.logo.resize((max(1, logo_w), max(1, logo_h)), Image.Resampling.LANCZOS)
    centre_y = safe.top + safe.height * 0.42
    card.alpha_composite(logo, (round((width - logo_w) / 2), round(centre_y - logo_h / 2)))

    button_h = max(6, round(short * 0.11))
    pad_x = max(2, round(button_h * 0.45))
    inner = max(1, round(button_h * 0.2))
    probe = fit_text(
        copy.cta,
        kit.body_font,
        Box(0, 0, safe.width - 2 * pad_x, button_h - 2 * inner),
        max_size=max(2, round(button_h * 0.45)),
        min_size=max(1, round(button_h * 0.25)),
        align="center",
        valign="middle",
    )
    button_w = min(safe.width, probe.ink_box.width + 2 * pad_x)
    top = round(centre_y + logo_h / 2 + button_h * 0.6)
    left = round((width - button_w) / 2)
    button = Panel(Box(left, top, left + button_w, top + button_h), kit.colors["cta"], 1.0)
    _rounded(ImageDraw.Draw(card), button, radius=button_h // 4)
    cta_box = Box(
        left + pad_x // 2, top + inner, left + button_w - pad_x // 2, top + button_h - inner
    )
    cta = fit_text(
        copy.cta,
        kit.body_font,
        cta_box,
        max_size=probe.font_size,
        min_size=max(1, round(button_h * 0.25)),
        align="center",
        valign="middle",
    )
    card = _text_onto(card, TextElement("cta", cta, kit.colors["cta_text"]), (0, 0))
    return card.convert("RGB")
