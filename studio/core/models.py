"""All database tables, in one place.

Brand guidelines and personas are *files* (``brand_guidelines/``), the source of truth that
brand managers edit; the database refers to them by slug and keeps their version history.
Everything the studio produces or decides (variants, assets, reviews, experiments, exports,
the audit log) lives here.

Schema changes go through Alembic (``studio/core/migrations``); ``tests/core/test_migrations.py`` fails
when these classes and the migrations disagree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Column,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from studio.core.errors import InvalidValue


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(**kwargs: Any) -> Any:
    return Field(
        default_factory=kwargs.pop("default_factory", dict), sa_column=Column(JSON, nullable=False)
    )


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False))


class StrEnumText(TypeDecorator[StrEnum]):
    """A :class:`~enum.StrEnum` stored as its plain string value in a ``VARCHAR(length)``.

    Plain strings keep the schema portable across SQLite and PostgreSQL (no database enum types
    to migrate when a value is added) and keep the stored values those of the enum. Rows read
    back hold enum members, and a value outside the enum is refused before it reaches the
    database, naming the column and the allowed values.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return self.enum(value).value
        except ValueError:
            allowed = ", ".join(member.value for member in self.enum)
            raise InvalidValue(
                f"{value!r} is not a {self.enum.__name__}; allowed: {allowed}"
            ) from None

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def _enum(enum: type[StrEnum], length: int, *, default: Any = ..., index: bool = False) -> Any:
    """A non-null column holding one member of ``enum`` (see :class:`StrEnumText`)."""
    column: Column[Any] = Column(StrEnumText(enum, length), nullable=False, index=index)
    return Field(default=default, sa_column=column)


# --------------------------------------------------------------------------------------------
# People and the audit trail
# --------------------------------------------------------------------------------------------


class Role(StrEnum):
    creative = "creative"
    brand_manager = "brand_manager"
    marketer = "marketer"
    admin = "admin"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    display_name: str = Field(max_length=128)
    role: Role = _enum(Role, 32)
    password_hash: str = Field(max_length=256)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    #: Sign-ins started before this moment are void (set when the password changes).
    sessions_valid_after: datetime | None = None


class SignInCounter(SQLModel, table=True):
    """Password attempts per name typed, counted *before* the password is checked.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` adds the attempt and reads the count
    in a single statement, so parallel guesses cannot all see "below the limit": of N at once,
    at most ``MAX_FAILED_SIGN_INS`` are checked. ``login_key`` is the SHA-256 of the lowercased
    name typed, so a password typed into the username box is never stored.
    """

    __tablename__ = "sign_in_counter"

    login_key: str = Field(primary_key=True, max_length=64)
    #: Attempts in the window that were not successful (a success takes its own back).
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow)


class SignInSession(SQLModel, table=True):
    """A password sign-in held by a browser, checked on the server at every page load.

    The browser keeps only a random token in an HttpOnly cookie; the table keeps its SHA-256.
    The cookie is handed over through a one-time ticket (``ticket_hash``, a minute to live), so
    the long-lived token never reaches a page's JavaScript (:mod:`studio.ui.session_cookie`).
    ``revoked_at`` ends it early: sign-out, password change, deactivation.
    """

    __tablename__ = "sign_in_session"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    method: str = Field(max_length=16)
    signed_in_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_expires_at: datetime | None = None
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    revoked_at: datetime | None = None
    revoked_reason: str = Field(default="", max_length=64)


