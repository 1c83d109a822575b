"""The fine-tune wizard: field teams adapt the model to their region from layers in their project (LoRA).

The plugin adds :func:`make_finetune_action`'s action to its menu; the wizard and the engine load only when
the action is triggered."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from ..i18n import tr

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "terrascope.svg"
_wizards: list = []  # open wizards, kept so Python does not collect them while shown


def open_finetune_wizard(iface, parent=None, on_adapter_saved: Callable[[str], None] | None = None, **kwargs):
    """Show a new, non-modal fine-tune wizard over ``parent`` (default: the QGIS main window); -> QWizard.
    ``on_adapter_saved(path)`` runs when it saved an adapter; ``kwargs`` go to :class:`FinetuneWizard`
    (``settings``, ``runner``, ``examples_fn``)."""
    from .wizard import FinetuneWizard

    wizard = FinetuneWizard(iface, parent if parent is not None else iface.mainWindow(), **kwargs)
    if on_adapter_saved is not None:
        wizard.adapterSaved.connect(on_adapter_saved)
    _wizards.append(wizard)
    wizard.finished.connect(lambda *_: _wizards.remove(wizard) if wizard in _wizards else None)
    wizard.show()
    return wizard


def make_finetune_action(iface, parent, on_adapter_saved: Callable[[str], None] | None = None) -> QAction:
    """The menu action "Fine-tune TerraScope…" that opens the wizard; ``on_adapter_saved(path)`` is passed
    on (e.g. the Ask panel's ``refresh_models``)."""
    action = QAction(QIcon(str(ICON)), tr("Fine-tune TerraScope…"), parent)
    action.setObjectName("terrascopeFinetuneAction")
    action.triggered.connect(lambda *_: open_finetune_wizard(iface, iface.mainWindow(),
                                                             on_adapter_saved=on_adapter_saved))
    return action


def close_finetune_wizards() -> None:
    """Close every open wizard (plugin unload): running fine-tunes are cancelled, split layers removed."""
    for wizard in list(_wizards):
        wizard.reject()


__all__ = ["open_finetune_wizard", "make_finetune_action", "close_finetune_wizards"]
