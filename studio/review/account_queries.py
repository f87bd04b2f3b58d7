"""Users, sign-in attempts and sign-in sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, update
from sqlmodel import Session, col, select

from studio.core.errors import InvalidValue, NotFound
from studio.core.models import Role, SignInCounter, SignInSession, User


def find_user(session: Session, *, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_user(session: Session, *, username: str) -> User:
    user = find_user(session, username=username)
    if user is None:
        raise NotFound("user named", username, hint="`studio users list` shows the accounts.")
    return user


def list_users(
    session: Session, *, role: Role | None = None, active_only: bool = False
) -> Sequence[User]:
    """Users by username; optionally only one role and/or only active accounts."""
    query = select(User)
    if role is not None:
        query = query.where(User.role == role.value)
    if active_only:
        query = query.where(col(User.is_active).is_(True))
    return session.exec(query.order_by(col(User.username))).all()


def add_user(
    session: Session, *, username: str, display_name: str, role: Role, password_hash: str
) -> User:
    user = User(
        username=username, display_name=display_name, role=role, password_hash=password_hash
    )
    session.add(user)
    session.flush()
    return user


def count_attempt(
    session: Session, *, login_key: str, now: datetime, window_start_after: datetime
) -> tuple[int, datetime]:
    """Add one attempt for ``login_key`` and return (attempts in the window, window start).

    A window that started before ``window_start_after`` starts again at ``now``. One statement,
    so concurrent attempts are counted one after the other (PostgreSQL row lock, SQLite's
    single writer), never both against the same old count.
    """
    expired = col(SignInCounter.window_start) < window_start_after
    update_values = {
        "failures": case((expired, 1), else_=col(SignInCounter.failures) + 1),
        "window_start": case((expired, now), else_=col(SignInCounter.window_start)),
    }
    values = {"login_key": login_key, "failures": 1, "window_start": now}
    returning = (col(SignInCounter.failures), col(SignInCounter.window_start))
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement: Any = (
            postgresql.insert(SignInCounter)
            .values(**values)
            .on_conflict_do_update(index_elements=["login_key"], set_=update_values)
            .returning(*returning)
        )
    else:
        from sqlalchemy.dialects import sqlite

        statement = (
            sqlite.insert(SignInCounter)
            .values(**values)
            .on_conflict_do_update(index_elements=["login_key"], set_=update_values)
            .returning(*returning)
        )
    failures, window_start = session.execute(statement).one()
    return int(failures), window_start


def forgive_attempt(session: Session, *, login_key: str) -> None:
    """Take back the attempt of a successful sign-in (it was counted before checking)."""
    session.execute(
        update(SignInCounter)
        .where(col(SignInCounter.login_key) == login_key)
        .where(col(SignInCounter.failures) > 0)
        .values(failures=SignInCounter.failures - 1)
    )


def clear_attempts(session: Session, *, login_key: str) -> None:
    """Forget the attempts on ``login_key`` (a new password was set)."""
    session.execute(delete(SignInCounter).where(col(SignInCounter.login_key) == login_key))


def add_sign_in_session(session: Session, *, row: SignInSession) -> SignInSession:
    session.add(row)
    session.flush()
    return row


def get_sign_in_session(session: Session, *, session_id: int) -> SignInSession | None:
    return session.get(SignInSession, session_id)


def find_sign_in_session(session: Session, *, token_hash: str) -> SignInSession | None:
    return session.exec(
        select(SignInSession).where(col(SignInSession.token_hash) == token_hash)
    ).first()


def claim_ticket(
    session: Session, *, ticket_hash: str, token_hash: str, now: datetime
) -> int | None:
    """Swap a live, unused ticket for a token in one statement; the session's id, or None.

    One ``UPDATE ... WHERE ticket_hash = ...``: of two requests with the same ticket, only the
    first finds it (the row lock / SQLite's single writer orders them).
    """
    claimed = session.execute(
        update(SignInSession)
        .where(col(SignInSession.ticket_hash) == ticket_hash)
        .where(col(SignInSession.ticket_expires_at) > now)
        .where(col(SignInSession.revoked_at).is_(None))
        .where(col(SignInSession.expires_at) > now)
        .values(ticket_hash=None, ticket_expires_at=None, token_hash=token_hash)
        .returning(col(SignInSession.id))
    ).first()
    return None if claimed is None else int(claimed[0])


def revoke_sign_in_sessions(
    session: Session,
    *,
    reason: str,
    now: datetime,
    session_id: int | None = None,
    username: str | None = None,
) -> int:
    """End live sessions (one by id, or every one of ``username``); how many were ended."""
    if session_id is None and username is None:
        raise InvalidValue("revoke_sign_in_sessions needs session_id or username")
    statement = update(SignInSession).where(col(SignInSession.revoked_at).is_(None))
    if session_id is not None:
        statement = statement.where(col(SignInSession.id) == session_id)
    if username is not None:
        statement = statement.where(col(SignInSession.username) == username)
    result = session.execute(statement.values(revoked_at=now, revoked_reason=reason))
    return int(result.rowcount)  # type: ignore[attr-defined]
