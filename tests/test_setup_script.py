"""`make setup` fails with one clear line when it cannot install, and is a quick no-op when up to date."""
import os
import subprocess

from tests.conftest import ROOT

SETUP = str(ROOT / "scripts" / "setup.sh")


def _run(env_extra, **kw):
    env = dict(os.environ, **env_extra)
    return subprocess.run(["/bin/bash", SETUP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kw)


def test_missing_debian_package_without_apt_get_says_what_to_install(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dpkg-query", "grep", "id", "cat", "sha256sum", "cut", "dirname"):
        path = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        (bin_dir / tool).symlink_to(path)
    res = _run({"PATH": str(bin_dir), "TERRASCOPE_APT_PACKAGES": "qgis terrascope-no-such-package"})
    assert res.returncode != 0
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert lines == ["make setup: apt-get not found: install these Debian packages by hand: terrascope-no-such-package"]


def test_no_package_index_fails_with_one_line_and_a_rerun_resumes(tmp_path):
    venv = tmp_path / "venv"
    offline = {"TERRASCOPE_VENV": str(venv), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path),
               "PIP_EXTRA_INDEX_URL": "", "PIP_CONFIG_FILE": os.devnull}
    res = _run(offline)
    assert res.returncode != 0
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("make setup: pip install -r requirements.lock failed"), lines
    assert (venv / "bin" / "python").exists()  # the venv made so far is kept: a rerun resumes from here
    assert not (venv / ".terrascope-setup").exists()


def test_up_to_date_setup_is_a_quick_no_op():
    res = _run({})
    assert res.returncode == 0, res.stderr
    assert "up to date" in res.stdout
