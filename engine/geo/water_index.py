"""Spectral water evidence: a water step's mask grown into the connected pixels that the Normalized
Difference Water Index marks as open water.

NDWI = (green - NIR) / (green + NIR) (McFeeters, 1996) is above 0 over open water, clear or sediment-laden, and
below it over vegetation, soil and most built surfaces, in surface and in top-of-atmosphere reflectance alike.
The decoder finds the dark, typical water; shallow, turbid flood water is brighter in every band and it misses
much of it, while the index still marks it. Growing from the decoder's mask, rather than adding every pixel
the index marks, keeps the index's stray pixels (wet shadows, dark roofs) out: only index pixels connected to
what the decoder marked join the mask, as flood water is connected to the water that the decoder found.

The threshold adapts to the scene. Top-of-atmosphere reflectance (Sentinel-2 L1C) carries a haze that lifts green
more than NIR, and dark asphalt, roofs and bare soil can then read a little above 0; a road network touching the
water would carry the growth across the scene. So the threshold is 0, raised where needed until at most
``dry_share`` of the pixels the decoder is sure are not water (probability <= ``dry_below``) read as water: a
false-alarm rate fixed on the scene's own dry land.

The index also judges whether a water mask is water at all (:func:`lacks_open_water`). A mask of which hardly any
clear pixel reads as open water (NDWI above ``above`` in fewer than ``min_open_share`` of them) marks a dark
field, shadow or wet soil, not water: the decoder's most frequent mistake on scenes without water. Real water
masks, turbid floods included, read as open water in most of their clear pixels. Clouds hide what lies under
them, so pixels bright in every visible band (:func:`engine.geo.change_evidence.cloud_hidden`) are not read, and a
mask of which fewer than ``min_clear_share`` of the pixels are clear and read is not judged.

Only steps that name water alone are grown (:meth:`engine.model.step_rules.StepRules.water_index_for`); they and
the largest water body are judged (:meth:`~engine.model.step_rules.StepRules.water_judged_for`), and only where
the date has green and NIR bands (an optical file with a NIR band, :mod:`engine.geo.sources`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .change_evidence import cloud_hidden


@dataclass
class WaterIndexConfig:
    """``above``: NDWI above which a pixel is open water at least (0: McFeeters' threshold; None: the rule is
    off); ``dry_below``: decoder probability at or below which a pixel is surely not water; ``dry_share``: the
    share of those pixels the threshold lets read as water at most (it is raised above ``above`` until so;
    :func:`index_threshold`); ``min_dry``: fewer sure-dry pixels leave it at ``above``; ``threshold``: probability
    at which a pixel is in the mask (the seeds of the growth); ``min_open_share``: a mask of which fewer of the
    clear pixels read above ``above`` is not water (:func:`lacks_open_water`; 0: never judged);
    ``min_clear_share``: the share of the mask's pixels that must be clear and read for it to be judged."""

    above: float | None = 0.0
    dry_below: float = 0.15
    dry_share: float = 0.05
    min_dry: int = 30
    threshold: float = 0.5
    min_open_share: float = 0.2
    min_clear_share: float = 0.5

    @property
    def enabled(self) -> bool:
        return self.above is not None

    @classmethod
    def turned(cls, on: bool) -> "WaterIndexConfig":
        """The defaults (McFeeters' threshold, adapted) when ``on``, else the rule off."""
        return cls() if on else cls(above=None)


def ndwi(green: np.ndarray, nir: np.ndarray) -> np.ndarray:
    """(H, W) float32 in [-1, 1] from ``green`` and ``nir`` (H, W) reflectances on one linear scale; 0 where
    either is 0 (no data there: a gap in the NIR band alone must not read as water)."""
    g, n = np.asarray(green, np.float32), np.asarray(nir, np.float32)
    read = (g > 0) & (n > 0)
    return np.where(read, (g - n) / np.where(read, g + n, 1.0), 0.0).astype(np.float32)


