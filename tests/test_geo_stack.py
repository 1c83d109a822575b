"""Reading and co-registration: band defaults, value conventions, other CRS/resolution, AOI clipping, nodata."""
from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from pyproj import Transformer

from terrascope_reasoning.engine.errors import InputError
from terrascope_reasoning.engine.geo.raster_io import write_raster
from terrascope_reasoning.engine.geo.sources import OPTICAL, SAR, default_bands, default_nir_band, open_source
from terrascope_reasoning.engine.geo.stack import open_stack

UTM = "EPSG:32633"
OPT_T = Affine(10, 0, 500000, 0, -10, 5000000)  # 10 m pixels, UTM 33N, ~45.1 N 15 E
LANDMARK = (37, 55)  # (row, col) of the bright optical pixel


def landmark_xy() -> tuple[float, float]:
    r, c = LANDMARK
    return OPT_T @ (c + 0.5, r + 0.5)


def make_optical(path, h=120, w=160, dtype="uint16", nodata=0, bands=3, seed=0):
    """A UTM optical raster with a bright landmark pixel; returns its path."""
    rng = np.random.default_rng(seed)
    data = (rng.uniform(500, 1500, (bands, h, w))).astype(dtype)
    data[:, LANDMARK[0], LANDMARK[1]] = 2900
    return write_raster(path, data, OPT_T, UTM, nodata=nodata)


def make_sar(path, res_deg=0.00025, size=120, linear=False):
    """A EPSG:4326 SAR raster whose pixel centre sits exactly on the optical landmark; returns (path, transform)."""
    lon, lat = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(*landmark_xy())
    lr, lc = 50, 60  # landmark pixel in the SAR grid
    t = Affine(res_deg, 0, lon - (lc + 0.5) * res_deg, 0, -res_deg, lat + (lr + 0.5) * res_deg)
    data = np.full((2, size, size), -20.0, np.float32)
    data[:, lr, lc] = 0.0
    if linear:
        data = (10 ** (data / 10)).astype(np.float32)
    return write_raster(path, data, t, "EPSG:4326"), t


def test_sar_in_other_crs_and_resolution_lands_on_optical_landmark(tmp_path):
    opt = make_optical(tmp_path / "opt.tif")
    sar, _ = make_sar(tmp_path / "sar.tif")
    stack = open_stack(optical=opt, sar=sar)
    assert (stack.width, stack.height) == (160, 120) and stack.crs.to_epsg() == 32633
    a = stack.read()
    assert a.optical.shape == (1, 3, 120, 160) and a.sar.shape == (1, 2, 120, 160)
    opt_peak = np.unravel_index(np.argmax(a.optical[0, 0]), (120, 160))
    assert opt_peak == LANDMARK
    sar_peak = np.unravel_index(np.argmax(a.sar[0, 0]), (120, 160))
    assert abs(sar_peak[0] - LANDMARK[0]) <= 1 and abs(sar_peak[1] - LANDMARK[1]) <= 1
    # dB normalisation: -20 dB background -> (−20 + 30) / 35
    assert np.median(a.sar[0, 0][a.valid[0]]) == pytest.approx(10 / 35, abs=1e-3)


def test_linear_sar_is_detected_and_converted(tmp_path):
    opt = make_optical(tmp_path / "opt.tif")
    sar, _ = make_sar(tmp_path / "sar.tif", linear=True)
    assert open_source(sar).linear
    a = open_stack(optical=opt, sar=sar).read()
    assert np.median(a.sar[0, 1][a.valid[0]]) == pytest.approx(10 / 35, abs=2e-3)


def test_aoi_clips_grid_and_keeps_georeferencing(tmp_path):
    opt = make_optical(tmp_path / "opt.tif")
    x, y = landmark_xy()
    to_ll = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    corners = [to_ll.transform(x + dx, y + dy) for dx, dy in ((-200, -150), (300, -150), (300, 250), (-200, 250))]
    wkt = "POLYGON((" + ", ".join(f"{lo} {la}" for lo, la in corners + corners[:1]) + "))"
    stack = open_stack(optical=opt, aoi=wkt)  # WKT in EPSG:4326 by default
    assert 40 <= stack.width <= 60 and 35 <= stack.height <= 50
    col, row = ~stack.transform @ (x, y)
    a = stack.read()
    peak = np.unravel_index(np.argmax(a.optical[0, 0]), a.aoi.shape)
    assert peak == (int(row), int(col))
    assert a.aoi[peak] and 0.5 < a.aoi.mean() <= 1.0
    # the same area given in the raster's CRS and as a vector file gives the same grid
    utm_wkt = f"EPSG:32633;POLYGON(({x-200} {y-150}, {x+300} {y-150}, {x+300} {y+250}, {x-200} {y+250}, {x-200} {y-150}))"
    assert abs(open_stack(optical=opt, aoi=utm_wkt).width - stack.width) <= 2
    import geopandas as gpd
    import shapely

    gpkg = tmp_path / "aoi.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.from_wkt(utm_wkt.split(";")[1])], crs=UTM).to_file(gpkg)
    assert abs(open_stack(optical=opt, aoi=str(gpkg)).height - stack.height) <= 2


