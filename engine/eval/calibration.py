"""Calibration of the scores below which a step marks nothing: its mask confidence, and for a change step the
contrast of the dates inside its mask."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np


def absent_weight(sampled_share: float, target_share: float) -> float:
    """Weight of a step whose truth is empty that turns such steps' share of all steps from
    ``sampled_share`` (as calibrated) into ``target_share`` (as used): the ratio of their odds."""
    if not 0 < sampled_share < 1 or not 0 <= target_share < 1:
        raise ValueError(f"the calibrated share must lie in (0, 1) and the used one in [0, 1), "
                         f"got {sampled_share}, {target_share}")
    return (target_share / (1 - target_share)) / (sampled_share / (1 - sampled_share))


def best_empty_threshold(rows: Sequence[tuple[float, float, bool]], absent_weight: float = 1.0
                         ) -> tuple[float, dict]:
    """``rows``: one per grounded step, (score, IoU of its mask with the truth, truth empty).

    A step whose score is below the threshold is emptied: it then scores 1 where the truth is empty and
    0 elsewhere. -> (the threshold that maximises the mean step IoU, a summary of what it changes). With no
    threshold better than none, 0.0. ``absent_weight``: the weight of steps whose truth is empty in that
    mean (see :func:`absent_weight`: calibrate on many absent targets, judge at the share seen in use)."""
    if not rows:
        raise ValueError("no grounded steps to calibrate on")
    est = np.array([r[0] for r in rows], dtype=float)
    got = np.array([r[1] for r in rows], dtype=float)
    empty = np.array([r[2] for r in rows], dtype=bool)
    weight = np.where(empty, float(absent_weight), 1.0)
    candidates = np.concatenate([[0.0], np.unique(est[np.isfinite(est)]) + 1e-6])
    scores = np.array([np.average(np.where(est < c, empty.astype(float), got), weights=weight)
                       for c in candidates])
    i = int(np.argmax(scores))  # first maximum: the smallest threshold that reaches it
    best = float(candidates[i])
    kept = est >= best
    marked = got < 1  # an absent target's step scores below 1 exactly when it marks something
    summary = {"steps": int(len(rows)), "absent_steps": int(empty.sum()), "threshold": round(best, 6),
               "absent_weight": round(float(absent_weight), 4),
               "mean_step_iou_before": round(float(scores[0]), 4), "mean_step_iou_after": round(float(scores[i]), 4),
               "absent_marked_before": round(float(marked[empty].mean()), 4) if empty.any() else None,
               "absent_marked_after": round(float((marked & kept)[empty].mean()), 4) if empty.any() else None,
               "present_steps_emptied": round(float((~kept)[~empty].mean()), 4) if (~empty).any() else None}
    return best, summary


def absent_step_share(samples: Iterable[dict]) -> float:
    """Share of the grounded steps of ``samples`` (dataset samples) whose true mask is empty."""
    from .bench import _numpy

    flags = [not (_numpy(m) > 0.5).any() for s in samples for m in s["masks"]]
    return float(np.mean(flags)) if flags else 0.0


def step_records(predictor, samples: Iterable[dict], mask_threshold: float = 0.5,
                 progress: Callable[[float, str], None] | None = None
                 ) -> list[tuple[float, float, bool, float | None]]:
    """Answer ``samples`` (dataset samples with their records) the way the in-memory bench does, measurements
    in metres included, each true step paired with the predicted step that names its region as the bench pairs
    them (:func:`engine.eval.metrics.align_steps`; by position when the phrases are not known). -> one row per
    true step with a grounded step: (confidence, IoU of the mask as given
    with the truth, truth empty, change contrast). The confidence is the step's own (the decoder's mean
    probability inside its mask, before sharpening; for a plain callable predictor, that of the mask given),
    the change contrast the step's ``change_contrast`` (None where it was not judged); ``math.inf`` for a step the
    confidence gate does not judge (``confidence_judged`` false: a change of classes). Give a predictor
    that judges without emptying (``GroundedPredictor(..., judge_only=True)``), so every mask is judged as
    decoded."""
    from .bench import _fit, _labels, _numpy, _predict, _question_and_choices, _true_phrases
    from .metrics import align_steps, iou

    total = len(samples) if hasattr(samples, "__len__") else None  # a generator is answered as it comes
    rows = []
    for i, sample in enumerate(samples):
        question, choices = _question_and_choices(sample)
        steps: list = []
        _, masks, _ = _predict(predictor, sample, question, choices, steps)
        true_phrases, labels = _true_phrases(sample), _labels(steps)
        order = (align_steps(true_phrases, labels) if true_phrases and labels and len(labels) == len(masks)
                 else list(range(len(sample["masks"]))))
        for k, truth in enumerate(sample["masks"]):
            j = order[k]
            if j is None or j >= len(masks):  # no grounded step to judge for this true step
                continue
            t = _numpy(truth) > 0.5
            p = _fit(_numpy(masks[j]), t.shape)
            inside = p > mask_threshold
            step = steps[j] if j < len(steps) else None
            confidence = getattr(step, "confidence", None)
            if not getattr(step, "confidence_judged", True):  # the confidence gate keeps it whatever it is
                confidence = math.inf
            elif confidence is None:
                confidence = float(p[inside].mean()) if inside.any() else 0.0
            rows.append((float(confidence), iou(p, t), not t.any(), getattr(step, "change_contrast", None)))
        if progress is not None:
            progress((i + 1) / total if total else 0.0, f"question {i + 1}/{total or '?'}")
    return rows


def best_change_threshold(rows: Sequence[tuple[float, float, bool, float | None]], empty_below: float,
                          absent_weight: float = 1.0) -> tuple[float, dict]:
    """The change contrast below which a judged change step is emptied, chosen as
    :func:`best_empty_threshold` chooses the confidence: on the change steps the confidence gate
    ``empty_below`` keeps. -> (threshold, summary); (0.0, {"steps": 0}) when no such step was judged."""
    judged = [(r[3], r[1], r[2]) for r in rows if r[3] is not None and r[0] >= empty_below]
    if not judged:
        return 0.0, {"steps": 0}
    return best_empty_threshold(judged, absent_weight)
