"""The engine never imports QGIS or Qt (it runs from the command line and in worker processes)."""
import subprocess
import sys

from tests.conftest import ROOT


def test_engine_import_pulls_in_no_qgis_or_qt():
    code = (
        "import sys, engine, engine.errors\n"
        "import engine.model, engine.geo, engine.data, engine.train, engine.eval, engine.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5', 'PyQt6', 'sip'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_qgis_or_qt_import_statement_under_engine():
    offenders = []
    for path in (ROOT / "engine").rglob("*.py"):
        for line in path.read_text().splitlines():
            s = line.strip()
            if s.startswith(("import qgis", "from qgis", "import PyQt", "from PyQt")):
                offenders.append(f"{path}: {s}")
    assert offenders == []
