"""Raster layers -> files the engine can open. File-backed GDAL rasters are used in place; anything else
(WMS, in-memory, virtual, provider-specific) is written to a temporary GeoTIFF first, on the main thread,
so the worker never touches a layer. User layers are only read, never changed."""
from __future__ import annotations

import os
import tempfile

from qgis.core import (
    QgsCoordinateTransform,
    QgsProject,
    QgsRasterFileWriter,
    QgsRasterLayer,
    QgsRasterPipe,
    QgsRectangle,
)

from .i18n import tr
from .request import RasterInput


class RequestError(Exception):
    """Bad input in the panel; ``str(err)`` is one line telling the user what to fix."""


def file_path(layer: QgsRasterLayer) -> str | None:
    """The file behind a GDAL raster layer, or None when the layer is not a plain local file."""
    if layer.providerType() != "gdal":
        return None
    path = layer.source().split("|", 1)[0]
    return path if os.path.isfile(path) else None


def export_geotiff(layer: QgsRasterLayer, folder: str | None = None) -> str:
    """Write the layer's raw data (all bands, native grid) to a new temporary GeoTIFF; returns its path."""
    provider = layer.dataProvider()
    if provider is None or not layer.isValid():
        raise RequestError(tr("Layer {name} cannot be read; check its source.").format(name=layer.name()))
    fd, path = tempfile.mkstemp(prefix="terrascope-", suffix=".tif", dir=folder)
    os.close(fd)
    pipe = QgsRasterPipe()
    if not pipe.set(provider.clone()):
        raise RequestError(tr("Layer {name} cannot be exported; save it as a GeoTIFF first.").format(
            name=layer.name()))
    writer = QgsRasterFileWriter(path)
    writer.setOutputFormat("GTiff")
    extent = provider.extent()
    width, height = provider.xSize(), provider.ySize()
    if width <= 0 or height <= 0:  # providers without a native grid (WMS): one pixel per canvas unit
        width = height = 1024
    error = writer.writeRaster(pipe, width, height, extent, provider.crs())
    if error != QgsRasterFileWriter.NoError:
        os.remove(path)
        raise RequestError(tr("Layer {name} could not be written to a temporary GeoTIFF; save it as a "
                              "GeoTIFF and pick that.").format(name=layer.name()))
    return path


def raster_input(layer: QgsRasterLayer, date: str = "", temporary: list[str] | None = None) -> RasterInput:
    """A :class:`RasterInput` for ``layer``; exported copies are appended to ``temporary`` for later removal."""
    path = file_path(layer)
    if path is None:
        path = export_geotiff(layer)
        if temporary is not None:
            temporary.append(path)
    return RasterInput(path=path, bands=None, name=layer.name(), date=date)


def extent_in(layer, crs) -> QgsRectangle:
    """``layer``'s extent in ``crs``."""
    if layer.crs() == crs:
        return QgsRectangle(layer.extent())
    tr_ = QgsCoordinateTransform(layer.crs(), crs, QgsProject.instance())
    return tr_.transformBoundingBox(layer.extent())


def check_overlap(layers: list) -> None:
    """Raise :class:`RequestError` unless every layer overlaps the first one."""
    if not layers:
        return
    ref = layers[0]
    ref_extent = ref.extent()
    for other in layers[1:]:
        try:
            other_extent = extent_in(other, ref.crs())
        except Exception:  # noqa: BLE001 - any transform failure means the same to the user
            raise RequestError(tr("Layer {b} cannot be placed on the grid of {a}: check both CRSs.").format(
                a=ref.name(), b=other.name()))
        if not ref_extent.intersects(other_extent):
            raise RequestError(tr("Layers {a} and {b} do not overlap: pick layers that cover the same "
                                  "place.").format(a=ref.name(), b=other.name()))
