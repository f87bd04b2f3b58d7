"""The contract every ad-platform exporter fulfils, and the types the pipeline passes around.

An exporter (one module per platform: :mod:`~studio.export.google_ads`, :mod:`~studio.export.meta`,
:mod:`~studio.export.linkedin`, :mod:`~studio.export.tiktok`) knows three things about its
platform: the columns of its bulk-import sheet and how a variant fills one row, the media it
accepts (:class:`MediaRules`), and the rules its importer enforces beyond the copy limits. The
copy limits themselves come from :data:`studio.copy.channels.CHANNELS`, the table copy generation
uses, through :func:`studio.copy.channels.check_fields`; exporters never restate them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from studio.brand.guidelines import PLATFORMS_FILE
from studio.brand.platforms import PlatformSettings
from studio.copy.channels import CHANNELS
from studio.core.errors import InvalidValue, UserFacingError
from studio.export.sheets import SheetFormat

if TYPE_CHECKING:
    # Type-only: exporters read the rows the pipeline hands them and never touch the database
    # (import-linter checks this with type-checking imports excluded).
    from studio.core.models import Arm, Asset, Campaign, Variant

Severity = Literal["error", "warning"]
MediaKind = Literal["image", "video"]
MediaNeed = Literal["none", "image", "video", "image_or_video"]


class ExportError(UserFacingError):
    """An export that cannot be made as asked; the message says why and what to do."""


class NotApproved(ExportError):
    """Variants that no person approved (or that are not in a status that may be exported).

    Attributes
    ----------
    refused : list of (variant id, status) pairs.
    """

    def __init__(self, refused: Sequence[tuple[int, str]], allowed: Sequence[str]):
        self.refused = list(refused)
        listed = ", ".join(f"variant {vid} is '{status}'" for vid, status in self.refused)
        super().__init__(
            f"only approved variants can be exported ({', '.join(allowed)}); {listed}. "
            "Have a brand manager approve them (a test winner is exported once declared the winner)."
        )


class ExportBlocked(ExportError):
    """The pre-export check found problems; nothing was written.

    Attributes
    ----------
    problems : every error found, in variant order.
    """

    def __init__(self, problems: Sequence[ExportProblem]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"export stopped: {len(self.problems)} problem(s); nothing was written.\n{lines}"
        )


class NothingToExport(ExportError):
    pass


@dataclass(frozen=True)
class ExportProblem:
    """One thing that stops (``error``) or deserves a look before (``warning``) an export.

    Attributes
    ----------
    variant_id : the variant concerned, or ``None`` for the export as a whole.
    location : the field (``"headlines[2]"``), column, ``"asset 7"`` or ``"(variant)"``.
    rule : short machine name, e.g. ``"max_length"``, ``"media_missing"``.
    message : what was found and what is allowed.
    severity : ``"error"`` stops the export; ``"warning"`` is shown and kept in the manifest.
    """

    variant_id: int | None
    location: str
    rule: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        who = f"variant {self.variant_id}" if self.variant_id is not None else "export"
        return f"{who} · {self.location}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "variant_id": self.variant_id,
            "location": self.location,
            "rule": self.rule,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass(frozen=True)
class LeftOut:
    """A selected variant an export left out, and why.

    Attributes
    ----------
    variant_id : the variant.
    status : its review status.
    reasons : what stops it, one line each (``"headlines[0]: 35 characters ..."``).
    """

    variant_id: int
    status: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"variant {self.variant_id} ({self.status}): {'; '.join(self.reasons)}"

    def as_dict(self) -> dict[str, object]:
        return {"variant_id": self.variant_id, "status": self.status, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class RsaPins:
    """Pin positions of one responsive search ad's texts.

    Attributes
    ----------
    headlines : 0-based headline index -> position 1, 2 or 3.
    descriptions : 0-based description index -> position 1 or 2.
    """

    headlines: Mapping[int, int] = field(default_factory=dict)
    descriptions: Mapping[int, int] = field(default_factory=dict)


class InvalidOption(InvalidValue):
    """An export option with a value it cannot take.

    Attributes
    ----------
    option : the :class:`ExportOptions` field, e.g. ``"campaign_id"`` (the CLI and the page name
        their own flag or field from it).
    """

    def __init__(self, option: str, message: str):
        self.option = option
        super().__init__(message)


#: Platform ids are whole numbers written as digits (Google Ads campaign / ad group ids, Meta
#: campaign / ad set ids); a name or a resource path in their place would import nothing.
_DIGITS = re.compile(r"^[0-9]{1,25}$")


@dataclass(frozen=True)
class ExportOptions:
    """Choices a person makes for one export.

    Attributes
    ----------
    pins : Google responsive search ads only: variant id -> its pins.
    default_pins : pins for every variant not in ``pins`` (e.g. "first headline at position 1").
    existing_campaign : export into this campaign already in the ad account (its exact name)
        instead of creating one: no campaign settings are needed and none are written.
    existing_ad_group : put every ad into this ad group (Google, TikTok), ad set (Meta) or
        campaign (LinkedIn) already in the account, by its exact name; it lives in an existing
        campaign, so ``existing_campaign`` or ``campaign_id`` is needed too. No ad group
        settings are needed and none are written.
    campaign_id, ad_group_id : the existing campaign's and ad group's / ad set's ids (digits),
        for the platforms whose import takes them (Google Ads Editor, Meta); an id names the
        same thing as a name, without the risk of a near-miss spelling.
    max_cpc : Google only: each new ad group's max CPC (Manual CPC bidding), in the account's
        currency; overrides ``google_ads.max_cpc`` of the brand's ``platforms.yaml``.
    video_ids : for platforms whose import names videos by their upload id (Meta): a video's
        file name in the zip's ``media/`` folder, or its variant id, -> the id the platform gave
        it (:func:`parse_video_ids` reads them from the filled-in :data:`VIDEOS_TO_UPLOAD`).
    worksheet : TikTok only: write studio's worksheet (labelled as not an import file)
        instead of filling the brand's TikTok template.
    leave_out_not_ready : export the variants that are ready and leave out, each with its
        reasons, those that are not (not approved, media missing, over a limit...) instead of
        refusing the whole export; problems of the export as a whole still stop it.
    """

    pins: Mapping[int, RsaPins] = field(default_factory=dict)
    default_pins: RsaPins | None = None
    existing_campaign: str | None = None
    existing_ad_group: str | None = None
    campaign_id: str | None = None
    ad_group_id: str | None = None
    max_cpc: Decimal | None = None
    video_ids: Mapping[str, str] = field(default_factory=dict)
    worksheet: bool = False
    leave_out_not_ready: bool = False

    def __post_init__(self) -> None:
        for option, what in (
            ("existing_campaign", "the campaign's name"),
            ("existing_ad_group", "the ad group's (ad set's) name"),
        ):
            value = getattr(self, option)
            if value is not None and not value.strip():
                raise InvalidOption(option, f"{option} is empty; give {what} or leave it out")
        for option in ("campaign_id", "ad_group_id"):
            value = getattr(self, option)
            if value is not None and not _DIGITS.match(value):
                raise InvalidOption(
                    option,
                    f"{option} {value!r} is not an id: ids are digits only (1-25 of them), as the "
                    "ad platform shows them, e.g. 23851234567890123",
                )
        if self.max_cpc is not None:
            object.__setattr__(self, "max_cpc", parse_money("max_cpc", self.max_cpc))
        if not self.new_ad_group and self.new_campaign:
            given = "existing_ad_group" if self.existing_ad_group is not None else "ad_group_id"
            raise InvalidOption(
                given,
                f"{given} names an ad group already in the account, which lives in an existing "
                "campaign: give existing_campaign (its name) or campaign_id too",
            )

    @property
    def new_campaign(self) -> bool:
        """Whether the export creates its campaign (no existing one named by name or id)."""
        return self.existing_campaign is None and self.campaign_id is None

    @property
    def new_ad_group(self) -> bool:
        """Whether the export creates its ad groups / ad sets (no existing one named)."""
        return self.existing_ad_group is None and self.ad_group_id is None

    @property
    def uses_ids(self) -> bool:
        return self.campaign_id is not None or self.ad_group_id is not None

    def campaign_name(self, item: ExportItem) -> str:
        """The campaign the item's ads go into: the existing one (empty when it is named by id
        only), or a new one named after studio's."""
        if self.existing_campaign is not None:
            return self.existing_campaign
        return item.campaign.name if self.campaign_id is None else ""

    def group_name(self, item: ExportItem) -> str:
        """The ad group / ad set the item's ads go into: the existing one (empty when it is
        named by id only), or a new one per persona."""
        if self.existing_ad_group is not None:
            return self.existing_ad_group
        return item.group_name if self.ad_group_id is None else ""

    def pins_for(self, variant_id: int) -> RsaPins | None:
        return self.pins.get(variant_id, self.default_pins)

    def video_id(self, media: PreparedMedia) -> str | None:
        """The platform's id of a video: by its file name, else by its variant id."""
        return self.video_ids.get(media.file_name) or self.video_ids.get(
            str(media.asset.variant_id)
        )


