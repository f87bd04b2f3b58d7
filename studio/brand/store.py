"""Saving brand files from the app: validate, write atomically, keep every version.

A save is refused (nothing written) when the new text does not validate. A saved file is
staged beside the old one (flushed and fsynced) and renamed over it when the session commits
the new ``GuidelineVersion`` (:func:`studio.core.files.stage_for_commit`): the file and its
version change together or not at all, and a crash mid-save leaves the old file or the new one,
never half of each. Every saved text is kept in ``GuidelineVersion`` (who, when, message) for
diff and restore.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from studio.brand.guidelines import BrandFileError, resolve_brand_file, validate_text
from studio.core import audit, files
from studio.core.errors import NotFound, UserFacingError
from studio.core.models import GuidelineVersion
from studio.review import accounts as auth


class BrandFileInvalid(UserFacingError):
    """The text to save does not validate; ``errors`` says where and why."""

    def __init__(self, errors: Sequence[BrandFileError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class SaveResult:
    path: str
    version: GuidelineVersion
    changed: bool


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def history(session: Session, *, path: str) -> Sequence[GuidelineVersion]:
    """Saved versions of one file, newest first."""
    query = select(GuidelineVersion).where(GuidelineVersion.path == path)
    return session.exec(query.order_by(col(GuidelineVersion.id).desc())).all()


def _ensure_baseline(session: Session, *, root: Path, path: str, author: str) -> None:
    """Record the file as found on disk before its first save, so it can be restored."""
    if history(session, path=path):
        return
    current = resolve_brand_file(root, path)
    if current.is_file():
        text = current.read_text(encoding="utf-8")
        session.add(
            GuidelineVersion(
                path=path,
                content=text,
                sha256=_sha256(text),
                author=author,
                message="version found on disk before the first save",
            )
        )
        session.flush()


def save_brand_file(
    session: Session, *, root: Path, path: str, text: str, author: str, message: str = ""
) -> SaveResult:
    """Validate and atomically save one guideline/persona file, recording the version.

    ``author`` must be an active user whose role may edit guidelines (brand managers, admins).

    Raises
    ------
    studio.review.accounts.PermissionDenied
        ``author`` may not edit guidelines.
    ValueError
        ``path`` is not an editable file inside ``root``.
    BrandFileInvalid
        ``text`` does not validate; nothing is written.
    """
    auth.require(session, username=author, permission=auth.Permission.edit_guidelines)
    target = resolve_brand_file(root, path)
    relative = target.relative_to(root.resolve()).as_posix()
    errors = validate_text(root, relative, text)
    if errors:
        raise BrandFileInvalid(errors)
    _ensure_baseline(session, root=root, path=relative, author=author)
    previous = target.read_text(encoding="utf-8") if target.is_file() else ""
    changed = previous != text
    version = GuidelineVersion(
        path=relative,
        content=text,
        sha256=_sha256(text),
        author=author,
        message=message or ("saved" if changed else "saved without changes"),
    )
    session.add(version)
    audit.record(
        session,
        actor=author,
        action="guideline.save",
        entity_type="brand_file",
        entity_id=relative,
        before={"sha256": _sha256(previous)},
        after={"sha256": version.sha256, "message": version.message},
    )
    session.flush()
    # The file changes when the version commits, never before: a rollback (or a crash before
    # the commit) leaves the old file; see studio.core.files.
    if changed:
        files.sweep(
            target.parent, committed=lambda staged, _: _committed(session, relative, staged)
        )
        staged = files.write_staged(target, text.encode("utf-8"))
        files.stage_for_commit(session, staged, target)
    return SaveResult(path=relative, version=version, changed=changed)


def _committed(session: Session, relative: str, staged: Path) -> bool:
    """Whether a staged brand file left by a killed save is the newest saved version."""
    versions = history(session, path=relative)
    return bool(versions) and versions[0].sha256 == hashlib.sha256(staged.read_bytes()).hexdigest()


def restore_version(session: Session, *, root: Path, version_id: int, author: str) -> SaveResult:
    """Save an earlier version's text again as the newest version."""
    version = session.get(GuidelineVersion, version_id)
    if version is None:
        raise NotFound("saved guideline version with id", version_id)
    return save_brand_file(
        session,
        root=root,
        path=version.path,
        text=version.content,
        author=author,
        message=f"restored version {version_id} of {version.created_at:%Y-%m-%d %H:%M}",
    )


