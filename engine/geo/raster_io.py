"""Writing GeoTIFFs (band-first arrays) — used for test scenes, the benchmark and temporary masks."""
from __future__ import annotations

import os

import numpy as np
from affine import Affine


def write_raster(path, data: np.ndarray, transform: Affine, crs, nodata: float | None = None,
                 descriptions: list[str] | None = None, compress: str | None = "deflate",
                 tiled: bool = True) -> str:
    """Write ``data`` ((C, H, W) or (H, W)) as a GeoTIFF at ``path`` in the grid ``transform``/``crs``."""
    import rasterio

    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    c, h, w = data.shape
    profile = dict(driver="GTiff", width=w, height=h, count=c, dtype=data.dtype, crs=crs, transform=transform,
                   nodata=nodata)
    if tiled and h >= 256 and w >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    if compress:
        profile.update(compress=compress)
    with rasterio.open(os.fspath(path), "w", **profile) as ds:
        ds.write(data)
        for i, d in enumerate(descriptions or []):
            ds.set_band_description(i + 1, d)
    return os.fspath(path)
