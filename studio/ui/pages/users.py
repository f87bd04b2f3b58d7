"""Users (admins): add people, change roles, reset passwords, deactivate and reactivate."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from studio.core.models import Role
from studio.review import accounts as auth
from studio.ui import auth as auth_ui
from studio.ui import context, labels

if TYPE_CHECKING:
    from sqlmodel import Session

_MESSAGES = "users_messages"


def _say(kind: str, text: str) -> None:
    st.session_state.setdefault(_MESSAGES, []).append((kind, text))


def _run(done: str, change: Callable[[Session], object]) -> bool:
    """Apply ``change(session)``; say what happened; True when it was saved."""
    try:
        with context.db_session() as session:
            change(session)
    except auth.AuthError as exc:
        _say("error", str(exc))
        return False
    _say("success", done)
    return True


def _add() -> None:
    state = st.session_state
    if state.get("new_password") != state.get("new_password_again"):
        _say("error", "The two passwords differ; type the same password twice.")
        return
    username = state.get("new_username", "").strip()
    added = _run(
        f"Added {username}.",
        lambda s: auth.create_user(
            s,
            actor=context.current_username(),
            username=username,
            display_name=state.get("new_display_name", ""),
            role=state.get("new_role", "creative"),
            password=state.get("new_password", ""),
        ),
    )
    if added:
        for key in ("new_username", "new_display_name", "new_password", "new_password_again"):
            state[key] = ""


def _set_role(username: str) -> None:
    role = st.session_state[f"role:{username}"]  # the selectbox whose change called this
    _run(
        f"{username} is now {labels.role(role)}.",
        lambda s: auth.set_role(s, actor=context.current_username(), username=username, role=role),
    )


def _set_active(username: str, active: bool) -> None:
    _run(
        f"{'Reactivated' if active else 'Deactivated'} {username}.",
        lambda s: auth.set_active(
            s, actor=context.current_username(), username=username, active=active
        ),
    )


def _set_password(username: str) -> None:
    password = st.session_state.get(f"password:{username}", "")
    _run(
        f"New password set for {username}.",
        lambda s: auth.set_password(
            s, actor=context.current_username(), username=username, password=password
        ),
    )
    st.session_state[f"password:{username}"] = ""


def render() -> None:
    st.title("Users")
    user = auth_ui.current_user()
    if user is None or not user.may(auth.Permission.manage_users):
        st.error("Only admins manage users.")
        return
    for kind, text in st.session_state.pop(_MESSAGES, []):
        (st.success if kind == "success" else st.error)(text)
    roles = [r.value for r in Role]
    st.dataframe(
        [
            {
                "role": labels.role(r),
                "may": "; ".join(
                    auth.PERMISSION_LABELS[p]
                    for p in auth.Permission
                    if p in auth.ROLE_PERMISSIONS[r]
                ),
            }
            for r in Role
        ],
        hide_index=True,
        use_container_width=True,
    )
    with st.expander("Add a user", expanded=False):
        st.text_input("Username (lowercase; an email works)", key="new_username")
        st.text_input("Display name", key="new_display_name")
        st.selectbox("Role", roles, format_func=labels.role, key="new_role")
        st.text_input(
            f"Password (at least {auth.MIN_PASSWORD_LENGTH} characters)",
            type="password",
            key="new_password",
        )
        st.text_input("Password again", type="password", key="new_password_again")
        st.button("Add user", type="primary", key="add_user", on_click=_add)
    with context.db_session() as session:
        people = [
            (u.username, u.display_name, str(u.role), u.is_active)
            for u in auth.list_users(session, actor=context.current_username())
        ]
    for username, display_name, role, active in people:
        with st.container(border=True):
            name, role_col, password_col, active_col = st.columns([2, 2, 3, 1])
            name.markdown(
                f"**{display_name}** (`{username}`)" + ("" if active else " — deactivated")
            )
            role_col.selectbox(
                "Role",
                roles,
                index=roles.index(role),
                format_func=labels.role,
                key=f"role:{username}",
                label_visibility="collapsed",
            )
            role_col.button(
                "Change role", key=f"set_role:{username}", on_click=_set_role, args=(username,)
            )
            password_col.text_input(
                "New password",
                type="password",
                key=f"password:{username}",
                label_visibility="collapsed",
                placeholder="new password",
            )
            password_col.button(
                "Set password",
                key=f"set_password:{username}",
                on_click=_set_password,
                args=(username,),
            )
            active_col.button(
                "Deactivate" if active else "Reactivate",
                key=f"active:{username}",
                on_click=_set_active,
                args=(username, not active),
            )
