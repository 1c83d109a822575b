"""The training loop on tiny-test: the loss falls, stages freeze what they should, checkpoints resume,
cancel keeps the last good checkpoint, a time schedule ends on time at the floor of its learning rate."""
from __future__ import annotations

import dataclasses
import math
import time

import pytest
import torch

from engine.errors import Cancelled, InputError
from engine.train import model_api
from engine.train.checkpoints import LAST, read_state
from engine.train.config import TrainConfig
from engine.train.data import repeat_batch
from engine.train.loop import StageClock, cosine_schedule, train


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """tiny-test saved once: loading it is faster than building (and training a tokenizer) per test."""
    model, tok = model_api.build("tiny-test")
    folder = tmp_path_factory.mktemp("base") / "tiny-test"
    model_api.save_pretrained(model, tok, folder)
    return str(folder)


@pytest.fixture(scope="module")
def batch(base):
    from engine.data.dataset import DatasetConfig, SyntheticQuestions

    size = model_api.image_size(model_api.build(base_dir=base)[0])
    data = SyntheticQuestions(DatasetConfig(image_size=size, stage=2, seed_start=11), length=2)
    return [data[0], data[1]]


@pytest.fixture()
def _cfg(base):
    def make(tmp_path, **kw) -> TrainConfig:
        d = dict(model="tiny-test", base_dir=base, out_dir=str(tmp_path / "run"), stage=2, stage2_steps=8,
                 lm_mode="full", batch_size=2, lr=5e-3, warmup_steps=1, eval_every=0, checkpoint_every=0,
                 log_every=1, num_workers=0, device="cpu", seed=0)
        d.update(kw)
        return TrainConfig(**d)

    return make


def test_a_few_steps_reduce_the_loss_on_one_batch(tmp_path, batch, _cfg):
    res = train(_cfg(tmp_path), batches=lambda stage, size: repeat_batch(batch))
    losses = [loss for _, loss in res.history]
    assert res.global_step == 8 and len(losses) == 8
    assert losses[-1] < 0.8 * losses[0], losses
    assert (tmp_path / "run" / "config.json").is_file()  # final save_pretrained
    state = read_state(tmp_path / "run" / LAST)
    assert state.finished and state.global_step == 8


def test_stage_one_trains_only_the_grounding_parts(tmp_path, batch, _cfg, base):
    before, _ = model_api.build(base_dir=base)
    ref = {k: v.clone() for k, v in before.state_dict().items()}
    train(_cfg(tmp_path, stage=1, stage1_steps=2, stage2_steps=0, checkpoint_every=0),
          batches=lambda stage, size: repeat_batch(batch))
    sd = torch.load(tmp_path / "run" / LAST / "model.pt", weights_only=True)
    changed = {k for k, v in sd.items() if k in ref and v.shape == ref[k].shape and not torch.equal(v, ref[k])}
    assert changed, "nothing learned in stage 1"
    assert all(any(g in k for g in ("mask_decoder", "pixel_head", "seg_proj", "relevance", "modality")) for k in changed), \
        sorted(changed)[:5]
    assert not any("language_model" in k or "vision_tower" in k for k in changed)


def test_resume_continues_the_step_count(tmp_path, batch, _cfg):
    steps = []
    stop_after = 3

    def cancelled():
        return len(steps) >= stop_after

    def progress(step, total, metrics):
        steps.append(step)

    cfg = _cfg(tmp_path, stage2_steps=5, checkpoint_every=2)
    with pytest.raises(Cancelled, match="cancelled at step 3 of 5"):
        train(cfg, progress=progress, cancelled=cancelled, batches=lambda s, n: repeat_batch(batch))
    state = read_state(tmp_path / "run" / LAST)
    assert (state.step, state.global_step, state.finished) == (3, 3, False)
    assert not (tmp_path / "run" / "config.json").exists()  # no final model from a cancelled run
    steps.clear()
    res = train(cfg, progress=progress, batches=lambda s, n: repeat_batch(batch))
    assert steps == [4, 5] and res.global_step == 5
    assert [s for s, _ in res.history] == list(range(1, 6))


