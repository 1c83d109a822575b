"""The panel with the real engine: dock -> QgsTask -> Engine.ask (real stack, measuring, refinement and
GeoPackage writing) -> layer group. The predictor is the deterministic stand-in of the pipeline tests, and,
where the model registry is available, the random-weight ``tiny-test`` model."""
from __future__ import annotations

import pytest
from qgis.core import QgsProject, QgsRasterLayer, QgsRectangle
from qgis.PyQt.QtWidgets import QPushButton

from tests.plugin_data import plugin  # noqa: F401 (a fixture)

pytestmark = pytest.mark.qgis




class Recording:
    """Wraps an engine and keeps the answers it returned (the engine's own measurements)."""

    def __init__(self, engine):
        self.engine, self.answers = engine, []
        import functools

        @functools.wraps(engine.ask)
        def ask(*args, **kwargs):
            answer = engine.ask(*args, **kwargs)
            self.answers.append(answer)
            return answer

        self.ask = ask


@pytest.fixture()
def stand_in_engine(monkeypatch):
    from terrascope_reasoning.engine.api import Engine
    from terrascope_reasoning.terrascope_plugin import ask_core

    from tests.test_api_pipeline import BandPredictor, identity_images

    predictor = BandPredictor()
    predictor.image_size = 64
    rec = Recording(Engine(None, None, "cpu", predictor=predictor, make_images=identity_images, name="stand-in"))
    monkeypatch.setattr(ask_core, "load_engine", lambda request: rec)
    return rec


def _scene_layer(tmp_path):
    from tests.test_api_pipeline import scene

    path, lake, field = scene(tmp_path)
    layer = QgsRasterLayer(str(path), "scene")
    QgsProject.instance().addMapLayer(layer)
    return layer, lake, field


def _ask(plugin, qtbot, question, timeout=20000):
    plugin.dock.question_edit.setEditText(question)
    plugin.dock.findChild(QPushButton, "askButton").click()
    assert plugin.task is not None, plugin.dock.status_label.text()
    qtbot.waitUntil(lambda: plugin.task is None, timeout=timeout)


def _layer_areas(group) -> list[float]:
    return [sum(f["area_m2"] for f in node.layer().getFeatures()) for node in group.findLayers()]


def test_layers_carry_the_engines_measurements(plugin, stand_in_engine, qtbot, tmp_path):
    from terrascope_reasoning.engine.geo.measuring import mask_area_m2
    from terrascope_reasoning.terrascope_plugin.settings import Settings

    from tests.test_api_pipeline import CRS, T

    Settings().tile_size = 128  # the stand-in predictor sees 64 px per tile: 2 m per pixel of the 10 m raster
    layer, lake, field = _scene_layer(tmp_path)
    plugin.dock.optical_combo.setLayer(layer)
    plugin.dock.aoi_mode_combo.setCurrentIndex(plugin.dock.aoi_mode_combo.findData("whole"))
    _ask(plugin, qtbot, "Which is larger, the lake or the field?")
    (answer,) = stand_in_engine.answers
    group = QgsProject.instance().layerTreeRoot().findGroup("Which is larger, the lake or the field?")
    assert group is not None, plugin.dock.status_label.text()
    grounded = [s for s in answer.steps if len(s.geometry)]
    assert len(group.findLayers()) == len(grounded) == 2
    for area, step in zip(_layer_areas(group), grounded):
        assert area == pytest.approx(step.area_m2, rel=1e-3)
    assert _layer_areas(group)[0] == pytest.approx(mask_area_m2(lake, T, CRS), rel=1e-3)
    assert _layer_areas(group)[1] == pytest.approx(mask_area_m2(field, T, CRS), rel=1e-3)
    assert plugin.dock.distances_table.rowCount() == len(answer.distances) >= 1
    assert float(plugin.dock.distances_table.item(0, 2).text().replace(",", "")) == pytest.approx(
        answer.distances[0]["metres"], abs=0.05)
    assert plugin.dock.trace_list.count() == len(answer.steps)


