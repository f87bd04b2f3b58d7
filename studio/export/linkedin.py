"""LinkedIn: the assets and a worksheet of single-image (or video) sponsored content ads.

LinkedIn publishes no bulk import format for ads: Campaign Manager creates ads one by one (or
through the Marketing API's REST endpoints, which need an approved developer application). No
LinkedIn help page or official SDK in the corpus documents a spreadsheet import. So the file
studio writes is a **worksheet**, and says so: in its name
(``linkedin_WORKSHEET_not_an_import_file.csv``), in its first line, on the Export page and in
the README. Each row holds what a person types into Campaign Manager's ad form; the images
and videos in ``media/`` are uploaded there. Ads are created paused.

Column -> value -> source (all field names from Campaign Manager's ad form and the Marketing
API; verdicts in docs/exports.md):

=====================  =============================================  ===============================
column                 value studio writes                            source
=====================  =============================================  ===============================
Campaign Group Name    campaign name (or the existing one)            Campaign Manager campaign groups
Campaign Name          ``<campaign> | <persona>``                     Campaign Manager campaigns
Campaign Objective     ``Website visits``, ``Lead generation`` ...    Campaign Manager objectives
Ad Format              ``Single image`` or ``Video``                  Campaign Manager ad formats
Ad Name                ``<campaign> | <persona> | v<id>`` (<= 255)    Campaign Manager ad name
Ad Status              ``Paused``
Introductory Text      the variant's intro text                       single image ad specs (600)
Headline               the variant's headline                         single image ad specs (200)
Destination URL        the campaign's landing page
Call to Action         ``callToAction`` label enum, e.g. LEARN_MORE   Marketing API CallToActionLabel
Image / Video File     the file in media/ to upload                   (worksheet only)
=====================  =============================================  ===============================

Media (LinkedIn single image and video ad specs): images JPG/PNG up to 5 MB at 1.91:1
(1200x628, at least 640x360), 1:1 (1200x1200, at least 360x360) or 4:5 (1080x1350, at least
360x450); videos MP4 up to 200 MB, 3 s to 30 min, at 16:9, 1:1 or 9:16. A smaller source is
written at its own size, never blown up (a 1080 px square stays 1080 px).
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.export.base import (
    ExportItem,
    ExportOptions,
    ExportProblem,
    MediaRules,
    MediaTarget,
    PreparedMedia,
    SheetLayout,
    ad_name_problem,
    check_final_url,
    ids_not_accepted,
    keep_media,
    objective_problem,
)
from studio.export.sheets import UTF8_CSV
from studio.imaging.formats import LANDSCAPE, PORTRAIT

#: The studio's objectives as Campaign Manager's. LinkedIn retired its app-install objective,
#: so ``app_installs`` campaigns are refused rather than silently turned into something else.
OBJECTIVES = {
    "awareness": "Brand awareness",
    "traffic": "Website visits",
    "engagement": "Engagement",
    "leads": "Lead generation",
    "sales": "Website conversions",
}

COLUMNS: tuple[str, ...] = (
    "Campaign Group Name",
    "Campaign Name",
    "Campaign Objective",
    "Ad Format",
    "Ad Name",
    "Ad Status",
    "Introductory Text",
    "Headline",
    "Destination URL",
    "Call to Action",
    "Image File Name",
    "Video File Name",
)

FIELD_COLUMNS = {
    "intro_text": "Introductory Text",
    "headline": "Headline",
    "call_to_action": "Call to Action",
}
MAX_AD_NAME = 255
WORKSHEET_FILE = "linkedin_WORKSHEET_not_an_import_file.csv"
WORKSHEET_LABEL = (
    "WORKSHEET, not an import file: LinkedIn documents no bulk ad import. Create each row as an "
    "ad in Campaign Manager with its file from media/.",
)

MEDIA = MediaRules(
    need="image_or_video",
    targets=(
        MediaTarget("image", "1.91:1", LANDSCAPE.width, LANDSCAPE.height, 640, 360),
        MediaTarget("image", "1:1", 1200, 1200, 360, 360),
        MediaTarget("image", "4:5", PORTRAIT.width, PORTRAIT.height, 360, 450),
        MediaTarget("video", "16:9", 1920, 1080, 640, 360),
        MediaTarget("video", "1:1", 1080, 1080, 360, 360),
        MediaTarget("video", "9:16", 1080, 1920, 360, 640),
    ),
    image_max_bytes=5 * 2**20,
    video_max_bytes=200 * 2**20,
    video_min_s=3.0,
    video_max_s=30 * 60.0,
)


class LinkedInExporter:
    platform = "linkedin"
    label = "LinkedIn Campaign Manager"
    sheet_file = WORKSHEET_FILE
    sheet_format = UTF8_CSV
    columns = COLUMNS
    media = MEDIA
    import_hint = (
        "LinkedIn Campaign Manager has no bulk ad import: this is a WORKSHEET, not an import "
        "file. Create the campaign group and campaign named in it (or pick existing ones), then "
        "add each row as a single image or video ad with its file from media/, paused."
    )

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        return (
            check_final_url(item)
            + objective_problem(item, self.label, OBJECTIVES)
            + ad_name_problem(item, "LinkedIn", MAX_AD_NAME)
        )

    def layout(self, items: Sequence[ExportItem], options: ExportOptions) -> SheetLayout:
        return SheetLayout(self.sheet_file, self.columns, (WORKSHEET_LABEL,), worksheet=True)

    def check_all(self, items: Sequence[ExportItem], options: ExportOptions) -> list[ExportProblem]:
        return ids_not_accepted(options, self.label)

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
        row = {
            "Campaign Group Name": options.campaign_name(item),
            "Campaign Name": options.group_name(item),
            "Campaign Objective": OBJECTIVES[item.campaign.objective],
            "Ad Format": "Single image" if main.target.kind == "image" else "Video",
            "Ad Name": item.ad_name,
            "Ad Status": "Paused",
            "Destination URL": item.campaign.landing_url.strip(),
        }
        for name, column in FIELD_COLUMNS.items():
            row[column] = str(item.variant.fields.get(name) or "")
        row["Image File Name" if main.target.kind == "image" else "Video File Name"] = (
            main.file_name
        )
        return [row]


EXPORTER = LinkedInExporter()
