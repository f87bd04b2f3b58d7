"""The ``offline`` image backend: on-brand backgrounds drawn from the guideline, no weights.

Each background is a soft gradient between two close tints of a palette colour, a few large
shapes in palette colours (circles, arcs, a diagonal band), and the guideline's
``product_motifs`` drawn as simple vector shapes. Everything is derived from the request's seed,
so the same seed gives the same pixels on every machine.

Motifs with a drawing here (case-insensitive, singular or plural): coffee bean, bean, cup, mug,
steam, invoice, receipt, document, chart, graph, check mark, checkmark, tick, leaf, star, heart.
Any other motif is drawn as an abstract badge (a polygon whose number of sides comes from the
motif's name) and named in :attr:`GeneratedImages.notes`, so a reviewer knows why.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from studio.backends.contracts import RGB, GeneratedImages, ImageRequest

if TYPE_CHECKING:
    from studio.core.settings import Settings

#: Bumped whenever the drawing changes, so provenance tells old renders from new ones.
RENDERER_VERSION = "studio-offline-3"

# Shapes are drawn at twice the size and scaled down: cheap antialiasing.
_SUPERSAMPLE = 2

DEFAULT_COLORS: dict[str, RGB] = {
    "primary": (40, 40, 40),
    "secondary": (120, 120, 120),
    "accent": (200, 80, 60),
    "background": (240, 240, 240),
    "text": (20, 20, 20),
}


def _tint(color: RGB, amount: float) -> RGB:
    """Towards white (amount > 0) or black (amount < 0) by ``|amount|`` in [0, 1]."""
    target = 255 if amount > 0 else 0
    red, green, blue = (round(c + (target - c) * abs(amount)) for c in color)
    return red, green, blue


def _gradient(width: int, height: int, start: RGB, end: RGB, angle: float) -> Image.Image:
    """A linear gradient at ``angle`` radians; shape (height, width, 3) as a PIL image."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    direction = np.array([math.cos(angle), math.sin(angle)], dtype=np.float32)
    t = xs / max(width - 1, 1) * direction[0] + ys / max(height - 1, 1) * direction[1]
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    a, b = np.asarray(start, np.float32), np.asarray(end, np.float32)
    pixels = a + (b - a) * t[..., None]
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8), "RGB")


# ---------------------------------------------------------------------------------------------
# Motifs: each draws into a square RGBA tile of side ``s``, upright; the caller rotates it.
# ---------------------------------------------------------------------------------------------

MotifDrawer = Callable[[ImageDraw.ImageDraw, int, RGB, RGB], None]


