"""Overview: the active brand at a glance, where the work stands and what to do next."""

from __future__ import annotations

import html

import streamlit as st

from studio.copy import variants as variant_queries
from studio.core.models import VariantStatus as S
from studio.core.text import markdown_literal
from studio.review import queries as review_queries
from studio.review.accounts import Permission
from studio.ui import auth as auth_ui
from studio.ui import context, labels

#: The statuses counted on the page, in the order work moves through them.
_COUNTED = (S.draft, S.in_review, S.approved, S.in_test, S.exported)


def next_steps(counts: dict[str, int]) -> list[str]:
    """What the signed-in user can do next, given how many variants are in each status.

    Only steps their role allows are offered (the same permissions that show the pages).
    """
    user = auth_ui.current_user()  # read once: each lookup is a database query

    def may(permission: str) -> bool:
        return user is not None and user.may(Permission(permission))

    steps = []
    if not any(counts.values()):
        if may("generate"):
            steps.append(
                "Nothing here yet: open **Generate** in the sidebar, fill in a brief and "
                "generate your first variants."
            )
        else:
            steps.append(
                "Nothing here yet: a creative generates the first variants on the **Generate** "
                "page; they come to **Review** when submitted."
            )
        if may("edit_guidelines"):
            steps.append("Check the brand's voice, claims and personas on the **Brand** page.")
        return steps
    if counts.get(S.draft) and may("generate"):
        steps.append(
            f"{counts[S.draft]} draft(s) to look over and submit: **Review**, status Draft."
        )
    if counts.get(S.changes_requested) and may("generate"):
        steps.append(
            f"{counts[S.changes_requested]} variant(s) need changes: **Review**, status "
            "Changes requested."
        )
    if counts.get(S.in_review) and may("review"):
        steps.append(f"{counts[S.in_review]} variant(s) wait for your decision on **Review**.")
    if counts.get(S.approved):
        if may("run_tests"):
            steps.append(f"{counts[S.approved]} approved variant(s) can go into a test: **Tests**.")
        if may("export"):
            steps.append(
                f"{counts[S.approved]} approved variant(s) can be exported for an ad platform: "
                "**Export**."
            )
    return steps


def render() -> None:
    brand = context.active_brand()
    st.title("Creative studio")
    if brand is None:
        st.error("No valid brand is loaded. Fix the files listed on the Brand page.")
        return
    guideline = brand.guideline
    left, right = st.columns([1, 3])
    with left:
        st.image(str(brand.logo_path), width=220)
    with right:
        st.subheader(guideline.name)
        st.markdown(markdown_literal(f"{guideline.industry} · {guideline.website}"))
        st.markdown(markdown_literal(guideline.voice.description))
        # Names and roles come from a brand file anyone with edit rights can change: escaped, so
        # they stay a tooltip's text and never become markup.
        st.markdown(
            " ".join(
                f'<span style="display:inline-block;width:1.2em;height:1.2em;'
                f"background:{html.escape(c.hex, quote=True)};border:1px solid #999;"
                f'border-radius:3px" title="{html.escape(f"{c.name} ({c.role})", quote=True)}">'
                "</span>"
                for c in guideline.colors
            ),
            unsafe_allow_html=True,
        )
    with context.db_session() as session:
        counts = variant_queries.count_by_status(session, brand=brand.slug)
        winners = review_queries.count_winners(session, brand=brand.slug)
    steps = next_steps(counts)
    if steps:
        st.subheader("What to do next")
        for step in steps:
            st.markdown(f"- {step}")
    st.subheader("Variants")
    columns = st.columns(len(_COUNTED) + 1)
    for column, status in zip(columns, _COUNTED, strict=False):
        column.metric(labels.status(status), counts.get(status, 0))
    columns[-1].metric(
        "Won a test",
        winners,
        help="Variants a creative test declared the winner, including those exported since.",
    )
    st.subheader("Personas")
    for persona in brand.personas.values():
        with st.expander(persona.name):
            st.markdown(markdown_literal(persona.description))
            st.markdown("**Pains:** " + markdown_literal("; ".join(persona.pains)))
            st.markdown("**Motivations:** " + markdown_literal("; ".join(persona.motivations)))
            st.markdown(
                "**Channels:** "
                + markdown_literal(", ".join(labels.channel(c) for c in persona.preferred_channels))
            )
