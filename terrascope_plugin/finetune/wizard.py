"""``FinetuneWizard``: five pages (Data, What to learn, Training settings, Run, Evaluate and save) that fill
one engine ``FinetuneConfig`` and run it as a QgsTask. The wizard owns the split layer and the temporary
copies of non-file layers and removes both when it closes."""
from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QWizard

from ..i18n import tr
from ..settings import Settings
from .blocks_layer import BlocksLayerKeeper
from .data_page import DataPage
from .evaluate_page import EvaluatePage
from .inputs import remove_exports
from .questions_page import QuestionsPage
from .run_page import RunPage
from .settings_page import SettingsPage
from .task import FinetuneTask, Trained


class FinetuneWizard(QWizard):
    """Pages: ``data_page``, ``questions_page``, ``settings_page``, ``run_page``, ``evaluate_page``.

    ``runner``: the engine call the task makes (default ``engine.train.finetune.run_finetune``);
    ``examples_fn``: what draws the example masks (default :func:`examples.make_examples`).
    ``adapterSaved(path)`` is emitted when an adapter folder was written (the Ask panel refreshes its
    list)."""

    adapterSaved = pyqtSignal(str)

    def __init__(self, iface, parent=None, settings: Settings | None = None, runner=None, examples_fn=None):
        super().__init__(parent)
        self.iface = iface
        self.settings = settings or Settings()
        self.runner, self.examples_fn = runner, examples_fn
        self.example_count = 3  # validation questions drawn with masks on the Evaluate page
        self.setWindowTitle(tr("Fine-tune TerraScope"))
        self.setWizardStyle(QWizard.ClassicStyle)
        self.setOption(QWizard.NoBackButtonOnLastPage, True)
        self.blocks = BlocksLayerKeeper()
        self.exported: dict[str, str] = {}
        self.task: FinetuneTask | None = None
        self.outcome: Trained | None = None
        self.data_page = DataPage(iface, self)
        self.questions_page = QuestionsPage(self)
        self.settings_page = SettingsPage(self)
        self.run_page = RunPage(self)
        self.evaluate_page = EvaluatePage(self)
        for page in (self.data_page, self.questions_page, self.settings_page, self.run_page,
                     self.evaluate_page):
            self.addPage(page)
        self.finished.connect(lambda *_: self.cleanup())
        self.resize(760, 720)

    def config(self, **overrides):
        """The engine ``FinetuneConfig`` of the pages' current values (``overrides`` win). Raises a
        ``RequestError`` or the engine's ``InputError`` with a one-line message."""
        from ...engine.train.finetune_config import FinetuneConfig

        d = {**self.data_page.fields(self.exported), **self.questions_page.fields(),
             **self.settings_page.fields(), **overrides}
        return FinetuneConfig(**d)

    def write_settings(self, cfg) -> tuple[str, str]:
        """Save ``cfg`` beside the adapter folder (``NAME.finetune-settings.json``) -> (path, the equivalent
        ``terrascope finetune`` command line, which also runs under ``accelerate launch`` on several GPUs)."""
        import shlex

        out = self.settings_page.out_dir()
        path = out.with_name(f"{out.name}.finetune-settings.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        cfg.save(path)
        cmd = ["terrascope", "finetune", "--settings", str(path), "--base", self.settings_page.base(),
               "--out", str(out)]
        if self.settings_page.init_adapter():
            cmd += ["--init-adapter", self.settings_page.init_adapter()]
        return str(path), " ".join(shlex.quote(c) for c in cmd)

    def start_task(self, cfg, resume: bool = True, done=None) -> FinetuneTask:
        """Start the fine-tune of ``cfg`` into the settings page's folder; the task is kept on ``task``."""
        self.outcome = None
        self.task = FinetuneTask(cfg, self.settings_page.base(), str(self.settings_page.out_dir()), resume,
                                 done=done, runner=self.runner, examples=self.example_count,
                                 examples_fn=self.examples_fn,
                                 init_adapter=self.settings_page.init_adapter())
        QgsApplication.taskManager().addTask(self.task)
        return self.task

    def trained(self, outcome: Trained) -> None:
        """A finished run: remember it, and make sure the Ask panel lists the adapters folder it was saved in
        (the panel lists adapter folders under the settings' adapters folder)."""
        self.outcome = outcome
        from pathlib import Path

        from .settings_page import default_adapters_root

        root = Path(outcome.adapter_dir).parent
        default = default_adapters_root(self.settings).resolve()
        if not self.settings.adapters_dir and root.resolve() != default:
            self.settings.adapters_dir = str(root)  # the folder the user chose becomes the listed one
        self.adapterSaved.emit(str(outcome.adapter_dir))

    def task_running(self) -> bool:
        return self.task is not None and self.run_page.running()

    def cleanup(self) -> None:
        """Remove the split layer; cancel a running task and drop temporary copies once nothing reads them."""
        self.blocks.remove()
        self.data_page.shutdown()
        if self.task_running():
            task, exported = self.task, dict(self.exported)
            task.detach()
            task.taskCompleted.connect(lambda: remove_exports(exported))
            task.taskTerminated.connect(lambda: remove_exports(exported))
            task.cancel()
            self.exported.clear()
        else:
            remove_exports(self.exported)
