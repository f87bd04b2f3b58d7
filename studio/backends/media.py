"""Image and video backends: the contracts, their typed results, and the factory.

Image makers (``STUDIO_IMAGE_BACKEND``):

* ``offline`` (default, :mod:`studio.backends.image_offline`): draws on-brand backgrounds from
  the palette and the guideline's product motifs; no weights, deterministic per seed.
* ``diffusers`` (:mod:`studio.backends.image_diffusers`): any text-to-image model from a local
  folder or a hub id (``STUDIO_DIFFUSERS_MODEL``) on CUDA, MPS or CPU.

Video maker: :mod:`studio.backends.video_moviepy` (H.264 MP4 with moviepy and the ffmpeg that
ships with imageio-ffmpeg). With ``STUDIO_VIDEO_MODEL`` set, a diffusers image-to-video model
(:mod:`studio.backends.video_diffusers`) animates the background instead of a zoom/pan.

Backends are built by :func:`make_image_backend` / :func:`make_video_backend`; heavy libraries
(torch, diffusers, moviepy) are imported only when a backend that needs them runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from studio.core.errors import NotFound

if TYPE_CHECKING:
    from PIL import Image

    from studio.core.settings import Settings
    from studio.imaging.compositor import AdCopy, BrandKit
    from studio.imaging.formats import AdFormat

RGB = tuple[int, int, int]

MAX_BATCH = 8


@dataclass(frozen=True)
class ImageRequest:
    """What to draw.

    Attributes
    ----------
    prompt, negative_prompt : text for text-to-image models (the offline renderer ignores them).
    width, height : size of the returned images in pixels.
    seed : seed of the first image; image ``i`` of the batch uses ``seed + i``.
    num_images : batch size, 1 to 8.
    steps, guidance : denoising steps and classifier-free guidance scale (diffusion models).
    colors : brand colours by role (``primary``, ``background``, ...), for the offline renderer.
    motifs : product/brand motifs from the guideline, for the offline renderer.
    """

    prompt: str
    width: int
    height: int
    seed: int
    negative_prompt: str = ""
    num_images: int = 1
    steps: int = 25
    guidance: float = 7.0
    colors: Mapping[str, RGB] = field(default_factory=dict)
    motifs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.width < 8 or self.height < 8:
            raise ValueError(
                f"image size must be at least 8x8 px; received {self.width}x{self.height}"
            )
        if not 1 <= self.num_images <= MAX_BATCH:
            raise ValueError(
                f"num_images (batch size) must be 1-{MAX_BATCH}; received {self.num_images}"
            )
        if self.steps < 1:
            raise ValueError(f"steps must be at least 1; received {self.steps}")
        if self.guidance < 0:
            raise ValueError(f"guidance must be >= 0; received {self.guidance}")
        if not 0 <= self.seed < 2**63:
            raise ValueError(f"seed must be in [0, 2**63); received {self.seed}")


@dataclass(frozen=True)
class GeneratedImages:
    """Images from one request.

    Attributes
    ----------
    images : RGB PIL images, each ``request.width`` x ``request.height``.
    seeds : the seed that reproduces each image alone (``request.seed + i``).
    backend, model : who made them (``model`` is a path, hub id or renderer version).
    ai_generated : True when a trained model produced the pixels.
    seconds : wall-clock time the backend spent.
    notes : anything the reviewer should know (e.g. motifs the renderer has no drawing for).
    """

    images: tuple[Image.Image, ...]
    seeds: tuple[int, ...]
    backend: str
    model: str
    ai_generated: bool
    seconds: float
    notes: tuple[str, ...] = ()


@runtime_checkable
class ImageBackend(Protocol):
    """Makes background images; text and logo are added later by the compositor."""

    name: str
    model: str
    ai_generated: bool

    def generate(self, request: ImageRequest) -> GeneratedImages: ...


@dataclass(frozen=True)
class VideoRequest:
    """A video ad to make.

    Attributes
    ----------
    backgrounds : 1-3 background images (any size; cover-cropped to the format).
    copy : headline and call to action.
    kit : the brand's colours, fonts and logo.
    fmt : a video :class:`~studio.imaging.formats.AdFormat` (size, safe zone, limits).
    duration_s : clip length in seconds, 6-15.
    fps : frames per second.
    seed : recorded in the file; also seeds the image-to-video model.
    music : an audio file to lay under the clip (faded out at the end), or None.
    metadata : provenance tags written into the MP4.
    """

    backgrounds: tuple[Image.Image, ...]
    copy: AdCopy
    kit: BrandKit
    fmt: AdFormat
    duration_s: float = 8.0
    fps: int = 30
    seed: int = 0
    music: Path | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from studio.imaging.formats import CLIP_MAX_S, CLIP_MIN_S

        if not 1 <= len(self.backgrounds) <= 3:
            raise ValueError(
                f"a video needs 1-3 background images; received {len(self.backgrounds)}"
            )
        if not CLIP_MIN_S <= self.duration_s <= CLIP_MAX_S:
            raise ValueError(
                f"duration_s must be {CLIP_MIN_S:g}-{CLIP_MAX_S:g} seconds; received {self.duration_s}"
            )
        if self.fmt.kind != "video":
            raise ValueError(
                f"fmt must be a video format; received a {self.fmt.kind} format {self.fmt.size_label}"
            )
        if not 12 <= self.fps <= 60:
            raise ValueError(f"fps must be 12-60; received {self.fps}")
        if self.music is not None and not Path(self.music).is_file():
            raise ValueError(f"music file {self.music} does not exist")


@dataclass(frozen=True)
class EncodedVideo:
    """An MP4 written by a video backend.

    Attributes
    ----------
    path : the file.
    width, height : pixels.
    duration_s : seconds, as encoded.
    fps : frames per second.
    has_audio : whether a music track was muxed in.
    backend, model : who made the motion (``moviepy`` or an image-to-video model id).
    ai_generated : True when a trained model made the motion.
    seconds : wall-clock time spent encoding.
    """

    path: Path
    width: int
    height: int
    duration_s: float
    fps: int
    has_audio: bool
    backend: str
    model: str
    ai_generated: bool
    seconds: float


@runtime_checkable
class VideoBackend(Protocol):
    name: str
    model: str

    def render(self, request: VideoRequest, output: Path) -> EncodedVideo: ...


@runtime_checkable
class BackgroundAnimator(Protocol):
    """Turns a still background into frames of motion (an image-to-video model)."""

    model: str

    def animate(self, image: Image.Image, *, seed: int, num_frames: int) -> list[Image.Image]:
        """``num_frames`` RGB frames, the size of ``image``, starting from it."""
        ...


def make_image_backend(settings: Settings) -> ImageBackend:
    """The image backend named by ``settings.image_backend``.

    Raises
    ------
    ValueError
        ``diffusers`` without ``settings.diffusers_model``, or an unknown backend name.
    """
    if settings.image_backend == "offline":
        from studio.backends.image_offline import OfflineImageBackend

        return OfflineImageBackend()
    if settings.image_backend == "diffusers":
        if not settings.diffusers_model:
            raise ValueError(
                "STUDIO_IMAGE_BACKEND=diffusers needs STUDIO_DIFFUSERS_MODEL: a local folder saved with "
                "save_pretrained() or a hub id such as stabilityai/sd-turbo"
            )
        from studio.backends.image_diffusers import DiffusersImageBackend

        return DiffusersImageBackend(
            settings.diffusers_model,
            device=settings.device,
            resolution=settings.diffusers_resolution,
        )
    raise NotFound(
        "image backend",
        settings.image_backend,
        ("offline", "diffusers"),
        hint="Set STUDIO_IMAGE_BACKEND.",
    )


def make_video_backend(settings: Settings) -> VideoBackend:
    """The moviepy video backend, animating backgrounds with ``settings.video_model`` when set."""
    from studio.backends.video_moviepy import MoviePyVideoBackend

    animator: BackgroundAnimator | None = None
    if settings.video_model:
        from studio.backends.video_diffusers import DiffusersBackgroundAnimator

        animator = DiffusersBackgroundAnimator(settings.video_model, device=settings.device)
    return MoviePyVideoBackend(animator=animator)
