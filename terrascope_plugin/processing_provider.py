"""The Processing provider "TerraScope": makes "Ask TerraScope" available in the toolbox, in batch mode
and in the graphical modeler."""
from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .i18n import tr
from .processing_algorithm import AskAlgorithm

PROVIDER_ID = "terrascope"


class TerraScopeProvider(QgsProcessingProvider):
    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return tr("TerraScope")

    def longName(self) -> str:
        return tr("TerraScope — pixel-grounded Earth-observation reasoning")

    def icon(self) -> QIcon:
        from .plugin import ICON_PATH

        return QIcon(str(ICON_PATH))

    def loadAlgorithms(self) -> None:
        self.addAlgorithm(AskAlgorithm())
