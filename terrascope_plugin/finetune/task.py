"""``FinetuneTask``: one regional fine-tune in QGIS's task manager.

``run()`` (worker thread) calls the engine's ``run_finetune`` with paths only and turns its progress into
signals (loss points, phase text, ETA); the outcome comes back as a value (:class:`Trained`,
:class:`TrainFailed`, :class:`TrainCanceled`), never as an exception across threads. Like the Ask task,
inside a QGIS application (``worker.use_worker_process()``) the engine runs in a separate process
(:mod:`.process`: ``terrascope finetune --progress-json``), since QGIS's own GEOS/PROJ would serve its
shapely/pyproj calls; in a plain Python interpreter it runs in a thread made by Python (pyproj's per-thread
context crashes in Qt-made threads)."""
from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field
from typing import Callable

from qgis.core import Qgis, QgsMessageLog, QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..i18n import tr
from ..worker import use_worker_process
from .page_base import one_line

# share of the progress bar per phase: (start %, end %)
PHASES = {"evaluate-before": (0.0, 8.0), "train": (8.0, 90.0), "evaluate-after": (90.0, 98.0),
          "save": (98.0, 100.0)}


@dataclass(frozen=True)
class Trained:
    """adapter_dir: the saved adapter; before/after: validation metrics ({"accuracy", "giou", "ciou",
    "per_task", ...}); seconds: wall time; history: [[step, loss], ...]; data: the data summary."""

    adapter_dir: str
    before: dict
    after: dict
    seconds: float
    steps: int = 0
    history: tuple = ()
    data: dict = field(default_factory=dict)
    examples: tuple = ()  # examples.Example: validation questions with truth / base / fine-tuned masks


@dataclass(frozen=True)
class TrainFailed:
    message: str  # one line, says what to fix
    details: str = field(default="", compare=False)  # traceback for the log


@dataclass(frozen=True)
class TrainCanceled:
    message: str = ""


TrainOutcome = Trained | TrainFailed | TrainCanceled


def _default_runner(cfg, base, out_dir, progress, cancelled, resume, init_adapter=None):
    from ...engine.train.finetune import run_finetune

    return run_finetune(cfg, base, out_dir, progress=progress, cancelled=cancelled, resume=resume,
                        init_adapter=init_adapter)


def _default_examples(cfg, base, adapter_dir, image_size, count):
    from .examples import make_examples

    return make_examples(cfg, base, adapter_dir, image_size, count)


