"""Area of interest from the panel: the map canvas extent, a layer's extent, a layer's selected features, a
rectangle drawn on the map, or the whole input. Returned as a geometry in the reference layer's CRS."""
from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsMapToolExtent
from qgis.PyQt.QtCore import pyqtSignal

from .i18n import tr
from .layer_sources import RequestError

AOI_MODES = ("canvas", "layer", "selection", "drawn", "whole")


def aoi_mode_labels() -> dict[str, str]:
    return {
        "canvas": tr("Map canvas extent"),
        "layer": tr("Extent of a layer"),
        "selection": tr("Selected features of a layer"),
        "drawn": tr("Rectangle drawn on the map"),
        "whole": tr("Whole input raster"),
    }


def _to_crs(geom: QgsGeometry, src: QgsCoordinateReferenceSystem, dst: QgsCoordinateReferenceSystem) -> QgsGeometry:
    geom = QgsGeometry(geom)
    if src != dst:
        if geom.type() == 2 and not geom.isMultipart():
            geom = geom.densifyByCount(16)  # long straight edges bend under reprojection
        geom.transform(QgsCoordinateTransform(src, dst, QgsProject.instance()))
    return geom


def aoi_geometry(mode: str, target_crs: QgsCoordinateReferenceSystem, canvas=None, layer=None,
                 drawn: QgsRectangle | None = None,
                 drawn_crs: QgsCoordinateReferenceSystem | None = None) -> QgsGeometry | None:
    """The area of interest in ``target_crs`` (None for ``whole``); raises :class:`RequestError` when the mode
    lacks what it needs."""
    if mode == "whole":
        return None
    if mode == "canvas":
        settings = canvas.mapSettings()
        return _to_crs(QgsGeometry.fromRect(canvas.extent()), settings.destinationCrs(), target_crs)
    if mode == "drawn":
        if drawn is None or drawn.isEmpty():
            raise RequestError(tr("No rectangle drawn yet: click \"Draw\" and drag a rectangle on the map."))
        return _to_crs(QgsGeometry.fromRect(drawn), drawn_crs or target_crs, target_crs)
    if layer is None:
        raise RequestError(tr("Pick the layer that defines the area of interest."))
    if mode == "layer":
        return _to_crs(QgsGeometry.fromRect(layer.extent()), layer.crs(), target_crs)
    if mode == "selection":
        if not isinstance(layer, QgsVectorLayer) or layer.geometryType() != 2:
            raise RequestError(tr("Selected features need a polygon layer; pick one in the area list."))
        feats = list(layer.getSelectedFeatures())
        if not feats:
            raise RequestError(tr("No features selected in {name}: select the polygons of the area first.").format(
                name=layer.name()))
        geom = QgsGeometry.unaryUnion([f.geometry() for f in feats if f.hasGeometry()])
        if geom.isNull() or geom.isEmpty():
            raise RequestError(tr("The selected features of {name} have no geometry.").format(name=layer.name()))
        return _to_crs(geom, layer.crs(), target_crs)
    raise RequestError(tr("Unknown area of interest mode {mode}.").format(mode=mode))


def check_inside(aoi: QgsGeometry | None, reference) -> None:
    """Raise :class:`RequestError` when ``aoi`` (in the reference layer's CRS) misses the reference raster."""
    if aoi is None:
        return
    if not aoi.intersects(QgsGeometry.fromRect(reference.extent())):
        raise RequestError(tr("The area of interest lies outside {name}: zoom to the raster or draw the area "
                              "over it.").format(name=reference.name()))


class RectangleTool(QgsMapToolExtent):
    """Drag a rectangle on the map; ``drawn`` gives it in the canvas CRS."""

    drawn = pyqtSignal(QgsRectangle)

    def __init__(self, canvas):
        super().__init__(canvas)
        self.extentChanged.connect(self._finished)

    def _finished(self, rect: QgsRectangle) -> None:
        if not rect.isEmpty():
            self.drawn.emit(QgsRectangle(rect))
