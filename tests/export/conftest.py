"""People, campaigns, approved variants and real asset files for the export tests.

Variants come from :mod:`tests.factories`, approved through the real review state machine (submit
by a creative, approve by a brand manager), so the manifest's approval record is the one a
user's export would carry.
Images are real PNGs written by :func:`studio.imaging.provenance.save_png`; the video is a
real H.264 MP4 encoded by the bundled ffmpeg with provenance tags, made once per session.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlmodel import Session

from studio.core.database import get_engine
from studio.core.models import Asset, User, Variant, VariantStatus, utcnow
from studio.imaging.probe import ffmpeg_exe
from studio.imaging.provenance import Provenance, ffmpeg_metadata_args, save_png, store_video
from tests import factories
from tests.factories import (  # noqa: F401  (the export tests import them from here)
    FIELDS,
    make_campaign,
    make_decided_test,
)
from tests.people import PASSWORD, PEOPLE, add_people, password_hash  # noqa: F401

PROVENANCE = Provenance(
    backend="offline",
    model="offline-renderer-1",
    seed=11,
    prompt_hash="ab" * 32,
    ai_generated=False,
    template="image_background.j2",
)


def make_variant(session: Session, **kwargs: Any) -> Variant:
    """An export-ready variant (tests.factories.make_variant): approved through the state machine
    and scored, unless the test says otherwise."""
    kwargs.setdefault("status", VariantStatus.approved)
    kwargs.setdefault("predicted_ctr", 0.031)
    kwargs.setdefault("ctr_explanation", {"top_features": ["fresh", "roast"]})
    return factories.make_variant(session, **kwargs)


def gradient(width: int, height: int, seed: int = 0) -> Image.Image:
    """A smooth image (compresses like a photo background, unlike noise)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 200, size=3)
    y = np.linspace(0, 1, height)[:, None, None]
    x = np.linspace(0, 1, width)[None, :, None]
    pixels = base + 50 * y - 30 * x
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def add_image(
    session: Session,
    *,
    variant_id: int,
    asset_dir: Path,
    width: int,
    height: int,
    qc: list[dict[str, Any]] | None = None,
    approved: bool = True,
) -> Asset:
    """A real PNG and its row; ``approved`` stands for a file the variant had when it was approved
    (the export takes only those, see ``tests/security/test_approved_media.py``)."""
    stored = save_png(gradient(width, height, seed=variant_id), PROVENANCE, asset_dir)
    asset = Asset(
        variant_id=variant_id,
        kind="image",
        size_label=f"{width}x{height}",
        width=width,
        height=height,
        path=stored.relative,
        sha256=stored.sha256,
        backend=PROVENANCE.backend,
        model=PROVENANCE.model,
        seed=PROVENANCE.seed,
        prompt_hash=PROVENANCE.prompt_hash,
        qc=qc
        if qc is not None
        else [
            {
                "rule": "text_contrast",
                "element": "headline",
                "passed": True,
                "message": "contrast 7.1:1 >= 4.5:1",
            }
        ],
        approved_at=utcnow() if approved else None,
    )
    session.add(asset)
    session.commit()
    return asset


def make_image_ad(
    session: Session, *, campaign_id: int, asset_dir: Path, **variant: Any
) -> Variant:
    """An export-ready Meta feed variant (``variant`` overrides :func:`make_variant`'s arguments)
    with one square 1080x1080 image; committed."""
    variant.setdefault("channel", "meta_feed")
    made = make_variant(session, campaign_id=campaign_id, **variant)
    assert made.id is not None
    add_image(session, variant_id=made.id, asset_dir=asset_dir, width=1080, height=1080)
    return made


def encode_video(output: Path, *, sound: bool = True) -> Path:
    """A 5.5 s, 540x960 (TikTok's minimum), 12 fps H.264 MP4 with provenance at ``output``; with
    a sine-tone AAC track when ``sound``."""
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=5.5"] if sound else []
    audio = ["-c:a", "aac", "-shortest"] if sound else []
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=540x960:rate=12:duration=5.5",
            *tone,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            *audio,
            *ffmpeg_metadata_args(PROVENANCE),
            str(output),
        ],
        check=True,
        capture_output=True,
    )
    return output


@pytest.fixture(scope="session")
def video_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5.5 s, 540x960 (TikTok's minimum), 12 fps H.264 MP4 with a sine-tone AAC track and provenance."""
    return encode_video(tmp_path_factory.mktemp("video") / "clip.mp4")


def add_video(
    session: Session,
    *,
    variant_id: int,
    asset_dir: Path,
    source: Path,
    duration_s: float = 5.5,
    approved: bool = True,
) -> Asset:
    copy = asset_dir / "incoming.mp4"
    asset_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    stored = store_video(copy, asset_dir)
    asset = Asset(
        variant_id=variant_id,
        kind="video",
        size_label="540x960",
        width=540,
        height=960,
        duration_s=duration_s,
        path=stored.relative,
        sha256=stored.sha256,
        backend=PROVENANCE.backend,
        model=PROVENANCE.model,
        seed=PROVENANCE.seed,
        prompt_hash=PROVENANCE.prompt_hash,
        qc=[
            {
                "rule": "video_codec",
                "element": "video",
                "passed": True,
                "message": "video codec is h264",
            }
        ],
        approved_at=utcnow() if approved else None,
    )
    session.add(asset)
    session.commit()
    return asset


@pytest.fixture
def db(studio_env: dict[str, str]) -> Iterator[Session]:
    """A session on the database the CLI and the app use in ``studio_env``, with the people."""
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as session:
        add_people(session)
        yield session


@pytest.fixture
def asset_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "assets"
    folder.mkdir()
    return folder


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    return add_people(session)


@pytest.fixture
def campaign_id(session: Session, people: dict[str, User]) -> int:
    return make_campaign(session)


@pytest.fixture
def variant_factory(session: Session, campaign_id: int) -> Callable[..., Variant]:
    def factory(**kwargs: Any) -> Variant:
        return make_variant(session, campaign_id=kwargs.pop("campaign_id", campaign_id), **kwargs)

    return factory
