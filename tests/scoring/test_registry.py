"""The CTR model registry: only marketers and admins register, retrain or switch models."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from studio.core import audit
from studio.core.models import CtrModelRecord
from studio.review import accounts as auth
from studio.scoring.embeddings import EmbeddingCache
from studio.scoring.predict import load_predictor
from studio.scoring.registry import activate_model, active_model, register_model, retrain
from studio.scoring.train import Hyperparameters
from tests.people import add_people

#: Written out from the issue, independently of studio.review.accounts.ROLE_PERMISSIONS.
ALLOWED = ("mia", "ada")
#: A creative, a brand manager, a deactivated marketer and a name nobody has.
REFUSED = {
    "cara": "may not start and decide creative tests",
    "bea": "may not start and decide creative tests",
    "dana": "is deactivated",
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
        role="marketer",
        password="a long enough passphrase",
    )
    auth.set_active(session, actor="ada", username="dana", active=False)
    session.commit()


def _artifact(tmp_path: Path, name: str = "m.npz") -> Path:
    path = tmp_path / name
    path.write_bytes(b"model bytes " + name.encode())
    return path


def _records(session: Session) -> list[CtrModelRecord]:
    return list(session.exec(select(CtrModelRecord)).all())


@pytest.mark.parametrize("actor", sorted(REFUSED))
def test_register_is_refused_without_the_permission(session, people, tmp_path, actor):
    with pytest.raises(auth.AuthError, match=re.escape(REFUSED[actor])):
        register_model(
            session,
            path=_artifact(tmp_path),
            training_data="report.csv",
            metrics={},
            created_by=actor,
        )
    session.rollback()
    assert _records(session) == []
    assert audit.list_entries(session, action="ctr_model.register") == []


@pytest.mark.parametrize("actor", ALLOWED)
def test_marketers_and_admins_register_and_activate(session, people, tmp_path, actor):
    record = register_model(
        session, path=_artifact(tmp_path), training_data="report.csv", metrics={}, created_by=actor
    )
    session.commit()
    assert record.is_active is False and record.created_by == actor
    activate_model(session, record_id=record.id, actor=actor)
    session.commit()
    assert active_model(session).id == record.id
    [entry] = audit.list_entries(session, action="ctr_model.activate")
    assert entry.actor == actor and entry.after == {"active": record.id}


@pytest.mark.parametrize("actor", sorted(REFUSED))
def test_activate_is_refused_without_the_permission(session, people, tmp_path, actor):
    record = register_model(
        session, path=_artifact(tmp_path), training_data="report.csv", metrics={}, created_by="mia"
    )
    session.commit()
    with pytest.raises(auth.AuthError, match=re.escape(REFUSED[actor])):
        activate_model(session, record_id=record.id, actor=actor)
    session.rollback()
    assert active_model(session) is None
    assert audit.list_entries(session, action="ctr_model.activate") == []


def test_a_model_that_does_not_exist_is_refused_by_name(session, people, tmp_path):
    first = register_model(
        session, path=_artifact(tmp_path), training_data="a.csv", metrics={}, created_by="mia"
    )
    session.commit()
    with pytest.raises(
        LookupError, match=rf"There is no CTR model with id 999\. Known: {first.id}\."
    ):
        activate_model(session, record_id=999, actor="mia")
    missing = tmp_path / "never-trained.npz"
    with pytest.raises(FileNotFoundError, match=r"never-trained\.npz does not exist"):
        register_model(session, path=missing, training_data="a.csv", metrics={}, created_by="mia")
    session.rollback()
    assert [r.id for r in _records(session)] == [first.id]


@pytest.mark.parametrize("actor", sorted(REFUSED))
def test_retrain_is_refused_before_any_training(session, people, tmp_path, actor):
    output = tmp_path / "candidate.npz"
    with pytest.raises(auth.AuthError, match=re.escape(REFUSED[actor])):
        retrain(
            session,
            pd.DataFrame(),  # never read: the permission is checked first
            output=output,
            sources=["report.csv"],
            current=None,  # type: ignore[arg-type]
            created_by=actor,
        )
    assert not output.exists() and _records(session) == []


def test_a_marketer_retrains_a_candidate_that_stays_inactive(
    session, people, tmp_path, small_model
):
    output = tmp_path / "candidate.npz"
    record, comparison = retrain(
        session,
        small_model.table,
        output=output,
        sources=["sample.csv"],
        current=load_predictor(small_model.path),
        created_by="mia",
        encoder=EmbeddingCache(cache_dir=small_model.path.parent / "cache"),
        grid=[Hyperparameters(30.0, 0.1, 0.0)],
    )
    session.commit()
    assert output.is_file() and record.created_by == "mia" and record.is_active is False
    assert comparison.candidate.tests == comparison.current.tests > 0
    assert active_model(session) is None


def test_a_failed_commit_leaves_no_candidate_file(
    session, people, tmp_path, small_model, monkeypatch
):
    output = tmp_path / "candidate.npz"

    def connection_lost() -> None:
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(session, "commit", connection_lost)
    with pytest.raises(OperationalError, match="server closed the connection"):
        retrain(
            session,
            small_model.table,
            output=output,
            sources=["sample.csv"],
            current=load_predictor(small_model.path),
            created_by="mia",
            encoder=EmbeddingCache(cache_dir=small_model.path.parent / "cache"),
            grid=[Hyperparameters(30.0, 0.1, 0.0)],
        )
    monkeypatch.undo()
    assert not output.exists() and _records(session) == []
