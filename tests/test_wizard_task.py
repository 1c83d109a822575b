"""The wizard's Run and Evaluate pages over a real QgsTask: live loss curve, ETA, cancel, the outcome on the
page, the adapters folder the Ask panel lists; the menu action; and a short tiny-test fine-tune through the wizard that writes an adapter, and a cancel that keeps the previous
one."""
from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.wizard_fixtures import filled_wizard, region, settings  # noqa: F401 (fixtures)

def _wizard(qgis_iface, qtbot, settings, region, folder: Path, runner=None, steps: int = 3):
    return filled_wizard(qgis_iface, qtbot, settings, region, folder, steps, runner=runner)


def _run(qtbot, wizard, timeout_ms: int = 60000):
    page = wizard.run_page
    page.initializePage()
    assert page.start(), page.message_text()
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=timeout_ms)
    return page.outcome


def _fake_runner(losses, cancel_at=None):
    """Reports like run_finetune (phases, losses, ETA) and honours cancel like it, raising Cancelled."""
    # the plugin catches the engine's classes as QGIS imports them (package terrascope_reasoning)
    from terrascope_reasoning.engine.errors import Cancelled

    def run(cfg, base, out_dir, progress, cancelled, resume, **kwargs):
        run.kwargs = kwargs
        progress(0, cfg.steps, {"phase": "evaluate-before"})
        for step, loss in enumerate(losses, start=1):
            time.sleep(0.02)
            if cancelled() or (cancel_at is not None and step > cancel_at):
                raise Cancelled(f"fine-tune cancelled at step {step} of {cfg.steps}; the previous adapter in "
                                f"{out_dir} is unchanged; run again to resume")
            progress(step, cfg.steps, {"phase": "train", "loss": loss, "eta_s": 65.0})
        progress(cfg.steps, cfg.steps, {"phase": "evaluate-after"})
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "adapter_config.json").write_text("{}")
        return SimpleNamespace(
            adapter_dir=str(out_dir), seconds=1.5, steps=cfg.steps, data={},
            before={"accuracy": 0.25, "giou": 0.1, "per_task": {"coverage": {"giou": 0.1}}},
            after={"accuracy": 0.5, "giou": 0.3, "per_task": {"coverage": {"giou": 0.3}}},
            history=[[i + 1, v] for i, v in enumerate(losses)])
    return run


def test_run_page_draws_the_loss_and_shows_the_evaluation(qgis_iface, qtbot, settings, region, tmp_path):
    from terrascope_reasoning.terrascope_plugin.finetune.task import Trained

    losses = [2.0, 1.5, 1.2, 0.9]
    w = _wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters", _fake_runner(losses), steps=4)
    saved = []
    w.adapterSaved.connect(saved.append)
    assert not w.run_page.isComplete()
    outcome = _run(qtbot, w)
    assert saved == [str(tmp_path / "adapters" / "coast")]
    assert isinstance(outcome, Trained), outcome
    assert w.run_page.curve.points == list(enumerate(losses, start=1))
    assert w.run_page.isComplete() and w.run_page.progress.value() == 100
    assert settings.adapters_dir == str(tmp_path / "adapters")  # the Ask panel lists this folder
    assert [p.name for p in settings.adapters()] == ["coast"]
    w.evaluate_page.initializePage()
    table = w.evaluate_page.table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in (1, 2, 3)]
            for r in range(table.rowCount())}
    assert rows["gIoU"] == ["0.100", "0.300", "+0.200"] and rows["Answer accuracy"][2] == "+0.250"
    assert "coverage gIoU" in rows
    assert "MODEL_CARD.md" in w.evaluate_page.where.text() and "coast" in w.evaluate_page.where.text()
    assert w.evaluate_page.message_text() == ""
    settings.adapters_dir = str(tmp_path / "elsewhere")
    w.evaluate_page.initializePage()
    assert "lists the adapters in" in w.evaluate_page.message_text()


def test_cancel_from_the_page_reports_and_is_not_complete(qgis_iface, qtbot, settings, region, tmp_path):
    from terrascope_reasoning.terrascope_plugin.finetune.task import TrainCanceled

    w = _wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters", _fake_runner([1.0] * 200),
                steps=200)
    page = w.run_page
    page.initializePage()
    assert page.start()
    qtbot.waitUntil(lambda: len(page.curve.points) >= 2, timeout=20000)
    assert page.eta.text() == "1 min 5 s left"
    page.cancel_button.click()
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=20000)
    assert isinstance(page.outcome, TrainCanceled)
    assert "previous adapter" in page.message_text() and not page.isComplete()
    assert page.start_button.isEnabled() and not page.cancel_button.isEnabled()
    assert not (tmp_path / "adapters" / "coast").exists()


def test_engine_errors_show_on_the_run_page(qgis_iface, qtbot, settings, region, tmp_path):
    from terrascope_reasoning.engine.errors import ModelError
    from terrascope_reasoning.terrascope_plugin.finetune.task import TrainFailed

    def broken(*args):
        raise ModelError("adapter x does not fit this base model; pick its base model or train a new adapter")

    w = _wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters", broken)
    outcome = _run(qtbot, w)
    assert isinstance(outcome, TrainFailed) and "does not fit" in w.run_page.message_text()
    assert not w.run_page.isComplete()


