"""Colour maths for brand QC: WCAG relative luminance and contrast, CIE Lab distances.

All functions accept sRGB values as 0-255 integers, either one colour ``(r, g, b)`` or numpy
arrays of shape ``(..., 3)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studio.core.errors import InvalidValue

RGB = tuple[int, int, int]

#: WCAG 2.x success criterion 1.4.3 (AA) for normal-size text.
MIN_TEXT_CONTRAST = 4.5
#: WCAG 2.x success criterion 1.4.11 for graphics such as a logo.
MIN_GRAPHIC_CONTRAST = 3.0


def hex_to_rgb(value: str) -> RGB:
    """``"#1A2B3C"`` -> ``(26, 43, 60)``."""
    value = value.lstrip("#")
    if len(value) != 6:
        raise InvalidValue(f"{value!r} is not a #RRGGBB colour")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _linear(rgb: ArrayLike) -> NDArray[np.float64]:
    channel = np.asarray(rgb, dtype=np.float64) / 255.0
    # WCAG 2.x defines the threshold as 0.03928; sRGB's own is 0.04045. No 8-bit value lies
    # between them, so both give identical results for 0-255 input.
    return np.where(channel <= 0.04045, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)


def relative_luminance(rgb: ArrayLike) -> NDArray[np.float64] | float:
    """WCAG relative luminance in [0, 1]; shape ``(...,)`` for input ``(..., 3)``."""
    lin = _linear(rgb)
    lum = lin[..., 0] * 0.2126 + lin[..., 1] * 0.7152 + lin[..., 2] * 0.0722
    return float(lum) if lum.ndim == 0 else lum


def contrast_ratio(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64] | float:
    """WCAG contrast ratio (L_light + 0.05) / (L_dark + 0.05), from 1 to 21; broadcasts."""
    la = np.asarray(relative_luminance(a))
    lb = np.asarray(relative_luminance(b))
    ratio = (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)
    return float(ratio) if ratio.ndim == 0 else ratio


def rgb_to_lab(rgb: ArrayLike) -> NDArray[np.float64]:
    """sRGB (0-255, D65) to CIE L*a*b*; shape ``(..., 3)``."""
    lin = _linear(rgb)
    matrix = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = lin @ matrix.T / np.array([0.95047, 1.0, 1.08883])
    eps = 216 / 24389
    kappa = 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def delta_e(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64] | float:
    """CIE76 colour difference between sRGB colours (about 2.3 is just noticeable); broadcasts."""
    d = np.linalg.norm(rgb_to_lab(a) - rgb_to_lab(b), axis=-1)
    return float(d) if np.ndim(d) == 0 else d