def test_cancel_keeps_the_last_good_checkpoint(tmp_path, batch, _cfg, base):
    cfg = _cfg(tmp_path, stage2_steps=20, checkpoint_every=2)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        train(cfg, cancelled=cancelled, batches=lambda s, n: repeat_batch(batch))
    run = tmp_path / "run"
    assert [p.name for p in run.iterdir() if p.name.startswith(".")] == []  # no half-written folder
    state = read_state(run / LAST)
    assert state.step == 3
    model, _ = model_api.build(base_dir=base)
    sd = torch.load(run / LAST / "model.pt", weights_only=True)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected and not missing


def test_loss_weights_from_the_config_make_the_loss(tmp_path, batch, _cfg):
    seen = []
    cfg = _cfg(tmp_path, stage2_steps=1, loss_weights={"lm": 0.0, "bce": 0.0, "dice": 3.0})
    train(cfg, progress=lambda step, total, m: seen.append(dict(m)), batches=lambda s, n: repeat_batch(batch))
    m = seen[-1]
    assert m["dice"] > 0.1 and m["loss"] == pytest.approx(3.0 * m["dice"], rel=1e-4)
    with pytest.raises(Exception, match="loss_weights needs the keys lm, bce, dice"):
        _cfg(tmp_path, loss_weights={"lm": 1.0, "mask": 2.0})
    with pytest.raises(Exception, match="optionally iou"):
        _cfg(tmp_path, loss_weights={"lm": 1.0, "bce": 1.0, "dice": 1.0, "iou": -1.0})
    _cfg(tmp_path, loss_weights={"lm": 1.0, "bce": 1.0, "dice": 1.0, "iou": 1.0})  # the optional key is fine
    with pytest.raises(Exception, match="absent_rate"):
        _cfg(tmp_path, absent_rate=1.5)


def test_training_adds_a_nir_mix_to_the_base_and_trains_it_with_nir_withheld_from_some_samples(tmp_path, base,
                                                                                              _cfg):
    from engine.data.dataset import DatasetConfig, SyntheticQuestions
    from engine.model.checkpoint import from_pretrained
    from engine.train.data import withhold_nir

    size = model_api.image_size(model_api.build(base_dir=base)[0])
    data = SyntheticQuestions(DatasetConfig(image_size=size, stage=2, seed_start=11, modality_mix=(0, 1, 0)),
                              length=2)
    with_nir = [data[0], data[1]]
    assert all(s["images"].nir is not None for s in with_nir)
    def batches(stage, size):  # copies: withholding must not touch the samples themselves
        for b in repeat_batch(with_nir):
            yield [dict(s, images=dataclasses.replace(s["images"])) for s in b]

    res = train(_cfg(tmp_path, stage2_steps=6, nir_mix=8, nir_dropout=0.5, radiometric_jitter=0.1,
                     stage2_groups=("vision",)), batches=batches)
    assert res.global_step == 6
    trained, _ = from_pretrained(tmp_path / "run")
    assert trained.config.nir_mix == 8 and trained.nir_mix.outer.weight.abs().max() > 0  # it learned
    # withholding: the share asked for, drawn per sample, the batches' own samples untouched
    kept = [b for b in withhold_nir(([dict(s, images=dataclasses.replace(s["images"])) for s in with_nir]
                                     for _ in range(200)), 0.5, seed=0)]
    withheld = sum(s["images"].nir is None for b in kept for s in b)
    assert 150 < withheld < 250 and all(s["images"].nir is not None for s in with_nir)
    assert [s["images"].nir is None for b in withhold_nir([with_nir], 0.0, 0) for s in b] == [False, False]
    with pytest.raises(Exception, match="nir_dropout"):
        _cfg(tmp_path, nir_dropout=1.5)


