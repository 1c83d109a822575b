"""Grounded decoding on tiny-test weights: KV-cache re-injection equals a full forward, date routing,
measurements in the context, cancel, re-decoding a step on other images."""
import numpy as np
import pytest
import torch

from engine.errors import Cancelled, ModelError
from engine.model.predictor import GroundedPredictor
from engine.model.registry import build_model
from tests.test_model_support import images, script, scripted_answer, scripted_off_and_on

TRACE = ("Step 1: water. <t1> [SEG]\nStep 2: cropland. <t2> [SEG]\n"
         "Step 3: forest. <t2> [SEG]\nAnswer: B\n")


@pytest.fixture(scope="module")
def tiny():
    model, tok = build_model("tiny-test")
    with torch.no_grad():  # random init gives logits near 0 everywhere: spread them so masks have regions
        model.mask_decoder.output_hypernetworks_mlps[0].proj_out.weight.mul_(100.0)
    return model, tok


def _run(model, tok, mode, imgs, text=TRACE, cache="dynamic", judge_only=False, options=None, **kw):
    record = []
    undo = script(model, tok, text, record)
    try:
        p = GroundedPredictor(model, tok, prefix_mode=mode, cache=cache, judge_only=judge_only, **(options or {}))
        p.set_images(imgs)
        out = p.answer("What share is water?", ["a", "b"], **kw)
    finally:
        undo()
    return out, record


def test_cache_reinjection_gives_the_logits_of_a_full_forward(tiny):
    model, tok = tiny
    imgs = images(2, seed=1)
    calls = []

    def measure(prob, date):
        calls.append((prob.shape, prob.dtype, date))
        return "[area 12.4 ha; share 23.1 %]"

    cached, rec_c = _run(model, tok, "cache", imgs, measure=measure)
    full, rec_f = _run(model, tok, "recompute-token", imgs, measure=measure)
    _, rec_s = _run(model, tok, "recompute-seg", imgs, measure=measure)
    assert len(cached.steps) == 3 and sum(len(s.positions) for s in cached.steps) > 0  # tokens were injected
    assert len(rec_c) == len(rec_f) == len(rec_s)
    for a, b, c in zip(rec_c, rec_f, rec_s):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4)
        assert torch.allclose(a, c, atol=1e-4, rtol=1e-4)
    assert cached.text == full.text
    assert calls[0] == ((64, 64), np.float32, 0) and [c[2] for c in calls[:3]] == [0, 1, 1]


def test_static_cache_gives_the_logits_of_the_dynamic_cache(tiny, monkeypatch):
    """The pre-allocated cache (for CUDA graphs) decodes exactly as the growing one, also when an answer
    outgrows the room first set aside and the cache is copied into a larger one."""
    import engine.model.decoding as decoding
    import engine.model.predictor as predictor_module

    model, tok = tiny
    imgs = images(2, seed=1)
    dyn, rec_d = _run(model, tok, "cache", imgs)
    sta, rec_s = _run(model, tok, "cache", imgs, cache="static")
    grown = []
    orig_grow = decoding.CachedDecoder._grow

    def spy(self, capacity):
        assert self.cache.layers[0].is_initialized  # a filled cache is copied
        grown.append((self.capacity, capacity))
        orig_grow(self, capacity)

    # room for five tokens after the prompt: the answer outgrows it at once
    monkeypatch.setattr(predictor_module, "initial_capacity", lambda prompt_tokens, *_, **__: prompt_tokens + 5)
    monkeypatch.setattr(decoding.CachedDecoder, "_grow", spy)
    small, rec_g = _run(model, tok, "cache", imgs, cache="static")
    assert grown and all(new > old for old, new in grown)
    assert sum(len(s.positions) for s in sta.steps) > 0
    assert dyn.text == sta.text == small.text
    assert len(rec_d) == len(rec_s) == len(rec_g)
    for a, b, c in zip(rec_d, rec_s, rec_g):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4) and torch.allclose(a, c, atol=1e-4, rtol=1e-4)
    for a, b in zip(dyn.steps, small.steps):
        assert np.allclose(a.mask_prob, b.mask_prob, atol=1e-5)


def test_cache_options_are_checked(tiny):
    model, tok = tiny
    with pytest.raises(ValueError, match="cache kind"):
        GroundedPredictor(model, tok, cache="paged")
    with pytest.raises(ValueError, match="static"):
        GroundedPredictor(model, tok, compile_steps=True)


def test_injected_tokens_change_what_follows(tiny):
    model, tok = tiny
    imgs = images(1, seed=2)
    _, with_inj = _run(model, tok, "cache", imgs, text="Step 1: water. <t1> [SEG]\nAnswer: A\n")
    old = model.config.max_injected_tokens
    model.config.max_injected_tokens = 0
    try:
        _, without = _run(model, tok, "cache", imgs, text="Step 1: water. <t1> [SEG]\nAnswer: A\n")
    finally:
        model.config.max_injected_tokens = old
    n_before = _calls_writing(tok, "Step 1: water. <t1> [SEG]", "Step 1:")
    assert torch.allclose(with_inj[n_before - 1], without[n_before - 1])  # up to [SEG] nothing differs
    assert not torch.allclose(with_inj[n_before], without[n_before], atol=1e-4)


def _calls_writing(tok, text: str, head: str) -> int:
    """How many next-token predictions write ``text``, whose line head ``head`` the engine writes from one."""
    def n(t):
        return len(tok(t, add_special_tokens=False)["input_ids"])

    return n(text) - n(head) + 1


def test_output_steps_and_answer(tiny):
    model, tok = tiny
    out, _ = _run(model, tok, "cache", images(2, seed=3))
    assert out.answer == "B" and out.choice == "B"
    assert [s.index for s in out.steps] == [1, 2, 3]
    assert [s.label for s in out.steps] == ["water", "cropland", "forest"]
    assert out.steps[0].text == "Step 1: water. <t1> [SEG]"
    for s in out.steps:
        assert s.mask_prob.shape == (64, 64) and s.mask_prob.dtype == np.float32
        assert 0.0 <= s.mask_prob.min() and s.mask_prob.max() <= 1.0
        assert len(s.modalities) == len(s.positions) and set(s.modalities) <= {"optical", "sar"}
        assert 0.0 <= s.confidence <= 1.0 and 0.0 <= s.iou_pred <= 1.0
        assert s.seg_embedding.shape == (model.config.text_hidden,)
        assert s.measurement.startswith("[") and s.measurement in out.text  # default pixel measurement


