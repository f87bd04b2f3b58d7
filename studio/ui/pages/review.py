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
from studio.copy.rubric import score_variant
from studio.copy.variants import VariantOrder
from studio.core.errors import UserFacingError
from studio.core.models import (
    Asset,
    AssetKind,
    Campaign,
    Review,
    ReviewAction,
    Variant,
    VariantStatus,
)
from studio.core.text import markdown_literal
from studio.imaging.formats import formats_for
from studio.imaging.provenance import asset_path
from studio.imaging.render import RenderOptions, render_variants
from studio.review import queries as review_queries
from studio.review import workflow as review
from studio.review.accounts import AuthError, Permission
from studio.ui import auth as auth_ui
from studio.ui import context, labels

_MESSAGES = "review_messages"
_RENDERED = "review_rendered_locks"
_BULK = "review_bulk_pending"
_BULK_RESULT = "review_bulk_result"
_SORTS: dict[str, VariantOrder] = {
    "Predicted CTR, best first": "predicted_ctr",
    "Newest first": "newest",
}


#: The moves a reviewer may make on many cards at once, each confirmed first.
BULK_ACTIONS = (ReviewAction.submit, ReviewAction.approve)
#: Moves offered on a card beside the review decisions: sending approved copy back to review
#: (brand managers and admins, with a reason; the state machine decides who sees it).
CARD_ACTIONS = (ReviewAction.send_back,)


def _say(kind: str, text: str, variant_id: int | None = None) -> None:
    """Keep a message for the next run: beside card ``variant_id`` if it still shows, else on top."""
    st.session_state.setdefault(_MESSAGES, []).append((kind, text, variant_id))


def _show(kind: str, text: str) -> None:
    (st.success if kind == "success" else st.error)(text)


def _move_label(action: ReviewAction) -> str:
    return next(m.label for m in review.MOVES if m.action == action)


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
        _say("error", str(exc), variant_id)
    else:
        _say(
            "success",
            f"Variant {variant_id}: {labels.status(result.source)} → "
            f"{labels.status(result.target)}.",
            variant_id,
        )


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
        _say("error", str(exc), variant_id)
    else:
        _say(
            "success",
            f"Saved revision {number} as variant {new_id} (a draft, {flags} flag(s)); "
            "submit it for review when it is ready.",
            variant_id,
        )
        if unscored:
            _say("error", f"Revision {number} is not scored: {unscored}", variant_id)


def _ask_bulk(action: ReviewAction, ids: list[int]) -> None:
    rendered: dict[int, int] = st.session_state.get(_RENDERED, {})
    st.session_state[_BULK] = (action, {i: rendered[i] for i in ids if i in rendered})


def _confirm_bulk() -> None:
    asked: tuple[ReviewAction, dict[int, int]] | None = st.session_state.pop(_BULK, None)
    if asked is None:  # a second click on Confirm after the first one's run
        return
    action, pending = asked
    try:
        with context.db_session() as session:
            result = review.bulk_act(
                session, action=action, actor=context.current_username(), variants=pending
            )
    except AuthError as exc:
        _say("error", str(exc))
        return
    st.session_state[_BULK_RESULT] = (action, result)
    for variant_id in pending:
        st.session_state.pop(f"select:{variant_id}", None)


def _cancel_bulk() -> None:
    st.session_state.pop(_BULK, None)


def _show_messages(on_page: set[int]) -> dict[int, list[tuple[str, str]]]:
    """Show the messages of cards no longer listed here, and return the others by card.

    A card that an action moved out of this list (approved, so no longer 'In review') cannot
    carry its message, so it also pops up as a toast where the user is looking.
    """
    beside: dict[int, list[tuple[str, str]]] = {}
    for kind, text, variant_id in st.session_state.pop(_MESSAGES, []):
        if variant_id in on_page:
            beside.setdefault(variant_id, []).append((kind, text))
            continue
        _show(kind, text)
        if variant_id is not None:
            st.toast(text, icon=":material/check:" if kind == "success" else ":material/error:")
    bulk: tuple[ReviewAction, review.BulkResult] | None = st.session_state.pop(_BULK_RESULT, None)
    if bulk is not None:
        action, result = bulk
        (st.success if not result.failed else st.warning)(
            f"{_move_label(action)}, selected: {result.summary()}."
        )
        st.dataframe(
            [
                {
                    "variant": o.variant_id,
                    "result": labels.status(o.result.target) if o.result else "refused",
                    "why": o.error or "",
                }
                for o in result.outcomes
            ],
            hide_index=True,
            use_container_width=True,
        )
    return beside


def _copy(variant: Variant) -> None:
    """Every field of the copy in one block (one element on the page, not one per line)."""
    spec = get_channel(variant.channel)
    lines: list[str] = []
    for fspec in spec.fields:
        value = labels.field_value(variant.channel, fspec.name, variant.fields.get(fspec.name))
        if value is None:
            continue
        # Copy is shown exactly as written: never as Markdown or HTML (a remote image would load
        # in the reviewer's browser; link text would hide the words that run).
        if isinstance(value, list):
            lines.append(f"**{fspec.label}**\n")
            lines += ["- " + markdown_literal(str(item)) for item in value]
            lines.append("")
        else:
            lines.append(f"**{fspec.label}:** " + markdown_literal(str(value)) + "  ")
    if lines:
        st.markdown("\n".join(lines))


