"""Provenance in PNG files and content-hash names under the asset folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from studio.imaging.provenance import (
    SOURCE_AI_COMPOSITE,
    Provenance,
    asset_path,
    prompt_hash,
    read_png_provenance,
    save_png,
)

PROVENANCE = Provenance(
    backend="diffusers",
    model="/models/tiny-sd",
    seed=42,
    prompt_hash=prompt_hash("beans", "text"),
    ai_generated=True,
    template="image_background.j2",
)


def test_png_carries_provenance_and_a_content_hash_name(tmp_path: Path) -> None:
    image = Image.new("RGB", (32, 24), (200, 80, 60))
    stored = save_png(image, PROVENANCE, tmp_path)
    assert stored.path.parent == tmp_path.resolve() / "images"
    assert stored.path.name == f"{stored.sha256}.png"
    assert hashlib.sha256(stored.path.read_bytes()).hexdigest() == stored.sha256
    assert stored.relative == f"images/{stored.sha256}.png"
    assert read_png_provenance(stored.path) == PROVENANCE
    with Image.open(stored.path) as reopened:
        assert reopened.text["studio:ai_generated"] == "true"
        assert reopened.text["studio:source_type"] == SOURCE_AI_COMPOSITE
        assert reopened.size == (32, 24)


def test_same_render_is_stored_once_other_seed_is_a_new_file(tmp_path: Path) -> None:
    image = Image.new("RGB", (16, 16), "white")
    first = save_png(image, PROVENANCE, tmp_path)
    second = save_png(image, PROVENANCE, tmp_path)
    third = save_png(
        image,
        Provenance("offline", "studio-offline-2", 43, PROVENANCE.prompt_hash, False),
        tmp_path,
    )
    assert first == second
    assert third.path != first.path
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == sorted(
        {first.path.name, third.path.name}
    )


def test_prompt_hash_separates_prompt_and_negative_prompt() -> None:
    assert prompt_hash("ab", "c") != prompt_hash("a", "bc")
    assert len(prompt_hash("x")) == 64


def test_missing_or_malformed_tags_are_named(tmp_path: Path) -> None:
    plain = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(plain)
    with pytest.raises(ValueError, match=r"plain.png has no provenance tag\(s\) studio:backend"):
        read_png_provenance(plain)
    tags = PROVENANCE.tags() | {"studio:seed": "forty-two"}
    with pytest.raises(ValueError, match="studio:seed is 'forty-two', not an integer"):
        Provenance.from_tags(tags, source="x.png")


def test_asset_path_stays_inside_the_asset_folder(tmp_path: Path) -> None:
    assert asset_path(tmp_path, "images/a.png") == tmp_path.resolve() / "images" / "a.png"
    with pytest.raises(ValueError, match="outside the asset folder"):
        asset_path(tmp_path, "../../etc/passwd")
