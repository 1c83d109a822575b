"""Training samples from `synth` folders through the inference read path."""
from __future__ import annotations

import numpy as np
import rasterio

from engine.data.writer import write_scenes
from engine.train.samples import FolderStream, fit_mask, resize_nearest


def test_folder_stream_samples_match_their_scene(tmp_path):
    folders = write_scenes(tmp_path, seed=4, size=64, count=1)
    stream = iter(FolderStream(tmp_path, 32, stage=2))
    samples = [next(stream) for _ in range(6)]
    with rasterio.open(folders[0] / "labels.tif") as src:
        labels = src.read(1)
    for s in samples:
        rec, im = s["record"], s["images"]
        n_dates = len(rec.dates)
        assert im.optical.shape == (n_dates, 3, 32, 32) and im.sar.shape == (n_dates, 2, 32, 32)
        assert s["masks"].shape == (len(rec.steps), 32, 32) and s["trace"].count("[SEG]") == len(rec.steps)
        assert s["grid"][0].a == 2 * rasterio.open(folders[0] / "optical.tif").transform.a  # 64 px -> 32 px
    first = next(s for s in samples if len(s["record"].dates) == 1 and s["record"].steps[0].mask.any())
    # the resampled mask is the full-resolution mask seen at the overview's pixel centres
    assert np.array_equal(first["masks"][0].numpy() > 0.5, resize_nearest(first["record"].steps[0].mask, (32, 32)))
    assert labels.shape == (64, 64)
    stage1 = iter(FolderStream(tmp_path, 32, stage=1))
    assert {next(stage1)["task"] for _ in range(3)} == {"referring"}


def test_fit_mask_pads_non_square_grids():
    m = np.ones((50, 100), bool)
    out = fit_mask(m, 32)
    assert out.shape == (32, 32) and out[:16].all() and not out[16:].any()
