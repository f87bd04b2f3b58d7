"""Who may do what: every role against every move and against editing; four-eyes."""

from __future__ import annotations

import pytest

from studio.brand.guidelines import BrandCatalog
from studio.core.models import Role
from studio.core.models import VariantStatus as S
from studio.core.settings import get_settings
from studio.review import accounts as auth
from studio.review import queries as review_queries
from studio.review import workflow as review

from .conftest import make_variant

#: Written out from the issue, independently of studio.review.accounts.ROLE_PERMISSIONS.
MAY = {
    Role.creative: {"submit", "edit"},
    Role.brand_manager: {"approve", "reject", "request_changes", "send_back"},
    Role.marketer: {"start_test", "export", "declare_winner", "retire"},
    Role.admin: {
        "submit",
        "edit",
        "approve",
        "reject",
        "request_changes",
        "start_test",
        "export",
        "declare_winner",
        "retire",
        "send_back",
    },
}
ACTOR = {Role.creative: "cara", Role.brand_manager: "bea", Role.marketer: "mia", Role.admin: "ada"}


def status_of(session, variant_id: int) -> S:
    """The variant's status as stored, read back after the action under test."""
    session.expire_all()
    return review_queries.load_variant(session, variant_id=variant_id).status


CASES = [(role, move) for role in Role for move in review.MOVES]


@pytest.mark.parametrize(
    ("role", "move"), CASES, ids=[f"{r.value}-{m.action}-from-{m.source.value}" for r, m in CASES]
)
def test_role_against_every_move(shared_db, role: Role, move: review.Move):
    session, campaign_id = shared_db
    variant = make_variant(session, campaign_id=campaign_id, status=move.source, created_by="cole")
    actor = ACTOR[role]
    if move.action in MAY[role]:
        review.act(session, variant_id=variant.id, action=move.action, actor=actor, comment="ok")
        session.commit()
        assert review_queries.load_variant(session, variant_id=variant.id).status == move.target
    else:
        with pytest.raises(auth.PermissionDenied) as caught:
            review.act(
                session, variant_id=variant.id, action=move.action, actor=actor, comment="ok"
            )
        session.rollback()
        message = str(caught.value)
        assert f"{actor} ({role.value}) may not" in message
        assert f"permission '{move.permission.value}'" in message
        assert "admin" in message  # names the roles that may
        assert review_queries.load_variant(session, variant_id=variant.id).status == move.source


@pytest.mark.parametrize("role", list(Role))
def test_role_against_editing(shared_db, catalog: BrandCatalog, role: Role):
    session, campaign_id = shared_db
    variant = make_variant(session, campaign_id=campaign_id, status=S.draft, created_by="cole")
    guideline = catalog.get("halden-coffee").guideline
    edit = {"headline": f"Find your roast, {role.value}"}
    if "edit" in MAY[role]:
        revision = review.edit_variant(
            session, variant_id=variant.id, actor=ACTOR[role], fields=edit, guideline=guideline
        )
        session.commit()
        assert revision.parent_id == variant.id and revision.created_by == ACTOR[role]
    else:
        with pytest.raises(auth.PermissionDenied, match="edit variants"):
            review.edit_variant(
                session, variant_id=variant.id, actor=ACTOR[role], fields=edit, guideline=guideline
            )
        session.rollback()


def test_role_table_matches_the_issue():
    for role, actions in MAY.items():
        granted = auth.permissions_for(role)
        for move in review.MOVES:
            assert (move.permission in granted) == (move.action in actions), (role, move)
    assert auth.has_permission(Role.admin, auth.Permission.manage_users)
    assert not any(
        auth.has_permission(r, auth.Permission.manage_users) for r in Role if r != Role.admin
    )
    assert auth.has_permission(Role.brand_manager, auth.Permission.edit_guidelines)
    assert auth.has_permission(Role.creative, auth.Permission.generate)


