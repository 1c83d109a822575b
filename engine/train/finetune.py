"""Regional fine-tuning with LoRA: one code path for the QGIS wizard and ``terrascope finetune``.

``run_finetune`` measures the base model on the validation blocks, trains LoRA adapters on the language
model (plus the mask decoder and the ``[SEG]`` projection, saved with the adapter) on the training
blocks, measures again and saves the adapter atomically: it is written to a temporary folder and renamed
over ``out_dir`` only when training finished, so a cancelled or failed run keeps the previous adapter.
Training state lives in a work folder beside ``out_dir`` (``.NAME.work/checkpoint-last``) so a cancelled
run resumes where it stopped.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..errors import Cancelled, InputError, ModelError
from . import model_api, stages
from .checkpoints import LAST, TrainerState, load_checkpoint, read_state, save_checkpoint, replace_dir, \
    temp_sibling
from .finetune_config import SETTINGS_FILE, FinetuneConfig
from .finetune_data import FinetuneData, prepare_finetune_data
from .loop import EVAL_MAX_NEW_TOKENS, StepRunner, build_optimizer, make_accelerator

log = logging.getLogger(__name__)
ProgressFn = Callable[[int, int, dict], None]
CARD_FILE = "MODEL_CARD.md"
# measured training throughput (samples/s) of the named sizes, used by estimate_seconds
# (2 CPU cores: tiny 1.3 samples/s at batch 8, tiny-test about 12 at batch 4; GPU figures are guesses
# scaled from the 10 M-parameter H100 measurement in ARCHITECTURE.md)
SAMPLES_PER_S = {("tiny-test", "cpu"): 12.0, ("tiny", "cpu"): 1.3, ("tiny-test", "cuda"): 400.0,
                 ("tiny", "cuda"): 300.0}
ANSWER_SECONDS = {"cpu": 2.0, "cuda": 0.3}  # one grounded answer during evaluation


@dataclass
class FinetuneResult:
    """adapter_dir: where the adapter was saved; before/after: validation metrics of the base and the
    fine-tuned model ({"accuracy", "giou", "ciou", "per_task", ...}); seconds: wall time of the run."""

    adapter_dir: str
    before: dict
    after: dict
    seconds: float
    steps: int = 0
    history: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


def work_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    return out_dir.with_name(f".{out_dir.name}.work")


def base_fingerprint(model: torch.nn.Module) -> str:
    """A short hash of the base's parameter names and shapes: adapters only fit the base they came from."""
    import hashlib

    h = hashlib.sha256()
    for name, p in sorted(model.state_dict().items()):
        if "lora_" in name:
            continue
        h.update(f"{name}:{tuple(p.shape)};".encode())
    return h.hexdigest()[:16]


def check_disk_space(folder: Path, need_bytes: int) -> None:
    """InputError when the file system holding ``folder`` has less than ``need_bytes`` free."""
    probe = Path(folder).resolve()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < need_bytes:
        raise InputError(f"not enough disk space in {probe} for the adapter and its checkpoints: about "
                         f"{need_bytes / 2**20:.0f} MB needed, {free / 2**20:.0f} MB free; free some space "
                         "or pick another output folder")


def _space_needed(model: torch.nn.Module) -> int:
    """Checkpoint (weights + AdamW moments of the trainable part) + adapter + slack, in bytes."""
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    return int(total * 1.2 + 3 * 4 * sum(p.numel() for p in model.parameters() if p.requires_grad)
               + 50 * 2**20)


def estimate_seconds(cfg: FinetuneConfig, base: str = "tiny") -> float:
    """Rough wall time of :func:`run_finetune`: question generation, training steps and the two
    evaluations, from measured per-size throughputs (CPU numbers with 2 cores)."""
    dev = "cuda" if cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available()) else "cpu"
    name = Path(str(base)).name if base else "tiny"
    key = "tiny-test" if "test" in name else "tiny"
    rate = SAMPLES_PER_S.get((key, dev), 1.3)
    train = cfg.steps * cfg.batch_size / rate
    evaluate = 2 * cfg.val_questions * ANSWER_SECONDS[dev] * (0.2 if key == "tiny-test" else 1.0)
    prepare = 0.02 * (cfg.questions + cfg.val_questions) + 2.0
    return float(prepare + train + evaluate + 3.0)


def evaluate(model, tokenizer, samples: list[dict], cancelled: Callable[[], bool] | None = None) -> dict:
    """Validation numbers of ``model`` on ``samples``: the bench's in-memory path (free decoding:
    "accuracy", "giou", "ciou", "per_task", ...) plus teacher-forced "grounding_giou" / "grounding_ciou"."""
    from ..eval.bench import evaluate_predictor
    from .grounding_eval import grounding_scores

    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = evaluate_predictor(model_api.predictor(model, tokenizer, EVAL_MAX_NEW_TOKENS, cancelled), samples)
        out.update(grounding_scores(model, tokenizer, samples))
        return out
    finally:
        model.train(was)


