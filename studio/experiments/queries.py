"""Creative tests: experiments, their arms, imported delivery and logged allocation decisions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from studio.core.database import select_columns
from studio.core.models import AllocationDecision, Arm, ArmResult, Experiment, Variant


def add_experiment(session: Session, *, experiment: Experiment) -> Experiment:
    session.add(experiment)
    session.flush()
    return experiment


def get_experiment(session: Session, *, experiment_id: int) -> Experiment | None:
    return session.get(Experiment, experiment_id)


def list_experiments(
    session: Session,
    *,
    brand: str | None = None,
    statuses: Collection[str] | None = None,
    limit: int = 200,
) -> Sequence[Experiment]:
    """Newest first."""
    query = select(Experiment)
    if brand:
        query = query.where(Experiment.brand == brand)
    if statuses:
        query = query.where(col(Experiment.status).in_(list(statuses)))
    return session.exec(query.order_by(col(Experiment.id).desc()).limit(limit)).all()


def save(session: Session, *, row: Experiment | Arm) -> None:
    """Write changed attributes of an experiment or arm (in the caller's transaction)."""
    session.add(row)
    session.flush()


def add_arm(
    session: Session,
    *,
    experiment_id: int,
    variant_id: int,
    ad_id: str,
    ad_name: str,
    prior_alpha: float,
    prior_beta: float,
    joined_at: datetime | None = None,
) -> Arm:
    arm = Arm(
        experiment_id=experiment_id,
        variant_id=variant_id,
        ad_id=ad_id,
        ad_name=ad_name,
        prior_alpha=prior_alpha,
        prior_beta=prior_beta,
        joined_at=joined_at,
    )
    session.add(arm)
    session.flush()
    return arm


def list_arms(session: Session, *, experiment_id: int) -> Sequence[Arm]:
    """A test's arms in the order they were added (the order of the arm letters A, B, C...)."""
    return session.exec(
        select(Arm).where(Arm.experiment_id == experiment_id).order_by(col(Arm.id))
    ).all()


def get_variants(session: Session, *, variant_ids: Sequence[int]) -> dict[int, Variant]:
    """The variants that exist among ``variant_ids``, by id."""
    if not variant_ids:
        return {}
    rows = session.exec(select(Variant).where(col(Variant.id).in_(list(variant_ids)))).all()
    return {v.id: v for v in rows if v.id is not None}


@dataclass(frozen=True)
class Delivery:
    """Impressions, clicks, conversions and spend summed over report rows.

    ``ctr`` is clicks / impressions (a fraction), ``None`` before any impression.
    """

    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    spend: float = 0.0

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None


def delivery_by_arm(
    session: Session, *, experiment_id: int, after_result_id: int = 0
) -> dict[int, Delivery]:
    """Delivery per arm id, summed over result rows with ``id > after_result_id``."""
    query = (
        select_columns(
            ArmResult.arm_id,
            func.sum(ArmResult.impressions),
            func.sum(ArmResult.clicks),
            func.sum(ArmResult.conversions),
            func.sum(ArmResult.spend),
        )
        .where(ArmResult.experiment_id == experiment_id)
        .where(col(ArmResult.id) > after_result_id)
        .group_by(col(ArmResult.arm_id))
    )
    return {
        int(arm_id): Delivery(int(imp or 0), int(clk or 0), int(conv or 0), float(spend or 0.0))
        for arm_id, imp, clk, conv, spend in session.exec(query).all()
    }


def last_result_id(session: Session, *, experiment_id: int) -> int:
    """The highest result row id of a test (0 before any import)."""
    query = select(func.max(ArmResult.id)).where(ArmResult.experiment_id == experiment_id)
    return int(session.exec(query).one() or 0)


def insert_result_unless_counted(session: Session, *, result: ArmResult) -> ArmResult | None:
    """Insert one day of one arm unless the test already holds that day; race-safe.

    One ``INSERT ... ON CONFLICT DO NOTHING`` against the unique (test, arm, day) and
    (test, row key) constraints: of two importers racing, the database lets exactly one row in
    (on PostgreSQL the second waits for the first to commit). Returns ``None`` when inserted,
    else the row already counted for that arm and day (compare its ``row_key``).
    """
    values = result.model_dump(exclude={"id"})
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(ArmResult).values(**values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(ArmResult).values(**values).on_conflict_do_nothing()
    statement = statement.returning(col(ArmResult.id))
    # RETURNING, not rowcount: drivers do not all report a row count for ON CONFLICT.
    inserted = session.execute(statement).scalar_one_or_none()
    if inserted is not None:
        result.id = inserted
        return None
    query = (
        select(ArmResult)
        .where(ArmResult.experiment_id == result.experiment_id)
        .where(ArmResult.arm_id == result.arm_id)
        .where(ArmResult.day == result.day)
    )
    # The row key includes the arm and the day, so any conflict is on (test, arm, day).
    return session.exec(query).one()


def link_challenger(session: Session, *, variant_id: int, parent_id: int) -> None:
    """Record that draft ``variant_id`` was written as a challenger to ``parent_id``."""
    variant = session.get(Variant, variant_id)
    assert variant is not None
    variant.challenger_of_id = parent_id
    session.add(variant)
    session.flush()


def delete_result(session: Session, *, result: ArmResult) -> None:
    """Remove one stored day of one arm (to replace it with a completed one); flushed."""
    session.delete(result)
    session.flush()


@dataclass(frozen=True)
class DailyDelivery:
    arm_id: int
    day: date
    impressions: int
    clicks: int
    conversions: int
    spend: float
    #: Conversion value; None when no report row of that day and arm carried one.
    revenue: float | None = None
    #: People reached; None when the report did not say.
    reach: int | None = None


def daily_delivery(session: Session, *, experiment_id: int) -> list[DailyDelivery]:
    """Delivery per arm and day, by day then arm."""
    query = (
        select_columns(
            ArmResult.arm_id,
            ArmResult.day,
            func.sum(ArmResult.impressions),
            func.sum(ArmResult.clicks),
            func.sum(ArmResult.conversions),
            func.sum(ArmResult.spend),
            func.sum(ArmResult.revenue),  # NULL when every row's value is NULL
            func.sum(ArmResult.reach),
        )
        .where(ArmResult.experiment_id == experiment_id)
        .group_by(col(ArmResult.arm_id), col(ArmResult.day))
        .order_by(col(ArmResult.day), col(ArmResult.arm_id))
    )
    return [
        DailyDelivery(
            int(arm_id),
            day,
            int(imp or 0),
            int(clk or 0),
            int(conv or 0),
            float(spend or 0.0),
            None if revenue is None else float(revenue),
            None if reach is None else int(reach),
        )
        for arm_id, day, imp, clk, conv, spend, revenue, reach in session.exec(query).all()
    ]


def count_results(session: Session, *, experiment_id: int, after_result_id: int = 0) -> int:
    """Result rows of a test with ``id > after_result_id``."""
    query = (
        select(func.count())
        .select_from(ArmResult)
        .where(ArmResult.experiment_id == experiment_id)
        .where(col(ArmResult.id) > after_result_id)
    )
    return int(session.exec(query).one())


def add_decision(session: Session, *, decision: AllocationDecision) -> AllocationDecision:
    session.add(decision)
    session.flush()
    return decision


def list_decisions(session: Session, *, experiment_id: int) -> Sequence[AllocationDecision]:
    """Oldest first."""
    query = (
        select(AllocationDecision)
        .where(AllocationDecision.experiment_id == experiment_id)
        .order_by(col(AllocationDecision.id))
    )
    return session.exec(query).all()


def latest_decision(session: Session, *, experiment_id: int) -> AllocationDecision | None:
    query = (
        select(AllocationDecision)
        .where(AllocationDecision.experiment_id == experiment_id)
        .order_by(col(AllocationDecision.id).desc())
    )
    return session.exec(query.limit(1)).first()


def count_decisions(session: Session, *, experiment_id: int) -> int:
    query = (
        select(func.count())
        .select_from(AllocationDecision)
        .where(AllocationDecision.experiment_id == experiment_id)
    )
    return int(session.exec(query).one())
