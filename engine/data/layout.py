"""Landscape layouts: a class raster laid out as real landscapes are.

Field parcels (jittered Voronoi), forest patches, a meandering river and lakes, straight-ish roads,
and towns with a street grid and rectangular building footprints. Feature sizes are in metres, so the
same code makes a 10 m Sentinel-2-like landscape and a sub-metre village where buildings are resolved.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from . import classes as C
from .noise import fractal_noise, smooth_noise


@dataclass
class LayoutConfig:
    """Probabilities and sizes of landscape features (sizes in metres unless said otherwise)."""

    parcels_across: tuple[float, float] = (4.0, 10.0)  # field parcels per scene width
    parcel_mix: dict[int, float] = field(default_factory=lambda: {
        C.CROPLAND: 0.55, C.GRASSLAND: 0.2, C.FOREST: 0.1, C.BARE_SOIL: 0.15})
    forest_patch_prob: float = 0.7
    river_prob: float = 0.65
    river_width_m: tuple[float, float] = (15.0, 90.0)
    lake_prob: float = 0.35
    road_count: tuple[int, int] = (0, 3)
    road_width_m: tuple[float, float] = (6.0, 14.0)
    town_prob: float = 0.6
    town_radius_frac: tuple[float, float] = (0.15, 0.4)  # of the scene width
    street_spacing_m: tuple[float, float] = (60.0, 130.0)
    lot_m: tuple[float, float] = (16.0, 34.0)
    building_fill: tuple[float, float] = (0.45, 0.8)  # building side / lot side
    building_prob: float = 0.8  # share of lots that hold a building
    coarse_lot_m: tuple[float, float] = (40.0, 70.0)  # lots at pixels of 5 m or more
    coarse_building_prob: float = 0.5


@dataclass
class Layout:
    """labels: (H, W) uint8 class ids; parcel_id: (H, W) int32 object ids (parcels, lakes, buildings
    get distinct ids, used to vary spectra per object); elevation: (H, W) float32, relative height used
    for floods (low next to water); building_id: (H, W) int32, 0 outside buildings.
    emergent: (H, W) float32 in [0, 1) or None; over flood water on former land, the share of the
    land's own signature (plants, stubble, soil ridges standing out of shallow water) the sensors see
    mixed into the water's; land_class: (H, W) uint8 class of that land before the flood."""

    labels: np.ndarray
    parcel_id: np.ndarray
    elevation: np.ndarray
    building_id: np.ndarray
    pixel_m: float
    emergent: np.ndarray | None = None
    land_class: np.ndarray | None = None

    def shallow_flood(self) -> np.ndarray:
        """(H, W) bool: flood water where the land beneath still shows."""
        if self.emergent is None or self.land_class is None:
            return np.zeros(self.labels.shape, bool)
        return (self.labels == C.WATER) & (self.emergent > 0)


def _polyline_mask(shape: tuple[int, int], pts: np.ndarray) -> np.ndarray:
    """(H, W) bool with the pixels a densely sampled polyline (N, 2) of (row, col) passes through."""
    h, w = shape
    seg = np.diff(pts, axis=0)
    n = np.maximum(1, np.ceil(np.abs(seg).max(axis=1) * 2)).astype(int)
    dense = np.concatenate([pts[i] + np.linspace(0, 1, n[i], endpoint=False)[:, None] * seg[i]
                            for i in range(len(seg))] + [pts[-1:]])
    rc = np.round(dense).astype(int)
    ok = (rc[:, 0] >= 0) & (rc[:, 0] < h) & (rc[:, 1] >= 0) & (rc[:, 1] < w)
    out = np.zeros(shape, bool)
    out[rc[ok, 0], rc[ok, 1]] = True
    return out


def _nearest_seed(seeds: np.ndarray, qr: np.ndarray, qc: np.ndarray, n: int, step: float) -> np.ndarray:
    """(H, W) int32 index of the nearest seed for jittered-grid seeds ((n*n, 2), seed (i, j) at row-major
    i * n + j, jitter under half a cell): only the 3 x 3 neighbouring cells can hold the nearest one."""
    ci = np.clip(np.floor(qr / step).astype(np.int32), 0, n - 1)
    cj = np.clip(np.floor(qc / step).astype(np.int32), 0, n - 1)
    best = np.full(qr.shape, np.inf, np.float32)
    idx = np.zeros(qr.shape, np.int32)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            k = np.clip(ci + di, 0, n - 1) * n + np.clip(cj + dj, 0, n - 1)
            d = (seeds[k, 0] - qr) ** 2 + (seeds[k, 1] - qc) ** 2
            better = d < best
            best = np.where(better, d, best)
            idx = np.where(better, k, idx)
    return idx


