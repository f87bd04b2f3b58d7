"""Class 5: identity (sign-in, sessions, lockout, audit of failures, demo accounts).

Before:

* OIDC sign-in trusted an unverified ``email`` and fell back to ``preferred_username``, which a
  person can often choose at the provider: naming it ``ada`` signed them in as the admin;
* a session survived a password reset (whoever had stolen it stayed signed in);
* the lockout counted failures *after* checking, so 32 parallel guesses got 18 checked;
* a password typed into the username box was kept in the audit log;
* ``studio demo`` reactivated deactivated accounts and restored their roles, recorded only as a
  password change.

Now only a verified email maps to a studio user; a password change ends every earlier session;
attempts are counted in one statement *before* the password is checked; names that are no user
are stored as a fingerprint only; the demo stops rather than undo an admin's decision.
(The CTR model registry's name check belongs to the permissions work and is tested there.)
"""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session

from studio.core import audit
from studio.core.database import get_engine
from studio.core.models import Role
from studio.demo.journey import _demo_accounts
from studio.review import account_queries as user_queries
from studio.review import accounts as auth
from tests.people import PASSWORD


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "someone@evil.example", "preferred_username": "ada"},
        {"email": "ada", "email_verified": False},
        {"email": "ada"},
        {"preferred_username": "ada", "email_verified": True},
    ],
    ids=["preferred-username", "unverified-false", "unverified-missing", "no-email"],
)
def test_oidc_trusts_only_a_verified_email(session: Session, people, claims) -> None:
    with pytest.raises(
        auth.AuthenticationFailed, match=r"verified|no 'email' claim|no studio user"
    ):
        auth.user_for_identity(session, claims=claims)
    assert audit.list_entries(session, action="user.sign_in") == []


def test_a_verified_email_signs_in(session: Session, people) -> None:
    auth.create_user(
        session,
        actor="ada",
        username="lee@halden.example",
        display_name="Lee",
        role="creative",
        password="long enough pass",
    )
    claims = {"email": "Lee@Halden.example", "email_verified": "true"}
    assert auth.user_for_identity(session, claims=claims).username == "lee@halden.example"


def test_a_password_reset_ends_every_earlier_session(session: Session, people) -> None:
    stolen = auth.start_session(auth.active_user(session, username="cara"), ttl_minutes=60)
    assert auth.resume_session(session, signin=stolen).username == "cara"
    auth.set_password(session, actor="ada", username="cara", password="a brand new passphrase")
    session.commit()
    with pytest.raises(auth.SessionExpired, match="password of 'cara' was changed"):
        auth.resume_session(session, signin=stolen)
    user = auth.authenticate(session, username="cara", password="a brand new passphrase")
    fresh = auth.start_session(user, ttl_minutes=60)
    assert auth.resume_session(session, signin=fresh).username == "cara"


def test_parallel_guesses_are_counted_before_they_are_checked(
    session: Session, people, database_url: str
) -> None:
    guesses = 32
    barrier = threading.Barrier(guesses)
    errors: list[str] = []

    def guess(index: int) -> None:
        with Session(get_engine(database_url)) as mine:
            barrier.wait()
            try:
                auth.authenticate(mine, username="cole", password=f"wrong guess number {index}")
            except auth.AuthenticationFailed as exc:
                errors.append(str(exc))
            mine.commit()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session.expire_all()
    failures = audit.list_entries(session, action="user.sign_in_failed", limit=100)
    checked = [e for e in failures if e.after.get("reason") == "wrong password"]
    assert len(errors) == guesses
    assert len(checked) == auth.MAX_FAILED_SIGN_INS
    assert sum("failed sign-ins for this username" in e for e in errors) == guesses - len(checked)
    # Even the right password waits out the lockout; an admin's reset lifts it.
    with pytest.raises(auth.AuthenticationFailed, match="wait until"):
        auth.authenticate(session, username="cole", password=PASSWORD)
    auth.set_password(session, actor="ada", username="cole", password="a brand new passphrase")
    session.commit()
    assert auth.authenticate(session, username="cole", password="a brand new passphrase")


def test_a_password_typed_as_the_username_is_never_stored(session: Session, people) -> None:
    with pytest.raises(auth.AuthenticationFailed):
        auth.authenticate(session, username=PASSWORD, password="")
    session.commit()
    text = audit.to_csv(audit.list_entries(session, limit=100))
    assert PASSWORD not in text and PASSWORD.replace(" ", "") not in text
    [entry] = audit.list_entries(session, action="user.sign_in_failed")
    assert (entry.actor, entry.entity_id, entry.after["reason"]) == (
        "unknown",
        "unknown",
        "unknown user",
    )


def test_the_demo_never_reactivates_or_promotes_an_account(session: Session, people) -> None:
    _demo_accounts(session)
    session.commit()
    auth.set_active(session, actor="ada", username="demo-reviewer", active=False)
    session.commit()
    with pytest.raises(ValueError, match="'demo-reviewer' exists and is deactivated"):
        _demo_accounts(session)
    session.rollback()
    assert not user_queries.get_user(session, username="demo-reviewer").is_active

    auth.set_active(session, actor="ada", username="demo-reviewer", active=True)
    auth.set_role(session, actor="ada", username="demo-marketer", role=Role.creative)
    session.commit()
    with pytest.raises(ValueError, match="'demo-marketer' exists and is a creative now"):
        _demo_accounts(session)
    session.rollback()
    assert user_queries.get_user(session, username="demo-marketer").role == Role.creative
