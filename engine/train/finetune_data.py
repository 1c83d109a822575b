"""Fine-tune data from a user's region: labels on the imagery grid, a split by spatial blocks, chips at
the model's image size, and generated questions with their masks.

Labels are either a classified raster (resampled nearest-neighbour onto the imagery grid) or polygons
with a class field (burnt in with ``rasterio.features.rasterize``). The grid is cut into square blocks;
whole blocks go to training or to validation, so validation pixels are never next to a training pixel of
the same chip. Each block is cut into chips of the model's image size; questions come from the data side's
trace synthesis (``engine.data.questions.generate_questions``) on the chip's labels.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import numpy as np
from affine import Affine

from ..errors import InputError
from .finetune_config import FinetuneConfig

log = logging.getLogger(__name__)
UNLABELLED = -1
VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite")


@dataclass
class Block:
    """One split block: pixel window ``(row, col, height, width)`` of the imagery grid, its split
    ("train" | "val"), its labelled pixel count and its outline as WKT in the imagery CRS."""

    row: int
    col: int
    height: int
    width: int
    split: str
    labelled_px: int
    wkt: str


@dataclass
class FinetuneData:
    """Samples (engine.data.dataset format, each with its QuestionRecord under "record") per split."""

    train: list[dict]
    val: list[dict]
    blocks: list[Block]
    class_names: dict[int, str]
    crs: str
    transform: Affine
    shape: tuple[int, int]
    labelled_px: dict[str, int] = field(default_factory=dict)
    chips: dict[str, int] = field(default_factory=dict)
    image_size: int = 224

    def summary(self) -> dict:
        return {"train_questions": len(self.train), "val_questions": len(self.val),
                "blocks": {s: sum(b.split == s for b in self.blocks) for s in ("train", "val")},
                "chips": dict(self.chips), "labelled_px": dict(self.labelled_px),
                "classes": {str(k): v for k, v in self.class_names.items()}, "crs": self.crs,
                "grid": list(self.shape), "image_size": self.image_size}


def _is_vector(path: str) -> bool:
    return path.lower().endswith(VECTOR_SUFFIXES)


def _class_ids(values, names: dict[str, str]) -> dict:
    """{label value: (class id, class name)}: integer values keep their id, text values are numbered."""
    vals = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if names:
        vals = [v for v in vals if str(v) in names or _num_key(v) in names]
    out = {}
    numeric = all(isinstance(v, (int, np.integer)) or (isinstance(v, float) and float(v).is_integer())
                  for v in vals)
    for i, v in enumerate(sorted(set(vals), key=str), start=1):
        cid = int(v) if numeric else i
        name = names.get(str(v)) or names.get(_num_key(v)) or (f"class {v}" if numeric else str(v))
        out[v] = (cid, name)
    return out


def _num_key(v) -> str:
    try:
        return str(int(float(v)))
    except (TypeError, ValueError):
        return str(v)


def rasterize_labels(cfg: FinetuneConfig, crs, transform: Affine, shape: tuple[int, int]
                     ) -> tuple[np.ndarray, dict[int, str]]:
    """-> (labels (H, W) int32 on the imagery grid with -1 where unlabelled, {class id: name})."""
    path = str(cfg.labels)
    if not path:
        raise InputError("no labels given: pick a classified raster or a polygon layer with a class field")
    if not os.path.exists(path):
        raise InputError(f"labels file {path} not found")
    if _is_vector(path):
        return _vector_labels(cfg, path, crs, transform, shape)
    return _raster_labels(cfg, path, crs, transform, shape)


def _vector_labels(cfg, path, crs, transform, shape):
    import geopandas as gpd
    from rasterio.features import rasterize
    from rasterio.transform import array_bounds

    name = os.path.basename(path)
    try:
        gdf = gpd.read_file(path, layer=cfg.label_layer) if cfg.label_layer else gpd.read_file(path)
    except Exception as err:  # noqa: BLE001 - pyogrio/fiona raise many kinds
        raise InputError(f"cannot read labels {name}: {str(err).splitlines()[0] if str(err) else err}")
    if not cfg.label_field:
        raise InputError(f"polygon labels {name} need a class field; fields: {', '.join(_fields(gdf))}")
    if cfg.label_field not in gdf.columns:
        raise InputError(f"labels {name} have no field '{cfg.label_field}'; fields: {', '.join(_fields(gdf))}")
    if gdf.crs is None:
        raise InputError(f"labels {name} have no coordinate reference system; set one and save again")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise InputError(f"labels {name} hold no polygons")
    gdf = gdf.to_crs(crs)
    west, south, east, north = array_bounds(shape[0], shape[1], transform)
    x0, y0, x1, y1 = gdf.total_bounds
    if x0 >= east or x1 <= west or y0 >= north or y1 <= south:
        raise InputError(f"labels {name} do not overlap the imagery; check their location or CRS")
    ids = _class_ids(list(gdf[cfg.label_field].unique()), cfg.class_names)
    if not ids:
        raise InputError(f"no polygon of {name} has a class listed in the class-name mapping")
    shapes = [(geom, ids[v][0]) for geom, v in zip(gdf.geometry, gdf[cfg.label_field]) if v in ids]
    labels = rasterize(shapes, out_shape=shape, transform=transform, fill=UNLABELLED, dtype="int32")
    return labels, {cid: nm for cid, nm in ids.values()}


def _fields(gdf) -> list[str]:
    return [c for c in gdf.columns if c != gdf.geometry.name]


def _raster_labels(cfg, path, crs, transform, shape):
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.transform import array_bounds
    from rasterio.warp import reproject, transform_bounds

    name = os.path.basename(path)
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioError:
        raise InputError(f"labels {name} are neither a raster nor a polygon file")
    with src:
        if src.crs is None:
            raise InputError(f"labels {name} have no coordinate reference system")
        west, south, east, north = array_bounds(shape[0], shape[1], transform)
        b = transform_bounds(src.crs, crs, *src.bounds, densify_pts=21)
        if b[0] >= east or b[2] <= west or b[1] >= north or b[3] <= south:
            raise InputError(f"labels {name} do not overlap the imagery; check their location or CRS")
        data = src.read(1)
        nodata = src.nodata
    valid = np.ones(data.shape, bool) if nodata is None else data != nodata
    values = np.unique(data[valid])
    ids = _class_ids([int(v) for v in values], cfg.class_names)
    if not ids:
        raise InputError(f"no value of {name} is listed in the class-name mapping")
    mapped = np.full(data.shape, UNLABELLED, np.int32)
    for v, (cid, _) in ids.items():
        mapped[valid & (data == v)] = cid
    out = np.full(shape, UNLABELLED, np.int32)
    reproject(mapped, out, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
              dst_crs=crs, resampling=Resampling.nearest, src_nodata=UNLABELLED, dst_nodata=UNLABELLED)
    return out, {cid: nm for cid, nm in ids.values()}


def split_blocks(labelled: np.ndarray, transform: Affine, block: int, val_fraction: float, seed: int
                 ) -> list[Block]:
    """Cut the grid into ``block``-pixel squares; labelled ones are assigned to train/val at random
    (``val_fraction`` of them, at least one each). Blocks without labels are left out."""
    import shapely

    h, w = labelled.shape
    cands = []
    for r in range(0, h, block):
        for c in range(0, w, block):
            n = int(labelled[r:r + block, c:c + block].sum())
            if n:
                cands.append((r, c, min(block, h - r), min(block, w - c), n))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(cands))
    n_val = int(round(val_fraction * len(cands)))
    n_val = min(max(n_val, 1), len(cands) - 1) if len(cands) >= 2 else 0
    val_idx = set(order[:n_val].tolist())
    out = []
    for i, (r, c, bh, bw, n) in enumerate(cands):
        x0, y0 = transform @ (c, r)
        x1, y1 = transform @ (c + bw, r + bh)
        wkt = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)).wkt
        out.append(Block(r, c, bh, bw, "val" if i in val_idx else "train", n, wkt))
    return out


def _resize_labels(labels: np.ndarray, size: int) -> np.ndarray:
    """(h, w) ids -> (size, size) by nearest neighbour (identity when already that size)."""
    h, w = labels.shape
    if (h, w) == (size, size):
        return labels
    rows = np.minimum((np.arange(size) + 0.5) * h / size, h - 1).astype(int)
    cols = np.minimum((np.arange(size) + 0.5) * w / size, w - 1).astype(int)
    return labels[rows][:, cols]


@dataclass
class Chip:
    """One chip: window ``(row, col, px)`` in the imagery grid (px native pixels, read at the model size),
    its labels at the model size ((S, S) int32, -1 unlabelled) and its arrays (StackArrays at S)."""

    row: int
    col: int
    px: int
    split: str
    labels: np.ndarray
    arrays: object
    transform: Affine


def cut_chips(stack, labels: np.ndarray, blocks: list[Block], size: int, min_fraction: float = 0.1
              ) -> list[Chip]:
    """Chips of ``min(block, size)`` native pixels inside each block, resampled to (size, size). Labels
    outside the chip's own block are blanked, so no chip carries labels of the other split."""
    from rasterio.windows import Window

    chips = []
    for b in blocks:
        px = min(max(b.height, b.width), size)
        for r in range(b.row, b.row + b.height, px):
            for c in range(b.col, b.col + b.width, px):
                lab = np.full((px, px), UNLABELLED, np.int32)
                r1, c1 = min(r + px, b.row + b.height), min(c + px, b.col + b.width)
                lab[: r1 - r, : c1 - c] = labels[r:r1, c:c1]
                if (lab >= 0).mean() < min_fraction:
                    continue
                win = Window(c, r, px, px)
                shape = None if px == size else (size, size)
                arrays = stack.read(win, out_shape=shape)
                lab_s = _resize_labels(lab, size)
                lab_s[~arrays.usable] = UNLABELLED
                if (lab_s >= 0).sum() == 0:
                    continue
                chips.append(Chip(r, c, px, b.split, lab_s, arrays, stack.window_transform(win, shape)))
    return chips


