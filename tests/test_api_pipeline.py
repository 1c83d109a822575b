"""The question flow with a deterministic stand-in predictor: overview -> measured steps -> tile refinement ->
polygons, measurements, distances, GeoPackage, JSON, preview."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from affine import Affine

from terrascope_reasoning.engine.errors import Cancelled
from terrascope_reasoning.engine.eval.reader import free_answer_from_steps
from terrascope_reasoning.engine.geo.measuring import mask_area_m2
from terrascope_reasoning.engine.geo.raster_io import write_raster
from terrascope_reasoning.engine.geo.stack import open_stack
from terrascope_reasoning.engine.pipeline import AskConfig, ask

T = Affine(10, 0, 500000, 0, -10, 5000000)
CRS = "EPSG:32633"


def scene(tmp_path, h=300, w=420):
    """Band 1 bright on a 'lake' (rows 40-160, cols 40-200), band 2 bright on a 'field' 100 m east of it."""
    data = np.full((3, h, w), 500, np.uint16)
    lake = np.zeros((h, w), bool)
    lake[40:160, 40:200] = True
    field = np.zeros((h, w), bool)
    field[60:240, 210:380] = True
    data[0, lake] = 2500
    data[1, field] = 2500
    return write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0), lake, field


class BandPredictor:
    """Stands in for GroundedPredictor: step k's mask is band k of the chosen date above half range."""

    def __init__(self):
        self.images = None
        self.measured: list[str] = []
        self.tiles = 0

    def set_images(self, images):
        self.images = images

    def _prob(self, band, date_index, images):
        return (images.optical[date_index, band] > 0.5).astype(np.float32) * 0.9

    def answer(self, question, choices, measure, progress=None, cancelled=None):
        steps = []
        for k, label in enumerate(["lake", "field", "glacier"]):
            prob = self._prob(k, 0, self.images) if label != "glacier" else np.zeros_like(self._prob(0, 0, self.images))
            text = f"Step {k + 1}: {label}. <t1> [SEG]"
            self.measured.append(measure(prob, 0))
            steps.append(SimpleNamespace(index=k + 1, text=text, label=label, date_index=0, mask_prob=prob,
                                         modalities=["optical"], confidence=0.8, iou_pred=0.7, seg_embedding=k))
            if progress:
                progress(k + 1, 3)
        trace = "\n".join(f"{s.text} {m}" for s, m in zip(steps, self.measured)) + "\nAnswer: B"
        return SimpleNamespace(text=trace, answer="B", choice="B", steps=steps)

    def predict_mask(self, seg_embedding, date_index, images, step_text=""):
        self.tiles += 1
        assert images.valid.shape[0] == 1 and date_index == 0  # tiles carry the step's date alone
        return self._prob(seg_embedding, date_index, images)


def identity_images(arrays, has_optical, has_sar, device):
    return arrays


