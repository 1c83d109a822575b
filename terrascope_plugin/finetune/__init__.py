"""The fine-tune wizard: field teams adapt the model to their region from layers in their project (LoRA).

The plugin adds :func:`make_finetune_action`'s action to its menu; the wizard and the engine load only when
the action is triggered."""
from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from ..i18n import tr

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "terrascope.svg"
_wizards: list = []  # open wizards, kept so Python does not collect them while shown


def open_finetune_wizard(iface, parent=None, **kwargs):
    """Show a new, non-modal fine-tune wizard over ``parent`` (default: the QGIS main window); -> QWizard.
    ``kwargs`` go to :class:`FinetuneWizard` (``settings``, ``runner``)."""
    from .wizard import FinetuneWizard

    wizard = FinetuneWizard(iface, parent if parent is not None else iface.mainWindow(), **kwargs)
    _wizards.append(wizard)
    wizard.finished.connect(lambda *_: _wizards.remove(wizard) if wizard in _wizards else None)
    wizard.show()
    return wizard


def make_finetune_action(iface, parent) -> QAction:
    """The menu action "Fine-tune TerraScope…" that opens the wizard."""
    action = QAction(QIcon(str(ICON)), tr("Fine-tune TerraScope…"), parent)
    action.setObjectName("terrascopeFinetuneAction")
    action.triggered.connect(lambda *_: open_finetune_wizard(iface, iface.mainWindow()))
    return action


__all__ = ["open_finetune_wizard", "make_finetune_action"]
