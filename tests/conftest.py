"""Test fixtures: one real QgsApplication (offscreen) for the whole session, tiny data made on the fly."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
SHARED = ROOT.parent / "shared"

_QGS = None


def _qgis_app():
    """Start QgsApplication once; never call exitQgis() (layers held by Python would segfault on exit)."""
    global _QGS
    if _QGS is None:
        from qgis.core import QgsApplication

        QgsApplication.setPrefixPath("/usr", True)
        _QGS = QgsApplication([], True)
        _QGS.initQgis()
    return _QGS


@pytest.fixture(scope="session")
def qgis_app():
    return _qgis_app()


@pytest.fixture()
def qgis_iface(qgis_app, qtbot):
    from qgis.core import QgsProject

    from tests.qgis_iface import TestInterface

    QgsProject.instance().clear()
    iface = TestInterface()
    qtbot.addWidget(iface.window)
    yield iface
    iface.close()
    QgsProject.instance().clear()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

# The repository root is the plugin folder; QGIS imports it as the package `terrascope_reasoning`.
# Tests do the same through a symlink so relative imports (plugin -> ..engine) behave as in QGIS.
PLUGIN_ID = "terrascope_reasoning"
_ALIAS = Path(os.environ.get("TMPDIR", "/tmp")) / f"terrascope-test-plugins-{os.getuid()}"
_ALIAS.mkdir(exist_ok=True)
_link = _ALIAS / PLUGIN_ID
if not _link.exists() or _link.resolve() != ROOT:
    if _link.is_symlink() or _link.exists():
        _link.unlink()
    _link.symlink_to(ROOT, target_is_directory=True)
if str(_ALIAS) not in sys.path:
    sys.path.insert(0, str(_ALIAS))
