"""A wizard page with a message line: every page shows its own refusal there, in one line, in red."""
from __future__ import annotations

from qgis.PyQt.QtWidgets import QLabel, QWizardPage


class MessagePage(QWizardPage):
    """``show_error(text)`` / ``show_info(text)`` / ``clear_message()`` on a label at the page's bottom;
    pages add ``self.message`` to their layout last."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.message = QLabel(self)
        self.message.setObjectName("pageMessage")
        self.message.setWordWrap(True)
        self.message.hide()

    @property
    def engine_wizard(self):
        """The owning :class:`FinetuneWizard` (``wizard()`` is None before the page is added)."""
        return self.wizard()

    def show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020; font-weight: bold;")
        self.message.setText(str(text))
        self.message.show()

    def show_info(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(str(text))
        self.message.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    def message_text(self) -> str:
        return self.message.text()


def one_line(err: BaseException | str) -> str:
    """The first line of an error's text (engine errors are one line already)."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
