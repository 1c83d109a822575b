"""Every task type's answer follows from hand-made label rasters with known geometry."""
from __future__ import annotations

import re

import numpy as np
import pytest
from affine import Affine

from terrascope_reasoning.engine.data import classes as C
from terrascope_reasoning.engine.data.context import LabelContext
from terrascope_reasoning.engine.data.measure import measure_mask_pixels, min_distance_m
from terrascope_reasoning.engine.data.questions import generate_question
from terrascope_reasoning.engine.data.traces import QuestionRecord
from terrascope_reasoning.engine.trace_format import LETTERS, NO_REGION, parse_answer, planned_phrases

T10 = Affine(10.0, 0.0, 500_000.0, 0.0, -10.0, 5_000_000.0)  # 10 m pixels, 100 m2 each


def _grid() -> np.ndarray:
    """20 x 20: water cols 0-5 (120 px, 30 %), forest rows 0-7 x cols 12-19 (64 px, 16 %),
    cropland elsewhere (216 px, 54 %). Water and forest are 6 columns (60 m) apart."""
    lab = np.full((20, 20), C.CROPLAND, np.uint8)
    lab[:, :6] = C.WATER
    lab[:8, 12:] = C.FOREST
    return lab


def _ctx(labels, names=None) -> LabelContext:
    labels = labels if labels.ndim == 3 else labels[None]
    valid = np.ones(labels.shape[1:], bool)
    return LabelContext(labels, names or dict(C.CLASS_NAMES), T10, "EPSG:32633", valid)


def _value(text: str) -> float:
    """A number in an option text, in base units (%, m2, m)."""
    v, unit = re.search(r"([\d.]+) (%|m2|ha|km2|m|km)", text).groups()
    return float(v) * {"%": 1, "m2": 1, "ha": 1e4, "km2": 1e6, "m": 1, "km": 1e3}[unit]


def _in_option(value: float, option: str) -> bool:
    if option.startswith("under"):
        return value < _value(option)
    if option.startswith("over"):
        return value > _value(option)
    lo, hi = (_value(p) for p in option.split(" to "))
    return lo <= value < hi


def _all(task, ctx, n=25, **kw) -> list[QuestionRecord]:
    out = [generate_question(ctx, task, np.random.default_rng(s), **kw) for s in range(n)]
    return [r for r in out if r is not None]


BUILDING_NAMES = {C.BUILDING: "buildings", C.GRASSLAND: "grassland", C.BARE_SOIL: "bare soil"}


def test_measurements_of_hand_made_masks():
    lab = _grid()
    m = measure_mask_pixels(lab == C.WATER, T10, "EPSG:32633")
    assert m.area_m2 == pytest.approx(12_000, rel=2e-3) and m.share == pytest.approx(0.30)
    f = measure_mask_pixels(lab == C.FOREST, T10, "EPSG:32633", earlier=[lab == C.WATER])
    assert f.distances_m == ((1, 60.0),)
    diag_a = np.zeros((5, 5), bool)
    diag_a[0, 0] = True
    diag_b = np.zeros((5, 5), bool)
    diag_b[3, 4] = True  # 2 rows and 3 columns of gap
    assert min_distance_m(diag_a, diag_b, (10.0, 10.0)) == pytest.approx(np.hypot(20, 30))


def test_trace_measurements_equal_the_engine_measurements():
    """The text a trace carries is the text the geo layer produces for the same mask at inference."""
    from terrascope_reasoning.engine.data.scene import make_scene
    from terrascope_reasoning.engine.data.questions import generate_questions
    from terrascope_reasoning.engine.geo.measuring import measurement_for
    from terrascope_reasoning.engine.trace_format import format_measurement

    checked = 0
    for seed in (1, 2):
        sc = make_scene(seed, 96)
        valid = np.ones(sc.labels.shape[1:], bool)
        for r in generate_questions(sc.labels, sc.transform, sc.crs, np.random.default_rng(seed),
                                    tasks=("coverage", "distance", "ranking")):
            masks = [s.mask for s in r.steps]
            for i, s in enumerate(r.steps):
                ref = measurement_for(s.mask, sc.transform, sc.crs, valid, masks[:i])
                assert format_measurement(s.measurement) == format_measurement(ref)
                checked += 1
    assert checked >= 6


