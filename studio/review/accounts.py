"""Users, roles and sign-in: who may do what in the studio.

Roles and what they may do (:data:`ROLE_PERMISSIONS`, the one table the app, the CLI and the
review state machine all consult):

=============  ======================================================================
role           permissions
=============  ======================================================================
creative       generate copy and assets, edit drafts (makes revisions), submit for review
brand_manager  edit brand guidelines, review (approve, reject, request changes), audit log
marketer       run creative tests, export to ad platforms, audit log
admin          everything above, plus manage users
=============  ======================================================================

Why the admin may do everything: a small team's only admin must be able to unblock work when
a colleague is away. That power stays accountable: every action is audited under the admin's
own name, and the four-eyes rule (``STUDIO_FOUR_EYES``) applies to admins too, so an admin
cannot approve copy they wrote. Teams that want strict separation of duties give the admin
role to an IT account that does no creative work.

Passwords are hashed with argon2id (``argon2-cffi`` defaults, RFC 9106); a hash made with
weaker parameters is upgraded at the next successful sign-in. The first admin is created by
``studio users create-admin``; there is no default account or password.

A sign-in (:class:`SignIn`) expires ``STUDIO_SESSION_TTL_MINUTES`` after it began, whatever
the activity. A password sign-in is also a row on the server (:func:`open_session`), so that it
survives a page reload: the browser holds a random token (in an HttpOnly cookie, handed over with
a one-time ticket: :func:`issue_ticket`, :func:`claim_ticket`), the server keeps its hash, and
:func:`resume_token` checks it at every page load. Signing out, a password change and a
deactivation revoke the row, so a copied cookie is worth nothing afterwards; a user deactivated or deleted since signing in is signed out at their next
request, and a role change takes effect at once (the role is read from the database on every
check, never from the session).

Behind a company identity provider (Streamlit's OIDC support, ``STUDIO_AUTH_PROVIDER=oidc``)
the provider proves who someone is and :func:`user_for_identity` maps them to a studio user by
*verified* email (never ``preferred_username``); the studio user's role still decides what they
may do.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session

from studio.core import audit
from studio.core.errors import InvalidValue, UserFacingError
from studio.core.models import Role, SignInSession, User, utcnow
from studio.review import account_queries as user_queries


class Permission(StrEnum):
    generate = "generate"
    edit_draft = "edit_draft"
    submit_review = "submit_review"
    edit_guidelines = "edit_guidelines"
    review = "review"
    run_tests = "run_tests"
    export = "export"
    view_audit = "view_audit"
    manage_users = "manage_users"


#: What each permission lets a person do, for error messages and the Users page.
PERMISSION_LABELS: Mapping[Permission, str] = MappingProxyType(
    {
        Permission.generate: "generate copy, images and videos",
        Permission.edit_draft: "edit variants (each edit makes a new revision)",
        Permission.submit_review: "submit variants for review",
        Permission.edit_guidelines: "edit brand guidelines and personas",
        Permission.review: "approve, reject or request changes",
        Permission.run_tests: "start and decide creative tests",
        Permission.export: "export to ad platforms",
        Permission.view_audit: "read and download the audit log",
        Permission.manage_users: "add, change and deactivate users",
    }
)

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.creative: frozenset(
            {Permission.generate, Permission.edit_draft, Permission.submit_review}
        ),
        Role.brand_manager: frozenset(
            {Permission.edit_guidelines, Permission.review, Permission.view_audit}
        ),
        Role.marketer: frozenset({Permission.run_tests, Permission.export, Permission.view_audit}),
        Role.admin: frozenset(Permission),
    }
)

#: Lowercase letters, digits and ``. _ @ + -``, 2 to 64 characters: fits emails for OIDC.
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,63}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
#: Failed sign-ins on one username within LOCKOUT_MINUTES that pause further attempts.
MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15

_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against for unknown usernames so that a wrong name costs as long as a wrong password."""
    return _HASHER.hash("studio: no such user, compared only to spend the same time")


class AuthError(UserFacingError):
    """A sign-in, session or permission problem; the message says what and what to do."""


class AuthenticationFailed(AuthError):
    pass


