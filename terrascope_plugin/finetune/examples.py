"""Example masks for the Evaluate page: a few validation questions answered by the base model and by the
fine-tuned one. Runs in the task's worker thread after training; returns plain numpy arrays only.

Predictions go through the bench's ``evaluate_predictor`` with a thin recorder around the model's grounded
predictor, so the masks shown are exactly those the before/after numbers are computed from."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Example:
    """One validation question: ``rgb`` (S, S, 3) uint8 image; ``truth``, ``before``, ``after``: (N, S, S)
    float32 step masks (ground truth, base model, fine-tuned model; probabilities, >= 0.5 counts)."""

    question: str
    task: str
    rgb: np.ndarray
    truth: np.ndarray
    before: np.ndarray = field(default_factory=lambda: np.zeros((0, 1, 1), np.float32))
    after: np.ndarray = field(default_factory=lambda: np.zeros((0, 1, 1), np.float32))


class MaskRecorder:
    """Wraps an object with ``set_images(images)`` and ``answer(question, choices, measure=...)`` (whose
    result has ``steps[i].mask_prob``) and keeps each answer's step masks in ``masks``."""

    def __init__(self, predictor):
        self.predictor = predictor
        self.masks: list[list] = []

    @property
    def device(self):
        return getattr(self.predictor, "device", None)

    def set_images(self, images):
        return self.predictor.set_images(images)

    def answer(self, *args, **kwargs):
        out = self.predictor.answer(*args, **kwargs)
        self.masks.append([s.mask_prob for s in getattr(out, "steps", [])])
        return out


def _stack(masks, shape) -> np.ndarray:
    arrays = []
    for m in masks:
        a = m.detach().float().cpu().numpy() if hasattr(m, "detach") else np.asarray(m, np.float32)
        if a.shape != tuple(shape):
            from ...engine.train.samples import resize_nearest

            a = resize_nearest(a, shape)
        arrays.append(a.astype(np.float32))
    return np.stack(arrays) if arrays else np.zeros((0,) + tuple(shape), np.float32)


def recorded_masks(predictor, samples: list[dict]) -> list[np.ndarray]:
    """(N_i, S, S) predicted step masks per sample, through ``evaluate_predictor``."""
    from ...engine.eval.bench import evaluate_predictor

    rec = MaskRecorder(predictor)
    evaluate_predictor(rec, samples)
    shape = tuple(samples[0]["masks"].shape[-2:]) if samples else (1, 1)
    return [_stack(m, shape) for m in rec.masks]


def to_examples(samples: list[dict], before: list[np.ndarray] | None = None,
                after: list[np.ndarray] | None = None) -> list[Example]:
    from .preview import _array, sample_question, sample_rgb

    out = []
    for i, s in enumerate(samples):
        ex = Example(sample_question(s), str(s.get("task", "")), sample_rgb(s), _array(s["masks"]))
        if before is not None and i < len(before):
            ex.before = before[i]
        if after is not None and i < len(after):
            ex.after = after[i]
        out.append(ex)
    return out


def make_examples(cfg, base: str, adapter_dir: str, image_size: int, count: int = 3) -> list[Example]:
    """``count`` validation questions of ``cfg`` (the first ones of the same generated set the numbers were
    measured on) with the base model's and the fine-tuned model's masks."""
    import dataclasses

    import torch

    from ...engine.train import model_api
    from ...engine.train.finetune_data import prepare_finetune_data

    small = dataclasses.replace(cfg, questions=1, val_questions=count)
    data = prepare_finetune_data(small, image_size=image_size)
    samples = data.val[:count]
    device, _ = model_api.resolve_device(cfg.device)
    model, tok = model_api.load_base(base, device=device)
    model.eval()
    with torch.no_grad():
        before = recorded_masks(_predictor(model, tok), samples)
        model = model_api.load_adapter(model, adapter_dir).to(device)
        model.eval()
        after = recorded_masks(_predictor(model, tok), samples)
    return to_examples(samples, before, after)


def _predictor(model, tokenizer):
    """The grounded predictor with the same answer-length cap the validation numbers use (when the engine
    has one), so the examples look like what was measured."""
    from ...engine.train import model_api

    try:
        from ...engine.train.loop import EVAL_MAX_NEW_TOKENS
    except ImportError:
        return model_api.predictor(model, tokenizer)
    return model_api.predictor(model, tokenizer, EVAL_MAX_NEW_TOKENS)