class AuditLog(SQLModel, table=True):
    """Append-only: one row per action on variants, guidelines, experiments, exports, users."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=64, index=True)
    action: str = Field(max_length=64, index=True)
    entity_type: str = Field(max_length=32, index=True)
    entity_id: str = Field(max_length=256, index=True)
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()
    #: How the action arrived: "" from the app or the library; ``cli os_user=NAME`` from the
    #: command line, which trusts ``--as`` (see the README's "Who the CLI trusts").
    origin: str = Field(default="", max_length=128)


class GuidelineVersion(SQLModel, table=True):
    """Every saved version of a guideline or persona file (``path`` relative to the brand dir)."""

    __tablename__ = "guideline_version"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=256, index=True)
    content: str = _text()
    sha256: str = Field(max_length=64)
    author: str = Field(max_length=64)
    message: str = Field(default="", max_length=512)
    created_at: datetime = Field(default_factory=utcnow, index=True)


# --------------------------------------------------------------------------------------------
# Creative production
# --------------------------------------------------------------------------------------------


class Campaign(SQLModel, table=True):
    """A brief: what the variants are for."""

    id: int | None = Field(default=None, primary_key=True)
    brand: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    objective: str = Field(max_length=64)
    offer: str = Field(default="", max_length=500)
    landing_url: str = Field(max_length=2048)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class VariantStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    rejected = "rejected"
    changes_requested = "changes_requested"
    in_test = "in_test"
    winner = "winner"
    retired = "retired"
    exported = "exported"


class AssetKind(StrEnum):
    image = "image"
    video = "video"


class ReviewAction(StrEnum):
    """The verbs of the approval workflow (:data:`studio.review.workflow.MOVES`)."""

    submit = "submit"
    approve = "approve"
    reject = "reject"
    request_changes = "request_changes"
    start_test = "start_test"
    export = "export"
    declare_winner = "declare_winner"
    retire = "retire"
    send_back = "send_back"


class Variant(SQLModel, table=True):
    """One ad's copy for one persona and channel.

    ``fields`` maps a channel field name (see :mod:`studio.copy.channels`) to its text, or to a list
    of texts for multi-asset fields such as Google RSA headlines. Editing makes a new revision
    (a new row whose ``parent_id`` is the edited one); ``lock_version`` guards concurrent edits.
    """

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    brand: str = Field(max_length=64, index=True)
    persona: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=32, index=True)
    fields: dict[str, Any] = _json()
    status: VariantStatus = _enum(VariantStatus, 32, default=VariantStatus.draft, index=True)
    revision: int = 1
    parent_id: int | None = Field(default=None, foreign_key="variant.id", index=True)
    #: A challenger written from a winning or fatigued variant: that variant's id
    #: (:mod:`studio.experiments.challengers`).
    challenger_of_id: int | None = Field(default=None, foreign_key="variant.id", index=True)
    backend: str = Field(max_length=32)
    model: str = Field(max_length=256)
    seed: int
    prompt_template: str = Field(max_length=128)
    prompt_hash: str = Field(max_length=64)
    prompt: str = _text()
    violations: list[dict[str, Any]] = _json(default_factory=list)
    predicted_ctr: float | None = Field(default=None, index=True)
    ctr_low: float | None = None
    ctr_high: float | None = None
    ctr_explanation: dict[str, Any] = _json()
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    lock_version: int = 1

    #: Lists read a brand's variants by status, newest or best predicted CTR first, one page at
    #: a time: these indexes answer the filter, the order and the counts without reading a row
    #: (rows are large: each holds its prompt).
    __table_args__ = (
        Index("ix_variant_brand_status_ctr", "brand", "status", "predicted_ctr"),
        Index("ix_variant_brand_ctr", "brand", "predicted_ctr"),
    )

    @property
    def is_flagged(self) -> bool:
        return bool(self.violations)


class Asset(SQLModel, table=True):
    """An image or video file made for a variant (content-hash file name under the asset dir)."""

    id: int | None = Field(default=None, primary_key=True)
    variant_id: int = Field(foreign_key="variant.id", index=True)
    kind: AssetKind = _enum(AssetKind, 16)
    size_label: str = Field(max_length=32)  # e.g. "1080x1080"
    width: int
    height: int
    duration_s: float | None = None
    path: str = Field(max_length=1024)
    sha256: str = Field(max_length=64, index=True)
    backend: str = Field(max_length=32)
    model: str = Field(max_length=256)
    seed: int
    prompt_hash: str = Field(max_length=64)
    qc: list[dict[str, Any]] = _json(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    #: Set by the ``approve`` move on every asset the variant has at that moment; only these
    #: files may be exported (:func:`studio.review.workflow.approved_media`).
    approved_at: datetime | None = None

    @property
    def qc_passed(self) -> bool:
        return all(check.get("passed", False) for check in self.qc)


class Review(SQLModel, table=True):
    """A reviewer's decision on a variant revision."""

    id: int | None = Field(default=None, primary_key=True)
    variant_id: int = Field(foreign_key="variant.id", index=True)
    reviewer: str = Field(max_length=64)
    action: ReviewAction = _enum(ReviewAction, 32)
    from_status: VariantStatus = _enum(VariantStatus, 32)
    to_status: VariantStatus = _enum(VariantStatus, 32)
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------------------------
# Creative tests
# --------------------------------------------------------------------------------------------


