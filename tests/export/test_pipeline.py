"""The pipeline's rules: only approved variants, permission, the manifest, the record, atomicity."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from studio.core import audit
from studio.core.models import (
    Experiment,
    ExportRecord,
    VariantStatus,
)
from studio.core.plugins import UnknownPlugin
from studio.export import (
    ExportBlocked,
    ExportError,
    ExportOptions,
    ExportScope,
    NotApproved,
    NothingToExport,
    export,
    exportable_statuses,
    plan_export,
)
from studio.export import queries as export_queries
from studio.review import queries as review_queries
from studio.review.accounts import PermissionDenied
from tests.export.conftest import (
    FIELDS,
    add_image,
    make_campaign,
    make_decided_test,
    make_image_ad,
    make_variant,
)

S = VariantStatus


def records(session: Session) -> list[ExportRecord]:
    return list(session.exec(select(ExportRecord)).all())


def test_exportable_statuses_follow_the_state_machine():
    assert exportable_statuses() == {S.approved, S.winner, S.exported}


@pytest.mark.parametrize("status", [S.draft, S.in_review, S.rejected, S.in_test, S.retired])
def test_unapproved_variants_are_refused_by_name_and_status(
    session, people, tmp_path, asset_dir, status
):
    campaign_id = make_campaign(session)
    good = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    bad = make_variant(session, campaign_id=campaign_id, channel="google_rsa", status=status)
    output = tmp_path / "out.zip"
    with pytest.raises(NotApproved) as caught:
        export(
            session,
            platform="google_ads",
            scope=ExportScope.variants([good.id, bad.id]),
            output=output,
            actor="mia",
            asset_dir=asset_dir,
        )
    assert caught.value.refused == [(bad.id, status.value)]
    assert f"variant {bad.id} is '{status.value}'" in str(caught.value)
    assert "approved" in str(caught.value)
    session.rollback()
    assert not output.exists() and list(tmp_path.glob("*.part")) == []
    assert records(session) == []
    assert review_queries.load_variant(session, variant_id=good.id).status == S.approved


def test_a_campaign_exports_only_its_approved_variants_and_says_what_it_has(
    session, people, asset_dir
):
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa", status=S.draft)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa", status=S.in_review)
    with pytest.raises(NothingToExport) as caught:
        plan_export(
            session,
            platform="google_ads",
            scope=ExportScope.campaign(campaign_id),
            asset_dir=asset_dir,
        )
    assert "1 draft, 1 in_review" in str(caught.value)
    approved = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert plan.variant_ids == [approved.id] and plan.ok
    with pytest.raises(NothingToExport, match="no campaign with id 999"):
        plan_export(
            session, platform="google_ads", scope=ExportScope.campaign(999), asset_dir=asset_dir
        )
    with pytest.raises(UnknownPlugin, match="unknown platform 'bing'"):
        plan_export(
            session, platform="bing", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
        )


def test_only_marketers_and_admins_export(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    for name in ("cara", "bea"):
        with pytest.raises(PermissionDenied, match="may not export to ad platforms"):
            export(
                session,
                platform="google_ads",
                scope=ExportScope.campaign(campaign_id),
                output=tmp_path / "x.zip",
                actor=name,
                asset_dir=asset_dir,
            )
    assert not (tmp_path / "x.zip").exists()
    result = export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        output=tmp_path / "x.zip",
        actor="ada",
        asset_dir=asset_dir,
    )
    session.commit()  # the zip appears with its record
    assert result.path.is_file()


def _test_with_winner(
    session: Session, campaign_id: int, asset_dir: Path
) -> tuple[Experiment, int, int]:
    winner = make_variant(session, campaign_id=campaign_id, channel="meta_feed", status=S.winner)
    loser = make_variant(session, campaign_id=campaign_id, channel="meta_feed", status=S.retired)
    for v in (winner, loser):
        add_image(session, variant_id=v.id, asset_dir=asset_dir, width=1080, height=1080)
    experiment, _arms = make_decided_test(session, winner=winner, others=[loser], clicks=(60, 30))
    return experiment, winner.id, loser.id


def test_a_tests_winner_exports_with_a_manifest_of_everything(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session)
    experiment, winner_id, loser_id = _test_with_winner(session, campaign_id, asset_dir)
    output = tmp_path / "winner.zip"
    result = export(
        session,
        platform="meta",
        scope=ExportScope.test(experiment.id),
        output=output,
        actor="mia",
        asset_dir=asset_dir,
    )
    session.commit()
    assert result.variant_ids == (winner_id,)

    data = output.read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    archive = zipfile.ZipFile(output)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "studio-export/1"
    assert (manifest["platform"], manifest["scope"], manifest["created_by"]) == (
        "meta",
        f"test:{experiment.id}",
        "mia",
    )
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert set(archive.namelist()) == set(manifest["files"]) | {"manifest.json"}

    (variant,) = manifest["variants"]
    assert variant["id"] == winner_id
    assert (variant["status_before"], variant["status_after"]) == ("winner", "exported")
    assert (
        variant["ad_name"] == f"Roast vs price v{winner_id}"
    )  # the test's ad name, so reports map back
    reviews = variant["approval"]["reviews"]
    assert [(r["reviewer"], r["action"]) for r in reviews] == [
        ("cara", "submit"),
        ("bea", "approve"),
    ]
    assert reviews[1]["comment"] == "on brand"
    actions = [e["action"] for e in variant["approval"]["audit"]]
    assert actions == [
        "variant.submit",
        "variant.approve",
        "variant.start_test",
        "variant.declare_winner",
    ]
    assert variant["scores"]["predicted_ctr"] == pytest.approx(0.031)
    assert variant["scores"]["explanation"] == {"top_features": ["fresh", "roast"]}
    assert variant["generation"]["model"] == "offline-v1"
    (test,) = variant["tests"]
    assert test["is_winner"] and test["name"] == "Roast vs price"
    assert (
        test["this_arm"]["ctr"] == pytest.approx(0.03) and test["this_arm"]["impressions"] == 2000
    )
    assert [a["variant_id"] for a in test["arms"]] == [winner_id, loser_id]
    assert test["latest_decision"]["summary"] == f"v{winner_id} wins"
    (asset,) = variant["assets"]
    assert asset["in_sheet"] and asset["file"] in manifest["files"]
    assert asset["provenance"]["embedded"]["model"] == "offline-renderer-1"
    assert asset["provenance"]["embedded"]["ai_generated"] is False
    assert asset["provenance"]["source_sha256"] == asset["source"]["sha256"]
    assert asset["qc"][0]["passed"] is True

    assert review_queries.load_variant(session, variant_id=winner_id).status == S.exported
    assert review_queries.load_variant(session, variant_id=loser_id).status == S.retired
    (record,) = records(session)
    assert (record.platform, record.scope, record.sha256) == (
        "meta",
        f"test:{experiment.id}",
        result.sha256,
    )
    assert record.variant_ids == [winner_id] and record.created_by == "mia"
    (entry,) = audit.list_entries(session, entity_type="export", entity_id=record.id)
    assert entry.action == "export.create" and entry.after["sha256"] == result.sha256
    moved = audit.list_entries(session, entity_type="variant", entity_id=winner_id, limit=1)[0]
    assert moved.action == "variant.export" and moved.actor == "mia"


def test_a_test_without_a_winner_is_refused(session, people, asset_dir):
    experiment = Experiment(
        name="Open test", brand="halden-coffee", persona="p", channel="meta_feed", created_by="mia"
    )
    session.add(experiment)
    session.commit()
    with pytest.raises(NothingToExport, match="has no winner yet"):
        plan_export(
            session, platform="meta", scope=ExportScope.test(experiment.id), asset_dir=asset_dir
        )
    with pytest.raises(NothingToExport, match="no test with id 404"):
        plan_export(session, platform="meta", scope=ExportScope.test(404), asset_dir=asset_dir)


def test_reexport_keeps_exported_and_records_again(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    first = export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        output=tmp_path / "a.zip",
        actor="mia",
        asset_dir=asset_dir,
    )
    session.commit()
    second = export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        output=tmp_path / "b.zip",
        actor="mia",
        asset_dir=asset_dir,
    )
    session.commit()
    assert first.variant_ids == second.variant_ids == (variant.id,)
    assert [r.id for r in export_queries.list_export_records(session)] == [
        second.export_id,
        first.export_id,
    ]
    manifest = json.loads(zipfile.ZipFile(tmp_path / "b.zip").read("manifest.json"))
    assert manifest["variants"][0]["status_before"] == "exported"


def test_a_channel_from_another_platform_is_a_problem(session, people, asset_dir):
    campaign_id = make_campaign(session)
    meta = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.variants([meta.id]), asset_dir=asset_dir
    )
    (problem,) = plan.problems
    assert (
        problem.rule == "channel"
        and "meta_feed" in problem.message
        and "google_rsa" in problem.message
    )


def test_the_output_is_checked_before_anything_runs(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    scope = ExportScope.campaign(campaign_id)
    with pytest.raises(ExportError, match=r"must be a \.zip"):
        export(session, platform="google_ads", scope=scope, output=tmp_path / "x.csv", actor="mia")
    with pytest.raises(ExportError, match="does not exist"):
        export(
            session,
            platform="google_ads",
            scope=scope,
            output=tmp_path / "nope" / "x.zip",
            actor="mia",
        )
    with pytest.raises(ExportError, match="at most 512"):
        export(
            session,
            platform="google_ads",
            scope=scope,
            output=tmp_path / ("x" * 600 + ".zip"),
            actor="mia",
        )
    (tmp_path / "taken.zip").write_bytes(b"keep me")
    with pytest.raises(ExportError, match="already exists"):
        export(
            session,
            platform="google_ads",
            scope=scope,
            output=tmp_path / "taken.zip",
            actor="mia",
            asset_dir=asset_dir,
        )
    assert (tmp_path / "taken.zip").read_bytes() == b"keep me"


# --------------------------------------------------------------------------------------------
# Atomicity
# --------------------------------------------------------------------------------------------


def test_an_unreadable_asset_stops_the_export_and_leaves_nothing(
    session, people, tmp_path, asset_dir
):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    asset = add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1080, height=1080)
    (asset_dir / asset.path).write_bytes(b"not a png any more")
    output = tmp_path / "meta.zip"
    with pytest.raises(ExportBlocked) as caught:
        export(
            session,
            platform="meta",
            scope=ExportScope.campaign(campaign_id),
            output=output,
            actor="mia",
            asset_dir=asset_dir,
        )
    assert [p.rule for p in caught.value.problems] == [
        "media_changed"
    ]  # caught before encoding: the bytes are not the approved ones
    assert asset.path in str(caught.value)
    session.rollback()
    assert not output.exists() and list(tmp_path.glob(".meta.zip.*")) == []
    assert records(session) == []
    assert review_queries.load_variant(session, variant_id=variant.id).status == S.approved


def test_a_failure_while_writing_the_zip_leaves_no_file_and_no_record(
    session, people, tmp_path, asset_dir, monkeypatch
):
    campaign_id = make_campaign(session)
    variant = make_image_ad(session, campaign_id=campaign_id, asset_dir=asset_dir)
    original = zipfile.ZipFile.writestr

    def disk_full(self, name, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(getattr(name, "filename", name)) == "manifest.json":
            raise OSError(28, "No space left on device")
        return original(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    output = tmp_path / "meta.zip"
    with pytest.raises(OSError, match="No space left"):
        export(
            session,
            platform="meta",
            scope=ExportScope.campaign(campaign_id),
            output=output,
            actor="mia",
            asset_dir=asset_dir,
        )
    session.rollback()
    assert not output.exists() and list(tmp_path.glob(".meta.zip.*")) == []
    assert records(session) == []
    assert review_queries.load_variant(session, variant_id=variant.id).status == S.approved


def test_an_export_commits_its_own_unit_of_work(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    result = export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        output=tmp_path / "g.zip",
        actor="mia",
        asset_dir=asset_dir,
    )
    with Session(session.get_bind()) as other:  # another connection sees it without our commit
        [record] = other.exec(select(ExportRecord)).all()
        assert record.id == result.export_id and record.sha256 == result.sha256
        assert review_queries.load_variant(other, variant_id=variant.id).status == S.exported


def test_a_failed_commit_deletes_the_zip_and_keeps_nothing(
    session, people, tmp_path, asset_dir, monkeypatch
):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    output = tmp_path / "g.zip"

    def connection_lost() -> None:
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(session, "commit", connection_lost)
    with pytest.raises(OperationalError, match="server closed the connection"):
        export(
            session,
            platform="google_ads",
            scope=ExportScope.campaign(campaign_id),
            output=output,
            actor="mia",
            asset_dir=asset_dir,
        )
    monkeypatch.undo()
    assert not output.exists() and list(tmp_path.glob(".g.zip.*")) == []
    assert records(session) == []
    assert review_queries.load_variant(session, variant_id=variant.id).status == S.approved


def test_a_landing_url_off_the_brands_website_is_a_warning(session, people, asset_dir):
    on_site = make_campaign(session, landing_url="https://www.haldencoffee.example/spring")
    off_site = make_campaign(session, landing_url="https://ledgerly.example/pricing")
    good = make_variant(session, campaign_id=on_site, channel="google_rsa")
    wrong = make_variant(session, campaign_id=off_site, channel="google_rsa")
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.variants([good.id, wrong.id]),
        asset_dir=asset_dir,
    )
    assert plan.ok, plan.problems  # a warning: a partner's page may be meant
    [warning] = [w for w in plan.warnings if w.rule == "landing_off_site"]
    assert warning.variant_id == wrong.id and warning.location == "landing_url"
    assert "'https://ledgerly.example/pricing' is not on 'haldencoffee.example'" in warning.message


def test_what_is_not_ready_can_be_left_out_and_is_listed_and_audited(
    session, people, tmp_path, asset_dir
):
    campaign_id = make_campaign(session)
    ready = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    draft = make_variant(session, campaign_id=campaign_id, channel="google_rsa", status=S.draft)
    too_long = make_variant(
        session,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(FIELDS["google_rsa"], headlines=["x" * 31, "Fine one", "Fine two"]),
    )
    scope = ExportScope.variants([ready.id, draft.id, too_long.id])
    with pytest.raises(NotApproved):  # by default the whole export is refused, as before
        plan_export(session, platform="google_ads", scope=scope, asset_dir=asset_dir)
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.variants([ready.id, too_long.id]),
        asset_dir=asset_dir,
    )
    assert not plan.ok and plan.can_leave_out  # what the page and the CLI offer

    output = tmp_path / "rest.zip"
    result = export(
        session,
        platform="google_ads",
        scope=scope,
        output=output,
        actor="mia",
        options=ExportOptions(leave_out_not_ready=True),
        asset_dir=asset_dir,
    )
    assert result.variant_ids == (ready.id,)
    by_id = {lo.variant_id: lo for lo in result.left_out}
    assert set(by_id) == {draft.id, too_long.id}
    assert by_id[draft.id].status == "draft" and "not approved" in by_id[draft.id].reasons[0]
    assert by_id[too_long.id].reasons[0].startswith("headlines[0]: ")
    assert "31 characters" in by_id[too_long.id].reasons[0]
    manifest = json.loads(zipfile.ZipFile(output).read("manifest.json"))
    assert [v["id"] for v in manifest["variants"]] == [ready.id]
    assert {lo["variant_id"] for lo in manifest["left_out"]} == {draft.id, too_long.id}
    (entry,) = audit.list_entries(session, entity_type="export", entity_id=result.export_id)
    assert {lo["variant_id"] for lo in entry.after["left_out"]} == {draft.id, too_long.id}
    assert review_queries.load_variant(session, variant_id=ready.id).status == S.exported
    assert review_queries.load_variant(session, variant_id=too_long.id).status == S.approved
    assert review_queries.load_variant(session, variant_id=draft.id).status == S.draft


def test_leaving_out_still_stops_on_problems_of_the_whole_export(
    session, people, tmp_path, asset_dir, brand_dir
):
    campaign_id = make_campaign(session)
    long = make_variant(
        session,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(FIELDS["google_rsa"], headlines=["x" * 31, "Fine one", "Fine two"]),
    )
    options = ExportOptions(leave_out_not_ready=True)
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        options=options,
        asset_dir=asset_dir,
    )
    assert [p.rule for p in plan.problems] == ["nothing_ready"]
    assert [lo.variant_id for lo in plan.left_out] == [long.id]
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    (brand_dir / "halden-coffee" / "platforms.yaml").write_text("google_ads: {}\n")
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        options=options,
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    assert plan.problems and all(p.rule == "settings_missing" for p in plan.problems)
    assert not plan.can_leave_out
