"""The training loop: AdamW, warmup + cosine schedule, resumable checkpoints, progress and cancel,
one or many processes through Accelerate (``accelerate launch`` -> DDP; gloo on CPU, NCCL on GPUs).

``train(config)`` runs the configured stages one after the other. ``checkpoint-last/`` in the output
folder is rewritten every ``checkpoint_every`` steps, at the end of each stage, on cancel and when the
time budget runs out; when it exists at start the run resumes from it (same stage, same step). The final
model is written with ``save_pretrained`` into the output folder itself.
"""
from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import torch
from torch import nn

from ..errors import Cancelled, InputError
from . import model_api, stages
from .checkpoints import LAST, TrainerState, load_checkpoint, read_state, save_checkpoint
from .config import TrainConfig

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, dict], None]  # (global step, total steps, metrics)
CancelFn = Callable[[], bool]
EVAL_MAX_NEW_TOKENS = 112  # longest synthesised trace: about 90 tokens, measurements (not generated) included


@dataclass
class TrainResult:
    """What a run did. ``history``: [[global_step, mean loss over the log window], ...];
    ``metrics``: the last validation numbers (empty when validation is off)."""

    out_dir: str
    global_step: int
    total_steps: int
    stage: int
    seconds: float
    loss: float | None
    history: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    finished: bool = True  # False when the time budget stopped it (run again to continue)
    checkpoint: str | None = None
    # over this run's steps: samples_per_s (all processes) and data_wait_share (share of the step time spent
    # waiting for the next batch: near 1 means the scene workers, not the model, set the pace)
    throughput: dict = field(default_factory=dict)
    model: object = field(default=None, repr=False)  # the trained model, in memory
    tokenizer: object = field(default=None, repr=False)


