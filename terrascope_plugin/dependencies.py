"""Which engine dependencies are importable inside QGIS's Python, and how to install the missing ones."""
from __future__ import annotations

import importlib.util
import sys

# import name -> pip name
ENGINE_DEPENDENCIES: dict[str, str] = {
    "torch": "torch",
    "transformers": "transformers",
    "peft": "peft",
    "safetensors": "safetensors",
    "rasterio": "rasterio",
    "shapely": "shapely",
    "geopandas": "geopandas",
    "pyproj": "pyproj",
    "numpy": "numpy<2",
}


def missing_dependencies() -> list[str]:
    """pip names of the engine dependencies that QGIS's Python cannot find (without importing them)."""
    return [pip for mod, pip in ENGINE_DEPENDENCIES.items() if importlib.util.find_spec(mod) is None]


def install_hint(missing: list[str]) -> str:
    """One sentence telling the user how to make the missing packages visible to QGIS."""
    from .i18n import tr

    pkgs = " ".join(f"'{m}'" for m in missing)
    return tr(
        "TerraScope needs these Python packages inside QGIS: {names}. Install them with `{python} -m pip "
        "install --user {pkgs}`, or run `make setup` in the plugin folder and start QGIS with "
        "PYTHONPATH=<plugin>/.venv/lib/python3.11/site-packages (`make run-qgis` does this)."
    ).format(names=", ".join(missing), python=sys.executable, pkgs=pkgs)
