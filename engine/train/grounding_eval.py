"""Teacher-forced grounding quality: the masks a model decodes from the ``[SEG]`` states of the reference
trace, scored against the true masks.

The bench (``engine.eval.bench``) scores free decoding: a mask only counts when the model also wrote the
right step. This measure isolates the grounding half (image features, ``[SEG]`` projection, mask decoder),
which is what a change of imagery look affects first, and it is cheap: one teacher-forced forward per batch.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import model_api


class _Recorder:
    """Wraps ``model.ground`` to keep the mask logits of every call (in call order)."""

    def __init__(self, model: nn.Module):
        self.model, self.orig, self.logits = model, model.ground, []

    def __enter__(self):
        def ground(*args, **kwargs):
            out = self.orig(*args, **kwargs)
            self.logits.append(out["mask_logits"].detach().float().cpu())
            return out

        self.model.ground = ground
        return self

    def __exit__(self, *exc):
        del self.model.ground  # back to the class method
        return False


def grounding_scores(model: nn.Module, tokenizer, samples: list[dict], batch_size: int = 4) -> dict:
    """{"grounding_giou": mean over questions of mean step IoU, "grounding_ciou": cumulative IoU,
    "grounding_n": questions with at least one step}. Masks: logits > 0 vs truth > 0.5."""
    was = model.training
    model.eval()
    per_question, inter_sum, union_sum = [], 0, 0
    try:
        for i in range(0, len(samples), batch_size):
            chunk = samples[i:i + batch_size]
            batch = model_api.collate(model, tokenizer, chunk, next(model.parameters()).device)
            with torch.no_grad(), _Recorder(model) as rec:
                model_api.losses(model, batch)
            valid = batch.mask_valid.cpu()
            masks = batch.masks.cpu() > 0.5
            ious: dict[int, list[float]] = {}
            calls = iter(rec.logits)
            for j in range(valid.shape[1]):
                grounded = [b for b in range(valid.shape[0]) if bool(valid[b, j])]
                if not grounded:
                    continue
                logits = next(calls)
                for k, b in enumerate(grounded):
                    pred, true = logits[k] > 0, masks[b, j]
                    inter, union = int((pred & true).sum()), int((pred | true).sum())
                    inter_sum, union_sum = inter_sum + inter, union_sum + union
                    ious.setdefault(b, []).append(1.0 if union == 0 else inter / union)
            per_question += [float(np.mean(v)) for v in ious.values()]
    finally:
        model.train(was)
    return {"grounding_giou": float(np.mean(per_question)) if per_question else 0.0,
            "grounding_ciou": inter_sum / union_sum if union_sum else 0.0, "grounding_n": len(per_question)}


__all__ = ["grounding_scores"]
