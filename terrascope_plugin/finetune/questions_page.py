"""Wizard page 2, What to learn: task types, how many questions, and a preview of a few generated
questions with their masks drawn."""
from __future__ import annotations

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QApplication,
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..i18n import tr
from .page_base import MessagePage, one_line
from .preview import sample_pixmap, sample_question

TASKS = ("coverage", "area", "distance", "ranking", "boundary", "referring")
PREVIEW_SIZE = 96  # px of the preview chips: enough to see masks, quick on CPU


def task_labels() -> dict[str, str]:
    return {"coverage": tr("Coverage share"), "area": tr("Absolute area"), "distance": tr("Distance"),
            "ranking": tr("Area ranking"), "boundary": tr("Boundary relation"),
            "referring": tr("Find this (referring segmentation)")}


class QuestionsPage(MessagePage):
    """Task checkboxes (``task_boxes[name]``), question counts and a preview of generated questions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(tr("What to learn"))
        self.setSubTitle(tr("Questions are generated from your labels on the training blocks; validation "
                            "questions come from the validation blocks only."))
        layout = QVBoxLayout(self)
        box = QGroupBox(tr("Task types"), self)
        grid = QGridLayout(box)
        self.task_boxes: dict[str, QCheckBox] = {}
        for i, (name, text) in enumerate(task_labels().items()):
            cb = QCheckBox(text, self)
            cb.setObjectName(f"task_{name}")
            cb.setChecked(True)
            self.task_boxes[name] = cb
            grid.addWidget(cb, i // 2, i % 2)
        layout.addWidget(box)
        form = QFormLayout()
        self.questions = QSpinBox(self)
        self.questions.setObjectName("questionCount")
        self.questions.setRange(1, 100000)
        self.questions.setValue(200)
        self.val_questions = QSpinBox(self)
        self.val_questions.setObjectName("valQuestionCount")
        self.val_questions.setRange(1, 10000)
        self.val_questions.setValue(40)
        form.addRow(tr("Training questions"), self.questions)
        form.addRow(tr("Validation questions"), self.val_questions)
        layout.addLayout(form)
        self.preview_button = QPushButton(tr("Preview questions"), self)
        self.preview_button.setObjectName("previewButton")
        self.preview_button.clicked.connect(self.make_preview)
        layout.addWidget(self.preview_button)
        self.preview_area = QScrollArea(self)
        self.preview_area.setWidgetResizable(True)
        self.preview_area.setMinimumHeight(220)
        self.preview_widget = QWidget()
        self.preview_grid = QGridLayout(self.preview_widget)
        self.preview_area.setWidget(self.preview_widget)
        layout.addWidget(self.preview_area, 1)
        layout.addWidget(self.message)
        self.preview_labels: list[QLabel] = []

    def tasks(self) -> tuple[str, ...]:
        return tuple(name for name, cb in self.task_boxes.items() if cb.isChecked())

    def fields(self) -> dict:
        return {"tasks": self.tasks() or TASKS, "questions": self.questions.value(),
                "val_questions": self.val_questions.value()}

    def _clear_preview(self) -> None:
        for label in self.preview_labels:
            self.preview_grid.removeWidget(label)
            label.deleteLater()
        self.preview_labels = []

    def make_preview(self, count: int = 4) -> bool:
        """Generate ``count`` questions on small chips of the training blocks and show them with masks."""
        from .inputs import preview_samples

        self.clear_message()
        self._clear_preview()
        if not self.tasks():
            self.show_error(tr("Tick at least one task type."))
            return False
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            samples = preview_samples(self.engine_wizard.config(), count, PREVIEW_SIZE)
        except Exception as err:  # the engine's one-line InputError, or a RequestError of the data page
            self.show_error(one_line(err))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        for i, sample in enumerate(samples[:count]):
            pic = QLabel(self.preview_widget)
            pic.setPixmap(sample_pixmap(sample, side=140))
            text = QLabel(f"{sample['task']}: {sample_question(sample)}", self.preview_widget)
            text.setWordWrap(True)
            text.setMaximumWidth(200)
            self.preview_grid.addWidget(pic, 0, i, Qt.AlignTop)
            self.preview_grid.addWidget(text, 1, i, Qt.AlignTop)
            self.preview_labels += [pic, text]
        return True

    def validatePage(self) -> bool:  # noqa: N802 - Qt name
        self.clear_message()
        if not self.tasks():
            self.show_error(tr("Tick at least one task type."))
            return False
        return True
