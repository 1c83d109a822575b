"""What learns in each training stage: named parameter groups and freezing.

Stage 1 (grounding pretraining, referring segmentation): the mask decoder, the ``[SEG]`` projection and
the modality relevance head learn; everything else is frozen. Stage 2 (instruction tuning on reasoning
traces): the vision-language projector, the language model (LoRA adapters, or all of it for a language
model trained from scratch) and the mask decoder learn. Which groups learn is a config field per stage, so
a recipe can widen it (a randomly initialised tiny model must also train its encoders) and say so.
"""
from __future__ import annotations

import logging
import re

from torch import nn

from .config import TrainConfig

log = logging.getLogger(__name__)

# group -> patterns, each matched at a dotted-name boundary of a parameter name
GROUPS: dict[str, tuple[str, ...]] = {
    "vision": ("vision_tower", "nir_mix"),
    "projector": ("multi_modal_projector",),
    "language_model": ("language_model", "lm_head"),
    "sam_vision": ("sam_vision", "no_memory_embedding"),
    "prompt_encoder": ("prompt_encoder",),
    "mask_decoder": ("mask_decoder", "pixel_head", "pixel_refine"),
    "seg_projection": ("seg_projection", "seg_proj"),
    "relevance": ("relevance", "modality_embed", "modality_embedding"),
    "all": ("",),
}
LORA_MARK = "lora_"


def _pattern(group: str) -> re.Pattern:
    if group not in GROUPS:
        raise ValueError(f"unknown parameter group {group!r}; known: {', '.join(GROUPS)}")
    alts = "|".join(re.escape(p) for p in GROUPS[group])
    return re.compile(rf"(^|\.)({alts})") if group != "all" else re.compile("")


def group_of(name: str, groups: tuple[str, ...]) -> str | None:
    """The first of ``groups`` whose pattern matches parameter ``name``, or None."""
    for g in groups:
        if _pattern(g).search(name):
            return g
    return None


def set_trainable(model: nn.Module, groups: tuple[str, ...], lm_lora: bool = False) -> list[str]:
    """Freeze every parameter of ``model`` except those of ``groups``; -> the trainable names.

    With ``lm_lora`` the ``language_model`` group means the LoRA adapter weights only (the base language
    model stays frozen). A group that matches nothing is logged, not an error: not every architecture has
    every part (e.g. no relevance head in a single-modality model)."""
    hits: dict[str, int] = {g: 0 for g in groups}
    trainable = []
    for name, p in model.named_parameters():
        if LORA_MARK in name:
            on = lm_lora and "language_model" in groups
            g = "language_model" if on else None
        else:
            g = group_of(name, groups)
            if g == "language_model" and lm_lora:
                g = None
            on = g is not None
        p.requires_grad_(on)
        if on:
            hits[g] += 1
            trainable.append(name)
    missing = [g for g, n in hits.items() if n == 0]
    if missing:
        log.info("parameter group(s) %s match no parameter of %s", ", ".join(missing), type(model).__name__)
    if not trainable:
        raise ValueError(f"no trainable parameter in groups {', '.join(groups)}")
    return trainable


def prepare_stage(model: nn.Module, stage: int, cfg: TrainConfig) -> nn.Module:
    """Set ``model`` up for ``stage`` (adding LoRA adapters to the language model for stage 2 when
    ``cfg.lm_mode == "lora"``) and freeze what does not learn. -> the model (possibly wrapped)."""
    groups = cfg.stage1_groups if stage == 1 else cfg.stage2_groups
    lora = stage == 2 and cfg.lm_mode == "lora" and "language_model" in groups
    if stage == 2 and cfg.lm_mode == "frozen":
        groups = tuple(g for g in groups if g != "language_model")
    if lora and not has_lora(model):
        from ..model.checkpoint import add_lora

        model = add_lora(model, cfg.lora_rank, cfg.lora_alpha) or model
    set_trainable(model, groups, lm_lora=lora)
    return model


def has_lora(model: nn.Module) -> bool:
    return any(LORA_MARK in n for n, _ in model.named_parameters())


def param_groups(model: nn.Module, weight_decay: float, lr: float | None = None,
                 scaled: dict[str, float] | None = None) -> list[dict]:
    """AdamW groups: decay on weight matrices, none on biases, norms and embeddings' 1-D parameters (these two
    groups first and always, so optimizer states saved before keep fitting). ``scaled``: {name prefix: factor}:
    the parameters under a prefix learn at ``factor`` times ``lr`` in groups of their own after those two (a part
    added to a trained model, which starts from nothing); a prefix with no trainable parameter adds none."""
    scaled = {k: v for k, v in (scaled or {}).items() if v != 1.0}
    buckets: dict[tuple[str | None, bool], list] = {(None, False): [], (None, True): []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        prefix = next((k for k in scaled if name.startswith(k + ".")), None)
        buckets.setdefault((prefix, p.ndim < 2 or name.endswith(".bias")), []).append(p)
    groups = []
    for (prefix, flat), params in buckets.items():
        group = {"params": params, "weight_decay": 0.0 if flat else weight_decay}
        if prefix is not None:
            group["lr"] = lr * scaled[prefix]
        groups.append(group)
    return groups


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return train, total


__all__ = ["GROUPS", "set_trainable", "prepare_stage", "param_groups", "count_parameters", "has_lora",
           "group_of"]
