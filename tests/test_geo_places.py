"""Halves of the area a step's phrase names (engine.geo.places, trace_format.named_half): the geometry, its
use in native-resolution refinement, and the same halves in trace synthesis."""
import numpy as np
import pytest

from terrascope_reasoning.engine.data import classes as C
from terrascope_reasoning.engine.data.context import LabelContext
from terrascope_reasoning.engine.data.grounding import referring
from terrascope_reasoning.engine.geo.places import HALF_SIDES, extent_of, half_mask
from terrascope_reasoning.engine.geo.raster_io import write_raster
from terrascope_reasoning.engine.geo.refine import refine_tiles
from terrascope_reasoning.engine.geo.stack import open_stack
from terrascope_reasoning.engine.trace_format import named_half

from .test_geo_tiling import CRS, T


@pytest.mark.parametrize("phrase, expected", [
    ("forest in the northern half", ("forest", "northern")),
    ("Bare soil in the eastern half.", ("Bare soil", "eastern")),
    ("water in the south half", ("water", "southern")),
    ("roads  in the western   half", ("roads", "western")),
    ("water", None), ("the largest forest patch", None), ("in the northern half", None),
    ("forest in the northern part", None), ("cropland next to the water", None)])
def test_phrases_that_put_a_region_in_one_half(phrase, expected):
    assert named_half(phrase) == expected


@pytest.mark.parametrize("h, w", [(6, 8), (7, 5)])
def test_halves_split_the_grid_by_pixel_centres_as_trace_synthesis_does(h, w):
    north, south = half_mask("northern", (h, w)), half_mask("southern", (h, w))
    west, east = half_mask("western", (h, w)), half_mask("eastern", (h, w))
    assert not (north & south).any() and (north | south).all()
    assert not (west & east).any() and (west | east).all()
    assert north[: h // 2].all() and not north[h // 2:].any()  # an odd middle row goes south
    assert west[:, : w // 2].all() and not west[:, w // 2:].any()
    with pytest.raises(ValueError, match="unknown half 'upper'"):
        half_mask("upper", (h, w))


def test_a_half_is_of_the_area_given_and_windows_cut_the_same_half():
    extent = (10, 30, 0, 40)  # the area: rows 10..29 of a 50 x 40 grid
    whole = half_mask("southern", (50, 40), extent)
    assert whole[20:].all() and not whole[:20].any()
    pieces = np.zeros((50, 40), bool)
    for r in range(0, 50, 16):
        for c in range(0, 40, 16):
            win = whole[r:r + 16, c:c + 16]
            pieces[r:r + 16, c:c + 16] = half_mask("southern", win.shape, extent, (r, c))
    assert np.array_equal(pieces, whole)
    assert set(HALF_SIDES) == {"northern", "southern", "western", "eastern"}


def test_the_extent_of_a_mask_bounds_its_pixels():
    mask = np.zeros((8, 9), bool)
    assert extent_of(mask) is None
    mask[2, 3] = mask[5, 7] = True
    assert extent_of(mask) == (2, 6, 3, 8)


def test_refinement_keeps_the_half_of_the_whole_grid_and_its_share_of_the_whole_area(tmp_path):
    data = np.full((3, 200, 260), 2000, np.uint16)
    stack = open_stack(optical=write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0))

    def everywhere(arrays):
        return np.full(arrays.aoi.shape, 0.9, np.float32)

    whole, _ = refine_tiles(stack, everywhere, tile=96, overlap=16, model_size=48)
    east, stitched = refine_tiles(stack, everywhere, tile=96, overlap=16, model_size=48, half="eastern")
    mask = east.array()
    assert np.array_equal(mask, half_mask("eastern", (200, 260)))  # tiles cut the grid's half, not their own
    assert whole.array().all()
    assert stitched.share == pytest.approx(0.5, abs=1e-6)  # half of the area of interest


def test_synthesised_halves_are_halves_of_the_area_of_interest():
    """In a scene cut short at the bottom (the strip outside the area of interest), "water in the southern
    half" is the water south of the middle of the area, not of the padded grid."""
    labels = np.full((1, 64, 64), C.CROPLAND, np.int16)
    labels[0, :, 20:40] = C.WATER  # a river across the whole scene
    valid = np.ones((64, 64), bool)
    valid[40:] = False  # the area of interest: rows 0..39
    ctx = LabelContext(labels, dict(C.CLASS_NAMES), T, CRS, valid)
    seen = set()
    for seed in range(400):
        rec = referring(ctx, np.random.default_rng(seed), 0)
        half = named_half(rec.steps[0].phrase) if rec is not None else None
        if half is None:
            continue
        region, side = half
        seen.add(side)
        truth = rec.steps[0].mask
        assert truth.any() and not (truth & ~half_mask(side, (64, 64), (0, 40, 0, 64))).any()
        if side == "southern":
            assert truth[20:40].any() and not truth[:20].any()
    assert "southern" in seen and "northern" in seen
