"""Training config: JSON round trip, one-line errors, CLI overrides, parameter groups per stage."""
from __future__ import annotations

import argparse

import pytest
from torch import nn

from engine.errors import InputError
from engine.train.cli import add_finetune_arguments, add_train_arguments, finetune_config_from_args, \
    parse_classes, train_config_from_args
from engine.train.config import TrainConfig
from engine.train.stages import group_of, set_trainable


def test_json_round_trip_and_unknown_keys(tmp_path):
    cfg = TrainConfig(model="tiny-test", stage=1, stage1_steps=7, lr=1e-3, stage1_groups=("mask_decoder",))
    cfg.save(tmp_path / "c.json")
    back = TrainConfig.load(tmp_path / "c.json")
    assert back == cfg and back.total_steps == 7 and back.stages == [1]
    (tmp_path / "bad.json").write_text('{"model": "tiny", "stepz": 3}')
    with pytest.raises(InputError, match="unknown training option.*stepz"):
        TrainConfig.load(tmp_path / "bad.json")
    (tmp_path / "broken.json").write_text('{"model": ')
    with pytest.raises(InputError, match="not valid JSON"):
        TrainConfig.load(tmp_path / "broken.json")
    with pytest.raises(InputError, match="stage must be"):
        TrainConfig(stage=3)


def test_cli_options_override_the_config_file(tmp_path):
    TrainConfig(model="tiny", stage2_steps=100, batch_size=8).save(tmp_path / "r.json")
    p = argparse.ArgumentParser()
    add_train_arguments(p)
    cfg = train_config_from_args(p.parse_args(["--config", str(tmp_path / "r.json"), "--out", "o",
                                               "--batch-size", "2", "--stage", "2"]))
    assert (cfg.out_dir, cfg.batch_size, cfg.stage, cfg.stage2_steps, cfg.model) == ("o", 2, 2, 100, "tiny")


def test_finetune_cli_options(tmp_path):
    p = argparse.ArgumentParser()
    add_finetune_arguments(p)
    args = p.parse_args(["--optical", "a.tif", "--labels", "l.gpkg", "--label-field", "cls", "--classes",
                         "1=water, 2=crop land", "--steps", "5", "--tasks", "coverage,referring"])
    cfg = finetune_config_from_args(args)
    assert cfg.class_names == {"1": "water", "2": "crop land"} and cfg.steps == 5
    assert cfg.tasks == ("coverage", "referring") and cfg.label_field == "cls"
    with pytest.raises(InputError, match="no labels"):
        finetune_config_from_args(p.parse_args(["--optical", "a.tif"]))
    with pytest.raises(InputError, match="VALUE=NAME"):
        parse_classes("water")


class _Parts(nn.Module):
    def __init__(self):
        super().__init__()
        self.internvl = nn.ModuleDict({"vision_tower": nn.Linear(2, 2), "multi_modal_projector": nn.Linear(2, 2),
                                       "language_model": nn.Linear(2, 2)})
        self.mask_decoder = nn.Linear(2, 2)
        self.seg_projection = nn.Linear(2, 2)


def test_stage_groups_freeze_the_rest():
    m = _Parts()
    names = set_trainable(m, ("mask_decoder", "seg_projection"))
    assert names == ["mask_decoder.weight", "mask_decoder.bias", "seg_projection.weight", "seg_projection.bias"]
    assert not m.internvl["language_model"].weight.requires_grad
    assert group_of("internvl.multi_modal_projector.weight", ("projector",)) == "projector"
    with pytest.raises(ValueError, match="no trainable parameter"):
        set_trainable(m, ("relevance",))
