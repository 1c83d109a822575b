"""Area of interest: parse it (WKT, ``EPSG:xxxx;WKT``, a vector file), reproject it, rasterise it."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from ..errors import InputError

DEFAULT_AOI_CRS = "EPSG:4326"


@dataclass(frozen=True)
class AreaOfInterest:
    """A polygonal area of interest: ``geometry`` in coordinates of ``crs``."""

    geometry: BaseGeometry
    crs: CRS

    def to_crs(self, crs) -> "AreaOfInterest":
        """The same area in ``crs``; edges are densified first so long edges follow the projection."""
        crs = CRS.from_user_input(crs)
        if crs == self.crs:
            return self
        minx, miny, maxx, maxy = self.geometry.bounds
        step = max(maxx - minx, maxy - miny) / 64.0
        geom = shapely.segmentize(self.geometry, step) if step > 0 else self.geometry
        tr = Transformer.from_crs(self.crs, crs, always_xy=True)
        moved = shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
        return AreaOfInterest(shapely.make_valid(moved), crs)


def parse_aoi(aoi) -> AreaOfInterest | None:
    """``aoi``: None, an :class:`AreaOfInterest`, a WKT string (EPSG:4326), ``"EPSG:xxxx;WKT"``, or a path to
    a vector file (any CRS; all its polygons are merged). Raises :class:`InputError` when unusable."""
    if aoi is None:
        return None
    if isinstance(aoi, AreaOfInterest):
        return _checked(aoi)
    if isinstance(aoi, os.PathLike) or (isinstance(aoi, str) and _looks_like_path(aoi)):
        return _checked(_read_vector(os.fspath(aoi)))
    if not isinstance(aoi, str):
        raise InputError(f"area of interest must be WKT or a vector file path, not {type(aoi).__name__}")
    text = aoi.strip()
    crs_text = DEFAULT_AOI_CRS
    if ";" in text and text.upper().startswith(("EPSG:", "SRID=")):
        crs_text, text = text.split(";", 1)
        crs_text = crs_text.replace("SRID=", "EPSG:")
    try:
        crs = CRS.from_user_input(crs_text.strip())
    except Exception:
        raise InputError(f"area of interest: unknown CRS {crs_text.strip()!r}; "
                         "use e.g. 'EPSG:32633;POLYGON(...)'")
    try:
        geom = shapely.from_wkt(text)
    except Exception:
        raise InputError("area of interest is neither a vector file nor valid WKT (e.g. 'POLYGON((...))')")
    return _checked(AreaOfInterest(geom, crs))


def _looks_like_path(text: str) -> bool:
    head = text.strip().split("(", 1)[0].strip().upper()
    wkt_heads = ("POLYGON", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "POINT", "LINESTRING", "MULTIPOINT",
                 "MULTILINESTRING", "EPSG:", "SRID=")
    if head.startswith(wkt_heads) or "(" in text:
        return False
    return True


def _read_vector(path: str) -> AreaOfInterest:
    if not os.path.exists(path):
        raise InputError(f"area of interest file not found: {path}")
    import pyogrio

    try:
        df = pyogrio.read_dataframe(path)
    except Exception as err:
        raise InputError(f"cannot read area of interest {path}: {str(err).splitlines()[0]}")
    if df.crs is None:
        raise InputError(f"area of interest {path} has no CRS; save it with one (e.g. as GeoPackage)")
    geoms = [g for g in df.geometry.values if g is not None and not g.is_empty]
    if not geoms:
        return AreaOfInterest(shapely.Polygon(), CRS.from_user_input(df.crs))
    geom = shapely.union_all(shapely.make_valid(np.array(geoms, dtype=object)))
    return AreaOfInterest(geom, CRS.from_user_input(df.crs))


def _checked(aoi: AreaOfInterest) -> AreaOfInterest:
    geom = shapely.make_valid(aoi.geometry)
    polys = shapely.get_parts(geom)
    polys = [p for p in polys if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
    if not polys or shapely.union_all(polys).area <= 0:
        raise InputError("area of interest is empty: draw or give a polygon with a non-zero area")
    return AreaOfInterest(shapely.union_all(polys), aoi.crs)


def aoi_mask(aoi: AreaOfInterest | None, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """(h, w) bool: pixels of the grid ``transform``/``shape`` whose centre lies inside ``aoi`` (which must
    be in the grid's CRS); all True when ``aoi`` is None."""
    h, w = shape
    if aoi is None:
        return np.ones((h, w), dtype=bool)
    from rasterio.features import geometry_mask

    if not shapely.intersects(aoi.geometry, shapely.box(*_grid_bounds(transform, shape))):
        return np.zeros((h, w), dtype=bool)
    return geometry_mask([aoi.geometry], out_shape=(h, w), transform=transform, invert=True)


def _grid_bounds(transform: Affine, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    h, w = shape
    xs, ys = zip(*(transform @ (c, r) for c, r in ((0, 0), (w, 0), (0, h), (w, h))))
    return min(xs), min(ys), max(xs), max(ys)
