"""The approval state machine: every status a variant can move to, who may move it, and how.

Nothing reaches a test or an export without a person's approval. The moves (:data:`MOVES`) are
the only ones allowed; any other raises :class:`TransitionNotAllowed` naming the current
status, the target and what *is* allowed from there, in the app and the CLI alike:

=================  =================  ===============  ===============  =====================
from               to                 action           permission       needs
=================  =================  ===============  ===============  =====================
draft              in_review          submit           submit_review
in_review          approved           approve          review           four-eyes (setting)
in_review          rejected           reject           review           a reason
in_review          changes_requested  request_changes  review           a comment
approved           in_test            start_test       run_tests
approved           exported           export           export
approved           in_review          send_back        edit_guidelines  a reason
in_test            winner             declare_winner   run_tests
in_test            retired            retire           run_tests
winner             exported           export           export
=================  =================  ===============  ===============  =====================

Editing is not a move: :func:`edit_variant` makes a new revision (a new row, ``parent_id`` =
the edited one, status ``draft``) that is checked for compliance and scored again and needs
its own approval. The revision keeps its parent's images and videos when the copy they show
(:func:`studio.imaging.render.ad_copy_from`) is unchanged; otherwise it
starts with none ("not rendered yet") rather than show stale text. Either way its media go
out only once the revision itself is approved. Only drafts, variants with changes requested and rejected ones can be
edited; approved and later copy is frozen, so what was approved is what runs. An edited
revision is *superseded*: it keeps its status as a record but can no longer move.

Four-eyes (``STUDIO_FOUR_EYES``): nobody may approve a variant when they created or edited any
revision of it. Optimistic locking: every move and edit is one conditional ``UPDATE ... WHERE
lock_version = :seen``; of two reviewers acting on what they both opened, the second gets
:class:`StaleVariant` ("changed since you opened it") and nothing of theirs is written. Every
move and edit writes an audit row with before and after; review decisions also write a
:class:`~studio.core.models.Review` row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol

from sqlmodel import Session

from studio.brand.guidelines import ApprovedClaim, Guideline
from studio.copy.channels import Violation, field_texts
from studio.copy.compliance import ComplianceChecker, find_claims
from studio.core import audit
from studio.core.errors import InvalidValue, UserFacingError
from studio.core.models import Asset, ReviewAction, User, Variant, VariantStatus, saved_id, utcnow
from studio.core.settings import get_settings
from studio.review import queries as review_queries
from studio.review.accounts import AuthError, Permission, active_user, has_permission, require

S = VariantStatus
A = ReviewAction


@dataclass(frozen=True)
class Move:
    """One allowed status change.

    Attributes
    ----------
    source, target
        The statuses before and after.
    action
        The verb the app, the CLI and the audit log use (``"approve"``).
    permission
        What the acting user's role must allow.
    label
        What a button or a listing calls the move ("Request changes").
    text_required
        ``"reason"`` or ``"comment"`` when the move needs one written down, else ``None``.
    text_prompt
        What to ask for when ``text_required`` is set ("Reason for rejecting").
    is_review
        Whether a :class:`~studio.core.models.Review` row records the decision (the moves the
        Review page and ``studio review`` offer; tests and exports have their own pages).
    """

    source: VariantStatus
    target: VariantStatus
    action: ReviewAction
    permission: Permission
    label: str
    text_required: str | None = None
    text_prompt: str = ""
    is_review: bool = False

    def describe(self) -> str:
        return f"{self.target.value} ({self.action})"


MOVES: tuple[Move, ...] = (
    Move(
        S.draft,
        S.in_review,
        A.submit,
        Permission.submit_review,
        "Submit for review",
        is_review=True,
    ),
    Move(S.in_review, S.approved, A.approve, Permission.review, "Approve", is_review=True),
    Move(
        S.in_review,
        S.rejected,
        A.reject,
        Permission.review,
        "Reject",
        text_required="reason",
        text_prompt="Reason for rejecting",
        is_review=True,
    ),
    Move(
        S.in_review,
        S.changes_requested,
        A.request_changes,
        Permission.review,
        "Request changes",
        text_required="comment",
        text_prompt="What to change",
        is_review=True,
    ),
    Move(S.approved, S.in_test, A.start_test, Permission.run_tests, "Start a test"),
    Move(S.approved, S.exported, A.export, Permission.export, "Export"),
    # A guideline change (a new banned phrase, a withdrawn claim) can break approved copy; the
    # brand manager who saves it may send that copy back (studio.brand.impact).
    Move(
        S.approved,
        S.in_review,
        A.send_back,
        Permission.edit_guidelines,
        "Send back to review",
        text_required="reason",
        text_prompt="Why it goes back to review",
    ),
    Move(S.in_test, S.winner, A.declare_winner, Permission.run_tests, "Declare the winner"),
    Move(S.in_test, S.retired, A.retire, Permission.run_tests, "Retire"),
    Move(S.winner, S.exported, A.export, Permission.export, "Export"),
)

ALLOWED: Mapping[tuple[VariantStatus, VariantStatus], Move] = MappingProxyType(
    {(m.source, m.target): m for m in MOVES}
)
ACTIONS: frozenset[ReviewAction] = frozenset(m.action for m in MOVES)
EDITABLE: frozenset[VariantStatus] = frozenset({S.draft, S.changes_requested, S.rejected})
#: Statuses a person has approved; the only ones that may be exported or tested.
APPROVED_STATUSES: frozenset[VariantStatus] = frozenset(
    {S.approved, S.in_test, S.winner, S.exported}
)
MAX_COMMENT_LENGTH = 2000


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ReviewError(UserFacingError):
    """A move or edit that the rules refuse; the message says why and what is possible."""


class TransitionNotAllowed(ReviewError):
    def __init__(self, variant_id: int | None, source: VariantStatus, target: VariantStatus | str):
        self.variant_id, self.source, self.target = variant_id, source, target
        self.allowed = allowed_moves(source)
        options = ", ".join(m.describe() for m in self.allowed) or "nothing (a final status)"
        edit = " It can also be edited (a new revision)." if source in EDITABLE else ""
        which = f"variant {variant_id}" if variant_id is not None else "a variant"
        target_text = target.value if isinstance(target, VariantStatus) else target
        super().__init__(
            f"cannot move {which} from '{source.value}' to '{target_text}'. "
            f"Allowed from '{source.value}': {options}.{edit}"
        )


class TextRequired(ReviewError):
    pass


class FourEyesViolation(ReviewError):
    pass


class StaleVariant(ReviewError):
    """Someone changed the variant after the acting user opened it; nothing was written."""


class SupersededRevision(ReviewError):
    pass


class InvalidEdit(ReviewError):
    pass


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


def parse_status(value: VariantStatus | str) -> VariantStatus:
    try:
        return VariantStatus(value)
    except ValueError:
        raise ReviewError(
            f"status {value!r} does not exist; statuses: {', '.join(s.value for s in VariantStatus)}"
        ) from None


def allowed_moves(source: VariantStatus | str) -> list[Move]:
    status = parse_status(source)
    return [m for m in MOVES if m.source == status]


def check_move(
    source: VariantStatus | str, target: VariantStatus | str, *, variant_id: int | None = None
) -> Move:
    """The :class:`Move` from ``source`` to ``target``, or :class:`TransitionNotAllowed`."""
    src, dst = parse_status(source), parse_status(target)
    move = ALLOWED.get((src, dst))
    if move is None:
        raise TransitionNotAllowed(variant_id, src, dst)
    return move


def move_for_action(
    source: VariantStatus | str, action: ReviewAction | str, *, variant_id: int | None = None
) -> Move:
    """The move that ``action`` makes from ``source`` (``"export"`` works from approved and winner)."""
    if action not in ACTIONS:
        raise ReviewError(
            f"action {str(action)!r} does not exist; actions: {', '.join(sorted(ACTIONS))}"
        )
    src = parse_status(source)
    for move in MOVES:
        if move.source == src and move.action == action:
            return move
    targets = sorted({m.target.value for m in MOVES if m.action == action})
    raise TransitionNotAllowed(variant_id, src, " or ".join(targets))


# --------------------------------------------------------------------------------------------
# Moving a variant
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionResult:
    variant_id: int
    action: ReviewAction
    source: VariantStatus
    target: VariantStatus
    actor: str
    lock_version: int
    comment: str = ""


def _load(session: Session, variant_id: int) -> Variant:
    variant = review_queries.load_variant(session, variant_id=variant_id)
    if variant is None:
        raise ReviewError(f"no variant with id {variant_id}")
    return variant


def _load_as_seen(session: Session, variant_id: int, expected_lock_version: int | None) -> Variant:
    """The variant now; :class:`StaleVariant` first if it is no longer what the actor saw.

    Checked before the move table so that a reviewer who opened a variant that a colleague
    has since approved hears "changed since you opened it", not "cannot move from approved".
    """
    variant = _load(session, variant_id)
    if expected_lock_version is not None and expected_lock_version != variant.lock_version:
        raise _stale(session, variant_id, expected_lock_version)
    return variant


def _ensure_latest(session: Session, variant: Variant) -> None:
    newer = review_queries.next_revision(session, variant_id=saved_id(variant))
    if newer is not None:
        raise SupersededRevision(
            f"variant {variant.id} (revision {variant.revision}) was edited into variant {newer.id} "
            f"(revision {newer.revision}); act on the latest revision instead"
        )


def _stale(session: Session, variant_id: int, seen: int) -> StaleVariant:
    """A 'changed since you opened it' error describing what changed."""
    now = _load(session, variant_id)
    last = audit.list_entries(session, entity_type="variant", entity_id=variant_id, limit=1)
    what = ""
    if last:
        entry = last[0]
        what = f" Last change: {entry.action.removeprefix('variant.')} by {entry.actor} at {entry.at:%H:%M:%S} UTC."
    return StaleVariant(
        f"variant {variant_id} changed since you opened it (you opened version {seen}; it is now "
        f"version {now.lock_version}, status '{now.status}').{what} Nothing was saved; reload it "
        "and decide again."
    )


def _authors(session: Session, variant: Variant) -> set[str]:
    return {v.created_by for v in review_queries.revision_chain(session, variant=variant)}


def _four_eyes_refusal(
    session: Session, variant: Variant, actor: str, four_eyes: bool | None
) -> str | None:
    """Why ``actor`` may not approve ``variant`` under the four-eyes rule, or ``None``."""
    enforce = get_settings().four_eyes if four_eyes is None else four_eyes
    if enforce and actor in _authors(session, variant):
        return (
            f"{actor} wrote or edited variant {variant.id}, and the four-eyes rule "
            "(STUDIO_FOUR_EYES) requires someone else to approve it"
        )
    return None


# --------------------------------------------------------------------------------------------
# What a person may do now
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What one person may do to one variant now: the app's buttons and ``studio review actions``.

    Attributes
    ----------
    variant_id, status, lock_version
        The variant as it was read (a move made from these choices passes ``lock_version`` as
        ``expected_lock_version``).
    moves
        The moves this person may make, in :data:`MOVES` order: allowed from ``status``, by
        their role, and (for approval) by the four-eyes rule.
    can_edit
        Whether they may edit it (which saves a new revision).
    notes
        Why something the status allows is not offered to them (four-eyes, a newer revision).
    """

    variant_id: int
    status: VariantStatus
    lock_version: int
    moves: tuple[Move, ...]
    can_edit: bool
    notes: tuple[str, ...] = ()

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(m.action for m in self.moves)

    @property
    def review_moves(self) -> tuple[Move, ...]:
        """The moves that are review decisions (submit, approve, reject, request changes)."""
        return tuple(m for m in self.moves if m.is_review)