def _crossing_line(rng: np.random.Generator, size: int, wiggle_px: float, n: int = 64) -> np.ndarray:
    """(n, 2) (row, col) points of a curve crossing the scene from one edge to the opposite one."""
    t = np.linspace(-0.1, 1.1, n)
    a, b = rng.uniform(0.1, 0.9, 2) * size
    base_r = t * size
    base_c = a + (b - a) * t
    phase = rng.uniform(0, 2 * np.pi, 3)
    freq = rng.uniform(0.5, 3.0, 3)
    off = sum(wiggle_px / (k + 1) * np.sin(2 * np.pi * freq[k] * t + phase[k]) for k in range(3))
    pts = np.stack([base_r, base_c + off], axis=1)
    if rng.random() < 0.5:
        pts = pts[:, ::-1]
    return pts


def make_layout(rng: np.random.Generator, size: int, pixel_m: float,
                config: LayoutConfig | None = None, building_scene: bool = False) -> Layout:
    """A (size, size) landscape with ``pixel_m`` metre pixels. ``building_scene`` makes the whole scene
    a town (for sub-metre scenes where building footprints are the subject)."""
    cfg = config or LayoutConfig()
    shape = (size, size)
    extent_m = size * pixel_m
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)

    # Field parcels: nearest jittered seed; boundaries wobble a little through a warped grid.
    n_across = rng.uniform(*cfg.parcels_across)
    step = size / n_across
    g = np.arange(step / 2, size + step, step)
    seeds = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    seeds += rng.uniform(-0.4, 0.4, seeds.shape) * step
    warp = 0.15 * step
    qr = rows + warp * smooth_noise(rng, shape, step)
    qc = cols + warp * smooth_noise(rng, shape, step)
    parcel = _nearest_seed(seeds, qr, qc, g.size, step) + 1
    kinds = np.array(list(cfg.parcel_mix), dtype=np.uint8)
    probs = np.array(list(cfg.parcel_mix.values()), dtype=float)
    parcel_class = rng.choice(kinds, size=len(seeds) + 1, p=probs / probs.sum())
    labels = parcel_class[parcel]
    next_id = int(parcel.max()) + 1

    if rng.random() < cfg.forest_patch_prob:
        f = fractal_noise(rng, shape, size / rng.uniform(2, 5), 3)
        labels[f > rng.uniform(0.6, 1.3)] = C.FOREST

    building_id = np.zeros(shape, np.int32)
    if building_scene or rng.random() < cfg.town_prob:
        labels, building_id, next_id = _add_town(rng, labels, parcel, next_id, pixel_m, cfg,
                                                 building_scene, rows, cols)
        parcel = np.where(building_id > 0, building_id, parcel)

    water = np.zeros(shape, bool)
    if rng.random() < cfg.river_prob:
        width_px = np.clip(rng.uniform(*cfg.river_width_m) / pixel_m, 1.5, 0.15 * size)
        line = _polyline_mask(shape, _crossing_line(rng, size, rng.uniform(0.05, 0.2) * size))
        dist = ndimage.distance_transform_edt(~line)
        local_w = width_px * (1 + 0.25 * smooth_noise(rng, shape, size / 4))
        water |= dist <= np.maximum(local_w / 2, 0.6)
    if rng.random() < cfg.lake_prob:
        cr, cc = rng.uniform(0.15, 0.85, 2) * size
        rad = rng.uniform(0.06, 0.18) * size
        d = np.hypot(rows - cr, cols - cc) / rad + 0.35 * fractal_noise(rng, shape, rad, 2)
        lake = d < 1.0
        water |= lake
        parcel = np.where(lake, next_id, parcel)
        next_id += 1
    labels = np.where(water, C.WATER, labels).astype(np.uint8)
    building_id[water] = 0

    n_roads = int(rng.integers(cfg.road_count[0], cfg.road_count[1] + 1))
    for _ in range(n_roads):
        width_px = max(1.0, rng.uniform(*cfg.road_width_m) / pixel_m)
        line = _polyline_mask(shape, _crossing_line(rng, size, rng.uniform(0.0, 0.04) * size, n=16))
        road = ndimage.distance_transform_edt(~line) <= (width_px - 1) / 2 + 0.01
        labels[road] = C.ROAD
        building_id[road] = 0

    if water.any():
        dist_w = ndimage.distance_transform_edt(~water) * pixel_m
        elevation = dist_w / extent_m + 0.08 * smooth_noise(rng, shape, size / 3)
    else:
        elevation = 1.0 + 0.08 * smooth_noise(rng, shape, size / 3)
    return Layout(labels=labels, parcel_id=parcel.astype(np.int32), elevation=elevation.astype(np.float32),
                  building_id=building_id, pixel_m=pixel_m)


