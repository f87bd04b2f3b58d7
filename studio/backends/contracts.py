"""The contracts between the studio and its swappable generators (the backends).

Backends (copy writers, image backends, background animators) import only this module, the
standard library, numpy and PIL, never a studio domain: the request and result types here are
all they see. They are registered through entry-point groups (:mod:`studio.core.plugins`) and
built by :func:`studio.copy.writing.make_copy_writer`, :func:`studio.imaging.backends.make_image_backend`
and :func:`studio.imaging.backends.make_background_animator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from PIL import Image, ImageOps

from studio.core.errors import InvalidValue, StudioError, UserFacingError

# --------------------------------------------------------------------------------------------
# Copy writers
# --------------------------------------------------------------------------------------------


class CopyWriterError(StudioError):
    """One request failed in a way that may succeed on another try (e.g. a reply that is not JSON)."""


class CopyWriterUnavailable(CopyWriterError, UserFacingError):
    """The backend cannot work at all (missing key, server down, model not found): stop and fix settings."""


@runtime_checkable
class WriteRequest(Protocol):
    """What a model-backed copy writer reads from a request.

    The studio passes a :class:`studio.copy.writing.CopyRequest` (brand, persona, channel, brief),
    which has these members; a backend that only turns a prompt into text needs no more.
    """

    @property
    def prompt_text(self) -> str:
        """The rendered prompt."""
        ...

    @property
    def seed(self) -> int:
        """Random seed: the same request and seed give the same draft on the same backend."""
        ...

    @property
    def reply_name(self) -> str:
        """A short name for the reply's JSON schema, e.g. ``"google_rsa_copy"``."""
        ...

    def reply_schema(self) -> dict[str, Any]:
        """The JSON schema of the object the model must reply with."""
        ...

    def parse_reply(self, text: str, *, backend: str) -> dict[str, Any]:
        """The channel's fields from a model's reply; raises :class:`CopyWriterError` if unusable."""
        ...


@dataclass(frozen=True)
class CopyDraft:
    """What a copy writer wrote.

    Attributes
    ----------
    fields
        Channel field name -> text (or list of texts for multi-asset fields).
    backend, model
        Who wrote it (stored with the variant).
    raw
        The model's raw reply, kept for debugging ("" for the offline backend).
    notes
        What the writer wants the reviewer to know, e.g. an asset it left out and why.
    """

    fields: dict[str, Any]
    backend: str
    model: str
    raw: str = ""
    notes: tuple[str, ...] = ()


@runtime_checkable
class CopyWriter(Protocol):
    """A copy-writing backend."""

    #: Registry name, e.g. ``"offline"``.
    name: str
    #: Model identifier stored with each variant.
    model: str

    def write(self, request: WriteRequest) -> CopyDraft:
        """Write one ad. Raises :class:`CopyWriterError` (retryable) or :class:`CopyWriterUnavailable`."""
        ...


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------

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
    motif_box : ``(left, top, right, bottom)`` pixels where motifs may be drawn (the layout
        keeps its words elsewhere); None lets the offline renderer use the upper part.
    product, product_box : the product photo (RGBA, transparent around it) exactly as the
        layout will paste it, at that pixel box. A model that can (diffusers inpainting)
        paints the scene around it; the product's own pixels stay real.
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
    motif_box: tuple[int, int, int, int] | None = None
    product: Image.Image | None = None
    product_box: tuple[int, int, int, int] | None = None

    def __post_init__(self) -> None:
        for name in ("motif_box", "product_box"):
            box = getattr(self, name)
            if box is not None and not (
                0 <= box[0] < box[2] <= self.width and 0 <= box[1] < box[3] <= self.height
            ):
                raise InvalidValue(
                    f"{name} must be (left, top, right, bottom) inside the "
                    f"{self.width}x{self.height} image; received {box}"
                )
        if (self.product is None) != (self.product_box is None):
            raise InvalidValue("product and product_box go together: give both or neither")
        if self.product is not None and self.product_box is not None:
            expected = (
                self.product_box[2] - self.product_box[0],
                self.product_box[3] - self.product_box[1],
            )
            if self.product.size != expected:
                raise InvalidValue(
                    f"product is {self.product.size[0]}x{self.product.size[1]} px but product_box "
                    f"is {expected[0]}x{expected[1]}; pass the product scaled as it will be pasted"
                )
        if self.width < 8 or self.height < 8:
            raise InvalidValue(
                f"image size must be at least 8x8 px; received {self.width}x{self.height}"
            )
        if not 1 <= self.num_images <= MAX_BATCH:
            raise InvalidValue(
                f"num_images (batch size) must be 1-{MAX_BATCH}; received {self.num_images}"
            )
        if self.steps < 1:
            raise InvalidValue(f"steps must be at least 1; received {self.steps}")
        if self.guidance < 0:
            raise InvalidValue(f"guidance must be >= 0; received {self.guidance}")
        if not 0 <= self.seed < 2**63:
            raise InvalidValue(f"seed must be in [0, 2**63); received {self.seed}")


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
    motif_masks : per image, an ``L`` mask (255 where a motif was drawn), when the backend
        knows; empty otherwise (a model paints what it paints).
    """

    images: tuple[Image.Image, ...]
    seeds: tuple[int, ...]
    backend: str
    model: str
    ai_generated: bool
    seconds: float
    notes: tuple[str, ...] = ()
    motif_masks: tuple[Image.Image, ...] = ()


@runtime_checkable
class ImageBackend(Protocol):
    """Makes background images; text and logo are added later by the compositor."""

    name: str
    model: str
    ai_generated: bool

    def generate(self, request: ImageRequest) -> GeneratedImages: ...


# --------------------------------------------------------------------------------------------
# Video: the moving background under a video ad (the ad itself is composed in studio.imaging.video)
# --------------------------------------------------------------------------------------------


@runtime_checkable
class BackgroundAnimator(Protocol):
    """Turns a still background into frames of motion (an image-to-video model)."""

    model: str

    def animate(self, image: Image.Image, *, seed: int, num_frames: int) -> list[Image.Image]:
        """``num_frames`` RGB frames, the size of ``image``, starting from it."""
        ...


def cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop ``image`` to exactly ``width`` x ``height`` (no distortion), RGB.

    How a backend meets the contract that its images are the size asked for.
    """
    return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