def choices_for(
    session: Session, *, variant: Variant, actor: str, four_eyes: bool | None = None
) -> Choices:
    """The moves and edits ``actor`` may make on ``variant`` now (see :class:`Choices`).

    Uses the same table (:data:`MOVES`), role check and four-eyes rule as :func:`act`, so what
    is offered is exactly what would be accepted (barring a colleague acting first).

    Raises
    ------
    AuthError
        ``actor`` is unknown or deactivated.
    """
    assert variant.id is not None
    user = active_user(session, username=actor)
    newer = review_queries.next_revision(session, variant_id=variant.id)
    return _choices(session, variant, user, None if newer is None else newer.id, four_eyes)


def choices_for_many(
    session: Session, *, variants: Sequence[Variant], actor: str, four_eyes: bool | None = None
) -> dict[int, Choices]:
    """:func:`choices_for` for each of ``variants`` (a page of cards), by variant id.

    The same rules, read with one query for ``actor`` and one for newer revisions instead of
    two per variant.
    """
    user = active_user(session, username=actor)
    ids = [v.id for v in variants if v.id is not None]
    newer = review_queries.next_revision_ids(session, variant_ids=ids)
    return {
        v.id: _choices(session, v, user, newer.get(v.id), four_eyes)
        for v in variants
        if v.id is not None
    }


