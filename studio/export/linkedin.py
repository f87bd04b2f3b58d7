"""LinkedIn: a Campaign Manager bulk sheet of single-image (or video) sponsored content ads.

One row per variant. Columns are named after Campaign Manager's own fields for campaign
groups, campaigns and single-image ads: ``Campaign Group Name``, ``Campaign Name``,
``Campaign Objective`` (Campaign Manager's objective names, e.g. ``Website visits``), ``Ad
Format``, ``Ad Name`` (up to 255 characters), ``Ad Status``, ``Introductory Text``,
``Headline``, ``Destination URL``, ``Call to Action`` (the ``callToAction`` label enum of the
LinkedIn Marketing API, e.g. ``LEARN_MORE``, enforced by the channel table) and ``Image File
Name`` / ``Video File Name``. Ads are created paused.

Media (LinkedIn single image and video ad specs): images JPG/PNG up to 5 MB at 1.91:1
(1200x628, at least 640x360), 1:1 (1200x1200, at least 360x360) or 4:5 (1080x1350, at least
360x450); videos MP4 up to 200 MB, 3 s to 30 min, at 16:9, 1:1 or 9:16.
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
    ad_name_problem,
    check_final_url,
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
    "Campaign Group Name", "Campaign Name", "Campaign Objective", "Ad Format", "Ad Name", "Ad Status",
    "Introductory Text", "Headline", "Destination URL", "Call to Action", "Image File Name",
    "Video File Name",
)  # fmt: skip

FIELD_COLUMNS = {
    "intro_text": "Introductory Text",
    "headline": "Headline",
    "call_to_action": "Call to Action",
}
MAX_AD_NAME = 255

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
    sheet_file = "linkedin_campaign_manager_ads.csv"
    sheet_format = UTF8_CSV
    columns = COLUMNS
    media = MEDIA
    import_hint = (
        "LinkedIn Campaign Manager: create the campaign group and campaign named in the sheet (or "
        "pick existing ones), then add each row as a single image or video ad with its file from "
        "media/. Ads are created paused."
    )

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        return (
            check_final_url(item)
            + objective_problem(item, self.label, OBJECTIVES)
            + ad_name_problem(item, "LinkedIn", MAX_AD_NAME)
        )

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        main = next(m for m in media if m.in_sheet)
        row = {
            "Campaign Group Name": item.campaign.name,
            "Campaign Name": item.group_name,
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
