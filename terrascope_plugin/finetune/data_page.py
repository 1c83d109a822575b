"""Wizard page 1, Data: imagery layers, labels (polygons + class field, or a classified raster), the
class-name mapping, the area of interest and the spatial-block train/validation split shown on the map."""
from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..dates_widget import DatesWidget
from ..i18n import tr
from ..layer_sources import RequestError
from .inputs import check_data, label_source, raster_path
from .page_base import MessagePage, one_line

MAX_CLASSES = 256


def _raster_combo(parent, name: str) -> QgsMapLayerComboBox:
    combo = QgsMapLayerComboBox(parent)
    combo.setObjectName(name)
    combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
    combo.setAllowEmptyLayer(True)
    combo.setLayer(None)
    return combo


def unique_label_values(layer, field: str | None) -> list:
    """Distinct class values of a polygon layer's ``field`` or of a raster's first band (nodata left out),
    sorted, at most :data:`MAX_CLASSES`. Rasters are read through a decimated view (side <= 1024 px)."""
    if isinstance(layer, QgsRasterLayer):
        from .inputs import file_path

        path = file_path(layer)
        if path is None:
            return []
        import numpy as np
        import rasterio

        with rasterio.open(path) as src:
            scale = max(1.0, max(src.width, src.height) / 1024)
            shape = (max(1, int(src.height / scale)), max(1, int(src.width / scale)))
            data = src.read(1, out_shape=shape)
            values = np.unique(data if src.nodata is None else data[data != src.nodata])
        return [int(v) if float(v).is_integer() else float(v) for v in values[:MAX_CLASSES]]
    if layer is None or not field:
        return []
    idx = layer.fields().indexOf(field)
    if idx < 0:
        return []
    values = [v for v in layer.uniqueValues(idx, MAX_CLASSES) if v is not None and str(v) != "NULL"]
    def key(v):
        number = isinstance(v, (int, float))
        return (not number, v if number else 0, str(v))

    return sorted(values, key=key)


def _default_name(value) -> str:
    if isinstance(value, (int, float)):
        return tr("class {value}").format(value=value)
    return str(value)


