"""The few calls training makes into ``engine.model``, in one place.

Building or loading a model, batching samples, the teacher-forced loss, LoRA adapters and saving all go
through here, so the training loop and the fine-tune path read the same way whatever the model side's
exact module layout.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..errors import ModelError


def build(model: str | None = None, base_dir: str | None = None, device: torch.device | None = None,
          nir_mix: int = 0, pixel_refine: int = 0):
    """-> (model, tokenizer): from checkpoint folder ``base_dir`` when given, else registry name ``model``;
    ``nir_mix`` > 0 gives a model without a NIR mix one of that width (starting as the identity,
    :func:`engine.model.checkpoint.with_nir_mix`); ``pixel_refine`` > 0 likewise gives one without it a refinement
    of its mask logits on the input's grid (:func:`engine.model.checkpoint.with_pixel_refine`)."""
    if base_dir:
        from ..model import checkpoint

        if not Path(base_dir).is_dir():
            raise ModelError(f"model folder {base_dir} not found")
        model_, tok = checkpoint.from_pretrained(base_dir, device=device or torch.device("cpu"))
    else:
        from ..model.registry import build_model

        model_, tok = build_model(model or "tiny")
    if nir_mix:
        from ..model.checkpoint import with_nir_mix

        model_ = with_nir_mix(model_, nir_mix)
    if pixel_refine:
        from ..model.checkpoint import with_pixel_refine

        model_ = with_pixel_refine(model_, pixel_refine)
    if device is not None:
        model_ = model_.to(device)
    return model_, tok


def load_base(base: str | Path, device: torch.device | None = None):
    """A base model given as a folder (if it exists) or a registry name. -> (model, tokenizer)."""
    base = str(base)
    if Path(base).is_dir():
        return build(base_dir=base, device=device)
    return build(model=base, device=device)


def image_size(model: nn.Module) -> int:
    """S: the side in pixels of the model's square image input."""
    cfg = getattr(model, "config", None)
    for name in ("image_size",):
        if cfg is not None and getattr(cfg, name, None):
            return int(getattr(cfg, name))
    raise ModelError(f"{type(model).__name__} does not say its image size (config.image_size)")


def collate(model: nn.Module, tokenizer, samples: list[dict], device: torch.device | None = None):
    """Samples (engine.data.dataset format) -> one padded batch on ``device``."""
    from ..model import training

    batch = training.collate(samples, tokenizer, model.config)
    return to_device(batch, device) if device is not None else batch


def loss_weights(lm: float, bce: float, dice: float, iou: float = 0.0):
    """The model's loss weights (token cross-entropy, mask BCE, mask Dice, the decoder's IoU estimate)."""
    from ..model.training import LossWeights

    return LossWeights(lm=float(lm), bce=float(bce), dice=float(dice), iou=float(iou))


def to_device(obj, device: torch.device):
    """Move every tensor inside ``obj`` (dicts, lists, tuples, dataclasses with tensors) to ``device``."""
    if torch.is_tensor(obj):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device) for v in obj)
    if hasattr(obj, "to") and callable(obj.to) and hasattr(obj, "__dataclass_fields__"):
        return obj.to(device)
    return obj


def losses(model: nn.Module, batch) -> dict:
    """Teacher-forced losses of one batch: {"loss", "lm_loss", "bce", "dice", "iou"} (scalar tensors)."""
    return model.forward_train(batch)


class LossModule(nn.Module):
    """``forward(batch) -> losses``: the module Accelerate/DDP wraps, so gradient synchronisation hooks
    run (DDP only synchronises through ``forward``, not through other methods)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch) -> dict:
        return losses(self.model, batch)


def add_lora(model: nn.Module, rank: int, alpha: int) -> nn.Module:
    from ..model import checkpoint

    out = checkpoint.add_lora(model, rank, alpha)
    return out if out is not None else model


def save_adapter(model: nn.Module, out_dir: str | Path, **kwargs) -> None:
    from ..model import checkpoint

    checkpoint.save_adapter(model, out_dir, **kwargs)


def load_adapter(model: nn.Module, adapter_dir: str | Path) -> nn.Module:
    from ..model import checkpoint

    out = checkpoint.load_adapter(model, adapter_dir)
    return out if out is not None else model


def merge_lora(model: nn.Module) -> nn.Module:
    from ..model import checkpoint

    out = checkpoint.merge_lora(model)
    return out if out is not None else model


def save_pretrained(model: nn.Module, tokenizer, out_dir: str | Path) -> None:
    from ..model import checkpoint

    checkpoint.save_pretrained(model, tokenizer, out_dir)


def predictor(model: nn.Module, tokenizer, max_new_tokens: int | None = None, cancelled=None):
    """The grounded predictor; ``max_new_tokens`` caps each answer (validation of a barely trained model
    would otherwise spend its time generating noise up to the predictor's default cap); ``cancelled`` is
    polled while it decodes."""
    from ..model.predictor import GroundedPredictor

    pred = GroundedPredictor(model, tokenizer)
    return pred if max_new_tokens is None and cancelled is None else _Capped(pred, max_new_tokens, cancelled)


class _Capped:
    """A predictor whose ``answer`` generates at most ``max_new_tokens`` tokens and polls ``cancelled``."""

    def __init__(self, pred, max_new_tokens: int | None, cancelled=None):
        self.pred, self.max_new_tokens, self.cancelled = pred, max_new_tokens, cancelled

    def set_images(self, images) -> None:
        self.pred.set_images(images)

    def answer(self, *args, **kwargs):
        if self.max_new_tokens is not None:
            kwargs.setdefault("max_new_tokens", self.max_new_tokens)
        if self.cancelled is not None:
            kwargs.setdefault("cancelled", self.cancelled)
        return self.pred.answer(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.pred, name)


def resolve_device(name: str = "auto") -> tuple[torch.device, torch.dtype]:
    try:
        from ..model.device import resolve_device as _resolve
    except ImportError:
        _resolve = None
    if _resolve is not None:
        return _resolve(name)
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        return torch.device("cuda"), torch.bfloat16
    return torch.device("cpu"), torch.float32
