"""Flip averaging of step masks on tiny-test weights: the averaged mask is exactly flip-equivariant (each view
is flipped back where it belongs), and with transposes equivariant under all eight symmetries of the square;
the predictor uses it for its steps and for re-decoding on tiles, and the model config switches it."""
import numpy as np
import torch

from engine.model.flips import FLIP_VIEWS, View, encode_flipped, ground_step, view_images, views
from engine.model.predictor import GroundedPredictor
from tests.test_model_predictor import tiny  # noqa: F401  (fixture)
from tests.test_model_support import images, scripted_answer


def _step_prob(model, imgs, seg, flips: bool, date: int = 0, transposes: bool = False) -> torch.Tensor:
    with torch.no_grad():
        feats = model.encode_images(imgs)
        views_seen = encode_flipped(model, imgs, transposes) if flips else None
        return ground_step(model, seg, feats, date, views_seen)[1]


def test_views_are_the_symmetries_of_the_square_and_undo_maps_back():
    x = torch.arange(12.0).reshape(1, 3, 4)
    assert len(views()) == 3 and len(views(True)) == 7
    seen = {tuple(v.apply(torch.arange(16.0).reshape(4, 4)).flatten().tolist()) for v in views(True)}
    assert len(seen) == 7 and tuple(range(16)) not in seen  # seven distinct views, none the identity
    for view in views(True):
        assert torch.equal(view.undo(view.apply(x)), x)
    assert torch.equal(View(True, (-1,)).apply(x), x.transpose(-1, -2).flip(-1))


def test_view_images_flips_every_image_and_keeps_the_modalities():
    imgs = images(2, seed=1, sar=False)
    imgs.valid[1, 0, :5] = False
    h = view_images(imgs, View(False, (-1,)))
    assert torch.equal(h.optical, imgs.optical.flip(-1)) and h.sar is None
    assert torch.equal(h.valid, imgs.valid.flip(-1)) and not h.valid[1, 0, -5:].any()
    assert h.has_optical.tolist() == [True, True] and h.has_sar.tolist() == [False, False]
    imgs.nir = torch.rand(2, 1, *imgs.valid.shape[-2:])
    assert torch.equal(view_images(imgs, View(False, (-2,))).nir, imgs.nir.flip(-2))
    assert torch.equal(imgs.to("cpu").nir, imgs.nir)
    imgs.pixel_m = 0.5  # the land-cover head and the patch rules read the grid's pixel size
    assert all(view_images(imgs, v).pixel_m == 0.5 for v in views(True))


def test_averaged_mask_is_flip_equivariant(tiny):  # noqa: F811
    model, _ = tiny
    imgs = images(1, seed=5)
    seg = torch.randn(1, model.config.text_hidden, generator=torch.Generator().manual_seed(0))
    for view in FLIP_VIEWS:
        dims = view.dims
        flipped = view_images(imgs, view)
        avg = _step_prob(model, imgs, seg, True)
        avg_of_flipped = _step_prob(model, flipped, seg, True)
        torch.testing.assert_close(avg_of_flipped, avg.flip(dims), atol=1e-5, rtol=1e-4)
        # one view alone is not: the encoders see absolute positions
        single = _step_prob(model, imgs, seg, False)
        assert (_step_prob(model, flipped, seg, False) - single.flip(dims)).abs().max() > 1e-3
    assert (avg - single).abs().max() > 1e-4  # the flipped views do contribute


def test_with_transposes_the_averaged_mask_is_equivariant_under_every_symmetry(tiny):  # noqa: F811
    model, _ = tiny
    imgs = images(1, seed=6)
    imgs.nir = torch.rand(1, 1, *imgs.valid.shape[-2:], generator=torch.Generator().manual_seed(2))
    seg = torch.randn(1, model.config.text_hidden, generator=torch.Generator().manual_seed(1))
    avg = _step_prob(model, imgs, seg, True, transposes=True)
    for view in views(True):
        seen = view_images(imgs, view)
        assert torch.equal(seen.nir, view.apply(imgs.nir))
        torch.testing.assert_close(_step_prob(model, seen, seg, True, transposes=True), view.apply(avg),
                                   atol=1e-5, rtol=1e-4)
    # the flips alone are not transpose-equivariant: the transposed views do contribute
    transposed = view_images(imgs, View(True, ()))
    flips_only = _step_prob(model, transposed, seg, True)
    assert (flips_only - _step_prob(model, imgs, seg, True).transpose(-1, -2)).abs().max() > 1e-4


