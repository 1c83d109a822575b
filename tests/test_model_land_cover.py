"""The dense land-cover head (engine.model.land_cover) on tiny-test weights: its inputs, the class steps it is
blended into (and the steps it is not), on the model's grid and on other images, and its saving with the model."""
import numpy as np
import pytest
import torch

from engine.data.classes import BUILDING, ROAD, WATER
from engine.model import checkpoint as ck
from engine.geo.guided import moved_level
from engine.model.land_cover import (N_OUTPUTS, LandCoverHead, class_probabilities, class_threshold, class_weight,
                                     date_inputs, head_inputs)
from engine.model.predictor import GroundedPredictor
from engine.pipeline import _native_level
from engine.model.step_rules import StepRules
from tests.test_model_predictor import tiny  # noqa: F401 - the tiny-test model with masks that have regions
from tests.test_model_support import S, images, script

WIDTHS = [4, 8, 8, 8]
# the step that is not blended first: both runs then inject the same tokens, so the second step decodes the same mask
TEXT = "Step 1: flooded cropland. <t1> [SEG]\nStep 2: water. <t1> [SEG]\nAnswer: A\n"


def _sure_of(model, class_id: int):
    """A copy of ``model`` with a head that gives ``class_id`` a probability near 1 on every pixel."""
    grown = ck.with_land_cover(model, WIDTHS)
    with torch.no_grad():
        grown.land_cover.out.weight.zero_()
        grown.land_cover.out.bias.zero_()
        grown.land_cover.out.bias[class_id] = 20.0
    return grown.eval()


def _steps(model, tok, imgs, text=TEXT, **options):
    undo = script(model, tok, text)
    try:
        p = GroundedPredictor(model, tok, class_signatures=False, water_index=False, **options)
        p.set_images(imgs)
        return p, p.answer("What share is water?", ["a", "b"]).steps
    finally:
        undo()


def test_the_head_labels_every_pixel_of_grids_of_any_size():
    head = LandCoverHead(WIDTHS).eval()
    with torch.no_grad():
        assert head(torch.rand(2, 9, 37, 50)).shape == (2, N_OUTPUTS, 37, 50)
    with pytest.raises(ValueError, match="four positive widths"):
        LandCoverHead([4, 8])


def test_inputs_hold_the_bands_the_modalities_present_and_the_grids_scale():
    opt, nir, sar = torch.full((3, 5, 5), 0.2), torch.full((1, 5, 5), 0.4), torch.full((2, 5, 5), 0.6)
    x = head_inputs(opt, nir, None, 16.0)
    assert x.shape == (9, 5, 5)
    assert torch.allclose(x[:4, 0, 0], torch.tensor([0.2, 0.2, 0.2, 0.4])) and float(x[4:6].abs().sum()) == 0
    assert x[6:, 0, 0].tolist() == [1.0, 0.0, 1.0]  # has optical, no SAR, log2(16) / 4
    x = head_inputs(None, None, sar, None)
    assert float(x[:4].abs().sum()) == 0 and x[6:, 0, 0].tolist() == pytest.approx([0.0, 1.0, np.log2(10) / 4])
    # an optical image without its NIR band is read as the date's SAR alone; without SAR the date is not read
    imgs = images(1, seed=3)
    assert imgs.nir is None and date_inputs(imgs, 0)[6].max() == 0 and date_inputs(imgs, 0)[7].min() == 1
    assert date_inputs(images(1, seed=3, sar=False), 0) is None


def test_class_steps_are_rules_of_the_phrase():
    rules = StepRules()
    assert rules.land_cover_class_for("Step 2: water. <t1> [SEG]") == WATER
    assert rules.land_cover_class_for("the largest water patch") == WATER
    assert rules.land_cover_class_for("roads next to the water") == ROAD
    assert rules.land_cover_class_for("buildings in the northern half") == BUILDING
    for phrase in ("flooded cropland", "destroyed buildings", "the flooded area"):
        assert rules.land_cover_class_for(phrase) is None
    assert StepRules(land_cover=False).land_cover_class_for("water") is None
    # by default buildings are not blended on grids of 5 m or coarser; other classes on any grid
    assert class_weight(BUILDING, 1.0, 0.5) == 0.5 and class_weight(BUILDING, 10.0, 0.5) == 0.0
    assert class_weight(ROAD, 10.0, 0.5) == 0.5 and class_weight(None, 1.0, 0.5) == 0.0
    # a model's class weights give a class its own share on fine and on coarse grids, buildings at 10 m included
    shares = {"buildings": [0.85, 0.3], "roads": [0.0, 0.9]}
    assert class_weight(BUILDING, 0.5, 0.5, shares) == 0.85 and class_weight(BUILDING, 10.0, 0.5, shares) == 0.3
    assert class_weight(ROAD, 1.0, 0.5, shares) == 0.0 and class_weight(ROAD, None, 0.5, shares) == 0.9
    assert class_weight(WATER, 10.0, 0.5, shares) == 0.5
    # a class's own level on fine and coarse grids; the default for other classes and for steps of no class
    levels = {"roads": [0.45, 0.35]}
    assert class_threshold(ROAD, 0.5, 0.5, levels) == 0.45 and class_threshold(ROAD, 10.0, 0.5, levels) == 0.35
    assert class_threshold(ROAD, None, 0.5, levels) == 0.35 and class_threshold(WATER, 10.0, 0.5, levels) == 0.5
    assert class_threshold(None, 10.0, 0.6, levels) == 0.6 and class_threshold(ROAD, 10.0, 0.5) == 0.5


