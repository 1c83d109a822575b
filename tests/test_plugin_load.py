"""The plugin loads and unloads in real QGIS (offscreen), without leaving actions or docks behind."""
import importlib
import sys

import pytest
from qgis.PyQt.QtWidgets import QDockWidget

pytestmark = pytest.mark.qgis


def _plugin(iface):
    import terrascope_reasoning

    return terrascope_reasoning.classFactory(iface)


def _ask_docks(iface):
    return [d for d in iface.window.findChildren(QDockWidget) if d.objectName() == "TerraScopeAskDock"]


def test_load_open_close_unload(qgis_iface, qtbot):
    plugin = _plugin(qgis_iface)
    plugin.initGui()
    assert [a.text() for a in qgis_iface.toolbar.actions()] == ["Ask TerraScope"]
    assert "&TerraScope" in qgis_iface.plugin_menus
    assert not qgis_iface.toolbar.actions()[0].icon().isNull()
    (dock,) = _ask_docks(qgis_iface)
    qgis_iface.window.show()
    assert not dock.isVisible()
    plugin.ask_action.trigger()
    qtbot.waitUntil(dock.isVisible)
    plugin.ask_action.trigger()
    qtbot.waitUntil(lambda: not dock.isVisible())
    plugin.unload()
    qtbot.wait(10)
    assert qgis_iface.toolbar.actions() == []
    assert "&TerraScope" not in qgis_iface.plugin_menus


def test_reload_leaves_no_duplicates(qgis_iface, qtbot):
    for _ in range(3):
        plugin = _plugin(qgis_iface)
        plugin.initGui()
        plugin.unload()
    plugin = _plugin(qgis_iface)
    plugin.initGui()
    qtbot.wait(10)
    assert len(qgis_iface.toolbar.actions()) == 1
    assert len([d for d in _ask_docks(qgis_iface) if not d.isHidden() or d.parent() is not None]) >= 1
    qtbot.waitUntil(lambda: len(_ask_docks(qgis_iface)) == 1)
    plugin.unload()


def test_missing_engine_dependency_loads_a_stand_in_that_explains(qgis_iface, monkeypatch):
    import terrascope_reasoning
    from terrascope_reasoning.terrascope_plugin import dependencies

    # Make the real plugin module fail to import as it would without torch, and torch look absent.
    monkeypatch.setitem(sys.modules, "terrascope_reasoning.terrascope_plugin.plugin", None)
    real_find = importlib.util.find_spec
    monkeypatch.setattr(
        dependencies.importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real_find(name, *a)
    )
    plugin = terrascope_reasoning.classFactory(qgis_iface)
    assert type(plugin).__name__ == "MissingDependencyPlugin"
    plugin.initGui()
    assert "torch" in plugin.message() and "pip install" in plugin.message()
    assert any("why" in a.text() for m in qgis_iface.plugin_menus.values() for a in m.actions())
    plugin.unload()
    assert qgis_iface.plugin_menus == {}
