"""The "Ask TerraScope" dock panel (objectName ``TerraScopeAskDock``).

It freezes its widgets into an :class:`AskRequest` and emits ``askRequested``; it never runs the engine.
Results come back through :meth:`AskDock.show_outcome`."""
from __future__ import annotations

import os

from qgis.core import (
    Qgis,
    QgsCoordinateTransform,
    QgsMapLayerProxyModel,
    QgsProject,
)
from qgis.gui import QgsCollapsibleGroupBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .aoi import RectangleTool, aoi_geometry, aoi_mode_labels, check_inside
from .dates_widget import DatesWidget
from .devices import gpu_probe
from .i18n import tr
from .layer_sources import RequestError, check_overlap, raster_input
from .request import AskRequest, ModelChoice
from .results_panel import ResultsPanel
from .runner import Canceled, Failed
from .settings import DEVICES, Settings


def shrinkable(combo):
    """Let a combo box get narrower than its longest entry, so the dock fits beside the map."""
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    return combo


def example_questions() -> list[str]:
    """Questions to start from, in English whatever the interface language: the model reads English questions."""
    return [
        "What share of this area is flooded cropland?",
        "How far is the nearest building from the river?",
        "How many buildings were destroyed between the two dates?",
        "Which covers more area, forest or cropland?",
        "What is the dominant land cover?",
        "How many houses are near the river?",
        "Where is the water?",
    ]


