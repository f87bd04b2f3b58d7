"""Google Ads: a Google Ads Editor CSV of responsive search ads.

One row per variant with the column names Google Ads Editor uses in its own CSV exports and
imports (Account > Import > From file): ``Campaign``, ``Ad group``, ``Ad type`` (``Responsive
search ad``), ``Ad status``, ``Headline 1`` to ``Headline 15`` with ``Headline N position``,
``Description 1`` to ``Description 4`` with ``Description N position``, ``Path 1``, ``Path 2``
and ``Final URL``. How many headline and description columns there are, and their names, come
from the channel table (:data:`studio.copy.channels.CHANNELS`, field labels and ``max_count``), so
the sheet and the copy limits cannot disagree.

Pin positions: Google shows three headlines and two descriptions, in any order, unless a text
is pinned. A headline may be pinned to position 1, 2 or 3 and a description to 1 or 2; each
of headline positions 1 and 2 and description position 1 must keep at least one text that
can fill it (pinned there or unpinned), or Google rejects the ad. Ads are imported paused.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.copy.channels import get_channel
from studio.export.base import (
    ExportItem,
    ExportOptions,
    ExportProblem,
    MediaRules,
    PreparedMedia,
    RsaPins,
    check_final_url,
)
from studio.export.sheets import UTF8_CSV

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
COLUMNS: tuple[str, ...] = (
    "Campaign", "Ad group", "Ad type", "Ad status",
    *HEADLINE_COLUMNS, *(f"{c} position" for c in HEADLINE_COLUMNS),
    *DESCRIPTION_COLUMNS, *(f"{c} position" for c in DESCRIPTION_COLUMNS),
    _RSA.field("path1").label, _RSA.field("path2").label, "Final URL",
)  # fmt: skip


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
                problems.append(ExportProblem(
                    vid, f"{kind} pins", "pin_coverage",
                    f"every {kind} is pinned and none to position {position}, which Google must fill; "
                    f"pin one there or leave one unpinned",
                ))  # fmt: skip
    return problems


class GoogleAdsExporter:
    platform = "google_ads"
    label = "Google Ads Editor"
    sheet_file = "google_ads_editor_responsive_search_ads.csv"
    sheet_format = UTF8_CSV
    columns = COLUMNS
    media = MediaRules(need="none")
    import_hint = (
        "Google Ads Editor: Account > Import > From file, choose the CSV, review the proposed "
        "changes, then Post. Ads arrive paused; campaigns and ad groups not in the account are created."
    )

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

    def rows(
        self, item: ExportItem, media: Sequence[PreparedMedia], options: ExportOptions
    ) -> list[dict[str, str]]:
        fields = item.variant.fields
        pins = options.pins_for(item.variant_id) or RsaPins()
        row = {
            "Campaign": item.campaign.name,
            "Ad group": item.group_name,
            "Ad type": "Responsive search ad",
            "Ad status": "Paused",
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
