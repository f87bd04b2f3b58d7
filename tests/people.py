"""Test accounts, one per role plus spares for four-eyes cases, shared by every test package."""

from __future__ import annotations

from functools import cache

from sqlmodel import Session

from studio.core.models import Role, User
from studio.review import account_queries as user_queries
from studio.review.accounts import hash_password

PASSWORD = "correct horse battery staple"

PEOPLE: dict[str, Role] = {
    "cara": Role.creative,
    "cole": Role.creative,
    "bea": Role.brand_manager,
    "ben": Role.brand_manager,
    "mia": Role.marketer,
    "ada": Role.admin,
}


@cache
def password_hash() -> str:
    """One argon2 hash for every test account (hashing is deliberately slow)."""
    return hash_password(PASSWORD)


def add_people(session: Session) -> dict[str, User]:
    people = {
        name: user_queries.add_user(
            session,
            username=name,
            display_name=name.title(),
            role=role,
            password_hash=password_hash(),
        )
        for name, role in PEOPLE.items()
    }
    session.commit()
    return people
