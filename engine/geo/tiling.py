"""Tiles over a large grid and seamless stitching of per-tile probabilities into one full-resolution mask.

Stitching is centre-crop: neighbouring tiles overlap by ``overlap`` pixels and each pixel is taken from the
tile whose interior it lies in (the boundary between two tiles is the middle of their overlap), so every
kept prediction saw at least ``overlap / 2`` pixels of context on each side. Each output pixel is written
once; large masks go to a temporary GeoTIFF, so memory is bounded by the tile size, not the raster size.
"""
from __future__ import annotations

import os
import tempfile
import weakref
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from affine import Affine

from .sources import gdal_env

DISK_THRESHOLD_PX = 4096 * 4096  # masks larger than this are kept on disk
BLOCK = 256


def _starts(size: int, tile: int, overlap: int) -> list[int]:
    if size <= tile:
        return [0]
    stride = max(1, tile - overlap)
    starts = list(range(0, size - tile, stride))
    starts.append(size - tile)  # the last tile is moved back inside instead of being cut short
    return starts


@dataclass(frozen=True)
class TileGrid:
    """Tiles of ``tile`` px with ``overlap`` px between neighbours over a ``width`` x ``height`` grid."""

    width: int
    height: int
    tile: int = 512
    overlap: int = 64

    def __post_init__(self):
        if self.tile <= 0 or not 0 <= self.overlap < self.tile:
            raise ValueError(f"need tile > 0 and 0 <= overlap < tile, got {self.tile}, {self.overlap}")

    @property
    def xs(self) -> list[int]:
        return _starts(self.width, self.tile, self.overlap)

    @property
    def ys(self) -> list[int]:
        return _starts(self.height, self.tile, self.overlap)

    def __len__(self) -> int:
        return len(self.xs) * len(self.ys)

    def windows(self) -> Iterator:
        from rasterio.windows import Window

        tw, th = min(self.tile, self.width), min(self.tile, self.height)
        for y in self.ys:
            for x in self.xs:
                yield Window(x, y, tw, th)

    def core(self, window):
        """The part of ``window`` (a tile of this grid) this tile owns, in grid coordinates."""
        from rasterio.windows import Window

        x0, x1 = _core_span(self.xs, int(window.col_off), min(self.tile, self.width), self.width)
        y0, y1 = _core_span(self.ys, int(window.row_off), min(self.tile, self.height), self.height)
        return Window(x0, y0, x1 - x0, y1 - y0)


def _core_span(starts: list[int], start: int, tile: int, size: int) -> tuple[int, int]:
    i = starts.index(start)
    lo = 0 if i == 0 else (starts[i - 1] + tile + start) // 2
    hi = size if i == len(starts) - 1 else (start + tile + starts[i + 1]) // 2
    return lo, hi


def iter_tiles(width: int, height: int, tile: int = 512, overlap: int = 64) -> Iterator:
    """rasterio Windows of ``tile`` x ``tile`` px (smaller only when the grid is), ``overlap`` px apart,
    row by row, covering the ``width`` x ``height`` grid."""
    return TileGrid(width, height, tile, overlap).windows()


class MaskRaster:
    """A full-resolution boolean mask ``(height, width)`` in the grid of ``transform``/``crs``, held in memory
    or in a temporary GeoTIFF (``path``). :meth:`blocks` reads it strip by strip with bounded memory."""

    def __init__(self, width: int, height: int, transform: Affine, crs, array: np.ndarray | None = None,
                 path: str | None = None):
        self.width, self.height = width, height
        self.transform, self.crs = transform, crs
        self._array = array
        self.path = path
        self.is_empty = array is None and path is None  # nothing inside; zeros are made on demand
        if path:  # the temporary file goes with the object
            weakref.finalize(self, _remove, path)

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @classmethod
    def empty(cls, width: int, height: int, transform: Affine, crs) -> "MaskRaster":
        """A mask with no pixel inside, costing no memory until an array is asked for."""
        return cls(width, height, transform, crs)

    @property
    def on_disk(self) -> bool:
        return self.path is not None and self._array is None

    def array(self) -> np.ndarray:
        """(H, W) bool, loaded into memory on first call when on disk."""
        if self.is_empty:
            return np.zeros(self.shape, bool)
        if self._array is None:
            import rasterio

            with gdal_env(), rasterio.open(self.path) as ds:
                self._array = ds.read(1).astype(bool)
        return self._array

    def window(self, win) -> np.ndarray:
        """(h, w) bool: the mask inside the rasterio ``Window`` ``win`` of its grid."""
        r0, c0, h, w = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
        if self.is_empty:
            return np.zeros((h, w), bool)
        if self._array is not None:
            return self._array[r0:r0 + h, c0:c0 + w]
        import rasterio

        with gdal_env(), rasterio.open(self.path) as ds:
            return ds.read(1, window=win).astype(bool)

    def blocks(self, rows: int = 1024) -> Iterator[tuple[int, np.ndarray]]:
        """Yields ``(row_off, block (r, W) bool)`` strips top to bottom."""
        if self.is_empty:
            for r in range(0, self.height, rows):
                yield r, np.zeros((min(rows, self.height - r), self.width), bool)
            return
        if self._array is not None:
            for r in range(0, self.height, rows):
                yield r, self._array[r:r + rows]
            return
        import rasterio
        from rasterio.windows import Window

        with gdal_env(), rasterio.open(self.path) as ds:
            for r in range(0, self.height, rows):
                yield r, ds.read(1, window=Window(0, r, self.width, min(rows, self.height - r))).astype(bool)

    def resampled(self, shape: tuple[int, int]) -> np.ndarray:
        """(h, w) bool: the mask read at another resolution (nearest), e.g. for a preview."""
        if self.is_empty:
            return np.zeros(shape, bool)
        if self._array is not None:
            from .resample import resize_mask

            return resize_mask(self._array, shape)
        import rasterio
        from rasterio.enums import Resampling

        with gdal_env(), rasterio.open(self.path) as ds:
            return ds.read(1, out_shape=shape, resampling=Resampling.nearest).astype(bool)

    def close(self) -> None:
        """Load nothing more from disk: delete the temporary file, if any (keeps a loaded array)."""
        if self.path:
            _remove(self.path)
            self.path = None