def test_an_added_head_changes_no_mask_until_its_weight_is_set(tiny):
    model, tok = tiny
    grown = ck.with_land_cover(model, WIDTHS)
    assert grown.config.land_cover == WIDTHS and grown.config.land_cover_weight == 0.0 and model.land_cover is None
    assert ck.with_land_cover(grown, [8, 8, 8, 8]) is grown
    imgs = images(1, seed=7)
    imgs.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(1))
    _, plain = _steps(model, tok, imgs)
    _, added = _steps(grown, tok, imgs)
    for a, b in zip(plain, added):
        assert np.array_equal(a.mask_prob, b.mask_prob)


def test_class_steps_take_the_heads_probability_of_their_class(tiny):
    model, tok = tiny
    imgs = images(1, seed=7)
    imgs.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(1))
    imgs.valid[0, :, : S // 4] = False
    _, plain = _steps(model, tok, imgs)
    sure = _sure_of(model, WATER)
    sure.config.land_cover_weight = 0.5
    p, blended = _steps(sure, tok, imgs)
    assert p.land_cover_weight == 0.5
    valid = imgs.valid[0].numpy()
    # "flooded cropland" is not a class step; water takes the head's near-certain water inside the valid pixels
    assert np.array_equal(blended[0].mask_prob, plain[0].mask_prob)
    want_water = 0.5 * plain[1].mask_prob + 0.5 * valid
    assert np.allclose(blended[1].mask_prob, want_water, atol=1e-4)
    assert blended[1].confidence == plain[1].confidence  # the gate judges the decoder's own mask
    _, off = _steps(sure, tok, imgs, land_cover=False)
    assert np.array_equal(off[1].mask_prob, plain[1].mask_prob)
    # a share of its own for water on this 10 m grid (the images' pixel size unknown: 10 m); none on fine grids.
    # Set after the config was built, under another name of the class: the predictor reads it as water's
    sure.config.land_cover_class_weights = {"Lakes": [0.0, 0.8]}
    _, own = _steps(sure, tok, imgs)
    assert np.allclose(own[1].mask_prob, 0.2 * plain[1].mask_prob + 0.8 * valid, atol=1e-4)
    imgs.pixel_m = 0.5
    _, fine = _steps(sure, tok, imgs)
    _, fine_off = _steps(sure, tok, imgs, land_cover=False)
    assert np.array_equal(fine[1].mask_prob, fine_off[1].mask_prob)
    # a level of its own for water on 10 m grids: the blended mask is moved so that this level reads as 0.5
    imgs.pixel_m = None
    sure.config.land_cover_class_thresholds = {"water": [0.5, 0.9]}
    p, level = _steps(sure, tok, imgs)
    assert p.mask_level_for(level[1].text, 10.0) == 0.9 and p.mask_level_for(level[1].text, 1.0) == 0.5
    assert p.mask_level_for(level[0].text, 10.0) == 0.5  # "flooded cropland" is no class step
    assert np.allclose(level[1].mask_prob, moved_level(own[1].mask_prob, 0.9), atol=1e-4)
    assert ((level[1].mask_prob > 0.5) != (own[1].mask_prob > 0.5)).any()
    assert np.array_equal(level[0].mask_prob, own[0].mask_prob)
    # native tiles are cut at the class's level on their own grid; other steps keep the run's threshold
    assert _native_level(p, level[1], 10.0, 0.5) == 0.9 and _native_level(p, level[1], 0.5, 0.6) == 0.6
    assert _native_level(p, level[0], 10.0, 0.6) == 0.6
    # with the head off no class step takes a level of its own
    p, off_level = _steps(sure, tok, imgs, land_cover=False)
    assert p.mask_level_for(off_level[1].text, 10.0) == 0.5 and np.array_equal(off_level[1].mask_prob, off[1].mask_prob)


def test_a_class_step_redecoded_on_a_tile_takes_the_heads_class_on_that_tile(tiny):
    model, tok = tiny
    sure = _sure_of(model, WATER)
    sure.config.land_cover_weight = 0.5
    imgs = images(1, seed=7)
    imgs.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(1))
    p, steps = _steps(sure, tok, imgs)
    tile = images(1, seed=11)
    tile.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(2))
    raw = p.predict_mask(steps[1].seg_embedding, 0, tile)
    assert np.allclose(p.predict_mask(steps[1].seg_embedding, 0, tile, steps[1].text), 0.5 * raw + 0.5, atol=1e-4)
    assert np.array_equal(p.predict_mask(steps[1].seg_embedding, 0, tile, "Step 1: flooded cropland. <t1> [SEG]"), raw)
    # roads take the head's near-zero roads
    assert np.allclose(p.predict_mask(steps[1].seg_embedding, 0, tile, "Step 1: roads. <t1> [SEG]"), 0.5 * raw, atol=1e-4)


