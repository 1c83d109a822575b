"""The length of a region along its centre line, on rasterised lines and arcs of known length."""
from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from engine.geo.centerline import centerline_length_m, skeleton_length_px, thin

GRID = Affine(10, 0, 500_000, 0, -10, 4_000_000)  # 10 m pixels, UTM
ROWS, COLS = np.mgrid[0:224, 0:224]


def _segment(angle: float, length_px: float, width_px: float) -> np.ndarray:
    """(224, 224) bool: a straight band ``width_px`` wide and ``length_px`` long through the centre."""
    d = np.array([np.sin(angle), np.cos(angle)])
    start = np.array([112.0, 112.0]) - d * length_px / 2
    t = np.clip(((ROWS - start[0]) * d[0] + (COLS - start[1]) * d[1]) / length_px, 0, 1)
    dist = np.hypot(ROWS - (start[0] + t * length_px * d[0]), COLS - (start[1] + t * length_px * d[1]))
    return dist <= (width_px - 1) / 2 + 0.5


@pytest.mark.parametrize("width_px", [1, 2, 6])
def test_straight_bands_are_measured_along_their_centre(width_px):
    rng = np.random.default_rng(width_px)
    errors = []
    for _ in range(10):
        length_px = rng.uniform(80, 180)
        mask = _segment(rng.uniform(0, np.pi), length_px, width_px)
        errors.append(centerline_length_m(mask, GRID, "EPSG:32633") / (10 * length_px) - 1)
    assert abs(np.mean(errors)) < 0.08 and np.max(np.abs(errors)) < 0.2, errors


def test_a_curved_river_and_a_road_grid():
    radius = 80
    arc = (np.abs(np.hypot(ROWS - 112, COLS - 112) - radius) <= 2) & (ROWS > 112)
    assert centerline_length_m(arc, GRID, "EPSG:32633") == pytest.approx(np.pi * radius * 10, rel=0.08)
    grid = np.zeros((400, 400), bool)
    grid[::50, :] = True
    grid[:, ::50] = True
    assert centerline_length_m(grid, GRID, "EPSG:32633") == pytest.approx(2 * 8 * 400 * 10 * 0.948, rel=0.02)


def test_the_skeleton_is_thin_and_keeps_every_patch():
    mask = _segment(0.3, 150, 8) | (np.hypot(ROWS - 30, COLS - 30) < 2)
    skeleton = thin(mask)
    assert skeleton.sum() < mask.sum() / 5 and (skeleton & ~mask).sum() == 0
    from scipy import ndimage

    assert ndimage.label(skeleton, np.ones((3, 3)))[1] == ndimage.label(mask, np.ones((3, 3)))[1] == 2
    assert centerline_length_m(np.zeros((8, 8), bool), GRID, None) == 0.0
    assert skeleton_length_px(np.eye(5, dtype=bool)) == pytest.approx(4 * 1.343)


def test_spurs_of_a_bumpy_outline_are_pruned():
    from engine.geo.centerline import skeleton_length_px, without_spurs

    band = _segment(0.4, 160, 12)
    bumps = np.zeros_like(band)
    for r, c in ((60, 90), (150, 140), (100, 70)):  # three bulges on the outline
        bumps |= np.hypot(ROWS - r, COLS - c) < 4
    bumpy = band | (bumps & ~band & (np.hypot(ROWS - 112, COLS - 112) < 90))
    skeleton = thin(bumpy)
    pruned = without_spurs(skeleton, bumpy)
    assert pruned.sum() < skeleton.sum() and (pruned & ~skeleton).sum() == 0
    true_px = 160
    assert abs(skeleton_length_px(pruned) - true_px) <= abs(skeleton_length_px(skeleton) - true_px)
    assert without_spurs(thin(_segment(0.4, 160, 1)), _segment(0.4, 160, 1)).sum() == thin(_segment(0.4, 160, 1)).sum()
