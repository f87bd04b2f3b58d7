"""Checks every uploaded file passes before the studio reads or stores it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePath

from studio.core.errors import UserFacingError


class UploadRejected(UserFacingError):
    """An upload the studio will not take; the message says why and what is allowed."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        return PurePath(self.name).suffix.lower()


def check_upload(
    name: str, data: bytes, *, max_mb: float, allowed_suffixes: Collection[str]
) -> Upload:
    """Refuse empty, oversized or wrongly typed files with a message naming the file.

    Parameters
    ----------
    name
        The file name as the user's browser or shell gave it (only its suffix is trusted).
    data
        The file's bytes.
    max_mb
        Largest size accepted, in MiB (``Settings.max_upload_mb``).
    allowed_suffixes
        Lower-case suffixes with the dot, e.g. ``{".csv"}``.
    """
    upload = Upload(name=PurePath(name).name, data=data)
    if upload.suffix not in allowed_suffixes:
        allowed = ", ".join(sorted(allowed_suffixes))
        raise UploadRejected(
            f"{upload.name}: files of type {upload.suffix or '(none)'} are not accepted; allowed: {allowed}"
        )
    if not data:
        raise UploadRejected(f"{upload.name}: the file is empty")
    size_mb = len(data) / 2**20
    if size_mb > max_mb:
        raise UploadRejected(
            f"{upload.name}: {size_mb:.1f} MiB is larger than the {max_mb:g} MiB limit "
            "(STUDIO_MAX_UPLOAD_MB)"
        )
    return upload
