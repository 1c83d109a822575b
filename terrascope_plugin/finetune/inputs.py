"""Wizard layers -> files and settings the engine reads, and the quick data check behind the Data page.

File-backed layers are used in place. Anything else (memory, WMS, virtual, filtered vector layers) is written
to a temporary GeoTIFF / GeoPackage on the main thread before the task starts; the caller removes those
files afterwards. The check reads the imagery grid and the labels with the engine's own functions, so the
page refuses exactly what training would refuse, with the same one-line messages."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

from qgis.core import QgsCoordinateTransformContext, QgsRasterLayer, QgsVectorFileWriter, QgsVectorLayer

from ..i18n import tr
from ..layer_sources import RequestError, export_geotiff, file_path


@dataclass
class LabelSource:
    """Labels as the engine reads them: ``path`` (raster or vector file), ``layer`` (layer name inside a
    multi-layer vector file, or None), ``field`` (class attribute of polygon labels, or None)."""

    path: str
    layer: str | None = None
    field: str | None = None


@dataclass
class SplitPreview:
    """The outcome of :func:`check_data`: ``blocks`` (engine Blocks with WKT in ``crs``), ``class_names``
    ({class id: name}), ``labelled_px`` ({"train": n, "val": n}) and the imagery grid ``shape`` (H, W)."""

    blocks: list
    class_names: dict
    labelled_px: dict
    crs: str
    shape: tuple
    notes: list = field(default_factory=list)


def raster_path(layer: QgsRasterLayer, exported: dict[str, str]) -> str:
    """The file behind ``layer``, or a temporary GeoTIFF copy. ``exported`` ({layer id: temporary path})
    keeps copies already made, so asking twice writes once; the caller removes them."""
    path = file_path(layer)
    if path is None:
        path = exported.get(layer.id())
        if path is None or not os.path.isfile(path):
            path = exported[layer.id()] = export_geotiff(layer)
    return path


def _vector_file(layer: QgsVectorLayer) -> tuple[str, str | None] | None:
    """(path, layer name inside the file) for a plain OGR file layer without a filter, else None."""
    if layer.providerType() != "ogr" or layer.subsetString():
        return None
    parts = layer.source().split("|")
    path = parts[0]
    if not os.path.isfile(path):
        return None
    name = None
    for part in parts[1:]:
        if part.startswith("layername="):
            name = part.split("=", 1)[1]
        elif part.startswith("layerid="):
            return None  # positional sub-layers are ambiguous to other readers: export instead
    return path, name


def export_gpkg(layer: QgsVectorLayer) -> str:
    """Write ``layer`` (all features, its CRS) to a new temporary GeoPackage; returns its path."""
    fd, path = tempfile.mkstemp(prefix="terrascope-labels-", suffix=".gpkg")
    os.close(fd)
    os.remove(path)  # the writer refuses to overwrite an empty file that is not a GeoPackage
    opts = QgsVectorFileWriter.SaveVectorOptions()
    opts.driverName = "GPKG"
    opts.layerName = "labels"
    err = QgsVectorFileWriter.writeAsVectorFormatV3(layer, path, QgsCoordinateTransformContext(), opts)
    code = err[0] if isinstance(err, tuple) else err
    if code != QgsVectorFileWriter.NoError:
        raise RequestError(tr("Layer {name} could not be written to a temporary GeoPackage; save it as a "
                              "GeoPackage and pick that.").format(name=layer.name()))
    return path


def label_source(layer, field: str | None, exported: dict[str, str]) -> LabelSource:
    """Labels from a polygon layer (with its class ``field``) or a classified raster layer; non-file
    layers are copied once into ``exported`` ({layer id: temporary path})."""
    if isinstance(layer, QgsRasterLayer):
        return LabelSource(raster_path(layer, exported))
    found = _vector_file(layer)
    if found is None:
        path = exported.get(layer.id())
        if path is None or not os.path.isfile(path):
            path = exported[layer.id()] = export_gpkg(layer)
        return LabelSource(path, "labels", field or None)
    return LabelSource(found[0], found[1], field or None)


def _grid_and_labels(cfg):
    """-> (stack, labels (H, W) int32 with -1 outside labels or the area, labelled (H, W) bool, names)."""
    import numpy as np

    from ...engine.geo.stack import open_stack
    from ...engine.train.finetune_data import UNLABELLED, rasterize_labels

    stack = open_stack(optical=cfg.optical, sar=cfg.sar, dates=cfg.dates or None, aoi=cfg.aoi,
                       optical_bands=cfg.optical_bands, sar_bands=cfg.sar_bands)
    labels, names = rasterize_labels(cfg, stack.crs, stack.transform, (stack.height, stack.width))
    labelled = (labels >= 0) & stack.aoi_mask()
    return stack, np.where(labelled, labels, UNLABELLED), labelled, names


def preview_samples(cfg, count: int, image_size: int, max_blocks: int = 8) -> list[dict]:
    """About ``count`` training questions with their masks, generated on at most ``max_blocks`` training
    blocks (picked at random) so the preview stays quick on large rasters. Same engine steps as training."""
    import numpy as np

    from ...engine.errors import InputError
    from ...engine.train.finetune_data import chip_questions, chip_sample, cut_chips, split_blocks

    stack, labels, labelled, names = _grid_and_labels(cfg)
    blocks = split_blocks(labelled, stack.transform, cfg.block_size, cfg.val_fraction, cfg.split_seed)
    blocks = [b for b in blocks if b.split == "train"]
    rng = np.random.default_rng(cfg.seed)
    blocks = [blocks[i] for i in sorted(rng.permutation(len(blocks))[:max_blocks])]
    chips = cut_chips(stack, labels, blocks, image_size)
    pairs = chip_questions(chips, names, stack.crs.to_string(), cfg.tasks, count, cfg.seed)
    if not pairs:
        raise InputError("no question could be generated on the training blocks; check the class-name "
                         "mapping and the task types")
    return [chip_sample(ch, rec) for ch, rec in pairs]


def check_data(cfg) -> SplitPreview:
    """Read the imagery grid and labels of ``cfg`` (an engine FinetuneConfig) and split them into blocks.

    Raises the engine's :class:`InputError` (one line) for unusable imagery, labels not overlapping it, a
    missing class field and too few labelled pixels for the split."""
    import numpy as np

    from ...engine.errors import InputError
    from ...engine.train.finetune_data import split_blocks

    stack, _, labelled, names = _grid_and_labels(cfg)
    n = int(np.count_nonzero(labelled))
    if n == 0:
        raise InputError(f"labels {os.path.basename(str(cfg.labels))} do not overlap the imagery inside the "
                         "area of interest")
    blocks = split_blocks(labelled, stack.transform, cfg.block_size, cfg.val_fraction, cfg.split_seed)
    per = {s: sum(b.labelled_px for b in blocks if b.split == s) for s in ("train", "val")}
    if min(per.values()) < cfg.min_labelled_pixels:
        raise InputError(f"too few labelled pixels for a train/validation split: {n} labelled pixels in "
                         f"{len(blocks)} block(s) of {cfg.block_size} px (train {per['train']}, validation "
                         f"{per['val']}; each needs {cfg.min_labelled_pixels}); label more area or use "
                         "smaller blocks")
    return SplitPreview(blocks, names, per, stack.crs.to_string(), (stack.height, stack.width))


def remove_exports(exported: dict[str, str]) -> None:
    """Delete the temporary copies (GeoPackages with their -wal/-shm side files)."""
    for path in list(exported.values()):
        for p in (path, path + "-wal", path + "-shm", path + ".aux.xml"):
            try:
                os.remove(p)
            except OSError:
                pass
    exported.clear()