def test_radiometric_jitter_scales_optical_bands_and_shifts_sar_bands_alike_on_every_date(_cfg, tmp_path):
    import torch

    from engine.model.inputs import ModelImages
    from engine.train.data import jitter_radiometry

    def sample():
        x = torch.linspace(0.05, 0.6, 16).reshape(1, 1, 4, 4)
        return {"images": ModelImages(x.repeat(2, 3, 1, 1), x.repeat(2, 2, 1, 1), torch.ones(2, 4, 4, dtype=torch.bool),
                                      [True, True], [True, True], x.repeat(2, 1, 1, 1))}

    plain = sample()["images"]
    got = [s["images"] for b in jitter_radiometry([[sample() for _ in range(50)]], 0.1, seed=3) for s in b]
    gains = torch.stack([g.optical[:, :, 0, 0] / plain.optical[:, :, 0, 0] for g in got])  # (50, T, 3)
    assert torch.allclose(gains[:, 0], gains[:, 1])  # both dates alike
    whole = gains[0][:, :, None, None].expand_as(plain.optical)  # one gain over the whole band
    assert torch.allclose(got[0].optical / plain.optical, whole, atol=1e-5)
    assert 0.03 < gains.log().std() < 0.2 and (gains[:, 0, 0] != gains[:, 0, 1]).all()  # per sample and band
    shifts = torch.stack([g.sar[:, :, 0, 0] - plain.sar[:, :, 0, 0] for g in got])
    assert torch.allclose(shifts[:, 0], shifts[:, 1]) and 0.01 < shifts.std() < 0.1
    assert all(0 <= float(g.optical.min()) and float(g.optical.max()) <= 1 and float(g.nir.max()) <= 1 for g in got)
    again = [s["images"] for b in jitter_radiometry([[sample() for _ in range(50)]], 0.1, seed=3) for s in b]
    assert all(torch.equal(a.optical, b.optical) and torch.equal(a.sar, b.sar) for a, b in zip(got, again))
    untouched = next(jitter_radiometry([[sample()]], 0.0, seed=3))[0]["images"]
    assert torch.equal(untouched.optical, plain.optical) and torch.equal(untouched.sar, plain.sar)
    with pytest.raises(Exception, match="radiometric_jitter"):
        _cfg(tmp_path, radiometric_jitter=-0.1)


def test_the_nir_mix_can_learn_at_a_multiple_of_the_learning_rate(base):
    from engine.model.checkpoint import with_nir_mix
    from engine.train.loop import build_optimizer

    model = with_nir_mix(model_api.build(base_dir=base)[0], 8)
    opt, sched = build_optimizer(model, 1e-3, 0.01, 100, 10, 0.1, {"nir_mix": 10.0})
    mix = {id(p) for p in model.nir_mix.parameters()}
    lrs = {(id(p) in mix, p.ndim < 2): (g["lr"], g["weight_decay"]) for g in opt.param_groups for p in g["params"]}
    assert lrs[(True, False)] == (pytest.approx(1e-3), 0.01) and lrs[(True, True)] == (pytest.approx(1e-3), 0.0)
    assert lrs[(False, False)] == (pytest.approx(1e-4), 0.01) and lrs[(False, True)] == (pytest.approx(1e-4), 0.0)
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(model.parameters()))
    # the two plain groups come first, as in optimizer states saved before the mix existed
    assert [g["weight_decay"] for g in opt.param_groups] == [0.01, 0.0, 0.01, 0.0]
    assert [g["weight_decay"] for g in build_optimizer(model, 1e-3, 0.01, 100, 10, 0.1)[0].param_groups] == [0.01, 0.0]
    for _ in range(10):  # after warmup both reach their peaks
        opt.step()
        sched.step()
    peaks = sorted({round(g["lr"], 8) for g in opt.param_groups})
    assert peaks == [pytest.approx(1e-3), pytest.approx(1e-2)]


