"""Runs inside the real QGIS desktop (see test_desktop.py): opens the TerraScope dock and records what
QGIS shows into the JSON file named by TERRASCOPE_PROBE_OUT."""
import json
import os

from qgis.PyQt.QtWidgets import QAction, QDockWidget
from qgis.utils import plugins

found = {"plugin_loaded": "terrascope_reasoning" in plugins}
actions = [a for a in iface.mainWindow().findChildren(QAction) if a.objectName() == "TerraScopeAskAction"]  # noqa: F821
found["actions"] = len(actions)
if actions and not actions[0].isChecked():
    actions[0].trigger()
docks = [d for d in iface.mainWindow().findChildren(QDockWidget) if d.objectName() == "TerraScopeAskDock"]  # noqa: F821
found["docks"] = len(docks)
found["dock_visible"] = bool(docks) and docks[0].isVisible()
found["dock_title"] = docks[0].windowTitle() if docks else ""
with open(os.environ["TERRASCOPE_PROBE_OUT"], "w") as fh:
    json.dump(found, fh)
