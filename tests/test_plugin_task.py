"""The plugin's ask path in real QGIS: dock request -> QgsTask -> step GeoPackage -> layer group, trace,
distances, export; cancel and failures. The engine here is a stand-in that grounds real masks (see
tests/plugin_data.py), so these tests do not depend on the language model."""
from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer
from qgis.PyQt.QtWidgets import QPushButton

from tests.plugin_data import ThresholdEngine, plugin, write_optical  # noqa: F401 (plugin: a fixture)

pytestmark = pytest.mark.qgis




@pytest.fixture()
def engine(monkeypatch):
    from terrascope_reasoning.terrascope_plugin import ask_core

    fake = ThresholdEngine()
    monkeypatch.setattr(ask_core, "load_engine", lambda request: fake)
    return fake


def _prepare(plugin, tmp_path, question="Which area is brighter?"):
    layer = QgsRasterLayer(str(write_optical(tmp_path / "optical.tif")), "optical")
    QgsProject.instance().addMapLayer(layer)
    dock = plugin.dock
    dock.optical_combo.setLayer(layer)
    dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("whole"))
    dock.question_edit.setEditText(question)
    return layer


def _ask_and_wait(plugin, qtbot, timeout=20000):
    plugin.dock.findChild(QPushButton, "askButton").click()
    assert plugin.task is not None
    qtbot.waitUntil(lambda: plugin.task is None, timeout=timeout)


def test_ask_adds_a_group_with_one_styled_layer_per_grounded_step(plugin, engine, qtbot, tmp_path):
    import rasterio
    from terrascope_reasoning.engine.geo.measuring import mask_area_m2

    optical = _prepare(plugin, tmp_path)
    user_layers_before = set(QgsProject.instance().mapLayers())
    _ask_and_wait(plugin, qtbot)
    dock = plugin.dock
    assert dock.progress_bar.value() == 100 and engine.calls == 1
    group = QgsProject.instance().layerTreeRoot().findGroup("Which area is brighter?")
    assert group is not None
    layers = [node.layer() for node in group.findLayers()]
    assert len(layers) == 2  # the third step has no mask
    with rasterio.open(tmp_path / "optical.tif") as src:
        band, transform, crs = src.read(1), src.transform, src.crs
    for layer, threshold in zip(layers, (2000, 1500)):
        fields = [f.name() for f in layer.fields()]
        assert {"step", "label", "date", "area_m2", "perimeter_m", "share", "confidence"} <= set(fields)
        total = sum(f["area_m2"] for f in layer.getFeatures())
        assert total == pytest.approx(mask_area_m2(band > threshold, transform, crs), rel=1e-6)
        assert layer.crs().authid() == "EPSG:32633"
        assert 0 < layer.renderer().symbol().color().alpha() < 255  # semi-transparent
    colours = {layer.renderer().symbol().color().name() for layer in layers}
    assert len(colours) == 2
    # the answer, the trace and the distances
    assert "(B) The bright area is smaller." == dock.answer_text.toPlainText()
    assert dock.trace_list.count() == 3
    assert "m²" in dock.trace_list.item(0).text() and "m²" not in dock.trace_list.item(2).text()
    assert dock.distances_table.rowCount() == 1
    assert dock.distances_table.item(0, 2).text() == "70.0"
    # user layers untouched, results in the configured folder
    assert optical.id() in user_layers_before and optical.extent().width() == 1280
    assert list((tmp_path / "results").glob("which-area-is-brighter-*.gpkg"))
    assert dock.findChild(QPushButton, "askButton").isEnabled()
    assert not dock.findChild(QPushButton, "cancelButton").isEnabled()
    assert dock.findChild(QPushButton, "exportGpkgButton").isEnabled()


def test_clicking_a_step_selects_and_zooms_to_its_layer(plugin, engine, qtbot, tmp_path):
    _prepare(plugin, tmp_path)
    _ask_and_wait(plugin, qtbot)
    dock, canvas = plugin.dock, plugin.iface.mapCanvas()
    canvas.setExtent(canvas.fullExtent().buffered(50_000))
    item = dock.trace_list.item(0)
    dock.trace_list.itemClicked.emit(item)
    layer = QgsProject.instance().mapLayer(dock.step_layer_id(1))
    assert layer.selectedFeatureCount() == layer.featureCount() > 0
    extent = canvas.extent()
    assert extent.contains(layer.extent()) and extent.width() < 3 * layer.extent().width() + 1