def test_the_cosine_follows_the_clock_when_it_is_further_on_than_the_steps():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    share = {"spent": 0.0}
    sched = cosine_schedule(opt, steps=100, warmup=1, min_ratio=0.1, elapsed=lambda: share["spent"])
    factor = sched.lr_lambdas[0]
    assert factor(50) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 49 / 99)))  # no time spent: steps lead
    share["spent"] = 0.5
    assert factor(10) == pytest.approx(0.55)  # half the time spent after a tenth of the steps: the clock leads
    share["spent"] = 1.7
    assert factor(10) == pytest.approx(0.1)  # past the budget: the floor
    assert factor(0) == pytest.approx(1.0)  # warmup counts steps alone


def test_a_stage_gets_the_time_left_in_proportion_to_its_steps_left():
    clock = StageClock.for_stage(max_seconds=100.0, spent_s=20.0, start=0, steps=10, steps_after=30)
    assert clock.budget_s == pytest.approx(20.0) and clock.done == 0.0
    resumed = StageClock.for_stage(max_seconds=100.0, spent_s=50.0, start=5, steps=10, steps_after=0)
    assert resumed.budget_s == pytest.approx(50.0) and resumed.done == pytest.approx(0.5)
    assert 0.5 <= resumed() < 0.6 and not resumed.spent


def test_a_run_on_a_time_schedule_ends_on_time_with_the_learning_rate_at_its_floor(tmp_path, batch, _cfg):
    lrs = []
    cfg = _cfg(tmp_path, stage2_steps=100_000, max_seconds=4.0, time_schedule=True, min_lr_ratio=0.1)
    res = train(cfg, progress=lambda step, total, m: lrs.append(m["lr"]), batches=lambda s, n: repeat_batch(batch))
    assert not res.finished and 2 <= res.global_step < 100_000
    assert lrs[-1] < 0.25 * cfg.lr < lrs[0] or len(lrs) < 3, lrs  # decayed by the clock, not the step count
    assert (tmp_path / "run" / "config.json").is_file()  # the model is saved when the time is up


def test_a_time_schedule_needs_a_time_budget():
    with pytest.raises(InputError, match="max_seconds"):
        TrainConfig(time_schedule=True)


SLOW_SOURCE_WAIT_S = 3.0  # seconds per batch of the starved run's scene source


def test_a_run_reports_its_samples_per_second_and_how_long_it_waited_for_data(tmp_path, batch, _cfg):
    def slow_scenes(stage, size):
        while True:
            # a scene source far slower than the model, even on a machine busy with other work
            time.sleep(SLOW_SOURCE_WAIT_S)
            yield batch

    fed = train(_cfg(tmp_path / "fed", stage2_steps=3), batches=lambda stage, size: repeat_batch(batch))
    starved = train(_cfg(tmp_path / "starved", stage2_steps=2), batches=slow_scenes)
    assert fed.throughput["samples_per_s"] > starved.throughput["samples_per_s"] > 0
    assert fed.throughput["data_wait_share"] < 0.2
    assert starved.throughput["data_wait_share"] > 0.4
    assert starved.throughput["samples_per_s"] < len(batch) / SLOW_SOURCE_WAIT_S  # a batch per wait, at most


def test_the_loader_workers_make_model_batches_with_the_runs_nir_withholding(base, batch):
    from engine.model.training import TrainBatch
    from engine.train.data import ModelBatches

    model, tok = model_api.build(base_dir=base)
    def with_nir():
        return [dict(s, images=dataclasses.replace(s["images"], nir=torch.zeros_like(s["images"].optical)[:, :1]))
                for s in batch]

    made = ModelBatches(tok, model.config, nir_dropout=1.0)(with_nir())
    assert isinstance(made, TrainBatch) and made.size == len(batch) and made.plan is not None
    assert all(im.nir is None for im in made.images) and made.plan.rows.nir.shape[0] == 0
    kept = ModelBatches(tok, model.config, nir_dropout=0.0)(with_nir())
    assert all(im.nir is not None for im in kept.images) and kept.plan.rows.nir.shape[0] > 0