def test_ranking_steps_name_the_regions_the_options_rank(tiny):
    """The model opens each step; the engine writes the phrase the options fix (question order), so a
    model that would name one region twice still grounds and measures every ranked region."""
    model, tok = tiny
    text = "Step 1: water. <t1> [SEG]\nStep 2: water. <t1> [SEG]\nAnswer: A\n"
    question, options = "Which covers more area: cropland or water?", ["water", "cropland"]
    for plan, labels in ((False, ["water", "water"]), (True, ["cropland", "water"])):
        # with a plan the model's own phrase tokens are never asked for: script only what it writes
        undo = script(model, tok, text if not plan else text.replace(" water.", ""))
        try:
            p = GroundedPredictor(model, tok, plan_phrases=plan)
            p.set_images(images(1, seed=4))
            out = p.answer(question, options)
        finally:
            undo()
        assert [s.label for s in out.steps] == labels
        assert out.steps[0].text == f"Step 1: {labels[0]}. <t1> [SEG]" and out.choice == "A"
        assert f"Step 2: {labels[1]}. <t1> [SEG] [" in out.text


def test_distance_steps_name_the_two_regions_the_question_names(tiny):
    """A model that names a wrong second region still grounds both regions of a distance question,
    the reference first, as trace synthesis measures them."""
    model, tok = tiny
    # with a plan the model's own phrase tokens are never asked for: script only what it writes
    undo = script(model, tok, "Step 1: <t1> [SEG]\nStep 2: <t1> [SEG]\nAnswer: B\n")
    try:
        p = GroundedPredictor(model, tok)
        p.set_images(images(1, seed=4))
        out = p.answer("How far are the buildings from the roads?",
                       ["under 75 m", "75 m to 150 m", "over 150 m"])
    finally:
        undo()
    assert [s.label for s in out.steps] == ["roads", "buildings"]
    assert "Step 2: buildings. <t1> [SEG] [" in out.text and out.choice == "B"


def test_change_questions_ground_the_class_on_the_first_date_and_its_change_on_the_last(tiny):
    """On two or more dates a change question fixes both steps: the class on the first date, then the changed
    region on the last (engine.trace_format.change_phrases); a model that would name a garbled region on the
    wrong date still grounds "new buildings" on the last date. On one date, nothing is planned."""
    model, tok = tiny
    question = "How much new building area appeared between the two dates?"
    # with a plan the model's own phrase and date tokens are never asked for: script only what it writes
    undo = script(model, tok, "Step 1: [SEG]\nStep 2: [SEG]\nAnswer: no such region\n")
    try:
        p = GroundedPredictor(model, tok)
        p.set_images(images(3, seed=4))
        out = p.answer(question, None)
    finally:
        undo()
    assert [(s.label, s.date_index) for s in out.steps] == [("buildings", 0), ("new buildings", 2)]
    assert "Step 2: new buildings. <t3> [SEG] [" in out.text
    assert p.planned_steps(question, None, 1) == ([], [])
    assert p.planned_steps(question, None, 2) == (["buildings", "new buildings"], [0, 1])
    assert GroundedPredictor(model, tok, plan_phrases=False).planned_steps(question, None, 2) == ([], [])


def test_a_seg_token_inside_the_answer_line_grounds_no_step(tiny):
    """The trace grammar opens a step with "Step N:"; a [SEG] the model writes inside its answer line ends the
    answer and makes no mask, measurement or layer."""
    model, tok = tiny
    text = "Step 1: water. <t1> [SEG]\nAnswer: water, 3 ha, <t1> [SEG]\nStep 3: forest. <t1> [SEG]\n"
    _, out = scripted_answer(model, tok, text, images(1, seed=4), "Segment the water.")
    assert [s.label for s in out.steps] == ["water"]
    assert out.text.count("[SEG]") == 1 and "forest" not in out.text
    assert out.answer.startswith("water, 3 ha")
    # the same tokens as a step's are grounded
    _, out = scripted_answer(model, tok, text.replace("Answer: water, 3 ha,", "Step 2: water in 3 ha."),
                             images(1, seed=4), "Segment the water.")
    assert [s.label for s in out.steps] == ["water", "water in 3 ha", "forest"]


def test_date_token_routes_the_mask_decoder(tiny):
    model, tok = tiny
    imgs = images(2, seed=4)
    out, _ = _run(model, tok, "cache", imgs, text="Step 1: a. <t1> [SEG]\nStep 2: a. <t2> [SEG]\nAnswer: A\n")
    s1, s2 = out.steps
    assert (s1.date_index, s2.date_index) == (0, 1)
    p = GroundedPredictor(model, tok)
    # the same [SEG] state decoded on each date: the step's mask is the one of its own date
    for step in (s1, s2):
        own = p.predict_mask(step.seg_embedding, step.date_index, imgs)
        other = p.predict_mask(step.seg_embedding, 1 - step.date_index, imgs)
        assert np.allclose(step.mask_prob, own, atol=1e-5)
        assert not np.allclose(step.mask_prob, other, atol=1e-3)
    # without a date token the last date is used
    out, _ = _run(model, tok, "cache", imgs, text="Step 1: a. [SEG]\nAnswer: A\n")
    assert out.steps[0].date_index == 1


def test_sar_only_dates_inject_sar_tokens(tiny):
    model, tok = tiny
    out, _ = _run(model, tok, "cache", images(1, seed=5, optical=False),
                  text="Step 1: a. <t1> [SEG]\nAnswer: A\n")
    assert out.steps[0].positions and set(out.steps[0].modalities) == {"sar"}


def test_cancel_stops_decoding(tiny):
    model, tok = tiny
    polls = []

    def cancelled():
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(Cancelled):
        _run(model, tok, "cache", images(1), cancelled=cancelled)
    assert len(polls) == 4


def test_progress_and_max_tokens(tiny):
    model, tok = tiny
    seen = []
    out, _ = _run(model, tok, "cache", images(1), text="Step 1: a. <t1> [SEG]" + " more" * 100,
                  progress=lambda f, msg: seen.append(f), max_new_tokens=20)
    assert out.n_tokens == 20 and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)


