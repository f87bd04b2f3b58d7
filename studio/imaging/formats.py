"""Ad sizes, their safe zones, and which sizes each channel needs.

A *format* is one file a channel asks for: an image or a video at a pixel size, with the
*safe zone* inside which text, logo and button must stay (platform chrome such as the profile
bar, captions and action buttons covers the rest on phones). Insets are in pixels of the
final file.

Sources for the safe zones and video limits (2025 platform help pages):

* Meta Stories/Reels 9:16: keep about 14 % at the top and 20 % at the bottom free of text.
* TikTok in-feed 9:16: profile and caption cover the bottom ~25 %, action buttons the right
  ~13 %; video 5-60 s, at least 720x1280, H.264.
* Feed images (1:1, 4:5, 1.91:1): no platform chrome; a 6 % margin keeps text off crops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from studio.core.errors import InvalidValue, NotFound

AssetKind = Literal["image", "video"]


@dataclass(frozen=True)
class SafeZone:
    """Insets in pixels from each edge of the canvas."""

    top: int
    right: int
    bottom: int
    left: int


@dataclass(frozen=True)
class UiZone:
    """Where a platform's own interface covers the ad on a phone, in pixels of the final file.

    Attributes
    ----------
    name : what covers it, e.g. ``"TikTok caption and profile"``.
    box : ``(left, top, right, bottom)``, right and bottom exclusive.
    """

    name: str
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class AdFormat:
    """One file a channel needs.

    Attributes
    ----------
    kind : "image" or "video".
    width, height : final size in pixels.
    safe_zone : insets (pixels) that text and logo must stay inside.
    aspect : human label, e.g. ``"1:1"``.
    min_duration_s, max_duration_s : platform limits for videos (seconds); ``None`` for images.
    ui_zones : the platform interface laid over the ad (Stories, Reels, TikTok); nothing of the
        ad's words, logo or button may lie under them (brand QC ``ui_zones``).
    """

    kind: AssetKind
    width: int
    height: int
    safe_zone: SafeZone
    aspect: str
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    ui_zones: tuple[UiZone, ...] = ()

    def __post_init__(self) -> None:
        zone = self.safe_zone
        if zone.left + zone.right >= self.width or zone.top + zone.bottom >= self.height:
            raise InvalidValue(
                f"safe zone {zone} leaves no room in a {self.width}x{self.height} canvas"
            )
        if self.kind == "video" and (self.min_duration_s is None or self.max_duration_s is None):
            raise InvalidValue("a video format needs min_duration_s and max_duration_s")

    @property
    def size_label(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def safe_box(self) -> tuple[int, int, int, int]:
        """The safe area as ``(left, top, right, bottom)`` pixel coordinates (right/bottom exclusive)."""
        zone = self.safe_zone
        return (zone.left, zone.top, self.width - zone.right, self.height - zone.bottom)

    def scaled(self, factor: float) -> AdFormat:
        """The same format at ``factor`` times the size (tests and previews); insets scale too."""
        zone = self.safe_zone
        width = max(2, round(self.width * factor / 2) * 2)  # even: H.264 with yuv420p needs it
        height = max(2, round(self.height * factor / 2) * 2)
        return AdFormat(
            kind=self.kind,
            width=width,
            height=height,
            safe_zone=SafeZone(
                *(round(v * factor) for v in (zone.top, zone.right, zone.bottom, zone.left))
            ),
            aspect=self.aspect,
            min_duration_s=self.min_duration_s,
            max_duration_s=self.max_duration_s,
            ui_zones=tuple(
                UiZone(
                    zone.name,
                    _scaled_box(zone.box, factor, (self.width, self.height), (width, height)),
                )
                for zone in self.ui_zones
            ),
        )


def _scaled_box(
    box: tuple[int, int, int, int], factor: float, size: tuple[int, int], scaled: tuple[int, int]
) -> tuple[int, int, int, int]:
    """``box`` on a ``size`` canvas moved to the ``scaled`` canvas: each edge keeps its distance
    (times ``factor``) from the nearer canvas edge, as the safe-zone insets do."""

    def edge(value: int, full: int, new_full: int) -> int:
        return (
            round(value * factor)
            if value <= full - value
            else new_full - round((full - value) * factor)
        )

    return (
        edge(box[0], size[0], scaled[0]),
        edge(box[1], size[1], scaled[1]),
        edge(box[2], size[0], scaled[0]),
        edge(box[3], size[1], scaled[1]),
    )


def _margin(width: int, height: int, share: float = 0.06) -> SafeZone:
    m = round(min(width, height) * share)
    return SafeZone(m, m, m, m)


#: Meta Stories and Reels (1080x1920): the profile bar over the top 270 px (14 %), the reply
#: bar and button under the bottom 380 px (20 %).
META_STORY_ZONES = (
    UiZone("Stories/Reels profile bar", (0, 0, 1080, 270)),
    UiZone("Stories/Reels reply bar and button", (0, 1540, 1080, 1920)),
)
#: TikTok in-feed (1080x1920): the Following/For You tabs over the top 160 px, the caption and
#: profile over the bottom 480 px (25 %), the like/comment/share buttons down the right 140 px
#: (13 %) from about a third of the way down.
TIKTOK_ZONES = (
    UiZone("TikTok top tabs", (0, 0, 1080, 160)),
    UiZone("TikTok caption and profile", (0, 1440, 1080, 1920)),
    UiZone("TikTok action buttons", (940, 576, 1080, 1920)),
)

SQUARE = AdFormat("image", 1080, 1080, _margin(1080, 1080), "1:1")
PORTRAIT = AdFormat("image", 1080, 1350, _margin(1080, 1350), "4:5")
STORY = AdFormat(
    "image",
    1080,
    1920,
    SafeZone(top=270, right=65, bottom=380, left=65),
    "9:16",
    ui_zones=META_STORY_ZONES,
)
LANDSCAPE = AdFormat("image", 1200, 628, _margin(1200, 628), "1.91:1")

IMAGE_FORMATS: dict[str, AdFormat] = {f.size_label: f for f in (SQUARE, PORTRAIT, STORY, LANDSCAPE)}

#: Video formats by aspect. Durations are the platforms' limits; the studio makes 6-15 s clips.
VIDEO_FORMATS: dict[str, AdFormat] = {
    "1:1": AdFormat("video", 1080, 1080, _margin(1080, 1080), "1:1", 1.0, 241.0),
    "9:16": AdFormat(
        "video",
        1080,
        1920,
        SafeZone(top=160, right=140, bottom=480, left=60),
        "9:16",
        5.0,
        60.0,
        ui_zones=TIKTOK_ZONES,
    ),
    "16:9": AdFormat("video", 1920, 1080, _margin(1920, 1080), "16:9", 1.0, 241.0),
}

#: What each channel needs. Channels absent here (``google_rsa``: text-only ads) get no files.
CHANNEL_FORMATS: dict[str, tuple[AdFormat, ...]] = {
    "google_rsa": (),
    "meta_feed": (SQUARE, PORTRAIT, STORY),
    "linkedin_sponsored": (LANDSCAPE, SQUARE),
    "tiktok": (VIDEO_FORMATS["9:16"],),
}

#: Smallest video a channel accepts, as (width, height), for QC of video files.
MIN_VIDEO_SIZE: dict[str, tuple[int, int]] = {"tiktok": (720, 1280)}

#: The studio's own clip length limits, inside every platform's (seconds).
CLIP_MIN_S = 6.0
CLIP_MAX_S = 15.0


def formats_for(channel: str) -> tuple[AdFormat, ...]:
    """The files a variant on ``channel`` needs.

    Raises
    ------
    KeyError
        For an unknown channel id; the message lists the known ones.
    """
    try:
        return CHANNEL_FORMATS[channel]
    except KeyError:
        raise NotFound("channel with image formats", channel, sorted(CHANNEL_FORMATS)) from None