def read_index(green: np.ndarray, nir: np.ndarray, valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(the :func:`ndwi` (H, W) of ``green`` and ``nir``, the pixels it reads (H, W) bool): read where both bands
    have data and ``valid`` (H, W) bool marks the pixel (None: everywhere)."""
    index = ndwi(green, nir)
    read = index != 0  # ndwi's no-data value (a real 0 sits at the threshold and never passes it)
    if valid is not None:
        read &= np.asarray(valid, bool)
    return index, read


def index_threshold(index: np.ndarray, prob: np.ndarray, read: np.ndarray, cfg: WaterIndexConfig) -> float:
    """The NDWI above which a pixel is open water in this scene: ``cfg.above``, or the ``1 - cfg.dry_share``
    quantile of ``index`` (H, W) over the pixels read (``read`` (H, W) bool) whose ``prob`` (H, W) is at most
    ``cfg.dry_below``, whichever is higher."""
    dry = index[read & (prob <= cfg.dry_below)]
    if dry.size < cfg.min_dry:
        return float(cfg.above)
    return max(float(cfg.above), float(np.quantile(dry, 1.0 - cfg.dry_share)))


def grown_by_index(marked: np.ndarray, water: np.ndarray) -> np.ndarray:
    """(H, W) bool: the ``water`` pixels (H, W) bool in the 8-connected patches of ``marked | water`` that hold
    a ``marked`` pixel."""
    patches, _ = ndimage.label(marked | water, structure=np.ones((3, 3), bool))
    seeded = np.unique(patches[marked])
    return water & np.isin(patches, seeded[seeded > 0])


def with_water_index(prob: np.ndarray, green: np.ndarray | None, nir: np.ndarray | None,
                     valid: np.ndarray | None, cfg: WaterIndexConfig | None) -> np.ndarray:
    """``prob`` (H, W) with the index's open-water pixels (above :func:`index_threshold`) connected to its mask
    set to 1 (:func:`grown_by_index`); ``green``, ``nir`` (H, W) of the same grid (None: unchanged), ``valid``
    (H, W) bool: pixels with data. An empty mask stays empty: the index never overrules the decoder on whether
    water is there. -> (H, W) float32."""
    prob = np.asarray(prob, np.float32)
    if cfg is None or not cfg.enabled or green is None or nir is None:
        return prob
    marked = prob >= cfg.threshold
    if not marked.any():
        return prob
    index, read = read_index(green, nir, valid)
    water = read & (index > index_threshold(index, prob, read, cfg))
    return np.where(grown_by_index(marked, water), 1.0, prob).astype(np.float32)


def with_date_water_index(prob: np.ndarray, optical: np.ndarray | None, nir: np.ndarray | None, has_optical,
                          date: int, valid: np.ndarray | None, cfg: WaterIndexConfig | None) -> np.ndarray:
    """:func:`with_water_index` on one date of a stack: ``optical`` (T, 3, H, W) R, G, B and ``nir`` (T, 1, H, W)
    on one linear scale (either None: unchanged), ``has_optical`` (T,) flags of the dates that really have optical
    bands; ``prob``, ``valid`` (H, W). -> (H, W) float32."""
    if cfg is None or optical is None or nir is None or not bool(has_optical[date]):
        return np.asarray(prob, np.float32)
    return with_water_index(prob, optical[date, 1], nir[date, 0], valid, cfg)


def open_water_share(mask: np.ndarray, rgb: np.ndarray, nir: np.ndarray, valid: np.ndarray | None,
                     above: float = 0.0, min_clear_share: float = 0.5) -> float | None:
    """The share of the clear pixels of ``mask`` (H, W) bool whose NDWI is above ``above``: ``rgb`` (3, H, W) R, G, B
    and ``nir`` (H, W) on one linear scale, reflectance / 0.3; clear: valid (``valid`` (H, W) bool, None: all), read
    in green and NIR, and not under a cloud (:func:`engine.geo.change_evidence.cloud_hidden`). None when the mask is
    empty or fewer than ``min_clear_share`` of its pixels are clear."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        return None
    rgb = np.asarray(rgb, np.float32)
    index, read = read_index(rgb[1], nir, valid)
    clear = mask & read & ~cloud_hidden(rgb, rgb)
    if clear.sum() < min_clear_share * mask.sum():
        return None
    return float((index[clear] > above).mean())


def lacks_open_water(prob: np.ndarray, optical: np.ndarray | None, nir: np.ndarray | None, has_optical, date: int,
                     valid: np.ndarray | None, cfg: WaterIndexConfig | None) -> bool:
    """Whether the water mask ``prob >= cfg.threshold`` ((H, W) probabilities) of ``date`` is not water by the
    date's water index: fewer than ``cfg.min_open_share`` of its clear pixels read as open water
    (:func:`open_water_share`). ``optical`` (T, 3, H, W), ``nir`` (T, 1, H, W), ``has_optical`` (T,) as for
    :func:`with_date_water_index`; ``valid`` (H, W). False whenever it cannot be judged: the rule or the judgement
    off, no green or NIR band that date, an empty mask, too few clear pixels."""
    if (cfg is None or not cfg.enabled or cfg.min_open_share <= 0 or optical is None or nir is None
            or not bool(has_optical[date])):
        return False
    share = open_water_share(np.asarray(prob) >= cfg.threshold, optical[date], nir[date, 0], valid, cfg.above,
                             cfg.min_clear_share)
    return share is not None and share < cfg.min_open_share