class SessionExpired(AuthError):
    pass


class SessionRevoked(AuthError):
    """The sign-in was ended on the server (sign-out, password change, deactivation)."""

    def __init__(self, message: str, *, reason: str):
        self.reason = reason
        super().__init__(message)


class PermissionDenied(AuthError):
    def __init__(self, username: str, role: Role, permission: Permission):
        self.username, self.role, self.permission = username, role, permission
        allowed = ", ".join(r.value for r in roles_with(permission))
        super().__init__(
            f"{username} ({role.value}) may not {PERMISSION_LABELS[permission]} "
            f"[permission '{permission.value}']; roles that may: {allowed}"
        )


class InvalidUser(AuthError):
    """A user could not be created or changed as asked (bad name, weak password, last admin...)."""


# --------------------------------------------------------------------------------------------
# Roles and permissions
# --------------------------------------------------------------------------------------------


def parse_role(value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidUser(
            f"role {value!r} does not exist; roles: {', '.join(r.value for r in Role)}"
        ) from None


def permissions_for(role: Role | str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[parse_role(role)]


def has_permission(role: Role | str, permission: Permission) -> bool:
    return permission in permissions_for(role)


def roles_with(permission: Permission) -> list[Role]:
    return [role for role in Role if permission in ROLE_PERMISSIONS[role]]


def active_user(session: Session, *, username: str) -> User:
    """The active user called ``username``; :class:`AuthenticationFailed` when none is."""
    user = user_queries.find_user(session, username=username)
    if user is None:
        raise AuthenticationFailed(
            f"no user named {username!r}; an admin adds one with `studio users add`"
        )
    if not user.is_active:
        raise AuthenticationFailed(
            f"user {username!r} is deactivated; ask an admin to reactivate it"
        )
    return user


def require(session: Session, *, username: str, permission: Permission) -> User:
    """The active user ``username`` if their role (read now, from the database) has ``permission``."""
    user = active_user(session, username=username)
    if not has_permission(user.role, permission):
        raise PermissionDenied(user.username, Role(user.role), permission)
    return user


# --------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------


def check_password_strength(password: str, *, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser(
            f"password is {len(password)} characters long; use at least {MIN_PASSWORD_LENGTH} "
            "(a passphrase of a few words is easiest)"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidUser(
            f"password is {len(password)} characters long; at most {MAX_PASSWORD_LENGTH}"
        )
    if username and password.lower() == username.lower():
        raise InvalidUser("password must not be the username")


def hash_password(password: str) -> str:
    """An argon2id hash (``$argon2id$v=19$m=...``) with its own random salt."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; a corrupt stored hash raises."""
    try:
        return _HASHER.verify(password_hash, password)
    except VerifyMismatchError:
        return False
    except InvalidHashError:
        raise AuthError(
            "the stored password hash is not an argon2 hash; an admin must reset this "
            "user's password (`studio users set-password`)"
        ) from None
    except VerificationError:
        return False


def login_key(username: str) -> str:
    """What the lockout counts a typed name under: its SHA-256 (the text itself is never stored)."""
    return hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


def authenticate(
    session: Session, *, username: str, password: str, now: datetime | None = None
) -> User:
    """The user if ``password`` is theirs; every attempt is audited (passwords never are).

    The attempt is counted *before* the password is checked, in one statement
    (:func:`studio.review.account_queries.count_attempt`), so parallel guesses cannot all pass
    the lockout: at most :data:`MAX_FAILED_SIGN_INS` within :data:`LOCKOUT_MINUTES` are ever
    checked. A success takes its count back. A failed attempt raises *after* adding its rows to
    ``session``: commit the session anyway, so that failures are kept.

    A name that is no user (often a password typed into the username box) is never written to
    the audit log: the entry records ``unknown`` and a short fingerprint of it.

    Raises
    ------
    AuthenticationFailed
        Unknown user or wrong password (one message for both, so names cannot be probed), a
        deactivated account, or too many recent failures.
    """
    moment = now or utcnow()
    key = login_key(username)
    failures, window_start = user_queries.count_attempt(
        session,
        login_key=key,
        now=moment,
        window_start_after=moment - timedelta(minutes=LOCKOUT_MINUTES),
    )
    user = user_queries.find_user(session, username=username)
    if failures > MAX_FAILED_SIGN_INS:
        _audit_sign_in_failure(session, username, user, "locked out")
        raise AuthenticationFailed(
            f"{MAX_FAILED_SIGN_INS} failed sign-ins for this username in the last {LOCKOUT_MINUTES} "
            f"minutes; wait until {window_start + timedelta(minutes=LOCKOUT_MINUTES):%H:%M} UTC "
            "or ask an admin to set a new password"
        )
    if user is None:
        verify_password(_dummy_hash(), password)
        _audit_sign_in_failure(session, username, None, "unknown user")
        raise AuthenticationFailed("unknown username or wrong password")
    if not verify_password(user.password_hash, password):
        _audit_sign_in_failure(session, username, user, "wrong password")
        raise AuthenticationFailed("unknown username or wrong password")
    if not user.is_active:
        _audit_sign_in_failure(session, username, user, "deactivated")
        raise AuthenticationFailed(
            f"user {username!r} is deactivated; ask an admin to reactivate it"
        )
    user_queries.forgive_attempt(session, login_key=key)
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return _signed_in(session, user, method="password")


def _signed_in(session: Session, user: User, *, method: str) -> User:
    """Audit ``user``'s sign-in by ``method`` (``password`` or ``oidc``) and return them."""
    audit.record(
        session,
        actor=user.username,
        action="user.sign_in",
        entity_type="user",
        entity_id=user.username,
        after={"method": method},
    )
    return user


def _audit_sign_in_failure(session: Session, typed: str, user: User | None, why: str) -> None:
    if user is not None:
        name = user.username
        after: dict[str, Any] = {"reason": why}
    else:
        # What was typed may be a password (typed into the wrong box) or a formula: keep only
        # a fingerprint that matches repeated attempts with the same text.
        name = "unknown"
        after = {"reason": why, "typed_fingerprint": login_key(typed)[:12]}
    audit.record(
        session,
        actor=name,
        action="user.sign_in_failed",
        entity_type="user",
        entity_id=name,
        after=after,
    )


# --------------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """A signed-in session as the app keeps it (in Streamlit's per-browser-tab session state).

    It holds no role: the role is read from the database at every check.
    """

    username: str
    method: Literal["password", "oidc"]
    signed_in_at: datetime
    expires_at: datetime
    #: The :class:`~studio.core.models.SignInSession` row checked at every request; ``None`` for a
    #: sign-in that lives only in this process (a browser tab's memory, as OIDC and tests use).
    session_id: int | None = None

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at

    def minutes_left(self, now: datetime | None = None) -> float:
        return max(0.0, (self.expires_at - (now or utcnow())).total_seconds() / 60)


def start_session(
    user: User,
    *,
    ttl_minutes: int,
    method: Literal["password", "oidc"] = "password",
    now: datetime | None = None,
) -> SignIn:
    if ttl_minutes <= 0:
        raise InvalidValue(f"ttl_minutes must be positive, got {ttl_minutes}")
    started = now or utcnow()
    return SignIn(
        username=user.username,
        method=method,
        signed_in_at=started,
        expires_at=started + timedelta(minutes=ttl_minutes),
    )


def resume_session(session: Session, *, signin: SignIn, now: datetime | None = None) -> User:
    """The signed-in user, if the sign-in is still valid.

    Raises
    ------
    SessionExpired
        The sign-in is older than its time to live.
    AuthenticationFailed
        The user was deactivated or removed since signing in.
    SessionExpired
        Also when the password was changed after this sign-in (every session of that user ends).
    """
    moment = now or utcnow()
    if signin.session_id is not None:
        row = user_queries.get_sign_in_session(session, session_id=signin.session_id)
        if row is None or row.revoked_at is not None:
            reason = row.revoked_reason if row is not None else "unknown"
            raise SessionRevoked(
                _REVOKED_MESSAGES.get(reason, _REVOKED_MESSAGES["unknown"]), reason=reason
            )
    if signin.is_expired(moment):
        minutes = round((signin.expires_at - signin.signed_in_at).total_seconds() / 60)
        raise SessionExpired(
            f"your sign-in expired at {signin.expires_at:%Y-%m-%d %H:%M} UTC "
            f"(sign-ins last {minutes} minutes); please sign in again"
        )
    user = active_user(session, username=signin.username)
    if user.sessions_valid_after is not None and signin.signed_in_at < user.sessions_valid_after:
        raise SessionExpired(
            f"the password of {user.username!r} was changed at "
            f"{user.sessions_valid_after:%Y-%m-%d %H:%M} UTC, which ends every earlier sign-in; "
            "please sign in again with the new password"
        )
    return user


#: Seconds a cookie ticket may wait for the browser to claim it.
TICKET_SECONDS = 60

#: Why a server-side sign-in was ended, as the person is told at their next page load.
_REVOKED_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "signed_out": "you signed out; sign in again to continue",
        "password_changed": "your password was changed, which ends every sign-in; "
        "please sign in again with the new password",
        "deactivated": "your account was deactivated; ask an admin to reactivate it",
        "unknown": "this sign-in is not known to the server (it ended or never existed); "
        "please sign in",
    }
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(
    session: Session,
    *,
    user: User,
    ttl_minutes: int,
    method: Literal["password", "oidc"] = "password",
    now: datetime | None = None,
) -> SignIn:
    """Start a sign-in that the server keeps (and can revoke), as :func:`start_session` does."""
    signin = start_session(user, ttl_minutes=ttl_minutes, method=method, now=now)
    row = user_queries.add_sign_in_session(
        session,
        row=SignInSession(
            username=signin.username,
            method=signin.method,
            signed_in_at=signin.signed_in_at,
            expires_at=signin.expires_at,
        ),
    )
    return SignIn(
        username=signin.username,
        method=signin.method,
        signed_in_at=signin.signed_in_at,
        expires_at=signin.expires_at,
        session_id=row.id,
    )


def issue_ticket(session: Session, *, signin: SignIn, now: datetime | None = None) -> str:
    """A one-time ticket, good for :data:`TICKET_SECONDS`, that :func:`claim_ticket` swaps for the
    sign-in's token. Only the ticket passes through the page; the token goes straight into an
    HttpOnly cookie. A new ticket replaces an unclaimed one."""
    if signin.session_id is None:
        raise InvalidValue(
            f"the sign-in of {signin.username!r} has no server-side session (session_id is None); "
            "open it with open_session()"
        )
    row = user_queries.get_sign_in_session(session, session_id=signin.session_id)
    if row is None or row.revoked_at is not None:
        raise SessionRevoked(_REVOKED_MESSAGES["unknown"], reason="unknown")
    ticket = secrets.token_urlsafe(32)
    row.ticket_hash = _digest(ticket)
    row.ticket_expires_at = (now or utcnow()) + timedelta(seconds=TICKET_SECONDS)
    session.add(row)
    session.flush()
    return ticket


def claim_ticket(
    session: Session, *, ticket: str, now: datetime | None = None
) -> tuple[str, SignIn]:
    """Swap a live ticket (once) for a new random token; returns ``(token, sign-in)``.

    Raises
    ------
    SessionRevoked
        The ticket is unknown, used already, older than :data:`TICKET_SECONDS`, or its
        sign-in has ended.
    """
    moment = now or utcnow()
    token = secrets.token_urlsafe(32)
    session_id = user_queries.claim_ticket(
        session, ticket_hash=_digest(ticket), token_hash=_digest(token), now=moment
    )
    if session_id is None:
        raise SessionRevoked(
            "this sign-in ticket is unknown, already used or older than "
            f"{TICKET_SECONDS} seconds; sign in again",
            reason="ticket",
        )
    row = user_queries.get_sign_in_session(session, session_id=session_id)
    assert row is not None  # claimed just now, in this transaction
    return token, _signin_of(row)


def _signin_of(row: SignInSession) -> SignIn:
    return SignIn(
        username=row.username,
        method="oidc" if row.method == "oidc" else "password",
        signed_in_at=row.signed_in_at,
        expires_at=row.expires_at,
        session_id=row.id,
    )


def resume_token(session: Session, *, token: str, now: datetime | None = None) -> SignIn:
    """The sign-in a browser's token stands for, checked now (as :func:`resume_session` does).

    Raises
    ------
    SessionRevoked
        No live session has this token (unknown, signed out, password changed, deactivated).
    SessionExpired, AuthenticationFailed
        As :func:`resume_session`.
    """
    row = user_queries.find_sign_in_session(session, token_hash=_digest(token))
    if row is None:
        raise SessionRevoked(_REVOKED_MESSAGES["unknown"], reason="unknown")
    signin = _signin_of(row)
    resume_session(session, signin=signin, now=now)
    return signin


def end_session(session: Session, *, signin: SignIn) -> None:
    """Record a sign-out and revoke its server-side session (the app then forgets the
    :class:`SignIn`; a copy of its cookie is refused from now on)."""
    if signin.session_id is not None:
        user_queries.revoke_sign_in_sessions(
            session, session_id=signin.session_id, reason="signed_out", now=utcnow()
        )
    audit.record(
        session,
        actor=signin.username,
        action="user.sign_out",
        entity_type="user",
        entity_id=signin.username,
        after={"method": signin.method},
    )


def user_for_identity(session: Session, *, claims: Mapping[str, Any]) -> User:
    """The studio user for an identity proven by an OIDC provider (Streamlit's ``st.user``).

    Only a *verified* email is trusted: the claim ``email`` (lowercased) names the studio user,
    and the provider must say ``email_verified: true``. ``preferred_username`` and an unverified
    email are never used: many providers let a person choose them, so either could name an
    existing admin. The provider proves identity; the studio user's role decides what they may
    do. Each sign-in is audited.
    """
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise AuthenticationFailed(
            "the identity provider sent no 'email' claim; add the 'email' scope to the provider's "
            "client settings (the studio maps a verified email to a studio user)"
        )
    verified = claims.get("email_verified")
    if verified is not True and str(verified).lower() != "true":
        raise AuthenticationFailed(
            f"the identity provider did not confirm that {email!r} is verified (email_verified is "
            f"{verified!r}); the studio signs in verified emails only. Verify the address with the "
            "provider, or ask its admin to send the email_verified claim"
        )
    user = user_queries.find_user(session, username=email)
    if user is None:
        raise AuthenticationFailed(
            f"signed in with the identity provider as {email}, but no studio user has that name; "
            f"an admin adds one with `studio users add {email} --role ROLE`"
        )
    if not user.is_active:
        raise AuthenticationFailed(f"user {email!r} is deactivated; ask an admin to reactivate it")
    return _signed_in(session, user, method="oidc")


# --------------------------------------------------------------------------------------------
# Managing users
# --------------------------------------------------------------------------------------------


def _snapshot(user: User) -> dict[str, Any]:
    """A user as the audit log records it (never the password hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": str(user.role),
        "is_active": user.is_active,
    }


def _check_new_user(session: Session, username: str, display_name: str, password: str) -> None:
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidUser(
            f"username {username!r} is not allowed: use 2-64 lowercase letters, digits or . _ @ + - "
            "starting with a letter or digit (an email address works)"
        )
    if not display_name.strip():
        raise InvalidUser("display name is empty; give the person's name as colleagues know it")
    if len(display_name) > 128:
        raise InvalidUser(f"display name is {len(display_name)} characters; at most 128")
    if user_queries.find_user(session, username=username) is not None:
        raise InvalidUser(f"a user named {username!r} already exists")
    check_password_strength(password, username=username)


def create_user(
    session: Session,
    *,
    actor: str,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
) -> User:
    """Add a user; ``actor`` must be allowed to manage users."""
    require(session, username=actor, permission=Permission.manage_users)
    parsed = parse_role(role)
    return _add_user(
        session,
        actor=actor,
        action="user.create",
        username=username,
        display_name=display_name,
        role=parsed,
        password=password,
    )


def _add_user(
    session: Session,
    *,
    actor: str,
    action: str,
    username: str,
    display_name: str,
    role: Role,
    password: str,
) -> User:
    """Check the new user's name and password, add them and audit ``action`` by ``actor``."""
    _check_new_user(session, username, display_name, password)
    user = user_queries.add_user(
        session,
        username=username,
        display_name=display_name.strip(),
        role=role,
        password_hash=hash_password(password),
    )
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="user",
        entity_id=username,
        after=_snapshot(user),
    )
    return user


def needs_first_admin(session: Session) -> bool:
    """Whether no active admin exists, so :func:`create_first_admin` would be allowed.

    Unchecked on purpose: it is asked before anyone can sign in, and tells nothing about who
    the users are.
    """
    return not user_queries.list_users(session, role=Role.admin, active_only=True)


def create_first_admin(
    session: Session, *, username: str, display_name: str, password: str
) -> User:
    """The first admin, for a fresh install; refused once an active admin exists."""
    admins = user_queries.list_users(session, role=Role.admin, active_only=True)
    if admins:
        names = ", ".join(a.username for a in admins)
        raise InvalidUser(
            f"an admin already exists ({names}); they add users with `studio users add --as ADMIN`"
        )
    return _add_user(
        session,
        actor=username,
        action="user.create_first_admin",
        username=username,
        display_name=display_name,
        role=Role.admin,
        password=password,
    )


def _target(session: Session, username: str) -> User:
    user = user_queries.find_user(session, username=username)
    if user is None:
        raise InvalidUser(f"no user named {username!r}")
    return user


def _guard_last_admin(session: Session, user: User, change: str) -> None:
    if user.role == Role.admin and user.is_active:
        admins = user_queries.list_users(session, role=Role.admin, active_only=True)
        if len(admins) <= 1:
            raise InvalidUser(
                f"cannot {change} {user.username!r}: they are the only active admin and nobody "
                "could manage users afterwards; make another admin first"
            )


def set_active(session: Session, *, actor: str, username: str, active: bool) -> User:
    """Deactivate (signs them out at their next request) or reactivate a user. Rows are kept."""
    require(session, username=actor, permission=Permission.manage_users)
    user = _target(session, username)
    if user.is_active == active:
        return user
    if not active:
        _guard_last_admin(session, user, "deactivate")
    before = _snapshot(user)
    user.is_active = active
    session.add(user)
    if not active:
        user_queries.revoke_sign_in_sessions(
            session, username=username, reason="deactivated", now=utcnow()
        )
    audit.record(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        entity_type="user",
        entity_id=username,
        before=before,
        after=_snapshot(user),
    )
    return user


def set_role(session: Session, *, actor: str, username: str, role: Role | str) -> User:
    require(session, username=actor, permission=Permission.manage_users)
    parsed = parse_role(role)
    user = _target(session, username)
    if user.role == parsed:
        return user
    _guard_last_admin(session, user, f"make {parsed.value}")
    before = _snapshot(user)
    user.role = parsed
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="user.set_role",
        entity_type="user",
        entity_id=username,
        before=before,
        after=_snapshot(user),
    )
    return user


def set_password(session: Session, *, actor: str, username: str, password: str) -> User:
    """Set a new password: a user for themselves, an admin for anyone."""
    acting = active_user(session, username=actor)
    if actor != username and not has_permission(acting.role, Permission.manage_users):
        raise PermissionDenied(acting.username, Role(acting.role), Permission.manage_users)
    user = _target(session, username)
    check_password_strength(password, username=username)
    user.password_hash = hash_password(password)
    # Whoever knew the old password (or held a session with it) is signed out everywhere, and
    # the lockout on the name starts again.
    user.sessions_valid_after = utcnow()
    session.add(user)
    user_queries.revoke_sign_in_sessions(
        session, username=username, reason="password_changed", now=user.sessions_valid_after
    )
    user_queries.clear_attempts(session, login_key=login_key(username))
    audit.record(
        session,
        actor=actor,
        action="user.set_password",
        entity_type="user",
        entity_id=username,
        after={"password": "changed", "sessions": "ended"},
    )
    return user


def list_users(session: Session, *, actor: str) -> Sequence[User]:
    """Every user (names, roles, active or not); ``actor`` must be allowed to manage users."""
    require(session, username=actor, permission=Permission.manage_users)
    return user_queries.list_users(session)
