"""GeoPackage / GeoJSON / Shapefile writing, read back with pyogrio and QGIS; vectorising; the preview."""
from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from terrascope_reasoning.engine.errors import InputError
from terrascope_reasoning.engine.geo.preview import COLOURS, render_preview
from terrascope_reasoning.engine.geo.vectorizing import vectorize
from terrascope_reasoning.engine.geo.writer import (STEP_FIELDS, export, layer_name, step_features,
                                                    write_geopackage)

T = Affine(10, 0, 500000, 0, -10, 5000000)
CRS = "EPSG:32633"


def _layers():
    m = np.zeros((80, 80), bool)
    m[5:25, 5:25] = True
    m[40:70, 30:60] = True
    m[78, 78] = True  # a one-pixel sliver, dropped
    polys = vectorize(m, T, CRS)
    one = step_features(polys, 1, "water", "t1", 1.3e5, 0.2, 0.9)
    empty = step_features(vectorize(np.zeros((8, 8), bool), T, CRS), 2, "cropland", "t1", 0.0, 0.0, 0.1)
    trace = pd.DataFrame({"step": [0, 1, 2, 3], "kind": ["question", "step", "step", "answer"],
                          "text": ["How much water?", "Step 1: water. <t1> [SEG]", "Step 2: cropland. <t1> [SEG]",
                                   "Answer: B"],
                          "label": ["", "water", "cropland", ""], "area_m2": [0.0, 1.3e5, 0.0, 0.0]})
    return {layer_name(1): one, layer_name(2): empty}, {"trace": trace}


def test_vectorize_drops_slivers_and_keeps_crs():
    m = np.zeros((50, 50), bool)
    m[10:20, 10:30] = True
    m[40, 40] = True
    gdf = vectorize(m, T, CRS)
    assert len(gdf) == 1 and gdf.crs.to_epsg() == 32633
    assert gdf.geometry[0].area == pytest.approx(200 * 100)
    assert len(vectorize(m, T, CRS, min_pixels=1)) == 2
    assert gdf.geometry[0].is_valid


def test_geopackage_layers_fields_and_version(tmp_path):
    import pyogrio

    layers, tables = _layers()
    out = write_geopackage(tmp_path / "answer.gpkg", layers, tables)
    names = {n: t for n, t in pyogrio.list_layers(out)}
    assert names["step_01"] == "Polygon" and names["step_02"] == "Polygon" and names["trace"] is None
    df = pyogrio.read_dataframe(out, layer="step_01")
    assert list(df.columns) == STEP_FIELDS + ["geometry"]
    assert len(df) == 2 and df.crs.to_epsg() == 32633
    assert df.area_m2.sum() == pytest.approx(df.to_crs(CRS).area.sum() / 0.9996 ** 2, rel=1e-3)
    assert df.share.sum() == pytest.approx(0.2) and (df.step == 1).all() and (df.label == "water").all()
    assert len(pyogrio.read_dataframe(out, layer="step_02")) == 0
    assert list(pyogrio.read_dataframe(out, layer="trace").kind) == ["question", "step", "step", "answer"]
    with sqlite3.connect(out) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.gpkg"]  # no temporary leftovers


@pytest.mark.qgis
def test_geopackage_opens_in_qgis_without_warnings(tmp_path, qgis_app, capfd):
    from qgis.core import QgsApplication, QgsVectorLayer

    layers, tables = _layers()
    out = write_geopackage(tmp_path / "answer.gpkg", layers, tables)
    capfd.readouterr()
    messages = []
    log = QgsApplication.messageLog()
    log.messageReceived.connect(lambda msg, tag, level: messages.append((tag, msg)))
    for name, n in (("step_01", 2), ("step_02", 0), ("trace", 4)):
        layer = QgsVectorLayer(f"{out}|layername={name}", name, "ogr")
        assert layer.isValid(), name
        assert layer.featureCount() == n
        if name.startswith("step"):
            assert [f.name() for f in layer.fields()][1:] == STEP_FIELDS  # after the fid
            assert layer.crs().authid() == CRS
        del layer
    QgsApplication.processEvents()
    assert not [m for m in messages if "partially supported" in m[1] or "warning" in m[1].lower()]
    err = capfd.readouterr().err  # GDAL reports through its own handler on stderr
    assert "Warning" not in err and "partially supported" not in err


def test_existing_output_and_unwritable_folder(tmp_path):
    layers, tables = _layers()
    out = tmp_path / "a.gpkg"
    write_geopackage(out, layers, tables)
    with pytest.raises(InputError, match="--overwrite"):
        write_geopackage(out, layers, tables)
    write_geopackage(out, {"step_01": layers["step_01"]}, overwrite=True)
    import pyogrio

    assert [n for n, _ in pyogrio.list_layers(out)] == ["step_01"]
    with pytest.raises(InputError, match="does not exist"):
        write_geopackage(tmp_path / "missing" / "a.gpkg", layers)


def test_failed_write_leaves_nothing(tmp_path):
    layers, _ = _layers()
    bad = {"trace": object()}  # not a DataFrame: the write fails halfway
    with pytest.raises(Exception):
        write_geopackage(tmp_path / "b.gpkg", layers, bad)
    assert list(tmp_path.iterdir()) == []


def test_geojson_and_shapefile_export(tmp_path):
    import pyogrio

    layers, _ = _layers()
    gj = export(tmp_path / "a.geojson", layers)
    df = pyogrio.read_dataframe(gj)
    assert len(df) == 2 and df.crs.to_epsg() == 4326 and "area_m2" in df.columns
    shp = export(tmp_path / "a.shp", layers)
    assert [p.split("/")[-1] for p in shp] == ["a_step_01.shp", "a_step_02.shp"]
    s1 = pyogrio.read_dataframe(shp[0])
    assert len(s1) == 2 and "perim_m" in s1.columns and s1.crs.to_epsg() == 32633
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(InputError, match="format"):
        export(tmp_path / "a.kml", layers)


def test_preview_draws_masks_numbers_and_caption(tmp_path):
    from PIL import Image

    rgb = np.full((3, 100, 150), 0.2, np.float32)
    m1 = np.zeros((100, 150), bool)
    m1[10:50, 10:60] = True
    m2 = np.zeros((100, 150), bool)
    m2[60:90, 90:140] = True
    out = render_preview(rgb, [m1, m2, None], ["water", "cropland", "nothing"], "B) 10-25 %", tmp_path / "p.png")
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    scale = img.shape[1] / 150
    assert img.shape[0] > 100 * scale  # caption below the image
    inside = img[int(20 * scale), int(20 * scale)]
    expected = (1 - 0.45) * 0.2 * 255 + 0.45 * np.array(COLOURS[0])
    assert np.abs(inside - expected).max() <= 2
    edge = img[int(10 * scale) + 1, int(30 * scale)]
    assert tuple(edge) == COLOURS[0]
    assert tuple(img[int(95 * scale), int(5 * scale)]) == (51, 51, 51)  # untouched image
