"""The engine process used inside QGIS: asks, progress, cancel, a crashing engine, and the panel through it."""
from __future__ import annotations

import os
import time

import pytest
from qgis.core import QgsProject, QgsRasterLayer, QgsSettings
from qgis.PyQt.QtWidgets import QPushButton

from tests.plugin_data import write_optical

pytestmark = pytest.mark.qgis

FACTORY = "terrascope_reasoning.tests.plugin_data:{}"


def _client(name: str):
    from terrascope_reasoning.terrascope_plugin.worker import WorkerClient

    return WorkerClient(env={"TERRASCOPE_ENGINE_FACTORY": FACTORY.format(name)})


def _request(tmp_path, question="Which area is brighter?"):
    from terrascope_reasoning.terrascope_plugin.request import AskRequest, RasterInput

    path = tmp_path / "optical.tif"
    if not path.exists():
        write_optical(path)
    return AskRequest(question, optical=RasterInput(str(path), name="optical"))


def test_mode_follows_the_interpreter_and_the_override(monkeypatch):
    from terrascope_reasoning.terrascope_plugin import worker

    assert worker.running_in_python()  # pytest runs in python; QGIS runs in its own binary
    monkeypatch.delenv("TERRASCOPE_ENGINE_PROCESS", raising=False)
    assert not worker.use_worker_process()
    monkeypatch.setenv("TERRASCOPE_ENGINE_PROCESS", "1")
    assert worker.use_worker_process()
    monkeypatch.setattr(worker, "running_in_python", lambda: False)
    monkeypatch.setenv("TERRASCOPE_ENGINE_PROCESS", "")
    assert worker.use_worker_process()


def test_request_survives_the_trip_to_the_process(tmp_path):
    from terrascope_reasoning.terrascope_plugin.request import AskRequest, ModelChoice, RasterInput

    req = AskRequest("q", optical=RasterInput("/a.tif", (4, 3, 2), "a"), dates=(RasterInput("/b.tif", None, "b", "t1"),),
                     aoi_wkt="POLYGON((0 0,1 0,1 1,0 0))", aoi_crs="EPSG:32633",
                     model=ModelChoice(adapter="/ad"), temporary_files=("/tmp/x.tif",))
    import json

    assert AskRequest.from_dict(json.loads(json.dumps(req.to_dict()))) == req


def test_asks_run_in_one_lasting_process_with_progress(tmp_path):
    client = _client("threshold_engine")
    progress = []
    try:
        first = client.ask(_request(tmp_path).to_dict(), str(tmp_path / "a.gpkg"), lambda f, m: progress.append(f))
        pid = client.proc.pid
        second = client.ask(_request(tmp_path).to_dict(), str(tmp_path / "b.gpkg"))
        assert client.proc.pid == pid != os.getpid()
    finally:
        client.stop()
    assert first["kind"] == "success", first
    assert [s["layer"] for s in first["steps"]] == ["step_01", "step_02", ""]
    assert first["answer"] == "The bright area is smaller." and os.path.isfile(first["gpkg_path"])
    assert second["kind"] == "success" and second["gpkg_path"].endswith("b.gpkg")
    assert progress and progress == sorted(progress)


def test_cancel_reaches_the_process_and_it_stays_usable(tmp_path):
    client = _client("slow_engine")
    started, stop_at = [], []
    try:
        def progress(fraction, message):
            started.append(fraction)

        def cancelled():
            if started and not stop_at:
                stop_at.append(time.monotonic())
            return bool(stop_at)

        t0 = time.monotonic()
        result = client.ask(_request(tmp_path).to_dict(), str(tmp_path / "a.gpkg"), progress, cancelled)
        assert result == {"kind": "canceled"}
        assert time.monotonic() - stop_at[0] < 3 and time.monotonic() - t0 < 20
        assert not (tmp_path / "a.gpkg").exists()
        assert client.proc is not None and client.proc.poll() is None  # cancelled cleanly, model kept
    finally:
        client.stop()


def test_a_crashing_engine_is_a_failure_and_the_next_ask_restarts(tmp_path):
    from terrascope_reasoning.terrascope_plugin.runner import Failed, to_outcome

    client = _client("exiting_engine")
    try:
        result = client.ask(_request(tmp_path).to_dict(), str(tmp_path / "a.gpkg"))
        assert result["kind"] == "failed" and result["error"] == "process" and "3" in result["message"]
        outcome = to_outcome(_request(tmp_path), result)
        assert isinstance(outcome, Failed) and "\n" not in outcome.message
        client.extra_env["TERRASCOPE_ENGINE_FACTORY"] = FACTORY.format("threshold_engine")
        assert client.ask(_request(tmp_path).to_dict(), str(tmp_path / "b.gpkg"))["kind"] == "success"
    finally:
        client.stop()


def test_panel_asks_through_the_engine_process(qgis_iface, qtbot, tmp_path, monkeypatch):
    import terrascope_reasoning
    from terrascope_reasoning.terrascope_plugin import runner
    from terrascope_reasoning.terrascope_plugin.settings import SECTION, Settings

    monkeypatch.setenv("TERRASCOPE_ENGINE_PROCESS", "1")
    monkeypatch.setenv("TERRASCOPE_ENGINE_FACTORY", FACTORY.format("threshold_engine"))
    runner.stop_worker()
    QgsSettings().remove(SECTION)
    Settings().results_dir = str(tmp_path / "results")
    plugin = terrascope_reasoning.classFactory(qgis_iface)
    plugin.initGui()
    try:
        layer = QgsRasterLayer(str(write_optical(tmp_path / "optical.tif")), "optical")
        QgsProject.instance().addMapLayer(layer)
        dock = plugin.dock
        qgis_iface.window.show()
        dock.show()
        dock.optical_combo.setLayer(layer)
        dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("whole"))
        dock.question_edit.setEditText("Which area is brighter?")
        dock.findChild(QPushButton, "askButton").click()
        qtbot.waitUntil(lambda: plugin.task is None, timeout=30000)
        group = QgsProject.instance().layerTreeRoot().findGroup("Which area is brighter?")
        assert group is not None, dock.status_label.text()
        assert len(group.findLayers()) == 2
        assert runner.worker_client().proc.pid != os.getpid()
    finally:
        plugin.unload()
        QgsSettings().remove(SECTION)
    assert runner._client is None  # unload stops the engine process