class AskDock(QDockWidget):
    """Layer pickers, area of interest, question, model and device, progress, and the results."""

    askRequested = pyqtSignal(object)  # AskRequest
    cancelRequested = pyqtSignal()
    exportRequested = pyqtSignal(str)  # "gpkg" | "shp"

    def __init__(self, iface, parent=None):
        super().__init__(tr("Ask TerraScope"), parent)
        self.iface = iface
        self.settings = Settings()
        self.setObjectName("TerraScopeAskDock")
        self._drawn = None  # (QgsRectangle, QgsCoordinateReferenceSystem) of the last drawn rectangle
        self._map_tool: RectangleTool | None = None
        self._running = False
        self._gpu_asked = False

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget(scroll)
        layout = QVBoxLayout(body)
        self.dependency_label = QLabel(body)
        self.dependency_label.setObjectName("dependencyWarning")
        self.dependency_label.setWordWrap(True)
        self.dependency_label.hide()
        layout.addWidget(self.dependency_label)
        layout.addWidget(self._build_inputs(body))
        layout.addWidget(self._build_aoi(body))
        layout.addWidget(self._build_question(body))
        layout.addWidget(self._build_run(body))
        layout.addWidget(self._build_results(body))
        layout.addStretch(1)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self._update_enabled()

    # ---- construction -------------------------------------------------------------------------------
    def _raster_combo(self, name: str, parent) -> QgsMapLayerComboBox:
        combo = shrinkable(QgsMapLayerComboBox(parent))
        combo.setObjectName(name)
        combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        combo.setAllowEmptyLayer(True)
        combo.setLayer(None)
        return combo

    def _build_inputs(self, parent) -> QGroupBox:
        box = QGroupBox(tr("Imagery"), parent)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.optical_combo = self._raster_combo("opticalLayerCombo", box)
        self.sar_combo = self._raster_combo("sarLayerCombo", box)
        form.addRow(tr("Optical"), self.optical_combo)
        form.addRow(tr("SAR"), self.sar_combo)
        # collapsed by default: most questions are about one date
        self.dates_box = QgsCollapsibleGroupBox(tr("Dated layers instead"), box)
        self.dates_box.setToolTip(tr("Before/after pairs and time series: one raster per date, earliest first"))
        self.dates_box.setObjectName("datesGroup")
        self.dates_box.setCollapsed(True)
        inner = QVBoxLayout(self.dates_box)
        self.dates = DatesWidget(self.dates_box)
        self.dates_list = self.dates.table
        inner.addWidget(self.dates)
        form.addRow(self.dates_box)
        return box

    def _build_aoi(self, parent) -> QGroupBox:
        box = QGroupBox(tr("Area of interest"), parent)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.aoi_mode_combo = shrinkable(QComboBox(box))
        self.aoi_mode_combo.setObjectName("aoiModeCombo")
        for mode, label in aoi_mode_labels().items():
            self.aoi_mode_combo.addItem(label, mode)
        self.aoi_mode_combo.currentIndexChanged.connect(self._update_enabled)
        form.addRow(tr("Area"), self.aoi_mode_combo)
        row = QHBoxLayout()
        self.aoi_layer_combo = shrinkable(QgsMapLayerComboBox(box))
        self.aoi_layer_combo.setObjectName("aoiLayerCombo")
        self.aoi_layer_combo.setFilters(QgsMapLayerProxyModel.RasterLayer | QgsMapLayerProxyModel.PolygonLayer)
        row.addWidget(self.aoi_layer_combo, 1)
        self.draw_button = QPushButton(tr("Draw"), box)
        self.draw_button.setObjectName("drawAoiButton")
        self.draw_button.setToolTip(tr("Drag a rectangle on the map"))
        self.draw_button.clicked.connect(self.start_drawing)
        row.addWidget(self.draw_button)
        form.addRow(tr("Layer"), row)
        return box

    def _build_question(self, parent) -> QGroupBox:
        box = QGroupBox(tr("Question"), parent)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.question_edit = shrinkable(QComboBox(box))
        self.question_edit.setObjectName("questionEdit")
        self.question_edit.setEditable(True)
        self.question_edit.setInsertPolicy(QComboBox.NoInsert)
        self.question_edit.addItems(example_questions())
        self.question_edit.setCurrentIndex(-1)
        self.question_edit.lineEdit().setPlaceholderText(
            tr("Ask in English about the area, e.g. an example from the list"))
        form.addRow(self.question_edit)
        model_row = QHBoxLayout()
        self.model_combo = shrinkable(QComboBox(box))
        self.model_combo.setObjectName("modelCombo")
        self.browse_model_button = QToolButton(box)
        self.browse_model_button.setObjectName("browseModelButton")
        self.browse_model_button.setText("…")
        self.browse_model_button.setToolTip(tr("Choose a local model folder"))
        self.browse_model_button.clicked.connect(self.browse_model_folder)
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.browse_model_button)
        form.addRow(tr("Model"), model_row)
        self.device_combo = shrinkable(QComboBox(box))
        self.device_combo.setObjectName("deviceCombo")
        self.device_combo.addItem(tr("Automatic"), "auto")
        self.device_combo.addItem(tr("CPU"), "cpu")
        self.device_combo.addItem(tr("CUDA (detecting…)"), "cuda")
        self.device_combo.setCurrentIndex(max(0, DEVICES.index(self.settings.device)))
        form.addRow(tr("Device"), self.device_combo)
        self.refresh_models()
        return box

    def _build_run(self, parent) -> QWidget:
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.ask_button = QPushButton(tr("Ask TerraScope"), box)
        self.ask_button.setObjectName("askButton")
        self.ask_button.setDefault(True)
        self.ask_button.clicked.connect(self.ask)
        self.cancel_button = QPushButton(tr("Cancel"), box)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancelRequested)
        row.addWidget(self.ask_button, 1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.progress_bar = QProgressBar(box)
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        layout.addWidget(self.progress_bar)
        self.status_label = QLabel(box)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        return box

    def _build_results(self, parent) -> ResultsPanel:
        self.results = ResultsPanel(self.iface, parent)
        self.results.exportRequested.connect(self.exportRequested)
        # the panel's widgets, under the names tests and scripts use
        self.answer_text, self.trace_list = self.results.answer_text, self.results.trace_list
        self.distances_table = self.results.distances_table
        self.export_gpkg_button, self.export_shp_button = self.results.export_gpkg_button, self.results.export_shp_button
        return self.results

    # ---- state --------------------------------------------------------------------------------------
    def showEvent(self, event):
        super().showEvent(event)
        if not self._gpu_asked:  # detect the GPU on first open, not at plugin start
            self._gpu_asked = True
            probe = gpu_probe()
            probe.found.connect(self._gpu_found)
            probe.start()

    def _gpu_found(self, name: str) -> None:
        index = self.device_combo.findData("cuda")
        if index < 0:
            return
        item = self.device_combo.model().item(index)
        if name:
            self.device_combo.setItemText(index, tr("CUDA: {gpu}").format(gpu=name))
            item.setEnabled(True)
        else:
            self.device_combo.setItemText(index, tr("CUDA (no GPU found)"))
            item.setEnabled(False)
            if self.device_combo.currentIndex() == index:
                self.device_combo.setCurrentIndex(self.device_combo.findData("auto"))

    def refresh_models(self) -> None:
        """Embedded default, the configured model folder, and the adapters in the adapters folder."""
        current = self.model_combo.currentData()
        self.model_combo.clear()
        self.model_combo.addItem(tr("Embedded default model"), ModelChoice())
        if self.settings.model_dir:
            self.add_model_choice(tr("Folder: {path}").format(path=self.settings.model_dir),
                                  ModelChoice(model_dir=self.settings.model_dir), select=False)
        for adapter in self.settings.adapters():
            self.add_model_choice(tr("Adapter: {name}").format(name=adapter.name),
                                  ModelChoice(adapter=str(adapter)), select=False)
        if current is not None:
            for i in range(self.model_combo.count()):
                if self.model_combo.itemData(i) == current:
                    self.model_combo.setCurrentIndex(i)

    def add_model_choice(self, label: str, choice: ModelChoice, select: bool = True) -> None:
        self.model_combo.addItem(label, choice)
        if select:
            self.model_combo.setCurrentIndex(self.model_combo.count() - 1)

    def browse_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Model folder"), self.settings.model_dir)
        if folder:
            self.settings.model_dir = folder
            self.add_model_choice(tr("Folder: {path}").format(path=folder), ModelChoice(model_dir=folder))

    def _update_enabled(self, *_):
        mode = self.aoi_mode_combo.currentData()
        self.aoi_layer_combo.setEnabled(mode in ("layer", "selection") and not self._running)
        self.draw_button.setEnabled(mode == "drawn" and not self._running)
        self.ask_button.setEnabled(not self._running)
        self.cancel_button.setEnabled(self._running)
        self.results.set_export_enabled(self.results.has_results() and not self._running)

    def set_running(self, running: bool) -> None:
        self._running = running
        if running:
            self.progress_bar.setValue(0)
            self.status_label.setText(tr("Starting…"))
        self._update_enabled()

    def set_progress(self, percent: float) -> None:
        self.progress_bar.setValue(round(percent))

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def show_error(self, text: str) -> None:
        """One message-bar line that says what to fix (never a traceback dialog)."""
        self.iface.messageBar().pushMessage("TerraScope", text, Qgis.Warning, 10)
        self.status_label.setText(text)

    def show_dependency_warning(self, text: str) -> None:
        self.dependency_label.setText(text)
        self.dependency_label.show()

    # ---- drawing ------------------------------------------------------------------------------------
    def start_drawing(self) -> None:
        canvas = self.iface.mapCanvas()
        if self._map_tool is None:
            self._map_tool = RectangleTool(canvas)
            self._map_tool.drawn.connect(self.set_drawn_rectangle)
        canvas.setMapTool(self._map_tool)

    def set_drawn_rectangle(self, rect) -> None:
        """The drawn area (``rect`` in the canvas CRS); switches the area mode to "drawn"."""
        self._drawn = (rect, self.iface.mapCanvas().mapSettings().destinationCrs())
        self.aoi_mode_combo.setCurrentIndex(self.aoi_mode_combo.findData("drawn"))
        self.status_label.setText(tr("Area drawn."))
        canvas = self.iface.mapCanvas()
        if self._map_tool is not None and canvas.mapTool() is self._map_tool:
            canvas.unsetMapTool(self._map_tool)

    # ---- request ------------------------------------------------------------------------------------
    def build_request(self) -> AskRequest:
        """Freeze the panel into an :class:`AskRequest`; raises :class:`RequestError` (one line) on bad input.
        Non-file layers are exported to temporary GeoTIFFs here, on the main thread."""
        question = self.question_edit.currentText().strip()
        if not question:
            raise RequestError(tr("Type a question first (or pick an example from the list)."))
        project = QgsProject.instance()
        optical, sar = self.optical_combo.currentLayer(), self.sar_combo.currentLayer()
        dated = [(project.mapLayer(lid), date) for lid, date in self.dates.entries()]
        dated = [(layer, date) for layer, date in dated if layer is not None]
        if dated and (optical or sar):
            raise RequestError(tr("Use either the optical/SAR pickers or the dated layers, not both: set the "
                                  "pickers to none or clear the dated list."))
        if not (optical or sar or dated):
            raise RequestError(tr("Pick an optical or a SAR layer (or add dated layers) first."))
        if optical is not None and optical is sar:
            raise RequestError(tr("The same layer is picked as optical and as SAR: pick the SAR layer (or none)."))
        layers = [lyr for lyr in (optical, sar) if lyr] or [lyr for lyr, _ in dated]
        for layer in layers:
            if not layer.isValid():
                raise RequestError(tr("Layer {name} is not valid; fix its source.").format(name=layer.name()))
        check_overlap(layers)
        reference = layers[0]
        mode = self.aoi_mode_combo.currentData()
        drawn_rect, drawn_crs = self._drawn if self._drawn else (None, None)
        geom = aoi_geometry(mode, reference.crs(), canvas=self.iface.mapCanvas(),
                            layer=self.aoi_layer_combo.currentLayer(), drawn=drawn_rect, drawn_crs=drawn_crs)
        check_inside(geom, reference)
        aoi_wkt, aoi_crs = None, None
        if geom is not None:
            if reference.crs().authid():
                aoi_wkt, aoi_crs = geom.asWkt(), reference.crs().authid()
            else:  # a custom CRS has no code the engine can parse: hand the area over in EPSG:4326
                from qgis.core import QgsCoordinateReferenceSystem

                wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
                geom.transform(QgsCoordinateTransform(reference.crs(), wgs84, project))
                aoi_wkt, aoi_crs = geom.asWkt(), "EPSG:4326"
        model = self.model_combo.currentData() or ModelChoice()
        for folder in (model.model_dir, model.adapter):
            if folder and not os.path.isdir(folder):
                raise RequestError(tr("Model folder {path} does not exist: choose another with \"…\" or pick the "
                                      "embedded default model.").format(path=folder))
        temporary: list[str] = []
        optical_in = raster_input(optical, temporary=temporary) if optical else None
        sar_in = raster_input(sar, temporary=temporary) if sar else None
        dates_in = tuple(raster_input(layer, date=date, temporary=temporary) for layer, date in dated)
        return AskRequest(
            question=question, optical=optical_in, sar=sar_in, dates=dates_in, crs=reference.crs().authid(),
            aoi_wkt=aoi_wkt, aoi_crs=aoi_crs, model=model, device=self.device_combo.currentData() or "auto",
            results_dir=str(self.settings.effective_results_dir()), tile_size=self.settings.tile_size,
            flip_average=self.settings.flip_average_option(),
            sharpen_masks=self.settings.sharpen_masks_option(),
            class_signatures=self.settings.class_signatures_option(),
            change_from_classes=self.settings.change_from_classes_option(),
            land_cover=self.settings.land_cover_option(), water_index=self.settings.water_index_option(), temporary_files=tuple(temporary))

    def ask(self) -> None:
        """The Ask button: emit a request, or say in the message bar what to fix."""
        if self._running:
            return
        try:
            request = self.build_request()
        except RequestError as err:
            self.show_error(str(err))
            return
        self.askRequested.emit(request)

    # ---- results ------------------------------------------------------------------------------------
    def show_outcome(self, outcome, step_layers: dict | None = None) -> None:
        """Show a task outcome: the answer, the trace (``step_layers``: step index -> layer), distances."""
        self.set_running(False)
        if isinstance(outcome, Failed):
            self.progress_bar.setValue(0)
            self.show_error(outcome.message)
            return
        if isinstance(outcome, Canceled):
            self.progress_bar.setValue(0)
            self.status_label.setText(tr("Cancelled; nothing was added."))
            return
        self.progress_bar.setValue(100)
        self.status_label.setText(tr("Done in {s:.1f} s; step layers in {path}").format(
            s=outcome.seconds, path=os.path.basename(outcome.gpkg_path)))
        self.status_label.setToolTip(outcome.gpkg_path)
        self.results.show_success(outcome, step_layers)
        self._update_enabled()

    def step_layer_id(self, step_index: int) -> str | None:
        return self.results.step_layers.get(step_index)

    def shutdown(self) -> None:
        """Disconnect from project and probe signals before the plugin unloads."""
        self.dates.shutdown()
        try:
            gpu_probe().found.disconnect(self._gpu_found)
        except TypeError:
            pass
        canvas = self.iface.mapCanvas()
        if self._map_tool is not None and canvas.mapTool() is self._map_tool:
            canvas.unsetMapTool(self._map_tool)
        self._map_tool = None
