"""Writing results: one GeoPackage (layers ``step_01``…, tables ``trace``, ``distances``, ``meta``), or
Shapefile / GeoJSON exports. Every write goes to a temporary file in the target folder and is moved into
place with ``os.replace``, so a failed or cancelled write leaves nothing partial behind."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager

import numpy as np

from ..errors import InputError

STEP_FIELDS = ["step", "label", "date", "area_m2", "perimeter_m", "share", "confidence"]
_DTYPES = {"step": "int32", "label": "object", "date": "object", "area_m2": "float64",
           "perimeter_m": "float64", "share": "float64", "confidence": "float64"}
# GeoPackage 1.2: QGIS 3.22 reads it without the "may only be partially supported" warning of 1.4
GPKG_OPTIONS = {"VERSION": "1.2"}


def layer_name(step_index: int) -> str:
    """``step_01`` for step 1."""
    return f"step_{step_index:02d}"


def step_features(polygons, step: int, label: str, date: str, step_area_m2: float, step_share: float,
                  confidence: float):
    """The features of one step's layer: ``polygons`` (GeoDataFrame, any CRS) with the fields of
    :data:`STEP_FIELDS`; ``area_m2``/``perimeter_m`` are geodesic per polygon, ``share`` is the polygon's part
    of the step's share of the area of interest."""
    import geopandas as gpd

    from .measuring import measure

    gdf = gpd.GeoDataFrame(geometry=polygons.geometry.reset_index(drop=True), crs=polygons.crs)
    m = measure(gdf) if len(gdf) else None
    gdf["step"] = np.full(len(gdf), step, dtype="int32")
    gdf["label"] = label
    gdf["date"] = date
    gdf["area_m2"] = m["area_m2"].to_numpy() if m is not None else np.zeros(0)
    gdf["perimeter_m"] = m["perimeter_m"].to_numpy() if m is not None else np.zeros(0)
    total = float(gdf["area_m2"].sum())
    gdf["share"] = gdf["area_m2"] / total * step_share if total > 0 else 0.0
    gdf["confidence"] = float(confidence)
    gdf = gdf[STEP_FIELDS + ["geometry"]]
    return gdf.astype(_DTYPES)


def check_output(path, overwrite: bool = False) -> str:
    """Raise :class:`InputError` when ``path`` cannot be written: it exists without ``overwrite``, its folder
    is missing or not writable. Returns the absolute path."""
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    if os.path.isdir(path):
        raise InputError(f"output {path} is a folder; give a file name such as "
                         f"{os.path.join(path, 'answer.gpkg')}")
    if os.path.exists(path) and not overwrite:
        raise InputError(f"output {path} already exists; use --overwrite (overwrite=True) to replace it")
    if not os.path.isdir(folder):
        raise InputError(f"output folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK) or not _can_create(folder):
        raise InputError(f"output folder {folder} is not writable; choose another --out location")
    return path


def _can_create(folder: str) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@contextmanager
def atomic_path(path: str, overwrite: bool = False):
    """Yields a temporary path beside ``path`` (same suffix), moved onto ``path`` if the block succeeds."""
    path = check_output(path, overwrite)
    folder, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    tmp = os.path.join(folder, f".{stem}.{uuid.uuid4().hex[:8]}.tmp{ext}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        for p in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            if os.path.exists(p):
                os.remove(p)


def write_geopackage(path, layers: dict, tables: dict | None = None, overwrite: bool = False) -> str:
    """Write ``layers`` (name -> GeoDataFrame of polygons; empty ones get an empty Polygon layer) and
    ``tables`` (name -> pandas DataFrame, non-spatial) into one GeoPackage 1.2 at ``path``, atomically."""
    import pyogrio

    with atomic_path(path, overwrite) as tmp:
        for name, gdf in layers.items():
            pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", geometry_type="Polygon",
                                    promote_to_multi=False, dataset_options=GPKG_OPTIONS)
        for name, df in (tables or {}).items():
            pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG", dataset_options=GPKG_OPTIONS)
    return os.path.abspath(os.fspath(path))


def write_geojson(path, layers: dict, overwrite: bool = False) -> str:
    """All layers' features in one GeoJSON FeatureCollection (WGS 84, RFC 7946), atomically."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    frames = [g.to_crs("EPSG:4326") for g in layers.values() if len(g)]
    first = next(iter(layers.values()), None)
    if frames:
        gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    else:
        empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
        gdf = (first if first is not None else empty).to_crs("EPSG:4326")
    with atomic_path(path, overwrite) as tmp:
        pyogrio.write_dataframe(gdf, tmp, driver="GeoJSON", geometry_type="Polygon",
                                layer_options={"RFC7946": "YES"})
    return os.path.abspath(os.fspath(path))


def write_shapefiles(path, layers: dict, overwrite: bool = False) -> list[str]:
    """One Shapefile per layer: ``path`` ``out.shp`` gives ``out_step_01.shp``, … (``perimeter_m`` becomes
    ``perim_m``: Shapefile field names have at most 10 characters). Each file set is written to a temporary
    folder, then moved in place."""
    import pyogrio

    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    targets = {name: os.path.join(folder, f"{stem}_{name}.shp") for name in layers}
    for t in targets.values():
        check_output(t, overwrite)
    tmpdir = tempfile.mkdtemp(prefix=f".{stem}.", dir=folder)
    written = []
    try:
        for name, gdf in layers.items():
            out = os.path.join(tmpdir, os.path.basename(targets[name]))
            shp = gdf.rename(columns={"perimeter_m": "perim_m"})
            pyogrio.write_dataframe(shp, out, driver="ESRI Shapefile", geometry_type="Polygon",
                                    encoding="UTF-8")
        for name in layers:
            base = os.path.splitext(os.path.basename(targets[name]))[0]
            for f in sorted(os.listdir(tmpdir)):
                if os.path.splitext(f)[0] == base:
                    os.replace(os.path.join(tmpdir, f), os.path.join(folder, f))
            written.append(targets[name])
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return written


def export(path, layers: dict, tables: dict | None = None, overwrite: bool = False):
    """Write by file extension: ``.gpkg`` (layers + tables), ``.geojson``/``.json``, ``.shp``."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext == ".gpkg":
        return write_geopackage(path, layers, tables, overwrite)
    if ext in (".geojson", ".json"):
        return write_geojson(path, layers, overwrite)
    if ext == ".shp":
        return write_shapefiles(path, layers, overwrite)
    raise InputError(f"unknown output format {ext or '(none)'}: use .gpkg, .geojson or .shp")
