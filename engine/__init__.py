"""TerraScope engine: pixel-grounded reasoning over Earth-observation rasters. Never imports QGIS or Qt.

Heavy modules (torch, transformers) load on first use: ``from engine import Engine`` is cheap.

    from engine import Engine
    eng = Engine.load(model_dir=None, device="auto")   # None -> the embedded default model
    ans = eng.ask("What share of the area is water?", optical="s2.tif", sar="s1.tif")
    ans.to_geopackage("answer.gpkg")
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Engine", "Answer", "Step", "EngineError"]


def __getattr__(name: str):
    if name in ("Engine", "Answer", "Step"):
        from . import api

        return getattr(api, name)
    if name == "EngineError":
        from .errors import EngineError

        return EngineError
    raise AttributeError(name)
