"""Ad layouts as data: where the headline, button, logo, product, motifs and offer go.

A :class:`LayoutSpec` names its *regions* as fractions of the format's safe box
(``left, top, right, bottom`` in 0-1), so one spec serves every size of its *family*:

* ``square`` (1:1), ``portrait`` (4:5 and 9:16, anything taller than 1:1.1) and
  ``landscape`` (1.91:1 and 16:9, anything wider than 1.3:1).

Each family has the same six layouts, drawn by :func:`studio.imaging.compositor.compose`:

=================  ==========================================================================
``full_bleed``     the picture fills the ad; the headline sits on a gradient scrim
``split_panel``    a solid brand-colour panel holds the words; the picture or product the rest
``product_hero``   the product photo large; headline and button beside or below it
``headline_first`` typographic: a large headline on the brand's ground, the picture smaller
``offer_badge``    a round badge states the offer (an approved claim), beside the headline
``testimonial``    a card with the headline as a quote, the rating stars and the proof claim
=================  ==========================================================================

Text regions (headline, button, offer, proof, stars) never intersect the product, motif or
logo regions of their own layout (a test checks every layout at every size); the compositor
places everything inside its region, and brand QC measures the finished pixels again.

:func:`assign_layouts` spreads layouts over a set of ads: no layout repeats while an eligible
one is unused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from studio.core.errors import InvalidValue, NotFound

Family = Literal["square", "portrait", "landscape"]
Need = Literal["offer", "proof", "product"]
FAMILIES: tuple[Family, ...] = ("square", "portrait", "landscape")


@dataclass(frozen=True)
class Region:
    """A rectangle as fractions of an outer box: ``left, top, right, bottom`` in [0, 1]."""

    left: float
    top: float
    right: float
    bottom: float

    def __post_init__(self) -> None:
        if not (0 <= self.left < self.right <= 1 and 0 <= self.top < self.bottom <= 1):
            raise InvalidValue(
                f"a region needs 0 <= left < right <= 1 and 0 <= top < bottom <= 1; received {self}"
            )

    def within(
        self, outer: tuple[int, int, int, int], bleed: tuple[int, int, int, int] | None = None
    ) -> tuple[int, int, int, int]:
        """Pixel box ``(left, top, right, bottom)`` inside ``outer``.

        With ``bleed`` (the canvas), an edge at 0 or 1 runs on to the canvas edge: panels and
        scrims are cut at the paper's edge, not at the safe zone.
        """
        left, top, right, bottom = outer
        width, height = right - left, bottom - top
        box = [
            left + round(self.left * width),
            top + round(self.top * height),
            left + round(self.right * width),
            top + round(self.bottom * height),
        ]
        if bleed is not None:
            for index, value in ((0, self.left), (1, self.top)):
                if value == 0:
                    box[index] = bleed[index]
            for index, value in ((2, self.right), (3, self.bottom)):
                if value == 1:
                    box[index] = bleed[index]
        return (box[0], box[1], box[2], box[3])


@dataclass(frozen=True)
class LayoutSpec:
    """One layout for one family of formats.

    Attributes
    ----------
    name : id shared by the same layout across families, e.g. ``"split_panel"``.
    family : the formats it is for.
    title : a human label.
    headline, cta, logo : where those go (safe-box fractions). The logo keeps the compositor's
        size rule and sits in the region's ``logo_corner``.
    product : where a product photo is fitted (kept whole, bottom-centred), or None.
    motifs : where a background renderer may draw motifs (no text may go there), or None.
    offer : the offer badge (a disc inscribed in the region), or None.
    proof : the proof line (an approved claim) under a testimonial quote, or None.
    stars : the rating stars (drawn only when the proof states ``N out of 5``), or None.
    panel : a solid block of colour ``panel_role``; edges at 0/1 bleed to the canvas.
    card : a rounded card in the ``background`` colour behind the quote.
    scrim : when the headline needs help to be read, a gradient scrim across this region
        (instead of a rounded panel under the words).
    headline_scale : maximum headline size as a share of the short side.
    align, valign : headline alignment in its region; the button follows ``align``.
    needs : what the ad must have for this layout (``offer``, ``proof``, ``product``).
    """

    name: str
    family: Family
    title: str
    headline: Region
    cta: Region
    logo: Region
    logo_corner: Literal["left", "right"] = "left"
    product: Region | None = None
    motifs: Region | None = None
    offer: Region | None = None
    proof: Region | None = None
    stars: Region | None = None
    panel: Region | None = None
    panel_role: str = "primary"
    card: Region | None = None
    scrim: Region | None = None
    headline_scale: float = 0.08
    align: Literal["left", "center"] = "left"
    valign: Literal["top", "middle", "bottom"] = "bottom"
    needs: frozenset[Need] = frozenset()

    def text_regions(self) -> dict[str, Region]:
        """Regions that hold words (or the stars that stand for a rating)."""
        named = {
            "headline": self.headline,
            "cta": self.cta,
            "offer": self.offer,
            "proof": self.proof,
            "stars": self.stars,
        }
        return {name: region for name, region in named.items() if region is not None}

    def keep_clear_regions(self) -> dict[str, Region]:
        """Regions text must stay out of: logo, product and motifs."""
        named = {"logo": self.logo, "product": self.product, "motifs": self.motifs}
        return {name: region for name, region in named.items() if region is not None}


@dataclass(frozen=True)
class _Layout:
    """One layout across the families: what every family shares, and each family's own fields
    (regions as ``(left, top, right, bottom)`` safe-box fractions, and any setting that differs).

    The logo region is the left half of the safe box's top 14 %, the right half when the
    family's ``logo_corner`` is ``"right"``.
    """

    name: str
    title: str
    shared: Mapping[str, Any]
    families: Mapping[Family, Mapping[str, Any]]

    def spec(self, family: Family) -> LayoutSpec:
        given = {**self.shared, **self.families[family]}
        corner = given.get("logo_corner", "left")
        regions: dict[str, Any] = {
            key: Region(*value) for key, value in given.items() if key in _REGION_FIELDS
        }
        rest = {key: value for key, value in given.items() if key not in _REGION_FIELDS}
        logo = Region(0.5, 0, 1, 0.14) if corner == "right" else Region(0, 0, 0.5, 0.14)
        return LayoutSpec(self.name, family, self.title, logo=logo, **regions, **rest)


#: The :class:`LayoutSpec` fields a layout table gives as fraction tuples.
_REGION_FIELDS = frozenset(
    {"headline", "cta", "product", "motifs", "offer", "proof", "stars", "panel", "card", "scrim"}
)

_TABLE: tuple[_Layout, ...] = (
    _Layout(
        "full_bleed", "Full-bleed image with scrim", shared={},
        families={
            "square": dict(
                headline=(0, 0.55, 1, 0.85), cta=(0, 0.88, 1, 1), motifs=(0, 0.15, 1, 0.5),
                scrim=(0, 0.45, 1, 1),
            ),
            "portrait": dict(
                headline=(0, 0.6, 1, 0.86), cta=(0, 0.89, 1, 1), motifs=(0, 0.14, 1, 0.55),
                scrim=(0, 0.5, 1, 1),
            ),
            "landscape": dict(
                headline=(0, 0.2, 0.55, 0.76), cta=(0, 0.8, 0.55, 1), motifs=(0.62, 0, 1, 1),
                scrim=(0, 0, 0.6, 1), headline_scale=0.075,
            ),
        },
    ),
    _Layout(
        "split_panel", "Split panel", shared={},
        families={
            "square": dict(
                headline=(0, 0.18, 0.44, 0.8), cta=(0, 0.85, 0.44, 1), panel=(0, 0, 0.48, 1),
                product=(0.55, 0.1, 1, 1), motifs=(0.55, 0, 1, 1), headline_scale=0.07,
            ),
            "portrait": dict(
                headline=(0, 0.62, 1, 0.86), cta=(0, 0.89, 1, 1), panel=(0, 0.58, 1, 1),
                product=(0.15, 0.12, 0.85, 0.55), motifs=(0, 0.12, 1, 0.55),
            ),
            "landscape": dict(
                headline=(0, 0.2, 0.44, 0.76), cta=(0, 0.8, 0.44, 1), panel=(0, 0, 0.48, 1),
                product=(0.55, 0.04, 1, 1), motifs=(0.55, 0, 1, 1), headline_scale=0.075,
            ),
        },
    ),
    _Layout(
        "product_hero", "Product hero", shared=dict(needs=frozenset({"product"})),
        families={
            "square": dict(
                headline=(0, 0.66, 1, 0.86), cta=(0.2, 0.89, 0.8, 1),
                product=(0.2, 0.1, 0.8, 0.62), motifs=(0, 0.15, 1, 0.62),
                align="center", valign="middle", headline_scale=0.065,
            ),
            "portrait": dict(
                headline=(0, 0.62, 1, 0.85), cta=(0.15, 0.89, 0.85, 1),
                product=(0.1, 0.12, 0.9, 0.58), motifs=(0, 0.14, 1, 0.58),
                align="center", valign="middle",
            ),
            "landscape": dict(
                headline=(0.5, 0.2, 1, 0.74), cta=(0.5, 0.8, 1, 1), logo_corner="right",
                product=(0, 0.02, 0.45, 1), motifs=(0, 0, 0.45, 1), headline_scale=0.075,
            ),
        },
    ),
    _Layout(
        "headline_first", "Typographic, headline first",
        shared=dict(panel_role="background", valign="top"),
        families={
            "square": dict(
                headline=(0, 0.15, 1, 0.5), cta=(0, 0.52, 0.6, 0.62), panel=(0, 0, 1, 0.64),
                product=(0.5, 0.66, 1, 1), motifs=(0, 0.66, 1, 1), headline_scale=0.11,
            ),
            "portrait": dict(
                headline=(0, 0.15, 1, 0.46), cta=(0, 0.48, 0.75, 0.56), panel=(0, 0, 1, 0.58),
                product=(0.25, 0.61, 0.75, 1), motifs=(0, 0.61, 1, 1), headline_scale=0.11,
            ),
            "landscape": dict(
                headline=(0, 0.17, 0.64, 0.76), cta=(0, 0.8, 0.64, 1), panel=(0, 0, 0.68, 1),
                product=(0.73, 0.08, 1, 0.95), motifs=(0.73, 0, 1, 1), headline_scale=0.1,
            ),
        },
    ),
    _Layout(
        "offer_badge", "Offer badge", shared=dict(needs=frozenset({"offer"})),
        families={
            "square": dict(
                headline=(0, 0.56, 1, 0.84), cta=(0, 0.88, 1, 1), offer=(0.62, 0.1, 1, 0.52),
                product=(0, 0.15, 0.56, 0.53), motifs=(0, 0.15, 0.56, 0.53),
            ),
            "portrait": dict(
                headline=(0, 0.56, 1, 0.85), cta=(0, 0.89, 1, 1), offer=(0.55, 0.12, 1, 0.42),
                product=(0, 0.14, 0.52, 0.52), motifs=(0, 0.14, 0.52, 0.52),
            ),
            "landscape": dict(
                headline=(0, 0.2, 0.6, 0.76), cta=(0, 0.8, 0.6, 1), offer=(0.7, 0.02, 1, 0.56),
                product=(0.66, 0.6, 1, 1), motifs=(0.64, 0.6, 1, 1), headline_scale=0.075,
            ),
        },
    ),
    _Layout(
        "testimonial", "Rating and testimonial card",
        shared=dict(
            align="center", valign="middle", headline_scale=0.065, needs=frozenset({"proof"})
        ),
        families={
            "square": dict(
                headline=(0.1, 0.32, 0.9, 0.64), cta=(0.2, 0.89, 0.8, 1),
                card=(0.04, 0.18, 0.96, 0.84), stars=(0.25, 0.22, 0.75, 0.3),
                proof=(0.1, 0.67, 0.9, 0.8), motifs=(0.55, 0, 1, 0.16), headline_scale=0.06,
            ),
            "portrait": dict(
                headline=(0.1, 0.3, 0.9, 0.62), cta=(0.15, 0.89, 0.85, 1),
                card=(0.03, 0.17, 0.97, 0.82), stars=(0.2, 0.21, 0.8, 0.27),
                proof=(0.1, 0.65, 0.9, 0.78), motifs=(0.55, 0, 1, 0.14),
            ),
            "landscape": dict(
                headline=(0.05, 0.3, 0.59, 0.68), cta=(0.68, 0.36, 1, 0.56), logo_corner="right",
                card=(0, 0.04, 0.64, 0.96), stars=(0.08, 0.1, 0.48, 0.24),
                proof=(0.05, 0.72, 0.59, 0.9), motifs=(0.68, 0.64, 1, 1),
            ),
        },
    ),
)  # fmt: skip

LAYOUTS: tuple[LayoutSpec, ...] = tuple(
    layout.spec(family) for family in FAMILIES for layout in _TABLE
)

LAYOUT_NAMES: tuple[str, ...] = tuple(dict.fromkeys(spec.name for spec in LAYOUTS))


def family_of(width: int, height: int) -> Family:
    """The layout family of a ``width`` x ``height`` canvas."""
    aspect = width / height
    if aspect > 1.3:
        return "landscape"
    if aspect < 1 / 1.1:
        return "portrait"
    return "square"


def layouts_for(family: Family) -> tuple[LayoutSpec, ...]:
    return tuple(spec for spec in LAYOUTS if spec.family == family)


def get_layout(name: str, family: Family) -> LayoutSpec:
    """The layout ``name`` for ``family``; the error lists the names there are."""
    for spec in LAYOUTS:
        if spec.name == name and spec.family == family:
            return spec
    raise NotFound("layout", name, list(LAYOUT_NAMES), within=f"the {family} family")


def eligible(names: Sequence[str], have: frozenset[Need]) -> list[str]:
    """The layouts among ``names`` whose needs the ad meets (``have``: offer, proof, product)."""
    needs = {spec.name: spec.needs for spec in LAYOUTS}
    return [name for name in names if needs[name] <= have]


def assign_layouts(count: int, have: frozenset[Need], *, start: int = 0) -> list[str]:
    """Layout names for ``count`` ads of one set, as different from each other as possible.

    The eligible layouts are dealt in :data:`LAYOUT_NAMES` order from position ``start``
    (e.g. a campaign's seed), so no layout repeats until every eligible one is used.

    Raises
    ------
    InvalidValue
        If ``count`` is negative.
    """
    if count < 0:
        raise InvalidValue(f"count must be >= 0; received {count}")
    names = eligible(LAYOUT_NAMES, have)
    offset = start % len(names)
    return [names[(offset + i) % len(names)] for i in range(count)]