def test_unknown_and_deactivated_actors_are_refused(shared_db):
    session, campaign_id = shared_db
    variant = make_variant(session, campaign_id=campaign_id, status=S.in_review)
    with pytest.raises(auth.AuthenticationFailed, match="no user named 'nobody'"):
        review.approve(session, variant_id=variant.id, actor="nobody")
    auth.set_active(session, actor="ada", username="ben", active=False)
    session.commit()
    try:
        with pytest.raises(auth.AuthenticationFailed, match="'ben' is deactivated"):
            review.approve(session, variant_id=variant.id, actor="ben")
        session.rollback()
        assert status_of(session, variant.id) == S.in_review
    finally:
        auth.set_active(session, actor="ada", username="ben", active=True)
        session.commit()


def test_role_change_takes_effect_at_once(shared_db):
    session, campaign_id = shared_db
    variant = make_variant(session, campaign_id=campaign_id, status=S.in_review)
    auth.set_role(session, actor="ada", username="cole", role="brand_manager")
    session.commit()
    try:
        review.approve(session, variant_id=variant.id, actor="cole", four_eyes=False)
        session.commit()
        assert status_of(session, variant.id) == S.approved
    finally:
        auth.set_role(session, actor="ada", username="cole", role="creative")
        session.commit()


class TestFourEyes:
    def test_author_cannot_approve_own_variant_when_on(self, shared_db):
        session, campaign_id = shared_db
        variant = make_variant(
            session, campaign_id=campaign_id, status=S.in_review, created_by="ada"
        )
        with pytest.raises(
            review.FourEyesViolation, match=r"ada wrote or edited variant .* someone else"
        ):
            review.approve(session, variant_id=variant.id, actor="ada", four_eyes=True)
        session.rollback()
        assert status_of(session, variant.id) == S.in_review
        review.approve(session, variant_id=variant.id, actor="bea", four_eyes=True)
        session.commit()
        assert status_of(session, variant.id) == S.approved

    def test_off_lets_the_author_approve(self, shared_db):
        session, campaign_id = shared_db
        variant = make_variant(
            session, campaign_id=campaign_id, status=S.in_review, created_by="ada"
        )
        review.approve(session, variant_id=variant.id, actor="ada", four_eyes=False)
        session.commit()
        assert status_of(session, variant.id) == S.approved

    def test_author_of_any_earlier_revision_counts(self, shared_db, catalog: BrandCatalog):
        session, campaign_id = shared_db
        guideline = catalog.get("halden-coffee").guideline
        first = make_variant(session, campaign_id=campaign_id, status=S.draft, created_by="ada")
        second = review.edit_variant(
            session,
            variant_id=first.id,
            actor="cole",
            fields={"headline": "Your roast, found"},
            guideline=guideline,
        )
        review.submit(session, variant_id=second.id, actor="cole")
        session.commit()
        with pytest.raises(review.FourEyesViolation):  # ada wrote revision 1
            review.approve(session, variant_id=second.id, actor="ada", four_eyes=True)
        session.rollback()
        assert status_of(session, second.id) == S.in_review
        review.approve(session, variant_id=second.id, actor="bea", four_eyes=True)
        session.commit()
        assert status_of(session, second.id) == S.approved

    def test_editor_cannot_approve_their_revision(self, shared_db, catalog: BrandCatalog):
        session, campaign_id = shared_db
        guideline = catalog.get("halden-coffee").guideline
        first = make_variant(session, campaign_id=campaign_id, status=S.draft, created_by="cole")
        second = review.edit_variant(
            session,
            variant_id=first.id,
            actor="ada",
            fields={"headline": "Roast, found"},
            guideline=guideline,
        )
        review.submit(session, variant_id=second.id, actor="cole")
        session.commit()
        with pytest.raises(review.FourEyesViolation):
            review.approve(session, variant_id=second.id, actor="ada", four_eyes=True)
        session.rollback()
        assert status_of(session, second.id) == S.in_review

    def test_the_setting_switches_it_on(self, shared_db, monkeypatch: pytest.MonkeyPatch):
        session, campaign_id = shared_db
        variant = make_variant(
            session, campaign_id=campaign_id, status=S.in_review, created_by="ada"
        )
        monkeypatch.setenv("STUDIO_FOUR_EYES", "true")
        get_settings.cache_clear()
        try:
            with pytest.raises(review.FourEyesViolation, match="STUDIO_FOUR_EYES"):
                review.approve(session, variant_id=variant.id, actor="ada")
            session.rollback()
            assert status_of(session, variant.id) == S.in_review
        finally:
            monkeypatch.delenv("STUDIO_FOUR_EYES")
            get_settings.cache_clear()
        review.approve(session, variant_id=variant.id, actor="ada")
        session.commit()
        assert status_of(session, variant.id) == S.approved


