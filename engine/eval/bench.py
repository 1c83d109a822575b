"""TerraScope bench: ask every question of ``terrascope synth`` folders through the engine and score it.

``run_bench`` reads each ``scene_*/questions.jsonl``, asks the question on the scene's GeoTIFFs
(``inputs``: optical + SAR of the last date, or the pre/post pair for change questions) through
``Engine.ask``, and compares the chosen letter and the full-resolution step masks with the truth.
``evaluate_predictor`` does the same in memory on dataset samples (no GeoTIFF I/O), for validation
during training. Both return the dict of ``metrics.summarize``.
"""
from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterable

import numpy as np

from ..data.rle import rle_decode
from ..errors import Cancelled, EngineError
from ..trace_format import format_measurement, parse_answer
from .metrics import QuestionScore, align_steps, aligned, score_question, summarize

Progress = Callable[[float, str], None]


def scene_folders(data_dir: str | Path) -> list[Path]:
    """Folders holding a questions.jsonl: ``data_dir`` itself or its ``scene_*`` children, sorted."""
    root = Path(data_dir)
    if (root / "questions.jsonl").is_file():
        return [root]
    folders = sorted(p.parent for p in root.glob("*/questions.jsonl"))
    if not folders:
        from ..errors import InputError

        raise InputError(f"no questions.jsonl under {root}; "
                         f"create a bench with `terrascope synth --out {root}`")
    return folders


def load_questions(data_dir: str | Path, limit: int | None = None) -> list[tuple[Path, dict]]:
    """(scene folder, question dict) pairs in a stable order, at most ``limit``."""
    out = []
    for folder in scene_folders(data_dir):
        for line in (folder / "questions.jsonl").read_text().splitlines():
            if line.strip():
                out.append((folder, json.loads(line)))
                if limit is not None and len(out) >= limit:
                    return out
    return out


def _ask_kwargs(folder: Path, q: dict) -> dict:
    inputs = q.get("inputs") or {"optical": "optical.tif", "sar": "sar.tif"}
    if "dates" in inputs:
        sar = inputs.get("sar_dates") or [None] * len(inputs["dates"])
        return {"dates": [{"optical": str(folder / o), "sar": str(folder / s)} if s else str(folder / o)
                          for o, s in zip(inputs["dates"], sar)]}
    kw = {}
    for key in ("optical", "sar"):
        if inputs.get(key):
            kw[key] = str(folder / inputs[key])
    return kw


def _fit(mask, shape) -> np.ndarray:
    """A predicted mask on the truth's grid (nearest-neighbour if the engine returned another size)."""
    m = np.asarray(mask)
    if m.shape == tuple(shape):
        return m
    rows = (np.arange(shape[0]) * m.shape[0] / shape[0]).astype(int)
    cols = (np.arange(shape[1]) * m.shape[1] / shape[1]).astype(int)
    return m[rows][:, cols]


def score_answer(q: dict, choice: str | None, pred_masks: list, pred_phrases: list[str] | None = None
                 ) -> QuestionScore:
    """Score one questions.jsonl record against a predicted letter and predicted step masks; with
    ``pred_phrases`` (one per mask) the steps are matched by the region they name (metrics.align_steps)."""
    truth = [rle_decode(s["mask"]) for s in q["steps"]]
    shape = truth[0].shape if truth else None
    preds = [_fit(m, shape) for m in pred_masks] if shape else []
    if pred_phrases is not None:
        preds = aligned(preds, align_steps([s["phrase"] for s in q["steps"]], pred_phrases))
    return score_question(q["task"], truth, preds, q["answer"], choice, multiple_choice=bool(q["choices"]))


def run_bench(data_dir: str | Path, model_dir=None, adapter=None, progress: Progress | None = None,
              engine=None, limit: int | None = None, device: str = "auto") -> dict:
    """Ask every question under ``data_dir`` (see module doc) and score it.

    ``engine``: a loaded ``engine.api.Engine`` (else loaded from ``model_dir``/``adapter``; None = the
    embedded default). ``progress(fraction, message)``. -> metrics.summarize(...) plus ``seconds`` and
    ``errors`` (one line per question the engine refused; those score as unanswered)."""
    if engine is None:
        from ..api import Engine

        engine = Engine.load(model_dir=model_dir, device=device, adapter=adapter)
    questions = load_questions(data_dir, limit)
    t0 = time.perf_counter()
    scores = []
    errors: list[str] = []
    for i, (folder, q) in enumerate(questions):
        try:
            ans = engine.ask(q["question"], choices=q["choices"] or None, **_ask_kwargs(folder, q))
            choice, masks, phrases = ans.choice, [s.mask for s in ans.steps], _labels(ans.steps)
        except Cancelled:
            raise
        except EngineError as err:  # scored as no answer and no mask; the run goes on
            errors.append(f"{folder.name}: {q['question']}: {err}")
            choice, masks, phrases = None, [], None
        scores.append(score_answer(q, choice, masks, phrases))
        if progress is not None:
            progress((i + 1) / len(questions), f"question {i + 1}/{len(questions)} ({q['task']})")
    out = summarize(scores)
    out["seconds"] = time.perf_counter() - t0
    out["errors"] = errors
    return out


