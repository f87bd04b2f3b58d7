"""Review: the queue of variants, each beside its persona and the guideline rules it touches.

Every decision goes through :mod:`studio.review.workflow` (who may, from which status, four-eyes,
optimistic locking). Buttons carry the ``lock_version`` the card showed, so a decision made on
a card that a colleague has since changed is refused with "changed since you opened it".
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from studio.brand.guidelines import Brand
from studio.copy import variants as variant_queries
from studio.copy.channels import CHANNELS, get_channel
from studio.copy.variants import VariantOrder
from studio.core.errors import UserFacingError
from studio.core.models import Asset, AssetKind, Review, ReviewAction, Variant, VariantStatus
from studio.core.text import markdown_literal
from studio.imaging.provenance import asset_path
from studio.review import queries as review_queries
from studio.review import workflow as review
from studio.review.accounts import AuthError
from studio.ui import auth as auth_ui
from studio.ui import context

_MESSAGES = "review_messages"
_RENDERED = "review_rendered_locks"
_BULK = "review_bulk_pending"
_BULK_RESULT = "review_bulk_result"
_SORTS: dict[str, VariantOrder] = {
    "Predicted CTR, best first": "predicted_ctr",
    "Newest first": "newest",
}


def _say(kind: str, text: str) -> None:
    st.session_state.setdefault(_MESSAGES, []).append((kind, text))


def _text_key(move: review.Move, variant_id: int) -> str:
    return f"{move.text_required}:{variant_id}"


def _decide(variant_id: int, move: review.Move, seen: int) -> None:
    """Button callback: runs before the next script run, whether or not the card still shows."""
    text = st.session_state.get(_text_key(move, variant_id), "") if move.text_required else ""
    try:
        with context.db_session() as session:
            result = review.act(
                session,
                variant_id=variant_id,
                action=move.action,
                actor=context.current_username(),
                comment=text,
                expected_lock_version=seen,
            )
    except (review.ReviewError, AuthError) as exc:
        _say("error", str(exc))
    else:
        _say("success", f"Variant {variant_id}: {result.source.value} → {result.target.value}.")


def _edit(
    variant_id: int, seen: int, brand_slug: str, field_names: list[str], list_fields: list[str]
) -> None:
    fields: dict[str, Any] = {}
    for name in field_names:
        raw = st.session_state.get(f"edit:{variant_id}:{name}", "")
        fields[name] = (
            [line.strip() for line in raw.splitlines() if line.strip()]
            if name in list_fields
            else raw
        )
    try:
        guideline = context.catalog().get(brand_slug).guideline
        with context.db_session() as session:
            scorer, unscored = review.default_scorer(session)
            revision = review.edit_variant(
                session,
                variant_id=variant_id,
                actor=context.current_username(),
                fields=fields,
                guideline=guideline,
                scorer=scorer,
                expected_lock_version=seen,
            )
            new_id, number, flags = revision.id, revision.revision, len(revision.violations)
    except UserFacingError as exc:
        _say("error", str(exc))
    else:
        _say(
            "success",
            f"Saved revision {number} as variant {new_id} (a draft, {flags} flag(s)); "
            "submit it for review when it is ready.",
        )
        if unscored:
            _say("error", f"Revision {number} is not scored: {unscored}")


def _ask_bulk(ids: list[int]) -> None:
    rendered: dict[int, int] = st.session_state.get(_RENDERED, {})
    st.session_state[_BULK] = {i: rendered[i] for i in ids if i in rendered}


def _confirm_bulk() -> None:
    pending: dict[int, int] = st.session_state.pop(_BULK, {})
    try:
        with context.db_session() as session:
            result = review.bulk_act(
                session,
                action=ReviewAction.approve,
                actor=context.current_username(),
                variants=pending,
            )
    except AuthError as exc:
        _say("error", str(exc))
        return
    st.session_state[_BULK_RESULT] = result
    for variant_id in pending:
        st.session_state.pop(f"select:{variant_id}", None)


def _cancel_bulk() -> None:
    st.session_state.pop(_BULK, None)


def _show_messages() -> None:
    for kind, text in st.session_state.pop(_MESSAGES, []):
        (st.success if kind == "success" else st.error)(text)
    result: review.BulkResult | None = st.session_state.pop(_BULK_RESULT, None)
    if result is not None:
        (st.success if not result.failed else st.warning)(f"Bulk approval: {result.summary()}.")
        st.dataframe(
            [
                {
                    "variant": o.variant_id,
                    "result": "approved" if o.ok else "refused",
                    "why": o.error or "",
                }
                for o in result.outcomes
            ],
            hide_index=True,
            use_container_width=True,
        )


def _copy(variant: Variant) -> None:
    spec = get_channel(variant.channel)
    for fspec in spec.fields:
        value = variant.fields.get(fspec.name)
        if value is None:
            continue
        # Copy is shown exactly as written: never as Markdown or HTML (a remote image would load
        # in the reviewer's browser; link text would hide the words that run).
        if isinstance(value, list):
            st.markdown(f"**{fspec.label}**")
            for item in value:
                st.markdown("- " + markdown_literal(str(item)))
        else:
            st.markdown(f"**{fspec.label}:** " + markdown_literal(str(value)))


def _media(assets: list[Asset]) -> None:
    for asset in assets:
        path = asset_path(context.settings().asset_dir, asset.path)
        if not path.is_file():
            st.warning(f"{asset.kind} {asset.size_label}: file {asset.path} is missing")
            continue
        if asset.kind == AssetKind.video:
            st.video(str(path))
        else:
            st.image(str(path), caption=asset.size_label, width=260)
        for check in asset.qc:
            if not check.get("passed", False):
                st.error(f"QC {asset.size_label} · {check.get('rule')}: {check.get('message', '')}")


def _score(variant: Variant) -> None:
    if variant.predicted_ctr is None:
        st.caption("Predicted CTR: not scored")
        return
    interval = ""
    if variant.ctr_low is not None and variant.ctr_high is not None:
        interval = f" ({variant.ctr_low:.2%}–{variant.ctr_high:.2%})"
    st.markdown(f"**Predicted CTR:** {variant.predicted_ctr:.2%}{interval}")


def _context_column(variant: Variant, brand: Brand | None) -> None:
    if brand is None:
        st.caption(f"Brand {variant.brand!r} is not loaded; see the Brand page.")
        return
    persona = brand.personas.get(variant.persona)
    if persona is not None:
        st.markdown(f"**Persona: {persona.name}**")
        st.caption(persona.description)
        st.markdown("Pains: " + "; ".join(persona.pains))
    else:
        st.caption(f"Persona {variant.persona!r} is not in {brand.slug}.")
    rules = review.rules_touched(variant, brand.guideline)
    for disclaimer, present in rules.disclaimers:
        st.markdown(
            f"{':material/check_circle:' if present else ':material/cancel:'} Disclaimer: _{disclaimer}_"
        )
    for claim in rules.claims_used:
        st.markdown(f":material/verified: Claim `{claim.id}`: {claim.text} — _{claim.evidence}_")
    with st.expander("Never say"):
        st.markdown("Banned: " + ", ".join(f"“{p}”" for p in rules.banned_phrases))
        for item in rules.voice_dont:
            st.markdown(f"- {item}")


def _history(reviews: list[Review]) -> None:
    for r in reviews:
        note = f": {r.comment}" if r.comment else ""
        st.caption(
            markdown_literal(
                f"{r.created_at:%Y-%m-%d %H:%M} · {r.reviewer} · {r.action.replace('_', ' ')}{note}"
            )
        )


def _actions(variant: Variant, choices: review.Choices, brand: Brand | None) -> None:
    """The review decisions and the editor that the state machine offers this user here."""
    vid, seen = choices.variant_id, choices.lock_version
    moves = choices.review_moves
    for column, move in zip(st.columns(len(moves)) if moves else [], moves, strict=True):
        if move.text_required:
            column.text_input(move.text_prompt, key=_text_key(move, vid))
        column.button(
            move.label,
            key=f"{move.action}:{vid}",
            type="primary" if move is moves[0] else "secondary",
            on_click=_decide,
            args=(vid, move, seen),
        )
    for note in choices.notes:
        st.caption(note)
    if choices.can_edit and brand is not None:
        with st.expander(
            f"Edit (saves revision {variant.revision + 1}, which needs its own approval)"
        ):
            list_fields = [k for k, v in variant.fields.items() if isinstance(v, list)]
            for name, value in variant.fields.items():
                text = "\n".join(value) if isinstance(value, list) else str(value)
                label = f"{name} (one per line)" if name in list_fields else name
                st.text_area(label, value=text, key=f"edit:{vid}:{name}", height=80)
            st.button(
                "Save as new revision",
                key=f"save:{vid}",
                on_click=_edit,
                args=(vid, seen, variant.brand, list(variant.fields), list_fields),
            )


def _card(
    variant: Variant,
    assets: list[Asset],
    reviews: list[Review],
    choices: review.Choices,
    brand: Brand | None,
    selectable: bool,
) -> None:
    with st.container(border=True):
        head, pick = st.columns([6, 1])
        flags = len(variant.violations)
        head.markdown(
            f"#### Variant {variant.id} · rev {variant.revision} · {variant.persona} · "
            f"{get_channel(variant.channel).name}\n"
            f"`{variant.status}` · by {variant.created_by} · "
            f"{':material/warning: ' + str(flags) + ' flag(s)' if flags else ':material/check_circle: no flags'}"
        )
        if selectable:
            pick.checkbox("Select", key=f"select:{variant.id}")
        left, right = st.columns([3, 2])
        with left:
            _copy(variant)
            _score(variant)
            for violation in (
                review.rules_touched(variant, brand.guideline).violations if brand else []
            ):
                st.error(
                    markdown_literal(f"{violation.field}: {violation.reason} [{violation.rule}]")
                )
            _media(assets)
            _history(reviews)
            _actions(variant, choices, brand)
        with right:
            _context_column(variant, brand)


#: Cards per page: each card is dozens of widgets, so a page of hundreds would be slow to draw.
PAGE_SIZE = 20


def render() -> None:
    st.title("Review")
    user = auth_ui.current_user()
    if user is None:
        st.error("Sign in to review variants.")
        return
    brand = context.active_brand()
    if brand is None:
        st.error("No valid brand is loaded. Fix the files listed on the Brand page.")
        return
    _show_messages()
    statuses = [s.value for s in VariantStatus]
    c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1])
    status = c1.selectbox(
        "Status", statuses, index=statuses.index(VariantStatus.in_review), key="review_status"
    )
    personas = c2.multiselect("Personas", list(brand.personas), key="review_personas")
    channels = c3.multiselect("Channels", list(CHANNELS), key="review_channels")
    sort = c4.selectbox("Sort", list(_SORTS), key="review_sort")
    min_ctr = c5.number_input(
        "Min CTR %", min_value=0.0, max_value=100.0, value=0.0, step=0.1, key="review_min_ctr"
    )
    filters: dict[str, Any] = dict(
        brand=brand.slug,
        statuses=[status],
        personas=personas or None,
        channels=channels or None,
        min_predicted_ctr=min_ctr / 100 if min_ctr > 0 else None,
        latest_only=True,
    )
    with context.db_session() as session:
        total = variant_queries.count_variants(session, **filters)
        pages = max(1, -(-total // PAGE_SIZE))
        page = (
            st.number_input(
                f"Page (of {pages})",
                min_value=1,
                max_value=pages,
                value=1,
                step=1,
                key="review_page",
            )
            if pages > 1
            else 1
        )
        variants = list(
            variant_queries.list_variants(
                session,
                **filters,
                order=_SORTS[sort],
                limit=PAGE_SIZE,
                offset=(int(page) - 1) * PAGE_SIZE,
            )
        )
        ids = [v.id for v in variants if v.id is not None]
        assets = list(variant_queries.list_assets(session, variant_ids=ids))
        reviews = list(review_queries.list_reviews(session, variant_ids=ids))
        choices = {
            v.id: review.choices_for(session, variant=v, actor=user.username) for v in variants
        }
    st.session_state[_RENDERED] = {v.id: v.lock_version for v in variants}
    st.caption(
        f"{total} variant(s) '{status}' (latest revisions only); showing "
        f"{len(variants)} on page {page} of {pages}."
    )
    approvable = [i for i in ids if "approve" in choices[i].actions]
    if approvable:
        _bulk_bar(approvable)
    for variant in variants:
        _card(
            variant,
            [a for a in assets if a.variant_id == variant.id],
            [r for r in reviews if r.variant_id == variant.id],
            choices[variant.id],
            brand,
            selectable=variant.id in approvable,
        )


def _bulk_bar(ids: list[int]) -> None:
    selected = [i for i in ids if st.session_state.get(f"select:{i}")]
    pending: dict[int, int] | None = st.session_state.get(_BULK)
    if pending:
        st.warning(
            f"Approve {len(pending)} variant(s): {', '.join(map(str, pending))}? "
            "Each is approved on its own; any that cannot be is listed with the reason."
        )
        yes, no = st.columns(2)
        yes.button(
            f"Confirm: approve {len(pending)}",
            key="bulk_confirm",
            type="primary",
            on_click=_confirm_bulk,
        )
        no.button("Cancel", key="bulk_cancel", on_click=_cancel_bulk)
        return
    st.button(
        f"Approve selected ({len(selected)})",
        key="bulk_approve",
        disabled=not selected,
        on_click=_ask_bulk,
        args=(selected,),
    )
