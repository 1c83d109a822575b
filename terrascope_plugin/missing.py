"""A stand-in plugin that loads when the real one cannot be imported and says why."""
from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtWidgets import QAction, QMessageBox

from .dependencies import install_hint, missing_dependencies
from .i18n import tr


class MissingDependencyPlugin:
    """Shows one menu entry that explains which package is missing and how to install it."""

    def __init__(self, iface, error: Exception):
        self.iface = iface
        self.error = error
        self.action: QAction | None = None

    def message(self) -> str:
        missing = missing_dependencies()
        if missing:
            return install_hint(missing)
        return tr("TerraScope could not start: {error}").format(error=self.error)

    def initGui(self) -> None:
        self.action = QAction(tr("TerraScope: why is it not available?"), self.iface.mainWindow())
        self.action.triggered.connect(self.explain)
        self.iface.addPluginToMenu("&TerraScope", self.action)
        QgsMessageLog.logMessage(self.message(), "TerraScope", Qgis.Warning)
        self.iface.messageBar().pushMessage("TerraScope", self.message(), Qgis.Warning, 0)

    def explain(self) -> None:
        QMessageBox.warning(self.iface.mainWindow(), "TerraScope", self.message())

    def unload(self) -> None:
        if self.action is not None:
            self.iface.removePluginMenu("&TerraScope", self.action)
            self.action.deleteLater()
            self.action = None
