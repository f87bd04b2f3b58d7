"""Saving brand files: validated, atomic, versioned, restorable — on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest

from studio.brand import store as brand_store
from studio.brand.guidelines import load_catalog
from studio.core import audit
from studio.core.errors import NotFound
from studio.core.uploads import UploadRejected
from studio.review.accounts import PermissionDenied
from tests.people import add_people

PERSONA = "ledgerly/personas/freelancers.yaml"


@pytest.fixture(autouse=True)
def team(session):
    return add_people(session)


def test_only_brand_managers_and_admins_may_save(session, brand_dir):
    original = (brand_dir / PERSONA).read_text()
    for who in ("cara", "mia"):
        with pytest.raises(PermissionDenied, match=who):
            brand_store.save_brand_file(
                session,
                root=brand_dir,
                path=PERSONA,
                text=original.replace("Freelancers", "Renamed"),
                author=who,
            )
        with pytest.raises(PermissionDenied):
            brand_store.save_brand_asset(
                session,
                root=brand_dir,
                brand="ledgerly",
                name="x.png",
                data=b"png",
                max_mb=1,
                author=who,
            )
    assert (brand_dir / PERSONA).read_text() == original


def test_save_writes_file_and_records_versions(session, brand_dir):
    original = (brand_dir / PERSONA).read_text()
    edited = original.replace("name: Freelancers", "name: Solo freelancers")
    result = brand_store.save_brand_file(
        session, root=brand_dir, path=PERSONA, text=edited, author="bea", message="sharper name"
    )
    session.commit()
    assert result.changed
    assert (brand_dir / PERSONA).read_text() == edited
    assert (
        load_catalog(brand_dir).brands["ledgerly"].persona("freelancers").name == "Solo freelancers"
    )
    versions = brand_store.history(session, path=PERSONA)
    assert [v.content for v in versions] == [edited, original]
    assert versions[0].author == "bea" and versions[0].message == "sharper name"
    [entry] = audit.list_entries(session, entity_type="brand_file")
    assert entry.actor == "bea" and entry.entity_id == PERSONA


def test_invalid_text_is_refused_and_nothing_changes(session, brand_dir):
    original = (brand_dir / PERSONA).read_text()
    with pytest.raises(brand_store.BrandFileInvalid) as caught:
        brand_store.save_brand_file(
            session,
            root=brand_dir,
            path=PERSONA,
            text=original.replace("locale: en-US", "locale: English"),
            author="bea",
        )
    assert caught.value.errors[0].field == "locale"
    assert (brand_dir / PERSONA).read_text() == original
    assert brand_store.history(session, path=PERSONA) == []


def test_crash_mid_save_leaves_the_old_file_whole(session, brand_dir, monkeypatch):
    original = (brand_dir / PERSONA).read_text()

    def crash(*_args, **_kwargs):
        raise OSError("disk yanked")

    # The disk fails while the new text is being staged (before anything is committed).
    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk yanked"):
        brand_store.save_brand_file(
            session,
            root=brand_dir,
            path=PERSONA,
            text=original.replace("Freelancers", "Renamed"),
            author="bea",
        )
    assert (brand_dir / PERSONA).read_text() == original
    leftovers = [
        p.name for p in (brand_dir / "ledgerly" / "personas").iterdir() if p.name.startswith(".")
    ]
    assert leftovers == []


def test_restore_an_earlier_version(session, brand_dir):
    original = (brand_dir / PERSONA).read_text()
    first = original.replace("name: Freelancers", "name: First edit")
    second = original.replace("name: Freelancers", "name: Second edit")
    brand_store.save_brand_file(session, root=brand_dir, path=PERSONA, text=first, author="bea")
    brand_store.save_brand_file(session, root=brand_dir, path=PERSONA, text=second, author="ben")
    session.commit()
    baseline = brand_store.history(session, path=PERSONA)[-1]
    assert baseline.content == original
    patch = brand_store.diff(baseline.content, second)
    assert "-name: Freelancers" in patch and "+name: Second edit" in patch
    brand_store.restore_version(session, root=brand_dir, version_id=baseline.id, author="ada")
    session.commit()
    assert (brand_dir / PERSONA).read_text() == original
    newest = brand_store.history(session, path=PERSONA)[0]
    assert newest.author == "ada" and f"restored version {baseline.id}" in newest.message
    assert len(brand_store.history(session, path=PERSONA)) == 4


def test_restore_unknown_version(session, brand_dir):
    with pytest.raises(NotFound, match="There is no saved guideline version with id 999"):
        brand_store.restore_version(session, root=brand_dir, version_id=999, author="ada")


def test_path_outside_brand_dir_is_refused(session, brand_dir):
    with pytest.raises(ValueError, match="outside"):
        brand_store.save_brand_file(
            session, root=brand_dir, path="../escape.yaml", text="a: 1", author="bea"
        )


def _png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#123456").save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_a_logo_into_a_brand_folder(session, brand_dir):
    relative = brand_store.save_brand_asset(
        session,
        root=brand_dir,
        brand="ledgerly",
        name="New Logo!.png",
        data=_png_bytes(),
        max_mb=1,
        author="bea",
    )
    session.commit()  # the file appears with its audit entry
    assert relative == "New-Logo.png" and (brand_dir / "ledgerly" / relative).is_file()
    with pytest.raises(UploadRejected, match="already exists"):
        brand_store.save_brand_asset(
            session,
            root=brand_dir,
            brand="ledgerly",
            name="New Logo!.png",
            data=_png_bytes(),
            max_mb=1,
            author="bea",
        )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big-logo.png", b"x" * (2 * 2**20), "larger than the 1 MiB limit"),
        ("logo.gif", b"GIF89a", "not accepted; allowed:"),
        ("fresh-logo.png", b"not a png at all", "not a readable png file"),
        ("font.ttf", b"\x00\x01\x00\x00garbage", "not a readable ttf file"),
        ("empty.png", b"", "the file is empty"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(session, brand_dir, name, data, message):
    before = sorted(p.name for p in (brand_dir / "ledgerly").rglob("*"))
    with pytest.raises(UploadRejected, match=message):
        brand_store.save_brand_asset(
            session, root=brand_dir, brand="ledgerly", name=name, data=data, max_mb=1, author="bea"
        )
    assert sorted(p.name for p in (brand_dir / "ledgerly").rglob("*")) == before
