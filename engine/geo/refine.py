"""Tile-by-tile refinement of a mask at native resolution: read each tile (optionally resampled to the model's
input size), predict its probabilities, clip to the area of interest and valid pixels, stitch."""
from __future__ import annotations

from typing import Callable

import numpy as np
from affine import Affine

from ..errors import Cancelled
from .guided import GuidedConfig, date_guide
from .places import half_mask
from .resample import resize_mask, resize_prob, sample_nearest
from .signatures import SignatureConfig, with_bands
from .sources import gdal_env
from .stack import InputStack, StackArrays
from .tiling import MaskRaster, Stitcher, TileGrid
from .water_index import WaterIndexConfig, with_date_water_index


def refine_tiles(stack: InputStack, predict: Callable[[StackArrays], np.ndarray], date_index: int = 0,
                 tile: int = 512, overlap: int = 64, model_size: int | None = None, threshold: float = 0.5,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, tmpdir: str | None = None,
                 only_date: bool = False, guided: GuidedConfig | None = None,
                 signatures: SignatureConfig | None = None, half: str | None = None,
                 outside: MaskRaster | None = None, within: tuple[np.ndarray, Affine] | None = None,
                 water: WaterIndexConfig | None = None, pixel_m: float | None = None) -> tuple[MaskRaster, Stitcher]:
    """Full-resolution mask of one step over the whole ``stack`` grid.

    ``predict(arrays) -> (s, s) probabilities`` is called once per tile that holds usable pixels, with the
    tile read at ``model_size`` x ``model_size`` (None: native tile size). With ``only_date`` the tile holds
    that date alone (T = 1), else all dates. Probabilities are resized back to
    the tile, clipped to the AOI and to the valid pixels of ``date_index``, and stitched (see
    :class:`Stitcher`). ``progress(done, total)`` after each tile; ``cancelled()`` is polled before each tile
    and raises :class:`Cancelled` (the temporary mask is deleted). ``guided``: sharpen each tile's resized
    probabilities along the edges of the date's bands at native resolution (:mod:`engine.geo.guided`); its
    radius is in pixels of the model's grid and is scaled to the tile. ``signatures``: first blend each tile's
    probabilities with the class signature of those bands (:mod:`engine.geo.signatures`). ``half``: keep only the
    pixels in that half of the grid ("northern", ...; :mod:`engine.geo.places`); the usable area stays the
    whole grid's, so the share is of the area of interest. ``outside``: the mask of an earlier step in the
    same grid; keep only the pixels outside it (a new region outside an earlier one,
    :func:`engine.trace_format.new_region_outside`). ``within``: ``(region (H, W) bool, its affine
    transform)`` on a coarser grid of the same CRS (the overview's); keep only the pixels whose centres fall
    in it (one patch, :mod:`engine.geo.patches`). ``water``: grow each tile's mask into the connected open water
    of the date's water index at native resolution (:mod:`engine.geo.water_index`). ``pixel_m``: the stack's pixel
    side in metres, which the signature's context neighbourhood is sized by (None: no context). Returns the mask and
    the finished :class:`Stitcher`, which holds ``confidence`` (mean probability inside the mask), ``area_m2``,
    ``usable_area_m2`` and ``share``.
    """
    grid = TileGrid(stack.width, stack.height, tile, overlap)
    total = len(grid)
    with gdal_env():  # the bounded block cache also covers the mask written to disk
        stitcher = Stitcher(grid, stack.transform, stack.crs, threshold, tmpdir=tmpdir)
        _run(stack, grid, stitcher, predict, date_index, model_size, progress, cancelled, total, only_date,
             guided if guided is not None and guided.enabled else None,
             signatures if signatures is not None and signatures.enabled else None, half, outside, within,
             water if water is not None and water.enabled else None, pixel_m)
        return stitcher.finish(), stitcher


def _read_tile(stack, win, model_size, dates, with_native: bool):
    """(arrays at the model's size, arrays at native resolution or None). With ``with_native`` the tile is
    read once at native resolution and resized in memory."""
    if model_size is None:
        arrays = stack.read(win, dates=dates)
        return arrays, arrays
    if with_native:
        return stack.read_both_sizes(win, (model_size, model_size), dates=dates)
    return stack.read(win, out_shape=(model_size, model_size), dates=dates), None


def _with_native_bands(stack, native, prob, t, date_index, model_size, only_date,
                       guided: GuidedConfig | None, signatures: SignatureConfig | None,
                       water: WaterIndexConfig | None = None, pixel_m: float | None = None) -> np.ndarray:
    """``prob`` (h, w) of one tile blended with the class signature of the date's bands (``signatures``),
    sharpened along their edges (``guided``) and grown into the connected open water of their water index
    (``water``), the ``native`` arrays holding the bands at native resolution; each is skipped when None; ``t``:
    the date's index in the tile's arrays; ``pixel_m``: the native pixel side in metres."""
    dates = slice(date_index, date_index + 1) if only_date else slice(None)  # the dates the arrays hold
    guide = date_guide(native.optical, native.sar, stack.has_optical[dates], stack.has_sar[dates], t,
                       native.nir)
    scale = max(prob.shape) / model_size if model_size else 1.0
    native_cfg = None if guided is None else GuidedConfig(max(1, round(guided.radius * scale)), guided.eps,
                                                          guided.keep_area, guided.threshold)
    # sharpening coefficients fitted at about the model's grid, applied to the native bands
    prob = with_bands(prob, guide, native.valid[t], signatures, native_cfg, subsample=max(1, int(scale)),
                      pixel_m=pixel_m)
    return with_date_water_index(prob, native.optical, native.nir, stack.has_optical[dates], t, native.valid[t], water)


def _run(stack, grid, stitcher, predict, date_index, model_size, progress, cancelled, total,
         only_date, guided, signatures, half, outside, within, water, pixel_m) -> None:
    native_bands = guided is not None or signatures is not None or water is not None  # tiles shaped by their bands
    try:
        for k, win in enumerate(grid.windows()):
            if cancelled is not None and cancelled():
                raise Cancelled("cancelled while refining masks; nothing was written")
            shape = (int(win.height), int(win.width))
            arrays, native = _read_tile(stack, win, model_size, [date_index] if only_date else None,
                                        native_bands)
            t = 0 if only_date else min(date_index, arrays.valid.shape[0] - 1)
            valid = arrays.valid[t]
            keep = stack.aoi_mask(win) & resize_mask(valid, shape)
            if not (valid & arrays.aoi).any():
                prob = np.zeros(shape, np.float32)
            else:
                prob = resize_prob(predict(arrays), shape)
                if native_bands:
                    prob = _with_native_bands(stack, native, prob, t, date_index, model_size, only_date,
                                              guided, signatures, water, pixel_m)
                inside = keep if half is None else keep & half_mask(
                    half, shape, (0, stack.height, 0, stack.width), (int(win.row_off), int(win.col_off)))
                if outside is not None:
                    inside = inside & ~outside.window(win)
                if within is not None:
                    inside = inside & sample_nearest(within[0], within[1], stack.window_transform(win), shape)
                prob = np.where(inside, prob, 0.0)
            stitcher.add(win, prob, keep)
            if progress is not None:
                progress(k + 1, total)
    except BaseException:
        stitcher.abort()
        raise