def test_the_head_is_saved_and_loaded_with_the_model(tiny, tmp_path):
    model, tok = tiny
    grown = ck.with_land_cover(model, WIDTHS)
    with torch.no_grad():
        for prm in grown.land_cover.parameters():
            prm.normal_()
    grown.config.land_cover_weight = 0.4
    ck.save_pretrained(grown, tok, tmp_path / "m")
    loaded, _ = ck.from_pretrained(tmp_path / "m")
    assert loaded.config.land_cover == WIDTHS and loaded.config.land_cover_weight == 0.4
    imgs = images(1, seed=2)
    imgs.nir = torch.rand(1, 1, S, S)
    torch.testing.assert_close(class_probabilities(loaded.land_cover, imgs, 0),
                               class_probabilities(grown.eval().land_cover, imgs, 0))


def test_a_class_step_the_decoder_finds_too_little_of_takes_none_of_the_heads_probability(tiny):
    """``head_presence``: the decoder judges whether a class is there. Where its own water mask marks fewer pixels
    than a kept mask needs, a head sure of water adds nothing and the step stays empty; with the rule off the head
    alone marks water."""
    model, tok = tiny
    imgs = images(1, seed=7)
    imgs.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(1))
    sure = _sure_of(model, WATER)
    sure.config.land_cover_weight = 0.5
    _, plain = _steps(model, tok, imgs, land_cover=False)
    marked = int((plain[1].mask_prob > 0.5).sum())
    assert marked > 0  # the tiny decoder marks some water on these images
    sure.config.min_mask_pixels = marked + 1
    p, judged = _steps(sure, tok, imgs)
    assert p.decoder_finds_nothing(torch.from_numpy(plain[1].mask_prob))
    assert int((judged[1].mask_prob > 0.5).sum()) == 0
    _, unjudged = _steps(sure, tok, imgs, head_presence=False)
    assert int((unjudged[1].mask_prob > 0.5).sum()) > marked
    # a decoder mask large enough to keep takes the head's probability as before
    sure.config.min_mask_pixels = marked
    p, kept_steps = _steps(sure, tok, imgs)
    assert not p.decoder_finds_nothing(torch.from_numpy(plain[1].mask_prob))
    assert np.allclose(kept_steps[1].mask_prob, 0.5 * plain[1].mask_prob + 0.5, atol=1e-4)