def test_drawn_area_clips_the_steps(plugin, stand_in_engine, qtbot, tmp_path):
    from tests.test_api_pipeline import CRS

    layer, _, _ = _scene_layer(tmp_path)
    dock = plugin.dock
    dock.optical_combo.setLayer(layer)
    canvas = plugin.iface.mapCanvas()
    from qgis.core import QgsCoordinateReferenceSystem

    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(CRS))
    # the western half of the lake: cols 40..120 -> x 500400..501200, rows 40..160 -> y 4999600..4998400
    dock.set_drawn_rectangle(QgsRectangle(500_000, 4_998_000, 501_200, 5_000_000))
    _ask(plugin, qtbot, "Where is the lake?")
    (answer,) = stand_in_engine.answers
    group = QgsProject.instance().layerTreeRoot().findGroup("Where is the lake?")
    lake_area = _layer_areas(group)[0]
    assert lake_area == pytest.approx(800 * 1200, rel=0.02)  # 80 x 120 pixels of 100 m²
    assert lake_area == pytest.approx(answer.steps[0].area_m2, rel=1e-3)


def test_cancel_stops_the_real_pipeline(plugin, monkeypatch, qtbot, tmp_path):
    import threading

    from terrascope_reasoning.engine.api import Engine
    from terrascope_reasoning.terrascope_plugin import ask_core

    from tests.test_api_pipeline import BandPredictor, identity_images

    gate, entered = threading.Event(), threading.Event()

    class Blocking(BandPredictor):
        def predict_mask(self, seg_embedding, date_index, images, step_text=""):
            entered.set()
            gate.wait(10)  # holds the first tile until the test has pressed Cancel
            return super().predict_mask(seg_embedding, date_index, images)

    predictor = Blocking()
    predictor.image_size = 64
    engine = Engine(None, None, "cpu", predictor=predictor, make_images=identity_images)
    monkeypatch.setattr(ask_core, "load_engine", lambda request: engine)
    layer, _, _ = _scene_layer(tmp_path)
    plugin.dock.optical_combo.setLayer(layer)
    plugin.dock.aoi_mode_combo.setCurrentIndex(plugin.dock.aoi_mode_combo.findData("whole"))
    plugin.dock.question_edit.setEditText("Where is the lake?")
    plugin.dock.findChild(QPushButton, "askButton").click()
    qtbot.waitUntil(entered.is_set, timeout=10000)
    plugin.dock.findChild(QPushButton, "cancelButton").click()
    gate.set()
    qtbot.waitUntil(lambda: plugin.task is None, timeout=10000)
    assert "Cancelled" in plugin.dock.status_label.text()
    assert QgsProject.instance().layerTreeRoot().findGroup("Where is the lake?") is None
    assert not list((tmp_path / "results").glob("*.gpkg"))
    assert predictor.tiles < 6  # stopped after the tile in flight, not after all steps' tiles


@pytest.mark.slow  # ~25 s: building the tiny-test model takes about 12 s on 2 cores
def test_tiny_test_model_through_the_panel(plugin, monkeypatch, qtbot, tmp_path):
    pytest.importorskip("terrascope_reasoning.engine.model.registry")
    from terrascope_reasoning.terrascope_plugin import ask_core
    from terrascope_reasoning.terrascope_plugin.request import ModelChoice

    real_load = ask_core.load_engine
    recorded = []

    def load(request):
        assert request.model == ModelChoice(model_name="tiny-test") and request.device == "cpu"
        rec = Recording(real_load(request))
        recorded.append(rec)
        return rec

    monkeypatch.setattr(ask_core, "load_engine", load)
    layer, _, _ = _scene_layer(tmp_path)
    dock = plugin.dock
    dock.optical_combo.setLayer(layer)
    dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("whole"))
    dock.add_model_choice("tiny-test", ModelChoice(model_name="tiny-test"))
    dock.device_combo.setCurrentIndex(dock.device_combo.findData("cpu"))
    try:
        _ask(plugin, qtbot, "What share of the area is water?", timeout=90000)
    finally:
        ask_core.forget_engines()
    assert recorded, dock.status_label.text()
    (answer,) = recorded[0].answers
    assert "Done" in dock.status_label.text()
    group = QgsProject.instance().layerTreeRoot().findGroup("What share of the area is water?")
    found = [s for s in answer.steps if len(s.geometry)]
    assert (group is not None) == bool(found)
    layers = {n.layer().customProperty("terrascope/step"): n.layer() for n in group.findLayers()} if group else {}
    assert sorted(layers) == [s.index for s in found]
    for step in found:
        total = sum(f["area_m2"] for f in layers[step.index].getFeatures())
        assert total == pytest.approx(step.area_m2, rel=1e-3, abs=1.0)
    assert dock.trace_list.count() == len(answer.steps)
    assert answer.answer in dock.answer_text.toPlainText()