#: The issue's moves per status, written out independently of studio.review.workflow.MOVES.
FROM_STATUS = {
    S.draft: {"submit"},
    S.in_review: {"approve", "reject", "request_changes"},
    S.approved: {"start_test", "export", "send_back"},
    S.in_test: {"declare_winner", "retire"},
    S.winner: {"export"},
    S.changes_requested: set(),
    S.rejected: set(),
    S.retired: set(),
    S.exported: set(),
}
EDITABLE_STATUSES = {S.draft, S.changes_requested, S.rejected}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("role", list(Role))
def test_choices_offer_exactly_what_the_role_may_do_from_the_status(shared_db, role, status):
    session, campaign_id = shared_db
    variant = make_variant(session, campaign_id=campaign_id, status=status, created_by="cole")
    choices = review.choices_for(session, variant=variant, actor=ACTOR[role], four_eyes=False)
    assert set(choices.actions) == FROM_STATUS[status] & MAY[role]
    assert choices.can_edit == (status in EDITABLE_STATUSES and "edit" in MAY[role])
    assert (choices.variant_id, choices.lock_version) == (variant.id, variant.lock_version)
    assert set(m.action for m in choices.review_moves) <= {
        "submit",
        "approve",
        "reject",
        "request_changes",
    }
    for action in choices.actions:  # what is offered is accepted
        review.act(
            session,
            variant_id=variant.id,
            action=action,
            actor=ACTOR[role],
            comment="ok",
            four_eyes=False,
        )
        session.rollback()


def test_choices_leave_out_approval_by_an_author_and_say_why(session, people, campaign_id):
    variant = make_variant(session, campaign_id=campaign_id, status=S.in_review, created_by="ada")
    mine = review.choices_for(session, variant=variant, actor="ada", four_eyes=True)
    assert mine.actions == ("reject", "request_changes")
    assert any("four-eyes" in note for note in mine.notes)
    theirs = review.choices_for(session, variant=variant, actor="bea", four_eyes=True)
    assert theirs.actions == ("approve", "reject", "request_changes") and theirs.notes == ()


def test_choices_offer_nothing_on_a_superseded_revision(shared_db, catalog: BrandCatalog):
    session, campaign_id = shared_db
    first = make_variant(session, campaign_id=campaign_id, status=S.draft, created_by="cole")
    second = review.edit_variant(
        session,
        variant_id=first.id,
        actor="cole",
        fields={"headline": "Roast, found again"},
        guideline=catalog.get("halden-coffee").guideline,
    )
    session.commit()
    old = review.choices_for(session, variant=first, actor="ada")
    assert old.actions == () and not old.can_edit
    assert old.notes == (f"edited into variant {second.id}; act on that revision",)


def test_choices_refuse_unknown_and_deactivated_people(session, people, campaign_id):
    variant = make_variant(session, campaign_id=campaign_id, status=S.in_review)
    with pytest.raises(auth.AuthenticationFailed, match="no user named 'nobody'"):
        review.choices_for(session, variant=variant, actor="nobody")
    auth.set_active(session, actor="ada", username="ben", active=False)
    session.commit()
    with pytest.raises(auth.AuthenticationFailed, match="'ben' is deactivated"):
        review.choices_for(session, variant=variant, actor="ben")
