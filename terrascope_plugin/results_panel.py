"""The answer part of the dock: answer text, the reasoning trace (click a step -> select and zoom to its
layer), the distances between steps, and the export buttons."""
from __future__ import annotations

from qgis.core import QgsCoordinateTransform, QgsProject
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .i18n import tr

STEP_ROLE = Qt.UserRole


def display_text(step_text: str) -> str:
    """A trace step without the model's special tokens (``[SEG]``, ``<t1>``, ``<optical>``...)."""
    from ..engine.trace_format import SPECIAL_TOKENS

    for token in SPECIAL_TOKENS:
        step_text = step_text.replace(token, " ")
    return " ".join(step_text.split())


def step_line(step) -> str:
    """One trace line: ``2. Step 2: field.  [461,521 m², 7.0% of the area, confidence 0.82]``."""
    line = f"{step.index}. {display_text(step.text)}"
    facts = []
    if step.layer and step.area_m2 is not None:
        facts.append(tr("{area:,.0f} m²").format(area=step.area_m2))
    if step.layer and step.share is not None:
        from ..engine.trace_format import share_below_shown

        facts.append(tr("under 0.1% of the area") if share_below_shown(step.share)
                     else tr("{share:.1%} of the area").format(share=step.share))
    if step.layer and step.confidence is not None:
        facts.append(tr("confidence {c:.2f}").format(c=step.confidence))
    from ..engine.answer import EMPTIED_NOT_WATER, EMPTIED_TOO_SMALL, EMPTIED_UNCHANGED, EMPTIED_UNSURE

    emptied = getattr(step, "emptied", "")
    if emptied == EMPTIED_UNCHANGED:
        facts.append(tr("no such region: the marked pixels did not change between the dates"))
    elif emptied == EMPTIED_UNSURE:
        facts.append(tr("no such region: the model was unsure of its mask"))
    elif emptied == EMPTIED_TOO_SMALL:
        facts.append(tr("no such region: the mask was too small for the model to resolve"))
    elif emptied == EMPTIED_NOT_WATER:
        facts.append(tr("no such region: the marked pixels do not read as open water in the bands"))
    return line + ("  [" + ", ".join(facts) + "]" if facts else "")


def answer_line(answer: str, choice: str | None, choice_text: str = "") -> str:
    """The answer as the panel shows it: "(B) 10-20 %" for a chosen option, the option's text standing in for
    an answer that is only the letter; the plain answer otherwise."""
    if not choice:
        return answer
    bare = answer.strip().strip("().:").strip()
    if bare.upper() == choice.upper():
        return tr("({choice}) {answer}").format(choice=choice, answer=choice_text) if choice_text \
            else f"({choice})"
    if answer.lstrip().startswith((f"({choice})", f"{choice})")):
        return answer
    return tr("({choice}) {answer}").format(choice=choice, answer=answer)


def unmeasured_line(choice: str, empty_steps: list[int]) -> str:
    """Why the chosen ``choice`` is the model's own letter: the masks of ``empty_steps`` (step numbers) mark no
    region, or (none empty) no option matches the measurements."""
    steps = ", ".join(map(str, empty_steps))
    if len(empty_steps) == 1:
        why = tr("step {steps} marks no region").format(steps=steps)
    elif empty_steps:
        why = tr("steps {steps} mark no region").format(steps=steps)
    else:
        why = tr("no option matches the measurements")
    return tr("Not read from the masks: {why}; ({letter}) is the model's own reading.").format(why=why, letter=choice)


