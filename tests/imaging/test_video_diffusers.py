"""The image-to-video animator with a tiny Stable Video Diffusion pipeline built here from
configs (spatio-temporal UNet, temporal-decoder VAE, CLIP vision encoder and image processor,
Euler scheduler), saved, and loaded back through the setting a user sets
(``STUDIO_VIDEO_MODEL=<folder>``): alone, through the video backend, and through the render
pipeline that ``studio render`` runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlmodel import Session, select

from studio.backends.video_diffusers import DiffusersBackgroundAnimator
from studio.brand.guidelines import BrandCatalog
from studio.copy import variants as variant_crud
from studio.core.database import get_engine
from studio.core.models import Asset, Variant
from studio.core.settings import Settings
from studio.imaging.backends import make_video_backend
from studio.imaging.probe import probe_video
from studio.imaging.provenance import asset_path, read_video_provenance
from studio.imaging.render import RenderOptions, render_variants
from studio.imaging.video import MoviePyVideoBackend
from tests.people import add_people

pytestmark = pytest.mark.slow

#: Frames the tiny UNet is configured for (SVD: 14 or 25); the animator caps requests to it.
MODEL_FRAMES = 4


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Toy-sized layers spend more time waking OpenMP threads than computing on a shared CPU."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_svd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real StableVideoDiffusionPipeline at toy size, saved with ``save_pretrained``.

    The VAE has four blocks (scale factor 8, as in SVD) and the UNet ``sample_size`` 8, so
    the model's native size is 64 x 64 px. The CLIP encoder takes 224 px input: the pipeline
    always resizes the conditioning image to 224 before encoding it.
    """
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    unet = UNetSpatioTemporalConditionModel(
        sample_size=8,
        in_channels=8,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=16,
        num_attention_heads=(2, 4),
        addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=3 * 8,  # fps, motion bucket, noise augmentation
        num_frames=MODEL_FRAMES,
    )
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=(32, 32, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        latent_channels=4,
    )
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=16,
            projection_dim=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            image_size=224,
            patch_size=32,
        )
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        prediction_type="v_prediction",
        sigma_min=0.002,
        sigma_max=700.0,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        use_karras_sigmas=True,
        interpolation_type="linear",
    )
    pipeline = StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=image_encoder,
        unet=unet,
        scheduler=scheduler,
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
    )
    folder = tmp_path_factory.mktemp("models") / "tiny-svd"
    pipeline.save_pretrained(folder)
    return folder


def _frames(images: list[Image.Image]) -> np.ndarray:
    return np.stack([np.asarray(image, dtype=np.int16) for image in images])


def test_saved_model_loads_through_settings_and_animates_reproducibly(tiny_svd: Path) -> None:
    backend = make_video_backend(Settings(video_model=str(tiny_svd), device="cpu"))
    assert (
        isinstance(backend, MoviePyVideoBackend)
        and backend.ai_generated
        and backend.model == str(tiny_svd)
    )
    animator = backend.animator
    assert isinstance(animator, DiffusersBackgroundAnimator)
    assert animator.native_resolution() == 64
    still = Image.new("RGB", (90, 160), (200, 120, 40))

    frames = animator.animate(still, seed=3, num_frames=10)
    assert len(frames) == MODEL_FRAMES, "requests beyond the model's trained frame count are capped"
    assert all(frame.size == (90, 160) and frame.mode == "RGB" for frame in frames)
    moving = _frames(frames)
    assert np.abs(np.diff(moving, axis=0)).max() > 0, "every frame is the same picture"
    # CPU kernels round differently from run to run in float32: equal to within 2 levels.
    assert np.abs(_frames(animator.animate(still, seed=3, num_frames=10)) - moving).max() <= 2
    assert np.abs(_frames(animator.animate(still, seed=4, num_frames=10)) - moving).max() > 2
    assert len(animator.animate(still, seed=3, num_frames=2)) == 2


def test_render_pipeline_makes_an_ai_video_from_the_model(
    tiny_svd: Path, tmp_path: Path, brand_dir: Path, catalog: BrandCatalog, sqlite_url: str
) -> None:
    settings = Settings(
        database_url=sqlite_url,
        brand_dir=brand_dir,
        asset_dir=tmp_path / "assets",
        video_model=str(tiny_svd),
        device="cpu",
    )
    with Session(get_engine(sqlite_url)) as session:
        add_people(session)
        campaign = variant_crud.create_campaign(
            session,
            brand="halden-coffee",
            name="Spring",
            objective="traffic",
            landing_url="https://haldencoffee.example",
            created_by="tester",
        )
        variant = Variant(
            campaign_id=campaign.id or 0,
            brand="halden-coffee",
            persona="home-baristas",
            channel="tiktok",
            fields={"ad_text": "Your first bag, roasted this week", "call_to_action": "ORDER_NOW"},
            backend="offline",
            model="test",
            seed=7,
            prompt_template="copy.j2",
            prompt_hash="0" * 64,
            created_by="tester",
        )
        session.add(variant)
        session.commit()
        options = RenderOptions(scale=0.1, video_duration_s=6.0, fps=12, video_scenes=2)
        [report] = render_variants(
            session,
            variant_ids=[variant.id or 0],
            catalog=catalog,
            settings=settings,
            options=options,
            actor="cara",
        )
        session.commit()
        [video] = session.exec(select(Asset)).all()
    assert [a.id for a in report.assets] == [video.id] and video.kind == "video"
    path = asset_path(settings.asset_dir, video.path)
    probe = probe_video(path)
    assert (probe.codec, probe.pix_fmt, probe.width, probe.height) == ("h264", "yuv420p", 108, 192)
    assert probe.duration_s == pytest.approx(6.0) and probe.frames == 72
    provenance = read_video_provenance(path)
    assert provenance.ai_generated, "a model made the motion: the file must say AI-generated"
    assert str(tiny_svd) in provenance.model and provenance.backend == "offline+moviepy"
    assert "AI-generated" in probe.metadata["comment"] and "not AI" not in probe.metadata["comment"]


def test_a_model_that_is_not_image_to_video_is_explained(tmp_path: Path) -> None:
    import torch
    from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel

    torch.manual_seed(0)
    unet = UNet2DModel(
        sample_size=8,
        block_out_channels=(32, 32),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
    )
    DDPMPipeline(unet=unet, scheduler=DDPMScheduler()).save_pretrained(tmp_path / "ddpm")
    still = Image.new("RGB", (64, 64))
    with pytest.raises(ValueError, match=r"is a DDPMPipeline, not an image-to-video pipeline"):
        DiffusersBackgroundAnimator(str(tmp_path / "ddpm"), device="cpu").animate(
            still, seed=0, num_frames=4
        )
    with pytest.raises(ValueError, match=r"STUDIO_VIDEO_MODEL '.*nowhere': no such folder"):
        DiffusersBackgroundAnimator(str(tmp_path / "nowhere"), device="cpu").animate(
            still, seed=0, num_frames=4
        )


def test_bad_animator_arguments_are_explained(tiny_svd: Path) -> None:
    with pytest.raises(ValueError, match="resolution must be at least 64; received 32"):
        DiffusersBackgroundAnimator(str(tiny_svd), resolution=32)
    with pytest.raises(ValueError, match="steps must be at least 1; received 0"):
        DiffusersBackgroundAnimator(str(tiny_svd), steps=0)
    with pytest.raises(ValueError, match="num_frames must be at least 2; received 1"):
        DiffusersBackgroundAnimator(str(tiny_svd), device="cpu").animate(
            Image.new("RGB", (8, 8)), seed=0, num_frames=1
        )