def test_nodata_stays_invalid_and_overview_is_square_padded(tmp_path):
    data = np.full((3, 100, 200), 800, np.uint16)
    data[:, :, :50] = 0  # nodata strip
    opt = write_raster(tmp_path / "opt.tif", data, OPT_T, UTM, nodata=0)
    stack = open_stack(optical=opt)
    a = stack.read()
    assert not a.valid[0, :, :50].any() and a.valid[0, :, 50:].all()
    assert (a.optical[0][:, ~a.valid[0]] == 0).all()
    ov, t = stack.overview(64)
    assert ov.optical.shape == (1, 3, 64, 64) and ov.valid.shape == (1, 64, 64)
    assert not ov.valid[0, 32:].any()  # padding rows are invalid
    assert t.a == pytest.approx(200 / 64 * 10, rel=0.02)
    assert ov.valid[0, :32, 20:].all() and not ov.valid[0, :32, :10].any()


def test_band_defaults():
    assert default_bands(OPTICAL, 4) == [1, 2, 3]
    assert default_bands(OPTICAL, 13) == [4, 3, 2]
    assert default_bands(OPTICAL, 12) == [4, 3, 2]
    names = ("B02", "B03", "B04", "B08", "B11")
    assert default_bands(OPTICAL, 5, names) == [3, 2, 1]
    assert default_bands(OPTICAL, 4, ("B2 blue", "B3 green", "B4  red", "B8 nir")) == [3, 2, 1]
    assert default_bands(SAR, 2, ("VH", "VV")) == [2, 1]
    assert default_bands(SAR, 1) == [1]


def test_sentinel2_file_reads_b4_b3_b2(tmp_path):
    data = np.zeros((13, 64, 64), np.uint16)
    for b in range(13):
        data[b] = 100 * (b + 1)  # band k holds k * 100 (reflectance k / 100)
    path = write_raster(tmp_path / "s2.tif", data, OPT_T, UTM)
    a = open_stack(optical=path).read()
    expected = np.array([400, 300, 200]) * 1e-4 / 0.3
    assert np.allclose(a.optical[0, :, 5, 5], expected, atol=1e-4)


def test_near_infrared_is_found_by_description_or_sentinel2_layout_and_never_taken_from_the_model_bands():
    assert default_nir_band(13) == 8 and default_nir_band(12) == 8
    assert default_nir_band(4, ("B4 red", "B3 green", "B2 blue", "B8 nir")) == 4
    assert default_nir_band(13, tuple(f"B{i}" for i in (1, 2, 3, 4, 5, 6, 7, "8A", 8, 9, 10, 11, 12))) == 9
    assert default_nir_band(4, ("Red", "Green", "Blue", "NIR")) == 4
    assert default_nir_band(3) == 0 and default_nir_band(4) == 0  # R, G, B (+ alpha?) files tell nothing
    assert default_nir_band(13, (), (8, 4, 3)) == 0


def test_sentinel2_near_infrared_travels_as_a_guide_band_beside_the_model_bands(tmp_path):
    data = np.zeros((13, 64, 64), np.uint16)
    for b in range(13):
        data[b] = 100 * (b + 1)
    data[7, :, :8] = 0  # B8 missing on a strip: a NIR gap alone is no nodata of the model bands
    path = write_raster(tmp_path / "s2.tif", data, OPT_T, UTM, nodata=0)
    stack = open_stack(optical=path)
    a = stack.read()
    assert a.optical.shape == (1, 3, 64, 64) and a.nir.shape == (1, 1, 64, 64)
    assert np.allclose(a.nir[0, 0, 5, 20], 800 * 1e-4 / 0.3, atol=1e-4)
    assert a.valid[0, 5, 2]
    ov, _ = stack.overview(32)
    assert ov.nir.shape == (1, 1, 32, 32) and np.allclose(ov.nir[0, 0, 5, 20], 800 * 1e-4 / 0.3, atol=1e-3)
    small, native = stack.read_both_sizes(stack.full_window(), (16, 16))
    assert small.nir.shape == (1, 1, 16, 16) and native.nir.shape == (1, 1, 64, 64)
    rgb = make_optical(tmp_path / "rgb.tif")
    assert open_stack(optical=rgb).read().nir is None
    # a series where one date has no NIR reads none: guides must mean the same bands on every date
    assert open_stack(dates=[path, rgb]).read().nir is None


def test_explicit_bands_and_too_few_bands(tmp_path):
    opt = make_optical(tmp_path / "opt4.tif", bands=4)
    a = open_stack(optical=opt, optical_bands=[4, 3, 2]).read()
    assert a.optical.shape[1] == 3
    two = make_optical(tmp_path / "two.tif", bands=2)
    with pytest.raises(InputError, match="2 band"):
        open_stack(optical=two)
    with pytest.raises(InputError, match="band 5"):
        open_stack(optical=opt, optical_bands=[5, 3, 2])


