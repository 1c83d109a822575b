"""Edge-aware sharpening of mask probabilities (engine.geo.guided) and its use in native-resolution refinement."""
import numpy as np
import pytest

from terrascope_reasoning.engine.geo.guided import (GuidedConfig, box_mean, date_guide, guided_filter, moved_level,
                                                    relevel)
from terrascope_reasoning.engine.geo.raster_io import write_raster
from terrascope_reasoning.engine.geo.refine import refine_tiles
from terrascope_reasoning.engine.geo.resample import resize_prob
from terrascope_reasoning.engine.geo.stack import open_stack

from .test_geo_tiling import CRS, T


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


def _lake(h=128, w=128):
    yy, xx = np.mgrid[0:h, 0:w]
    # an irregular shore: a disk whose radius wobbles with the angle
    ang = np.arctan2(yy - h / 2, xx - w / 2)
    return np.hypot(yy - h / 2, xx - w / 2) < 22 + 8 * np.sin(6 * ang)


def _coarse(truth, factor=8):
    """What a quarter-resolution decoder gives after bilinear upsampling: block means, smoothed."""
    h, w = truth.shape
    low = truth.reshape(h // factor, factor, w // factor, factor).mean((1, 3))
    return resize_prob(low, (h, w))


def test_box_mean_matches_brute_force():
    x = np.random.default_rng(0).normal(size=(9, 7, 2))
    r = 2
    want = np.zeros_like(x)
    for i in range(9):
        for j in range(7):
            want[i, j] = x[max(0, i - r):i + r + 1, max(0, j - r):j + r + 1].mean((0, 1))
    assert np.allclose(box_mean(x, r), want)


def test_guided_filter_moves_a_coarse_boundary_onto_the_band_edge():
    truth = _lake()
    rng = np.random.default_rng(1)
    # water dark in both SAR bands, land brighter; speckle-like noise on top
    guide = np.stack([np.where(truth, 0.2, 0.55), np.where(truth, 0.1, 0.4)]) + rng.normal(0, 0.03, (2,) + truth.shape)
    coarse = _coarse(truth)
    before = _iou(coarse >= 0.5, truth)
    sharp = guided_filter(coarse, guide, GuidedConfig(radius=8, eps=1e-3, keep_area=False))
    after = _iou(sharp >= 0.5, truth)
    assert before < 0.88
    assert after > 0.95
    assert sharp.dtype == np.float32 and sharp.min() >= 0 and sharp.max() <= 1
    # re-levelled to the decoder's area, the boundary still moves onto the edge
    kept = guided_filter(coarse, guide, GuidedConfig(radius=8, eps=1e-3))
    assert (kept >= 0.5).sum() == (coarse >= 0.5).sum()
    assert _iou(kept >= 0.5, truth) > before + 0.05


def test_coefficients_fitted_on_a_coarser_grid_give_nearly_the_same_boundary():
    truth = _lake(256, 256)
    rng = np.random.default_rng(5)
    guide = np.stack([np.where(truth, 0.2, 0.55), np.where(truth, 0.1, 0.4)]) + rng.normal(0, 0.03, (2,) + truth.shape)
    coarse = _coarse(truth, 8)
    full = guided_filter(coarse, guide, GuidedConfig(radius=16, eps=1e-3)) >= 0.5
    fast = guided_filter(coarse, guide, GuidedConfig(radius=16, eps=1e-3), subsample=2) >= 0.5
    assert _iou(fast, full) > 0.97
    assert _iou(fast, truth) > _iou(full, truth) - 0.01 and _iou(fast, truth) > _iou(coarse >= 0.5, truth) + 0.05


def test_guided_filter_without_edges_only_smooths_and_radius_zero_is_identity():
    truth = _lake()
    coarse = _coarse(truth)
    flat = np.full((3,) + truth.shape, 0.4)
    out = guided_filter(coarse, flat, GuidedConfig(radius=3, eps=1e-3, keep_area=False))
    # a flat guide carries no edges: every window's fit is its mean, and the fits are averaged again
    assert np.allclose(out, box_mean(box_mean(coarse, 3), 3), atol=1e-5)
    assert np.array_equal(guided_filter(coarse, flat, GuidedConfig(radius=0)), coarse.astype(np.float32))


def test_small_regions_keep_their_area_instead_of_being_smoothed_away():
    """A few-pixel pond inside a strong window of speckle loses its peak under plain smoothing; re-levelled,
    the result marks as many pixels as the decoder did and keeps the pond where the bands are dark."""
    rng = np.random.default_rng(3)
    pond = np.zeros((64, 64), bool)
    pond[30:34, 20:24] = True
    coarse = _coarse(pond, 4) * 1.9
    guide = np.where(pond, 0.15, 0.5)[None] + rng.normal(0, 0.12, (1, 64, 64))
    plain = guided_filter(coarse, guide, GuidedConfig(radius=8, eps=1e-2, keep_area=False))
    kept = guided_filter(coarse, guide, GuidedConfig(radius=8, eps=1e-2))
    assert (plain >= 0.5).sum() < 0.5 * (coarse >= 0.5).sum()
    assert (kept >= 0.5).sum() == (coarse >= 0.5).sum()
    assert _iou(kept >= 0.5, pond) >= _iou(coarse >= 0.5, pond)


def test_relevel_marks_the_requested_count_and_keeps_the_order():
    p = np.random.default_rng(4).uniform(0, 1, (20, 30)).astype(np.float32)
    for count in (0, 1, 150, 600):
        q = relevel(p, count)
        assert (q >= 0.5).sum() == count
        assert np.array_equal(np.argsort(q, None, kind="stable")[-count:] if count else [], 
                              np.argsort(p, None, kind="stable")[-count:] if count else [])
        assert q.min() >= 0 and q.max() <= 1
    valid = np.zeros_like(p, bool)
    valid[:10] = True
    assert ((relevel(p, 40, valid=valid) >= 0.5) & valid).sum() == 40


def test_a_moved_level_marks_the_pixels_at_that_level_and_keeps_the_order():
    p = np.random.default_rng(5).uniform(0, 1, (20, 30)).astype(np.float32)
    p[0, :2] = 0.0, 1.0
    for level in (0.2, 0.35, 0.5, 0.8):
        q = moved_level(p, level)
        assert np.array_equal(q >= 0.5, p >= level)
        assert np.array_equal(np.argsort(q, None, kind="stable"), np.argsort(p, None, kind="stable"))
        assert q[0, 0] == 0.0 and q[0, 1] == 1.0
    assert np.allclose(moved_level(p, 0.5), p)
    assert np.array_equal(moved_level(p, 0.3, threshold=0.6) >= 0.6, p >= 0.3)


def test_nodata_edges_are_not_followed_and_nodata_pixels_keep_their_probability():
    truth = _lake()
    coarse = _coarse(truth)
    guide = np.stack([np.where(truth, 0.2, 0.55)] * 2)
    valid = np.ones(truth.shape, bool)
    valid[:, :20] = False
    guide[:, ~valid] = 0.0  # no-data reads as zeros, a strong false edge
    out = guided_filter(coarse, guide, GuidedConfig(radius=8, eps=1e-3, keep_area=False), valid)
    assert np.array_equal(out[~valid], coarse[~valid])
    assert _iou(out >= 0.5, truth) > 0.95
    assert np.array_equal(guided_filter(coarse, guide, GuidedConfig(radius=6), np.zeros_like(valid)), coarse)
    with pytest.raises(ValueError, match="one grid"):
        guided_filter(coarse, guide[:, :-1], GuidedConfig(radius=2))


def test_date_guide_takes_the_bands_the_date_has():
    opt, sar = np.ones((2, 3, 4, 4)), np.zeros((2, 2, 4, 4))
    assert date_guide(opt, sar, [True, False], [True, True], 0).shape == (5, 4, 4)
    assert date_guide(opt, sar, [True, False], [True, True], 1).shape == (2, 4, 4)
    assert date_guide(None, sar, [False, False], [False, True], 0) is None
    nir = np.full((2, 1, 4, 4), 0.5)
    with_nir = date_guide(opt, sar, [True, False], [True, True], 0, nir)
    assert with_nir.shape == (6, 4, 4) and np.allclose(with_nir[3], 0.5) and np.allclose(with_nir[4:], 0)
    assert date_guide(opt, sar, [True, False], [True, True], 1, nir).shape == (2, 4, 4)


def test_refinement_sharpens_coarse_tile_masks_at_native_resolution(tmp_path):
    h, w = 256, 256
    truth = _lake(h, w)
    rng = np.random.default_rng(2)
    data = np.where(truth, 300, 2500)[None].repeat(3, 0) + rng.integers(0, 120, (3, h, w))
    stack = open_stack(optical=write_raster(tmp_path / "opt.tif", data.astype(np.uint16), T, CRS, nodata=0))

    def predict(arrays):  # a decoder at a quarter of a 64-px model grid: 16 x 16 probabilities
        dark = (arrays.optical[0, 0] < 0.5).astype(np.float32)
        return resize_prob(dark.reshape(16, 4, 16, 4).mean((1, 3)), (64, 64))

    plain, plain_st = refine_tiles(stack, predict, tile=128, overlap=16, model_size=64)
    sharp, st = refine_tiles(stack, predict, tile=128, overlap=16, model_size=64,
                             guided=GuidedConfig(radius=3, eps=1e-3))
    assert _iou(plain.array(), truth) < 0.85
    assert _iou(sharp.array(), truth) > 0.92
    # each tile keeps the decoder's area; the stitched cores keep it to within a few per cent
    assert st.share == pytest.approx(plain_st.share, rel=0.05)


def test_refinement_with_bands_reads_each_tile_once(tmp_path):
    h, w = 256, 256
    data = np.where(_lake(h, w), 300, 2500)[None].repeat(3, 0).astype(np.uint16)
    stack = open_stack(optical=write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0))
    reads, read = [], stack.read
    stack.read = lambda *a, **k: reads.append(k.get("out_shape")) or read(*a, **k)
    shapes = []

    def predict(arrays):
        shapes.append(arrays.optical.shape[-2:])
        return (arrays.optical[0, 0] < 0.5).astype(np.float32)

    refine_tiles(stack, predict, tile=128, overlap=16, model_size=64, guided=GuidedConfig(radius=3, eps=1e-3))
    assert len(reads) == len(shapes) == 9 and reads == [None] * 9  # native once; the model's size in memory
    assert set(shapes) == {(64, 64)}
    reads.clear()
    refine_tiles(stack, predict, tile=128, overlap=16, model_size=64)  # no bands: one warped read per tile
    assert reads == [(64, 64)] * 9
