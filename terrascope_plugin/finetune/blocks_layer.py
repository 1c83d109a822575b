"""The train/validation split on the map: a temporary memory layer of blocks (train and validation styled
apart). It is the wizard's own layer; user layers are never changed, and the wizard removes it on close."""
from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsFillSymbol,
    QgsGeometry,
    QgsProject,
    QgsRendererCategory,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from ..i18n import tr

SPLIT_COLOURS = {"train": "31,119,180", "val": "255,127,14"}


def _symbol(rgb: str) -> QgsFillSymbol:
    return QgsFillSymbol.createSimple({"color": f"{rgb},70", "outline_color": f"{rgb},255",
                                       "outline_width": "0.6"})


def make_blocks_layer(blocks, crs_text: str) -> QgsVectorLayer:
    """A memory polygon layer with one feature per block: fields ``split`` ("train" | "val"), ``row``,
    ``col`` (pixel offsets in the imagery grid) and ``labelled_px``. ``blocks``: engine ``Block`` objects
    (their ``wkt`` in the imagery CRS ``crs_text``)."""
    crs = QgsCoordinateReferenceSystem(crs_text)
    if not crs.isValid():
        crs = QgsCoordinateReferenceSystem.fromWkt(crs_text)
    layer = QgsVectorLayer("Polygon", tr("Fine-tune split (train / validation)"), "memory")
    layer.setCrs(crs)
    provider = layer.dataProvider()
    provider.addAttributes([QgsField("split", QVariant.String), QgsField("row", QVariant.Int),
                            QgsField("col", QVariant.Int), QgsField("labelled_px", QVariant.Int)])
    layer.updateFields()
    feats = []
    for b in blocks:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromWkt(b.wkt))
        f.setAttributes([b.split, int(b.row), int(b.col), int(b.labelled_px)])
        feats.append(f)
    provider.addFeatures(feats)
    layer.updateExtents()
    names = {"train": tr("train"), "val": tr("validation")}
    cats = [QgsRendererCategory(s, _symbol(rgb), names[s]) for s, rgb in SPLIT_COLOURS.items()]
    layer.setRenderer(QgsCategorizedSymbolRenderer("split", cats))
    return layer


class BlocksLayerKeeper:
    """Shows at most one split layer at a time and removes it on :meth:`remove` (the layer id is kept, not
    the object, so a layer the user already deleted is simply forgotten)."""

    def __init__(self, project: QgsProject | None = None):
        self.project = project or QgsProject.instance()
        self.layer_id: str | None = None

    def show(self, blocks, crs_text: str) -> QgsVectorLayer:
        self.remove()
        layer = make_blocks_layer(blocks, crs_text)
        self.project.addMapLayer(layer)
        self.layer_id = layer.id()
        return layer

    def layer(self) -> QgsVectorLayer | None:
        return self.project.mapLayer(self.layer_id) if self.layer_id else None

    def remove(self) -> None:
        if self.layer_id and self.project.mapLayer(self.layer_id) is not None:
            self.project.removeMapLayer(self.layer_id)
        self.layer_id = None
