"""The diffusers backend with a tiny Stable Diffusion pipeline built here, saved, and loaded
back through the same settings a user sets (``STUDIO_IMAGE_BACKEND=diffusers``,
``STUDIO_DIFFUSERS_MODEL=<folder>``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.backends.contracts import ImageBackend, ImageRequest
from studio.backends.image_diffusers import DiffusersImageBackend, generation_size, resolve_device
from studio.core.settings import Settings
from studio.imaging.backends import make_image_backend

pytestmark = pytest.mark.slow

CHARS = "abcdefghijklmnopqrstuvwxyz0123456789,.-'!?&:;()"


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real StableDiffusionPipeline at toy size: CLIP text encoder, UNet, VAE, DDIM, BPE tokenizer."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in CHARS:
        vocab.setdefault(char, len(vocab))
        vocab.setdefault(f"{char}</w>", len(vocab))
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            vocab_size=len(vocab),
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=2,
            max_position_embeddings=77,
        )
    )
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=8,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        norm_num_groups=2,
    )
    vae = AutoencoderKL(
        block_out_channels=[4, 8],
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        norm_num_groups=2,
        down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    folder = tmp_path_factory.mktemp("models") / "tiny-sd"
    pipeline.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def backend(tiny_sd: Path) -> ImageBackend:
    settings = Settings(
        image_backend="diffusers",
        diffusers_model=str(tiny_sd),
        device="cpu",
        diffusers_resolution=64,
    )
    return make_image_backend(settings)


def _request(**kwargs: object) -> ImageRequest:
    base: dict[str, object] = {
        "prompt": "warm morning light, coffee beans on a table",
        "negative_prompt": "text, watermark",
        "width": 90,
        "height": 60,
        "seed": 5,
        "steps": 2,
        "guidance": 7.0,
    }
    return ImageRequest(**(base | kwargs))  # type: ignore[arg-type]


def test_saved_pipeline_loads_through_settings_and_draws_the_requested_size(
    backend: ImageBackend,
) -> None:
    assert isinstance(backend, DiffusersImageBackend) and isinstance(backend, ImageBackend)
    result = backend.generate(_request(num_images=2))
    assert [image.size for image in result.images] == [(90, 60), (90, 60)]
    assert all(image.mode == "RGB" for image in result.images)
    assert result.seeds == (5, 6) and result.ai_generated and result.backend == "diffusers"
    assert "on cpu" in result.notes[0]
    assert np.asarray(result.images[0]).std() > 0, "the VAE decoded a flat image"


def test_each_image_of_a_batch_is_reproducible_alone(backend: ImageBackend) -> None:
    batch = backend.generate(_request(num_images=2, seed=20))
    second = backend.generate(_request(seed=21))
    again = backend.generate(_request(seed=20))
    # CPU kernels (batched or threaded) round differently in float32: equal to within 2 levels.
    assert (
        np.abs(np.asarray(batch.images[1], np.int16) - np.asarray(second.images[0], np.int16)).max()
        <= 2
    )
    assert (
        np.abs(np.asarray(batch.images[0], np.int16) - np.asarray(again.images[0], np.int16)).max()
        <= 2
    )
    assert not np.array_equal(np.asarray(batch.images[0]), np.asarray(batch.images[1]))


def test_negative_prompt_and_guidance_reach_the_model(backend: ImageBackend) -> None:
    plain = np.asarray(backend.generate(_request(negative_prompt="")).images[0], dtype=np.int16)
    negative = np.asarray(backend.generate(_request()).images[0], dtype=np.int16)
    unguided = np.asarray(backend.generate(_request(guidance=0.0)).images[0], dtype=np.int16)
    assert np.abs(plain - negative).max() > 0
    assert np.abs(unguided - negative).max() > 0


def test_generation_size_keeps_the_aspect_in_multiples_of_64() -> None:
    assert generation_size(1080, 1080, 512) == (512, 512)
    assert generation_size(1080, 1920, 512) == (384, 704)
    assert generation_size(1200, 628, 512) == (704, 384)
    assert generation_size(1080, 1920, 64) == (64, 64)


def test_configuration_mistakes_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs STUDIO_DIFFUSERS_MODEL"):
        make_image_backend(Settings(image_backend="diffusers", diffusers_model=None))
    missing = DiffusersImageBackend(str(tmp_path / "nowhere"), device="cpu")
    with pytest.raises(ValueError, match="no such folder"):
        missing.generate(_request())
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"has no model_index\.json"):
        DiffusersImageBackend(str(tmp_path / "empty"), device="cpu").generate(_request())
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="STUDIO_DEVICE=cuda but torch"):
            resolve_device("cuda")
    assert resolve_device("cpu")[1] is torch.float32


def test_a_product_photo_is_kept_and_the_scene_inpainted_around_it(
    backend: ImageBackend,
) -> None:
    from PIL import Image, ImageDraw

    product = Image.new("RGBA", (30, 40), (0, 0, 0, 0))
    ImageDraw.Draw(product).rounded_rectangle((2, 2, 27, 37), radius=6, fill=(200, 30, 30, 255))
    box = (50, 12, 80, 52)
    request = _request(product=product, product_box=box, colors={"background": (240, 230, 220)})
    result = backend.generate(request)
    assert isinstance(backend, DiffusersImageBackend)
    assert type(backend._inpainting).__name__ == "StableDiffusionInpaintPipeline"
    assert "inpainted around the product photo" in result.notes[0]
    image = np.asarray(result.images[0], dtype=np.int16)
    assert image.shape == (60, 90, 3)
    opaque = np.asarray(product.getchannel("A")) == 255
    inside = image[box[1] : box[3], box[0] : box[2]]
    assert (inside[opaque] == (200, 30, 30)).all(), "the product's pixels are the real ones"
    # Around it the model painted a scene: not the flat ground the product was laid on.
    assert np.abs(image[:, :40] - np.array([240, 230, 220])).max() > 10
    assert image[:, :40].std() > 0
    # The same request again gives the same image (seeded), another seed another scene.
    again = np.asarray(backend.generate(request).images[0], dtype=np.int16)
    other = np.asarray(
        backend.generate(_request(product=product, product_box=box, seed=99)).images[0],
        dtype=np.int16,
    )
    assert np.abs(again - image).max() <= 2
    assert np.abs(other - image).max() > 2


def test_product_request_mistakes_are_explained() -> None:
    from PIL import Image

    product = Image.new("RGBA", (10, 10))
    with pytest.raises(ValueError, match="product and product_box go together"):
        _request(product=product)
    with pytest.raises(ValueError, match=r"product is 10x10 px but product_box is 20x10"):
        _request(product=product, product_box=(0, 0, 20, 10))
    with pytest.raises(ValueError, match=r"motif_box must be .* inside the 90x60 image"):
        _request(motif_box=(0, 0, 100, 10))