def _choices(
    session: Session, variant: Variant, user: User, newer_id: int | None, four_eyes: bool | None
) -> Choices:
    actor = user.username
    status = parse_status(variant.status)

    def choices(moves: Sequence[Move], can_edit: bool, notes: Sequence[str]) -> Choices:
        return Choices(
            variant_id=variant.id or 0,
            status=status,
            lock_version=variant.lock_version,
            moves=tuple(moves),
            can_edit=can_edit,
            notes=tuple(notes),
        )

    if newer_id is not None:
        return choices((), False, [f"edited into variant {newer_id}; act on that revision"])
    moves: list[Move] = []
    notes: list[str] = []
    for move in allowed_moves(status):
        if not has_permission(user.role, move.permission):
            continue
        refusal = (
            _four_eyes_refusal(session, variant, actor, four_eyes)
            if move.action == "approve"
            else None
        )
        if refusal:
            notes.append(refusal)
            continue
        moves.append(move)
    can_edit = status in EDITABLE and has_permission(user.role, Permission.edit_draft)
    return choices(moves, can_edit, notes)


def transition(
    session: Session,
    *,
    variant_id: int,
    target: VariantStatus | str,
    actor: str,
    comment: str = "",
    expected_lock_version: int | None = None,
    four_eyes: bool | None = None,
    now: datetime | None = None,
) -> TransitionResult:
    """Move one variant to ``target`` as ``actor`` (a username), if every rule allows it.

    Parameters
    ----------
    expected_lock_version
        The ``lock_version`` the actor saw when they opened the variant. ``None`` means "as it
        is now" (the CLI); the update is still guarded against a concurrent change.
    four_eyes
        Refuse approval by an author of any revision; ``None`` reads ``STUDIO_FOUR_EYES``.

    Nothing is written when a rule refuses (the error is raised before the first write, and
    the guarded ``UPDATE`` writes nothing when it loses a race). The caller commits.

    Raises
    ------
    TransitionNotAllowed, PermissionDenied, TextRequired, FourEyesViolation, StaleVariant,
    SupersededRevision
    """
    variant = _load_as_seen(session, variant_id, expected_lock_version)
    move = check_move(variant.status, target, variant_id=variant_id)
    return _apply(
        session,
        variant,
        move,
        actor=actor,
        comment=comment,
        expected_lock_version=expected_lock_version,
        four_eyes=four_eyes,
        now=now,
    )