def _remove(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


class Stitcher:
    """Collects per-tile probabilities ``(h, w)`` for the tiles of ``grid`` into a :class:`MaskRaster`.

    Also accumulates the mean probability inside the mask (the step's confidence) and, tile core by tile
    core, the geodesic area of the mask and of the usable pixels (AOI without nodata), so area and share of a
    mask of any size come out of the same single pass.
    """

    def __init__(self, grid: TileGrid, transform: Affine, crs, threshold: float = 0.5,
                 disk_threshold_px: int = DISK_THRESHOLD_PX, tmpdir: str | None = None):
        self.grid, self.transform, self.crs, self.threshold = grid, transform, crs, threshold
        self._prob_sum = 0.0
        self._count = 0
        self.area_m2 = 0.0
        self.usable_area_m2 = 0.0
        self._ds = None
        self._array = None
        self._path = None
        if grid.width * grid.height > disk_threshold_px:
            import rasterio

            fd, self._path = tempfile.mkstemp(suffix=".tif", prefix="terrascope-mask-", dir=tmpdir)
            os.close(fd)
            self._ds = rasterio.open(self._path, "w", driver="GTiff", width=grid.width, height=grid.height,
                                     count=1, dtype="uint8", crs=crs, transform=transform, tiled=True,
                                     blockxsize=BLOCK, blockysize=BLOCK, sparse_ok=True, nbits=1)
        else:
            self._array = np.zeros((grid.height, grid.width), bool)

    def add(self, window, prob: np.ndarray, usable: np.ndarray | None = None) -> None:
        """``prob``: (window.height, window.width) float in [0, 1] for a tile ``window`` of the grid;
        ``usable``: same shape bool (AOI and valid), None when all pixels count."""
        from rasterio.windows import transform as win_transform

        from .measuring import cell_areas

        core = self.grid.core(window)
        r0, c0 = int(core.row_off - window.row_off), int(core.col_off - window.col_off)
        sl = (slice(r0, r0 + int(core.height)), slice(c0, c0 + int(core.width)))
        p = prob[sl]
        m = p >= self.threshold
        self._prob_sum += float(p[m].sum())
        self._count += int(m.sum())
        cells = cell_areas(win_transform(core, self.transform), self.crs, m.shape)
        self.area_m2 += float((cells * m).sum())
        self.usable_area_m2 += float((cells * usable[sl]).sum()) if usable is not None else float(
            np.broadcast_to(cells, m.shape).sum())
        if self._array is not None:
            self._array[int(core.row_off):int(core.row_off + core.height),
                        int(core.col_off):int(core.col_off + core.width)] = m
        else:
            self._ds.write(m.astype(np.uint8)[None], window=core)

    @property
    def confidence(self) -> float:
        """Mean probability of the pixels in the mask (0 when the mask is empty)."""
        return self._prob_sum / self._count if self._count else 0.0

    @property
    def pixel_count(self) -> int:
        return self._count

    def finish(self) -> MaskRaster:
        if self._ds is not None:
            self._ds.close()
            self._ds = None
        g = self.grid
        return MaskRaster(g.width, g.height, self.transform, self.crs, self._array, self._path)

    @property
    def share(self) -> float:
        """Mask area / usable area, in 0..1."""
        return self.area_m2 / self.usable_area_m2 if self.usable_area_m2 > 0 else 0.0

    def abort(self) -> None:
        """Drop everything (e.g. on cancel): closes and deletes the temporary file."""
        if self._ds is not None:
            self._ds.close()
            self._ds = None
        if self._path and os.path.exists(self._path):
            os.remove(self._path)