def test_pipeline_measures_refines_and_exports(tmp_path):
    import pyogrio

    path, lake, field = scene(tmp_path)
    stack = open_stack(optical=path)
    pred = BandPredictor()
    seen = []
    ans = ask(pred, 64, "Which is larger?", stack, ["lake", "field"], AskConfig(tile_size=128, overlap=16),
              progress=lambda f, m: seen.append(f), make_images=identity_images)
    # measurements fed back to the model, in the trace grammar, with the distance to step 1
    assert pred.measured[0].startswith("[area ") and "share" in pred.measured[0]
    assert "m from step 1]" in pred.measured[1] and pred.measured[2] == "[no such region]"
    assert pred.tiles >= 9  # refinement ran tile by tile at native resolution
    s1, s2, s3 = ans.steps
    assert s1.area_m2 == pytest.approx(mask_area_m2(lake, T, CRS), rel=0.03)
    assert s2.area_m2 == pytest.approx(mask_area_m2(field, T, CRS), rel=0.03)
    assert s1.share == pytest.approx(lake.sum() / lake.size, rel=0.03)
    assert s3.area_m2 == 0 and len(s3.geometry) == 0 and not s3.mask.any()
    assert s3.mask_raster.is_empty and s3.mask.shape == (300, 420)  # nothing read or stored for it
    assert s1.mask.shape == (300, 420) and s1.transform == T and s1.label == "lake" and s1.modality == "optical"
    assert len(s1.geometry) == 1 and s1.perimeter_m == pytest.approx(2 * (1200 + 1600) / 0.9996, rel=0.03)
    (d,) = ans.distances
    assert (d["from"], d["to"]) == (1, 2) and d["metres"] == pytest.approx(100 / 0.9996, abs=12)
    assert seen == sorted(seen) and seen[-1] == 1.0
    # GeoPackage: one layer per step (the empty one too) and the trace
    out = ans.to_geopackage(tmp_path / "a.gpkg")
    layers = dict(pyogrio.list_layers(out))
    assert {"step_01", "step_02", "step_03", "trace", "distances", "meta"} <= set(layers)
    trace = pyogrio.read_dataframe(out, layer="trace")
    assert list(trace.kind) == ["question", "step", "step", "step", "answer"]
    assert trace.text.iloc[-1] == "B"
    j = ans.to_json()
    assert j["choice"] == "B" and [s["layer"] for s in j["steps"]] == ["step_01", "step_02", "step_03"]
    assert set(j["steps"][0]) >= {"index", "text", "date", "modality", "layer", "area_m2", "share", "confidence"}
    assert j["distances_m"][0]["from"] == 1 and j["distances_m"][0]["metres"] > 0
    png = ans.preview(tmp_path / "p.png")
    from PIL import Image

    assert Image.open(png).size[0] >= 384


def test_pipeline_without_refinement_and_cancel(tmp_path):
    path, lake, _ = scene(tmp_path)
    stack = open_stack(optical=path)
    ans = ask(BandPredictor(), 64, "q", stack, None, AskConfig(tile_size=128, overlap=16, refine=False),
              make_images=identity_images)
    assert ans.steps[0].area_m2 == pytest.approx(mask_area_m2(lake, T, CRS), rel=0.08)
    calls = iter(range(100))
    with pytest.raises(Cancelled):
        ask(BandPredictor(), 64, "q", stack, None, AskConfig(tile_size=128, overlap=16),
            cancelled=lambda: next(calls) > 3, make_images=identity_images)


def test_the_models_images_carry_the_pixel_size_of_their_grid_in_metres(tmp_path):
    """The overview of 420 x 300 px of 10 m at 64 px: 64 x 46 px of 65.6 x 65.2 m, shown to the model at 32 px
    (twice as large again), so rules that measure patches on the model's grid (engine.geo.landing) know its
    scale."""
    from terrascope_reasoning.engine.pipeline import to_model_images

    class Recording(BandPredictor):
        def set_images(self, images):
            self.given = images
            self.images = SimpleNamespace(optical=images.optical.numpy())

    path, _, _ = scene(tmp_path)
    pred = Recording()
    ask(pred, 32, "q", open_stack(optical=path), None, AskConfig(refine=False, overview_size=64),
        make_images=to_model_images)
    side = np.mean([4200 / 64, 3000 / 46]) * 64 / 32
    assert pred.given.pixel_m == pytest.approx(side, rel=1e-9) and pred.given.valid.shape[-1] == 32


class WrongLetterPredictor(BandPredictor):
    """Measures like BandPredictor, then names the smaller region."""

    def answer(self, question, choices, measure, progress=None, cancelled=None):
        out = super().answer(question, choices, measure, progress, cancelled)
        return SimpleNamespace(text=out.text.replace("Answer: B", "Answer: A"), answer="A", choice="A",
                               steps=out.steps)