def test_the_heads_probabilities_averaged_over_symmetries_move_with_the_images(tiny):
    """Averaged over the 8 symmetries of the square, the head's probabilities of a flipped or transposed date are
    those of the date, flipped or transposed (a view mapped back the wrong way breaks this); over none they are the
    head's own. The predictor averages over the config's ``land_cover_symmetries`` only when flip averaging."""
    from engine.model.flips import View, symmetry_views, view_images

    head = LandCoverHead(WIDTHS).eval()
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for prm in head.parameters():
            prm.normal_(generator=g)
    imgs = images(1, seed=4)
    imgs.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(6))
    plain = class_probabilities(head, imgs, 0)
    assert torch.equal(class_probabilities(head, imgs, 0, symmetry_views(1)), plain)
    assert [len(symmetry_views(n)) for n in (1, 4, 8)] == [0, 3, 7]
    averaged = class_probabilities(head, imgs, 0, symmetry_views(8))
    assert torch.allclose(averaged.sum(0), torch.ones(S, S), atol=1e-5)
    assert not torch.allclose(averaged, plain, atol=1e-3)  # the head alone is not symmetric
    for view in (View(False, (-1,)), View(True, ()), View(True, (-2,))):
        seen = class_probabilities(head, view_images(imgs, view), 0, symmetry_views(8))
        assert torch.allclose(seen, view.apply(averaged), atol=1e-5)
    # the 4 flips: equivariant under a flip, not under a transpose
    flips = class_probabilities(head, imgs, 0, symmetry_views(4))
    flipped = class_probabilities(head, view_images(imgs, View(False, (-2,))), 0, symmetry_views(4))
    assert torch.allclose(flipped, flips.flip(-2), atol=1e-5)
    model, tok = tiny
    grown = ck.with_land_cover(model, WIDTHS)
    grown.config.land_cover_symmetries = 8
    assert len(GroundedPredictor(grown, tok, flip_average=True)._head_views()) == 7
    assert GroundedPredictor(grown, tok, flip_average=False)._head_views() == ()


def test_a_config_with_another_count_of_symmetries_is_refused():
    from engine.model.config import TerraScopeConfig

    assert TerraScopeConfig().land_cover_symmetries == 1
    with pytest.raises(ValueError, match="land_cover_symmetries is 3: give 1"):
        TerraScopeConfig(land_cover_symmetries=3)
    with pytest.raises(ValueError, match="head_signature_weight is -0.1"):
        TerraScopeConfig(head_signature_weight=-0.1)


def test_a_class_step_the_head_blends_into_takes_no_class_signature(tiny):
    """``head_over_signature``: with the config's ``head_signature_weight`` at 0 the class signature is left to the
    class steps the head does not blend into: those of a class whose share on the grid is 0, and all of them on images
    the head cannot read. A config that sets no such weight keeps the signature everywhere."""
    model, tok = tiny
    sure = _sure_of(model, WATER)
    sure.config.land_cover_weight = 0.5
    assert sure.config.head_signature_weight is None
    unset = GroundedPredictor(sure, tok, class_signatures=True)
    unset.set_images(images(1, seed=7))
    unset.images.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(1))
    assert unset.head_blends("Step 1: water. <t1> [SEG]", unset.images)
    assert unset.signatures_for("Step 1: water. <t1> [SEG]") == unset.signatures
    sure.config.head_signature_weight = 0.0
    sure.config.land_cover_class_weights = {"buildings": [0.9, 0.0]}
    imgs = images(1, seed=7)
    imgs.nir = torch.rand(1, 1, S, S, generator=torch.Generator().manual_seed(1))
    water, buildings = "Step 1: water. <t1> [SEG]", "Step 1: buildings. <t1> [SEG]"
    p = GroundedPredictor(sure, tok, class_signatures=True)
    p.set_images(imgs)
    assert p.signatures.enabled and p.head_blends(water, imgs) and p.signatures_for(water) is None
    assert not p.head_blends(buildings, imgs) and p.signatures_for(buildings) is not None  # share 0 on 10 m grids
    assert p.signatures_for("Step 1: flooded cropland. <t1> [SEG]") is None  # no class step: never a signature
    off = GroundedPredictor(sure, tok, class_signatures=True, head_over_signature=False)
    off.set_images(imgs)
    assert off.signatures_for(water) is not None
    # optical without its NIR band and no SAR: the head reads nothing, the signature stays
    unread = images(1, seed=7, sar=False)
    p.set_images(unread)
    assert not p.head_blends(water, unread) and p.signatures_for(water) is not None
    # a weight of its own for the head's class steps; the neighbourhood's share of buildings in the same proportion
    sure.config.head_signature_weight = 0.25
    sure.config.land_cover_class_weights = {"buildings": [0.9, 0.9]}
    p = GroundedPredictor(sure, tok, class_signatures=True)
    p.set_images(imgs)
    full = off.signatures_for(buildings)
    assert p.signatures_for(water).weight == 0.25 and full.weight == off.signatures.weight > 0.25
    assert p.signatures_for(buildings).context_weight == pytest.approx(full.context_weight * 0.25 / full.weight)
    # with the head off no step is the head's
    p = GroundedPredictor(sure, tok, class_signatures=True, land_cover=False)
    p.set_images(imgs)
    assert p.signatures_for(water) is not None
