"""A synthetic georeferenced scene: labels, optical and SAR at T dates with change between them.

Changes (any subset per scene, growing date after date): a flood spreading from the water over the
low cropland, grassland and bare soil next to it (on some parcels shallow, the land still showing); buildings destroyed (rubble, labelled bare soil);
new buildings on former construction sites; forest clear-cut (labelled bare soil).
Some scenes hold flooded fields on every date: field parcels under water in a low-lying part of the
plain (flooded paddies, fields waterlogged after heavy rain), parcel-shaped and often far from any river.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from affine import Affine
from scipy import ndimage

from . import classes as C
from .layout import Layout, LayoutConfig, make_layout
from .noise import fractal_noise
from .render_optical import OpticalConfig, render_optical
from .render_sar import SarConfig, render_sar

UTM_ZONES = (32629, 32630, 32631, 32632, 32633, 32634, 32635, 32618, 32737, 32644)


@dataclass
class SceneConfig:
    """How scenes are drawn. ``building_scene_prob`` of the scenes are sub-metre villages."""

    dates: int = 2
    shallow_flood_prob: float = 0.5  # share of flooded parcels where the land still shows
    emergent: tuple[float, float] = (0.15, 0.6)  # share of the land's signature in those, at the shallow edge
    flooded_fields_prob: float = 0.2  # share of scenes with flooded field parcels (see flooded_fields)
    flooded_fields_band: tuple[float, float] = (0.3, 0.8)  # quantile of parcel height below which fields flood
    flooded_fields_share: tuple[float, float] = (0.35, 0.85)  # share of the fields in that band under water
    pixel_m: float = 10.0
    building_scene_prob: float = 0.25
    building_pixel_m: tuple[float, float] = (0.5, 1.0)
    event_prob: dict[str, float] = field(default_factory=lambda: {
        "flood": 0.5, "destroyed": 0.5, "new_buildings": 0.4, "forest_loss": 0.35})
    layout: LayoutConfig = field(default_factory=LayoutConfig)
    optical: OpticalConfig = field(default_factory=OpticalConfig)
    sar: SarConfig = field(default_factory=SarConfig)


@dataclass
class Scene:
    """labels: (T, H, W) uint8 class ids per date; optical: (T, 4, H, W) uint16 reflectance x 10000
    (B4, B3, B2, B8); sar: (T, 2, H, W) float32 dB (VV, VH); cloud_mask: (T, H, W) bool; transform and
    crs: the grid (UTM, north up); events: the changes applied between the dates."""

    labels: np.ndarray
    optical: np.ndarray
    sar: np.ndarray
    cloud_mask: np.ndarray
    transform: Affine
    crs: str
    pixel_m: float
    events: list[str]
    seed: int

    @property
    def dates(self) -> int:
        return int(self.labels.shape[0])


def _schedule(rng: np.random.Generator, n: int, dates: int) -> np.ndarray:
    """(n,) int: the first date (1..dates-1) at which each of n objects has changed."""
    return rng.integers(1, dates, n) if dates > 1 else np.zeros(n, int)


def change_labels(rng: np.random.Generator, layout: Layout, dates: int, cfg: SceneConfig
                  ) -> tuple[np.ndarray, list[str]]:
    """-> ((T, H, W) uint8 labels per date, names of the events applied)."""
    base = layout.labels
    out = np.repeat(base[None], dates, axis=0)
    events: list[str] = []
    if dates < 2:
        return out, events
    p = cfg.event_prob
    # Ensure most time series change: draw until at least one event applies (bounded tries).
    for _ in range(3):
        want = {k: rng.random() < v for k, v in p.items()}
        if any(want.values()):
            break
    bid = layout.building_id
    ids = np.unique(bid[bid > 0])
    if want["flood"] and (base == C.WATER).any():
        water0 = base == C.WATER
        floodable = np.isin(base, (C.CROPLAND, C.GRASSLAND, C.BARE_SOIL))
        land_elev = layout.elevation[floodable]
        if land_elev.size:
            final_q = rng.uniform(0.06, 0.3)
            for t in range(1, dates):
                thr = np.quantile(land_elev, final_q * t / (dates - 1))
                cand = water0 | (floodable & (layout.elevation <= thr))
                lab, _ = ndimage.label(cand)
                keep = np.unique(lab[water0])
                flood = np.isin(lab, keep[keep > 0]) & ~water0
                out[t][flood] = C.WATER
            events.append("flood")
    if want["destroyed"] and ids.size >= 4:
        chosen = rng.choice(ids, max(1, int(rng.uniform(0.1, 0.6) * ids.size)), replace=False)
        when = _schedule(rng, chosen.size, dates)
        for t in range(1, dates):
            gone = np.isin(bid, chosen[when <= t])
            out[t][gone & (out[t] == C.BUILDING)] = C.BARE_SOIL
        events.append("destroyed")
    if want["new_buildings"] and ids.size >= 4:
        remaining = ids
        if "destroyed" in events:
            remaining = np.setdiff1d(ids, chosen)
        if remaining.size >= 2:
            new = rng.choice(remaining, max(1, int(rng.uniform(0.1, 0.4) * remaining.size)), replace=False)
            when = _schedule(rng, new.size, dates)
            site = np.isin(bid, new)
            for t in range(dates):
                not_yet = np.isin(bid, new[when > t]) if t > 0 else site
                out[t][not_yet & (out[t] == C.BUILDING)] = C.BARE_SOIL
            events.append("new_buildings")
    forest = base == C.FOREST
    if want["forest_loss"] and forest.mean() > 0.03:
        f = fractal_noise(rng, base.shape, base.shape[0] / 5, 2)
        f_forest = f[forest]
        final_q = rng.uniform(0.15, 0.5)
        for t in range(1, dates):
            thr = np.quantile(f_forest, 1 - final_q * t / (dates - 1))
            out[t][forest & (f >= thr) & (out[t] == C.FOREST)] = C.BARE_SOIL
        events.append("forest_loss")
    return out, events


FIELD_CLASSES = (C.CROPLAND, C.GRASSLAND)


def flooded_fields(rng: np.random.Generator, layout: Layout, cfg: SceneConfig) -> np.ndarray:
    """(H, W) bool: field parcels under water, or all False (in ``1 - flooded_fields_prob`` of the scenes).

    Parcels are ranked by mean height (``Layout.elevation``); below a drawn quantile of that height each
    cropland or grassland parcel floods with a drawn probability, so the water lies in parcel-shaped patches
    clustered in the low part of the scene, with dry parcels between them. Only the parcel's field pixels
    flood (roads, buildings and forest crossing it stay)."""
    if rng.random() >= cfg.flooded_fields_prob:
        return np.zeros(layout.labels.shape, bool)
    field_px = np.isin(layout.labels, FIELD_CLASSES)
    ids = np.unique(layout.parcel_id[field_px])
    if ids.size == 0:
        return field_px
    height = np.asarray(ndimage.mean(layout.elevation, layout.parcel_id, ids))
    low = height <= np.quantile(height, rng.uniform(*cfg.flooded_fields_band))
    flooded = ids[low & (rng.random(ids.size) < rng.uniform(*cfg.flooded_fields_share))]
    return field_px & np.isin(layout.parcel_id, flooded)


def emergent_share(rng: np.random.Generator, layout: Layout, labels: np.ndarray, cfg: SceneConfig,
                   dry: np.ndarray | None = None) -> np.ndarray:
    """(T, H, W) float32: per date, the share of the flooded land's own signature in flood water
    (``Layout.emergent``). Drawn per parcel; largest at the flood's shallow edge (high ground), half
    that where the water is deepest; 0 on open water, on land and on parcels flooded deep.
    ``dry``: (H, W) the classes before any flood (default ``labels[0]``: date 0 holds no flood water)."""
    n_obj = int(layout.parcel_id.max()) + 1
    shows = rng.random(n_obj) < cfg.shallow_flood_prob
    share = rng.uniform(*cfg.emergent, n_obj).astype(np.float32) * shows
    out = np.zeros(labels.shape, np.float32)
    base = labels[0] if dry is None else dry
    for t in range(labels.shape[0]):
        flooded = (labels[t] == C.WATER) & (base != C.WATER)
        if not flooded.any():
            continue
        elev = layout.elevation[flooded]
        depth = (elev.max() - elev) / max(float(elev.max() - elev.min()), 1e-6)  # 0 at the edge, 1 deepest
        out[t][flooded] = share[layout.parcel_id[flooded]] * (1 - 0.5 * depth)
    return out


def make_scene(seed: int, size: int = 256, config: SceneConfig | None = None, dates: int | None = None,
               clouds: bool | None = None) -> Scene:
    """A deterministic scene for ``seed``: (size, size) pixels, ``dates`` dates (default config.dates).
    ``clouds``: None -> random per date, True/False -> force clouds on the last date / none at all."""
    cfg = config or SceneConfig()
    n_dates = dates or cfg.dates
    rng = np.random.default_rng(seed)
    building_scene = rng.random() < cfg.building_scene_prob
    pixel_m = float(rng.uniform(*cfg.building_pixel_m)) if building_scene else cfg.pixel_m
    pixel_m = round(pixel_m, 2)
    layout = make_layout(rng, size, pixel_m, cfg.layout, building_scene=building_scene)
    dry = layout.labels
    # Own streams, so scenes without flooded fields or floods look as they did before these were drawn.
    fields_under_water = flooded_fields(np.random.default_rng([seed, 10]), layout, cfg)
    if fields_under_water.any():
        layout.labels = np.where(fields_under_water, C.WATER, dry).astype(np.uint8)
    labels, events = change_labels(rng, layout, n_dates, cfg)
    look_seed_opt, look_seed_sar = rng.integers(0, 2**63, 2)
    emergent = emergent_share(np.random.default_rng([seed, 9]), layout, labels, cfg, dry)
    optical = np.zeros((n_dates, 4, size, size), np.uint16)
    sar = np.zeros((n_dates, 2, size, size), np.float32)
    cloud = np.zeros((n_dates, size, size), bool)
    for t in range(n_dates):
        lay_t = Layout(labels[t], layout.parcel_id, layout.elevation, layout.building_id, pixel_m,
                       emergent=emergent[t], land_class=dry)
        date_rng = np.random.default_rng([seed, t, 7])
        want_clouds = None if clouds is None else (bool(clouds) and t == n_dates - 1)
        optical[t], cloud[t] = render_optical(np.random.default_rng(look_seed_opt), lay_t, cfg.optical,
                                              clouds=want_clouds, date_rng=date_rng)
        # SAR speckle has its own stream, so clouds (drawn for the optical image) never change SAR.
        sar[t] = render_sar(np.random.default_rng(look_seed_sar), lay_t, cfg.sar,
                            date_rng=np.random.default_rng([seed, t, 8]))
    epsg = int(rng.choice(UTM_ZONES))
    x0 = float(np.round(rng.uniform(380_000, 600_000), -1))  # well inside the zone
    y0 = float(np.round(rng.uniform(1_000_000, 6_000_000), -1))
    transform = Affine(pixel_m, 0.0, x0, 0.0, -pixel_m, y0)
    return Scene(labels=labels, optical=optical, sar=sar, cloud_mask=cloud, transform=transform,
                 crs=f"EPSG:{epsg}", pixel_m=pixel_m, events=events, seed=seed)
