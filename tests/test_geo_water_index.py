"""Spectral water evidence (engine.geo.water_index): the index, the growth from the decoder's water mask, the
judgement of whether a water mask is water, the steps they apply to, and the growth in native-resolution
refinement."""
import numpy as np
import pytest

from engine.geo.raster_io import write_raster
from engine.geo.refine import refine_tiles
from engine.geo.stack import open_stack
from engine.geo.water_index import (WaterIndexConfig, grown_by_index, index_threshold, lacks_open_water, ndwi,
                                   open_water_share, with_water_index)
from engine.model.step_rules import StepRules
from engine.trace_format import names_water_alone

from .test_geo_tiling import CRS, T


def _flood(h=64, w=64):
    """Green and NIR reflectances (h, w) of a dark lake (rows 10-20), a turbid flood joined to it (rows 20-40),
    a separate wet patch far from both (rows 50-56, columns 50-56), and fields elsewhere; and the lake, flood and
    patch masks."""
    lake = np.zeros((h, w), bool)
    lake[10:20, 8:56] = True
    flood = np.zeros((h, w), bool)
    flood[20:40, 16:48] = True
    patch = np.zeros((h, w), bool)
    patch[50:56, 50:56] = True
    green = np.full((h, w), 0.08, np.float32)  # fields: NIR far above green
    nir = np.full((h, w), 0.28, np.float32)
    green[lake], nir[lake] = 0.05, 0.02
    green[flood], nir[flood] = 0.14, 0.12  # brighter than the lake in both, still NDWI > 0
    green[patch], nir[patch] = 0.07, 0.06
    return green, nir, lake, flood, patch


def _decoded(lake, flood):
    """A decoder sure of the lake, unsure of the flood (0.3) and sure that everything else is dry (0.05)."""
    return np.where(lake, 0.9, np.where(flood, 0.3, 0.05)).astype(np.float32)


def test_ndwi_is_green_against_nir_and_zero_without_data():
    out = ndwi(np.array([[0.2, 0.1, 0.0, 0.1]]), np.array([[0.1, 0.3, 0.0, 0.0]]))
    assert out.dtype == np.float32
    assert out == pytest.approx(np.array([[1 / 3, -0.5, 0.0, 0.0]]))  # a NIR gap is no water


def test_the_water_mask_grows_into_connected_index_water_alone():
    green, nir, lake, flood, patch = _flood()
    prob = _decoded(lake, flood)  # the decoder found the lake, not the flood
    out = with_water_index(prob, green, nir, None, WaterIndexConfig())
    assert out.dtype == np.float32 and out.shape == prob.shape
    marked = out >= 0.5
    assert np.array_equal(marked, lake | flood)  # the flood joins; the wet patch far from the lake does not
    assert np.array_equal(out[~(lake | flood)], prob[~(lake | flood)])
    # the index's water joins only through patches that hold a marked pixel
    assert np.array_equal(grown_by_index(lake, lake | flood | patch), lake | flood)


def test_the_index_never_creates_water_where_the_decoder_marked_none():
    green, nir, *_ = _flood()
    prob = np.full(green.shape, 0.3, np.float32)
    assert np.array_equal(with_water_index(prob, green, nir, None, WaterIndexConfig()), prob)


def test_the_growth_is_off_without_bands_or_setting_and_stays_inside_valid_pixels():
    green, nir, lake, flood, _ = _flood()
    prob = _decoded(lake, flood)
    assert np.array_equal(with_water_index(prob, green, nir, None, WaterIndexConfig(above=None)), prob)
    assert np.array_equal(with_water_index(prob, green, None, None, WaterIndexConfig()), prob)
    assert np.array_equal(with_water_index(prob, green, nir, None, None), prob)
    valid = np.ones(prob.shape, bool)
    valid[30:, :] = False
    out = with_water_index(prob, green, nir, valid, WaterIndexConfig())
    assert np.array_equal(out >= 0.5, lake | (flood & valid))
    # a stricter threshold leaves the turbid flood (NDWI about 0.08) out
    strict = with_water_index(prob, green, nir, None, WaterIndexConfig(above=0.2))
    assert np.array_equal(strict >= 0.5, lake)


