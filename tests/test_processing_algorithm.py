"""The "Ask TerraScope" Processing algorithm through processing.run, and its provider's life in the plugin."""
from __future__ import annotations

import os
import sys

import pytest
from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)

from tests.plugin_data import ORIGIN, ThresholdEngine, write_optical

pytestmark = pytest.mark.qgis

# QGIS ships the Processing framework as a core plugin outside the Python path
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"
if QGIS_PLUGINS not in sys.path:
    sys.path.append(QGIS_PLUGINS)


@pytest.fixture(scope="module")
def provider(qgis_app):
    from processing.core.Processing import Processing
    from terrascope_reasoning.terrascope_plugin.processing_provider import TerraScopeProvider

    Processing.initialize()
    registry = QgsApplication.processingRegistry()
    if registry.providerById("terrascope") is None:
        registry.addProvider(TerraScopeProvider())
    yield registry.providerById("terrascope")
    registry.removeProvider("terrascope")


@pytest.fixture()
def engine(monkeypatch):
    from terrascope_reasoning.terrascope_plugin import ask_core

    fake = ThresholdEngine()
    calls = []

    def load(request):
        calls.append(request)
        return fake

    monkeypatch.setattr(ask_core, "load_engine", load)
    fake.requests = calls
    return fake


def _square_aoi(size_m: float = 400.0) -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon?crs=EPSG:32633", "aoi", "memory")
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromRect(QgsRectangle(ORIGIN[0], ORIGIN[1] - size_m, ORIGIN[0] + size_m, ORIGIN[1])))
    layer.dataProvider().addFeatures([f])
    return layer


def test_algorithm_is_listed_with_its_parameters(provider):
    alg = QgsApplication.processingRegistry().algorithmById("terrascope:ask")
    assert alg is not None and alg.displayName() == "Ask TerraScope"
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {"OPTICAL", "SAR", "DATES", "AOI", "EXTENT", "QUESTION", "MODEL_DIR", "ADAPTER", "DEVICE",
            "OUTPUT"} <= names
    assert {o.name() for o in alg.outputDefinitions()} >= {"OUTPUT", "ANSWER", "STEP_LAYERS"}


def test_processing_run_writes_step_layers_and_returns_the_answer(provider, engine, tmp_path):
    import processing
    import pyogrio

    optical = str(write_optical(tmp_path / "optical.tif"))
    out = str(tmp_path / "answer.gpkg")
    result = processing.run("terrascope:ask", {
        "OPTICAL": optical, "AOI": _square_aoi(), "QUESTION": "Which area is brighter?", "DEVICE": 1,
        "OUTPUT": out}, feedback=QgsProcessingFeedback())
    assert result["OUTPUT"] == out and result["ANSWER"] == "The bright area is smaller."
    assert result["STEP_COUNT"] == 2
    assert result["STEP_LAYERS"] == [f"{out}|layername=step_01", f"{out}|layername=step_02"]
    assert [name for name, _ in pyogrio.list_layers(out)] == ["step_01", "step_02"]
    (request,) = engine.requests
    assert request.optical.path == optical and request.device == "cpu" and request.aoi_crs == "EPSG:32633"
    assert QgsGeometry.fromWkt(request.aoi_wkt).area() == pytest.approx(400.0 * 400.0)
    layer = QgsVectorLayer(result["STEP_LAYERS"][0], "s1", "ogr")
    assert layer.isValid() and layer.featureCount() > 0


def test_extent_parameter_becomes_the_area_of_interest(provider, engine, tmp_path):
    import processing

    optical = QgsRasterLayer(str(write_optical(tmp_path / "optical.tif")), "optical")
    extent = f"{ORIGIN[0]},{ORIGIN[0] + 200},{ORIGIN[1] - 300},{ORIGIN[1]} [EPSG:32633]"
    processing.run("terrascope:ask", {"OPTICAL": optical, "EXTENT": extent, "QUESTION": "Where is it bright?",
                                      "OUTPUT": str(tmp_path / "a.gpkg")})
    assert QgsGeometry.fromWkt(engine.requests[0].aoi_wkt).area() == pytest.approx(200.0 * 300.0)


@pytest.mark.parametrize("params, expected", [
    ({"QUESTION": " "}, "question"),
    ({"OPTICAL": None}, "Pick an optical or a SAR layer"),
    ({"AOI": "far"}, "outside"),
])
def test_bad_input_raises_one_clear_line(provider, engine, tmp_path, params, expected):
    import processing

    base = {"OPTICAL": str(write_optical(tmp_path / "o.tif")), "QUESTION": "Where?",
            "OUTPUT": str(tmp_path / "a.gpkg")}
    base.update(params)
    if base.get("AOI") == "far":
        far = QgsVectorLayer("Polygon?crs=EPSG:32633", "far", "memory")
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromRect(QgsRectangle(0, 0, 100, 100)))
        far.dataProvider().addFeatures([f])
        base["AOI"] = far
    with pytest.raises(QgsProcessingException) as err:
        processing.run("terrascope:ask", base)
    assert expected in str(err.value) and "\n" not in str(err.value)
    assert engine.requests == []


def test_engine_error_becomes_a_processing_error(provider, monkeypatch, tmp_path):
    import processing
    from terrascope_reasoning.engine.errors import ModelError
    from terrascope_reasoning.terrascope_plugin import ask_core

    def broken(request):
        raise ModelError(f"model folder not found: {request.model.model_dir}")

    monkeypatch.setattr(ask_core, "load_engine", broken)
    with pytest.raises(QgsProcessingException, match="model folder not found"):
        processing.run("terrascope:ask", {"OPTICAL": str(write_optical(tmp_path / "o.tif")), "QUESTION": "Where?",
                                          "MODEL_DIR": str(tmp_path), "OUTPUT": str(tmp_path / "a.gpkg")})


def test_plugin_registers_and_removes_the_provider(qgis_iface):
    import terrascope_reasoning

    registry = QgsApplication.processingRegistry()
    had = registry.providerById("terrascope") is not None
    if had:
        registry.removeProvider("terrascope")
    plugin = terrascope_reasoning.classFactory(qgis_iface)
    plugin.initGui()
    assert registry.algorithmById("terrascope:ask") is not None
    plugin.unload()
    assert registry.providerById("terrascope") is None
    QgsProject.instance().clear()
    if had:  # give the module's provider back to the tests after this one
        from terrascope_reasoning.terrascope_plugin.processing_provider import TerraScopeProvider

        registry.addProvider(TerraScopeProvider())


def test_processing_run_through_the_engine_process(provider, monkeypatch, tmp_path):
    """Inside QGIS (desktop or qgis_process) the algorithm's engine call goes to the engine process."""
    import processing
    import pyogrio
    from terrascope_reasoning.terrascope_plugin import runner

    monkeypatch.setenv("TERRASCOPE_ENGINE_PROCESS", "1")
    monkeypatch.setenv("TERRASCOPE_ENGINE_FACTORY", "terrascope_reasoning.tests.plugin_data:threshold_engine")
    runner.stop_worker()
    try:
        out = str(tmp_path / "answer.gpkg")
        result = processing.run("terrascope:ask", {"OPTICAL": str(write_optical(tmp_path / "o.tif")),
                                                   "QUESTION": "Which area is brighter?", "OUTPUT": out})
        assert runner.worker_client().proc.pid != os.getpid()
    finally:
        runner.stop_worker()
    assert result["ANSWER"] == "The bright area is smaller." and result["STEP_COUNT"] == 2
    assert [name for name, _ in pyogrio.list_layers(out)] == ["step_01", "step_02"]
