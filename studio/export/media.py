"""Images and videos resized and encoded to an ad platform's specs.

Planning (:func:`plan_media`) matches each of a variant's assets to a size the platform
accepts (by aspect ratio, within :data:`ASPECT_TOLERANCE`) and reports what is missing, too
small, lost on disk or failed brand QC, without touching any file. Preparing
(:func:`prepare_media`) then writes each planned file into a work folder:

* images: cover-cropped to the target size with the compositor's :func:`~studio.imaging.compositor.cover`
  and saved as baseline JPEG (every platform takes it), quality lowered step by step only if
  the platform's size limit demands it; the provenance goes into the EXIF description.
* videos: re-encoded with the ffmpeg that ships with imageio-ffmpeg to H.264 (yuv420p, the
  profile every platform decodes), AAC audio when there is a track, ``+faststart``, scaled and
  centre-cropped to the target, the provenance tags written again; length and file size are
  checked against the platform's limits with :func:`~studio.imaging.probe.probe_video`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from studio.core.errors import InvalidValue
from studio.core.models import AssetKind
from studio.export.base import ExportItem, ExportProblem, MediaRules, MediaTarget, PreparedMedia

#: Largest relative difference between a source's and a target's width/height ratio that is
#: cropped away rather than refused (2 %: 1200x628 -> 1200x627 is 0.16 %).
ASPECT_TOLERANCE = 0.02
JPEG_QUALITIES = (92, 85, 78, 70)


def match_target(rules: MediaRules, kind: str, width: int, height: int) -> MediaTarget | None:
    """The accepted size whose aspect ratio is closest to ``width / height``, if close enough."""
    if height <= 0 or width <= 0:
        return None
    ratio = width / height
    best: MediaTarget | None = None
    for target in rules.targets:
        if target.kind != kind:
            continue
        if abs(ratio - target.ratio) / target.ratio <= ASPECT_TOLERANCE and (
            best is None or abs(ratio - target.ratio) < abs(ratio - best.ratio)
        ):
            best = target
    return best


def _accepted(rules: MediaRules, kind: str) -> str:
    return (
        ", ".join(f"{t.aspect} ({t.size_label})" for t in rules.targets if t.kind == kind) or "none"
    )


def _wanted(rules: MediaRules) -> str:
    parts = []
    if rules.need in ("image", "image_or_video"):
        parts.append(f"an image at {_accepted(rules, 'image')}")
    if rules.need in ("video", "image_or_video"):
        parts.append(f"a video at {_accepted(rules, 'video')}")
    return " or ".join(parts)


def file_name(variant_id: int, asset_id: int, target: MediaTarget) -> str:
    suffix = ".jpg" if target.kind == "image" else ".mp4"
    return f"v{variant_id}-a{asset_id}-{target.size_label}{suffix}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_media(
    item: ExportItem, rules: MediaRules, platform_label: str, asset_dir: str | os.PathLike[str]
) -> tuple[list[PreparedMedia], list[ExportProblem]]:
    """Which of a variant's assets go into the export, at which size, and what stops it.

    Returns
    -------
    planned : one :class:`PreparedMedia` (without data yet) per usable asset, preferred first;
        the first is the one the sheet names (``in_sheet``).
    problems : errors (missing media, unreadable files, too small, failed QC) and warnings
        (assets the platform has no use for, which are left out).
    """
    from studio.imaging.provenance import asset_path

    vid = item.variant_id
    problems: list[ExportProblem] = []
    if rules.need == "none":
        if item.assets:
            problems.append(
                ExportProblem(
                    vid,
                    "(variant)",
                    "media_unused",
                    f"{len(item.assets)} asset(s) left out: {platform_label} "
                    "ads of this kind are text only",
                    "warning",
                )
            )
        return [], problems
    planned: list[PreparedMedia] = []
    for asset in item.assets:
        where = f"asset {asset.id}"
        if not rules.accepts(asset.kind):
            problems.append(
                ExportProblem(
                    vid,
                    where,
                    "media_unused",
                    f"{asset.kind} {asset.width}x{asset.height} left out: "
                    f"{platform_label} takes no {asset.kind}s here",
                    "warning",
                )
            )
            continue
        target = match_target(rules, asset.kind, asset.width, asset.height)
        if target is None:
            problems.append(
                ExportProblem(
                    vid,
                    where,
                    "media_aspect",
                    f"{asset.kind} is {asset.width}x{asset.height}; {platform_label} "
                    f"takes {asset.kind}s at {_accepted(rules, asset.kind)}",
                    "warning",
                )
            )
            continue
        try:
            source = asset_path(asset_dir, asset.path)
        except ValueError as exc:
            problems.append(ExportProblem(vid, where, "media_file", str(exc)))
            continue
        if not source.is_file():
            problems.append(
                ExportProblem(
                    vid,
                    where,
                    "media_file",
                    f"file {asset.path} is not in the asset folder {asset_dir}; "
                    "render the variant's assets again",
                )
            )
            continue
        if _file_sha256(source) != asset.sha256:
            # The approval covered the file with this hash; different bytes were not approved.
            problems.append(
                ExportProblem(
                    vid,
                    where,
                    "media_changed",
                    f"file {asset.path} no longer matches what was recorded and approved "
                    f"(SHA-256 {asset.sha256[:12]}...); render the variant again as a new revision",
                )
            )
            continue
        if asset.width < target.width or asset.height < target.height:
            # Never blown up: a smaller source is written at its own size (same ratio), which
            # the platform accepts as long as it is above the minimum checked next.
            scale = min(asset.width / target.width, asset.height / target.height)
            target = replace(
                target, width=round(target.width * scale), height=round(target.height * scale)
            )
        if asset.width < target.min_width or asset.height < target.min_height:
            problems.append(
                ExportProblem(
                    vid,
                    where,
                    "media_too_small",
                    f"{asset.kind} is {asset.width}x{asset.height}; {platform_label} "
                    f"needs at least {target.min_width}x{target.min_height} for "
                    f"{target.aspect}; render it larger",
                )
            )
            continue
        if (
            asset.kind == AssetKind.video
            and asset.duration_s is not None
            and not (rules.video_min_s - 0.05 <= asset.duration_s <= rules.video_max_s + 0.05)
        ):
            problems.append(
                ExportProblem(
                    vid,
                    where,
                    "video_duration",
                    f"video lasts {asset.duration_s:.2f} s; {platform_label} takes "
                    f"{rules.video_min_s:g}-{rules.video_max_s:g} s",
                )
            )
            continue
        failed = [check for check in asset.qc if not check.get("passed", False)]
        if failed:
            names = "; ".join(f"{c.get('rule', '?')}: {c.get('message', '')}" for c in failed)
            problems.append(
                ExportProblem(
                    vid,
                    where,
                    "media_qc",
                    f"failed brand QC ({names}); fix or re-render it before it runs",
                )
            )
            continue
        planned.append(
            PreparedMedia(
                asset=asset, target=target, file_name=file_name(vid, asset.id or 0, target)
            )
        )
    order = {(t.kind, t.aspect): i for i, t in enumerate(rules.targets)}
    planned.sort(key=lambda p: (order[p.target.kind, p.target.aspect], p.asset.id or 0))
    if planned:
        planned[0] = replace(planned[0], in_sheet=True)
    elif not any(p.severity == "error" for p in problems):
        problems.append(
            ExportProblem(
                vid,
                "(variant)",
                "media_missing",
                f"{platform_label} ads need {_wanted(rules)}; this variant has "
                "none usable: render its assets first",
            )
        )
    return planned, problems


def _provenance(asset: Any, source: Path) -> dict[str, Any]:
    """The asset row's record, plus the AI flag and source type read back from the file."""
    from studio.imaging.provenance import read_png_provenance, read_video_provenance

    record: dict[str, Any] = {
        "backend": asset.backend,
        "model": asset.model,
        "seed": asset.seed,
        "prompt_hash": asset.prompt_hash,
        "source_sha256": asset.sha256,
    }
    try:
        embedded = (
            read_video_provenance(source)
            if asset.kind == AssetKind.video
            else read_png_provenance(source)
        )
    except (ValueError, OSError) as exc:
        record["embedded"] = None
        record["embedded_error"] = str(exc)
    else:
        record["embedded"] = {
            "backend": embedded.backend,
            "model": embedded.model,
            "seed": embedded.seed,
            "prompt_hash": embedded.prompt_hash,
            "template": embedded.template,
            "ai_generated": embedded.ai_generated,
            "source_type": embedded.source_type,
        }
        record["ai_generated"] = embedded.ai_generated
    return record


