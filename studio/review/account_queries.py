"""Users."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, update
from sqlmodel import Session, col, select

from studio.core.errors import NotFound
from studio.core.models import Role, SignInCounter, User


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
