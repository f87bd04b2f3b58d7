"""Editing makes a checked, re-scored revision that needs its own approval; bulk approval
applies per variant and says what happened to each."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from studio.brand.guidelines import BrandCatalog
from studio.copy import variants as variant_queries
from studio.core import audit
from studio.core.models import Variant, VariantStatus
from studio.review import queries as review_queries
from studio.review import workflow as review

from .conftest import META_FIELDS, make_variant

S = VariantStatus


class LengthScorer:
    """A real (if simple) VariantScorer: shorter headlines score higher. Records its calls."""

    def __init__(self) -> None:
        self.scored: list[dict[str, object]] = []

    def score_variant(self, variant: Variant) -> review.CtrEstimate:
        self.scored.append(dict(variant.fields))
        ctr = 0.05 / (1 + len(str(variant.fields["headline"])) / 10)
        return review.CtrEstimate(
            predicted=ctr,
            low=ctr * 0.8,
            high=ctr * 1.2,
            explanation={"headline_length": len(str(variant.fields["headline"]))},
        )


@pytest.fixture
def guideline(catalog: BrandCatalog):
    return catalog.get("halden-coffee").guideline


def test_edit_makes_a_checked_rescored_draft_revision(session: Session, variant_factory, guideline):
    parent = variant_factory(status=S.changes_requested, predicted_ctr=0.031)
    scorer = LengthScorer()
    revision = review.edit_variant(
        session,
        variant_id=parent.id,
        actor="cole",
        fields={"headline": "The cheapest coffee you will love"},
        guideline=guideline,
        scorer=scorer,
        expected_lock_version=1,
    )
    session.commit()
    assert revision.id != parent.id and revision.parent_id == parent.id
    assert (revision.status, revision.revision, revision.created_by) == (S.draft, 2, "cole")
    assert revision.fields == {**META_FIELDS, "headline": "The cheapest coffee you will love"}
    assert [v["rule"] for v in revision.violations] == ["unbacked_claim"]  # "cheapest": re-checked
    assert scorer.scored == [revision.fields]
    assert revision.predicted_ctr == pytest.approx(0.05 / (1 + 33 / 10))
    assert revision.ctr_explanation == {"headline_length": 33}
    # Generation record carried over; the parent is untouched but claimed (lock bumped).
    assert (revision.backend, revision.model, revision.seed) == (
        parent.backend,
        parent.model,
        parent.seed,
    )
    old = review_queries.load_variant(session, variant_id=parent.id)
    assert (old.status, old.fields, old.lock_version) == (S.changes_requested, META_FIELDS, 2)
    [entry] = audit.list_entries(session, entity_type="variant", entity_id=parent.id)
    assert entry.action == "variant.edit" and entry.actor == "cole"
    assert entry.before["fields"] == {"headline": META_FIELDS["headline"]}
    assert entry.after["variant_id"] == revision.id and entry.after["violations"] == [
        "unbacked_claim"
    ]


def test_without_a_scorer_the_old_score_is_not_carried_over(
    session: Session, variant_factory, guideline
):
    parent = variant_factory(status=S.draft, predicted_ctr=0.031)
    revision = review.edit_variant(
        session,
        variant_id=parent.id,
        actor="cara",
        fields={"description": "Notes with every bag"},
        guideline=guideline,
    )
    assert revision.predicted_ctr is None and revision.violations == []


def test_a_revision_needs_its_own_approval_and_the_old_one_is_frozen(
    session: Session, variant_factory, guideline
):
    parent = variant_factory(status=S.in_review)
    review.request_changes(session, variant_id=parent.id, actor="bea", comment="shorter headline")
    revision = review.edit_variant(
        session,
        variant_id=parent.id,
        actor="cara",
        fields={"headline": "Your roast"},
        guideline=guideline,
    )
    session.commit()
    with pytest.raises(review.SupersededRevision, match=f"edited into variant {revision.id}"):
        review.edit_variant(
            session,
            variant_id=parent.id,
            actor="cara",
            fields={"headline": "Another"},
            guideline=guideline,
        )
    with pytest.raises(review.TransitionNotAllowed, match="from 'draft' to 'approved'"):
        review.approve(session, variant_id=revision.id, actor="bea")
    review.submit(session, variant_id=revision.id, actor="cara")
    review.approve(session, variant_id=revision.id, actor="bea")
    session.commit()
    latest = variant_queries.list_variants(
        session, latest_only=True, campaign_id=parent.campaign_id
    )
    assert [v.id for v in latest] == [revision.id]


@pytest.mark.parametrize(
    "status", [S.in_review, S.approved, S.in_test, S.winner, S.retired, S.exported]
)
def test_only_unapproved_copy_can_be_edited(shared_db, catalog: BrandCatalog, status: S):
    session, campaign_id = shared_db
    variant = make_variant(session, campaign_id=campaign_id, status=status)
    with pytest.raises(review.InvalidEdit, match=f"is '{status.value}' and cannot be edited"):
        review.edit_variant(
            session,
            variant_id=variant.id,
            actor="cara",
            fields={"headline": "New"},
            guideline=catalog.get("halden-coffee").guideline,
        )
    session.rollback()


def test_bad_edits_are_explained(shared_db, catalog: BrandCatalog):
    session, campaign_id = shared_db
    guideline = catalog.get("halden-coffee").guideline
    variant = make_variant(session, campaign_id=campaign_id)
    cases = [
        ({}, "nothing to change"),
        ({"title": "x"}, "has no field 'title'; fields: primary_text, headline"),
        ({"headline": ["a", "b"]}, "field 'headline' holds one text; got list"),
        ({"headline": META_FIELDS["headline"]}, "the same as variant"),
    ]
    for fields, message in cases:
        with pytest.raises(review.InvalidEdit, match=message):
            review.edit_variant(
                session, variant_id=variant.id, actor="cara", fields=fields, guideline=guideline
            )
    assert review_queries.next_revision(session, variant_id=variant.id) is None


def test_two_people_editing_the_same_revision_do_not_both_branch_it(
    session: Session, variant_factory, guideline
):
    parent = variant_factory(status=S.draft)
    review.edit_variant(
        session,
        variant_id=parent.id,
        actor="cara",
        fields={"headline": "One"},
        guideline=guideline,
        expected_lock_version=1,
    )
    session.commit()
    with pytest.raises(review.StaleVariant, match="changed since you opened it"):
        review.edit_variant(
            session,
            variant_id=parent.id,
            actor="cole",
            fields={"headline": "Two"},
            guideline=guideline,
            expected_lock_version=1,
        )


def test_bulk_approval_applies_per_variant_and_reports_each(session: Session, variant_factory):
    good = [variant_factory(status=S.in_review) for _ in range(3)]
    draft = variant_factory(status=S.draft)
    own = variant_factory(status=S.in_review, created_by="bea")
    stale = variant_factory(status=S.in_review)
    seen = {v.id: 1 for v in [*good, draft, own]} | {stale.id: 0}
    result = review.bulk_act(session, action="approve", actor="bea", variants=seen, four_eyes=True)
    session.commit()
    by_id = {o.variant_id: o for o in result.outcomes}
    assert [o.variant_id for o in result.outcomes] == list(seen)
    assert all(by_id[v.id].ok for v in good)
    assert "from 'draft' to 'approved'" in str(by_id[draft.id].error)
    assert "four-eyes" in str(by_id[own.id].error)
    assert "changed since you opened it" in str(by_id[stale.id].error)
    assert result.summary() == "3 done, 3 refused"
    statuses = {
        v.id: review_queries.load_variant(session, variant_id=v.id).status
        for v in [*good, draft, own, stale]
    }
    assert statuses == {
        **{v.id: S.approved for v in good},
        draft.id: S.draft,
        own.id: S.in_review,
        stale.id: S.in_review,
    }
    approvals = [
        e
        for e in audit.list_entries(session, entity_type="variant")
        if e.action == "variant.approve"
    ]
    assert sorted(int(e.entity_id) for e in approvals) == sorted(v.id for v in good)


def test_bulk_by_someone_without_the_permission_refuses_each(session: Session, variant_factory):
    variants = [variant_factory(status=S.in_review) for _ in range(2)]
    result = review.bulk_act(
        session, action="approve", actor="cara", variants=[v.id for v in variants]
    )
    assert not result.succeeded and all("may not approve" in str(o.error) for o in result.failed)
