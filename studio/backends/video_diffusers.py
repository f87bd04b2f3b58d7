"""Image-to-video with diffusers: animates a still background (e.g. Stable Video Diffusion).

Set ``STUDIO_VIDEO_MODEL`` to a folder saved with ``save_pretrained()`` or a hub id such as
``stabilityai/stable-video-diffusion-img2vid-xt``. The video backend then plays the model's
frames instead of its zoom/pan; headline, logo and end card are laid over them as usual.
Image-to-video models are heavy: expect a GPU.

The model draws at its native pixel area (``unet.config.sample_size`` x the VAE's scale
factor: 768 x 768 for Stable Video Diffusion, whose 16:9 size is its trained 1024 x 576) in
the ad's aspect ratio, sides rounded to multiples of 64; the frames are then scaled and
centre-cropped to the ad's size. Float16 on CUDA and MPS, float32 on CPU; a CPU random
generator seeded ``seed`` makes the motion reproducible on any device.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from PIL import Image

from studio.backends.contracts import cover
from studio.backends.image_diffusers import (
    SIZE_MULTIPLE,
    _import_torch,
    generation_size,
    load_pretrained,
)
from studio.core.errors import InvalidValue

if TYPE_CHECKING:
    from studio.core.settings import Settings


class DiffusersBackgroundAnimator:
    """Frames of motion from one still (see the module docstring).

    Parameters
    ----------
    model : local folder or hub id of an image-to-video pipeline.
    device : ``auto``, ``cpu``, ``cuda`` or ``mps``.
    resolution : side of the square pixel area the model draws; None (the default) takes the
        model's native size from its config.
    steps : denoising steps.
    """

    def __init__(
        self, model: str, *, device: str = "auto", resolution: int | None = None, steps: int = 25
    ) -> None:
        if resolution is not None and resolution < SIZE_MULTIPLE:
            raise InvalidValue(
                f"resolution must be at least {SIZE_MULTIPLE}; received {resolution}"
            )
        if steps < 1:
            raise InvalidValue(f"steps must be at least 1; received {steps}")
        self.model = model
        self.device_name = device
        self.resolution = resolution
        self.steps = steps
        self._pipeline: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DiffusersBackgroundAnimator:
        """The registry's factory: ``STUDIO_VIDEO_MODEL`` on ``STUDIO_DEVICE``.

        Raises
        ------
        ValueError
            ``STUDIO_VIDEO_MODEL`` is not set.
        """
        if not settings.video_model:
            raise InvalidValue(
                "STUDIO_VIDEO_BACKEND=diffusers needs STUDIO_VIDEO_MODEL: a local folder saved with "
                "save_pretrained() or a hub id such as stabilityai/stable-video-diffusion-img2vid-xt"
            )
        return cls(settings.video_model, device=settings.device)

    def _load(self) -> Any:
        if self._pipeline is not None:
            return self._pipeline
        pipeline, device = load_pretrained(
            "DiffusionPipeline",
            self.model,
            setting="STUDIO_VIDEO_MODEL",
            device_name=self.device_name,
            needed_by="image-to-video",
            task="image-to-video",
        )
        parameters = inspect.signature(pipeline.__call__).parameters
        if "image" not in parameters or "num_frames" not in parameters:
            raise InvalidValue(
                f"STUDIO_VIDEO_MODEL {self.model!r} is a {type(pipeline).__name__}, not an image-to-video "
                "pipeline (it must take an image and num_frames, like StableVideoDiffusionPipeline)"
            )
        pipeline.to(device)
        pipeline.set_progress_bar_config(disable=True)
        self._pipeline = pipeline
        return pipeline

    def native_resolution(self) -> int:
        """The side of the square pixel area the model was trained at (loads the model).

        Raises
        ------
        ValueError
            When the pipeline's config does not say (no ``unet.config.sample_size`` or no
            ``vae_scale_factor``): pass ``resolution`` instead.
        """
        pipeline = self._load()
        sample_size = getattr(
            getattr(getattr(pipeline, "unet", None), "config", None), "sample_size", None
        )
        scale = getattr(pipeline, "vae_scale_factor", None)
        if not isinstance(sample_size, int) or not isinstance(scale, int):
            raise InvalidValue(
                f"image-to-video model {self.model!r} ({type(pipeline).__name__}) does not declare its native "
                "size (unet.config.sample_size and vae_scale_factor); give the animator a resolution"
            )
        return max(SIZE_MULTIPLE, sample_size * scale)

    def animate(self, image: Image.Image, *, seed: int, num_frames: int) -> list[Image.Image]:
        """RGB frames the size of ``image``, starting from it.

        Returns ``num_frames`` frames, or fewer when the model was trained on fewer
        (``unet.config.num_frames``: 14 or 25 for Stable Video Diffusion).
        """
        if num_frames < 2:
            raise InvalidValue(f"num_frames must be at least 2; received {num_frames}")
        torch = _import_torch()
        pipeline = self._load()
        resolution = self.resolution or self.native_resolution()
        width, height = generation_size(image.width, image.height, resolution)
        config = getattr(getattr(pipeline, "unet", None), "config", None)
        frames_cap = getattr(config, "num_frames", None) or num_frames
        with torch.inference_mode():
            output = pipeline(
                image=cover(image, width, height),
                width=width,
                height=height,
                num_frames=min(num_frames, frames_cap),
                num_inference_steps=self.steps,
                decode_chunk_size=8,
                generator=torch.Generator(device="cpu").manual_seed(seed),
                output_type="pil",
            )
        return [cover(frame, image.width, image.height) for frame in output.frames[0]]
