"""Write a contact sheet of rendered ads per example brand: every layout, several formats, a video.

Run from the repository root::

    .venv/bin/python benchmarks/contact_sheet.py [--out docs/contact-sheets] [--video-scale 0.5]

For each brand it renders, with the default (offline) backends and the brand's product photo,
12 image ads (each of the six layouts once in a square or portrait size and once in a
landscape or 9:16 size, with headlines and buttons from the guideline), runs brand QC on each,
and encodes the 9:16 video ad (with its music bed) to show six of its frames as a strip. It
writes ``<out>/<brand>.png`` and prints, per ad, the layout, size, render seconds and the QC
checks that failed, and for the video its duration, audio stream and first-frame contrast.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
CELL_H = 300
PAD = 16
LABEL_H = 26


def _sheet_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(REPO / "brand_guidelines/ledgerly/fonts/DejaVuSans.ttf"), size)


def _variant(brand_slug: str, index: int, headline: str, cta: str) -> object:
    from studio.core.models import Variant

    return Variant(
        id=index,
        campaign_id=0,
        brand=brand_slug,
        persona="",
        channel="meta_feed",
        fields={"headline": headline, "call_to_action": cta},
        backend="offline",
        model="",
        seed=index,
        prompt_template="",
        prompt_hash="",
        created_by="",
    )


def render_brand(slug: str, out: Path, video_scale: float, video: bool) -> None:
    from studio.backends.contracts import ImageRequest
    from studio.backends.image_offline import OfflineImageBackend
    from studio.brand.guidelines import load_catalog
    from studio.imaging.compositor import (
        BrandKit,
        compose,
        layout_regions,
        place_product,
        resolve_layout,
    )
    from studio.imaging.formats import LANDSCAPE, PORTRAIT, SQUARE, STORY
    from studio.imaging.layouts import LAYOUT_NAMES
    from studio.imaging.product import product_photo
    from studio.imaging.qc import check_image
    from studio.imaging.render import ad_copy_for

    brand = load_catalog(REPO / "brand_guidelines").get(slug)
    guideline = brand.guideline
    kit = BrandKit.from_brand(brand)
    product = product_photo(brand)
    backend = OfflineImageBackend()
    headlines = [*guideline.value_propositions, *(c.text for c in guideline.approved_claims)]
    tiles: list[tuple[Image.Image, str]] = []
    print(f"{guideline.name}")
    print(f"  {'layout':<15} {'size':<10} {'seconds':>7}  qc")
    for k, name in enumerate(LAYOUT_NAMES):
        for row, fmt in enumerate(((SQUARE, PORTRAIT)[k % 2], (LANDSCAPE, STORY)[k % 2])):
            index = k * 2 + row
            variant = _variant(
                slug,
                index,
                headlines[index % len(headlines)],
                guideline.calls_to_action[index % len(guideline.calls_to_action)],
            )
            started = time.perf_counter()
            copy = ad_copy_for(variant, brand)  # type: ignore[arg-type]
            regions = layout_regions(resolve_layout(name, fmt), fmt)
            scaled = placed = None
            if product is not None and "product" in regions:
                scaled, box = place_product(product, regions["product"])
                placed = box.as_tuple()
            generated = backend.generate(
                ImageRequest(
                    prompt="",
                    width=fmt.width,
                    height=fmt.height,
                    seed=100 + index,
                    colors=kit.colors,
                    motifs=tuple(guideline.product_motifs),
                    motif_box=regions["motifs"].as_tuple() if "motifs" in regions else None,
                    product=scaled,
                    product_box=placed,
                )
            )
            ad = compose(
                generated.images[0],
                copy,
                kit,
                fmt,
                layout=name,
                product=product,
                motif_mask=generated.motif_masks[0],
            )
            checks = check_image(ad, kit.palette)
            seconds = time.perf_counter() - started
            failed = [f"{c.rule}({c.element})" for c in checks if not c.passed]
            print(
                f"  {name:<15} {fmt.size_label:<10} {seconds:>7.2f}  "
                + (f"FAILED {', '.join(failed)}" if failed else f"all {len(checks)} passed")
            )
            label = f"{name} · {fmt.aspect}" + ("" if not failed else " · QC failed")
            tiles.append((ad.image, label))

    strip, video_label = _video_strip(brand, kit, video_scale) if video else ([], "")
    _write_sheet(tiles, strip, video_label, out / f"{slug}.png", guideline.name)


def _video_strip(brand: object, kit: object, scale: float) -> tuple[list[Image.Image], str]:
    from moviepy import VideoFileClip

    from studio.backends.contracts import ImageRequest
    from studio.backends.image_offline import OfflineImageBackend
    from studio.imaging.compositor import AdCopy
    from studio.imaging.formats import VIDEO_FORMATS
    from studio.imaging.probe import probe_video
    from studio.imaging.video import MoviePyVideoBackend, VideoRequest, first_frame_contrast

    fmt = VIDEO_FORMATS["9:16"].scaled(scale)
    guideline = brand.guideline  # type: ignore[attr-defined]
    backgrounds = (
        OfflineImageBackend()
        .generate(
            ImageRequest(
                prompt="",
                width=fmt.width,
                height=fmt.height,
                seed=7,
                num_images=2,
                colors=kit.colors,  # type: ignore[attr-defined]
                motifs=tuple(guideline.product_motifs),
            )
        )
        .images
    )
    request = VideoRequest(
        backgrounds,
        AdCopy(guideline.value_propositions[0], guideline.calls_to_action[0]),
        kit,  # type: ignore[arg-type]
        fmt,
        duration_s=8.0,
        fps=24,
        seed=7,
    )
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        encoded = MoviePyVideoBackend().render(request, Path(scratch) / "ad.mp4")
        seconds = time.perf_counter() - started
        probe = probe_video(encoded.path)
        clip = VideoFileClip(str(encoded.path))
        times = [0.0, 1.5, 3.0, 4.5, 6.0, 7.5]
        frames = [Image.fromarray(clip.get_frame(t)) for t in times]
        contrast = first_frame_contrast(request, encoded.path)
        clip.close()
    print(
        f"  video {fmt.size_label}: {probe.duration_s:.2f} s, {probe.codec}, audio "
        f"{probe.audio_codec or 'none'}, first-frame headline contrast {contrast:.2f}:1, "
        f"encoded in {seconds:.1f} s"
    )
    label = (
        f"9:16 video, {probe.duration_s:.0f} s with music bed; frames at "
        + ", ".join(f"{t:g}" for t in times)
        + " s"
    )
    return frames, label


def _write_sheet(
    tiles: list[tuple[Image.Image, str]],
    strip: list[Image.Image],
    strip_label: str,
    path: Path,
    title: str,
) -> None:
    font = _sheet_font(15)
    title_font = _sheet_font(24)

    def thumb(image: Image.Image, height: int) -> Image.Image:
        return image.resize(
            (round(image.width * height / image.height), height), Image.Resampling.LANCZOS
        )

    # Two rows: the square/portrait ads, then landscape/story ones (sorted by layout order).
    rows = [
        [(thumb(img, CELL_H), label) for img, label in tiles[0::2]],
        [(thumb(img, CELL_H), label) for img, label in tiles[1::2]],
    ]
    strip_thumbs = [thumb(frame, CELL_H) for frame in strip]
    width = max(
        sum(t.width for t, _ in row) + PAD * (len(row) + 1)
        for row in [*rows, [(s, "") for s in strip_thumbs]]
    )
    height = 60 + 3 * (CELL_H + LABEL_H + PAD) + PAD
    sheet = Image.new("RGB", (width, height), (250, 250, 248))
    draw = ImageDraw.Draw(sheet)
    draw.text(
        (PAD, 18), f"{title}: 12 ads (six layouts) and a video", font=title_font, fill=(20, 20, 20)
    )
    y = 60
    for row in rows:
        x = PAD
        for image, label in row:
            sheet.paste(image, (x, y))
            draw.text((x, y + CELL_H + 4), label, font=font, fill=(60, 60, 60))
            x += image.width + PAD
        y += CELL_H + LABEL_H + PAD
    x = PAD
    for frame in strip_thumbs:
        sheet.paste(frame, (x, y))
        x += frame.width + PAD
    draw.text((PAD, y + CELL_H + 4), strip_label, font=font, fill=(60, 60, 60))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)
    print(f"  wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "contact-sheets")
    parser.add_argument("--video-scale", type=float, default=0.5)
    parser.add_argument("--brand", action="append", help="brand slug (default: both examples)")
    parser.add_argument(
        "--no-video", action="store_true", help="leave out the video strip (a quicker look)"
    )
    args = parser.parse_args()
    for slug in args.brand or ["halden-coffee", "ledgerly"]:
        render_brand(slug, args.out.resolve(), args.video_scale, not args.no_video)


if __name__ == "__main__":
    main()