def _batches(samples: list[dict], batch_size: int, seed: int, skip: int = 0):
    """Shuffled passes over ``samples`` in lists of ``batch_size``, forever; ``skip`` batches dropped first."""
    rng = np.random.default_rng(seed)
    n = len(samples)
    k = 0
    while True:
        order = rng.permutation(n)
        for i in range(0, n - batch_size + 1 if n >= batch_size else 1, batch_size):
            idx = order[i:i + batch_size] if n >= batch_size else np.resize(order, batch_size)
            k += 1
            if k > skip:
                yield [samples[j] for j in idx]


def _check_adapter_base(adapter_dir: Path, fingerprint: str) -> None:
    f = Path(adapter_dir) / SETTINGS_FILE
    if not f.is_file():
        return
    try:
        rec = json.loads(f.read_text())
    except ValueError:
        return
    have = rec.get("base_fingerprint")
    if have and have != fingerprint:
        raise ModelError(f"adapter {adapter_dir} was trained on base {rec.get('base', '?')} and does not fit "
                         "this base model; pick its base model or train a new adapter")


def run_finetune(cfg: FinetuneConfig, base: str | Path = "tiny", out_dir: str | Path = "adapter",
                 progress: ProgressFn | None = None, cancelled: Callable[[], bool] | None = None,
                 data: FinetuneData | None = None, resume: bool = True,
                 init_adapter: str | Path | None = None) -> FinetuneResult:
    """Fine-tune ``base`` (a model folder or a registry name) on the region described by ``cfg``.

    progress(step, total, metrics) after every ``cfg.log_every`` steps (step 0: evaluation of the base;
    metrics carry "phase": "evaluate-before" | "train" | "evaluate-after" | "save"); cancelled() polled
    every step -> :class:`Cancelled` with the previous adapter untouched and the state kept for resume.
    ``init_adapter`` continues from an earlier adapter of the same base (ModelError when it does not fit).
    """
    t0 = time.time()
    out_dir = Path(out_dir)
    acc = make_accelerator(cfg.device)
    torch.manual_seed(cfg.seed)
    model, tokenizer = model_api.load_base(base)
    model = model.to(acc.device)
    fingerprint = base_fingerprint(model)
    if init_adapter is not None:  # refuse a mismatched adapter before any long work
        _check_adapter_base(Path(init_adapter), fingerprint)
        model = model_api.load_adapter(model, init_adapter)
    check_disk_space(out_dir.parent, _space_needed(model))
    if data is None:
        data = prepare_finetune_data(cfg, image_size=model_api.image_size(model))

    def report(step: int, metrics: dict) -> None:
        if progress is not None:
            progress(step, cfg.steps, metrics)

    def cancelled_msg(where: str) -> Cancelled:
        return Cancelled(f"fine-tune cancelled {where}; the previous adapter in {out_dir} is unchanged")

    report(0, {"phase": "evaluate-before"})
    try:
        before = evaluate(model, tokenizer, data.val, cancelled)
    except Cancelled:
        raise cancelled_msg("while measuring the base model") from None
    report(0, {"phase": "train", "val_giou_before": before.get("giou")})
    if not stages.has_lora(model):
        model = model_api.add_lora(model, cfg.lora_rank, cfg.lora_alpha)
    stages.set_trainable(model, cfg.train_groups, lm_lora=True)
    opt, sched = build_optimizer(model, cfg.lr, cfg.weight_decay, cfg.steps, cfg.warmup_steps, 0.1)
    work = work_dir(out_dir)
    ck = work / LAST
    settings = json.dumps({"config": cfg.to_dict(), "base": str(base), "fingerprint": fingerprint},
                          sort_keys=True)
    state = TrainerState(stage=2)
    prev = read_state(ck) if resume else None
    if prev is not None and (work / "settings.json").is_file() and (work / "settings.json").read_text() == settings:
        state = load_checkpoint(ck, model, opt, sched)
        log.info("resuming fine-tune from step %d", state.step)
    elif work.exists():
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    (work / "settings.json").write_text(settings)
    wrapped, opt = acc.prepare(model_api.LossModule(model), opt)
    runner = StepRunner(acc, model, tokenizer, wrapped, opt, sched,
                        _batches(data.train, cfg.batch_size, cfg.seed, skip=state.step),
                        grad_clip=cfg.grad_clip)
    window: list[float] = []
    t_train = time.time()
    start = state.step
    for step in range(start, cfg.steps):
        if cancelled is not None and cancelled():
            save_checkpoint(ck, model, opt, sched, state)
            raise Cancelled(f"fine-tune cancelled at step {step} of {cfg.steps}; the previous adapter in "
                            f"{out_dir} is unchanged; run again to resume")
        m = runner.step()
        state.step = state.global_step = step + 1
        window.append(m["loss"])
        if state.step % max(1, cfg.log_every) == 0 or state.step == cfg.steps:
            loss = float(np.mean(window))
            window = []
            state.history.append([state.step, loss])
            rate = (state.step - start) / max(time.time() - t_train, 1e-9)
            report(state.step, {**m, "loss": loss, "phase": "train",
                                "eta_s": (cfg.steps - state.step) / max(rate, 1e-9)})
        if cfg.checkpoint_every and state.step % cfg.checkpoint_every == 0 and state.step < cfg.steps:
            save_checkpoint(ck, model, opt, sched, state)
    report(cfg.steps, {"phase": "evaluate-after"})
    try:
        after = evaluate(model, tokenizer, data.val, cancelled)
    except Cancelled:
        save_checkpoint(ck, model, opt, sched, state)
        raise cancelled_msg("while measuring the fine-tuned model; run again to resume") from None
    report(cfg.steps, {"phase": "save", "val_giou_after": after.get("giou")})
    seconds = time.time() - t0
    record = {"base": str(base), "base_fingerprint": fingerprint, "settings": cfg.to_dict(),
              "data": data.summary(), "before": _plain(before), "after": _plain(after),
              "steps": cfg.steps, "seconds": round(seconds, 1), "history": state.history,
              "device": str(acc.device)}
    tmp = temp_sibling(out_dir)
    try:
        model_api.save_adapter(model, tmp)
        (tmp / SETTINGS_FILE).write_text(json.dumps(record, indent=1) + "\n")
        (tmp / CARD_FILE).write_text(model_card(record))
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    return FinetuneResult(adapter_dir=str(out_dir), before=before, after=after, seconds=seconds,
                          steps=cfg.steps, history=list(state.history), data=data.summary())


