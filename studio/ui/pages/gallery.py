"""Gallery: each variant with its images and playable videos, brand QC beside them.

Filters (persona, channel, QC result) come from :func:`studio.imaging.gallery.gallery_items`;
rendering is a job (:mod:`studio.jobs`, kind ``render``) that ``studio worker`` runs through
:func:`studio.imaging.render.render_variant`, which checks the ``generate`` permission; the page
follows its progress from the database, so leaving the page does not stop it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from studio.copy import variants as variant_queries
from studio.core.models import AssetKind, JobKind
from studio.core.text import markdown_literal
from studio.imaging.formats import CHANNEL_FORMATS
from studio.imaging.gallery import QC_FILTERS, GalleryItem, gallery_items
from studio.imaging.provenance import asset_path
from studio.ui import context, job_panel, labels

_QC_LABELS = {
    "all": "All",
    "passed": "QC passed",
    "failed": "QC failed",
    "not rendered": "Not rendered",
}
_SIZES = {"Full size": 1.0, "Preview (25 %)": 0.25}
_SORTS = {"Newest first": "newest", "Predicted CTR, best first": "predicted_ctr"}


def _render(items: list[GalleryItem]) -> None:
    """Queue a render job for the variants shown; ``studio worker`` makes the files."""
    todo = [item.variant.id or 0 for item in items if item.qc_state != "no media"]
    if not todo:
        st.info("Nothing to render: the variants shown are for text-only channels.")
        return
    options = {
        "video": st.session_state.get("gallery_video", True),
        "scale": _SIZES[st.session_state.get("gallery_size", "Full size")],
    }
    job_panel.submit(JobKind.render, {"variant_ids": todo, "options": options})


def _item(item: GalleryItem) -> None:
    variant = item.variant
    asset_dir = context.settings().asset_dir
    badge = {
        "passed": "✅ QC passed",
        "failed": "❌ QC failed",
        "not rendered": "⏳ not rendered",
        "no media": "text only",
    }[item.qc_state]
    with st.container(border=True):
        headline = variant.fields.get("headline") or variant.fields.get("ad_text") or ""
        ctr = (
            f"predicted CTR {variant.predicted_ctr:.2%}"
            if variant.predicted_ctr is not None
            else "predicted CTR: not scored"
        )
        st.markdown(
            f"**#{variant.id} · {labels.persona(context.active_brand(), variant.persona)} · "
            f"{labels.channel(variant.channel)}** · {labels.status(variant.status)} · {badge} · {ctr}"
        )
        if isinstance(headline, str) and headline:
            st.caption(markdown_literal(headline))
        if not item.assets:
            return
        columns = st.columns(min(4, len(item.assets)))
        for i, asset in enumerate(item.assets):
            with columns[i % len(columns)]:
                try:
                    path = asset_path(asset_dir, asset.path)
                except ValueError as exc:
                    st.warning(str(exc))
                    continue
                if not path.is_file():
                    st.warning(
                        f"{asset.kind} {asset.size_label}: file {asset.path} is missing from the asset folder"
                    )
                    continue
                caption = f"{asset.size_label} · {asset.backend} · seed {asset.seed}"
                if asset.kind == AssetKind.video:
                    st.video(str(path))
                    st.caption(f"{caption} · {asset.duration_s:.1f} s")
                else:
                    st.image(str(path), caption=caption, width="stretch")
        failures = item.failed_checks
        if failures:
            with st.expander(f"{len(failures)} brand QC problem(s)", expanded=True):
                for asset, check in failures:
                    st.error(
                        f"{asset.kind} {asset.size_label} · {check.get('rule')} ({check.get('element')}): "
                        f"{check.get('message')}"
                    )


def render() -> None:
    brand = context.active_brand()
    st.title("Gallery")
    if brand is None:
        st.error("No valid brand is loaded. Fix the files listed on the Brand page.")
        return
    with context.db_session() as session:
        campaigns = variant_queries.list_campaigns(session, brand=brand.slug)
    campaign_ids = [None, *(c.id for c in campaigns)]
    names = {c.id: f"#{c.id} {c.name}" for c in campaigns}
    left, middle, right, last = st.columns(4)
    campaign_id = left.selectbox(
        "Campaign",
        campaign_ids,
        format_func=lambda c: "All campaigns" if c is None else names[c],
        key="gallery_campaign",
    )
    personas = middle.multiselect(
        "Persona",
        list(brand.personas),
        format_func=lambda slug: labels.persona(brand, slug),
        key="gallery_personas",
    )
    channels = right.multiselect(
        "Channel", list(CHANNEL_FORMATS), format_func=labels.channel, key="gallery_channels"
    )
    qc = last.selectbox(
        "Brand QC", QC_FILTERS, format_func=_QC_LABELS.__getitem__, key="gallery_qc"
    )
    left, right = st.columns([3, 1])
    sort = left.radio("Sort", list(_SORTS), horizontal=True, key="gallery_sort")
    min_ctr = right.number_input(
        "Min predicted CTR %",
        min_value=0.0,
        max_value=100.0,
        value=0.0,
        step=0.1,
        key="gallery_min_ctr",
    )
    filters: dict[str, Any] = dict(
        brand=brand.slug,
        campaign_id=campaign_id,
        personas=personas,
        channels=channels,
        qc=qc,
        min_predicted_ctr=min_ctr / 100 if min_ctr > 0 else None,
        order=_SORTS[sort],
    )
    with context.db_session() as session:
        items = gallery_items(session, **filters)

    with st.expander("Render images and videos", expanded=not any(i.assets for i in items)):
        st.checkbox("Include videos (TikTok)", value=True, key="gallery_video")
        st.radio("Size", list(_SIZES), horizontal=True, key="gallery_size")
        if st.button(
            f"Render the {len(items)} variant(s) shown", key="gallery_render", disabled=not items
        ):
            _render(items)
        job_panel.latest_jobs(JobKind.render)

    if not items:
        st.info("No variants match these filters.")
        return
    st.caption(f"{len(items)} variant(s)")
    for item in items:
        _item(item)
