"""A dense land-cover head: a small U-Net that labels every pixel of one date's bands with a land-cover class
(:mod:`engine.data.classes`), on the input's own grid. The language model's class steps ("forest", "the largest
forest patch", "cropland next to the water") blend their decoder mask with this head's probability of the class
(:func:`blended_class`); the decoder finds the region the step means, the head sharpens where the class is.

Inputs per date, 9 channels: R, G, B, NIR (reflectance / 0.3, 0 where the date has no optical image), VV, VH
(scaled dB, 0 where it has no SAR), a has-optical and a has-SAR plane, and log2(pixel side in m) / 4 (a grid's
scale tells a 30 m building from a 30 m field)."""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..data.classes import BUILDING, CLASS_NAMES
from .inputs import ModelImages

IN_CHANNELS = 9
N_OUTPUTS = max(CLASS_NAMES) + 1  # class ids 1..8 plus 0, "no label", which is never a target
DEFAULT_PIXEL_M = 10.0  # the scale of most scenes, for grids whose pixel size is not known
# Classes not blended on grids of this pixel side (m) or coarser, unless a model's class weights say otherwise:
# there buildings are a few pixels across, and a briefly trained head marks them less well than the decoder with its
# class signature (model card; the embedded default's longer-trained head blends them at a share of its own).
SKIP_FROM_M = {BUILDING: 5.0}
# Grids finer than this (m) are the sub-metre scenes', where buildings and roads are many pixels across; a class's
# blending share may differ on them (class_weight).
FINE_BELOW_M = 5.0


def _block(c_in: int, c_out: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation, bias=False), nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=dilation, dilation=dilation, bias=False), nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True))


