"""Layouts as data: six per family, text regions clear of product, motifs and logo (planned and
measured on the rendered pixels), diverse across a set, the button reading the copy's CTA."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from studio.backends.contracts import ImageRequest
from studio.backends.image_offline import OfflineImageBackend
from studio.brand.guidelines import BrandCatalog
from studio.imaging.compositor import (
    AdCopy,
    Box,
    BrandKit,
    compose,
    layout_regions,
    place_product,
    resolve_layout,
)
from studio.imaging.formats import IMAGE_FORMATS, VIDEO_FORMATS, AdFormat
from studio.imaging.layouts import (
    FAMILIES,
    LAYOUT_NAMES,
    assign_layouts,
    eligible,
    family_of,
    layouts_for,
)
from studio.imaging.product import product_photo
from studio.imaging.qc import check_image, text_overlap

FORMATS = [*IMAGE_FORMATS.values(), *VIDEO_FORMATS.values()]
COPY = AdCopy(
    "Single-origin coffees traced to the farms that grow them",
    "Start your subscription",
    offer="50% off your first bag",
    proof="Rated 4.8 out of 5 by 9,000 subscribers",
)


def test_six_distinct_layouts_in_every_family() -> None:
    assert len(LAYOUT_NAMES) >= 6
    for family in FAMILIES:
        names = [spec.name for spec in layouts_for(family)]
        assert sorted(names) == sorted(LAYOUT_NAMES) and len(set(names)) == len(names)
        # Distinct: no two layouts of a family put the headline in the same place.
        places = {
            (s.headline, s.cta, s.product, s.offer, s.panel, s.card) for s in layouts_for(family)
        }
        assert len(places) == len(names)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f"{f.kind}-{f.size_label}")
def test_text_regions_never_meet_logo_product_or_motifs(fmt: AdFormat) -> None:
    safe = Box(*fmt.safe_box)
    for spec in layouts_for(family_of(fmt.width, fmt.height)):
        regions = layout_regions(spec, fmt)
        for name in (*spec.text_regions(), *spec.keep_clear_regions()):
            assert safe.contains(regions[name]), (spec.name, name)
        for text in spec.text_regions():
            for other in spec.keep_clear_regions():
                assert not regions[text].intersects(regions[other]), (spec.name, text, other)
        # Words do not collide with each other either.
        texts = list(spec.text_regions())
        for i, first in enumerate(texts):
            for second in texts[i + 1 :]:
                assert not regions[first].intersects(regions[second]), (spec.name, first, second)


def _ad(kit: BrandKit, product: Image.Image, fmt: AdFormat, name: str, seed: int):  # type: ignore[no-untyped-def]
    spec = resolve_layout(name, fmt)
    regions = layout_regions(spec, fmt)
    scaled = box = None
    if "product" in regions:
        scaled, placed = place_product(product, regions["product"])
        box = placed.as_tuple()
    generated = OfflineImageBackend().generate(
        ImageRequest(
            prompt="",
            width=fmt.width,
            height=fmt.height,
            seed=seed,
            colors=kit.colors,
            motifs=("coffee bean", "cup", "steam"),
            motif_box=regions["motifs"].as_tuple(),
            product=scaled,
            product_box=box,
        )
    )
    return compose(
        generated.images[0],
        COPY,
        kit,
        fmt,
        layout=spec,
        product=product,
        motif_mask=generated.motif_masks[0],
    )


@pytest.mark.parametrize("fmt", list(IMAGE_FORMATS.values()), ids=lambda f: f.size_label)
def test_every_layout_renders_with_text_off_product_and_motifs(
    catalog: BrandCatalog, halden: BrandKit, fmt: AdFormat
) -> None:
    small = fmt.scaled(0.4)
    product = product_photo(catalog.get("halden-coffee"))
    assert product is not None
    for seed, name in enumerate(LAYOUT_NAMES):
        ad = _ad(halden, product, small, name, seed)
        assert ad.layout.name == name
        assert ad.motif_mask is not None and ad.motif_mask.any(), f"{name}: no motif drawn"
        if "product" in ad.layout.regions:
            assert ad.product_mask is not None and ad.product_mask.any()
            assert ad.layout.regions["product"].contains(ad.layout.product_box)
        checks = {c.rule: c for c in check_image(ad, halden.palette, cta=COPY.cta)}
        assert checks["text_overlap"].passed, checks["text_overlap"].message
        assert checks["cta_text"].passed
        assert " ".join(ad.layout.cta.fitted.lines) == COPY.cta
        failed = [c.message for c in check_image(ad, halden.palette) if not c.passed]
        assert failed == [], f"{name} {small.size_label}: {failed}"


def test_offer_and_testimonial_show_their_claims(catalog: BrandCatalog, halden: BrandKit) -> None:
    fmt = IMAGE_FORMATS["1080x1080"].scaled(0.4)
    product = product_photo(catalog.get("halden-coffee"))
    assert product is not None
    offer = _ad(halden, product, fmt, "offer_badge", 1)
    assert offer.layout.offer is not None and offer.layout.offer_disc is not None
    assert " ".join(offer.layout.offer.fitted.lines) == COPY.offer
    assert offer.layout.offer_disc.box.contains(offer.layout.offer.fitted.ink_box)
    card = _ad(halden, product, fmt, "testimonial", 2)
    assert card.layout.proof is not None and card.layout.stars_box is not None
    # 4.8 stars: the fifth star is mostly but not wholly filled with the accent colour.
    stars = np.asarray(card.plate.crop(card.layout.stars_box.as_tuple()), dtype=np.int16)
    accent = np.abs(stars - np.asarray(halden.colors["accent"])).sum(axis=-1) < 30
    fifths = np.array_split(accent, 5, axis=1)
    assert fifths[0].sum() > fifths[4].sum() > 0


def test_text_on_a_motif_is_caught_by_pixels_and_boxes(halden: BrandKit) -> None:
    fmt = IMAGE_FORMATS["1080x1080"].scaled(0.4)
    background = Image.new("RGB", (fmt.width, fmt.height), halden.colors["background"])
    ad = compose(background, COPY, halden, fmt, layout="full_bleed")
    assert text_overlap(ad).passed
    # A motif drawn where the headline is: the pixels show it.
    mask = Image.new("L", background.size, 0)
    box = ad.layout.headline.fitted.ink_box
    mask.paste(255, box.as_tuple())
    hit = compose(background, COPY, halden, fmt, layout="full_bleed", motif_mask=mask)
    check = text_overlap(hit)
    assert not check.passed and "text pixels lie on the motif" in check.message
    assert check.value is not None and check.value > 0
    # Under a solid panel the same motif is hidden: the words sit on the panel, not on it.
    hidden = compose(background, COPY, halden, fmt, layout="headline_first", motif_mask=mask)
    assert text_overlap(hidden).passed
    # A layout whose motif region runs under the headline is caught by the boxes alone.
    spec = resolve_layout("full_bleed", fmt)
    wrong = dataclasses.replace(spec, motifs=spec.headline)
    planned = text_overlap(compose(background, COPY, halden, fmt, layout=wrong))
    assert not planned.passed and "headline box meets the motif region box" in planned.message


def test_button_text_must_match_the_copy(halden: BrandKit) -> None:
    fmt = IMAGE_FORMATS["1080x1080"].scaled(0.4)
    ad = compose(Image.new("RGB", (50, 50), "white"), COPY, halden, fmt)
    checks = {c.rule: c for c in check_image(ad, halden.palette, cta="Learn more")}
    assert not checks["cta_text"].passed
    assert "'Start your subscription'" in checks["cta_text"].message


def test_layout_needs_are_explained(halden: BrandKit) -> None:
    fmt = IMAGE_FORMATS["1080x1080"].scaled(0.3)
    plain = AdCopy("Fresh beans", "Shop now")
    with pytest.raises(ValueError, match=r"layout 'offer_badge' needs offer"):
        compose(Image.new("RGB", (9, 9)), plain, halden, fmt, layout="offer_badge")
    with pytest.raises(ValueError, match=r"needs product"):
        compose(Image.new("RGB", (9, 9)), plain, halden, fmt, layout="product_hero")
    with pytest.raises(LookupError, match=r"no layout 'collage' in the square family"):
        compose(Image.new("RGB", (9, 9)), plain, halden, fmt, layout="collage")


def test_layouts_are_dealt_without_repeats_while_unused_ones_remain() -> None:
    everything = frozenset({"offer", "proof", "product"})
    six = assign_layouts(6, everything)
    assert sorted(six) == sorted(LAYOUT_NAMES)
    eight = assign_layouts(8, everything, start=3)
    assert len(set(eight[:6])) == 6 and eight[6:] == eight[:2]
    bare = eligible(LAYOUT_NAMES, frozenset())
    assert bare == ["full_bleed", "split_panel", "headline_first"]
    assert assign_layouts(4, frozenset()) == [*bare, bare[0]]


def test_readme_names_every_layout_and_shows_the_contact_sheets() -> None:
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    readme = (repo / "README.md").read_text()
    for name in LAYOUT_NAMES:
        assert f"`{name}`" in readme, f"README.md does not describe the layout {name}"
    for slug in ("halden-coffee", "ledgerly"):
        link = f"docs/contact-sheets/{slug}.png"
        assert f"]({link})" in readme and (repo / link).is_file()