#: The list of videos to upload that an export writes for a platform naming videos by id.
VIDEOS_TO_UPLOAD = "videos_to_upload.csv"
#: Its columns: the file in media/, its variant, the placement size, and the id to fill in.
VIDEOS_TO_UPLOAD_COLUMNS = ("file", "variant_id", "size", "video_id")


def parse_video_ids(text: str, source: str) -> dict[str, str]:
    """Read a video id mapping: a CSV with a header naming ``video_id`` and ``file`` and/or
    ``variant_id`` (the export's :data:`VIDEOS_TO_UPLOAD`, filled in, is one).

    Rows with an empty ``video_id`` are skipped (videos not uploaded yet). ``file`` may be
    written with or without ``media/``.

    Returns
    -------
    dict : file name or variant id (as text) -> video id (digits).

    Raises
    ------
    InvalidOption
        (option ``video_ids``) naming ``source``, the line and the value, and what is allowed.
    """
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "video_id" not in header or not {"file", "variant_id"} & set(header):
        raise InvalidOption(
            "video_ids",
            f"{source}: the header is {', '.join(header) or '(empty)'}; it needs video_id and "
            "file and/or variant_id, as in the videos_to_upload.csv the export wrote",
        )
    found: dict[str, str] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        video_id = row.get("video_id", "")
        if not video_id:
            continue
        if not _DIGITS.match(video_id):
            raise InvalidOption(
                "video_ids",
                f"{source} line {line}: video_id {video_id!r} is not an id; ids are digits only, "
                "as Meta shows them in the Media library",
            )
        file_name = row.get("file", "").removeprefix("media/")
        variant = row.get("variant_id", "")
        if variant and not variant.isdigit():
            raise InvalidOption(
                "video_ids", f"{source} line {line}: variant_id {variant!r} is not a number"
            )
        if not file_name and not variant:
            raise InvalidOption(
                "video_ids", f"{source} line {line}: give the video's file or its variant_id"
            )
        found[file_name or variant] = video_id
    return found


