"""Class 7: a file and its database change happen together or not at all.

Before: the brand file was written before the database committed its version; the export zip
was moved into place before the commit of its record; a killed export left work folders in the
system temp folder and ``.part`` files beside the output. Now (:mod:`studio.core.files`) the
file is staged beside its target and renamed into place by the commit; a rollback deletes it;
work folders live beside the output; and the next export or save sweeps what a killed process
left, completing a staged file whose database change did commit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from studio.core import files
from studio.core.database import get_engine
from studio.core.models import ExportRecord, GuidelineVersion
from studio.export.pipeline import ExportScope, export
from tests.conftest import REPO_ROOT

CHILD = r"""
import sys, time
from pathlib import Path
from sqlmodel import Session
from studio.core.database import get_engine
from studio.export import pipeline, queries
from tests.export.conftest import add_image, make_campaign, make_variant
from tests.people import add_people

url, folder, stage = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
session = Session(get_engine(url), expire_on_commit=False)
add_people(session)
campaign_id = make_campaign(session)
variant = make_variant(session, campaign_id=campaign_id)
add_image(session, variant_id=variant.id, asset_dir=folder / "assets", width=1080, height=1080)
session.commit()
(folder / "campaign").write_text(str(campaign_id))

def hang(*args, **kwargs):
    (folder / "ready").write_text(stage)
    time.sleep(600)

if stage == "writing":  # killed while the zip is being written in the work folder
    original = pipeline._write_zip
    def write_then_hang(target, *args):
        original(target, *args)
        hang()
    pipeline._write_zip = write_then_hang
else:  # killed after the zip is staged, before the record is committed
    queries.add_export_record = hang
pipeline.export(session, platform="meta", scope=pipeline.ExportScope.campaign(campaign_id),
                output=folder / "out" / "meta.zip", actor="mia", asset_dir=folder / "assets")
"""


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("stage", ["writing", "staged"])
def test_a_killed_export_leaves_nothing_once_the_next_one_runs(
    database_url: str, tmp_path: Path, stage: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(tmp_path), stage],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    for _ in range(1200):
        if (tmp_path / "ready").exists() or child.poll() is not None:
            break
        time.sleep(0.1)
    assert (tmp_path / "ready").exists(), child.communicate()[0].decode()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    output = out / "meta.zip"
    assert not output.exists()
    left = _leftovers(out)
    assert left, "the kill left a work folder or a staged zip (what the sweep must remove)"
    assert all(name.startswith((".studio-work.", ".meta.zip.")) for name in left), left

    campaign_id = int((tmp_path / "campaign").read_text())
    with Session(get_engine(database_url)) as s:
        assert s.exec(select(ExportRecord)).all() == []  # the killed export recorded nothing
        export(
            s,
            platform="meta",
            scope=ExportScope.campaign(campaign_id),
            output=output,
            actor="mia",
            asset_dir=tmp_path / "assets",
        )
        assert len(s.exec(select(ExportRecord)).all()) == 1
    assert output.is_file() and _leftovers(out) == []


def test_a_failed_commit_writes_no_file_and_keeps_the_old_one(
    session: Session, people, tmp_path: Path
) -> None:
    from sqlalchemy import event

    from tests.export.conftest import add_image, make_campaign, make_variant

    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id)
    add_image(session, variant_id=variant.id, asset_dir=tmp_path / "a", width=1080, height=1080)
    output = tmp_path / "meta.zip"
    output.write_bytes(b"last week's export")

    def refuse(_session: Session) -> None:
        raise RuntimeError("the database went away")

    event.listen(session, "before_commit", refuse)
    with pytest.raises(RuntimeError, match="went away"):
        export(
            session,
            platform="meta",
            scope=ExportScope.campaign(campaign_id),
            output=output,
            actor="mia",
            asset_dir=tmp_path / "a",
            overwrite=True,
        )
    event.remove(session, "before_commit", refuse)
    assert output.read_bytes() == b"last week's export"  # not replaced, not deleted
    assert _leftovers(tmp_path) == []
    assert session.exec(select(ExportRecord)).all() == []


def test_a_staged_file_whose_change_committed_is_completed_by_the_sweep(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(gone.stdout)
    target = tmp_path / "report.zip"
    committed = tmp_path / f".report.zip.{dead_pid}.0123abcd.part"
    committed.write_bytes(b"the committed export")
    orphan = tmp_path / f".other.zip.{dead_pid}.89abcdef.part"
    orphan.write_bytes(b"never committed")
    work = tmp_path / f".studio-work.{dead_pid}.deadbeef"
    work.mkdir()
    mine = files.staged_path(tmp_path / "mine.zip")  # a live process's file is left alone
    mine.write_bytes(b"in progress")
    files.sweep(tmp_path, committed=lambda staged, _: staged == committed)
    assert target.read_bytes() == b"the committed export"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["report.zip", mine.name])


def test_a_brand_file_changes_only_when_its_version_commits(
    session: Session, people, brand_dir: Path
) -> None:
    from studio.brand import store

    path = "ledgerly/personas/freelancers.yaml"
    original = (brand_dir / path).read_text()
    edited = original.replace("Freelancers", "Renamed")
    store.save_brand_file(session, root=brand_dir, path=path, text=edited, author="bea")
    assert (brand_dir / path).read_text() == original  # nothing before the commit
    session.rollback()
    assert (brand_dir / path).read_text() == original
    assert _leftovers(brand_dir / "ledgerly" / "personas") == []
    assert session.exec(select(GuidelineVersion)).all() == []
    store.save_brand_file(session, root=brand_dir, path=path, text=edited, author="bea")
    session.commit()
    assert (brand_dir / path).read_text() == edited