def test_geographic_grid_areas_are_geodesic():
    t = Affine(1e-4, 0, 10.0, 0, -1e-4, 45.0)
    m = measure_mask_pixels(np.ones((10, 10), bool), t, "EPSG:4326")
    # 1e-4 deg: ~11.1 m north-south, ~7.9 m east-west at 45 deg latitude -> ~87.6 m2 per pixel.
    assert m.area_m2 / 100 == pytest.approx(87.6, rel=0.01)


def test_coverage_answer_matches_share():
    recs = _all("coverage", _ctx(_grid()))
    assert len(recs) >= 20
    truth = {"water": 30.0, "forest": 16.0, "cropland": 54.0}
    for r in recs:
        share = truth[r.steps[0].phrase]
        assert r.steps[0].measurement.share * 100 == pytest.approx(share)
        assert _in_option(share, r.answer_text)
        assert sum(_in_option(share, o) for o in r.choices if o != "no such region") == 1
        assert parse_answer(r.trace, len(r.choices))[1] == r.answer


def test_area_answer_matches_area():
    for r in _all("area", _ctx(_grid())):
        area = r.steps[0].mask.sum() * 100.0
        assert r.steps[0].measurement.area_m2 == pytest.approx(area, rel=2e-3)
        assert _in_option(area, r.answer_text)


def test_distance_and_boundary():
    ctx = _ctx(_grid(), {C.WATER: "water", C.FOREST: "forest"})
    for r in _all("distance", ctx):
        assert [s.phrase for s in r.steps] in (["water", "forest"], ["forest", "water"],
                                               ["largest water body", "forest"],
                                               ["largest forest patch", "water"],
                                               ["largest water body", "largest forest patch"],
                                               ["largest forest patch", "largest water body"])
        assert r.steps[1].measurement.distances_m == ((1, 60.0),)
        assert _in_option(60.0, r.answer_text)
        assert "60 m from step 1" in r.trace
    for r in _all("boundary", ctx):
        assert r.answer_text.startswith("separated by")
        thr = _value(r.answer_text)
        assert (60.0 < thr) == ("less than" in r.answer_text)
    touching = _ctx(_grid(), {C.WATER: "water", C.CROPLAND: "cropland"})
    for r in _all("boundary", touching):
        assert r.answer_text.startswith("adjacent") and "0 m from step 1" in r.trace


def test_ranking_order():
    recs = _all("ranking", _ctx(_grid()), n=30)
    assert recs
    for r in recs:
        areas = {s.phrase: s.measurement.area_m2 for s in r.steps}
        if len(r.steps) == 3:
            assert r.answer_text == "cropland > water > forest"
        else:
            assert r.answer_text == max(areas, key=areas.get)
        # the phrases the engine plans for a ranking are the ones its trace names, in order
        assert planned_phrases(r.question, r.choices) == [s.phrase for s in r.steps]


def _two_forests(second_rows: int) -> np.ndarray:
    """20 x 20 cropland with water cols 0-3 and two forest patches apart: rows 0-5 x cols 10-19 (60 px) and
    rows 12 to 12 + second_rows - 1 x cols 10-19."""
    lab = np.full((20, 20), C.CROPLAND, np.uint8)
    lab[:, :4] = C.WATER
    lab[:6, 10:] = C.FOREST
    lab[12:12 + second_rows, 10:] = C.FOREST
    return lab