def _render_media(variant_id: int) -> None:
    """Button callback: render the media of one variant that has none (full size, as exported)."""
    try:
        with context.db_session() as session:
            [report] = render_variants(
                session,
                variant_ids=[variant_id],
                catalog=context.catalog(),
                settings=context.settings(),
                options=RenderOptions(),
                actor=context.current_username(),
            )
            files = len(report.assets)
    except (UserFacingError, ValueError, ImportError) as exc:
        _say("error", f"Rendering stopped, nothing was recorded: {exc}", variant_id)
    else:
        _say("success", f"Variant {variant_id}: rendered {files} file(s).", variant_id)


def _media(variant: Variant, assets: list[Asset], may_render: bool) -> None:
    if not assets and formats_for(variant.channel):
        # A revision whose headline or button changed does not show its parent's stale media.
        st.info(
            "Media not rendered yet"
            + (" (the headline or button changed in this revision)." if variant.parent_id else "."),
            icon=":material/hide_image:",
        )
        if may_render:
            st.button(
                "Render images and videos",
                key=f"render:{variant.id}",
                on_click=_render_media,
                args=(variant.id,),
            )
        else:
            st.caption("A creative renders them (here or on the Gallery page).")
        return
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


def _rubric(variant: Variant, brand: Brand | None) -> None:
    """The copy rubric in one line, and one line per finding (:mod:`studio.copy.rubric`)."""
    if brand is None:
        return
    marks = score_variant(brand, variant.channel, variant.fields)
    do = f"applies Do: {'; '.join(marks.do_content)}" if marks.do_content else "applies no Do rule"
    verdict = f"{len(marks.findings)} finding(s)" if marks.findings else "no findings"
    st.caption(
        "  \n".join(
            markdown_literal(line)
            for line in [f"Rubric: {verdict} · {do}", *(f"· {f}" for f in marks.findings)]
        )
    )


def _context_column(
    variant: Variant, brand: Brand | None, rules: review.RulesTouched | None
) -> None:
    if brand is None or rules is None:
        st.caption(f"Brand {variant.brand!r} is not loaded; see the Brand page.")
        return
    persona = brand.personas.get(variant.persona)
    if persona is not None:
        st.markdown(f"**Persona: {persona.name}**")
        st.caption(persona.description)
        st.markdown("Pains: " + "; ".join(persona.pains))
    else:
        st.caption(f"Persona {variant.persona!r} is not in {brand.slug}.")
    # The rules in one block each (a page of cards draws far fewer elements).
    rule_lines = [
        f"{':material/check_circle:' if present else ':material/cancel:'} Disclaimer: _{disclaimer}_"
        for disclaimer, present in rules.disclaimers
    ] + [
        f":material/verified: Claim `{claim.id}`: {claim.text} — _{claim.evidence}_"
        for claim in rules.claims_used
    ]
    if rule_lines:
        st.markdown("  \n".join(rule_lines))
    with st.expander("Never say"):
        st.markdown(
            "\n".join(
                [
                    "Banned: " + ", ".join(f"“{p}”" for p in rules.banned_phrases) + "\n",
                    *(f"- {item}" for item in rules.voice_dont),
                ]
            )
        )


def _history(reviews: list[Review]) -> None:
    if not reviews:
        return
    st.caption(
        "  \n".join(
            markdown_literal(
                f"{r.created_at:%Y-%m-%d %H:%M} · {r.reviewer} {labels.action_done(r.action)}"
                + (f": {r.comment}" if r.comment else "")
            )
            for r in reviews
        )
    )


def _answers(variant: Variant, parent_reviews: list[Review]) -> None:
    """The request for changes that this revision answers, so its reviewer sees what was asked."""
    asked = [r for r in parent_reviews if r.action == ReviewAction.request_changes]
    if asked:
        request = asked[-1]
        st.info(
            f"Answers {request.reviewer}'s request on revision {variant.revision - 1}: "
            f"“{markdown_literal(request.comment)}”",
            icon=":material/reply:",
        )