def make_accelerator(device: str = "auto", mixed_precision: str = "auto"):
    """An Accelerator for ``device`` ("auto" | "cpu" | "cuda"); "auto" precision = bf16 on CUDA, fp32 on CPU.
    Under ``accelerate launch`` (or torchrun) the process group comes from the environment."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' was asked for but no CUDA GPU is available; use device 'cpu' or 'auto'")
    cpu = device == "cpu" or not torch.cuda.is_available()
    mp = mixed_precision
    if mp == "auto":
        mp = "bf16" if not cpu and torch.cuda.is_bf16_supported() else "no"
    if cpu and mp == "fp16":
        mp = "no"  # fp16 autocast with a grad scaler is a GPU feature
    # frozen parts and steps without SAR leave some trainable parameters unused in a batch
    ddp = DistributedDataParallelKwargs(find_unused_parameters=True)
    return Accelerator(cpu=cpu, mixed_precision=mp, kwargs_handlers=[ddp])


def cosine_schedule(optimizer, steps: int, warmup: int, min_ratio: float,
                    elapsed: Callable[[], float] | None = None):
    """Linear warmup over ``warmup`` steps, then cosine decay to ``min_ratio`` of the peak at ``steps``.
    ``elapsed()``: the share of the stage's time budget spent (0..1, see :class:`StageClock`); the decay then
    follows the steps or the time, whichever is further on."""
    warmup = max(1, min(warmup, max(1, steps // 10)))

    def factor(s: int) -> float:
        if s < warmup:
            return (s + 1) / warmup
        p = min(1.0, (s - warmup) / max(1, steps - warmup))
        if elapsed is not None:
            p = max(p, min(1.0, elapsed()))
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * p))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class StageClock:
    """The share of a stage's time budget spent, for a run held to ``max_seconds`` (``time_schedule``).

    The stage gets the time left in proportion to its steps left among all steps left (``budget_s``). A stage
    resumed at step ``start`` of ``steps`` counts that share of its progress as done, so the schedule goes on
    from where it stopped."""

    def __init__(self, budget_s: float, done: float = 0.0):
        self.budget_s, self.done, self.t0 = max(budget_s, 1e-9), done, time.time()

    @classmethod
    def for_stage(cls, max_seconds: float, spent_s: float, start: int, steps: int, steps_after: int
                  ) -> "StageClock":
        """``spent_s``: the run's time so far; ``start``/``steps``: this stage's first step and its steps;
        ``steps_after``: the steps of the stages after it."""
        left_steps = (steps - start) + steps_after
        budget = max(0.0, max_seconds - spent_s) * (steps - start) / max(1, left_steps)
        return cls(budget, start / max(1, steps))

    def __call__(self) -> float:
        return self.done + (1 - self.done) * (time.time() - self.t0) / self.budget_s

    @property
    def spent(self) -> bool:
        return self() >= 1.0


def _any_rank(acc, flag: bool) -> bool:
    """True on every process when ``flag`` is true on any (so all ranks stop at the same step)."""
    if acc.num_processes == 1:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=acc.device)
    return bool(acc.reduce(t, reduction="sum").item() > 0)


class StepRunner:
    """Optimizer steps over a batch iterator for one stage (also used by fine-tuning).

    ``model`` is the raw model, ``wrapped`` what Accelerate prepared (a :class:`model_api.LossModule`);
    ``batches`` yields lists of samples, or the batches a loader's workers made of them (one micro-batch each)."""

    def __init__(self, acc, model: nn.Module, tokenizer, wrapped: nn.Module, optimizer, scheduler,
                 batches: Iterator[list[dict]], grad_accum: int = 1, grad_clip: float = 1.0,
                 loss_weights: dict | None = None):
        self.acc, self.model, self.tokenizer, self.wrapped = acc, model, tokenizer, wrapped
        self.loss_weights = model_api.loss_weights(**loss_weights) if loss_weights else None
        self.optimizer, self.scheduler, self.batches = optimizer, scheduler, batches
        self.grad_accum, self.grad_clip = grad_accum, grad_clip
        self.params = [p for p in model.parameters() if p.requires_grad]

    def step(self) -> dict:
        """One optimizer step over ``grad_accum`` micro-batches. -> float metrics of this step."""
        self.wrapped.train()
        sums: dict[str, float] = {}
        n_samples = 0
        t_step = time.perf_counter()
        data_s = 0.0
        for micro in range(self.grad_accum):
            t_data = time.perf_counter()
            samples = next(self.batches)  # a list of samples, or a batch the loader's workers made of one
            data_s += time.perf_counter() - t_data
            if isinstance(samples, list):
                n_samples += len(samples)
                batch = model_api.collate(self.model, self.tokenizer, samples, self.acc.device)
            else:
                n_samples += samples.size
                batch = model_api.to_device(samples, self.acc.device)
            if self.loss_weights is not None:
                batch.weights = self.loss_weights
            sync = micro == self.grad_accum - 1
            ctx = contextlib.nullcontext() if sync else self.acc.no_sync(self.wrapped)
            with ctx:
                out = self.wrapped(batch)
                self.acc.backward(out["loss"] / self.grad_accum)
            for k, v in out.items():
                if torch.is_tensor(v) and v.numel() == 1:
                    sums[k] = sums.get(k, 0.0) + float(v.detach()) / self.grad_accum
        if self.grad_clip and self.grad_clip > 0:
            sums["grad_norm"] = float(self.acc.clip_grad_norm_(self.params, self.grad_clip))
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        sums["lr"] = float(self.scheduler.get_last_lr()[0])
        sums["samples"] = n_samples * self.acc.num_processes
        # where a step's wall time goes: waiting for scenes (data_s) or the model (the rest of step_s)
        sums["data_s"], sums["step_s"] = data_s, time.perf_counter() - t_step
        return sums


def build_optimizer(model: nn.Module, lr: float, weight_decay: float, steps: int, warmup: int,
                    min_ratio: float, scaled: dict[str, float] | None = None,
                    elapsed: Callable[[], float] | None = None):
    """AdamW over the trainable parameters (``scaled``: see :func:`engine.train.stages.param_groups`) and its
    warmup + cosine schedule (``elapsed``: see :func:`cosine_schedule`)."""
    groups = stages.param_groups(model, weight_decay, lr, scaled)
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), eps=1e-8)
    return opt, cosine_schedule(opt, steps, warmup, min_ratio, elapsed)


