"""Video ads with moviepy: 6-15 s H.264 MP4 from one to three images and the copy.

The brand layers (headline, logo, end card) are composed here, in the imaging domain; the only
swappable part is what moves the backgrounds: a registered background animator
(``studio.video_backends``, e.g. an image-to-video model) or, without one, a slow zoom and pan.

The clip, for ``duration_s`` = D seconds:

1. scenes (D minus the end card): each background with a slow zoom and pan (or, with an
   image-to-video model configured, the model's motion), cross-fading into the next;
   the logo sits in its corner and the headline is on screen, whole and readable, from the
   very first frame (no fade-in from invisible: a viewer who stops scrolling reads it at once);
2. end card (about 30 % of D, 2-3 s): the logo large and centred, the call-to-action button.

Every line stays on screen at least :func:`reading_seconds` (0.3 s a word, 1.5 s at least,
counted while it is fully shown); a request too short for its words is refused with the
length it needs (:func:`min_duration_s`). Words, logo and button keep clear of the platform's
interface (:attr:`~studio.imaging.formats.AdFormat.ui_zones`, checked by brand QC).

Text, logo and button come from the brand compositor (:func:`studio.imaging.compositor.compose`
and :func:`~studio.imaging.compositor.overlay_layers`), so a still of the video matches the
image ad and respects the format's safe zone. Every clip has sound: the brand's music file
(looped or cut to the clip's length, faded in and out) or, without one, a music bed the studio
synthesises (:func:`studio.imaging.audio.music_bed`, seeded by the request's seed).

Speed: every frame is composed by one function, :class:`AdTimeline`, instead of a moviepy
``CompositeVideoClip`` of transparent clips (which blends whole frames in float64 and, with
masks present, hands ffmpeg RGBA frames). The overlays are kept as integer colour and alpha
arrays and blended only inside their own boxes; cross-fades are integer blends of two
frames. The single opaque :class:`moviepy.VideoClip` (plus the music) goes to
``write_videofile``. Encoding uses libx264 (yuv420p, High profile, +faststart) with the ffmpeg
binary bundled by imageio-ffmpeg. The default, preset ``veryfast`` at CRF 18, needs about half
the encoder CPU time of ffmpeg's ``medium`` at CRF 20 for the same quality (SSIM 0.9985 vs
0.9989 on the offline backgrounds, 0.988 vs 0.989 on photo-like texture, against the
uncompressed frames) and files 10-16 % larger (0.44 vs 0.38 MB for 6 s at 1080x1080); see
``benchmarks/render_speed.py``.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image

from studio.backends.contracts import BackgroundAnimator, cover
from studio.core.errors import InvalidValue
from studio.imaging.audio import music_bed, write_wav
from studio.imaging.color import contrast_ratio
from studio.imaging.compositor import (
    AdCopy,
    BrandKit,
    Composition,
    Layer,
    compose,
    end_card,
    overlay_layers,
)
from studio.imaging.formats import CLIP_MAX_S, CLIP_MIN_S, AdFormat
from studio.imaging.provenance import ffmpeg_tag_args

CROSSFADE_S = 0.4
#: Reading time: seconds per word a line stays fully on screen, and the least for any line.
SECONDS_PER_WORD = 0.3
MIN_LINE_S = 1.5
#: The headline stays over moving, changing pictures: give it a nearly opaque panel.
VIDEO_PANEL_ALPHA = 0.85
#: libx264's presets, fastest first (each trades encoding speed against file size).
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
# Source image is this much larger than the frame, so the camera can pan without leaving it.
_MARGIN = 1.12
#: Blend weights are integers out of this (8-bit fixed point): a weight of 256 is fully on.
FULL = 256

Frames = Callable[[float], np.ndarray]


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
    music : an audio file to lay under the clip (faded out at the end), or None for the
        synthesised music bed.
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
        if not 1 <= len(self.backgrounds) <= 3:
            raise InvalidValue(
                f"a video needs 1-3 background images; received {len(self.backgrounds)}"
            )
        if not CLIP_MIN_S <= self.duration_s <= CLIP_MAX_S:
            raise InvalidValue(
                f"duration_s must be {CLIP_MIN_S:g}-{CLIP_MAX_S:g} seconds; received {self.duration_s}"
            )
        if self.fmt.kind != "video":
            raise InvalidValue(
                f"fmt must be a video format; received a {self.fmt.kind} format {self.fmt.size_label}"
            )
        if not 12 <= self.fps <= 60:
            raise InvalidValue(f"fps must be 12-60; received {self.fps}")
        if self.music is not None and not Path(self.music).is_file():
            raise InvalidValue(f"music file {self.music} does not exist")
        shown = headline_seconds(self.duration_s)
        needed = reading_seconds(self.copy.headline)
        if shown + 1e-9 < needed:
            raise InvalidValue(
                f"the headline ({len(self.copy.headline.split())} words) needs {needed:.1f} s on "
                f"screen to be read but a {self.duration_s:g} s clip shows it for {shown:.1f} s; "
                f"make the clip at least {min_duration_s(self.copy):.1f} s or shorten the headline"
            )


def reading_seconds(text: str) -> float:
    """How long a line must stay fully on screen: :data:`SECONDS_PER_WORD` a word, at least
    :data:`MIN_LINE_S`."""
    return max(MIN_LINE_S, SECONDS_PER_WORD * len(text.split()))


def card_seconds(duration_s: float) -> float:
    """Length of the end card of a ``duration_s`` clip: 30 %, between 2 and 3 s."""
    return min(3.0, max(2.0, duration_s * 0.3))


def headline_seconds(duration_s: float) -> float:
    """How long the headline is fully shown in a ``duration_s`` clip (until the card fades in)."""
    return duration_s - card_seconds(duration_s) - CROSSFADE_S


def min_duration_s(copy: AdCopy) -> float:
    """The shortest clip that shows every line of ``copy`` long enough to read (seconds).

    The end card (2 s or more) always holds the call to action long enough: a button label is
    a few words. Rounded up to a tenth of a second.
    """
    needed = reading_seconds(copy.headline)
    duration = CLIP_MIN_S
    while headline_seconds(duration) + 1e-9 < needed:
        duration = round(duration + 0.1, 1)
    return duration


@dataclass(frozen=True)
class EncodedVideo:
    """An MP4 written by a video backend.

    Attributes
    ----------
    path : the file.
    width, height : pixels.
    duration_s : seconds, as encoded.
    fps : frames per second.
    has_audio : whether a sound track was muxed in (always, since every clip has music).
    audio : where the sound came from: the brand's music file or the synthesised bed.
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
    audio: str = ""


