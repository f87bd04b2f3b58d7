"""TikTok: the brand's own TikTok Ads Manager bulk template, filled with single-video in-feed ads.

TikTok's help says to import with the account's own, latest bulk template, without deleting
or renaming columns, headers in the Ads Manager's language, as "CSV UTF-8" (Troubleshoot bulk
import issues, ads.tiktok.com/help/article/troubleshoot-bulk-import-issues). The template
differs per account (allow-listed features add columns), so studio does not invent one: the
brand manager downloads it once from TikTok Ads Manager (Tools > Bulk import > Download
template, with Ads Manager in English), uploads it on the Brand page and names it in
``platforms.yaml`` (``tiktok.template``). The export keeps every line above the header and the
header itself exactly as downloaded, drops the template's sample rows, and writes one row per
ad into the columns it recognises; columns it does not know stay empty. A template without a
column studio needs is refused, naming the missing headers and the ones it has.

Without a template the export says so; ``ExportOptions(worksheet=True)`` (``--worksheet``)
writes studio's own worksheet instead, labelled in its file name and first line as not an
import file.

Column (matched case- and space-insensitively) -> value -> source; TikTok publishes no header
list, so every header name below is **unverified** (verdicts in docs/exports.md):

==========================  ==================================  =======================================
column                      value studio writes                 source for the value
==========================  ==================================  =======================================
Campaign Name               campaign name (or the existing one) help: unique per account
Advertising Objective       ``Traffic``, ``Reach`` ...          Ads Manager objective names; help:
                                                                first letter upper-case; ``Community
                                                                Interaction`` fails bulk import
Ad Group Name               ``<campaign> | <persona>``
Budget                      platforms.yaml tiktok.daily_budget
Location                    tiktok.countries, ``,``-joined
Identity                    tiktok.identity
Ad Name                     ``<campaign> | <persona> | v<id>``  max 512 characters
Ad Text                     the variant's ad text               Video ads spec (aid 6669199281502552069)
Call to Action              TikTok's enum, e.g. ``SHOP_NOW``
Landing Page URL            the campaign's landing page
Video Name                  the file in media/                  uploaded to the creative library first
Ad Status                   ``DISABLE``                         API operation_status enum; sheet
                                                                spelling unverified
==========================  ==================================  =======================================

Media (TikTok video ads specifications): H.264 MP4, 9:16 (at least 540x960), 1:1 (at least
640x640) or 16:9 (at least 960x540), 5-60 s, at most 500 MB, bitrate at least 516 kb/s (studio
encodes at 2,500 kb/s constant, the rate TikTok recommends for Spark Ads), with sound. In-feed
ads on TikTok are video only, so a variant without a video cannot be exported here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from studio.core.errors import UserFacingError
from studio.export.base import (
    ExportItem,
    ExportOptions,
    ExportProblem,
    MediaRules,
    MediaTarget,
    PreparedMedia,
    SettingNeed,
    SheetLayout,
    ad_name_problem,
    check_final_url,
    ids_not_accepted,
    keep_media,
    objective_problem,
    settings_problems,
)
from studio.export.sheets import UTF8_CSV
from studio.imaging.formats import VIDEO_FORMATS

#: Studio objectives as Ads Manager's. ``engagement`` would be Community Interaction, which
#: bulk import and export do not support (Troubleshooting bulk import and export), so such
#: campaigns are refused rather than turned into something else.
OBJECTIVES = {
    "awareness": "Reach",
    "traffic": "Traffic",
    "leads": "Lead Generation",
    "sales": "Website Conversions",
    "app_installs": "App Promotion",
}

#: Studio's worksheet (no template): its columns, file name and label.
WORKSHEET_COLUMNS: tuple[str, ...] = (
    "Campaign Name",
    "Advertising Objective",
    "Ad Group Name",
    "Ad Name",
    "Ad Status",
    "Ad Format",
    "Ad Text",
    "Call to Action",
    "Landing Page URL",
    "Video File Name",
)
WORKSHEET_FILE = "tiktok_WORKSHEET_not_an_import_file.csv"
WORKSHEET_LABEL = (
    "WORKSHEET, not a TikTok import file: TikTok imports only the bulk template of your own "
    "account. Upload it on the Brand page and export again, or create these ads by hand.",
)
TEMPLATE_FILE = "tiktok_bulk_import.csv"

#: What studio fills -> the header names it recognises in a template (compared without case,
#: spaces, underscores or hyphens). ``required`` ones must be present.
TEMPLATE_FIELDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "campaign": (("Campaign Name",), True),
    "objective": (("Advertising Objective", "Objective"), False),
    "ad_group": (("Ad Group Name",), True),
    "budget": (("Budget", "Ad Group Budget"), False),
    "location": (("Location", "Locations"), False),
    "identity": (("Identity", "Identity Name"), False),
    "ad_name": (("Ad Name",), True),
    "ad_text": (("Ad Text",), True),
    "call_to_action": (("Call to Action",), True),
    "url": (("Landing Page URL", "URL"), True),
    "video": (("Video Name", "Video File Name", "Video"), True),
    "status": (("Ad Status",), False),
}
MAX_AD_NAME = 512

_VERTICAL = VIDEO_FORMATS["9:16"]
MEDIA = MediaRules(
    need="video",
    targets=(
        MediaTarget("video", "9:16", _VERTICAL.width, _VERTICAL.height, 540, 960),
        MediaTarget("video", "1:1", 1080, 1080, 640, 640),
        MediaTarget("video", "16:9", 1920, 1080, 960, 540),
    ),
    video_max_bytes=500 * 2**20,
    video_min_s=5.0,
    video_max_s=60.0,
    video_min_kbps=516.0,
    video_kbps=2500,
    video_audio="required",
)


def _key(header: str) -> str:
    return re.sub(r"[\s_-]+", "", header).casefold()


class TemplateError(UserFacingError):
    """The brand's template cannot be used; the message says why and what to do."""