def test_time_series_of_any_length(tmp_path):
    paths = [make_optical(tmp_path / f"d{i}.tif", seed=i) for i in range(3)]
    sar, _ = make_sar(tmp_path / "sar.tif")
    stack = open_stack(dates=paths + [sar])
    assert stack.n_dates == 4
    assert list(stack.has_optical) == [True, True, True, False] and list(stack.has_sar) == [False] * 3 + [True]
    a = stack.read()
    assert a.optical.shape == (4, 3, 120, 160) and a.sar.shape == (4, 2, 120, 160)
    assert not a.optical[3].any() and a.valid.all(axis=(1, 2)).sum() >= 3


@pytest.mark.parametrize("case", ["missing", "text", "nocrs", "disjoint_sar", "disjoint_aoi", "empty_aoi",
                                  "all_nodata"])
def test_bad_inputs_raise_one_line(tmp_path, case):
    opt = make_optical(tmp_path / "opt.tif")
    kw = {"optical": opt}
    if case == "missing":
        kw["optical"] = tmp_path / "nope.tif"
    elif case == "text":
        (tmp_path / "notes.tif").write_text("not a raster")
        kw["optical"] = tmp_path / "notes.tif"
    elif case == "nocrs":
        import rasterio

        with rasterio.open(tmp_path / "nocrs.tif", "w", driver="GTiff", width=8, height=8, count=3,
                           dtype="uint8", transform=OPT_T) as ds:
            ds.write(np.ones((3, 8, 8), np.uint8))
        kw["optical"] = tmp_path / "nocrs.tif"
    elif case == "disjoint_sar":
        kw["sar"] = write_raster(tmp_path / "far.tif", np.zeros((2, 8, 8), np.float32) - 10,
                                 Affine(0.001, 0, -60, 0, -0.001, -10), "EPSG:4326")
    elif case == "disjoint_aoi":
        kw["aoi"] = "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"
    elif case == "empty_aoi":
        kw["aoi"] = "POLYGON EMPTY"
    elif case == "all_nodata":
        kw["optical"] = write_raster(tmp_path / "zeros.tif", np.zeros((3, 32, 32), np.uint16), OPT_T, UTM,
                                     nodata=0)
    with pytest.raises(InputError) as err:
        open_stack(**kw)
    msg = str(err.value)
    assert msg and "\n" not in msg


def test_alpha_band_and_internal_mask_are_nodata(tmp_path):
    import rasterio

    d = np.full((4, 64, 64), 120, np.uint8)
    d[3] = 255
    d[3, :, :10] = 0
    with rasterio.open(tmp_path / "rgba.tif", "w", driver="GTiff", width=64, height=64, count=4, dtype="uint8",
                       crs=UTM, transform=OPT_T, photometric="RGB", alpha="YES") as ds:
        ds.write(d)
    a = open_stack(optical=tmp_path / "rgba.tif").read()
    assert not a.valid[0, :, :10].any() and a.valid[0, :, 10:].all()
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(tmp_path / "msk.tif", "w", driver="GTiff", width=64, height=64, count=3, dtype="uint8",
                           crs=UTM, transform=OPT_T) as ds:
            ds.write(d[:3])
            m = np.full((64, 64), 255, np.uint8)
            m[:, :20] = 0
            ds.write_mask(m)
    a = open_stack(optical=tmp_path / "msk.tif").read()
    assert not a.valid[0, :, :20].any() and a.valid[0, :, 20:].all()


def test_one_native_read_resized_in_memory_matches_the_warped_read(tmp_path):
    """Refinement reads a tile once at native resolution and shrinks it in memory; the model must see what a
    warp to its size gives (area average of the valid pixels, nodata kept out)."""
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:120, 0:160]
    smooth = 800 + 600 * np.sin(yy / 9.0) * np.cos(xx / 13.0)
    data = (smooth[None] + rng.uniform(0, 200, (3, 120, 160))).astype("uint16")
    data[:, :, :20] = 0  # a nodata strip
    sar, _ = make_sar(tmp_path / "sar.tif")
    stack = open_stack(optical=write_raster(tmp_path / "opt.tif", data, OPT_T, UTM, nodata=0), sar=sar)
    from rasterio.windows import Window

    for win, size in ((Window(10, 5, 128, 96), (48, 48)), (Window(0, 0, 30, 30), (48, 48))):  # shrink, grow
        warped = stack.read(win, out_shape=size)
        resized, native = stack.read_both_sizes(win, size)
        assert native.optical.shape[-2:] == (win.height, win.width)
        assert resized.optical.shape == warped.optical.shape and resized.sar.shape == warped.sar.shape
        assert resized.transform == warped.transform and (resized.aoi == warped.aoi).all()
        both = resized.valid[0] & warped.valid[0]
        assert (resized.valid[0] ^ warped.valid[0]).mean() < 0.05
        assert np.abs(resized.optical[0][:, both] - warped.optical[0][:, both]).mean() < 0.01
        assert np.abs(resized.sar[0][:, both] - warped.sar[0][:, both]).mean() < 0.01