def act(
    session: Session,
    *,
    variant_id: int,
    action: ReviewAction | str,
    actor: str,
    comment: str = "",
    expected_lock_version: int | None = None,
    four_eyes: bool | None = None,
    now: datetime | None = None,
) -> TransitionResult:
    """Like :func:`transition`, naming the action (``"approve"``) instead of the target status."""
    variant = _load_as_seen(session, variant_id, expected_lock_version)
    move = move_for_action(variant.status, action, variant_id=variant_id)
    return _apply(
        session,
        variant,
        move,
        actor=actor,
        comment=comment,
        expected_lock_version=expected_lock_version,
        four_eyes=four_eyes,
        now=now,
    )


def _apply(
    session: Session,
    variant: Variant,
    move: Move,
    *,
    actor: str,
    comment: str,
    expected_lock_version: int | None,
    four_eyes: bool | None,
    now: datetime | None,
) -> TransitionResult:
    assert variant.id is not None
    _ensure_latest(session, variant)
    require(session, username=actor, permission=move.permission)
    text = comment.strip()
    if move.text_required and not text:
        raise TextRequired(
            f"to {move.action.replace('_', ' ')} variant {variant.id}, write a {move.text_required} "
            "saying what is wrong, so the author knows what to change"
        )
    if len(text) > MAX_COMMENT_LENGTH:
        raise TextRequired(
            f"the {move.text_required or 'comment'} is {len(text)} characters; at most {MAX_COMMENT_LENGTH}"
        )
    if move.action == A.approve:
        refusal = _four_eyes_refusal(session, variant, actor, four_eyes)
        if refusal:
            raise FourEyesViolation(refusal)
    seen = variant.lock_version if expected_lock_version is None else expected_lock_version
    if seen != variant.lock_version:
        raise _stale(session, variant.id, seen)
    moment = now or utcnow()
    won = review_queries.update_status_if_unchanged(
        session,
        variant_id=variant.id,
        from_status=move.source,
        to_status=move.target,
        expected_lock_version=seen,
        now=moment,
    )
    if not won:
        raise _stale(session, variant.id, seen)
    if move.action == "approve":
        # What the reviewer approves is the copy *and* the media it has now; later files are
        # never exported (:func:`approved_media`).
        review_queries.approve_assets(session, variant_id=variant.id, now=moment)
    if move.is_review:
        review_queries.add_review(
            session,
            variant_id=variant.id,
            reviewer=actor,
            action=move.action,
            from_status=move.source,
            to_status=move.target,
            comment=text,
        )
    after: dict[str, Any] = {"status": move.target.value, "lock_version": seen + 1}
    if text:
        after[move.text_required or "comment"] = text
    audit.record(
        session,
        actor=actor,
        action=f"variant.{move.action}",
        entity_type="variant",
        entity_id=variant.id,
        before={"status": move.source.value, "lock_version": seen},
        after=after,
    )
    session.flush()
    session.refresh(variant)
    return TransitionResult(
        variant_id=variant.id,
        action=move.action,
        source=move.source,
        target=move.target,
        actor=actor,
        lock_version=seen + 1,
        comment=text,
    )


