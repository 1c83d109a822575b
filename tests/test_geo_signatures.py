"""Scene-adapted class signatures (engine.geo.signatures), the phrases they apply to, and their use in
native-resolution refinement."""
import numpy as np
import pytest

from terrascope_reasoning.engine.geo.raster_io import write_raster
from terrascope_reasoning.engine.geo.refine import refine_tiles
from terrascope_reasoning.engine.geo.signatures import (SignatureConfig, blend_signature, context_window,
                                                        signature_posterior)
from terrascope_reasoning.engine.geo.stack import open_stack
from terrascope_reasoning.engine.trace_format import names_buildings_alone, names_class_alone

from .test_geo_tiling import CRS, T


def _scene(h=96, w=96, seed=0):
    """Bands (3, h, w) of dark 'water' parcels scattered over bright land, and the parcels' truth (h, w)."""
    rng = np.random.default_rng(seed)
    truth = np.zeros((h, w), bool)
    for r in range(4, h - 12, 16):
        for c in range(4, w - 12, 16):
            truth[r:r + 10, c:c + 10] = True
    land = np.array([0.55, 0.6, 0.45])[:, None, None]
    water = np.array([0.12, 0.15, 0.2])[:, None, None]
    bands = np.where(truth[None], water, land) + rng.normal(0, 0.03, (3, h, w))
    return bands.astype(np.float32), truth


def _decoder(truth, seed=1):
    """A decoder that is sure of half the parcels, unsure of the others, and marks one patch of land."""
    prob = np.full(truth.shape, 0.05, np.float32)
    left = truth.copy()
    left[:, truth.shape[1] // 2:] = False
    prob[left] = 0.9
    prob[truth & ~left] = 0.3
    prob[84:92, 40:48] = 0.6  # land the decoder marks by mistake
    # a decoder's probabilities vary from pixel to pixel (no ties)
    return prob + np.random.default_rng(seed).uniform(0, 0.01, prob.shape).astype(np.float32)


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


def test_the_signature_recovers_look_alike_pixels_and_drops_unlike_ones():
    bands, truth = _scene()
    prob = _decoder(truth)
    cfg = SignatureConfig(weight=0.5, keep_area=False)
    post = signature_posterior(prob, bands, None, cfg)
    assert post.shape == truth.shape and post.dtype == np.float32
    assert post[truth].mean() > 0.9 and post[~truth].mean() < 0.1
    out = blend_signature(prob, bands, None, cfg)
    assert _iou(prob > 0.5, truth) < 0.6
    assert _iou(out > 0.5, truth) > 0.95  # the unsure parcels are found, the land patch is dropped
    assert not (out[84:92, 40:48] > 0.5).any()
    assert np.array_equal(out, blend_signature(prob, bands, None, cfg))  # reproducible


def test_keeping_the_area_moves_the_decoders_pixel_count_onto_look_alike_pixels():
    bands, truth = _scene()
    prob = _decoder(truth)
    out = blend_signature(prob, bands, None, SignatureConfig(weight=0.5))
    assert (out >= 0.5).sum() == (prob >= 0.5).sum()
    assert not (out[84:92, 40:48] >= 0.5).any()  # the land patch's pixels went to parcels
    assert truth[out >= 0.5].all()


def test_the_signature_leaves_masks_alone_when_off_or_without_seeds_or_bands():
    bands, truth = _scene()
    prob = _decoder(truth)
    assert np.array_equal(blend_signature(prob, bands, None, SignatureConfig()), prob)  # weight 0: off
    few = np.full(truth.shape, 0.05, np.float32)
    few[0:4, 0:4] = 0.9  # 16 seeds of the class: too few for a signature
    cfg = SignatureConfig(weight=0.5)
    assert signature_posterior(few, bands, None, cfg) is None
    assert np.array_equal(blend_signature(few, bands, None, cfg), few)
    assert np.array_equal(blend_signature(prob, None, None, cfg), prob)


def test_no_data_pixels_neither_seed_nor_change():
    bands, truth = _scene()
    prob = _decoder(truth)
    valid = np.ones(truth.shape, bool)
    valid[:, 60:] = False
    bands[:, ~valid] = 0.0  # no-data reads as zeros, darker than the water
    out = blend_signature(prob, bands, valid, SignatureConfig(weight=0.5, keep_area=False))
    assert np.array_equal(out[~valid], prob[~valid])
    assert _iou(out[valid] > 0.5, truth[valid]) > 0.95


@pytest.mark.parametrize("phrase, alone, buildings", [
    ("water", True, False), ("the forest", True, False), ("Built-up land", True, False), ("bare soil", True, False),
    ("roads", True, False), ("buildings.", True, True), ("the houses", True, True), ("Buildings", True, True),
    ("the largest forest patch", False, False), ("cropland next to the water", False, False),
    ("destroyed buildings", False, False), ("water in the northern half", False, False),
    ("buildings in the northern half", False, False), ("new buildings", False, False), ("", False, False)])
def test_which_phrases_name_a_class_alone_and_which_buildings_alone(phrase, alone, buildings):
    assert names_class_alone(phrase) is alone
    assert names_buildings_alone(phrase) is buildings


def _stack(tmp_path, bands):
    """An optical stack of ``bands`` (3, H, W) in [0, 1] on the 10 m grid T, stored as Sentinel-2 stores
    reflectance (x 10000)."""
    data = (bands * 3000 + 100).astype(np.uint16)
    return open_stack(optical=write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0))


