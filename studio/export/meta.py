"""Meta (Facebook and Instagram): an Ads Manager bulk-import sheet.

Ads Manager's "Import ads in bulk" (Ads Manager > Export & import > Import ads in bulk) reads
the same columns its "Export to spreadsheet" writes. The studio fills the ones a single-image
or single-video feed ad needs, named as Meta names them: ``Campaign Name``, ``Campaign
Status``, ``Campaign Objective`` (the outcome-based objectives, e.g. ``Outcome Traffic``),
``Buying Type``, ``Ad Set Name``, ``Ad Set Run Status``, ``Ad Name``, ``Ad Status``,
``Title`` (the headline), ``Body`` (the primary text), ``Link Description``, ``Link``,
``Call to Action`` (Meta's enum, e.g. ``SHOP_NOW``, already enforced by the channel table) and
``Image File Name`` or ``Video File Name`` (the files in the zip's ``media/`` folder, which
are uploaded to the ad account's media library first). Everything is imported ``PAUSED``.

Media: feed images at 1:1 (1080x1080), 4:5 (1080x1350), 9:16 (1080x1920) and 1.91:1
(1200x628), JPG, at most 30 MB; videos at the same portrait/square ratios, H.264 MP4, 1 s to
241 min, at most 4 GB (Meta Ads Guide, feed placements).
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
    check_final_url,
    objective_problem,
)
from studio.imaging.formats import LANDSCAPE, PORTRAIT, SQUARE, STORY

#: The studio's objectives (studio.copy.writing.OBJECTIVES) as Meta's outcome-based objectives.
OBJECTIVES = {
    "awareness": "Outcome Awareness",
    "traffic": "Outcome Traffic",
    "engagement": "Outcome Engagement",
    "leads": "Outcome Leads",
    "sales": "Outcome Sales",
    "app_installs": "Outcome App Promotion",
}

COLUMNS: tuple[str, ...] = (
    "Campaign Name", "Campaign Status", "Campaign Objective", "Buying Type",
    "Ad Set Name", "Ad Set Run Status", "Ad Name", "Ad Status",
    "Title", "Body", "Link Description", "Link", "Call to Action",
    "Image File Name", "Video File Name",
)  # fmt: skip

#: Channel field -> Meta column.
FIELD_COLUMNS = {
    "primary_text": "Body",
    "headline": "Title",
    "description": "Link Description",
    "call_to_action": "Call to Action",
}

MEDIA = MediaRules(
    need="image_or_video",
    targets=(
        MediaTarget("image", "1:1", SQUARE.width, SQUARE.height, 600, 600),
        MediaTarget("image", "4:5", PORTRAIT.width, PORTRAIT.height, 600, 750),
        MediaTarget("image", "9:16", STORY.width, STORY.height, 600, 1067),
        MediaTarget("image", "1.91:1", LANDSCAPE.width, LANDSCAPE.height, 600, 314),
        MediaTarget("video", "1:1", 1080, 1080, 120, 120),
        MediaTarget("video", "4:5", 1080, 1350, 120, 150),
        MediaTarget("video", "9:16", 1080, 1920, 120, 213),
    ),
    image_max_bytes=30 * 2**20,
    video_max_bytes=4 * 2**30,
    video_min_s=1.0,
    video_max_s=241 * 60.0,
)


class MetaExporter:
    platform = "meta"
    label = "Meta Ads Manager"
    sheet_file = "meta_ads_manager_import.csv"
    columns = COLUMNS
    media = MEDIA
    import_hint = (
        "Meta Ads Manager: upload the files in media/ to the ad account's media library, then "
        "Export & import > Import ads in bulk and choose the CSV. Campaigns, ad sets and ads arrive PAUSED; "
        "set budgets, audiences and the Page before publishing."
    )

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        return check_final_url(item) + objective_problem(item, self.label, OBJECTIVES)

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        row = {
            "Campaign Name": item.campaign.name,
            "Campaign Status": "PAUSED",
            "Campaign Objective": OBJECTIVES[item.campaign.objective],
            "Buying Type": "AUCTION",
            "Ad Set Name": item.group_name,
            "Ad Set Run Status": "PAUSED",
            "Ad Name": item.ad_name,
            "Ad Status": "PAUSED",
            "Link": item.campaign.landing_url.strip(),
        }
        for name, column in FIELD_COLUMNS.items():
            row[column] = str(item.variant.fields.get(name) or "")
        main = next(m for m in media if m.in_sheet)
        row["Image File Name" if main.target.kind == "image" else "Video File Name"] = (
            main.file_name
        )
        return [row]


EXPORTER = MetaExporter()
