"""The asset store: rendered files under ``STUDIO_ASSET_DIR``, a local folder or an fsspec URL.

``STUDIO_ASSET_DIR`` is a local folder by default (``var/assets``). On a cluster it is a URL that
every worker, Ray actor and app replica reaches: ``s3://bucket/prefix``, ``gs://bucket/prefix``,
``az://container/prefix`` or any other fsspec protocol whose package is installed (``s3fs``,
``gcsfs``, ``adlfs``); ``file:///folder`` is the local case written as a URL.

Files are addressed by their path relative to the store, POSIX style (what ``Asset.path``
stores, e.g. ``images/<sha256>.png``). :meth:`AssetStore.write` is atomic in both cases:

* local: the bytes go to a staged file beside the target (fsynced), which is then renamed over
  it (:func:`studio.core.files.write_staged` and :func:`studio.core.files.publish`), so a reader
  never sees half a file and a process killed mid-write leaves only a staged file that
  :func:`studio.core.files.sweep` removes;
* object stores: one ``PUT`` of the whole object (an object appears whole or not at all).

:meth:`AssetStore.local_path` gives code that needs a real file (PIL, ffmpeg, a zip writer) the
file itself, or for a remote store a copy cached on this machine under the system temp folder.
Asset files are named by their content hash and never change, so a cached copy stays valid.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from studio.core.errors import InvalidValue, UserFacingError
from studio.core.files import publish, write_staged

FSSPEC_HINT = "pip install fsspec plus the package of your store (s3fs, gcsfs or adlfs)"


class AssetStoreUnavailable(UserFacingError):
    """``STUDIO_ASSET_DIR`` names a store this machine cannot reach or has no package for."""


def is_url(location: str) -> bool:
    """Whether ``location`` is a URL (``protocol://...``) rather than a folder."""
    return "://" in location


def _clean(relative: str) -> str:
    """``relative`` checked: a POSIX path inside the store (no ``..``, not absolute, not empty)."""
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or ".." in path.parts or "\\" in relative:
        raise InvalidValue(
            f"asset path {relative!r} points outside the asset folder; expected a relative POSIX "
            "path such as images/<sha256>.png"
        )
    return str(path)


class AssetStore:
    """Files under one location (see the module docstring).

    Parameters
    ----------
    location : a folder (absolute or relative to the working directory) or an fsspec URL.
    """

    def __init__(self, location: str | os.PathLike[str]) -> None:
        text = os.fspath(location)
        if not text:
            raise InvalidValue(
                "STUDIO_ASSET_DIR is empty; give a folder or a URL such as s3://bucket/assets"
            )
        self.location = text
        self.root: Path | None = None
        self._fs: Any = None
        self._remote_root = ""
        if is_url(text) and not text.startswith("file://"):
            self._fs, self._remote_root = self._filesystem(text)
        else:
            local = text.removeprefix("file://") if text.startswith("file://") else text
            self.root = Path(local).expanduser().resolve()

    @staticmethod
    def _filesystem(url: str) -> tuple[Any, str]:
        try:
            import fsspec
        except ImportError as exc:  # pragma: no cover - fsspec is a dependency
            raise AssetStoreUnavailable(
                f"STUDIO_ASSET_DIR={url} needs fsspec: {FSSPEC_HINT}"
            ) from exc
        try:
            fs, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise AssetStoreUnavailable(
                f"STUDIO_ASSET_DIR={url}: {exc}. Install the package for that protocol "
                f"({FSSPEC_HINT}) or give a local folder"
            ) from exc
        return fs, str(root).rstrip("/")

    @property
    def is_local(self) -> bool:
        return self.root is not None

    def _local(self, relative: str) -> Path:
        assert self.root is not None
        path = (self.root / _clean(relative)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidValue(
                f"asset path {relative!r} points outside the asset folder {self.root}"
            )
        return path

    def _remote(self, relative: str) -> str:
        return f"{self._remote_root}/{_clean(relative)}"

    def url(self, relative: str) -> str:
        """Where the file lives: ``file:///...`` for a local folder, else the store's URL."""
        if self.root is not None:
            return self._local(relative).as_uri()
        return f"{self.location.rstrip('/')}/{_clean(relative)}"

    def exists(self, relative: str) -> bool:
        if self.root is not None:
            return self._local(relative).is_file()
        return bool(self._fs.exists(self._remote(relative)))

    def write(self, relative: str, data: bytes) -> str:
        """Write ``data`` as ``relative`` atomically (replacing any file there); returns its URL."""
        if self.root is not None:
            target = self._local(relative)
            publish(write_staged(target, data), target)
            return target.as_uri()
        path = self._remote(relative)
        parent = path.rsplit("/", 1)[0]
        self._fs.makedirs(parent, exist_ok=True)
        self._fs.pipe_file(path, data)
        return self.url(relative)

    def read(self, relative: str) -> bytes:
        """The file's bytes.

        Raises
        ------
        FileNotFoundError
            When there is no such file (the message names the store and the path).
        """
        if self.root is not None:
            path = self._local(relative)
            if not path.is_file():
                raise FileNotFoundError(f"no file {relative} in the asset folder {self.root}")
            return path.read_bytes()
        try:
            return bytes(self._fs.cat_file(self._remote(relative)))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"no file {relative} in the asset store {self.location}"
            ) from None

    def local_path(self, relative: str) -> Path:
        """A file on this machine with the asset's bytes: the file itself, or a cached copy.

        The path is returned for a local file that does not exist yet (callers check). A remote
        file that does not exist raises ``FileNotFoundError``.
        """
        if self.root is not None:
            return self._local(relative)
        cache = (
            Path(tempfile.gettempdir())
            / "studio-assets"
            / hashlib.sha256(self.location.encode()).hexdigest()[:16]
        )
        copy = cache / _clean(relative)
        if not copy.is_file():
            publish(write_staged(copy, self.read(relative)), copy)
        return copy


def local_folder(location: str | os.PathLike[str], *, purpose: str) -> Path:
    """``STUDIO_ASSET_DIR`` as a folder on this machine, for files that must be local.

    ``purpose`` names what needs it, for the error.

    Raises
    ------
    InvalidValue
        When ``location`` is a URL of a remote store.
    """
    store = asset_store(location)
    if store.root is None:
        raise InvalidValue(
            f"{purpose} is written to a folder on this machine, but STUDIO_ASSET_DIR is "
            f"{store.location}; run it with STUDIO_ASSET_DIR set to a local folder"
        )
    return store.root


def asset_store(location: str | os.PathLike[str]) -> AssetStore:
    """The store for a ``STUDIO_ASSET_DIR`` value.

    A URL's store (and its connection) is built once per process; a folder's is cheap and built
    each time, so a relative folder follows the working directory.
    """
    text = os.fspath(location)
    return (
        _remote_store(text) if is_url(text) and not text.startswith("file://") else AssetStore(text)
    )


@lru_cache(maxsize=32)
def _remote_store(location: str) -> AssetStore:
    return AssetStore(location)
