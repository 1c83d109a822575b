"""The real-scene evaluation on stand-in files laid out like shared/data/real (labels drive a fake engine)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import rasterio
from affine import Affine

from terrascope_reasoning.engine.eval.real import bench_real


def _tif(path, arr, dtype):
    arr = np.asarray(arr, dtype)
    arr = arr if arr.ndim == 3 else arr[None]
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[2], height=arr.shape[1], count=arr.shape[0],
                       dtype=dtype, crs="EPSG:4326", transform=Affine(1e-4, 0, 2.0, 0, -1e-4, 40.0)) as dst:
        dst.write(arr)


class LabelEngine:
    """Returns the label itself (shifted by ``shift`` columns) as the only step."""

    def __init__(self, shift=0):
        self.shift = shift

    def ask(self, question, optical=None, sar=None, dates=None, **kw):
        folder = Path(optical or dates[0]).parent
        lab = next(folder.glob("*LabelHand.tif"), folder / "change.tif")
        with rasterio.open(lab) as src:
            mask = np.roll(src.read(1) == 1, self.shift, axis=1)
        label = "water" if "water" in question else "new buildings"
        return SimpleNamespace(answer="A", steps=[SimpleNamespace(label=label, mask=mask)])


def test_bench_real_scores_flood_and_change(tmp_path):
    flood = tmp_path / "sen1floods11-x"
    flood.mkdir()
    lab = np.zeros((40, 40), np.int16)
    lab[:, :10] = 1
    lab[0, :] = -1
    _tif(flood / "X_S2Hand.tif", np.ones((13, 40, 40)), "int16")
    _tif(flood / "X_S1Hand.tif", np.ones((2, 40, 40)), "float32")
    _tif(flood / "X_LabelHand.tif", lab, "int16")
    oscd = tmp_path / "oscd-x"
    oscd.mkdir()
    ch = np.zeros((30, 30), np.uint8)
    ch[5:10, 5:10] = 1
    for name in ("pre.tif", "post.tif"):
        _tif(oscd / name, np.ones((4, 30, 30)), "uint16")
    _tif(oscd / "change.tif", ch, "uint8")
    r = bench_real(tmp_path, LabelEngine())
    assert set(r) == {"sen1floods11-x", "oscd-x"}
    assert r["sen1floods11-x"]["iou"] == 1.0 and r["sen1floods11-x"]["share_error_points"] == 0.0
    assert r["sen1floods11-x"]["true_share"] == pytest.approx(390 / 1560)
    assert r["oscd-x"]["iou"] == 1.0
    shifted = bench_real(tmp_path, LabelEngine(shift=5))
    assert shifted["sen1floods11-x"]["iou"] == pytest.approx(5 / 15)
    assert shifted["oscd-x"]["iou"] == pytest.approx(0.0)
