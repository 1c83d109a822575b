"""Wizard page 3, Training settings: base model, LoRA rank/alpha, steps, learning rate, batch size, device,
estimated time and the output adapter folder (by default under the adapters folder the Ask panel lists)."""
from __future__ import annotations

import re
from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ..devices import gpu_probe
from ..i18n import tr
from ..settings import Settings
from .page_base import MessagePage, one_line

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SLACK_BYTES = 50 * 2**20


def default_adapters_root(settings: Settings | None = None) -> Path:
    """The adapters folder of the plugin settings, else ``<QGIS settings dir>/terrascope/adapters``."""
    settings = settings or Settings()
    if hasattr(settings, "effective_adapters_dir"):
        return Path(settings.effective_adapters_dir())
    if settings.adapters_dir:
        return Path(settings.adapters_dir)
    return Path(QgsApplication.qgisSettingsDirPath()) / "terrascope" / "adapters"


def default_base(settings: Settings | None = None) -> str:
    """The model folder of the plugin settings, else the embedded default (as ``terrascope finetune``)."""
    settings = settings or Settings()
    if settings.model_dir:
        return settings.model_dir
    from ...engine.train.cli import default_base as engine_default

    return engine_default()


def space_needed(base: str) -> int:
    """Bytes to keep free for one fine-tune of ``base``: a checkpoint with optimiser moments is about three
    times the weights, plus the adapter and slack. Registry names (no folder) count as 100 MB of weights."""
    folder = Path(base)
    if folder.is_dir():
        weights = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    else:
        weights = 100 * 2**20
    return int(3 * weights + SLACK_BYTES)


def _format_seconds(s: float) -> str:
    s = int(round(s))
    if s < 90:
        return tr("about {n} s").format(n=s)
    if s < 5400:
        return tr("about {n} min").format(n=round(s / 60))
    return tr("about {h:.1f} h").format(h=s / 3600)


