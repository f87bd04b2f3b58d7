"""The asset store: a local folder (staged, atomic writes) or an fsspec URL, one API for both."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from PIL import Image

from studio.core.assets import AssetStore, AssetStoreUnavailable, asset_store, local_folder
from studio.core.errors import InvalidValue
from studio.core.files import sweep
from studio.imaging.provenance import Provenance, asset_path, read_png_provenance, save_png

PROVENANCE = Provenance("offline", "studio-offline-2", 7, "ab" * 32, False, "image_background.j2")


@pytest.fixture
def memory_url() -> str:
    """A fresh folder in fsspec's in-memory file system (an object store without a server)."""
    return f"memory://studio-test-{uuid.uuid4().hex[:8]}/assets"


def test_a_local_folder_and_a_file_url_are_the_same_store(tmp_path: Path):
    store = AssetStore(tmp_path / "assets")
    url = store.write("images/a.png", b"one")
    assert store.is_local and url == (tmp_path / "assets" / "images" / "a.png").as_uri()
    assert store.read("images/a.png") == b"one" and store.exists("images/a.png")
    same = asset_store(f"file://{tmp_path / 'assets'}")
    assert same.is_local and same.read("images/a.png") == b"one"
    assert same.local_path("images/a.png") == tmp_path / "assets" / "images" / "a.png"
    # Nothing but the file is left beside it: the staged copy was renamed over the target.
    assert sorted(p.name for p in (tmp_path / "assets" / "images").iterdir()) == ["a.png"]


def test_a_local_write_replaces_atomically_and_a_crashed_one_is_swept(tmp_path: Path):
    store = AssetStore(tmp_path)
    store.write("images/a.png", b"old")
    store.write("images/a.png", b"new")
    assert store.read("images/a.png") == b"new"
    # A writer killed before its rename leaves only a staged file, which sweep() removes.
    dead_pid = 2**22 + 17
    leftover = tmp_path / "images" / f".b.png.{dead_pid}.0123abcd.part"
    leftover.write_bytes(b"half")
    assert sweep(tmp_path / "images") == [leftover]
    assert not store.exists("images/b.png") and not leftover.exists()


def test_an_fsspec_url_stores_reads_and_caches_a_local_copy(memory_url: str):
    store = asset_store(memory_url)
    assert not store.is_local and store is asset_store(memory_url)
    assert not store.exists("videos/v.mp4")
    url = store.write("videos/v.mp4", b"\x00\x01video")
    assert url == f"{memory_url}/videos/v.mp4"
    assert store.exists("videos/v.mp4") and store.read("videos/v.mp4") == b"\x00\x01video"
    copy = store.local_path("videos/v.mp4")
    assert copy.is_file() and copy.read_bytes() == b"\x00\x01video"
    with pytest.raises(
        FileNotFoundError, match=r"no file videos/none\.mp4 in the asset store memory://"
    ):
        store.read("videos/none.mp4")


def test_rendered_pngs_go_to_the_store_named_by_content(memory_url: str, tmp_path: Path):
    image = Image.new("RGB", (16, 12), "white")
    remote = save_png(image, PROVENANCE, memory_url)
    assert remote.path is None and remote.url == f"{memory_url}/{remote.relative}"
    assert remote.relative == f"images/{remote.sha256}.png"
    # The gallery, review and export read through asset_path: a local copy of the remote file.
    assert read_png_provenance(asset_path(memory_url, remote.relative)) == PROVENANCE
    local = save_png(image, PROVENANCE, tmp_path)
    assert (local.sha256, local.relative) == (remote.sha256, remote.relative)
    assert local.path == tmp_path.resolve() / remote.relative and local.url == local.path.as_uri()


@pytest.mark.parametrize("bad", ["../etc/passwd", "/etc/passwd", "images/../../x", "", "a\\b"])
def test_paths_that_leave_the_store_are_refused(bad: str, tmp_path: Path, memory_url: str):
    for store in (AssetStore(tmp_path), asset_store(memory_url)):
        with pytest.raises(InvalidValue, match="points outside the asset folder"):
            store.write(bad, b"x")


def test_an_unknown_protocol_or_a_remote_folder_for_local_files_says_what_to_do(memory_url: str):
    with pytest.raises(
        AssetStoreUnavailable, match=r"STUDIO_ASSET_DIR=nosuchproto://b/a: .*Install"
    ):
        AssetStore("nosuchproto://b/a")
    with pytest.raises(
        InvalidValue, match=r"a CTR model file is written to a folder on this machine"
    ):
        local_folder(memory_url, purpose="a CTR model file")
    assert local_folder(os.curdir, purpose="x") == Path.cwd()
