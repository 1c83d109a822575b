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
    "vectorize": "vectorize",
    "measure": "measure", "mask_area_m2": "measure", "share": "measure", "distances": "measure",
    "measurement_for": "measure", "cell_areas": "measure",
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
