"""Calibration of the score (a step's mask confidence) below which a step marks nothing."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np


def best_empty_threshold(rows: Sequence[tuple[float, float, bool]]) -> tuple[float, dict]:
    """``rows``: one per grounded step, (score, IoU of its mask with the truth, truth empty).

    A step whose score is below the threshold is emptied: it then scores 1 where the truth is empty and
    0 elsewhere. -> (the threshold that maximises the mean step IoU, a summary of what it changes). With no
    threshold better than none, 0.0."""
    if not rows:
        raise ValueError("no grounded steps to calibrate on")
    est = np.array([r[0] for r in rows], dtype=float)
    got = np.array([r[1] for r in rows], dtype=float)
    empty = np.array([r[2] for r in rows], dtype=bool)
    candidates = np.concatenate([[0.0], np.unique(est) + 1e-6])
    scores = np.array([np.where(est < c, empty.astype(float), got).mean() for c in candidates])
    i = int(np.argmax(scores))  # first maximum: the smallest threshold that reaches it
    best = float(candidates[i])
    kept = est >= best
    marked = got < 1  # an absent target's step scores below 1 exactly when it marks something
    summary = {"steps": int(len(rows)), "absent_steps": int(empty.sum()), "threshold": round(best, 6),
               "mean_step_iou_before": round(float(scores[0]), 4), "mean_step_iou_after": round(float(scores[i]), 4),
               "absent_marked_before": round(float(marked[empty].mean()), 4) if empty.any() else None,
               "absent_marked_after": round(float((marked & kept)[empty].mean()), 4) if empty.any() else None,
               "present_steps_emptied": round(float((~kept)[~empty].mean()), 4) if (~empty).any() else None}
    return best, summary


def step_records(predictor, samples: Iterable[dict], mask_threshold: float = 0.5,
                 progress: Callable[[float, str], None] | None = None) -> list[tuple[float, float, bool]]:
    """Answer ``samples`` (dataset samples with their records) the way the in-memory bench does, measurements
    in metres included. -> one row per grounded step with a true mask: (confidence = mean probability inside
    the mask, 0 when empty; IoU with the truth; truth empty). Give a predictor whose gate is off
    (``empty_below_confidence`` 0), so the raw masks are judged."""
    from .bench import _fit, _numpy, _predict, _question_and_choices
    from .metrics import iou

    samples = list(samples)
    rows = []
    for i, sample in enumerate(samples):
        question, choices = _question_and_choices(sample)
        _, masks, _ = _predict(predictor, sample, question, choices)
        for prob, truth in zip(masks, sample["masks"]):
            t = _numpy(truth) > 0.5
            p = _fit(_numpy(prob), t.shape)
            inside = p > mask_threshold
            rows.append((float(p[inside].mean()) if inside.any() else 0.0, iou(p, t), not t.any()))
        if progress is not None:
            progress((i + 1) / len(samples), f"question {i + 1}/{len(samples)}")
    return rows
