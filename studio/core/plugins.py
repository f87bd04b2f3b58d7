"""Plug-ins: named parts found through Python entry-point groups, loaded on first use.

Every swappable part of the studio is registered the same way, by the studio itself and by any
other installed package, in its ``pyproject.toml``::

    [project.entry-points."studio.copy_writers"]
    mywriter = "my_package.writer:MyWriter.from_settings"

=================================  =========================================================
group                              what the entry point names
=================================  =========================================================
``studio.copy_writers``            ``factory(settings) -> CopyWriter`` (``STUDIO_LLM_BACKEND``)
``studio.image_backends``          ``factory(settings) -> ImageBackend`` (``STUDIO_IMAGE_BACKEND``)
``studio.video_backends``          ``factory(settings) -> BackgroundAnimator`` (``STUDIO_VIDEO_BACKEND``)
``studio.export_platforms``        a ``PlatformExporter`` object; its name is the platform key
=================================  =========================================================

A :class:`Registry` lists the names without importing anything (the installed packages'
metadata is read once, then cached; :func:`clear_caches` forgets it, e.g. after installing a
plug-in in a running process) and imports a plug-in's module only when that name is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Any, Generic, TypeVar

from studio.core.errors import UserFacingError

T = TypeVar("T")


class PluginError(UserFacingError, LookupError):
    """A plug-in cannot be found or loaded; the message names the group, the name and the fix."""


class UnknownPlugin(PluginError):
    """No installed package registers the name asked for."""


class PluginUnavailable(PluginError):
    """The name is registered but its code cannot be loaded (e.g. a dependency is missing)."""


_REGISTRIES: list[Registry[Any]] = []


def clear_caches() -> None:
    """Forget what every registry read and loaded, so newly installed plug-ins are seen."""
    for registry in _REGISTRIES:
        registry.clear()


def _distribution(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return dist.name if dist is not None else "an unknown package"


class Registry(Generic[T]):
    """The plug-ins of one entry-point group, by name.

    Parameters
    ----------
    group
        Entry-point group, e.g. ``"studio.copy_writers"``.
    kind
        What one plug-in is, for messages, e.g. ``"copy writer"``.
    setting
        The setting that chooses one, for messages (e.g. ``"STUDIO_LLM_BACKEND"``), if any.
    accepts, expected
        A check every loaded object must pass, and what it should be, for the message when
        it does not (e.g. ``callable`` and ``"a factory taking the settings"``).
    """

    def __init__(
        self,
        group: str,
        *,
        kind: str,
        accepts: Callable[[object], bool],
        expected: str,
        setting: str | None = None,
    ) -> None:
        self.group = group
        self.kind = kind
        self.setting = setting
        self._accepts = accepts
        self._expected = expected
        self._entry_points: dict[str, metadata.EntryPoint] | None = None
        self._loaded: dict[str, T] = {}
        _REGISTRIES.append(self)

    def __repr__(self) -> str:
        return f"Registry({self.group!r})"

    def clear(self) -> None:
        """Forget the entry points read and the objects loaded."""
        self._entry_points = None
        self._loaded.clear()

    def _scan(self) -> dict[str, metadata.EntryPoint]:
        if self._entry_points is None:
            found: dict[str, metadata.EntryPoint] = {}
            for entry_point in metadata.entry_points(group=self.group):
                other = found.get(entry_point.name)
                if other is not None and other.value != entry_point.value:
                    raise PluginError(
                        f"two installed packages register the {self.kind} {entry_point.name!r} "
                        f"in entry-point group {self.group}: {_distribution(other)} ({other.value}) "
                        f"and {_distribution(entry_point)} ({entry_point.value}); uninstall one"
                    )
                found[entry_point.name] = entry_point
            self._entry_points = found
        return self._entry_points

    def names(self) -> list[str]:
        """Every registered name, sorted; nothing is imported."""
        return sorted(self._scan())

    def __contains__(self, name: object) -> bool:
        return name in self._scan()

    def entry_point(self, name: str) -> metadata.EntryPoint:
        """The entry point registered as ``name``.

        Raises
        ------
        UnknownPlugin
            Naming the group, the name asked for and the names registered.
        """
        try:
            return self._scan()[name]
        except KeyError:
            pass
        names = self.names()
        chosen = f" ({self.setting})" if self.setting else ""
        if names:
            registered = f"registered: {', '.join(names)}"
        else:
            registered = (
                "no installed package registers any; if studio itself is installed, reinstall it "
                "(pip install -e .) so its entry points are recorded"
            )
        raise UnknownPlugin(
            f"unknown {self.kind} {name!r}{chosen} in entry-point group {self.group}; {registered}"
        )

    def load(self, name: str) -> T:
        """Import and return the object registered as ``name`` (once; later calls reuse it).

        Raises
        ------
        UnknownPlugin
            No package registers ``name``.
        PluginUnavailable
            Its module needs a package that is not installed (the message says which and how
            to install it), or the entry point names something that is not what the group
            expects.
        """
        if name in self._loaded:
            return self._loaded[name]
        entry_point = self.entry_point(name)
        where = (
            f"the {self.kind} {name!r} (entry point {entry_point.value} in group {self.group}, "
            f"from {_distribution(entry_point)})"
        )
        try:
            loaded = entry_point.load()
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").split(".")[0]
            if not missing or missing == entry_point.module.split(".")[0]:
                raise PluginUnavailable(f"{where} cannot be imported: {exc}") from exc
            others = [n for n in self.names() if n != name]
            instead = f", or choose another: {', '.join(others)}" if others else ""
            raise PluginUnavailable(
                f"{where} needs the Python package {missing!r}, which is not installed; "
                f"install it (pip install {missing}){instead}"
            ) from exc
        except (ImportError, AttributeError) as exc:
            raise PluginUnavailable(f"{where} cannot be loaded: {exc}") from exc
        if not self._accepts(loaded):
            raise PluginUnavailable(
                f"{where} is {loaded!r}, not {self._expected}; fix the entry point"
            )
        self._loaded[name] = loaded
        return self._loaded[name]

    def load_all(self) -> dict[str, T]:
        """Every registered object by name, sorted by name (imports each plug-in)."""
        return {name: self.load(name) for name in self.names()}
