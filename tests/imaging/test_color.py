"""WCAG contrast and CIE Lab distances against published reference values."""

from __future__ import annotations

import numpy as np
import pytest

from studio.imaging.color import contrast_ratio, delta_e, hex_to_rgb, relative_luminance


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [
        # Reference values from the WebAIM contrast checker and the WCAG 2.x definitions.
        ("#000000", "#FFFFFF", 21.0),
        ("#767676", "#FFFFFF", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#FFFFFF", 4.48),  # one step lighter fails
        ("#FF0000", "#FFFFFF", 4.0),
        ("#0000FF", "#FFFFFF", 8.59),
        ("#00FF00", "#000000", 15.3),
        ("#FFFFFF", "#FFFFFF", 1.0),
    ],
)
def test_contrast_ratio_matches_wcag_reference_values(
    foreground: str, background: str, expected: float
) -> None:
    ratio = contrast_ratio(hex_to_rgb(foreground), hex_to_rgb(background))
    assert ratio == pytest.approx(expected, abs=0.006)
    assert contrast_ratio(hex_to_rgb(background), hex_to_rgb(foreground)) == pytest.approx(ratio)


def test_relative_luminance_endpoints_and_broadcasting() -> None:
    assert relative_luminance((0, 0, 0)) == 0.0
    assert relative_luminance((255, 255, 255)) == pytest.approx(1.0)
    grid = np.zeros((2, 3, 3))
    grid[1] = 255
    lum = relative_luminance(grid)
    assert lum.shape == (2, 3)
    assert np.allclose(lum[0], 0.0) and np.allclose(lum[1], 1.0)


def test_delta_e_reference_values() -> None:
    assert delta_e((255, 255, 255), (0, 0, 0)) == pytest.approx(100.0, abs=0.01)
    assert delta_e((10, 20, 30), (10, 20, 30)) == 0.0
    # sRGB red is L*a*b* (53.24, 80.09, 67.20): its distance to black is that vector's length.
    assert delta_e((255, 0, 0), (0, 0, 0)) == pytest.approx(
        np.linalg.norm([53.24, 80.09, 67.20]), abs=0.05
    )


def test_hex_to_rgb_rejects_bad_input() -> None:
    assert hex_to_rgb("#1A2B3C") == (26, 43, 60)
    with pytest.raises(ValueError, match="#RRGGBB"):
        hex_to_rgb("#123")
