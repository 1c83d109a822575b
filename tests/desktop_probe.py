"""Runs inside the real QGIS desktop (see test_desktop.py): opens the TerraScope dock and records what
QGIS shows into the JSON file named by TERRASCOPE_PROBE_OUT.

A widget counts as visible only once its window is shown; on a loaded machine QGIS may still be starting
when this script runs, so it waits (up to 15 s) for the main window before it clicks the action."""
import json
import os
import time

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QAction, QDockWidget
from qgis.utils import plugins

DEADLINE = time.monotonic() + 15.0


def probe():
    window = iface.mainWindow()  # noqa: F821
    if not window.isVisible() and time.monotonic() < DEADLINE:
        QTimer.singleShot(250, probe)
        return
    found = {"plugin_loaded": "terrascope_reasoning" in plugins, "window_visible": window.isVisible()}
    actions = [a for a in window.findChildren(QAction) if a.objectName() == "TerraScopeAskAction"]
    found["actions"] = len(actions)
    if actions and not actions[0].isChecked():
        actions[0].trigger()
    docks = [d for d in window.findChildren(QDockWidget) if d.objectName() == "TerraScopeAskDock"]
    found["docks"] = len(docks)
    found["dock_visible"] = bool(docks) and docks[0].isVisible()
    found["dock_title"] = docks[0].windowTitle() if docks else ""
    with open(os.environ["TERRASCOPE_PROBE_OUT"], "w") as fh:
        json.dump(found, fh)


probe()
