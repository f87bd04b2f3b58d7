"""Brand guideline and persona files: schema, loading and validation.

A brand lives in ``brand_guidelines/<brand>/``::

    guideline.yaml          voice, claims, banned words, disclaimers, colours, fonts, logo, ...
    personas/<segment>.yaml one file per audience segment
    platforms.yaml          ad-account settings for exports (optional; studio.brand.platforms)
    fonts/*.ttf, logo.png   files the guideline points at (paths relative to the brand folder)

Loading never raises for a user's bad file: every problem becomes a :class:`BrandFileError`
naming the file, the field and what is wrong, and the other brands keep loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from studio.core.errors import InvalidValue, NotFound, StudioError

GUIDELINE_FILE = "guideline.yaml"
PERSONA_DIR = "personas"
#: Ad-account settings for exports; schema in :mod:`studio.brand.platforms`.
PLATFORMS_FILE = "platforms.yaml"

#: Channels the studio writes for. The per-field limits live in :mod:`studio.copy.channels`.
ChannelId = Literal["google_rsa", "meta_feed", "linkedin_sponsored", "tiktok"]
ColorRole = Literal["primary", "secondary", "accent", "background", "text", "cta", "cta_text"]

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{6})$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def is_valid_slug(name: str) -> bool:
    """Whether ``name`` may name a brand folder or a persona file (lowercase, digits, - or _)."""
    return bool(_SLUG.match(name))


NonEmptyStr = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Voice(_Strict):
    """How the brand sounds."""

    tone: list[NonEmptyStr] = Field(min_length=1, description="Adjectives, e.g. warm, expert.")
    description: NonEmptyStr
    do: list[NonEmptyStr] = Field(default_factory=list)
    dont: list[NonEmptyStr] = Field(default_factory=list)


class ApprovedClaim(_Strict):
    """A proof point. Only claims listed here may carry numbers or superlatives in copy."""

    id: NonEmptyStr
    text: NonEmptyStr
    evidence: NonEmptyStr = Field(description="What substantiates the claim.")
    source: NonEmptyStr | None = Field(
        default=None, description="Where the evidence can be checked (a report, a page, a file)."
    )
    expires: date | None = Field(
        default=None,
        description="The last day the claim may be used (YYYY-MM-DD); after it new copy may not use it.",
    )

    def expired(self, today: date) -> bool:
        """Whether the claim's last day (:attr:`expires`) is before ``today``."""
        return self.expires is not None and self.expires < today