def test_answer_needs_images_and_checks_their_size(tiny):
    model, tok = tiny
    p = GroundedPredictor(model, tok)
    with pytest.raises(ModelError):
        p.answer("What?")
    from engine.errors import InputError
    from engine.model.inputs import ModelImages

    bad = ModelImages(torch.rand(1, 3, 32, 32), None, torch.ones(1, 32, 32, dtype=torch.bool), [True], [False])
    with pytest.raises(InputError, match="64 x 64"):
        p.set_images(bad)


@pytest.mark.slow
def test_compiled_steps_decode_as_eager(tiny):
    """The torch.compile'd single-token path (CUDA graphs on a GPU; inductor here) gives the eager logits."""
    model, tok = tiny
    imgs = images(1, seed=6)
    text = "Step 1: water. <t1> [SEG]\nAnswer: B\n"
    eager, rec_e = _run(model, tok, "cache", imgs, text=text)
    rec_c = []
    undo = script(model, tok, text, rec_c)
    try:
        p = GroundedPredictor(model, tok, cache="static", compile_steps=True)
        p.set_images(imgs)
        compiled = p.answer("What share is water?", ["a", "b"])
    finally:
        undo()
    assert compiled.text == eager.text and len(rec_c) == len(rec_e)
    for a, b in zip(rec_e, rec_c):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4)


def test_steps_with_unsure_masks_mark_nothing(tiny):
    """Below the model's empty_below_confidence a step's mask is emptied: no region, no injected token, and the
    measurement in the context says so; above it nothing changes."""
    model, tok = tiny
    imgs = images(1, seed=7)
    text = "Step 1: water. <t1> [SEG]\nAnswer: A\n"
    plain, _ = _run(model, tok, "cache", imgs, text=text)
    est = plain.steps[0].confidence
    assert plain.steps[0].positions and not plain.steps[0].suppressed
    old = model.config.empty_below_confidence
    try:
        model.config.empty_below_confidence = est - 1e-3
        kept, _ = _run(model, tok, "cache", imgs, text=text)
        model.config.empty_below_confidence = est + 1e-3
        doubted, _ = _run(model, tok, "cache", imgs, text=text)
    finally:
        model.config.empty_below_confidence = old
    assert not kept.steps[0].suppressed and np.array_equal(kept.steps[0].mask_prob, plain.steps[0].mask_prob)
    s = doubted.steps[0]
    assert s.suppressed and not s.mask_prob.any() and s.positions == [] and s.confidence == est
    assert s.measurement == "[no such region]" and s.emptied == "unsure"
    assert kept.steps[0].emptied == ""


def test_masks_smaller_than_the_models_minimum_mark_nothing(tiny):
    """A kept mask with fewer marked pixels of the model's grid than ``min_mask_pixels`` is emptied ("too small"):
    no region, no injected token; at its own size or with the gates off (judging) it is kept."""
    from engine.answer import EMPTIED_TOO_SMALL

    model, tok = tiny
    imgs = images(1, seed=7)
    text = "Step 1: water. <t1> [SEG]\nAnswer: A\n"
    plain, _ = _run(model, tok, "cache", imgs, text=text)
    size = int((plain.steps[0].mask_prob > 0.5).sum())
    assert size > 0
    old = model.config.min_mask_pixels
    try:
        model.config.min_mask_pixels = size
        kept, _ = _run(model, tok, "cache", imgs, text=text)
        model.config.min_mask_pixels = size + 1
        small, _ = _run(model, tok, "cache", imgs, text=text)
        judged, _ = _run(model, tok, "cache", imgs, text=text, judge_only=True)
    finally:
        model.config.min_mask_pixels = old
    assert kept.steps[0].emptied == "" and np.array_equal(kept.steps[0].mask_prob, plain.steps[0].mask_prob)
    s = small.steps[0]
    assert s.emptied == EMPTIED_TOO_SMALL and not s.mask_prob.any() and s.positions == []
    assert s.measurement == "[no such region]" and judged.steps[0].emptied == ""


def test_kept_masks_are_sharpened_along_the_band_edges_and_the_gate_judges_the_decoders_mask(tiny):
    """With guided_radius set, a kept step's mask is the decoder's mask sharpened with that date's bands
    (engine.geo.guided); its confidence and the gate's decision are those of the decoder's own mask, and
    re-decoding on a tile returns the decoder's probabilities for the caller to sharpen at its resolution."""
    from engine.geo.guided import GuidedConfig, date_guide, guided_filter

    model, tok = tiny
    imgs = images(1, seed=7)
    text = "Step 1: water. <t1> [SEG]\nAnswer: A\n"
    plain, _ = _run(model, tok, "cache", imgs, text=text)
    old = model.config.guided_radius, model.config.guided_eps, model.config.empty_below_confidence
    try:
        model.config.guided_radius, model.config.guided_eps = 3, 1e-3
        sharp, _ = _run(model, tok, "cache", imgs, text=text)
        model.config.empty_below_confidence = plain.steps[0].confidence + 1e-3
        doubted, _ = _run(model, tok, "cache", imgs, text=text)
    finally:
        model.config.guided_radius, model.config.guided_eps, model.config.empty_below_confidence = old
    p, s = plain.steps[0], sharp.steps[0]
    guide = date_guide(imgs.optical.numpy(), imgs.sar.numpy(), imgs.has_optical, imgs.has_sar, 0)
    want = guided_filter(p.mask_prob, guide, GuidedConfig(3, 1e-3), imgs.valid[0].numpy())
    assert not np.array_equal(s.mask_prob, p.mask_prob)
    assert np.allclose(s.mask_prob, want, atol=1e-5)
    assert s.confidence == p.confidence and not s.suppressed
    assert doubted.steps[0].suppressed and not doubted.steps[0].mask_prob.any()


