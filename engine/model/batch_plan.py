"""Where each sample's pieces sit in a padded training batch, as index tensors made once on the CPU.

The teacher-forced forward (:func:`engine.model.training.forward_train`) then moves the pieces of all samples
with a few gathers and scatters per segment rather than a loop over samples. On a GPU every per-sample step of
such a loop is a kernel launch and often a host sync, and a small model's step is bound by those, not by its
arithmetic (one H200 ran a tiny-model step of 32 samples with the GPU 5 % busy).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from .inputs import ModelImages
from .tokens import image_order

KIND_TEXT, KIND_IMAGE, KIND_INJECT = 0, 1, 2


def _long(values) -> torch.Tensor:
    return torch.as_tensor(values, dtype=torch.long).reshape(-1)


@dataclass
class ImageRows:
    """The encoder's input rows: every present image of every sample, by sample, date, then optical before SAR.

    ``b``, ``t``, ``m``: (M,) long sample, date and modality (0 optical, 1 SAR) of each row; ``optical``:
    (R_o, 3, S, S) the optical images, ``nir``: (R_n, 1, S, S) the NIR band of those that have one and
    ``nir_index``: (R_n,) long their index in ``optical``; ``sar``: (R_s, 2, S, S) VV, VH; ``order``: (M,) long,
    each row's index into ``cat([optical, sar])``."""

    b: torch.Tensor
    t: torch.Tensor
    m: torch.Tensor
    optical: torch.Tensor
    nir: torch.Tensor
    nir_index: torch.Tensor
    sar: torch.Tensor
    order: torch.Tensor


@dataclass
class SegmentPlan:
    """Segment j of a batch.

    Image slots (segment 0): the visual token ``slot_token`` of image (``slot_b``, ``slot_t``, ``slot_m``) goes
    to position ``slot_pos`` of sample ``slot_b``; each (K·N,) long. Injection (segment j >= 1): position
    ``inj_pos`` of sample ``inj_b`` takes visual token ``inj_token`` of date ``inj_date``, from the modality
    that row ``inj_prev`` of segment j - 1's grounding output finds relevant there; each (n,) long. Grounding:
    the samples ``grounded`` whose [SEG] closes the segment, as ``g_b`` (G,) long, with the date ``g_date`` of
    their mask and the position ``g_last`` of their [SEG]."""

    slot_b: torch.Tensor
    slot_pos: torch.Tensor
    slot_t: torch.Tensor
    slot_m: torch.Tensor
    slot_token: torch.Tensor
    inj_b: torch.Tensor
    inj_pos: torch.Tensor
    inj_prev: torch.Tensor
    inj_token: torch.Tensor
    inj_date: torch.Tensor
    grounded: list[int]
    g_b: torch.Tensor
    g_date: torch.Tensor
    g_last: torch.Tensor


@dataclass
class BatchPlan:
    """``rows``: the encoder input; ``available``: (B, T, 2) bool, which image each sample has on each date;
    ``segments``: one :class:`SegmentPlan` per segment; ``lm_b``, ``lm_pos``, ``lm_target``: (P,) long, the
    positions of the segments laid end to end whose next token is learned, and that token."""

    rows: ImageRows
    available: torch.Tensor
    segments: list[SegmentPlan]
    lm_b: torch.Tensor
    lm_pos: torch.Tensor
    lm_target: torch.Tensor

    def to(self, device) -> BatchPlan:
        def mv(obj):
            changes = {f.name: getattr(obj, f.name).to(device) for f in fields(obj)
                       if torch.is_tensor(getattr(obj, f.name))}
            return type(obj)(**{**{f.name: getattr(obj, f.name) for f in fields(obj)}, **changes})

        return BatchPlan(mv(self.rows), self.available.to(device), [mv(s) for s in self.segments],
                         self.lm_b.to(device), self.lm_pos.to(device), self.lm_target.to(device))


