"""A new brand from a few answers: the wizard in the app and ``studio brands new`` share this.

:func:`create_brand` turns a :class:`NewBrand` (name, website, industry, voice, colours, logo,
fonts, a first persona, and the few other fields every guideline needs) into a brand folder::

    <slug>/guideline.yaml
    <slug>/personas/<persona-slug>.yaml
    <slug>/logo.<png|jpg>
    <slug>/fonts/<headline font>, <slug>/fonts/<body font>

The folder is built and loaded with the same loader as every brand (so it is valid by the
rules of ``studio brands validate``) in a private work folder first; only then are its files
staged, appearing when the session commits, each recorded as the first saved version (history,
diff and restore work from the start) and the creation audited.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap
from sqlmodel import Session

from studio.brand import store
from studio.brand.forms import dump_document, to_yaml_node
from studio.brand.guidelines import (
    GUIDELINE_FILE,
    PERSONA_DIR,
    BrandFileError,
    is_valid_slug,
    load_brand,
)
from studio.core import audit, files
from studio.core.errors import InvalidValue
from studio.core.models import GuidelineVersion
from studio.review import accounts as auth


@dataclass(frozen=True)
class UploadedFile:
    """A file the wizard was given: its name (for the suffix) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path) -> UploadedFile:
        try:
            return cls(path.name, path.read_bytes())
        except OSError as exc:
            raise InvalidValue(f"cannot read {path}: {exc}") from exc


@dataclass(frozen=True)
class NewColor:
    name: str
    hex: str
    role: str


@dataclass(frozen=True)
class NewPersona:
    name: str
    description: str
    age_range: str
    pains: Sequence[str]
    motivations: Sequence[str]
    preferred_channels: Sequence[str]
    locale: str = "en-US"


@dataclass(frozen=True)
class NewBrand:
    """What the wizard asks. Lists hold at least one item where the schema needs one."""

    name: str
    website: str
    industry: str
    tone: Sequence[str]
    voice_description: str
    value_propositions: Sequence[str]
    calls_to_action: Sequence[str]
    visual_style: str
    colors: Sequence[NewColor]
    logo: UploadedFile
    headline_font: UploadedFile
    body_font: UploadedFile
    persona: NewPersona
    slug: str = ""
    banned_phrases: Sequence[str] = field(default_factory=tuple)

    @property
    def folder(self) -> str:
        return self.slug or slugify(self.name)


def slugify(text: str) -> str:
    """``"Halden Coffee!"`` -> ``"halden-coffee"`` (a brand or persona folder/file name)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")


class NewBrandInvalid(store.BrandFileInvalid):
    """The answers do not make a valid brand; ``errors`` name the field of each file."""


def _guideline(spec: NewBrand, logo: str, headline: str, body: str) -> CommentedMap:
    values = {
        "name": spec.name,
        "website": spec.website,
        "industry": spec.industry,
        "voice": {
            "tone": list(spec.tone),
            "description": spec.voice_description,
            "do": [],
            "dont": [],
        },
        "value_propositions": list(spec.value_propositions),
        "approved_claims": [],
        "banned_phrases": list(spec.banned_phrases),
        "disclaimers": [],
        "calls_to_action": list(spec.calls_to_action),
        "colors": [{"name": c.name, "hex": c.hex, "role": c.role} for c in spec.colors],
        "fonts": {"headline": headline, "body": body},
        "logo": logo,
        "visual_style": spec.visual_style,
        "negative_prompts": ["text", "watermark"],
        "product_motifs": [],
    }
    document: CommentedMap = to_yaml_node(values)
    document.yaml_set_start_comment(f"{spec.name}: created with the new-brand wizard.")
    for key in ("colors",):
        for item in document[key]:
            item.fa.set_flow_style()
    return document


def _persona(persona: NewPersona) -> CommentedMap:
    document: CommentedMap = to_yaml_node(
        {
            "name": persona.name,
            "description": persona.description,
            "demographics": {"age_range": persona.age_range},
            "pains": list(persona.pains),
            "motivations": list(persona.motivations),
            "objections": [],
            "preferred_channels": list(persona.preferred_channels),
            "locale": persona.locale,
        }
    )
    return document


def persona_text(persona: NewPersona) -> str:
    """A persona file's YAML for the answers (nothing is written)."""
    return dump_document(_persona(persona))