def test_multiple_choice_answer_follows_the_measurements(tmp_path):
    path, _, _ = scene(tmp_path)
    stack = open_stack(optical=path)
    kw = dict(make_images=identity_images)
    ans = ask(WrongLetterPredictor(), 64, "Which is larger?", stack, ["lake", "field"],
              AskConfig(tile_size=128, overlap=16), **kw)
    assert (ans.choice, ans.answer, ans.model_choice) == ("B", "B", "A")  # the field measures larger
    assert ans.to_json()["model_choice"] == "A"
    assert ans.choice_measured and ans.to_json()["choice_measured"] and ans.unmeasured_choice_note() == ""
    own = ask(WrongLetterPredictor(), 64, "Which is larger?", stack, ["lake", "field"],
              AskConfig(tile_size=128, overlap=16, measured_choice=False), **kw)
    assert (own.choice, own.model_choice) == ("A", "A") and own.choice_measured is None
    assert own.unmeasured_choice_note() == ""  # not read: nothing to say about the masks
    # options the measurements cannot decide: the letter is said to be the model's own, and why
    unread = ask(WrongLetterPredictor(), 64, "Which is larger?", stack, ["forest", "bare soil"],
                 AskConfig(tile_size=128, overlap=16), **kw)
    assert (unread.choice, unread.choice_measured) == ("A", False)
    empty = [str(s.index) for s in unread.steps if s.area_m2 <= 0]
    why = f"step {empty[0]} marks no region" if empty else "no option matches the measurements"
    assert unread.unmeasured_choice_note() == f"Not read from the masks: {why}; (A) is the model's own reading."
    for s in unread.steps:
        s.area_m2 = 0.0
    assert f"steps {', '.join(str(s.index) for s in unread.steps)} mark no region" in unread.unmeasured_choice_note()
    free = ask(WrongLetterPredictor(), 64, "How large is the lake?", stack, None, AskConfig(tile_size=128, overlap=16),
               **kw)
    # no options: a letter answers nothing; the model's stays in model_choice and the answer is the last step's
    assert free.choice is None and free.model_choice == "A" and free.choice_measured is None
    assert free.answer == free_answer_from_steps("A", free.steps, "How large is the lake?") != "A"


class FreeAreaPredictor(BandPredictor):
    """Measures like BandPredictor, then answers freely with a wrong area for the lake."""

    def answer(self, question, choices, measure, progress=None, cancelled=None):
        out = super().answer(question, choices, measure, progress, cancelled)
        return SimpleNamespace(text=out.text.replace("Answer: B", "Answer: lake, 12 m2"), answer="lake, 12 m2",
                               choice=None, steps=out.steps)


def test_free_area_answer_states_the_refined_area(tmp_path):
    """A free answer "<region>, <area>" gets the geodesic area of that region's refined step layer; the
    model's own text stays in the trace."""
    from engine.trace_format import format_area

    path, lake, _ = scene(tmp_path)
    stack = open_stack(optical=path)
    ans = ask(FreeAreaPredictor(), 64, "How large is the lake?", stack, None, AskConfig(tile_size=128, overlap=16),
              make_images=identity_images)
    lake_step = next(s for s in ans.steps if s.label == "lake")
    assert lake_step.area_m2 == pytest.approx(mask_area_m2(lake, T, CRS), rel=0.08)
    assert ans.answer == f"lake, {format_area(lake_step.area_m2)}" != "lake, 12 m2"
    assert "Answer: lake, 12 m2" in ans.text
    own = ask(FreeAreaPredictor(), 64, "How large is the lake?", stack, None,
              AskConfig(tile_size=128, overlap=16, measured_choice=False), make_images=identity_images)
    assert own.answer == "lake, 12 m2"
    share_q = ask(FreeAreaPredictor(), 64, "What share of the area is the lake?", stack, None,
                  AskConfig(tile_size=128, overlap=16), make_images=identity_images)
    lake_step = next(s for s in share_q.steps if s.label == "lake")
    assert 0 < lake_step.share < 1
    assert share_q.answer == f"lake, {100 * lake_step.share:.1f} % ({format_area(lake_step.area_m2)})"


