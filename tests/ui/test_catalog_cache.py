"""The app reads the brand files again only when one changed (parsing them costs more than a page)."""

from __future__ import annotations

import os
from pathlib import Path

from studio.ui import context


def test_the_catalog_is_reloaded_only_when_a_brand_file_changes(studio_env: dict[str, str]):
    first = context.catalog()
    assert context.catalog() is first  # nothing changed: the same catalog, not parsed again
    guideline = Path(studio_env["STUDIO_BRAND_DIR"]) / "halden-coffee" / "guideline.yaml"
    text = guideline.read_text()
    guideline.write_text(text.replace("name: Halden Coffee Roasters", "name: Halden Roasters", 1))
    stat = guideline.stat()
    os.utime(guideline, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    changed = context.catalog()
    assert changed is not first
    assert changed.get("halden-coffee").guideline.name == "Halden Roasters"
    (guideline.parent / "personas" / "home-baristas.yaml").unlink()
    assert "home-baristas" not in context.catalog().get("halden-coffee").personas
