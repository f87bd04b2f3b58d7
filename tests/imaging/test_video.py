"""Video ads: encoded with the bundled ffmpeg and checked for duration, size, codec, metadata."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.backends.media import VideoRequest
from studio.backends.video_moviepy import MoviePyVideoBackend
from studio.imaging.color import delta_e
from studio.imaging.compositor import AdCopy, BrandKit
from studio.imaging.formats import IMAGE_FORMATS, VIDEO_FORMATS
from studio.imaging.probe import probe_video
from studio.imaging.provenance import Provenance, mp4_tags, read_video_provenance

COPY = AdCopy("Roasted within 48 hours of shipping", "Start your subscription")
PROVENANCE = Provenance("offline", "studio-offline-2", 11, "0" * 64, False, "image_background.j2")


def _backgrounds(kit: BrandKit, count: int) -> tuple[Image.Image, ...]:
    roles = ("secondary", "primary", "accent")
    return tuple(Image.new("RGB", (120, 120), kit.colors[roles[i]]) for i in range(count))


def _tone(path: Path, seconds: float) -> Path:
    rate = 8000
    samples = (np.sin(2 * np.pi * 330 * np.arange(int(rate * seconds)) / rate) * 6000).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def test_tiktok_clip_with_music_is_h264_of_the_right_length_size_and_provenance(
    halden: BrandKit, tmp_path: Path
) -> None:
    fmt = VIDEO_FORMATS["9:16"].scaled(0.15)
    request = VideoRequest(
        _backgrounds(halden, 2), COPY, halden, fmt, duration_s=6.0, fps=12, seed=11,
        music=_tone(tmp_path / "music.wav", 2.5), metadata=mp4_tags(PROVENANCE),
    )  # fmt: skip
    encoded = MoviePyVideoBackend(preset="ultrafast").render(request, tmp_path / "out" / "clip.mp4")
    probe = probe_video(encoded.path)
    assert (probe.width, probe.height) == (fmt.width, fmt.height) == (encoded.width, encoded.height)
    assert probe.codec == "h264" and probe.pix_fmt == "yuv420p"
    assert probe.frames == 72 and probe.duration_s == pytest.approx(6.0)
    assert probe.audio_codec == "aac" and encoded.has_audio
    assert read_video_provenance(encoded.path) == PROVENANCE
    assert "not AI-generated" in probe.metadata["comment"]
    assert not list((tmp_path / "out").glob("*TEMP*")), "moviepy's temporary audio was left behind"


@pytest.mark.parametrize("aspect", ["1:1", "16:9"])
def test_other_aspects_and_the_end_card(halden: BrandKit, tmp_path: Path, aspect: str) -> None:
    from moviepy import VideoFileClip

    fmt = VIDEO_FORMATS[aspect].scaled(0.1)
    request = VideoRequest(_backgrounds(halden, 3), COPY, halden, fmt, duration_s=6.0, fps=12)
    encoded = MoviePyVideoBackend(preset="ultrafast").render(request, tmp_path / "clip.mp4")
    probe = probe_video(encoded.path)
    assert (probe.width, probe.height, probe.codec, probe.audio_codec) == (fmt.width, fmt.height, "h264", None)
    with VideoFileClip(str(encoded.path)) as clip:
        assert clip.duration == pytest.approx(6.0, abs=0.1)
        last = clip.get_frame(5.9)
        first = clip.get_frame(0.0)
    # The end card is on the brand's background colour; the opening shows the first picture.
    corner = last[: fmt.height // 8, : fmt.width // 8].reshape(-1, 3).mean(axis=0)
    assert delta_e(corner, halden.colors["background"]) < 5
    middle = first[fmt.height // 2 - 2 : fmt.height // 2 + 2, -6:-2].reshape(-1, 3).mean(axis=0)
    assert delta_e(middle, halden.colors["secondary"]) < 8


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duration_s": 5.0}, "duration_s must be 6-15 seconds; received 5.0"),
        ({"backgrounds": ()}, "1-3 background images; received 0"),
        ({"fmt": IMAGE_FORMATS["1080x1080"]}, "must be a video format"),
        ({"music": Path("/nowhere/music.mp3")}, "music file /nowhere/music.mp3 does not exist"),
    ],
)
def test_bad_video_requests_are_explained(halden: BrandKit, change: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "backgrounds": _backgrounds(halden, 1), "copy": COPY, "kit": halden, "fmt": VIDEO_FORMATS["1:1"],
    }  # fmt: skip
    with pytest.raises(ValueError, match=message):
        VideoRequest(**(base | change))  # type: ignore[arg-type]


def test_unreadable_music_is_named(halden: BrandKit, tmp_path: Path) -> None:
    music = tmp_path / "music.mp3"
    music.write_text("not audio")
    request = VideoRequest(_backgrounds(halden, 1), COPY, halden, VIDEO_FORMATS["1:1"].scaled(0.1), music=music)
    with pytest.raises(ValueError, match=r"music file .*music.mp3 cannot be read as audio"):
        MoviePyVideoBackend(preset="ultrafast").render(request, tmp_path / "clip.mp4")
