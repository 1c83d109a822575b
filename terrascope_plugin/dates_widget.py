"""The list of dated raster layers (before/after pairs, time series): add, remove, reorder, a date label each."""
from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel, QgsProject
from qgis.gui import QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .i18n import tr

LAYER_ID_ROLE = Qt.UserRole


class DatesWidget(QWidget):
    """Rows of (layer, date label); the first row is the first date (``<t1>``). The table is ``datesList``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.layer_combo = QgsMapLayerComboBox(self)
        self.layer_combo.setSizeAdjustPolicy(QgsMapLayerComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.layer_combo.setMinimumContentsLength(8)
        self.layer_combo.setObjectName("datesLayerCombo")
        self.layer_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.layer_combo.setAllowEmptyLayer(True)
        self.layer_combo.setLayer(None)
        top.addWidget(self.layer_combo, 1)
        bottom = QHBoxLayout()
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("datesList")
        self.table.setHorizontalHeaderLabels([tr("Layer"), tr("Date")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setMaximumHeight(120)
        bottom.addWidget(self.table, 1)
        column = QVBoxLayout()
        self.buttons = {}
        for name, text, tip, slot in (
            ("addDateButton", "+", tr("Add the layer as the next date"), self.add_current),
            ("removeDateButton", "−", tr("Remove the selected date"), self.remove_selected),
            ("upDateButton", "↑", tr("Move the selected date earlier"), lambda: self.move_selected(-1)),
            ("downDateButton", "↓", tr("Move the selected date later"), lambda: self.move_selected(1)),
        ):
            button = QToolButton(self)
            button.setObjectName(name)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            (top if name == "addDateButton" else column).addWidget(button)
            self.buttons[name] = button
        column.addStretch(1)
        bottom.addLayout(column)
        layout.addLayout(top)
        layout.addLayout(bottom)
        QgsProject.instance().layersWillBeRemoved.connect(self._drop_removed)

    def add_layer(self, layer, date: str = "") -> None:
        """Append ``layer`` with the date label ``date`` (default: its position, ``t1``, ``t2``...)."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(layer.name())
        name.setData(LAYER_ID_ROLE, layer.id())
        name.setFlags(name.flags() & ~Qt.ItemIsEditable)
        self.table.setItem(row, 0, name)
        self.table.setItem(row, 1, QTableWidgetItem(date or f"t{row + 1}"))
        self.table.selectRow(row)

    def add_current(self) -> None:
        layer = self.layer_combo.currentLayer()
        if layer is not None:
            self.add_layer(layer)

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def move_selected(self, delta: int) -> None:
        row = self.table.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        items = [self.table.takeItem(row, c) for c in range(2)]
        others = [self.table.takeItem(target, c) for c in range(2)]
        for c in range(2):
            self.table.setItem(target, c, items[c])
            self.table.setItem(row, c, others[c])
        self.table.selectRow(target)

    def entries(self) -> list[tuple[str, str]]:
        """``[(layer id, date label), ...]`` in time order."""
        out = []
        for row in range(self.table.rowCount()):
            layer_item, date_item = self.table.item(row, 0), self.table.item(row, 1)
            out.append((layer_item.data(LAYER_ID_ROLE), date_item.text().strip() if date_item else ""))
        return out

    def _drop_removed(self, layer_ids) -> None:
        ids = set(layer_ids)
        for row in reversed(range(self.table.rowCount())):
            if self.table.item(row, 0).data(LAYER_ID_ROLE) in ids:
                self.table.removeRow(row)

    def shutdown(self) -> None:
        try:
            QgsProject.instance().layersWillBeRemoved.disconnect(self._drop_removed)
        except TypeError:
            pass