def _plain(obj):
    """JSON-able copy (numpy scalars -> floats)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def _num(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def model_card(rec: dict) -> str:
    """MODEL_CARD.md of a fine-tuned adapter: data, settings and the before/after numbers."""
    s, d, b, a = rec["settings"], rec["data"], rec["before"], rec["after"]
    imagery = [p for p in ([s.get("optical"), s.get("sar")] + list(s.get("dates") or [])) if p]
    rows = [f"| {k} | {_num(b.get(k))} | {_num(a.get(k))} |"
            for k in ("accuracy", "giou", "ciou", "grounding_giou", "grounding_ciou")]
    tasks = sorted(set(b.get("per_task", {})) | set(a.get("per_task", {})))
    for t in tasks:
        bt, at = b.get("per_task", {}).get(t, {}), a.get("per_task", {}).get(t, {})
        rows.append(f"| {t} gIoU | {_num(bt.get('giou'))} | {_num(at.get('giou'))} |")
    return "\n".join([
        "# TerraScope regional adapter", "",
        f"LoRA adapter (rank {s['lora_rank']}, alpha {s['lora_alpha']}) for base model `{rec['base']}` "
        f"(fingerprint `{rec['base_fingerprint']}`).", "",
        "## Data", "",
        f"- imagery: {', '.join(imagery)}",
        f"- labels: {s['labels']}" + (f" (field `{s['label_field']}`)" if s.get("label_field") else ""),
        f"- classes: {', '.join(d['classes'].values())}",
        f"- split: blocks of {s['block_size']} px, {d['blocks']['train']} train / {d['blocks']['val']} "
        f"validation (validation fraction {s['val_fraction']}, seed {s['split_seed']})",
        f"- questions: {d['train_questions']} train, {d['val_questions']} validation; tasks "
        f"{', '.join(s['tasks'])}", "",
        "## Training", "",
        f"- {rec['steps']} steps, batch {s['batch_size']}, lr {s['lr']}, trained parts: "
        f"{', '.join(s['train_groups'])} (language model through LoRA)",
        f"- device {rec['device']}, {rec['seconds']:.0f} s", "",
        "## Validation (held-out blocks)", "",
        "| metric | base | fine-tuned |", "|---|---|---|", *rows, "",
        "accuracy, giou, ciou: free decoding as in `terrascope bench`; grounding_*: masks decoded from the "
        "[SEG] states of the reference trace (teacher-forced), which isolates mask quality.", "",
    ])


__all__ = ["FinetuneConfig", "FinetuneData", "FinetuneResult", "prepare_finetune_data", "run_finetune",
           "estimate_seconds", "evaluate", "model_card", "base_fingerprint", "check_disk_space", "work_dir"]
