"""Measurements of label masks for trace synthesis: area, share and distance in metres.

Same conventions as the engine's measurements of predicted masks (``engine.geo.measuring``): area = sum
of geodesic pixel areas (the geo layer's ``cell_areas``), share = mask pixels / valid pixels of the area of
interest, distance = smallest gap between the two masks' pixel squares (0 when they touch, corners
included), so it equals the distance between the vectorised polygons.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from affine import Affine
from scipy import ndimage

from ..trace_format import Measurement


def cell_area_m2(transform: Affine, crs: str | None, shape: tuple[int, int]) -> np.ndarray:
    """Area in m2 of each pixel, broadcastable to ``shape`` (geodesic, as the engine's geo layer measures:
    per row for geographic grids, nominal area / areal scale factor for projected ones)."""
    if not crs:
        return np.full((1, 1), abs(transform.a * transform.e - transform.b * transform.d))
    from ..geo.measuring import cell_areas

    return np.asarray(cell_areas(transform, crs, shape), dtype=np.float64)


@lru_cache(maxsize=64)
def _geographic(crs: str | None) -> bool:
    if not crs:
        return False
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


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


def mean_pixel_m(transform: Affine, crs: str | None) -> float:
    """Mean side of a pixel in metres: the mean of :func:`pixel_size_m`'s row and column sizes."""
    return float(np.mean(pixel_size_m(transform, crs)))


def mask_area_m2(mask: np.ndarray, cell_area: np.ndarray) -> float:
    """mask: (H, W) bool; cell_area: pixel areas in m2 broadcastable to (H, W) -> area in m2."""
    return float((np.broadcast_to(cell_area, mask.shape) * mask).sum())


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
                        cell_area: np.ndarray | None = None) -> Measurement:
    """Measurement of a (H, W) bool mask in the grid of ``transform``: area_m2, share of the valid area,
    and the distance in metres to each earlier non-empty mask (1-based step numbers). ``cell_area``:
    precomputed ``cell_area_m2(transform, crs, mask.shape)`` when measuring many masks of one grid."""
    mask = np.asarray(mask, bool)
    if valid is not None:
        mask = mask & valid
    if cell_area is None:
        cell_area = cell_area_m2(transform, crs, mask.shape)
    area = mask_area_m2(mask, cell_area)
    if area <= 0:
        return Measurement(0.0, 0.0)
    total = mask_area_m2(valid if valid is not None else np.ones(mask.shape, bool), cell_area)
    dists = []
    if earlier:
        pm = pixel_size_m(transform, crs)
        for i, prev in enumerate(earlier, start=1):
            if prev is not None and prev.any():
                dists.append((i, min_distance_m(prev, mask, pm)))
    return Measurement(area_m2=area, share=area / total if total > 0 else 0.0, distances_m=tuple(dists))
