"""Geo pipeline benchmark: tiles per second and peak resident memory for large optical + SAR pairs on CPU.

For each size N (default 5 000 and 10 000 px) it writes an N x N 3-band uint16 optical GeoTIFF (UTM, 10 m,
deflate, 256-px tiles) and a SAR GeoTIFF (VV/VH float32 dB) in EPSG:4326 at about 20 m, then, in a fresh
process, runs the engine's own code path: open + co-register (``open_stack``), the overview, tile-by-tile
refinement at native resolution (``refine_tiles``: read both rasters per tile, warp the SAR onto the optical
grid, stitch into a disk-backed mask), vectorising the full-resolution mask and measuring it.

The per-tile model call is replaced by a cheap threshold on the red band, so the numbers measure the geo
pipeline alone (reading, warping, tiling, stitching, vectorising, measuring), not the network.
``--model-size 224 --bands`` takes the path a step of the engine takes: each tile shrunk to the model's input
size for the stand-in model, its probabilities blended with the class signature and sharpened along the edges
of the native bands (with the embedded default's settings, read from its config.json).

    .venv/bin/python scripts/bench_geo.py [--sizes 5000 10000] [--tile 512] [--overlap 64]
                                          [--model-size 224 --bands] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def generate(folder: str, n: int) -> tuple[str, str]:
    """Write the optical and SAR rasters strip by strip (bounded memory); returns their paths."""
    import rasterio
    from affine import Affine
    from pyproj import Transformer
    from rasterio.windows import Window

    opt_path, sar_path = os.path.join(folder, f"opt_{n}.tif"), os.path.join(folder, f"sar_{n}.tif")
    t = Affine(10, 0, 400000, 0, -10, 5100000)
    common = dict(driver="GTiff", tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    rng = np.random.default_rng(0)
    # fields: discs on a 900-px lattice (they cross tile borders), on a noisy background
    with rasterio.open(opt_path, "w", width=n, height=n, count=3, dtype="uint16", crs="EPSG:32633",
                       transform=t, nodata=0, **common) as ds:
        for r0 in range(0, n, 1024):
            h = min(1024, n - r0)
            yy, xx = np.mgrid[r0:r0 + h, 0:n]
            d = np.hypot((yy % 900) - 450, (xx % 900) - 450)
            red = np.where(d < 300 + 40 * np.sin(xx / 97.0), 2600, 700).astype(np.uint16)
            red += rng.integers(0, 200, red.shape, dtype=np.uint16)
            ds.write(np.stack([red, red // 2 + 300, red // 3 + 400]), window=Window(0, r0, n, h))
    to_ll = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True)
    xs = [t.c, t.c + 10 * n]
    ys = [t.f - 10 * n, t.f]
    lons, lats = to_ll.transform([xs[0], xs[1], xs[0], xs[1]], [ys[0], ys[0], ys[1], ys[1]])
    res = 0.0002
    w0, n0 = min(lons), max(lats)
    sw, sh = int((max(lons) - w0) / res) + 1, int((n0 - min(lats)) / res) + 1
    with rasterio.open(sar_path, "w", width=sw, height=sh, count=2, dtype="float32", crs="EPSG:4326",
                       transform=Affine(res, 0, w0, 0, -res, n0), **common) as ds:
        for r0 in range(0, sh, 1024):
            h = min(1024, sh - r0)
            vv = rng.normal(-12, 2, (h, sw)).astype(np.float32)
            ds.write(np.stack([vv, vv - 6]), window=Window(0, r0, sw, h))
    return opt_path, sar_path


def run_one(opt_path: str, sar_path: str, tile: int, overlap: int, model_size: int = 0, bands: bool = False
            ) -> dict:
    from engine.api import DEFAULT_MODEL_DIR
    from engine.geo.guided import GuidedConfig
    from engine.geo.measuring import mask_area_m2
    from engine.geo.refine import refine_tiles
    from engine.geo.signatures import SignatureConfig
    from engine.geo.stack import open_stack
    from engine.geo.vectorizing import vectorize

    t0 = time.perf_counter()
    stack = open_stack(optical=opt_path, sar=sar_path, check_size=448)
    t_open = time.perf_counter()
    stack.overview(448)  # cached by the check in open_stack, as in the engine
    t_overview = time.perf_counter()

    with open(DEFAULT_MODEL_DIR / "config.json") as f:
        cfg = json.load(f)

    def predict(arrays):  # stands in for the model: cheap threshold on the red band
        return (arrays.optical[0, 0] > 0.5).astype(np.float32)

    mask, _ = refine_tiles(stack, predict, tile=tile, overlap=overlap, model_size=model_size or None,
                           guided=GuidedConfig(cfg["guided_radius"], cfg["guided_eps"]) if bands else None,
                           signatures=SignatureConfig(cfg["signature_weight"]) if bands else None)
    t_tiles = time.perf_counter()
    gdf = vectorize(mask)
    area = mask_area_m2(mask)
    t_end = time.perf_counter()
    from engine.geo.tiling import TileGrid

    n_tiles = len(TileGrid(stack.width, stack.height, tile, overlap))
    mask.close()
    return {
        "size": stack.width, "tiles": n_tiles, "tile": tile, "overlap": overlap,
        "model_size": model_size or None, "bands": bands,
        "open_s": round(t_open - t0, 2), "overview_s": round(t_overview - t_open, 2),
        "tiles_s": round(t_tiles - t_overview, 2), "tiles_per_s": round(n_tiles / (t_tiles - t_overview), 2),
        "megapixels_per_s": round(stack.width * stack.height / 1e6 / (t_tiles - t_overview), 2),
        "vectorise_measure_s": round(t_end - t_tiles, 2), "polygons": len(gdf), "area_km2": round(area / 1e6, 3),
        "total_s": round(t_end - t0, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000])
    p.add_argument("--tile", type=int, default=512)
    p.add_argument("--overlap", type=int, default=64)
    p.add_argument("--dir", help="folder for the generated rasters (default: a temporary one)")
    p.add_argument("--model-size", type=int, default=0,
                   help="tiles shrunk to this size for the model (0: native)")
    p.add_argument("--bands", action="store_true",
                   help="blend and sharpen with the native bands, as the engine does")
    p.add_argument("--json", action="store_true")
    p.add_argument("--_gen", type=int, help=argparse.SUPPRESS)
    p.add_argument("--_run", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a._gen:
        print(json.dumps(generate(a.dir, a._gen)))
        return 0
    if a._run:
        print(json.dumps(run_one(*a._run, a.tile, a.overlap, a.model_size, a.bands)))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-geo-", dir=a.dir) as folder:
        for n in a.sizes:
            me = [sys.executable, os.path.abspath(__file__), "--dir", folder]
            t = time.perf_counter()
            paths = json.loads(subprocess.check_output(me + ["--_gen", str(n)]))
            gen_s = time.perf_counter() - t
            # a fresh process per size, so the peak memory is that of the pipeline alone
            opts = ["--tile", str(a.tile), "--overlap", str(a.overlap), "--model-size", str(a.model_size)]
            out = subprocess.check_output(me + opts + (["--bands"] if a.bands else []) + ["--_run", *paths])
            res = json.loads(out)
            res["generate_s"] = round(gen_s, 1)
            res["input_mb"] = round(sum(os.path.getsize(x) for x in paths) / 2 ** 20, 1)
            results.append(res)
            for x in paths:
                os.remove(x)
            if not a.json:
                print(f"{n}x{n}: {res['tiles']} tiles of {a.tile}px in {res['tiles_s']} s = {res['tiles_per_s']} "
                      f"tiles/s ({res['megapixels_per_s']} Mpx/s); overview {res['overview_s']} s; vectorise+measure "
                      f"{res['vectorise_measure_s']} s ({res['polygons']} polygons); peak RSS {res['peak_rss_mb']} MB",
                      flush=True)
    if a.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
