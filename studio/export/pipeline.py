"""The export pipeline: select, check, encode, write one zip atomically, record.

1. **Select** (:func:`select_variants`): every exportable variant of a campaign on the
   platform's channels, a test's winner(s), or variants named one by one.
2. **Refuse the unapproved** (:class:`~studio.export.base.NotApproved`): only statuses from
   which the review state machine allows the ``export`` move (approved, winner), plus variants
   already exported (a re-export), may go out; the refusal names each variant and its status.
   With :attr:`~studio.export.base.ExportOptions.leave_out_not_ready` the variants that are not
   ready (unapproved, or with an error of their own at step 3) are left out instead, each with
   its reasons (:class:`~studio.export.base.LeftOut`, kept in the manifest and the audit entry).
3. **Check before writing** (:func:`plan_export`): every field against the channel table
   (:func:`studio.copy.channels.check_fields`, the limits copy generation uses), the platform's own
   rules (landing URL, objective, pins) and the media (right sizes present, files on disk and
   unchanged since they were made, brand QC passed). Only the media the variant had when a
   person approved it are considered (:func:`studio.review.workflow.approved_media`); files
   made later are left out with a warning. Any error stops the export with the full list
   (:class:`~studio.export.base.ExportBlocked`); nothing is written.
4. **Encode** the media to the platform's specs in a private work folder beside the output
   (more checks: file size, video length).
5. **Write** the sheet (in the encoding and delimiter its importer reads; a cell a spreadsheet
   would run as a formula stops the export at step 3, :mod:`studio.export.sheets`), the media and
   ``manifest.json`` into a zip, staged as a hidden file beside the output.
6. **Record**: each variant moves to ``exported`` through :func:`studio.review.workflow.transition`
   (which enforces the ``export`` permission), an :class:`~studio.core.models.ExportRecord` row and
   an audit entry hold the zip's SHA-256. The caller commits, as with every library write, and
   the commit renames the staged zip into place (:func:`studio.core.files.stage_for_commit`): a
   reader sees no file or the whole zip, and never a zip without its record. What a killed
   export leaves is swept by the next one into that folder.

The manifest carries, per variant: its copy and generation record, the approval record
(review decisions and audit trail), its scores, the results of every test it ran in, and the
provenance of every asset file.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlmodel import Session

from studio.brand.guidelines import BrandFileError, Guideline, load_brand
from studio.brand.platforms import PlatformSettings, load_platform_settings
from studio.copy import variants as variant_queries
from studio.copy.channels import check_fields, field_texts
from studio.core import audit, files
from studio.core.errors import InvalidValue, NotFound
from studio.core.models import Variant, VariantStatus, utcnow
from studio.core.settings import get_settings
from studio.experiments import queries as experiment_queries
from studio.export import media as media_mod
from studio.export import queries as export_queries
from studio.export.base import (
    VIDEOS_TO_UPLOAD,
    VIDEOS_TO_UPLOAD_COLUMNS,
    ExportBlocked,
    ExportError,
    ExportItem,
    ExportOptions,
    ExportProblem,
    LeftOut,
    NotApproved,
    NothingToExport,
    PlatformExporter,
    PreparedMedia,
    SheetLayout,
    channels_of,
)
from studio.export.registry import get_exporter
from studio.export.sheets import UTF8_CSV, formula_cells, sheet_bytes
from studio.review import queries as review_queries
from studio.review.accounts import Permission, require

S = VariantStatus
MANIFEST_FORMAT = "studio-export/1"
MANIFEST_FILE = "manifest.json"
MEDIA_DIR = "media"
#: ``ExportRecord.file_name`` holds the zip's absolute path in a 512-character column.
MAX_PATH_LENGTH = 512


def exportable_statuses() -> frozenset[VariantStatus]:
    """Statuses that may be exported: sources of the state machine's ``export`` move, and ``exported``."""
    from studio.review.workflow import MOVES

    return frozenset({m.source for m in MOVES if m.target == S.exported} | {S.exported})


