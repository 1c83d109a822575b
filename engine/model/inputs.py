"""What the network sees of the rasters: co-registered images of T dates at the model's size S."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import InputError


@dataclass
class ModelImages:
    """Images of T dates, all S x S in one grid.

    ``optical``: (T, 3, S, S) float in [0, 1] (reflectance / 0.3, R G B) or None;
    ``sar``: (T, 2, S, S) float in [0, 1] (VV, VH dB scaled from -30..5) or None;
    ``valid``: (T, S, S) bool, pixels with data; ``has_optical`` / ``has_sar``: (T,) bool, whether that
    date has the modality at all (a date may have only one); ``nir``: (T, 1, S, S) float in [0, 1], the
    optical near-infrared band, or None. A network with a NIR mix (``nir_mix`` in its config,
    :class:`engine.model.network.NirMix`) reads it with R, G, B; it also joins the bands that class signatures,
    edge sharpening and the water index read (:func:`engine.geo.guided.date_guide`). ``pixel_m``: the side of a
    pixel of this grid in metres, or None when the grid is not known; rules that measure patches need it
    (:mod:`engine.geo.landing`).
    """

    optical: torch.Tensor | None
    sar: torch.Tensor | None
    valid: torch.Tensor
    has_optical: torch.Tensor
    has_sar: torch.Tensor
    nir: torch.Tensor | None = None
    pixel_m: float | None = None

    def __post_init__(self):
        self.has_optical = torch.as_tensor(self.has_optical, dtype=torch.bool).reshape(-1)
        self.has_sar = torch.as_tensor(self.has_sar, dtype=torch.bool).reshape(-1)
        if self.optical is None:
            self.has_optical = torch.zeros_like(self.has_optical)
            self.nir = None
        if self.sar is None:
            self.has_sar = torch.zeros_like(self.has_sar)

    @property
    def n_dates(self) -> int:
        return int(self.valid.shape[0])

    @property
    def size(self) -> int:
        return int(self.valid.shape[-1])

    @property
    def device(self) -> torch.device:
        return self.valid.device

    def to(self, device) -> ModelImages:
        def mv(x):
            return None if x is None else x.to(device)

        return ModelImages(mv(self.optical), mv(self.sar), self.valid.to(device), self.has_optical.to(device),
                           self.has_sar.to(device), mv(self.nir), self.pixel_m)

    def check(self, size: int) -> None:
        """Raise :class:`InputError` when shapes disagree with each other or with the model size ``size``."""
        t = self.n_dates
        if self.valid.shape != (t, size, size):
            raise InputError(f"images must be {size} x {size} pixels per date (got valid mask {tuple(self.valid.shape)})")
        for name, x, c in (("optical", self.optical, 3), ("sar", self.sar, 2), ("nir", self.nir, 1)):
            if x is not None and tuple(x.shape) != (t, c, size, size):
                raise InputError(f"{name} images must be ({t}, {c}, {size}, {size}), got {tuple(x.shape)}")
        if self.has_optical.numel() != t or self.has_sar.numel() != t:
            raise InputError("has_optical / has_sar need one flag per date")
        if not bool((self.has_optical | self.has_sar).all()):
            raise InputError("every date needs an optical or a SAR image")
        if t > 16:
            raise InputError(f"{t} dates given; at most 16 are supported")
