"""The impact of a guideline change: which existing variants the edited rules would now flag.

Before a brand manager saves a guideline, :func:`impact_of_change` checks every live variant of
the brand (drafts, in review, approved, in a running test; not superseded revisions) against the
guideline as it is and as proposed, and lists what the proposed rules flag that the current ones
do not (a new banned phrase, a withdrawn or expired claim, a new disclaimer), with the rule, the
field and the field's text. :func:`save_guideline` saves the file through the versioned store
and, when the brand manager chooses so, sends the approved variants among them back to review
(the ``send_back`` move of :mod:`studio.review.workflow`). Both the choice and what it did are
audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from studio.brand import store
from studio.brand.guidelines import GUIDELINE_FILE, Guideline, resolve_brand_file
from studio.brand.guidelines import validate_guideline_text as _validate
from studio.copy.channels import Violation, field_texts
from studio.copy.compliance import ComplianceChecker
from studio.core import audit
from studio.core.errors import InvalidValue
from studio.core.models import Variant, VariantStatus
from studio.review import workflow

#: The variants a guideline change can still matter to.
LIVE_STATUSES: tuple[VariantStatus, ...] = (
    VariantStatus.draft,
    VariantStatus.in_review,
    VariantStatus.approved,
    VariantStatus.in_test,
)


@dataclass(frozen=True)
class Flag:
    """One thing the proposed rules flag in one variant.

    Attributes
    ----------
    rule
        The compliance rule (``banned_phrase``, ``expired_claim``, ``disclaimer``...).
    field
        The variant's field (``headlines[2]``).
    reason
        The check's sentence, as a reviewer would read it.
    text
        The field's text as the variant holds it.
    """

    rule: str
    field: str
    reason: str
    text: str


@dataclass(frozen=True)
class AffectedVariant:
    variant_id: int
    status: VariantStatus
    persona: str
    channel: str
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class Impact:
    """What a proposed guideline would newly flag among a brand's live variants.

    Attributes
    ----------
    checked
        How many live variants were checked.
    affected
        Those with at least one new flag, by id.
    """

    brand: str
    checked: int
    affected: tuple[AffectedVariant, ...]

    @property
    def approved_ids(self) -> list[int]:
        """Affected variants that are approved (the ones that may be sent back to review)."""
        return [a.variant_id for a in self.affected if a.status == VariantStatus.approved]


def live_variants(session: Session, *, brand: str) -> list[Variant]:
    """The brand's variants in :data:`LIVE_STATUSES` that no later revision supersedes."""
    superseded = select(Variant.parent_id).where(col(Variant.parent_id).is_not(None))
    query = (
        select(Variant)
        .where(Variant.brand == brand)
        .where(col(Variant.status).in_([s.value for s in LIVE_STATUSES]))
        .where(col(Variant.id).not_in(superseded))
        .order_by(col(Variant.id))
    )
    return list(session.exec(query).all())


def _key(violation: Violation) -> tuple[str, str, str]:
    return (violation.rule, violation.field, violation.reason)


def new_flags(
    variant: Variant, current: ComplianceChecker, proposed: ComplianceChecker
) -> tuple[Flag, ...]:
    """What ``proposed`` flags in ``variant`` that ``current`` does not."""
    before = {_key(v) for v in current.check(variant.channel, variant.fields).violations}
    texts = dict(field_texts(variant.channel, variant.fields))
    return tuple(
        Flag(v.rule, v.field, v.reason, texts.get(v.field, ""))
        for v in proposed.check(variant.channel, variant.fields).violations
        if _key(v) not in before
    )


def impact_of_change(
    session: Session,
    *,
    brand: str,
    current: Guideline,
    proposed: Guideline,
    today: date | None = None,
) -> Impact:
    """Which live variants of ``brand`` the ``proposed`` guideline would newly flag, and how."""
    before = ComplianceChecker(current, today=today)
    after = ComplianceChecker(proposed, today=today)
    variants = live_variants(session, brand=brand)
    affected = []
    for variant in variants:
        flags = new_flags(variant, before, after)
        if flags:
            affected.append(
                AffectedVariant(
                    variant_id=variant.id or 0,
                    status=VariantStatus(variant.status),
                    persona=variant.persona,
                    channel=variant.channel,
                    flags=flags,
                )
            )
    return Impact(brand=brand, checked=len(variants), affected=tuple(affected))


