"""The embedded default model (resources/models/terrascope-tiny): it loads with no folder named, fits the
40 MB budget, and answers a held-out generated question with its mask on the right pixels."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio

from engine import Engine
from engine.api import DEFAULT_MODEL_DIR
from engine.data import classes as C
from engine.data.writer import TEST_SEED_START, write_scenes
from engine.eval.metrics import step_counts
from engine.question_kinds import counted_patches
from tests.conftest import SHARED

# classes that form large, compact regions: a coverage question on one of them is the easy case
LARGE_CLASSES = ("water", "forest", "cropland", "grassland")


@pytest.fixture(scope="module")
def default_engine():
    return Engine.load(device="cpu")


def test_the_embedded_default_is_in_the_repository_and_small(default_engine):
    files = [p for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file()]
    assert any(p.name.endswith(".safetensors") for p in files)
    assert sum(p.stat().st_size for p in files) <= 40 * 1000 * 1000
    assert (DEFAULT_MODEL_DIR / "MODEL_CARD.md").is_file() and (DEFAULT_MODEL_DIR / "recipe.json").is_file()
    assert default_engine.name == "terrascope-tiny"


def _easy_question(folder):
    """The largest of LARGE_CLASSES in the scene's labels, as (class id, name, label mask)."""
    with rasterio.open(folder / "labels.tif") as src:
        labels = src.read(1)
    ids = {name: cid for cid, name in C.CLASS_NAMES.items() if name in LARGE_CLASSES}
    name = max(ids, key=lambda n: np.count_nonzero(labels == ids[n]))
    return ids[name], name, labels == ids[name]


def test_default_model_grounds_an_easy_coverage_question(default_engine, tmp_path):
    # the first held-out scene (seeds >= TEST_SEED_START are never trained on) whose largest class covers
    # at least a quarter of it
    for seed in range(TEST_SEED_START, TEST_SEED_START + 20):
        folder = write_scenes(tmp_path / str(seed), seed=seed, size=224, count=1)[0]
        cid, name, truth = _easy_question(folder)
        if truth.mean() >= 0.25:
            break
    ans = default_engine.ask(f"What share of the area is {name}?", optical=str(folder / "optical.tif"),
                             sar=str(folder / "sar.tif"))
    assert ans.steps, ans.answer
    step = ans.steps[-1]
    inter, union = step_counts(np.asarray(step.mask, bool), truth)
    assert inter / union > 0.5, (name, inter / union, ans.answer)
    assert abs(step.share - truth.mean()) < 0.2


def test_default_model_reads_a_flood_question_in_everyday_words_as_water(default_engine, tmp_path):
    """"Flooded" is no class the model was trained on: asked alone, it grounded grassland (IoU 0 on these
    scenes). The question is read as the water step (engine.question_regions)."""
    for seed in range(TEST_SEED_START, TEST_SEED_START + 20):
        folder = write_scenes(tmp_path / str(seed), seed=seed, size=224, count=1)[0]
        with rasterio.open(folder / "labels.tif") as src:
            water = src.read(1) == C.WATER
        if water.mean() >= 0.1:
            break
    ans = default_engine.ask("What share of the area is flooded?", optical=str(folder / "optical.tif"),
                             sar=str(folder / "sar.tif"))
    assert [s.label for s in ans.steps] == ["water"] and ans.answer.startswith("water, "), ans.text
    inter, union = step_counts(np.asarray(ans.steps[0].mask, bool), water)
    assert inter / union > 0.5, (inter / union, ans.answer)


def test_default_model_sharpens_its_masks_and_the_override_turns_it_off(default_engine):
    """The default's config sharpens kept masks along the bands' edges; ``sharpen_masks=False`` leaves the
    decoder's masks as they are."""
    assert default_engine.predictor.guided.enabled
    plain = Engine.load(device="cpu", sharpen_masks=False)
    assert not plain.predictor.guided.enabled and plain.predictor.flip_average == default_engine.predictor.flip_average


def test_default_model_blends_class_masks_with_the_scene_signature_and_the_override_turns_it_off(
        default_engine):
    """The default's config blends the masks of class steps with the scene's class signature
    (engine.geo.signatures); ``class_signatures=False`` leaves the decoder's masks alone."""
    assert default_engine.predictor.signatures.enabled
    assert default_engine.predictor.signatures_for("Step 1: water. <t1> [SEG]") is not None
    plain = Engine.load(device="cpu", class_signatures=False)
    assert not plain.predictor.signatures.enabled and plain.predictor.guided.enabled