def _actions(variant: Variant, choices: review.Choices, brand: Brand | None) -> None:
    """The review decisions and the editor that the state machine offers this user here."""
    vid, seen = choices.variant_id, choices.lock_version
    moves = tuple(m for m in choices.moves if m.is_review or m.action in CARD_ACTIONS)
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
    # The editor's boxes are drawn only once asked for: a page of cards each with a hidden
    # editor drew several text boxes per card that nobody had opened.
    if (
        choices.can_edit
        and brand is not None
        and st.toggle(
            f"Edit (saves revision {variant.revision + 1}, which needs its own approval)",
            key=f"editing:{vid}",
        )
    ):
        with st.container(border=True):
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
    campaign: Campaign,
    assets: list[Asset],
    reviews: list[Review],
    parent_reviews: list[Review],
    choices: review.Choices,
    brand: Brand | None,
    selectable: bool,
    messages: list[tuple[str, str]],
    may_render: bool = False,
) -> None:
    with st.container(border=True):
        head, pick = st.columns([6, 1])
        flags = len(variant.violations)
        head.markdown(
            f"#### Variant {variant.id} · rev {variant.revision} · "
            f"{labels.persona(brand, variant.persona)} · {labels.channel(variant.channel)}\n"
            f"**{labels.status(variant.status)}** · by {variant.created_by} · "
            f"{':material/warning: ' + str(flags) + ' flag(s)' if flags else ':material/check_circle: no flags'}"
        )
        head.caption(f"Campaign #{campaign.id} · {campaign.name} · {campaign.landing_url}")
        if selectable:
            pick.checkbox("Select", key=f"select:{variant.id}")
        for kind, text in messages:  # the outcome of what was just done on this card
            _show(kind, text)
        off_site = brand.guideline.off_site_landing(campaign.landing_url) if brand else None
        if off_site:
            st.warning(f"Check the {off_site}.", icon=":material/link_off:")
        rules = review.rules_touched(variant, brand.guideline) if brand else None
        left, right = st.columns([3, 2])
        with left:
            _answers(variant, parent_reviews)
            _copy(variant)
            _score(variant)
            _rubric(variant, brand)
            for violation in rules.violations if rules else []:
                st.error(
                    markdown_literal(f"{violation.field}: {violation.reason} [{violation.rule}]")
                )
            _media(variant, assets, may_render)
            _history(reviews)
            _actions(variant, choices, brand)
        with right:
            _context_column(variant, brand, rules)


#: Cards per page: each card is dozens of elements and the browser's drawing of them is most
#: of the page's load time (about 0.1 s a card on a busy 2-core machine, against 0.02 s on the
#: server: benchmarks/page_load.py), so a page holds five.
PAGE_SIZE = 5


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
    top = st.container()  # messages of cards that have left this list, filled below
    statuses = [s.value for s in VariantStatus]
    c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1])
    status = c1.selectbox(
        "Status",
        statuses,
        index=statuses.index(VariantStatus.in_review),
        format_func=labels.status,
        key="review_status",
    )
    personas = c2.multiselect(
        "Personas",
        list(brand.personas),
        format_func=lambda slug: labels.persona(brand, slug),
        key="review_personas",
    )
    channels = c3.multiselect(
        "Channels", list(CHANNELS), format_func=labels.channel, key="review_channels"
    )
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
        parents = [v.parent_id for v in variants if v.parent_id is not None]
        parent_reviews = list(review_queries.list_reviews(session, variant_ids=parents))
        campaigns = {
            c: variant_queries.get_campaign(session, campaign_id=c)
            for c in {v.campaign_id for v in variants}
        }
        choices = review.choices_for_many(session, variants=variants, actor=user.username)
    st.session_state[_RENDERED] = {v.id: v.lock_version for v in variants}
    st.caption(
        f"{total} variant(s) {labels.status(status).lower()} (latest revisions only); showing "
        f"{len(variants)} on page {page} of {pages}."
    )
    with top:
        beside = _show_messages(set(ids))
    bulk = {a: [i for i in ids if a in choices[i].actions] for a in BULK_ACTIONS}
    selectable = {i for allowed in bulk.values() for i in allowed}
    if selectable:
        _bulk_bar(bulk)
    for variant in variants:
        _card(
            variant,
            campaigns[variant.campaign_id],
            [a for a in assets if a.variant_id == variant.id],
            [r for r in reviews if r.variant_id == variant.id],
            [r for r in parent_reviews if r.variant_id == variant.parent_id],
            choices[variant.id or 0],
            brand,
            selectable=variant.id in selectable,
            messages=beside.get(variant.id or 0, []),
            may_render=user.may(Permission.generate),
        )


def _bulk_bar(allowed: dict[ReviewAction, list[int]]) -> None:
    """Act on the selected cards at once: one button per move the user may make on some of them.

    Each button counts the selected cards that move allows; a confirmation lists them first.
    """
    pending: tuple[ReviewAction, dict[int, int]] | None = st.session_state.get(_BULK)
    if pending:
        action, chosen = pending
        label = _move_label(action)
        st.warning(
            f"{label}: {len(chosen)} variant(s), {', '.join(map(str, chosen))}? Each is done on "
            "its own; any that cannot be is listed with the reason."
        )
        yes, no = st.columns(2)
        yes.button(
            f"Confirm: {label.lower()} ({len(chosen)})",
            key="bulk_confirm",
            type="primary",
            on_click=_confirm_bulk,
        )
        no.button("Cancel", key="bulk_cancel", on_click=_cancel_bulk)
        return
    offered = [a for a in BULK_ACTIONS if allowed[a]]
    for column, action in zip(st.columns(len(offered)), offered, strict=True):
        selected = [i for i in allowed[action] if st.session_state.get(f"select:{i}")]
        column.button(
            f"{_move_label(action)}: selected ({len(selected)})",
            key=f"bulk_{action.value}",
            disabled=not selected,
            on_click=_ask_bulk,
            args=(action, selected),
        )