def test_the_threshold_rises_until_little_of_the_sure_dry_land_reads_as_water():
    """Hazy top-of-atmosphere roads read just above 0: where more than ``dry_share`` of what the decoder is sure is
    dry does, the threshold rises above them, so the growth does not run along the roads; the flood still joins."""
    green, nir, lake, flood, _ = _flood()
    roads = np.zeros(green.shape, bool)
    roads[:, 58:61] = True
    roads[44:47, :] = True  # a road network that touches the lake's row ends and the flood's
    roads[10:20, 56:58] = True
    green[roads], nir[roads] = 0.155, 0.15  # NDWI 0.016
    prob = _decoded(lake, flood)
    index = ndwi(green, nir)
    read = index != 0
    assert index_threshold(index, prob, read, WaterIndexConfig()) == pytest.approx(0.0164, abs=1e-3)
    out = with_water_index(prob, green, nir, None, WaterIndexConfig())
    assert np.array_equal(out >= 0.5, lake | flood)
    assert np.array_equal(with_water_index(prob, green, nir, None, WaterIndexConfig(dry_share=0.5)) >= 0.5,
                          lake | flood | roads)  # a lax rate lets the roads in
    few = np.where(roads, 0.3, prob).astype(np.float32)  # no sure-dry pixels to judge by: the threshold stays 0
    assert index_threshold(index, np.maximum(few, 0.2), read, WaterIndexConfig()) == 0.0


@pytest.mark.parametrize("phrase, water", [
    ("water", True), ("the open water", True), ("Flood water.", True), ("floodwater", True),
    ("water in the northern half", True), ("forest", False), ("cropland next to the water", False),
    ("the largest forest patch", False), ("newly flooded land", False), ("", False)])
def test_which_steps_grow_with_the_water_index(phrase, water):
    rules = StepRules()
    assert (rules.water_index_for(f"Step 1: {phrase.rstrip('.')}. <t1> [SEG]") is not None) is water
    assert names_water_alone(phrase.split(" in the ")[0]) is water
    assert StepRules(water_index=WaterIndexConfig(above=None)).water_index_for(phrase) is None


def test_the_largest_water_body_is_not_grown_so_water_bodies_stay_apart():
    """The largest water body is water grounded as the class (patch_from_class); with ``water_bodies_apart`` (the
    default) it is not grown, off it grows like water before its largest patch is kept; with the class patches off,
    its own mask is not grown either way (it names one patch, not the class). The nearest water still grows."""
    step = "Step 1: the largest water body. <t1> [SEG]"
    assert not names_water_alone("the largest water body")
    assert StepRules().water_index_for(step) is None
    assert StepRules(water_bodies_apart=False).water_index_for(step) is not None
    assert StepRules(patch_from_class=False, water_bodies_apart=False).water_index_for(step) is None
    assert StepRules().water_index_for("Step 2: the nearest water. <t1> [SEG]") is not None


def test_refinement_grows_each_tile_into_the_index_water_of_its_native_bands(tmp_path):
    green, nir, lake, flood, patch = _flood(128, 128)
    red = green.copy()
    data = (np.stack([red, green, green, nir]) * 10000).astype(np.uint16)  # R, G, B, NIR x 10000
    path = write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0, descriptions=["B4", "B3", "B2", "B8"])
    stack = open_stack(optical=path)

    def predict(arrays):  # the decoder finds the dark lake, is unsure of the bright flood, sure of the fields
        g = arrays.optical[0, 1]
        return np.where(g < 0.06 / 0.3 + 1e-3, 0.9, np.where(g > 0.4, 0.3, 0.05)).astype(np.float32)

    plain, _ = refine_tiles(stack, predict, tile=64, overlap=8, model_size=32)
    grown, _ = refine_tiles(stack, predict, tile=64, overlap=8, model_size=32, water=WaterIndexConfig())
    iou = lambda a, b: (a & b).sum() / (a | b).sum()  # noqa: E731
    assert iou(plain.array(), lake | flood) < 0.5
    assert iou(grown.array(), lake | flood) > 0.9
    assert not grown.array()[patch].any()


