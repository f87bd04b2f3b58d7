"""Words for people: what every page shows in place of the values the database and files hold.

Stored values (``in_review``, ``meta_feed``, ``LEARN_MORE``, ``home-baristas``, ``variant.reject``)
stay what they are in the database, the CLI and the exports; the pages show these labels instead.
Every member of the workflow enums has a label here (``tests/ui/test_labels.py`` fails when one
is added without one), and every page formats through this module, so a label is changed once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.brand.guidelines import Brand
from studio.copy.channels import CHANNELS, get_channel
from studio.core.models import (
    AllocationPolicy,
    ExperimentStatus,
    JobKind,
    JobStatus,
    Objective,
    PriorSource,
    ReviewAction,
    Role,
    VariantStatus,
)

STATUS: dict[VariantStatus, str] = {
    VariantStatus.draft: "Draft",
    VariantStatus.in_review: "In review",
    VariantStatus.approved: "Approved",
    VariantStatus.rejected: "Rejected",
    VariantStatus.changes_requested: "Changes requested",
    VariantStatus.in_test: "In test",
    VariantStatus.winner: "Winner",
    VariantStatus.retired: "Retired",
    VariantStatus.exported: "Exported",
}

#: What a review action did, as the history of a card says it ("Bea approved").
ACTION_DONE: dict[ReviewAction, str] = {
    ReviewAction.submit: "submitted for review",
    ReviewAction.approve: "approved",
    ReviewAction.reject: "rejected",
    ReviewAction.request_changes: "requested changes",
    ReviewAction.start_test: "started a test",
    ReviewAction.export: "exported",
    ReviewAction.declare_winner: "declared the winner",
    ReviewAction.retire: "retired",
    ReviewAction.send_back: "sent back to review",
}

ROLE: dict[Role, str] = {
    Role.creative: "Creative",
    Role.brand_manager: "Brand manager",
    Role.marketer: "Marketer",
    Role.admin: "Admin",
}

EXPERIMENT_STATUS: dict[ExperimentStatus, str] = {
    ExperimentStatus.running: "Running",
    ExperimentStatus.paused: "Paused",
    ExperimentStatus.stopped: "Stopped",
    ExperimentStatus.completed: "Completed",
}

JOB_STATUS: dict[JobStatus, str] = {
    JobStatus.queued: "Waiting",
    JobStatus.running: "Running",
    JobStatus.done: "Done",
    JobStatus.failed: "Failed",
    JobStatus.cancelled: "Cancelled",
}

JOB_KIND: dict[JobKind, str] = {
    JobKind.generate: "Generate copy",
    JobKind.render: "Render images and videos",
    JobKind.export: "Export",
    JobKind.report_import: "Import a report",
    JobKind.reweight: "Reweight tests",
    JobKind.retrain: "Retrain the CTR model",
}


def job_status(value: JobStatus | str) -> str:
    return JOB_STATUS[JobStatus(value)]


def job_kind(value: JobKind | str) -> str:
    return JOB_KIND[JobKind(value)]


#: What a creative test optimises, as the Tests page names it.
OBJECTIVE: dict[Objective, str] = {
    Objective.ctr: "CTR (clicks per impression)",
    Objective.conversion_rate: "Conversions per click",
    Objective.cpa: "Cost per acquisition",
    Objective.roas: "Return on ad spend",
}
POLICY: dict[AllocationPolicy, str] = {
    AllocationPolicy.thompson: "Thompson sampling",
    AllocationPolicy.top_two: "Top-two Thompson sampling",
}
PRIOR_SOURCE: dict[PriorSource, str] = {
    PriorSource.flat: "Flat prior",
    PriorSource.pooled: "Pooled prior",
    PriorSource.predictor: "CTR-predictor prior",
}


def experiment_status(value: ExperimentStatus | str) -> str:
    return EXPERIMENT_STATUS[ExperimentStatus(value)]


def objective(value: Objective | str) -> str:
    return OBJECTIVE[Objective(value)]


def policy(value: AllocationPolicy | str) -> str:
    return POLICY[AllocationPolicy(value)]


def prior_source(value: PriorSource | str) -> str:
    return PRIOR_SOURCE[PriorSource(value)]


def humanize(value: object) -> str:
    """``"LEARN_MORE"`` -> ``"Learn more"``, ``"request_changes"`` -> ``"Request changes"``."""
    words = str(value).replace("_", " ").replace("-", " ").strip().lower()
    return words[:1].upper() + words[1:]


def status(value: VariantStatus | str) -> str:
    return STATUS[VariantStatus(value)]


def action_done(value: ReviewAction | str) -> str:
    return ACTION_DONE[ReviewAction(value)]


def role(value: Role | str) -> str:
    return ROLE[Role(value)]


def channel(value: str) -> str:
    """A channel's name from the channel table (``meta_feed`` -> ``Meta feed (...)``)."""
    spec = CHANNELS.get(value)
    return spec.name if spec else humanize(value)


def persona(brand: Brand | None, slug: str) -> str:
    """A persona's name from its file; the slug, humanized, when the brand lacks it."""
    found = brand.personas.get(slug) if brand else None
    return found.name if found else humanize(slug)


def field_value(channel_id: str, field: str, value: Any) -> Any:
    """A copy field as a person reads it: a platform's button enum (``LEARN_MORE``) in words."""
    spec = get_channel(channel_id) if channel_id in CHANNELS else None
    fspec = next((f for f in spec.fields if f.name == field), None) if spec else None
    if fspec is not None and fspec.choices is not None and isinstance(value, str):
        return humanize(value)
    return value


def audit_action(action: str) -> str:
    """``"variant.request_changes"`` -> ``"Variant: request changes"``."""
    entity, _, verb = action.partition(".")
    if not verb:
        return humanize(entity)
    return f"{humanize(entity)}: {humanize(verb).lower()}"


def _value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if key == "status" and value in VariantStatus.__members__:
        return status(value)
    if key == "role" and value in Role.__members__:
        return role(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value) or "(none)"
    if isinstance(value, Mapping):
        return "; ".join(f"{humanize(k)} {_value(str(k), v)}" for k, v in value.items())
    return str(value)


def audit_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """What an audit entry changed, one ``Field: old → new`` per changed key.

    A key only in ``after`` reads ``Field: new``; one only in ``before`` reads ``Field: old →
    (removed)``; keys whose value did not change are left out.
    """
    parts = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        name = humanize(key)
        if key not in before:
            parts.append(f"{name}: {_value(key, new)}")
        elif key not in after:
            parts.append(f"{name}: {_value(key, old)} → (removed)")
        else:
            parts.append(f"{name}: {_value(key, old)} → {_value(key, new)}")
    return " · ".join(parts)
