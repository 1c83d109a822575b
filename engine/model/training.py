"""Teacher-forced training on the decoding path: batching samples, and the loss (token cross-entropy +
mask BCE + Dice for every ``[SEG]``).

A sequence is cut into segments at every ``[SEG]``: segment 0 is the prompt (with images) and the trace up to
the first ``[SEG]``; segment j >= 1 starts with the visual tokens injected after the j-th ``[SEG]`` (positions
from the ground-truth mask, optical or SAR by the relevance the model computes from the j-th ``[SEG]`` state),
then the measurement text, then the trace up to the next ``[SEG]``. Segments run one after the other through
the language model on one KV cache, exactly as grounded decoding appends them; a batch pads each segment to
its longest member and masks the padding out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from .batch_plan import KIND_IMAGE, KIND_INJECT, KIND_TEXT, BatchPlan, batch_plan
from .config import TerraScopeConfig
from .injection import mask_to_token_positions
from .inputs import ModelImages
from .network import TerraScopeModel
from .tokens import chat_prompt, encode, split_trace

__all__ = ["KIND_IMAGE", "KIND_INJECT", "KIND_TEXT", "LossWeights", "TrainBatch", "collate", "dice_loss",
           "forward_train", "mask_iou"]


@dataclass
class LossWeights:
    lm: float = 1.0
    bce: float = 2.0
    dice: float = 0.5
    iou: float = 0.0  # the mask decoder's IoU estimate against the IoU its mask really has (as SAM trains it)


@dataclass
class TrainBatch:
    """B samples, J = max [SEG] count + 1 segments. Per segment (B, L_j): ``ids`` (placeholders at image and
    injection slots), ``labels`` (the id to learn at that position, -100 where nothing is learned), ``attn``
    (bool, real positions), ``kind`` (0 text, 1 image slot, 2 injection slot), ``inject_pos`` (visual-token
    grid index at injection slots). ``masks``: (B, N, S, S) float ground truth per [SEG]; ``mask_dates``:
    (B, N) long; ``mask_valid``: (B, N) bool; ``plan``: where each sample's pieces sit (made by :func:`collate`)."""

    images: list[ModelImages]
    ids: list[torch.Tensor]
    labels: list[torch.Tensor]
    attn: list[torch.Tensor]
    kind: list[torch.Tensor]
    inject_pos: list[torch.Tensor]
    masks: torch.Tensor
    mask_dates: torch.Tensor
    mask_valid: torch.Tensor
    weights: LossWeights = field(default_factory=LossWeights)
    plan: BatchPlan | None = None

    def to(self, device) -> TrainBatch:
        def mv(xs):
            return [x.to(device) for x in xs]

        return TrainBatch([im.to(device) for im in self.images], mv(self.ids), mv(self.labels), mv(self.attn),
                          mv(self.kind), mv(self.inject_pos), self.masks.to(device), self.mask_dates.to(device),
                          self.mask_valid.to(device), self.weights, self.plan and self.plan.to(device))

    @property
    def size(self) -> int:
        return len(self.images)


def _segments(sample: dict, tokenizer, cfg: TerraScopeConfig) -> list[dict]:
    """One sample -> its segments as lists: ids, labels, kind, inject_pos."""
    im: ModelImages = sample["images"]
    has_o, has_s = im.has_optical.tolist(), im.has_sar.tolist()
    masks = torch.as_tensor(sample.get("masks", torch.zeros(0, cfg.image_size, cfg.image_size)))
    pieces = split_trace(sample["trace"])
    n_seg = sum(k == "seg" for k, _ in pieces)
    if n_seg != masks.shape[0]:
        raise ValueError(f"trace has {n_seg} [SEG] but {masks.shape[0]} masks were given")
    prompt = encode(tokenizer, chat_prompt(sample["prompt"], has_o, has_s, cfg.tokens_per_image))
    cur = {"ids": prompt, "labels": [-100] * len(prompt),
           "kind": [KIND_IMAGE if i == cfg.image_token_id else KIND_TEXT for i in prompt],
           "inject_pos": [0] * len(prompt)}
    segs = [cur]
    j = 0
    for kind, text in pieces:
        if kind == "seg":
            cur["ids"].append(cfg.seg_token_id)
            cur["labels"].append(cfg.seg_token_id)
            cur["kind"].append(KIND_TEXT)
            cur["inject_pos"].append(0)
            pos = mask_to_token_positions(masks[j], cfg.token_grid, cfg.coverage_threshold,
                                          cfg.max_injected_tokens, cfg.mask_threshold).tolist()
            cur = {"ids": [cfg.pad_token_id] * len(pos), "labels": [-100] * len(pos),
                   "kind": [KIND_INJECT] * len(pos), "inject_pos": pos}
            segs.append(cur)
            j += 1
            continue
        ids = encode(tokenizer, text)
        cur["ids"] += ids
        cur["labels"] += [-100] * len(ids) if kind == "measure" else ids
        cur["kind"] += [KIND_TEXT] * len(ids)
        cur["inject_pos"] += [0] * len(ids)
    cur["ids"].append(cfg.eos_token_id)
    cur["labels"].append(cfg.eos_token_id)
    cur["kind"].append(KIND_TEXT)
    cur["inject_pos"].append(0)
    return segs