def test_masks_of_steps_that_name_a_class_alone_are_blended_with_the_scenes_class_signature(tiny):
    """With signature_weight set, a kept step that names a class alone ("water") is its decoder mask blended
    with the class signature of its date's bands (engine.geo.signatures); a qualified step ("flooded
    cropland") keeps the decoder's mask, and the gate's confidence stays the decoder's."""
    from engine.geo.guided import date_guide
    from engine.geo.signatures import SignatureConfig, blend_signature

    model, tok = tiny
    imgs = images(1, seed=7)
    # the qualified step first: both runs then inject the same tokens, so the second step decodes the same mask
    text = "Step 1: flooded cropland. <t1> [SEG]\nStep 2: water. <t1> [SEG]\nAnswer: A\n"
    plain, _ = _run(model, tok, "cache", imgs, text=text)
    old = model.config.signature_weight
    with_nir = images(1, seed=7)
    with_nir.nir = torch.rand((1, 1) + tuple(imgs.valid.shape[-2:]), generator=torch.Generator().manual_seed(3))
    try:
        model.config.signature_weight = 0.5
        blended, _ = _run(model, tok, "cache", imgs, text=text)
        # the water index's growth (measured in its own test) left out: the signature alone is compared
        blended_nir, _ = _run(model, tok, "cache", with_nir, text=text, options={"water_index": False})
    finally:
        model.config.signature_weight = old
    guide = date_guide(imgs.optical.numpy(), imgs.sar.numpy(), imgs.has_optical, imgs.has_sar, 0)
    assert np.array_equal(blended.steps[0].mask_prob, plain.steps[0].mask_prob)
    want = blend_signature(plain.steps[1].mask_prob, guide, imgs.valid[0].numpy(), SignatureConfig(0.5))
    assert not np.array_equal(blended.steps[1].mask_prob, plain.steps[1].mask_prob)
    assert np.allclose(blended.steps[1].mask_prob, want, atol=1e-5)
    assert blended.steps[1].confidence == plain.steps[1].confidence
    # the near-infrared band joins the bands the signature is learnt from
    guide_nir = date_guide(imgs.optical.numpy(), imgs.sar.numpy(), imgs.has_optical, imgs.has_sar, 0,
                           with_nir.nir.numpy())
    want_nir = blend_signature(plain.steps[1].mask_prob, guide_nir, imgs.valid[0].numpy(), SignatureConfig(0.5))
    assert np.allclose(blended_nir.steps[1].mask_prob, want_nir, atol=1e-5)
    assert not np.allclose(blended_nir.steps[1].mask_prob, blended.steps[1].mask_prob, atol=1e-5)


def test_a_step_in_one_half_of_the_area_keeps_its_mask_in_that_half_alone(tiny):
    """A kept step whose phrase puts its region in one half ("water in the northern half") is cut to that half
    of the valid pixels' extent (engine.geo.places), and the measurement follows; other steps, and
    ``clip_places=False``, keep the decoder's mask. The half of the class is blended as the class."""
    model, tok = tiny
    imgs = images(1, seed=7)
    imgs.valid[0, :, 48:] = False  # the area of interest: columns 0..47
    # the plain step first: both runs then inject the same tokens, so the second step decodes the same mask
    text = "Step 1: water. <t1> [SEG]\nStep 2: water in the western half. <t1> [SEG]\nAnswer: A\n"
    question = "Where is the water in the western half?"
    p, plain, clipped, measured = scripted_off_and_on(model, tok, text, imgs, question, "clip_places")
    assert np.array_equal(clipped[0].mask_prob, plain[0].mask_prob)
    west = np.zeros(plain[1].mask_prob.shape, bool)
    west[:, :24] = True
    assert (plain[1].mask_prob[~west] > 0.5).any()  # the decoder marks beyond the half
    assert np.array_equal(clipped[1].mask_prob, np.where(west, plain[1].mask_prob, 0))
    assert measured[3] == int((clipped[1].mask_prob > 0.5).sum()) < measured[1]
    assert p.half_for(clipped[1].text) == "western" and p.half_for(clipped[0].text) is None
    blending = GroundedPredictor(model, tok, class_signatures=True)
    assert blending.signatures_for(clipped[1].text) is blending.signatures
    assert blending.signatures_for("Step 1: the largest water patch in the western half. <t1> [SEG]") is None


def test_water_steps_grow_into_the_connected_open_water_of_the_water_index(tiny):
    """A kept step that names water alone grows into the pixels whose NDWI (green against the NIR guide band) is
    above 0 and that connect to its mask (engine.geo.water_index); other steps, images without NIR, and
    ``water_index=False`` keep the decoder's mask; the gate's confidence stays the decoder's."""
    from engine.geo.water_index import WaterIndexConfig, with_water_index

    model, tok = tiny
    imgs = images(1, seed=7)
    imgs.nir = imgs.optical[:, 1:2] * torch.linspace(0.2, 1.8, imgs.optical.shape[-1])  # NDWI > 0 at the left
    text = "Step 1: forest. <t1> [SEG]\nStep 2: water. <t1> [SEG]\nAnswer: A\n"
    p, plain, grown, measured = scripted_off_and_on(model, tok, text, imgs, "What share is water?", "water_index")
    assert np.array_equal(grown[0].mask_prob, plain[0].mask_prob)
    want = with_water_index(plain[1].mask_prob, imgs.optical[0, 1].numpy(), imgs.nir[0, 0].numpy(),
                            imgs.valid[0].numpy(), WaterIndexConfig())
    assert np.array_equal(grown[1].mask_prob, want)
    assert (grown[1].mask_prob > 0.5).sum() > (plain[1].mask_prob > 0.5).sum()
    assert measured[3] == int((grown[1].mask_prob > 0.5).sum())
    assert grown[1].confidence == plain[1].confidence
    without_nir = images(1, seed=7)
    _, off, on, _ = scripted_off_and_on(model, tok, text, without_nir, "What share is water?", "water_index")
    assert np.array_equal(on[1].mask_prob, off[1].mask_prob)
    assert p.water_index_for(grown[1].text) is p.water_index and p.water_index_for(grown[0].text) is None


def test_a_water_mask_the_water_index_does_not_read_as_water_marks_nothing(tiny):
    """A water step whose mask hardly reads as open water (NDWI below 0 in every clear pixel: fields) is emptied
    ("not water"): no region, no injected token; over open water (NDWI above 0) the same mask is kept, and with
    ``water_evidence=False`` or the gates off (judging) it is kept too; other steps are never judged."""
    from engine.answer import EMPTIED_NOT_WATER

    model, tok = tiny
    text = "Step 1: forest. <t1> [SEG]\nStep 2: water. <t1> [SEG]\nAnswer: A\n"
    fields, lake = images(1, seed=7), images(1, seed=7)
    fields.nir = fields.optical[:, 1:2] * 3.0  # NDWI = -0.5 wherever green is read
    lake.nir = lake.optical[:, 1:2] * 0.3  # NDWI = 0.54
    p, kept, judged, measured = scripted_off_and_on(model, tok, text, fields, "What share is water?",
                                                    "water_evidence")
    assert (kept[1].mask_prob > 0.5).any() and kept[1].emptied == ""
    assert judged[1].emptied == EMPTIED_NOT_WATER and not judged[1].mask_prob.any() and judged[1].positions == []
    assert measured[1] > 0 and measured[3] == 0  # the emptied mask is measured as nothing
    assert judged[0].emptied == "" and np.array_equal(judged[0].mask_prob, kept[0].mask_prob)
    _, _, on_lake, _ = scripted_off_and_on(model, tok, text, lake, "What share is water?", "water_evidence")
    assert on_lake[1].emptied == "" and (on_lake[1].mask_prob > 0.5).any()
    _, judging = scripted_answer(model, tok, text, fields, "What share is water?", None, judge_only=True)
    assert judging.steps[1].emptied == "" and (judging.steps[1].mask_prob > 0.5).any()