@runtime_checkable
class VideoBackend(Protocol):
    """Makes the MP4 of a video ad (:class:`MoviePyVideoBackend`; tests may pass their own)."""

    name: str
    model: str

    def render(self, request: VideoRequest, output: Path) -> EncodedVideo: ...


def _ease(p: float) -> float:
    """Smoothstep: starts and ends at rest."""
    p = min(max(p, 0.0), 1.0)
    return p * p * (3 - 2 * p)


def _weight(p: float) -> int:
    """A blend progress ``p`` (0-1, clipped) as an integer weight out of :data:`FULL`."""
    return round(min(max(p, 0.0), 1.0) * FULL)


def mix(first: np.ndarray, second: np.ndarray, weight: int) -> np.ndarray:
    """``first`` faded into ``second``: ``(first * (256 - weight) + second * weight) / 256``.

    Parameters
    ----------
    first, second : uint8 frames of the same shape, e.g. ``(height, width, 3)``.
    weight : 0 (all ``first``) to :data:`FULL` (all ``second``).

    Returns
    -------
    numpy.ndarray
        A new uint8 array of the same shape, rounded to nearest (uint16 arithmetic: the
        largest intermediate, 255 * 256 + 128, fits).
    """
    if weight <= 0:
        return np.array(first, dtype=np.uint8)
    if weight >= FULL:
        return np.array(second, dtype=np.uint8)
    out = first.astype(np.uint16)
    out *= FULL - weight
    scratch = second.astype(np.uint16)
    scratch *= weight
    out += scratch
    out += FULL // 2
    out >>= 8
    return out.astype(np.uint8)


