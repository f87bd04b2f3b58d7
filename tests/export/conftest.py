"""People, campaigns, approved variants and real asset files for the export tests.

Variants are approved through the real review state machine (submit by a creative, approve by a
brand manager), so the manifest's approval record is the one a user's export would carry.
Images are real PNGs written by :func:`studio.imaging.provenance.save_png`; the video is a
real H.264 MP4 encoded by the bundled ffmpeg with provenance tags, made once per session.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlmodel import Session

from studio.copy import variants as variant_queries
from studio.core.models import Asset, User, Variant, VariantStatus, utcnow
from studio.imaging.probe import ffmpeg_exe
from studio.imaging.provenance import Provenance, ffmpeg_metadata_args, save_png, store_video
from studio.review import workflow as review
from tests.people import PASSWORD, PEOPLE, add_people, password_hash  # noqa: F401

FIELDS: dict[str, dict[str, Any]] = {
    "google_rsa": {
        "headlines": ["Fresh beans, every week", "Roasted to order", "Halden Coffee Roasters"],
        "descriptions": [
            "Single-origin coffee shipped fresh to your door.",
            "Pause, skip or swap your subscription in two clicks.",
        ],
        "path1": "coffee",
        "path2": "subscribe",
    },
    "meta_feed": {
        "primary_text": "Beans roasted to order and shipped fresh to your door. New subscribers only. Cancel anytime.",
        "headline": "Find your roast",
        "description": "Tasting notes with every bag",
        "call_to_action": "SHOP_NOW",
    },
    "linkedin_sponsored": {
        "intro_text": "Fresh single-origin coffee for the office, roasted to order. Offer ends 31 Dec 2026.",
        "headline": "Coffee your team will queue for",
        "call_to_action": "LEARN_MORE",
    },
    "tiktok": {
        "ad_text": "Roasted this week, in your cup next week. New subscribers only. Cancel anytime.",
        "call_to_action": "SHOP_NOW",
    },
}

PROVENANCE = Provenance(
    backend="offline",
    model="offline-renderer-1",
    seed=11,
    prompt_hash="ab" * 32,
    ai_generated=False,
    template="image_background.j2",
)


def make_campaign(
    session: Session,
    *,
    name: str = "Spring subscriptions",
    objective: str = "traffic",
    landing_url: str = "https://haldencoffee.example/spring",
) -> int:
    campaign = variant_queries.create_campaign(
        session,
        brand="halden-coffee",
        name=name,
        objective=objective,
        landing_url=landing_url,
        created_by="cara",
    )
    session.commit()
    assert campaign.id is not None
    return campaign.id


def make_variant(
    session: Session,
    *,
    campaign_id: int,
    channel: str = "meta_feed",
    status: VariantStatus = VariantStatus.approved,
    fields: dict[str, Any] | None = None,
    persona: str = "home-baristas",
    predicted_ctr: float | None = 0.031,
) -> Variant:
    """A variant brought to ``status`` the way a user would (through the state machine)."""
    variant = Variant(
        campaign_id=campaign_id,
        brand="halden-coffee",
        persona=persona,
        channel=channel,
        fields=dict(fields if fields is not None else FIELDS[channel]),
        status=VariantStatus.draft,
        backend="offline",
        model="offline-v1",
        seed=7,
        prompt_template=f"copy/{channel}",
        prompt_hash="0" * 64,
        prompt="brief",
        created_by="cara",
        predicted_ctr=predicted_ctr,
        ctr_low=None if predicted_ctr is None else predicted_ctr - 0.01,
        ctr_high=None if predicted_ctr is None else predicted_ctr + 0.01,
        ctr_explanation={"top_features": ["fresh", "roast"]},
    )
    session.add(variant)
    session.commit()
    assert variant.id is not None
    if status != VariantStatus.draft:
        review.submit(session, variant_id=variant.id, actor="cara")
    if status in (
        VariantStatus.approved,
        VariantStatus.in_test,
        VariantStatus.winner,
        VariantStatus.exported,
        VariantStatus.retired,
    ):
        review.approve(session, variant_id=variant.id, actor="bea", comment="on brand")
    elif status == VariantStatus.rejected:
        review.reject(session, variant_id=variant.id, actor="bea", reason="off brand")
    if status in (VariantStatus.in_test, VariantStatus.winner, VariantStatus.retired):
        review.transition(session, variant_id=variant.id, target=VariantStatus.in_test, actor="mia")
    if status == VariantStatus.winner:
        review.transition(session, variant_id=variant.id, target=VariantStatus.winner, actor="mia")
    if status == VariantStatus.retired:
        review.transition(session, variant_id=variant.id, target=VariantStatus.retired, actor="mia")
    if status == VariantStatus.exported:
        review.transition(
            session, variant_id=variant.id, target=VariantStatus.exported, actor="mia"
        )
    session.commit()
    session.refresh(variant)
    assert variant.status == status
    return variant


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


@pytest.fixture(scope="session")
def video_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5.5 s, 540x960 (TikTok's minimum), 12 fps H.264 MP4 with a sine-tone AAC track and provenance."""
    folder = tmp_path_factory.mktemp("video")
    encoded = folder / "clip.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=540x960:rate=12:duration=5.5",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=5.5",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
         *ffmpeg_metadata_args(PROVENANCE), str(encoded)],
        check=True, capture_output=True,
    )  # fmt: skip
    return encoded


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