def test_newly_flooded_land_is_kept_outside_the_first_dates_water(tiny):
    """"newly flooded land" on the later date, decoded from its own [SEG] state (``change_from_classes=False``),
    is cut to outside the first date's "water" step (engine.trace_format.new_region_outside), and the measurement
    follows; other change steps, with ``relate_changes=False``, and for a reference on the same date, keep the
    decoder's mask."""
    model, tok = tiny
    imgs = images(2, seed=3)
    text = ("Step 1: water. <t1> [SEG]\nStep 2: buildings. <t1> [SEG]\nStep 3: newly flooded land. <t2> [SEG]\n"
            "Step 4: destroyed buildings. <t2> [SEG]\nAnswer: A\n")
    # the scripted trace names its own steps: the change question's planned phrases are left out
    _, plain, cut, measured = scripted_off_and_on(model, tok, text, imgs, "How much land was newly flooded?",
                                                  "relate_changes", change_from_classes=False, plan_phrases=False)
    water = plain[0].mask_prob > 0.5
    assert all(np.array_equal(cut[k].mask_prob, plain[k].mask_prob) for k in (0, 1))
    assert (plain[2].mask_prob[water] > 0.5).any()  # the decoder marks the old water too
    assert np.array_equal(cut[2].mask_prob, np.where(water, 0, plain[2].mask_prob))
    assert cut[2].outside_of == 1 and plain[2].outside_of is None and cut[3].outside_of is None
    assert measured[6] == int((cut[2].mask_prob > 0.5).sum()) < measured[2]
    same_date = GroundedPredictor(model, tok).outside_of("Step 3: newly flooded land. <t1> [SEG]", 0, cut[:2])
    assert same_date is None


def test_change_steps_whose_pixels_did_not_change_mark_nothing(tiny):
    """A later-date step that names a change is judged by the dates' contrast inside its mask
    (engine.geo.change_evidence): below the model's change_below_contrast it marks nothing; other steps and
    a threshold of 0 leave masks alone."""
    model, tok = tiny
    imgs = images(2, seed=3)
    text = "Step 1: buildings. <t1> [SEG]\nStep 2: destroyed buildings. <t2> [SEG]\nStep 3: water. <t2> [SEG]\nAnswer: A\n"
    plain, _ = _run(model, tok, "cache", imgs, text=text)
    assert all(s.change_contrast is None for s in plain.steps)  # 0: not judged
    old = model.config.change_below_contrast
    try:
        model.config.change_below_contrast = 1e-6
        judged, _ = _run(model, tok, "cache", imgs, text=text)
        c = judged.steps[1].change_contrast
        assert c is not None and c > 0 and judged.steps[0].change_contrast is None
        assert judged.steps[2].change_contrast is None  # "water" names no change
        assert np.array_equal(judged.steps[1].mask_prob, plain.steps[1].mask_prob)
        model.config.change_below_contrast = c + 1e-3
        doubted, _ = _run(model, tok, "cache", imgs, text=text)
    finally:
        model.config.change_below_contrast = old
    s = doubted.steps[1]
    assert s.suppressed and not s.mask_prob.any() and s.positions == [] and s.measurement == "[no such region]"
    assert s.change_contrast == c and s.emptied == "unchanged" and judged.steps[1].emptied == ""
    assert np.array_equal(doubted.steps[0].mask_prob, plain.steps[0].mask_prob)


def test_judging_only_measures_both_gates_and_empties_no_step(tiny):
    """``judge_only`` (the gates' calibration): every step keeps its mask and its confidence, and a change step
    is judged even where the model's change threshold is 0, whatever the thresholds say (change steps decoded from
    their own [SEG] state: ``change_from_classes=False``)."""
    model, tok = tiny
    imgs = images(2, seed=3)
    text = "Step 1: buildings. <t1> [SEG]\nStep 2: destroyed buildings. <t2> [SEG]\nAnswer: A\n"
    own = {"change_from_classes": False}
    plain, _ = _run(model, tok, "cache", imgs, text=text, options=own)
    old = model.config.empty_below_confidence, model.config.change_below_contrast
    try:
        model.config.change_below_contrast = 0.0
        judged, _ = _run(model, tok, "cache", imgs, text=text, judge_only=True, options=own)
        model.config.empty_below_confidence, model.config.change_below_contrast = 1.0, 1e6
        strict, _ = _run(model, tok, "cache", imgs, text=text, judge_only=True, options=own)
        gated, _ = _run(model, tok, "cache", imgs, text=text, options=own)
    finally:
        model.config.empty_below_confidence, model.config.change_below_contrast = old
    assert judged.steps[1].change_contrast is not None and judged.steps[0].change_contrast is None
    for out in (judged, strict):
        assert [s.emptied for s in out.steps] == ["", ""]
        assert [s.confidence for s in out.steps] == [s.confidence for s in plain.steps]
        assert np.array_equal(out.steps[1].mask_prob, plain.steps[1].mask_prob)
    assert strict.steps[1].change_contrast == judged.steps[1].change_contrast
    assert [s.emptied for s in gated.steps] == ["unsure", "unsure"]  # the same thresholds without judge_only


