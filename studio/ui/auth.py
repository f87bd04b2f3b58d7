"""Sign-in for the app: the form (or the company identity provider), expiry, sign-out.

A password sign-in is kept on the server and in an HttpOnly cookie
(:mod:`studio.ui.session_cookie`), so a page reload or a new tab stays signed in until the
sign-in expires, the person signs out, or their password changes.

The shell calls :func:`require_sign_in` before any page; nothing else is shown until someone
is signed in. What a person may do is decided by :mod:`studio.review.accounts` (roles are read from the
database on every run, so a deactivation or a role change applies at the next click).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from studio.core.errors import StudioError
from studio.core.models import Role
from studio.review import accounts as auth
from studio.ui import context, session_cookie

#: Where the sign-in lives in Streamlit's per-browser-tab session state.
SIGNIN_KEY = "studio_signin"
_NOTICE_KEY = "studio_signin_notice"
_OIDC_LOGOUT_KEY = "studio_oidc_logout"
#: A cookie ticket to hand to the browser at the next run, or True: clear the cookie.
_COOKIE_TICKET_KEY = "studio_cookie_ticket"
_COOKIE_CLEAR_KEY = "studio_cookie_clear"


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person as pages see them (a plain value, safe to keep across runs)."""

    username: str
    display_name: str
    role: Role

    def may(self, permission: auth.Permission) -> bool:
        return auth.has_permission(self.role, permission)


class NotSignedIn(StudioError):
    pass


def _signin() -> auth.SignIn | None:
    value = st.session_state.get(SIGNIN_KEY)
    return value if isinstance(value, auth.SignIn) else None


def sign_in_as(username: str, *, method: str = "password") -> auth.SignIn:
    """Start a session for an already-authenticated ``username`` (used by the form and OIDC)."""
    with context.db_session() as session:
        user = auth.active_user(session, username=username)
        signin = auth.start_session(
            user,
            ttl_minutes=context.settings().session_ttl_minutes,
            method="oidc" if method == "oidc" else "password",
        )
    st.session_state[SIGNIN_KEY] = signin
    return signin


def _signin_from_cookie() -> auth.SignIn | None:
    """The sign-in the browser's session cookie stands for, checked on the server now."""
    if st.session_state.get(_COOKIE_CLEAR_KEY):
        return None  # signed out in this tab; the browser may not have dropped the cookie yet
    token = st.context.cookies.get(session_cookie.COOKIE_NAME)
    if not isinstance(token, str) or not token:
        return None  # no cookie (or no browser behind this run: AppTest has none)
    try:
        with context.db_session() as session:
            signin = auth.resume_token(session, token=token)
    except auth.SessionRevoked as exc:
        if exc.reason not in ("signed_out", "unknown"):
            st.session_state[_NOTICE_KEY] = str(exc)
        return None
    except auth.AuthError as exc:
        st.session_state[_NOTICE_KEY] = str(exc)
        return None
    st.session_state[SIGNIN_KEY] = signin
    return signin


def current_user() -> CurrentUser | None:
    """The signed-in user, or ``None`` when nobody is (or the sign-in has expired)."""
    signin = _signin() or _signin_from_cookie()
    if signin is None:
        return None
    try:
        with context.db_session() as session:
            user = auth.resume_session(session, signin=signin)
            return CurrentUser(user.username, user.display_name, Role(user.role))
    except auth.AuthError as exc:
        st.session_state.pop(SIGNIN_KEY, None)
        st.session_state[_NOTICE_KEY] = str(exc)
        if signin.method == "oidc":
            # Otherwise the provider's cookie would sign them straight back in.
            st.session_state[_OIDC_LOGOUT_KEY] = True
        return None


def current_username() -> str:
    """The signed-in user's username, recorded with every change they make."""
    user = current_user()
    if user is None:
        raise NotSignedIn(
            "nobody is signed in: pages run inside the app shell, which asks for sign-in first "
            f"(tests put an auth.SignIn under st.session_state[{SIGNIN_KEY!r}])"
        )
    return user.username


def may_open(permission: str | None) -> bool:
    """Whether the signed-in user's role may open a page that needs ``permission``."""
    if permission is None:
        return True
    user = current_user()
    return user is not None and user.may(auth.Permission(permission))


