"""The "Ask TerraScope" dock panel (objectName ``TerraScopeAskDock``)."""
from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QDockWidget, QLabel, QVBoxLayout, QWidget


class AskDock(QDockWidget):
    """The dock: layer pickers, area of interest, question, results. Emits requests; never runs the engine."""

    def __init__(self, iface, parent=None):
        super().__init__(self.tr("Ask TerraScope"), parent)
        self.iface = iface
        self.setObjectName("TerraScopeAskDock")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.dependency_label = QLabel(body)
        self.dependency_label.setObjectName("dependencyWarning")
        self.dependency_label.setWordWrap(True)
        self.dependency_label.hide()
        layout.addWidget(self.dependency_label)
        layout.addStretch(1)
        self.setWidget(body)

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("AskDock", text)

    def show_dependency_warning(self, text: str) -> None:
        self.dependency_label.setText(text)
        self.dependency_label.show()

    def shutdown(self) -> None:
        """Cancel running work before the plugin unloads."""