def _bean(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    d.ellipse((s * 0.2, s * 0.05, s * 0.8, s * 0.95), fill=fill)
    w = max(2, round(s * 0.05))
    d.arc((s * 0.38, s * 0.1, s * 0.62, s * 0.5), 90, 270, fill=detail, width=w)
    d.arc((s * 0.38, s * 0.5, s * 0.62, s * 0.9), 270, 450, fill=detail, width=w)


def _cup(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    w = max(2, round(s * 0.07))
    d.ellipse((s * 0.62, s * 0.38, s * 0.9, s * 0.66), outline=fill, width=w)
    d.rounded_rectangle((s * 0.15, s * 0.3, s * 0.72, s * 0.85), radius=round(s * 0.12), fill=fill)
    d.rectangle((s * 0.15, s * 0.3, s * 0.72, s * 0.42), fill=fill)
    d.rounded_rectangle((s * 0.05, s * 0.86, s * 0.85, s * 0.93), radius=round(s * 0.03), fill=fill)
    d.line((s * 0.22, s * 0.36, s * 0.65, s * 0.36), fill=detail, width=max(1, w // 2))


def _steam(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    w = max(2, round(s * 0.06))
    for offset in (0.28, 0.5, 0.72):
        points = [
            (s * offset + math.sin(k / 6 * math.pi * 2) * s * 0.07, s * 0.9 - k / 12 * s * 0.8)
            for k in range(13)
        ]
        d.line(points, fill=fill, width=w, joint="curve")


def _document(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    d.polygon(
        [
            (s * 0.2, s * 0.05),
            (s * 0.65, s * 0.05),
            (s * 0.8, s * 0.2),
            (s * 0.8, s * 0.95),
            (s * 0.2, s * 0.95),
        ],
        fill=fill,
    )
    d.polygon([(s * 0.65, s * 0.05), (s * 0.8, s * 0.2), (s * 0.65, s * 0.2)], fill=detail)
    w = max(1, round(s * 0.04))
    for i, length in enumerate((0.45, 0.5, 0.35, 0.5, 0.25)):
        y = s * (0.32 + i * 0.11)
        d.line((s * 0.28, y, s * (0.28 + length), y), fill=detail, width=w)


def _chart(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    for i, h in enumerate((0.3, 0.45, 0.38, 0.6, 0.78)):
        x = s * (0.1 + i * 0.16)
        d.rectangle((x, s * (0.9 - h), x + s * 0.11, s * 0.9), fill=fill)
    w = max(2, round(s * 0.04))
    d.line(
        [(s * 0.15, s * 0.55), (s * 0.35, s * 0.42), (s * 0.5, s * 0.48), (s * 0.82, s * 0.12)],
        fill=detail,
        width=w,
    )


def _check(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    d.ellipse((s * 0.05, s * 0.05, s * 0.95, s * 0.95), fill=fill)
    d.line(
        [(s * 0.28, s * 0.52), (s * 0.44, s * 0.68), (s * 0.74, s * 0.34)],
        fill=detail,
        width=max(2, round(s * 0.09)),
        joint="curve",
    )


def _leaf(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    d.chord((s * 0.1, s * 0.05, s * 1.3, s * 1.25), 180, 270, fill=fill)
    d.chord((s * -0.3, s * -0.25, s * 0.9, s * 0.95), 0, 90, fill=fill)
    d.line((s * 0.2, s * 0.85, s * 0.8, s * 0.15), fill=detail, width=max(1, round(s * 0.03)))


def _star(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    points = []
    for k in range(10):
        r = s * (0.45 if k % 2 == 0 else 0.19)
        a = -math.pi / 2 + k * math.pi / 5
        points.append((s / 2 + r * math.cos(a), s / 2 + r * math.sin(a)))
    d.polygon(points, fill=fill)


def _heart(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
    d.ellipse((s * 0.1, s * 0.15, s * 0.52, s * 0.57), fill=fill)
    d.ellipse((s * 0.48, s * 0.15, s * 0.9, s * 0.57), fill=fill)
    d.polygon([(s * 0.13, s * 0.45), (s * 0.87, s * 0.45), (s * 0.5, s * 0.9)], fill=fill)


def _badge(sides: int) -> MotifDrawer:
    def draw(d: ImageDraw.ImageDraw, s: int, fill: RGB, detail: RGB) -> None:
        d.regular_polygon((s / 2, s / 2, s * 0.45), sides, fill=fill)
        d.ellipse((s * 0.35, s * 0.35, s * 0.65, s * 0.65), fill=detail)

    return draw


MOTIFS: dict[str, MotifDrawer] = {
    "coffee bean": _bean,
    "bean": _bean,
    "cup": _cup,
    "mug": _cup,
    "steam": _steam,
    "invoice": _document,
    "receipt": _document,
    "document": _document,
    "chart": _chart,
    "graph": _chart,
    "check mark": _check,
    "checkmark": _check,
    "tick": _check,
    "leaf": _leaf,
    "star": _star,
    "heart": _heart,
}


def motif_drawer(name: str) -> tuple[MotifDrawer, bool]:
    """The drawing for a motif name and whether it is a known motif (else an abstract badge)."""
    key = " ".join(name.lower().replace("-", " ").split())
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
        if candidate in MOTIFS:
            return MOTIFS[candidate], True
    sides = 3 + int(hashlib.sha256(key.encode()).hexdigest(), 16) % 6
    return _badge(sides), False


class OfflineImageBackend:
    """Procedural backgrounds in the brand's colours (see the module docstring)."""

    name = "offline"
    model = RENDERER_VERSION
    ai_generated = False

    @classmethod
    def from_settings(cls, settings: Settings) -> OfflineImageBackend:
        """The registry's factory: the offline renderer needs no settings."""
        return cls()

    def generate(self, request: ImageRequest) -> GeneratedImages:
        started = time.perf_counter()
        colors = {**DEFAULT_COLORS, **dict(request.colors)}
        drawers = [(m, *motif_drawer(m)) for m in request.motifs]
        unknown = [m for m, _, known in drawers if not known]
        images, masks, seeds = [], [], []
        for i in range(request.num_images):
            seed = request.seed + i
            image, mask = self._draw(
                request.width,
                request.height,
                colors,
                [(d, m) for m, d, _ in drawers],
                seed,
                request.motif_box,
            )
            images.append(image)
            masks.append(mask)
            seeds.append(seed)
        notes = (
            (f"no drawing for motif(s) {', '.join(unknown)}; drawn as abstract badges",)
            if unknown
            else ()
        )
        return GeneratedImages(
            images=tuple(images),
            seeds=tuple(seeds),
            backend=self.name,
            model=self.model,
            ai_generated=False,
            seconds=time.perf_counter() - started,
            notes=notes,
            motif_masks=tuple(masks),
        )

    def _draw(
        self,
        width: int,
        height: int,
        colors: Mapping[str, RGB],
        motifs: list[tuple[MotifDrawer, str]],
        seed: int,
        motif_box: tuple[int, int, int, int] | None,
    ) -> tuple[Image.Image, Image.Image]:
        """The background and its motif mask (``L``, 255 where a motif is), both ``width`` x ``height``."""
        rng = np.random.default_rng(seed)
        w, h = width * _SUPERSAMPLE, height * _SUPERSAMPLE
        short = min(w, h)
        # Mostly light grounds (room for dark text), sometimes the deep brand colour.
        ground_role = rng.choice(["background", "background", "background", "primary", "secondary"])
        ground = colors[str(ground_role)]
        lighter = ground_role == "background"
        start, end = ground, _tint(ground, -0.08 if lighter else 0.1)
        canvas = _gradient(w // 4, h // 4, start, end, float(rng.uniform(0, 2 * math.pi))).resize(
            (w, h)
        )
        draw = ImageDraw.Draw(canvas)
        shape_roles = [r for r in ("primary", "secondary", "accent") if colors[r] != ground]
        layout = int(rng.integers(0, 3))
        if layout == 0:  # large circles bleeding off the edges
            for _ in range(int(rng.integers(2, 4))):
                r = short * float(rng.uniform(0.25, 0.55))
                cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h * 0.7))
                draw.ellipse(
                    (cx - r, cy - r, cx + r, cy + r), fill=colors[str(rng.choice(shape_roles))]
                )
        elif layout == 1:  # a diagonal band
            t = float(rng.uniform(0.15, 0.45))
            band = [(0, h * t), (w, h * (t - 0.25)), (w, h * (t + 0.05)), (0, h * (t + 0.3))]
            draw.polygon(band, fill=colors[str(rng.choice(shape_roles))])
        else:  # concentric arcs from a corner
            corner = (w if rng.random() < 0.5 else 0, 0)
            for k, role in enumerate(rng.permutation(shape_roles)[:3]):
                r = short * (0.9 - 0.22 * k)
                draw.ellipse(
                    (corner[0] - r, corner[1] - r, corner[0] + r, corner[1] + r),
                    fill=colors[str(role)],
                )
        mask = Image.new("L", (w, h), 0)
        if motifs:
            area = (
                tuple(v * _SUPERSAMPLE for v in motif_box)
                if motif_box is not None
                else (0, 0, w, round(h * 0.62))
            )
            self._scatter(canvas, mask, motifs, colors, ground, rng, area)
        return (
            canvas.resize((width, height), Image.Resampling.LANCZOS),
            mask.resize((width, height), Image.Resampling.BILINEAR),
        )

    def _scatter(
        self,
        canvas: Image.Image,
        mask: Image.Image,
        motifs: list[tuple[MotifDrawer, str]],
        colors: Mapping[str, RGB],
        ground: RGB,
        rng: np.random.Generator,
        area: tuple[int, ...],
    ) -> None:
        """One large hero motif and a few small ones, kept apart, wholly inside ``area``.

        ``area`` is ``(left, top, right, bottom)`` in canvas pixels; each motif is sized so
        that, rotated, it still fits, and ``mask`` records every pixel a motif covers.
        """
        left, top, right, bottom = area
        short = min(canvas.size)
        room = min(right - left, bottom - top)
        fills = [
            c for c in (colors["primary"], colors["accent"], colors["secondary"]) if c != ground
        ]
        placed: list[tuple[float, float, float]] = []
        count = int(rng.integers(3, 6))
        for k in range(count):
            drawer, _ = motifs[int(rng.integers(0, len(motifs)))] if k else motifs[0]
            size = short * (
                float(rng.uniform(0.3, 0.4)) if k == 0 else float(rng.uniform(0.1, 0.18))
            )
            # A tile rotated by up to 35 degrees spans at most 1.39 times its side.
            size = min(size, room / 1.4 * (0.85 if k == 0 else 0.45))
            if size < 8:
                break
            reach = size * 0.7
            for _attempt in range(20):
                cx, cy = (
                    float(rng.uniform(left + reach, right - reach)),
                    float(rng.uniform(top + reach, bottom - reach)),
                )
                if all(math.hypot(cx - x, cy - y) > (size + s) * 0.55 for x, y, s in placed):
                    break
            placed.append((cx, cy, size))
            fill = fills[int(rng.integers(0, len(fills)))]
            detail = ground if fill != ground else colors["background"]
            tile_side = max(8, int(size))
            tile = Image.new("RGBA", (tile_side, tile_side), (0, 0, 0, 0))
            drawer(ImageDraw.Draw(tile), tile_side, fill, detail)
            tile = tile.rotate(
                float(rng.uniform(-35, 35)), resample=Image.Resampling.BICUBIC, expand=True
            )
            position = (round(cx - tile.width / 2), round(cy - tile.height / 2))
            canvas.paste(tile, position, tile)
            mask.paste(255, position, tile)
