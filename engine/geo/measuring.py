"""Exact measurements in metres whatever the CRS: geodesic areas and perimeters (pyproj ``Geod`` on the
WGS 84 ellipsoid), shares of the area of interest, and distances between regions.

The same functions produce the measurement text the model reads, the layer attributes and the CLI output.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Geod, Proj, Transformer

from ..trace_format import Measurement

GEOD = Geod(ellps="WGS84")
_SAMPLE = 32  # projected CRSs: the scale factor is sampled every 32 px (it varies far slower than that)


@lru_cache(maxsize=32)
def _crs(crs) -> CRS:
    return CRS.from_user_input(crs)


def _to_lonlat(crs) -> Transformer:
    return Transformer.from_crs(_crs(crs), _crs("EPSG:4326"), always_xy=True)


def cell_areas(transform: Affine, crs, shape: tuple[int, int], row_off: int = 0) -> np.ndarray:
    """Geodesic area in m² of each pixel of the grid (rows ``row_off .. row_off + h``), broadcastable to
    ``shape = (h, w)``: ``(h, 1)`` per-row areas for a north-up geographic grid (exact: each cell is
    measured as a geodesic polygon), ``(h, w)`` for projected grids (pixel area / areal scale factor)."""
    h, w = shape
    crs = _crs(crs)
    north_up = transform.b == 0 and transform.d == 0
    if crs.is_geographic and north_up:
        rows = np.arange(row_off, row_off + h)
        lat0 = transform.f + transform.e * rows
        lat1 = lat0 + transform.e
        lon0, lon1 = transform.c, transform.c + transform.a
        out = np.empty((h, 1))
        for i, (a, b) in enumerate(zip(lat0, lat1)):
            area, _ = GEOD.polygon_area_perimeter([lon0, lon1, lon1, lon0], [a, a, b, b])
            out[i, 0] = abs(area)
        return out
    rs = np.arange(0, h + _SAMPLE, _SAMPLE).clip(max=max(h - 1, 0)) + row_off + 0.5
    cs = np.arange(0, w + _SAMPLE, _SAMPLE).clip(max=max(w - 1, 0)) + 0.5
    cc, rr = np.meshgrid(np.unique(cs), np.unique(rs))
    x, y = transform @ (cc, rr)
    pixel = abs(transform.a * transform.e - transform.b * transform.d)
    if crs.is_geographic:  # rotated geographic grid: metres per degree from the ellipsoid radii
        lat = np.radians(y)
        e2 = GEOD.es
        m_n = GEOD.a ** 2 * (1 - e2) / (1 - e2 * np.sin(lat) ** 2) ** 2
        coarse = pixel * np.radians(1) ** 2 * m_n * np.cos(lat)
    else:
        lon, lat = _to_lonlat(crs).transform(x, y)
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        factors = Proj(crs).get_factors(lon, lat)
        coarse = pixel * unit ** 2 / np.asarray(factors.areal_scale)
    ri = np.minimum((np.arange(h)) // _SAMPLE, coarse.shape[0] - 1)
    ci = np.minimum(np.arange(w) // _SAMPLE, coarse.shape[1] - 1)
    return coarse[ri][:, ci]


def mask_area_m2(mask, transform: Affine | None = None, crs=None) -> float:
    """Area in m² of the True pixels of ``mask`` ((H, W) bool with its transform/crs, or a MaskRaster)."""
    return float(sum(_blocks_sum(mask, transform, crs)))


BLOCK_PX = 1 << 20  # pixels per strip: the per-pixel area arrays stay a few MB whatever the raster width


def _blocks_sum(mask, transform, crs):
    from .tiling import MaskRaster

    if isinstance(mask, MaskRaster):
        transform, crs = mask.transform, mask.crs
        blocks = mask.blocks(max(1, BLOCK_PX // max(mask.width, 1)))
    else:
        mask = np.asarray(mask, dtype=bool)
        rows = max(1, BLOCK_PX // max(mask.shape[1], 1))
        blocks = ((r, mask[r:r + rows]) for r in range(0, mask.shape[0], rows))
    for r, block in blocks:
        if block.any():
            yield float((cell_areas(transform, crs, block.shape, r) * block).sum())


def share(mask, aoi_valid: np.ndarray, transform: Affine, crs) -> float:
    """Area of ``mask & aoi_valid`` / area of ``aoi_valid`` (the AOI without nodata), in 0..1."""
    mask = np.asarray(mask, bool)
    aoi_valid = np.asarray(aoi_valid, bool)
    total = mask_area_m2(aoi_valid, transform, crs)
    return mask_area_m2(mask & aoi_valid, transform, crs) / total if total > 0 else 0.0


def measure(gdf):
    """Geodesic ``area_m2`` and ``perimeter_m`` of each geometry of ``gdf`` (any CRS) -> pandas DataFrame with
    those two columns, indexed like ``gdf``. Polygon holes are subtracted from the area and counted in the
    perimeter."""
    import pandas as pd

    if gdf.crs is None:
        raise ValueError("measure needs a GeoDataFrame with a CRS")
    geoms = _lonlat(gdf.geometry.values, gdf.crs)
    vals = [GEOD.geometry_area_perimeter(g) if g is not None and not g.is_empty else (0.0, 0.0)
            for g in geoms]
    arr = np.abs(np.array(vals, dtype=float).reshape(-1, 2))
    return pd.DataFrame({"area_m2": arr[:, 0], "perimeter_m": arr[:, 1]}, index=gdf.index)


def _lonlat(geoms, crs) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object)
    if _crs(crs).equals(_crs("EPSG:4326")):
        return geoms
    tr = _to_lonlat(crs)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def local_metric_crs(lon: float, lat: float) -> CRS:
    """The UTM zone (WGS 84) containing lon/lat (polar stereographic beyond ±84°)."""
    if lat > 84:
        return CRS.from_epsg(3413)
    if lat < -80:
        return CRS.from_epsg(3031)
    zone = int((lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def distances(gdf_a, gdf_b, touch_tolerance_m: float | None = None) -> dict:
    """Distances between two regions (all geometries of each GeoDataFrame merged; any CRS).

    Returns ``{"min_m", "centroid_m", "adjacent", "shared_boundary_m"}``: minimum distance and distance
    between centroids in metres (min in the UTM zone of the pair's centre, centroid geodesic), whether they
    touch (within ``touch_tolerance_m``, default 1 m), and the length in metres of boundary they share.
    Empty regions give ``None`` distances.
    """
    a = shapely.union_all(_lonlat(gdf_a.geometry.values, gdf_a.crs)) if len(gdf_a) else shapely.Polygon()
    b = shapely.union_all(_lonlat(gdf_b.geometry.values, gdf_b.crs)) if len(gdf_b) else shapely.Polygon()
    if a.is_empty or b.is_empty:
        return {"min_m": None, "centroid_m": None, "adjacent": False, "shared_boundary_m": 0.0}
    ca, cb = a.centroid, b.centroid
    _, _, centroid_m = GEOD.inv(ca.x, ca.y, cb.x, cb.y)
    centre = shapely.union_all([ca, cb]).centroid
    metric = local_metric_crs(centre.x, centre.y)
    tr = Transformer.from_crs(_crs("EPSG:4326"), metric, always_xy=True)
    fwd = lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))  # noqa: E731
    am, bm = shapely.transform(a, fwd), shapely.transform(b, fwd)
    tol = 1.0 if touch_tolerance_m is None else touch_tolerance_m
    min_m = float(am.distance(bm))
    # 1 cm: boundaries traced from one pixel grid coincide up to reprojection round-off
    shared = float(am.boundary.intersection(bm.boundary.buffer(0.01)).length) if min_m <= tol else 0.0
    return {"min_m": min_m, "centroid_m": float(centroid_m), "adjacent": min_m <= tol,
            "shared_boundary_m": shared}


def measurement_for(mask: np.ndarray, transform: Affine, crs, aoi_valid: np.ndarray,
                    earlier_masks: list | None = None) -> Measurement:
    """What the engine tells the model about a step's mask.

    ``mask``, ``aoi_valid``: (H, W) bool in the grid of ``transform``; the mask is clipped to ``aoi_valid``.
    ``earlier_masks``: masks of earlier steps in the same grid, either a list (step i+1 at position i) or
    ``(step_index, mask)`` pairs; empty ones are skipped. Returns area_m2, share and min distances in m.
    """
    from .vectorizing import vectorize

    mask = np.asarray(mask, bool) & np.asarray(aoi_valid, bool)
    area = mask_area_m2(mask, transform, crs)
    if area <= 0:
        return Measurement(0.0, 0.0)
    frac = share(mask, aoi_valid, transform, crs)
    pairs = []
    if earlier_masks:
        here = None
        for i, item in enumerate(earlier_masks):
            idx, other = item if isinstance(item, tuple) else (i + 1, item)
            other = np.asarray(other, bool)
            if not other.any():
                continue
            here = here if here is not None else vectorize(mask, transform, crs, 0, min_pixels=1)
            d = distances(here, vectorize(other, transform, crs, 0, min_pixels=1))
            if d["min_m"] is not None:
                pairs.append((int(idx), d["min_m"]))
    return Measurement(area, frac, tuple(pairs))
