"""Wizard page 4, Run: the fine-tune as a QgsTask with a live loss curve, progress, ETA, cancel (the last
good adapter is kept) and resume (a cancelled run with the same settings continues where it stopped)."""
from __future__ import annotations

import json
from pathlib import Path

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from ..i18n import tr
from .loss_curve import LossCurve
from .page_base import MessagePage, one_line
from .task import TrainCanceled, Trained, TrainFailed


def resumable_history(out_dir: str | Path, cfg, base: str) -> list[tuple[int, float]] | None:
    """The loss history of a cancelled run that ``run_finetune`` will resume (same settings and base, state
    in ``.NAME.work/``), or None when it will start afresh. Read from the JSON files, without torch."""
    out_dir = Path(out_dir)
    work = out_dir.with_name(f".{out_dir.name}.work")
    try:
        saved = json.loads((work / "settings.json").read_text())
        state = json.loads((work / "checkpoint-last" / "trainer_state.json").read_text())
    except (OSError, ValueError):
        return None
    if saved.get("config") != json.loads(json.dumps(cfg.to_dict())) or saved.get("base") != str(base):
        return None
    return [(int(s), float(v)) for s, v in state.get("history", [])]


def format_eta(seconds: float) -> str:
    s = max(0, int(round(seconds)))
    return tr("{m} min {s} s left").format(m=s // 60, s=s % 60) if s >= 60 else tr("{s} s left").format(s=s)


class RunPage(MessagePage):
    """Start / Cancel buttons, the loss curve and the outcome; complete once an adapter was saved."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(tr("Run"))
        self.setSubTitle(tr("Training runs in the background; you can keep working in QGIS. Cancel keeps the "
                            "previous adapter; start again to resume."))
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.resume_box = QCheckBox(tr("Resume a cancelled run with the same settings"), self)
        self.resume_box.setObjectName("resumeBox")
        self.resume_box.setChecked(True)
        layout.addWidget(self.resume_box)
        row = QHBoxLayout()
        self.start_button = QPushButton(tr("Start training"), self)
        self.start_button.setObjectName("startButton")
        self.cancel_button = QPushButton(tr("Cancel training"), self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        row.addWidget(self.start_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        layout.addWidget(self.progress)
        self.status = QLabel(self)
        self.status.setObjectName("statusLabel")
        self.eta = QLabel(self)
        self.eta.setObjectName("etaLabel")
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.eta)
        layout.addLayout(status_row)
        self.curve = LossCurve(self)
        self.curve.setObjectName("lossCurve")
        layout.addWidget(self.curve, 1)
        self.command = QLabel(self)
        self.command.setObjectName("commandLabel")
        self.command.setWordWrap(True)
        self.command.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.command)
        layout.addWidget(self.message)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.task = None
        self.outcome = None

    def initializePage(self) -> None:  # noqa: N802 - Qt name
        w = self.engine_wizard
        s = w.settings_page
        self.summary.setText(tr("{steps} steps on {base}, adapter saved to {out}.").format(
            steps=s.steps.value(), base=s.base(), out=s.out_dir()))

    def running(self) -> bool:
        return self.task is not None and self.outcome is None

    def start(self) -> bool:
        """Export what needs exporting, then start the task; False (with the message) when refused."""
        if self.running():
            return False
        self.clear_message()
        self.outcome = None
        self.completeChanged.emit()
        w = self.engine_wizard
        try:
            w.settings_page.check()
            cfg = w.config()
            _, command = w.write_settings(cfg)
        except Exception as err:
            self.show_error(one_line(err))
            return False
        self.command.setText(tr("The same run from a shell: {command}").format(command=command))
        self.curve.clear(cfg.steps)
        history = resumable_history(w.settings_page.out_dir(), cfg, w.settings_page.base()) \
            if self.resume_box.isChecked() else None
        for step, loss in history or []:
            self.curve.add_point(step, loss)
        self.progress.setValue(0)
        self.eta.clear()
        if history:
            self.status.setText(tr("Loading the base model to resume after step {step}…").format(
                step=history[-1][0]))
        else:
            self.status.setText(tr("Loading the base model…"))
        self.task = w.start_task(cfg, resume=self.resume_box.isChecked(), done=self.task_done)
        self.task.loss.connect(self.curve.add_point)
        self.task.status.connect(self.status.setText)
        self.task.eta.connect(lambda s: self.eta.setText(format_eta(s)))
        self.task.progressChanged.connect(lambda p: self.progress.setValue(int(p)))
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        return True

    def cancel(self) -> None:
        if self.running():
            self.status.setText(tr("Cancelling after the current step…"))
            self.task.cancel()

    def task_done(self, outcome) -> None:
        self.outcome = outcome
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.eta.clear()
        if isinstance(outcome, Trained):
            self.progress.setValue(100)
            self.status.setText(tr("Done in {s:.0f} s.").format(s=outcome.seconds))
            self.show_info(tr("Adapter saved to {path}.").format(path=outcome.adapter_dir))
            self.engine_wizard.trained(outcome)
        elif isinstance(outcome, TrainCanceled):
            self.status.setText(tr("Cancelled."))
            self.show_info(outcome.message or tr("Cancelled; the previous adapter is unchanged."))
        elif isinstance(outcome, TrainFailed):
            self.status.setText(tr("Failed."))
            self.show_error(outcome.message)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt name
        return isinstance(self.outcome, Trained)

    def validatePage(self) -> bool:  # noqa: N802 - Qt name
        return isinstance(self.outcome, Trained) and not self.running()
