"""Writing synthetic scenes as GeoTIFFs plus questions.jsonl (``terrascope synth``).

Per scene folder ``scene_0000/`` (scene seed = ``seed + index``; the held-out test split uses seeds
>= 1 000 000, training seeds stay below):

- ``optical.tif``  last date, 4 bands B4, B3, B2, B8 (R, G, B, NIR), uint16 reflectance x 10000
- ``sar.tif``      last date, 2 bands VV, VH, float32 dB
- ``pre.tif`` / ``post.tif``          optical of the first / last date (same format as optical.tif)
- ``sar_pre.tif`` / ``sar_post.tif``  SAR of the first / last date
- ``labels.tif``   last date class ids (uint8, 0 = unknown; ids in scene.json), and
  ``labels_pre.tif`` / ``labels_post.tif`` for the first / last date
- ``clouds.tif``   one uint8 band per date (first, last): 1 where clouds hide the ground
- ``scene.json``   seed, pixel size, CRS, change events, class names, file list
- ``questions.jsonl`` one QuestionRecord.to_json() per line, plus ``inputs``: the files to ask it on
  (``{"optical": "optical.tif", "sar": "sar.tif"}`` or ``{"dates": ["pre.tif", "post.tif"], ...}``)
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

from . import classes as C
from .questions import generate_questions
from .render_optical import BAND_NAMES
from .scene import Scene, make_scene

TEST_SEED_START = 10**6  # seeds at or above this are the held-out test split; never train on them
SINGLE_INPUTS = {"optical": "optical.tif", "sar": "sar.tif"}
MULTI_INPUTS = {"dates": ["pre.tif", "post.tif"], "sar_dates": ["sar_pre.tif", "sar_post.tif"]}


def _write(path: Path, data: np.ndarray, scene: Scene, descriptions: tuple[str, ...] | None = None,
           nodata=None) -> None:
    import rasterio

    data = data if data.ndim == 3 else data[None]
    profile = {"driver": "GTiff", "height": data.shape[1], "width": data.shape[2], "count": data.shape[0],
               "dtype": data.dtype.name, "crs": scene.crs, "transform": scene.transform,
               "compress": "deflate", "nodata": nodata}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        if descriptions:
            for i, d in enumerate(descriptions, start=1):
                dst.set_band_description(i, d)


def write_scene(folder: Path, scene: Scene, questions_per_task: int = 1) -> int:
    """Write one scene's GeoTIFFs and questions.jsonl into ``folder``; -> number of questions."""
    folder.mkdir(parents=True, exist_ok=True)
    last = scene.dates - 1
    opt_desc, sar_desc = BAND_NAMES, ("VV", "VH")
    for name, t in (("optical.tif", last), ("pre.tif", 0), ("post.tif", last)):
        _write(folder / name, scene.optical[t], scene, opt_desc)
    for name, t in (("sar.tif", last), ("sar_pre.tif", 0), ("sar_post.tif", last)):
        _write(folder / name, scene.sar[t], scene, sar_desc)
    for name, t in (("labels.tif", last), ("labels_pre.tif", 0), ("labels_post.tif", last)):
        _write(folder / name, scene.labels[t], scene, ("class",), nodata=0)
    _write(folder / "clouds.tif", scene.cloud_mask[[0, last]].astype(np.uint8), scene,
           ("first date", "last date"))
    # Questions use the first and the last date, the ones written to disk.
    labels = scene.labels[[0, last]] if scene.dates > 1 else scene.labels
    clouds = scene.cloud_mask[[0, last]] if scene.dates > 1 else scene.cloud_mask
    rng = np.random.default_rng([scene.seed, 99])
    records = generate_questions(labels, scene.transform, scene.crs, rng, cloud_mask=clouds,
                                 per_task=questions_per_task)
    with open(folder / "questions.jsonl", "w") as f:
        for rec in records:
            d = rec.to_json()
            d["inputs"] = MULTI_INPUTS if len(rec.dates) > 1 else SINGLE_INPUTS
            f.write(json.dumps(d) + "\n")
    meta = {"seed": scene.seed, "pixel_m": scene.pixel_m, "crs": scene.crs, "events": scene.events,
            "dates": scene.dates, "size": list(scene.labels.shape[1:]),
            "classes": {str(k): v for k, v in C.CLASS_NAMES.items()},
            "optical_bands": list(opt_desc), "sar_bands": list(sar_desc)}
    (folder / "scene.json").write_text(json.dumps(meta, indent=1))
    return len(records)


def write_scenes(out_dir: str | Path, seed: int = 0, size: int = 256, count: int = 1,
                 progress: Callable[[float, str], None] | None = None, questions_per_task: int = 1,
                 ) -> list[Path]:
    """Write ``count`` scenes (seeds ``seed`` .. ``seed + count - 1``) of ``size`` pixels into
    ``out_dir/scene_0000`` ...; ``progress(fraction 0..1, message)`` after each. -> the folders."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    folders = []
    for i in range(count):
        folder = out / f"scene_{i:04d}"
        n = write_scene(folder, make_scene(seed + i, size), questions_per_task)
        folders.append(folder)
        if progress is not None:
            progress((i + 1) / count, f"scene {i + 1}/{count}: {n} questions")
    return folders
