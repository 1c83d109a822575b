"""Sentinel-1-like SAR rendering: VV and VH backscatter in dB, float32, with multiplicative speckle.

Water is dark (specular), built-up and buildings bright (double bounce), forest bright in VH (volume).
Clouds do not exist for SAR. Calibration from the value ranges of a real Sentinel-1 GRD flood scene
(statistics only): flood water (VV, VH) median ~ (-17.6, -25.2) dB with an interquartile range of
~8 dB (shallow water, flooded fields, shore pixels), farmland ~ (-9.4, -16.6) dB, spreads of 4-6 dB
that speckle and per-object variation make. Flood water over fields where the land still shows (see
``Layout.emergent``) adds the land's power to the water's, so it lies between the two.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import classes as C
from .layout import Layout
from .noise import smooth_noise

# Mean backscatter (VV, VH) in dB and per-object spread in dB.
BACKSCATTER: dict[int, tuple[tuple[float, float], float]] = {
    C.BACKGROUND: ((-25.0, -32.0), 0.0),
    C.WATER: ((-18.0, -25.0), 3.0),
    C.CROPLAND: ((-9.5, -16.5), 2.0),
    C.FOREST: ((-7.5, -13.0), 1.0),
    C.GRASSLAND: ((-11.0, -18.0), 1.5),
    C.BUILT_UP: ((-4.0, -12.0), 2.0),
    C.BARE_SOIL: ((-13.5, -22.0), 2.0),
    C.ROAD: ((-17.0, -25.0), 1.5),
    C.BUILDING: ((0.0, -9.0), 3.0),
}


@dataclass
class SarConfig:
    looks: tuple[float, float] = (3.5, 5.0)  # equivalent number of looks of the speckle
    incidence_gradient_db: tuple[float, float] = (0.0, 2.0)  # near-to-far range brightness change


def render_sar(rng: np.random.Generator, layout: Layout, cfg: SarConfig | None = None,
               date_rng: np.random.Generator | None = None) -> np.ndarray:
    """``rng`` draws the ground (same seed -> same backscatter of unchanged objects on every date),
    ``date_rng`` (default ``rng``) the speckle of one acquisition. -> (2, H, W) float32 dB, bands VV, VH."""
    cfg = cfg or SarConfig()
    labels, pid = layout.labels, layout.parcel_id
    shape = labels.shape
    n_obj = int(pid.max()) + 1
    db = np.zeros((2, *shape), np.float32)
    shallow = layout.shallow_flood()
    land_db = np.zeros_like(db)  # the flooded land's own backscatter, where shallow
    for cid, (mean, spread) in BACKSCATTER.items():
        sel = labels == cid  # draws happen for absent classes too, so dates of one scene agree
        common = spread * rng.standard_normal((n_obj, 1))
        per_pol = 0.3 * spread * rng.standard_normal((n_obj, 2))
        vals = (np.array(mean)[None, :] + common + per_pol).astype(np.float32)
        if cid == C.WATER:  # wind roughening brightens some water bodies
            vals += np.float32(rng.uniform(0, 3) if rng.random() < 0.3 else 0)
        if sel.any():
            db[:, sel] = vals[pid[sel]].T
        under = shallow & (layout.land_class == cid) if shallow.any() else None
        if under is not None and under.any():
            land_db[:, under] = vals[pid[under]].T
    if shallow.any():  # powers add: specular water plus what stands out of it, between the two in dB
        e = layout.emergent[shallow][None]
        power = (1 - e) * 10.0 ** (db[:, shallow] / 10.0) + e * 10.0 ** (land_db[:, shallow] / 10.0)
        db[:, shallow] = 10.0 * np.log10(power)
    db += 1.0 * smooth_noise(rng, shape, 6.0)[None]
    rng = date_rng or rng
    ramp = np.linspace(0.5, -0.5, shape[1], dtype=np.float32)[None, :]
    grad = rng.uniform(*cfg.incidence_gradient_db) * ramp
    db += grad[None]
    looks = rng.uniform(*cfg.looks)
    speckle = rng.gamma(looks, 1.0 / looks, db.shape).astype(np.float32)
    lin = 10.0 ** (db / 10.0) * speckle
    return (10.0 * np.log10(np.maximum(lin, 1e-6))).astype(np.float32)
