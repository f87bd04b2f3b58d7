"""Draw the example brands' product images (the project's own renders, MIT like the code).

Run from the repository root::

    .venv/bin/python scripts/product_images.py

Writes, deterministically (same bytes every run on the same Pillow):

* ``brand_guidelines/halden-coffee/product/coffee-bag.png``: a 250 g kraft stand-up pouch with
  a label, valve and a few roasted beans, on a transparent background;
* ``brand_guidelines/ledgerly/product/invoice-app.png``: a phone showing the Ledgerly invoice
  screen, on a plain light-grey background (the renderer removes it: ``background: plain``).

The guideline files list them under ``product_photos`` with this licence.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parent.parent
HALDEN = REPO / "brand_guidelines" / "halden-coffee"
LEDGERLY = REPO / "brand_guidelines" / "ledgerly"
SS = 2  # drawn at twice the size, then scaled down: antialiased edges


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size * SS)


def _centred(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    text: str,
    font: ImageFont.FreeTypeFont,
    fill: tuple[int, ...],
) -> None:
    draw.text((x * SS, y * SS), text, font=font, fill=fill, anchor="mm")


def _bean(draw: ImageDraw.ImageDraw, cx: float, cy: float, size: float, angle: float) -> None:
    """A roasted bean: an ellipse with a darker S-shaped crease, rotated by ``angle``."""
    points = []
    for k in range(40):
        t = 2 * math.pi * k / 40
        x, y = size * 0.36 * math.cos(t), size * 0.5 * math.sin(t)
        points.append(
            (
                (cx + x * math.cos(angle) - y * math.sin(angle)) * SS,
                (cy + x * math.sin(angle) + y * math.cos(angle)) * SS,
            )
        )
    draw.polygon(points, fill=(92, 52, 30, 255))
    crease = []
    for k in range(21):
        s = -0.42 + 0.84 * k / 20
        x, y = size * 0.07 * math.sin(s * 7), size * s
        crease.append(
            (
                (cx + x * math.cos(angle) - y * math.sin(angle)) * SS,
                (cy + x * math.sin(angle) + y * math.cos(angle)) * SS,
            )
        )
    draw.line(crease, fill=(48, 26, 14, 255), width=max(2, round(size * 0.07 * SS)))


def coffee_bag() -> Image.Image:
    width, height = 900, 1200
    canvas = Image.new("RGBA", (width * SS, height * SS), (0, 0, 0, 0))
    # Soft shadow on the ground.
    shadow = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(shadow).ellipse((150 * SS, 1090 * SS, 760 * SS, 1160 * SS), fill=120)
    shadow = shadow.filter(ImageFilter.GaussianBlur(18 * SS))
    canvas.paste((30, 20, 14, 255), (0, 0), shadow)

    # The pouch: kraft paper with vertical shading for roundness and a little paper grain.
    body = Image.new("L", canvas.size, 0)
    outline = [(190, 150), (710, 150), (730, 1110), (170, 1110)]
    ImageDraw.Draw(body).polygon([(x * SS, y * SS) for x, y in outline], fill=255)
    xs = np.linspace(-1, 1, canvas.size[0])
    shade = 1 - 0.22 * xs**2 - 0.06 * xs
    rng = np.random.default_rng(7)
    grain = rng.normal(0, 3, (canvas.size[1], canvas.size[0]))
    kraft = np.array([176, 132, 88], dtype=np.float64)
    paper = kraft[None, None, :] * shade[None, :, None] + grain[..., None]
    paper_img = Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8), "RGB").convert("RGBA")
    canvas.paste(paper_img, (0, 0), body)
    draw = ImageDraw.Draw(canvas)
    # Crimped top seal with a tear notch, bottom gusset fold lines.
    draw.rectangle((190 * SS, 150 * SS, 710 * SS, 205 * SS), fill=(150, 110, 72, 255))
    for x in range(196, 706, 12):
        draw.line((x * SS, 156 * SS, x * SS, 199 * SS), fill=(128, 92, 60, 255), width=2 * SS)
    draw.polygon(
        [(190 * SS, 225 * SS), (206 * SS, 232 * SS), (190 * SS, 239 * SS)], fill=(0, 0, 0, 0)
    )
    draw.line(
        (175 * SS, 1040 * SS, 450 * SS, 1075 * SS, 725 * SS, 1040 * SS),
        fill=(140, 102, 66, 255),
        width=3 * SS,
    )
    # One-way degassing valve.
    draw.ellipse((420 * SS, 250 * SS, 480 * SS, 310 * SS), fill=(232, 222, 206, 255))
    draw.ellipse((436 * SS, 266 * SS, 464 * SS, 294 * SS), fill=(196, 184, 166, 255))
    # The label.
    draw.rounded_rectangle(
        (250 * SS, 360 * SS, 650 * SS, 900 * SS), radius=18 * SS, fill=(244, 233, 220, 255)
    )
    draw.rectangle((250 * SS, 430 * SS, 650 * SS, 442 * SS), fill=(200, 85, 61, 255))
    serif = HALDEN / "fonts" / "DejaVuSerif-Bold.ttf"
    sans = HALDEN / "fonts" / "DejaVuSans.ttf"
    ink = (27, 20, 16, 255)
    _centred(draw, 450, 398, "HALDEN", _font(serif, 46), (59, 36, 24, 255))
    _centred(draw, 450, 470, "COFFEE ROASTERS", _font(sans, 20), ink)
    _centred(draw, 450, 560, "Huila", _font(serif, 54), ink)
    _centred(draw, 450, 615, "Colombia · single origin", _font(sans, 22), ink)
    draw.line((300 * SS, 660 * SS, 600 * SS, 660 * SS), fill=(122, 140, 110, 255), width=2 * SS)
    _centred(draw, 450, 700, "cocoa · red apple · panela", _font(sans, 21), ink)
    _centred(draw, 450, 750, "medium roast", _font(sans, 21), ink)
    _centred(draw, 450, 840, "250 g  ·  whole bean", _font(sans, 24), (59, 36, 24, 255))
    # A few beans spilled in front.
    for cx, cy, size, angle in (
        (120, 1100, 70, 0.5),
        (205, 1135, 62, -0.9),
        (780, 1110, 68, 1.2),
        (705, 1145, 58, 0.2),
    ):
        _bean(draw, cx, cy, size, angle)
    return canvas.resize((width, height), Image.Resampling.LANCZOS)


def invoice_phone() -> Image.Image:
    width, height = 760, 1240
    ground = (237, 239, 243)
    canvas = Image.new("RGB", (width * SS, height * SS), ground)
    draw = ImageDraw.Draw(canvas)
    navy, mint, blue, ink, slate, paper = (
        (15, 42, 74),
        (43, 182, 115),
        (31, 95, 214),
        (20, 24, 31),
        (91, 107, 130),
        (247, 249, 252),
    )
    bold = LEDGERLY / "fonts" / "DejaVuSans-Bold.ttf"
    sans = LEDGERLY / "fonts" / "DejaVuSans.ttf"
    # Phone body and screen.
    draw.rounded_rectangle(
        (110 * SS, 60 * SS, 650 * SS, 1180 * SS), radius=70 * SS, fill=(28, 31, 38)
    )
    draw.rounded_rectangle((126 * SS, 76 * SS, 634 * SS, 1164 * SS), radius=56 * SS, fill=paper)
    draw.rounded_rectangle(
        (320 * SS, 92 * SS, 440 * SS, 118 * SS), radius=13 * SS, fill=(28, 31, 38)
    )
    # App bar.
    draw.rectangle((126 * SS, 140 * SS, 634 * SS, 230 * SS), fill=navy)
    draw.text(
        (160 * SS, 185 * SS), "Ledgerly", font=_font(bold, 34), fill=(255, 255, 255), anchor="lm"
    )
    draw.ellipse((570 * SS, 165 * SS, 610 * SS, 205 * SS), fill=mint)
    # Invoice header.
    draw.text((160 * SS, 280 * SS), "Invoice #1042", font=_font(bold, 30), fill=ink, anchor="lm")
    draw.rounded_rectangle((480 * SS, 262 * SS, 600 * SS, 300 * SS), radius=19 * SS, fill=mint)
    draw.text((540 * SS, 281 * SS), "Paid", font=_font(bold, 22), fill=(255, 255, 255), anchor="mm")
    draw.text(
        (160 * SS, 330 * SS),
        "Fernwood Studio · due 14 Nov",
        font=_font(sans, 21),
        fill=slate,
        anchor="lm",
    )
    # Line items.
    items = (("Brand workshop", "$900.00"), ("Logo refresh", "$640.00"), ("Print files", "$300.00"))
    y = 400
    for label, amount in items:
        draw.line(
            (160 * SS, (y - 30) * SS, 600 * SS, (y - 30) * SS), fill=(221, 226, 234), width=2 * SS
        )
        draw.text((160 * SS, y * SS), label, font=_font(sans, 24), fill=ink, anchor="lm")
        draw.text((600 * SS, y * SS), amount, font=_font(sans, 24), fill=ink, anchor="rm")
        y += 70
    draw.line(
        (160 * SS, (y - 30) * SS, 600 * SS, (y - 30) * SS), fill=(221, 226, 234), width=2 * SS
    )
    draw.text((160 * SS, (y + 10) * SS), "Total", font=_font(bold, 28), fill=ink, anchor="lm")
    draw.text((600 * SS, (y + 10) * SS), "$1,840.00", font=_font(bold, 32), fill=navy, anchor="rm")
    # A payments chart: paid in days, last six invoices.
    draw.text(
        (160 * SS, 730 * SS), "Days to get paid", font=_font(sans, 21), fill=slate, anchor="lm"
    )
    for k, days in enumerate((21, 18, 12, 9, 7, 6)):
        x = 170 + k * 72
        draw.rounded_rectangle(
            (x * SS, (900 - days * 6) * SS, (x + 44) * SS, 900 * SS),
            radius=8 * SS,
            fill=mint if k >= 3 else (180, 196, 214),
        )
    # Primary action.
    draw.rounded_rectangle((160 * SS, 990 * SS, 600 * SS, 1066 * SS), radius=18 * SS, fill=blue)
    draw.text(
        (380 * SS, 1028 * SS),
        "Send invoice",
        font=_font(bold, 28),
        fill=(255, 255, 255),
        anchor="mm",
    )
    draw.rounded_rectangle(
        (320 * SS, 1130 * SS, 440 * SS, 1140 * SS), radius=5 * SS, fill=(28, 31, 38)
    )
    return canvas.resize((width, height), Image.Resampling.LANCZOS)


def main() -> None:
    for path, image in (
        (HALDEN / "product" / "coffee-bag.png", coffee_bag()),
        (LEDGERLY / "product" / "invoice-app.png", invoice_phone()),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, optimize=True)
        print(
            f"wrote {path.relative_to(REPO)} ({image.width}x{image.height}, {path.stat().st_size // 1024} KiB)"
        )


if __name__ == "__main__":
    main()
