"""Measurements of label masks for trace synthesis: area, share and distance in metres.

Same conventions as the engine's measurements of predicted masks: area = pixel count x pixel area
(geodesic pixel area per row for geographic grids), share = mask pixels / valid pixels of the area of
interest, distance = smallest gap between the two masks' pixel squares (0 when they touch, corners
included), so it equals the distance between the vectorised polygons.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from affine import Affine
from scipy import ndimage

from ..trace_format import Measurement


@lru_cache(maxsize=64)
def _geographic(crs: str | None) -> bool:
    if not crs:
        return False
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


def pixel_area_rows_m2(transform: Affine, crs: str | None, height: int) -> np.ndarray:
    """(H,) float64 area of one pixel of each row in m2 (constant for projected grids)."""
    if not _geographic(crs):
        return np.full(height, abs(transform.a * transform.e - transform.b * transform.d))
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    x0, dx = transform.c, transform.a
    out = np.empty(height)
    for r in range(height):
        y_top = transform.f + transform.e * r
        y_bot = y_top + transform.e
        area, _ = geod.polygon_area_perimeter([x0, x0 + dx, x0 + dx, x0], [y_top, y_top, y_bot, y_bot])
        out[r] = abs(area)
    return out


def pixel_size_m(transform: Affine, crs: str | None) -> tuple[float, float]:
    """(row size, column size) of a pixel in metres (at the grid's first row for geographic grids)."""
    if not _geographic(crs):
        return abs(transform.e), abs(transform.a)
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    x, y = transform.c, transform.f
    _, _, dy = geod.inv(x, y, x, y + transform.e)
    _, _, dx = geod.inv(x, y, x + transform.a, y)
    return abs(dy), abs(dx)


def mask_area_m2(mask: np.ndarray, row_area_m2: np.ndarray) -> float:
    """mask: (H, W) bool; row_area_m2: (H,) -> area in m2."""
    return float(mask.sum(axis=1) @ row_area_m2)


def min_distance_m(a: np.ndarray, b: np.ndarray, pixel_m: tuple[float, float]) -> float:
    """Smallest gap in metres between the pixel squares of masks a and b ((H, W) bool, both non-empty)."""
    if (a & b).any() or (ndimage.binary_dilation(a, np.ones((3, 3), bool)) & b).any():
        return 0.0
    py, px = pixel_m
    _, (ir, ic) = ndimage.distance_transform_edt(~a, sampling=(py, px), return_indices=True)
    rb, cb = np.nonzero(b)
    gap_r = np.maximum(np.abs(ir[rb, cb] - rb) - 1, 0) * py
    gap_c = np.maximum(np.abs(ic[rb, cb] - cb) - 1, 0) * px
    return float(np.min(np.hypot(gap_r, gap_c)))


def measure_mask_pixels(mask: np.ndarray, transform: Affine, crs: str | None = None,
                        valid: np.ndarray | None = None, earlier: list[np.ndarray] | None = None,
                        ) -> Measurement:
    """Measurement of a (H, W) bool mask in the grid of ``transform``: area_m2, share of the valid area,
    and the distance in metres to each earlier non-empty mask (1-based step numbers)."""
    mask = np.asarray(mask, bool)
    if valid is not None:
        mask = mask & valid
    rows = pixel_area_rows_m2(transform, crs, mask.shape[0])
    area = mask_area_m2(mask, rows)
    total = mask_area_m2(valid, rows) if valid is not None else float(rows.sum() * mask.shape[1])
    if area <= 0:
        return Measurement(0.0, 0.0)
    dists = []
    if earlier:
        pm = pixel_size_m(transform, crs)
        for i, prev in enumerate(earlier, start=1):
            if prev is not None and prev.any():
                dists.append((i, min_distance_m(prev, mask, pm)))
    return Measurement(area_m2=area, share=area / total if total > 0 else 0.0, distances_m=tuple(dists))
