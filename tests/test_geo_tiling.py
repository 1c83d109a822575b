"""Tiles cover the grid, stitching has no seams (in memory and on disk), tile refinement over a stack."""
from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from terrascope_reasoning.engine.errors import Cancelled
from terrascope_reasoning.engine.geo.measuring import mask_area_m2
from terrascope_reasoning.engine.geo.raster_io import write_raster
from terrascope_reasoning.engine.geo.refine import refine_tiles
from terrascope_reasoning.engine.geo.stack import open_stack
from terrascope_reasoning.engine.geo.tiling import Stitcher, TileGrid, iter_tiles
from terrascope_reasoning.engine.geo.vectorizing import vectorize

T = Affine(10, 0, 500000, 0, -10, 5000000)
CRS = "EPSG:32633"


@pytest.mark.parametrize("w,h,tile,overlap", [(1000, 700, 256, 32), (300, 300, 512, 64), (513, 100, 128, 0)])
def test_tiles_cover_grid_with_full_size_tiles(w, h, tile, overlap):
    grid = TileGrid(w, h, tile, overlap)
    cover = np.zeros((h, w), int)
    owned = np.zeros((h, w), int)
    for win in iter_tiles(w, h, tile, overlap):
        assert (win.width, win.height) == (min(tile, w), min(tile, h))
        r, c = int(win.row_off), int(win.col_off)
        cover[r:r + int(win.height), c:c + int(win.width)] += 1
        core = grid.core(win)
        owned[int(core.row_off):int(core.row_off + core.height), int(core.col_off):int(core.col_off + core.width)] += 1
    assert (cover >= 1).all()
    assert (owned == 1).all()  # every pixel belongs to exactly one tile's core
    assert len(grid) == len(list(grid.windows()))


def _disk(h, w, cy, cx, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return np.clip(1.0 - (np.hypot(yy - cy, xx - cx) - r) / 4.0, 0, 1) * 0.98  # soft edge


@pytest.mark.parametrize("on_disk", [False, True])
def test_mask_crossing_tile_borders_is_one_polygon(tmp_path, on_disk):
    h, w = 300, 420
    truth = _disk(h, w, 150, 200, 90)  # spans several 128-px tiles
    grid = TileGrid(w, h, 128, 32)
    st = Stitcher(grid, T, CRS, disk_threshold_px=0 if on_disk else 10 ** 9, tmpdir=str(tmp_path))
    rng = np.random.default_rng(0)
    interior = np.zeros((h, w), bool)
    interior[16:-16, 16:-16] = True  # the raster's own edge has no neighbouring tile to correct it
    for win in grid.windows():
        r, c = int(win.row_off), int(win.col_off)
        tile = truth[r:r + 128, c:c + 128].copy()
        border = np.ones_like(tile, bool)
        border[16:-16, 16:-16] = False  # tiles disagree in their outer margins, which stitching must drop
        border &= interior[r:r + 128, c:c + 128]
        tile[border] = rng.uniform(0, 1, border.sum())
        st.add(win, tile)
    mask = st.finish()
    assert mask.on_disk == on_disk
    arr = mask.array()
    expected = truth >= 0.5
    assert (arr == expected).all()
    gdf = vectorize(mask)
    assert len(gdf) == 1  # one region despite crossing tile borders
    assert mask_area_m2(mask) == pytest.approx(mask_area_m2(arr, T, CRS))
    assert 0.5 < st.confidence <= 1.0
    path = mask.path
    del mask, arr
    if on_disk:
        import gc

        gc.collect()
        assert not (tmp_path / path).exists()


def _scene(tmp_path, h=260, w=330):
    data = np.full((3, h, w), 600, np.uint16)
    yy, xx = np.mgrid[0:h, 0:w]
    field = (yy - 120) ** 2 / 90 ** 2 + (xx - 170) ** 2 / 130 ** 2 < 1
    data[:, field] = 2400
    data[:, :, :6] = 0  # a nodata strip
    return write_raster(tmp_path / "opt.tif", data, T, CRS, nodata=0), field


def test_refine_tiles_over_stack_matches_full_read(tmp_path):
    path, field = _scene(tmp_path)
    stack = open_stack(optical=path)
    calls = []

    def predict(arrays):
        calls.append(arrays.optical.shape)
        return (arrays.optical[0, 0] > 0.5).astype(np.float32)

    done = []
    mask, st = refine_tiles(stack, predict, tile=128, overlap=16, progress=lambda k, n: done.append((k, n)))
    assert done[-1][0] == done[-1][1] == len(calls)
    expected = field.copy()
    expected[:, :6] = False
    assert (mask.array() == expected).all()
    assert st.confidence == pytest.approx(1.0)
    assert st.area_m2 == pytest.approx(mask_area_m2(expected, T, CRS))
    usable = np.ones_like(expected)
    usable[:, :6] = False
    assert st.share == pytest.approx(expected.sum() / usable.sum(), rel=1e-3)
    assert (mask.resampled((65, 82)) == expected[2::4, 2::4]).mean() > 0.97
    # tiles resampled to a model size: close to the native result
    small, _ = refine_tiles(stack, predict, tile=128, overlap=16, model_size=64)
    assert calls[-1] == (1, 3, 64, 64)
    assert np.mean(small.array() != expected) < 0.01


def test_refine_tiles_cancel_and_aoi_clip(tmp_path):
    path, field = _scene(tmp_path)
    stack = open_stack(optical=path, aoi="EPSG:32633;POLYGON((500500 4998400, 502500 4998400, 502500 4999600, "
                                        "500500 4999600, 500500 4998400))")
    mask, st = refine_tiles(stack, lambda a: np.ones(a.aoi.shape, np.float32), tile=64, overlap=8)
    assert (mask.array() == stack.aoi_mask()).all()
    assert st.share == pytest.approx(1.0)
    with pytest.raises(Cancelled):
        refine_tiles(stack, lambda a: np.ones(a.aoi.shape, np.float32), tile=64, overlap=8, cancelled=lambda: True)


def test_refine_reads_only_the_steps_date(tmp_path):
    path, field = _scene(tmp_path)
    empty = write_raster(tmp_path / "before.tif", np.full((3, 260, 330), 600, np.uint16), T, CRS, nodata=0)
    stack = open_stack(dates=[empty, path])
    seen = []

    def predict(arrays):
        seen.append(arrays.optical.shape[0])
        return (arrays.optical[0, 0] > 0.5).astype(np.float32)

    mask, st = refine_tiles(stack, predict, date_index=1, tile=128, overlap=16, only_date=True)
    assert set(seen) == {1}
    expected = field.copy()
    expected[:, :6] = False
    assert (mask.array() == expected).all()
    mask0, _ = refine_tiles(stack, predict, date_index=0, tile=128, overlap=16, only_date=True)
    assert not mask0.array().any()