def _numpy(x) -> np.ndarray:
    return x.detach().float().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _question_and_choices(sample: dict) -> tuple[str, list[str]]:
    rec = sample.get("record")
    if rec is not None:
        return rec.question, list(rec.choices)
    lines = sample["prompt"].splitlines()
    choices = []
    if len(lines) > 1 and lines[-1].startswith("Options:"):
        import re

        choices = [c.strip() for c in re.split(r"\s*[A-H]\) ", lines[-1][len("Options:"):]) if c.strip()]
        lines = lines[:-1]
    return "\n".join(lines), choices


def _predict(predictor, sample: dict, question: str, choices: list[str], steps: list | None = None
             ) -> tuple[str | None, list, str]:
    """(letter, step masks, trace text) from a GroundedPredictor-like object or a plain callable(sample).
    ``steps``: a list that receives the predictor's steps (GroundedStep), when it gives them."""
    if not hasattr(predictor, "answer"):
        out = predictor(sample)
        if steps is not None and out.get("labels") is not None:
            steps.extend(SimpleNamespace(label=label) for label in out["labels"])
        return out.get("choice"), list(out.get("masks", [])), out.get("text", "")
    images = sample["images"]
    device = getattr(predictor, "device", None)
    if device is not None and hasattr(images, "to"):
        images = images.to(device)
    grid = sample.get("grid")
    if grid and grid[0] is not None and hasattr(images, "pixel_m"):  # the grid of the images: rules measure on it
        from ..data.measure import mean_pixel_m

        images = replace(images, pixel_m=mean_pixel_m(*grid))
    predictor.set_images(images)
    earlier: list = []
    valid = _numpy(images.valid).astype(bool) if hasattr(images, "valid") else None  # (T, S, S)

    def area_of(date_index: int, shape: tuple[int, ...]) -> np.ndarray | None:
        """(S, S) bool: the area of interest of a date, None when the images do not say it for ``shape``."""
        if valid is None or valid.shape[1:] != shape:
            return None
        return valid[min(int(date_index), len(valid) - 1)]

    def inside(mask: np.ndarray, date_index: int) -> np.ndarray:
        """``mask`` (S, S) zeroed outside the area of interest of its date, as the engine keeps every mask."""
        area = area_of(date_index, mask.shape)
        return mask if area is None else mask * area

    def measure(mask_prob, date_index: int = 0, *_, **__) -> str:
        from ..data.measure import measure_mask_pixels

        mask = inside(_numpy(mask_prob) >= 0.5, date_index)
        transform, crs = grid if grid else (None, None)
        if transform is None:  # no grid given: 10 m pixels, the scale most training scenes have
            from affine import Affine

            transform = Affine(10.0, 0.0, 0.0, 0.0, -10.0, 0.0)
        # a share of the area of interest, as the trace states it and the engine measures it
        m = measure_mask_pixels(mask, transform, crs, valid=area_of(date_index, mask.shape), earlier=list(earlier))
        earlier.append(mask)
        return format_measurement(m)

    out = predictor.answer(question, choices or None, measure=measure)
    if steps is not None:
        steps.extend(out.steps)
    masks = [inside(_numpy(s.mask_prob), getattr(s, "date_index", 0)) for s in out.steps]
    return getattr(out, "choice", None), masks, getattr(out, "text", "")


def _labels(steps: list) -> list[str] | None:
    """Each predicted step's phrase, or None when a step does not say it (then steps match by position)."""
    labels = [getattr(s, "label", None) for s in steps]
    return None if None in labels else labels