class DataPage(MessagePage):
    """Collects the data settings; ``validatePage`` runs the engine's data check and draws the split."""

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setTitle(tr("Data"))
        self.setSubTitle(tr("Imagery, labels of your region, the area to use and how it is split into "
                            "training and validation blocks."))
        self.preview = None  # SplitPreview of the last successful check
        layout = QVBoxLayout(self)

        imagery = QGroupBox(tr("Imagery"), self)
        form = QFormLayout(imagery)
        self.optical_combo = _raster_combo(self, "opticalCombo")
        self.sar_combo = _raster_combo(self, "sarCombo")
        self.dates = DatesWidget(self)
        form.addRow(tr("Optical"), self.optical_combo)
        form.addRow(tr("SAR"), self.sar_combo)
        form.addRow(tr("Dated layers (instead of optical/SAR)"), self.dates)
        layout.addWidget(imagery)

        labels = QGroupBox(tr("Labels"), self)
        form = QFormLayout(labels)
        self.polygon_radio = QRadioButton(tr("Polygon layer with a class field"), self)
        self.raster_radio = QRadioButton(tr("Classified raster"), self)
        self.polygon_radio.setChecked(True)
        self.polygon_combo = QgsMapLayerComboBox(self)
        self.polygon_combo.setObjectName("labelsPolygonCombo")
        self.polygon_combo.setFilters(QgsMapLayerProxyModel.PolygonLayer)
        self.polygon_combo.setAllowEmptyLayer(True)
        self.polygon_combo.setLayer(None)
        self.field_combo = QgsFieldComboBox(self)
        self.field_combo.setObjectName("classFieldCombo")
        self.field_combo.setAllowEmptyFieldName(True)
        self.label_raster_combo = _raster_combo(self, "labelsRasterCombo")
        form.addRow(self.polygon_radio)
        form.addRow(tr("Polygons"), self.polygon_combo)
        form.addRow(tr("Class field"), self.field_combo)
        form.addRow(self.raster_radio)
        form.addRow(tr("Raster"), self.label_raster_combo)
        self.class_table = QTableWidget(0, 2, self)
        self.class_table.setObjectName("classTable")
        self.class_table.setHorizontalHeaderLabels([tr("Value"), tr("Class name (empty: not used)")])
        self.class_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.class_table.setMaximumHeight(140)
        form.addRow(tr("Class names"), self.class_table)
        layout.addWidget(labels)

        area = QGroupBox(tr("Area and split"), self)
        form = QFormLayout(area)
        self.aoi_mode = QComboBox(self)
        self.aoi_mode.setObjectName("aoiMode")
        for key, text in (("whole", tr("Whole imagery")), ("canvas", tr("Map canvas extent")),
                          ("layer", tr("Extent of a layer"))):
            self.aoi_mode.addItem(text, key)
        self.aoi_layer = QgsMapLayerComboBox(self)
        self.aoi_layer.setObjectName("aoiLayerCombo")
        self.aoi_layer.setEnabled(False)
        self.aoi_mode.currentIndexChanged.connect(self._aoi_mode_changed)
        row = QHBoxLayout()
        row.addWidget(self.aoi_mode)
        row.addWidget(self.aoi_layer, 1)
        form.addRow(tr("Area of interest"), row)
        self.block_size = QSpinBox(self)
        self.block_size.setObjectName("blockSize")
        self.block_size.setRange(8, 8192)
        self.block_size.setValue(128)
        self.block_size.setSuffix(tr(" px"))
        self.val_fraction = QDoubleSpinBox(self)
        self.val_fraction.setObjectName("valFraction")
        self.val_fraction.setRange(0.05, 0.9)
        self.val_fraction.setSingleStep(0.05)
        self.val_fraction.setValue(0.25)
        self.split_seed = QSpinBox(self)
        self.split_seed.setRange(0, 10**6)
        form.addRow(tr("Block size"), self.block_size)
        form.addRow(tr("Validation fraction"), self.val_fraction)
        form.addRow(tr("Split seed"), self.split_seed)
        self.show_split_button = QPushButton(tr("Show split on map"), self)
        self.show_split_button.setObjectName("showSplitButton")
        self.show_split_button.clicked.connect(self.check_and_show)
        form.addRow(self.show_split_button)
        layout.addWidget(area)
        layout.addWidget(self.message)

        # bound methods, not lambdas: PyQt drops them with the page, so a project cleared after the
        # wizard is gone cannot call into a deleted page
        self.polygon_combo.layerChanged.connect(self._polygon_changed)
        self.field_combo.fieldChanged.connect(self._labels_changed)
        self.label_raster_combo.layerChanged.connect(self._labels_changed)
        self.polygon_radio.toggled.connect(self._labels_changed)
        self._polygon_changed(self.polygon_combo.currentLayer())

    def shutdown(self) -> None:
        """Stop following project changes (the wizard closed)."""
        for signal, slot in ((self.polygon_combo.layerChanged, self._polygon_changed),
                             (self.field_combo.fieldChanged, self._labels_changed),
                             (self.label_raster_combo.layerChanged, self._labels_changed)):
            try:
                signal.disconnect(slot)
            except TypeError:
                pass
        self.dates.shutdown()

    # -- widget state -----------------------------------------------------------------------------------
    def _aoi_mode_changed(self, *_) -> None:
        self.aoi_layer.setEnabled(self.aoi_mode.currentData() == "layer")

    def _labels_changed(self, *_) -> None:
        self.fill_classes()

    def _polygon_changed(self, layer) -> None:
        self.field_combo.setLayer(layer)
        if layer is not None and not self.field_combo.currentField():
            names = [f.name() for f in layer.fields() if f.name().lower() not in ("fid", "id")]
            if names:
                self.field_combo.setField(names[0])
        self.fill_classes()

    def label_layer(self):
        return self.polygon_combo.currentLayer() if self.polygon_radio.isChecked() \
            else self.label_raster_combo.currentLayer()

    def fill_classes(self) -> None:
        """Refill the class table with the distinct values of the chosen labels (names editable)."""
        field = self.field_combo.currentField() if self.polygon_radio.isChecked() else None
        try:
            values = unique_label_values(self.label_layer(), field)
        except Exception:  # an unreadable raster: the check on Next says why
            values = []
        self.class_table.setRowCount(0)
        for v in values:
            row = self.class_table.rowCount()
            self.class_table.insertRow(row)
            item = QTableWidgetItem(str(v))
            item.setFlags(item.flags() & ~Qt.ItemIsEditable)
            self.class_table.setItem(row, 0, item)
            self.class_table.setItem(row, 1, QTableWidgetItem(_default_name(v)))

    def class_names(self) -> dict[str, str]:
        """{label value: class name} for the rows with a name ({} when the table is empty: all values)."""
        out = {}
        for row in range(self.class_table.rowCount()):
            value, name = self.class_table.item(row, 0), self.class_table.item(row, 1)
            if value is not None and name is not None and name.text().strip():
                out[value.text()] = name.text().strip()
        return out

    def set_class_name(self, value: str, name: str) -> None:
        for row in range(self.class_table.rowCount()):
            if self.class_table.item(row, 0).text() == str(value):
                self.class_table.item(row, 1).setText(name)

    def aoi_wkt(self) -> str | None:
        """The area of interest as WKT in EPSG:4326 (the engine's default for bare WKT), or None."""
        mode = self.aoi_mode.currentData()
        if mode == "whole":
            return None
        if mode == "canvas":
            canvas = self.iface.mapCanvas()
            geom, crs = QgsGeometry.fromRect(canvas.extent()), canvas.mapSettings().destinationCrs()
        else:
            layer = self.aoi_layer.currentLayer()
            if layer is None:
                raise RequestError(tr("Pick the layer whose extent is the area of interest."))
            geom, crs = QgsGeometry.fromRect(layer.extent()), layer.crs()
        if geom.isEmpty():
            raise RequestError(tr("The area of interest is empty; zoom to your region or pick another "
                                  "layer."))
        wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
        if crs != wgs84:
            geom = geom.densifyByCount(16)
            geom.transform(QgsCoordinateTransform(crs, wgs84, QgsProject.instance()))
        return geom.asWkt(9)

    def fields(self, exported: dict[str, str]) -> dict:
        """FinetuneConfig fields of this page; non-file layers are exported once into ``exported``
        ({layer id: temporary path}).
        Raises :class:`RequestError` with a message for the page."""
        project = QgsProject.instance()
        optical, sar = self.optical_combo.currentLayer(), self.sar_combo.currentLayer()
        dated = [project.mapLayer(lid) for lid, _ in self.dates.entries()]
        dated = [lyr for lyr in dated if lyr is not None]
        if optical is None and sar is None and not dated:
            raise RequestError(tr("No imagery: pick an optical or SAR layer, or add dated layers."))
        if dated and (optical is not None or sar is not None):
            raise RequestError(tr("Use either the optical/SAR layers or dated layers, not both."))
        labels = self.label_layer()
        if labels is None:
            raise RequestError(tr("No labels: pick a polygon layer with a class field or a classified "
                                  "raster."))
        field = self.field_combo.currentField() if self.polygon_radio.isChecked() else None
        if self.polygon_radio.isChecked() and not field:
            fields = ", ".join(f.name() for f in labels.fields()) or tr("none")
            raise RequestError(tr("No class field: pick the field of {name} that holds the class (fields: "
                                  "{fields}).").format(name=labels.name(), fields=fields))
        src = label_source(labels, field, exported)
        return {
            "optical": raster_path(optical, exported) if optical is not None else None,
            "sar": raster_path(sar, exported) if sar is not None else None,
            "dates": [raster_path(lyr, exported) for lyr in dated],
            "labels": src.path, "label_field": src.field, "label_layer": src.layer,
            "class_names": self.class_names(), "aoi": self.aoi_wkt(),
            "block_size": self.block_size.value(), "val_fraction": round(self.val_fraction.value(), 4),
            "split_seed": self.split_seed.value(),
        }

    # -- checks -----------------------------------------------------------------------------------------
    def check_and_show(self) -> bool:
        """Run the data check; on success draw the split on the map and say what was found."""
        wizard = self.engine_wizard
        self.clear_message()
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            preview = check_data(wizard.config())
        except Exception as err:  # RequestError, the engine's InputError, or a read failure: one line here
            self.preview = None
            wizard.blocks.remove()
            self.show_error(one_line(err))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.preview = preview
        wizard.blocks.show(preview.blocks, preview.crs)
        n = {s: sum(b.split == s for b in preview.blocks) for s in ("train", "val")}
        self.show_info(tr("{train} training and {val} validation blocks; labelled pixels: {px_train} train, "
                          "{px_val} validation; classes: {classes}.").format(
            train=n["train"], val=n["val"], px_train=preview.labelled_px["train"],
            px_val=preview.labelled_px["val"], classes=", ".join(preview.class_names.values())))
        return True

    def validatePage(self) -> bool:  # noqa: N802 - Qt name
        return self.check_and_show()
