"""TikTok: an Ads Manager bulk-import sheet of single-video in-feed ads.

TikTok Ads Manager's bulk import (Tools > Bulk import; CSV UTF-8) takes campaign, ad group and
ad rows. The studio writes one row per variant with the ad-level fields a single-video in-feed
ad needs, named as Ads Manager names them: ``Campaign Name``, ``Advertising Objective``
(e.g. ``Traffic``), ``Ad Group Name``, ``Ad Name``, ``Ad Status`` (``DISABLE``: the ad is
created switched off), ``Ad Format`` (``Single Video``), ``Ad Text``, ``Call to Action``
(TikTok's enum, e.g. ``LEARN_MORE``, enforced by the channel table), ``Landing Page URL``
and ``Video File Name`` (uploaded to the ad account's creative library first). TikTok's own
template carries account-specific columns (identity, budget, targeting) that are set in Ads
Manager after import.

Media (TikTok in-feed video specs): H.264 MP4, 9:16 (1080x1920, at least 540x960), 1:1
(1080x1080, at least 640x640) or 16:9 (1920x1080, at least 960x540), 5-60 s, at most 500 MB.
In-feed ads on TikTok are video only, so a variant without a video cannot be exported here.
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
from studio.imaging.formats import VIDEO_FORMATS

OBJECTIVES = {
    "awareness": "Reach",
    "traffic": "Traffic",
    "engagement": "Community Interaction",
    "leads": "Lead Generation",
    "sales": "Website Conversions",
    "app_installs": "App Promotion",
}

COLUMNS: tuple[str, ...] = (
    "Campaign Name", "Advertising Objective", "Ad Group Name", "Ad Name", "Ad Status", "Ad Format",
    "Ad Text", "Call to Action", "Landing Page URL", "Video File Name",
)  # fmt: skip

FIELD_COLUMNS = {"ad_text": "Ad Text", "call_to_action": "Call to Action"}
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
)


class TikTokExporter:
    platform = "tiktok"
    label = "TikTok Ads Manager"
    sheet_file = "tiktok_ads_manager_import.csv"
    sheet_format = UTF8_CSV
    columns = COLUMNS
    media = MEDIA
    import_hint = (
        "TikTok Ads Manager: upload the videos in media/ to the creative library, then Tools > "
        "Bulk import and choose the CSV (CSV UTF-8). Ads are created switched off (DISABLE); pick "
        "the identity, budget and targeting before switching them on."
    )

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        return (
            check_final_url(item)
            + objective_problem(item, self.label, OBJECTIVES)
            + ad_name_problem(item, "TikTok", MAX_AD_NAME)
        )

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        main = next(m for m in media if m.in_sheet)
        row = {
            "Campaign Name": item.campaign.name,
            "Advertising Objective": OBJECTIVES[item.campaign.objective],
            "Ad Group Name": item.group_name,
            "Ad Name": item.ad_name,
            "Ad Status": "DISABLE",
            "Ad Format": "Single Video",
            "Landing Page URL": item.campaign.landing_url.strip(),
            "Video File Name": main.file_name,
        }
        for name, column in FIELD_COLUMNS.items():
            row[column] = str(item.variant.fields.get(name) or "")
        return [row]


EXPORTER = TikTokExporter()
