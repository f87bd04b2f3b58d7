"""Google Ads: a Google Ads Editor import of paused Search campaigns, ad groups and responsive search ads.

Google Ads Editor (Account > Import > From file) reads one entity per row: a campaign row, an
ad group row, then the ad rows, each naming its campaign and ad group. Everything is written
``Paused``, so nothing spends until a person enables it in Editor and posts.

File format: UTF-16 (little-endian, with a byte-order mark) and tab-separated, the format of
the files Editor itself exports, so the sheet opens in Excel with every accent and CJK
character intact and Editor reads it back without an encoding question. No Google page in the
corpus states the encoding Editor *requires*; its CSV help (below) says headers must be in
English, "capitalization and spaces don't matter", and one row describes one entity.

Column -> value -> source (verdict in docs/exports.md):

=====================  ==================================  ==========================================
column                 value studio writes                 source
=====================  ==================================  ==========================================
Campaign               campaign name (or the existing one)  Editor CSV columns, answer/57747
Campaign ID            the existing campaign's id          Google Ads scripts bulk upload entities
                                                           ("specify either Campaign ID, or Campaign")
Campaign Type          ``Search`` (campaign row)           answer/57747 lists ``Search``
Networks               ``Google search``                   answer/57747 ("Google Search; Search
                                                           Partners; ...", semicolon-separated)
Budget                 platforms.yaml google_ads.daily_budget  answer/57747 ("Campaign daily budget /
                                                           Daily budget / Budget", > 0)
Budget type            ``Daily``                           Editor's own exports (no help page found)
Bid Strategy Type      google_ads.bid_strategy             Editor's own exports; values as in
                                                           BiddingStrategyType (Google Ads API)
Languages              google_ads.languages, ``;``-joined  answer/57747 ("Language targeting /
                                                           Language / Languages", codes, ``;``)
EU political ads       ``Doesn't have EU political ads`` / Google Ads API Campaign.contains_eu_
                       ``Has EU political ads``            political_advertising (required since 2025);
                                                           Editor column name and values from Editor
                                                           exports, no help page found
Campaign Status        ``Paused`` (campaign row)           Editor's own exports
Ad Group               ``<campaign> | <persona>``          answer/57747
                       (or the existing ad group)
Ad group ID            the existing ad group's id          bulk upload entities (ad groups: "provide
                                                           the ad group ID")
Ad Group Status        ``Paused`` (ad group row)           Editor's own exports
Max CPC                the ad group's bid, Manual CPC only  answer/57747 and the bulk upload entities
                       (``--max-cpc`` or google_ads.max_cpc) list it; AdGroup.cpc_bid_micros
Ad type                ``Responsive search ad``            Editor's own exports
Status                 ``Paused`` (ad rows)                Editor's own exports (``Ad status`` is the
                                                           web bulk-upload template's header)
Headline 1..15         the variant's headlines             ResponsiveSearchAdInfo.headlines (3-15)
Headline N position    pin 1-3                             AdTextAsset.pinned_field HEADLINE_1..3
Description 1..4       the variant's descriptions          ResponsiveSearchAdInfo.descriptions (2-4)
Description N position pin 1-2                             AdTextAsset.pinned_field DESCRIPTION_1..2
Path 1, Path 2         display path segments               ResponsiveSearchAdInfo.path1/path2
Final URL              the campaign's landing page         Ad.final_urls
=====================  ==================================  ==========================================

Pin positions: Google shows three headlines and two descriptions, in any order, unless a text
is pinned. A headline may be pinned to position 1, 2 or 3 and a description to 1 or 2; each
of headline positions 1 and 2 and description position 1 must keep at least one text that
can fill it (pinned there or unpinned), or Google rejects the ad. An ad group can have at most
three enabled responsive search ads (support.google.com/google-ads/answer/7684791); more are
written paused with a warning.

How many headline and description columns there are, and their names, come from the channel
table (:data:`studio.copy.channels.CHANNELS`, field labels and ``max_count``), so the sheet and
the copy limits cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from studio.copy.channels import get_channel
from studio.export.base import (
    ExportItem,
    ExportOptions,
    ExportProblem,
    MediaRules,
    PreparedMedia,
    RsaPins,
    SettingNeed,
    SheetLayout,
    check_final_url,
    keep_media,
    settings_problems,
)
from studio.export.sheets import SheetFormat

_RSA = get_channel("google_rsa")
_HEADLINES = _RSA.field("headlines")
_DESCRIPTIONS = _RSA.field("descriptions")

HEADLINE_POSITIONS = (1, 2, 3)
#: A common choice: the first headline (usually the brand or offer) always shown first.
PIN_FIRST_HEADLINE = RsaPins(headlines={0: 1})
DESCRIPTION_POSITIONS = (1, 2)


def _numbered(label: str, count: int) -> list[str]:
    return [f"{label} {i}" for i in range(1, count + 1)]


HEADLINE_COLUMNS = _numbered(_HEADLINES.label, _HEADLINES.max_count)
DESCRIPTION_COLUMNS = _numbered(_DESCRIPTIONS.label, _DESCRIPTIONS.max_count)
#: Editor's own export format: UTF-16 with a byte-order mark, tab-separated.
EDITOR_FORMAT = SheetFormat(encoding="utf-16", delimiter="\t")
#: Google Ads allows at most this many enabled responsive search ads per ad group.
MAX_ENABLED_RSAS_PER_AD_GROUP = 3
PAUSED = "Paused"

COLUMNS: tuple[str, ...] = (
    "Campaign",
    "Campaign ID",
    "Campaign Type",
    "Networks",
    "Budget",
    "Budget type",
    "Bid Strategy Type",
    "Languages",
    "EU political ads",
    "Campaign Status",
    "Ad Group",
    "Ad group ID",
    "Ad Group Status",
    "Max CPC",
    "Ad type",
    "Status",
    *HEADLINE_COLUMNS,
    *(f"{c} position" for c in HEADLINE_COLUMNS),
    *DESCRIPTION_COLUMNS,
    *(f"{c} position" for c in DESCRIPTION_COLUMNS),
    _RSA.field("path1").label,
    _RSA.field("path2").label,
    "Final URL",
)


def _check_pins(
    vid: int,
    pins: dict[int, int],
    count: int,
    positions: tuple[int, ...],
    kind: str,
    required: tuple[int, ...],
) -> list[ExportProblem]:
    problems: list[ExportProblem] = []
    for index, position in sorted(pins.items()):
        if not 0 <= index < count:
            problems.append(
                ExportProblem(
                    vid,
                    f"{kind} pins",
                    "pin_index",
                    f"{kind} {index + 1} is pinned but the ad has {count} {kind}s",
                )
            )
        if position not in positions:
            problems.append(
                ExportProblem(
                    vid,
                    f"{kind} pins",
                    "pin_position",
                    f"{kind} {index + 1} is pinned to position {position}; "
                    f"{kind}s can be pinned to {', '.join(map(str, positions))}",
                )
            )
    unpinned = count - len([i for i in pins if 0 <= i < count])
    if not unpinned:
        for position in required:
            if position not in pins.values():
                problems.append(
                    ExportProblem(
                        vid,
                        f"{kind} pins",
                        "pin_coverage",
                        f"every {kind} is pinned and none to position {position}, which Google must fill; "
                        f"pin one there or leave one unpinned",
                    )
                )
    return problems


MANUAL_CPC = "Manual CPC"


def max_cpc(item: ExportItem, options: ExportOptions) -> Decimal | None:
    """The max CPC written on the item's new ad group: ``options.max_cpc``, else the brand's
    ``google_ads.max_cpc`` when studio creates a Manual CPC campaign; ``None`` for no bid."""
    if options.max_cpc is not None:
        return options.max_cpc
    google = item.settings.google_ads
    if options.new_campaign and google.bid_strategy == MANUAL_CPC:
        return google.max_cpc
    return None


def _bid_problems(items: Sequence[ExportItem], options: ExportOptions) -> list[ExportProblem]:
    """A max CPC where no ad group row takes it, or one under an automated bid strategy."""
    if options.max_cpc is None or not items:
        return []
    if not options.new_ad_group:
        return [
            ExportProblem(
                None,
                "max_cpc",
                "max_cpc",
                "max_cpc is for the ad groups studio creates; the ads go into an existing ad "
                "group, whose bid is set in Google Ads: leave max_cpc out",
            )
        ]
    strategies = {i.settings.google_ads.bid_strategy for i in items}
    if options.new_campaign and strategies != {MANUAL_CPC}:
        shown = ", ".join(sorted(str(s) for s in strategies))
        return [
            ExportProblem(
                None,
                "max_cpc",
                "max_cpc",
                f"max_cpc {options.max_cpc} applies to Manual CPC bidding only; the new "
                f"campaign bids with {shown} (google_ads.bid_strategy): leave max_cpc out or set "
                "bid_strategy: Manual CPC",
            )
        ]
    return []


def _needs(item: ExportItem, options: ExportOptions) -> list[SettingNeed]:
    if not options.new_campaign:
        return []
    google = item.settings.google_ads
    manual = google.bid_strategy == MANUAL_CPC and options.new_ad_group
    return [
        *(
            [
                SettingNeed(
                    "google_ads.max_cpc",
                    max_cpc(item, options) is None,
                    "each new ad group's max CPC for Manual CPC bidding, in the account's "
                    "currency, e.g. 0.80 (or give --max-cpc)",
                )
            ]
            if manual
            else []
        ),
        SettingNeed(
            "google_ads.daily_budget",
            google.daily_budget is None,
            "the new campaign's daily budget in the account's currency, e.g. 25.00",
        ),
        SettingNeed(
            "google_ads.bid_strategy",
            google.bid_strategy is None,
            "how Google bids, e.g. Maximize clicks or Manual CPC",
        ),
        SettingNeed(
            "google_ads.languages",
            not google.languages,
            "the language codes the campaign targets, e.g. [en]",
        ),
        SettingNeed(
            "google_ads.eu_political_ads",
            google.eu_political_ads is None,
            "whether the campaign contains EU political advertising (true or false); Google "
            "refuses to post a new campaign without the answer",
        ),
    ]


class GoogleAdsExporter:
    platform = "google_ads"
    label = "Google Ads Editor"
    sheet_file = "google_ads_editor_import.csv"
    sheet_format = EDITOR_FORMAT
    columns = COLUMNS
    media = MediaRules(need="none")
    import_hint = (
        "Google Ads Editor: Account > Import > From file, choose the file (UTF-16, tab-separated, "
        "as Editor exports), review the proposed changes, then Post. The campaign, ad groups and "
        "ads arrive paused; enable at most 3 responsive search ads per ad group."
    )

    def layout(self, items: Sequence[ExportItem], options: ExportOptions) -> SheetLayout:
        return SheetLayout(self.sheet_file, self.columns)

    def check_all(self, items: Sequence[ExportItem], options: ExportOptions) -> list[ExportProblem]:
        problems = settings_problems(items, self.label, lambda item: _needs(item, options))
        problems += _bid_problems(items, options)
        per_group = Counter((options.campaign_name(i), options.group_name(i)) for i in items)
        for (campaign, group), count in sorted(per_group.items()):
            if count > MAX_ENABLED_RSAS_PER_AD_GROUP:
                problems.append(
                    ExportProblem(
                        None,
                        f"ad group {group!r}",
                        "ads_per_ad_group",
                        f"{count} responsive search ads go into ad group {group!r} of campaign "
                        f"{campaign!r}; Google allows at most {MAX_ENABLED_RSAS_PER_AD_GROUP} "
                        "enabled per ad group: they arrive paused, enable the best 3",
                        "warning",
                    )
                )
        return problems

    def structure_rows(
        self, items: Sequence[ExportItem], options: ExportOptions
    ) -> list[dict[str, str]]:
        """A campaign row per new campaign, then an ad group row per new ad group, all paused;
        an existing campaign or ad group (by name or id) gets no row."""
        rows: list[dict[str, str]] = []
        campaigns: dict[str, ExportItem] = {}
        groups: dict[tuple[str, str], ExportItem] = {}
        for item in items:
            campaigns.setdefault(options.campaign_name(item), item)
            groups.setdefault((options.campaign_name(item), options.group_name(item)), item)
        if options.new_campaign:
            for name, item in campaigns.items():
                google = item.settings.google_ads
                assert google.daily_budget is not None and google.eu_political_ads is not None
                rows.append(
                    {
                        "Campaign": name,
                        "Campaign Type": "Search",
                        "Networks": "Google search",
                        "Budget": f"{google.daily_budget:.2f}",
                        "Budget type": "Daily",
                        "Bid Strategy Type": str(google.bid_strategy),
                        "Languages": ";".join(google.languages),
                        "EU political ads": "Has EU political ads"
                        if google.eu_political_ads
                        else "Doesn't have EU political ads",
                        "Campaign Status": PAUSED,
                    }
                )
        if options.new_ad_group:
            for (campaign, group), item in groups.items():
                bid = max_cpc(item, options)
                rows.append(
                    {
                        "Campaign": campaign,
                        "Campaign ID": options.campaign_id or "",
                        "Ad Group": group,
                        "Ad Group Status": PAUSED,
                        "Max CPC": "" if bid is None else f"{bid:.2f}",
                    }
                )
        return rows

    def check(self, item: ExportItem, options: ExportOptions) -> list[ExportProblem]:
        problems = check_final_url(item)
        pins = options.pins_for(item.variant_id)
        if pins is not None:
            fields = item.variant.fields
            n_head = len(fields.get("headlines") or [])
            n_desc = len(fields.get("descriptions") or [])
            problems += _check_pins(
                item.variant_id,
                dict(pins.headlines),
                n_head,
                HEADLINE_POSITIONS,
                "headline",
                required=(1, 2),
            )
            problems += _check_pins(
                item.variant_id,
                dict(pins.descriptions),
                n_desc,
                DESCRIPTION_POSITIONS,
                "description",
                required=(1,),
            )
        return problems

    def link_media(
        self, item: ExportItem, media: Sequence[PreparedMedia]
    ) -> tuple[list[PreparedMedia], list[ExportProblem]]:
        return keep_media(item, media)

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        fields = item.variant.fields
        pins = options.pins_for(item.variant_id) or RsaPins()
        row = {
            "Campaign": options.campaign_name(item),
            "Campaign ID": options.campaign_id or "",
            "Ad Group": options.group_name(item),
            "Ad group ID": options.ad_group_id or "",
            "Ad type": "Responsive search ad",
            "Status": PAUSED,
            _RSA.field("path1").label: str(fields.get("path1") or ""),
            _RSA.field("path2").label: str(fields.get("path2") or ""),
            "Final URL": item.campaign.landing_url.strip(),
        }
        for i, text in enumerate(fields.get("headlines") or []):
            row[HEADLINE_COLUMNS[i]] = str(text)
            if i in pins.headlines:
                row[f"{HEADLINE_COLUMNS[i]} position"] = str(pins.headlines[i])
        for i, text in enumerate(fields.get("descriptions") or []):
            row[DESCRIPTION_COLUMNS[i]] = str(text)
            if i in pins.descriptions:
                row[f"{DESCRIPTION_COLUMNS[i]} position"] = str(pins.descriptions[i])
        return [row]


EXPORTER = GoogleAdsExporter()
