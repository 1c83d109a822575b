"""write_scenes: GeoTIFFs with the right CRS and bands, questions.jsonl consistent with the labels;
questions_from_labels on a user's label GeoTIFF (any CRS, nodata outside the area)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from affine import Affine

from terrascope_reasoning.engine.data.questions import questions_from_labels
from terrascope_reasoning.engine.data.rle import rle_decode
from terrascope_reasoning.engine.data.traces import TASKS
from terrascope_reasoning.engine.data.writer import write_scenes


def test_write_scenes_files_open_with_rasterio(tmp_path):
    seen = []
    folders = write_scenes(tmp_path, seed=3, size=96, count=2, progress=lambda f, m: seen.append(f))
    assert [f.name for f in folders] == ["scene_0000", "scene_0001"] and seen[-1] == 1.0
    d = folders[0]
    meta = json.loads((d / "scene.json").read_text())
    assert meta["seed"] == 3
    with rasterio.open(d / "optical.tif") as src:
        assert src.count == 4 and src.dtypes[0] == "uint16" and src.crs.to_string() == meta["crs"]
        assert src.descriptions == ("B4", "B3", "B2", "B8") and src.res == (meta["pixel_m"],) * 2
        transform = src.transform
    with rasterio.open(d / "sar.tif") as src:
        assert src.count == 2 and src.dtypes[0] == "float32" and src.descriptions == ("VV", "VH")
        assert src.transform == transform and -40 < float(np.median(src.read(1))) < 5
    for name in ("pre.tif", "post.tif", "sar_pre.tif", "sar_post.tif", "labels_pre.tif", "labels_post.tif",
                 "clouds.tif"):
        with rasterio.open(d / name) as src:
            assert src.crs.to_string() == meta["crs"] and src.transform == transform
    with rasterio.open(d / "labels.tif") as src:
        labels = src.read(1)
    with rasterio.open(d / "labels_pre.tif") as src:
        labels_pre = src.read(1)
    lines = [json.loads(x) for x in (d / "questions.jsonl").read_text().splitlines()]
    assert len(lines) >= 5 and {x["task"] for x in lines} <= set(TASKS)
    for q in lines:
        assert q["trace"].endswith(f"Answer: {q['answer']}")
        for step in q["steps"]:
            mask = rle_decode(step["mask"])
            assert mask.shape == labels.shape
            assert step["area_m2"] == pytest.approx(mask.sum() * meta["pixel_m"] ** 2, rel=3e-3)
        phrase = q["steps"][0]["phrase"]
        if q["task"] in ("coverage", "referring") and not q["absent"] and "half" not in phrase \
                and "largest" not in phrase:
            mask = rle_decode(q["steps"][0]["mask"])
            ids = np.unique(labels[mask])
            assert len(ids) == 1 and (labels == ids[0]).sum() == mask.sum()
        if len(q["dates"]) > 1:
            assert q["inputs"]["dates"] == ["pre.tif", "post.tif"]
            first = rle_decode(q["steps"][0]["mask"])
            assert first.sum() == 0 or len(np.unique(labels_pre[first])) == 1
        else:
            assert q["inputs"]["optical"] == "optical.tif"


def test_questions_from_user_labels_geographic_with_nodata(tmp_path):
    lab = np.zeros((40, 40), np.int16)
    lab[:, :15] = 1
    lab[30:, 30:] = -1  # nodata corner: outside the area
    path = tmp_path / "labels.tif"
    t = Affine(1e-4, 0, -1.0, 0, -1e-4, 40.0)
    with rasterio.open(path, "w", driver="GTiff", width=40, height=40, count=1, dtype="int16",
                       crs="EPSG:4326", transform=t, nodata=-1) as dst:
        dst.write(lab, 1)
    recs = questions_from_labels(path, {0: "dry land", 1: "flood water"}, seed=1, per_task=3)
    tasks = {r.task for r in recs}
    assert {"coverage", "area", "referring"} <= tasks
    for r in recs:
        if r.task == "coverage" and not r.absent:
            valid = 1600 - 100
            expect = (lab == (1 if r.steps[0].phrase == "flood water" else 0)).sum() / valid
            assert r.steps[0].measurement.share == pytest.approx(expect, rel=1e-3)
        for s in r.steps:
            assert not s.mask[30:, 30:].any()


def test_questions_from_labels_respects_the_aoi_mask(tmp_path):
    lab = np.zeros((30, 30), np.uint8)
    lab[:, 10:20] = 1
    path = tmp_path / "l.tif"
    with rasterio.open(path, "w", driver="GTiff", width=30, height=30, count=1, dtype="uint8",
                       crs="EPSG:32633", transform=Affine(10, 0, 500000, 0, -10, 5000000)) as dst:
        dst.write(lab, 1)
    aoi = np.zeros((30, 30), bool)
    aoi[:, :15] = True  # the west half only: water is 5 of 15 columns there
    recs = questions_from_labels(path, {0: "land", 1: "water"}, seed=2, per_task=3, aoi_mask=aoi,
                                 tasks=("coverage", "referring"))
    assert recs
    for r in recs:
        for s in r.steps:
            assert not s.mask[:, 15:].any()
        if r.task == "coverage" and r.steps[0].phrase == "water":
            assert r.steps[0].measurement.share == pytest.approx(1 / 3, rel=1e-3)
