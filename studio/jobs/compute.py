"""Model-holding computes: the work of a job's items as picklable functions of plain data.

An executor (:mod:`studio.jobs.executors`) runs these in the worker's process or on a Ray actor;
they never touch the database. The worker turns its rows into payloads, and the results back
into rows.

:func:`render_images` makes one finished file per payload (a still image ad, or a video ad for a
video format) through the same code as :func:`studio.imaging.render.render_variant`
(:func:`~studio.imaging.render.render_image_files`, :func:`~studio.imaging.render.render_video_file`)
and stores it in the asset store (``STUDIO_ASSET_DIR``, a folder or a URL the cluster shares).
The image backend is built once per process and kept (a diffusion model is loaded once per Ray
actor, not once per batch); brand kits are kept until the brand's files change.

Payload (:func:`render_payloads` builds them for a variant, one per file)::

    {
      "variant": {"id": 12, "brand": "halden-coffee", "persona": "home-baristas",
                  "channel": "meta_feed", "fields": {...the copy...}},
      "brand_dir": "/srv/studio/brand_guidelines",   # the folder of brand folders
      "format": "1080x1080",                        # one of the channel's formats
      "scale": 1.0,                                 # fraction of the platform size
      "seed": 42,                                   # the file's seed (reproduces it alone)
      "layout": "split_panel",                      # None: the variant's own (choose_layout)
      "steps": 25, "guidance": 7.0,                 # diffusion settings
      "backend": {"image_backend": "diffusers", "diffusers_model": "...", "device": "cuda",
                  "diffusers_resolution": 512, "video_backend": None, "video_model": None},
      "asset_dir": "s3://bucket/assets",
      "video": {"duration_s": 8.0, "fps": 30, "scenes": 2},   # used by video formats
    }

Result::

    {"variant_id": 12, "path": "images/<sha256>.png", "sha256": "...", "url": "s3://...",
     "asset": {...the Asset row's values...}, "notes": [...],
     "image_backend": "offline", "image_model": "..."}

:func:`render_variant_files` is the render job's compute (:class:`studio.jobs.kinds.RenderKind`):
one job item per variant, its payload ``{"variant_id": 12, "files": [file payloads]}`` and its
result ``{"variant_id": 12, "files": [file results]}``, so the worker records a variant's files
and its audit entry in one commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.backends.contracts import MAX_BATCH, ImageBackend
from studio.brand.guidelines import Brand, load_brand
from studio.core.assets import asset_store, is_url
from studio.core.errors import NotFound
from studio.core.models import Variant
from studio.core.settings import Settings
from studio.imaging.backends import make_image_backend, make_video_backend
from studio.imaging.compositor import BrandKit
from studio.imaging.formats import AdFormat, formats_for
from studio.imaging.product import product_photo
from studio.imaging.render import (
    FormatRender,
    RenderedFile,
    RenderOptions,
    ad_copy_for,
    choose_layout,
    layouts_available,
    render_image_files,
    render_video_file,
    video_duration,
)

if TYPE_CHECKING:
    from studio.imaging.video import VideoBackend

#: The settings a render's backends are built from; a payload carries them, so a Ray node
#: needs no studio environment variables of its own.
BACKEND_SETTINGS = (
    "image_backend",
    "diffusers_model",
    "device",
    "diffusers_resolution",
    "video_backend",
    "video_model",
)

# Per-process caches: on a Ray actor they live as long as the actor.
_IMAGE_BACKENDS: dict[str, ImageBackend] = {}
_VIDEO_BACKENDS: dict[str, VideoBackend] = {}
_BRANDS: dict[tuple[str, str], tuple[tuple[tuple[str, int], ...], Brand, BrandKit]] = {}


@dataclass(frozen=True)
class PayloadVariant:
    """A variant's copy as a payload carries it (what the render reads of a Variant row)."""

    id: int | None
    brand: str
    persona: str
    channel: str
    fields: dict[str, Any]


def _cached(
    cache: dict[str, Any], backend: dict[str, Any], build: Callable[[Settings], Any]
) -> Any:
    key = json.dumps(backend, sort_keys=True)
    if key not in cache:
        cache[key] = build(Settings(**backend))
    return cache[key]


def _brand(brand_dir: str, slug: str) -> tuple[Brand, BrandKit]:
    """The brand and its kit, loaded again only when a file in its folder changed."""
    folder = Path(brand_dir) / slug
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()))
    cached = _BRANDS.get((brand_dir, slug))
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    brand, errors = load_brand(Path(brand_dir), slug)
    if brand is None:
        found = "; ".join(str(e) for e in errors) or "no such folder"
        raise NotFound("valid brand", slug, within=brand_dir, hint=f"Problems: {found}")
    kit = BrandKit.from_brand(brand)
    _BRANDS[(brand_dir, slug)] = (stamp, brand, kit)
    return brand, kit