def image_rows(images: list[ModelImages], size: int) -> tuple[ImageRows, torch.Tensor]:
    """-> (the encoder rows of ``images``, available (B, T, 2) bool)."""
    n_dates = max(im.n_dates for im in images)
    available = torch.zeros(len(images), n_dates, 2, dtype=torch.bool)
    where, optical, nir, nir_index, sar = [], [], [], [], []
    for b, im in enumerate(images):
        for t, m in image_order(im.has_optical.tolist(), im.has_sar.tolist()):
            available[b, t, m] = True
            if m == 0:
                if im.nir is not None:
                    nir_index.append(len(optical))
                    nir.append(im.nir[t])
                where.append((b, t, m, len(optical)))
                optical.append(im.optical[t])
            else:
                where.append((b, t, m, len(sar)))
                sar.append(im.sar[t])
    order = [k if m == 0 else len(optical) + k for _, _, m, k in where]

    def stack(xs, channels):
        return torch.stack(xs).float() if xs else torch.zeros(0, channels, size, size)

    rows = ImageRows(_long([w[0] for w in where]), _long([w[1] for w in where]), _long([w[2] for w in where]),
                     stack(optical, 3), stack(nir, 1), _long(nir_index), stack(sar, 2), _long(order))
    return rows, available


def batch_plan(images: list[ModelImages], kind: list[torch.Tensor], inject_pos: list[torch.Tensor],
               attn: list[torch.Tensor], labels: list[torch.Tensor], mask_valid: torch.Tensor,
               mask_dates: torch.Tensor, tokens_per_image: int, size: int) -> BatchPlan:
    """The plan of a collated batch (the :class:`engine.model.training.TrainBatch` fields, on the CPU)."""
    rows, available = image_rows(images, size)
    n = tokens_per_image
    segments, prev = [], []
    for j in range(len(kind)):
        slot = {k: [] for k in ("b", "pos", "t", "m", "token")}
        inj = {k: [] for k in ("b", "pos", "prev", "token", "date")}
        if j == 0:
            for b, im in enumerate(images):
                slots = torch.nonzero(kind[0][b] == KIND_IMAGE).flatten().tolist()
                if not slots:
                    continue
                order = image_order(im.has_optical.tolist(), im.has_sar.tolist())
                if len(slots) != len(order) * n:
                    raise ValueError(f"sample {b}: {len(slots)} image slots for {len(order) * n} tokens")
                slot["b"] += [b] * len(slots)
                slot["pos"] += slots
                slot["t"] += [t for t, _ in order for _ in range(n)]
                slot["m"] += [m for _, m in order for _ in range(n)]
                slot["token"] += list(range(n)) * len(order)
        for i, (b, d) in enumerate(prev):
            slots = torch.nonzero(kind[j][b] == KIND_INJECT).flatten()
            inj["b"] += [b] * len(slots)
            inj["pos"] += slots.tolist()
            inj["prev"] += [i] * len(slots)
            inj["token"] += inject_pos[j][b, slots].tolist()
            inj["date"] += [d] * len(slots)
        grounded = [b for b in range(len(images)) if j < mask_valid.shape[1] and bool(mask_valid[b, j])]
        dates = [int(mask_dates[b, j]) for b in grounded]
        last = [int(attn[j][b].sum()) - 1 for b in grounded]
        segments.append(SegmentPlan(*(_long(slot[k]) for k in ("b", "pos", "t", "m", "token")),
                                    *(_long(inj[k]) for k in ("b", "pos", "prev", "token", "date")),
                                    grounded, _long(grounded), _long(dates), _long(last)))
        prev = list(zip(grounded, dates))
    lm_b, lm_pos, lm_target = [], [], []
    all_labels, all_attn = torch.cat(labels, 1), torch.cat(attn, 1)
    for b in range(len(images)):
        real = torch.nonzero(all_attn[b]).flatten()
        y = all_labels[b, real]
        keep = y[1:] != -100
        lm_b += [b] * int(keep.sum())
        lm_pos += real[:-1][keep].tolist()
        lm_target += y[1:][keep].tolist()
    return BatchPlan(rows, available, segments, _long(lm_b), _long(lm_pos), _long(lm_target))