class Disclaimer(_Strict):
    """Text that must appear with ads on the listed channels (all channels when empty)."""

    text: NonEmptyStr
    channels: list[ChannelId] = Field(default_factory=list)

    def applies_to(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


class BrandColor(_Strict):
    name: NonEmptyStr
    hex: str
    role: ColorRole

    @field_validator("hex")
    @classmethod
    def _is_hex(cls, value: str) -> str:
        if not _HEX.match(value):
            raise InvalidValue(f"{value!r} is not a hex colour; write it as #RRGGBB, e.g. #1A2B3C")
        return value.upper()

    @property
    def rgb(self) -> tuple[int, int, int]:
        return (int(self.hex[1:3], 16), int(self.hex[3:5], 16), int(self.hex[5:7], 16))


class Fonts(_Strict):
    """Font files, relative to the brand folder."""

    headline: NonEmptyStr
    body: NonEmptyStr


#: Image files a product photo may be, by suffix.
PRODUCT_PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
#: Suffixes that can carry an alpha channel (a ``transparent`` product photo needs one).
_ALPHA_SUFFIXES = (".png", ".webp")


class ProductPhoto(_Strict):
    """A photo or render of the product, relative to the brand folder; layouts place it.

    ``background: transparent`` means the file has an alpha channel around the product and is
    placed as is; ``plain`` means a plain, even background that the renderer removes.
    """

    file: NonEmptyStr
    description: NonEmptyStr = Field(description="What the image shows, e.g. 'a 250 g bag'.")
    licence: NonEmptyStr = Field(description="Who may use it and how, e.g. 'MIT, own render'.")
    background: Literal["transparent", "plain"]

    @field_validator("file")
    @classmethod
    def _is_image_file(cls, value: str) -> str:
        if Path(value).suffix.lower() not in PRODUCT_PHOTO_SUFFIXES:
            raise InvalidValue(
                f"{value!r} is not an image file studio reads; "
                f"allowed: {', '.join(PRODUCT_PHOTO_SUFFIXES)}"
            )
        return value

    @model_validator(mode="after")
    def _transparent_needs_alpha(self) -> ProductPhoto:
        if self.background == "transparent" and Path(self.file).suffix.lower() not in (
            _ALPHA_SUFFIXES
        ):
            raise InvalidValue(
                f"{self.file!r} cannot be transparent (a JPEG has no alpha channel); "
                "use a PNG or WebP, or set background: plain"
            )
        return self


class Guideline(_Strict):
    """The contents of ``guideline.yaml``."""

    name: NonEmptyStr
    website: NonEmptyStr
    industry: NonEmptyStr
    voice: Voice
    value_propositions: list[NonEmptyStr] = Field(min_length=1)
    approved_claims: list[ApprovedClaim] = Field(default_factory=list)
    banned_phrases: list[NonEmptyStr] = Field(default_factory=list)
    disclaimers: list[Disclaimer] = Field(default_factory=list)
    calls_to_action: list[NonEmptyStr] = Field(min_length=1)
    colors: list[BrandColor] = Field(min_length=2)
    fonts: Fonts
    logo: NonEmptyStr
    logo_min_height_px: int | None = Field(
        default=None,
        ge=8,
        le=1000,
        description="The smallest height in pixels the logo may be drawn at (ad previews warn below it).",
    )
    visual_style: NonEmptyStr
    negative_prompts: list[NonEmptyStr] = Field(default_factory=list)
    product_motifs: list[NonEmptyStr] = Field(
        default_factory=list, description="Objects the offline renderer may draw as shapes."
    )
    product_photos: list[ProductPhoto] = Field(
        default_factory=list, description="Product images the layouts place (optional)."
    )

    @field_validator("website")
    @classmethod
    def _is_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise InvalidValue(f"{value!r} is not a web address; write it as https://example.com")
        return value

    @model_validator(mode="after")
    def _roles_present(self) -> Guideline:
        roles = {c.role for c in self.colors}
        missing = {"primary", "background", "text"} - roles
        if missing:
            raise InvalidValue(
                f"colors must include the roles primary, background and text; missing {sorted(missing)}"
            )
        ids = [c.id for c in self.approved_claims]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidValue(f"approved_claims ids must be unique; repeated: {duplicates}")
        return self

    def color(self, role: str) -> BrandColor:
        """The first colour with ``role``; falls back to primary for optional roles."""
        for c in self.colors:
            if c.role == role:
                return c
        if role in ("cta", "secondary", "accent"):
            return self.color("primary")
        if role == "cta_text":
            return self.color("background")
        raise NotFound(
            "colour role",
            role,
            sorted({c.role for c in self.colors}),
            within=f"brand {self.name!r}",
        )

    def disclaimers_for(self, channel: str) -> list[Disclaimer]:
        return [d for d in self.disclaimers if d.applies_to(channel)]

    def off_site_landing(self, landing_url: str) -> str | None:
        """Why ``landing_url`` does not look like this brand's page, or None when it does.

        The landing page must be on the domain of :attr:`website` or one of its subdomains
        (``www.`` is ignored on both sides): an ad of one brand pointing at another brand's site
        is the mistake this catches. Review and export both show the sentence as a warning.
        """
        site = _host(self.website)
        host = _host(landing_url)
        if host and (host == site or host.endswith("." + site)):
            return None
        return (
            f"landing URL {landing_url!r} is not on {site!r}, the website of {self.name} "
            "(guideline.yaml)"
        )


def _host(url: str) -> str:
    """The lower-case host of ``url`` without ``www.``; '' when it has none."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host.removeprefix("www.")


class Demographics(_Strict):
    age_range: NonEmptyStr
    locations: list[NonEmptyStr] = Field(default_factory=list)
    income: str | None = None
    occupations: list[NonEmptyStr] = Field(default_factory=list)


class Persona(_Strict):
    """The contents of ``personas/<segment>.yaml``."""

    name: NonEmptyStr
    description: NonEmptyStr
    demographics: Demographics
    pains: list[NonEmptyStr] = Field(min_length=1)
    motivations: list[NonEmptyStr] = Field(min_length=1)
    objections: list[NonEmptyStr] = Field(default_factory=list)
    preferred_channels: list[ChannelId] = Field(min_length=1)
    locale: str = "en-US"
    retired: bool = Field(
        default=False,
        description="A retired persona is kept (its variants still name it) but no longer offered.",
    )

    @field_validator("locale")
    @classmethod
    def _is_locale(cls, value: str) -> str:
        if not re.match(r"^[a-z]{2}(-[A-Z]{2})?$", value):
            raise InvalidValue(f"{value!r} is not a locale; write it like en-US or de-DE")
        return value


@dataclass(frozen=True)
class BrandFileError:
    """One problem in one brand file, phrased for the person who edits it."""

    file: str
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.problem}"


@dataclass
class Brand:
    """A loaded brand: its guideline, its valid personas, and where the files are."""

    slug: str
    root: Path
    guideline: Guideline
    #: The personas new copy may be written for, by file stem.
    personas: dict[str, Persona] = field(default_factory=dict)
    #: Personas marked ``retired: true``: kept for the variants that name them, offered nowhere.
    retired_personas: dict[str, Persona] = field(default_factory=dict)

    @property
    def logo_path(self) -> Path:
        return self.root / self.guideline.logo

    @property
    def product_photo_paths(self) -> list[Path]:
        return [self.root / photo.file for photo in self.guideline.product_photos]

    @property
    def headline_font_path(self) -> Path:
        return self.root / self.guideline.fonts.headline

    @property
    def body_font_path(self) -> Path:
        return self.root / self.guideline.fonts.body

    def persona(self, slug: str) -> Persona:
        """An active or retired persona (variants written before a retirement still name it)."""
        try:
            return self.personas.get(slug) or self.retired_personas[slug]
        except KeyError:
            raise NotFound(
                "persona", slug, sorted(self.personas), within=f"brand {self.slug!r}"
            ) from None

    def optional_file(self, name: str) -> Path | None:
        """A file in the brand folder such as ``music.mp3``, if the brand ships one."""
        path = self.root / name
        return path if path.is_file() else None


@dataclass
class BrandCatalog:
    """Every brand found under the guidelines folder, plus every problem met loading them."""

    root: Path
    brands: dict[str, Brand] = field(default_factory=dict)
    errors: list[BrandFileError] = field(default_factory=list)

    def get(self, slug: str) -> Brand:
        try:
            return self.brands[slug]
        except KeyError:
            raise NotFound(
                "valid brand",
                slug,
                sorted(self.brands),
                within=str(self.root),
                hint="`studio brands validate` lists the problems in brand files.",
            ) from None

    def errors_for(self, slug: str) -> list[BrandFileError]:
        return [e for e in self.errors if e.file.startswith(f"{slug}/")]


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validation_errors(file: str, exc: ValidationError) -> list[BrandFileError]:
    errors = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "required field is missing"
        elif err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see the example brands)"
        elif err["type"] == "literal_error":
            shown = repr(err.get("input"))
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            message = f"{shown} is not allowed; {message.lower()}"
        errors.append(BrandFileError(file, _format_loc(err["loc"]) or "(whole file)", message))
    return errors


#: Limits on brand files (hand-written YAML of a few kilobytes): far above any real file, far
#: below what could freeze or crash the studio.
MAX_YAML_CHARS = 512 * 1024
MAX_YAML_DEPTH = 32


class _BrandFileLimit(yaml.YAMLError, StudioError):
    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class _LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without aliases (no "billion laughs") and with a nesting limit (no
    RecursionError from a 5,000-deep file). Brand files need neither."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _BrandFileLimit(
                f"aliases (*{event.anchor}) are not allowed in brand files; write the value out",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _BrandFileLimit(
                    f"nested more than {MAX_YAML_DEPTH} levels deep; brand files need a few",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, file: str) -> tuple[Any, list[BrandFileError]]:
    """Parse YAML text; a syntax error becomes a :class:`BrandFileError` with its line.

    Brand files are limited (:data:`MAX_YAML_CHARS`, :data:`MAX_YAML_DEPTH`, no aliases), so a
    hostile or broken file is an error on that file, never a frozen or crashed studio.
    """
    if len(text) > MAX_YAML_CHARS:
        return None, [
            BrandFileError(
                file,
                "(whole file)",
                f"is {len(text):,} characters; brand files may have at most {MAX_YAML_CHARS:,}",
            )
        ]
    try:
        return yaml.load(text, Loader=_LimitedLoader), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(syntax)"
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [BrandFileError(file, where, f"invalid YAML: {problem}")]


def validate_guideline_text(
    text: str, file: str, brand_root: Path
) -> tuple[Guideline | None, list[BrandFileError]]:
    """Validate guideline YAML text, including that the files it points at exist."""
    data, errors = parse_yaml(text, file)
    if errors:
        return None, errors
    if not isinstance(data, dict):
        return None, [BrandFileError(file, "(whole file)", "expected a mapping of fields")]
    try:
        guideline = Guideline.model_validate(data)
    except ValidationError as exc:
        return None, _validation_errors(file, exc)
    missing = []
    for field_name, rel in (
        ("logo", guideline.logo),
        ("fonts.headline", guideline.fonts.headline),
        ("fonts.body", guideline.fonts.body),
        *(
            (f"product_photos[{i}].file", photo.file)
            for i, photo in enumerate(guideline.product_photos)
        ),
    ):
        path = (brand_root / rel).resolve()
        if not path.is_relative_to(brand_root.resolve()):
            missing.append(
                BrandFileError(file, field_name, f"{rel!r} points outside the brand folder")
            )
        elif not path.is_file():
            missing.append(
                BrandFileError(file, field_name, f"file {rel!r} does not exist in the brand folder")
            )
        elif field_name.startswith("product_photos") and not _looks_like_image(path):
            missing.append(
                BrandFileError(
                    file,
                    field_name,
                    f"file {rel!r} is not a PNG, JPEG or WebP image (its first bytes say otherwise)",
                )
            )
    return (None, missing) if missing else (guideline, [])


def _looks_like_image(path: Path) -> bool:
    """Whether the file starts like a PNG, JPEG or WebP (the signature, not the suffix)."""
    with path.open("rb") as handle:
        head = handle.read(12)
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def validate_persona_text(text: str, file: str) -> tuple[Persona | None, list[BrandFileError]]:
    data, errors = parse_yaml(text, file)
    if errors:
        return None, errors
    if not isinstance(data, dict):
        return None, [BrandFileError(file, "(whole file)", "expected a mapping of fields")]
    try:
        return Persona.model_validate(data), []
    except ValidationError as exc:
        return None, _validation_errors(file, exc)


def validate_text(root: Path, relative_path: str, text: str) -> list[BrandFileError]:
    """Validate the would-be contents of a file under ``root`` without writing it."""
    parts = Path(relative_path).parts
    if len(parts) >= 2 and parts[1] == GUIDELINE_FILE:
        return validate_guideline_text(text, relative_path, root / parts[0])[1]
    if len(parts) == 3 and parts[1] == PERSONA_DIR and parts[2].endswith(".yaml"):
        return validate_persona_text(text, relative_path)[1]
    if len(parts) == 2 and parts[1] == PLATFORMS_FILE:
        from studio.brand.platforms import validate_platforms_text

        return validate_platforms_text(text, relative_path, root / parts[0])[1]
    return [BrandFileError(relative_path, "", "not a guideline, persona or platforms file")]


def load_brand(root: Path, slug: str) -> tuple[Brand | None, list[BrandFileError]]:
    """Load one brand folder. Invalid personas are reported and skipped; the brand still loads."""
    brand_root = root / slug
    file = f"{slug}/{GUIDELINE_FILE}"
    guideline_path = brand_root / GUIDELINE_FILE
    if not guideline_path.is_file():
        return None, [
            BrandFileError(file, "", "missing: every brand folder needs a guideline.yaml")
        ]
    try:
        text = guideline_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [BrandFileError(file, "", f"cannot be read: {exc}")]
    guideline, errors = validate_guideline_text(text, file, brand_root)
    if guideline is None:
        return None, errors
    brand = Brand(slug=slug, root=brand_root, guideline=guideline)
    for persona_path in sorted((brand_root / PERSONA_DIR).glob("*.yaml")):
        persona_file = f"{slug}/{PERSONA_DIR}/{persona_path.name}"
        try:
            persona_text = persona_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(BrandFileError(persona_file, "", f"cannot be read: {exc}"))
            continue
        persona, persona_errors = validate_persona_text(persona_text, persona_file)
        errors.extend(persona_errors)
        if persona is not None:
            kept = brand.retired_personas if persona.retired else brand.personas
            kept[persona_path.stem] = persona
    if not brand.personas:
        errors.append(
            BrandFileError(f"{slug}/{PERSONA_DIR}", "", "the brand has no valid, active persona")
        )
    return brand, errors


def load_catalog(root: Path) -> BrandCatalog:
    """Load every brand folder under ``root``; never raises for bad files."""
    catalog = BrandCatalog(root=root)
    if not root.is_dir():
        catalog.errors.append(
            BrandFileError(str(root), "", "brand guidelines folder does not exist")
        )
        return catalog
    for brand_root in sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        if not _SLUG.match(brand_root.name):
            catalog.errors.append(
                BrandFileError(
                    brand_root.name, "", "folder name must be lowercase letters, digits, - or _"
                )
            )
            continue
        brand, errors = load_brand(root, brand_root.name)
        catalog.errors.extend(errors)
        if brand is not None:
            catalog.brands[brand.slug] = brand
    return catalog


def resolve_brand_file(root: Path, relative_path: str) -> Path:
    """The absolute path of an editable brand file, refusing anything outside ``root``.

    Only ``<brand>/guideline.yaml``, ``<brand>/platforms.yaml`` and
    ``<brand>/personas/<segment>.yaml`` are editable.
    """
    candidate = (root / relative_path).resolve()
    if not candidate.is_relative_to(root.resolve()):
        raise InvalidValue(f"{relative_path!r} is outside the brand guidelines folder")
    parts = candidate.relative_to(root.resolve()).parts
    editable = (len(parts) == 2 and parts[1] in (GUIDELINE_FILE, PLATFORMS_FILE)) or (
        len(parts) == 3 and parts[1] == PERSONA_DIR and parts[2].endswith(".yaml")
    )
    if not editable or not all(_SLUG.match(Path(p).stem) for p in parts):
        raise InvalidValue(
            f"{relative_path!r} is not an editable brand file; "
            "expected <brand>/guideline.yaml, <brand>/platforms.yaml or "
            "<brand>/personas/<segment>.yaml"
        )
    return candidate


def editable_files(root: Path) -> list[str]:
    """Relative paths of all guideline, platforms and persona files, valid or not.

    Every brand with a guideline gets its ``platforms.yaml`` listed, even before it exists, so
    the Brand page can create it.
    """
    guidelines = sorted(root.glob(f"*/{GUIDELINE_FILE}"))
    files = [p.relative_to(root).as_posix() for p in guidelines]
    files += [(p.parent / PLATFORMS_FILE).relative_to(root).as_posix() for p in guidelines]
    files += [p.relative_to(root).as_posix() for p in sorted(root.glob(f"*/{PERSONA_DIR}/*.yaml"))]
    return sorted(files)
