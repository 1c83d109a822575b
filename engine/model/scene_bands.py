"""What a kept step mask takes from the scene on the model's grid: the half of the area its step names, the
class signature, edges and water index of its date's bands, the contrast of its dates inside it, and where the
radar saw a change. Every function takes the question's :class:`~engine.model.inputs.ModelImages` and
a mask ``prob`` (S, S) in their grid, and returns tensors on ``prob``'s device and dtype."""
from __future__ import annotations

import numpy as np
import torch

from ..geo.change_evidence import change_contrast, cloud_hidden, judged_modalities, most_changed
from ..geo.guided import GuidedConfig, date_guide
from ..geo.places import extent_of, half_mask
from ..geo.signatures import SignatureConfig, with_bands
from ..geo.water_index import WaterIndexConfig, lacks_open_water, with_date_water_index
from .inputs import ModelImages


def kept(prob: torch.Tensor, keep: np.ndarray) -> torch.Tensor:
    """``prob`` (S, S) zeroed where ``keep`` (S, S) bool is False."""
    return prob * torch.from_numpy(keep).to(prob.device, prob.dtype)


def _np(x: torch.Tensor | None) -> np.ndarray | None:
    return None if x is None else x.float().cpu().numpy()


def within_half(prob: torch.Tensor, images: ModelImages, side: str | None) -> torch.Tensor:
    """``prob`` zeroed outside the ``side`` half ("northern", ...; :func:`engine.geo.places.half_mask`) of the
    area, the bounding box of the valid pixels of any date; as it is when ``side`` is None or nothing is valid."""
    extent = extent_of(images.valid.any(0).cpu().numpy()) if side else None
    if extent is None:
        return prob
    return kept(prob, half_mask(side, tuple(prob.shape), extent))


def banded(prob: torch.Tensor, images: ModelImages, date: int, guided: GuidedConfig,
           signatures: SignatureConfig | None, water: WaterIndexConfig | None = None) -> torch.Tensor:
    """``prob`` blended with the class signature of ``date``'s bands (``signatures``, None: not), sharpened
    along their edges (``guided``, when enabled) and grown into the connected open water of their water index
    (``water``, None: not); the signature reads the images' pixel size (``images.pixel_m``)
    (:mod:`engine.geo.signatures`, :mod:`engine.geo.guided`, :mod:`engine.geo.water_index`)."""
    if signatures is None and water is None and not guided.enabled:
        return prob
    optical, nir, valid = _np(images.optical), _np(images.nir), images.valid[date].cpu().numpy()
    guide = date_guide(optical, _np(images.sar), images.has_optical.cpu(), images.has_sar.cpu(), date, nir)
    out = with_bands(prob.float().cpu().numpy(), guide, valid, signatures, guided if guided.enabled else None,
                     pixel_m=images.pixel_m)
    out = with_date_water_index(out, optical, nir, images.has_optical.cpu(), date, valid, water)
    return torch.from_numpy(out).to(prob.device, prob.dtype)


def not_water(prob: torch.Tensor, images: ModelImages, date: int, water: WaterIndexConfig | None) -> bool:
    """Whether a water step's mask ``prob`` hardly reads as open water in ``date``'s water index
    (:func:`engine.geo.water_index.lacks_open_water`; False when ``water`` is None or it cannot be judged)."""
    if water is None:
        return False
    return lacks_open_water(prob.float().cpu().numpy(), _np(images.optical), _np(images.nir),
                            images.has_optical.cpu(), date, images.valid[date].cpu().numpy(), water)


def _on_both_dates(stack: torch.Tensor | None, has: torch.Tensor, date: int) -> torch.Tensor | None:
    """``stack`` (T, C, S, S), one modality's images, when the first date and ``date`` both have it, else None."""
    return stack if stack is not None and bool(has[0]) and bool(has[date]) else None


def _valid_on_both_dates(images: ModelImages, date: int) -> np.ndarray:
    """(S, S) bool: the pixels with data on the first date and on ``date``."""
    return (images.valid[0] & images.valid[date]).cpu().numpy()


def dates_contrast(prob: torch.Tensor, images: ModelImages, date: int, threshold: float) -> float | None:
    """The contrast of the first date and ``date`` inside the mask ``prob > threshold``
    (:func:`engine.geo.change_evidence.change_contrast`): of the SAR when both dates have it, else of the optical
    bands with the near-infrared one where there is one, clouds left out
    (:func:`engine.geo.change_evidence.judged_modalities`, :func:`engine.geo.change_evidence.cloud_hidden`);
    None when it cannot be judged (no modality on both dates, nothing inside or outside the mask)."""
    optical = _on_both_dates(images.optical, images.has_optical, date)
    sar = _on_both_dates(images.sar, images.has_sar, date)
    hidden = None
    if sar is None and optical is not None:
        rgb = optical.float().cpu().numpy()
        hidden = cloud_hidden(rgb[0], rgb[date])
        if images.nir is not None:
            optical = torch.cat([optical, images.nir.to(optical.dtype)], 1)
    stacks = judged_modalities(optical=optical, sar=sar)  # (T, C, S, S) each; only these leave the device
    valid = _valid_on_both_dates(images, date)
    return change_contrast([x[0].float().cpu().numpy() for x in stacks],
                           [x[date].float().cpu().numpy() for x in stacks],
                           prob.float().cpu().numpy() > threshold, valid, hidden)


def radar_placed(prob: torch.Tensor, source: torch.Tensor, images: ModelImages, date: int,
                 threshold: float) -> torch.Tensor:
    """A change on ``date`` of a class, ``prob`` (S, S) (the class's difference between the first date and ``date``),
    moved to where the radar saw it: as many pixels as it marks, those of ``source`` (S, S), the class's probability
    on the date the changed pixels stand on, whose backscatter moved most between the dates
    (:func:`engine.geo.change_evidence.most_changed`), with ``source``'s probabilities. As it is when either date
    lacks SAR or nothing is marked."""
    count = int((prob > threshold).sum())
    sar = _on_both_dates(images.sar, images.has_sar, date)
    if count == 0 or sar is None:
        return prob
    sar = sar.float().cpu().numpy()
    candidates = (source.float().cpu().numpy() > threshold) & _valid_on_both_dates(images, date)
    return kept(source, most_changed(sar[0], sar[date], candidates, count))
