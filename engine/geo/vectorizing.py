"""Mask -> polygons: ``rasterio.features.shapes``, then shapely 2 (make valid, simplify, drop slivers)."""
from __future__ import annotations

import numpy as np
import shapely
from affine import Affine


def vectorize(mask, transform: Affine | None = None, crs=None, simplify_tolerance: float | None = None,
              min_pixels: int = 4):
    """Polygons of the True pixels of ``mask``.

    ``mask``: (H, W) bool in the grid of ``transform`` (CRS ``crs``), or a :class:`~.tiling.MaskRaster`
    (read from disk without loading it whole). ``simplify_tolerance`` in CRS units (None: half a pixel; 0: no
    simplification). Parts smaller than ``min_pixels`` pixels are dropped. Returns a GeoDataFrame with one
    Polygon per connected region (8-connected), in ``crs``, largest first.
    """
    import geopandas as gpd
    from rasterio.features import shapes

    from .tiling import MaskRaster

    if isinstance(mask, MaskRaster):
        transform, crs = mask.transform, mask.crs
        geoms = [] if mask.is_empty else _shapes_from_raster(mask, transform)
    else:
        mask = np.asarray(mask, dtype=bool)
        if transform is None:
            raise ValueError("vectorize needs the mask's transform")
        geoms = [shapely.geometry.shape(g) for g, v in shapes(mask.view(np.uint8), mask=mask,
                                                              transform=transform, connectivity=8) if v]
    pixel_area = abs(transform.a * transform.e - transform.b * transform.d)
    pixel = float(np.sqrt(pixel_area))
    tol = pixel / 2 if simplify_tolerance is None else simplify_tolerance
    polys = _clean(np.array(geoms, dtype=object), tol, min_pixels * pixel_area)
    gdf = gpd.GeoDataFrame(geometry=gpd.GeoSeries(polys, crs=crs))
    if len(gdf):
        gdf = gdf.iloc[np.argsort(-shapely.area(polys), kind="stable")].reset_index(drop=True)
    return gdf


def _shapes_from_raster(mask, transform: Affine) -> list:
    import rasterio
    from rasterio.features import shapes

    if not mask.on_disk:
        arr = mask.array()
        return [shapely.geometry.shape(g) for g, v in shapes(arr.view(np.uint8), mask=arr,
                                                             transform=transform, connectivity=8) if v]
    from .sources import gdal_env

    with gdal_env(), rasterio.open(mask.path) as ds:
        band = rasterio.band(ds, 1)
        # GDAL polygonises straight from the file, a few lines at a time
        return [shapely.geometry.shape(g) for g, v in shapes(band, mask=band, transform=transform,
                                                             connectivity=8) if v]


def _clean(geoms: np.ndarray, tolerance: float, min_area: float) -> np.ndarray:
    if geoms.size == 0:
        return np.array([], dtype=object)
    geoms = shapely.make_valid(geoms)
    if tolerance > 0:
        geoms = shapely.make_valid(shapely.simplify(geoms, tolerance, preserve_topology=True))
    parts = shapely.get_parts(geoms)
    polys = parts[shapely.get_type_id(parts) == 3]  # Polygon; lines/points from make_valid are slivers
    multi = parts[shapely.get_type_id(parts) == 6]
    if multi.size:
        polys = np.concatenate([polys, shapely.get_parts(multi)])
    coll = parts[shapely.get_type_id(parts) == 7]
    if coll.size:
        sub = shapely.get_parts(shapely.get_parts(coll))
        polys = np.concatenate([polys, sub[shapely.get_type_id(sub) == 3]])
    return polys[shapely.area(polys) >= min_area] if polys.size else polys
