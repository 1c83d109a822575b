"""Build terrascope_reasoning.zip for QGIS's "Install from ZIP": the tracked plugin files under the folder
terrascope_reasoning/, compiled translations included; no tests, CI, scripts or caches."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_ID = "terrascope_reasoning"
INCLUDE_TOP = {"metadata.txt", "__init__.py", "README.md", "LICENSE", "requirements.lock",
               "terrascope_plugin", "engine", "resources", "i18n"}


def plugin_files() -> list[str]:
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    files = [f for f in tracked if f.split("/")[0] in INCLUDE_TOP and "__pycache__" not in f]
    qm = [str(p.relative_to(ROOT)) for p in (ROOT / "i18n").glob("*.qm")]
    return sorted(set(files) | set(qm))


def build(out: Path) -> Path:
    out = out.resolve()
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=out.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for rel in plugin_files():
                if (ROOT / rel).is_file():
                    zf.write(ROOT / rel, f"{PLUGIN_ID}/{rel}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / f"{PLUGIN_ID}.zip")
    args = ap.parse_args(argv)
    path = build(args.out)
    n = len(zipfile.ZipFile(path).namelist())
    print(f"{path} ({n} files, {path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