def validate(model: nn.Module, tokenizer, samples: list[dict], acc=None) -> dict:
    """Held-out numbers through the bench's in-memory path (``evaluate_predictor``); {} when it fails —
    validation is logged only and must never stop a run."""
    if not samples:
        return {}
    from ..eval.bench import evaluate_predictor
    from .grounding_eval import grounding_scores

    was_training = model.training
    model.eval()
    try:
        ctx = acc.autocast() if acc is not None else contextlib.nullcontext()
        with torch.no_grad(), ctx:
            m = evaluate_predictor(model_api.predictor(model, tokenizer, EVAL_MAX_NEW_TOKENS), samples)
            m.update(grounding_scores(model, tokenizer, samples))
        return {k: m[k] for k in ("accuracy", "giou", "ciou", "absent_fp_rate", "n", "grounding_giou",
                                  "grounding_ciou") if k in m}
    except Exception as err:  # noqa: BLE001 - logged, training goes on
        log.warning("validation failed: %s", err)
        return {}
    finally:
        model.train(was_training)


def train(config: TrainConfig, progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
          batches: Callable[[int, int], Iterable[list[dict]]] | None = None) -> TrainResult:
    """Run the stages of ``config``; see the module docstring.

    progress(global_step, total_steps, metrics) is called after every step (main process; on logging steps,
    every ``log_every``, metrics["loss"] is the mean since the previous one);
    cancelled() is polled before every step: when it turns true the current state is checkpointed and
    :class:`Cancelled` raised. ``batches(stage, image_size)`` replaces the on-the-fly scene stream (an
    iterable of sample lists, e.g. one batch repeated for overfitting checks)."""
    cfg = config
    acc = make_accelerator(cfg.device, cfg.mixed_precision)
    out = Path(cfg.out_dir)
    ck = out / LAST
    if acc.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
    acc.wait_for_everyone()
    resume = read_state(ck)
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank (DDP also broadcasts rank 0's)
    model, tokenizer = model_api.build(cfg.model, cfg.base_dir, nir_mix=cfg.nir_mix, pixel_refine=cfg.pixel_refine)
    size = model_api.image_size(model)
    val = []
    if cfg.eval_every and acc.is_main_process:
        from .data import validation_samples

        val = validation_samples(cfg.eval_samples, size)
    state = TrainerState(stage=cfg.stages[0])
    if resume is not None:
        state = resume
        log.info("resuming from %s: stage %d, step %d", ck, state.stage, state.step)
    total = cfg.total_steps
    t0 = time.time() - state.seconds
    metrics: dict = {}
    window: list[float] = []
    last_loss = None
    stop_reason = None
    pace = {"samples": 0, "step_s": 0.0, "data_s": 0.0}
    for stage in cfg.stages:
        n = cfg.stage_steps(stage)
        if resume is not None and stage < resume.stage:
            continue
        model = stages.prepare_stage(model, stage, cfg)
        start = resume.step if resume is not None and stage == resume.stage else 0
        clock = None
        if cfg.time_schedule:
            after = sum(cfg.stage_steps(s) for s in cfg.stages if s > stage)
            clock = StageClock.for_stage(cfg.max_seconds, time.time() - t0, start, n, after)
        opt, sched = build_optimizer(model, cfg.stage_lr(stage), cfg.weight_decay, n, cfg.warmup_steps,
                                     cfg.min_lr_ratio, {"nir_mix": cfg.nir_mix_lr_scale,
                                                        "pixel_refine": cfg.pixel_refine_lr_scale}, clock)
        if resume is not None and stage == resume.stage:
            load_checkpoint(ck, model, opt, sched)
        resume_done = resume is not None and stage == resume.stage
        if resume_done:
            resume = None
        state.stage, state.step = stage, start
        train_n, all_n = stages.count_parameters(model)
        log.info("stage %d: %d steps, %d of %d parameters learn", stage, n, train_n, all_n)
        if start >= n:
            continue
        wrapped, opt = acc.prepare(model_api.LossModule(model), opt)
        from .data import ModelBatches, train_loader

        make = ModelBatches(tokenizer, model.config, cfg.nir_dropout, cfg.radiometric_jitter,
                            cfg.seed + 7919 * acc.process_index + state.global_step)
        if batches is not None:
            it = map(make, batches(stage, size))
        else:
            skip = state.global_step * cfg.batch_size * cfg.grad_accum * acc.num_processes
            it = train_loader(cfg, stage, size, acc.process_index, acc.num_processes, skip, collate_fn=make)
        runner = StepRunner(acc, model, tokenizer, wrapped, opt, sched, it, cfg.grad_accum, cfg.grad_clip,
                            cfg.loss_weights)
        t_stage = time.time()
        for step in range(start, n):
            over_time = cfg.max_seconds is not None and time.time() - t0 >= cfg.max_seconds
            want_stop = bool(cancelled and cancelled()) or over_time
            if _any_rank(acc, want_stop):
                stop_reason = "time" if over_time else "cancel"
                break
            if clock is not None and _any_rank(acc, clock.spent):  # this stage's share of the time is spent
                if stage == cfg.stages[-1]:
                    stop_reason = "time"
                break
            m = runner.step()
            for k in pace:
                pace[k] += m[k]
            state.step, state.global_step = step + 1, state.global_step + 1
            window.append(m["loss"])
            g = state.global_step
            last = step + 1 == n
            rate = (step + 1 - start) / max(time.time() - t_stage, 1e-9)
            metrics = {**m, "stage": stage, "steps_per_s": rate, "eta_s": (total - g) / max(rate, 1e-9),
                       **_pace(pace)}
            last_loss = m["loss"]
            if g % max(1, cfg.log_every) == 0 or last:
                # the history (and the metrics of a logging step) hold the mean loss since the last one
                state.history.append([g, sum(window) / len(window)])
                metrics["loss"] = sum(window) / len(window)
                window = []
            if progress is not None and acc.is_main_process:
                progress(g, total, metrics)
            if cfg.eval_every and g % cfg.eval_every == 0 and acc.is_main_process:
                vm = validate(model, tokenizer, val, acc)
                if vm:
                    log.info("step %d validation: %s", g, vm)
                    metrics = {**metrics, **{f"val_{k}": v for k, v in vm.items()}}
                    if progress is not None:
                        progress(g, total, metrics)
            if cfg.checkpoint_every and g % cfg.checkpoint_every == 0 and not last:
                _save(acc, ck, model, opt, sched, state, t0, cfg)
        _save(acc, ck, model, opt, sched, state, t0, cfg)
        # drop this stage's DDP wrapper before the next stage wraps the model again
        del runner, wrapped, it
        acc.free_memory()
        if stop_reason:
            break
    state.seconds = time.time() - t0
    if stop_reason == "cancel":
        raise Cancelled(f"training cancelled at step {state.global_step} of {total}; "
                        f"{ck} keeps that step: run again to resume")
    final_metrics = {}
    if acc.is_main_process:
        final_metrics = validate(model, tokenizer, val, acc) if val else {}
        _save_final(model, tokenizer, out, cfg)
    if stop_reason is None:
        state.finished = True
        _save(acc, ck, model, None, None, state, t0, cfg)
    acc.wait_for_everyone()
    loss = state.history[-1][1] if state.history else last_loss
    return TrainResult(out_dir=str(out), global_step=state.global_step, total_steps=total, stage=state.stage,
                       seconds=state.seconds, loss=loss, history=list(state.history),
                       metrics=final_metrics or {k[4:]: v for k, v in metrics.items() if k.startswith("val_")},
                       finished=stop_reason is None, checkpoint=str(ck), model=model, tokenizer=tokenizer,
                       throughput=_pace(pace))


def _pace(pace: dict) -> dict:
    """{"samples_per_s", "data_wait_share"} of the steps summed in ``pace`` ({} before the first step)."""
    if pace["step_s"] <= 0:
        return {}
    return {"samples_per_s": pace["samples"] / pace["step_s"], "data_wait_share": pace["data_s"] / pace["step_s"]}


def _save(acc, ck: Path, model, opt, sched, state: TrainerState, t0: float, cfg: TrainConfig) -> None:
    state.seconds = time.time() - t0
    if acc.is_main_process:
        save_checkpoint(ck, model, opt, sched, state, config_json=_config_json(cfg))
    acc.wait_for_everyone()


def _config_json(cfg: TrainConfig) -> str:
    import json

    return json.dumps(cfg.to_dict(), indent=2)


def _save_final(model: nn.Module, tokenizer, out: Path, cfg: TrainConfig) -> None:
    """save_pretrained into ``out``; LoRA adapters are merged into a copy so the saved model is plain."""
    import copy

    final = model
    if stages.has_lora(model):
        final = model_api.merge_lora(copy.deepcopy(model))
    model_api.save_pretrained(final, tokenizer, out)
    cfg.save(out / "train_config.json")


__all__ = ["train", "TrainResult", "StepRunner", "make_accelerator", "cosine_schedule", "build_optimizer",
           "validate"]