def chip_sample(chip: Chip, record, crs=None) -> dict:
    """A sample of ``record`` (asked on the chip's labels) on ``chip``'s imagery at its last date, which
    the labels describe. ``grid`` (chip transform at the model size, crs) lets validation measure masks
    in metres as the training traces do."""
    from .samples import sample_from_arrays

    out = sample_from_arrays(chip.arrays, record, [chip.arrays.valid.shape[0] - 1], chip.labels.shape[-1])
    out["grid"] = (chip.transform, crs)
    return out


def chip_questions(chips: list[Chip], class_names: dict[int, str], crs, tasks, count: int, seed: int,
                   absent_rate: float = 0.1) -> list[tuple[Chip, object]]:
    """About ``count`` (chip, QuestionRecord) pairs, spread over the chips round-robin."""
    from ..data.questions import generate_questions

    rng = np.random.default_rng(seed)
    out: list[tuple[Chip, object]] = []
    if not chips:
        return out
    for _ in range(max(4, 4 * count // max(1, len(chips) * len(tasks)) + 4)):
        before = len(out)
        for i in rng.permutation(len(chips)):
            ch = chips[i]
            valid = ch.labels >= 0
            recs = generate_questions(ch.labels[None], ch.transform, crs, rng, class_names=class_names,
                                      valid=valid, tasks=tasks, per_task=1, absent_rate=absent_rate)
            out += [(ch, r) for r in recs]
            if len(out) >= count:
                return out[:count]
        if len(out) == before:
            break
    return out


def read_labelled_grid(cfg: FinetuneConfig):
    """Open the imagery of ``cfg`` and rasterise its labels onto that grid. -> (stack, labels (H, W) int32 with
    UNLABELLED outside the labels or the area of interest, labelled (H, W) bool, class names {id: name})."""
    from ..geo.stack import open_stack

    stack = open_stack(optical=cfg.optical, sar=cfg.sar, dates=cfg.dates or None, aoi=cfg.aoi,
                       optical_bands=cfg.optical_bands, sar_bands=cfg.sar_bands)
    labels, names = rasterize_labels(cfg, stack.crs, stack.transform, (stack.height, stack.width))
    labelled = (labels >= 0) & stack.aoi_mask()
    return stack, np.where(labelled, labels, UNLABELLED), labelled, names


def checked_split(cfg: FinetuneConfig, labelled: np.ndarray, transform) -> tuple[list[Block], dict, int]:
    """Split ``labelled`` ((H, W) bool in the grid of ``transform``) into blocks. -> (blocks, labelled pixels
    {"train": n, "val": n}, labelled pixels in all). Raises :class:`InputError` (one line) for labels that do
    not overlap the imagery and too few labelled pixels for the train/validation split."""
    n_lab = int(np.count_nonzero(labelled))
    if n_lab == 0:
        raise InputError(f"labels {os.path.basename(str(cfg.labels))} do not overlap the imagery inside the "
                         "area of interest")
    blocks = split_blocks(labelled, transform, cfg.block_size, cfg.val_fraction, cfg.split_seed)
    per = {s: sum(b.labelled_px for b in blocks if b.split == s) for s in ("train", "val")}
    if min(per.values()) < cfg.min_labelled_pixels:
        raise InputError(f"too few labelled pixels for a train/validation split: {n_lab} labelled pixels in "
                         f"{len(blocks)} block(s) of {cfg.block_size} px (train {per['train']}, validation "
                         f"{per['val']}; each needs {cfg.min_labelled_pixels}); label more area or use "
                         "smaller blocks")
    return blocks, per, n_lab


def prepare_finetune_data(cfg: FinetuneConfig, image_size: int | None = None,
                          progress=None) -> FinetuneData:
    """Read imagery and labels, split by blocks, cut chips and generate questions.

    Raises :class:`InputError` (one line) for unusable imagery, labels that do not overlap the imagery,
    a missing class field, and too few labelled pixels for the train/validation split."""
    size = int(image_size or cfg.image_size or 224)
    stack, labels, labelled, names = read_labelled_grid(cfg)
    crs = stack.crs.to_string()
    blocks, per, n_lab = checked_split(cfg, labelled, stack.transform)
    if progress:
        progress(0.2, f"{len(blocks)} blocks, {n_lab} labelled pixels")
    chips = cut_chips(stack, labels, blocks, size)
    by_split = {s: [c for c in chips if c.split == s] for s in ("train", "val")}
    if not by_split["train"] or not by_split["val"]:
        raise InputError("too few labelled pixels for a train/validation split: a split has no chip with "
                         "labels; label more area or use smaller blocks")
    samples = {}
    for s, n, seed in (("train", cfg.questions, cfg.seed), ("val", cfg.val_questions, cfg.seed + 1)):
        pairs = chip_questions(by_split[s], names, crs, cfg.tasks, n, seed)
        if not pairs:
            raise InputError(f"no question could be generated on the {s} blocks; check the class-name "
                             "mapping (at least one class must cover part of each split)")
        samples[s] = [chip_sample(ch, rec, crs) for ch, rec in pairs]
        if progress:
            progress(0.6 if s == "train" else 1.0, f"{len(samples[s])} {s} questions")
    return FinetuneData(train=samples["train"], val=samples["val"], blocks=blocks, class_names=names,
                        crs=crs, transform=stack.transform, shape=(stack.height, stack.width),
                        labelled_px=per, chips={s: len(v) for s, v in by_split.items()}, image_size=size)


__all__ = ["FinetuneData", "Block", "Chip", "prepare_finetune_data", "read_labelled_grid", "checked_split", "rasterize_labels", "split_blocks",
           "cut_chips", "chip_questions", "chip_sample", "UNLABELLED"]
