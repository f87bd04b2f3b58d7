"""Users."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from studio.core.errors import NotFound
from studio.core.models import Role, User


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
