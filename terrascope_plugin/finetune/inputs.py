"""Wizard layers -> files and settings the engine reads, and the quick data check behind the Data page.

File-backed layers are used in place. Anything else (memory, WMS, virtual, filtered vector layers) is written
to a temporary GeoTIFF / GeoPackage on the main thread before the task starts; the caller removes those
files afterwards. The check reads the imagery grid and the labels with the engine's own functions, so the
page refuses exactly what training would refuse, with the same one-line messages."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from qgis.core import QgsCoordinateTransformContext, QgsRasterLayer, QgsVectorFileWriter, QgsVectorLayer

from ..i18n import tr
from ..layer_sources import RequestError, export_geotiff, file_path
from ..worker import use_worker_process
from . import data_check
from .data_check import SplitPreview


@dataclass
class LabelSource:
    """Labels as the engine reads them: ``path`` (raster or vector file), ``layer`` (layer name inside a
    multi-layer vector file, or None), ``field`` (class attribute of polygon labels, or None)."""

    path: str
    layer: str | None = None
    field: str | None = None


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


def check_data(cfg) -> SplitPreview:
    """Read the imagery grid and labels of ``cfg`` (an engine FinetuneConfig) and split them into blocks;
    see :func:`.data_check.check_data`. Inside a QGIS application this runs in a separate process
    (:mod:`.process`), since QGIS's own GEOS/PROJ would serve the engine's shapely/pyproj calls there."""
    if use_worker_process():
        from .process import check_data_in_process

        return check_data_in_process(cfg)
    return data_check.check_data(cfg)


def preview_samples(cfg, count: int, image_size: int, max_blocks: int = 8) -> list[dict]:
    """About ``count`` training questions with their masks (:func:`.data_check.preview_samples`); in a
    separate process inside a QGIS application, like :func:`check_data`."""
    if use_worker_process():
        from .process import preview_samples_in_process

        return preview_samples_in_process(cfg, count, image_size, max_blocks)
    return data_check.preview_samples(cfg, count, image_size, max_blocks)


def remove_exports(exported: dict[str, str]) -> None:
    """Delete the temporary copies (GeoPackages with their -wal/-shm side files)."""
    for path in list(exported.values()):
        for p in (path, path + "-wal", path + "-shm", path + ".aux.xml"):
            try:
                os.remove(p)
            except OSError:
                pass
    exported.clear()
