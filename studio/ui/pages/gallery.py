"""Gallery: each variant with thumbnails of its images and videos, brand QC beside them.

A page shows :data:`PAGE_SIZE` variants. Each file is shown as a small thumbnail
(:func:`studio.imaging.thumbnails.thumbnail`, made once per file); "Full size" opens the image or
the playable video in a dialog, so tall 9:16 videos no longer stretch the page.
Filters (persona, channel, QC result) and paging come from
:func:`studio.imaging.gallery.gallery_page`;
rendering is a job (:mod:`studio.jobs`, kind ``render``) that ``studio worker`` runs through
:func:`studio.imaging.render.render_variant`, which checks the ``generate`` permission; the page
follows its progress from the database, so leaving the page does not stop it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from studio.brand.guidelines import Brand
from studio.copy import variants as variant_queries
from studio.core.models import Asset, AssetKind, JobKind
from studio.core.text import markdown_literal
from studio.imaging.formats import CHANNEL_FORMATS
from studio.imaging.gallery import QC_FILTERS, GalleryItem, gallery_page
from studio.imaging.provenance import asset_path
from studio.imaging.thumbnails import ThumbnailFailed, thumbnail
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


#: Variants per page: each shows up to a handful of thumbnails.
PAGE_SIZE = 12
#: Width of a thumbnail on the page, in CSS pixels.
THUMBNAIL_WIDTH = 160


@st.dialog("Full size", width="large")
def _full_size(asset_id: int) -> None:
    with context.db_session() as session:
        asset = session.get(Asset, asset_id)
    if asset is None:
        st.error(f"file {asset_id} no longer exists")
        return
    try:
        path = asset_path(context.settings().asset_dir, asset.path)
    except ValueError as exc:
        st.warning(str(exc))
        return
    if not path.is_file():
        st.warning(f"{asset.kind} {asset.size_label}: file {asset.path} is missing")
        return
    caption = f"{asset.size_label} · {asset.backend} · seed {asset.seed}"
    if asset.kind == AssetKind.video:
        st.video(str(path))
        st.caption(f"{caption} · {asset.duration_s:.1f} s")
    else:
        st.image(str(path), caption=caption)


def _thumbnail(asset: Asset) -> None:
    """A small preview and a button that opens the file full size."""
    caption = f"{asset.size_label} · {'video' if asset.kind == AssetKind.video else 'image'}"
    try:
        small = thumbnail(context.settings().asset_dir, asset)
    except (ThumbnailFailed, ValueError) as exc:
        st.warning(str(exc))
        return
    st.image(str(small), caption=caption, width=THUMBNAIL_WIDTH)
    label = "Play video" if asset.kind == AssetKind.video else "Full size"
    if st.button(label, key=f"full:{asset.id}", icon=":material/open_in_full:"):
        _full_size(asset.id or 0)


def _item(item: GalleryItem, brand: Brand) -> None:
    variant = item.variant
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
            f"**#{variant.id} · {labels.persona(brand, variant.persona)} · "
            f"{labels.channel(variant.channel)}** · {labels.status(variant.status)} · {badge} · {ctr}"
        )
        if isinstance(headline, str) and headline:
            st.caption(markdown_literal(headline))
        if not item.assets:
            return
        columns = st.columns(6)
        for i, asset in enumerate(item.assets):
            with columns[i % len(columns)]:
                _thumbnail(asset)
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
    page = int(st.session_state.get("gallery_page", 1))
    with context.db_session() as session:
        shown = gallery_page(session, **filters, page=page, page_size=PAGE_SIZE)
        if shown.total and page > shown.pages:  # fewer matches than before: the last page
            page = shown.pages
            st.session_state["gallery_page"] = page
            shown = gallery_page(session, **filters, page=page, page_size=PAGE_SIZE)
    items = shown.items

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
    first = (page - 1) * PAGE_SIZE + 1
    st.caption(
        f"{shown.total} variant(s); showing {first}-{first + len(items) - 1} "
        f"(page {page} of {shown.pages})"
    )
    for item in items:
        _item(item, brand)
    if shown.pages > 1:
        st.number_input(
            f"Page (of {shown.pages})",
            min_value=1,
            max_value=shown.pages,
            value=page,
            step=1,
            key="gallery_page",
        )