class FinetuneTask(QgsTask):
    """Trains ``cfg`` (an engine FinetuneConfig) on ``base`` (continuing ``init_adapter`` when given) into
    ``out_dir``.

    Signals: ``loss(step, value)`` per logged step, ``status(text)`` per phase, ``eta(seconds)`` while
    training. ``done(outcome)`` is called in ``finished()`` (main thread)."""

    loss = pyqtSignal(int, float)
    status = pyqtSignal(str)
    eta = pyqtSignal(float)

    def __init__(self, cfg, base: str, out_dir: str, resume: bool = True,
                 done: Callable[[TrainOutcome], None] | None = None, runner=None, examples: int = 3,
                 examples_fn=None, init_adapter: str | None = None):
        name = str(out_dir).rstrip("/").split("/")[-1]
        super().__init__(tr("TerraScope fine-tune: {name}").format(name=name), QgsTask.CanCancel)
        self.cfg, self.base, self.out_dir, self.resume = cfg, str(base), str(out_dir), bool(resume)
        self.init_adapter = init_adapter
        self.outcome: TrainOutcome | None = None
        self._done = done
        # a given runner is called as it is; the default is the engine here, or in its own process in QGIS
        self.in_process = runner is not None or not use_worker_process()
        default_examples = None
        if runner is None:
            from .process import process_examples, process_runner

            runner = _default_runner if self.in_process else process_runner
            default_examples = _default_examples if self.in_process else process_examples
        self._runner = runner
        # example masks load the model once more: only with the real engine call unless asked for
        self._examples_fn = examples_fn or default_examples
        self._examples = int(examples)
        self._phase = ""

    def detach(self) -> None:
        """Forget the ``done`` callback (the wizard closed); the outcome is then only logged."""
        self._done = None

    def _progress(self, step: int, total: int, metrics: dict) -> None:
        phase = str(metrics.get("phase", "train"))
        lo, hi = PHASES.get(phase, (0.0, 100.0))
        frac = step / total if phase == "train" and total else 0.0
        self.setProgress(lo + (hi - lo) * min(1.0, max(0.0, frac)))
        if phase != self._phase:
            self._phase = phase
            texts = {"evaluate-before": tr("Measuring the base model on the validation blocks…"),
                     "train": tr("Training…"),
                     "evaluate-after": tr("Measuring the fine-tuned model on the validation blocks…"),
                     "save": tr("Saving the adapter…")}
            self.status.emit(texts.get(phase, phase))
        if phase == "train" and "loss" in metrics and step > 0:
            self.loss.emit(int(step), float(metrics["loss"]))
        if "eta_s" in metrics:
            self.eta.emit(float(metrics["eta_s"]))

    def _work(self) -> TrainOutcome:
        from ...engine.errors import Cancelled, EngineError

        try:
            extra = {"init_adapter": self.init_adapter} if self.init_adapter else {}
            res = self._runner(self.cfg, self.base, self.out_dir, self._progress, self.isCanceled,
                               self.resume, **extra)
        except Cancelled as err:
            return TrainCanceled(one_line(err))
        except EngineError as err:
            return TrainFailed(one_line(err))
        except MemoryError:
            return TrainFailed(tr("Out of memory: lower the batch size or pick a smaller base model."))
        except Exception as err:  # a bug or a broken environment: one line for the page, details for the log
            return TrainFailed(tr("Fine-tuning failed: {reason} (details in the TerraScope log).").format(
                reason=one_line(err)), traceback.format_exc())
        data = dict(getattr(res, "data", {}) or {})
        return Trained(str(res.adapter_dir), dict(res.before), dict(res.after), float(res.seconds),
                       int(getattr(res, "steps", 0)), tuple(tuple(p) for p in getattr(res, "history", [])),
                       data, self._make_examples(str(res.adapter_dir), data))

    def _make_examples(self, adapter_dir: str, data: dict) -> tuple:
        """Example masks; a failure here only costs the pictures (logged), never the trained adapter."""
        if self._examples_fn is None or self._examples <= 0 or self.isCanceled():
            return ()
        self.status.emit(tr("Drawing example masks…"))
        try:
            size = int(data.get("image_size") or self.cfg.image_size or 224)
            return tuple(self._examples_fn(self.cfg, self.base, adapter_dir, size, self._examples))
        except Exception:
            QgsMessageLog.logMessage(traceback.format_exc(), "TerraScope", Qgis.Warning)
            return ()

    def run(self) -> bool:  # worker thread: no layers, no widgets
        box: list[TrainOutcome] = []
        worker = threading.Thread(target=lambda: box.append(self._work()), name="terrascope-finetune",
                                  daemon=True)
        worker.start()
        worker.join()
        self.outcome = box[0] if box else TrainFailed(tr("Fine-tuning stopped unexpectedly; see the "
                                                         "TerraScope log."))
        if isinstance(self.outcome, TrainFailed) and self.outcome.details:
            QgsMessageLog.logMessage(self.outcome.details, "TerraScope", Qgis.Critical)
        return isinstance(self.outcome, Trained)

    def finished(self, result: bool) -> None:  # main thread
        if self.outcome is None:  # cancelled before run() started
            self.outcome = TrainCanceled(tr("Cancelled before training started; the previous adapter is "
                                            "unchanged."))
        if self._done is not None:
            self._done(self.outcome)
