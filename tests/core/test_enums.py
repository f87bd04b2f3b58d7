"""The typed vocabulary of the tables: stored as its plain string value, read back as the enum."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import Session, select

from studio.core.database import get_engine
from studio.core.errors import InvalidValue
from studio.core.models import (
    AllocationPolicy,
    Asset,
    AssetKind,
    Campaign,
    Experiment,
    ExperimentStatus,
    Job,
    JobItem,
    JobKind,
    JobStatus,
    Objective,
    PriorSource,
    Review,
    ReviewAction,
    Role,
    StrEnumText,
    User,
    Variant,
    VariantStatus,
)

#: Every enum column: (table class, column, enum). A new enum column belongs here.
ENUM_COLUMNS: list[tuple[type, str, type[StrEnum]]] = [
    (User, "role", Role),
    (Variant, "status", VariantStatus),
    (Asset, "kind", AssetKind),
    (Review, "action", ReviewAction),
    (Review, "from_status", VariantStatus),
    (Review, "to_status", VariantStatus),
    (Experiment, "policy", AllocationPolicy),
    (Experiment, "status", ExperimentStatus),
    (Experiment, "prior_source", PriorSource),
    (Experiment, "objective", Objective),
    (Job, "kind", JobKind),
    (Job, "status", JobStatus),
    (JobItem, "status", JobStatus),
]


def test_the_list_above_holds_every_enum_column():
    from sqlmodel import SQLModel

    found = {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, StrEnumText)
    }
    assert found == {(cls.__tablename__, name) for cls, name, _ in ENUM_COLUMNS}


def test_stored_values_are_the_values_databases_already_hold():
    # Existing databases keep working: these strings are what earlier versions wrote.
    assert [s.value for s in ExperimentStatus] == ["running", "paused", "stopped", "completed"]
    assert [p.value for p in AllocationPolicy] == ["thompson", "top_two"]
    assert [p.value for p in PriorSource] == ["flat", "pooled", "predictor"]
    assert [k.value for k in AssetKind] == ["image", "video"]
    assert {a.value for a in ReviewAction} >= {"submit", "approve", "reject", "request_changes"}


def _rows(session: Session) -> tuple[Variant, Campaign]:
    campaign = Campaign(
        brand="b", name="c", objective="traffic", landing_url="https://x.test", created_by="u"
    )
    session.add(campaign)
    session.flush()
    variant = Variant(
        campaign_id=campaign.id,
        brand="b",
        persona="p",
        channel="meta_feed",
        backend="offline",
        model="m",
        seed=0,
        prompt_template="t",
        prompt_hash="h",
        created_by="u",
    )
    session.add(variant)
    session.flush()
    return variant, campaign


def test_every_member_round_trips_through_the_database(database_url):
    engine = get_engine(database_url)
    with Session(engine) as session:
        variant, _ = _rows(session)
        for i, status in enumerate(VariantStatus):
            session.add(
                Review(
                    variant_id=variant.id,
                    reviewer="r",
                    action=list(ReviewAction)[i % len(ReviewAction)],
                    from_status=status,
                    to_status=status.value,  # text is accepted and stored the same way
                )
            )
        for kind in AssetKind:
            session.add(
                Asset(
                    variant_id=variant.id,
                    kind=kind,
                    size_label="1x1",
                    width=1,
                    height=1,
                    path=f"{kind}.bin",
                    sha256="s",
                    backend="b",
                    model="m",
                    seed=0,
                    prompt_hash="h",
                )
            )
        for i, status in enumerate(ExperimentStatus):
            session.add(
                Experiment(
                    name=f"e{i}",
                    brand="b",
                    persona="p",
                    channel="meta_feed",
                    created_by="u",
                    status=status,
                    policy=list(AllocationPolicy)[i % 2],
                    prior_source=list(PriorSource)[i % 3],
                )
            )
        for role in Role:
            session.add(User(username=role.value, display_name="x", role=role, password_hash="h"))
        session.commit()

    with Session(engine) as session:
        reviews = session.exec(select(Review).order_by(Review.id)).all()
        assert [r.from_status for r in reviews] == list(VariantStatus)
        assert all(type(r.to_status) is VariantStatus for r in reviews)
        assert all(type(r.action) is ReviewAction for r in reviews)
        assets = session.exec(select(Asset).order_by(Asset.id)).all()
        assert [a.kind for a in assets] == list(AssetKind)
        experiments = session.exec(select(Experiment).order_by(Experiment.id)).all()
        assert [e.status for e in experiments] == list(ExperimentStatus)
        assert all(type(e.policy) is AllocationPolicy for e in experiments)
        assert [e.prior_source for e in experiments] == [
            PriorSource.flat,
            PriorSource.pooled,
            PriorSource.predictor,
            PriorSource.flat,
        ]
        assert {u.role for u in session.exec(select(User)).all()} == set(Role)
        # Filters take members or their text alike.
        running = select(Experiment).where(Experiment.status == "running")
        assert [e.name for e in session.exec(running).all()] == ["e0"]

    with engine.connect() as connection:
        stored = connection.execute(text("SELECT status, policy FROM experiment ORDER BY id")).all()
        # The database holds plain strings, exactly the values (no enum names, no casts).
        assert [tuple(row) for row in stored] == [
            ("running", "thompson"),
            ("paused", "top_two"),
            ("stopped", "thompson"),
            ("completed", "top_two"),
        ]
        raw = connection.execute(text("SELECT kind FROM asset ORDER BY id")).scalars().all()
        assert raw == ["image", "video"]


def test_a_value_outside_the_vocabulary_is_refused_before_it_is_written(database_url):
    engine = get_engine(database_url)
    with Session(engine) as session:
        variant, _ = _rows(session)
        session.add(
            Review(
                variant_id=variant.id,
                reviewer="r",
                action="approve",
                from_status="drafted",
                to_status="in_review",
            )
        )
        with pytest.raises(StatementError) as caught:
            session.flush()
    error = caught.value.orig
    assert isinstance(error, InvalidValue)
    assert "'drafted' is not a VariantStatus" in str(error)
    assert "changes_requested" in str(error)  # names what is allowed
    with Session(engine) as session:
        assert session.exec(select(Review)).all() == []
