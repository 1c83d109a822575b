"""The TerraScope QGIS plugin: toolbar button and menu entry "Ask TerraScope" that show the dock, the task
that answers the dock's requests, the result layers, and the Processing provider."""
from __future__ import annotations

import os
import time
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QFileDialog

from .dependencies import install_hint, missing_dependencies
from .i18n import install_translator, remove_translator, tr

PLUGIN_ROOT = Path(__file__).resolve().parent.parent
ICON_PATH = PLUGIN_ROOT / "resources" / "icons" / "terrascope.svg"
MENU = "&TerraScope"


class TerraScopePlugin:
    """Owns the actions, the dock, the running task and the provider; initGui's additions go in unload."""

    def __init__(self, iface):
        self.iface = iface
        self.ask_action: QAction | None = None
        self.settings_action: QAction | None = None
        self.finetune_action: QAction | None = None
        self.dock = None
        self.task = None  # the running AskTask; a reference keeps its Python side alive
        self.provider = None
        self.last_group = None  # the layer group of the last answer, for export

    def tr(self, text: str) -> str:
        return tr(text)

    def initGui(self) -> None:
        install_translator()
        from .dock import AskDock

        self.ask_action = QAction(QIcon(str(ICON_PATH)), tr("Ask TerraScope"), self.iface.mainWindow())
        self.ask_action.setObjectName("TerraScopeAskAction")
        self.ask_action.setCheckable(True)
        self.ask_action.toggled.connect(self._set_dock_visible)
        self.iface.addToolBarIcon(self.ask_action)
        self.iface.addPluginToMenu(MENU, self.ask_action)
        self.settings_action = QAction(tr("TerraScope settings…"), self.iface.mainWindow())
        self.settings_action.setObjectName("TerraScopeSettingsAction")
        self.settings_action.triggered.connect(self.open_settings)
        self.iface.addPluginToMenu(MENU, self.settings_action)
        from .finetune import make_finetune_action

        # a saved adapter shows up in the panel's model list at once
        self.finetune_action = make_finetune_action(self.iface, self.iface.mainWindow(),
                                                    on_adapter_saved=lambda path: self._adapter_saved())
        self.iface.addPluginToMenu(MENU, self.finetune_action)

        self.dock = AskDock(self.iface, self.iface.mainWindow())
        self.dock.visibilityChanged.connect(self.ask_action.setChecked)
        self.dock.askRequested.connect(self.start_task)
        self.dock.cancelRequested.connect(self.cancel_task)
        self.dock.exportRequested.connect(self.export_last_group)
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self._register_provider()

        missing = missing_dependencies()
        if missing:
            hint = install_hint(missing)
            QgsMessageLog.logMessage(hint, "TerraScope", Qgis.Warning)
            self.iface.messageBar().pushMessage("TerraScope", hint, Qgis.Warning, 15)
            self.dock.show_dependency_warning(hint)

    def _register_provider(self) -> None:
        try:
            from .processing_provider import TerraScopeProvider
        except ImportError:  # Processing framework missing: the dock still works
            return
        self.provider = TerraScopeProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def _set_dock_visible(self, visible: bool) -> None:
        if self.dock is not None and self.dock.isVisible() != visible:
            self.dock.setVisible(visible)

    # ---- asking -------------------------------------------------------------------------------------
    def start_task(self, request) -> None:
        """Run ``request`` in QGIS's task manager; results arrive in :meth:`task_done`."""
        from .task import AskTask

        if self.task is not None:
            self.dock.show_error(tr("An answer is still being computed: wait for it or cancel it."))
            return
        folder = request.results_dir
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            self.dock.show_error(tr("Results folder {path} cannot be created: choose another in the TerraScope "
                                    "settings.").format(path=folder))
            return
        if not os.access(folder, os.W_OK):
            self.dock.show_error(tr("Results folder {path} is not writable: choose another in the TerraScope "
                                    "settings.").format(path=folder))
            return
        output = os.path.join(folder, request.output_name(time.strftime("%Y%m%d-%H%M%S")))
        self.task = AskTask(request, output, done=self.task_done)
        self.task.progressChanged.connect(self.dock.set_progress)
        self.task.message.connect(self.dock.set_status)
        self.dock.set_running(True)
        QgsApplication.taskManager().addTask(self.task)

    def cancel_task(self) -> None:
        if self.task is not None:
            self.dock.set_status(tr("Cancelling…"))
            self.task.cancel()

    def task_done(self, outcome) -> None:
        """Main thread: add the step layers of a success, then show the outcome in the dock."""
        from .results import add_result_group
        from .runner import Success

        self.task = None
        layers: dict = {}
        if isinstance(outcome, Success):
            self.last_group, layers = add_result_group(outcome)
        if self.dock is not None:
            self.dock.show_outcome(outcome, layers)

    # ---- export and settings ------------------------------------------------------------------------
    def export_last_group(self, fmt: str, path: str | None = None) -> list[str]:
        """Export the last answer's group: ``fmt`` "gpkg" (one file) or "shp" (a folder of Shapefiles)."""
        from .results import export_group

        group = self.last_group
        if group is not None and sip.isdeleted(group):  # the user removed the group
            group = self.last_group = None
        if group is None:
            self.dock.show_error(tr("No answer layers to export: ask a question first."))
            return []
        if path is None:
            if fmt == "gpkg":
                path, _ = QFileDialog.getSaveFileName(self.dock, tr("Export as GeoPackage"), "",
                                                      tr("GeoPackage (*.gpkg)"))
            else:
                path = QFileDialog.getExistingDirectory(self.dock, tr("Folder for the Shapefiles"))
            if not path:
                return []
        try:
            written = export_group(group, path, fmt)
        except OSError as err:
            self.dock.show_error(str(err))
            return []
        self.iface.messageBar().pushMessage("TerraScope", tr("Exported {n} layer(s) to {path}").format(
            n=len(group.findLayers()), path=path), Qgis.Success, 5)
        return written

    def _adapter_saved(self) -> None:
        if self.dock is not None:
            self.dock.refresh_models()

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.iface.mainWindow())
        if dialog.exec_() and self.dock is not None:
            self.dock.refresh_models()

    def unload(self) -> None:
        if self.task is not None:
            self.task.detach()  # its outcome must not reach a dock that is going away
            self.task.cancel()
            self.task = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        from .finetune import close_finetune_wizards

        close_finetune_wizards()
        for action in (self.ask_action, self.settings_action, self.finetune_action):
            if action is not None:
                if action is self.ask_action:
                    self.iface.removeToolBarIcon(action)
                self.iface.removePluginMenu(MENU, action)
                action.deleteLater()
        self.ask_action = self.settings_action = self.finetune_action = None
        from .runner import stop_worker

        stop_worker()  # the engine process and its model go with the plugin
        remove_translator()
