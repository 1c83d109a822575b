"""The typed settings wrapper and its dialog, the GPU probe, and the lean plugin start (no torch)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from qgis.core import QgsProject, QgsSettings

pytestmark = pytest.mark.qgis


@pytest.fixture()
def settings(qgis_app):
    from terrascope_reasoning.terrascope_plugin.settings import SECTION, Settings

    QgsSettings().remove(SECTION)
    yield Settings()
    QgsSettings().remove(SECTION)


def test_defaults_are_typed(settings):
    assert settings.model_dir == "" and settings.device == "auto" and settings.tile_size == 512
    assert settings.results_dir == "" and settings.adapters_dir == ""
    assert settings.effective_adapters_dir().parts[-2:] == ("terrascope", "adapters")


def test_values_round_trip_and_bad_ones_fall_back(settings):
    from terrascope_reasoning.terrascope_plugin.settings import SECTION

    settings.device = "cuda"
    settings.tile_size = 1024
    settings.model_dir = "/models/x"
    assert (settings.device, settings.tile_size, settings.model_dir) == ("cuda", 1024, "/models/x")
    with pytest.raises(ValueError):
        settings.device = "tpu"
    QgsSettings().setValue(f"{SECTION}/tile_size", "big")
    QgsSettings().setValue(f"{SECTION}/device", "quantum")
    assert settings.tile_size == 512 and settings.device == "auto"
    settings.tile_size = 10  # out of range
    assert settings.tile_size == 512


def test_flip_averaging_setting(settings):
    from terrascope_reasoning.terrascope_plugin.settings import SECTION

    assert settings.flip_averaging == "model" and settings.flip_average_option() is None
    settings.flip_averaging = "off"
    assert settings.flip_averaging == "off" and settings.flip_average_option() is False
    settings.flip_averaging = "on"
    assert settings.flip_average_option() is True
    with pytest.raises(ValueError):
        settings.flip_averaging = "sometimes"
    QgsSettings().setValue(f"{SECTION}/flip_averaging", "maybe")
    assert settings.flip_averaging == "model"


def test_flip_averaging_reaches_engine_load(monkeypatch):
    from terrascope_reasoning.engine import api
    from terrascope_reasoning.terrascope_plugin import ask_core
    from terrascope_reasoning.terrascope_plugin.request import AskRequest

    calls = []
    monkeypatch.setattr(api.Engine, "load", classmethod(lambda cls, **kw: calls.append(kw) or object()))
    try:
        for option in (None, False, True):
            request = AskRequest.from_dict(AskRequest(question="q", flip_average=option).to_dict())
            assert request.flip_average is option  # crosses to the engine process as JSON
            ask_core.load_engine(request)
    finally:
        ask_core.forget_engines()
    assert "flip_average" not in calls[0]  # the model's config decides
    assert calls[1]["flip_average"] is False and calls[2]["flip_average"] is True


def test_results_go_beside_the_saved_project(settings, tmp_path):
    project = QgsProject.instance()
    project.clear()
    project.setFileName(str(tmp_path / "flood.qgz"))
    try:
        assert settings.effective_results_dir() == tmp_path / "terrascope_results"
        settings.results_dir = str(tmp_path / "elsewhere")
        assert settings.effective_results_dir() == tmp_path / "elsewhere"
    finally:
        project.clear()


def test_dialog_saves_what_the_user_set(settings, qtbot, tmp_path):
    from terrascope_reasoning.terrascope_plugin.settings_dialog import SettingsDialog

    dialog = SettingsDialog(settings=settings)
    qtbot.addWidget(dialog)
    dialog.model_dir.setFilePath(str(tmp_path))
    dialog.tile_size.setValue(256)
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    assert dialog.flip_averaging.currentData() == "model"
    dialog.flip_averaging.setCurrentIndex(dialog.flip_averaging.findData("off"))
    dialog.class_signatures.setCurrentIndex(dialog.class_signatures.findData("on"))
    assert dialog.water_index.currentData() == "on"
    dialog.water_index.setCurrentIndex(dialog.water_index.findData("off"))
    assert dialog.change_from_classes.currentData() == "model"
    dialog.change_from_classes.setCurrentIndex(dialog.change_from_classes.findData("off"))
    dialog.accept()
    assert settings.model_dir == str(tmp_path) and settings.tile_size == 256 and settings.device == "cpu"
    assert settings.flip_averaging == "off" and settings.class_signatures == "on" and settings.water_index == "off"
    assert settings.change_from_classes == "off" and settings.change_from_classes_option() is False


def test_plugin_import_and_start_load_no_torch(tmp_path):
    code = ("import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'; sys.path.insert(0, 'tests/..');"
            "import tests.conftest as c; c._qgis_app();"
            "from tests.qgis_iface import TestInterface; import terrascope_reasoning;"
            "p = terrascope_reasoning.classFactory(TestInterface()); p.initGui();"
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    from tests.conftest import ROOT

    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.stdout.strip().splitlines()[-1] == "False False", run.stderr[-2000:]


def test_gpu_probe_in_a_subprocess_matches_torch(monkeypatch):
    import torch
    from terrascope_reasoning.terrascope_plugin import devices

    monkeypatch.setenv("TERRASCOPE_ENGINE_PROCESS", "1")  # as inside QGIS
    expected = torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""
    assert devices.detect_gpu() == expected


@pytest.mark.parametrize("setting, option, what", [("mask_sharpening", "sharpen_masks", "mask sharpening"),
                                                   ("class_signatures", "class_signatures", "class signatures"),
                                                   ("change_from_classes", "change_from_classes", "change from classes"),
                                                   ("land_cover", "land_cover", "land cover")])
def test_mask_option_settings_reach_engine_load(settings, monkeypatch, setting, option, what):
    from terrascope_reasoning.engine import api
    from terrascope_reasoning.terrascope_plugin import ask_core
    from terrascope_reasoning.terrascope_plugin.request import AskRequest

    read = getattr(settings, f"{option}_option")
    assert getattr(settings, setting) == "model" and read() is None
    setattr(settings, setting, "off")
    assert read() is False
    setattr(settings, setting, "on")
    assert read() is True
    with pytest.raises(ValueError, match=what):
        setattr(settings, setting, "blurry")
    calls = []
    monkeypatch.setattr(api.Engine, "load", classmethod(lambda cls, **kw: calls.append(kw) or object()))
    try:
        for value in (None, False):
            ask_core.load_engine(AskRequest.from_dict(AskRequest(question="q", **{option: value}).to_dict()))
    finally:
        ask_core.forget_engines()
    assert option not in calls[0] and calls[1][option] is False

def test_the_water_index_setting_reaches_engine_load(settings, monkeypatch):
    """On by default, as in the engine; "off" reaches ``Engine.load(water_index=False)`` through the request."""
    from terrascope_reasoning.engine import api
    from terrascope_reasoning.terrascope_plugin import ask_core
    from terrascope_reasoning.terrascope_plugin.request import AskRequest

    assert settings.water_index == "on" and settings.water_index_option() is True
    settings.water_index = "off"
    assert settings.water_index_option() is False
    with pytest.raises(ValueError, match="water index"):
        settings.water_index = "model"
    calls = []
    monkeypatch.setattr(api.Engine, "load", classmethod(lambda cls, **kw: calls.append(kw) or object()))
    try:
        for value in (None, settings.water_index_option()):
            ask_core.load_engine(AskRequest.from_dict(AskRequest(question="q", water_index=value).to_dict()))
    finally:
        ask_core.forget_engines()
    assert "water_index" not in calls[0] and calls[1]["water_index"] is False
