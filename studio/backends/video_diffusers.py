"""Image-to-video with diffusers: animates a still background (e.g. Stable Video Diffusion).

Set ``STUDIO_VIDEO_MODEL`` to a folder saved with ``save_pretrained()`` or a hub id such as
``stabilityai/stable-video-diffusion-img2vid-xt``. The video backend then plays the model's
frames instead of its zoom/pan; headline, logo and end card are laid over them as usual.
Image-to-video models are heavy: expect a GPU.
"""

from __future__ import annotations

import inspect
from typing import Any

from PIL import Image

from studio.backends.image_diffusers import (
    INSTALL_HINT,
    _import_torch,
    generation_size,
    model_source,
    resolve_device,
)
from studio.imaging.compositor import cover


class DiffusersBackgroundAnimator:
    """Frames of motion from one still (see the module docstring).

    Parameters
    ----------
    model : local folder or hub id of an image-to-video pipeline.
    device : ``auto``, ``cpu``, ``cuda`` or ``mps``.
    resolution : side of the square pixel area the model draws (576 suits SVD's 1024x576).
    steps : denoising steps.
    """

    def __init__(self, model: str, *, device: str = "auto", resolution: int = 576, steps: int = 25) -> None:
        self.model = model
        self.device_name = device
        self.resolution = resolution
        self.steps = steps
        self._pipeline: Any = None

    def _load(self) -> Any:
        if self._pipeline is not None:
            return self._pipeline
        _import_torch()
        try:
            from diffusers import DiffusionPipeline
        except ImportError as exc:
            raise ImportError(f"image-to-video needs diffusers: {INSTALL_HINT}") from exc
        source = model_source(self.model, "STUDIO_VIDEO_MODEL")
        device, dtype = resolve_device(self.device_name)
        try:
            pipeline = DiffusionPipeline.from_pretrained(source, dtype=dtype)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot load image-to-video model {self.model!r}: {exc}") from exc
        parameters = inspect.signature(pipeline.__call__).parameters
        if "image" not in parameters or "num_frames" not in parameters:
            raise ValueError(
                f"STUDIO_VIDEO_MODEL {self.model!r} is a {type(pipeline).__name__}, not an image-to-video "
                "pipeline (it must take an image and num_frames, like StableVideoDiffusionPipeline)"
            )
        pipeline.to(device)
        pipeline.set_progress_bar_config(disable=True)
        self._pipeline = pipeline
        return pipeline

    def animate(self, image: Image.Image, *, seed: int, num_frames: int) -> list[Image.Image]:
        """``num_frames`` RGB frames the size of ``image`` (the model may cap the count)."""
        torch = _import_torch()
        pipeline = self._load()
        width, height = generation_size(image.width, image.height, self.resolution)
        limit = getattr(getattr(pipeline, "unet", None), "config", None)
        frames_cap = getattr(limit, "num_frames", None) or num_frames
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
