"""Server-side sign-in sessions: the cookie hand-over, reload, expiry and revocation.

The real browser journey (sign in, reload, still signed in; sign out, reload, signed out) is
``tests/browser/test_sign_in_reload.py``; these check the rules underneath, on SQLite and
PostgreSQL, and the cookie route over real HTTP.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.errors import InvalidValue
from studio.core.models import SignInSession, User, utcnow
from studio.review import accounts as auth
from studio.ui import session_cookie
from tests.conftest import REPO_ROOT
from tests.people import PASSWORD, add_people


def _signed_in(session: Session, user: User, **kwargs: object) -> tuple[auth.SignIn, str]:
    """Open a server-side sign-in and claim its cookie token, as the app and its route do."""
    signin = auth.open_session(session, user=user, ttl_minutes=60, **kwargs)  # type: ignore[arg-type]
    ticket = auth.issue_ticket(session, signin=signin)
    token, claimed = auth.claim_ticket(session, ticket=ticket)
    assert claimed == signin
    session.commit()
    return signin, token


def test_a_token_resumes_the_sign_in_after_a_reload(session: Session, people: dict[str, User]):
    signin, token = _signed_in(session, people["cara"])
    assert signin.session_id is not None
    assert auth.resume_token(session, token=token) == signin
    assert auth.resume_session(session, signin=signin).username == "cara"
    with pytest.raises(auth.SessionRevoked, match="not known to the server"):
        auth.resume_token(session, token=token + "x")


def test_a_ticket_is_good_once_and_for_a_minute(session: Session, people: dict[str, User]):
    signin = auth.open_session(session, user=people["cara"], ttl_minutes=60)
    ticket = auth.issue_ticket(session, signin=signin)
    auth.claim_ticket(session, ticket=ticket)
    with pytest.raises(auth.SessionRevoked, match="already used or older than 60 seconds"):
        auth.claim_ticket(session, ticket=ticket)
    late = auth.issue_ticket(session, signin=signin)
    with pytest.raises(auth.SessionRevoked, match="already used or older"):
        auth.claim_ticket(
            session, ticket=late, now=utcnow() + timedelta(seconds=auth.TICKET_SECONDS + 1)
        )
    with pytest.raises(InvalidValue, match="has no server-side session"):
        auth.issue_ticket(session, signin=auth.start_session(people["cara"], ttl_minutes=5))


def test_sign_out_revokes_the_session_everywhere(session: Session, people: dict[str, User]):
    signin, token = _signed_in(session, people["cara"])
    auth.end_session(session, signin=signin)
    session.commit()
    with pytest.raises(auth.SessionRevoked, match="you signed out") as raised:
        auth.resume_token(session, token=token)
    assert raised.value.reason == "signed_out"
    # The tab that held the sign-in in memory is refused too.
    with pytest.raises(auth.SessionRevoked, match="you signed out"):
        auth.resume_session(session, signin=signin)
    with pytest.raises(auth.SessionRevoked):
        auth.issue_ticket(session, signin=signin)


def test_a_password_change_and_a_deactivation_revoke_every_session(
    session: Session, people: dict[str, User]
):
    _, cara_token = _signed_in(session, people["cara"])
    _, cara_other_tab = _signed_in(session, people["cara"])
    _, ben_token = _signed_in(session, people["ben"])
    auth.set_password(session, actor="cara", username="cara", password=PASSWORD + " new")
    auth.set_active(session, actor="ada", username="ben", active=False)
    session.commit()
    for token in (cara_token, cara_other_tab):
        with pytest.raises(auth.SessionRevoked, match="your password was changed"):
            auth.resume_token(session, token=token)
    with pytest.raises(auth.SessionRevoked, match="deactivated"):
        auth.resume_token(session, token=ben_token)


def test_a_server_side_sign_in_expires(session: Session, people: dict[str, User]):
    _, token = _signed_in(session, people["cara"])
    with pytest.raises(auth.SessionExpired, match="sign-ins last 60 minutes"):
        auth.resume_token(session, token=token, now=utcnow() + timedelta(minutes=61))
    with pytest.raises(auth.SessionRevoked, match="already used or older"):
        # A ticket cannot be claimed for a sign-in that has expired either.
        signin = auth.open_session(
            session, user=people["cara"], ttl_minutes=1, now=utcnow() - timedelta(minutes=2)
        )
        auth.claim_ticket(session, ticket=auth.issue_ticket(session, signin=signin))


def test_the_cookie_route_sets_an_httponly_cookie_once(studio_env: dict[str, str]):
    url = studio_env["STUDIO_DATABASE_URL"]
    with Session(get_engine(url), expire_on_commit=False) as db:
        people = add_people(db)
        signin = auth.open_session(db, user=people["cara"], ttl_minutes=30)
        ticket = auth.issue_ticket(db, signin=signin)
        db.commit()
    client = TestClient(Starlette(routes=session_cookie.routes()), base_url="https://studio.test")
    path = session_cookie.SESSION_PATH

    response = client.post(path, json={"ticket": ticket})
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{session_cookie.COOKIE_NAME}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"):
        assert attribute in cookie
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert 29 * 60 < max_age <= 30 * 60
    token = cookie.split("=", 1)[1].split(";")[0]
    with Session(get_engine(url)) as db:
        assert auth.resume_token(db, token=token).username == "cara"

    again = client.post(path, json={"ticket": ticket})
    assert again.status_code == 403 and "already used" in again.json()["error"]
    assert client.post(path, content=b"not json").status_code == 400
    assert client.post(path, json={"ticket": 5}).status_code == 400

    cleared = client.delete(path)
    assert cleared.status_code == 204
    assert "Max-Age=0" in cleared.headers["set-cookie"]


def test_the_sign_in_form_hands_over_a_cookie_and_sign_out_revokes_it(studio_env: dict[str, str]):
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as db:
        add_people(db)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60).run()
    at.text_input(key="sign_in_username").set_value("bea")
    at.text_input(key="sign_in_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    scripts = [h.proto.body for h in at.get("html")]
    assert len(scripts) == 1 and session_cookie.SESSION_PATH in scripts[0] and "POST" in scripts[0]
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as db:
        [row] = db.exec(select(SignInSession)).all()
        assert (row.username, row.revoked_at) == ("bea", None) and row.ticket_hash
        assert row.ticket_hash not in scripts[0]  # the page holds the ticket, the server its hash

    at.run()  # the hand-over happens once
    assert not at.get("html")
    at.sidebar.button(key="sign_out").click().run()
    assert [h.proto.body for h in at.get("html")] == [session_cookie.clear_script()]
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as db:
        [row] = db.exec(select(SignInSession)).all()
        assert row.revoked_at is not None and row.revoked_reason == "signed_out"
