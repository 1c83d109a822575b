"""A small real QGIS interface for tests: a QMainWindow with a real map canvas, message bar, menus and
toolbar. It implements the subset of ``QgisInterface`` the plugin uses, with real Qt/QGIS widgets."""
from __future__ import annotations

from qgis.core import QgsProject
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar, QVBoxLayout, QWidget


class TestInterface:
    def __init__(self):
        self.window = QMainWindow()
        central = QWidget(self.window)
        layout = QVBoxLayout(central)
        self.bar = QgsMessageBar(central)
        self.canvas = QgsMapCanvas(central)
        layout.addWidget(self.bar)
        layout.addWidget(self.canvas)
        self.window.setCentralWidget(central)
        self.toolbar = QToolBar("Plugins", self.window)
        self.window.addToolBar(self.toolbar)
        self.plugin_menus: dict[str, QMenu] = {}
        self.window.resize(1000, 700)
        self._layer_tree_bridge = None
        QgsProject.instance().layersAdded.connect(self._sync_canvas)
        QgsProject.instance().layersRemoved.connect(self._sync_canvas)

    def _sync_canvas(self, *_):
        from qgis.PyQt import sip

        if not sip.isdeleted(self.canvas):
            self.canvas.setLayers(list(QgsProject.instance().mapLayers().values()))

    def close(self) -> None:
        """Stop following the project: the project outlives this interface, whose widgets Qt may delete."""
        for signal in (QgsProject.instance().layersAdded, QgsProject.instance().layersRemoved):
            try:
                signal.disconnect(self._sync_canvas)
            except TypeError:  # already disconnected
                pass

    def mainWindow(self):
        return self.window

    def mapCanvas(self):
        return self.canvas

    def messageBar(self):
        return self.bar

    def addToolBarIcon(self, action):
        self.toolbar.addAction(action)

    def removeToolBarIcon(self, action):
        self.toolbar.removeAction(action)

    def addPluginToMenu(self, name, action):
        self.plugin_menus.setdefault(name, QMenu(name, self.window)).addAction(action)

    def removePluginMenu(self, name, action):
        menu = self.plugin_menus.get(name)
        if menu is not None:
            menu.removeAction(action)
            if not menu.actions():
                del self.plugin_menus[name]

    def addDockWidget(self, area, dock):
        self.window.addDockWidget(area, dock)

    def removeDockWidget(self, dock):
        self.window.removeDockWidget(dock)

    def docks(self) -> list[QDockWidget]:
        return self.window.findChildren(QDockWidget)

    def activeLayer(self):
        return None

    def addVectorLayer(self, *a, **k):
        raise NotImplementedError

    def layerTreeView(self):
        return None

    def zoomToActiveLayer(self):
        pass
