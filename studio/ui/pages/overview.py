"""Overview: the active brand at a glance and where the work stands."""

from __future__ import annotations

import html

import streamlit as st

from studio.copy import variants as variant_queries
from studio.core.models import VariantStatus as S
from studio.core.text import markdown_literal
from studio.ui import context


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
    st.subheader("Variants")
    columns = st.columns(5)
    for column, status in zip(
        columns, [S.draft, S.in_review, S.approved, S.in_test, S.winner], strict=True
    ):
        column.metric(status.replace("_", " ").title(), counts.get(status, 0))
    st.subheader("Personas")
    for slug, persona in brand.personas.items():
        with st.expander(f"{persona.name} (`{slug}`)"):
            st.markdown(markdown_literal(persona.description))
            st.markdown("**Pains:** " + markdown_literal("; ".join(persona.pains)))
            st.markdown("**Motivations:** " + markdown_literal("; ".join(persona.motivations)))
            st.markdown("**Channels:** " + markdown_literal(", ".join(persona.preferred_channels)))