def _encode_image(
    source: Path, target: MediaTarget, provenance: dict[str, Any], max_bytes: int
) -> bytes | None:
    from PIL import Image

    from studio.backends.contracts import cover

    with Image.open(source) as image:
        fitted = cover(image, target.width, target.height)
    exif = Image.Exif()
    exif[0x010E] = "Ad creative; provenance " + json.dumps(
        provenance, sort_keys=True, default=str
    )  # ImageDescription
    exif[0x0131] = "studio"  # Software
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        fitted.save(buffer, format="JPEG", quality=quality, exif=exif.tobytes(), optimize=True)
        if not max_bytes or buffer.tell() <= max_bytes:
            return buffer.getvalue()
    return None


def _encode_video(
    source: Path, output: Path, target: MediaTarget, asset: Any, rules: MediaRules
) -> None:
    from studio.imaging.probe import ffmpeg_exe, probe_video
    from studio.imaging.provenance import Provenance, ffmpeg_metadata_args, read_video_provenance

    try:
        provenance = read_video_provenance(source)
    except ValueError:
        provenance = Provenance(
            backend=asset.backend,
            model=asset.model,
            seed=asset.seed,
            prompt_hash=asset.prompt_hash,
            ai_generated=False,
        )
    has_audio = probe_video(source).audio_codec is not None
    w, h = target.width, target.height
    command = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(source),
        "-vf",
        f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        *(
            # Constant bitrate with filler: a simple clip cannot fall under the platform's floor.
            [
                "-b:v",
                f"{rules.video_kbps}k",
                "-minrate",
                f"{rules.video_kbps}k",
                "-maxrate",
                f"{rules.video_kbps}k",
                "-bufsize",
                f"{2 * rules.video_kbps}k",
                "-x264-params",
                "nal-hrd=cbr",
            ]
            if rules.video_kbps
            else ["-crf", "20"]
        ),
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
    ]
    command += ["-c:a", "aac", "-b:a", "128k"] if has_audio else ["-an"]
    command += ffmpeg_metadata_args(provenance)
    command += [str(output)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (
            result.stderr.strip().splitlines()[-1]
            if result.stderr.strip()
            else f"exit {result.returncode}"
        )
        raise InvalidValue(f"ffmpeg could not encode {source.name}: {last}")


def prepare_media(
    planned: Sequence[PreparedMedia],
    rules: MediaRules,
    platform_label: str,
    asset_dir: str | os.PathLike[str],
    work_dir: Path,
) -> tuple[list[PreparedMedia], list[ExportProblem]]:
    """Encode every planned file into ``work_dir``; returns them with hashes and sizes, and problems.

    Problems found here (a file over the platform's size limit, a video too short or too
    long, a file ffmpeg cannot read) stop the export like the checks before.
    """
    from studio.imaging.probe import probe_video
    from studio.imaging.provenance import asset_path

    done: list[PreparedMedia] = []
    problems: list[ExportProblem] = []
    for item in planned:
        asset = item.asset
        vid, where = asset.variant_id, f"asset {asset.id}"
        source = asset_path(asset_dir, asset.path)
        output = work_dir / item.file_name
        provenance = _provenance(asset, source)
        duration: float | None = None
        if item.target.kind == "image":
            try:
                data = _encode_image(source, item.target, provenance, rules.image_max_bytes)
            except OSError as exc:
                problems.append(
                    ExportProblem(
                        vid,
                        where,
                        "media_encode",
                        f"image file {asset.path} cannot be read ({exc}); render it again",
                    )
                )
                continue
            if data is None:
                problems.append(
                    ExportProblem(
                        vid,
                        where,
                        "media_size",
                        f"image stays above {platform_label}'s limit of "
                        f"{rules.image_max_bytes / 2**20:.0f} MiB even at JPEG quality "
                        f"{JPEG_QUALITIES[-1]}",
                    )
                )
                continue
            output.write_bytes(data)
        else:
            try:
                _encode_video(source, output, item.target, asset, rules)
                probe = probe_video(output)
                duration = probe.duration_s
            except ValueError as exc:
                problems.append(ExportProblem(vid, where, "media_encode", str(exc)))
                continue
            if not rules.video_min_s - 0.05 <= duration <= rules.video_max_s + 0.05:
                problems.append(
                    ExportProblem(
                        vid,
                        where,
                        "video_duration",
                        f"video lasts {duration:.2f} s; {platform_label} takes "
                        f"{rules.video_min_s:g}-{rules.video_max_s:g} s",
                    )
                )
                continue
            data = output.read_bytes()
            if rules.video_audio == "required" and probe.audio_codec is None:
                problems.append(
                    ExportProblem(
                        vid,
                        where,
                        "video_audio",
                        f"video has no audio track; {platform_label} plays ads with sound: "
                        "render it with music or a voice-over",
                    )
                )
                continue
            kbps = len(data) * 8 / 1000 / duration if duration else 0.0
            if kbps < rules.video_min_kbps:
                problems.append(
                    ExportProblem(
                        vid,
                        where,
                        "video_bitrate",
                        f"video is {kbps:.0f} kb/s; {platform_label} needs at least "
                        f"{rules.video_min_kbps:g} kb/s",
                    )
                )
                continue
            if rules.video_max_bytes and len(data) > rules.video_max_bytes:
                problems.append(
                    ExportProblem(
                        vid,
                        where,
                        "media_size",
                        f"video is {len(data) / 2**20:.1f} MiB; {platform_label} takes "
                        f"at most {rules.video_max_bytes / 2**20:.0f} MiB",
                    )
                )
                continue
        done.append(
            replace(
                item,
                data_path=output,
                sha256=hashlib.sha256(data).hexdigest(),
                md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                size_bytes=len(data),
                duration_s=duration if duration is not None else asset.duration_s,
                provenance=provenance,
            )
        )
    return done, problems
