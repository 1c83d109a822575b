"""The TerraScope QGIS plugin: toolbar button and menu entry "Ask TerraScope" that show the dock."""
from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .dependencies import install_hint, missing_dependencies

PLUGIN_ROOT = Path(__file__).resolve().parent.parent
ICON_PATH = PLUGIN_ROOT / "resources" / "icons" / "terrascope.svg"
MENU = "&TerraScope"


class TerraScopePlugin:
    """Owns the actions and the dock; everything it adds in initGui it removes in unload."""

    def __init__(self, iface):
        self.iface = iface
        self.ask_action: QAction | None = None
        self.dock = None

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("TerraScopePlugin", text)

    def initGui(self) -> None:  # noqa: N802
        from .dock import AskDock

        self.ask_action = QAction(QIcon(str(ICON_PATH)), self.tr("Ask TerraScope"), self.iface.mainWindow())
        self.ask_action.setObjectName("TerraScopeAskAction")
        self.ask_action.setCheckable(True)
        self.ask_action.toggled.connect(self._set_dock_visible)
        self.iface.addToolBarIcon(self.ask_action)
        self.iface.addPluginToMenu(MENU, self.ask_action)

        self.dock = AskDock(self.iface, self.iface.mainWindow())
        self.dock.visibilityChanged.connect(self.ask_action.setChecked)
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.hide()

        missing = missing_dependencies()
        if missing:
            hint = install_hint(missing)
            QgsMessageLog.logMessage(hint, "TerraScope", Qgis.Warning)
            self.iface.messageBar().pushMessage("TerraScope", hint, Qgis.Warning, 15)
            self.dock.show_dependency_warning(hint)

    def _set_dock_visible(self, visible: bool) -> None:
        if self.dock is not None and self.dock.isVisible() != visible:
            self.dock.setVisible(visible)

    def unload(self) -> None:
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.ask_action is not None:
            self.iface.removeToolBarIcon(self.ask_action)
            self.iface.removePluginMenu(MENU, self.ask_action)
            self.ask_action.deleteLater()
            self.ask_action = None
