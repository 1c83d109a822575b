"""What a kept mask takes from the scene on the model's grid (engine.model.scene_bands)."""
import numpy as np
import torch

from engine.geo.guided import GuidedConfig
from engine.geo.water_index import WaterIndexConfig
from engine.model.inputs import ModelImages
from engine.model.scene_bands import banded, dates_contrast, within_half

S = 32


def _images(optical: np.ndarray, valid: np.ndarray | None = None) -> ModelImages:
    """``optical``: (T, 3, S, S) in [0, 1]; no SAR; NIR as bright as red."""
    t = optical.shape[0]
    valid = np.ones((t, S, S), bool) if valid is None else valid
    return ModelImages(torch.from_numpy(optical), None, torch.from_numpy(valid), torch.ones(t, dtype=torch.bool),
                       torch.zeros(t, dtype=torch.bool), torch.from_numpy(optical[:, :1].copy()))


def test_within_half_keeps_the_named_half_of_the_valid_area():
    valid = np.zeros((1, S, S), bool)
    valid[0, :, :16] = True  # the area is the left half of the grid
    images = _images(np.full((1, 3, S, S), 0.3, np.float32), valid)
    prob = torch.ones(S, S)
    west = within_half(prob, images, "western").numpy()
    assert west[:, :8].min() == 1.0 and west[:, 8:].max() == 0.0  # the west half of the area, not of the grid
    assert torch.equal(within_half(prob, images, None), prob)


def test_banded_returns_the_mask_unchanged_when_nothing_is_taken_from_the_bands():
    images = _images(np.random.default_rng(0).random((1, 3, S, S), dtype=np.float32))
    prob = torch.rand(S, S)
    off = GuidedConfig(0, 0.0003)
    assert banded(prob, images, 0, off, None, None) is prob
    sharpened = banded(prob, images, 0, GuidedConfig(4, 0.0003), None, None)
    assert sharpened.shape == prob.shape and sharpened.dtype == prob.dtype
    assert not torch.equal(sharpened, prob)


def test_banded_grows_water_into_the_connected_open_water_of_the_water_index():
    optical = np.full((1, 3, S, S), 0.3, np.float32)
    optical[0, 1, :, :12] = 0.5  # green brighter than NIR: open water on the left
    images = _images(optical)
    images.nir = torch.full((1, 1, S, S), 0.1)
    images.nir[0, 0, :, 12:] = 0.6  # land on the right reflects NIR
    prob = torch.zeros(S, S)
    prob[:, :12] = 0.3  # the decoder is unsure of the water (not sure it is dry) ...
    prob[10:14, 2:6] = 0.9  # ... and marks a piece of it
    off = GuidedConfig(0, 0.0003)
    grown = banded(prob, images, 0, off, None, WaterIndexConfig.turned(True)).numpy() > 0.5
    assert grown[:, :12].all() and not grown[:, 12:].any()
    assert (banded(prob, images, 0, off, None, WaterIndexConfig.turned(False)).numpy() > 0.5).sum() == 16


def test_dates_contrast_tells_a_changed_region_from_an_unchanged_one():
    rng = np.random.default_rng(1)
    before = rng.random((1, 3, S, S), dtype=np.float32) * 0.1 + 0.3
    after = before + rng.normal(0, 0.01, before.shape).astype(np.float32)
    after[0, :, :8, :8] += 0.4  # this corner changed
    images = _images(np.concatenate([before, after]).clip(0, 1))
    changed, unchanged = torch.zeros(S, S), torch.zeros(S, S)
    changed[:8, :8] = 1.0
    unchanged[20:28, 20:28] = 1.0
    assert dates_contrast(changed, images, 1, 0.5) > 5.0
    assert dates_contrast(unchanged, images, 1, 0.5) < 1.5
    assert dates_contrast(torch.zeros(S, S), images, 1, 0.5) is None