class ResultsPanel(QGroupBox):
    """``exportRequested("gpkg" | "shp")`` when an export button is pressed."""

    exportRequested = pyqtSignal(str)

    def __init__(self, iface, parent=None):
        super().__init__(tr("Answer"), parent)
        self.iface = iface
        self.step_layers: dict[int, str] = {}  # step index -> layer id
        layout = QVBoxLayout(self)
        self.answer_text = QPlainTextEdit(self)
        self.answer_text.setObjectName("answerText")
        self.answer_text.setReadOnly(True)
        self.answer_text.setMaximumHeight(80)
        layout.addWidget(self.answer_text)
        layout.addWidget(self._label(tr("Reasoning steps (click one to show its area):")))
        self.trace_list = QListWidget(self)
        self.trace_list.setObjectName("traceList")
        self.trace_list.setWordWrap(True)
        self.trace_list.currentItemChanged.connect(lambda item, _prev: self.show_step(item))
        self.trace_list.itemClicked.connect(self.show_step)
        layout.addWidget(self.trace_list)
        layout.addWidget(self._label(tr("Distances between steps:")))
        self.distances_table = QTableWidget(0, 3, self)
        self.distances_table.setObjectName("distancesTable")
        self.distances_table.setHorizontalHeaderLabels([tr("From step"), tr("To step"), tr("Distance (m)")])
        self.distances_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.distances_table.verticalHeader().setVisible(False)
        self.distances_table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.distances_table.setMaximumHeight(110)
        layout.addWidget(self.distances_table)
        layout.addWidget(self._label(tr("Export:")))
        row = QHBoxLayout()
        self.export_gpkg_button = self._button("exportGpkgButton", tr("GeoPackage…"),
                                               tr("Export the answer's step layers as one GeoPackage"), "gpkg")
        self.export_shp_button = self._button("exportShpButton", tr("Shapefiles…"),
                                              tr("Export the answer's step layers as Shapefiles, one per step"),
                                              "shp")
        row.addWidget(self.export_gpkg_button)
        row.addWidget(self.export_shp_button)
        layout.addLayout(row)

    def _label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        return label

    def _button(self, name: str, text: str, tip: str, fmt: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(lambda: self.exportRequested.emit(fmt))
        return button

    def has_results(self) -> bool:
        return bool(self.step_layers)

    def set_export_enabled(self, enabled: bool) -> None:
        self.export_gpkg_button.setEnabled(enabled)
        self.export_shp_button.setEnabled(enabled)

    def show_success(self, outcome, step_layers: dict | None = None) -> None:
        """Fill in a :class:`runner.Success`; ``step_layers``: step index -> the layer added for it."""
        text = answer_line(outcome.answer, outcome.choice, getattr(outcome, "choice_text", ""))
        own = getattr(outcome, "model_choice", None)
        if own and outcome.choice and own != outcome.choice:
            text += "\n" + tr("Chosen from the measured masks; the model's own reading was ({letter}).").format(
                letter=own)
        elif getattr(outcome, "choice_measured", None) is False and outcome.choice:
            text += "\n" + unmeasured_line(outcome.choice, [s.index for s in outcome.steps if not s.area_m2])
        self.answer_text.setPlainText(text)
        self.step_layers = {i: layer.id() for i, layer in (step_layers or {}).items()}
        self.trace_list.clear()
        for step in outcome.steps:
            item = QListWidgetItem(step_line(step))
            item.setData(STEP_ROLE, step.index)
            self.trace_list.addItem(item)
        self.distances_table.setRowCount(0)
        for d in outcome.distances:
            row = self.distances_table.rowCount()
            self.distances_table.insertRow(row)
            for col, value in enumerate((str(d["from"]), str(d["to"]), f"{d['metres']:,.1f}")):
                cell = QTableWidgetItem(value)
                cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.distances_table.setItem(row, col, cell)

    def show_step(self, item) -> None:
        """Select the step's features (only this step's) and zoom the map to them."""
        if item is None:
            return
        project = QgsProject.instance()
        layer = project.mapLayer(self.step_layers.get(item.data(STEP_ROLE), ""))
        if layer is None:
            return
        for other_id in self.step_layers.values():
            other = project.mapLayer(other_id)
            if other is not None and other is not layer:
                other.removeSelection()
        layer.selectAll()
        canvas = self.iface.mapCanvas()
        extent = layer.extent()
        dest = canvas.mapSettings().destinationCrs()
        if dest.isValid() and dest != layer.crs():
            extent = QgsCoordinateTransform(layer.crs(), dest, project).transformBoundingBox(extent)
        if not extent.isEmpty():
            extent.scale(1.1)
            canvas.setExtent(extent)
            canvas.refresh()
        if hasattr(self.iface, "setActiveLayer"):
            self.iface.setActiveLayer(layer)