class CoarsePredictor(BandPredictor):
    """BandPredictor whose tile masks come at an eighth of the model grid, as a small decoder's do."""

    def __init__(self, guided=None):
        super().__init__()
        self.guided = guided

    def predict_mask(self, seg_embedding, date_index, images, step_text=""):
        from terrascope_reasoning.engine.geo.resample import resize_prob

        region = super().predict_mask(seg_embedding, date_index, images) > 0
        s = region.shape[0]
        return resize_prob(region.reshape(s // 8, 8, s // 8, 8).mean((1, 3)), (s, s))


def test_refined_masks_follow_the_band_edges_when_the_model_sharpens(tmp_path):
    from terrascope_reasoning.engine.geo.guided import GuidedConfig

    h, w = 300, 420
    yy, xx = np.mgrid[0:h, 0:w]
    ang = np.arctan2(yy - 150, xx - 200)
    lake = np.hypot(yy - 150, xx - 200) < 50 + 20 * np.sin(9 * ang)  # a shore with bays and headlands
    data = np.full((3, h, w), 500, np.uint16)
    data[0, lake] = 2500
    stack = open_stack(optical=write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0))
    cfg = AskConfig(tile_size=128, overlap=16)

    def iou(a, b):
        return (a & b).sum() / (a | b).sum()

    blocky = ask(CoarsePredictor(), 64, "q", stack, None, cfg, make_images=identity_images)
    sharp = ask(CoarsePredictor(GuidedConfig(radius=4, eps=1e-3)), 64, "q", stack, None, cfg,
                make_images=identity_images)
    before, after = iou(blocky.steps[0].mask, lake), iou(sharp.steps[0].mask, lake)
    assert before < 0.9 and after > before + 0.05
    assert sharp.steps[0].area_m2 == pytest.approx(blocky.steps[0].area_m2, rel=0.02)  # the decoder's area


class UnsurePredictor(BandPredictor):
    """BandPredictor sure of the top half of each region only, whose "lake" step is blended with its class
    signature (as GroundedPredictor.signatures_for decides for a step that names a class alone)."""

    def _prob(self, band, date_index, images):
        region = images.optical[date_index, band] > 0.5
        prob = np.where(region, 0.3, 0.05).astype(np.float32)
        top = region.copy()
        top[region.shape[0] // 2:] = False
        prob[top] = 0.9
        return prob

    def signatures_for(self, step_text):
        from terrascope_reasoning.engine.geo.signatures import SignatureConfig

        return SignatureConfig(weight=0.5, keep_area=False) if "lake" in step_text else None


def test_refined_class_masks_take_the_pixels_that_look_like_them(tmp_path):
    path, _, _ = scene(tmp_path)
    stack = open_stack(optical=path)
    cfg = AskConfig(tile_size=128, overlap=16)
    plain = ask(BandPredictor(), 64, "q", stack, None, cfg, make_images=identity_images)
    unsure = ask(UnsurePredictor(), 64, "q", stack, None, cfg, make_images=identity_images)

    def iou(a, b):
        return (a & b).sum() / (a | b).sum()

    lake, field = plain.steps[0].mask, plain.steps[1].mask  # the whole regions
    assert iou(unsure.steps[0].mask, lake) > 0.95  # blended: the unsure half is found
    assert iou(unsure.steps[1].mask, field) < 0.7  # not blended: the decoder's sure half alone


def test_why_a_step_marks_nothing_reaches_the_answer_and_its_json(tmp_path):
    from terrascope_reasoning.terrascope_plugin.ask_core import step_dicts

    class Emptying(BandPredictor):
        def answer(self, question, choices, measure, progress=None, cancelled=None):
            out = super().answer(question, choices, measure, progress, cancelled)
            out.steps[2].emptied = "unchanged"  # the glacier step, emptied by the change evidence
            return out

    path, _, _ = scene(tmp_path)
    ans = ask(Emptying(), 64, "q", open_stack(optical=path), None, AskConfig(tile_size=128, overlap=16),
              make_images=identity_images)
    assert [s.emptied for s in ans.steps] == ["", "", "unchanged"]
    assert [s["emptied"] for s in ans.to_json()["steps"]] == [None, None, "unchanged"]
    assert [s["emptied"] for s in step_dicts(ans, set())] == ["", "", "unchanged"]


def ask_scene(tmp_path, predictor, refine: bool):
    """(answer of ``predictor`` on the lake-and-field scene in 128 px tiles, lake, field)."""
    path, lake, field = scene(tmp_path)
    ans = ask(predictor, 64, "q", open_stack(optical=path), None,
              AskConfig(tile_size=128, overlap=16, refine=refine), make_images=identity_images)
    return ans, lake, field


class HalfPredictor(BandPredictor):
    """BandPredictor whose "field" step names the southern half (as GroundedPredictor.half_for reads it)."""

    def half_for(self, step_text):
        return "southern" if "field" in step_text else None


@pytest.mark.parametrize("refine", [True, False])
def test_a_step_in_one_half_is_cut_to_that_half_of_the_area_at_native_resolution(tmp_path, refine):
    ans, lake, field = ask_scene(tmp_path, HalfPredictor(), refine)
    south = np.zeros(field.shape, bool)
    south[150:] = True
    got_lake, got_field = ans.steps[0].mask, ans.steps[1].mask
    assert not (got_field & ~south).any()  # nothing north of the middle of the area
    assert (got_field & field & south).sum() / (field & south).sum() > 0.9
    assert (got_lake & lake).sum() / lake.sum() > 0.9  # the lake, in the northern half, is not cut
    assert ans.steps[1].share == pytest.approx((field & south).sum() / field.size, rel=0.1)  # of the whole area


class NewRegionPredictor(BandPredictor):
    """BandPredictor whose second step marks the lake and the field together and names a new region outside
    the first step's lake (as GroundedPredictor.outside_of says for "newly flooded land" after "water")."""

    def _prob(self, band, date_index, images):
        if band == "both":
            return np.maximum(super()._prob(0, date_index, images), super()._prob(1, date_index, images))
        return super()._prob(band, date_index, images)

    def answer(self, question, choices, measure, progress=None, cancelled=None):
        out = super().answer(question, choices, measure, progress, cancelled)
        step = out.steps[1]
        step.seg_embedding, step.outside_of = "both", 1
        step.mask_prob = self._prob("both", 0, self.images)
        return out


@pytest.mark.parametrize("refine", [True, False])
def test_a_new_region_is_cut_to_outside_the_earlier_step_at_native_resolution(tmp_path, refine):
    ans, lake, field = ask_scene(tmp_path, NewRegionPredictor(), refine)
    got_lake, got = ans.steps[0].mask, ans.steps[1].mask
    assert not (got & got_lake).any()
    assert (got & field).sum() / (got | field).sum() > 0.85
    assert ans.steps[1].area_m2 == pytest.approx(mask_area_m2(got, T, CRS), rel=1e-6)


class OnePatchPredictor(BandPredictor):
    """BandPredictor whose second step names one patch: the decoder marks the lake and a pond (bands 1 and
    3) together, and the trace keeps the larger, as GroundedPredictor.keeps_patches_for says for "the largest"."""

    def _prob(self, band, date_index, images):
        if band == "both":
            return np.maximum(super()._prob(0, date_index, images), super()._prob(2, date_index, images))
        return super()._prob(band, date_index, images)

    def keeps_patches_for(self, step_text):
        return "Step 2" in step_text

    def answer(self, question, choices, measure, progress=None, cancelled=None):
        from engine.geo.patches import largest_patch

        out = super().answer(question, choices, measure, progress, cancelled)
        step = out.steps[1]
        both = self._prob("both", 0, self.images)
        step.seg_embedding, step.mask_prob = "both", np.where(largest_patch(both > 0.5), both, 0.0)
        return out


@pytest.mark.parametrize("refine", [True, False])
def test_a_step_that_names_one_patch_keeps_it_alone_at_native_resolution(tmp_path, refine):
    _, lake, _ = scene(tmp_path)
    pond = np.zeros(lake.shape, bool)
    pond[230:280, 40:120] = True  # 70 px south of the lake: another patch
    data = np.full((3,) + lake.shape, 500, np.uint16)
    data[0, lake], data[2, pond] = 2500, 2500
    path = write_raster(tmp_path / "pond.tif", data, T, CRS, nodata=0)
    ans = ask(OnePatchPredictor(), 64, "q", open_stack(optical=path), None,
              AskConfig(tile_size=128, overlap=16, refine=refine), make_images=identity_images)
    got = ans.steps[1].mask
    assert not (got & pond).any()
    assert (got & lake).sum() / (got | lake).sum() > 0.9


class SampledFieldPredictor(BandPredictor):
    """BandPredictor whose second step ("field") is sampled from the model's grid on native tiles, as a change of
    classes is (GroundedPredictor.refined_natively)."""

    def refined_natively(self, step_text, date):
        return "Step 2" not in step_text


def test_a_step_not_refined_natively_is_sampled_from_the_models_grid(tmp_path):
    path, lake, field = scene(tmp_path)
    config = AskConfig(tile_size=128, overlap=16)
    refined, sampled = BandPredictor(), SampledFieldPredictor()
    both = [ask(p, 64, "q", open_stack(optical=path), None, config, make_images=identity_images)
            for p in (refined, sampled)]
    assert sampled.tiles < refined.tiles  # the field's tiles were not decoded again
    assert np.array_equal(both[0].steps[0].mask, both[1].steps[0].mask)
    got = both[1].steps[1].mask
    assert got.shape == field.shape and (got & field).sum() / (got | field).sum() > 0.7
    assert not np.array_equal(got, both[0].steps[1].mask)  # the overview's blocky mask, not the native one


class TownPredictor(BandPredictor):
    """One "buildings" step, sure of the buildings in the left half of each image, unsure of the others
    (tests.test_geo_signatures.town_decoder), blended as GroundedPredictor blends buildings alone."""

    def __init__(self, truth_of):
        super().__init__()
        self.truth_of = truth_of  # images -> the buildings' truth on their grid

    def answer(self, question, choices, measure, progress=None, cancelled=None):
        from .test_geo_signatures import town_decoder

        prob = town_decoder(self.truth_of(self.images))
        text = "Step 1: buildings. <t1> [SEG]"
        m = measure(prob, 0)
        step = SimpleNamespace(index=1, text=text, label="buildings", date_index=0, mask_prob=prob,
                               modalities=["optical"], confidence=0.8, iou_pred=0.7, seg_embedding=0)
        return SimpleNamespace(text=f"{text} {m}\nAnswer: buildings", answer="buildings", choice=None, steps=[step])

    def predict_mask(self, seg_embedding, date_index, images, step_text=""):
        from .test_geo_signatures import town_decoder

        return town_decoder(self.truth_of(images))

    def signatures_for(self, step_text):
        from terrascope_reasoning.engine.geo.signatures import SignatureConfig
        from terrascope_reasoning.engine.model.step_rules import BUILDING_CONTEXT_M

        return SignatureConfig(weight=0.5, context_m=BUILDING_CONTEXT_M)


def test_buildings_are_refined_with_the_ground_around_them_at_the_native_pixel_size(tmp_path):
    """A 10 m town whose buildings the decoder is sure of in the left half of each tile: refined tile by tile with
    the context of the stack's own 10 m pixels, the other buildings are found as well (without it: IoU 0.38)."""
    from .test_geo_signatures import _iou, _stack, town

    bands, truth = town(224, 224, seed=5)
    scale_truth = {}

    def truth_of(images):
        shape = images.optical.shape[-2:]
        if shape not in scale_truth:  # the tile's own pixels: the truth itself; the overview: the truth resized
            from terrascope_reasoning.engine.geo.resample import resize_mask

            scale_truth[shape] = truth if shape == truth.shape else resize_mask(truth, shape)
        return scale_truth[shape]

    answer = ask(TownPredictor(truth_of), 112, "Where do people live here?", _stack(tmp_path, bands), None,
                 AskConfig(tile_size=224, overlap=16), make_images=identity_images)
    assert _iou(answer.steps[0].mask, truth) > 0.8
    assert answer.steps[0].area_m2 == pytest.approx(truth.sum() * 100.0, rel=0.1)
