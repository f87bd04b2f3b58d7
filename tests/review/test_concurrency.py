"""Two reviewers on the same variant at once, on SQLite and PostgreSQL: the second hears
"changed since you opened it"; no decision is lost or doubled."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from studio.core import audit
from studio.core.database import get_engine
from studio.core.models import Review, VariantStatus
from studio.review import queries as review_queries
from studio.review import workflow as review

S = VariantStatus


def _decisions(session: Session, variant_id: int) -> tuple[int, list[str]]:
    reviews = session.exec(
        select(func.count()).select_from(Review).where(Review.variant_id == variant_id)
    ).one()
    actions = [
        e.action for e in audit.list_entries(session, entity_type="variant", entity_id=variant_id)
    ]
    return int(reviews), actions


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("approve", "approve"),
        ("approve", "reject"),
        ("reject", "approve"),
        ("request_changes", "approve"),
    ],
)
def test_second_reviewer_is_told_the_variant_changed(
    database_url: str, variant_factory, first: str, second: str
):
    variant = variant_factory(status=S.in_review)
    engine = get_engine(database_url)
    with Session(engine) as bea_session, Session(engine) as ben_session:
        # Both open the variant and see version 1.
        seen_by_bea = review_queries.load_variant(bea_session, variant_id=variant.id).lock_version
        seen_by_ben = review_queries.load_variant(ben_session, variant_id=variant.id).lock_version
        assert seen_by_bea == seen_by_ben == 1
        review.act(
            bea_session,
            variant_id=variant.id,
            action=first,
            actor="bea",
            comment="headline promises too much",
            expected_lock_version=seen_by_bea,
        )
        bea_session.commit()
        with pytest.raises(review.StaleVariant) as caught:
            review.act(
                ben_session,
                variant_id=variant.id,
                action=second,
                actor="ben",
                comment="typo in the description",
                expected_lock_version=seen_by_ben,
            )
        ben_session.rollback()
    message = str(caught.value)
    assert f"variant {variant.id} changed since you opened it" in message
    assert f"{first} by bea" in message and "Nothing was saved" in message
    with Session(engine) as check:
        reviews, actions = _decisions(check, variant.id)
        current = review_queries.load_variant(check, variant_id=variant.id)
    assert reviews == 1 and actions == [f"variant.{first}"]
    assert current.lock_version == 2


def test_racing_updates_let_exactly_one_through(database_url: str, variant_factory):
    """Bea's approval is written but not committed when Ben's passes its checks; Ben's guarded
    UPDATE then waits for Bea's commit and matches no row."""
    variant = variant_factory(status=S.in_review)
    engine = get_engine(database_url)
    outcome: dict[str, object] = {}
    bea = Session(engine)
    review.approve(
        bea, variant_id=variant.id, actor="bea", expected_lock_version=1
    )  # not committed

    def ben_approves() -> None:
        with Session(engine) as ben:
            try:
                outcome["result"] = review.approve(
                    ben, variant_id=variant.id, actor="ben", expected_lock_version=1
                )
                ben.commit()
            except Exception as exc:
                outcome["error"] = exc
                ben.rollback()

    thread = threading.Thread(target=ben_approves)
    thread.start()
    time.sleep(0.5)  # let Ben reach his UPDATE and wait on Bea's lock
    bea.commit()
    bea.close()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "result" not in outcome, "both approvals were written"
    assert isinstance(outcome["error"], review.StaleVariant), outcome["error"]
    with Session(engine) as check:
        reviews, actions = _decisions(check, variant.id)
        current = review_queries.load_variant(check, variant_id=variant.id)
    assert reviews == 1 and actions == ["variant.approve"]
    assert (current.status, current.lock_version) == (S.approved, 2)


def test_many_reviewers_at_once_one_decision(database_url: str, variant_factory):
    """Six threads released together, each approving or rejecting what they saw as version 1."""
    variant = variant_factory(status=S.in_review)
    engine = get_engine(database_url)
    barrier = threading.Barrier(6)
    wins: list[str] = []
    stale: list[str] = []
    lock = threading.Lock()

    def decide(actor: str, action: str) -> None:
        with Session(engine) as mine:
            barrier.wait()
            try:
                review.act(
                    mine,
                    variant_id=variant.id,
                    action=action,
                    actor=actor,
                    comment="not on brand",
                    expected_lock_version=1,
                )
                mine.commit()
                with lock:
                    wins.append(f"{actor}:{action}")
            except review.StaleVariant:
                mine.rollback()
                with lock:
                    stale.append(actor)

    threads = [
        threading.Thread(target=decide, args=(actor, action))
        for actor in ("bea", "ben", "ada")
        for action in ("approve", "reject")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(wins) == 1 and len(stale) == 5, (wins, stale)
    with Session(engine) as check:
        reviews, actions = _decisions(check, variant.id)
    assert reviews == 1 and len(actions) == 1


def test_guarded_update_touches_nothing_on_a_stale_version(session: Session, variant_factory):
    variant = variant_factory(status=S.in_review)
    moved = review_queries.update_status_if_unchanged(
        session,
        variant_id=variant.id,
        from_status=S.in_review,
        to_status=S.approved,
        expected_lock_version=7,
        now=variant.updated_at,
    )
    assert moved is False
    session.commit()
    again = review_queries.load_variant(session, variant_id=variant.id)
    assert (again.status, again.lock_version) == (S.in_review, 1)
