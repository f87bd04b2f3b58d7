"""Meta (Facebook and Instagram): an Ads Manager bulk-import sheet of paused single-image ads.

Ads Manager's "Import ads in bulk" (Ads Manager > Export & import > Import ads in bulk) reads
the same one-row-per-ad layout its "Export to spreadsheet" writes: each row carries its
campaign's and ad set's columns too. Every row is ``PAUSED``. Each image is linked to the
placements it was made for: the feed image (4:5, else 1:1, else 1.91:1) runs in an ad set placed
on Facebook and Instagram feeds, the 9:16 image in an ad set placed on Stories and Reels, so no
rendered size is left unused in the zip and no size is cropped by Meta into a placement it was
not made for.

Column -> value studio writes -> source (the verdicts are in docs/exports.md):

=============================  ===========================================  ==================================
column                         value                                        source
=============================  ===========================================  ==================================
Campaign ID                    the existing campaign's id (digits)          Campaign.id (Marketing API); header
                                                                            from Ads Manager exports
Campaign Name                  campaign name (or the existing one)          Campaign.name (Marketing API)
Campaign Status                ``PAUSED``                                   Campaign.Status (SDK enum)
Campaign Objective             ``Outcome Traffic`` ...                      Campaign.Objective OUTCOME_* (SDK);
                                                                            sheet spelling from Ads Manager exports
Buying Type                    ``AUCTION``                                  Campaign.buying_type
Special Ad Categories          ``NONE`` or e.g. ``CREDIT, HOUSING``         Campaign.SpecialAdCategories (SDK enum);
                                                                            required on every campaign
Special Ad Category Country    ISO codes, ``, ``-joined                     Campaign.special_ad_category_country
Ad Set ID                      the existing ad set's id (digits)            AdSet.id; header from Ads Manager
                                                                            exports
Ad Set Name                    ``<campaign> | <persona> | <placement>``     AdSet.name
                               (or the existing ad set; its settings are
                               then not written)
Ad Set Run Status              ``PAUSED``                                   AdSet.Status
Ad Set Daily Budget            platforms.yaml meta.daily_budget             AdSet.daily_budget
Ad Set Time Start              meta.start_time, else the export moment      AdSet.start_time (ISO 8601)
Optimization Goal              meta.optimization_goal                       AdSet.OptimizationGoal (SDK enum)
Billing Event                  meta.billing_event                           AdSet.BillingEvent (SDK enum)
Countries                      meta.countries                               Targeting geo_locations.countries
Age Min, Age Max               meta.age_min / age_max                       Targeting age_min / age_max
Publisher Platforms            ``facebook, instagram`` (or ``facebook``)    Targeting publisher_platforms
Facebook Positions             ``feed`` / ``story, facebook_reels``         Targeting facebook_positions
Instagram Positions            ``stream`` / ``story, reels``                Targeting instagram_positions
Link Object ID                 ``o:<page id>``                              AdCreativeObjectStorySpec.page_id;
                                                                            ``o:`` prefix from Ads Manager exports
Instagram Account ID           ``x:<instagram account id>``                 AdCreative.instagram_user_id;
                                                                            ``x:`` prefix unverified
Ad Name                        ``<campaign> | <persona> | v<id>``           Ad.name
Ad Status                      ``PAUSED``                                   Ad.Status
Title / Body / Link Description the variant's headline / primary text /     AdCreativeLinkData name / message /
                               description                                  description
Link                           the campaign's landing page                  AdCreativeLinkData.link
Call to Action                 Meta's enum, e.g. ``SHOP_NOW``               AdCreativeLinkDataCallToAction.Type
Image Hash                     MD5 of the JPEG in media/                    AdImage.hash: Meta returns it on
                                                                            upload; that it equals the file's
                                                                            MD5 is observed, not documented
Video ID                       the id Meta gave the video on upload         AdCreativeVideoData.video_id (SDK);
                               (``--meta-video-ids``)                       header unverified
=============================  ===========================================  ==================================

Media: feed images at 4:5 (1080x1350), 1:1 (1080x1080) and 1.91:1 (1200x628), Stories and
Reels at 9:16 (1080x1920), JPG, at most 30 MB (Meta Ads Guide, image ads). Videos at the same
placement ratios, MP4 (H.264), 1 s to 241 min, at most 4 GB (Meta Ads Guide, video ads). The
import refers to a video by the id Meta gives it on upload, which studio cannot know: every
video goes into media/ and videos_to_upload.csv; a video's ad is written once its id is given
(the filled-in list, ``--meta-video-ids``), and left out with a warning saying how until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from studio.export.base import (
    ExportItem,
    ExportOptions,
    ExportProblem,
    MediaRules,
    MediaTarget,
    PreparedMedia,
    SettingNeed,
    SheetLayout,
    check_final_url,
    objective_problem,
    settings_problems,
)
from studio.export.sheets import UTF8_CSV
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

CAMPAIGN_COLUMNS = (
    "Campaign ID",
    "Campaign Name",
    "Campaign Status",
    "Campaign Objective",
    "Buying Type",
    "Special Ad Categories",
    "Special Ad Category Country",
)
AD_SET_COLUMNS = (
    "Ad Set ID",
    "Ad Set Name",
    "Ad Set Run Status",
    "Ad Set Daily Budget",
    "Ad Set Time Start",
    "Optimization Goal",
    "Billing Event",
    "Countries",
    "Age Min",
    "Age Max",
    "Publisher Platforms",
    "Facebook Positions",
    "Instagram Positions",
)
AD_COLUMNS = (
    "Link Object ID",
    "Instagram Account ID",
    "Ad Name",
    "Ad Status",
    "Title",
    "Body",
    "Link Description",
    "Link",
    "Call to Action",
    "Image Hash",
    "Video ID",
)
COLUMNS: tuple[str, ...] = (*CAMPAIGN_COLUMNS, *AD_SET_COLUMNS, *AD_COLUMNS)

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
        MediaTarget("image", "4:5", PORTRAIT.width, PORTRAIT.height, 600, 750),
        MediaTarget("image", "1:1", SQUARE.width, SQUARE.height, 600, 600),
        MediaTarget("image", "9:16", STORY.width, STORY.height, 600, 1067),
        MediaTarget("image", "1.91:1", LANDSCAPE.width, LANDSCAPE.height, 600, 314),
        MediaTarget("video", "4:5", PORTRAIT.width, PORTRAIT.height, 500, 625),
        MediaTarget("video", "1:1", SQUARE.width, SQUARE.height, 500, 500),
        MediaTarget("video", "9:16", STORY.width, STORY.height, 500, 889),
    ),
    image_max_bytes=30 * 2**20,
    video_max_bytes=4 * 2**30,
    video_min_s=1.0,
    video_max_s=241 * 60.0,
    video_ids=True,
)


@dataclass(frozen=True)
class Placement:
    """Where one image runs: an ad set placed on these positions.

    Attributes
    ----------
    label : shown in the ad set's name.
    aspects : the image sizes made for it, preferred first.
    facebook_positions, instagram_positions : Marketing API targeting position enums.
    """

    label: str
    aspects: tuple[str, ...]
    facebook_positions: str
    instagram_positions: str


PLACEMENTS = (
    Placement("Feed", ("4:5", "1:1", "1.91:1"), "feed", "stream"),
    Placement("Stories and Reels", ("9:16",), "story, facebook_reels", "story, reels"),
)


def placement_of(media: PreparedMedia) -> Placement:
    return next(p for p in PLACEMENTS if media.target.aspect in p.aspects)


def _needs(item: ExportItem, options: ExportOptions) -> list[SettingNeed]:
    meta = item.settings.meta
    needs = [
        SettingNeed("meta.page_id", meta.page_id is None, "the Facebook Page ID the ads run as")
    ]
    if options.new_ad_group:
        needs += [
            SettingNeed(
                "meta.daily_budget",
                meta.daily_budget is None,
                "each ad set's daily budget, e.g. 15.00",
            ),
            SettingNeed(
                "meta.optimization_goal",
                meta.optimization_goal is None,
                "what each ad set optimises for, e.g. LINK_CLICKS",
            ),
            SettingNeed(
                "meta.billing_event",
                meta.billing_event is None,
                "what you pay for, e.g. IMPRESSIONS",
            ),
            SettingNeed("meta.countries", not meta.countries, "the countries targeted, e.g. [GB]"),
        ]
    if options.new_campaign:
        needs.append(
            SettingNeed(
                "meta.special_ad_categories",
                meta.special_ad_categories is None,
                "the campaign's special ad categories, [] when none applies (housing, "
                "employment, credit, financial products, politics, gambling would)",
            )
        )
    return needs


class MetaExporter:
    platform = "meta"
    label = "Meta Ads Manager"
    sheet_file = "meta_ads_manager_import.csv"
    sheet_format = UTF8_CSV
    columns = COLUMNS
    media = MEDIA
    import_hint = (
        "Meta Ads Manager: first upload the images in media/ to the ad account's Media library "
        "(their hashes must match the sheet's Image Hash), then Export & import > Import ads in "
        "bulk and choose the CSV. Campaigns, ad sets and ads arrive PAUSED. Videos: upload those "
        "in videos_to_upload.csv, write each id Meta shows in its video_id column, and export "
        "again with that file (--meta-video-ids) to add their ads."
    )

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        return check_final_url(item) + objective_problem(item, self.label, OBJECTIVES)

    def layout(self, items: Sequence[ExportItem], options: ExportOptions) -> SheetLayout:
        return SheetLayout(self.sheet_file, self.columns)

    def check_all(self, items: Sequence[ExportItem], options: ExportOptions) -> list[ExportProblem]:
        return settings_problems(items, self.label, lambda item: _needs(item, options))

    def structure_rows(
        self, items: Sequence[ExportItem], options: ExportOptions
    ) -> list[dict[str, str]]:
        return []  # Meta's layout repeats campaign and ad set columns on every ad row

    def link_media(
        self, item: ExportItem, media: Sequence[PreparedMedia]
    ) -> tuple[list[PreparedMedia], list[ExportProblem]]:
        """One image and one video per placement, preferred size first; the others are left
        out, said so. A video's ad is written once Meta's id for it is known (rows)."""
        chosen: dict[tuple[str, str], PreparedMedia] = {}
        for placement in PLACEMENTS:
            for kind in ("image", "video"):
                for aspect in placement.aspects:
                    found = next(
                        (m for m in media if m.target.aspect == aspect and m.target.kind == kind),
                        None,
                    )
                    if found is not None:
                        chosen[placement.label, kind] = replace(found, in_sheet=True)
                        break
        kept = [m for m in chosen.values()]
        dropped = [m for m in media if m.file_name not in {k.file_name for k in kept}]
        warnings = [
            ExportProblem(
                item.variant_id,
                f"asset {m.asset.id}",
                "media_unused",
                f"{m.target.aspect} {m.target.kind} left out: {placement_of(m).label} already "
                f"gets the {chosen[placement_of(m).label, m.target.kind].target.aspect} "
                f"{m.target.kind}",
                "warning",
            )
            for m in dropped
        ]
        return kept, warnings

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        meta = item.settings.meta
        categories = meta.special_ad_categories or []
        start = meta.start_time or datetime.now(UTC).replace(microsecond=0)
        rows = []
        # A video's ad needs the id Meta gave the video on upload; without it the video waits
        # in media/ and videos_to_upload.csv (the pipeline warns how to get the id).
        ads = [m for m in media if m.target.kind == "image" or options.video_id(m)]
        for image in ads:
            placement = placement_of(image)
            kind = "" if image.target.kind == "image" else " | Video"
            row = {
                "Campaign ID": options.campaign_id or "",
                "Campaign Name": options.campaign_name(item),
                "Ad Set ID": options.ad_group_id or "",
                "Link Object ID": f"o:{meta.page_id}",
                "Instagram Account ID": f"x:{meta.instagram_account_id}"
                if meta.instagram_account_id
                else "",
                "Ad Name": item.ad_name
                if len(ads) == 1
                else f"{item.ad_name} | {placement.label}{kind}",
                "Ad Status": "PAUSED",
                "Link": item.campaign.landing_url.strip(),
            }
            if image.target.kind == "image":
                row["Image Hash"] = (
                    image.md5 or f"(MD5 of media/{image.file_name}, set when exported)"
                )
            else:
                row["Video ID"] = str(options.video_id(image))
            if options.new_ad_group:
                row |= {
                    "Ad Set Name": f"{item.group_name} | {placement.label}",
                    "Ad Set Run Status": "PAUSED",
                    "Ad Set Daily Budget": f"{meta.daily_budget:.2f}",
                    "Ad Set Time Start": start.isoformat(),
                    "Optimization Goal": str(meta.optimization_goal),
                    "Billing Event": str(meta.billing_event),
                    "Countries": ", ".join(meta.countries),
                    "Age Min": str(meta.age_min),
                    "Age Max": str(meta.age_max),
                    "Publisher Platforms": "facebook, instagram"
                    if meta.instagram_account_id
                    else "facebook",
                    "Facebook Positions": placement.facebook_positions,
                    "Instagram Positions": placement.instagram_positions
                    if meta.instagram_account_id
                    else "",
                }
            else:
                row["Ad Set Name"] = options.group_name(item)
            if options.new_campaign:
                row |= {
                    "Campaign Status": "PAUSED",
                    "Campaign Objective": OBJECTIVES[item.campaign.objective],
                    "Buying Type": "AUCTION",
                    "Special Ad Categories": ", ".join(categories) or "NONE",
                    "Special Ad Category Country": ", ".join(meta.special_ad_category_countries),
                }
            for name, column in FIELD_COLUMNS.items():
                row[column] = str(item.variant.fields.get(name) or "")
            rows.append(row)
        return rows


EXPORTER = MetaExporter()