class SettingsPage(MessagePage):
    """Training settings; ``out_dir()`` is the adapter folder, ``base()`` the base model."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(tr("Training settings"))
        self.setSubTitle(tr("LoRA adapters are small: only they, the mask decoder and the [SEG] projection "
                            "are trained and saved."))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.base_edit = QLineEdit(self)
        self.base_edit.setObjectName("baseModel")
        self.base_edit.setPlaceholderText(tr("embedded default model"))
        base_row = QHBoxLayout()
        base_row.addWidget(self.base_edit, 1)
        browse = QPushButton(tr("…"), self)
        browse.clicked.connect(self._browse_base)
        base_row.addWidget(browse)
        form.addRow(tr("Base model"), base_row)
        self.rank = self._spin("loraRank", 1, 256, 8)
        self.alpha = self._spin("loraAlpha", 1, 1024, 16)
        self.steps = self._spin("steps", 1, 10**6, 200)
        self.batch = self._spin("batchSize", 1, 1024, 4)
        self.lr = QDoubleSpinBox(self)
        self.lr.setObjectName("learningRate")
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 1.0)
        self.lr.setSingleStep(1e-4)
        self.lr.setValue(5e-4)
        form.addRow(tr("LoRA rank"), self.rank)
        form.addRow(tr("LoRA alpha"), self.alpha)
        form.addRow(tr("Steps"), self.steps)
        form.addRow(tr("Learning rate"), self.lr)
        form.addRow(tr("Batch size"), self.batch)
        self.device = QComboBox(self)
        self.device.setObjectName("deviceCombo")
        self.device.addItem(tr("Automatic (GPU when present)"), "auto")
        self.device.addItem(tr("CPU"), "cpu")
        form.addRow(tr("Device"), self.device)
        self.gpu_note = QLabel(self)
        self.gpu_note.setWordWrap(True)
        self.gpu_note.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form.addRow(self.gpu_note)
        self.name_edit = QLineEdit("regional-adapter", self)
        self.name_edit.setObjectName("adapterName")
        self.folder_edit = QLineEdit(str(default_adapters_root()), self)
        self.folder_edit.setObjectName("adaptersFolder")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        pick = QPushButton(tr("…"), self)
        pick.clicked.connect(self._browse_folder)
        folder_row.addWidget(pick)
        self.init_edit = QLineEdit(self)
        self.init_edit.setObjectName("initAdapter")
        self.init_edit.setPlaceholderText(tr("none: start from the base model"))
        init_row = QHBoxLayout()
        init_row.addWidget(self.init_edit, 1)
        pick_init = QPushButton(tr("…"), self)
        pick_init.clicked.connect(self._browse_init)
        init_row.addWidget(pick_init)
        form.addRow(tr("Continue from adapter"), init_row)
        form.addRow(tr("Adapter name"), self.name_edit)
        form.addRow(tr("Save in folder"), folder_row)
        self.estimate = QLabel(self)
        self.estimate.setObjectName("estimateLabel")
        form.addRow(tr("Estimated time"), self.estimate)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.message)
        for w in (self.steps, self.batch):
            w.valueChanged.connect(lambda *_: self.update_estimate())
        self.device.currentIndexChanged.connect(lambda *_: self.update_estimate())
        self.base_edit.editingFinished.connect(self.update_estimate)
        self._probing = False

    def _spin(self, name: str, lo: int, hi: int, value: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(lo, hi)
        spin.setValue(value)
        return spin

    def _browse_base(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Base model folder"), self.base_edit.text())
        if folder:
            self.base_edit.setText(folder)
            self.update_estimate()

    def _browse_init(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Adapter to continue from"),
                                                  self.init_edit.text() or self.folder_edit.text())
        if folder:
            self.init_edit.setText(folder)

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Adapters folder"), self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    # -- devices, detected lazily (torch imports in a background thread) -------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt name
        if not self._probing:
            self._probing = True
            probe = gpu_probe()
            probe.found.connect(self._gpu_found)
            probe.start()
        self.update_estimate()

    def _gpu_found(self, name: str) -> None:
        if not name or self.device.findData("cuda") >= 0:
            return
        self.device.addItem(tr("CUDA: {name}").format(name=name), "cuda")
        try:
            import torch

            count = torch.cuda.device_count()
        except Exception:
            count = 1
        if count > 1:
            self.gpu_note.setText(tr("{n} GPUs found. The wizard trains on one; to use all of them, run the "
                                     "command the Run page shows under accelerate launch.").format(n=count))

    # -- values -------------------------------------------------------------------------------------------
    def base(self) -> str:
        return self.base_edit.text().strip() or default_base()

    def init_adapter(self) -> str | None:
        return self.init_edit.text().strip() or None

    def out_dir(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser() / self.name_edit.text().strip()

    def fields(self) -> dict:
        return {"lora_rank": self.rank.value(), "lora_alpha": self.alpha.value(), "steps": self.steps.value(),
                "lr": float(self.lr.value()), "batch_size": self.batch.value(),
                "device": self.device.currentData() or "auto"}

    def update_estimate(self) -> None:
        try:
            from ...engine.train.finetune import estimate_seconds

            seconds = estimate_seconds(self.engine_wizard.config(), self.base())
        except Exception:  # settings not valid yet: the check on Next says why
            self.estimate.setText(tr("unknown until the data is valid"))
            return
        self.estimate.setText(_format_seconds(seconds))
        self.estimated_seconds = seconds

    def check(self) -> None:
        """Raise with a one-line message when the base, the name or the output folder is unusable."""
        from ...engine.errors import InputError
        from ...engine.train.finetune import check_disk_space

        base = self.base()
        if ("/" in base or "\\" in base) and not Path(base).is_dir():
            raise InputError(tr("Base model folder {path} not found; pick the folder holding config.json.")
                             .format(path=base))
        init = self.init_adapter()
        if init and not (Path(init) / "adapter_config.json").is_file():
            raise InputError(tr("{path} is not an adapter folder (no adapter_config.json); pick a folder the "
                                "wizard or terrascope finetune wrote, or leave the field empty.").format(
                path=init))
        name = self.name_edit.text().strip()
        if not NAME_RE.match(name):
            raise InputError(tr("Adapter name {name!r}: use letters, digits, '-', '_' or '.' only.")
                             .format(name=name))
        folder = Path(self.folder_edit.text().strip()).expanduser()
        if not self.folder_edit.text().strip():
            raise InputError(tr("Pick the folder where the adapter is saved."))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(tr("Cannot create the adapters folder {path}: {reason}").format(
                path=folder, reason=err.strerror or err))
        check_disk_space(folder, space_needed(base))

    def validatePage(self) -> bool:  # noqa: N802 - Qt name
        self.clear_message()
        try:
            self.check()
        except Exception as err:
            self.show_error(one_line(err))
            return False
        if (self.out_dir() / "adapter_config.json").is_file():
            self.show_info(tr("An adapter named {name} exists; it is replaced only when the new training "
                              "finishes.").format(name=self.out_dir().name))
        self.update_estimate()
        return True
