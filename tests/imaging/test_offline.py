"""The offline renderer: deterministic, on palette, draws the guideline's motifs."""

from __future__ import annotations

import numpy as np
import pytest

from studio.backends.contracts import ImageBackend, ImageRequest
from studio.backends.image_offline import OfflineImageBackend, motif_drawer
from studio.brand.guidelines import BrandCatalog
from studio.imaging.compositor import BrandKit
from studio.imaging.qc import palette_check


def _request(
    kit: BrandKit, motifs: tuple[str, ...], seed: int = 7, **kwargs: object
) -> ImageRequest:
    return ImageRequest(
        prompt="ignored",
        width=160,
        height=120,
        seed=seed,
        colors=kit.colors,
        motifs=motifs,
        **kwargs,
    )  # type: ignore[arg-type]


def test_same_seed_same_pixels_other_seed_other_pixels(halden: BrandKit) -> None:
    backend = OfflineImageBackend()
    assert isinstance(backend, ImageBackend)
    first = backend.generate(_request(halden, ("coffee bean", "cup")))
    again = backend.generate(_request(halden, ("coffee bean", "cup")))
    other = backend.generate(_request(halden, ("coffee bean", "cup"), seed=8))
    assert first.images[0].size == (160, 120)
    assert first.images[0].tobytes() == again.images[0].tobytes()
    assert first.images[0].tobytes() != other.images[0].tobytes()
    assert first.backend == "offline" and not first.ai_generated


def test_batch_gives_one_seed_per_image(halden: BrandKit) -> None:
    result = OfflineImageBackend().generate(_request(halden, ("steam",), seed=100, num_images=3))
    assert result.seeds == (100, 101, 102)
    single = OfflineImageBackend().generate(_request(halden, ("steam",), seed=101))
    assert result.images[1].tobytes() == single.images[0].tobytes()


@pytest.mark.parametrize("slug", ["halden-coffee", "ledgerly"])
def test_backgrounds_stay_on_the_brand_palette(catalog: BrandCatalog, slug: str) -> None:
    brand = catalog.get(slug)
    kit = BrandKit.from_brand(brand)
    backend = OfflineImageBackend()
    for seed in range(6):
        image = backend.generate(
            _request(kit, tuple(brand.guideline.product_motifs), seed=seed)
        ).images[0]
        check = palette_check(image, kit.palette)
        assert check.passed, f"seed {seed}: {check.message}"


def test_motifs_are_drawn(halden: BrandKit) -> None:
    backend = OfflineImageBackend()
    plain = np.asarray(backend.generate(_request(halden, ())).images[0], dtype=np.int16)
    with_beans = np.asarray(
        backend.generate(_request(halden, ("coffee bean",))).images[0], dtype=np.int16
    )
    assert (np.abs(plain - with_beans).sum(axis=-1) > 30).mean() > 0.02


def test_unknown_motifs_become_badges_and_are_reported(halden: BrandKit) -> None:
    _, known = motif_drawer("Coffee Beans")
    assert known
    _, known = motif_drawer("croissant")
    assert not known
    result = OfflineImageBackend().generate(_request(halden, ("croissant", "cup")))
    assert result.notes == ("no drawing for motif(s) croissant; drawn as abstract badges",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width": 4}, "at least 8x8 px; received 4x120"),
        ({"num_images": 9}, "batch size"),
        ({"steps": 0}, "steps must be at least 1"),
        ({"guidance": -1.0}, "guidance must be >= 0"),
        ({"seed": -1}, "seed must be in"),
    ],
)
def test_bad_requests_are_explained(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"prompt": "p", "width": 160, "height": 120, "seed": 1}
    with pytest.raises(ValueError, match=message):
        ImageRequest(**(base | kwargs))  # type: ignore[arg-type]