# --------------------------------------------------------------------------------------------
# What to export
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportScope:
    """Which variants an export covers: a campaign's, a test's winners, or a list."""

    kind: Literal["campaign", "test", "variants"]
    campaign_id: int | None = None
    test_id: int | None = None
    variant_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "campaign" and self.campaign_id is None:
            raise InvalidValue("a campaign scope needs campaign_id")
        if self.kind == "test" and self.test_id is None:
            raise InvalidValue("a test scope needs test_id")
        if self.kind == "variants" and not self.variant_ids:
            raise InvalidValue("a variants scope needs at least one variant id")

    @classmethod
    def campaign(cls, campaign_id: int) -> ExportScope:
        return cls("campaign", campaign_id=campaign_id)

    @classmethod
    def test(cls, test_id: int) -> ExportScope:
        return cls("test", test_id=test_id)

    @classmethod
    def variants(cls, variant_ids: Sequence[int]) -> ExportScope:
        return cls("variants", variant_ids=tuple(variant_ids))

    @property
    def label(self) -> str:
        """``campaign:3``, ``test:2`` or ``variants:4,5`` (stored in ``ExportRecord.scope``)."""
        if self.kind == "campaign":
            return f"campaign:{self.campaign_id}"
        if self.kind == "test":
            return f"test:{self.test_id}"
        return "variants:" + ",".join(map(str, self.variant_ids))


def select_variants(session: Session, *, platform: str, scope: ExportScope) -> list[Variant]:
    """The variants ``scope`` names, in id order.

    A campaign contributes only its exportable variants on the platform's channels; a test
    contributes its winner (``Experiment.winner_arm_id``) and any arm declared ``winner``.
    Named variants are returned whatever their status (they are refused later, by name).

    Raises
    ------
    NothingToExport
        The campaign, test or a variant does not exist, or nothing in it can be exported; the
        message says what there is instead.
    """
    channels = channels_of(platform)
    allowed = sorted(s.value for s in exportable_statuses())
    if scope.kind == "campaign":
        assert scope.campaign_id is not None
        try:
            campaign = variant_queries.get_campaign(session, campaign_id=scope.campaign_id)
        except NotFound as exc:
            raise NothingToExport(str(exc)) from None
        found = list(
            export_queries.list_campaign_variants(
                session, campaign_id=scope.campaign_id, channels=channels, statuses=allowed
            )
        )
        if not found:
            counts = export_queries.count_campaign_statuses(
                session, campaign_id=scope.campaign_id, channels=channels
            )
            have = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none at all"
            raise NothingToExport(
                f"campaign {scope.campaign_id} ({campaign.name!r}) has no {', '.join(allowed)} variant "
                f"on {', '.join(channels)}; its variants there: {have}"
            )
        return found
    if scope.kind == "test":
        assert scope.test_id is not None
        experiment = experiment_queries.get_experiment(session, experiment_id=scope.test_id)
        if experiment is None:
            raise NothingToExport(f"no test with id {scope.test_id}")
        arms = experiment_queries.list_arms(session, experiment_id=scope.test_id)
        variants = export_queries.get_variants(session, variant_ids=[a.variant_id for a in arms])
        winners = {a.variant_id for a in arms if a.id == experiment.winner_arm_id}
        winners |= {vid for vid, v in variants.items() if v.status == S.winner}
        if not winners:
            raise NothingToExport(
                f"test {scope.test_id} ({experiment.name!r}, {experiment.status}) has no winner yet; "
                "declare one on the Tests page first, or export its variants by campaign"
            )
        return [variants[vid] for vid in sorted(winners)]
    found_by_id = export_queries.get_variants(session, variant_ids=list(scope.variant_ids))
    missing = [vid for vid in scope.variant_ids if vid not in found_by_id]
    if missing:
        raise NothingToExport(f"no variant with id {', '.join(map(str, missing))}")
    return [found_by_id[vid] for vid in sorted(set(scope.variant_ids))]


def require_exportable(variants: Sequence[Variant]) -> None:
    """Refuse, naming each, variants not in an exportable status (see :func:`exportable_statuses`)."""
    allowed = exportable_statuses()
    refused = [(v.id or 0, str(v.status)) for v in variants if v.status not in allowed]
    if refused:
        raise NotApproved(refused, sorted(s.value for s in allowed))


