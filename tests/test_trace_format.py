"""The trace grammar: what is written is what is parsed back."""
import pytest

from engine import trace_format as tf


def test_measurement_text_and_empty_region():
    m = tf.Measurement(124_000.0, 0.231, ((1, 140.0),))
    assert tf.format_measurement(m) == "[area 12.4 ha; share 23.1 %; 140 m from step 1]"
    assert tf.format_measurement(tf.Measurement(0.0, 0.0)) == tf.NO_REGION
    assert tf.format_area(2.5e6) == "2.50 km2" and tf.format_area(512) == "512 m2"


def test_a_share_found_never_reads_as_nothing():
    assert tf.format_share(0.231) == "23.1 %" and tf.format_share(0.0) == "0.0 %"
    assert tf.format_share(0.0004) == "under 0.1 %"  # 8 404 m2 of a 24 km2 chip
    assert tf.format_share(0.0006) == "0.1 %"


def test_step_head_round_trips_its_label_and_date():
    head = tf.format_step_head(2, "cropland next to the water.", 1)
    assert head == "Step 2: cropland next to the water. <t2> [SEG]"
    assert tf.parse_step_label(head) == "cropland next to the water"


def test_parse_answer_letters_words_and_missing():
    assert tf.parse_answer("Step 1: x. <t1> [SEG] [..]\nAnswer: B", 4) == ("B", "B")
    assert tf.parse_answer("Answer: Cropland, 3 ha", 4) == ("Cropland, 3 ha", None)
    assert tf.parse_answer("Answer: E", 4) == ("E", None)
    assert tf.parse_answer("no answer line", 4) == ("", None)


def test_prompt_letters_options():
    assert tf.format_prompt(" Which? ", ["a", "b"]) == "Which?\nOptions: A) a B) b"
    assert tf.format_prompt("Where?") == "Where?"


def test_planned_phrases_follow_the_question_for_rankings():
    q = "Rank forest, water and built-up land by area, largest first."
    opts = ["water > forest > built-up land", "built-up land > water > forest", "forest > built-up land > water"]
    assert tf.planned_phrases(q, opts) == ["forest", "water", "built-up land"]
    assert tf.planned_phrases("Is there more cropland or more water?", ["water", "cropland"]) == ["cropland", "water"]
    assert tf.planned_phrases("Which covers more area: Forest or water?", ["forest", "water", "no such region"]) \
        == ["forest", "water"]


def test_pair_questions_plan_both_regions_reference_first():
    assert tf.planned_phrases("Do the roads and the water touch?",
                              ["adjacent (they share a boundary)", "separated by less than 20 m",
                               "separated by more than 20 m"]) == ["roads", "water"]
    assert tf.pair_phrases("How far is the largest water body from the roads?") \
        == ["roads", "largest water body"]
    assert tf.pair_phrases("How close do the buildings come to the  largest forest patch?") \
        == ["largest forest patch", "buildings"]
    assert tf.pair_phrases("What is the gap between the cropland and the river?") == ["cropland", "river"]
    assert tf.pair_phrases("Is the water adjacent to the forest?") == ["water", "forest"]
    assert tf.pair_phrases("How far is the water from the water?") == []
    assert tf.pair_phrases("How much water is there?") == []


def test_planned_phrases_leave_other_questions_free():
    assert tf.planned_phrases("What share is water?", ["under 5 %", "5 % to 10 %", "over 10 %"]) == []
    assert tf.planned_phrases("Is it flooded?", ["yes", "no"]) == []  # options the question does not name
    assert tf.planned_phrases("Which is larger, the waterway or the forest?", ["water", "forest"]) == []
    assert tf.planned_phrases("Where is the water?", None) == []


def test_new_water_lies_outside_the_earlier_water():
    from engine.trace_format import new_region_outside, same_region

    for phrase in ("newly flooded land", "The newly flooded areas.", "new flood water"):
        assert new_region_outside(phrase) == "water"
    for phrase in ("destroyed buildings", "new buildings", "cleared forest", "flooded cropland", "water", ""):
        assert new_region_outside(phrase) is None
    assert same_region("The Water.", "water") and not same_region("water", "newly flooded land")
    assert not same_region("", "")


def test_the_class_whose_largest_patch_a_phrase_names():
    """Every patch phrase trace synthesis writes names its class; a plural head or a qualified region names
    no class patch."""
    import numpy as np
    from affine import Affine

    from engine.data import classes as C
    from engine.data.context import LabelContext

    ctx = LabelContext(np.zeros((1, 4, 4), np.uint8), dict(C.CLASS_NAMES), Affine.identity(), None,
                       np.ones((4, 4), bool))
    for cid, name in C.CLASS_NAMES.items():
        assert tf.patch_region(ctx.patch_phrase(cid)) == name
        assert tf.patch_region(f"the {ctx.patch_phrase(cid)}.") == name
    assert tf.patch_region("the biggest single house") == "houses"
    for phrase in ("forest", "the largest fields", "the largest field next to the river", "largest", ""):
        assert tf.patch_region(phrase) is None


def test_phrases_that_name_a_change_of_classes():
    """Every change phrase trace synthesis writes (engine.data.change) names its classes and how they changed."""
    from engine.data.change import CHANGES

    want = {"destroyed buildings": ("buildings", "buildings", tf.LOST),
            "new buildings": ("buildings", "buildings", tf.GAINED),
            "newly flooded land": ("water", "water", tf.GAINED),
            "flooded cropland": ("cropland", "water", tf.FLOODED),
            "cleared forest": ("forest", "forest", tf.LOST)}
    assert {c[-1] for c in CHANGES} == set(want)
    for phrase, classes in want.items():
        assert tf.change_classes(phrase) == classes
        assert tf.change_classes(f"The {phrase}.") == classes
    assert tf.change_classes("grassland lost") == ("grassland", "grassland", tf.LOST)  # the generic change
    assert tf.change_classes("new water") == ("water", "water", tf.GAINED)
    for phrase in ("buildings", "water", "new construction", "the largest forest patch", "destroyed", ""):
        assert tf.change_classes(phrase) is None


@pytest.mark.parametrize("question, phrases", [
    ("How much building area was destroyed between the two dates?", ["buildings", "destroyed buildings"]),
    ("What area of new construction was built between the two images?", ["buildings", "new buildings"]),
    ("How much new building area appeared between the two dates?", ["buildings", "new buildings"]),
    ("What area did the flood water spread over between the two images?", ["water", "newly flooded land"]),
    ("What share of the area was newly flooded between the two dates?", ["water", "newly flooded land"]),
    ("What area of fields went under water between the two images?", ["cropland", "flooded cropland"]),
    ("How much cropland was flooded between the two dates?", ["cropland", "flooded cropland"]),
    ("What share of the area lost its forest between the two dates?", ["forest", "cleared forest"]),
    ("Where should rescue teams search for people trapped in collapsed houses?", ["buildings", "destroyed buildings"]),
    ("How much did the urban area grow between the two images?", ["buildings", "new buildings"]),
    ("Show the urban expansion.", ["buildings", "new buildings"]),
    ("Where were new homes built?", ["buildings", "new buildings"]),
    ("How far did the flooded area expand?", ["water", "newly flooded land"]),
    ("Where was the woodland cleared?", ["forest", "cleared forest"]),
    ("How much area was logged between the two images?", ["forest", "cleared forest"]),
    ("What share of the area is water?", []), ("How far is the forest from the water?", []),
    ("Where is the town?", [])])
def test_change_questions_fix_the_class_and_its_change(question, phrases):
    assert tf.change_phrases(question) == phrases
