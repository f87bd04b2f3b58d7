"""Reading the audit log (and the user list) is restricted, in the library, to the roles allowed."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from studio.core import audit
from studio.review import accounts as auth
from studio.review import audit_trail
from tests.people import add_people

#: Written out from the issue, independently of studio.review.accounts.ROLE_PERMISSIONS.
AUDIT_READERS = ("bea", "mia", "ada")
REFUSED = {
    "cara": "cara (creative) may not read and download the audit log",
    "dana": "user 'dana' is deactivated",
    "nobody": "no user named 'nobody'",
}


@pytest.fixture
def people(session: Session) -> None:
    add_people(session)
    auth.create_user(
        session,
        actor="ada",
        username="dana",
        display_name="Dana",
        role="brand_manager",
        password="a long enough passphrase",
    )
    auth.set_active(session, actor="ada", username="dana", active=False)
    audit.record(session, actor="bea", action="variant.reject", entity_type="variant", entity_id=7)
    session.commit()


@pytest.mark.parametrize("viewer", AUDIT_READERS)
def test_brand_managers_marketers_and_admins_read_the_log(session, people, viewer):
    [entry] = audit_trail.read_entries(session, viewer=viewer, action="variant.reject")
    assert (entry.actor, entry.entity_id) == ("bea", "7")
    choices = audit_trail.filter_choices(session, viewer=viewer)
    assert "variant.reject" in choices.actions and "bea" in choices.actors
    assert choices.entity_types == ["user", "variant"]


@pytest.mark.parametrize("viewer", sorted(REFUSED))
def test_others_may_not_read_the_log(session, people, viewer):
    with pytest.raises(auth.AuthError, match=re.escape(REFUSED[viewer])):
        audit_trail.read_entries(session, viewer=viewer)
    with pytest.raises(auth.AuthError, match=re.escape(REFUSED[viewer])):
        audit_trail.filter_choices(session, viewer=viewer)


def test_only_admins_list_users(session, people):
    names = [u.username for u in auth.list_users(session, actor="ada")]
    assert {"ada", "bea", "cara", "dana"} <= set(names)
    refused = {
        "bea": "bea (brand_manager) may not add, change and deactivate users",
        "mia": "mia (marketer) may not add, change and deactivate users",
        "dana": "user 'dana' is deactivated",
        "nobody": "no user named 'nobody'",
    }
    for actor, message in refused.items():
        with pytest.raises(auth.AuthError, match=re.escape(message)):
            auth.list_users(session, actor=actor)
