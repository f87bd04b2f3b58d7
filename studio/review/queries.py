"""Review decisions, revision chains and the guarded status update the state machine relies on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, cast, func, update
from sqlmodel import Session, col, select

from studio.core.models import Asset, AuditLog, Review, ReviewAction, Variant, VariantStatus


def add_review(
    session: Session,
    *,
    variant_id: int,
    reviewer: str,
    action: ReviewAction,
    from_status: VariantStatus,
    to_status: VariantStatus,
    comment: str = "",
) -> Review:
    review = Review(
        variant_id=variant_id,
        reviewer=reviewer,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )
    session.add(review)
    session.flush()
    return review


def list_reviews(session: Session, *, variant_ids: Sequence[int]) -> Sequence[Review]:
    """Review rows of the given variants, oldest first."""
    if not variant_ids:
        return []
    query = select(Review).where(col(Review.variant_id).in_(list(variant_ids)))
    return session.exec(query.order_by(col(Review.id))).all()


def count_winners(session: Session, *, brand: str | None = None) -> int:
    """How many variants have won a creative test, whatever they became after (exported...).

    Counted from the state machine's record of ``declare_winner`` moves in the audit log, which
    stays when the variant moves on; counting the ``winner`` status would forget every winner
    exported since.
    """
    query = (
        select(func.count(func.distinct(AuditLog.entity_id)))
        .join(Variant, cast(Variant.id, String) == AuditLog.entity_id)
        .where(
            AuditLog.entity_type == "variant",
            AuditLog.action == f"variant.{ReviewAction.declare_winner.value}",
        )
    )
    if brand:
        query = query.where(Variant.brand == brand)
    return int(session.exec(query).one())


def latest_review(session: Session, *, variant_id: int) -> Review | None:
    query = select(Review).where(Review.variant_id == variant_id).order_by(col(Review.id).desc())
    return session.exec(query.limit(1)).first()


def load_variant(session: Session, *, variant_id: int) -> Variant | None:
    """The variant as the database holds it now (refreshes a copy already in the session)."""
    return session.get(Variant, variant_id, populate_existing=True)


def next_revision(session: Session, *, variant_id: int) -> Variant | None:
    """The revision made by editing ``variant_id``, if any."""
    query = select(Variant).where(Variant.parent_id == variant_id).order_by(col(Variant.id))
    return session.exec(query.limit(1)).first()


def next_revision_ids(session: Session, *, variant_ids: Sequence[int]) -> dict[int, int]:
    """For each of ``variant_ids`` that was edited, the id of its (first) revision."""
    if not variant_ids:
        return {}
    query = (
        select(Variant.parent_id, func.min(Variant.id))
        .where(col(Variant.parent_id).in_(list(variant_ids)))
        .group_by(col(Variant.parent_id))
    )
    return {
        int(parent): int(child) for parent, child in session.exec(query).all() if parent and child
    }


def revision_chain(session: Session, *, variant: Variant) -> list[Variant]:
    """``variant`` then its ancestors (parent, grandparent, ...) back to revision 1."""
    chain = [variant]
    seen = {variant.id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        parent = session.get(Variant, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.id)
    return chain


def update_status_if_unchanged(
    session: Session,
    *,
    variant_id: int,
    from_status: VariantStatus,
    to_status: VariantStatus,
    expected_lock_version: int,
    now: datetime,
) -> bool:
    """Move the variant and bump its lock version only if nobody changed it meanwhile.

    One conditional ``UPDATE ... WHERE lock_version = :expected AND status = :from``: of two
    reviewers racing, the database lets exactly one match; the other updates no row and gets
    ``False``. On PostgreSQL the second waits for the first to commit, then re-reads the row.
    """
    statement = (
        update(Variant)
        .where(col(Variant.id) == variant_id)
        .where(col(Variant.lock_version) == expected_lock_version)
        .where(col(Variant.status) == from_status.value)
        .values(status=to_status.value, lock_version=expected_lock_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.exec(statement).rowcount == 1


def bump_lock_if_unchanged(
    session: Session, *, variant_id: int, expected_lock_version: int, now: datetime
) -> bool:
    """Claim the variant for an edit (same guard as :func:`update_status_if_unchanged`)."""
    statement = (
        update(Variant)
        .where(col(Variant.id) == variant_id)
        .where(col(Variant.lock_version) == expected_lock_version)
        .values(lock_version=expected_lock_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.exec(statement).rowcount == 1


def approve_assets(session: Session, *, variant_id: int, now: datetime) -> int:
    """Mark every asset the variant has now as approved (the approve move's media snapshot)."""
    statement = (
        update(Asset)
        .where(col(Asset.variant_id) == variant_id)
        .where(col(Asset.approved_at).is_(None))
        .values(approved_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(session.exec(statement).rowcount)


def list_assets(
    session: Session, *, variant_ids: Sequence[int], approved: bool | None = None
) -> Sequence[Asset]:
    """Assets of the given variants in id order; ``approved`` filters on the approval snapshot."""
    if not variant_ids:
        return []
    query = select(Asset).where(col(Asset.variant_id).in_(list(variant_ids)))
    if approved is True:
        query = query.where(col(Asset.approved_at).is_not(None))
    elif approved is False:
        query = query.where(col(Asset.approved_at).is_(None))
    return session.exec(query.order_by(col(Asset.id))).all()


def claim_for_media(
    session: Session, *, variant_id: int, statuses: Sequence[VariantStatus], now: datetime
) -> bool:
    """Bump the variant's lock version if its status is one of ``statuses`` (one guarded UPDATE).

    New media change what a reviewer sees, so a reviewer who opened the variant before gets
    "changed since you opened it"; an approval that won the race makes this match no row.
    """
    statement = (
        update(Variant)
        .where(col(Variant.id) == variant_id)
        .where(col(Variant.status).in_([s.value for s in statuses]))
        .values(lock_version=Variant.lock_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.exec(statement).rowcount == 1
