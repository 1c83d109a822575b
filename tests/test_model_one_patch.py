"""Steps that name one patch ("largest water body") keep the largest connected region of their mask: the
helpers, the predictor's steps (tiny-test weights) and the refinement of such a step on native tiles."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy import ndimage

from engine.geo.stack import open_stack
from engine.model.one_patch import keep_largest_patch, largest_patch, names_one_patch, patch_region
from engine.model.predictor import GroundedPredictor
from engine.pipeline import AskConfig, ask
from tests.test_api_pipeline import CRS, T, BandPredictor, identity_images
from tests.test_model_predictor import tiny  # noqa: F401  (fixture)
from tests.test_model_support import images, script


def test_phrases_that_name_one_patch():
    for label in ("largest water body", "Largest cropland patch", "the largest building", "largest road section"):
        assert names_one_patch(label)
    for label in ("water", "buildings", "cropland next to the water", "the second largest field", ""):
        assert not names_one_patch(label)


def test_largest_patch_is_the_largest_eight_connected_component():
    mask = np.zeros((10, 10), bool)
    mask[0, 0] = mask[1, 1] = mask[2, 2] = True  # three pixels touching at corners: one patch of 3
    mask[5:7, 5:6] = True  # a patch of 2
    assert largest_patch(mask).sum() == 3 and largest_patch(mask)[2, 2]
    assert not largest_patch(np.zeros((4, 4), bool)).any()
    prob = torch.tensor(np.where(mask, 0.9, 0.1), dtype=torch.float32)
    kept = keep_largest_patch(prob, 0.5)
    assert kept[1, 1] == pytest.approx(0.9) and kept[5, 5] == 0 and kept[9, 9] == 0  # outside: zero
    region = patch_region(largest_patch(mask), 1)
    assert region[3, 3] == 1 and region[4, 4] == 0 and region.dtype == np.float32


def _steps(model, tok, one_patch: bool):
    undo = script(model, tok, "Step 1: largest water body. <t1> [SEG]\nStep 2: water. <t1> [SEG]\nAnswer: A\n")
    try:
        p = GroundedPredictor(model, tok, one_patch=one_patch, flip_average=False)
        p.set_images(images(1, seed=2))
        return p.answer("How far is the largest water body from the water?", None).steps
    finally:
        undo()


def test_predictor_cuts_a_one_patch_step_to_its_largest_patch(tiny):  # noqa: F811
    model, tok = tiny
    thr = model.config.mask_threshold
    whole, cut = _steps(model, tok, False), _steps(model, tok, True)
    lit = whole[0].mask_prob > thr
    assert ndimage.label(lit, np.ones((3, 3)))[1] >= 2  # the decoder lit several patches
    assert cut[0].one_patch and not whole[0].one_patch
    np.testing.assert_array_equal(cut[0].mask_prob > thr, largest_patch(lit))
    assert not cut[1].one_patch  # "water" names the class: the whole mask stays
    assert cut[0].measurement != whole[0].measurement  # the model reads the patch's own measurement


class TwoLakesPredictor(BandPredictor):
    """Step 1 "largest lake": the overview mask cut to its largest patch, as GroundedPredictor does, while
    re-decoding a tile lights up every lake."""

    def answer(self, question, choices, measure, progress=None, cancelled=None):
        prob = self._prob(0, 0, self.images)
        prob = np.where(largest_patch(prob > 0.5), prob, 0).astype(np.float32)
        meas = measure(prob, 0)
        step = SimpleNamespace(index=1, text="Step 1: largest lake. <t1> [SEG]", label="largest lake", date_index=0,
                               mask_prob=prob, modalities=["optical"], confidence=0.8, iou_pred=0.7,
                               seg_embedding=0, one_patch=True)
        return SimpleNamespace(text=f"{step.text} {meas}\nAnswer: 1 ha", answer="1 ha", choice=None, steps=[step])


def test_refined_one_patch_step_stays_on_its_patch(tmp_path):
    from engine.geo.raster_io import write_raster

    data = np.full((3, 300, 420), 500, np.uint16)
    big, small = np.zeros((300, 420), bool), np.zeros((300, 420), bool)
    big[40:160, 40:200] = True
    small[200:260, 300:380] = True
    data[0, big | small] = 2500
    stack = open_stack(optical=write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0))
    ans = ask(TwoLakesPredictor(), 64, "How large is the largest lake?", stack, None,
              AskConfig(tile_size=128, overlap=16), make_images=identity_images)
    mask = ans.steps[0].mask
    assert mask[big].mean() > 0.97 and not mask[small].any()
