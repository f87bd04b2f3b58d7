"""Every layout's geometry, pinned: each spec's fields and its pixel boxes at every format size.

``layout_geometry.json`` was written from the layout tables as they stood before they were
rebuilt from one table per layout (``studio/imaging/layouts.py``); the rebuilt tables must give
the same specs and the same boxes. A deliberate change to a layout rewrites the file with::

    python -c "import json; from tests.imaging.test_layout_geometry import geometry; \\
        print(json.dumps(geometry(), indent=1, sort_keys=True))" \\
        > tests/imaging/layout_geometry.json
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from studio.imaging.compositor import layout_regions
from studio.imaging.formats import IMAGE_FORMATS, VIDEO_FORMATS
from studio.imaging.layouts import LAYOUTS, family_of, layouts_for

SNAPSHOT = Path(__file__).with_name("layout_geometry.json")


def geometry() -> dict[str, Any]:
    """``specs``: every spec's fields by ``family/name``, in table order; ``boxes``: every
    layout's pixel boxes (``[left, top, right, bottom]``) by ``WIDTHxHEIGHT/name``."""
    specs = {
        f"{spec.family}/{spec.name}": {
            key: sorted(value) if isinstance(value, frozenset) else value
            for key, value in dataclasses.asdict(spec).items()
        }
        for spec in LAYOUTS
    }
    boxes = {}
    for fmt in [*IMAGE_FORMATS.values(), *VIDEO_FORMATS.values()]:
        for spec in layouts_for(family_of(fmt.width, fmt.height)):
            boxes[f"{fmt.width}x{fmt.height}/{spec.name}"] = {
                name: list(box.as_tuple()) for name, box in layout_regions(spec, fmt).items()
            }
    return {"order": list(specs), "specs": specs, "boxes": boxes}


def test_every_layout_keeps_its_fields_and_boxes_at_every_size() -> None:
    pinned = json.loads(SNAPSHOT.read_text())
    now = json.loads(json.dumps(geometry()))  # tuples as lists, as the file holds them
    assert len(pinned["order"]) == 18 and len(pinned["boxes"]) >= 18
    assert now["order"] == pinned["order"]
    for key, spec in pinned["specs"].items():
        assert now["specs"][key] == spec, key
    assert now["boxes"] == pinned["boxes"]
