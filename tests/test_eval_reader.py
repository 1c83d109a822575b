"""Every synthesised multiple-choice answer follows from the measurement text of its trace."""
from __future__ import annotations

import numpy as np

from terrascope_reasoning.engine.data.questions import generate_questions
from terrascope_reasoning.engine.data.scene import make_scene
from terrascope_reasoning.engine.eval.reader import answer_from_measurements, parse_steps


def test_parse_steps():
    trace = ("Step 1: water. <t1> [SEG] [area 12.4 ha; share 23.1 %]\n"
             "Step 2: buildings. <t2> [SEG] [area 1.20 km2; share 6.0 %; 140 m from step 1]\n"
             "Step 3: roads. <t1> [SEG] [no such region]\nAnswer: B")
    s = parse_steps(trace)
    assert [x["phrase"] for x in s] == ["water", "buildings", "roads"]
    assert s[0]["area_m2"] == 124_000 and s[1]["area_m2"] == 1_200_000 and s[1]["distances"] == {1: 140.0}
    assert s[2]["empty"] and s[0]["share"] == 23.1


def test_answers_are_derivable_from_measurements():
    total = agree = 0
    for seed in range(25):
        sc = make_scene(seed, 96)
        for r in generate_questions(sc.labels, sc.transform, sc.crs, np.random.default_rng(seed), per_task=2):
            if not r.choices:
                continue
            body = r.trace.rsplit("\nAnswer:", 1)[0]
            total += 1
            agree += answer_from_measurements(r.choices, body) == r.answer
    assert total >= 200
    assert agree / total >= 0.99, f"{agree}/{total}"


def test_free_answer_restated_from_the_steps():
    from types import SimpleNamespace as S

    from engine.eval.reader import free_answer_from_steps

    steps = [S(label="water", area_m2=2_000_000.0), S(label="cropland", area_m2=2_424_184.0), S(label="road", area_m2=0.0)]
    assert free_answer_from_steps("cropland, 1.08 km2", steps) == "cropland, 2.42 km2"
    assert free_answer_from_steps("Water, 3 ha.", steps) == "water, 2.00 km2"  # matched without case
    assert free_answer_from_steps("road, 40 m2", steps) == "no such region"
    # a region that is no step's label: the last step, named by its label
    assert free_answer_from_steps("a small plane could land, 5.0 ha", steps[:2]) == "cropland, 2.42 km2"
    assert free_answer_from_steps("water, 1. 1y, 1. built-up land, 1.2 ha", steps[:2]) == "cropland, 2.42 km2"
    assert free_answer_from_steps("water, 1. 1 ha", steps) == "water, 2.00 km2"  # a garbled number
    assert free_answer_from_steps("no such region", steps) is None  # not an area answer: left as it is
    # an option letter answers nothing where there are no options: the last step's measurement
    assert free_answer_from_steps("B", steps[:2]) == "cropland, 2.42 km2"
    assert free_answer_from_steps("(B).", steps) == "no such region"
    assert free_answer_from_steps("B", []) is None
    assert free_answer_from_steps(" ", steps[:1]) == "water, 2.00 km2"  # an answer the model left empty
    assert free_answer_from_steps("cropland, 1.08 km2", []) is None
    # a step's region before the comma, the area after it garbled: the step's own measurement
    assert free_answer_from_steps("cropland, 1.: cropland. <t1>", steps) == "cropland, 2.42 km2"
    assert free_answer_from_steps("The water, 1.Answer", steps) == "water, 2.00 km2"
    assert free_answer_from_steps("road, 1.", steps) == "no such region"
    assert free_answer_from_steps("forest, 1.: forest", steps) is None  # no step names it: left as it is
    # asked in acres or square miles: the area in them too
    assert free_answer_from_steps("water, 2 km2", steps, "How many acres of water are there?") == \
        "water, 2.00 km2 (494.2 acres)"
    assert free_answer_from_steps("water, 2 km2", steps, "How many square miles are under water?") == \
        "water, 2.00 km2 (0.77 sq mi)"


