"""Print ad-platform export speed: preview (check) and full export, per platform.

Run from the repository root::

    .venv/bin/python benchmarks/export_speed.py [--variants 20]

On a temporary SQLite database it makes ``--variants`` approved variants per platform (Meta and
LinkedIn with one image each, rendered at the studio's own sizes; Google text only; TikTok with
one 6 s 720x1280 video) and prints, per platform: the seconds a preview takes (select, check
every field and asset, build the rows), the seconds a full export takes (encode media, write
the zip, move the variants to exported, record), variants per second, and the zip's size.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sqlmodel import Session

from studio.copy import variants as variant_queries
from studio.core.database import get_engine, upgrade
from studio.core.models import Asset, Role, Variant, VariantStatus
from studio.export import ExportScope, export, plan_export
from studio.imaging.probe import ffmpeg_exe
from studio.imaging.provenance import Provenance, ffmpeg_metadata_args, save_png, store_video
from studio.review import account_queries as user_queries
from studio.review.accounts import hash_password

FIELDS = {
    "google_rsa": {
        "headlines": ["Fresh beans, every week", "Roasted to order", "Halden Coffee"],
        "descriptions": ["Single-origin coffee shipped fresh.", "Pause or skip in two clicks."],
    },
    "meta_feed": {
        "primary_text": "Beans roasted to order, shipped fresh. New subscribers only. Cancel anytime.",
        "headline": "Find your roast",
        "description": "Tasting notes in every bag",
        "call_to_action": "SHOP_NOW",
    },
    "linkedin_sponsored": {
        "intro_text": "Fresh coffee for the office. Offer ends 31 Dec 2026.",
        "headline": "Coffee your team will queue for",
        "call_to_action": "LEARN_MORE",
    },
    "tiktok": {
        "ad_text": "Roasted this week, in your cup next week. Cancel anytime.",
        "call_to_action": "SHOP_NOW",
    },
}
PLATFORM_CHANNEL = {
    "google_ads": "google_rsa",
    "meta": "meta_feed",
    "linkedin": "linkedin_sponsored",
    "tiktok": "tiktok",
}
IMAGE_SIZE = {"meta_feed": (1080, 1080), "linkedin_sponsored": (1200, 628)}
PROVENANCE = Provenance(
    backend="offline", model="bench", seed=1, prompt_hash="0" * 64, ai_generated=False
)


def _video(folder: Path) -> Path:
    path = folder / "clip.mp4"
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
            "testsrc2=size=720x1280:rate=30:duration=6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            *ffmpeg_metadata_args(PROVENANCE),
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path


def _seed(
    session: Session, campaign_id: int, channel: str, n: int, asset_dir: Path, video: Path
) -> None:
    rng = np.random.default_rng(0)
    for i in range(n):
        variant = Variant(
            campaign_id=campaign_id,
            brand="halden-coffee",
            persona="home-baristas",
            channel=channel,
            fields=FIELDS[channel],
            status=VariantStatus.approved,
            backend="offline",
            model="bench",
            seed=i,
            prompt_template="bench",
            prompt_hash="0" * 64,
            created_by="bench",
        )
        session.add(variant)
        session.flush()
        if channel in IMAGE_SIZE:
            w, h = IMAGE_SIZE[channel]
            base = rng.integers(30, 200, size=3)
            pixels = (
                base
                + 60 * np.linspace(0, 1, h)[:, None, None]
                - 40 * np.linspace(0, 1, w)[None, :, None]
            )
            stored = save_png(
                Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), PROVENANCE, asset_dir
            )
            kind, duration = "image", None
        elif channel == "tiktok":
            copy = asset_dir / f"incoming-{i}.mp4"
            shutil.copyfile(video, copy)
            stored = store_video(copy, asset_dir)
            (w, h), kind, duration = (720, 1280), "video", 6.0
        else:
            continue
        session.add(
            Asset(
                variant_id=variant.id,
                kind=kind,
                size_label=f"{w}x{h}",
                width=w,
                height=h,
                duration_s=duration,
                path=stored.relative,
                sha256=stored.sha256,
                backend="offline",
                model="bench",
                seed=i,
                prompt_hash="0" * 64,
                qc=[],
            )
        )
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants", type=int, default=20, help="Variants per platform (TikTok: a quarter)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'bench.db'}"
        upgrade(url)
        asset_dir = root / "assets"
        asset_dir.mkdir()
        video = _video(root)
        print(
            f"{'platform':<12}{'variants':>9}{'preview s':>11}{'export s':>10}{'variants/s':>12}{'zip MiB':>9}"
        )
        with Session(get_engine(url), expire_on_commit=False) as session:
            user_queries.add_user(
                session,
                username="bench",
                display_name="Bench",
                role=Role.admin,
                password_hash=hash_password("benchmark passphrase"),
            )
            session.commit()
            for platform, channel in PLATFORM_CHANNEL.items():
                n = max(1, args.variants // 4) if platform == "tiktok" else args.variants
                campaign = variant_queries.create_campaign(
                    session,
                    brand="halden-coffee",
                    name=f"Bench {platform}",
                    objective="traffic",
                    landing_url="https://example.com/x",
                    created_by="bench",
                )
                session.commit()
                _seed(session, campaign.id, channel, n, asset_dir, video)
                scope = ExportScope.campaign(campaign.id)
                start = time.perf_counter()
                plan = plan_export(session, platform=platform, scope=scope, asset_dir=asset_dir)
                previewed = time.perf_counter() - start
                assert plan.ok, plan.problems
                output = root / f"{platform}.zip"
                start = time.perf_counter()
                export(
                    session,
                    platform=platform,
                    scope=scope,
                    output=output,
                    actor="bench",
                    asset_dir=asset_dir,
                )
                session.commit()
                exported = time.perf_counter() - start
                print(
                    f"{platform:<12}{n:>9}{previewed:>11.3f}{exported:>10.2f}{n / exported:>12.1f}"
                    f"{output.stat().st_size / 2**20:>9.1f}"
                )


if __name__ == "__main__":
    main()
