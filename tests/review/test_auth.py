"""Passwords, sign-in, sessions, user management rules and the identity-provider mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session

from studio.core import audit
from studio.core.models import Role, utcnow
from studio.review import accounts as auth

from .conftest import PASSWORD


def test_passwords_are_argon2id_salted_and_verified():
    first, second = (
        auth.hash_password("a long enough passphrase"),
        auth.hash_password("a long enough passphrase"),
    )
    assert first.startswith("$argon2id$") and first != second  # a fresh salt each time
    assert "passphrase" not in first
    assert auth.verify_password(first, "a long enough passphrase")
    assert not auth.verify_password(first, "a long enough passphrasE")
    with pytest.raises(auth.AuthError, match="not an argon2 hash"):
        auth.verify_password("5f4dcc3b5aa765d61d8327deb882cf99", "password")


def test_sign_in_audits_every_attempt_and_never_the_password(shared_db):
    session, _ = shared_db
    user = auth.authenticate(session, username="mia", password=PASSWORD)
    assert user.username == "mia"
    for username, password in (("mia", "not her password at all"), ("nobody", PASSWORD)):
        with pytest.raises(
            auth.AuthenticationFailed, match=r"^unknown username or wrong password$"
        ):
            auth.authenticate(session, username=username, password=password)
    session.commit()
    entries = audit.list_entries(session, entity_type="user", limit=3)
    assert [(e.action, e.entity_id, e.after) for e in entries] == [
        # A name that is no user is never stored (it may be a password typed in the wrong box).
        (
            "user.sign_in_failed",
            "unknown",
            {"reason": "unknown user", "typed_fingerprint": auth.login_key("nobody")[:12]},
        ),
        ("user.sign_in_failed", "mia", {"reason": "wrong password"}),
        ("user.sign_in", "mia", {"method": "password"}),
    ]
    assert PASSWORD not in audit.to_csv(audit.list_entries(session))


def test_repeated_failures_pause_sign_in(shared_db):
    session, _ = shared_db
    for _ in range(auth.MAX_FAILED_SIGN_INS):
        with pytest.raises(auth.AuthenticationFailed, match="wrong password"):
            auth.authenticate(session, username="cole", password="guess guess guess")
        session.commit()
    with pytest.raises(
        auth.AuthenticationFailed, match=r"5 failed sign-ins for this username.*wait until"
    ):
        auth.authenticate(session, username="cole", password=PASSWORD)  # even the right one


def test_weak_hashes_are_upgraded_at_sign_in(shared_db):
    session, _ = shared_db
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user = auth.active_user(session, username="ben")
    user.password_hash = weak
    session.commit()
    auth.authenticate(session, username="ben", password=PASSWORD)
    session.commit()
    assert user.password_hash != weak and not PasswordHasher().check_needs_rehash(
        user.password_hash
    )


def test_sessions_expire_and_follow_the_account(shared_db):
    session, _ = shared_db
    user = auth.active_user(session, username="cara")
    start = utcnow()
    signin = auth.start_session(user, ttl_minutes=30, now=start)
    assert signin.expires_at - signin.signed_in_at == timedelta(minutes=30)
    assert (
        auth.resume_session(session, signin=signin, now=start + timedelta(minutes=29)).username
        == "cara"
    )
    assert signin.minutes_left(start + timedelta(minutes=20)) == pytest.approx(10)
    with pytest.raises(auth.SessionExpired, match="sign-ins last 30 minutes"):
        auth.resume_session(session, signin=signin, now=start + timedelta(minutes=30))
    with pytest.raises(ValueError, match="ttl_minutes must be positive"):
        auth.start_session(user, ttl_minutes=0)
    auth.set_active(session, actor="ada", username="cara", active=False)
    try:
        with pytest.raises(auth.AuthenticationFailed, match="deactivated"):
            auth.resume_session(session, signin=signin, now=start)
    finally:
        auth.set_active(session, actor="ada", username="cara", active=True)
        session.commit()


def test_user_rules(shared_db):
    session, _ = shared_db
    cases = [
        (dict(username="Dan", role="creative", password="long enough pass"), "lowercase"),
        (dict(username="dan", role="creative", password="short"), "at least 12"),
        (
            dict(username="dan", role="boss", password="long enough pass"),
            "role 'boss' does not exist; roles: creative",
        ),
        (dict(username="cara", role="creative", password="long enough pass"), "already exists"),
        (
            dict(
                username="dan.smith@example.com", role="creative", password="dan.smith@example.com"
            ),
            "must not be the username",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(auth.InvalidUser, match=message):
            auth.create_user(session, actor="ada", display_name="Dan", **kwargs)
    with pytest.raises(
        auth.PermissionDenied,
        match="bea \\(brand_manager\\) may not add, change and deactivate users",
    ):
        auth.create_user(
            session,
            actor="bea",
            username="dan",
            display_name="Dan",
            role="creative",
            password="long enough pass",
        )
    user = auth.create_user(
        session,
        actor="ada",
        username="dan.smith@example.com",
        display_name=" Dan ",
        role=Role.marketer,
        password="long enough pass",
    )
    assert (user.display_name, user.role) == ("Dan", Role.marketer)
    [entry] = audit.list_entries(session, action="user.create", entity_id="dan.smith@example.com")
    assert entry.actor == "ada" and "password_hash" not in entry.after
    session.commit()


def test_the_last_admin_is_protected_and_the_first_is_created_once(shared_db):
    session, _ = shared_db
    with pytest.raises(auth.InvalidUser, match="only active admin"):
        auth.set_active(session, actor="ada", username="ada", active=False)
    with pytest.raises(auth.InvalidUser, match="only active admin"):
        auth.set_role(session, actor="ada", username="ada", role="creative")
    with pytest.raises(auth.InvalidUser, match=r"an admin already exists \(ada\)"):
        auth.create_first_admin(
            session, username="root", display_name="Root", password="long enough pass"
        )


def test_password_changes_self_or_admin(shared_db):
    session, _ = shared_db
    auth.set_password(session, actor="mia", username="mia", password=PASSWORD + "!")
    auth.set_password(session, actor="ada", username="mia", password=PASSWORD)
    with pytest.raises(auth.PermissionDenied):
        auth.set_password(session, actor="cara", username="mia", password="taken over by cara")
    session.commit()
    assert auth.authenticate(session, username="mia", password=PASSWORD).username == "mia"


def test_identity_provider_claims_map_to_studio_users(shared_db):
    session, _ = shared_db
    auth.create_user(
        session,
        actor="ada",
        username="lee@halden.example",
        display_name="Lee",
        role="brand_manager",
        password="long enough pass",
    )
    user = auth.user_for_identity(
        session, claims={"email": "Lee@Halden.example", "email_verified": True, "sub": "123"}
    )
    assert (user.username, user.role) == ("lee@halden.example", Role.brand_manager)
    with pytest.raises(
        auth.AuthenticationFailed, match=r"no studio user has that name; .*studio users add x@y\.z"
    ):
        # preferred_username is never used (tests/security/test_identity.py)
        auth.user_for_identity(
            session, claims={"email": "x@y.z", "email_verified": True, "preferred_username": "bea"}
        )
    with pytest.raises(auth.AuthenticationFailed, match="'email' scope"):
        auth.user_for_identity(session, claims={"sub": "123"})
    session.commit()
    [entry] = audit.list_entries(session, action="user.sign_in", entity_id="lee@halden.example")
    assert entry.after == {"method": "oidc"}


def test_permission_error_names_what_and_who(session: Session, people):
    with pytest.raises(auth.PermissionDenied) as caught:
        auth.require(session, username="mia", permission=auth.Permission.review)
    assert str(caught.value) == (
        "mia (marketer) may not approve, reject or request changes [permission 'review']; "
        "roles that may: brand_manager, admin"
    )
