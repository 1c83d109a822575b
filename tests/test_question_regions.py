"""Questions in everyday words: the one class a plain question names by other words than its name is planned as
the step the model grounds; everything the model reads itself is left to it."""
from __future__ import annotations

import pytest

from engine.data.dataset import DatasetConfig, SyntheticQuestions
from engine.data.grounding import IMPLICIT
from engine.model.step_rules import StepRules
from engine.question_regions import model_phrase, named_classes, region_plan


@pytest.mark.parametrize("question, plan", [
    ("What share of the area is flooded?", ["water"]),
    ("What percentage of this area is inundated?", ["water"]),
    ("Map the flood extent.", ["water"]),
    ("How much of the area is submerged?", ["water"]),
    ("Where is the river?", ["largest water body"]),
    ("How large is the biggest lake?", ["largest water body"]),
    ("How much of the area is urban?", ["built-up land"]),
    ("What share of the area is built up?", ["built-up land"]),
    ("What share is farmland?", ["cropland"]),
    ("Where are the trees?", ["forest"]),
    ("How much of the scene is pasture?", ["grassland"]),
    ("Outline the bare ground.", ["bare soil"]),
    ("Show the streets.", ["roads"]),
    ("Where are the houses?", ["buildings"]),
    ("Where is the biggest house?", ["largest building"]),
    ("How many hectares are flooded?", ["water"]),
])
def test_everyday_words_are_read_as_the_class_the_model_knows(question, plan):
    assert region_plan(question) == plan


@pytest.mark.parametrize("question", [
    "What share of the area is water?",  # the class's own name: the model reads it
    "Segment the built-up land.",
    "Which fields are flooded?",  # fields and flood water: two classes
    "How far are the houses from the river?",  # a relation
    "Where are the houses near the river?",
    "How much of the forest in the northern half is left?",
    "How many houses are there?",  # a count, not a region
    "How much land was newly flooded between the two dates?",  # a change
    "Where should rescue teams search for people trapped in collapsed houses?",
    "Where could a small plane land?",  # no class word at all
    "Is there more farmland or more grass?",
])
def test_questions_the_model_reads_itself_are_left_to_it(question):
    assert region_plan(question) == []


def test_a_fine_tuned_class_name_is_left_to_the_model():
    # an adapter trained on a label raster whose class is "Flooded area" reads that name itself
    assert region_plan("What share of the area is flooded area?", known=("Flooded area",)) == []
    assert region_plan("What share of the area is flooded area?") == ["water"]
    assert named_classes("Where are the orchards and the meadows?") == {"cropland": "orchards",
                                                                        "grassland": "meadows"}


def test_no_training_question_is_read_otherwise_than_its_trace():
    """Trace synthesis asks by the classes' names: where a generated question is planned at all, the plan is its
    trace's own steps (so the bench, which asks those questions, is not moved by the rule)."""
    implicit = {q: phrase for q, _, phrase in IMPLICIT}
    for question, phrase in implicit.items():
        assert region_plan(question) in ([], [phrase]), question
    ds = SyntheticQuestions(DatasetConfig(seed_start=7_300_000, seed_stop=8_000_000, with_record=True,
                                          absent_rate=0.3), length=240)
    planned, pairs, rules = 0, 0, StepRules()
    for i in range(len(ds)):
        rec = ds[i]["record"]
        plan = region_plan(rec.question)
        planned += bool(plan)
        assert plan in ([], [s.phrase for s in rec.steps]), (rec.question, plan)
        if rec.task in ("distance", "boundary"):  # a pair's regions are planned as the trace names them
            pairs += 1
            assert rules.planned_steps(rec.question, list(rec.choices), 1)[0] == [s.phrase for s in rec.steps], \
                rec.question
    assert planned < len(ds) // 10 and pairs > 20


def test_step_rules_plan_the_region_only_where_nothing_else_is_planned():
    rules = StepRules()
    assert rules.planned_steps("What share of the area is flooded?", None, 1) == (["water"], [])
    # a change question on two dates keeps its change plan; a pair question its two regions
    assert rules.planned_steps("How much new building area appeared between the two dates?", None, 2)[0] == [
        "buildings", "new buildings"]
    assert rules.planned_steps("How far is the largest water body from the roads?", None, 1)[0] == [
        "roads", "largest water body"]
    rules.known_regions = ("flooded",)
    assert rules.planned_steps("What share of the area is flooded?", None, 1) == ([], [])
    rules.known_regions, rules.plan_phrases = (), False
    assert rules.planned_steps("What share of the area is flooded?", None, 1) == ([], [])


@pytest.mark.parametrize("phrase, model_words", [
    ("river", "largest water body"), ("houses", "buildings"), ("woods", "forest"),
    ("town", "largest built-up land patch"),
    ("largest forest patch", "largest forest patch"), ("nearest building", "nearest building"),
    ("cropland next to the water", "cropland next to the water"), ("largest building", "largest building"),
])
def test_a_pair_question_names_its_regions_in_the_model_words(phrase, model_words):
    assert model_phrase(phrase) == model_words


def test_step_rules_plan_a_pair_named_in_everyday_words():
    rules = StepRules()
    assert rules.planned_steps("How far are the houses from the river?", None, 1) == (
        ["largest water body", "buildings"], [])
    rules.known_regions = ("river",)  # a fine-tuned adapter that knows its rivers reads them itself
    assert rules.planned_steps("How far are the houses from the river?", None, 1)[0] == ["river", "buildings"]


def test_two_regions_compared_without_options_are_planned_in_the_model_words():
    rules = StepRules()
    assert rules.planned_steps("Which covers more area, woods or farmland?", None, 1) == (["forest", "cropland"], [])
    assert rules.planned_steps("Is there more water or more meadows?", None, 1)[0] == ["water", "grassland"]
    # with options the options fix the steps, as trace synthesis asks its ranking questions
    assert rules.planned_steps("Is there more water or more forest?", ["water", "forest"], 1)[0] == ["water", "forest"]
