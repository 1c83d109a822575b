"""Raster reading and co-registration, tiling, vectorising, geodesic measuring, GeoPackage writing.

Heavy dependencies load on first use: ``from engine.geo import vectorize, measure`` is cheap.
"""
from __future__ import annotations

_EXPORTS = {
    "open_stack": "stack", "InputStack": "stack", "StackArrays": "stack",
    "parse_aoi": "aoi", "AreaOfInterest": "aoi",
    "open_source": "sources",
    "iter_tiles": "tiling", "TileGrid": "tiling", "Stitcher": "tiling", "MaskRaster": "tiling",
    "refine_tiles": "refine",
    "vectorize": "vectorizing",
    "measure": "measuring", "mask_area_m2": "measuring", "share": "measuring", "distances": "measuring",
    "measurement_for": "measuring", "cell_areas": "measuring",
    "write_geopackage": "writer", "export": "writer", "step_features": "writer",
    "render_preview": "preview",
    "write_raster": "raster_io",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
