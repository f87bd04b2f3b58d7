"""The CTR model registry: trained artifacts, their evaluations, and which one is active.

Retraining never switches models by itself: :func:`retrain` trains a candidate on the
user's data, evaluates it and the current model on the *same* later tests of that data, and
registers the candidate inactive; :func:`activate_model` switches when someone asks.

Registering, retraining and switching change what every score in the studio means, so each
needs the ``run_tests`` permission (marketers and admins), checked here for the app and the
CLI alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from studio.core import audit
from studio.core.errors import NotFound, UserFacingError
from studio.core.models import CtrModelRecord
from studio.review.accounts import Permission, require
from studio.scoring.data import temporal_split
from studio.scoring.embeddings import EmbeddingCache
from studio.scoring.evaluate import Evaluation, evaluate_scorer
from studio.scoring.model import ModelFileError, file_sha256
from studio.scoring.predict import CtrPredictor, load_predictor, resolve_model_path
from studio.scoring.train import DEFAULT_GRID, Hyperparameters, TemporalEvaluation, train_model


def list_models(session: Session) -> Sequence[CtrModelRecord]:
    """Newest first."""
    return session.exec(
        select(CtrModelRecord).order_by(
            col(CtrModelRecord.created_at).desc(), col(CtrModelRecord.id).desc()
        )
    ).all()


def active_model(session: Session) -> CtrModelRecord | None:
    return session.exec(select(CtrModelRecord).where(CtrModelRecord.is_active == True)).first()  # noqa: E712


def active_model_path(session: Session) -> Path:
    """The active registered model's file, else the setting / shipped model."""
    record = active_model(session)
    return Path(record.path) if record is not None else resolve_model_path(None)


def load_active_predictor(session: Session) -> CtrPredictor:
    return load_predictor(active_model_path(session))


def register_model(
    session: Session, *, path: Path, training_data: str, metrics: dict[str, Any], created_by: str
) -> CtrModelRecord:
    """Record a trained artifact (inactive) as ``created_by``. The caller commits.

    Raises
    ------
    AuthError
        ``created_by`` is unknown, deactivated or may not run tests.
    ModelFileMissing
        ``path`` is not a file.
    """
    require(session, username=created_by, permission=Permission.run_tests)
    if not Path(path).is_file():
        raise ModelFileMissing(
            f"CTR model file {path} does not exist; train one with `studio ctr train` first"
        )
    record = CtrModelRecord(
        path=str(Path(path).resolve()),
        sha256=file_sha256(path),
        training_data=training_data[:512],
        metrics=metrics,
        is_active=False,
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=created_by,
        action="ctr_model.register",
        entity_type="ctr_model",
        entity_id=record.id or 0,
        after={"path": record.path, "sha256": record.sha256},
    )
    return record


def activate_model(session: Session, *, record_id: int, actor: str) -> CtrModelRecord:
    """Make one registered model the active one (the others become inactive). The caller commits.

    Raises
    ------
    AuthError
        ``actor`` is unknown, deactivated or may not run tests.
    LookupError
        No registered model has ``record_id`` (the message lists the ids that exist).
    FileNotFoundError, ValueError
        The model's file is gone or changed since it was registered.
    """
    require(session, username=actor, permission=Permission.run_tests)
    record = session.get(CtrModelRecord, record_id)
    if record is None:
        known = [r.id for r in list_models(session)]
        raise NotFound(
            "CTR model with id", record_id, known, hint="`studio ctr models` lists them."
        )
    if not Path(record.path).is_file():
        raise ModelFileError(
            f"CTR model {record_id}'s file {record.path} is gone; retrain or re-register it"
        )
    if file_sha256(Path(record.path)) != record.sha256:
        raise ModelFileError(
            f"CTR model {record_id}'s file {record.path} changed since it was registered"
        )
    previous = active_model(session)
    for other in session.exec(select(CtrModelRecord).where(CtrModelRecord.is_active == True)).all():  # noqa: E712
        other.is_active = False
        session.add(other)
    record.is_active = True
    session.add(record)
    audit.record(
        session,
        actor=actor,
        action="ctr_model.activate",
        entity_type="ctr_model",
        entity_id=record_id,
        before={"active": previous.id if previous else None},
        after={"active": record_id},
    )
    return record


class ModelFileMissing(UserFacingError, FileNotFoundError):
    """A model file given to the registry does not exist."""


@dataclass(frozen=True)
class Comparison:
    """The candidate and the current model, measured on the same later tests of the new data."""

    candidate: Evaluation
    current: Evaluation
    evaluation: TemporalEvaluation

    @property
    def candidate_is_better(self) -> bool:
        return self.candidate.pairwise_accuracy > self.current.pairwise_accuracy

    def as_dict(self) -> dict[str, Any]:
        return {"candidate": self.candidate.as_dict(), "current": self.current.as_dict()}


def retrain(
    session: Session,
    table: pd.DataFrame,
    *,
    output: Path,
    sources: Sequence[str],
    current: CtrPredictor,
    created_by: str,
    encoder: EmbeddingCache | None = None,
    grid: Sequence[Hyperparameters] = DEFAULT_GRID,
) -> tuple[CtrModelRecord, Comparison]:
    """Train a candidate on ``table``, compare it with ``current`` on the same held-out tests, register it.

    The candidate's figures come from its temporal evaluation (trained on the earlier tests of
    ``table``, measured on the later ones); the current model is measured on those same
    later tests. Nothing is activated. ``created_by`` needs the ``run_tests`` permission,
    checked before any training.

    One unit of work: the model file is written and registered, and the registration is
    committed here; if registering or committing fails, the file is deleted again and the
    session rolled back, so no candidate file exists without its registry entry.
    """
    require(session, username=created_by, permission=Permission.run_tests)
    encoder = encoder or EmbeddingCache()
    model, evaluation = train_model(table, encoder, sources=sources, grid=grid)
    _, late = temporal_split(table)
    current_eval = evaluate_scorer(late, current.relative_scores)
    comparison = Comparison(candidate=evaluation.test, current=current_eval, evaluation=evaluation)
    model.metrics = {**model.metrics, "current_model_on_same_tests": current_eval.as_dict()}
    model.save(output)
    try:
        record = register_model(
            session,
            path=output,
            training_data=", ".join(sources),
            metrics={
                **model.metrics,
                "comparison": comparison.as_dict(),
                "current_model_sha256": current.sha256,
            },
            created_by=created_by,
        )
        session.commit()
    except BaseException:
        Path(output).unlink(missing_ok=True)
        session.rollback()
        raise
    return record, comparison
