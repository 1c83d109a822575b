"""scripts/device_train.sh, the one-call training run for a GPU machine held for a fixed time: run here on the
CPU for a few seconds, it trains on generated scenes, stops on time and leaves a loadable float16 model folder
and its log under $OUT. Every recorded recipe is a valid training config."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.train.config import TrainConfig
from engine.train.land_cover_config import LandCoverTrainConfig

ROOT = Path(__file__).resolve().parent.parent
RECIPES = sorted((ROOT / "resources" / "models" / "terrascope-tiny").glob("recipe*.json"))


def _train_tiny_recipes(command: str = r"train(?:-land-cover)?") -> list[str]:
    """The recipe files the Makefile's train-tiny target trains with ``terrascope <command>`` (a pattern), in its
    order."""
    target = (ROOT / "Makefile").read_text().split("\ntrain-tiny:", 1)[1].split("\n\n", 1)[0]
    return re.findall(rf"engine\.cli {command} --config resources/models/terrascope-tiny/(recipe[\w-]*\.json)", target)


LAND_COVER_RECIPES = _train_tiny_recipes("train-land-cover")  # the dense land-cover head's parts


def _seeds(recipe: Path) -> tuple[int, int]:
    """[start, stop) of the scene seeds a recorded recipe trains on."""
    if recipe.name in LAND_COVER_RECIPES:
        cfg = LandCoverTrainConfig.load(recipe)
        return cfg.data_seed_start, cfg.data_seed_start + cfg.steps * cfg.batch_size
    cfg = TrainConfig.load(recipe)
    return cfg.data_seed_start, cfg.data_seed_start + cfg.data_seed_count


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.name for p in RECIPES])
def test_every_recorded_recipe_is_a_valid_training_config(recipe):
    if recipe.name in LAND_COVER_RECIPES:
        assert LandCoverTrainConfig.load(recipe).steps > 0
    else:
        assert TrainConfig.load(recipe).total_steps > 0


@pytest.mark.parametrize("name", ["recipe-gpu.json", "recipe-gpu-refine.json"])
def test_the_gpu_recipes_continue_the_embedded_default_on_seeds_it_never_saw_for_a_fixed_time(name):
    gpu = TrainConfig.load(ROOT / "resources" / "models" / "terrascope-tiny" / name)
    assert gpu.time_schedule and gpu.max_seconds and gpu.base_dir == "resources/models/terrascope-tiny"
    start, stop = gpu.data_seed_start, gpu.data_seed_start + gpu.data_seed_count
    shipped = [p for p in RECIPES if not p.name.startswith("recipe-gpu")]  # the default's own parts
    assert [p.name for p in shipped] == sorted(_train_tiny_recipes())  # each one replayed by `make train-tiny`
    assert LAND_COVER_RECIPES == ["recipe-part16.json", "recipe-part17.json", "recipe-part19.json",
                                  "recipe-part20.json", "recipe-part21.json", "recipe-part22.json",
                                  "recipe-part23.json", "recipe-part24.json"]
    for part in shipped:
        first, end = _seeds(part)
        assert stop <= first or start >= end, part.name
    assert stop <= 1_000_000 and not (start < 600_000 and stop > 500_000)  # test split and calibration seeds


@pytest.mark.slow
def test_the_device_script_trains_for_its_seconds_and_leaves_a_float16_model_and_log(tmp_path):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"model": "tiny-test", "stage": 2, "stage2_steps": 100000, "lm_mode": "full",
                                  "batch_size": 2, "lr": 1e-3, "warmup_steps": 2, "eval_every": 0,
                                  "checkpoint_every": 0, "log_every": 1, "data_seed_start": 900000}))
    out = tmp_path / "out"
    env = {**os.environ, "OUT": str(out), "TERRASCOPE_DEVICE": "cpu", "PYTHON": sys.executable,
           "TERRASCOPE_RUN_DIR": str(tmp_path / "run")}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "device_train.sh"), str(recipe), "6"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    summary = json.loads(next(line for line in (out / "train.log").read_text().splitlines() if line.startswith("{")))
    assert summary["steps"] >= 1 and summary["finished"] is False  # stopped by its time, not its steps
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == summary["steps"]
    shards = list((out / "model").glob("model-*.safetensors"))
    assert shards and all(p.stat().st_size < 16 * 2**20 for p in shards)
    import torch
    from safetensors import safe_open

    with safe_open(str(shards[0]), "pt") as f:
        assert f.get_tensor(next(iter(f.keys()))).dtype == torch.float16
    from engine.model.checkpoint import from_pretrained

    model, _ = from_pretrained(out / "model")
    assert model.config.image_size > 0


@pytest.mark.slow
def test_the_device_script_trains_several_recipes_at_once_and_packs_their_outputs(tmp_path):
    recipes = []
    for name, lr in (("fast", 1e-3), ("slow", 1e-4)):
        recipes.append(tmp_path / f"{name}.json")
        recipes[-1].write_text(json.dumps({"model": "tiny-test", "stage": 2, "stage2_steps": 100000, "lm_mode": "full",
                                           "batch_size": 2, "lr": lr, "warmup_steps": 2, "eval_every": 0,
                                           "checkpoint_every": 0, "log_every": 1, "data_seed_start": 900000}))
    out = tmp_path / "out"
    env = {**os.environ, "OUT": str(out), "TERRASCOPE_DEVICE": "cpu", "PYTHON": sys.executable,
           "TERRASCOPE_RUN_DIR": str(tmp_path / "run")}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "device_train.sh"), str(recipes[0]), "5", str(recipes[1])],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    parts = sorted(out.iterdir())
    assert parts and all(p.name.startswith("runs.tar.part-") and p.stat().st_size <= 15 * 2**20 for p in parts)
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(f"cat {' '.join(str(p) for p in parts)} | tar -x -C {unpacked}", shell=True, check=True)
    for name in ("fast", "slow"):
        log = (unpacked / name / "train.log").read_text()
        summary = json.loads(next(line for line in log.splitlines() if line.startswith("{")))
        assert summary["steps"] >= 1 and summary["samples_per_s"] > 0
        assert "samples/s data wait" in log  # the pace, logged as it trains
        assert json.loads((unpacked / name / "trainer_state.json").read_text())["global_step"] == summary["steps"]
        assert list((unpacked / name / "model").glob("model-*.safetensors"))


def test_the_device_script_gives_each_run_its_share_of_the_cores_with_one_thread_per_process(tmp_path):
    """GNU nproc answers OMP_NUM_THREADS when it is set; the script sets it to 1 for every process, so counting the
    cores after that gave each run one scene worker (a GPU run of 16 cores waited on its data half the time)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nproc").write_text('#!/bin/sh\necho "${OMP_NUM_THREADS:-16}"\n')
    calls = tmp_path / "calls"
    (bin_dir / "python").write_text(f'#!/bin/sh\necho "$OMP_NUM_THREADS $*" >>{calls}\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "OUT": str(tmp_path / "out"), "PYTHON": str(bin_dir / "python"),
           "PATH": f"{bin_dir}:{os.environ['PATH']}", "TERRASCOPE_RUN_DIR": str(tmp_path / "run")}
    env.pop("OMP_NUM_THREADS", None)
    done = subprocess.run(["bash", str(ROOT / "scripts" / "device_train.sh"), "a.json", "5", "b.json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    trains = [line.split() for line in calls.read_text().splitlines() if " engine.cli train " in line]
    assert len(trains) == 2
    for words in trains:
        assert words[0] == "1" and words[words.index("--workers") + 1] == "7"  # (16 - 2) / 2 runs


def test_the_device_script_says_what_is_missing_without_a_recipe(tmp_path):
    done = subprocess.run(["bash", str(ROOT / "scripts" / "device_train.sh")], cwd=ROOT,
                          env={**os.environ, "OUT": str(tmp_path)}, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "usage: device_train.sh RECIPE SECONDS [RECIPE ...]" in done.stderr
