"""The ad platforms the studio exports to: plug-ins of the ``studio.export_platforms`` group.

The studio's own exporters are registered in its ``pyproject.toml`` exactly as another
package would register one::

    [project.entry-points."studio.export_platforms"]
    bing = "my_package.bing:EXPORTER"   # a PlatformExporter whose .platform is "bing"

The entry-point name is the platform key, the same as
:attr:`studio.copy.channels.ChannelSpec.platform`. Names are listed without importing
anything; an exporter's module is imported the first time its platform is asked for.
"""

from __future__ import annotations

from studio.core.plugins import PluginUnavailable, Registry
from studio.export.base import PlatformExporter

#: Every member of :class:`~studio.export.base.PlatformExporter` the pipeline uses.
_MEMBERS = (
    "platform",
    "label",
    "sheet_file",
    "sheet_format",
    "columns",
    "media",
    "import_hint",
    "layout",
    "check",
    "check_all",
    "structure_rows",
    "link_media",
    "rows",
)


def _is_exporter(candidate: object) -> bool:
    return all(hasattr(candidate, member) for member in _MEMBERS)


#: Export platforms by key.
EXPORT_PLATFORMS: Registry[PlatformExporter] = Registry(
    "studio.export_platforms",
    kind="platform",
    accepts=_is_exporter,
    expected=f"a platform exporter (an object with {', '.join(_MEMBERS)})",
)


def platform_names() -> list[str]:
    """The registered platform keys, sorted (nothing is imported)."""
    return EXPORT_PLATFORMS.names()


def get_exporter(platform: str) -> PlatformExporter:
    """The exporter for ``platform``.

    Raises
    ------
    studio.core.plugins.UnknownPlugin
        No package registers ``platform`` (the message lists the platforms).
    studio.core.plugins.PluginUnavailable
        The exporter cannot be loaded, or it says it is for another platform.
    """
    exporter = EXPORT_PLATFORMS.load(platform)
    if exporter.platform != platform:
        entry_point = EXPORT_PLATFORMS.entry_point(platform)
        raise PluginUnavailable(
            f"the entry point {platform!r} in group {EXPORT_PLATFORMS.group} ({entry_point.value}) "
            f"is the exporter for platform {exporter.platform!r}; the entry-point name must be "
            "the platform key"
        )
    return exporter


def platforms() -> dict[str, PlatformExporter]:
    """Every exporter by platform key, sorted by key (imports each exporter)."""
    return {name: get_exporter(name) for name in platform_names()}
