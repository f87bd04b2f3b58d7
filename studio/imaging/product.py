"""Product photos from the brand kit, ready for the layouts: RGBA with nothing around the product.

A guideline lists ``product_photos`` (:class:`studio.brand.guidelines.ProductPhoto`). A photo
marked ``background: transparent`` is used as is (it must have transparent pixels); one marked
``plain`` has its plain background removed by :func:`remove_plain_background`: the colour of
the border is estimated, and every pixel close to it (CIE76 distance) *that connects to the
border* becomes transparent, so a white label or screen inside the product stays.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

from studio.brand.guidelines import Brand
from studio.core.errors import InvalidValue
from studio.imaging.color import delta_e

#: A pixel belongs to the background within this CIE76 distance of the border colour.
BACKGROUND_DELTA_E = 12.0
#: Share of border pixels that must be near the border colour for a background to be "plain".
PLAIN_BORDER_SHARE = 0.9


def remove_plain_background(
    image: Image.Image, *, tolerance: float = BACKGROUND_DELTA_E, name: str = "the image"
) -> Image.Image:
    """``image`` as RGBA with its plain background made transparent.

    Parameters
    ----------
    image : any mode; the product on an even background that touches every edge.
    tolerance : CIE76 distance from the border colour that still counts as background.
    name : how errors name the file.

    Raises
    ------
    InvalidValue
        When the border is not plain (under :data:`PLAIN_BORDER_SHARE` of it is one colour) or
        nothing but background is left.
    """
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    colour = np.median(border, axis=0)
    share = float((np.asarray(delta_e(border, colour)) <= tolerance).mean())
    if share < PLAIN_BORDER_SHARE:
        raise InvalidValue(
            f"{name}: the background is not plain (only {share:.0%} of the edge is one colour; "
            f"at least {PLAIN_BORDER_SHARE:.0%} is needed); use a photo on an even background or "
            "a PNG with transparency and set background: transparent"
        )
    near = np.asarray(delta_e(rgb, colour)) <= tolerance
    labels, _ = ndimage.label(near)
    edge_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    background = np.isin(labels, edge_labels[edge_labels > 0])
    if background.all():
        raise InvalidValue(f"{name}: nothing is left once the plain background is removed")
    alpha = Image.fromarray(np.where(background, 0, 255).astype(np.uint8), "L")
    # Soften the cut by one pixel so the edge does not look stencilled.
    alpha = Image.fromarray(
        np.minimum(
            np.asarray(alpha), np.asarray(alpha.filter(ImageFilter.GaussianBlur(0.8)))
        ).astype(np.uint8)
    )
    out = image.convert("RGBA")
    out.putalpha(alpha)
    return out


@lru_cache(maxsize=16)
def _load(path: str, background: str, mtime: float) -> Image.Image:
    with Image.open(path) as opened:
        image: Image.Image = opened.convert("RGBA")
    name = Path(path).name
    if background == "plain":
        return remove_plain_background(image, name=name)
    if np.asarray(image.getchannel("A")).min() == 255:
        raise InvalidValue(
            f"{name}: marked background: transparent but it has no transparent pixels; "
            "set background: plain to have the background removed"
        )
    return image


def product_photo(brand: Brand, index: int = 0) -> Image.Image | None:
    """The brand's product photo ``index`` (RGBA, background removed), or None if it has none.

    Raises
    ------
    InvalidValue
        When the file cannot be read or its background does not match what the guideline says.
    """
    photos = brand.guideline.product_photos
    if not photos:
        return None
    photo = photos[index % len(photos)]
    path = brand.root / photo.file
    try:
        return _load(str(path), photo.background, path.stat().st_mtime).copy()
    except OSError as exc:
        raise InvalidValue(
            f"brand {brand.slug!r}: product photo {photo.file} cannot be read ({exc})"
        ) from exc
