"""Training a model's dense land-cover head (engine.train.land_cover, `terrascope train-land-cover`) on tiny-test
weights: its samples, its schedule, a head that learns, and the command that writes a whole model folder."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.cli import main
from engine.errors import Cancelled, InputError
from engine.model.land_cover import LandCoverHead
from engine.train.land_cover import (class_weight_vector, learning_rate, present_class_dice_loss, scene_sample,
                                     train_land_cover)
from engine.train.land_cover_config import LandCoverTrainConfig

SIZE = 48


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from engine.model.checkpoint import save_pretrained
    from engine.model.registry import build_model

    folder = tmp_path_factory.mktemp("base") / "tiny"
    model, tok = build_model("tiny-test")
    save_pretrained(model, tok, folder)
    return folder


def test_samples_are_one_date_of_a_scene_with_the_modalities_drawn():
    cfg = LandCoverTrainConfig()
    x, y = scene_sample(np.random.default_rng(4), 123, SIZE, cfg)
    x2, y2 = scene_sample(np.random.default_rng(4), 123, SIZE, cfg)
    assert x.shape == (9, SIZE, SIZE) and y.shape == (SIZE, SIZE) and x.dtype == np.float32
    assert np.array_equal(x, x2) and np.array_equal(y, y2) and set(np.unique(y)) <= set(range(1, 9))
    sar_only = LandCoverTrainConfig(modality_shares={"sar": 1.0})
    x, _ = scene_sample(np.random.default_rng(4), 123, SIZE, sar_only)
    assert float(np.abs(x[:4]).sum()) == 0 and x[6].max() == 0 and x[7].min() == 1 and x[4:6].std() > 0


def test_the_schedule_warms_up_then_decays_over_steps_or_wall_time():
    cfg = LandCoverTrainConfig(steps=100, lr=1e-3, warmup_steps=10, min_lr_ratio=0.1)
    assert learning_rate(cfg, 0, 0.0) == 0.0 and learning_rate(cfg, 5, 0.0) == pytest.approx(5e-4 * 0.99, rel=0.02)
    assert learning_rate(cfg, 100, 0.0) == pytest.approx(1e-4)
    timed = LandCoverTrainConfig(steps=100, lr=1e-3, warmup_steps=0, max_seconds=60, time_schedule=True)
    assert learning_rate(timed, 1, 30.0) == pytest.approx(5e-4) and learning_rate(timed, 1, 90.0) == 0.0


def test_weighted_classes_and_bad_recipes_are_one_clear_error(tmp_path):
    w = class_weight_vector({"roads": 2.0, "buildings": 2.5})
    assert w[0] == 0 and w[7] == 2.0 and w[8] == 2.5 and float(w[1:7].sum()) == 6
    with pytest.raises(InputError, match="unknown class"):
        LandCoverTrainConfig(class_weights={"lava": 2.0})
    for shares in ({"lava": [0.5, 0.5]}, {"roads": [0.9]}, {"roads": [0.5, 1.5]}, {"roads": 0.9}):
        with pytest.raises(InputError, match="blend_class_weights"):
            LandCoverTrainConfig(blend_class_weights=shares)
        with pytest.raises(InputError, match="blend_class_thresholds"):
            LandCoverTrainConfig(blend_class_thresholds=shares)
    with pytest.raises(InputError, match="blend_symmetries is 2: give 1, 4 or 8"):
        LandCoverTrainConfig(blend_symmetries=2)
    with pytest.raises(InputError, match="head_signature_weight is 1.5: give a weight from 0 to 1"):
        LandCoverTrainConfig(head_signature_weight=1.5)
    (tmp_path / "r.json").write_text('{"stpes": 3}')
    with pytest.raises(InputError, match="unknown land-cover training option"):
        LandCoverTrainConfig.load(tmp_path / "r.json")
    with pytest.raises(InputError, match="give its folder"):
        train_land_cover(LandCoverTrainConfig())
    if not torch.cuda.is_available():  # asking for a GPU where there is none says so before any work
        with pytest.raises(InputError, match="CUDA"):
            train_land_cover(LandCoverTrainConfig(base_dir="resources/models/terrascope-tiny", device="cuda"))


def test_the_dice_term_weighs_each_present_class_alike_and_leaves_unlabelled_pixels_out():
    labels = torch.zeros(1, 10, 10, dtype=torch.long)
    labels[0, :, :9] = 3  # cropland: 90 pixels
    labels[0, :, 9] = 7  # roads: a 1-pixel line, 10 pixels
    perfect = F.one_hot(labels, 9).permute(0, 3, 1, 2).float() * 40
    assert present_class_dice_loss(perfect, labels).item() == pytest.approx(0.0, abs=1e-6)
    roads_missed = perfect.clone()
    roads_missed[0, 7], roads_missed[0, 3, :, 9] = -40, 40  # the road read as cropland
    wrong_share = float((roads_missed.argmax(1) != labels).float().mean())
    dice = present_class_dice_loss(roads_missed, labels).item()
    # one of two classes lost: a tenth of the pixels, half the term
    assert wrong_share == pytest.approx(0.1) and 0.45 < dice < 0.5
    unlabelled = labels.clone()
    unlabelled[0, :, 9] = 0  # the road's pixels unlabelled: nothing is wrong any more
    assert present_class_dice_loss(roads_missed, unlabelled).item() == pytest.approx(0.0, abs=1e-6)
    assert present_class_dice_loss(roads_missed, torch.zeros_like(labels)).item() == 0.0
    with pytest.raises(InputError, match="dice_weight"):
        LandCoverTrainConfig(dice_weight=-1)


def test_the_head_learns_the_labels_of_a_batch():
    torch.manual_seed(0)
    cfg = LandCoverTrainConfig()
    rng = np.random.default_rng(0)
    xs, ys = zip(*[scene_sample(rng, 300 + i, SIZE, cfg) for i in range(4)])
    x, y = torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))
    head = LandCoverHead([8, 8, 16, 16])
    opt = torch.optim.Adam(head.parameters(), 1e-2)
    losses = []
    for _ in range(30):
        logits = head(x)
        loss = F.cross_entropy(logits, y, ignore_index=0) + 0.5 * present_class_dice_loss(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]


def test_the_command_writes_the_model_with_its_trained_head(base, tmp_path, capsys):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"_about": "a record", "widths": [4, 8, 8, 8], "batch_size": 2, "scene_size": SIZE,
                                  "val_scenes": 2, "blend_weight": 0.4, "class_weights": {"roads": 2},
                                  "blend_class_weights": {"Road": [0.9, 0.8]},
                                  "blend_class_thresholds": {"grass": [0.4, 0.35]}, "blend_symmetries": 4,
                                  "head_signature_weight": 0.3}))
    out = tmp_path / "with-head"
    rc = main(["train-land-cover", "--config", str(recipe), "--base", str(base), "--out", str(out), "--steps", "3",
               "--no-progress"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 3 and summary["finished"] and summary["loss"] > 0
    assert 0 <= summary["validation_iou"]["mean"] <= 1
    from engine.model.checkpoint import from_pretrained

    model, _ = from_pretrained(out)
    assert model.config.land_cover == [4, 8, 8, 8] and model.config.land_cover_weight == 0.4
    assert model.config.land_cover_class_weights == {"roads": [0.9, 0.8]}
    assert model.config.land_cover_class_thresholds == {"grassland": [0.4, 0.35]}
    assert model.config.land_cover_symmetries == 4 and model.config.head_signature_weight == 0.3
    assert json.loads((out / "land_cover_recipe.json").read_text())["class_weights"] == {"roads": 2}
    before, _ = from_pretrained(base)
    assert before.land_cover is None  # the base folder is not changed
    torch.testing.assert_close(model.mask_decoder.state_dict(), before.mask_decoder.state_dict(), atol=1e-3, rtol=1e-3)
    # the written head trains on: its weights are the start of the next run
    again = train_land_cover(LandCoverTrainConfig(base_dir=str(out), out_dir=str(tmp_path / "again"), steps=1,
                                                  batch_size=1, scene_size=SIZE, val_scenes=0, store_float16=False))
    trained, _ = from_pretrained(again.out_dir)
    first = next(iter(model.land_cover.state_dict().values()))
    assert trained.config.land_cover == [4, 8, 8, 8] and first.shape == next(iter(
        trained.land_cover.state_dict().values())).shape


def test_a_cancelled_run_writes_nothing(base, tmp_path):
    out = tmp_path / "never"
    cfg = LandCoverTrainConfig(base_dir=str(base), out_dir=str(out), widths=[4, 4, 4, 4], steps=5, batch_size=1,
                               scene_size=SIZE, val_scenes=0)
    calls = []
    with pytest.raises(Cancelled):
        train_land_cover(cfg, progress=lambda *a: calls.append(a), cancelled=lambda: len(calls) >= 2)
    assert len(calls) == 2 and not out.exists() and not any(p.name.startswith(".never") for p in tmp_path.iterdir())