class AllocationPolicy(StrEnum):
    """How a test splits traffic (:mod:`studio.experiments.bandits`)."""

    thompson = "thompson"
    top_two = "top_two"


class PriorSource(StrEnum):
    """Where a test's prior on each arm's CTR comes from."""

    flat = "flat"
    pooled = "pooled"
    predictor = "predictor"


class Objective(StrEnum):
    """What a test optimises (:mod:`studio.experiments.objectives`); CTR stays a guardrail."""

    ctr = "ctr"
    conversion_rate = "conversion_rate"
    cpa = "cpa"
    roas = "roas"


class ExperimentStatus(StrEnum):
    running = "running"
    paused = "paused"
    stopped = "stopped"
    completed = "completed"


class Experiment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    brand: str = Field(max_length=64, index=True)
    persona: str = Field(max_length=64)
    channel: str = Field(max_length=32)
    policy: AllocationPolicy = _enum(AllocationPolicy, 32, default=AllocationPolicy.thompson)
    status: ExperimentStatus = _enum(
        ExperimentStatus, 32, default=ExperimentStatus.running, index=True
    )
    min_share: float = 0.01
    burn_in_impressions: int = 1000
    reweight_hours: int = 24
    prior_source: PriorSource = _enum(PriorSource, 32, default=PriorSource.flat)
    prior_strength: float = 0.0
    objective: Objective = _enum(Objective, 32, default=Objective.ctr)
    win_probability: float = 0.95
    #: Under top-two Thompson sampling, the share of traffic the leader keeps (the test's own:
    #: tests created before this setting existed ran with 0.5 and keep it).
    top_two_leader_share: float = 0.5
    #: A winner's expected loss must be below this fraction of its own CTR.
    max_relative_loss: float = 0.01
    #: Delivery days up to this one had their sample-ratio mismatch explained by a person.
    srm_resolved_through: date | None = None
    #: Fatigue (:mod:`studio.experiments.fatigue`): an arm's last N delivery days are its recent
    #: period; it is flagged when its recent CTR is below (1 - drop) x its earlier CTR with at
    #: least the flag probability.
    fatigue_recent_days: int = 3
    fatigue_drop: float = 0.2
    fatigue_flag_probability: float = 0.9
    winner_arm_id: int | None = None
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class Arm(SQLModel, table=True):
    """A variant inside a test; ``ad_id``/``ad_name`` map ad-platform report rows to it."""

    __table_args__ = (UniqueConstraint("experiment_id", "variant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True)
    variant_id: int = Field(foreign_key="variant.id", index=True)
    ad_id: str = Field(max_length=128, index=True)
    ad_name: str = Field(default="", max_length=256)
    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    paused: bool = False
    #: When the arm joined a test already running; None for the arms the test started with.
    joined_at: datetime | None = None


class ArmResult(SQLModel, table=True):
    """Delivery for one arm on one day from one report row. ``row_key`` makes imports idempotent."""

    __tablename__ = "arm_result"

    #: One row per arm and day: the database, not a read-then-write check, refuses a second one,
    #: so concurrent imports cannot count a day twice.
    __table_args__ = (
        UniqueConstraint("experiment_id", "row_key"),
        UniqueConstraint("experiment_id", "arm_id", "day", name="uq_arm_result_arm_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True)
    arm_id: int = Field(foreign_key="arm.id", index=True)
    day: date
    impressions: int = Field(ge=0)
    clicks: int = Field(ge=0)
    #: Conversions and spend; None where the report had no such column (a later report for the
    #: same day may add them: :func:`studio.experiments.reports.import_report`).
    conversions: int | None = None
    spend: float | None = None
    #: Conversion value in the account's currency; None where the report had no such column.
    revenue: float | None = None
    #: People reached that day (impressions / reach = frequency); None where not reported.
    reach: int | None = None
    source: str = Field(max_length=256)
    row_key: str = Field(max_length=128)
    imported_at: datetime = Field(default_factory=utcnow)


class AllocationDecision(SQLModel, table=True):
    """Each reweighting: the split served next and why (logged so it can be re-evaluated)."""

    __tablename__ = "allocation_decision"

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    shares: dict[str, Any] = _json()
    prob_best: dict[str, Any] = _json()
    expected_loss: dict[str, Any] = _json()
    summary: str = _text()
    #: Everything else needed to re-evaluate the decision offline: per-arm delivery, prior and
    #: posterior, the Monte Carlo seed, burn-in, paused arms, winner and the SRM check.
    details: dict[str, Any] = _json()


# --------------------------------------------------------------------------------------------
# Scoring and export
# --------------------------------------------------------------------------------------------


class CtrModelRecord(SQLModel, table=True):
    """A trained CTR predictor artifact and its evaluation; one is active at a time."""

    __tablename__ = "ctr_model_record"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=1024)
    sha256: str = Field(max_length=64)
    training_data: str = Field(max_length=512)
    metrics: dict[str, Any] = _json()
    is_active: bool = False
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ExportRecord(SQLModel, table=True):
    __tablename__ = "export_record"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    scope: str = Field(max_length=64)  # e.g. "campaign:3" or "test:2"
    file_name: str = Field(max_length=512)
    sha256: str = Field(max_length=64)
    variant_ids: list[int] = _json(default_factory=list)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------------------------
# Jobs: work that outlives the browser tab (studio.jobs)
# --------------------------------------------------------------------------------------------


class JobKind(StrEnum):
    generate = "generate"
    render = "render"
    export = "export"
    report_import = "report_import"
    reweight = "reweight"
    retrain = "retrain"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class Job(SQLModel, table=True):
    """A piece of work submitted by a person and run by ``studio worker``, item by item.

    ``params`` are what the submitter chose (the kind's options); ``outputs`` map an entity
    type to the ids the job created (``{"asset": [3, 4]}``), filled when the job ends.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: JobKind = _enum(JobKind, 32, index=True)
    status: JobStatus = _enum(JobStatus, 16, default=JobStatus.queued, index=True)
    params: dict[str, Any] = _json()
    created_by: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    items_total: int = 0
    items_done: int = 0
    items_failed: int = 0
    outputs: dict[str, Any] = _json()
    error: str = _text()


class JobItem(SQLModel, table=True):
    """One unit of a job: claimed by one worker at a time, committed at most once.

    ``idempotency_key`` names what the item makes (e.g. ``variant:12``); a second item with the
    same key in the same job is refused by the database. ``heartbeat_at`` is renewed while a
    worker runs it; an item whose heartbeat is too old is taken back and queued again.
    """

    __tablename__ = "job_item"
    __table_args__ = (UniqueConstraint("job_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    position: int = 0
    idempotency_key: str = Field(max_length=256)
    payload: dict[str, Any] = _json()
    status: JobStatus = _enum(JobStatus, 16, default=JobStatus.queued, index=True)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=128)
    heartbeat_at: datetime | None = None
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    result: dict[str, Any] = _json()
    error: str = _text()
    finished_at: datetime | None = None


class _Stored(Protocol):
    id: int | None


def saved_id(row: _Stored) -> int:
    """The primary key of a row read from or flushed to the database.

    Table ids are ``None`` only on a row not yet flushed; code that needs the id of a stored
    row calls this instead of assuming it.
    """
    if row.id is None:
        raise InvalidValue(
            f"{type(row).__name__} has no id yet: add it to a session and flush before using its id"
        )
    return row.id


# --------------------------------------------------------------------------------------------
# Text lengths: the same limits on SQLite (which ignores them) and PostgreSQL (which refuses)
# --------------------------------------------------------------------------------------------


class TextTooLong(InvalidValue):
    """A text is longer than its column holds; nothing was saved."""


def check_lengths(row: SQLModel) -> None:
    """Refuse a row whose texts exceed their columns' lengths, naming the field and the limit.

    Runs before every flush (so SQLite and PostgreSQL behave alike: SQLite would store the text,
    PostgreSQL would fail in the middle of the work), and callers may run it earlier, before
    slow work, on a row they are about to save.
    """
    table = getattr(row, "__table__", None)
    if table is None:
        return
    for column in table.columns:
        limit = getattr(column.type, "length", None)
        value = getattr(row, column.key, None)
        if limit and isinstance(value, str) and len(value) > limit:
            raise TextTooLong(
                f"{table.name}.{column.key} is {len(value):,} characters; at most {limit:,} fit "
                f"(received {value[:40]!r}...). Shorten it and try again; nothing was saved"
            )


def _check_before_flush(session: Any, _context: Any, _instances: Any) -> None:
    for row in (*session.new, *session.dirty):
        if isinstance(row, SQLModel):
            check_lengths(row)


event.listen(Session, "before_flush", _check_before_flush)
