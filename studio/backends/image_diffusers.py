"""The ``diffusers`` image backend: any text-to-image model, from a local folder or a hub id.

``STUDIO_DIFFUSERS_MODEL`` names the model: a folder written by ``pipeline.save_pretrained()``
or a hub id such as ``stabilityai/sd-turbo`` (downloaded once into the Hugging Face cache).
:class:`diffusers.AutoPipelineForText2Image` picks the pipeline class from the model's
``model_index.json``, so Stable Diffusion 1.x/2.x, SDXL, turbo models and others all work.

The model draws at about ``resolution`` x ``resolution`` pixels in the ad's aspect ratio
(sides rounded to multiples of 64, which every latent-diffusion UNet accepts); the result is
scaled and centre-cropped to the requested size. Float16 on CUDA and MPS, float32 on CPU.
Each image of a batch gets its own CPU random generator seeded ``seed + i``, so any one image
can be reproduced alone and on any device.

With a product photo in the request (``product`` at ``product_box``), the same model's
components are reused through :class:`diffusers.AutoPipelineForInpainting` (``from_pipe``: no
second load): the product is laid on a neutral ground, the mask covers everything but the
product, and the model paints the scene around it. The product's own pixels are pasted back
afterwards, so the product in the ad is the real one, not the model's idea of it.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from studio.backends.contracts import GeneratedImages, ImageRequest, cover
from studio.core.errors import InvalidValue

if TYPE_CHECKING:
    from studio.core.settings import Settings

INSTALL_HINT = 'pip install "diffusers>=0.31" "transformers>=4.45" torch (see https://pytorch.org for a CUDA build)'
#: Latent-diffusion UNets halve the latent 3 times; the VAE divides by 8: 64 suits every model.
SIZE_MULTIPLE = 64


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError(f"the diffusers backend needs torch: {INSTALL_HINT}") from exc
    return torch


def resolve_device(name: str) -> tuple[str, Any]:
    """The torch device and dtype for a ``STUDIO_DEVICE`` value.

    ``auto`` picks CUDA, then MPS, then CPU. Half precision on GPUs, float32 on CPU (CPU
    kernels for float16 are slow or missing).

    Raises
    ------
    ValueError
        When the named device is not available to this torch build.
    """
    torch = _import_torch()
    has_mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
    elif name == "cuda" and not torch.cuda.is_available():
        raise InvalidValue(
            f"STUDIO_DEVICE=cuda but torch {torch.__version__} sees no CUDA GPU "
            f"(built with CUDA {torch.version.cuda}); use auto or cpu, or install a CUDA build of torch"
        )
    elif name == "mps" and not has_mps:
        raise InvalidValue(
            "STUDIO_DEVICE=mps but Apple's Metal backend is not available here; use auto or cpu"
        )
    elif name not in ("cpu", "cuda", "mps"):
        raise InvalidValue(f"STUDIO_DEVICE={name!r} is not a device; choose auto, cpu, cuda or mps")
    return name, (torch.float32 if name == "cpu" else torch.float16)


def generation_size(width: int, height: int, resolution: int) -> tuple[int, int]:
    """Pixel size for the model: about ``resolution``² pixels in the aspect ``width``:``height``.

    Both sides are multiples of :data:`SIZE_MULTIPLE`, at least one multiple.
    """
    aspect = width / height
    gen_w = resolution * math.sqrt(aspect)
    gen_h = resolution / math.sqrt(aspect)
    return (
        max(SIZE_MULTIPLE, round(gen_w / SIZE_MULTIPLE) * SIZE_MULTIPLE),
        max(SIZE_MULTIPLE, round(gen_h / SIZE_MULTIPLE) * SIZE_MULTIPLE),
    )


def model_source(model: str, what: str) -> str:
    """A local folder (checked for ``model_index.json``) or a hub id, as ``from_pretrained`` wants.

    Raises
    ------
    ValueError
        For a local path that does not exist or is not a saved pipeline.
    """
    path = Path(model).expanduser()
    looks_local = path.is_absolute() or model.startswith((".", "~")) or path.exists()
    if not looks_local:
        return model
    if not path.is_dir():
        raise InvalidValue(
            f"{what} {model!r}: no such folder (give a folder saved with save_pretrained() or a hub id)"
        )
    if not (path / "model_index.json").is_file():
        raise InvalidValue(
            f"{what} {model!r}: the folder has no model_index.json; save the pipeline with "
            "pipeline.save_pretrained(folder) or give a hub id"
        )
    return str(path)


def load_pretrained(
    pipeline_class: str,
    model: str,
    *,
    setting: str,
    device_name: str,
    needed_by: str,
    task: str,
    hint: str = "",
) -> tuple[Any, str]:
    """``diffusers.<pipeline_class>.from_pretrained(model)`` in the dtype of ``device_name``.

    Returns the pipeline, not yet moved, and the device to move it to. ``setting`` names the
    setting ``model`` came from, ``needed_by`` what needs diffusers, ``task`` what the model
    does; ``hint`` ends the message of a model that cannot be loaded.

    Raises
    ------
    ImportError
        torch or diffusers is not installed.
    ValueError
        The device is not available, or the model cannot be found or loaded.
    """
    _import_torch()
    try:
        import diffusers
    except ImportError as exc:
        raise ImportError(f"{needed_by} needs diffusers: {INSTALL_HINT}") from exc
    source = model_source(model, setting)
    device, dtype = resolve_device(device_name)
    try:
        pipeline = getattr(diffusers, pipeline_class).from_pretrained(source, dtype=dtype)
    except (OSError, ValueError) as exc:
        raise InvalidValue(f"cannot load {task} model {model!r}: {exc}{hint}") from exc
    return pipeline, device


class DiffusersImageBackend:
    """Text-to-image with any diffusers pipeline (see the module docstring).

    Parameters
    ----------
    model : local folder or hub id.
    device : ``auto``, ``cpu``, ``cuda`` or ``mps``.
    resolution : side of the square pixel area the model draws (512 for SD 1.x, 1024 for SDXL).
    """

    name = "diffusers"
    ai_generated = True

    def __init__(self, model: str, *, device: str = "auto", resolution: int = 512) -> None:
        if resolution < SIZE_MULTIPLE:
            raise InvalidValue(
                f"resolution must be at least {SIZE_MULTIPLE}; received {resolution}"
            )
        self.model = model
        self.device_name = device
        self.resolution = resolution
        self._pipeline: Any = None
        self._inpainting: Any = None
        self._device = "cpu"

    @classmethod
    def from_settings(cls, settings: Settings) -> DiffusersImageBackend:
        """The registry's factory: ``STUDIO_DIFFUSERS_MODEL`` on ``STUDIO_DEVICE``.

        Raises
        ------
        ValueError
            ``STUDIO_DIFFUSERS_MODEL`` is not set.
        """
        if not settings.diffusers_model:
            raise InvalidValue(
                "STUDIO_IMAGE_BACKEND=diffusers needs STUDIO_DIFFUSERS_MODEL: a local folder saved with "
                "save_pretrained() or a hub id such as stabilityai/sd-turbo"
            )
        return cls(
            settings.diffusers_model,
            device=settings.device,
            resolution=settings.diffusers_resolution,
        )

    def _load(self) -> Any:
        if self._pipeline is not None:
            return self._pipeline
        pipeline, device = load_pretrained(
            "AutoPipelineForText2Image",
            self.model,
            setting="STUDIO_DIFFUSERS_MODEL",
            device_name=self.device_name,
            needed_by="the diffusers backend",
            task="text-to-image",
            hint=". Give a folder saved with save_pretrained() or a hub id (the first download "
            "needs internet and HF_HUB_OFFLINE unset)",
        )
        pipeline.to(device)
        pipeline.set_progress_bar_config(disable=True)
        self._pipeline, self._device = pipeline, device
        return pipeline

    def _load_inpainting(self) -> Any:
        """The inpainting pipeline built from the loaded model's components (no second load)."""
        if self._inpainting is None:
            from diffusers import AutoPipelineForInpainting

            try:
                pipeline = AutoPipelineForInpainting.from_pipe(self._load())
            except ValueError as exc:
                raise InvalidValue(
                    f"model {self.model!r} has no inpainting pipeline for its kind ({exc}); "
                    "remove product_photos from the brand or use a Stable Diffusion model"
                ) from exc
            pipeline.set_progress_bar_config(disable=True)
            self._inpainting = pipeline
        return self._inpainting

    def generate(self, request: ImageRequest) -> GeneratedImages:
        """Draw ``request.num_images`` images from the prompt; sizes as requested (cover-cropped).

        With ``request.product``, the scene is inpainted around the product (module docstring).
        """
        torch = _import_torch()
        started = time.perf_counter()
        pipeline = self._load()
        width, height = generation_size(request.width, request.height, self.resolution)
        seeds = tuple(request.seed + i for i in range(request.num_images))
        generators = [torch.Generator(device="cpu").manual_seed(seed) for seed in seeds]
        arguments: dict[str, Any] = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt or None,
            "num_inference_steps": request.steps,
            "guidance_scale": request.guidance,
            "width": width,
            "height": height,
            "num_images_per_prompt": request.num_images,
            "generator": generators,
            "output_type": "pil",
        }
        note = f"drawn at {width}x{height} on {self._device}, {request.steps} steps"
        product, box = request.product, request.product_box
        if product is not None and box is not None:
            pipeline = self._load_inpainting()
            ground = request.colors.get("background", (128, 128, 128))
            init, keep = product_scene(product, box, (request.width, request.height), ground)
            arguments["image"] = init.resize((width, height), Image.Resampling.LANCZOS)
            arguments["mask_image"] = keep.resize((width, height), Image.Resampling.NEAREST)
            note += "; the scene inpainted around the product photo, whose pixels are kept"
        with torch.inference_mode():
            output = pipeline(**arguments)
        images = tuple(cover(image, request.width, request.height) for image in output.images)
        if product is not None and box is not None:
            images = tuple(_with_product(image, product, box) for image in images)
        return GeneratedImages(
            images=images,
            seeds=seeds,
            backend=self.name,
            model=self.model,
            ai_generated=True,
            seconds=time.perf_counter() - started,
            notes=(note,),
        )


def product_scene(
    product: Image.Image,
    box: tuple[int, int, int, int],
    size: tuple[int, int],
    ground: tuple[int, int, int],
) -> tuple[Image.Image, Image.Image]:
    """The inpainting inputs: ``product`` (RGBA) at ``box`` on a ``ground``-coloured canvas of
    ``size``, and the mask (white = paint, black = keep) that keeps its opaque pixels."""
    init = Image.new("RGB", size, ground)
    rgba = product.convert("RGBA")
    init.paste(rgba, box[:2], rgba)
    mask = Image.new("L", size, 255)
    mask.paste(0, box[:2], rgba.getchannel("A").point(lambda a: 255 if a > 127 else 0))
    return init, mask


def _with_product(
    image: Image.Image, product: Image.Image, box: tuple[int, int, int, int]
) -> Image.Image:
    out = image.copy()
    rgba = product.convert("RGBA")
    out.paste(rgba, box[:2], rgba)
    return out