def submit(session: Session, *, variant_id: int, actor: str, **kwargs: Any) -> TransitionResult:
    return act(session, variant_id=variant_id, action=A.submit, actor=actor, **kwargs)


def approve(session: Session, *, variant_id: int, actor: str, **kwargs: Any) -> TransitionResult:
    return act(session, variant_id=variant_id, action=A.approve, actor=actor, **kwargs)


def reject(
    session: Session, *, variant_id: int, actor: str, reason: str, **kwargs: Any
) -> TransitionResult:
    return act(
        session, variant_id=variant_id, action=A.reject, actor=actor, comment=reason, **kwargs
    )


def request_changes(
    session: Session, *, variant_id: int, actor: str, comment: str, **kwargs: Any
) -> TransitionResult:
    return act(
        session,
        variant_id=variant_id,
        action=A.request_changes,
        actor=actor,
        comment=comment,
        **kwargs,
    )


# --------------------------------------------------------------------------------------------
# Many at once
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened to one variant of a bulk action: ``result`` or ``error``, never both."""

    variant_id: int
    result: TransitionResult | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass(frozen=True)
class BulkResult:
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def summary(self) -> str:
        return f"{len(self.succeeded)} done, {len(self.failed)} refused"


def bulk_act(
    session: Session,
    *,
    action: ReviewAction | str,
    actor: str,
    variants: Mapping[int, int | None] | Iterable[int],
    comment: str = "",
    four_eyes: bool | None = None,
) -> BulkResult:
    """Apply ``action`` to each variant on its own; one refusal does not stop the others.

    ``variants`` maps a variant id to the lock version the actor saw (or is a plain list of
    ids: "as they are now"). A refused variant writes nothing (see :func:`transition`), so the
    caller commits the successes together.
    """
    seen: Mapping[int, int | None] = (
        variants if isinstance(variants, Mapping) else dict.fromkeys(variants)
    )
    outcomes: list[Outcome] = []
    for variant_id, lock_version in seen.items():
        try:
            result = act(
                session,
                variant_id=variant_id,
                action=action,
                actor=actor,
                comment=comment,
                expected_lock_version=lock_version,
                four_eyes=four_eyes,
            )
        except (ReviewError, AuthError) as exc:
            outcomes.append(Outcome(variant_id, error=str(exc)))
        else:
            outcomes.append(Outcome(variant_id, result=result))
    return BulkResult(tuple(outcomes))


# --------------------------------------------------------------------------------------------
# Editing makes a revision
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CtrEstimate:
    """A predicted click-through rate (a fraction, 0.0 to 1.0) with its interval and reasons."""

    predicted: float
    low: float
    high: float
    explanation: dict[str, Any] = field(default_factory=dict)


class VariantScorer(Protocol):
    """Scores copy for the CTR predictor; the scoring package provides the real one."""

    def score_variant(self, variant: Variant) -> CtrEstimate: ...


class PredictorScorer:
    """The CTR predictor (:mod:`studio.scoring`) as a :class:`VariantScorer`: it scores the
    channel's headline-like field, as generation does."""

    def __init__(self, predictor: Any) -> None:
        self.predictor = predictor

    def score_variant(self, variant: Variant) -> CtrEstimate:
        from studio.scoring.variants import variant_text

        [prediction] = self.predictor.predict([variant_text(variant.channel, variant.fields)])
        return CtrEstimate(
            predicted=prediction.predicted_ctr,
            low=prediction.ctr_low,
            high=prediction.ctr_high,
            explanation={**prediction.explanation(), "scored_text": prediction.text},
        )