def _add_town(rng, labels, parcel, next_id, pixel_m, cfg, building_scene, rows, cols):
    """Paint a town: built-up ground, a rotated street grid, buildings on lots between the streets."""
    size = labels.shape[0]
    if building_scene:
        town = np.ones(labels.shape, bool)
    else:
        cr, cc = rng.uniform(0.2, 0.8, 2) * size
        rad = rng.uniform(*cfg.town_radius_frac) * size
        d = np.hypot(rows - cr, cols - cc) / rad + 0.3 * smooth_noise(rng, labels.shape, rad)
        town = d < 1.0
    theta = rng.uniform(0, np.pi / 2)
    u = (cols * np.cos(theta) + rows * np.sin(theta)) * pixel_m  # metres along the street grid
    v = (-cols * np.sin(theta) + rows * np.cos(theta)) * pixel_m
    u += rng.uniform(0, 500)
    v += rng.uniform(0, 500)
    spacing = rng.uniform(*cfg.street_spacing_m)
    street_w = max(pixel_m, rng.uniform(6.0, 12.0))
    streets = town & ((np.mod(u, spacing) < street_w) | (np.mod(v, spacing) < street_w))
    coarse = pixel_m >= 5.0  # Sentinel-2-like pixels: only large buildings (halls, farms) are resolved
    lot = rng.uniform(*cfg.coarse_lot_m) if coarse else rng.uniform(*cfg.lot_m)
    iu, iv = np.floor(u / lot).astype(np.int64), np.floor(v / lot).astype(np.int64)
    fu, fv = (u - iu * lot) / lot, (v - iv * lot) / lot
    # Per-lot randomness from a lookup table hashed by lot index (neighbouring lots never collide).
    table = rng.random((4099, 5))
    r = table[(iu * 131 + iv * 7) % 4099]
    fill_lo, fill_hi = cfg.building_fill
    bw = fill_lo + (fill_hi - fill_lo) * r[..., 0]
    bh = fill_lo + (fill_hi - fill_lo) * r[..., 1]
    ou = (1 - bw) * r[..., 2]
    ov = (1 - bh) * r[..., 3]
    inside = (fu >= ou) & (fu < ou + bw) & (fv >= ov) & (fv < ov + bh)
    present = r[..., 4] < (cfg.coarse_building_prob if coarse else cfg.building_prob)
    buildings = town & inside & present & ~streets
    # Buildings cut by a street edge shrink to slivers: drop those under a third of a typical footprint.
    lab, n = ndimage.label(buildings)
    if n:
        counts = np.bincount(lab.ravel(), minlength=n + 1)
        min_px = max(1, int(0.33 * (fill_lo * lot / pixel_m) ** 2))
        keep = counts >= min_px
        keep[0] = False
        buildings = keep[lab]
        lab = np.where(buildings, lab + next_id, 0).astype(np.int32)
        next_id += n + 1
    gardens = town & ~streets & ~buildings
    ground = np.where(rng.random(int(parcel.max()) + 1) < (0.5 if building_scene else 0.2),
                      C.GRASSLAND, C.BUILT_UP)[parcel]
    labels = labels.copy()
    labels[gardens] = ground[gardens] if building_scene else C.BUILT_UP
    labels[streets] = C.ROAD
    labels[buildings] = C.BUILDING
    return labels, lab if n else np.zeros(labels.shape, np.int32), next_id
