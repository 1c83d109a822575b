"""The on-the-fly dataset: the model's sample format, deterministic, split-safe, worker-parallel."""
from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from terrascope_reasoning.engine.data.dataset import (DatasetConfig, SyntheticQuestions,
                                                      SyntheticQuestionStream, collate_list, make_sample)
from terrascope_reasoning.engine.data.writer import TEST_SEED_START
from terrascope_reasoning.engine.trace_format import SEG_TOKEN


def _field(images, name):
    return images[name] if isinstance(images, dict) else getattr(images, name)


def test_samples_have_the_model_format():
    ds = SyntheticQuestions(DatasetConfig(image_size=64, questions_per_scene=4), length=24)
    tasks = set()
    for i in range(len(ds)):
        x = ds[i]
        img = x["images"]
        n_seg = x["trace"].count(SEG_TOKEN)
        assert x["masks"].shape == (n_seg, 64, 64) and x["masks"].dtype == torch.float32
        assert len(x["mask_dates"]) == n_seg
        t = _field(img, "valid").shape[0]
        assert max(x["mask_dates"]) < t
        opt, sar = _field(img, "optical"), _field(img, "sar")
        assert opt is not None or sar is not None
        if opt is not None:
            assert opt.shape == (t, 3, 64, 64) and 0 <= opt.min() and opt.max() <= 1
        if sar is not None:
            assert sar.shape == (t, 2, 64, 64) and 0 <= sar.min() and sar.max() <= 1
        assert bool(_field(img, "has_optical").all()) == (opt is not None)
        assert x["prompt"] and x["trace"].splitlines()[-1].startswith("Answer:")
        tasks.add(x["task"])
        if x["task"] == "change":
            assert t >= 2 and x["mask_dates"] == [0, t - 1]
    assert len(tasks) >= 4


def test_samples_are_deterministic_and_stage1_is_referring():
    cfg = DatasetConfig(image_size=48, questions_per_scene=3)
    a, b = make_sample(5, cfg), make_sample(5, cfg)
    assert a["trace"] == b["trace"] and torch.equal(a["masks"], b["masks"])
    s1 = DatasetConfig(image_size=48, stage=1)
    assert {make_sample(i, s1)["task"] for i in range(6)} == {"referring"}


def test_train_split_never_reaches_test_seeds():
    cfg = DatasetConfig(image_size=32, questions_per_scene=2)
    assert cfg.seed_stop == TEST_SEED_START
    with pytest.raises(IndexError):
        make_sample(2 * TEST_SEED_START, cfg)
    test_cfg = DatasetConfig(image_size=32, seed_start=TEST_SEED_START, seed_stop=TEST_SEED_START + 10)
    assert make_sample(0, test_cfg)["trace"]


def test_stream_splits_over_workers_without_repeats():
    cfg = DatasetConfig(image_size=40, questions_per_scene=2)
    loader = DataLoader(SyntheticQuestionStream(cfg, length=16), batch_size=4, num_workers=2,
                        collate_fn=collate_list)
    traces = [x["prompt"] + x["trace"] for batch in loader for x in batch]
    assert len(traces) == 16
    serial = [make_sample(i, cfg)["prompt"] + make_sample(i, cfg)["trace"] for i in range(16)]
    assert sorted(traces) == sorted(serial)
    # Two ranks see disjoint scenes.
    r0 = {x["trace"] for x in SyntheticQuestionStream(cfg, length=8, rank=0, world_size=2)}
    r1 = {x["trace"] for x in SyntheticQuestionStream(cfg, length=8, rank=1, world_size=2)}
    assert r0.isdisjoint(r1)
    assert r0 and r1


def test_padded_scenes_are_invalid_and_empty_outside_the_area():
    cfg = DatasetConfig(image_size=48, pad_prob=1.0, questions_per_scene=2)
    for i in range(6):
        x = make_sample(i, cfg)
        valid = _field(x["images"], "valid")
        assert not bool(valid.all()) and bool(valid.any())
        outside = ~valid[0]
        for name in ("optical", "sar"):
            arr = _field(x["images"], name)
            if arr is not None:
                assert float(arr[:, :, outside].abs().max()) == 0.0
        assert not bool(x["masks"][:, outside].any())


def test_held_out_samples_come_from_test_seeds():
    from terrascope_reasoning.engine.data.dataset import held_out_samples

    xs = held_out_samples(4, image_size=32)
    assert len(xs) == 4 and all("record" in x and "grid" in x for x in xs)
    train = make_sample(0, DatasetConfig(image_size=32, with_record=True))
    assert train["grid"][0] != xs[0]["grid"][0] or train["trace"] != xs[0]["trace"]


def test_validation_samples_start_at_their_own_seed_and_never_at_a_training_one():
    from terrascope_reasoning.engine.data.dataset import held_out_samples

    validation = held_out_samples(1, image_size=32, seed_start=8_500_000)
    same = make_sample(0, DatasetConfig(image_size=32, with_record=True, seed_start=8_500_000, seed_stop=9_500_000))
    assert validation[0]["trace"] == same["trace"] and validation[0]["grid"][0] == same["grid"][0]
    assert validation[0]["trace"] != held_out_samples(1, image_size=32)[0]["trace"]
    with pytest.raises(ValueError, match="training seed"):
        held_out_samples(1, image_size=32, seed_start=999_999)


def test_held_out_samples_can_ask_every_question_about_an_absent_region():
    """``absent_rate=1.0`` (evaluate_model.py --absent-rate): questions about regions the scene lacks wherever its
    task allows one, each with an empty true mask; the default keeps the test split's mix."""
    from terrascope_reasoning.engine.data.dataset import held_out_samples

    absent = held_out_samples(6, image_size=32, seed_start=8_500_000, absent_rate=1.0)
    assert sum(s["record"].absent for s in absent) >= 4
    assert all(any(not m.any() for m in s["masks"]) for s in absent if s["record"].absent)
    assert sum(s["record"].absent for s in held_out_samples(6, image_size=32, seed_start=8_500_000)) <= 2