def default_scorer(session: Session) -> tuple[VariantScorer | None, str]:
    """The active CTR predictor as a scorer, or ``None`` and the reason (no model file yet)."""
    from studio.scoring.model import ModelFileError
    from studio.scoring.registry import load_active_predictor

    try:
        return PredictorScorer(load_active_predictor(session)), ""
    except ModelFileError as exc:
        return None, str(exc)


def _check_fields(variant: Variant, fields: Mapping[str, Any]) -> dict[str, Any]:
    if not fields:
        raise InvalidEdit("nothing to change: give at least one field with its new text")
    merged = dict(variant.fields)
    for name, value in fields.items():
        if name not in variant.fields:
            raise InvalidEdit(
                f"variant {variant.id} has no field {name!r}; fields: {', '.join(variant.fields)}"
            )
        old = variant.fields[name]
        if isinstance(old, list):
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise InvalidEdit(
                    f"field {name!r} holds a list of texts; got {type(value).__name__}"
                )
            merged[name] = [str(v) for v in value]
        else:
            if not isinstance(value, str):
                raise InvalidEdit(f"field {name!r} holds one text; got {type(value).__name__}")
            merged[name] = value
    if merged == variant.fields:
        raise InvalidEdit(f"the new text is the same as variant {variant.id}'s; nothing to save")
    return merged