def test_default_model_blends_class_steps_with_its_land_cover_head_and_the_override_turns_it_off(default_engine):
    """The default carries a dense land-cover head (engine.model.land_cover) whose probability of a class steps'
    class joins their masks; on a held-out scene its labels of the largest class agree with the truth, and
    ``land_cover=False`` leaves class steps to the decoder."""
    from engine.model.land_cover import class_probabilities
    from engine.pipeline import to_model_images

    p = default_engine.predictor
    assert default_engine.model.land_cover is not None and p.land_cover_weight > 0
    assert p.land_cover_class_for("Step 1: forest. <t1> [SEG]") == C.FOREST
    assert Engine.load(device="cpu", land_cover=False).predictor.land_cover_class_for("forest") is None
    from engine.data.scene import make_scene
    from engine.geo.normalize import normalize_optical, normalize_sar

    scene = make_scene(TEST_SEED_START + 3, 224, dates=1)
    optical = normalize_optical(scene.optical, 1e-4)
    images = to_model_images(_Arrays(optical[:, :3], normalize_sar(scene.sar), optical[:, 3:]), [True], [True])
    labels = class_probabilities(default_engine.model.land_cover, images, 0).argmax(0).numpy()
    assert p.head_blends("Step 1: forest. <t1> [SEG]", images)  # its forest steps take the lighter signature
    truth = scene.labels[0]
    assert float((labels == truth)[truth > 0].mean()) > 0.7


def test_default_model_blends_each_class_at_the_share_its_recorded_recipe_sets(default_engine):
    """``make train-tiny`` writes the head's shares per class from its last head recipe (part 24); the default carries
    those, and they decide the share of a roads step on a 10 m grid and of a buildings step on 10 m and sub-metre
    grids."""
    from engine.model.land_cover import class_weight
    from engine.train.land_cover_config import LandCoverTrainConfig

    recipe = LandCoverTrainConfig.load(DEFAULT_MODEL_DIR / "recipe-part24.json")
    p = default_engine.predictor
    assert recipe.blend_class_weights and p.land_cover_class_weights == recipe.blend_class_weights
    assert p.land_cover_weight == recipe.blend_weight
    # the head read over the eight symmetries, and a lighter class signature where it blends, as the recipe writes them
    assert recipe.blend_symmetries == p.config.land_cover_symmetries == 8 and len(p._head_views()) == 7
    assert recipe.head_signature_weight == p.config.head_signature_weight == 0.25
    shares = p.land_cover_class_weights
    assert class_weight(C.ROAD, 10.0, p.land_cover_weight, shares) == shares["roads"][1]
    assert class_weight(C.BUILDING, 10.0, p.land_cover_weight, shares) == shares["buildings"][1]
    assert class_weight(C.BUILDING, 0.5, p.land_cover_weight, shares) == shares["buildings"][0]
    assert class_weight(C.WATER, 10.0, p.land_cover_weight, shares) == p.land_cover_weight


class _Arrays:
    """The arrays of one date as the engine reads a raster's tile (engine.geo.stack.StackArrays' fields)."""

    def __init__(self, optical, sar, nir):
        self.optical, self.sar, self.nir = optical, sar, nir
        self.valid = np.ones(optical.shape[:1] + optical.shape[2:], bool)


REAL_FLOOD = SHARED / "data" / "real" / "sen1floods11-spain"


@pytest.mark.skipif(not REAL_FLOOD.is_dir(), reason="the real Sen1Floods11 scene is not beside the project")
def test_default_model_maps_the_real_flood_scenes_water_within_the_targets(default_engine):
    """The real Sentinel-2 + Sentinel-1 flood chip (evaluation only): the water step reaches IoU >= 0.6 with the
    hand label and a share within 5 points of the true one; the water index's growth is what brings it there."""
    from engine.eval.real import evaluate_flood_scene
    from engine.geo.water_index import WaterIndexConfig

    grown = evaluate_flood_scene(REAL_FLOOD, default_engine)
    assert grown["step"] == "water"
    assert grown["iou"] >= 0.6 and grown["share_error_points"] <= 5.0
    kept = default_engine.predictor.water_index
    try:
        default_engine.predictor.water_index = WaterIndexConfig(above=None)
        plain = evaluate_flood_scene(REAL_FLOOD, default_engine)
    finally:
        default_engine.predictor.water_index = kept
    assert plain["iou"] < grown["iou"] and plain["pred_share"] < grown["pred_share"]


def test_default_model_answers_what_the_area_is_made_of_and_counts_its_patches(default_engine, tmp_path):
    """"What is the dominant land cover?" grounds every class on the last date and leads with the largest
    (engine.question_kinds); "How many ... are there?" counts the patches of the layer it shows."""
    for seed in range(TEST_SEED_START, TEST_SEED_START + 20):
        folder = write_scenes(tmp_path / str(seed), seed=seed, size=224, count=1)[0]
        cid, name, truth = _easy_question(folder)
        if truth.mean() >= 0.35:
            break
    files = {"optical": str(folder / "optical.tif"), "sar": str(folder / "sar.tif")}
    ans = default_engine.ask("What is the dominant land cover?", **files)
    assert [s.label for s in ans.steps] == list(C.CLASS_NAMES.values()), ans.text
    assert ans.answer.startswith(f"{name}, "), (name, truth.mean(), ans.answer)
    found = ans.answer.split("; not found: ")[0]
    shares = [float(part.rsplit(" ", 2)[-2]) for part in found.split("; then ")[-1].split(", ")]
    assert shares == sorted(shares, reverse=True)
    count = default_engine.ask(f"How many {name} patches are there?", **files)
    step = count.steps[-1]
    counted, specks = counted_patches(step)
    assert counted + specks == len(step.geometry) and counted >= 1
    assert step.label == name and count.answer.startswith(f"{name}: {counted} separate patch")