def test_free_answer_to_a_share_question_states_the_share():
    from types import SimpleNamespace as S

    from engine.eval.reader import free_answer_from_steps

    steps = [S(label="cropland", area_m2=2_424_184.0, share=0.37012), S(label="road", area_m2=0.0, share=0.0)]
    for q in ("What share of this scene is cropland?", "What percentage of the area is cropland?",
              "How much of the area is covered by cropland (%)?"):
        assert free_answer_from_steps("cropland, 1.08 km2", steps, q) == "cropland, 37.0 % (2.42 km2)", q
    assert free_answer_from_steps("cropland, 1.08 km2", steps, "How large is the cropland?") == "cropland, 2.42 km2"
    assert free_answer_from_steps("road, 40 m2", steps, "What share is road?") == "no such region"
    no_share = [S(label="cropland", area_m2=2_424_184.0)]  # steps that carry no share keep the area form
    assert free_answer_from_steps("cropland, 1.08 km2", no_share, "What share is cropland?") == "cropland, 2.42 km2"


def test_ordering_options_read_the_closest_order():
    trace = ("Step 1: water. <t1> [SEG] [area 36.3 ha; share 7.2 %]\n"
             "Step 2: buildings. <t1> [SEG] [area 37.4 ha; share 7.5 %; 10 m from step 1]\n"
             "Step 3: cropland. <t1> [SEG] [area 1.38 km2; share 27.6 %; 0 m from step 1; 0 m from step 2]")
    exact = ["water > buildings > cropland", "cropland > buildings > water", "buildings > water > cropland"]
    assert answer_from_measurements(exact, trace) == "B"
    # the measured order (cropland > buildings > water) is no option: the one agreeing on 2 of 3 pairs
    near = ["buildings > water > cropland", "water > buildings > cropland", "cropland > water > buildings",
            "water > cropland > buildings"]
    assert answer_from_measurements(near, trace) == "C"
    # two options equally close: no reading, the model's letter stands
    assert answer_from_measurements(["water > cropland > buildings", "buildings > water > cropland"], trace) is None
    # a ranked region that no step measured
    assert answer_from_measurements(["forest > water > cropland", "water > forest > cropland"], trace) is None


def test_a_pair_question_without_options_is_answered_by_the_measured_distance():
    from types import SimpleNamespace as S

    from engine.eval.reader import free_distance_answer

    steps = [S(index=1, label="largest water body", area_m2=5e4), S(index=2, label="nearest building", area_m2=125.0)]
    q = "How far is the nearest building from the river?"
    assert free_distance_answer(q, steps, [{"from": 1, "to": 2, "metres": 12.4, "adjacent": False}]) == \
        "nearest building, 12 m from largest water body"
    assert free_distance_answer(q, steps, [{"from": 1, "to": 2, "metres": 1530.0, "adjacent": False}]) == \
        "nearest building, 1.53 km from largest water body"
    assert free_distance_answer(q, steps, [{"from": 1, "to": 2, "metres": 0.0, "adjacent": True}]) == \
        "nearest building, adjacent to largest water body"
    steps[1].area_m2 = 0.0
    assert free_distance_answer(q, steps, []) == "no such region"
    assert free_distance_answer("What share of the area is water?", steps, []) is None  # no pair question


def test_a_comparison_without_options_is_answered_by_the_larger_area():
    from types import SimpleNamespace as S

    from engine.eval.reader import free_comparison_answer

    steps = [S(label="forest", area_m2=19_000.0), S(label="cropland", area_m2=11_430_000.0)]
    q = "Which covers more area, woods or farmland?"
    assert free_comparison_answer(q, steps) == "cropland, 11.43 km2 (forest: 1.9 ha)"
    steps[1].area_m2 = 0.0
    assert free_comparison_answer(q, steps) == "forest, 1.9 ha (cropland: no such region)"
    steps[0].area_m2 = 0.0
    assert free_comparison_answer(q, steps) == "no such region"
    assert free_comparison_answer("What share of the area is water?", steps) is None