def test_refinement_blends_each_tile_with_the_class_signature_of_its_native_bands(tmp_path):
    bands, truth = _scene(256, 256, seed=3)
    stack = _stack(tmp_path, bands)

    def predict(arrays):  # sure of the parcels in the left half of each tile, unsure of the rest
        dark = arrays.optical[0, 0] < 0.3
        prob = np.where(dark, 0.3, 0.05).astype(np.float32)
        prob[:, : prob.shape[1] // 2][dark[:, : prob.shape[1] // 2]] = 0.9
        return prob

    plain, _ = refine_tiles(stack, predict, tile=128, overlap=16, model_size=64)
    blended, _ = refine_tiles(stack, predict, tile=128, overlap=16, model_size=64,
                              signatures=SignatureConfig(weight=0.5, keep_area=False))
    assert _iou(plain.array(), truth) < 0.7
    assert _iou(blended.array(), truth) > 0.9


def town(h=112, w=112, block=14, seed=0):
    """Bands (3, h, w) of a town at 10 m: street blocks of 140 m whose ground brightness varies from block to block
    over the whole range buildings have, each with a 40 m building 0.2 brighter than its own block; the buildings'
    truth (h, w)."""
    rng = np.random.default_rng(seed)
    ground = rng.uniform(0.2, 0.7, (h // block + 1, w // block + 1))
    base = np.kron(ground, np.ones((block, block)))[:h, :w]
    truth = np.zeros((h, w), bool)
    for r in range(0, h, block):
        for c in range(0, w, block):
            truth[r + 5:r + 9, c + 5:c + 9] = True
    bands = np.repeat((base + 0.2 * truth)[None], 3, 0) + rng.normal(0, 0.02, (3, h, w))
    return bands.astype(np.float32), truth


def town_decoder(truth, seed=1):
    """Sure of the buildings in the left half, unsure of those in the right half, as a coarse decoder is of objects
    a few pixels across."""
    prob = np.full(truth.shape, 0.05, np.float32)
    left = truth.copy()
    left[:, truth.shape[1] // 2:] = False
    prob[left] = 0.9
    prob[truth & ~left] = 0.3
    return prob + np.random.default_rng(seed).uniform(0, 0.01, prob.shape).astype(np.float32)


@pytest.mark.parametrize("pixel_m, window", [(10.0, 7), (11.4, 7), (5.0, 13), (4.0, None), (0.9, None),
                                             (60.0, None), (None, None)])
def test_the_context_neighbourhood_is_sized_in_metres_and_used_where_objects_are_a_few_pixels(pixel_m, window):
    assert context_window(SignatureConfig(weight=0.5, context_m=70.0), pixel_m) == window
    assert context_window(SignatureConfig(weight=0.5), pixel_m) is None  # off


def test_context_bands_find_objects_that_stand_out_from_their_own_block_alone():
    """Building and ground brightness overlap across the town: the bands alone cannot tell the unsure buildings
    from bright blocks, the difference from the ground around each pixel can."""
    bands, truth = town()
    prob = town_decoder(truth)
    cfg = SignatureConfig(weight=0.5, context_m=70.0)
    plain = blend_signature(prob, bands, None, cfg)  # no pixel size: no context, the area re-levelled
    sub_metre = blend_signature(prob, bands, None, cfg, pixel_m=0.9)  # objects many pixels across: no context
    context = blend_signature(prob, bands, None, cfg, pixel_m=10.0)
    assert np.array_equal(plain, sub_metre)
    assert (plain >= 0.5).sum() == (prob >= 0.5).sum()
    assert _iou(plain > 0.5, truth) < 0.6
    assert _iou(context > 0.5, truth) > 0.9  # the unsure half of the buildings found, the area not re-levelled
    assert np.allclose(context, 0.3 * prob + 0.7 * signature_posterior(prob, bands, None, cfg, 10.0))


def test_refinement_reads_the_context_at_the_stacks_native_pixel_size(tmp_path):
    bands, truth = town(224, 224, seed=4)
    stack = _stack(tmp_path, bands)
    prob = town_decoder(truth)

    def predict(arrays):  # one tile holds the whole town
        assert arrays.optical.shape[-2:] == truth.shape
        return prob

    cfg = SignatureConfig(weight=0.5, context_m=70.0)
    without, _ = refine_tiles(stack, predict, tile=256, overlap=16, signatures=cfg)
    with_context, _ = refine_tiles(stack, predict, tile=256, overlap=16, signatures=cfg, pixel_m=10.0)
    assert _iou(without.array(), truth) < 0.6
    assert _iou(with_context.array(), truth) > 0.9