def _file_name(upload: UploadedFile, allowed: Sequence[str], what: str) -> str:
    suffix = Path(upload.name).suffix.lower()
    if suffix not in allowed:
        raise NewBrandInvalid(
            [
                BrandFileError(
                    upload.name, what, f"is a {suffix or 'file without suffix'}; use {allowed}"
                )
            ]
        )
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(upload.name).stem).strip("-") or what
    return f"{stem}{suffix}"


def brand_files(spec: NewBrand) -> dict[str, bytes]:
    """The new brand folder's files by path relative to the folder (nothing is written)."""
    logo = "logo" + Path(_file_name(spec.logo, (".png", ".jpg", ".jpeg"), "logo")).suffix
    headline = "fonts/" + _file_name(spec.headline_font, (".ttf", ".otf"), "fonts.headline")
    body = "fonts/" + _file_name(spec.body_font, (".ttf", ".otf"), "fonts.body")
    out = {
        GUIDELINE_FILE: dump_document(_guideline(spec, logo, headline, body)).encode(),
        f"{PERSONA_DIR}/{slugify(spec.persona.name)}.yaml": persona_text(spec.persona).encode(),
        logo: spec.logo.data,
        headline: spec.headline_font.data,
    }
    if body != headline:
        out[body] = spec.body_font.data
    return out


def check_new_brand(root: Path, spec: NewBrand) -> list[BrandFileError]:
    """Every problem the answers would give, by file and field; empty when the brand is valid."""
    slug = spec.folder
    if not is_valid_slug(slug):
        return [
            BrandFileError(
                slug or "(no name)",
                "slug",
                "the folder name must start with a letter or digit and hold only lowercase "
                "letters, digits, - or _ (64 at most); choose another name or slug",
            )
        ]
    if (root / slug).exists():
        return [BrandFileError(slug, "slug", f"a brand folder {slug!r} already exists in {root}")]
    if not slugify(spec.persona.name):
        return [BrandFileError(f"{slug}/{PERSONA_DIR}", "name", "the persona needs a name")]
    try:
        contents = brand_files(spec)
    except NewBrandInvalid as exc:
        return exc.errors
    errors = _check_media(slug, contents)
    root.mkdir(parents=True, exist_ok=True)
    with files.work_dir(root) as work:
        for relative, data in contents.items():
            target = work / slug / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _, load_errors = load_brand(work, slug)
    return errors + load_errors


def _check_media(slug: str, contents: dict[str, bytes]) -> list[BrandFileError]:
    from PIL import ImageFont

    from studio.core.uploads import UploadRejected, check_image, check_upload

    errors = []
    for relative, data in contents.items():
        suffix = Path(relative).suffix
        try:
            if suffix in (".png", ".jpg", ".jpeg"):
                check_image(check_upload(relative, data, max_mb=20, allowed_suffixes=[suffix]))
            elif suffix in (".ttf", ".otf"):
                ImageFont.truetype(io.BytesIO(data), 20)
        except (UploadRejected, OSError) as exc:
            errors.append(BrandFileError(f"{slug}/{relative}", "", f"cannot be used: {exc}"))
    return errors


def create_brand(session: Session, *, root: Path, spec: NewBrand, author: str) -> str:
    """Create the brand folder; returns its slug. The files appear when ``session`` commits.

    Raises
    ------
    PermissionDenied
        ``author`` may not edit guidelines (brand managers and admins may).
    NewBrandInvalid
        The answers do not make a valid brand; nothing is written.
    """
    auth.require(session, username=author, permission=auth.Permission.edit_guidelines)
    errors = check_new_brand(root, spec)
    if errors:
        raise NewBrandInvalid(errors)
    slug = spec.folder
    contents = brand_files(spec)
    created = not (root / slug).exists()
    try:
        for relative, data in contents.items():
            target = root / slug / relative
            if relative.endswith(".yaml"):
                text = data.decode()
                session.add(
                    GuidelineVersion(
                        path=f"{slug}/{relative}",
                        content=text,
                        sha256=hashlib.sha256(data).hexdigest(),
                        author=author,
                        message="created with the new-brand wizard",
                    )
                )
            files.stage_for_commit(session, files.write_staged(target, data), target)
        audit.record(
            session,
            actor=author,
            action="brand.create",
            entity_type="brand",
            entity_id=slug,
            after={"name": spec.name, "files": sorted(contents)},
        )
        session.flush()
    except BaseException:
        if created:
            shutil.rmtree(root / slug, ignore_errors=True)
        raise
    return slug
