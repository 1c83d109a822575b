"""Translations: the German .qm loads from the QGIS locale and changes the panel; every tr() string is
translated; the built-in .qm writer matches Qt's lrelease."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QTranslator
from qgis.PyQt.QtWidgets import QPushButton

pytestmark = pytest.mark.qgis

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("translations_script", ROOT / "scripts" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def german(qgis_app):
    from terrascope_reasoning.terrascope_plugin import i18n

    settings = QgsSettings()
    old = settings.value("locale/userLocale", None)
    settings.setValue("locale/userLocale", "de_DE")
    yield i18n
    i18n.remove_translator()
    if old is None:
        settings.remove("locale/userLocale")
    else:
        settings.setValue("locale/userLocale", old)


def test_german_locale_translates_the_panel(german, qgis_iface, qtbot):
    import terrascope_reasoning

    plugin = terrascope_reasoning.classFactory(qgis_iface)
    plugin.initGui()
    try:
        dock = plugin.dock
        assert dock.findChild(QPushButton, "askButton").text() == "TerraScope fragen"
        assert dock.findChild(QPushButton, "cancelButton").text() == "Abbrechen"
        assert plugin.ask_action.text() == "TerraScope fragen"
        assert dock.aoi_mode_combo.itemText(0) == "Ausdehnung des Kartenfensters"
        assert german.tr("Step {n}").format(n=2) == "Schritt 2"
        # the model reads English: the example questions stay English, the hint says so in German
        assert dock.question_edit.itemText(0) == "What share of this area is flooded cropland?"
        assert dock.question_edit.lineEdit().placeholderText().startswith("Fragen Sie auf Englisch")
    finally:
        plugin.unload()
    assert german.tr("Ask TerraScope") == "Ask TerraScope"  # unload removes the translator


def test_english_and_unknown_locales_keep_the_source_text(german):
    assert german.install_translator("en_US") is None
    assert german.install_translator("xx") is None
    assert german.tr("Cancel") == "Cancel"
    assert german.install_translator("de").endswith("terrascope_de.qm")
    assert german.tr("Cancel") == "Abbrechen"


def test_every_tr_string_has_a_german_translation():
    script = _script()
    strings = script.collect_strings()
    known = script.read_ts(ROOT / "i18n" / "terrascope_de.ts")
    assert len(strings) > 50
    untranslated = [s for s in strings if not known.get(s)]
    assert untranslated == []
    for source in strings:  # placeholders survive translation, or .format() would fail at run time
        assert sorted(_fields(source)) == sorted(_fields(known[source])), source


def _fields(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def _translate_all(qm: Path, sources) -> dict[str, str]:
    translator = QTranslator()
    assert translator.load(str(qm)), qm
    return {s: translator.translate(b"TerraScope", s.encode("utf-8")) for s in sources}


def test_committed_qm_matches_the_ts_source(tmp_path):
    script = _script()
    known = {s: t for s, t in script.read_ts(ROOT / "i18n" / "terrascope_de.ts").items() if t}
    got = _translate_all(ROOT / "i18n" / "terrascope_de.qm", known)
    assert got == known, "run `make translations` after editing the .ts"


def test_builtin_qm_writer_reads_back_like_lrelease(tmp_path):
    script = _script()
    known = {s: t for s, t in script.read_ts(ROOT / "i18n" / "terrascope_de.ts").items() if t}
    known["Ünïcödé ✓ {x}"] = "Unicode ✓ {x} — ok"
    ours = tmp_path / "ours.qm"
    script.write_qm(ours, known)
    assert _translate_all(ours, known) == known
    lrelease = shutil.which("lrelease")
    if lrelease is None:
        pytest.skip("lrelease not installed; the built-in writer was checked against the .ts alone")
    ts = tmp_path / "x.ts"
    script.write_ts(ts, "de_DE", {s: ("x.py", i) for i, s in enumerate(known)}, known)
    theirs = script.compile_ts(ts, use_lrelease=True)
    assert _translate_all(theirs, known) == _translate_all(ours, known)
