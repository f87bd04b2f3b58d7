"""Small previews of images and videos for lists (the Gallery), made once per file.

A thumbnail is a JPEG at most :data:`THUMBNAIL_PX` pixels on its longer side, kept at
``asset_dir/thumbnails/<sha256>-<px>.jpg``. Assets are stored under their content hash, so one
thumbnail serves every asset row that shares a file (a revision keeps its parent's files), and
it never goes stale. A video's thumbnail is its frame at :data:`VIDEO_FRAME_S` seconds (or
the first frame of a shorter clip).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from PIL import Image

from studio.core.errors import InvalidValue, UserFacingError
from studio.core.models import Asset, AssetKind
from studio.imaging.probe import ffmpeg_exe
from studio.imaging.provenance import asset_path

#: Longer side of a thumbnail in pixels (sharp at 160 px wide on a 2x screen).
THUMBNAIL_PX = 320
#: Where in a video its thumbnail frame is taken (after any fade-in).
VIDEO_FRAME_S = 1.0
FOLDER = "thumbnails"


class ThumbnailFailed(UserFacingError):
    """A file could not be read to make its thumbnail (the message names it and why)."""


def thumbnail_path(asset_dir: Path | str, asset: Asset, px: int = THUMBNAIL_PX) -> Path:
    """Where ``asset``'s thumbnail lives (whether or not it was made yet)."""
    if not 16 <= px <= 2048:
        raise InvalidValue(f"thumbnail size must be 16-2048 pixels; received {px}")
    return Path(asset_dir).resolve() / FOLDER / f"{asset.sha256}-{px}.jpg"


def thumbnail(asset_dir: Path | str, asset: Asset, px: int = THUMBNAIL_PX) -> Path:
    """The thumbnail of ``asset``, made now if it does not exist yet.

    Raises
    ------
    ThumbnailFailed
        The asset's file is missing or cannot be decoded.
    """
    target = thumbnail_path(asset_dir, asset, px)
    if target.is_file():
        return target
    source = asset_path(asset_dir, asset.path)
    if not source.is_file():
        raise ThumbnailFailed(
            f"{asset.kind} {asset.size_label}: file {asset.path} is missing from the asset folder"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part.jpg")
    if asset.kind == AssetKind.video:
        _video_frame(source, partial, px)
    else:
        _image(source, partial, px)
    partial.replace(target)  # atomic: a reader never sees half a thumbnail
    return target


def _image(source: Path, output: Path, px: int) -> None:
    try:
        with Image.open(source) as image:
            small = image.convert("RGB")
            small.thumbnail((px, px), Image.Resampling.LANCZOS)
            small.save(output, "JPEG", quality=85, optimize=True)
    except OSError as exc:
        raise ThumbnailFailed(f"image {source.name} could not be read: {exc}") from exc


def _video_frame(source: Path, output: Path, px: int) -> None:
    scale = f"scale='if(gt(iw,ih),{px},-2)':'if(gt(iw,ih),-2,{px})'"
    for seek in (VIDEO_FRAME_S, 0.0):  # a clip shorter than VIDEO_FRAME_S: its first frame
        command = [ffmpeg_exe(), "-loglevel", "error", "-y", "-ss", str(seek), "-i", str(source)]
        command += ["-frames:v", "1", "-vf", scale, "-q:v", "4", str(output)]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0 and output.is_file() and output.stat().st_size > 0:
            return
    raise ThumbnailFailed(
        f"video {source.name}: ffmpeg could not take a frame: {result.stderr.strip()[-300:]}"
    )