def test_clearly_largest_component():
    from terrascope_reasoning.engine.data.context import clearly_largest_component

    assert clearly_largest_component(_two_forests(6) == C.FOREST) is None  # 60 px against 60: a toss-up
    patch = clearly_largest_component(_two_forests(4) == C.FOREST)  # 60 px against 40
    assert patch is not None and patch.sum() == 60 and patch[:6, 10:].all()
    assert clearly_largest_component(_grid() == C.FOREST).sum() == 64  # one patch is the largest
    assert clearly_largest_component(np.zeros((4, 4), bool)) is None


@pytest.mark.parametrize("second_rows, asked", [(6, False), (2, True)])
def test_largest_patch_is_asked_only_when_it_is_clearly_the_largest(second_rows, asked):
    ctx = _ctx(_two_forests(second_rows), {C.WATER: "water", C.FOREST: "forest", C.CROPLAND: "cropland"})
    phrases = {s.phrase for task in ("area", "distance", "boundary", "referring")
               for r in _all(task, ctx, n=60) for s in r.steps}
    assert ("largest forest patch" in phrases) == asked
    assert "largest water body" in phrases  # one water body: always clearly the largest
    if asked:
        recs = [r for r in _all("area", ctx, n=60) if r.steps[0].phrase == "largest forest patch"]
        assert recs and all(r.steps[0].mask.sum() == 60 for r in recs)


def test_rankings_and_pair_questions_plan_the_phrases_their_traces_name():
    for task in ("coverage", "area"):
        recs = _all(task, _ctx(_grid()), n=10)
        assert recs and all(planned_phrases(r.question, r.choices) == [] for r in recs), task
    for task in ("distance", "boundary"):  # both regions, the reference first, as the trace measures them
        recs = _all(task, _ctx(_grid()), n=10)
        assert recs and all(planned_phrases(r.question, r.choices) == [s.phrase for s in r.steps]
                            for r in recs), task


def test_change_destroyed_buildings():
    pre = np.full((20, 20), C.GRASSLAND, np.uint8)
    pre[2:5, 2:5] = C.BUILDING
    pre[10:14, 10:14] = C.BUILDING
    pre[15:18, 2:6] = C.BUILDING
    post = pre.copy()
    post[10:14, 10:14] = C.BARE_SOIL  # 16 px = 1600 m2 destroyed
    ctx = _ctx(np.stack([pre, post]), BUILDING_NAMES)
    recs = _all("change", ctx)
    assert recs
    for r in recs:
        assert r.dates == [0, 1] and [s.date_index for s in r.steps] == [0, 1]
        assert r.steps[1].phrase == "destroyed buildings"
        assert r.steps[1].mask.sum() == 16 and r.steps[1].mask[10:14, 10:14].all()
        if "share" in r.question:
            assert _in_option(4.0, r.answer_text)
        else:
            assert _in_option(1600.0, r.answer_text)
        assert "<t1> [SEG]" in r.trace and "<t2> [SEG]" in r.trace


def test_change_over_a_series_of_dates():
    pre = np.full((20, 20), C.GRASSLAND, np.uint8)
    pre[:, :4] = C.WATER
    mid = pre.copy()
    mid[:, 4:6] = C.WATER
    last = mid.copy()
    last[:, 6:9] = C.WATER  # flooded by the last date: columns 4-8, 100 px = 1 ha
    ctx = _ctx(np.stack([pre, mid, last]), {C.WATER: "water", C.GRASSLAND: "grassland"})
    recs = _all("change", ctx, n=20)
    assert {len(r.dates) for r in recs} == {2, 3}
    for r in recs:
        assert r.steps[1].date_index == len(r.dates) - 1 and r.steps[1].mask.sum() == 100
        assert f"<t{len(r.dates)}> [SEG]" in r.trace


