"""Export: approved variants -> one zip for an ad platform's bulk import, previewed, then downloaded.

The export itself is a job (:mod:`studio.jobs`, kind ``export``) that ``studio worker`` runs
through :func:`studio.export.export`; the page follows it and offers the zip when it is written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from studio.copy import variants as variant_queries
from studio.core.models import JobKind, saved_id
from studio.experiments import queries as experiment_queries
from studio.export import (
    ExportError,
    ExportOptions,
    ExportPlan,
    ExportScope,
    InvalidOption,
    NotApproved,
    get_exporter,
    plan_export,
    platform_names,
)
from studio.export import queries as export_queries
from studio.export.base import parse_money, parse_video_ids
from studio.export.google_ads import PIN_FIRST_HEADLINE
from studio.jobs import queue as job_queue
from studio.ui import context, job_panel, labels

RESULT_KEY = "export_result"
LEAVE_OUT_KEY = "export_leave_out"
#: Platforms whose import names an existing campaign or ad group by id.
TAKES_IDS = ("google_ads", "meta")
#: ExportOptions field -> this page's label for it (an option's error names the field).
OPTION_LABELS = {
    "existing_campaign": "Into an existing campaign",
    "existing_ad_group": "Into an existing ad group / ad set",
    "campaign_id": "Existing campaign ID",
    "ad_group_id": "Existing ad group / ad set ID",
    "max_cpc": "Max CPC",
    "video_ids": "Meta video ids",
}
KINDS = {"campaign": "A campaign's approved variants", "test": "A test's winner"}


def _scope() -> ExportScope | None:
    brand = context.active_brand()
    slug = brand.slug if brand else None
    kind = st.radio(
        "Export", list(KINDS), format_func=KINDS.__getitem__, horizontal=True, key="export_kind"
    )
    with context.db_session() as session:
        if kind == "campaign":
            campaigns = {
                saved_id(c): f"#{c.id} · {c.name} ({c.objective})"
                for c in variant_queries.list_campaigns(session, brand=slug)
            }
        else:
            tests = {
                saved_id(
                    e
                ): f"#{e.id} · {e.name} ({labels.EXPERIMENT_STATUS[e.status].lower()}{', winner chosen' if e.winner_arm_id else ''})"
                for e in experiment_queries.list_experiments(session, brand=slug)
            }
    if kind == "campaign":
        if not campaigns:
            st.info("This brand has no campaigns yet: generate variants first.")
            return None
        chosen = st.selectbox(
            "Campaign", list(campaigns), format_func=campaigns.__getitem__, key="export_campaign"
        )
        return ExportScope.campaign(chosen)
    if not tests:
        st.info("This brand has no creative tests yet.")
        return None
    chosen = st.selectbox("Test", list(tests), format_func=tests.__getitem__, key="export_test")
    return ExportScope.test(chosen)


#: Rows of the sheet shown in the preview: a campaign of thousands of ads is checked in full
#: (problems and warnings list every one), but sending every row to the browser made the page
#: slow to open.
PREVIEW_ROWS = 100


def _preview(plan: ExportPlan) -> None:
    st.subheader(
        f"{len(plan.items)} variant(s) · {len(plan.rows)} row(s) of {plan.layout.file_name}"
    )
    if plan.problems:
        st.error(
            f"{len(plan.problems)} problem(s) stop this export; nothing will be written until they "
            "are fixed (edit the variant, or re-render its assets)."
        )
        st.dataframe(
            [p.as_dict() for p in plan.problems],
            hide_index=True,
            use_container_width=True,
            column_order=["variant_id", "location", "message", "rule"],
        )
    if plan.left_out:
        st.warning(
            f"{len(plan.left_out)} variant(s) left out of this export; they keep their status:"
        )
        st.dataframe(
            [
                {"variant": lo.variant_id, "status": lo.status, "why": "; ".join(lo.reasons)}
                for lo in plan.left_out
            ],
            hide_index=True,
            use_container_width=True,
        )
    if plan.rows:
        filled = [c for c in plan.layout.columns if any(row.get(c) for row in plan.rows)]
        st.dataframe(
            list(plan.rows[:PREVIEW_ROWS]),
            hide_index=True,
            use_container_width=True,
            column_order=filled,
        )
        if len(plan.rows) > PREVIEW_ROWS:
            st.caption(
                f"The first {PREVIEW_ROWS} of {len(plan.rows)} rows; the export writes all of them."
            )
    if plan.media:
        st.caption("Media, resized and encoded to the platform's specs when exported:")
        st.dataframe(
            [
                {
                    "variant": m.asset.variant_id,
                    "asset": m.asset.id,
                    "kind": m.asset.kind,
                    "from": f"{m.asset.width}x{m.asset.height}",
                    "to": m.target.size_label,
                    "file": f"media/{m.file_name}",
                    "in sheet": m.in_sheet,
                }
                for m in plan.media
            ],
            hide_index=True,
            use_container_width=True,
        )
    if plan.warnings:
        with st.expander(f"{len(plan.warnings)} warning(s): these do not stop the export"):
            st.dataframe(
                [w.as_dict() for w in plan.warnings],
                hide_index=True,
                use_container_width=True,
                column_order=["variant_id", "location", "message", "rule"],
            )


def _leave_out_choice() -> None:
    st.checkbox(
        "Leave out the variants that are not ready and export the rest",
        key=LEAVE_OUT_KEY,
        help="Each one left out is listed with why, in the preview, the zip's manifest and the "
        "audit log; it keeps its status.",
    )


def _output(platform: str, scope: ExportScope) -> Path:
    folder = Path(context.settings().asset_dir) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = f"{platform}-{scope.label.replace(':', '-').replace(',', '-')}-{stamp}"
    path, n = folder / f"{base}.zip", 1
    while path.exists():
        n += 1
        path = folder / f"{base}-{n}.zip"
    return path


def _run(platform: str, scope: ExportScope, params: dict[str, Any]) -> None:
    """Queue the export as a job; ``studio worker`` writes the zip (see export())."""
    output = _output(platform, scope)
    job_id = job_panel.submit(
        JobKind.export,
        {**params, **_scope_params(scope), "platform": platform, "output": str(output)},
    )
    if job_id is not None:
        st.session_state[RESULT_KEY] = job_id


def _scope_params(scope: ExportScope) -> dict[str, Any]:
    if scope.kind == "campaign":
        return {"campaign_id": scope.campaign_id}
    if scope.kind == "test":
        return {"test_id": scope.test_id}
    return {"variant_ids": list(scope.variant_ids)}


def _download() -> None:
    """The export this session queued last: its progress, then its zip to download."""
    job_id = st.session_state.get(RESULT_KEY)
    if not isinstance(job_id, int):
        return
    job_panel.latest_jobs(JobKind.export, limit=1)
    with context.db_session() as session:
        job = job_queue.get_job(session, job_id=job_id)
        export_ids = job_queue.outputs_of(session, job).get("export", [])
        record = (
            export_queries.get_export_record(session, export_id=export_ids[0])
            if export_ids
            else None
        )
    if record is None:
        return
    path = Path(record.file_name)
    if not path.is_file():
        st.warning(f"The export file {path.name} is no longer there; export again.")
        return
    st.success(
        f"Export #{record.id} for {get_exporter(record.platform).label}: "
        f"{len(record.variant_ids)} variant(s). SHA-256 `{record.sha256}`."
    )
    st.download_button(
        f"Download {path.name}",
        data=path.read_bytes(),
        file_name=path.name,
        mime="application/zip",
        type="primary",
        key="export_download",
    )


def _history() -> None:
    with context.db_session() as session:
        records = export_queries.list_export_records(session, limit=20)
    if not records:
        return
    st.subheader("Recent exports")
    st.dataframe(
        [
            {
                "export": r.id,
                "at (UTC)": r.created_at,
                "by": r.created_by,
                "platform": r.platform,
                "scope": r.scope,
                "variants": ", ".join(map(str, r.variant_ids)),
                "file": Path(r.file_name).name,
                "sha256": r.sha256,
            }
            for r in records
        ],
        hide_index=True,
        use_container_width=True,
    )


def render() -> None:
    st.title("Export to ad platforms")
    st.caption(
        "Approved variants become one zip: the platform's bulk-import sheet, the images and videos at "
        "its sizes, and a manifest of approvals, scores, test results and provenance. Ads import paused."
    )
    platform = st.selectbox(
        "Platform",
        platform_names(),
        format_func=lambda p: get_exporter(p).label,
        key="export_platform",
    )
    scope = _scope()
    existing = st.text_input(
        f"{OPTION_LABELS['existing_campaign']} (optional)",
        key="export_existing_campaign",
        help="The exact name of a campaign already in the ad account; leave empty to create one "
        "named after studio's campaign (with the budget and settings from the brand's "
        "platforms.yaml).",
    ).strip()
    existing_group = st.text_input(
        f"{OPTION_LABELS['existing_ad_group']} (optional)",
        key="export_existing_ad_group",
        help="The exact name of an ad group (Google, TikTok), ad set (Meta) or campaign "
        "(LinkedIn) already in that campaign; every ad goes into it. Leave empty to create one "
        "per persona.",
    ).strip()
    campaign_id = group_id = ""
    if platform in TAKES_IDS:
        id_columns = st.columns(2)
        campaign_id = (
            id_columns[0]
            .text_input(
                f"{OPTION_LABELS['campaign_id']} (optional)",
                key="export_campaign_id",
                help="Digits only, as the ad platform shows it.",
            )
            .strip()
        )
        group_id = (
            id_columns[1]
            .text_input(
                f"{OPTION_LABELS['ad_group_id']} (optional)",
                key="export_ad_group_id",
                help="Digits only, as the ad platform shows it.",
            )
            .strip()
        )
    bid = ""
    if platform == "google_ads":
        bid = st.text_input(
            f"{OPTION_LABELS['max_cpc']} for Manual CPC ad groups (optional)",
            key="export_max_cpc",
            help="Each new ad group's bid in the account's currency, e.g. 0.80; default: "
            "google_ads.max_cpc in the brand's platforms.yaml.",
        ).strip()
    video_ids: dict[str, str] = {}
    video_ids_file = None
    if platform == "meta":
        video_ids_file = st.file_uploader(
            f"{OPTION_LABELS['video_ids']} (optional): videos_to_upload.csv, filled in",
            type=["csv"],
            key="export_meta_video_ids",
            help="Meta's import names a video by the id Meta gives it on upload. Export once, "
            "upload the videos listed in the zip's videos_to_upload.csv to the ad account's "
            "Media library, write each id in its video_id column and upload the list here.",
        )
    pins = None
    if platform == "google_ads" and st.checkbox(
        "Pin each ad's first headline to position 1",
        key="export_pin_first",
        help="Google then always shows it first (for a brand or offer headline).",
    ):
        pins = PIN_FIRST_HEADLINE
    worksheet = platform == "tiktok" and st.checkbox(
        "No TikTok template: write a worksheet instead (not an import file)",
        key="export_tiktok_worksheet",
        help="TikTok imports only your account's own bulk template: upload it on the Brand page "
        "and name it in platforms.yaml (tiktok.template).",
    )
    try:
        if video_ids_file is not None:
            video_ids = parse_video_ids(
                video_ids_file.getvalue().decode("utf-8-sig", errors="replace"),
                video_ids_file.name,
            )
        options = ExportOptions(
            default_pins=pins,
            existing_campaign=existing or None,
            existing_ad_group=existing_group or None,
            campaign_id=campaign_id or None,
            ad_group_id=group_id or None,
            max_cpc=parse_money("max_cpc", bid) if bid else None,
            video_ids=video_ids,
            worksheet=worksheet,
            leave_out_not_ready=bool(st.session_state.get(LEAVE_OUT_KEY, False)),
        )
        # What the export job (studio worker) rebuilds the same options from.
        params = {
            "pin_first_headline": pins is not None,
            "existing_campaign": options.existing_campaign,
            "existing_ad_group": options.existing_ad_group,
            "platform_campaign_id": options.campaign_id,
            "platform_ad_group_id": options.ad_group_id,
            "max_cpc": None if options.max_cpc is None else str(options.max_cpc),
            "video_ids": dict(options.video_ids),
            "worksheet": worksheet,
            "leave_out_not_ready": options.leave_out_not_ready,
        }
    except InvalidOption as exc:
        st.error(f"{OPTION_LABELS[exc.option]}: {exc}")
        scope = None
    if scope is not None:
        try:
            with context.db_session() as session:
                plan = plan_export(session, platform=platform, scope=scope, options=options)
        except NotApproved as exc:
            st.warning(str(exc))
            _leave_out_choice()
        except ExportError as exc:
            st.warning(str(exc))
        else:
            if plan.can_leave_out or options.leave_out_not_ready:
                _leave_out_choice()
            _preview(plan)
            if plan.layout.worksheet:
                st.warning(
                    f"{plan.layout.file_name} is a worksheet, not an import file: "
                    f"{plan.layout.preamble[0][0]}"
                )
            st.caption(get_exporter(platform).import_hint)
            if st.button("Export", type="primary", disabled=not plan.ok, key="export_run"):
                _run(platform, scope, params)
    _download()
    _history()
