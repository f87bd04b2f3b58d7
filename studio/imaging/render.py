"""A variant in, its images and videos out: the render pipeline.

For each variant, every format its channel needs (:data:`studio.imaging.formats.CHANNEL_FORMATS`):

* images: each variant of a set gets its own layout (:mod:`studio.imaging.layouts`; no two
  variants share one while an unused one fits); the image backend draws ``batch_size``
  backgrounds from the prompt template ``prompts/image_background.j2``, keeping motifs in the
  layout's motif region and painting around the brand's product photo where it can; the
  compositor adds the product, logo, headline, button and the layout's offer or proof; brand
  QC checks the pixels; the PNG (with provenance) goes to the asset folder under its content
  hash;
* videos: the image backend draws 1-3 backgrounds, the video backend animates them with the
  copy and sound (the brand's ``music.mp3``/``music.m4a``/``music.wav`` if present, else the
  studio's synthesised music bed), lengthening the clip when the headline needs longer to be
  read; QC checks the encoded file against the channel's limits and the poster frame against
  the brand.

Each file becomes an :class:`studio.core.models.Asset` row (the same file rendered again for the
same variant is not recorded twice) and one audit entry per variant records the run.
Progress is reported after every file through an optional callback.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import Session

from studio.backends.contracts import MAX_BATCH, GeneratedImages, ImageBackend, ImageRequest
from studio.brand.guidelines import Brand, BrandCatalog, Guideline
from studio.copy import variants as variant_crud
from studio.copy.prompts import RenderedPrompt, render
from studio.core import audit
from studio.core.errors import InvalidValue
from studio.core.models import Asset, AssetKind, Variant
from studio.core.progress import Progress, ProgressCallback
from studio.core.settings import Settings
from studio.imaging.backends import make_image_backend, make_video_backend
from studio.imaging.compositor import (
    AdCopy,
    BrandKit,
    compose,
    layout_regions,
    place_product,
    rating_in,
    resolve_layout,
)
from studio.imaging.formats import CLIP_MAX_S, CLIP_MIN_S, AdFormat, formats_for
from studio.imaging.layouts import LAYOUT_NAMES, LayoutSpec, Need, eligible
from studio.imaging.probe import probe_video
from studio.imaging.product import product_photo
from studio.imaging.provenance import Provenance, mp4_tags, prompt_hash, save_png, store_video
from studio.imaging.qc import QcCheck, check_image, check_video
from studio.imaging.video import (
    VIDEO_PANEL_ALPHA,
    VideoBackend,
    VideoRequest,
    min_duration_s,
    reading_seconds,
)

TEMPLATE = "image_background.j2"
MUSIC_FILES = ("music.mp3", "music.m4a", "music.wav")
#: Fields that carry the on-image headline, by preference (TikTok has only its ad text).
HEADLINE_FIELDS = ("headline", "headlines", "ad_text")


@dataclass(frozen=True)
class RenderOptions:
    """Choices for one render run.

    Attributes
    ----------
    seed : base seed; None uses each variant's own seed (so a re-render reproduces it).
    steps, guidance : diffusion settings; None uses ``STUDIO_DIFFUSERS_STEPS``/``_GUIDANCE``.
    batch_size : backgrounds per image format, each its own asset (1-8).
    video : whether to make the videos a channel needs.
    video_duration_s : clip length, 6-15 seconds.
    video_scenes : backgrounds per video, 1-3.
    fps : video frame rate.
    scale : fraction of the platform sizes, 0.05-1 (quick previews). Files below a platform's
        minimum size fail QC, so previews are never mistaken for finished ads.
    layout : one layout for every image (:data:`studio.imaging.layouts.LAYOUT_NAMES`); None
        spreads the layouts over the set of variants rendered together.
    """

    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    batch_size: int = 1
    video: bool = True
    video_duration_s: float = 8.0
    video_scenes: int = 2
    fps: int = 30
    scale: float = 1.0
    layout: str | None = None

    def __post_init__(self) -> None:
        if self.layout is not None and self.layout not in LAYOUT_NAMES:
            raise InvalidValue(
                f"layout must be one of {', '.join(LAYOUT_NAMES)}; received {self.layout!r}"
            )
        if not 0.05 <= self.scale <= 1.0:
            raise InvalidValue(
                f"scale must be 0.05-1 (a fraction of the platform size); received {self.scale}"
            )
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise InvalidValue(f"batch_size must be 1-{MAX_BATCH}; received {self.batch_size}")
        if not CLIP_MIN_S <= self.video_duration_s <= CLIP_MAX_S:
            raise InvalidValue(
                f"video_duration_s must be {CLIP_MIN_S:g}-{CLIP_MAX_S:g} seconds; received {self.video_duration_s}"
            )
        if not 1 <= self.video_scenes <= 3:
            raise InvalidValue(f"video_scenes must be 1-3; received {self.video_scenes}")
        if self.seed is not None and self.seed < 0:
            raise InvalidValue(f"seed must be >= 0; received {self.seed}")


@dataclass
class RenderReport:
    """What one variant got.

    Attributes
    ----------
    variant_id : the variant.
    assets : rows recorded (or found already recorded) for the files made in this run.
    notes : remarks from the backends (e.g. motifs drawn as abstract badges).
    skipped : why nothing was made (e.g. a text-only channel), or None.
    layout : the layout of its images (:data:`studio.imaging.layouts.LAYOUT_NAMES`), or None.
    """

    variant_id: int
    assets: list[Asset] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    layout: str | None = None

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [
            check for asset in self.assets for check in asset.qc if not check.get("passed", False)
        ]


class VariantCopy(Protocol):
    """What rendering reads of a variant: a :class:`Variant` row, or its copy in a job's payload."""

    @property
    def id(self) -> int | None: ...
    @property
    def persona(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def fields(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class RenderedFile:
    """A file a render stored, with what its :class:`studio.core.models.Asset` row records.

    Plain data (no database), so a render on a Ray actor can send it back to the worker.
    ``path`` is relative to the asset store; ``qc`` holds the brand QC checks as dicts.
    """

    kind: AssetKind
    size_label: str
    width: int
    height: int
    duration_s: float | None
    path: str
    sha256: str
    backend: str
    model: str
    seed: int
    prompt_hash: str
    qc: list[dict[str, Any]]

    def row(self) -> dict[str, Any]:
        """The Asset row's values (everything but ``variant_id``)."""
        return asdict(self)


def files_for(variant: Variant, options: RenderOptions) -> int:
    """How many files a render of ``variant`` makes (for progress bars)."""
    formats = formats_for(variant.channel)
    images = sum(options.batch_size for f in formats if f.kind == "image")
    videos = sum(1 for f in formats if f.kind == "video") if options.video else 0
    return images + videos


def cta_label(value: str) -> str:
    """A platform CTA code as button text: ``SHOP_NOW`` -> ``Shop now``; free text unchanged."""
    if value.isupper() or "_" in value:
        return value.replace("_", " ").strip().capitalize()
    return value


def ad_copy_for(variant: VariantCopy, brand: Brand) -> AdCopy:
    """The headline and button text for the variant's images.

    Raises
    ------
    ValueError
        If the variant has no headline-like field (the message lists the fields it has).
    """
    return ad_copy_from(variant.fields, brand.guideline, variant_id=variant.id)


def ad_copy_from(
    fields: Mapping[str, Any], guideline: Guideline, *, variant_id: int | None = None
) -> AdCopy:
    """Every word a variant's images and videos show, from its copy ``fields``.

    Two variants of one brand, persona, channel and seed with equal ``ad_copy_from`` get the
    same media, which is how a revision keeps its parent's
    (:func:`studio.review.workflow.media_unchanged`).

    Raises
    ------
    ValueError
        If ``fields`` have no headline-like field (the message lists the fields there are).
    """
    headline = None
    for name in HEADLINE_FIELDS:
        value = fields.get(name)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            headline = value
            break
    if headline is None:
        raise InvalidValue(
            f"variant {variant_id} has no text for the image headline; looked for {', '.join(HEADLINE_FIELDS)} "
            f"in its fields ({', '.join(sorted(fields)) or 'none'})"
        )
    cta = fields.get("call_to_action")
    button = (
        cta_label(cta) if isinstance(cta, str) and cta.strip() else guideline.calls_to_action[0]
    )
    offers = [c.text for c in guideline.approved_claims if _OFFER.search(c.text)]
    proofs = [c.text for c in guideline.approved_claims if not _OFFER.search(c.text)]
    words = " ".join(
        v if isinstance(v, str) else " ".join(str(x) for x in v) for v in fields.values()
    ).lower()
    # Prefer what the copy itself says; ratings make the best proof line.
    offer = next((o for o in offers if o.lower() in words), offers[0] if offers else None)
    proof = next(
        (p for p in proofs if p.lower() in words),
        next((p for p in proofs if rating_in(p) is not None), proofs[0] if proofs else None),
    )
    return AdCopy(headline=headline, cta=button, offer=offer, proof=proof)


#: An approved claim that is an offer (a discount or a free period) rather than a proof point.
_OFFER = re.compile(r"\d+\s*%|\bfree\b|\boff\b", re.IGNORECASE)


def layouts_available(copy: AdCopy, brand: Brand) -> list[str]:
    """The layouts an ad of ``brand`` with ``copy`` can use, in :data:`LAYOUT_NAMES` order."""
    have: frozenset[Need] = copy.has(product=bool(brand.guideline.product_photos))
    return eligible(LAYOUT_NAMES, have)


def choose_layout(available: Sequence[str], *, first_id: int, position: int) -> str:
    """The layout of the variant at ``position`` in a set whose lowest variant id is ``first_id``.

    Layouts are dealt in order from ``first_id``: no two variants of a set share a layout while
    an unused one is available, and a set of consecutive variants (a campaign) gets the same
    layouts when its variants are rendered one at a time (``position = variant_id - first_id``).
    """
    return available[(first_id + position) % len(available)]


def image_prompt(
    brand: Brand, variant: VariantCopy, fmt: AdFormat, headline: str
) -> tuple[RenderedPrompt, str]:
    """The rendered background prompt and the negative prompt (the brand's ``negative_prompts``)."""
    from studio.copy.channels import get_channel

    guideline = brand.guideline
    prompt = render(
        TEMPLATE,
        guideline=guideline,
        persona=brand.persona(variant.persona),
        headline=headline,
        channel=get_channel(variant.channel).name,
        aspect=fmt.aspect,
        colors=[f"{c.name} ({c.hex})" for c in guideline.colors],
    )
    return prompt, ", ".join(guideline.negative_prompts)


def brand_music(brand: Brand) -> Path | None:
    """The brand folder's music file, if it ships one (first of :data:`MUSIC_FILES`)."""
    for name in MUSIC_FILES:
        path = brand.optional_file(name)
        if path is not None:
            return path
    return None


def video_duration(copy: AdCopy, options: RenderOptions) -> float:
    """The clip length: ``options.video_duration_s``, longer when the headline needs it.

    Raises
    ------
    InvalidValue
        When even a :data:`CLIP_MAX_S` clip cannot show the headline long enough to read.
    """
    needed = min_duration_s(copy)
    if needed > CLIP_MAX_S:
        raise InvalidValue(
            f"the headline {copy.headline!r} needs {reading_seconds(copy.headline):.1f} s on "
            f"screen, more than a {CLIP_MAX_S:g} s clip can give; shorten it for the video"
        )
    return max(options.video_duration_s, needed)


class AssetRecorder:
    """Adds Asset rows, once per (variant, file): a file already recorded for the variant (by
    its content hash) is found, not added again (a render run twice, a job item run again)."""

    def __init__(self, session: Session, variant: Variant) -> None:
        self.session = session
        self.variant = variant
        self.known = {
            a.sha256: a for a in variant_crud.list_assets(session, variant_ids=[variant.id or 0])
        }

    def add(self, **values: Any) -> Asset:
        existing = self.known.get(values["sha256"])
        if existing is not None:
            return existing
        asset = Asset(variant_id=self.variant.id or 0, **values)
        self.session.add(asset)
        self.session.flush()
        self.known[asset.sha256] = asset
        return asset


def render_variant(
    session: Session,
    *,
    variant_id: int,
    catalog: BrandCatalog,
    settings: Settings,
    options: RenderOptions | None = None,
    actor: str,
    image_backend: ImageBackend | None = None,
    video_backend: VideoBackend | None = None,
    progress: ProgressCallback | None = None,
    _done: int = 0,
    _total: int | None = None,
    _first_id: int | None = None,
    _position: int = 0,
) -> RenderReport:
    """Make every image and video ``variant_id``'s channel needs and record them.

    Backends default to the ones ``settings`` name. Raises ``KeyError`` for an unknown
    variant, brand or persona and ``ValueError`` for copy or settings that cannot be rendered;
    the caller's transaction then holds nothing from this variant (files already written stay
    in the asset folder under their content hash, harmless and reused by the next run).
    ``actor`` must be an active user whose role may generate (``studio.review.accounts.PermissionDenied``
    otherwise), so the app and the CLI obey the same rule. The images' layout is
    ``options.layout`` or :func:`choose_layout` for the variant's place in its set (alone, the
    set is the variant itself).
    """
    from studio.review import accounts as auth

    auth.require(session, username=actor, permission=auth.Permission.generate)
    options = options or RenderOptions()
    variant = variant_crud.get_variant(session, variant_id=variant_id)
    total = _total if _total is not None else files_for(variant, options)
    report = RenderReport(variant_id=variant_id)
    formats = [
        f if options.scale == 1.0 else f.scaled(options.scale)
        for f in formats_for(variant.channel)
        if f.kind == "image" or options.video
    ]
    if not formats:
        report.skipped = f"channel {variant.channel} takes no images or videos"
        return report
    # Approved media are frozen with the copy (only what a person approved is exported); this
    # also tells a reviewer who opened the variant before these files that it changed.
    from studio.review.workflow import claim_for_media

    claim_for_media(session, variant_id=variant_id)
    brand = catalog.get(variant.brand)
    kit = BrandKit.from_brand(brand)
    copy = ad_copy_for(variant, brand)
    layout_name = options.layout or choose_layout(
        layouts_available(copy, brand),
        first_id=variant_id if _first_id is None else _first_id,
        position=_position,
    )
    report.layout = layout_name
    product = product_photo(brand)
    images = image_backend or make_image_backend(settings)
    base_seed = variant.seed if options.seed is None else options.seed
    steps = options.steps or settings.diffusers_steps
    guidance = settings.diffusers_guidance if options.guidance is None else options.guidance
    recorder = AssetRecorder(session, variant)
    done = _done

    def tick(message: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(Progress(done, total, f"variant {variant_id}: {message}"))

    for index, fmt in enumerate(formats):
        job = FormatRender(
            images,
            brand,
            variant,
            fmt,
            copy=copy,
            kit=kit,
            seed=base_seed + index * MAX_BATCH,
            steps=steps,
            guidance=guidance,
            product=product,
        )
        if fmt.kind == "image":
            files, notes = render_image_files(
                job, count=options.batch_size, layout=layout_name, asset_dir=settings.asset_dir
            )
            for made in files:
                report.assets.append(recorder.add(**made.row()))
                tick(f"{fmt.size_label} image, seed {made.seed}")
        else:
            duration = video_duration(copy, options)
            if duration > options.video_duration_s:
                report.notes.append(
                    f"the {fmt.size_label} video runs {duration:g} s instead of "
                    f"{options.video_duration_s:g} s so the headline can be read"
                )
            made, notes = render_video_file(
                job,
                video_backend or make_video_backend(settings),
                options=options,
                asset_dir=settings.asset_dir,
            )
            report.assets.append(recorder.add(**made.row()))
            tick(f"{fmt.size_label} video")
        report.notes.extend(n for n in notes if n not in report.notes)
    audit.record(
        session,
        actor=actor,
        action="variant.render",
        entity_type="variant",
        entity_id=variant_id,
        after={
            "assets": [a.id for a in report.assets],
            "image_backend": images.name,
            "model": images.model,
            "seed": base_seed,
            "qc_failed": len(report.failed_checks),
            "layout": layout_name,
        },
    )
    return report


@dataclass(frozen=True)
class FormatRender:
    """One variant's files in one format: the image backend that draws the backgrounds and what
    goes on them.

    File ``i`` of a batch uses seed ``seed + i``; ``steps`` and ``guidance`` go to the image
    backend; ``product`` is the brand's product photo
    (:func:`studio.imaging.product.product_photo`) or None.
    """

    images: ImageBackend
    brand: Brand
    variant: VariantCopy
    fmt: AdFormat
    copy: AdCopy
    kit: BrandKit
    seed: int
    steps: int
    guidance: float
    product: Any = None

    def backgrounds(self, *, count: int, layout: str) -> tuple[GeneratedImages, str, LayoutSpec]:
        """``count`` backgrounds (seeds ``seed``, ``seed + 1``, ...), the prompt hash and the
        resolved layout (``layout`` names one of :data:`studio.imaging.layouts.LAYOUT_NAMES`).

        Motifs stay in the layout's motif region (none when it has none) and the backend paints
        around the product photo where the layout places one.
        """
        fmt = self.fmt
        prompt, negative = image_prompt(self.brand, self.variant, fmt, self.copy.headline)
        spec = resolve_layout(layout, fmt)
        regions = layout_regions(spec, fmt)
        scaled_product = product_box = None
        if self.product is not None and "product" in regions:
            scaled_product, placed = place_product(self.product, regions["product"])
            product_box = placed.as_tuple()
        generated = self.images.generate(
            ImageRequest(
                prompt=prompt.text,
                negative_prompt=negative,
                width=fmt.width,
                height=fmt.height,
                seed=self.seed,
                num_images=count,
                steps=self.steps,
                guidance=self.guidance,
                colors=self.kit.colors,
                motifs=tuple(self.brand.guideline.product_motifs) if "motifs" in regions else (),
                motif_box=regions["motifs"].as_tuple() if "motifs" in regions else None,
                product=scaled_product,
                product_box=product_box,
            )
        )
        return generated, prompt_hash(prompt.text, negative), spec


def render_image_files(
    job: FormatRender, *, count: int, layout: str, asset_dir: str | os.PathLike[str]
) -> tuple[list[RenderedFile], tuple[str, ...]]:
    """``count`` finished images of ``job``'s variant in its format: drawn, composed, checked,
    stored.

    Image ``i`` uses seed ``job.seed + i`` and reproduces alone. Nothing touches the database (a
    render on a Ray actor calls this too); returns the files and the backend's notes.
    ``layout`` names the layout (:data:`studio.imaging.layouts.LAYOUT_NAMES`).
    """
    copy, kit, fmt = job.copy, job.kit, job.fmt
    generated, hashed, spec = job.backgrounds(count=count, layout=layout)
    masks = generated.motif_masks or (None,) * len(generated.images)
    files = []
    for background, image_seed, mask in zip(generated.images, generated.seeds, masks, strict=True):
        composition = compose(
            background, copy, kit, fmt, layout=spec, product=job.product, motif_mask=mask
        )
        checks = check_image(composition, kit.palette, cta=copy.cta)
        provenance = Provenance(
            generated.backend, generated.model, image_seed, hashed, generated.ai_generated, TEMPLATE
        )
        stored = save_png(composition.image, provenance, asset_dir)
        files.append(
            RenderedFile(
                kind=AssetKind.image,
                size_label=fmt.size_label,
                width=fmt.width,
                height=fmt.height,
                duration_s=None,
                path=stored.relative,
                sha256=stored.sha256,
                backend=generated.backend,
                model=generated.model[:256],
                seed=image_seed,
                prompt_hash=hashed,
                qc=[c.as_dict() for c in checks],
            )
        )
    return files, generated.notes


def render_video_file(
    job: FormatRender,
    backend: VideoBackend,
    *,
    options: RenderOptions,
    asset_dir: str | os.PathLike[str],
) -> tuple[RenderedFile, tuple[str, ...]]:
    """One video ad of ``job``'s variant in its format from ``options.video_scenes``
    backgrounds, animated by ``backend``, stored.

    QC checks the encoded file against the channel's limits and the poster frame against the
    brand. Nothing touches the database; returns the file and the image backend's notes.
    Videos keep the full-bleed layout (the pictures move, the words stay put) and run longer
    than ``options.video_duration_s`` when the headline needs it (:func:`video_duration`).
    """
    copy, kit, fmt = job.copy, job.kit, job.fmt
    generated, hashed, _spec = job.backgrounds(count=options.video_scenes, layout="full_bleed")
    backgrounds = generated.images
    masks = generated.motif_masks or (None,) * len(backgrounds)
    ai = generated.ai_generated or bool(getattr(backend, "ai_generated", False))
    model = (
        generated.model
        if backend.model.startswith("moviepy")
        else f"{generated.model} + {backend.model}"
    )
    first_seed = generated.seeds[0]
    provenance = Provenance(
        f"{generated.backend}+{backend.name}"[:32], model[:256], first_seed, hashed, ai, TEMPLATE
    )
    with tempfile.TemporaryDirectory(prefix="studio-video-") as scratch_dir:
        # Encoded on this machine, then stored (the asset store may be a URL).
        scratch = Path(scratch_dir) / f"{uuid.uuid4().hex}.mp4"
        request = VideoRequest(
            backgrounds=tuple(backgrounds),
            copy=copy,
            kit=kit,
            fmt=fmt,
            duration_s=video_duration(copy, options),
            fps=options.fps,
            seed=first_seed,
            music=brand_music(job.brand),
            metadata=mp4_tags(provenance),
        )
        backend.render(request, scratch)
        probe = probe_video(scratch)
        stored = store_video(scratch, asset_dir)
    checks: list[QcCheck] = check_video(
        channel=job.variant.channel,
        fmt=fmt,
        codec=probe.codec,
        width=probe.width,
        height=probe.height,
        duration_s=probe.duration_s,
        audio_codec=probe.audio_codec,
    )
    poster = compose(
        backgrounds[0], copy, kit, fmt, motif_mask=masks[0], min_panel_alpha=VIDEO_PANEL_ALPHA
    )
    checks += check_image(poster, kit.palette)
    made = RenderedFile(
        kind=AssetKind.video,
        size_label=fmt.size_label,
        width=probe.width,
        height=probe.height,
        duration_s=round(probe.duration_s, 3),
        path=stored.relative,
        sha256=stored.sha256,
        backend=provenance.backend,
        model=provenance.model,
        seed=first_seed,
        prompt_hash=hashed,
        qc=[c.as_dict() for c in checks],
    )
    return made, generated.notes


def layout_places(variants: Sequence[Variant]) -> dict[int, tuple[int, int]]:
    """Each variant's ``(first_id, position)`` for :func:`choose_layout`, by variant id.

    Each brand's variants that get images form a set: layouts are dealt across it in id order.
    A variant whose channel takes no images or videos has no place.
    """
    places: dict[int, tuple[int, int]] = {}
    for brand in sorted({v.brand for v in variants}):
        members = sorted(v.id or 0 for v in variants if v.brand == brand and formats_for(v.channel))
        for position, member in enumerate(members):
            places[member] = (members[0], position)
    return places


def render_variants(
    session: Session,
    *,
    variant_ids: Sequence[int],
    catalog: BrandCatalog,
    settings: Settings,
    options: RenderOptions | None = None,
    actor: str,
    image_backend: ImageBackend | None = None,
    video_backend: VideoBackend | None = None,
    progress: ProgressCallback | None = None,
) -> list[RenderReport]:
    """Render several variants with one progress count across all of them (backends built once)."""
    options = options or RenderOptions()
    variants = [variant_crud.get_variant(session, variant_id=v) for v in variant_ids]
    total = sum(files_for(v, options) for v in variants)
    needs_images = any(formats_for(v.channel) for v in variants)
    images = image_backend or (make_image_backend(settings) if needs_images else None)
    needs_video = options.video and any(
        f.kind == "video" for v in variants for f in formats_for(v.channel)
    )
    videos = video_backend or (make_video_backend(settings) if needs_video else None)
    places = layout_places(variants)
    reports, done = [], 0
    for variant in variants:
        first_id, position = places.get(variant.id or 0, (variant.id or 0, 0))
        report = render_variant(
            session,
            variant_id=variant.id or 0,
            catalog=catalog,
            settings=settings,
            options=options,
            actor=actor,
            image_backend=images,
            video_backend=videos,
            progress=progress,
            _done=done,
            _total=total,
            _first_id=first_id,
            _position=position,
        )
        done += files_for(variant, options) if report.skipped is None else 0
        reports.append(report)
    return reports


def render_campaign(
    session: Session,
    *,
    campaign_id: int,
    catalog: BrandCatalog,
    settings: Settings,
    options: RenderOptions | None = None,
    actor: str,
    progress: ProgressCallback | None = None,
) -> list[RenderReport]:
    """Render every variant of a campaign (latest revisions and all, as listed)."""
    variant_crud.get_campaign(session, campaign_id=campaign_id)
    variants = variant_crud.list_variants(session, campaign_id=campaign_id, limit=10_000)
    return render_variants(
        session,
        variant_ids=sorted(v.id or 0 for v in variants),
        catalog=catalog,
        settings=settings,
        options=options,
        actor=actor,
        progress=progress,
    )