def collate(samples: list[dict], tokenizer, config: TerraScopeConfig) -> TrainBatch:
    """Samples ``{"images": ModelImages, "prompt", "trace", "masks": (N_seg, S, S), "mask_dates"}`` ->
    one padded :class:`TrainBatch` (on the CPU; ``batch.to(device)``)."""
    if not samples:
        raise ValueError("collate needs at least one sample")
    cfg, s = config, config.image_size
    samples = [dict(x, images=ModelImages(**x["images"])) if isinstance(x["images"], dict) else x for x in samples]
    per = [_segments(x, tokenizer, cfg) for x in samples]
    n_j = max(len(p) for p in per)
    b = len(samples)
    out = {k: [] for k in ("ids", "labels", "attn", "kind", "inject_pos")}
    for j in range(n_j):
        length = max((len(p[j]["ids"]) for p in per if j < len(p)), default=0)
        length = max(length, 1)
        ids = torch.full((b, length), cfg.pad_token_id, dtype=torch.long)
        labels = torch.full((b, length), -100, dtype=torch.long)
        attn = torch.zeros((b, length), dtype=torch.bool)
        kind = torch.zeros((b, length), dtype=torch.long)
        inj = torch.zeros((b, length), dtype=torch.long)
        for i, p in enumerate(per):
            if j >= len(p):
                continue
            n = len(p[j]["ids"])
            ids[i, :n] = torch.tensor(p[j]["ids"], dtype=torch.long)
            labels[i, :n] = torch.tensor(p[j]["labels"], dtype=torch.long)
            attn[i, :n] = True
            kind[i, :n] = torch.tensor(p[j]["kind"], dtype=torch.long)
            inj[i, :n] = torch.tensor(p[j]["inject_pos"], dtype=torch.long)
        for k, v in zip(("ids", "labels", "attn", "kind", "inject_pos"), (ids, labels, attn, kind, inj)):
            out[k].append(v)
    n_max = max(n_j - 1, 1)
    masks = torch.zeros((b, n_max, s, s))
    dates = torch.zeros((b, n_max), dtype=torch.long)
    valid = torch.zeros((b, n_max), dtype=torch.bool)
    for i, x in enumerate(samples):
        m = torch.as_tensor(x.get("masks", torch.zeros(0, s, s)), dtype=torch.float32)
        n = m.shape[0]
        if n:
            if tuple(m.shape[1:]) != (s, s):
                raise ValueError(f"masks must be {s} x {s} (the model size), got {tuple(m.shape[1:])}")
            masks[i, :n] = m
            md = list(x.get("mask_dates") or [x["images"].n_dates - 1] * n)
            dates[i, :n] = torch.tensor([min(int(d), x["images"].n_dates - 1) for d in md], dtype=torch.long)
            valid[i, :n] = True
    images = [x["images"] for x in samples]
    for im in images:
        im.check(s)
    plan = batch_plan(images, out["kind"], out["inject_pos"], out["attn"], out["labels"], valid, dates,
                      cfg.tokens_per_image, s)
    return TrainBatch(images, out["ids"], out["labels"], out["attn"], out["kind"], out["inject_pos"], masks, dates,
                      valid, plan=plan)


def _batch_features(model: TerraScopeModel, plan: BatchPlan) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Every image of the batch through the encoders in one call. -> (visual tokens (B, T, 2, N, D), SAM levels
    [(B, T, 2, C_l, h_l, w_l)]), zeros where a sample has no such image."""
    rows = plan.rows
    x = model.encoder_input(rows)
    tokens, fpn = model.encode_pixels(x, rows.m)
    b_n, t_n = plan.available.shape[:2]
    where = (rows.b, rows.t, rows.m)
    return (tokens.new_zeros((b_n, t_n, 2) + tokens.shape[1:]).index_put(where, tokens),
            [f.new_zeros((b_n, t_n, 2) + f.shape[1:]).index_put(where, f) for f in fpn])


def _plan_of(batch: TrainBatch, config: TerraScopeConfig) -> BatchPlan:
    """The plan of a batch made without one, built from its fields on the CPU, on the batch's device."""
    def cpu(xs):
        return [x.cpu() for x in xs]

    return batch_plan([im.to("cpu") for im in batch.images], cpu(batch.kind), cpu(batch.inject_pos), cpu(batch.attn),
                      cpu(batch.labels), batch.mask_valid.cpu(), batch.mask_dates.cpu(), config.tokens_per_image,
                      config.image_size).to(batch.masks.device)