def test_implicit_rescue_question_spans_two_dates():
    pre = np.full((20, 20), C.GRASSLAND, np.uint8)
    pre[2:5, 2:5] = C.BUILDING
    pre[10:14, 10:14] = C.BUILDING
    post = pre.copy()
    post[10:14, 10:14] = C.BARE_SOIL
    ctx = _ctx(np.stack([pre, post]), BUILDING_NAMES)
    rescue = [r for r in _all("implicit", ctx, n=40) if "rescue" in r.question]
    assert rescue
    for r in rescue:
        assert r.dates == [0, 1] and r.steps[1].mask.sum() == 16 and "<t2> [SEG]" in r.trace


def test_absent_targets_answer_no_such_region():
    ctx = _ctx(_grid())
    for task in ("coverage", "area", "referring"):
        recs = _all(task, ctx, n=10, absent=True)
        assert recs
        for r in recs:
            assert r.absent and not r.steps[-1].mask.any()
            assert NO_REGION in r.trace
            assert r.answer_text == "no such region"
    pre = _grid()
    ctx2 = _ctx(np.stack([pre, pre]), {C.WATER: "water", C.CROPLAND: "cropland", C.FOREST: "forest"})
    for r in _all("change", ctx2, n=10, absent=True):  # nothing changed: the changed step is empty
        assert r.answer_text == "no such region" and not r.steps[1].mask.any()


def test_implicit_flood_first_is_cropland_next_to_water():
    lab = np.full((20, 20), C.GRASSLAND, np.uint8)
    lab[:, :4] = C.WATER
    lab[2:8, 4:9] = C.CROPLAND  # touches the water
    lab[12:18, 12:18] = C.CROPLAND  # far from it
    ctx = _ctx(lab, {C.WATER: "water", C.CROPLAND: "cropland", C.GRASSLAND: "grassland"})
    seen = 0
    for r in _all("implicit", ctx, n=40):
        if r.steps[-1].phrase == "cropland next to the water":
            seen += 1
            assert r.steps[-1].mask.sum() == 30 and r.steps[-1].mask[2:8, 4:9].all()
            assert not r.choices and r.answer.startswith("cropland next to the water")
    assert seen


def test_implicit_landing_sites_are_the_bare_patches_long_and_large_enough():
    lab = np.full((40, 40), C.GRASSLAND, np.uint8)
    lab[2:8, 2:32] = C.BARE_SOIL  # 300 m long, 1.8 ha: room for a small plane
    lab[12:22, 2:22] = C.BARE_SOIL  # 200 m long, 2.0 ha: too short
    lab[26:31, 2:28] = C.BARE_SOIL  # 260 m long, 1.3 ha: too small
    ctx = _ctx(lab, {C.BARE_SOIL: "bare soil", C.GRASSLAND: "grassland"})
    seen = [r for r in _all("implicit", ctx, n=40) if r.question == "Where could a small plane land?"]
    assert seen
    for r in seen:
        assert r.steps[-1].phrase == "large open bare fields" and r.steps[-1].mask.sum() == 180
        assert r.steps[-1].mask[2:8, 2:32].all() and r.answer.startswith("large open bare fields, 1.8 ha")


def test_referring_masks_and_json_round_trip():
    for r in _all("referring", _ctx(_grid())):
        assert not r.choices and len(r.steps) == 1
        back = QuestionRecord.from_json(r.to_json())
        assert back.trace == r.trace and back.prompt == r.prompt
        assert np.array_equal(back.steps[0].mask, r.steps[0].mask)
        assert r.trace.startswith(f"Step 1: {r.steps[0].phrase}. <t1> [SEG] [")


def test_answer_letters_are_spread():
    from terrascope_reasoning.engine.data.scene import make_scene
    from terrascope_reasoning.engine.data.questions import generate_questions

    letters = []
    for s in range(12):
        sc = make_scene(s, 128)
        for r in generate_questions(sc.labels, sc.transform, sc.crs, np.random.default_rng(s)):
            if r.choices:
                letters.append(r.answer)
                assert r.answer in LETTERS[: len(r.choices)]
    counts = np.array([letters.count(x) for x in "ABC"])
    assert counts.min() >= 0.08 * len(letters)
