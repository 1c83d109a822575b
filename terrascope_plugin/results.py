"""Results on the map: a layer group named after the question with one styled polygon layer per grounded
step (read from the step GeoPackage), and the export of such a group as Shapefiles or one GeoPackage."""
from __future__ import annotations

import os

from qgis.core import (
    QgsCoordinateTransformContext,
    QgsFillSymbol,
    QgsLayerTreeGroup,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from .i18n import tr
from .runner import StepSummary, Success

# distinct hues that stay readable over imagery (colour-blind friendly Okabe-Ito order)
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
FILL_ALPHA = 90  # of 255: the imagery stays visible under the masks
STEP_LAYER_PROPERTY = "terrascope/step"


def step_colour(position: int) -> QColor:
    return QColor(PALETTE[position % len(PALETTE)])


def style_step_layer(layer: QgsVectorLayer, position: int) -> None:
    colour = step_colour(position)
    fill = QColor(colour)
    fill.setAlpha(FILL_ALPHA)
    symbol = QgsFillSymbol.createSimple({
        "color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}",
        "outline_color": colour.name(), "outline_width": "0.8", "outline_style": "solid"})
    layer.renderer().setSymbol(symbol)


def step_layer_name(step: StepSummary) -> str:
    label = step.label or step.text[:40]
    name = tr("Step {n}").format(n=step.index)
    if label:
        name += f": {label}"
    if step.date:
        name += f" ({step.date})"
    return name


def add_result_group(outcome: Success, project: QgsProject | None = None) -> tuple[QgsLayerTreeGroup | None, dict]:
    """Add a group named after the question (at the top of the layer tree) holding one layer per grounded
    step that found at least one region. Returns the group (None when no step found a region) and
    ``{step index: layer}``."""
    project = project or QgsProject.instance()
    root = project.layerTreeRoot()
    group = root.insertGroup(0, outcome.request.question)
    layers: dict[int, QgsVectorLayer] = {}
    position = 0
    for step in outcome.steps:
        if not step.layer:
            continue
        layer = QgsVectorLayer(f"{outcome.gpkg_path}|layername={step.layer}", step_layer_name(step), "ogr")
        if not layer.isValid() or layer.featureCount() == 0:  # a step that found no region: trace only
            continue
        style_step_layer(layer, position)
        layer.setCustomProperty(STEP_LAYER_PROPERTY, step.index)
        project.addMapLayer(layer, False)
        group.addLayer(layer)
        layers[step.index] = layer
        position += 1
    if not layers:  # nothing was found on the map: the answer and trace are in the dock only
        root.removeChildNode(group)
        group = None
    return group, layers


def group_layers(group: QgsLayerTreeGroup) -> list[QgsVectorLayer]:
    return [n.layer() for n in group.findLayers() if isinstance(n.layer(), QgsVectorLayer)]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_") or "layer"


def export_group(group: QgsLayerTreeGroup, path: str, fmt: str) -> list[str]:
    """Write the group's layers: ``fmt`` ``"gpkg"`` -> one GeoPackage at ``path`` (one table per layer);
    ``"shp"`` -> one Shapefile per layer in the folder ``path``. Returns the files written; raises
    ``OSError`` with a one-line message on failure."""
    layers = group_layers(group)
    if not layers:
        raise OSError(tr("The group {name} holds no step layers to export.").format(name=group.name()))
    written: list[str] = []
    context = QgsCoordinateTransformContext()
    if fmt == "shp":
        os.makedirs(path, exist_ok=True)
    for i, layer in enumerate(layers):
        table = _safe(layer.source().split("layername=")[-1] if "layername=" in layer.source() else layer.name())
        opts = QgsVectorFileWriter.SaveVectorOptions()
        if fmt == "gpkg":
            opts.driverName = "GPKG"
            opts.layerName = table
            opts.actionOnExistingFile = (QgsVectorFileWriter.CreateOrOverwriteFile if i == 0
                                         else QgsVectorFileWriter.CreateOrOverwriteLayer)
            target = path
        elif fmt == "shp":
            opts.driverName = "ESRI Shapefile"
            target = os.path.join(path, f"{table}.shp")
        else:
            raise OSError(tr("Unknown export format {fmt}: use gpkg or shp.").format(fmt=fmt))
        opts.fileEncoding = "UTF-8"
        result = QgsVectorFileWriter.writeAsVectorFormatV3(layer, target, context, opts)
        if result[0] != QgsVectorFileWriter.NoError:
            raise OSError(tr("Could not write {target}: {error}").format(target=target, error=result[1]))
        if target not in written:
            written.append(target)
    return written
