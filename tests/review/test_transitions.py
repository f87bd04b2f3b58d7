"""The transition table: every one of the 81 (from, to) pairs, allowed or refused, on a real row."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import Session

from studio.core import audit
from studio.core.models import VariantStatus as S
from studio.review import queries as review_queries
from studio.review import workflow as review

from .conftest import make_variant

#: The issue's state machine, written out independently of studio.review.workflow.MOVES.
EXPECTED_ALLOWED = {
    (S.draft, S.in_review): "submit",
    (S.in_review, S.approved): "approve",
    (S.in_review, S.rejected): "reject",
    (S.in_review, S.changes_requested): "request_changes",
    (S.approved, S.in_test): "start_test",
    (S.approved, S.exported): "export",
    (S.approved, S.in_review): "send_back",
    (S.in_test, S.winner): "declare_winner",
    (S.in_test, S.retired): "retire",
    (S.winner, S.exported): "export",
}
PAIRS = list(itertools.product(list(S), list(S)))


def test_library_table_is_the_issue_table():
    assert {pair: move.action for pair, move in review.ALLOWED.items()} == EXPECTED_ALLOWED


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair(shared_db: tuple[Session, int], source: S, target: S):
    # One SQLite database for all 81 pairs; PostgreSQL runs the allowed moves below.
    session, campaign_id = shared_db
    variant = make_variant(session, campaign_id=campaign_id, status=source)
    # The admin holds every permission, so only the table decides; "ben" did not write it.
    if (source, target) in EXPECTED_ALLOWED:
        result = review.transition(
            session,
            variant_id=variant.id,
            target=target,
            actor="ada",
            comment="needs a clearer headline",
        )
        session.commit()
        assert (result.source, result.target) == (source, target)
        assert review_queries.load_variant(session, variant_id=variant.id).status == target
        assert result.lock_version == 2
    else:
        with pytest.raises(review.TransitionNotAllowed) as caught:
            review.transition(
                session,
                variant_id=variant.id,
                target=target,
                actor="ada",
                comment="needs a clearer headline",
            )
        message = str(caught.value)
        assert f"from '{source.value}' to '{target.value}'" in message
        allowed = [t.value for (s, t) in EXPECTED_ALLOWED if s == source]
        for name in allowed:
            assert name in message
        if not allowed:
            assert "nothing (a final status)" in message
        session.rollback()
        again = review_queries.load_variant(session, variant_id=variant.id)
        assert (again.status, again.lock_version) == (source, 1)
        assert not audit.list_entries(session, entity_type="variant", entity_id=variant.id)


@pytest.mark.parametrize(("source", "target"), list(EXPECTED_ALLOWED))
def test_allowed_moves_on_both_engines(session: Session, variant_factory, source: S, target: S):
    variant = variant_factory(status=source)
    review.transition(session, variant_id=variant.id, target=target, actor="ada", comment="why")
    session.commit()
    [entry] = audit.list_entries(session, entity_type="variant", entity_id=variant.id)
    assert entry.actor == "ada"
    assert entry.action == f"variant.{EXPECTED_ALLOWED[(source, target)]}"
    assert entry.before == {"status": source.value, "lock_version": 1}
    assert entry.after["status"] == target.value and entry.after["lock_version"] == 2


def test_action_names_and_unknowns_are_explained(session: Session, variant_factory):
    variant = variant_factory(status=S.draft)
    with pytest.raises(
        review.TransitionNotAllowed, match=r"from 'draft' to 'approved'.*in_review \(submit\)"
    ):
        review.approve(session, variant_id=variant.id, actor="ada")
    with pytest.raises(
        review.ReviewError, match=r"action 'publish' does not exist; actions: .*approve"
    ):
        review.act(session, variant_id=variant.id, action="publish", actor="ada")
    with pytest.raises(review.ReviewError, match="status 'live' does not exist"):
        review.transition(session, variant_id=variant.id, target="live", actor="ada")
    with pytest.raises(review.ReviewError, match="no variant with id 999"):
        review.submit(session, variant_id=999, actor="ada")


def test_export_action_from_approved_and_winner_only(session: Session, variant_factory):
    for status in (S.approved, S.winner):
        variant = variant_factory(status=status)
        assert (
            review.act(session, variant_id=variant.id, action="export", actor="mia").target
            == S.exported
        )
    retired = variant_factory(status=S.retired)
    with pytest.raises(review.TransitionNotAllowed, match="from 'retired' to 'exported'"):
        review.act(session, variant_id=retired.id, action="export", actor="mia")


def test_require_approved_names_each_unapproved_variant(session: Session, variant_factory):
    ok = [variant_factory(status=s) for s in (S.approved, S.in_test, S.winner, S.exported)]
    review.require_approved(ok)
    draft, rejected = variant_factory(status=S.draft), variant_factory(status=S.rejected)
    with pytest.raises(review.ReviewError) as caught:
        review.require_approved([*ok, draft, rejected])
    assert f"{draft.id} ('draft')" in str(caught.value) and f"{rejected.id} ('rejected')" in str(
        caught.value
    )
