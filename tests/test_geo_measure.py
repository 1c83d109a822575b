"""Geodesic areas, perimeters, shares and distances against analytic values."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from affine import Affine

from terrascope_reasoning.engine.geo.measuring import (GEOD, cell_areas, distances, mask_area_m2, measure,
                                                     measurement_for, share)
from terrascope_reasoning.engine.geo.vectorizing import vectorize

A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)
B = A * math.sqrt(1 - E2)


def zone_area(lat_deg: float) -> float:
    """Analytic ellipsoid area between the equator and ``lat_deg`` over 360 degrees of longitude (m²)."""
    e = math.sqrt(E2)
    s = math.sin(math.radians(lat_deg))
    return math.pi * B ** 2 * (s / (1 - E2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e))


def lonlat_box_area(lon0, lat0, lon1, lat1) -> float:
    return (lon1 - lon0) / 360.0 * (zone_area(lat1) - zone_area(lat0))


def test_utm_square_area_and_perimeter():
    t = Affine(10, 0, 500000, 0, -10, 5000000)  # on the central meridian of zone 33
    m = np.zeros((200, 200), bool)
    m[50:150, 50:150] = True  # 1 km x 1 km
    # on the central meridian the UTM scale is 0.9996: true area = 1e6 / 0.9996²
    analytic = 1e6 / 0.9996 ** 2
    assert mask_area_m2(m, t, "EPSG:32633") == pytest.approx(analytic, rel=1e-4)
    gdf = vectorize(m, t, "EPSG:32633")
    assert len(gdf) == 1
    meas = measure(gdf)
    assert meas.area_m2[0] == pytest.approx(analytic, rel=5e-3)
    assert meas.perimeter_m[0] == pytest.approx(4000 / 0.9996, rel=5e-3)


def test_utm_far_from_central_meridian_uses_scale_factor():
    # 235.5 km east of the central meridian: k ≈ 0.9996 (1 + x² / 2R²) with R the local mean radius
    t = Affine(10, 0, 735000, 0, -10, 5000000)
    m = np.ones((100, 100), bool)
    true = mask_area_m2(m, t, "EPSG:32633")
    poly = measure(vectorize(m, t, "EPSG:32633")).area_m2[0]
    assert true == pytest.approx(poly, rel=1e-4)
    phi = math.radians(45.1)
    w = 1 - E2 * math.sin(phi) ** 2
    r2 = (A * (1 - E2) / w ** 1.5) * (A / math.sqrt(w))
    k = 0.9996 * (1 + 235500.0 ** 2 / (2 * r2))
    assert true == pytest.approx(1e6 / k ** 2, rel=2e-4)  # the projection inflates areas here


def test_geographic_box_area_and_perimeter():
    lon0, lat0, d = 10.0, 45.0, 0.001
    t = Affine(d, 0, lon0, 0, -d, lat0 + 0.2)
    m = np.zeros((200, 200), bool)
    m[0:100, 0:100] = True  # lon 10..10.1, lat 45.1..45.2
    analytic = lonlat_box_area(10.0, 45.1, 10.1, 45.2)
    assert mask_area_m2(m, t, "EPSG:4326") == pytest.approx(analytic, rel=1e-5)
    meas = measure(vectorize(m, t, "EPSG:4326"))
    assert meas.area_m2[0] == pytest.approx(analytic, rel=5e-3)
    # perimeter: meridian arcs M(φ)·Δφ and parallels N(φ)·cos φ·Δλ
    phi = math.radians(45.15)
    w = 1 - E2 * math.sin(phi) ** 2
    m_rad, n_rad = A * (1 - E2) / w ** 1.5, A / math.sqrt(w)
    dphi = dl = math.radians(0.1)
    per = 2 * m_rad * dphi + n_rad * dl * (math.cos(math.radians(45.1)) + math.cos(math.radians(45.2)))
    assert meas.perimeter_m[0] == pytest.approx(per, rel=5e-3)


def test_cell_areas_per_row_geographic_shrink_towards_pole():
    t = Affine(0.01, 0, 0, 0, -0.01, 60)
    rows = cell_areas(t, "EPSG:4326", (10, 4))
    assert rows.shape == (10, 1)
    assert (np.diff(rows[:, 0]) > 0).all()  # moving south, cells grow
    assert rows[0, 0] == pytest.approx(lonlat_box_area(0, 59.99, 0.01, 60), rel=1e-6)


def test_share_excludes_nodata_and_outside_aoi():
    t = Affine(10, 0, 500000, 0, -10, 5000000)
    aoi = np.zeros((100, 100), bool)
    aoi[:, :50] = True
    mask = np.zeros((100, 100), bool)
    mask[:25, :] = True  # half of it outside the AOI
    assert share(mask, aoi, t, "EPSG:32633") == pytest.approx(0.25, rel=1e-3)
    aoi[50:] = False  # nodata rows
    assert share(mask, aoi, t, "EPSG:32633") == pytest.approx(0.5, rel=1e-3)


def _gdf(geom, crs="EPSG:32633"):
    import geopandas as gpd

    return gpd.GeoDataFrame(geometry=[geom], crs=crs)


def test_distances_between_known_shapes():
    a = shapely.box(500000, 5000000, 501000, 5001000)
    b = shapely.box(501100, 5000000, 501600, 5001000)  # 100 m east of a
    d = distances(_gdf(a), _gdf(b))
    assert d["min_m"] == pytest.approx(100 / 0.9996, rel=5e-3)
    assert d["centroid_m"] == pytest.approx(850 / 0.9996, rel=5e-3)
    assert d["adjacent"] is False and d["shared_boundary_m"] == 0.0
    c = shapely.box(501000, 5000500, 501500, 5001500)  # touches a along 500 m of its east side
    d = distances(_gdf(a), _gdf(c))
    assert d["min_m"] == pytest.approx(0, abs=1e-3) and d["adjacent"] is True
    assert d["shared_boundary_m"] == pytest.approx(500 / 0.9996, rel=5e-3)
    # the same pair given in another CRS
    d2 = distances(_gdf(a), _gdf(b).to_crs("EPSG:4326"))
    assert d2["min_m"] == pytest.approx(100 / 0.9996, rel=5e-3)
    assert distances(_gdf(a), _gdf(shapely.Polygon()))["min_m"] is None


def test_measurement_for_feeds_the_trace_text():
    from terrascope_reasoning.engine.trace_format import format_measurement

    t = Affine(10, 0, 500000, 0, -10, 5000000)
    aoi = np.ones((100, 100), bool)
    first = np.zeros((100, 100), bool)
    first[:, :20] = True
    second = np.zeros((100, 100), bool)
    second[:, 30:40] = True  # 100 m east of the first
    m1 = measurement_for(first, t, "EPSG:32633", aoi)
    assert m1.area_m2 == pytest.approx(mask_area_m2(first, t, "EPSG:32633"))
    assert m1.share == pytest.approx(0.2, rel=1e-3) and m1.distances_m == ()
    m2 = measurement_for(second, t, "EPSG:32633", aoi, [first])
    assert m2.distances_m[0][0] == 1 and m2.distances_m[0][1] == pytest.approx(100 / 0.9996, rel=5e-3)
    assert format_measurement(m2) == "[area 10.0 ha; share 10.0 %; 100 m from step 1]"
    assert measurement_for(np.zeros((100, 100), bool), t, "EPSG:32633", aoi).empty


def test_geod_is_wgs84():
    assert GEOD.a == pytest.approx(A) and GEOD.f == pytest.approx(F)


def test_engine_measurements_reproduce_training_traces(tmp_path):
    """The text the model learned from (synthetic traces) equals what the engine measures at inference."""
    import json

    writer = pytest.importorskip("terrascope_reasoning.engine.data.writer")
    from terrascope_reasoning.engine.data.rle import rle_decode
    from terrascope_reasoning.engine.geo.stack import open_stack
    from terrascope_reasoning.engine.trace_format import format_measurement

    (folder,) = writer.write_scenes(tmp_path, seed=3, size=96, count=1)
    stack = open_stack(optical=folder / "optical.tif", sar=folder / "sar.tif")
    usable = stack.read().usable
    checked = 0
    for line in (folder / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        earlier = []
        for k, s in enumerate(q["steps"]):
            mask = rle_decode(s["mask"])
            text = format_measurement(measurement_for(mask, stack.transform, stack.crs, usable, earlier))
            earlier.append(mask)
            step_line = q["trace"].splitlines()[k]
            assert step_line.endswith(text), (q["task"], step_line, text)
            checked += 1
    assert checked >= 5


def test_package_exports_stay_functions_after_submodule_imports():
    import terrascope_reasoning.engine.geo as geo
    import terrascope_reasoning.engine.geo.measuring  # noqa: F401
    import terrascope_reasoning.engine.geo.vectorizing  # noqa: F401

    assert callable(geo.vectorize) and callable(geo.measure)
    from terrascope_reasoning.engine.geo import measure, vectorize

    assert vectorize.__name__ == "vectorize" and measure.__name__ == "measure"
