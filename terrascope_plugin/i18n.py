"""User-facing text: ``tr()`` for every string the plugin shows, and the translator picked from the QGIS locale.

All plugin strings share one translation context, ``TerraScope``, so ``scripts/translations.py`` can
collect them from the source without running it."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "TerraScope"
I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"

_installed: QTranslator | None = None


def tr(text: str) -> str:
    """``text`` in the user's language (unchanged when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def user_locale() -> str:
    """The QGIS user locale (``de``, ``de_DE``, ``fr``...); QGIS stores it in ``locale/userLocale``."""
    value = QgsSettings().value("locale/userLocale", "") or QLocale.system().name()
    return str(value)


def translation_file(locale: str) -> Path | None:
    """The compiled ``.qm`` for ``locale`` (``de_DE`` falls back to ``de``), or None."""
    for name in (locale, locale.split("_")[0]):
        path = I18N_DIR / f"terrascope_{name}.qm"
        if name and path.is_file():
            return path
    return None


def install_translator(locale: str | None = None) -> str | None:
    """Install the translator for ``locale`` (default: the QGIS locale); returns the file used, or None."""
    remove_translator()
    path = translation_file(locale or user_locale())
    if path is None:
        return None
    global _installed
    translator = QTranslator()
    if not translator.load(str(path)):
        return None
    QCoreApplication.installTranslator(translator)
    _installed = translator
    return str(path)


def remove_translator() -> None:
    """Undo :func:`install_translator` (on plugin unload)."""
    global _installed
    if _installed is not None:
        QCoreApplication.removeTranslator(_installed)
        _installed = None