def edit_variant(
    session: Session,
    *,
    variant_id: int,
    actor: str,
    fields: Mapping[str, Any],
    guideline: Guideline,
    scorer: VariantScorer | None = None,
    expected_lock_version: int | None = None,
    now: datetime | None = None,
) -> Variant:
    """Make a new revision of a variant with some fields changed; returns the new row.

    The new row copies the generation record (backend, model, seed, prompt), takes the
    edited ``fields``, starts as ``draft`` with ``revision + 1`` and ``parent_id`` = the edited
    variant, is checked against ``guideline`` (its ``violations``) and, with a ``scorer``,
    scored again; without one its predicted CTR is left empty rather than copied, because the
    old score was for other words. The edited variant is claimed with the same optimistic lock
    as a move, so two people editing the same revision cannot both branch it.
    """
    variant = _load_as_seen(session, variant_id, expected_lock_version)
    assert variant.id is not None
    _ensure_latest(session, variant)
    require(session, username=actor, permission=Permission.edit_draft)
    status = parse_status(variant.status)
    if status not in EDITABLE:
        raise InvalidEdit(
            f"variant {variant.id} is '{status.value}' and cannot be edited; only "
            f"{', '.join(sorted(s.value for s in EDITABLE))} variants can (approved and later copy "
            "is frozen so that what was approved is what runs)"
        )
    merged = _check_fields(variant, fields)
    seen = variant.lock_version if expected_lock_version is None else expected_lock_version
    if seen != variant.lock_version:
        raise _stale(session, variant.id, seen)
    moment = now or utcnow()
    if not review_queries.bump_lock_if_unchanged(
        session, variant_id=variant.id, expected_lock_version=seen, now=moment
    ):
        raise _stale(session, variant.id, seen)
    compliance = ComplianceChecker(guideline).check(variant.channel, merged)
    revision = Variant(
        campaign_id=variant.campaign_id,
        brand=variant.brand,
        persona=variant.persona,
        channel=variant.channel,
        fields=merged,
        status=S.draft,
        revision=variant.revision + 1,
        parent_id=variant.id,
        backend=variant.backend,
        model=variant.model,
        seed=variant.seed,
        prompt_template=variant.prompt_template,
        prompt_hash=variant.prompt_hash,
        prompt=variant.prompt,
        violations=compliance.to_dicts(),
        created_by=actor,
        created_at=moment,
        updated_at=moment,
    )
    if scorer is not None:
        estimate = scorer.score_variant(revision)
        revision.predicted_ctr, revision.ctr_low, revision.ctr_high = (
            estimate.predicted,
            estimate.low,
            estimate.high,
        )
        revision.ctr_explanation = dict(estimate.explanation)
    session.add(revision)
    session.flush()
    kept = _keep_parent_media(session, parent=variant, revision=revision, guideline=guideline)
    changed = sorted(k for k in merged if merged[k] != variant.fields.get(k))
    audit.record(
        session,
        actor=actor,
        action="variant.edit",
        entity_type="variant",
        entity_id=variant.id,
        before={
            "variant_id": variant.id,
            "revision": variant.revision,
            "status": status.value,
            "lock_version": seen,
            "fields": {k: variant.fields[k] for k in changed},
        },
        after={
            "variant_id": revision.id,
            "revision": revision.revision,
            "status": S.draft.value,
            "fields": {k: merged[k] for k in changed},
            "violations": [v["rule"] for v in revision.violations],
            "predicted_ctr": revision.predicted_ctr,
            "media_kept_from_parent": [a.sha256[:12] for a in kept],
        },
    )
    session.refresh(variant)
    return revision


def media_unchanged(parent: Variant, revision: Variant, guideline: Guideline) -> bool:
    """Whether ``parent``'s images and videos show exactly what ``revision``'s would.

    A revision copies brand, persona, channel and seed from its parent, so only the words drawn
    on the media can differ: headline, button, and the offer or proof line picked from the copy
    (:func:`studio.imaging.render.ad_copy_from`).
    """
    # Imaging pulls in the compositor and image libraries; only edits need this one function.
    from studio.imaging.render import ad_copy_from

    try:
        before = ad_copy_from(parent.fields, guideline)
        after = ad_copy_from(revision.fields, guideline)
    except InvalidValue:  # no headline: nothing was (or can be) drawn for it
        return False
    return before == after


def _keep_parent_media(
    session: Session, *, parent: Variant, revision: Variant, guideline: Guideline
) -> list[Asset]:
    """Give ``revision`` the parent's files when they still fit it (new rows, same files).

    The copies carry no approval (``approved_at`` is empty): approving the revision covers
    them, as it covers any file rendered for it.
    """
    if not media_unchanged(parent, revision, guideline):
        return []
    assert parent.id is not None and revision.id is not None
    kept = []
    for asset in review_queries.list_assets(session, variant_ids=[parent.id]):
        copy = Asset.model_validate(
            asset.model_dump(exclude={"id", "variant_id", "approved_at", "created_at"})
            | {"variant_id": revision.id}
        )
        session.add(copy)
        kept.append(copy)
    session.flush()
    return kept


