"""Read a video's duration, size, codecs and metadata with the ffmpeg bundled by imageio-ffmpeg.

ffprobe is not bundled, so this parses what ``ffmpeg -i FILE`` prints (stable for years across
ffmpeg versions) and counts frames with a stream copy for an exact duration.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.errors import InvalidValue

_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(
    r"Stream #\S+.*?: Video: (\w+).*?, (\w+)(?:\(.*?\))?, (\d+)x(\d+).*?, ([\d.]+) fps"
)
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)")
_META = re.compile(r"^\s{4}(\S[^:]*?)\s*: (.*)$")
_FRAMES = re.compile(r"frame=\s*(\d+)")


@dataclass(frozen=True)
class VideoProbe:
    """What ffmpeg reports about a video file.

    Attributes
    ----------
    duration_s : frames / fps, seconds (exact for constant frame rate).
    container_duration_s : the container's own duration (0.01 s resolution).
    width, height : pixels.
    codec : video codec name, e.g. ``"h264"``.
    pix_fmt : pixel format, e.g. ``"yuv420p"``.
    fps : frames per second.
    frames : number of video frames.
    audio_codec : e.g. ``"aac"``, or None without an audio stream.
    metadata : container-level tags (e.g. ``studio_backend``).
    """

    duration_s: float
    container_duration_s: float
    width: int
    height: int
    codec: str
    pix_fmt: str
    fps: float
    frames: int
    audio_codec: str | None
    metadata: dict[str, str] = field(default_factory=dict)


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary that ships with imageio-ffmpeg."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def probe_video(path: Path) -> VideoProbe:
    """Probe ``path``.

    Raises
    ------
    ValueError
        If the file does not exist or ffmpeg finds no video stream in it (the message quotes
        ffmpeg's last line).
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidValue(f"video file {path} does not exist")
    info = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False
    ).stderr
    video = _VIDEO.search(info)
    if video is None:
        last = info.strip().splitlines()[-1] if info.strip() else "no output"
        raise InvalidValue(f"{path} has no readable video stream (ffmpeg: {last})")
    duration = _DURATION.search(info)
    container = (
        int(duration.group(1)) * 3600 + int(duration.group(2)) * 60 + float(duration.group(3))
        if duration
        else 0.0
    )
    metadata: dict[str, str] = {}
    in_container_meta = False
    for line in info.splitlines():
        if line.startswith("  Metadata:"):
            in_container_meta = True
            continue
        if in_container_meta:
            match = _META.match(line)
            if not match:
                break
            metadata[match.group(1)] = match.group(2)
    counted = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-progress",
            "pipe:2",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    frame_counts = _FRAMES.findall(counted)
    frames = int(frame_counts[-1]) if frame_counts else 0
    fps = float(video.group(5))
    audio = _AUDIO.search(info)
    return VideoProbe(
        duration_s=frames / fps if frames and fps else container,
        container_duration_s=container,
        width=int(video.group(3)),
        height=int(video.group(4)),
        codec=video.group(1),
        pix_fmt=video.group(2),
        fps=fps,
        frames=frames,
        audio_codec=audio.group(1) if audio else None,
        metadata=metadata,
    )


def check_audio(path: Path) -> None:
    """Decode ``path``'s first audio stream to the end; ``ValueError`` if it is not real audio.

    A brand's music file is mixed into every video it makes: a file that only *has* an audio
    suffix would break them all later, so it is decoded once when it arrives.
    """
    result = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or result.stderr.strip():
        last = (
            result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no audio stream"
        )
        raise ValueError(f"{path.name} is not a playable audio file (ffmpeg: {last})")