def diff(
    old_text: str, new_text: str, *, old_label: str = "before", new_label: str = "after"
) -> str:
    """A unified diff of two versions (empty when they are equal)."""
    return "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=old_label,
            tofile=new_label,
        )
    )


#: Files a brand manager may upload into a brand folder, by suffix, and the subfolder they go to.
BRAND_ASSET_FOLDERS = {
    ".png": "",
    ".jpg": "",
    ".jpeg": "",
    ".ttf": "fonts",
    ".otf": "fonts",
    ".mp3": "",
    ".m4a": "",
    ".wav": "",
    # The TikTok bulk template downloaded from the brand's own Ads Manager (platforms.yaml names it).
    ".csv": "templates",
}


def save_brand_asset(
    session: Session, *, root: Path, brand: str, name: str, data: bytes, max_mb: float, author: str
) -> str:
    """Store an uploaded logo, font, music file or TikTok template in a brand folder.

    Returns its path relative to the brand folder.

    The file is checked (size, name, type, and that it opens as an image within the pixel limit,
    a font or a CSV, or decodes as audio) before anything is written; it appears when the audit
    entry commits, and never replaces an existing file of the same name. As for
    :func:`save_brand_file`, ``author`` must be allowed to edit guidelines.
    """
    import csv
    import io
    import re

    from PIL import ImageFont

    from studio.core.uploads import UploadRejected, check_image, check_upload

    auth.require(session, username=author, permission=auth.Permission.edit_guidelines)
    upload = check_upload(name, data, max_mb=max_mb, allowed_suffixes=BRAND_ASSET_FOLDERS)
    brand_root = (root / brand).resolve()
    if (
        not brand_root.is_relative_to(root.resolve())
        or not (brand_root / "guideline.yaml").is_file()
    ):
        raise UploadRejected(f"{brand!r} is not a brand folder in {root}")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(upload.name).stem).strip("-") or "upload"
    relative = "/".join(
        p for p in (BRAND_ASSET_FOLDERS[upload.suffix], f"{stem}{upload.suffix}") if p
    )
    target = brand_root / relative
    if target.exists():
        raise UploadRejected(f"{brand}/{relative} already exists; rename the file to keep both")
    if upload.suffix in (".png", ".jpg", ".jpeg"):
        check_image(upload)
    elif upload.suffix in (".ttf", ".otf"):
        try:
            ImageFont.truetype(io.BytesIO(data), 20)
        except OSError as exc:
            raise UploadRejected(
                f"{upload.name}: not a readable {upload.suffix[1:]} file ({exc})"
            ) from exc
    elif upload.suffix == ".csv":
        try:
            if next(csv.reader(io.StringIO(data.decode("utf-8-sig"))), None) is None:
                raise UploadRejected(f"{upload.name}: not a readable csv file (the file is empty)")
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UploadRejected(f"{upload.name}: not a readable csv file ({exc})") from exc
    else:
        _check_music(upload, brand_root)
    audit.record(
        session,
        actor=author,
        action="brand_asset.upload",
        entity_type="brand_file",
        entity_id=f"{brand}/{relative}",
        after={"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    )
    # Appears when the audit entry commits (a rollback leaves no file).
    files.stage_for_commit(session, files.write_staged(target, data), target)
    return relative


def _check_music(upload: Any, brand_root: Path) -> None:
    """Refuse a music file that ffmpeg cannot decode (it would break every video of the brand)."""
    from studio.core.uploads import UploadRejected
    from studio.imaging.probe import check_audio

    with files.work_dir(brand_root) as folder:
        path = folder / f"upload{upload.suffix}"
        path.write_bytes(upload.data)
        try:
            check_audio(path)
        except ValueError as exc:
            raise UploadRejected(
                f"{upload.name}: not a playable {upload.suffix[1:]} file; the brand's videos "
                f"mix it in, so it must decode ({exc})"
            ) from None
