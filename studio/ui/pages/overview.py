"""Overview: the active brand at a glance and where the work stands."""

from __future__ import annotations

import streamlit as st

from studio.copy import variants as variant_queries
from studio.core.models import VariantStatus as S
from studio.ui import context, labels


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
        st.write(f"{guideline.industry} · {guideline.website}")
        st.write(guideline.voice.description)
        st.markdown(
            " ".join(
                f'<span style="display:inline-block;width:1.2em;height:1.2em;background:{c.hex};'
                f'border:1px solid #999;border-radius:3px" title="{c.name} ({c.role})"></span>'
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
        column.metric(labels.status(status), counts.get(status, 0))
    st.subheader("Personas")
    for persona in brand.personas.values():
        with st.expander(persona.name):
            st.write(persona.description)
            st.write("**Pains:** " + "; ".join(persona.pains))
            st.write("**Motivations:** " + "; ".join(persona.motivations))
            st.write(
                "**Channels:** " + ", ".join(labels.channel(c) for c in persona.preferred_channels)
            )