# --------------------------------------------------------------------------------------------
# Checking and previewing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportPlan:
    """Everything an export would write, checked, before anything is written.

    Attributes
    ----------
    exporter : the platform's exporter.
    scope : what was asked for.
    items : the variants, each with its campaign, assets and test arms.
    rows : the sheet's rows as they will be written, for variants without errors (Meta's image
        hashes are filled in once the images are encoded).
    row_items : the items those rows are for.
    layout : the sheet's file name, header and preamble.
    media : planned media files, per variant in preference order.
    problems : errors; the export is refused while there is any.
    warnings : things to look at that do not stop it (truncation, unused assets).
    """

    exporter: PlatformExporter
    scope: ExportScope
    options: ExportOptions
    items: tuple[ExportItem, ...]
    rows: tuple[dict[str, str], ...]
    row_items: tuple[ExportItem, ...]
    layout: SheetLayout
    media: tuple[PreparedMedia, ...]
    problems: tuple[ExportProblem, ...]
    warnings: tuple[ExportProblem, ...]
    left_out: tuple[LeftOut, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def can_leave_out(self) -> bool:
        """Whether leaving out the variants with problems would let the others go
        (:attr:`ExportOptions.leave_out_not_ready`): every problem is a variant's own, and at
        least one variant has none."""
        return (
            bool(self.problems)
            and all(p.variant_id is not None for p in self.problems)
            and bool(self.row_items)
        )

    @property
    def variant_ids(self) -> list[int]:
        return [item.variant_id for item in self.items]


def _items(session: Session, variants: Sequence[Variant]) -> list[ExportItem]:
    from studio.review.workflow import approved_media

    ids = [v.id for v in variants if v.id is not None]
    campaigns = export_queries.get_campaigns(
        session, campaign_ids=[v.campaign_id for v in variants]
    )
    # Exactly the media a person approved with the copy; later files never ship.
    assets = approved_media(session, variant_ids=ids)
    arms = export_queries.arms_for_variants(session, variant_ids=ids)
    return [
        ExportItem(
            variant=v,
            campaign=campaigns[v.campaign_id],
            assets=tuple(a for a in assets if a.variant_id == v.id),
            arms=tuple(a for a in arms if a.variant_id == v.id),
        )
        for v in variants
    ]


def _unapproved_warnings(session: Session, items: Sequence[ExportItem]) -> list[ExportProblem]:
    from studio.review.workflow import unapproved_media

    return [
        ExportProblem(
            a.variant_id,
            f"asset {a.id}",
            "media_unapproved",
            f"{a.kind} {a.width}x{a.height} left out: it was made after the variant was approved, "
            "and only approved media are exported",
            "warning",
        )
        for a in unapproved_media(session, variant_ids=[item.variant_id for item in items])
    ]


def _field_problems(item: ExportItem, platform: str, label: str) -> list[ExportProblem]:
    if item.variant.channel not in channels_of(platform):
        return [
            ExportProblem(
                item.variant_id,
                "(variant)",
                "channel",
                f"written for channel {item.variant.channel!r}; {label} takes "
                f"{', '.join(channels_of(platform))}",
            )
        ]
    return [
        ExportProblem(item.variant_id, v.field, v.rule, v.reason, v.severity)
        for v in check_fields(item.variant.channel, item.variant.fields, include_truncation=True)
    ]


def _formula_problems(
    item: ExportItem, columns: Sequence[str], rows: Sequence[dict[str, str]]
) -> list[ExportProblem]:
    """A cell a spreadsheet would run as a formula stops the export, named by variant and field.

    The cell is never altered (a leading apostrophe would change the ad the platform imports);
    the copy or the campaign name has to be reworded instead.
    """
    fields = {text: where for where, text in field_texts(item.variant.channel, item.variant.fields)}
    problems = []
    for cell in formula_cells(columns, rows):
        where = fields.get(cell.text, cell.column)
        source = "the copy" if cell.text in fields else f"the {cell.column!r} column"
        problems.append(
            ExportProblem(
                item.variant_id,
                where,
                "formula_cell",
                f"{cell.text[:40]!r} starts with {cell.text[:1]!r}, which a spreadsheet runs as a "
                f"formula ({cell.column!r} column); reword {source} so it starts otherwise "
                "(the studio never alters ad text on the way out)",
            )
        )
    return problems


def _with_settings(
    items: Sequence[ExportItem], brand_dir: Path
) -> tuple[list[ExportItem], list[ExportProblem]]:
    """Each item with its brand's ``platforms.yaml``; a file that does not validate is a problem."""
    loaded: dict[str, tuple[PlatformSettings, list[BrandFileError]]] = {}
    out, problems = [], []
    for item in items:
        brand = item.variant.brand
        if brand not in loaded:
            loaded[brand] = load_platform_settings(brand_dir / brand)
            problems += [
                ExportProblem(
                    None,
                    f"{e.file} · {e.field}",
                    "settings_invalid",
                    f"{e.problem}; fix the file on the Brand page",
                )
                for e in loaded[brand][1]
            ]
        out.append(replace(item, settings=loaded[brand][0], brand_root=brand_dir / brand))
    return out, problems


def _landing_warnings(items: Sequence[ExportItem], brand_dir: Path) -> list[ExportProblem]:
    """A warning for each item whose landing URL is not on its brand's website.

    Not an error: a campaign may rightly send people to a partner's page, but an ad of one
    brand that points at another brand's site is worth a look before it ships.
    """
    guidelines: dict[str, Guideline | None] = {}
    found = []
    for item in items:
        slug = item.variant.brand
        if slug not in guidelines:
            brand, _ = load_brand(brand_dir, slug)  # a broken file is reported on the Brand page
            guidelines[slug] = brand.guideline if brand else None
        guideline = guidelines[slug]
        off_site = guideline.off_site_landing(item.campaign.landing_url) if guideline else None
        if off_site:
            found.append(
                ExportProblem(
                    item.variant_id, "landing_url", "landing_off_site", off_site, "warning"
                )
            )
    return found


def _videos_waiting(
    exporter: PlatformExporter,
    item: ExportItem,
    planned: Sequence[PreparedMedia],
    options: ExportOptions,
) -> tuple[list[PreparedMedia], list[ExportProblem]]:
    """Where the import names videos by the id the platform gives them on upload, a video
    without a known id stays in the zip (and its list of videos to upload) but out of the
    sheet, with a warning saying how to get the id."""
    if not exporter.media.video_ids:
        return list(planned), []
    kept, warnings = [], []
    for m in planned:
        if m.target.kind == "video" and m.in_sheet and not options.video_id(m):
            m = replace(m, in_sheet=False)
            warnings.append(
                ExportProblem(
                    item.variant_id,
                    f"asset {m.asset.id}",
                    "video_id_missing",
                    f"video ad left out of the sheet: {exporter.label}'s import names a video by "
                    f"the id it gives the video on upload. Upload media/{m.file_name} (listed in "
                    f"{VIDEOS_TO_UPLOAD}) to the ad account's Media library, write the id it "
                    f"shows in that list's video_id column, and export again with the list: "
                    f"--meta-video-ids {VIDEOS_TO_UPLOAD} (or upload it on the Export page)",
                    "warning",
                )
            )
        kept.append(m)
    return kept, warnings


def videos_to_upload(
    exporter: PlatformExporter, media: Sequence[PreparedMedia], options: ExportOptions
) -> bytes | None:
    """The CSV listing each video to upload (with its id when known), or ``None`` where the
    platform's import names videos by file or the export has none."""
    videos = [m for m in media if m.target.kind == "video"]
    if not exporter.media.video_ids or not videos:
        return None
    rows = [
        {
            "file": f"{MEDIA_DIR}/{m.file_name}",
            "variant_id": str(m.asset.variant_id),
            "size": m.target.size_label,
            "video_id": options.video_id(m) or "",
        }
        for m in videos
    ]
    return sheet_bytes(VIDEOS_TO_UPLOAD_COLUMNS, rows, UTF8_CSV)


def _rows(
    exporter: PlatformExporter,
    items: Sequence[ExportItem],
    media: Sequence[PreparedMedia],
    options: ExportOptions,
) -> list[dict[str, str]]:
    """The sheet's rows: the format's campaign and ad group rows, then each item's ad rows."""
    rows = list(exporter.structure_rows(items, options))
    for item in items:
        rows += exporter.rows(
            item, [m for m in media if m.asset.variant_id == item.variant_id], options
        )
    return rows


def plan_export(
    session: Session,
    *,
    platform: str,
    scope: ExportScope,
    options: ExportOptions | None = None,
    asset_dir: str | os.PathLike[str] | None = None,
    brand_dir: Path | None = None,
) -> ExportPlan:
    """Select and check an export without writing anything (the Export page's preview).

    ``brand_dir`` (default: the settings') holds each brand's ``platforms.yaml``, whose account
    settings the platform's file needs; a missing one is listed as a problem naming the key.

    Raises
    ------
    studio.core.plugins.UnknownPlugin
        Unknown platform (the message lists the platforms).
    NothingToExport, NotApproved
        See :func:`select_variants` and :func:`require_exportable`.
    """
    exporter = get_exporter(platform)
    options = options or ExportOptions()
    folder = asset_dir if asset_dir is not None else get_settings().asset_dir
    brands = Path(brand_dir) if brand_dir is not None else get_settings().brand_dir
    variants = select_variants(session, platform=exporter.platform, scope=scope)
    left_out: list[LeftOut] = []
    if options.leave_out_not_ready:
        allowed = exportable_statuses()
        ready = [v for v in variants if v.status in allowed]
        if not ready:
            require_exportable(variants)  # nothing would be left: refuse, naming each
        left_out = [
            LeftOut(
                v.id or 0,
                str(v.status),
                (
                    f"not approved: it is {v.status}; only "
                    f"{', '.join(sorted(s.value for s in allowed))} variants are exported",
                ),
            )
            for v in variants
            if v.status not in allowed
        ]
        variants = ready
    else:
        require_exportable(variants)
    items, found = _with_settings(_items(session, variants), brands)
    found += _unapproved_warnings(session, items)
    found += _landing_warnings(items, brands)
    found += exporter.check_all(items, options)
    export_ok = not any(p.severity == "error" for p in found)
    layout = (
        exporter.layout(items, options)
        if export_ok
        else SheetLayout(exporter.sheet_file, exporter.columns)
    )
    row_items: list[ExportItem] = []
    all_media: list[PreparedMedia] = []
    for item in items:
        mine = _field_problems(item, exporter.platform, exporter.label)
        channel_ok = not any(p.rule == "channel" for p in mine)
        planned: list[PreparedMedia] = []
        if channel_ok:
            mine += exporter.check(item, options)
            planned, media_problems = media_mod.plan_media(
                item, exporter.media, exporter.label, folder
            )
            planned, unlinked = exporter.link_media(item, planned)
            planned, waiting = _videos_waiting(exporter, item, planned, options)
            mine += media_problems + unlinked + waiting
        if export_ok and channel_ok and not any(p.severity == "error" for p in mine):
            if exporter.media.need != "none" and not any(m.in_sheet for m in planned):
                # Its media ship (to be uploaded), its ad waits: the variant is not exported.
                mine.append(
                    ExportProblem(
                        item.variant_id,
                        "(variant)",
                        "no_ad_yet",
                        f"no ad of this variant is in the sheet yet (see the warnings above); "
                        f"its files are in the zip, and it stays {item.variant.status}",
                        "warning",
                    )
                )
                all_media += planned
                found += mine
                continue
            formula = _formula_problems(item, layout.columns, exporter.rows(item, planned, options))
            mine += formula
            if not formula:
                row_items.append(item)
                all_media += planned
        found += mine
    rows = _rows(exporter, row_items, all_media, options)
    found += [
        ExportProblem(
            None,
            f"row {cell.row} · {cell.column}",
            "formula_cell",
            f"{cell.text[:40]!r} starts with {cell.text[:1]!r}, which a spreadsheet runs as a "
            "formula; rename it so it starts otherwise",
        )
        for cell in formula_cells(layout.columns, exporter.structure_rows(row_items, options))
    ]
    problems = [p for p in found if p.severity == "error"]
    if options.leave_out_not_ready:
        blocked = {p.variant_id for p in problems if p.variant_id is not None}
        left_out += [
            LeftOut(
                item.variant_id,
                str(item.variant.status),
                tuple(f"{p.location}: {p.message}" for p in problems if p.variant_id == vid),
            )
            for item in items
            if (vid := item.variant_id) in blocked
        ]
        problems = [p for p in problems if p.variant_id is None]
        found = [p for p in found if p.variant_id not in blocked]
        items = [item for item in items if item.variant_id not in blocked]
        if not items and not problems:
            problems.append(
                ExportProblem(
                    None,
                    "(export)",
                    "nothing_ready",
                    f"none of the {len(left_out)} variant(s) is ready to export; each is "
                    "listed as left out with its reasons",
                )
            )
    return ExportPlan(
        exporter=exporter,
        scope=scope,
        options=options,
        items=tuple(items),
        rows=tuple(rows),
        row_items=tuple(row_items),
        layout=layout,
        media=tuple(all_media),
        problems=tuple(problems),
        warnings=tuple(p for p in found if p.severity == "warning"),
        left_out=tuple(sorted(left_out, key=lambda lo: lo.variant_id)),
    )


# --------------------------------------------------------------------------------------------
# The manifest
# --------------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _test_results(session: Session, item: ExportItem) -> list[dict[str, Any]]:
    results = []
    for arm in item.arms:
        experiment = experiment_queries.get_experiment(session, experiment_id=arm.experiment_id)
        if experiment is None:
            continue
        totals = experiment_queries.delivery_by_arm(session, experiment_id=arm.experiment_id)
        arms = experiment_queries.list_arms(session, experiment_id=arm.experiment_id)
        decision = experiment_queries.latest_decision(session, experiment_id=arm.experiment_id)

        def summary(a: Any, totals: Any = totals) -> dict[str, Any]:
            t = totals.get(a.id)
            return {
                "arm_id": a.id,
                "variant_id": a.variant_id,
                "ad_id": a.ad_id,
                "ad_name": a.ad_name,
                "impressions": t.impressions if t else 0,
                "clicks": t.clicks if t else 0,
                "conversions": t.conversions if t else 0,
                "spend": t.spend if t else 0.0,
                "ctr": t.ctr if t else None,
            }

        results.append(
            {
                "test_id": experiment.id,
                "name": experiment.name,
                "status": experiment.status,
                "policy": experiment.policy,
                "started_at": _iso(experiment.created_at),
                "ended_at": _iso(experiment.ended_at),
                "winner_arm_id": experiment.winner_arm_id,
                "is_winner": experiment.winner_arm_id == arm.id,
                "this_arm": summary(arm),
                "arms": [summary(a) for a in arms],
                "latest_decision": None
                if decision is None
                else {
                    "at": _iso(decision.created_at),
                    "shares": decision.shares,
                    "prob_best": decision.prob_best,
                    "expected_loss": decision.expected_loss,
                    "summary": decision.summary,
                },
            }
        )
    return results


def build_manifest(
    session: Session,
    plan: ExportPlan,
    media: Sequence[PreparedMedia],
    *,
    actor: str,
    created_at: datetime,
    files: dict[str, str],
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (see the module docstring for what it holds)."""
    exporter = plan.exporter
    reviews = review_queries.list_reviews(session, variant_ids=plan.variant_ids)
    in_sheet = {item.variant_id for item in plan.row_items}
    variants = []
    for item in plan.items:
        v = item.variant
        audit_rows = audit.list_entries(
            session, entity_type="variant", entity_id=item.variant_id, limit=200
        )
        variants.append(
            {
                "id": v.id,
                "revision": v.revision,
                "parent_id": v.parent_id,
                "status_before": str(v.status),
                "status_after": S.exported.value if v.id in in_sheet else str(v.status),
                "brand": v.brand,
                "persona": v.persona,
                "channel": v.channel,
                "campaign": {
                    "id": item.campaign.id,
                    "name": item.campaign.name,
                    "objective": item.campaign.objective,
                    "landing_url": item.campaign.landing_url,
                },
                "ad_name": item.ad_name,
                "fields": v.fields,
                "generation": {
                    "backend": v.backend,
                    "model": v.model,
                    "seed": v.seed,
                    "prompt_template": v.prompt_template,
                    "prompt_hash": v.prompt_hash,
                    "created_by": v.created_by,
                    "created_at": _iso(v.created_at),
                },
                "approval": {
                    "reviews": [
                        {
                            "reviewer": r.reviewer,
                            "action": r.action,
                            "from": r.from_status,
                            "to": r.to_status,
                            "comment": r.comment,
                            "at": _iso(r.created_at),
                        }
                        for r in reviews
                        if r.variant_id == v.id
                    ],
                    "audit": [
                        {
                            "at": _iso(e.at),
                            "actor": e.actor,
                            "action": e.action,
                            "before": e.before,
                            "after": e.after,
                        }
                        for e in reversed(audit_rows)
                    ],
                },
                "scores": {
                    "predicted_ctr": v.predicted_ctr,
                    "ctr_low": v.ctr_low,
                    "ctr_high": v.ctr_high,
                    "explanation": v.ctr_explanation,
                },
                "compliance_violations": v.violations,
                "tests": _test_results(session, item),
                "assets": [
                    {
                        "asset_id": m.asset.id,
                        "kind": m.asset.kind,
                        "file": f"{MEDIA_DIR}/{m.file_name}",
                        "in_sheet": m.in_sheet,
                        "sha256": m.sha256,
                        "bytes": m.size_bytes,
                        "width": m.target.width,
                        "height": m.target.height,
                        "aspect": m.target.aspect,
                        "duration_s": m.duration_s,
                        "source": {
                            "path": m.asset.path,
                            "sha256": m.asset.sha256,
                            "width": m.asset.width,
                            "height": m.asset.height,
                            "size_label": m.asset.size_label,
                        },
                        "provenance": dict(m.provenance),
                        "qc": m.asset.qc,
                    }
                    for m in media
                    if m.asset.variant_id == v.id
                ],
            }
        )
    return {
        "format": MANIFEST_FORMAT,
        "platform": exporter.platform,
        "platform_label": exporter.label,
        "scope": plan.scope.label,
        "created_at": created_at.isoformat(),
        "created_by": actor,
        "import_instructions": exporter.import_hint,
        "sheet": {
            "file": plan.layout.file_name,
            "columns": list(plan.layout.columns),
            "preamble_lines": len(plan.layout.preamble),
            "worksheet": plan.layout.worksheet,
            "rows": len(plan.rows),
            "encoding": exporter.sheet_format.encoding,
            "delimiter": exporter.sheet_format.delimiter,
        },
        "warnings": [w.as_dict() for w in plan.warnings],
        "left_out": [lo.as_dict() for lo in plan.left_out],
        "files": files,
        "variants": variants,
    }


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    """A finished export.

    Attributes
    ----------
    export_id : the :class:`~studio.core.models.ExportRecord` row.
    path : the zip.
    sha256 : hex SHA-256 of the zip's bytes (also in the record and the audit log).
    size_bytes : the zip's size.
    variant_ids : the variants in it (now ``exported``).
    rows : sheet rows written.
    media_files : names of the media files inside ``media/``.
    warnings : what the preview warned about.
    left_out : the selected variants left out, with why
        (:attr:`~studio.export.base.ExportOptions.leave_out_not_ready`).
    """

    export_id: int
    platform: str
    scope: str
    path: Path
    sha256: str
    size_bytes: int
    variant_ids: tuple[int, ...]
    rows: int
    media_files: tuple[str, ...]
    warnings: tuple[ExportProblem, ...] = field(default_factory=tuple)
    left_out: tuple[LeftOut, ...] = field(default_factory=tuple)


def _write_zip(
    target: Path,
    sheets: dict[str, bytes],
    media: Sequence[PreparedMedia],
    manifest: dict[str, Any],
) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sheets.items():
            archive.writestr(name, data)
        for m in media:
            # Media are already compressed; storing them saves time and changes nothing.
            archive.write(
                str(m.data_path), f"{MEDIA_DIR}/{m.file_name}", compress_type=zipfile.ZIP_STORED
            )
        archive.writestr(
            MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=False, default=str)
        )


def _recorded(session: Session, staged: Path, target: Path) -> bool:
    """Whether a staged zip left by a killed export was committed (its record holds its hash)."""
    record = export_queries.find_export_record(session, file_name=str(target.resolve()))
    if record is None:
        return False
    return hashlib.sha256(staged.read_bytes()).hexdigest() == record.sha256


def export(
    session: Session,
    *,
    platform: str,
    scope: ExportScope,
    output: Path,
    actor: str,
    options: ExportOptions | None = None,
    asset_dir: str | os.PathLike[str] | None = None,
    brand_dir: Path | None = None,
    overwrite: bool = False,
    now: datetime | None = None,
) -> ExportResult:
    """Export ``scope`` for ``platform`` into the zip ``output`` as ``actor``, and commit.

    Nothing is written unless every check passes. The export is one unit of work: the
    variants become ``exported``, the record and the audit entry are committed here, and the
    zip appears at ``output`` (complete, by a rename) exactly when that commit succeeds
    (:func:`studio.core.files.stage_for_commit`); if the commit fails, the session is rolled back,
    no new file appears and a file already at ``output`` (``overwrite``) is left as it was.
    Intermediate files live in a work folder beside ``output``; what a killed export left there
    is removed by the next export into that folder (:func:`studio.core.files.sweep`).

    Raises
    ------
    AuthError
        ``actor`` is unknown, inactive or may not export (marketers and admins may).
    NothingToExport, NotApproved, ExportBlocked, ExportError
        Nothing selected; unapproved variants (named with their status); failed checks (each
        listed); a bad output path.
    """
    from studio.review.workflow import transition

    output = Path(output)
    if output.suffix.lower() != ".zip":
        raise ExportError(f"output {output} must be a .zip file")
    if not output.parent.is_dir():
        raise ExportError(
            f"folder {output.parent} does not exist; create it or choose another output"
        )
    if len(str(output.resolve())) > MAX_PATH_LENGTH:
        raise ExportError(
            f"output path is {len(str(output.resolve()))} characters; the export record keeps "
            f"at most {MAX_PATH_LENGTH}: choose a shorter folder or name"
        )
    if output.exists() and not overwrite:
        raise ExportError(f"{output} already exists; choose another name or allow overwriting")
    require(session, username=actor, permission=Permission.export)
    folder = asset_dir if asset_dir is not None else get_settings().asset_dir
    plan = plan_export(
        session,
        platform=platform,
        scope=scope,
        options=options,
        asset_dir=folder,
        brand_dir=brand_dir,
    )
    if plan.problems:
        raise ExportBlocked(plan.problems)
    exporter = plan.exporter
    moment = now or utcnow()
    # What a killed export left in this folder (work folders, staged zips) goes first; a staged
    # zip whose record did commit is completed.
    files.sweep(output.parent, committed=lambda staged, target: _recorded(session, staged, target))
    with files.work_dir(output.parent) as work:
        prepared, problems = media_mod.prepare_media(
            plan.media, exporter.media, exporter.label, folder, work
        )
        if problems:
            raise ExportBlocked(problems)
        # Rows again, now that the files exist (Meta names images by their hash).
        rows = _rows(exporter, plan.row_items, prepared, plan.options)
        layout = plan.layout
        sheet = sheet_bytes(layout.columns, rows, exporter.sheet_format, preamble=layout.preamble)
        sheets = {layout.file_name: sheet}
        upload_list = videos_to_upload(exporter, prepared, plan.options)
        if upload_list is not None:
            sheets[VIDEOS_TO_UPLOAD] = upload_list
        hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sheets.items()}
        hashes.update({f"{MEDIA_DIR}/{m.file_name}": m.sha256 for m in prepared})
        manifest = build_manifest(
            session, plan, prepared, actor=actor, created_at=moment, files=hashes
        )
        zipped = work / "export.zip"
        _write_zip(zipped, sheets, prepared, manifest)
        data = zipped.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    staged = files.write_staged(output, data)
    exported_ids = [item.variant_id for item in plan.row_items]
    try:
        for item in plan.row_items:
            if item.variant.status != S.exported:
                transition(
                    session,
                    variant_id=item.variant_id,
                    target=S.exported,
                    actor=actor,
                    comment=f"exported to {exporter.label} ({scope.label})",
                )
        record = export_queries.add_export_record(
            session,
            platform=exporter.platform,
            scope=scope.label,
            file_name=str(output.resolve()),
            sha256=digest,
            variant_ids=exported_ids,
            created_by=actor,
        )
        audit.record(
            session,
            actor=actor,
            action="export.create",
            entity_type="export",
            entity_id=record.id or 0,
            after={
                "platform": exporter.platform,
                "scope": scope.label,
                "file": str(output.resolve()),
                "sha256": digest,
                "bytes": len(data),
                "variant_ids": exported_ids,
                "left_out": [lo.as_dict() for lo in plan.left_out],
                "rows": len(plan.rows),
                "media": [m.file_name for m in prepared],
            },
        )
        session.flush()
        export_id = record.id
        assert export_id is not None
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    # The zip appears at ``output`` when the record commits, and never without it.
    files.stage_for_commit(session, staged, output)
    try:
        session.commit()
    except BaseException:
        session.rollback()  # which deletes the staged zip
        raise
    return ExportResult(
        export_id=export_id,
        platform=exporter.platform,
        scope=scope.label,
        path=output,
        sha256=digest,
        size_bytes=len(data),
        variant_ids=tuple(exported_ids),
        rows=len(plan.rows),
        media_files=tuple(m.file_name for m in prepared),
        warnings=plan.warnings,
        left_out=plan.left_out,
    )