# --------------------------------------------------------------------------------------------
# What a reviewer sees beside the copy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesTouched:
    """The guideline rules a variant's copy touches, for the review card.

    Attributes
    ----------
    violations
        Broken rules as stored on the variant (compliance and channel format).
    disclaimers
        Disclaimers the channel must carry, each with whether the copy carries it.
    claims_used
        Approved claims whose figures or superlatives the copy uses (with their evidence).
    banned_phrases, voice_dont
        The guideline's "never say" lists, for the reviewer to hold the copy against.
    """

    violations: list[Violation]
    disclaimers: list[tuple[str, bool]]
    claims_used: list[ApprovedClaim]
    banned_phrases: list[str]
    voice_dont: list[str]


def rules_touched(variant: Variant, guideline: Guideline) -> RulesTouched:
    texts = [text for _, text in field_texts(variant.channel, variant.fields)]
    copy_keys = {claim.key for text in texts for claim in find_claims(text)}
    claims = [
        c
        for c in guideline.approved_claims
        if copy_keys & {found.key for found in find_claims(c.text)}
    ]
    joined = "\n".join(texts)
    disclaimers = [(d.text, d.text in joined) for d in guideline.disclaimers_for(variant.channel)]
    return RulesTouched(
        violations=[Violation.from_dict(v) for v in variant.violations],
        disclaimers=disclaimers,
        claims_used=claims,
        banned_phrases=list(guideline.banned_phrases),
        voice_dont=list(guideline.voice.dont),
    )


# --------------------------------------------------------------------------------------------
# For exporters and tests
# --------------------------------------------------------------------------------------------


#: Statuses whose media may still change (a render adds files); approved and later are frozen.
MEDIA_EDITABLE: frozenset[VariantStatus] = frozenset(
    {S.draft, S.in_review, S.changes_requested, S.rejected}
)


class MediaFrozen(ReviewError):
    """A render was asked for a variant whose media were approved (and so are frozen)."""


def claim_for_media(session: Session, *, variant_id: int, now: datetime | None = None) -> None:
    """Claim a variant for new media, or :class:`MediaFrozen` if a person already approved it.

    One guarded ``UPDATE`` (see :func:`studio.review.queries.claim_for_media`), so a render
    racing an approval either lands before it (and the reviewer who opened the older version is
    told it changed) or is refused.
    """
    if review_queries.claim_for_media(
        session, variant_id=variant_id, statuses=sorted(MEDIA_EDITABLE), now=now or utcnow()
    ):
        return
    variant = _load(session, variant_id)
    raise MediaFrozen(
        f"variant {variant_id} is '{variant.status}': its images and videos were approved with "
        f"its copy and are frozen, so no new media are made for it. Media can be rendered for "
        f"{', '.join(sorted(s.value for s in MEDIA_EDITABLE))} variants; edit the copy to make a "
        "new revision that goes through review again"
    )


def approved_media(session: Session, *, variant_ids: Sequence[int]) -> list[Asset]:
    """The one place that says which files of a variant may go out: those it had when approved.

    Files made after the approval (a render that raced it, a file recorded by hand) are not
    returned; :func:`unapproved_media` lists them so that an export can say they were left out.
    """
    return list(review_queries.list_assets(session, variant_ids=variant_ids, approved=True))


def unapproved_media(session: Session, *, variant_ids: Sequence[int]) -> list[Asset]:
    """Files of the variants that no approval covered (never exported)."""
    return list(review_queries.list_assets(session, variant_ids=variant_ids, approved=False))


def require_approved(variants: Sequence[Variant]) -> None:
    """Refuse (naming each) variants that no person approved: drafts, rejected, in review..."""
    bad = [v for v in variants if parse_status(v.status) not in APPROVED_STATUSES]
    if bad:
        listed = ", ".join(f"{v.id} ('{v.status}')" for v in bad)
        raise ReviewError(
            f"only approved variants can be tested or exported; not approved: {listed}. "
            "Submit them for review and have a brand manager approve them first."
        )