class LandCoverHead(nn.Module):
    """U-Net of four levels, ``widths`` channels each (the deepest one dilated to see farther at 1/8 of the
    grid): (B, 9, H, W) inputs (:func:`head_inputs`) -> (B, N_OUTPUTS, H, W) class logits, H and W any size."""

    def __init__(self, widths: tuple[int, int, int, int] | list[int] = (24, 48, 80, 128)):
        super().__init__()
        w = [int(v) for v in widths]
        if len(w) != 4 or min(w) < 1:
            raise ValueError(f"a land-cover head needs four positive widths, not {list(widths)}")
        self.e1, self.e2, self.e3 = _block(IN_CHANNELS, w[0]), _block(w[0], w[1]), _block(w[1], w[2])
        self.e4 = _block(w[2], w[3], dilation=2)
        self.d3, self.d2, self.d1 = _block(w[3] + w[2], w[2]), _block(w[2] + w[1], w[1]), _block(w[1] + w[0], w[0])
        self.out = nn.Conv2d(w[0], N_OUTPUTS, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.e1(x)
        e2 = self.e2(F.max_pool2d(e1, 2))
        e3 = self.e3(F.max_pool2d(e2, 2))
        e4 = self.e4(F.max_pool2d(e3, 2))
        d3 = self.d3(_up_cat(e4, e3))
        d2 = self.d2(_up_cat(d3, e2))
        return self.out(self.d1(_up_cat(d2, e1)))


def _up_cat(coarse: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
    up = F.interpolate(coarse, size=skip.shape[-2:], mode="bilinear", align_corners=False)
    return torch.cat([up, skip], 1)


def head_inputs(optical: torch.Tensor | None, nir: torch.Tensor | None, sar: torch.Tensor | None,
                pixel_m: float | None) -> torch.Tensor:
    """(9, H, W) float32 inputs of one date: ``optical`` (3, H, W) R, G, B and ``nir`` (1, H, W) in [0, 1], ``sar``
    (2, H, W) VV, VH in [0, 1], each None where the date lacks it (optical needs its NIR); ``pixel_m``: the grid's
    pixel side in metres (None: 10 m)."""
    ref = optical if optical is not None else sar
    if ref is None:
        raise ValueError("a date needs an optical or a SAR image")
    h, w = ref.shape[-2:]
    zeros = ref.new_zeros
    opt = torch.cat([optical, nir]) if optical is not None else zeros((4, h, w))
    rad = sar if sar is not None else zeros((2, h, w))
    scale = math.log2(max(float(pixel_m or DEFAULT_PIXEL_M), 1e-3)) / 4
    flags = torch.stack([torch.full((h, w), float(optical is not None)), torch.full((h, w), float(sar is not None)),
                         torch.full((h, w), scale)]).to(ref)
    return torch.cat([opt.float(), rad.float(), flags.float()])


def date_inputs(images: ModelImages, date: int) -> torch.Tensor | None:
    """(9, S, S) head inputs of ``date`` of ``images``; None when the date's optical image has no NIR band and it
    has no SAR either (the head learned optical bands with their NIR). An optical image without NIR beside SAR
    is read as SAR alone."""
    has_o, has_s = _read_modalities(images, date)
    if not (has_o or has_s):
        return None
    return head_inputs(images.optical[date] if has_o else None, images.nir[date] if has_o else None,
                       images.sar[date] if has_s else None, images.pixel_m)


def _read_modalities(images: ModelImages, date: int) -> tuple[bool, bool]:
    """(whether the head reads ``date``'s optical bands, whether it reads its SAR): optical only with its NIR."""
    has_o = images.optical is not None and bool(images.has_optical[date]) and images.nir is not None
    return has_o, images.sar is not None and bool(images.has_sar[date])


def reads_any_date(images: ModelImages) -> bool:
    """Whether the head can read at least one date of ``images`` (:func:`date_inputs`), without building inputs."""
    return any(any(_read_modalities(images, d)) for d in range(images.n_dates))


@torch.no_grad()
def class_probabilities(head: LandCoverHead, images: ModelImages, date: int,
                        views: Sequence = ()) -> torch.Tensor | None:
    """(N_OUTPUTS, S, S) class probabilities of ``date`` of ``images`` on the head's device, float32; None when the
    date cannot be read (:func:`date_inputs`). ``views``: symmetries of the square (:class:`engine.model.flips.View`)
    whose probabilities, mapped back, are averaged with those of the inputs as given."""
    x = date_inputs(images, date)
    if x is None:
        return None
    p = next(head.parameters())
    x = x[None].to(p.device, p.dtype)
    prob = torch.softmax(head(x)[0].float(), 0)
    for view in views:
        prob = prob + view.undo(torch.softmax(head(view.apply(x))[0].float(), 0))
    return prob / (1 + len(views))


def blended_class(prob: torch.Tensor, class_prob: torch.Tensor, valid: torch.Tensor, weight: float) -> torch.Tensor:
    """A class step's mask ``prob`` (S, S) blended with the head's probability of the class ``class_prob`` (S, S):
    (1 - weight) * prob + weight * class_prob inside ``valid`` (S, S) bool, on ``prob``'s device and dtype."""
    extra = class_prob.to(prob.device, prob.dtype) * valid.to(prob.device, prob.dtype)
    return (1.0 - weight) * prob + weight * extra


def class_weight(class_id: int | None, pixel_m: float | None, weight: float,
                 class_weights: dict[str, list[float]] | None = None) -> float:
    """The share of the head's probability in a step of class ``class_id`` (None: not a class step -> 0) on a grid of
    ``pixel_m`` metres (None: 10 m): ``class_weights[name]`` = [share on grids finer than FINE_BELOW_M, share on
    coarser ones] where it names the class, else ``weight`` (0 on the grids SKIP_FROM_M leaves to the decoder)."""
    if class_id is None:
        return 0.0
    own = on_grid(class_weights, class_id, pixel_m)
    if own is not None:
        return own
    return float(weight) if float(pixel_m or DEFAULT_PIXEL_M) < SKIP_FROM_M.get(class_id, math.inf) else 0.0


def class_threshold(class_id: int | None, pixel_m: float | None, threshold: float,
                    class_thresholds: dict[str, list[float]] | None = None) -> float:
    """The probability level a step of class ``class_id`` (None: not a class step) needs to be marked on a grid of
    ``pixel_m`` metres (None: 10 m): ``class_thresholds[name]`` = [level on grids finer than FINE_BELOW_M, level on
    coarser ones] where it names the class, else ``threshold``."""
    own = None if class_id is None else on_grid(class_thresholds, class_id, pixel_m)
    return float(threshold) if own is None else own


def on_grid(per_class: dict[str, list[float]] | None, class_id: int, pixel_m: float | None) -> float | None:
    """``per_class[name of class_id]``'s value for a grid of ``pixel_m`` metres (None: 10 m): its first on grids
    finer than FINE_BELOW_M, its second on coarser ones; None when the class has no entry."""
    pair = (per_class or {}).get(CLASS_NAMES[class_id])
    if pair is None:
        return None
    return float(pair[0] if float(pixel_m or DEFAULT_PIXEL_M) < FINE_BELOW_M else pair[1])
