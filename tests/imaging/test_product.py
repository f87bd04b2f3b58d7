"""Product photos: a plain background removed (what touches the edge only), transparent ones kept,
and the example brands' own product renders loading through their guidelines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.brand.guidelines import BrandCatalog, load_catalog
from studio.imaging.product import product_photo, remove_plain_background


def _bottle_on(ground: tuple[int, int, int]) -> Image.Image:
    """A red bottle with a label the colour of the ground inside it, on a plain ground."""
    image = Image.new("RGB", (120, 160), ground)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((35, 20, 85, 150), radius=12, fill=(190, 40, 40))
    draw.rectangle((45, 70, 75, 110), fill=ground)  # a label in the ground's own colour
    return image


def test_plain_background_is_removed_but_the_label_inside_stays() -> None:
    cut = remove_plain_background(_bottle_on((240, 240, 240)))
    alpha = np.asarray(cut.getchannel("A"))
    assert cut.mode == "RGBA" and cut.size == (120, 160)
    assert alpha[5, 5] == 0 and alpha[150, 110] == 0, "the ground is transparent"
    assert alpha[40, 60] == 255, "the bottle is opaque"
    assert alpha[90, 60] == 255, "the label is not connected to the edge and stays"
    assert (alpha == 0).mean() == pytest.approx(
        1 - (50 * 130 - 4 * 12**2 * (1 - np.pi / 4)) / (120 * 160), abs=0.02
    )


def test_noisy_jpeg_ground_is_still_plain() -> None:
    rng = np.random.default_rng(0)
    pixels = np.asarray(_bottle_on((250, 248, 244)), dtype=np.int16)
    noisy = np.clip(pixels + rng.integers(-3, 4, pixels.shape), 0, 255).astype(np.uint8)
    cut = remove_plain_background(Image.fromarray(noisy))
    alpha = np.asarray(cut.getchannel("A"))
    assert (alpha[:, :20] == 0).all() and alpha[40, 60] == 255


def test_a_busy_background_is_refused_with_the_reason() -> None:
    rng = np.random.default_rng(1)
    busy = Image.fromarray(rng.integers(0, 256, (60, 60, 3), dtype=np.uint8))
    with pytest.raises(
        ValueError, match=r"bag\.jpg: the background is not plain .*set background: transparent"
    ):
        remove_plain_background(busy, name="bag.jpg")
    with pytest.raises(ValueError, match="nothing is left"):
        remove_plain_background(Image.new("RGB", (20, 20), "white"))


def test_example_brands_ship_a_product_render_with_its_licence(catalog: BrandCatalog) -> None:
    for slug in ("halden-coffee", "ledgerly"):
        brand = catalog.get(slug)
        [photo] = brand.guideline.product_photos
        assert "MIT" in photo.licence and "scripts/product_images.py" in photo.licence
        image = product_photo(brand)
        assert image is not None and image.mode == "RGBA"
        alpha = np.asarray(image.getchannel("A"))
        assert alpha[0, 0] == 0 and alpha[alpha.shape[0] // 2, alpha.shape[1] // 2] == 255
        assert 0.2 < (alpha > 0).mean() < 0.9
    # Ledgerly's phone is shipped on a plain ground: the renderer took it away.
    with Image.open(catalog.get("ledgerly").product_photo_paths[0]) as shipped:
        assert shipped.mode == "RGB"


def test_transparent_photo_without_transparency_is_explained(brand_dir: Path) -> None:
    Image.new("RGBA", (40, 40), (200, 30, 30, 255)).save(
        brand_dir / "halden-coffee" / "product" / "coffee-bag.png"
    )
    brand = load_catalog(brand_dir).get("halden-coffee")
    with pytest.raises(
        ValueError,
        match=r"coffee-bag\.png: marked background: transparent but it has no transparent pixels",
    ):
        product_photo(brand)
    assert product_photo(load_catalog(brand_dir).get("ledgerly")) is not None
