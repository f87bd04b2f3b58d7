"""Audit log: every action, who did it and when, with before/after; filter and download as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from studio.core import audit
from studio.review import audit_trail
from studio.review.accounts import AuthError
from studio.ui import context, labels

_ALL = "(all)"
ROW_LIMIT = 5000


def render() -> None:
    st.title("Audit log")
    viewer = context.current_username()
    try:
        with context.db_session() as session:
            choices = audit_trail.filter_choices(session, viewer=viewer)
    except AuthError as exc:
        st.error(str(exc))
        return
    c1, c2, c3, c4 = st.columns(4)
    actor = c1.selectbox("Who", [_ALL, *choices.actors], key="audit_actor")
    action = c2.selectbox(
        "Action",
        [_ALL, *choices.actions],
        format_func=lambda a: a if a == _ALL else labels.audit_action(a),
        key="audit_action",
    )
    entity_type = c3.selectbox(
        "On",
        [_ALL, *choices.entity_types],
        format_func=lambda t: t if t == _ALL else labels.humanize(t),
        key="audit_entity_type",
    )
    entity_id = c4.text_input("Id (e.g. variant id or file path)", key="audit_entity_id").strip()
    d1, d2 = st.columns(2)
    today = datetime.now(UTC).date()
    since = d1.date_input("From (UTC)", value=today - timedelta(days=30), key="audit_since")
    until = d2.date_input("To (UTC, inclusive)", value=today, key="audit_until")
    if since > until:
        st.error(f"'From' ({since}) is after 'To' ({until}); pick a range that runs forwards.")
        return
    with context.db_session() as session:
        entries = list(
            audit_trail.read_entries(
                session,
                viewer=viewer,
                actor=None if actor == _ALL else actor,
                action=None if action == _ALL else action,
                entity_type=None if entity_type == _ALL else entity_type,
                entity_id=entity_id or None,
                since=datetime.combine(since, time.min, tzinfo=UTC),
                until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC),
                limit=ROW_LIMIT,
            )
        )
    st.caption(
        f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, newest first"
        + (
            f" (the newest {ROW_LIMIT}; narrow the filters to see older ones)"
            if len(entries) == ROW_LIMIT
            else ""
        )
    )
    st.download_button(
        "Download CSV",
        data=audit.to_csv(entries),
        file_name=f"studio-audit-{today}.csv",
        mime="text/csv",
        key="audit_csv",
        disabled=not entries,
    )
    st.dataframe(
        [
            {
                "when (UTC)": e.at,
                "who": e.actor,
                "via": e.origin or "app",
                "action": labels.audit_action(e.action),
                "on": f"{labels.humanize(e.entity_type)} {e.entity_id}",
                "what changed": labels.audit_change(e.before, e.after),
            }
            for e in entries
        ],
        hide_index=True,
        use_container_width=True,
    )
