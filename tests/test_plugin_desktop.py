"""One real QGIS desktop run under Xvfb: load a generated scene, ask through the panel, wait for the task,
and save a screenshot with the step layers on the map and the trace in the dock (artifact, not committed).

The model is the embedded default when it is installed, else the deterministic stand-in predictor of the
pipeline tests (so the panel path is checked on every machine)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.qgis, pytest.mark.desktop, pytest.mark.slow]

QUESTION = "What share of this scene is cropland?"

STARTUP = r'''
import json, os, time
from qgis.core import QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import plugins

out, scene, model = os.environ["TERRASCOPE_PROBE_OUT"], os.environ["TERRASCOPE_SCENE"], os.environ["TERRASCOPE_MODEL"]
found = {"plugin_loaded": "terrascope_reasoning" in plugins, "model": model}
plugin = plugins["terrascope_reasoning"]
from terrascope_reasoning.terrascope_plugin.request import ModelChoice
from terrascope_reasoning.terrascope_plugin.settings import Settings
Settings().results_dir = os.environ["TERRASCOPE_RESULTS"]  # a throw-away profile: nothing else to keep
from terrascope_reasoning.terrascope_plugin.worker import use_worker_process
found["engine_process"] = use_worker_process()
sar = QgsRasterLayer(os.path.join(scene, "sar.tif"), "SAR (VV, VH)")
optical = QgsRasterLayer(os.path.join(scene, "optical.tif"), "optical")
QgsProject.instance().addMapLayers([sar, optical])
# the optical image is what a user looks at; SAR stays in the project for the engine, hidden on the map
QgsProject.instance().layerTreeRoot().findLayer(sar.id()).setItemVisibilityChecked(False)
plugin.ask_action.trigger()
dock = plugin.dock
dock.optical_combo.setLayer(optical)
dock.sar_combo.setLayer(sar)
dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("whole"))
dock.question_edit.setEditText(os.environ["TERRASCOPE_QUESTION"])
if model == "tiny-test":
    dock.add_model_choice("tiny-test", ModelChoice(model_name="tiny-test"))
dock.device_combo.setCurrentIndex(dock.device_combo.findData("cpu"))
iface.mapCanvas().setExtent(optical.extent())
started = time.time()
dock.ask()
found["task_started"] = plugin.task is not None

def _poll():
    if plugin.task is not None and time.time() - started < 100:
        QTimer.singleShot(300, _poll)
        return
    root = QgsProject.instance().layerTreeRoot()
    group = root.findGroup(os.environ["TERRASCOPE_QUESTION"])
    found["group_layers"] = len(group.findLayers()) if group is not None else -1
    found["trace_items"] = dock.trace_list.count()
    found["answer"] = dock.answer_text.toPlainText()
    found["status"] = dock.status_label.text()
    found["seconds"] = round(time.time() - started, 1)
    iface.mapCanvas().setExtent(optical.extent())
    iface.mapCanvas().refresh()
    with open(out, "w") as fh:
        json.dump(found, fh)

QTimer.singleShot(300, _poll)
'''


def _model() -> str:
    from terrascope_reasoning.engine.api import DEFAULT_MODEL_DIR

    return "embedded" if (DEFAULT_MODEL_DIR / "config.json").is_file() else "stand-in"


@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("import") is None,
                    reason="needs xvfb-run and ImageMagick (make setup installs them)")
def test_ask_through_the_panel_in_the_qgis_desktop(artifacts_dir, tmp_path):
    scene = tmp_path / "synth"
    subprocess.run([sys.executable, "-m", "engine.cli", "synth", "--out", str(scene), "--seed", "7", "--size", "256",
                    "--count", "1"], cwd=ROOT, check=True, capture_output=True, timeout=120)
    startup, probe = tmp_path / "ask_startup.py", tmp_path / "probe.json"
    startup.write_text(STARTUP)
    shot = artifacts_dir / "qgis-ask.png"
    shot.unlink(missing_ok=True)
    model = _model()
    env = dict(os.environ, TERRASCOPE_PROBE_OUT=str(probe), TERRASCOPE_SCENE=str(scene / "scene_0000"),
               TERRASCOPE_MODEL=model, TERRASCOPE_QUESTION=QUESTION,
               TERRASCOPE_RESULTS=str(tmp_path / "results"))
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("TERRASCOPE_ENGINE_PROCESS", None)
    if model == "stand-in":  # the engine process builds the stand-in instead of loading a model
        env["TERRASCOPE_ENGINE_FACTORY"] = "terrascope_reasoning.tests.plugin_data:stand_in_engine"
    wait_s = "45" if model == "stand-in" else "110"
    run = subprocess.run([str(ROOT / "scripts" / "qgis_desktop.sh"), str(shot), str(startup), wait_s], env=env,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert probe.exists(), "the startup script did not finish inside QGIS: " + run.stdout[-2000:]
    found = json.loads(probe.read_text())
    print(json.dumps(found))
    assert found["plugin_loaded"] and found["task_started"], found
    assert found["engine_process"], "inside QGIS the engine must run in its own process"
    assert found["status"].startswith("Done"), found
    assert found["trace_items"] >= 1 and found["answer"], found
    if model == "stand-in":  # its first two steps always find regions
        assert found["group_layers"] == 2, found
    assert shot.stat().st_size > 50_000
    assert len(list((tmp_path / "results").glob("*.gpkg"))) == 1
