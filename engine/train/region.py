"""A generated "regional" dataset for trying fine-tuning: a synthetic scene re-rendered with a look that
differs from the default training data, written as GeoTIFFs plus polygon labels.

Looks: ``default`` (as trained), ``hazy-warm`` (warm colour balance, strong haze, lower contrast: like a
dusty dry-season region or a different sensor calibration), ``dark-cool``. Used by the fine-tune tests and
to demonstrate the wizard without real labelled imagery.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

# per look: gains of (R, G, B, NIR), additive haze in reflectance, gamma on reflectance/0.3
LOOKS = {
    "default": ((1.0, 1.0, 1.0, 1.0), 0.0, 1.0),
    "hazy-warm": ((1.35, 1.05, 0.6, 0.9), 0.06, 0.7),
    "dark-cool": ((0.55, 0.75, 1.2, 0.8), 0.0, 1.5),
}


def relook(optical: np.ndarray, look: str, seed: int = 0) -> np.ndarray:
    """optical: (4, H, W) uint16 reflectance x 10000 (R, G, B, NIR) -> the same scene with ``look``."""
    if look not in LOOKS:
        raise ValueError(f"unknown look {look!r}; choose from {', '.join(LOOKS)}")
    gains, haze, gamma = LOOKS[look]
    refl = optical.astype(np.float32) / 1e4
    out = refl * np.asarray(gains, np.float32)[:, None, None]
    if gamma != 1.0:
        out = 0.3 * np.clip(out / 0.3, 0, None) ** gamma
    if haze:
        from ..data.noise import smooth_noise

        h, w = optical.shape[1:]
        field = np.clip(1.0 + 0.4 * smooth_noise(np.random.default_rng(seed), (h, w), max(h, w) / 3), 0.2, None)
        out = out + haze * field[None] * np.array([0.9, 1.0, 1.1, 0.6], np.float32)[:, None, None]
    return np.clip(out * 1e4, 0, 65535).astype(np.uint16)


def write_region(folder: str | Path, seed: int = 7, size: int = 128, look: str = "hazy-warm",
                 sar: bool = False, polygons: bool = True) -> dict[str, str]:
    """Write ``optical.tif`` (4 bands, ``look``), optionally ``sar.tif``, ``labels.tif`` (class ids, 0 =
    unlabelled) and ``labels.gpkg`` (polygons, field ``class``) into ``folder``.

    -> {"optical", "sar"?, "labels_raster", "labels_vector"?, "class_names": JSON {id: name}}."""
    import json

    import rasterio

    from ..data import classes as C
    from ..data.scene import make_scene

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scene = make_scene(seed, size, dates=1, clouds=False)
    prof = {"driver": "GTiff", "height": size, "width": size, "crs": scene.crs, "transform": scene.transform}
    paths = {}
    with rasterio.open(folder / "optical.tif", "w", count=4, dtype="uint16", **prof) as dst:
        dst.write(relook(scene.optical[-1], look, seed))
    paths["optical"] = str(folder / "optical.tif")
    if sar:
        with rasterio.open(folder / "sar.tif", "w", count=2, dtype="float32", **prof) as dst:
            dst.write(scene.sar[-1])
        paths["sar"] = str(folder / "sar.tif")
    labels = scene.labels[-1].astype(np.uint8)
    with rasterio.open(folder / "labels.tif", "w", count=1, dtype="uint8", nodata=0, **prof) as dst:
        dst.write(labels[None])
    paths["labels_raster"] = str(folder / "labels.tif")
    if polygons:
        import geopandas as gpd
        import shapely
        from rasterio.features import shapes

        geoms, names = [], []
        for geom, value in shapes(labels, mask=labels > 0, transform=scene.transform):
            geoms.append(shapely.geometry.shape(geom))
            names.append(C.CLASS_NAMES[int(value)])
        gdf = gpd.GeoDataFrame({"class": names}, geometry=geoms, crs=scene.crs)
        gdf.to_file(folder / "labels.gpkg", driver="GPKG", layer="labels")
        paths["labels_vector"] = str(folder / "labels.gpkg")
    paths["class_names"] = json.dumps({str(k): v for k, v in C.CLASS_NAMES.items()})
    return paths


__all__ = ["LOOKS", "relook", "write_region"]