def _password_form() -> None:
    st.title("Sign in to studio")
    with st.form("sign_in"):
        username = st.text_input("Username", key="sign_in_username")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        st.caption(
            "No account yet? An admin adds you (`studio users add`); the first admin is "
            "created with `studio users create-admin`."
        )
        return
    if not username or not password:
        st.error("Enter both your username and your password.")
        return
    error = None
    with context.db_session() as session:
        # Failed attempts are audited (and counted for the lockout), so the session commits
        # even when authentication fails.
        try:
            user = auth.authenticate(session, username=username.strip(), password=password)
        except auth.AuthError as exc:
            error = str(exc)
        else:
            signin = auth.open_session(
                session, user=user, ttl_minutes=context.settings().session_ttl_minutes
            )
            st.session_state[SIGNIN_KEY] = signin
            st.session_state[_COOKIE_TICKET_KEY] = auth.issue_ticket(session, signin=signin)
            st.session_state.pop(_COOKIE_CLEAR_KEY, None)
    if error:
        st.error(error)
        return
    st.rerun()


def hand_over_cookie() -> None:
    """Run the page script that sets (after sign-in) or clears (after sign-out) the cookie.

    Called on every run by the shell; it emits a script only in the run after a change.
    """
    ticket = st.session_state.pop(_COOKIE_TICKET_KEY, None)
    if ticket:
        st.html(session_cookie.claim_script(ticket), unsafe_allow_javascript=True)
    elif st.session_state.get(_COOKIE_CLEAR_KEY) == "pending":
        st.session_state[_COOKIE_CLEAR_KEY] = "sent"
        st.html(session_cookie.clear_script(), unsafe_allow_javascript=True)


def _oidc_sign_in() -> None:
    st.title("Sign in to studio")
    try:
        configured = "auth" in st.secrets
    except FileNotFoundError:
        configured = False
    if not configured:
        st.error(
            "STUDIO_AUTH_PROVIDER is 'oidc' but .streamlit/secrets.toml has no [auth] section. "
            "Add the identity provider's settings there (docs/identity-provider.md), or set "
            "STUDIO_AUTH_PROVIDER=password."
        )
        return
    if st.session_state.pop(_OIDC_LOGOUT_KEY, False) and st.user.is_logged_in:
        st.logout()
        return
    if not st.user.is_logged_in:
        st.button("Sign in with your company account", type="primary", on_click=st.login)
        return
    error = None
    with context.db_session() as session:
        try:
            user = auth.user_for_identity(session, claims=st.user.to_dict())
        except auth.AuthError as exc:
            error = str(exc)
        else:
            st.session_state[SIGNIN_KEY] = auth.start_session(
                user, ttl_minutes=context.settings().session_ttl_minutes, method="oidc"
            )
    if error:
        st.error(error)
        st.button("Sign out of the identity provider", on_click=st.logout)
        return
    st.rerun()


def require_sign_in() -> CurrentUser:
    """The signed-in user; otherwise show the sign-in screen and stop this run."""
    user = current_user()
    if user is not None:
        return user
    hand_over_cookie()
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    if context.settings().auth_provider == "oidc":
        _oidc_sign_in()
    else:
        _password_form()
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover - st.stop raises


def sign_out() -> None:
    signin = _signin()
    st.session_state.pop(SIGNIN_KEY, None)
    st.session_state.pop(_COOKIE_TICKET_KEY, None)
    st.session_state[_COOKIE_CLEAR_KEY] = "pending"
    if signin is not None:
        with context.db_session() as session:
            auth.end_session(session, signin=signin)
        if signin.method == "oidc" and st.user.is_logged_in:
            st.logout()


def account_sidebar(user: CurrentUser) -> None:
    """Who is signed in, until when, and a sign-out button (in the sidebar)."""
    signin = _signin()
    with st.sidebar:
        st.caption(
            f"Signed in as **{user.display_name}** (`{user.username}`, {user.role.value.replace('_', ' ')})"
        )
        if signin is not None:
            st.caption(f"Session ends at {signin.expires_at:%H:%M} UTC")
        st.button("Sign out", key="sign_out", on_click=sign_out)
