"""The image backends and background animators registered as plug-ins, chosen by the settings.

Image backends (``studio.image_backends``, ``STUDIO_IMAGE_BACKEND``), built in:

* ``offline`` (default, :mod:`studio.backends.image_offline`): draws on-brand backgrounds from
  the palette and the guideline's product motifs; no weights, deterministic per seed.
* ``diffusers`` (:mod:`studio.backends.image_diffusers`): any text-to-image model from a local
  folder or a hub id (``STUDIO_DIFFUSERS_MODEL``) on CUDA, MPS or CPU.

Background animators (``studio.video_backends``, ``STUDIO_VIDEO_BACKEND``), built in:

* ``diffusers`` (:mod:`studio.backends.video_diffusers`): an image-to-video model
  (``STUDIO_VIDEO_MODEL``) moves the backgrounds of video ads.

Without an animator a video ad's backgrounds get a slow zoom and pan
(:func:`studio.imaging.video.ken_burns`). Each entry point names a ``factory(settings)``; a
package adds its own under the same groups (see README, "Adding a backend"). Heavy libraries
(torch, diffusers, moviepy) are imported only when a backend that needs them runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from studio.backends.contracts import BackgroundAnimator, ImageBackend
from studio.core.plugins import Registry

if TYPE_CHECKING:
    from studio.core.settings import Settings
    from studio.imaging.video import VideoBackend

#: Image backends by name: ``factory(settings) -> ImageBackend``.
IMAGE_BACKENDS: Registry[Callable[[Settings], ImageBackend]] = Registry(
    "studio.image_backends",
    kind="image backend",
    setting="STUDIO_IMAGE_BACKEND",
    accepts=callable,
    expected="a factory taking the settings and returning an image backend",
)

#: Background animators by name: ``factory(settings) -> BackgroundAnimator``.
VIDEO_BACKENDS: Registry[Callable[[Settings], BackgroundAnimator]] = Registry(
    "studio.video_backends",
    kind="video backend",
    setting="STUDIO_VIDEO_BACKEND",
    accepts=callable,
    expected="a factory taking the settings and returning a background animator",
)


def make_image_backend(settings: Settings) -> ImageBackend:
    """The image backend named by ``settings.image_backend``.

    Raises
    ------
    studio.core.plugins.PluginError
        No installed package registers that name (the message lists those that are), or its
        code needs a package that is not installed.
    ValueError
        The backend's settings are incomplete, e.g. ``diffusers`` without
        ``STUDIO_DIFFUSERS_MODEL``.
    """
    return IMAGE_BACKENDS.load(settings.image_backend)(settings)


def video_backend_name(settings: Settings) -> str | None:
    """The background animator the settings choose, or None for the built-in zoom and pan.

    ``STUDIO_VIDEO_BACKEND`` when set; otherwise ``diffusers`` when ``STUDIO_VIDEO_MODEL`` is
    set (the setting that named the model before animators were plug-ins), else None.
    """
    if settings.video_backend:
        return settings.video_backend
    return "diffusers" if settings.video_model else None


def make_background_animator(settings: Settings) -> BackgroundAnimator | None:
    """The animator :func:`video_backend_name` chooses, built from the settings, or None."""
    name = video_backend_name(settings)
    return None if name is None else VIDEO_BACKENDS.load(name)(settings)


def make_video_backend(settings: Settings) -> VideoBackend:
    """The moviepy video maker, its backgrounds moved by :func:`make_background_animator`."""
    from studio.imaging.video import MoviePyVideoBackend

    return MoviePyVideoBackend(animator=make_background_animator(settings))
