"""Video ads: encoded with the bundled ffmpeg and checked for duration, size, codec, metadata."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.imaging.color import delta_e
from studio.imaging.compositor import AdCopy, Box, BrandKit, Layer
from studio.imaging.formats import IMAGE_FORMATS, VIDEO_FORMATS
from studio.imaging.probe import probe_video
from studio.imaging.provenance import Provenance, mp4_tags, read_video_provenance
from studio.imaging.video import (
    CROSSFADE_S,
    FULL,
    MoviePyVideoBackend,
    Overlay,
    VideoRequest,
    animated,
    mix,
)

COPY = AdCopy("Roasted within 48 hours of shipping", "Start your subscription")
PROVENANCE = Provenance("offline", "studio-offline-2", 11, "0" * 64, False, "image_background.j2")


def _backgrounds(kit: BrandKit, count: int) -> tuple[Image.Image, ...]:
    roles = ("secondary", "primary", "accent")
    return tuple(Image.new("RGB", (120, 120), kit.colors[roles[i]]) for i in range(count))


def _tone(path: Path, seconds: float) -> Path:
    rate = 8000
    samples = (np.sin(2 * np.pi * 330 * np.arange(int(rate * seconds)) / rate) * 6000).astype(
        np.int16
    )
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
        _backgrounds(halden, 2),
        COPY,
        halden,
        fmt,
        duration_s=6.0,
        fps=12,
        seed=11,
        music=_tone(tmp_path / "music.wav", 2.5),
        metadata=mp4_tags(PROVENANCE),
    )
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
    assert (probe.width, probe.height, probe.codec, probe.audio_codec) == (
        fmt.width,
        fmt.height,
        "h264",
        "aac",
    )
    with VideoFileClip(str(encoded.path)) as clip:
        assert clip.duration == pytest.approx(6.0, abs=0.1)
        last = clip.get_frame(5.9)
        first = clip.get_frame(0.0)
    # The end card is on the brand's background colour; the opening shows the first picture.
    corner = last[: fmt.height // 8, : fmt.width // 8].reshape(-1, 3).mean(axis=0)
    assert delta_e(corner, halden.colors["background"]) < 5
    # (upper right: the headline's scrim covers the lower half of a square)
    middle = first[fmt.height // 4 - 2 : fmt.height // 4 + 2, -6:-2].reshape(-1, 3).mean(axis=0)
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
def test_bad_video_requests_are_explained(
    halden: BrandKit, change: dict[str, object], message: str
) -> None:
    base: dict[str, object] = {
        "backgrounds": _backgrounds(halden, 1),
        "copy": COPY,
        "kit": halden,
        "fmt": VIDEO_FORMATS["1:1"],
    }
    with pytest.raises(ValueError, match=message):
        VideoRequest(**(base | change))  # type: ignore[arg-type]


def test_unreadable_music_is_named(halden: BrandKit, tmp_path: Path) -> None:
    music = tmp_path / "music.mp3"
    music.write_text("not audio")
    request = VideoRequest(
        _backgrounds(halden, 1), COPY, halden, VIDEO_FORMATS["1:1"].scaled(0.1), music=music
    )
    with pytest.raises(ValueError, match=r"music file .*music.mp3 cannot be read as audio"):
        MoviePyVideoBackend(preset="ultrafast").render(request, tmp_path / "clip.mp4")


def test_bad_encoder_settings_are_explained() -> None:
    with pytest.raises(
        ValueError, match=r"preset must be one of ultrafast, .*veryfast.*; received 'quick'"
    ):
        MoviePyVideoBackend(preset="quick")
    with pytest.raises(ValueError, match="crf must be 0-51; received 52"):
        MoviePyVideoBackend(crf=52)


def test_mix_is_a_rounded_integer_blend_without_overflow() -> None:
    black, white = np.zeros((2, 3, 3), np.uint8), np.full((2, 3, 3), 255, np.uint8)
    assert np.array_equal(mix(black, white, 0), black) and np.array_equal(
        mix(black, white, FULL), white
    )
    assert (mix(black, white, FULL // 2) == 128).all()  # 127.5 rounds up
    assert (mix(white, white, 77) == 255).all()
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    expected = np.round(ramp * 0.75 + (255 - ramp.astype(float)) * 0.25)
    assert np.abs(mix(ramp, 255 - ramp, 64).astype(float) - expected).max() <= 1


def test_overlay_blends_like_pil_and_is_cut_at_the_frame_edge() -> None:
    rng = np.random.default_rng(0)
    layer = Image.fromarray(rng.integers(0, 256, (6, 5, 4), dtype=np.uint8), "RGBA")
    ground = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    reference = Image.fromarray(ground).convert("RGBA")
    reference.alpha_composite(layer, (4, 3))
    frame = ground.copy()
    Overlay.from_layer(Layer(layer, 4, 3)).blend_onto(frame)
    assert np.abs(frame.astype(int) - np.asarray(reference.convert("RGB"), int)).max() <= 1
    # Half faded, shifted down past the bottom edge: only the visible rows change.
    frame = ground.copy()
    Overlay.from_layer(Layer(layer, 4, 3)).blend_onto(frame, dy=5, opacity=FULL // 2)
    assert np.array_equal(frame[:8], ground[:8]) and not np.array_equal(
        frame[8:, 4:9], ground[8:, 4:9]
    )
    assert np.array_equal(frame[:, :4], ground[:, :4])


def test_model_frames_are_blended_in_between() -> None:
    red, blue = Image.new("RGB", (8, 8), (200, 0, 0)), Image.new("RGB", (8, 8), (0, 0, 100))
    play = animated([red, blue], 4, 4, duration_s=2.0)
    assert play(0.0).shape == (4, 4, 3)
    assert tuple(play(0.0)[0, 0]) == (200, 0, 0) and tuple(play(2.0)[0, 0]) == (0, 0, 100)
    assert tuple(play(1.0)[0, 0]) == (100, 0, 50)
    with pytest.raises(ValueError, match="returned no frames"):
        animated([], 4, 4, duration_s=2.0)


def test_timeline_storyboard_headline_crossfade_and_end_card(halden: BrandKit) -> None:
    fmt = VIDEO_FORMATS["1:1"].scaled(0.2)
    request = VideoRequest(
        _backgrounds(halden, 2), COPY, halden, fmt, duration_s=6.0, fps=12, seed=3
    )
    timeline = MoviePyVideoBackend().timeline(request)
    headline = timeline.headline
    h, w = headline.alpha.shape[:2]
    box = (slice(headline.top, headline.top + h), slice(headline.left, headline.left + w))
    opaque = headline.alpha[..., 0] == FULL

    # The headline is whole and in place from the very first frame (no fade-in).
    for t in (0.0, 1 / 12, 2.0):
        frame = timeline(t)
        assert frame.shape == (fmt.height, fmt.width, 3) and frame.dtype == np.uint8
        assert np.array_equal(frame[box][opaque], headline.rgb[opaque]), (
            f"headline not whole at {t} s"
        )

    # Halfway through the cross-fade the two scenes weigh the same (a spot under no overlay).
    start = timeline.scene_start(1)
    t = start + CROSSFADE_S / 2
    spot = (slice(fmt.height // 4 - 2, fmt.height // 4 + 2), slice(-6, -2))  # under no overlay
    first, second = (
        timeline.scenes[0](t)[spot].astype(int),
        timeline.scenes[1](t - start)[spot].astype(int),
    )
    assert np.abs(timeline(t)[spot].astype(int) - (first + second) / 2).max() <= 1

    assert np.array_equal(timeline(timeline.scenes_s), timeline.card)
    assert np.array_equal(timeline(5.99), timeline.card)
    fading = timeline(timeline.scenes_s - CROSSFADE_S / 2)
    assert not np.array_equal(fading, timeline.card)


def test_every_clip_has_sound_and_its_first_frame_is_readable_clear_of_tiktoks_interface(
    halden: BrandKit, tmp_path: Path
) -> None:
    from studio.imaging.formats import TIKTOK_ZONES
    from studio.imaging.qc import ui_zones
    from studio.imaging.video import first_frame_contrast

    fmt = VIDEO_FORMATS["9:16"].scaled(0.25)
    backgrounds = tuple(
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (96, 54, 3), dtype=np.uint8))
        for i in range(2)
    )  # busy pictures: the headline must still read on frame one
    request = VideoRequest(backgrounds, COPY, halden, fmt, duration_s=6.0, fps=12, seed=4)
    encoded = MoviePyVideoBackend(preset="ultrafast").render(request, tmp_path / "clip.mp4")
    probe = probe_video(encoded.path)
    assert probe.audio_codec == "aac" and encoded.has_audio
    assert encoded.audio == "studio music bed (synthesised, seed 4)"
    contrast = first_frame_contrast(request, encoded.path)
    assert contrast >= 4.5, f"first frame headline contrast {contrast:.2f}:1"
    poster = MoviePyVideoBackend().timeline(request).poster
    assert ui_zones(poster).passed
    zones = [Box(*z.box) for z in fmt.ui_zones]
    assert [z.name for z in fmt.ui_zones] == [z.name for z in TIKTOK_ZONES]
    layout = poster.layout
    for box in (
        layout.headline.fitted.ink_box,
        layout.cta.fitted.ink_box,
        layout.button.box,
        layout.logo_box,
    ):
        assert not any(box.intersects(zone) for zone in zones)


def test_the_sound_track_is_the_music_bed_not_silence(halden: BrandKit, tmp_path: Path) -> None:
    from moviepy import AudioFileClip

    fmt = VIDEO_FORMATS["1:1"].scaled(0.1)
    request = VideoRequest(
        _backgrounds(halden, 1), COPY, halden, fmt, duration_s=6.0, fps=12, seed=2
    )
    encoded = MoviePyVideoBackend(preset="ultrafast").render(request, tmp_path / "clip.mp4")
    with AudioFileClip(str(encoded.path)) as audio:
        samples = audio.to_soundarray(fps=8000)
    assert audio.duration == pytest.approx(6.0, abs=0.1)
    middle = samples[len(samples) // 3 : 2 * len(samples) // 3]
    assert np.sqrt((middle**2).mean()) > 0.03, "the middle of the clip is silent"


def test_music_bed_is_deterministic_stereo_and_faded() -> None:
    from studio.imaging.audio import PEAK, music_bed

    bed = music_bed(6.0, seed=3, sample_rate=8000)
    assert bed.shape == (48_000, 2) and bed.dtype == np.float32
    assert np.array_equal(bed, music_bed(6.0, seed=3, sample_rate=8000))
    assert not np.array_equal(bed, music_bed(6.0, seed=4, sample_rate=8000))
    assert np.abs(bed).max() == pytest.approx(PEAK, abs=1e-6)
    assert np.abs(bed[:40]).max() < 0.05 and np.abs(bed[-40:]).max() < 0.05, "fades in and out"
    assert not np.array_equal(bed[:, 0], bed[:, 1]), "the chord is spread across left and right"
    # Its loudest frequencies are musical notes of the chosen key, not noise.
    spectrum = np.abs(np.fft.rfft(bed[:, 0]))
    assert spectrum.argmax() / 6.0 < 1000
    with pytest.raises(ValueError, match="duration_s must be > 0 seconds; received 0"):
        music_bed(0)


def test_each_line_stays_long_enough_to_read() -> None:
    from studio.imaging.video import (
        MIN_LINE_S,
        headline_seconds,
        min_duration_s,
        reading_seconds,
    )

    assert reading_seconds("Shop now") == MIN_LINE_S == 1.5
    assert reading_seconds(" ".join(["word"] * 10)) == pytest.approx(3.0)
    long = AdCopy(" ".join(["word"] * 20), "Shop now")
    needed = min_duration_s(long)
    assert headline_seconds(needed) >= 6.0 > headline_seconds(needed - 0.1)
    assert min_duration_s(COPY) == 6.0
    with pytest.raises(
        ValueError,
        match=r"needs 6\.0 s on screen to be read but a 8 s clip shows it for 5\.2 s; make the clip at least 9\.\d s",
    ):
        VideoRequest((Image.new("RGB", (9, 9)),), long, None, VIDEO_FORMATS["1:1"], duration_s=8.0)  # type: ignore[arg-type]