def forward_train(model: TerraScopeModel, batch: TrainBatch) -> dict:
    """-> {"loss", "lm_loss", "bce", "dice", "iou"}: scalar tensors; ``loss`` = weighted sum (batch.weights)."""
    from transformers import DynamicCache

    plan = batch.plan or _plan_of(batch, model.config)
    b_n = batch.size
    tokens, sam = _batch_features(model, plan)
    cache = DynamicCache()
    attn_all = None
    past_real = torch.zeros(b_n, dtype=torch.long, device=batch.masks.device)
    hiddens, relevance_prev = [], None
    mask_logits, mask_gt, iou_pred = [], [], []
    for j, seg in enumerate(plan.segments):
        attn = batch.attn[j]
        emb = model.embed_ids(batch.ids[j])
        if seg.slot_b.numel():
            vis = tokens[seg.slot_b, seg.slot_t, seg.slot_m, seg.slot_token]
            emb = emb.index_put((seg.slot_b, seg.slot_pos), vis.to(emb.dtype))
        if seg.inj_b.numel():
            optical_or_sar = relevance_prev[seg.inj_prev, seg.inj_token].argmax(-1)
            injected = tokens[seg.inj_b, seg.inj_date, optical_or_sar, seg.inj_token]
            emb = emb.index_put((seg.inj_b, seg.inj_pos), injected.to(emb.dtype))
        attn_all = attn if attn_all is None else torch.cat([attn_all, attn], 1)
        pos_ids = (past_real[:, None] + attn.long().cumsum(1) - 1).clamp(min=0)
        past_real = past_real + attn.long().sum(1)
        hidden = model.lm(emb, cache, attention_mask=attn_all.long(), position_ids=pos_ids)
        hiddens.append(hidden)
        relevance_prev = None
        if seg.grounded:  # [SEG] closes segment j for samples with more than j masks
            out = model.ground(hidden[seg.g_b, seg.g_last], tokens[seg.g_b, seg.g_date],
                               [level[seg.g_b, seg.g_date] for level in sam], plan.available[seg.g_b, seg.g_date])
            mask_logits.append(out["mask_logits"])
            iou_pred.append(out["iou"])
            mask_gt.append(batch.masks[seg.g_b, j])
            relevance_prev = out["relevance"].detach()
    lm_loss = _lm_loss(model, torch.cat(hiddens, 1), plan)
    if mask_logits:
        logits, gt = torch.cat(mask_logits), torch.cat(mask_gt).to(torch.float32)
        bce = F.binary_cross_entropy_with_logits(logits, gt)
        dice = dice_loss(logits, gt)
        iou_loss = F.mse_loss(torch.cat(iou_pred).float(), mask_iou(logits.detach(), gt))
    else:
        bce = dice = iou_loss = lm_loss.new_zeros(())
    w = batch.weights
    return {"loss": w.lm * lm_loss + w.bce * bce + w.dice * dice + w.iou * iou_loss, "lm_loss": lm_loss,
            "bce": bce, "dice": dice, "iou": iou_loss}


def mask_iou(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """IoU of the masks ``logits > 0`` with ``target > 0.5``: (N, H, W) each -> (N,); two empty masks -> 1."""
    p, t = (logits > 0).flatten(1), (target > 0.5).flatten(1)
    inter, union = (p & t).sum(1).float(), (p | t).sum(1).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))


def _lm_loss(model: TerraScopeModel, hidden: torch.Tensor, plan: BatchPlan) -> torch.Tensor:
    """Next-token cross-entropy over the real positions of each sample (padding between segments skipped),
    averaged over the learned tokens of the batch. ``hidden``: (B, L, D), the segments laid end to end."""
    if plan.lm_target.numel() == 0:
        return hidden.sum() * 0.0
    return F.cross_entropy(model.logits(hidden[plan.lm_b, plan.lm_pos]), plan.lm_target)


def dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """1 - soft Dice per mask, averaged. ``logits``, ``target``: (N, H, W); an empty target with an empty
    prediction scores 0."""
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    return (1 - (2 * (p * t).sum(1) + eps) / (p.sum(1) + t.sum(1) + eps)).mean()