def read_template(path: Path) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """The template's lines above the header and its header, exactly as downloaded.

    The header is the first line holding ``Campaign Name`` and ``Ad Name``; lines after it
    (TikTok's sample rows) are not kept.

    Raises
    ------
    TemplateError
        The file is not UTF-8 CSV, or has no recognisable header (e.g. downloaded with Ads
        Manager in another language).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(
            f"TikTok template {path.name} cannot be read as CSV UTF-8 ({exc}); download it "
            "again from TikTok Ads Manager and upload it unedited"
        ) from exc
    lines = list(csv.reader(io.StringIO(text, newline="")))
    wanted = {_key("Campaign Name"), _key("Ad Name")}
    for number, line in enumerate(lines):
        if wanted <= {_key(cell) for cell in line}:
            return tuple(tuple(x) for x in lines[:number]), tuple(line)
    raise TemplateError(
        f"TikTok template {path.name} has no header row with 'Campaign Name' and 'Ad Name'; "
        "studio reads the English template: set TikTok Ads Manager's language to English, "
        "download the bulk template again and upload it"
    )


def template_columns(header: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Studio field -> the template's own header for it, and the required fields it lacks."""
    by_key = {_key(h): h for h in header}
    found: dict[str, str] = {}
    missing: list[str] = []
    for name, (names, required) in TEMPLATE_FIELDS.items():
        match = next((by_key[_key(n)] for n in names if _key(n) in by_key), None)
        if match is not None:
            found[name] = match
        elif required:
            missing.append(" or ".join(repr(n) for n in names))
    return found, missing


def _template_path(item: ExportItem) -> Path | None:
    template = item.settings.tiktok.template
    if template is None or item.brand_root is None:
        return None
    return item.brand_root / template


def _needs(item: ExportItem, options: ExportOptions) -> list[SettingNeed]:
    tiktok = item.settings.tiktok
    if options.worksheet:
        return []
    return [
        SettingNeed(
            "tiktok.template",
            tiktok.template is None,
            "the bulk template downloaded from your own TikTok Ads Manager (Tools > Bulk "
            "import, Ads Manager in English), uploaded on the Brand page; or export the "
            "worksheet instead (--worksheet), which TikTok cannot import",
        ),
        SettingNeed("tiktok.identity", tiktok.identity is None, "the identity the ads run as"),
        *(
            [
                SettingNeed(
                    "tiktok.daily_budget",
                    tiktok.daily_budget is None,
                    "each ad group's daily budget",
                ),
                SettingNeed(
                    "tiktok.countries", not tiktok.countries, "the locations targeted, e.g. [GB]"
                ),
            ]
            if options.new_ad_group
            else []
        ),
    ]