def _brand_of(root: Path, path: str) -> tuple[str, str]:
    target = resolve_brand_file(root, path)
    relative = target.relative_to(root.resolve()).as_posix()
    brand, _, name = relative.partition("/")
    if name != GUIDELINE_FILE:
        raise InvalidValue(
            f"{path!r} is not a guideline file; the impact of a change is measured for "
            f"<brand>/{GUIDELINE_FILE}"
        )
    return brand, relative


def impact_of_text(
    session: Session, *, root: Path, path: str, text: str, today: date | None = None
) -> Impact | None:
    """:func:`impact_of_change` for a guideline file's would-be text; None while it is invalid
    (or while the file on disk is, so that there is nothing to compare with)."""
    brand, relative = _brand_of(root, path)
    proposed, errors = _validate(text, relative, root / brand)
    target = root / relative
    if proposed is None or errors or not target.is_file():
        return None
    current, _ = _validate(target.read_text(encoding="utf-8"), relative, root / brand)
    if current is None:
        return None
    return impact_of_change(session, brand=brand, current=current, proposed=proposed, today=today)


@dataclass(frozen=True)
class GuidelineSaved:
    saved: store.SaveResult
    impact: Impact | None
    sent_back: tuple[int, ...]


def save_guideline(
    session: Session,
    *,
    root: Path,
    path: str,
    text: str,
    author: str,
    message: str = "",
    send_back_approved: bool = False,
    today: date | None = None,
) -> GuidelineSaved:
    """Save a guideline file (:func:`studio.brand.store.save_brand_file`) with its impact.

    The impact is measured against the file as it is before the save. When
    ``send_back_approved``, each approved variant it flags goes back to review (the
    ``send_back`` move, as ``author``, with the new flags as the reason). A ``guideline.impact``
    audit entry records the flagged variants, the choice and what it moved.

    Raises
    ------
    PermissionDenied, BrandFileInvalid
        As :func:`~studio.brand.store.save_brand_file`; nothing is saved or moved.
    """
    impact = impact_of_text(session, root=root, path=path, text=text, today=today)
    saved = store.save_brand_file(
        session, root=root, path=path, text=text, author=author, message=message
    )
    sent_back: list[int] = []
    if impact is not None and send_back_approved:
        for affected in impact.affected:
            if affected.status != VariantStatus.approved:
                continue
            reason = "; ".join(f"{f.field}: {f.reason}" for f in affected.flags)
            workflow.act(
                session,
                variant_id=affected.variant_id,
                action="send_back",
                actor=author,
                comment=f"guideline change to {saved.path} now flags it: {reason}"[
                    : workflow.MAX_COMMENT_LENGTH
                ],
            )
            sent_back.append(affected.variant_id)
    if impact is not None and impact.affected:
        audit.record(
            session,
            actor=author,
            action="guideline.impact",
            entity_type="brand_file",
            entity_id=saved.path,
            after={
                "flagged": [a.variant_id for a in impact.affected],
                "approved_flagged": impact.approved_ids,
                "send_back_chosen": send_back_approved,
                "sent_back": sent_back,
                "version_id": saved.version.id,
            },
        )
    session.flush()
    return GuidelineSaved(saved=saved, impact=impact, sent_back=tuple(sent_back))


def flags_by_rule(impact: Impact) -> dict[str, int]:
    """How many new flags each rule raises across the affected variants."""
    out: dict[str, int] = {}
    for affected in impact.affected:
        for flag in affected.flags:
            out[flag.rule] = out.get(flag.rule, 0) + 1
    return out


def affected_rows(impact: Impact) -> Sequence[dict[str, object]]:
    """One row per flag, for a table: variant, status, persona, channel, rule, field, text."""
    return [
        {
            "variant": a.variant_id,
            "status": a.status.value,
            "persona": a.persona,
            "channel": a.channel,
            "rule": f.rule,
            "field": f.field,
            "text": f.text,
            "why": f.reason,
        }
        for a in impact.affected
        for f in a.flags
    ]