def _format(channel: str, label: str, scale: float) -> AdFormat:
    for fmt in formats_for(channel):
        if fmt.size_label == label:
            return fmt if scale == 1.0 else fmt.scaled(scale)
    known = [f.size_label for f in formats_for(channel)]
    raise NotFound("format", label, known, within=f"channel {channel!r}")


def _render_one(payload: dict[str, Any]) -> dict[str, Any]:
    variant = PayloadVariant(**payload["variant"])
    brand, kit = _brand(payload["brand_dir"], variant.brand)
    copy = ad_copy_for(variant, brand)
    product = product_photo(brand)
    fmt = _format(variant.channel, payload["format"], float(payload.get("scale", 1.0)))
    backend = {key: payload["backend"].get(key) for key in BACKEND_SETTINGS}
    images: ImageBackend = _cached(_IMAGE_BACKENDS, backend, make_image_backend)
    job = FormatRender(
        images,
        brand,
        variant,
        fmt,
        copy=copy,
        kit=kit,
        seed=int(payload["seed"]),
        steps=int(payload["steps"]),
        guidance=float(payload["guidance"]),
        product=product,
    )
    made: RenderedFile
    notes: tuple[str, ...]
    remarks: list[str] = []
    if fmt.kind == "image":
        layout = payload.get("layout") or choose_layout(
            layouts_available(copy, brand), first_id=variant.id or 0, position=0
        )
        files, notes = render_image_files(
            job, count=1, layout=layout, asset_dir=payload["asset_dir"]
        )
        made = files[0]
    else:
        video = payload["video"]
        options = RenderOptions(
            video_duration_s=float(video["duration_s"]),
            fps=int(video["fps"]),
            video_scenes=int(video["scenes"]),
        )
        duration = video_duration(copy, options)
        if duration > options.video_duration_s:
            remarks.append(
                f"the {fmt.size_label} video runs {duration:g} s instead of "
                f"{options.video_duration_s:g} s so the headline can be read"
            )
        animator: VideoBackend = _cached(_VIDEO_BACKENDS, backend, make_video_backend)
        made, notes = render_video_file(
            job, animator, options=options, asset_dir=payload["asset_dir"]
        )
    row = made.row() | {"kind": str(made.kind)}
    return {
        "variant_id": variant.id,
        "path": made.path,
        "sha256": made.sha256,
        "url": asset_store(payload["asset_dir"]).url(made.path),
        "asset": row,
        "notes": remarks + list(notes),
        "image_backend": images.name,
        "image_model": images.model,
    }


def render_images(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One stored file per payload (see the module docstring for both shapes).

    Raises whatever the first failing payload raises (an executor then runs the batch's payloads
    one at a time, so each failure is reported against its own payload).
    """
    return [_render_one(payload) for payload in payloads]


def render_variant_files(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All the files of one variant per payload (the render job's compute, one item a variant).

    ``{"variant_id": 12, "files": [file payloads]}`` in, ``{"variant_id": 12, "files": [file
    results]}`` out (see the module docstring); a variant with no files gets ``"files": []``.
    Raises what the first failing file raises, so the item fails as a whole and runs again
    as a whole (its files already stored are found by their content hash).
    """
    return [
        {"variant_id": payload["variant_id"], "files": render_images(payload["files"])}
        for payload in payloads
    ]


def render_payloads(
    variant: Variant, *, settings: Settings, options: RenderOptions | None = None
) -> list[dict[str, Any]]:
    """The payloads of every file a render of ``variant`` makes, as :func:`render_variant` does.

    Seeds match :func:`studio.imaging.render.render_variant` (format ``i`` starts at
    ``seed + i * 8``; its images count up from there), so either path makes the same files.
    """
    options = options or RenderOptions()
    base_seed = variant.seed if options.seed is None else options.seed
    formats = [f for f in formats_for(variant.channel) if f.kind == "image" or options.video]
    common = {
        "variant": {
            "id": variant.id,
            "brand": variant.brand,
            "persona": variant.persona,
            "channel": variant.channel,
            "fields": variant.fields,
        },
        "brand_dir": str(Path(settings.brand_dir).resolve()),
        "scale": options.scale,
        "layout": options.layout,
        "steps": options.steps or settings.diffusers_steps,
        "guidance": settings.diffusers_guidance if options.guidance is None else options.guidance,
        "backend": {key: getattr(settings, key) for key in BACKEND_SETTINGS},
        # Absolute, so an actor started in another working directory writes to the same place.
        "asset_dir": settings.asset_dir
        if is_url(settings.asset_dir)
        else str(Path(settings.asset_dir).resolve()),
        "video": {
            "duration_s": options.video_duration_s,
            "fps": options.fps,
            "scenes": options.video_scenes,
        },
    }
    payloads = []
    for index, fmt in enumerate(formats):
        seed = base_seed + index * MAX_BATCH
        count = options.batch_size if fmt.kind == "image" else 1
        payloads += [common | {"format": fmt.size_label, "seed": seed + i} for i in range(count)]
    return payloads