class TikTokExporter:
    platform = "tiktok"
    label = "TikTok Ads Manager"
    sheet_file = TEMPLATE_FILE
    sheet_format = UTF8_CSV
    columns = WORKSHEET_COLUMNS
    media = MEDIA
    import_hint = (
        "TikTok Ads Manager: upload the videos in media/ to the creative library, then Tools > "
        "Bulk import and choose tiktok_bulk_import.csv (your own template, filled). Ads are "
        "created switched off. A file named WORKSHEET is not an import file."
    )

    def layout(self, items: Sequence[ExportItem], options: ExportOptions) -> SheetLayout:
        if options.worksheet or not items:
            return SheetLayout(
                WORKSHEET_FILE, WORKSHEET_COLUMNS, (WORKSHEET_LABEL,), worksheet=True
            )
        path = _template_path(items[0])
        assert path is not None  # check_all refused the export otherwise
        preamble, header = read_template(path)
        return SheetLayout(TEMPLATE_FILE, header, preamble)

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        return (
            check_final_url(item)
            + objective_problem(item, self.label, OBJECTIVES)
            + ad_name_problem(item, "TikTok", MAX_AD_NAME)
        )

    def check_all(self, items: Sequence[ExportItem], options: ExportOptions) -> list[ExportProblem]:
        problems = ids_not_accepted(options, self.label)
        problems += settings_problems(items, self.label, lambda item: _needs(item, options))
        if problems or options.worksheet or not items:
            return problems
        brands = sorted({i.variant.brand for i in items})
        if len(brands) > 1:
            return [
                ExportProblem(
                    None,
                    "(export)",
                    "one_template",
                    f"variants of {', '.join(brands)} use different TikTok templates; "
                    "export one brand at a time",
                )
            ]
        path = _template_path(items[0])
        assert path is not None
        where = f"{items[0].variant.brand}/{items[0].settings.tiktok.template}"
        try:
            _preamble, header = read_template(path)
        except TemplateError as exc:
            return [ExportProblem(None, where, "template", str(exc))]
        _found, missing = template_columns(header)
        if missing:
            return [
                ExportProblem(
                    None,
                    where,
                    "template",
                    f"the template lacks {', '.join(missing)}; its columns: {', '.join(header)}. "
                    "Download the latest template from TikTok Ads Manager (in English)",
                )
            ]
        return []

    def structure_rows(
        self, items: Sequence[ExportItem], options: ExportOptions
    ) -> list[dict[str, str]]:
        return []

    def link_media(
        self, item: ExportItem, media: Sequence[PreparedMedia]
    ) -> tuple[list[PreparedMedia], list[ExportProblem]]:
        return keep_media(item, media)

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        main = next(m for m in media if m.in_sheet)
        values = {
            "campaign": options.campaign_name(item),
            "objective": OBJECTIVES[item.campaign.objective],
            "ad_group": options.group_name(item),
            "ad_name": item.ad_name,
            "ad_text": str(item.variant.fields.get("ad_text") or ""),
            "call_to_action": str(item.variant.fields.get("call_to_action") or ""),
            "url": item.campaign.landing_url.strip(),
            "video": main.file_name,
            "status": "DISABLE",
        }
        if options.worksheet:
            return [
                {
                    "Campaign Name": values["campaign"],
                    "Advertising Objective": values["objective"],
                    "Ad Group Name": values["ad_group"],
                    "Ad Name": values["ad_name"],
                    "Ad Status": values["status"],
                    "Ad Format": "Single Video",
                    "Ad Text": values["ad_text"],
                    "Call to Action": values["call_to_action"],
                    "Landing Page URL": values["url"],
                    "Video File Name": values["video"],
                }
            ]
        tiktok = item.settings.tiktok
        values["identity"] = str(tiktok.identity)
        if options.new_ad_group:  # an existing ad group keeps its own budget and targeting
            values |= {
                "budget": f"{tiktok.daily_budget:.2f}",
                "location": ",".join(tiktok.countries),
            }
        path = _template_path(item)
        assert path is not None
        columns, _missing = template_columns(read_template(path)[1])
        if not options.new_campaign:
            values.pop("objective")
        return [{columns[name]: value for name, value in values.items() if name in columns}]


EXPORTER = TikTokExporter()
