"""Evaluation on the real labelled scenes in ``shared/data/real`` (never used for training).

- Sen1Floods11 chip (Sentinel-2 L1C + Sentinel-1 dB, hand-labelled water): the coverage question
  "What share of the area is water?" on optical + SAR; the water step's IoU with the hand label and
  its share against the true share (label -1 = no data, outside the area).
- OSCD pairs (Sentinel-2 pre/post, urban change label): "How much new building area appeared between
  the two dates?" on the two dates; the last step's IoU with the change label and its area.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from .metrics import step_counts

FLOOD_QUESTION = "What share of the area is water?"
CHANGE_QUESTION = "How much new building area appeared between the two dates?"


def _read(path: Path) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as src:
        return src.read(1)


def _fit(mask: np.ndarray, shape) -> np.ndarray:
    m = np.asarray(mask, bool)
    if m.shape == tuple(shape):
        return m
    rows = (np.arange(shape[0]) * m.shape[0] / shape[0]).astype(int)
    cols = (np.arange(shape[1]) * m.shape[1] / shape[1]).astype(int)
    return m[rows][:, cols]


def _pick_step(steps, words: tuple[str, ...]):
    """The last step whose label names one of ``words`` (else the last step), or None."""
    named = [s for s in steps if any(w in (getattr(s, "label", "") or "").lower() for w in words)]
    return (named or list(steps) or [None])[-1]


def _score(step, truth: np.ndarray, valid: np.ndarray) -> dict:
    pred = _fit(step.mask, truth.shape) & valid if step is not None else np.zeros_like(truth)
    inter, union = step_counts(pred, truth & valid)
    return {"iou": inter / union if union else 1.0, "pred_share": float(pred.sum() / valid.sum()),
            "true_share": float((truth & valid).sum() / valid.sum()),
            "step": getattr(step, "label", None)}


def evaluate_flood_scene(folder: Path, engine) -> dict:
    folder = Path(folder)
    optical = next(folder.glob("*S2Hand.tif"))
    sar = next(folder.glob("*S1Hand.tif"))
    label = _read(next(folder.glob("*LabelHand.tif")))
    ans = engine.ask(FLOOD_QUESTION, optical=str(optical), sar=str(sar))
    out = _score(_pick_step(ans.steps, ("water", "flood")), label == 1, label >= 0)
    out.update({"task": "coverage", "question": FLOOD_QUESTION, "answer": ans.answer,
                "share_error_points": abs(out["pred_share"] - out["true_share"]) * 100})
    return out


def evaluate_change_scene(folder: Path, engine) -> dict:
    folder = Path(folder)
    label = _read(folder / "change.tif")
    ans = engine.ask(CHANGE_QUESTION, dates=[str(folder / "pre.tif"), str(folder / "post.tif")])
    step = ans.steps[-1] if ans.steps else None
    out = _score(step, label == 1, np.ones(label.shape, bool))
    out.update({"task": "change", "question": CHANGE_QUESTION, "answer": ans.answer})
    return out


def bench_real(root: str | Path, engine, progress: Callable[[float, str], None] | None = None) -> dict:
    """{scene folder name: result dict} for every known real scene under ``root``."""
    root = Path(root)
    jobs = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if any(folder.glob("*LabelHand.tif")):
            jobs.append((folder, evaluate_flood_scene))
        elif (folder / "change.tif").is_file() and (folder / "pre.tif").is_file():
            jobs.append((folder, evaluate_change_scene))
    results = {}
    for i, (folder, fn) in enumerate(jobs):
        results[folder.name] = fn(folder, engine)
        if progress is not None:
            progress((i + 1) / len(jobs), folder.name)
    return results
