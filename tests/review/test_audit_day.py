"""A scripted day of work leaves a complete audit trail: every action, in order, with who,
what and before/after, and the CSV export carries all of it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlmodel import Session

from studio.brand import store as brand_store
from studio.brand.guidelines import BrandCatalog
from studio.copy.generation import GenerationRequest, run_generation
from studio.copy.offline_writer import OfflineCopyWriter
from studio.copy.writing import CampaignBrief
from studio.core import audit
from studio.review import accounts as auth
from studio.review import workflow as review

PW = "a long enough passphrase"


def test_a_day_of_work_is_fully_audited(session: Session, catalog: BrandCatalog, brand_dir: Path):
    halden = catalog.get("halden-coffee")
    # Morning: the admin sets up the team.
    auth.create_first_admin(session, username="ada", display_name="Ada", password=PW)
    for name, role in (
        ("cara", "creative"),
        ("bea", "brand_manager"),
        ("ben", "brand_manager"),
        ("mia", "marketer"),
    ):
        auth.create_user(
            session, actor="ada", username=name, display_name=name.title(), role=role, password=PW
        )
    session.commit()
    # The creative signs in and generates three drafts.
    auth.authenticate(session, username="cara", password=PW)
    request = GenerationRequest(
        brand=halden,
        brief=CampaignBrief("sales", halden.guideline.website, name="Spring"),
        personas=("home-baristas",),
        channels=("meta_feed",),
        n=3,
        seed=11,
    )
    generated = run_generation(session, request, OfflineCopyWriter(), created_by="cara")
    session.commit()
    v1, v2, v3 = (g.variant_id for g in generated.variants)
    for vid in (v1, v2, v3):
        review.submit(session, variant_id=vid, actor="cara")
    session.commit()
    # The brand manager decides.
    review.approve(session, variant_id=v1, actor="bea", four_eyes=True)
    review.reject(
        session, variant_id=v2, actor="bea", reason="Promises more than we can ship", four_eyes=True
    )
    review.request_changes(session, variant_id=v3, actor="bea", comment="Name the origin")
    session.commit()
    # The creative revises; the other brand manager approves the revision.
    current = next(g for g in generated.variants if g.variant_id == v3).fields
    field = "headline" if "headline" in current else next(iter(current))
    v4 = review.edit_variant(
        session,
        variant_id=v3,
        actor="cara",
        fields={field: "Single-origin Ethiopia"},
        guideline=halden.guideline,
    ).id
    review.submit(session, variant_id=v4, actor="cara")
    review.approve(session, variant_id=v4, actor="ben", four_eyes=True)
    session.commit()
    # The brand manager tightens the guideline.
    path = "halden-coffee/guideline.yaml"
    text = (brand_dir / path).read_text().replace("  - addictive\n", "  - addictive\n  - miracle\n")
    brand_store.save_brand_file(
        session, root=brand_dir, path=path, text=text, author="bea", message="ban 'miracle'"
    )
    session.commit()
    # The marketer tests one and exports.
    review.act(session, variant_id=v1, action="start_test", actor="mia")
    review.act(session, variant_id=v1, action="declare_winner", actor="mia")
    review.act(session, variant_id=v1, action="export", actor="mia")
    review.act(session, variant_id=v4, action="export", actor="mia")
    session.commit()
    # Refused attempts change nothing and so log nothing.
    for attempt in (
        lambda: review.approve(session, variant_id=v2, actor="bea"),
        lambda: review.approve(session, variant_id=v4, actor="cara"),
    ):
        try:
            attempt()
        except (review.ReviewError, auth.AuthError):
            session.rollback()
    # Evening: the admin deactivates a leaver.
    auth.set_active(session, actor="ada", username="ben", active=False)
    session.commit()

    entries = list(reversed(audit.list_entries(session)))
    campaign = str(generated.campaign_id)
    trail = [(e.actor, e.action, e.entity_type, e.entity_id) for e in entries]
    ids = {v1: str(v1), v2: str(v2), v3: str(v3), v4: str(v4)}
    assert trail == [
        ("ada", "user.create_first_admin", "user", "ada"),
        ("ada", "user.create", "user", "cara"),
        ("ada", "user.create", "user", "bea"),
        ("ada", "user.create", "user", "ben"),
        ("ada", "user.create", "user", "mia"),
        ("cara", "user.sign_in", "user", "cara"),
        ("cara", "campaign.create", "campaign", campaign),
        ("cara", "variant.create", "variant", ids[v1]),
        ("cara", "variant.create", "variant", ids[v2]),
        ("cara", "variant.create", "variant", ids[v3]),
        ("cara", "variant.submit", "variant", ids[v1]),
        ("cara", "variant.submit", "variant", ids[v2]),
        ("cara", "variant.submit", "variant", ids[v3]),
        ("bea", "variant.approve", "variant", ids[v1]),
        ("bea", "variant.reject", "variant", ids[v2]),
        ("bea", "variant.request_changes", "variant", ids[v3]),
        ("cara", "variant.edit", "variant", ids[v3]),
        ("cara", "variant.submit", "variant", ids[v4]),
        ("ben", "variant.approve", "variant", ids[v4]),
        ("bea", "guideline.save", "brand_file", path),
        ("mia", "variant.start_test", "variant", ids[v1]),
        ("mia", "variant.declare_winner", "variant", ids[v1]),
        ("mia", "variant.export", "variant", ids[v1]),
        ("mia", "variant.export", "variant", ids[v4]),
        ("ada", "user.deactivate", "user", "ben"),
    ]
    by_action = {(e.action, e.entity_id): e for e in entries}
    reject = by_action[("variant.reject", ids[v2])]
    assert reject.before == {"status": "in_review", "lock_version": 2}
    assert reject.after == {
        "status": "rejected",
        "lock_version": 3,
        "reason": "Promises more than we can ship",
    }
    edit = by_action[("variant.edit", ids[v3])]
    assert edit.after["variant_id"] == v4 and edit.after["fields"] == {
        field: "Single-origin Ethiopia"
    }
    assert by_action[("user.deactivate", "ben")].before["is_active"] is True
    assert by_action[("user.deactivate", "ben")].after["is_active"] is False
    assert all(e.at is not None for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)

    rows = list(csv.DictReader(io.StringIO(audit.to_csv(entries))))
    assert [(r["actor"], r["action"], r["entity_type"], r["entity_id"]) for r in rows] == trail
    assert json.loads(rows[14]["after"])["reason"] == "Promises more than we can ship"
    assert PW not in audit.to_csv(entries)