@dataclass(frozen=True)
class Overlay:
    """An RGBA layer prepared for fast blending onto uint8 frames.

    Attributes
    ----------
    rgb : colour, shape ``(h, w, 3)``, uint16 (values 0-255).
    alpha : coverage, shape ``(h, w, 1)``, uint16 on the 0-256 scale (255 maps to 256, so an
        opaque pixel replaces the frame exactly).
    left, top : where the layer's top-left corner sits on the frame, pixels.
    """

    rgb: np.ndarray
    alpha: np.ndarray
    left: int
    top: int

    @classmethod
    def from_layer(cls, layer: Layer) -> Overlay:
        rgba = np.asarray(layer.image.convert("RGBA"), dtype=np.uint16)
        alpha = rgba[..., 3:4]
        return cls(np.ascontiguousarray(rgba[..., :3]), alpha + (alpha >> 7), layer.left, layer.top)

    def blend_onto(self, frame: np.ndarray, *, dy: int = 0, opacity: int = FULL) -> None:
        """Lay the overlay on ``frame`` (uint8 ``(H, W, 3)``, changed in place), shifted ``dy`` px down.

        ``opacity`` (0-256) scales the alpha (fade-in). Only the overlay's box is touched; the
        parts that fall outside the frame are cut off.
        """
        if opacity <= 0:
            return
        h, w = self.alpha.shape[:2]
        top, left = self.top + dy, self.left
        y0, y1 = max(0, top), min(frame.shape[0], top + h)
        x0, x1 = max(0, left), min(frame.shape[1], left + w)
        if y0 >= y1 or x0 >= x1:
            return
        window = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
        alpha = self.alpha[window]
        if opacity < FULL:
            alpha = (alpha * opacity + FULL // 2) >> 8
        region = frame[y0:y1, x0:x1].astype(np.uint16)
        region *= FULL - alpha
        region += self.rgb[window] * alpha
        region += FULL // 2
        region >>= 8
        frame[y0:y1, x0:x1] = region


def ken_burns(image: Image.Image, width: int, height: int, duration_s: float, seed: int) -> Frames:
    """A frame function for a slow zoom and pan over ``image``.

    Returns
    -------
    callable
        ``t`` (seconds) -> frame of shape ``(height, width, 3)``, uint8. Zoom changes by about
        12 % over the scene, in or out, and the centre drifts across the spare margin;
        direction comes from ``seed``. Each frame is resampled (bilinear, antialiased when
        shrinking) from a sub-pixel window of the source, so the motion is smooth.
    """
    rng = np.random.default_rng(seed)
    source = cover(image, round(width * _MARGIN), round(height * _MARGIN))
    sw, sh = source.size
    zoom_in = bool(rng.random() < 0.5)
    start_scale, end_scale = (0.98, 0.86) if zoom_in else (0.86, 0.98)
    angle = float(rng.uniform(0, 2 * math.pi))
    drift = (math.cos(angle), math.sin(angle))

    def frame(t: float) -> np.ndarray:
        p = _ease(t / duration_s if duration_s else 0.0)
        scale = start_scale + (end_scale - start_scale) * p
        ww, wh = sw * scale, sh * scale
        spare_x, spare_y = (sw - ww) / 2, (sh - wh) / 2
        cx = sw / 2 + drift[0] * spare_x * (p - 0.5)
        cy = sh / 2 + drift[1] * spare_y * (p - 0.5)
        box = (cx - ww / 2, cy - wh / 2, cx + ww / 2, cy + wh / 2)
        # resize(box=...) is a separable filter: about a third cheaper than an affine transform.
        view = source.resize((width, height), Image.Resampling.BILINEAR, box=box)
        return np.asarray(view, dtype=np.uint8)

    return frame


def animated(frames: Sequence[Image.Image], width: int, height: int, duration_s: float) -> Frames:
    """Play model frames evenly over ``duration_s``, blending neighbours in between.

    Image-to-video models make a few frames per second (Stable Video Diffusion: 14-25 frames);
    a linear blend between the two nearest frames keeps the motion smooth at the ad's frame rate.

    Returns
    -------
    callable
        ``t`` (seconds) -> frame of shape ``(height, width, 3)``, uint8.
    """
    if not frames:
        raise InvalidValue("the image-to-video model returned no frames")
    fitted = [np.asarray(cover(f, width, height), dtype=np.uint8) for f in frames]
    last = len(fitted) - 1

    def frame(t: float) -> np.ndarray:
        position = min(max(t / duration_s, 0.0), 1.0) * last if duration_s else 0.0
        index = min(int(position), last)
        if index == last:
            return fitted[last]
        return mix(fitted[index], fitted[index + 1], _weight(position - index))

    return frame


@dataclass(frozen=True)
class AdTimeline:
    """Composes every frame of a video ad (see the module docstring for the storyboard).

    Attributes
    ----------
    scenes : one frame function per background, each taking the scene's own time.
    scene_s : length of each scene, seconds (neighbours overlap by :data:`CROSSFADE_S`).
    scenes_s : when the scenes end and the end card is fully in, seconds.
    logo, headline : overlays shown, whole, over the scenes from the first frame.
    card : the end card, ``(height, width, 3)`` uint8; it fades in over the last
        :data:`CROSSFADE_S` of the scenes.
    poster : the still ad the overlays come from (the first frame without its motion).
    """

    scenes: tuple[Frames, ...]
    scene_s: float
    scenes_s: float
    logo: Overlay
    headline: Overlay
    card: np.ndarray
    poster: Composition

    def scene_start(self, index: int) -> float:
        return index * (self.scene_s - CROSSFADE_S)

    def _scene(self, t: float) -> np.ndarray:
        """The moving background at ``t``: the latest scene, faded in over the one before."""
        index = min(len(self.scenes) - 1, int(t / (self.scene_s - CROSSFADE_S)))
        start = self.scene_start(index)
        current = self.scenes[index](min(t - start, self.scene_s))
        if index and t - start < CROSSFADE_S:
            previous = self.scenes[index - 1](min(t - self.scene_start(index - 1), self.scene_s))
            return mix(previous, current, _weight((t - start) / CROSSFADE_S))
        return np.array(current, dtype=np.uint8)  # a writable copy: overlays are blended in place

    def __call__(self, t: float) -> np.ndarray:
        """The frame at ``t`` seconds: shape ``(height, width, 3)``, uint8."""
        if t >= self.scenes_s:
            return self.card
        frame = self._scene(t)
        self.logo.blend_onto(frame)
        self.headline.blend_onto(frame)
        card_start = self.scenes_s - CROSSFADE_S
        if t > card_start:
            frame = mix(frame, self.card, _weight((t - card_start) / CROSSFADE_S))
        return frame


class MoviePyVideoBackend:
    """Encodes video ads (see the module docstring).

    Parameters
    ----------
    animator : an image-to-video model that replaces the zoom/pan, or None.
    preset : libx264 preset (speed/size trade-off), one of :data:`X264_PRESETS`.
    crf : libx264 constant rate factor, 0-51 (lower is better and larger); 18 with ``veryfast``
        matches ``medium`` at 20, which is visually clean at ad sizes.
    """

    name = "moviepy"

    def __init__(
        self, animator: BackgroundAnimator | None = None, *, preset: str = "veryfast", crf: int = 18
    ) -> None:
        if preset not in X264_PRESETS:
            raise InvalidValue(
                f"preset must be one of {', '.join(X264_PRESETS)}; received {preset!r}"
            )
        if not 0 <= crf <= 51:
            raise InvalidValue(f"crf must be 0-51; received {crf}")
        self.animator = animator
        self.preset = preset
        self.crf = crf
        import moviepy

        self.model = animator.model if animator else f"moviepy-{moviepy.__version__}"

    @property
    def ai_generated(self) -> bool:
        return self.animator is not None

    def timeline(self, request: VideoRequest) -> AdTimeline:
        """The frame function for ``request`` (runs the image-to-video model, if any)."""
        fmt = request.fmt
        width, height, duration = fmt.width, fmt.height, request.duration_s
        scenes_s = duration - card_seconds(duration)
        count = len(request.backgrounds)
        scene_s = (scenes_s + CROSSFADE_S * (count - 1)) / count

        scenes: list[Frames] = []
        for i, background in enumerate(request.backgrounds):
            if self.animator is not None:
                frames = self.animator.animate(
                    cover(background, width, height),
                    seed=request.seed + i,
                    num_frames=max(2, round(scene_s * 7)),
                )
                scenes.append(animated(frames, width, height, scene_s))
            else:
                scenes.append(ken_burns(background, width, height, scene_s, request.seed + i))

        poster = compose(
            request.backgrounds[0],
            request.copy,
            request.kit,
            fmt,
            min_panel_alpha=VIDEO_PANEL_ALPHA,
        )
        layers = overlay_layers(poster)
        card = np.asarray(end_card(request.copy, request.kit, fmt), dtype=np.uint8)
        return AdTimeline(
            scenes=tuple(scenes),
            scene_s=scene_s,
            scenes_s=scenes_s,
            logo=Overlay.from_layer(layers["logo"]),
            headline=Overlay.from_layer(layers["headline"]),
            card=card,
            poster=poster,
        )

    def render(self, request: VideoRequest, output: Path) -> EncodedVideo:
        """Encode the clip described by ``request`` to ``output`` (an ``.mp4`` path)."""
        from moviepy import AudioFileClip, VideoClip, afx

        started = time.perf_counter()
        fmt = request.fmt
        duration = request.duration_s
        video = VideoClip(self.timeline(request), duration=duration)

        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
            if request.music is not None:
                music, source = request.music, f"music file {Path(request.music).name}"
            else:
                music = write_wav(Path(scratch) / "bed.wav", music_bed(duration, seed=request.seed))
                source = f"studio music bed (synthesised, seed {request.seed})"
            try:
                audio = AudioFileClip(str(music))
            except (OSError, KeyError, IndexError) as exc:
                raise InvalidValue(f"music file {music} cannot be read as audio ({exc})") from exc
            if audio.duration < duration:
                audio = audio.with_effects([afx.AudioLoop(duration=duration)])
            audio = audio.subclipped(0, duration).with_effects(
                [afx.AudioFadeIn(min(0.5, duration / 4)), afx.AudioFadeOut(min(1.5, duration / 4))]
            )
            video = video.with_audio(audio)
            video.write_videofile(
                str(output),
                fps=request.fps,
                codec="libx264",
                audio=True,
                audio_codec="aac",
                audio_bitrate="128k",
                preset=self.preset,
                temp_audiofile_path=scratch,
                ffmpeg_params=[
                    "-crf",
                    str(self.crf),
                    "-profile:v",
                    "high",
                    "-pix_fmt",
                    "yuv420p",
                    *ffmpeg_tag_args(request.metadata),
                ],
                logger=None,
            )
            video.close()
            audio.close()
        return EncodedVideo(
            path=output,
            width=fmt.width,
            height=fmt.height,
            duration_s=duration,
            fps=request.fps,
            has_audio=True,
            backend=self.name,
            model=self.model,
            ai_generated=self.ai_generated,
            seconds=time.perf_counter() - started,
            audio=source,
        )


def headline_contrast(frame: np.ndarray, poster: Composition) -> float:
    """WCAG contrast of the headline as seen in ``frame`` (a decoded video frame).

    The glyphs' pixels are where the poster's text changed the plate (shrunk by a pixel, so
    antialiased edges do not count); the background is the rest of the headline's box, grown
    by a few pixels. Returns the contrast between the median glyph colour and the background's
    5th-percentile-worst pixel, as brand QC measures still images.

    Parameters
    ----------
    frame : uint8 ``(height, width, 3)``, the size of ``poster``.
    """
    from scipy import ndimage

    box = poster.layout.headline.fitted.ink_box
    final = np.asarray(poster.image, dtype=np.int16)
    plate = np.asarray(poster.plate, dtype=np.int16)
    ink = np.abs(final - plate).sum(axis=-1) > 0
    region = np.zeros_like(ink)
    region[box.top : box.bottom, box.left : box.right] = True
    glyphs = ndimage.binary_erosion(ink & region, iterations=1)
    near = ndimage.binary_dilation(ink & region, iterations=2)
    ground = ndimage.binary_dilation(region, iterations=3) & ~near
    if not glyphs.any() or not ground.any():
        raise InvalidValue("the headline is too small in this frame to measure its contrast")
    text = np.median(frame[glyphs].astype(np.float64), axis=0)
    ratios = np.asarray(contrast_ratio(text, frame[ground].astype(np.float64)))
    return float(np.percentile(ratios, 5))


def first_frame_contrast(request: VideoRequest, path: Path) -> float:
    """:func:`headline_contrast` on the first frame of the encoded clip at ``path``."""
    from moviepy import VideoFileClip

    poster = compose(
        request.backgrounds[0],
        request.copy,
        request.kit,
        request.fmt,
        min_panel_alpha=VIDEO_PANEL_ALPHA,
    )
    clip = VideoFileClip(str(path))
    try:
        frame = np.asarray(clip.get_frame(0.0), dtype=np.uint8)
    finally:
        clip.close()
    return headline_contrast(frame, poster)
