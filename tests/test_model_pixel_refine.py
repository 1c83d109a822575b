"""The mask logits' refinement on the input's own grid (engine.model.network.PixelRefine) on tiny-test weights:
added to a trained model it changes no mask, a few steps of training it alone lower the mask loss and give masks
detail finer than the SAM decoder's S/4 grid, it is saved and loaded with the model, and a training recipe adds
it to its base."""
import json

import pytest
import torch

from engine.model import checkpoint as ck
from engine.model.flips import ground_step
from engine.model.predictor import GroundedPredictor
from engine.model.training import collate
from engine.train import model_api
from engine.train.config import TrainConfig
from engine.train.stages import set_trainable
from tests.test_model_support import S, images


@pytest.fixture(scope="module")
def plain():
    from engine.model.registry import build_model

    return build_model("tiny-test")


def _batch(n: int = 6):
    from engine.data.dataset import DatasetConfig, SyntheticQuestions

    data = SyntheticQuestions(DatasetConfig(image_size=S, stage=1, seed_start=432_000), length=n)
    return [data[i] for i in range(n)]


def test_an_added_refinement_changes_no_mask(plain):
    model, tok = plain
    refined = ck.with_pixel_refine(model, 8)
    assert refined.config.pixel_refine == 8 and model.pixel_refine is None
    imgs = images(2, seed=1)
    seg = torch.randn(1, model.config.text_hidden, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        feats, refined_feats = model.encode_images(imgs), refined.encode_images(imgs)
        assert len(refined_feats.sam) == len(feats.sam) + 1 and refined_feats.sam[3].shape[-1] == S
        torch.testing.assert_close(ground_step(refined, seg, refined_feats, 1)[1], ground_step(model, seg, feats, 1)[1])
        batch = collate(_batch(), tok, model.config)
        torch.testing.assert_close(refined.forward_train(batch)["bce"], model.forward_train(batch)["bce"])
    assert ck.with_pixel_refine(refined, 16) is refined  # a model that refines keeps its refinement


def _trained_refinement(model, tok, steps: int = 25):
    """A copy of ``model`` with a refinement trained alone for ``steps`` on one batch -> (model, bce before,
    bce after)."""
    refined = ck.with_pixel_refine(model, 8).train()
    assert set_trainable(refined, ("mask_decoder",)) and all(
        not p.requires_grad for n, p in refined.named_parameters() if n.startswith("internvl."))
    opt = torch.optim.Adam([p for n, p in refined.named_parameters() if n.startswith("pixel_refine.")], lr=3e-3)
    batch = collate(_batch(), tok, model.config)
    losses = []
    for _ in range(steps):
        out = refined.forward_train(batch)
        losses.append(float(out["bce"].detach()))
        opt.zero_grad()
        (out["bce"] + out["dice"]).backward()
        opt.step()
    return refined.eval(), losses[0], losses[-1]


def test_training_the_refinement_alone_lowers_the_mask_loss_with_detail_finer_than_the_decoder_grid(plain):
    model, tok = plain
    refined, before, after = _trained_refinement(model, tok)
    assert after < 0.9 * before
    imgs = images(1, seed=5)
    seg = torch.randn(1, model.config.text_hidden, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        prob = ground_step(refined, seg, refined.encode_images(imgs), 0)[1]
    # within the 4 x 4 cells of the decoder grid, the refined mask varies more than bilinear upsampling allows
    coarse = torch.nn.functional.interpolate(torch.nn.functional.avg_pool2d(prob[None, None], 4), size=prob.shape,
                                             mode="bilinear", align_corners=False)[0, 0]
    plain_prob = ground_step(model, seg, model.encode_images(imgs), 0)[1]
    plain_coarse = torch.nn.functional.interpolate(torch.nn.functional.avg_pool2d(plain_prob[None, None], 4),
                                                   size=plain_prob.shape, mode="bilinear", align_corners=False)[0, 0]
    assert (prob - coarse).abs().mean() > 1.5 * (plain_prob - plain_coarse).abs().mean()


def test_a_refinement_is_saved_and_loaded_and_the_predictor_uses_it(plain, tmp_path):
    model, tok = plain
    refined, _, _ = _trained_refinement(model, tok, steps=3)
    ck.save_pretrained(refined, tok, tmp_path / "m")
    loaded, _ = ck.from_pretrained(tmp_path / "m")
    assert loaded.config.pixel_refine == 8
    torch.testing.assert_close(loaded.pixel_refine.outer.weight, refined.pixel_refine.outer.weight)
    seg = torch.randn(model.config.text_hidden, generator=torch.Generator().manual_seed(1))
    imgs = images(2, seed=4)
    with_refine = GroundedPredictor(loaded, tok, flip_average=False).predict_mask(seg, 1, imgs)
    without = GroundedPredictor(model, tok, flip_average=False).predict_mask(seg, 1, imgs)
    assert abs(with_refine - without).max() > 1e-4


def test_a_recipe_adds_a_refinement_to_its_base_and_checks_its_width(plain, tmp_path):
    model, tok = plain
    ck.save_pretrained(model, tok, tmp_path / "base")
    cfg = TrainConfig(base_dir=str(tmp_path / "base"), pixel_refine=8, pixel_refine_lr_scale=3.0)
    built, _ = model_api.build(cfg.model, cfg.base_dir, pixel_refine=cfg.pixel_refine)
    assert built.config.pixel_refine == 8 and built.pixel_refine is not None
    (tmp_path / "bad.json").write_text(json.dumps({"pixel_refine": -1}))
    with pytest.raises(Exception, match="pixel_refine is a width in channels"):
        TrainConfig.load(tmp_path / "bad.json")