def test_predictor_steps_and_tiles_use_the_averaged_masks(tiny):  # noqa: F811
    model, tok = tiny
    imgs = images(2, seed=3)
    text = "Step 1: water. <t1> [SEG]\nStep 2: forest. <t2> [SEG]\nAnswer: A\n"
    steps = {}
    for flips in (False, True):
        p, out = scripted_answer(model, tok, text, imgs, "Where is the water?", flip_average=flips)
        steps[flips] = out.steps
        assert len(p.flipped) == (3 if flips else 0)
    for plain, averaged in zip(steps[False], steps[True]):
        seg = averaged.seg_embedding.reshape(1, -1)
        np.testing.assert_allclose(averaged.mask_prob,
                                   _step_prob(model, imgs, seg, True, averaged.date_index).numpy(), atol=1e-5)
        assert not np.allclose(averaged.mask_prob, plain.mask_prob, atol=1e-4)
        # re-decoding the step on other images (a tile) averages the same way
        tile = images(2, seed=11)
        np.testing.assert_allclose(p.predict_mask(averaged.seg_embedding, averaged.date_index, tile),
                                   _step_prob(model, tile, seg, True, averaged.date_index).numpy(), atol=1e-5)


def test_model_config_switches_flip_averaging(tiny):  # noqa: F811
    model, tok = tiny
    assert model.config.flip_average is False and GroundedPredictor(model, tok).flip_average is False
    model.config.flip_average = True
    try:
        assert GroundedPredictor(model, tok).flip_average is True
        assert GroundedPredictor(model, tok, flip_average=False).flip_average is False
        model.config.flip_transposes = True  # the config's transposes join the flips' views
        p = GroundedPredictor(model, tok)
        p.set_images(images(1, seed=2))
        assert [view for view, _ in p.flipped] == list(views(True))
        p = GroundedPredictor(model, tok, flip_average=False)
        p.set_images(images(1, seed=2))
        assert p.flipped == []
    finally:
        model.config.flip_average = model.config.flip_transposes = False



def test_model_config_and_override_switch_mask_sharpening(tiny):  # noqa: F811
    from engine.model.predictor import GUIDED_RADIUS

    model, tok = tiny
    assert model.config.guided_radius == 0 and not GroundedPredictor(model, tok).guided.enabled
    assert GroundedPredictor(model, tok, sharpen_masks=True).guided.radius == GUIDED_RADIUS
    model.config.guided_radius, model.config.guided_eps = 5, 2e-4
    try:
        p = GroundedPredictor(model, tok)
        assert (p.guided.radius, p.guided.eps) == (5, 2e-4)
        assert GroundedPredictor(model, tok, sharpen_masks=True).guided.radius == 5
        assert not GroundedPredictor(model, tok, sharpen_masks=False).guided.enabled
    finally:
        model.config.guided_radius, model.config.guided_eps = 0, 0.001


def test_model_config_and_override_switch_class_signatures(tiny):  # noqa: F811
    from engine.model.predictor import SIGNATURE_WEIGHT

    model, tok = tiny
    assert model.config.signature_weight == 0 and not GroundedPredictor(model, tok).signatures.enabled
    assert GroundedPredictor(model, tok, class_signatures=True).signatures.weight == SIGNATURE_WEIGHT
    model.config.signature_weight = 0.3
    try:
        p = GroundedPredictor(model, tok)
        assert p.signatures.weight == 0.3
        assert p.signatures_for("Step 1: water. <t1> [SEG]") is p.signatures
        assert p.signatures_for("Step 1: flooded cropland. <t1> [SEG]") is None
        # the class whose largest patch a step keeps is blended as the class, unless that rule is off
        assert p.signatures_for("Step 1: the largest water patch. <t1> [SEG]") is p.signatures
        assert GroundedPredictor(model, tok, patch_from_class=False).signatures_for(
            "Step 1: the largest water patch. <t1> [SEG]") is None
        assert not GroundedPredictor(model, tok, class_signatures=False).signatures.enabled
    finally:
        model.config.signature_weight = 0.0


def test_buildings_alone_are_blended_with_the_ground_around_them(tiny):  # noqa: F811
    from dataclasses import replace

    from engine.model.step_rules import BUILDING_CONTEXT_M

    model, tok = tiny
    p = GroundedPredictor(model, tok, class_signatures=True)
    assert p.signatures.context_m == 0
    for text in ("Step 1: buildings. <t1> [SEG]", "Step 2: the houses in the northern half. <t1> [SEG]"):
        assert p.signatures_for(text) == replace(p.signatures, context_m=BUILDING_CONTEXT_M)
    assert p.signatures_for("Step 1: built-up land. <t1> [SEG]") is p.signatures
    assert p.signatures_for("Step 2: destroyed buildings. <t2> [SEG]") is None  # a change, not a class
    assert GroundedPredictor(model, tok, class_signatures=True, building_context=False).signatures_for(
        "Step 1: buildings. <t1> [SEG]") == p.signatures
    unblended = GroundedPredictor(model, tok, class_signatures=False)
    assert unblended.signatures_for("Step 1: buildings. <t1> [SEG]") is None