def _date(green, nir, clouds=None):
    """(optical (1, 3, H, W), nir (1, 1, H, W)) as reflectance / 0.3 from green and NIR reflectances; red and blue
    as green; ``clouds`` (H, W) bool: bright in every band there."""
    rgb = np.stack([green, green, green]) / 0.3
    nir = nir[None] / 0.3
    if clouds is not None:
        rgb[:, clouds], nir[:, clouds] = 0.95, 0.9
    return rgb[None].astype(np.float32), nir[None].astype(np.float32)


def test_a_water_mask_on_fields_is_not_water_and_one_on_a_turbid_flood_is():
    """The share of a mask's clear pixels above NDWI 0: all of the lake and of the bright flood, none of the
    fields; a mask on a field is judged not water, a lake mask with a field margin of a quarter of it is water."""
    green, nir, lake, flood, patch = _flood()
    optical, nir_band = _date(green, nir)
    field = np.zeros_like(lake)
    field[44:60, 4:20] = True
    assert open_water_share(lake | flood, optical[0], nir_band[0, 0], None) == 1.0
    assert open_water_share(field, optical[0], nir_band[0, 0], None) == 0.0
    cfg = WaterIndexConfig()
    judged = lambda mask: lacks_open_water(mask.astype(np.float32), optical, nir_band, [True], 0, None, cfg)  # noqa
    assert judged(field) and not judged(flood) and not judged(lake)
    margin = lake.copy()
    margin[20:30, 8:56] = True  # a field strip half as large as the lake
    assert not judged(margin)
    assert not lacks_open_water(field.astype(np.float32), optical, nir_band, [True], 0, None,
                                WaterIndexConfig(min_open_share=0.0))
    assert not lacks_open_water(field.astype(np.float32), optical, nir_band, [True], 0, None,
                                WaterIndexConfig(above=None))


def test_water_under_clouds_or_without_bands_is_not_judged():
    """Pixels under a cloud are not read: a mask mostly under clouds (water the SAR may show) is not judged, one
    with enough clear pixels is judged by them alone; nor is a date without optical bands, or no NIR band."""
    green, nir, lake, flood, patch = _flood()
    field = np.zeros_like(lake)
    field[44:60, 4:36] = True
    clouds = np.zeros_like(lake)
    clouds[44:60, 4:28] = True  # three quarters of the field
    optical, nir_band = _date(green, nir, clouds)
    prob = field.astype(np.float32)
    assert open_water_share(field, optical[0], nir_band[0, 0], None) is None
    assert not lacks_open_water(prob, optical, nir_band, [True], 0, None, WaterIndexConfig())
    assert open_water_share(field, optical[0], nir_band[0, 0], None, min_clear_share=0.2) == 0.0
    assert lacks_open_water(prob, optical, nir_band, [True], 0, None, WaterIndexConfig(min_clear_share=0.2))
    clear_optical, clear_nir = _date(green, nir)
    assert lacks_open_water(prob, clear_optical, clear_nir, [True], 0, None, WaterIndexConfig())
    assert not lacks_open_water(prob, clear_optical, clear_nir, [False], 0, None, WaterIndexConfig())
    assert not lacks_open_water(prob, clear_optical, None, [True], 0, None, WaterIndexConfig())
    assert not lacks_open_water(prob, clear_optical, clear_nir, [True], 0, ~field, WaterIndexConfig())


def test_the_steps_the_water_index_judges_are_those_it_grows():
    """water_evidence judges the steps the water index grows and the largest water body, grown or not, and none when
    it or the index is off."""
    for step in ("Step 1: water. <t1> [SEG]", "Step 1: the largest water body. <t1> [SEG]"):
        assert StepRules(water_bodies_apart=False).water_judged_for(step) is not None
        assert StepRules().water_judged_for(step) is not None
        assert StepRules(water_evidence=False).water_judged_for(step) is None
        assert StepRules(water_index=WaterIndexConfig(above=None)).water_judged_for(step) is None
    assert StepRules().water_judged_for("Step 1: forest. <t1> [SEG]") is None
