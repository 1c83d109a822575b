"""Calibration of the score (a step's mask confidence) below which a step marks nothing."""
from __future__ import annotations

from collections.abc import Sequence

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
