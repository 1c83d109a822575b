"""Training of a model's dense land-cover head (:mod:`engine.model.land_cover`): one date of a generated scene per
sample, the modalities drawn (both, optical alone, SAR alone), rotated and flipped; pixel-wise cross-entropy against
the scene's class labels (and a soft Dice term per class where the recipe asks). Every other weight of the model
stays as it is; the folder written is the whole model, its config holding the head's widths and blending share.
``terrascope train-land-cover`` runs it."""
from __future__ import annotations

import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..data.classes import CLASS_NAMES, canonical_class
from ..data.scene import SceneConfig, make_scene
from ..errors import Cancelled, InputError
from ..geo.normalize import normalize_optical, normalize_sar
from ..model.config import CLASS_THRESHOLD_LABEL, class_shares
from ..model.land_cover import N_OUTPUTS, LandCoverHead, head_inputs
from .checkpoints import replace_dir, temp_sibling
from .land_cover_config import MODALITIES, LandCoverTrainConfig

OPTICAL_SCALE = 1e-4  # generated scenes store reflectance x 10 000
IGNORED = 0  # label 0: no class


@dataclass
class LandCoverResult:
    out_dir: str
    steps: int
    loss: float | None  # mean of the last log window
    seconds: float
    finished: bool  # False when max_seconds stopped it early
    val_iou: dict = field(default_factory=dict)  # class name -> IoU on the held-out scenes, and "mean"


