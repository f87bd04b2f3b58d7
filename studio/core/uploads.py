"""Checks every uploaded file passes before the studio reads or stores it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePath

from studio.core.errors import UserFacingError

#: Longest file name kept (file systems allow 255 bytes; names are shown and stored).
MAX_NAME_CHARS = 128
#: Largest image accepted, in pixels (a 8K image is 33 megapixels). A small file that expands to
#: more (a "decompression bomb") is refused before it is decoded.
MAX_IMAGE_PIXELS = 40_000_000


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
    if len(upload.name) > MAX_NAME_CHARS:
        raise UploadRejected(
            f"{upload.name[:40]}...: the file name has {len(upload.name)} characters; at most "
            f"{MAX_NAME_CHARS}. Rename the file and upload it again"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in upload.name):
        raise UploadRejected(
            f"{upload.name!r}: the file name contains control characters; rename the file"
        )
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


def check_image(upload: Upload, *, max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """Refuse an upload that is not a readable image, or one that decodes to too many pixels.

    Reads only the header for the size (a decompression bomb is refused before it expands),
    then verifies the file. Returns (width, height).
    """
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload.data)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise UploadRejected(
                        f"{upload.name}: {width}x{height} is {width * height / 1e6:.0f} megapixels; "
                        f"images may have at most {max_pixels / 1e6:.0f}. Scale it down and upload it again"
                    )
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(
            f"{upload.name}: the image would expand to too many pixels ({exc}); scale it down"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, UploadRejected):
            raise
        raise UploadRejected(
            f"{upload.name}: not a readable {upload.suffix[1:]} file ({exc})"
        ) from None
    return width, height
