"""Sentinel-2-like optical rendering: bands B4, B3, B2, B8 (R, G, B, NIR) as reflectance x 10000, uint16.

Per-class surface spectra (varied per object), multiplicative texture, building and tree shadows,
a small sensor blur, an additive path-radiance haze (0 = L2A-like surface reflectance, 1 = L1C-like
top of atmosphere), and optional clouds with their shadows. Calibration, from the value ranges of a
real Sentinel-2 L1C flood scene (statistics only): open/flood water ~ (B4, B3, B2, B8) = (900, 960,
1030, 730) and farmland ~ (1260, 1300, 1290, 2290) at the top of the atmosphere; the L1C path
radiance adds roughly (350, 500, 750, 200) to dark surfaces, so flood water there is sediment-laden
(surface ~ (620, 560, 430, 570)): water bodies range from clear to that turbid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from . import classes as C
from .layout import Layout
from .noise import fractal_noise, smooth_noise

# Surface reflectance x 10000 (B4, B3, B2, B8) and the per-object spread (fraction of the mean).
SPECTRA: dict[int, tuple[tuple[float, float, float, float], float]] = {
    C.BACKGROUND: ((0, 0, 0, 0), 0.0),
    C.WATER: ((300, 500, 550, 250), 0.35),
    C.CROPLAND: ((700, 850, 500, 2700), 0.3),  # mixed with bare-soil spectra per parcel (phenology)
    C.FOREST: ((250, 450, 280, 2700), 0.15),
    C.GRASSLAND: ((550, 800, 450, 2600), 0.15),
    C.BUILT_UP: ((1300, 1200, 1100, 1800), 0.15),
    C.BARE_SOIL: ((1900, 1550, 1150, 2400), 0.2),
    C.ROAD: ((1100, 1050, 1000, 1300), 0.1),
    C.BUILDING: ((1500, 1300, 1200, 1700), 0.3),
}
TURBID = np.array([2.2, 1.2, 0.85, 2.4], np.float32)  # sediment-laden over clear water, per band
PATH_RADIANCE = np.array([350.0, 500.0, 750.0, 200.0], np.float32)  # L1C minus L2A over dark targets
BAND_NAMES = ("B4", "B3", "B2", "B8")


@dataclass
class OpticalConfig:
    """Appearance ranges; each scene draws its own values inside them."""

    haze: tuple[float, float] = (0.0, 1.1)  # scene-level path radiance, 0 surface .. 1 L1C
    texture: tuple[float, float] = (0.03, 0.1)  # std of multiplicative texture
    cloud_prob: float = 0.3
    cloud_cover: tuple[float, float] = (0.05, 0.45)
    blur_px: float = 0.5
    sun_shadow_px: tuple[float, float] = (1.0, 4.0)  # shadow length for buildings in sub-metre scenes


def _object_spectra(rng: np.random.Generator, layout: Layout) -> np.ndarray:
    """(4, H, W) float32 surface reflectance x 10000 before texture: class mean, varied per object."""
    labels, pid = layout.labels, layout.parcel_id
    n_obj = int(pid.max()) + 1
    out = np.zeros((4, *labels.shape), np.float32)
    # Crop phenology: each parcel between green crop (t=0) and ploughed soil (t=1).
    phen = rng.beta(0.8, 1.2, n_obj).astype(np.float32)
    soil = np.array(SPECTRA[C.BARE_SOIL][0], np.float32) * 0.85
    shallow = layout.shallow_flood()
    land = np.zeros_like(out)  # the flooded land's own spectra, where shallow
    for cid, (mean, spread) in SPECTRA.items():  # draw every class so dates of a scene agree
        sel = labels == cid
        mean = np.array(mean, np.float32)
        factor = np.clip(1 + spread * rng.standard_normal((n_obj, 4)).astype(np.float32) * 0.5
                         + spread * rng.standard_normal((n_obj, 1)).astype(np.float32), 0.3, 2.5)
        spec = mean[None, :] * factor  # (n_obj, 4)
        if cid == C.CROPLAND:
            spec = (1 - phen[:, None]) * spec + phen[:, None] * soil[None, :] * factor
        if cid == C.WATER:  # turbidity per water body, clear to sediment-laden flood water
            turbid = rng.uniform(0.0, 1.0, (n_obj, 1)).astype(np.float32) ** 0.7
            spec = spec * (1 + turbid * (TURBID - 1)[None, :])
        # The random draws above happen for every class, present or not, so that two dates of one
        # scene rendered from the same appearance seed give unchanged objects the same spectra.
        if sel.any():
            out[:, sel] = spec[pid[sel]].T
        under = shallow & (layout.land_class == cid) if shallow.any() else None
        if under is not None and under.any():
            land[:, under] = spec[pid[under]].T
    if shallow.any():  # linear mixing: the pixel sees water and the land standing out of it
        e = layout.emergent[shallow][None]
        out[:, shallow] = (1 - e) * out[:, shallow] + e * land[:, shallow]
    return out


def _shadows(rng: np.random.Generator, layout: Layout, cfg: OpticalConfig) -> np.ndarray:
    """(H, W) float32 darkening factor (1 = lit) cast by buildings and forest edges away from the sun."""
    tall = (layout.labels == C.BUILDING) | (layout.labels == C.FOREST)
    length_m = rng.uniform(5.0, 15.0)
    n = max(1, int(round(length_m / layout.pixel_m)))
    if layout.pixel_m >= 5.0:
        n = 1 if rng.random() < 0.5 else 0
    ang = rng.uniform(0, 2 * np.pi)
    dy, dx = np.sin(ang), np.cos(ang)
    shade = np.zeros(tall.shape, bool)
    for k in range(1, n + 1):
        shade |= ndimage.shift(tall, (k * dy, k * dx), order=0, mode="constant", cval=False)
    shade &= ~tall
    depth = rng.uniform(0.45, 0.7) if layout.pixel_m < 5.0 else rng.uniform(0.8, 0.92)
    return np.where(shade, depth, 1.0).astype(np.float32)


def render_clouds(rng: np.random.Generator, shape: tuple[int, int], cover: float) -> np.ndarray:
    """(H, W) float32 cloud opacity in [0, 1] covering about ``cover`` of the scene."""
    f = fractal_noise(rng, shape, shape[0] / rng.uniform(1.5, 4), 4, 0.55)
    thr = np.quantile(f, 1 - cover)
    return np.clip((f - thr) / 0.6, 0.0, 1.0).astype(np.float32)


def render_optical(rng: np.random.Generator, layout: Layout, cfg: OpticalConfig | None = None,
                   clouds: bool | None = None, haze: float | None = None,
                   date_rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``rng`` draws the look of the ground (same seed -> same ground on every date); ``date_rng``
    (default ``rng``) draws haze, clouds and noise of one acquisition.

    -> (optical (4, H, W) uint16 reflectance x 10000 in band order B4, B3, B2, B8;
    cloud_mask (H, W) bool, True where cloud opacity > 0.3, i.e. where the ground is hidden)."""
    cfg = cfg or OpticalConfig()
    shape = layout.labels.shape
    refl = _object_spectra(rng, layout)
    tex_std = rng.uniform(*cfg.texture)
    scale_px = max(1.5, 30.0 / layout.pixel_m) if layout.pixel_m < 5 else 2.0
    tex = 1 + tex_std * fractal_noise(rng, shape, scale_px, 3)
    refl *= tex[None]
    refl *= (1 + 0.02 * rng.standard_normal(refl.shape, dtype=np.float32))  # fine-grain texture
    refl *= _shadows(rng, layout, cfg)[None]
    if cfg.blur_px > 0:
        refl = ndimage.gaussian_filter(refl, (0, cfg.blur_px, cfg.blur_px))
    rng = date_rng or rng
    h = rng.uniform(*cfg.haze) if haze is None else haze
    h_map = h * (1 + 0.15 * smooth_noise(rng, shape, shape[0] / 2))
    refl += PATH_RADIANCE[:, None, None] * h_map[None]
    cloud_mask = np.zeros(shape, bool)
    if clouds if clouds is not None else rng.random() < cfg.cloud_prob:
        alpha = render_clouds(rng, shape, rng.uniform(*cfg.cloud_cover))
        off = rng.uniform(-0.06, 0.06, 2) * shape[0]
        shadow = ndimage.shift(alpha, off, order=1, mode="constant")
        refl *= (1 - 0.55 * shadow * (1 - alpha))[None]
        cloud_refl = rng.uniform(4500, 8000) * np.array([1.0, 1.0, 1.02, 1.05], np.float32)
        tex_c = 1 + 0.08 * fractal_noise(rng, shape, 8.0, 3)
        refl = refl * (1 - alpha[None]) + alpha[None] * cloud_refl[:, None, None] * tex_c[None]
        cloud_mask = alpha > 0.3
    refl += 15.0 * rng.standard_normal(refl.shape, dtype=np.float32)  # sensor noise
    return np.clip(refl, 1, 20000).astype(np.uint16), cloud_mask
