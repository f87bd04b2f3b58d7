"""Video ads with moviepy: 6-15 s H.264 MP4 from one to three images and the copy.

The clip, for ``duration_s`` = D seconds:

1. scenes (D minus the end card): each background with a slow zoom and pan (or, with an
   image-to-video model configured, the model's motion), cross-fading into the next;
   the logo sits in its corner and the headline slides up and fades in;
2. end card (about 30 % of D, 2-3 s): the logo large and centred, the call-to-action button.

Text, logo and button come from the brand compositor (:func:`studio.imaging.compositor.compose`
and :func:`~studio.imaging.compositor.overlay_layers`), so a still of the video matches the
image ad and respects the format's safe zone. An optional music file is looped or cut to
the clip's length and faded out. Encoding uses libx264 (yuv420p, High profile, +faststart)
with the ffmpeg binary bundled by imageio-ffmpeg.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from studio.backends.media import BackgroundAnimator, EncodedVideo, VideoRequest
from studio.imaging.compositor import compose, cover, end_card, overlay_layers
from studio.imaging.provenance import ffmpeg_tag_args

CROSSFADE_S = 0.4
HEADLINE_IN_S = 0.6
#: The headline stays over moving, changing pictures: give it a nearly opaque panel.
VIDEO_PANEL_ALPHA = 0.85
# Source image is this much larger than the frame, so the camera can pan without leaving it.
_MARGIN = 1.12


def _ease(p: float) -> float:
    """Smoothstep: starts and ends at rest."""
    p = min(max(p, 0.0), 1.0)
    return p * p * (3 - 2 * p)


def ken_burns(
    image: Image.Image, width: int, height: int, duration_s: float, seed: int
) -> Callable[[float], np.ndarray]:
    """A frame function for a slow zoom and pan over ``image``.

    Returns
    -------
    callable
        ``t`` (seconds) -> frame of shape ``(height, width, 3)``, uint8. Zoom changes by about
        12 % over the scene, in or out, and the centre drifts across the spare margin;
        direction comes from ``seed``.
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
        view = source.transform((width, height), Image.Transform.EXTENT, box, Image.Resampling.BILINEAR)
        return np.asarray(view, dtype=np.uint8)

    return frame


def _animated(frames: list[Image.Image], width: int, height: int, duration_s: float) -> Callable[[float], np.ndarray]:
    """Play model frames evenly over ``duration_s`` (frame function, uint8 (h, w, 3))."""
    fitted = [np.asarray(cover(f, width, height), dtype=np.uint8) for f in frames]

    def frame(t: float) -> np.ndarray:
        index = min(len(fitted) - 1, int(t / duration_s * len(fitted))) if duration_s else 0
        return fitted[index]

    return frame


class MoviePyVideoBackend:
    """Encodes video ads (see the module docstring).

    Parameters
    ----------
    animator : an image-to-video model that replaces the zoom/pan, or None.
    preset : libx264 preset (speed/size trade-off); ``medium`` is ffmpeg's default.
    crf : libx264 constant rate factor, 0-51; 20 is visually clean at ad sizes.
    """

    name = "moviepy"

    def __init__(self, animator: BackgroundAnimator | None = None, *, preset: str = "medium", crf: int = 20) -> None:
        if not 0 <= crf <= 51:
            raise ValueError(f"crf must be 0-51; received {crf}")
        self.animator = animator
        self.preset = preset
        self.crf = crf
        import moviepy

        self.model = animator.model if animator else f"moviepy-{moviepy.__version__}"

    @property
    def ai_generated(self) -> bool:
        return self.animator is not None

    def render(self, request: VideoRequest, output: Path) -> EncodedVideo:
        """Encode the clip described by ``request`` to ``output`` (an ``.mp4`` path)."""
        from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, VideoClip, afx, vfx

        started = time.perf_counter()
        fmt = request.fmt
        width, height, duration = fmt.width, fmt.height, request.duration_s
        card_s = min(3.0, max(2.0, duration * 0.3))
        scenes_s = duration - card_s
        count = len(request.backgrounds)
        scene_s = (scenes_s + CROSSFADE_S * (count - 1)) / count

        clips = []
        for i, background in enumerate(request.backgrounds):
            if self.animator is not None:
                frames = self.animator.animate(
                    cover(background, width, height), seed=request.seed + i, num_frames=max(2, round(scene_s * 7))
                )
                function = _animated(frames, width, height, scene_s)
            else:
                function = ken_burns(background, width, height, scene_s, request.seed + i)
            clip = VideoClip(function, duration=scene_s).with_start(i * (scene_s - CROSSFADE_S))
            if i:
                clip = clip.with_effects([vfx.CrossFadeIn(CROSSFADE_S)])
            clips.append(clip)

        poster = compose(request.backgrounds[0], request.copy, request.kit, fmt, min_panel_alpha=VIDEO_PANEL_ALPHA)
        layers = overlay_layers(poster)
        logo = layers["logo"]
        clips.append(
            ImageClip(np.asarray(logo.image), transparent=True, duration=scenes_s).with_position((logo.left, logo.top))
        )
        headline = layers["headline"]
        rise = max(4, round(min(width, height) * 0.04))
        appear = min(0.3, scenes_s / 4)

        def headline_position(t: float) -> tuple[int, int]:
            return (headline.left, round(headline.top + rise * (1 - _ease(t / HEADLINE_IN_S))))

        clips.append(
            ImageClip(np.asarray(headline.image), transparent=True, duration=scenes_s - appear)
            .with_start(appear)
            .with_position(headline_position)
            .with_effects([vfx.CrossFadeIn(HEADLINE_IN_S)])
        )
        card = end_card(request.copy, request.kit, fmt)
        clips.append(
            ImageClip(np.asarray(card), duration=card_s + CROSSFADE_S)
            .with_start(scenes_s - CROSSFADE_S)
            .with_effects([vfx.CrossFadeIn(CROSSFADE_S)])
        )
        video = CompositeVideoClip(clips, size=(width, height)).with_duration(duration)

        audio = None
        if request.music is not None:
            try:
                audio = AudioFileClip(str(request.music))
            except (OSError, KeyError, IndexError) as exc:
                raise ValueError(f"music file {request.music} cannot be read as audio ({exc})") from exc
            if audio.duration < duration:
                audio = audio.with_effects([afx.AudioLoop(duration=duration)])
            audio = audio.subclipped(0, duration).with_effects(
                [afx.AudioFadeIn(min(0.5, duration / 4)), afx.AudioFadeOut(min(1.5, duration / 4))]
            )
            video = video.with_audio(audio)

        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
            video.write_videofile(
                str(output),
                fps=request.fps,
                codec="libx264",
                audio=audio is not None,
                audio_codec="aac",
                audio_bitrate="128k",
                preset=self.preset,
                temp_audiofile_path=scratch,
                ffmpeg_params=[
                    "-crf", str(self.crf), "-profile:v", "high", "-pix_fmt", "yuv420p",
                    *ffmpeg_tag_args(request.metadata),
                ],
                logger=None,
            )
        video.close()
        if audio is not None:
            audio.close()
        return EncodedVideo(
            path=output,
            width=width,
            height=height,
            duration_s=duration,
            fps=request.fps,
            has_audio=audio is not None,
            backend=self.name,
            model=self.model,
            ai_generated=self.ai_generated,
            seconds=time.perf_counter() - started,
        )
