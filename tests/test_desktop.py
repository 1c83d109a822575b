"""The real QGIS desktop starts under Xvfb with the plugin enabled and shows the TerraScope dock."""
import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.qgis, pytest.mark.desktop]


@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("import") is None,
                    reason="needs xvfb-run and ImageMagick (make setup installs them)")
def test_qgis_desktop_shows_the_dock(artifacts_dir, tmp_path):
    probe_out = tmp_path / "probe.json"
    shot = artifacts_dir / "qgis-desktop.png"
    shot.unlink(missing_ok=True)
    env = dict(os.environ, TERRASCOPE_PROBE_OUT=str(probe_out))
    subprocess.run([str(ROOT / "scripts" / "qgis_desktop.sh"), str(shot), str(ROOT / "tests" / "desktop_probe.py"), "20"],
                   env=env, check=True, timeout=180, capture_output=True)
    found = json.loads(probe_out.read_text())
    assert found["plugin_loaded"], found
    assert found["actions"] == 1 and found["docks"] == 1, found
    assert found["dock_visible"], found
    assert shot.stat().st_size > 10_000