def test_menu_action_opens_the_wizard(qgis_iface, qtbot):
    from terrascope_reasoning.terrascope_plugin import finetune

    saved = []
    action = finetune.make_finetune_action(qgis_iface, qgis_iface.mainWindow(), on_adapter_saved=saved.append)
    assert action.text() == "Fine-tune TerraScope…" and not action.icon().isNull()
    action.trigger()
    assert len(finetune._wizards) == 1
    wizard = finetune._wizards[0]
    assert wizard.isVisible() and wizard.parent() is qgis_iface.mainWindow()
    assert wizard.currentPage() is wizard.data_page
    wizard.adapterSaved.emit("/some/adapter")
    assert saved == ["/some/adapter"]
    finetune.close_finetune_wizards()
    assert finetune._wizards == [] and not wizard.isVisible()


def test_loss_curve_maps_points_into_the_widget():
    from terrascope_reasoning.terrascope_plugin.finetune.loss_curve import LossCurve

    curve = LossCurve()
    curve.clear(total=10)
    for step, loss in ((2, 3.0), (4, 2.0), (10, 1.0), (11, float("nan"))):
        curve.add_point(step, loss)
    poly = curve.polygon(206, 106, margin=3)
    xs, ys = [poly.at(i).x() for i in range(poly.size())], [poly.at(i).y() for i in range(poly.size())]
    assert poly.size() == 3 and xs == sorted(xs) and xs[-1] == pytest.approx(203)
    assert ys[0] == pytest.approx(3) and ys[-1] == pytest.approx(103)  # highest loss on top
    curve.add_point(4, 5.0)  # a resumed run re-reports from step 4 on: later points are replaced
    assert curve.points == [(2, 3.0), (4, 5.0)]


@pytest.fixture()
def finish_tasks(qtbot):
    """Cancels and waits for the tasks of the wizards a test made, so no training outlives its test."""
    wizards = []
    yield wizards
    for w in wizards:
        if w.task_running():
            w.run_page.cancel()
            qtbot.waitUntil(lambda: w.run_page.outcome is not None, timeout=120000)


def _tiny(w, steps: int):
    """The smallest real run: tiny-test evaluates about 7 s per validation question on 2 CPU cores."""
    w.questions_page.questions.setValue(2)
    w.questions_page.val_questions.setValue(1)
    w.settings_page.steps.setValue(steps)
    w.settings_page.batch.setValue(1)
    w.example_count = 0  # example masks have their own test below
    return w


