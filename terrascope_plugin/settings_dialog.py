"""A small dialog over :class:`Settings`: model folder, device, flip averaging, mask sharpening, class signatures,
change from classes, the water index, tile size, results and adapters folders."""
from __future__ import annotations

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox

from .i18n import tr
from .settings import (CHANGE_FROM_CLASSES, CLASS_SIGNATURES, DEVICES, FLIP_AVERAGING, LAND_COVER, MASK_SHARPENING,
                       WATER_INDEX,
                       Settings)


class SettingsDialog(QDialog):
    def __init__(self, parent=None, settings: Settings | None = None):
        super().__init__(parent)
        self.setObjectName("TerraScopeSettingsDialog")
        self.setWindowTitle(tr("TerraScope settings"))
        self.settings = settings or Settings()
        form = QFormLayout(self)
        self.model_dir = self._folder("modelDirWidget", self.settings.model_dir)
        self.results_dir = self._folder("resultsDirWidget", self.settings.results_dir)
        self.adapters_dir = self._folder("adaptersDirWidget", self.settings.adapters_dir)
        self.device = self._choice("deviceSetting", DEVICES, (tr("Automatic"), tr("CPU"), tr("CUDA")),
                                   self.settings.device)
        self.flip_averaging = self._choice("flipAveragingSetting", FLIP_AVERAGING,
                                           (tr("As the model says"), tr("On (steadier masks, slower)"),
                                            tr("Off (faster)")), self.settings.flip_averaging)
        self.mask_sharpening = self._choice("maskSharpeningSetting", MASK_SHARPENING,
                                            (tr("As the model says"), tr("On (boundaries follow the bands)"),
                                             tr("Off (the model's masks as decoded)")), self.settings.mask_sharpening)
        self.class_signatures = self._choice(
            "classSignaturesSetting", CLASS_SIGNATURES,
            (tr("As the model says"), tr("On (look-alike pixels of the scene join)"),
             tr("Off (the model's masks alone)")),
            self.settings.class_signatures)
        self.change_from_classes = self._choice(
            "changeFromClassesSetting", CHANGE_FROM_CLASSES,
            (tr("As the model says"), tr("On (the classes' difference between the dates)"),
             tr("Off (the model's change masks as decoded)")),
            self.settings.change_from_classes)
        self.land_cover = self._choice(
            "landCoverSetting", LAND_COVER,
            (tr("As the model says"), tr("On (the land-cover head's labels join)"),
             tr("Off (the model's class masks alone)")),
            self.settings.land_cover)
        self.water_index = self._choice(
            "waterIndexSetting", WATER_INDEX,
            (tr("On (flood water the index marks joins)"), tr("Off (the model's water masks alone)")),
            self.settings.water_index)
        self.tile_size = QSpinBox(self)
        self.tile_size.setObjectName("tileSizeSetting")
        self.tile_size.setRange(64, 8192)
        self.tile_size.setSingleStep(64)
        self.tile_size.setSuffix(tr(" px"))
        self.tile_size.setValue(self.settings.tile_size)
        form.addRow(tr("Model folder (empty: embedded default)"), self.model_dir)
        form.addRow(tr("Device"), self.device)
        form.addRow(tr("Masks averaged over image flips"), self.flip_averaging)
        form.addRow(tr("Mask boundaries on band edges"), self.mask_sharpening)
        form.addRow(tr("Class masks learn the scene's signature"), self.class_signatures)
        form.addRow(tr("Change steps from the classes of both dates"), self.change_from_classes)
        form.addRow(tr("Class masks follow the land-cover head"), self.land_cover)
        form.addRow(tr("Water masks follow the water index (NDWI)"), self.water_index)
        form.addRow(tr("Tile size"), self.tile_size)
        form.addRow(tr("Results folder (empty: beside the project)"), self.results_dir)
        form.addRow(tr("Fine-tuned adapters folder"), self.adapters_dir)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _choice(self, name: str, values: tuple[str, ...], labels: tuple[str, ...], current: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        for value, label in zip(values, labels):
            combo.addItem(label, value)
        combo.setCurrentIndex(values.index(current))
        return combo

    def _folder(self, name: str, value: str) -> QgsFileWidget:
        widget = QgsFileWidget(self)
        widget.setObjectName(name)
        widget.setStorageMode(QgsFileWidget.GetDirectory)
        widget.setFilePath(value)
        return widget

    def accept(self) -> None:
        self.settings.model_dir = self.model_dir.filePath()
        self.settings.results_dir = self.results_dir.filePath()
        self.settings.adapters_dir = self.adapters_dir.filePath()
        self.settings.device = self.device.currentData()
        self.settings.flip_averaging = self.flip_averaging.currentData()
        self.settings.mask_sharpening = self.mask_sharpening.currentData()
        self.settings.class_signatures = self.class_signatures.currentData()
        self.settings.land_cover = self.land_cover.currentData()
        self.settings.change_from_classes = self.change_from_classes.currentData()
        self.settings.water_index = self.water_index.currentData()
        self.settings.tile_size = self.tile_size.value()
        super().accept()