def test_a_step_that_names_the_largest_patch_keeps_one_patch(tiny):
    """"the largest flooded field" (no class alone) keeps the patch of the decoder's mask that holds the most
    pixels (engine.geo.patches), and the measurement follows; a class step and ``one_patch=False`` keep the
    whole mask."""
    from scipy import ndimage

    from engine.geo.patches import largest_patch

    model, tok = tiny
    text = "Step 1: water. <t1> [SEG]\nStep 2: the largest flooded field. <t1> [SEG]\nAnswer: A\n"
    _, plain, cut, measured = scripted_off_and_on(model, tok, text, images(1, seed=5), "How large is it?",
                                                  "one_patch")
    whole = plain[1].mask_prob > 0.5
    assert ndimage.label(whole, structure=np.ones((3, 3)))[1] > 1  # the decoder marks several patches
    assert np.array_equal(cut[0].mask_prob, plain[0].mask_prob)
    assert np.array_equal(cut[1].mask_prob, np.where(largest_patch(whole), plain[1].mask_prob, 0))
    assert measured[3] == int((cut[1].mask_prob > 0.5).sum()) < measured[1]
    assert GroundedPredictor(model, tok).one_patch_for(cut[1].text)
    assert not GroundedPredictor(model, tok, one_patch=False).one_patch_for(cut[1].text)


def test_the_largest_patch_of_a_class_is_the_largest_patch_of_the_class_grounded_by_name(tiny):
    """"the largest water body" grounds "water" as the model does when asked "Segment the water." (the same
    [SEG] state as that trace's step, outside the question's context) and keeps its largest 8-connected
    patch; ``patch_from_class=False`` keeps the step's own mask's largest patch."""
    from scipy import ndimage

    from engine.geo.patches import largest_patch

    model, tok = tiny
    text = "Step 1: water. <t1> [SEG]\nStep 2: the largest water body. <t1> [SEG]\nAnswer: A\n"
    p, own, by_class, measured = scripted_off_and_on(model, tok, text, images(1, seed=5), "Segment the water.",
                                                     "patch_from_class")
    water = by_class[0].mask_prob
    assert ndimage.label(water > 0.5, structure=np.ones((3, 3)))[1] > 1  # the class has several patches
    assert torch.allclose(by_class[1].seg_embedding, by_class[0].seg_embedding, atol=1e-4)
    assert not torch.allclose(own[1].seg_embedding, own[0].seg_embedding, atol=1e-4)
    want = np.where(largest_patch(water > 0.5, merge_px=0), water, 0)
    assert np.abs(by_class[1].mask_prob - want).max() < 1e-3
    assert not np.array_equal(by_class[1].mask_prob, own[1].mask_prob)
    assert measured[3] == int((by_class[1].mask_prob > 0.5).sum())
    assert p.patch_class_for(by_class[1].text) == "water" and p.signatures_for(by_class[1].text) is None
    assert GroundedPredictor(model, tok, patch_from_class=False).patch_class_for(by_class[1].text) is None


def test_patches_of_a_class_next_to_a_region_are_the_class_patches_near_that_region(tiny, monkeypatch):
    """"cropland next to the water" grounds "cropland" by name and keeps its patches within two pixels of the
    earlier "water" step; without such a step the water is grounded by name too; ``next_to=False`` keeps the
    step's own mask."""
    from engine.geo.patches import grown, patches_near
    from engine.model.flips import ground_step

    model, tok = tiny
    imgs = images(1, seed=6)
    text = "Step 1: water. <t1> [SEG]\nStep 2: cropland next to the water. <t1> [SEG]\nAnswer: A\n"
    p, own, near, _ = scripted_off_and_on(model, tok, text, imgs, "Which fields flood first?", "next_to")

    def by_name(phrase):
        with torch.no_grad():
            return ground_step(model, p._phrase_hidden(phrase, 0)[None], p.features, 0, p.flipped)[1].numpy()

    cropland, water = by_name("cropland"), near[0].mask_prob > 0.5
    want = np.where(patches_near(cropland > 0.5, water), cropland, 0)
    assert (want > 0.5).any() and np.abs(near[1].mask_prob - want).max() < 1e-3
    assert not np.array_equal(near[1].mask_prob, own[1].mask_prob)
    assert p.keeps_patches_for(near[1].text) and p.next_to_for(near[1].text) == ("cropland", "water")
    # the reference: the earlier step that names it, else the region grounded by name
    with torch.no_grad():
        assert np.array_equal(p._reference_mask("the water", 0, near[:1]), water)
        assert np.array_equal(p._reference_mask("water", 0, []), by_name("water") > 0.5)
    # a region no cropland patch comes near leaves nothing
    far = np.zeros_like(water)
    ys, xs = np.nonzero(~grown(cropland > 0.5, 3))
    far[ys[0], xs[0]] = True
    monkeypatch.setattr(GroundedPredictor, "_reference_mask", lambda self, *a: far)
    _, alone = scripted_answer(model, tok, "Step 1: cropland next to the water. <t1> [SEG]\nAnswer: A\n", imgs,
                               "Which fields flood first?", reference_steps=False)
    assert not alone.steps[0].mask_prob.any() and "[no such region]" in alone.text


def test_a_landing_site_step_keeps_the_patches_of_its_mask_long_and_large_enough_for_a_landing_run(tiny):
    """"large open bare fields" keeps the patches of its own mask that pass the landing rule on the images' grid
    (engine.geo.landing, at their ``pixel_m``); a grid too small for a landing run leaves "no such region"; with
    no pixel size known, or ``landing_sites=False``, the mask is the step's own."""
    from dataclasses import replace

    from engine.geo.landing import landing_patches

    model, tok = tiny
    text = "Step 1: large open bare fields. <t1> [SEG]\nAnswer: A\n"
    imgs = replace(images(1, seed=7), pixel_m=30.0)  # 64 px of 30 m: runs up to 1.9 km
    p, own, landing, _ = scripted_off_and_on(model, tok, text, imgs, "Where could a small plane land?",
                                             "landing_sites")
    mask = own[0].mask_prob > 0.5
    want = landing_patches(mask, 30.0)
    assert want.any() and (mask & ~want).any()  # some patches pass, some do not
    assert np.array_equal(landing[0].mask_prob, np.where(want, own[0].mask_prob, 0))
    assert p.keeps_patches_for(landing[0].text) and p.landing_sites_for(landing[0].text)
    _, tiny_grid = scripted_answer(model, tok, text, replace(imgs, pixel_m=1.0), "Where could a small plane land?")
    assert not tiny_grid.steps[0].mask_prob.any() and "[no such region]" in tiny_grid.text
    _, unknown = scripted_answer(model, tok, text, replace(imgs, pixel_m=None), "Where could a small plane land?")
    assert np.array_equal(unknown.steps[0].mask_prob, own[0].mask_prob)


