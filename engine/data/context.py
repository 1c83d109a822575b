"""A labelled raster (one or more dates) ready for question synthesis: masks, names, measurements."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from affine import Affine
from scipy import ndimage

from ..trace_format import Measurement
from . import classes as C
from .measure import measure_mask_pixels


@dataclass
class LabelContext:
    """labels: (T, H, W) integer class ids per date; class_names: {id: name} of the classes that may be
    asked about (ids missing here are never named); valid: (H, W) bool area of interest (share
    denominator); cloud_mask: (T, H, W) bool or None; min_share: smallest share counted as present."""

    labels: np.ndarray
    class_names: dict[int, str]
    transform: Affine
    crs: str | None
    valid: np.ndarray
    cloud_mask: np.ndarray | None = None
    min_share: float = 0.003
    _canon: dict[int, int] = field(default_factory=dict, init=False)
    _cell_area: np.ndarray | None = field(default=None, init=False)

    def __post_init__(self):
        self.labels = np.asarray(self.labels)
        if self.labels.ndim == 2:
            self.labels = self.labels[None]
        if self.cloud_mask is not None and self.cloud_mask.ndim == 2:
            self.cloud_mask = np.broadcast_to(self.cloud_mask, self.labels.shape)
        from .measure import cell_area_m2

        self._cell_area = cell_area_m2(self.transform, self.crs, self.shape)
        for cid, name in self.class_names.items():
            canon = C.canonical_class(name)
            if canon is not None and canon not in self._canon:
                self._canon[canon] = cid

    @property
    def dates(self) -> int:
        return int(self.labels.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.labels.shape[1:])

    def name(self, cid: int) -> str:
        return self.class_names[cid]

    def canon(self, canonical_id: int) -> int | None:
        """The id in this raster of a synthetic class (by name matching for user rasters), or None."""
        return self._canon.get(canonical_id)

    def patch_phrase(self, cid: int) -> str:
        """Phrase for the largest connected patch of a class ("largest water body")."""
        special = {C.WATER: "largest water body", C.BUILDING: "largest building",
                   C.ROAD: "largest road section"}
        canon = C.canonical_class(self.name(cid))
        return special.get(canon, f"largest {self.name(cid)} patch")

    def mask(self, cid: int | None, t: int) -> np.ndarray:
        """(H, W) bool: pixels of class ``cid`` at date ``t`` inside the valid area."""
        if cid is None:
            return np.zeros(self.shape, bool)
        return (self.labels[t] == cid) & self.valid

    def share(self, cid: int, t: int) -> float:
        return float(self.mask(cid, t).sum()) / max(1, int(self.valid.sum()))

    def present(self, t: int) -> list[int]:
        """Named classes covering at least ``min_share`` of the valid area at date t."""
        return [c for c in self.class_names if self.share(c, t) >= self.min_share]

    def absent(self, t: int) -> list[int]:
        """Named classes with no pixel at date t."""
        return [c for c in self.class_names if not self.mask(c, t).any()]

    def big_enough(self, mask: np.ndarray) -> bool:
        """Whether a target mask covers at least ``min_share`` of the valid area (smaller targets are
        a few pixels at the model's resolution: no fair grounding target)."""
        return bool(mask.sum() >= self.min_share * self.valid.sum())

    def measure(self, mask: np.ndarray, earlier: list[np.ndarray] | None = None) -> Measurement:
        return measure_mask_pixels(mask, self.transform, self.crs, self.valid, earlier, self._cell_area)

    def cloud_share(self, mask: np.ndarray, t: int) -> float:
        """Fraction of the mask under clouds at date t (0 without a cloud mask)."""
        if self.cloud_mask is None or not mask.any():
            return 0.0
        return float((self.cloud_mask[t] & mask).sum() / mask.sum())

    def pixel_m(self) -> float:
        from .measure import mean_pixel_m

        return mean_pixel_m(self.transform, self.crs)


def components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a (H, W) bool mask -> (labels (H, W) int32, count)."""
    lab, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    return lab, int(n)


# An area ranks above another only when it is at least this many times larger: closer areas are a toss-up
# for any eye that reads them from pixels, so a question that ranks them has no fair answer.
CLEARLY_LARGER = 1.2


def clearly_largest_component(mask: np.ndarray) -> np.ndarray | None:
    """The largest 8-connected component of a (H, W) bool mask when it is at least :data:`CLEARLY_LARGER` times
    the next largest, else None ("the largest patch" would name either of them); None for an empty mask."""
    lab, n = components(mask)
    if n == 0:
        return None
    sizes = np.bincount(lab.ravel())[1:]
    first = int(np.argmax(sizes))
    if n > 1 and sizes[first] < CLEARLY_LARGER * np.partition(sizes, -2)[-2]:
        return None
    return lab == first + 1