def _true_phrases(sample: dict) -> list[str] | None:
    """The phrase of every true step of a sample: its record's, else parsed from its trace; None when the
    trace does not name one per mask."""
    rec = sample.get("record")
    if rec is not None:
        return [st.phrase for st in rec.steps]
    from .reader import parse_steps

    phrases = [st["phrase"] for st in parse_steps(sample.get("trace", ""))]
    return phrases if len(phrases) == len(sample["masks"]) else None


def sample_modalities(sample: dict) -> str | None:
    """Which images a sample's question is asked on: "both" (optical and SAR on every date), "optical" or "sar"
    (that one alone on every date); None for a mix of dates or when the sample does not say."""
    images = sample.get("images")
    flags = [images.get(k) if isinstance(images, dict) else getattr(images, k, None)
             for k in ("has_optical", "has_sar")]
    if any(f is None for f in flags):
        return None
    optical, sar = (np.asarray(_numpy(f), bool) for f in flags)
    if optical.all() and sar.all():
        return "both"
    if optical.all() and not sar.any():
        return "optical"
    if sar.all() and not optical.any():
        return "sar"
    return None


def _per_modality(scores: list, measured_scores: list, modalities: list) -> dict:
    """{modalities: {"giou", "engine_answer", "n"}}: gIoU and the engine's answer accuracy of the questions asked on
    each kind of images (:func:`sample_modalities`)."""
    out = {}
    for kind in ("both", "optical", "sar"):
        idx = [i for i, m in enumerate(modalities) if m == kind]
        if not idx:
            continue
        chosen = [measured_scores[i] for i in idx if measured_scores[i].multiple_choice]
        out[kind] = {"giou": float(np.mean([scores[i].iou for i in idx])),
                     "engine_answer": float(np.mean([s.correct for s in chosen])) if chosen else None,
                     "n": len(idx)}
    return out


def evaluate_predictor(predictor, samples: Iterable[dict], progress: Progress | None = None) -> dict:
    """Score a predictor on dataset samples (from ``engine.data.dataset`` with ``with_record=True``, or
    any dicts with "images", "prompt", "trace", "masks", "task"). ``predictor``: an object with
    ``set_images(images)`` and ``answer(question, choices, measure=...)`` (the model's grounded predictor),
    or a callable(sample) -> {"choice": letter or None, "masks": [(S, S) masks], "text": trace (optional),
    "labels": each mask's phrase (optional)}. Steps are matched by the region they name when the phrases are
    known (:func:`engine.eval.metrics.align_steps`), else by position.

    -> :func:`summarize`'s dict of the model's own letters, plus ``measured_choice``: the accuracy overall
    and per task when multiple-choice answers follow the trace's measurements as the engine's do
    (``AskConfig.measured_choice``), and ``per_modality``: gIoU and that accuracy of the questions asked on both
    modalities, optical alone and SAR alone (:func:`sample_modalities`; empty when the samples do not say)."""
    from .reader import answer_from_measurements

    samples = list(samples)
    scores, measured_scores, modalities = [], [], []
    for i, sample in enumerate(samples):
        modalities.append(sample_modalities(sample))
        question, choices = _question_and_choices(sample)
        steps: list = []
        choice, masks, text = _predict(predictor, sample, question, choices, steps)
        truth = [m for m in sample["masks"]]
        true_letter = parse_answer(sample["trace"], len(choices))[1] if choices else None
        shape = tuple(truth[0].shape) if truth else None
        masks = [_fit(_numpy(m), shape) for m in masks] if shape else []
        true_phrases, labels = _true_phrases(sample), _labels(steps)
        if true_phrases is not None and labels is not None and len(labels) == len(masks):
            masks = aligned(masks, align_steps(true_phrases, labels))
        scores.append(score_question(sample["task"], truth, masks, true_letter, choice,
                                     multiple_choice=bool(choices)))
        # the engine's answer: the option the measurements in the trace imply, else the model's letter
        measured = (answer_from_measurements(choices, text) if choices and text else None) or choice
        measured_scores.append(score_question(sample["task"], truth, masks, true_letter, measured,
                                              multiple_choice=bool(choices)))
        if progress is not None:
            progress((i + 1) / len(samples), f"sample {i + 1}/{len(samples)}")
    out = summarize(scores)
    with_measured = summarize(measured_scores)
    out["measured_choice"] = {"accuracy": with_measured["accuracy"],
                              "per_task": {t: v["accuracy"] for t, v in with_measured["per_task"].items()}}
    out["per_modality"] = _per_modality(scores, measured_scores, modalities)
    return out