def test_a_change_of_classes_is_judged_by_its_change_contrast_not_the_confidence_gate(tiny, monkeypatch):
    """Its classes pass the confidence gate where they are grounded; the difference, whose probabilities run low
    along the class boundaries, is kept below that gate and emptied only when the dates' contrast is too low."""
    from engine.answer import EMPTIED_UNCHANGED

    model, tok = tiny
    imgs = images(2, seed=3)
    weak = torch.zeros(64, 64)
    weak[10:30, 20:40] = 0.55
    monkeypatch.setattr(GroundedPredictor, "_class_change", lambda self, change, date, earlier: (
        {"relevance": torch.zeros(1, 256, 2), "iou": torch.ones(1)}, weak.clone(), weak.clone()))
    text = "Step 1: buildings. <t1> [SEG]\nStep 2: destroyed buildings. <t2> [SEG]\nAnswer: A\n"
    gates = (model.config.empty_below_confidence, model.config.change_below_contrast)
    try:
        model.config.empty_below_confidence, model.config.change_below_contrast = 0.6, 0.0
        _, out = scripted_answer(model, tok, text, imgs, "How much was destroyed?", change_from_classes=True,
                                 plan_phrases=False, radar_placement=False)
        step = out.steps[1]
        assert step.emptied == "" and abs(step.confidence - 0.55) < 1e-6 and not step.confidence_judged
        assert np.array_equal(step.mask_prob, weak.numpy()) and out.steps[0].confidence_judged
        model.config.change_below_contrast = 1e9
        _, out = scripted_answer(model, tok, text, imgs, "How much was destroyed?", change_from_classes=True,
                                 plan_phrases=False, radar_placement=False)
        assert out.steps[1].emptied == EMPTIED_UNCHANGED and not out.steps[1].mask_prob.any()
    finally:
        model.config.empty_below_confidence, model.config.change_below_contrast = gates


@pytest.mark.parametrize("mode,cache", [("cache", "dynamic"), ("cache", "static"), ("recompute-seg", "dynamic"),
                                        ("recompute-token", "dynamic")])
def test_a_next_to_step_without_its_reference_grounds_the_reference_as_a_step_first(tiny, mode, cache):
    """The model writes "cropland next to the water" with no water step before it: decoding goes back to the
    step's start, grounds "water" as step 1 and the patches as step 2, and goes on exactly as if the model had
    written both steps (the same masks, measurements and logits, in every prefix mode)."""
    model, tok = tiny
    imgs = images(2, seed=6)
    n = iter(range(1, 99))

    def measure(prob, date):
        return f"[area {next(n)} ha; share 1 %]"

    tail = "\nAnswer: A\n"
    short = "Step 1: water. <t1> [SEG]\nStep 2: cropland next to the water. <t2> [SEG]" + tail
    both = ("Step 1: water. <t1> [SEG]\nStep 2: water. <t2> [SEG]\nStep 3: cropland next to the water. <t2> [SEG]"
            + tail)
    got, rec = _run(model, tok, mode, imgs, text=short, cache=cache, measure=measure)
    n = iter(range(1, 99))
    want, rec_w = _run(model, tok, "cache", imgs, text=both, measure=measure, options={"reference_steps": False})
    assert [s.label for s in got.steps] == ["water", "water", "cropland next to the water"]
    assert [s.date_index for s in got.steps] == [0, 1, 1]
    assert got.text == want.text and "Step 2: water. <t2> [SEG] [area 2 ha" in got.text
    for a, b in zip(got.steps, want.steps):
        assert np.allclose(a.mask_prob, b.mask_prob, atol=1e-5) and a.positions == b.positions
    k = _calls_writing(tok, tail, "Answer:") + 1  # the answer line's logits, and the last one's
    for a, b in zip(rec[-k:], rec_w[-k:]):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4)
    # an earlier step of the same date that names the region is the reference: nothing is added
    assert [s.label for s in want.steps] == [s.label for s in _run(model, tok, mode, imgs, text=both,
                                                                    cache=cache)[0].steps]


