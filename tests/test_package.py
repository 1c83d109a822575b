"""`make package` builds a ZIP that QGIS's "Install from ZIP" accepts, and the unpacked plugin loads."""
import json
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.qgis


def test_zip_has_the_plugin_folder_and_no_tests(tmp_path):
    out = tmp_path / "terrascope_reasoning.zip"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(out)], check=True,
                   capture_output=True)
    names = zipfile.ZipFile(out).namelist()
    assert all(n.startswith("terrascope_reasoning/") for n in names)
    for required in ("metadata.txt", "__init__.py", "terrascope_plugin/plugin.py", "engine/__init__.py",
                     "resources/icons/terrascope.svg"):
        assert f"terrascope_reasoning/{required}" in names
    assert not [n for n in names if "/tests/" in n or "__pycache__" in n or n.endswith(".pyc") or "/.ci/" in n]


def test_unpacked_zip_loads_in_qgis(tmp_path):
    out = tmp_path / "terrascope_reasoning.zip"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(out)], check=True,
                   capture_output=True)
    plugins = tmp_path / "profile" / "python" / "plugins"
    plugins.mkdir(parents=True)
    zipfile.ZipFile(out).extractall(plugins)
    res = subprocess.run([sys.executable, str(ROOT / "tests" / "zip_install_probe.py"), str(plugins), str(ROOT)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    found = json.loads(res.stdout.strip().splitlines()[-1])
    assert found["module_file"].startswith(str(plugins)), found
    assert found["started"] and found["actions"] == ["Ask TerraScope"], found
    assert found["unloaded"] and found["left"] == [], found
