"""The ad platforms the studio exports to, registered like any third-party exporter would be."""

from __future__ import annotations

from studio.core.errors import NotFound
from studio.export import google_ads, linkedin, meta, tiktok
from studio.export.base import PlatformExporter

#: Platform key -> exporter. Keys match :attr:`studio.copy.channels.ChannelSpec.platform`.
PLATFORMS: dict[str, PlatformExporter] = {
    exporter.platform: exporter
    for exporter in (google_ads.EXPORTER, meta.EXPORTER, linkedin.EXPORTER, tiktok.EXPORTER)
}


def get_exporter(platform: str) -> PlatformExporter:
    """The exporter for ``platform``; ``NotFound`` naming the platforms otherwise."""
    try:
        return PLATFORMS[platform]
    except KeyError:
        raise NotFound("export platform", platform, PLATFORMS) from None