def scene_sample(rng: np.random.Generator, seed: int, size: int, cfg: LandCoverTrainConfig,
                 scene_config: SceneConfig | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One sample from the scene of ``seed``: ((9, size, size) float32 head inputs, (size, size) int64 labels), one
    of its dates with the modalities, rotation and flip drawn from ``rng``."""
    scene = make_scene(seed, size, scene_config or SceneConfig(), dates=int(rng.integers(1, cfg.max_dates + 1)))
    date = int(rng.integers(scene.labels.shape[0]))
    shares = np.array([float(cfg.modality_shares.get(m, 0.0)) for m in MODALITIES])
    modality = MODALITIES[int(rng.choice(len(MODALITIES), p=shares / shares.sum()))]
    optical = normalize_optical(scene.optical[date], OPTICAL_SCALE) if modality != "sar" else None
    sar = normalize_sar(scene.sar[date]) if modality != "optical" else None
    t = None if optical is None else torch.from_numpy(optical)
    x = head_inputs(None if t is None else t[:3], None if t is None else t[3:4],
                    None if sar is None else torch.from_numpy(sar), scene.pixel_m).numpy()
    y = scene.labels[date].astype(np.int64)
    k = int(rng.integers(4))
    x, y = np.rot90(x, k, (1, 2)), np.rot90(y, k)
    if rng.random() < 0.5:
        x, y = x[:, :, ::-1], y[:, ::-1]
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def class_weight_vector(weights: dict) -> torch.Tensor:
    """(N_OUTPUTS,) cross-entropy weights: 1 per class, ``weights`` {class name: weight} where given, 0 for no class."""
    w = torch.ones(N_OUTPUTS)
    w[IGNORED] = 0.0
    for name, value in weights.items():
        w[canonical_class(name)] = float(value)
    return w


def present_class_dice_loss(logits: torch.Tensor, labels: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """1 - soft Dice, averaged over each image's classes present in its labels. ``logits``: (B, N_OUTPUTS, H, W);
    ``labels``: (B, H, W) int64, :data:`IGNORED` pixels left out. Every class of an image weighs the same however
    few pixels it has, as every step of a question does in gIoU; cross-entropy keeps absent classes unmarked."""
    labelled = (labels != IGNORED).unsqueeze(1)
    prob = logits.softmax(1) * labelled
    truth = F.one_hot(labels, N_OUTPUTS).permute(0, 3, 1, 2).to(prob.dtype) * labelled
    inter, total = (prob * truth).sum((2, 3)), prob.sum((2, 3)) + truth.sum((2, 3))
    present = truth.sum((2, 3)) > 0  # never IGNORED: its pixels are the unlabelled ones, left out above
    if not present.any():
        return logits.sum() * 0.0
    return (1 - (2 * inter + eps) / (total + eps))[present].mean()


def learning_rate(cfg: LandCoverTrainConfig, step: int, elapsed_s: float) -> float:
    """The learning rate of ``step`` (0-based) after ``elapsed_s`` seconds: linear warmup, then cosine decay over
    the steps, or over ``max_seconds`` with ``time_schedule``."""
    warm = min(1.0, step / cfg.warmup_steps) if cfg.warmup_steps else 1.0
    done = elapsed_s / cfg.max_seconds if cfg.time_schedule else step / cfg.steps
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, done)))
    return cfg.lr * warm * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * cosine)


def head_iou(head: LandCoverHead, cfg: LandCoverTrainConfig, size: int) -> dict:
    """IoU per class name (and their "mean" over the classes present) of ``head``'s labels on ``cfg.val_scenes``
    held-out scenes, each read on a date and with modalities drawn as in training."""
    rng = np.random.default_rng(cfg.val_seed_start)
    inter, union = np.zeros(N_OUTPUTS), np.zeros(N_OUTPUTS)
    head.eval()
    with torch.no_grad():
        for i in range(cfg.val_scenes):
            x, y = scene_sample(rng, cfg.val_seed_start + i, size, cfg)
            pred = head(torch.from_numpy(x)[None]).argmax(1)[0].numpy()
            pred[pred == IGNORED] = -1
            labelled = y != IGNORED
            for c in CLASS_NAMES:
                p, t = (pred == c) & labelled, y == c
                inter[c] += (p & t).sum()
                union[c] += (p | t).sum()
    out = {CLASS_NAMES[c]: round(float(inter[c] / union[c]), 4) for c in CLASS_NAMES if union[c] > 0}
    if out:
        out["mean"] = round(float(np.mean(list(out.values()))), 4)
    return out


def train_land_cover(cfg: LandCoverTrainConfig, progress: Callable[[int, int, dict], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> LandCoverResult:
    """Train the head of ``cfg.base_dir``'s model (a new one of ``cfg.widths`` when it has none) and write the model
    to ``cfg.out_dir`` (through a temporary folder renamed into place). ``progress(step, steps, metrics)`` after
    every step; ``cancelled()`` is polled before every step and raises :class:`Cancelled` (nothing is written)."""
    from ..model.checkpoint import from_pretrained, with_land_cover
    from ..model.device import resolve_device

    if not cfg.base_dir:
        raise InputError("a land-cover head trains on a model: give its folder (--base)")
    device = resolve_device(cfg.device)[0]
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    model, tokenizer = from_pretrained(cfg.base_dir)
    torch.manual_seed(cfg.seed)
    if model.land_cover is None:
        fresh = LandCoverHead(cfg.widths)  # its initial weights depend on the seed alone, not on the model's size
        model = with_land_cover(model, cfg.widths)
        model.land_cover.load_state_dict(fresh.state_dict())
    head = model.land_cover.to(device=device, dtype=torch.float32).train()
    size = cfg.scene_size or model.config.image_size
    opt = torch.optim.AdamW(head.parameters(), cfg.lr, weight_decay=cfg.weight_decay)
    weights = class_weight_vector(cfg.class_weights).to(device)
    rng = np.random.default_rng(cfg.seed)
    t0, seed, window, loss_mean = time.time(), cfg.data_seed_start, [], None
    step, finished = 0, True  # step: the steps done
    for step in range(cfg.steps):
        if cancelled is not None and cancelled():
            raise Cancelled("land-cover training cancelled; nothing was written")
        elapsed = time.time() - t0
        if cfg.max_seconds is not None and elapsed >= cfg.max_seconds:
            finished = False
            break
        xs, ys = zip(*[scene_sample(rng, seed + i, size, cfg) for i in range(cfg.batch_size)])
        seed += cfg.batch_size
        lr = learning_rate(cfg, step, elapsed)
        for group in opt.param_groups:
            group["lr"] = lr
        logits = head(torch.from_numpy(np.stack(xs)).to(device))
        labels = torch.from_numpy(np.stack(ys)).to(device)
        loss = F.cross_entropy(logits, labels, weight=weights, ignore_index=IGNORED)
        if cfg.dice_weight:
            loss = loss + cfg.dice_weight * present_class_dice_loss(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        value = loss.item()
        window.append(value)
        if len(window) >= cfg.log_every:
            loss_mean, window = float(np.mean(window)), []
        if progress is not None:
            progress(step + 1, cfg.steps, {"loss": value, "lr": lr, "seconds": time.time() - t0})
    else:
        step = cfg.steps
    if window:
        loss_mean = float(np.mean(window))
    head = head.cpu().eval()  # measured and saved on the CPU, as the rest of the model
    val = head_iou(head, cfg, size) if cfg.val_scenes else {}
    model.config.land_cover_weight = float(cfg.blend_weight)
    model.config.land_cover_class_weights = class_shares(cfg.blend_class_weights)
    model.config.land_cover_class_thresholds = class_shares(cfg.blend_class_thresholds, CLASS_THRESHOLD_LABEL)
    model.config.land_cover_symmetries = int(cfg.blend_symmetries)
    model.config.head_signature_weight = (None if cfg.head_signature_weight is None
                                          else float(cfg.head_signature_weight))
    _save_atomic(model, tokenizer, Path(cfg.out_dir), torch.float16 if cfg.store_float16 else None, cfg)
    return LandCoverResult(str(cfg.out_dir), step, loss_mean, time.time() - t0, finished, val)


def _save_atomic(model, tokenizer, out: Path, dtype, cfg: LandCoverTrainConfig) -> None:
    """The model folder written beside ``out`` and renamed into place, the recipe that made it beside it."""
    from ..model.checkpoint import save_pretrained

    tmp = temp_sibling(out)
    try:
        save_pretrained(model, tokenizer, tmp, dtype=dtype)
        cfg.save(tmp / "land_cover_recipe.json")
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
