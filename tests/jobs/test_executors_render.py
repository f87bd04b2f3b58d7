"""The render compute (:mod:`studio.jobs.compute`): the same files as the render flow, from plain
payloads, through an executor; failures reported per payload; the model built once per process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from studio.brand.guidelines import BrandCatalog
from studio.copy import variants as variant_crud
from studio.core.database import get_engine
from studio.core.errors import NotFound
from studio.core.models import Asset
from studio.core.settings import Settings
from studio.imaging.provenance import asset_path, read_png_provenance
from studio.imaging.render import RenderOptions, render_variants
from studio.jobs import compute
from studio.jobs.compute import render_images, render_payloads
from studio.jobs.executors import ComputeActor, LocalExecutor
from tests.imaging.test_render import PREVIEW, _variants

pytestmark = pytest.mark.slow


def test_payloads_through_the_local_executor_make_the_files_the_render_flow_makes(
    tmp_path: Path, brand_dir: Path, catalog: BrandCatalog, sqlite_url: str
) -> None:
    flow = Settings(database_url=sqlite_url, brand_dir=brand_dir, asset_dir=tmp_path / "flow")
    jobs = flow.model_copy(update={"asset_dir": str(tmp_path / "jobs")})
    with Session(get_engine(sqlite_url)) as session:
        ids = _variants(session)
        chosen = [ids["meta_feed"], ids["linkedin_sponsored"], ids["tiktok"]]
        render_variants(
            session,
            variant_ids=chosen,
            catalog=catalog,
            settings=flow,
            options=PREVIEW,
            actor="cara",
        )
        session.commit()
        expected = {
            (a.variant_id, a.kind, a.size_label, a.seed, a.sha256, a.path)
            for a in session.exec(select(Asset)).all()
        }
        variants = [variant_crud.get_variant(session, variant_id=v) for v in chosen]
    payloads = [p for v in variants for p in render_payloads(v, settings=jobs, options=PREVIEW)]
    assert len(payloads) == len(expected) == 6
    outcomes = dict(LocalExecutor().run(render_images, payloads, batch_size=4))
    made = set()
    for index, result in outcomes.items():
        assert isinstance(result, dict), result
        asset = result["asset"]
        made.add(
            (
                result["variant_id"],
                asset["kind"],
                asset["size_label"],
                asset["seed"],
                result["sha256"],
                result["path"],
            )
        )
        stored = asset_path(jobs.asset_dir, result["path"])
        assert result["url"] == stored.as_uri() and stored.is_file()
        assert payloads[index]["seed"] == asset["seed"]
    # Same files, same names, same seeds: the compute is the render flow without the database.
    assert made == expected


def test_a_bad_payload_fails_alone_and_says_why(tmp_path: Path, brand_dir: Path) -> None:
    settings = Settings(brand_dir=brand_dir, asset_dir=tmp_path / "assets")
    from studio.core.models import Variant

    variant = Variant(
        id=7,
        brand="halden-coffee",
        persona="home-baristas",
        channel="meta_feed",
        fields={"headline": "Roasted within 48 hours", "call_to_action": "SHOP_NOW"},
        seed=11,
    )
    options = RenderOptions(scale=0.1)
    payloads = render_payloads(variant, settings=settings, options=options)
    broken = payloads[1] | {"variant": payloads[1]["variant"] | {"persona": "astronauts"}}
    wrong_size = payloads[2] | {"format": "640x480"}
    outcomes = dict(
        LocalExecutor().run(render_images, [payloads[0], broken, wrong_size], batch_size=3)
    )
    assert outcomes[0]["path"].startswith("images/")  # type: ignore[index]
    assert isinstance(outcomes[1], NotFound) and "persona 'astronauts'" in str(outcomes[1])
    assert isinstance(outcomes[2], NotFound)
    assert (
        "There is no format '640x480' in channel 'meta_feed'. Known: 1080x1080, 1080x1350, 1080x1920"
        in str(outcomes[2])
    )
    assert read_png_provenance(asset_path(settings.asset_dir, outcomes[0]["path"])).seed == 11  # type: ignore[index]


def test_an_actor_builds_its_image_backend_once(tmp_path: Path, brand_dir: Path) -> None:
    """What a Ray actor runs, here: many batches, one backend (the diffusion model loads once)."""
    import pickle

    import numpy as np

    from studio.core.models import Variant

    settings = Settings(brand_dir=brand_dir, asset_dir=tmp_path / "assets")
    variant = Variant(
        id=1,
        brand="ledgerly",
        persona=sorted(p.stem for p in (brand_dir / "ledgerly" / "personas").glob("*.yaml"))[0],
        channel="linkedin_sponsored",
        fields={"headline": "Invoices that chase themselves"},
        seed=0,
    )
    payloads = render_payloads(
        variant, settings=settings, options=RenderOptions(scale=0.1, batch_size=2)
    )
    compute._IMAGE_BACKENDS.clear()
    actor = ComputeActor(render_images)
    for start in range(0, len(payloads), 2):
        blobs = np.empty(2, dtype=object)
        blobs[:] = [pickle.dumps(p) for p in payloads[start : start + 2]]
        out = actor({"index": np.array([start, start + 1]), "payload": blobs})
        assert all(isinstance(pickle.loads(b), dict) for b in out["outcome"])
    assert len(payloads) == 4 and len(compute._IMAGE_BACKENDS) == 1
