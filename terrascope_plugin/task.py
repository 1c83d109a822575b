"""``AskTask``: one "Ask TerraScope" in QGIS's task manager. ``run()`` (worker thread) only calls
:func:`runner.run_ask` with paths; ``finished()`` (main thread) hands the outcome to the plugin."""
from __future__ import annotations

from collections.abc import Callable

from qgis.core import Qgis, QgsMessageLog, QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from .i18n import tr
from .request import AskRequest
from .runner import Canceled, Failed, Outcome, run_ask


class AskTask(QgsTask):
    """Runs one request. ``outcome`` is set by ``run()``; ``done`` is called with it in ``finished()``.

    ``message`` (str) carries the engine's progress text to the dock; progress itself is ``progressChanged``
    (0..100)."""

    message = pyqtSignal(str)

    def __init__(self, request: AskRequest, output_path: str, done: Callable[[Outcome], None] | None = None,
                 runner=run_ask):
        super().__init__(tr("TerraScope: {question}").format(question=request.question), QgsTask.CanCancel)
        self.request = request
        self.output_path = output_path
        self.outcome: Outcome | None = None
        self._done = done
        self._runner = runner

    def detach(self) -> None:
        """Forget the ``done`` callback (the plugin is unloading); the outcome is then dropped."""
        self._done = None

    def _progress(self, fraction: float, text: str = "") -> None:
        self.setProgress(max(0.0, min(1.0, float(fraction))) * 100.0)
        if text:
            self.message.emit(str(text))

    def run(self) -> bool:  # worker thread: no layers, no widgets
        self.outcome = self._runner(self.request, self.output_path, progress=self._progress,
                                    cancelled=self.isCanceled)
        if isinstance(self.outcome, Failed) and self.outcome.details:
            QgsMessageLog.logMessage(self.outcome.details, "TerraScope", Qgis.Critical)
        return not isinstance(self.outcome, (Failed, Canceled))

    def finished(self, result: bool) -> None:  # main thread
        outcome = self.outcome
        if outcome is None:  # cancelled before run() started
            outcome = Canceled(self.request)
        self.outcome = outcome
        if self._done is not None:
            self._done(outcome)