def test_dates_contrast_judges_on_the_sar_when_both_dates_have_it_so_a_cloud_is_no_change():
    rng = np.random.default_rng(2)
    before = rng.random((1, 3, S, S), dtype=np.float32) * 0.1 + 0.3
    after = before + rng.normal(0, 0.01, before.shape).astype(np.float32)
    after[0, :, :8, :8] = 0.95  # a cloud over this corner on the later date
    sar = np.concatenate([rng.random((1, 2, S, S), dtype=np.float32) * 0.05 + 0.5] * 2)
    sar[1] += rng.normal(0, 0.005, sar[1].shape).astype(np.float32)
    optical = np.concatenate([before, after]).clip(0, 1)
    with_sar = ModelImages(torch.from_numpy(optical), torch.from_numpy(sar), torch.ones(2, S, S, dtype=torch.bool),
                           torch.ones(2, dtype=torch.bool), torch.ones(2, dtype=torch.bool), None)
    corner = torch.zeros(S, S)
    corner[:8, :8] = 1.0
    # optical alone: the cloud hides the corner, so no change is seen there
    assert dates_contrast(corner, _images(optical), 1, 0.5) == 0.0
    assert dates_contrast(corner, with_sar, 1, 0.5) < 1.5  # the radar sees the ground unchanged
    sar[1, :, :8, :8] -= 0.3  # the ground under the cloud did change (water came)
    assert dates_contrast(corner, with_sar, 1, 0.5) > 5.0
    with_sar.has_sar[1] = False  # no SAR on the later date: the optical bands judge, and see only the cloud
    assert dates_contrast(corner, with_sar, 1, 0.5) == 0.0


def test_optical_dates_contrast_reads_the_near_infrared_band():
    rng = np.random.default_rng(3)
    rgb = np.concatenate([rng.random((1, 3, S, S), dtype=np.float32) * 0.1 + 0.2] * 2)
    rgb[1] += rng.normal(0, 0.005, rgb[1].shape).astype(np.float32)
    nir = np.concatenate([rng.random((1, 1, S, S), dtype=np.float32) * 0.1 + 0.6] * 2)
    nir[1] += rng.normal(0, 0.005, nir[1].shape).astype(np.float32)
    nir[1, :, :8, :8] = 0.1  # forest cleared in this corner: the near infrared falls, the visible bands barely move
    corner = torch.zeros(S, S)
    corner[:8, :8] = 1.0
    flags = torch.ones(2, dtype=torch.bool)
    valid = torch.ones(2, S, S, dtype=torch.bool)
    with_nir = ModelImages(torch.from_numpy(rgb), None, valid, flags, ~flags, torch.from_numpy(nir))
    without = ModelImages(torch.from_numpy(rgb), None, valid, flags, ~flags, None)
    assert dates_contrast(corner, with_nir, 1, 0.5) > 5.0
    assert dates_contrast(corner, without, 1, 0.5) < 1.5


def test_banded_sizes_the_signatures_context_by_the_images_pixel_size():
    """Buildings a few pixels across on a 10 m grid are found by how they stand out from their block; the same
    images with no pixel size known (or sub-metre pixels) are blended on their bands alone."""
    from dataclasses import replace

    from engine.geo.signatures import SignatureConfig

    from .test_geo_signatures import _iou, town, town_decoder

    bands, truth = town()
    images = _images(bands[None].copy(), np.ones((1,) + truth.shape, bool))
    prob = torch.from_numpy(town_decoder(truth))
    cfg, off = SignatureConfig(weight=0.5, context_m=70.0), GuidedConfig(0, 0.0003)
    plain = banded(prob, images, 0, off, cfg).numpy() > 0.5
    fine = banded(prob, replace(images, pixel_m=0.9), 0, off, cfg).numpy() > 0.5
    coarse = banded(prob, replace(images, pixel_m=10.0), 0, off, cfg).numpy() > 0.5
    assert np.array_equal(plain, fine) and _iou(plain, truth) < 0.6
    assert _iou(coarse, truth) > 0.9