@pytest.mark.slow
def test_short_finetune_through_the_wizard_writes_an_adapter(qgis_iface, qtbot, settings, region, tmp_path,
                                                               finish_tasks):
    from terrascope_reasoning.terrascope_plugin.finetune.task import Trained

    w = _tiny(_wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters"), steps=2)
    finish_tasks.append(w)
    outcome = _run(qtbot, w, timeout_ms=180000)
    assert isinstance(outcome, Trained), getattr(outcome, "message", outcome)
    out = tmp_path / "adapters" / "coast"
    assert (out / "adapter_config.json").is_file() and (out / "MODEL_CARD.md").is_file()
    rec = json.loads((out / "finetune.json").read_text())
    assert rec["steps"] == 2 and rec["settings"]["label_field"] == "class"
    assert rec["settings"] == w.task.cfg.to_dict()
    assert w.run_page.curve.points and w.run_page.curve.points[-1][0] == 2  # the engine logs the last step
    assert settings.adapters() == [out]
    assert {"accuracy", "giou"} <= set(outcome.before) and {"accuracy", "giou"} <= set(outcome.after)


def test_cancel_through_the_wizard_keeps_the_previous_adapter(qgis_iface, qtbot, settings, region, tmp_path,
                                                              finish_tasks):
    from terrascope_reasoning.terrascope_plugin.finetune.task import TrainCanceled

    out = tmp_path / "adapters" / "coast"
    out.mkdir(parents=True)
    (out / "adapter_config.json").write_text('{"previous": true}')
    (out / "adapter_model.safetensors").write_bytes(b"previous weights")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    w = _tiny(_wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters"), steps=400)
    finish_tasks.append(w)
    page = w.run_page
    page.initializePage()
    assert page.start(), page.message_text()
    qtbot.waitUntil(lambda: bool(page.curve.points) or page.outcome is not None, timeout=120000)
    page.cancel_button.click()
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=120000)
    assert isinstance(page.outcome, TrainCanceled), page.outcome
    assert "unchanged" in page.message_text()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert (tmp_path / "adapters" / ".coast.work").is_dir()  # state kept for resume
    from terrascope_reasoning.terrascope_plugin.finetune.run_page import resumable_history

    history = resumable_history(out, w.task.cfg, "tiny-test")
    assert history is not None and history[-1][0] >= 1  # the next start resumes and redraws this curve
    assert resumable_history(out, w.config(steps=401), "tiny-test") is None  # other settings: fresh run


def test_example_masks_from_the_real_model(region, tmp_path):
    from terrascope_reasoning.engine.train import model_api
    from terrascope_reasoning.engine.train.finetune_config import FinetuneConfig
    from terrascope_reasoning.terrascope_plugin.finetune.examples import make_examples

    model, _ = model_api.load_base("tiny-test")
    model = model_api.add_lora(model, 4, 8)
    model_api.save_adapter(model, tmp_path / "adapter")
    cfg = FinetuneConfig(optical=region["optical"], labels=region["labels_vector"], label_field="class",
                         block_size=64, questions=1, val_questions=1, tasks=("referring",), device="cpu")
    size = model_api.image_size(model)
    examples = make_examples(cfg, "tiny-test", str(tmp_path / "adapter"), size, count=1)
    assert len(examples) == 1
    ex = examples[0]
    assert ex.rgb.shape == (size, size, 3) and ex.truth.shape[-2:] == (size, size)
    assert ex.before.shape[-2:] == (size, size) and ex.after.shape[-2:] == (size, size)
    for masks in (ex.before, ex.after):  # an untrained base may ground no step at all: then (0, S, S)
        assert masks.ndim == 3 and (masks.size == 0 or (masks.min() >= 0.0 and masks.max() <= 1.0))


class _OraclePredictor:
    """The bench's predictor protocol; answers every question with its true masks (or empty ones)."""

    def __init__(self, samples, empty=False):
        self.truth = {s["record"].question: s["masks"] for s in samples}
        self.empty = empty
        self.images = None

    def set_images(self, images):
        self.images = images

    def answer(self, question, choices, measure=None):
        masks = self.truth[question]
        steps = [SimpleNamespace(mask_prob=(m * 0 if self.empty else m)) for m in masks]
        return SimpleNamespace(steps=steps, choice=None, text="")


def test_example_masks_are_the_predictors_and_drawn_on_the_evaluate_page(qgis_iface, qtbot, settings, region,
                                                                          tmp_path):
    from terrascope_reasoning.engine.train.finetune_config import FinetuneConfig
    from terrascope_reasoning.engine.train.finetune_data import prepare_finetune_data
    from terrascope_reasoning.terrascope_plugin.finetune.examples import recorded_masks, to_examples

    cfg = FinetuneConfig(optical=region["optical"], labels=region["labels_vector"], label_field="class",
                         block_size=64, questions=1, val_questions=3, tasks=("coverage", "referring"))
    samples = prepare_finetune_data(cfg, image_size=32).val
    after = recorded_masks(_OraclePredictor(samples), samples)
    before = recorded_masks(_OraclePredictor(samples, empty=True), samples)
    assert [a.shape for a in after] == [tuple(s["masks"].shape) for s in samples]
    assert all((a == s["masks"].numpy()).all() for a, s in zip(after, samples))
    assert all(b.max(initial=0) == 0 for b in before)
    examples = to_examples(samples, before, after)
    assert examples[0].rgb.shape == (32, 32, 3) and examples[0].question == samples[0]["record"].question

    def fake_examples(cfg_, base, adapter_dir, size, count):
        assert Path(adapter_dir).name == "coast" and count == 3
        return examples

    w = _wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters", _fake_runner([1.0, 0.5]), steps=2)
    w.examples_fn = fake_examples
    outcome = _run(qtbot, w)
    assert len(outcome.examples) == 3
    w.evaluate_page.initializePage()
    pics = [lbl for lbl in w.evaluate_page.example_labels
            if lbl.pixmap() is not None and not lbl.pixmap().isNull()]
    assert len(pics) == 3 * 3  # truth, base, fine-tuned per example
    truth_img, base_img = pics[0].pixmap().toImage(), pics[1].pixmap().toImage()
    assert truth_img != base_img  # the truth is drawn, the empty base prediction is not


def test_the_command_line_reads_the_wizards_settings_unchanged(qgis_iface, qtbot, settings, region, tmp_path):
    import argparse
    import shlex

    from terrascope_reasoning.engine.train.cli import add_finetune_arguments, finetune_config_from_args

    runner = _fake_runner([1.0])
    w = _wizard(qgis_iface, qtbot, settings, region, tmp_path / "adapters", runner, steps=1)
    w.data_page.set_class_name("water", "open water")
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "adapter_config.json").write_text("{}")
    w.settings_page.init_edit.setText(str(earlier))
    _run(qtbot, w)
    assert runner.kwargs == {"init_adapter": str(earlier)}
    text = w.run_page.command.text()
    argv = shlex.split(text.split(": ", 1)[1])
    assert argv[:2] == ["terrascope", "finetune"]
    parser = argparse.ArgumentParser()
    add_finetune_arguments(parser)
    args = parser.parse_args(argv[2:])
    assert args.base == "tiny-test" and args.out == str(tmp_path / "adapters" / "coast")
    assert args.init_adapter == str(earlier)
    assert finetune_config_from_args(args) == w.task.cfg
    assert w.task.cfg.class_names["water"] == "open water"
