"""Provenance in every file, and content-hash file names under the asset folder.

Each image carries PNG text chunks and each video MP4 metadata tags with the same keys::

    studio:backend         offline | diffusers | moviepy | <image-to-video model backend>
    studio:model           model path, hub id or renderer version
    studio:seed            integer seed that reproduces the pixels
    studio:prompt_hash     SHA-256 of the prompt and negative prompt (see :func:`prompt_hash`)
    studio:template        prompt template id (e.g. image_background.j2)
    studio:ai_generated    "true" when a trained model made any of the pixels
    studio:source_type     IPTC digital source type URI (the vocabulary C2PA uses)

MP4 keys use ``_`` instead of ``:`` (``studio_backend``), stored with ffmpeg's
``use_metadata_tags``; the standard ``comment`` tag repeats the AI flag for players that show
only standard tags.

Files are named by the SHA-256 of their bytes (``images/<sha>.png``, ``videos/<sha>.mp4``),
so the same render is stored once and a name proves the content. They are written through the
asset store (:mod:`studio.core.assets`): a local folder or an object store shared by a cluster.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from studio.core.assets import asset_store
from studio.core.errors import InvalidValue

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
#: A finished ad is a composite: brand elements over a background a model made, or not.
SOURCE_AI_COMPOSITE = IPTC + "compositeWithTrainedAlgorithmicMedia"
SOURCE_ALGORITHMIC = IPTC + "algorithmicMedia"

_KEYS = ("backend", "model", "seed", "prompt_hash", "template", "ai_generated", "source_type")


def prompt_hash(prompt: str, negative_prompt: str = "") -> str:
    """Hex SHA-256 identifying the exact prompt pair sent to the image model (64 characters)."""
    return hashlib.sha256(f"{prompt}\x00{negative_prompt}".encode()).hexdigest()


@dataclass(frozen=True)
class Provenance:
    """Where a file came from; written into the file and into :class:`studio.core.models.Asset`."""

    backend: str
    model: str
    seed: int
    prompt_hash: str
    ai_generated: bool
    template: str = ""

    @property
    def source_type(self) -> str:
        return SOURCE_AI_COMPOSITE if self.ai_generated else SOURCE_ALGORITHMIC

    def tags(self, separator: Literal[":", "_"] = ":") -> dict[str, str]:
        values = {
            "backend": self.backend,
            "model": self.model,
            "seed": str(self.seed),
            "prompt_hash": self.prompt_hash,
            "template": self.template,
            "ai_generated": "true" if self.ai_generated else "false",
            "source_type": self.source_type,
        }
        return {f"studio{separator}{key}": value for key, value in values.items()}

    @classmethod
    def from_tags(cls, tags: dict[str, str], *, source: str) -> Provenance:
        """Read provenance back from PNG text chunks or MP4 tags (either separator).

        Raises
        ------
        ValueError
            When a key is missing or malformed; the message names the file and the key.
        """
        found: dict[str, str] = {}
        for key in _KEYS:
            for name in (f"studio:{key}", f"studio_{key}"):
                if name in tags:
                    found[key] = tags[name]
        missing = [k for k in _KEYS if k not in found and k != "template"]
        if missing:
            raise InvalidValue(
                f"{source} has no provenance tag(s) {', '.join('studio:' + k for k in missing)}"
            )
        try:
            seed = int(found["seed"])
        except ValueError:
            raise InvalidValue(
                f"{source}: studio:seed is {found['seed']!r}, not an integer"
            ) from None
        if found["ai_generated"] not in ("true", "false"):
            raise InvalidValue(
                f"{source}: studio:ai_generated is {found['ai_generated']!r}; expected true or false"
            )
        return cls(
            backend=found["backend"],
            model=found["model"],
            seed=seed,
            prompt_hash=found["prompt_hash"],
            ai_generated=found["ai_generated"] == "true",
            template=found.get("template", ""),
        )


@dataclass(frozen=True)
class StoredFile:
    """A file in the asset store (:mod:`studio.core.assets`, ``STUDIO_ASSET_DIR``).

    Attributes
    ----------
    path : absolute path of the file when the store is a local folder; None for an object store.
    relative : its path relative to the store, POSIX style (what ``Asset.path`` stores).
    sha256 : hex SHA-256 of the bytes (also the file's stem).
    size_bytes : file size.
    url : where it lives (``file:///...``, ``s3://...``).
    """

    path: Path | None
    relative: str
    sha256: str
    size_bytes: int
    url: str


def asset_path(asset_dir: str | os.PathLike[str], relative: str) -> Path:
    """A local file for an ``Asset.path``, refusing paths that leave the asset store.

    For a local ``asset_dir`` the file itself; for a URL a copy cached on this machine
    (:meth:`studio.core.assets.AssetStore.local_path`).
    """
    return asset_store(os.fspath(asset_dir)).local_path(relative)


def _store_bytes(
    data: bytes, asset_dir: str | os.PathLike[str], folder: str, suffix: str
) -> StoredFile:
    store = asset_store(os.fspath(asset_dir))
    sha = hashlib.sha256(data).hexdigest()
    relative = f"{folder}/{sha}{suffix}"
    # Named by content: a file already there has these very bytes.
    url = store.url(relative) if store.exists(relative) else store.write(relative, data)
    path = store.local_path(relative) if store.is_local else None
    return StoredFile(path=path, relative=relative, sha256=sha, size_bytes=len(data), url=url)


def save_png(
    image: Image.Image, provenance: Provenance, asset_dir: str | os.PathLike[str]
) -> StoredFile:
    """Write ``image`` as PNG with provenance text chunks under ``asset_dir/images/<sha256>.png``."""
    info = PngInfo()
    for key, value in provenance.tags(":").items():
        info.add_text(key, value)
    info.add_text("Software", "studio")
    ai = "AI-generated background" if provenance.ai_generated else "procedurally drawn background"
    info.add_text(
        "Comment",
        f"Ad creative: {ai}; {provenance.backend} {provenance.model}, seed {provenance.seed}",
    )
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", pnginfo=info, optimize=False, compress_level=6)
    return _store_bytes(buffer.getvalue(), asset_dir, "images", ".png")


def store_video(encoded: Path, asset_dir: str | os.PathLike[str]) -> StoredFile:
    """Move an encoded MP4 to ``asset_dir/videos/<sha256>.mp4`` (the temporary file is removed)."""
    data = Path(encoded).read_bytes()
    stored = _store_bytes(data, asset_dir, "videos", ".mp4")
    if Path(encoded).resolve() != stored.path:
        Path(encoded).unlink(missing_ok=True)
    return stored


def mp4_tags(provenance: Provenance) -> dict[str, str]:
    """MP4 metadata tags for a video (``VideoRequest.metadata``): provenance plus a comment."""
    flag = "AI-generated" if provenance.ai_generated else "not AI-generated"
    return provenance.tags("_") | {
        "comment": f"Ad creative, {flag} (studio {provenance.backend}, seed {provenance.seed})"
    }


def ffmpeg_tag_args(tags: Mapping[str, str]) -> list[str]:
    """ffmpeg output options that write ``tags`` into an MP4 (custom keys kept)."""
    args = ["-movflags", "+faststart+use_metadata_tags"]
    for key, value in tags.items():
        args += ["-metadata", f"{key}={value}"]
    return args


def ffmpeg_metadata_args(provenance: Provenance) -> list[str]:
    """ffmpeg output options that write provenance into an MP4's metadata."""
    return ffmpeg_tag_args(mp4_tags(provenance))


def read_png_provenance(path: Path) -> Provenance:
    """Provenance stored in a PNG written by :func:`save_png`."""
    with Image.open(path) as image:
        tags = {str(k): str(v) for k, v in getattr(image, "text", {}).items()}
    return Provenance.from_tags(tags, source=str(path))


def read_video_provenance(path: Path) -> Provenance:
    """Provenance stored in an MP4 written with :func:`ffmpeg_metadata_args`."""
    from studio.imaging.probe import probe_video

    return Provenance.from_tags(probe_video(path).metadata, source=str(path))