def test_export_group_as_geopackage_and_shapefiles(plugin, engine, qtbot, tmp_path):
    import pyogrio

    _prepare(plugin, tmp_path)
    _ask_and_wait(plugin, qtbot)
    gpkg = tmp_path / "export" / "answer.gpkg"
    gpkg.parent.mkdir()
    written = plugin.export_last_group("gpkg", str(gpkg))
    assert written == [str(gpkg)]
    names = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert names == ["step_01", "step_02"]
    shp = plugin.export_last_group("shp", str(tmp_path / "shp"))
    assert [p.rsplit("/", 1)[1] for p in shp] == ["step_01.shp", "step_02.shp"]
    group = QgsProject.instance().layerTreeRoot().findGroup("Which area is brighter?")
    for path, node in zip(shp, group.findLayers()):
        df = pyogrio.read_dataframe(path)
        expected = sorted(f["area_m2"] for f in node.layer().getFeatures())
        assert np.allclose(sorted(df["area_m2"]), expected)


def test_cancel_stops_a_running_task(plugin, monkeypatch, qtbot, tmp_path):
    from terrascope_reasoning.terrascope_plugin import ask_core

    slow = ThresholdEngine(delay_s=0.2, ticks=200)  # 40 s if never cancelled
    monkeypatch.setattr(ask_core, "load_engine", lambda request: slow)
    _prepare(plugin, tmp_path)
    groups_before = len(QgsProject.instance().layerTreeRoot().children())
    plugin.dock.findChild(QPushButton, "askButton").click()
    assert slow.started.wait(10)
    assert not plugin.dock.findChild(QPushButton, "askButton").isEnabled()
    cancel = plugin.dock.findChild(QPushButton, "cancelButton")
    assert cancel.isEnabled()
    cancel.click()
    qtbot.waitUntil(lambda: plugin.task is None, timeout=5000)
    assert "Cancelled" in plugin.dock.status_label.text()
    assert len(QgsProject.instance().layerTreeRoot().children()) == groups_before
    assert not list((tmp_path / "results").glob("*.gpkg"))
    assert plugin.dock.findChild(QPushButton, "askButton").isEnabled()


def test_engine_failure_shows_one_line_and_adds_nothing(plugin, monkeypatch, qtbot, tmp_path, qgis_iface):
    from terrascope_reasoning.engine.errors import ModelError
    from terrascope_reasoning.terrascope_plugin import ask_core

    def broken(request):
        raise ModelError("model folder /x holds no config.json: point to a TerraScope model folder")

    monkeypatch.setattr(ask_core, "load_engine", broken)
    _prepare(plugin, tmp_path)
    _ask_and_wait(plugin, qtbot)
    texts = [item.text() for item in qgis_iface.messageBar().items()]
    assert texts[-1] == "model folder /x holds no config.json: point to a TerraScope model folder"
    assert QgsProject.instance().layerTreeRoot().findGroup("Which area is brighter?") is None


def test_unexpected_engine_bug_is_one_line_with_details_in_the_log(plugin, monkeypatch, qtbot, tmp_path,
                                                                    qgis_iface):
    from terrascope_reasoning.terrascope_plugin import ask_core

    class Buggy:
        def ask(self, *a, **k):
            raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(ask_core, "load_engine", lambda request: Buggy())
    _prepare(plugin, tmp_path)
    _ask_and_wait(plugin, qtbot)
    text = [item.text() for item in qgis_iface.messageBar().items()][-1]
    assert "division by zero" in text and "\n" not in text and "Traceback" not in text


def test_task_runs_in_the_task_manager_off_the_main_thread(engine, qgis_app, qtbot, tmp_path):
    import functools
    import threading

    from terrascope_reasoning.terrascope_plugin.request import AskRequest, RasterInput
    from terrascope_reasoning.terrascope_plugin.runner import Success
    from terrascope_reasoning.terrascope_plugin.task import AskTask

    threads, progress, outcomes = [], [], []
    original = engine.ask

    @functools.wraps(original)  # keeps ask's signature, which the runner reads
    def spy(*a, **k):
        threads.append(threading.current_thread())
        return original(*a, **k)

    engine.ask = spy
    request = AskRequest("Where is it bright?", optical=RasterInput(str(write_optical(tmp_path / "o.tif"))))
    task = AskTask(request, str(tmp_path / "out.gpkg"), done=outcomes.append)
    task.progressChanged.connect(progress.append)
    QgsApplication.taskManager().addTask(task)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=20000)
    assert isinstance(outcomes[0], Success) and outcomes[0].gpkg_path == str(tmp_path / "out.gpkg")
    assert threads and threads[0] is not threading.main_thread()
    assert progress and max(progress) <= 100 and progress == sorted(progress)


def test_export_after_the_user_removed_the_group_says_so(plugin, engine, qtbot, tmp_path, qgis_iface):
    _prepare(plugin, tmp_path)
    _ask_and_wait(plugin, qtbot)
    root = QgsProject.instance().layerTreeRoot()
    root.removeChildNode(root.findGroup("Which area is brighter?"))
    assert plugin.export_last_group("gpkg", str(tmp_path / "x.gpkg")) == []
    assert "ask a question first" in [item.text() for item in qgis_iface.messageBar().items()][-1]
    assert not (tmp_path / "x.gpkg").exists()
