"""Wizard page 5, Evaluate and save: accuracy and gIoU before/after on the validation blocks, where the
adapter and its model card were saved, and the name under which the Ask panel lists it."""
from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..i18n import tr
from .page_base import MessagePage
from .preview import overlay, to_pixmap

EXAMPLE_SIDE = 120

METRICS = ("accuracy", "giou", "ciou")


def _num(v) -> str:
    return "–" if v is None else f"{float(v):.3f}"


def metric_rows(before: dict, after: dict) -> list[tuple[str, float | None, float | None]]:
    """(label, base value, fine-tuned value) for the overall metrics and each task's gIoU."""
    names = {"accuracy": tr("Answer accuracy"), "giou": tr("gIoU"), "ciou": tr("cIoU")}
    rows = [(names[k], before.get(k), after.get(k)) for k in METRICS if k in before or k in after]
    tasks = sorted(set(before.get("per_task", {}) or {}) | set(after.get("per_task", {}) or {}))
    for t in tasks:
        b = (before.get("per_task") or {}).get(t, {}) or {}
        a = (after.get("per_task") or {}).get(t, {}) or {}
        rows.append((tr("{task} gIoU").format(task=t), b.get("giou"), a.get("giou")))
    return rows


class EvaluatePage(MessagePage):
    """Shows a :class:`Trained` outcome (``show_outcome``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(tr("Evaluate and save"))
        self.setSubTitle(tr("Numbers on the validation blocks, which training never saw."))
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("metricsTable")
        self.table.setHorizontalHeaderLabels([tr("Metric"), tr("Base"), tr("Fine-tuned"), tr("Change")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMaximumHeight(220)
        layout.addWidget(self.table)
        self.examples_area = QScrollArea(self)
        self.examples_area.setWidgetResizable(True)
        self.examples_widget = QWidget()
        self.examples_grid = QGridLayout(self.examples_widget)
        self.examples_area.setWidget(self.examples_widget)
        self.examples_area.setMinimumHeight(EXAMPLE_SIDE + 60)
        layout.addWidget(self.examples_area, 2)
        self.example_labels: list[QLabel] = []
        self.where = QLabel(self)
        self.where.setObjectName("savedLabel")
        self.where.setWordWrap(True)
        self.where.setOpenExternalLinks(True)
        layout.addWidget(self.where)
        layout.addWidget(self.message)

    def initializePage(self) -> None:  # noqa: N802 - Qt name
        outcome = self.engine_wizard.outcome
        if outcome is not None:
            self.show_outcome(outcome)

    def show_outcome(self, outcome) -> None:
        rows = metric_rows(outcome.before, outcome.after)
        self.table.setRowCount(len(rows))
        for r, (label, b, a) in enumerate(rows):
            change = None if a is None or b is None else float(a) - float(b)
            cells = (label, _num(b), _num(a), "–" if change is None else f"{change:+.3f}")
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        folder = Path(outcome.adapter_dir)
        card = folder / "MODEL_CARD.md"
        self.where.setText(tr("Adapter saved in <a href=\"{folder_url}\">{folder}</a>; model card: "
                              "<a href=\"{card_url}\">{card}</a>. Pick \"Adapter: {name}\" in the Ask "
                              "panel's model list to use it.").format(
            folder_url=QUrl.fromLocalFile(str(folder)).toString(), folder=folder,
            card_url=QUrl.fromLocalFile(str(card)).toString(), card=card.name, name=folder.name))
        self.show_examples(getattr(outcome, "examples", ()))
        from .settings_page import default_adapters_root

        listed = str(default_adapters_root(self.engine_wizard.settings)) if self.wizard() is not None else ""
        if listed and Path(listed).resolve() != folder.parent.resolve():
            note = tr("The Ask panel lists the adapters in {listed}; move the adapter there or change the "
                      "adapters folder in the TerraScope settings to use it.")
            self.show_info(note.format(listed=listed))
        else:
            self.clear_message()

    def show_examples(self, examples) -> None:
        """One row per example: question, then truth / base / fine-tuned masks over the image."""
        for label in self.example_labels:
            self.examples_grid.removeWidget(label)
            label.deleteLater()
        self.example_labels = []
        if not examples:
            self.examples_area.hide()
            return
        self.examples_area.show()
        for c, text in enumerate((tr("Question"), tr("Labels"), tr("Base"), tr("Fine-tuned"))):
            self._add(QLabel(f"<b>{text}</b>", self.examples_widget), 0, c)
        for r, ex in enumerate(examples, start=1):
            q = QLabel(f"{ex.task}: {ex.question}", self.examples_widget)
            q.setWordWrap(True)
            q.setMaximumWidth(220)
            self._add(q, r, 0)
            for c, masks in enumerate((ex.truth, ex.before, ex.after), start=1):
                pic = QLabel(self.examples_widget)
                pic.setPixmap(to_pixmap(overlay(ex.rgb, masks), EXAMPLE_SIDE))
                self._add(pic, r, c)

    def _add(self, label: QLabel, row: int, col: int) -> None:
        self.examples_grid.addWidget(label, row, col)
        self.example_labels.append(label)
