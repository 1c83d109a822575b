"""Questions beyond the bench's six kinds: how many, whether any, what the area is made of, a class near a region.
Each is planned as the steps the model grounds and answered from what those steps measure."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from engine.data.classes import CLASS_NAMES
from engine.data.dataset import DatasetConfig, SyntheticQuestions
from engine.data.grounding import IMPLICIT
from engine.model.step_rules import StepRules
from engine.question_kinds import (COMPOSITION, COUNT, COUNT_MIN_PIXELS, LENGTH, PRESENCE, REGION, counted_patches,
                                   kind_answer, one_region, question_kind)

ALL_CLASSES = tuple(CLASS_NAMES.values())


@pytest.mark.parametrize("question, kind, steps", [
    ("How many buildings are there?", COUNT, ("buildings",)),
    ("How many separate water bodies are there?", COUNT, ("water",)),
    ("Count the lakes.", COUNT, ("water",)),
    ("How many buildings are next to the largest road section?", COUNT,
     ("largest road section", "buildings next to the largest road section")),
    ("How many houses are near the river?", COUNT,
     ("largest water body", "buildings next to the largest water body")),
    ("Is there any forest in this image?", PRESENCE, ("forest",)),
    ("Is there flooding in this image?", PRESENCE, ("water",)),
    ("Does the image contain any built-up areas?", PRESENCE, ("built-up land",)),
    ("Can you see any roads?", PRESENCE, ("roads",)),
    ("Is there a lake?", PRESENCE, ("largest water body",)),
    ("Are there any roads near the flooded area?", PRESENCE, ("water", "roads next to the water")),
    ("Which houses are close to the river?", REGION,
     ("largest water body", "buildings next to the largest water body")),
    ("Show the fields beside the woods.", REGION, ("forest", "cropland next to the forest")),
    ("Which fields are flooded?", REGION, ("water",)),  # a field under water reads as water
    ("How much cropland is under water?", REGION, ("water",)),
    ("Are any fields flooded?", PRESENCE, ("water",)),
    ("How many fields are flooded?", COUNT, ("water",)),
    # a list: one step per region, in the order named
    ("Are there any roads or buildings?", PRESENCE, ("roads", "buildings")),
    ("How many lakes and houses are there?", COUNT, ("water", "buildings")),
    ("Does the image contain any built-up areas or forest?", PRESENCE, ("built-up land", "forest")),
    ("Are there roads and houses near the river?", PRESENCE,
     ("largest water body", "roads next to the largest water body", "buildings next to the largest water body")),
    ("How long is the river?", LENGTH, ("largest water body",)),
    ("What is the total length of the roads?", LENGTH, ("roads",)),
    ("How many kilometres of streets are there?", LENGTH, ("roads",)),
    ("What is the largest land cover class?", COMPOSITION, ALL_CLASSES),
    ("Which land cover dominates this scene?", COMPOSITION, ALL_CLASSES),
    ("List the land-cover classes present.", COMPOSITION, ALL_CLASSES),
    ("What does this scene consist of?", COMPOSITION, ALL_CLASSES),
])
def test_a_question_is_read_as_its_kind_and_the_steps_that_answer_it(question, kind, steps):
    read = question_kind(question)
    assert read is not None and (read.kind, read.steps) == (kind, steps)


@pytest.mark.parametrize("question", [
    "How many hectares are flooded?",  # an area
    "What share of the area is covered by water?",  # a plain class question (engine.question_regions)
    "How many new buildings appeared between the two dates?",  # a change
    "Does the image show farmland with trees?",  # two classes, no list
    "Is there more water or more forest?",  # a comparison (engine.trace_format.compared_phrases)
    "Is there anything unusual?",  # no region
    "Where could a small plane land?",
    "Is the largest forest patch near the water?",  # one patch is no class whose patches lie near a region
])
def test_other_questions_are_none_of_these(question):
    assert question_kind(question) is None


def test_regions_are_read_in_the_model_words_or_an_adapter_own():
    assert one_region("the houses") == "buildings" and one_region("a lake") == "largest water body"
    assert one_region("water bodies") == "water" and one_region("the woods and the fields") is None
    # a fine-tuned adapter's class names are the model's own words
    kind = question_kind("How many solar farms are there?", known=("solar farms", "greenhouses"))
    assert (kind.kind, kind.steps) == (COUNT, ("solar farms",))
    assert question_kind("What land cover types are present?", known=("solar farms", "greenhouses")).steps == (
        "solar farms", "greenhouses")


def test_no_generated_question_is_read_otherwise_than_its_trace():
    """Trace synthesis asks the bench's kinds: a generated question is read as one of these only where its trace
    names the same steps, so neither the bench nor training data is moved."""
    for question, _, phrase in IMPLICIT:
        kind = question_kind(question)
        assert kind is None or kind.regions == (phrase,), question
    ds = SyntheticQuestions(DatasetConfig(seed_start=7_300_000, seed_stop=8_000_000, with_record=True,
                                          absent_rate=0.3), length=300)
    read = 0
    for i in range(len(ds)):
        rec = ds[i]["record"]
        kind = question_kind(rec.question)
        read += kind is not None
        assert kind is None or rec.choices or kind.regions[-1] == rec.steps[-1].phrase, (rec.question, kind)
    assert read < len(ds) // 10


def test_step_rules_plan_the_kinds_without_options_and_the_composition_on_the_last_date():
    rules = StepRules()
    assert rules.planned_steps("How many buildings are there?", None, 1) == (["buildings"], [])
    assert rules.planned_steps("What is the dominant land cover?", None, 3) == (list(ALL_CLASSES), [2] * 8)
    assert rules.planned_steps("Is there any forest?", ["yes", "no"], 1) == ([], [])  # options fix the steps
    # a pair question keeps its pair, a change question its change
    assert rules.planned_steps("How far are the houses from the river?", None, 1)[0] == [
        "largest water body", "buildings"]
    assert rules.planned_steps("How many new buildings were built between the dates?", None, 2)[0] == [
        "buildings", "new buildings"]
    rules.plan_phrases = False
    assert rules.planned_steps("How many buildings are there?", None, 1) == ([], [])


def _step(label, area_m2, share, n_patches=1, patch_m2=None, transform=None):
    """A measured step whose layer holds ``n_patches`` polygons of ``patch_m2`` each (or the area split evenly)."""
    each = area_m2 / max(n_patches, 1) if patch_m2 is None else patch_m2
    return SimpleNamespace(label=label, area_m2=area_m2, share=share, transform=transform, crs="EPSG:32633",
                           geometry=pd.DataFrame({"area_m2": [each] * n_patches}))


def test_kind_answers_come_from_the_measured_steps():
    assert kind_answer("How many buildings are there?", [_step("buildings", 374_415, 0.018, 88)]) == \
        "buildings: 88 separate patches, 37.4 ha in all"
    assert kind_answer("How many lakes?", [_step("water", 20_000, 0.01, 1)]) == \
        "water: 1 separate patch, 2.0 ha in all"
    assert kind_answer("How many buildings are there?", [_step("buildings", 0.0, 0.0, 0)]) == \
        "buildings: none, no such region"
    # what changed, counted: the change plan's last step
    change = [_step("buildings", 7722.0, 0.18, 40), _step("destroyed buildings", 748.0, 0.017, 3)]
    assert kind_answer("How many buildings were destroyed between the two dates?", change) == \
        "destroyed buildings: 3 separate patches, 748 m2 in all"
    assert kind_answer("How much building area was destroyed between the two dates?", change) is None
    assert kind_answer("Is there any forest?", [_step("forest", 19_165, 0.0009)]) == \
        "yes: forest, 1.9 ha (0.1 % of the area)"
    assert kind_answer("Is there any forest?", [_step("forest", 0.0, 0.0, 0)]) == "no: forest, no such region"
    # a list: each region's own part, in the order named
    listed = [_step("roads", 59_000, 0.003, 30), _step("buildings", 0.0, 0.0, 0)]
    assert kind_answer("Are there any roads or buildings?", listed) == \
        "yes: roads, 5.9 ha (0.3 % of the area); no: buildings, no such region"
    assert kind_answer("Are there any roads or buildings?", listed[:1]) is None  # a listed region not measured
    near = [_step("water", 5e6, 0.25), _step("roads next to the water", 25_924, 0.0013, 19)]
    assert kind_answer("Which roads are near the water?", near) == \
        "roads next to the water, 2.6 ha (0.1 % of the area)"
    steps = [_step("water", 5.05e6, 0.245), _step("cropland", 11.2e6, 0.544), _step("forest", 0.0, 0.0, 0),
             _step("roads", 59_866, 0.003)]
    assert kind_answer("Which land-cover classes are present?", steps) == \
        "cropland 54.4 %, water 24.5 %, roads 0.3 %; not found: forest"
    assert kind_answer("What is the dominant land cover?", steps) == \
        "cropland, 54.4 % (11.20 km2); then water 24.5 %, roads 0.3 %; not found: forest"
    assert kind_answer("What is the dominant land cover?", steps[2:3]) == "no such region"
    # a region found but under a thousandth of the area is not reported as 0.0 %
    speck = [_step("water", 5e6, 0.25), _step("roads next to the water", 8_404, 0.0004, 3)]
    assert kind_answer("Are there roads near the water?", speck) == \
        "yes: roads next to the water, 8404 m2 (under 0.1 % of the area)"
    assert kind_answer("Which land-cover classes are present?", steps[:2] + speck[1:]) == \
        "cropland 54.4 %, water 24.5 %, roads next to the water under 0.1 %"
    for step in steps:  # on a time series every class is read on the last date
        step.date = "t2"
    assert kind_answer("Which land-cover classes are present?", steps) == \
        "cropland 54.4 %, water 24.5 %, roads 0.3 %; not found: forest (on t2)"
    assert kind_answer("What share of the area is water?", steps) is None


def test_a_count_leaves_out_specks_but_not_the_buildings_of_coarse_grids():
    fine, coarse = Affine(0.8, 0, 500_000, 0, -0.8, 4_000_000), Affine(10, 0, 500_000, 0, -10, 4_000_000)
    speck_m2, house_m2 = (COUNT_MIN_PIXELS - 4) * 0.64, 150.0  # 12 pixels; about 234 pixels
    houses = _step("buildings", 5 * house_m2, 0.01, 5, house_m2, fine)
    houses.geometry = pd.DataFrame({"area_m2": [house_m2] * 5 + [speck_m2] * 3})
    assert counted_patches(houses) == (5, 3)
    assert kind_answer("How many houses are there?", [houses]).startswith(
        "buildings: 5 separate patches, 750 m2 in all (3 specks under 16 pixels not counted)")
    # on a 10 m grid a building is a few pixels across: every patch counts
    assert counted_patches(_step("buildings", 600.0, 0.01, 6, 100.0, coarse)) == (6, 0)
    assert counted_patches(_step("buildings next to the water", 600.0, 0.01, 6, 100.0, coarse)) == (6, 0)
    # water on the same grid: patches of one pixel are specks
    assert counted_patches(_step("water", 2e4, 0.1, 3, 100.0, coarse)) == (0, 3)


def test_a_length_is_measured_along_the_centre_line():
    road = np.zeros((100, 100), bool)
    road[50, 10:90] = True  # 80 pixels of 10 m
    step = _step("roads", 8000.0, 0.008, 1, transform=Affine(10, 0, 500_000, 0, -10, 4_000_000))
    step.mask = road
    answer = kind_answer("What is the total length of the roads?", [step])
    assert answer.startswith("roads: ") and answer.endswith(" m wide on average (8000 m2)")
    metres = float(answer.split()[1])
    assert abs(metres - 800) < 60, answer
    assert "miles)" in kind_answer("How many miles of roads are there?", [step])
    step.area_m2 = 0.0
    assert kind_answer("How long are the roads?", [step]) == "roads: no such region"