def parse_money(option: str, value: object) -> Decimal:
    """An amount in an account's currency: positive, at most 2 decimals (cents), below 10^10.

    Raises
    ------
    InvalidOption
        Naming ``option``, what was received and what is allowed.
    """
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount >= 10**10:
        raise InvalidOption(
            option, f"{option} {value!r} is not an amount: give a positive number, e.g. 0.80"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidOption(
            option,
            f"{option} {value!r} has more than 2 decimals; the account's currency is "
            "counted in cents, e.g. 0.85",
        )
    return amount.quantize(Decimal("0.01"))


def ids_not_accepted(options: ExportOptions, platform_label: str) -> list[ExportProblem]:
    """An error when ids are given for a platform whose import names things only by name."""
    given = [o for o in ("campaign_id", "ad_group_id") if getattr(options, o) is not None]
    if not given:
        return []
    return [
        ExportProblem(
            None,
            option,
            "ids_not_accepted",
            f"{platform_label} has no import that takes ids; name the existing campaign and "
            "ad group instead (existing_campaign, existing_ad_group)",
        )
        for option in given
    ]


@dataclass(frozen=True)
class ExportItem:
    """One variant to export with what its row needs."""

    variant: Variant
    campaign: Campaign
    assets: tuple[Asset, ...]
    arms: tuple[Arm, ...] = ()
    settings: PlatformSettings = field(default_factory=PlatformSettings)
    brand_root: Path | None = None

    @property
    def variant_id(self) -> int:
        assert self.variant.id is not None
        return self.variant.id

    @property
    def ad_name(self) -> str:
        """The name the platform shows for the ad; a test's ``Arm.ad_name`` when it has one.

        Keeping the test's name means report rows exported later map back to the same arm.
        """
        for arm in self.arms:
            if arm.ad_name:
                return arm.ad_name
        return f"{self.campaign.name} | {self.variant.persona} | v{self.variant_id}"

    @property
    def group_name(self) -> str:
        """Ad group / ad set name: one per persona, the audience the copy was written for."""
        return f"{self.campaign.name} | {self.variant.persona}"


@dataclass(frozen=True)
class MediaTarget:
    """One media size a platform accepts.

    Attributes
    ----------
    kind : "image" or "video".
    aspect : label, e.g. ``"1:1"``; matched against the source's width / height.
    width, height : pixels of the file written into the export.
    min_width, min_height : the platform's smallest accepted source; smaller sources are
        refused rather than blown up.
    """

    kind: MediaKind
    aspect: str
    width: int
    height: int
    min_width: int
    min_height: int

    @property
    def ratio(self) -> float:
        return self.width / self.height

    @property
    def size_label(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class MediaRules:
    """What media a platform's ads take.

    Attributes
    ----------
    need : which media every ad must have (``"none"`` for text ads).
    targets : accepted sizes, preferred first; the first one a variant has goes in the sheet.
    image_max_bytes, video_max_bytes : the platform's file size limits.
    video_min_s, video_max_s : accepted video length, seconds.
    video_min_kbps : the platform's bitrate floor (whole file, kilobits per second); 0 for none.
    video_kbps : the constant bitrate videos are encoded at when the platform has a floor
        (kilobits per second); 0 encodes at constant quality instead.
    video_audio : ``"required"`` where the placement plays with sound.
    video_ids : the import names a video by the id the platform gives it on upload (Meta), not
        by its file: the export lists the videos to upload (:data:`VIDEOS_TO_UPLOAD`), and a
        video's ad is written only once its id is known (:attr:`ExportOptions.video_ids`).
    """

    need: MediaNeed
    targets: tuple[MediaTarget, ...] = ()
    image_max_bytes: int = 0
    video_max_bytes: int = 0
    video_min_s: float = 0.0
    video_max_s: float = 0.0
    video_min_kbps: float = 0.0
    video_kbps: int = 0
    video_audio: Literal["optional", "required"] = "optional"
    video_ids: bool = False

    def accepts(self, kind: str) -> bool:
        return any(t.kind == kind for t in self.targets)


@dataclass(frozen=True)
class PreparedMedia:
    """A media file as it goes into the zip.

    Attributes
    ----------
    asset : the source :class:`~studio.core.models.Asset` row.
    target : the platform size it was resized to.
    file_name : its name in the zip's ``media/`` folder (what the sheet refers to).
    data_path : where the encoded file lies until it is zipped (``None`` in a preview).
    sha256, size_bytes : of the encoded file (empty / 0 in a preview).
    md5 : hex MD5 of the encoded file (empty in a preview); Meta's image hash.
    duration_s : video length, seconds.
    provenance : where the pixels came from (backend, model, seed, prompt hash, AI flag...).
    in_sheet : whether the sheet's row names this file.
    """

    asset: Asset
    target: MediaTarget
    file_name: str
    data_path: Path | None = None
    sha256: str = ""
    md5: str = ""
    size_bytes: int = 0
    duration_s: float | None = None
    provenance: Mapping[str, object] = field(default_factory=dict)
    in_sheet: bool = False


@dataclass(frozen=True)
class SheetLayout:
    """The sheet one export writes: its file name, header and any lines above the header.

    Attributes
    ----------
    file_name : the sheet's name inside the zip.
    columns : the header row, in order (a platform template's own header where there is one).
    preamble : lines written above the header, unchanged (a template's instructions, or the
        line that labels a worksheet as not an import file).
    worksheet : the file is for a person to work from, not for the platform's importer.
    """

    file_name: str
    columns: tuple[str, ...]
    preamble: tuple[tuple[str, ...], ...] = ()
    worksheet: bool = False


class PlatformExporter(Protocol):
    """One ad platform's bulk-import format.

    Attributes
    ----------
    platform : key, the same as :attr:`studio.copy.channels.ChannelSpec.platform`.
    label : human name, e.g. ``"Meta Ads Manager"``.
    sheet_file : the sheet's name inside the zip (when :meth:`layout` keeps the default).
    sheet_format : the encoding and delimiter the platform's importer reads.
    columns : the sheet's header row, in order (when :meth:`layout` keeps the default).
    media : the media rules.
    import_hint : where in the platform's tool the sheet is imported.
    """

    platform: str
    label: str
    sheet_file: str
    sheet_format: SheetFormat
    columns: tuple[str, ...]
    media: MediaRules
    import_hint: str

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        """Platform rules beyond the channel table (URL, objective, pins...)."""
        ...

    def layout(self, items: Sequence[ExportItem], options: ExportOptions) -> SheetLayout:
        """The sheet this export writes (a brand's own template for TikTok)."""
        ...

    def check_all(self, items: Sequence[ExportItem], options: ExportOptions) -> list[ExportProblem]:
        """Rules about the export as a whole: missing account settings, ads per ad group..."""
        ...

    def structure_rows(
        self, items: Sequence[ExportItem], options: ExportOptions
    ) -> list[dict[str, str]]:
        """Rows written before the ads (campaigns, ad groups) where the format has them."""
        ...

    def link_media(
        self, item: ExportItem, media: Sequence[PreparedMedia]
    ) -> tuple[list[PreparedMedia], list[ExportProblem]]:
        """The planned media that go into the export, ``in_sheet`` where the sheet names them,
        and warnings for those left out."""
        ...

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        """The sheet rows for one variant (column -> text; absent columns are left empty)."""
        ...


def channels_of(platform: str) -> tuple[str, ...]:
    """The channel ids whose ads go to ``platform``, from the channel table."""
    return tuple(spec.id for spec in CHANNELS.values() if spec.platform == platform)


def check_final_url(item: ExportItem) -> list[ExportProblem]:
    """The campaign's landing page must be an absolute http(s) URL; platforms reject others."""
    from urllib.parse import urlsplit

    url = item.campaign.landing_url.strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and " " not in url:
        return []
    return [
        ExportProblem(
            item.variant_id,
            "landing_url",
            "final_url",
            f"campaign {item.campaign.id} landing page {url!r} is not an absolute "
            "http(s) URL such as https://example.com/offer; fix the campaign",
        )
    ]


def objective_problem(
    item: ExportItem, platform_label: str, allowed: Mapping[str, str]
) -> list[ExportProblem]:
    if item.campaign.objective in allowed:
        return []
    return [
        ExportProblem(
            item.variant_id,
            "objective",
            "objective",
            f"campaign objective {item.campaign.objective!r} has no {platform_label} "
            f"equivalent; objectives it takes: {', '.join(allowed)}",
        )
    ]


def ad_name_problem(item: ExportItem, platform_label: str, max_length: int) -> list[ExportProblem]:
    """The platform's limit on ad names (they are built from the campaign name)."""
    if len(item.ad_name) <= max_length:
        return []
    return [
        ExportProblem(
            item.variant_id,
            "Ad Name",
            "max_length",
            f"ad name is {len(item.ad_name)} characters; {platform_label} allows "
            f"{max_length}: shorten the campaign name",
        )
    ]


@dataclass(frozen=True)
class SettingNeed:
    """One account setting an export needs, and how to fill it in.

    Attributes
    ----------
    path : where it goes in ``platforms.yaml``, e.g. ``"meta.page_id"``.
    missing : whether the brand's file lacks it.
    how : what to write, e.g. ``"the Facebook Page ID the ads run as (digits)"``.
    """

    path: str
    missing: bool
    how: str


def settings_problems(
    items: Sequence[ExportItem],
    platform_label: str,
    needs: Callable[[ExportItem], list[SettingNeed]],
) -> list[ExportProblem]:
    """One error per missing setting per brand, naming the file, the key and what to write."""
    problems: list[ExportProblem] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        for need in needs(item):
            key = (item.variant.brand, need.path)
            if need.missing and key not in seen:
                seen.add(key)
                problems.append(
                    ExportProblem(
                        None,
                        f"{item.variant.brand}/{PLATFORMS_FILE} · {need.path}",
                        "settings_missing",
                        f"{platform_label} needs {need.path}: {need.how}. Fill it in on the "
                        "Brand page (or in the file) and export again",
                    )
                )
    return problems


def keep_media(
    item: ExportItem, media: Sequence[PreparedMedia]
) -> tuple[list[PreparedMedia], list[ExportProblem]]:
    """:meth:`PlatformExporter.link_media` for platforms whose sheet names one file per ad:
    every usable asset goes into the zip, the first (preferred) one is named in the sheet."""
    return list(media), []
