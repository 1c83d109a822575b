"""Bench metrics: answer accuracy, gIoU, cIoU per task type, and false positives on absent targets.

Definitions (one question = one sample):
- accuracy: multiple-choice questions, predicted letter == true letter. Free-answer questions
  (referring, implicit) count as correct when their mean step IoU >= 0.5 (precision at 0.5); the
  overall ``accuracy`` is over multiple-choice questions only (answer accuracy as in the papers), each
  task's ``accuracy`` is over its own questions.
- IoU of a step: |pred & true| / |pred | true|; both empty -> 1, truth empty and prediction not -> 0.
  Steps are matched by position; a missing predicted step is an empty mask. When the phrases are known
  (:func:`align_steps`), a true step is matched to the predicted step that names the same region, so a
  trace that adds or skips a step ("water", then "cropland next to the water", against the one step
  "cropland next to the water") is scored on the region each step names.
- gIoU: mean over questions of the question's mean step IoU. cIoU: sum of intersections / sum of
  unions over every step of every question.
- absent_fp_rate: among questions with at least one step whose true mask is empty, the share where
  the model marks at least ``min_pixels`` pixels at such a step.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..trace_format import same_region


def _as_bool(mask) -> np.ndarray:
    if hasattr(mask, "detach"):
        mask = mask.detach().cpu().numpy()
    m = np.asarray(mask)
    return m > 0.5 if m.dtype.kind == "f" else m.astype(bool)


def step_counts(pred, true) -> tuple[int, int]:
    """(intersection, union) pixel counts of two (H, W) masks (bool, or probabilities thresholded at 0.5)."""
    p, t = _as_bool(pred), _as_bool(true)
    if p.shape != t.shape:
        raise ValueError(f"predicted mask {p.shape} and true mask {t.shape} differ in shape")
    return int((p & t).sum()), int((p | t).sum())


def align_steps(true_phrases: list[str], pred_phrases: list[str]) -> list[int | None]:
    """For each true step, the index of the predicted step it is scored against, or None (an empty mask).

    A true step takes the first predicted step not taken yet that names the same region
    (:func:`engine.trace_format.same_region`); a true step that no predicted step names takes the predicted
    step at its own position when that one is not taken and names no true step's region."""
    taken: set[int] = set()
    out: list[int | None] = []
    for phrase in true_phrases:
        j = next((j for j, p in enumerate(pred_phrases) if j not in taken and same_region(p, phrase)), None)
        out.append(j)
        if j is not None:
            taken.add(j)
    named = {j for j, p in enumerate(pred_phrases) if any(same_region(p, t) for t in true_phrases)}
    for i, j in enumerate(out):
        if j is None and i < len(pred_phrases) and i not in taken and i not in named:
            out[i] = i
            taken.add(i)
    return out


def aligned(pred_masks: list, order: list[int | None]) -> list:
    """``pred_masks`` reordered by :func:`align_steps`' ``order`` (None where a true step has no match)."""
    return [None if j is None or j >= len(pred_masks) else pred_masks[j] for j in order]


def iou(pred, true) -> float:
    inter, union = step_counts(pred, true)
    return 1.0 if union == 0 else inter / union


@dataclass
class QuestionScore:
    task: str
    multiple_choice: bool
    correct: bool
    iou: float  # mean step IoU of the question
    inter: int
    union: int
    has_empty_truth: bool
    false_positive: bool


def score_question(task: str, true_masks: list, pred_masks: list, true_answer: str | None = None,
                   pred_choice: str | None = None, multiple_choice: bool = True, min_pixels: int = 1
                   ) -> QuestionScore:
    """Score one question. true_masks / pred_masks: lists of (H, W) masks, one per step (pred may be
    shorter or longer; matched by position)."""
    ious, inter_sum, union_sum = [], 0, 0
    empty_truth = fp = False
    for i, t in enumerate(true_masks):
        tb = _as_bool(t)
        given = pred_masks[i] if i < len(pred_masks) else None
        p = _as_bool(given) if given is not None else np.zeros_like(tb)
        inter, union = step_counts(p, tb)
        ious.append(1.0 if union == 0 else inter / union)
        inter_sum += inter
        union_sum += union
        if not tb.any():
            empty_truth = True
            fp = fp or int(p.sum()) >= min_pixels
    q_iou = float(np.mean(ious)) if ious else 1.0
    correct = (pred_choice == true_answer) if multiple_choice else q_iou >= 0.5
    return QuestionScore(task, multiple_choice, bool(correct), q_iou, inter_sum, union_sum, empty_truth, fp)


@dataclass
class BenchAccumulator:
    """Collects QuestionScores and summarises them as the bench JSON."""

    scores: list[QuestionScore] = field(default_factory=list)

    def add(self, score: QuestionScore) -> None:
        self.scores.append(score)

    def result(self) -> dict:
        return summarize(self.scores)


def _group(scores: list[QuestionScore]) -> dict:
    inter = sum(s.inter for s in scores)
    union = sum(s.union for s in scores)
    return {"accuracy": float(np.mean([s.correct for s in scores])) if scores else None,
            "giou": float(np.mean([s.iou for s in scores])) if scores else None,
            "ciou": (inter / union if union else 1.0) if scores else None,
            "n": len(scores)}


def summarize(scores: list[QuestionScore]) -> dict:
    """-> {"accuracy", "giou", "ciou", "per_task": {task: {"accuracy", "giou", "ciou", "n"}},
    "absent_fp_rate", "n", "n_multiple_choice", "n_absent"}; None where nothing was measured."""
    by_task: dict[str, list[QuestionScore]] = defaultdict(list)
    for s in scores:
        by_task[s.task].append(s)
    overall = _group(scores)
    mc = [s for s in scores if s.multiple_choice]
    absent = [s for s in scores if s.has_empty_truth]
    return {
        "accuracy": float(np.mean([s.correct for s in mc])) if mc else None,
        "giou": overall["giou"],
        "ciou": overall["ciou"],
        "per_task": {t: _group(v) for t, v in sorted(by_task.items())},
        "absent_fp_rate": float(np.mean([s.false_positive for s in absent])) if absent else None,
        "n": len(scores),
        "n_multiple_choice": len(mc),
        "n_absent": len(absent),
    }