def _assert_same_probabilities(got: np.ndarray, expected: np.ndarray) -> None:
    """The same marked pixels, with the same probabilities up to float rounding (a region grounded again in a
    forward pass of its own can differ from the trace's in the last bits)."""
    assert np.array_equal(got > 0, expected > 0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_a_change_of_classes_is_the_difference_of_the_classes_grounded_on_the_two_dates(tiny):
    """"destroyed buildings" on the later date: the first date's "buildings" step minus the buildings grounded by
    name on the later date, specks under four pixels dropped (engine.geo.class_change), the first date's
    probabilities inside; "new buildings": the later buildings that were not there, their own probabilities;
    ``change_from_classes=False`` (the default of a model config without it) keeps the step's own mask; a first-date
    step is never a change."""
    from engine.geo.class_change import class_change
    from engine.model.flips import ground_step

    model, tok = tiny
    imgs = images(2, seed=3)
    text = "Step 1: buildings. <t1> [SEG]\nStep 2: destroyed buildings. <t2> [SEG]\nAnswer: A\n"
    # the scripted trace names its own steps: the change question's planned phrases are left out
    p, own, diff, measured = scripted_off_and_on(model, tok, text, imgs, "How much building area was destroyed?",
                                                 "change_from_classes", plan_phrases=False, radar_placement=False)
    with torch.no_grad():
        later = ground_step(model, p._phrase_hidden("buildings", 1)[None], p.features, 1, p.flipped)[1].numpy()
    before = diff[0].mask_prob
    lost = class_change(before > 0.5, later > 0.5, "lost")
    assert lost.any() and lost.sum() < (before > 0.5).sum()
    _assert_same_probabilities(diff[1].mask_prob, np.where(lost, before, 0))
    assert not np.array_equal(diff[1].mask_prob, own[1].mask_prob)
    assert measured[3] == int(lost.sum())
    assert p.change_for(diff[1].text, 1) == ("buildings", "buildings", "lost") and p.change_for(diff[1].text, 0) is None
    assert not p.refined_natively(diff[1].text, 1) and p.refined_natively(diff[0].text, 0)
    assert GroundedPredictor(model, tok).change_for(diff[1].text, 1) is None  # off where the config leaves it off
    model.config.change_from_classes = True
    try:  # a model config that turns it on (the embedded default's); an explicit False still turns it off
        assert GroundedPredictor(model, tok).change_for(diff[1].text, 1) == ("buildings", "buildings", "lost")
        assert GroundedPredictor(model, tok, change_from_classes=False).change_for(diff[1].text, 1) is None
    finally:
        model.config.change_from_classes = False
    _, new = scripted_answer(model, tok, text.replace("destroyed", "new"), imgs, "How much new building area?",
                             change_from_classes=True, plan_phrases=False, radar_placement=False)
    gained = class_change(before > 0.5, later > 0.5, "gained")
    _assert_same_probabilities(new.steps[1].mask_prob, np.where(gained, later, 0))


def test_a_change_of_buildings_keeps_its_size_and_moves_to_the_buildings_whose_radar_backscatter_moved(tiny):
    """With ``radar_placement`` "destroyed buildings" marks as many pixels as the difference of the classes, taken from
    the first date's buildings where the SAR moved most between the dates (engine.geo.change_evidence.most_changed),
    with those buildings' probabilities; a date without SAR leaves the difference as it is; changes of water and
    forest are never placed so."""
    from engine.geo.change_evidence import most_changed
    from engine.model.inputs import ModelImages
    from tests.test_model_support import S

    model, tok = tiny
    base = images(2, seed=8)
    sar = base.sar.clone()
    sar[1] = sar[0]
    sar[1, :, S // 2:, :] += 0.4  # the southern half's backscatter moved; the northern half's did not

    def with_sar(s, has_sar=(True, True)):
        return ModelImages(base.optical, s, base.valid, [True, True], list(has_sar))

    text = "Step 1: buildings. <t1> [SEG]\nStep 2: destroyed buildings. <t2> [SEG]\nAnswer: A\n"
    p, whole, placed, _ = scripted_off_and_on(model, tok, text, with_sar(sar), "How much building area was destroyed?",
                                              "radar_placement", change_from_classes=True, plan_phrases=False)
    lost, buildings = whole[1].mask_prob > 0.5, placed[0].mask_prob > 0.5
    assert lost[: S // 2 - 2].any() and buildings[S // 2 + 2:].sum() > lost.sum()  # room to move south
    want = most_changed(sar[0].numpy(), sar[1].numpy(), buildings & (base.valid[0] & base.valid[1]).numpy(),
                        int(lost.sum()))
    _assert_same_probabilities(placed[1].mask_prob, np.where(want, placed[0].mask_prob, 0))
    assert (placed[1].mask_prob > 0.5).sum() == lost.sum() and not (placed[1].mask_prob[: S // 2 - 1] > 0).any()
    assert p.placed_by_radar(("buildings", "buildings", "gained"))
    assert not p.placed_by_radar(("forest", "forest", "lost"))
    assert not p.placed_by_radar(("water", "water", "gained"))  # newly flooded land
    assert not p.placed_by_radar(("cropland", "water", "flooded")) and not p.placed_by_radar(None)
    _, no_radar, radar_on, _ = scripted_off_and_on(model, tok, text, with_sar(sar, (True, False)), "How much?",
                                                   "radar_placement", change_from_classes=True, plan_phrases=False)
    assert (no_radar[1].mask_prob > 0.5).any()
    _assert_same_probabilities(radar_on[1].mask_prob, no_radar[1].mask_prob)


def test_the_nearest_patch_of_a_class_is_the_class_patch_nearest_the_earlier_region(tiny):
    """"nearest building" grounds "buildings" by name and keeps the one patch of it nearest the earlier step's
    region (engine.geo.patches.nearest_patch); ``patch_from_class=False`` keeps the step's own mask."""
    from engine.geo.patches import nearest_patch
    from engine.model.flips import ground_step
    from scipy import ndimage

    model, tok = tiny
    text = "Step 1: water. <t1> [SEG]\nStep 2: nearest building. <t1> [SEG]\nAnswer: A\n"
    for seed in range(6, 16):  # images whose buildings fall into several patches, so that one is chosen
        imgs = images(1, seed=seed)
        p, own, near, _ = scripted_off_and_on(model, tok, text, imgs, "How far is the nearest building from the water?",
                                              "patch_from_class")
        with torch.no_grad():
            buildings = ground_step(model, p._phrase_hidden("buildings", 0)[None], p.features, 0, p.flipped)[1].numpy()
        water = near[0].mask_prob > 0.5
        if water.any() and ndimage.label(buildings > 0.5, np.ones((3, 3)))[1] > 1:
            break
    want = np.where(nearest_patch(buildings > 0.5, water), buildings, 0)
    assert 0 < (want > 0.5).sum() < (buildings > 0.5).sum()
    assert np.abs(near[1].mask_prob - want).max() < 1e-3
    assert not np.array_equal(near[1].mask_prob, own[1].mask_prob)
    assert p.nearest_class_for(near[1].text) == "buildings" and p.keeps_patches_for(near[1].text)
    assert GroundedPredictor(model, tok, patch_from_class=False).nearest_class_for(near[1].text) is None


def test_each_class_of_what_the_area_is_made_of_is_grounded_as_that_class_asked_for_alone(tiny):
    """A question that asks what the area is made of plans one step per class in one trace; each class step takes the
    [SEG] state of the class named alone ("Segment the forest."), so its mask does not depend on the classes measured
    before it and agrees with asking for the class by itself. A share question keeps its steps' own states."""
    from engine import trace_format as tf
    from engine.data.classes import CLASS_NAMES

    model, tok = tiny
    text = "".join(f"Step {i}: {name}. <t1> [SEG]\n" for i, name in enumerate(CLASS_NAMES.values(), 1))
    text += "Answer: cropland\n"
    imgs = images(1, seed=5)
    p, out = scripted_answer(model, tok, text, imgs, "What is the dominant land cover?")
    assert p.classes_by_name("What is the dominant land cover?", None)
    assert [tf.parse_step_label(s.text) for s in out.steps] == list(CLASS_NAMES.values())
    for step in out.steps:
        alone = p._phrase_hidden(tf.parse_step_label(step.text), 0)
        assert torch.allclose(step.seg_embedding, alone, atol=1e-4)
    p, share = scripted_answer(model, tok, text, imgs, "What share is water?", plan_phrases=False)
    assert not p.classes_by_name("What share is water?", None)
    assert not p.classes_by_name("What is the dominant land cover?", ["water", "forest"])
    later = share.steps[-1]
    assert not torch.allclose(later.seg_embedding, p._phrase_hidden(tf.parse_step_label(later.text), 0), atol=1e-4)
