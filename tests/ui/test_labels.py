"""Human labels: every workflow value has one, and the pages show them instead of raw values."""

from __future__ import annotations

from enum import StrEnum

import pytest

from studio.core.models import (
    ExperimentStatus,
    JobKind,
    JobStatus,
    ReviewAction,
    Role,
    VariantStatus,
)
from studio.ui import labels


@pytest.mark.parametrize(
    ("enum", "table"),
    [
        (VariantStatus, labels.STATUS),
        (ReviewAction, labels.ACTION_DONE),
        (Role, labels.ROLE),
        (ExperimentStatus, labels.EXPERIMENT_STATUS),
        (JobStatus, labels.JOB_STATUS),
        (JobKind, labels.JOB_KIND),
    ],
    ids=["status", "action", "role", "experiment_status", "job_status", "job_kind"],
)
def test_every_member_has_a_label_in_words(enum: type[StrEnum], table: dict[StrEnum, str]):
    assert set(table) == set(enum), f"{enum.__name__} members without a label"
    for member, label in table.items():
        assert "_" not in label and label != member.value, (member, label)


def test_raw_values_read_as_words():
    assert labels.humanize("LEARN_MORE") == "Learn more"
    assert labels.status("in_review") == "In review"
    assert labels.channel("meta_feed") == "Meta feed (Facebook and Instagram)"
    assert labels.field_value("meta_feed", "call_to_action", "LEARN_MORE") == "Learn more"
    assert labels.field_value("meta_feed", "headline", "SALE_NOW") == "SALE_NOW"  # free text
    assert labels.audit_action("variant.request_changes") == "Variant: request changes"


def test_an_audit_change_lists_what_changed_in_words():
    before = {"status": "in_review", "lock_version": 1, "note": "x"}
    after = {"status": "rejected", "lock_version": 2, "reason": "Too loud", "note": "x"}
    assert labels.audit_change(before, after) == (
        "Status: In review → Rejected · Lock version: 1 → 2 · Reason: Too loud"
    )
    assert labels.audit_change({"role": "creative"}, {}) == "Role: Creative → (removed)"
    assert labels.audit_change({}, {"headlines": ["A", "B"], "active": True}) == (
        "Headlines: A, B · Active: yes"
    )
