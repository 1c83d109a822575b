"""The fine-tune wizard with the engine in a separate process (as inside the QGIS application, where QGIS's
own GEOS/PROJ would serve shapely/pyproj): ``terrascope finetune --progress-json`` drives the task's loss,
status and ETA signals, writes the adapter, and a cancel keeps the previous adapter."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wizard_fixtures import filled_wizard, region, settings  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
@pytest.fixture()
def engine_process(monkeypatch):
    monkeypatch.setenv("TERRASCOPE_ENGINE_PROCESS", "1")
    monkeypatch.setenv("TERRASCOPE_PYTHON", sys.executable)


def _config(region, **kw):
    from terrascope_reasoning.engine.train.finetune_config import FinetuneConfig

    d = dict(optical=region["optical"], labels=region["labels_vector"], label_field="class", block_size=64,
             questions=2, val_questions=1, tasks=("coverage", "referring"), steps=2, batch_size=1, lr=1e-3,
             device="cpu")
    d.update(kw)
    return FinetuneConfig(**d)


def _wizard(qgis_iface, qtbot, settings, region, folder: Path, steps: int):
    w = filled_wizard(qgis_iface, qtbot, settings, region, folder, steps, questions=2, val_questions=1, batch=1)
    w.example_count = 0  # example masks have their own test
    return w


def _cancel_and_wait(qtbot, w):
    if w.task_running():
        w.run_page.cancel()
        qtbot.waitUntil(lambda: w.run_page.outcome is not None, timeout=60000)


def test_the_command_is_the_documented_one_with_json_progress(tmp_path, monkeypatch):
    from terrascope_reasoning.terrascope_plugin.finetune.process import finetune_command

    monkeypatch.chdir(tmp_path)
    cmd = finetune_command("py", "s.json", "tiny-test", "out/coast", resume=False, init_adapter=None)
    assert cmd[:5] == ["py", "-u", "-m", "engine.cli", "finetune"]
    args = dict(zip(cmd[5::2], cmd[6::2]))
    assert args["--base"] == "tiny-test"  # a registry name stays a name
    assert args["--out"] == str(tmp_path / "out" / "coast")  # the process runs in the plugin folder
    assert Path(args["--settings"]).is_absolute()
    assert "--progress-json" in cmd and "--no-resume" in cmd


def test_a_bad_setting_comes_back_as_the_commands_one_line_error(region, tmp_path, engine_process):
    from terrascope_reasoning.engine.errors import InputError
    from terrascope_reasoning.terrascope_plugin.finetune.process import process_runner

    cfg = _config(region, labels=str(tmp_path / "missing.gpkg"))
    with pytest.raises(InputError) as err:
        process_runner(cfg, "tiny-test", tmp_path / "coast", progress=lambda *a: None, cancelled=lambda: False)
    assert "missing.gpkg" in str(err.value) and "\n" not in str(err.value).strip()
    assert not (tmp_path / "coast").exists()


def test_wizard_trains_in_a_separate_process(qgis_iface, qtbot, settings, region, tmp_path, engine_process):
    from terrascope_reasoning.terrascope_plugin.finetune.task import Trained

    w = _wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters", steps=2)
    page = w.run_page
    page.initializePage()
    assert page.start(), page.message_text()
    assert not w.task.in_process
    statuses, losses, etas = [], [], []
    w.task.status.connect(statuses.append)
    w.task.loss.connect(lambda s, v: losses.append((s, v)))
    w.task.eta.connect(etas.append)
    try:
        qtbot.waitUntil(lambda: page.outcome is not None, timeout=90000)
    finally:
        _cancel_and_wait(qtbot, w)
    outcome = page.outcome
    assert isinstance(outcome, Trained), getattr(outcome, "message", outcome)
    out = tmp_path / "adapters" / "coast"
    assert outcome.adapter_dir == str(out)
    assert (out / "adapter_config.json").is_file() and (out / "MODEL_CARD.md").is_file()
    rec = json.loads((out / "finetune.json").read_text())
    assert rec["settings"] == w.task.cfg.to_dict() and rec["steps"] == 2
    assert [s for s, _ in losses] == [s for s, _ in rec["history"]] and losses[-1][0] == 2
    assert [list(p) for p in outcome.history] == rec["history"]
    assert etas and etas[-1] == pytest.approx(0.0, abs=1e-6)
    assert any("base model" in s for s in statuses) and any("Training" in s for s in statuses)
    assert {"accuracy", "giou"} <= set(outcome.before) and outcome.before == rec["before"]
    assert outcome.after == rec["after"] and outcome.data == rec["data"]
    assert page.curve.points[-1][0] == 2 and page.progress.value() == 100
    assert settings.adapters() == [out]


def test_cancel_stops_the_process_and_keeps_the_previous_adapter(qgis_iface, qtbot, settings, region, tmp_path,
                                                                 engine_process):
    from terrascope_reasoning.terrascope_plugin.finetune.run_page import resumable_history
    from terrascope_reasoning.terrascope_plugin.finetune.task import TrainCanceled

    out = tmp_path / "adapters" / "coast"
    out.mkdir(parents=True)
    (out / "adapter_config.json").write_text('{"previous": true}')
    (out / "adapter_model.safetensors").write_bytes(b"previous weights")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    w = _wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters", steps=400)
    page = w.run_page
    page.initializePage()
    assert page.start(), page.message_text()
    try:
        qtbot.waitUntil(lambda: bool(page.curve.points) or page.outcome is not None, timeout=60000)
        assert page.outcome is None and not w.task.in_process
        page.cancel_button.click()
        qtbot.waitUntil(lambda: page.outcome is not None, timeout=40000)
    finally:
        _cancel_and_wait(qtbot, w)
    assert isinstance(page.outcome, TrainCanceled), page.outcome
    assert "unchanged" in page.message_text()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    left = sorted(p.name for p in out.parent.iterdir() if not p.name.endswith(".finetune-settings.json"))
    assert left == [".coast.work", "coast"]  # no temporary folder left over
    history = resumable_history(out, w.task.cfg, "tiny-test")
    assert history is not None and history[-1][0] >= 1  # the next start resumes


def test_data_check_in_a_separate_process_matches_the_one_here(region, tmp_path, monkeypatch):
    from terrascope_reasoning.engine.errors import InputError
    from terrascope_reasoning.terrascope_plugin.finetune import data_check, inputs

    cfg = _config(region)
    here = data_check.check_data(cfg)
    monkeypatch.setenv("TERRASCOPE_ENGINE_PROCESS", "1")
    monkeypatch.setattr(data_check, "check_data", lambda cfg: pytest.fail("ran in this process"))
    there = inputs.check_data(cfg)
    assert there == here and len(there.blocks) >= 2
    assert {b.split for b in there.blocks} == {"train", "val"}
    with pytest.raises(InputError) as err:  # the engine's one-line message, as the page shows it
        inputs.check_data(_config(region, label_field="no_such_field"))
    assert "no_such_field" in str(err.value) and "\n" not in str(err.value)


def test_question_preview_in_a_separate_process(qgis_app, region, engine_process, monkeypatch):
    from terrascope_reasoning.terrascope_plugin.finetune import data_check, inputs
    from terrascope_reasoning.terrascope_plugin.finetune.preview import sample_pixmap, sample_question

    monkeypatch.setattr(data_check, "preview_samples", lambda *a: pytest.fail("ran in this process"))
    samples = inputs.preview_samples(_config(region, tasks=("coverage", "referring")), 3, 64)
    assert 1 <= len(samples) and {s["task"] for s in samples} <= {"coverage", "referring"}
    for s in samples:
        assert sample_question(s).strip() and s["masks"].ndim == 3 and s["masks"].shape[-2:] == (64, 64)
        assert s["images"]["optical"].shape[-2:] == (64, 64)
        assert 0.0 <= float(s["masks"].min()) and float(s["masks"].max()) <= 1.0
        assert not sample_pixmap(s, side=40).isNull()


def test_example_masks_in_a_separate_process(region, tmp_path, engine_process):
    from terrascope_reasoning.engine.train import model_api
    from terrascope_reasoning.terrascope_plugin.finetune.process import process_examples

    model, _ = model_api.load_base("tiny-test")
    model_api.save_adapter(model_api.add_lora(model, 4, 8), tmp_path / "adapter")
    size = model_api.image_size(model)
    cfg = _config(region, tasks=("referring",))
    examples = process_examples(cfg, "tiny-test", str(tmp_path / "adapter"), size, 1)
    assert len(examples) == 1
    ex = examples[0]
    assert ex.question and ex.task == "referring"
    assert ex.rgb.shape == (size, size, 3) and ex.rgb.dtype.name == "uint8"
    assert ex.truth.shape[-2:] == (size, size) and ex.truth.shape[0] >= 1
    for masks in (ex.before, ex.after):
        assert masks.ndim == 3 and masks.shape[-2:] == (size, size)


def test_the_engine_process_never_loads_qt(tmp_path):
    """The engine process imports the plugin's examples, data check and preview modules without Qt."""
    code = ("import sys, runpy; sys.argv=['x']; "
            "m = runpy.run_path(sys.argv[0] if False else %r, run_name='probe'); "
            "m['_plugin_module']('examples'); m['_plugin_module']('data_check'); "
            "import importlib; importlib.import_module('terrascope_reasoning.terrascope_plugin.finetune.preview'); "
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('qgis', 'PyQt5')))"
            % str(ROOT / "terrascope_plugin" / "finetune" / "process.py"))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=60)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().splitlines()[-1] == "[]"
