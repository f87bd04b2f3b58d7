"""Audit log: every action, who did it and when, with before/after; filter and download as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import partial

import streamlit as st

from studio.core import audit
from studio.core.database import session_scope
from studio.review import audit_trail
from studio.review.accounts import AuthError
from studio.ui import context, labels

_ALL = "(all)"
#: Rows the CSV download holds at most.
ROW_LIMIT = 5000
#: Rows shown on the page: enough to read, few enough that the page draws at once.
SCREEN_ROWS = 500


def _csv(viewer: str, filters: audit.AuditFilters) -> bytes:
    """The download, built only when the button is clicked (outside the page's run)."""
    with session_scope(context.settings().database_url) as session:
        entries = audit_trail.read_entries(session, viewer=viewer, **filters, limit=ROW_LIMIT)
        return audit.to_csv(entries).encode()


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
    filters = audit.AuditFilters(
        actor=None if actor == _ALL else actor,
        action=None if action == _ALL else action,
        entity_type=None if entity_type == _ALL else entity_type,
        entity_id=entity_id or None,
        since=datetime.combine(since, time.min, tzinfo=UTC),
        until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC),
    )
    with context.db_session() as session:
        entries = list(
            audit_trail.read_entries(session, viewer=viewer, **filters, limit=SCREEN_ROWS + 1)
        )
    more = len(entries) > SCREEN_ROWS
    entries = entries[:SCREEN_ROWS]
    st.caption(
        f"More than {SCREEN_ROWS} entries, newest first: the newest {SCREEN_ROWS} are shown "
        f"and the CSV holds up to {ROW_LIMIT}; narrow the filters to see older ones"
        if more
        else f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, newest first"
    )
    st.download_button(
        "Download CSV",
        data=partial(_csv, viewer, filters),
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
