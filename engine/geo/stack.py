"""Co-registered inputs: every date and modality on the grid of the reference raster, clipped to the AOI.

The reference grid is the first optical raster (or the first date's raster when there is no optical one),
cut to the bounding box of the area of interest. Nothing is read when the stack is opened except a small
sample per file; :meth:`InputStack.read` warps any window (at native or reduced resolution) on demand.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS

from ..errors import InputError
from .aoi import AreaOfInterest, aoi_mask, parse_aoi
from .resample import resize_valued
from .sources import OPTICAL, SAR, RasterSource, open_source

log = logging.getLogger(__name__)
OVERVIEW_STRIP_PX = 4_000_000


@dataclass
class StackArrays:
    """Arrays of one window. ``optical (T, 3, h, w)`` and ``sar (T, 2, h, w)`` float32 in [0, 1] (None when no
    date has that modality; zeros for dates without it), ``valid (T, h, w)`` bool (a present modality has
    data), ``aoi (h, w)`` bool (pixel centre inside the area of interest); ``nir (T, 1, h, w)`` float32 in
    [0, 1], the optical near-infrared band as a guide (None unless every optical date has one)."""

    optical: np.ndarray | None
    sar: np.ndarray | None
    valid: np.ndarray
    aoi: np.ndarray
    transform: Affine | None = None  # grid of these arrays (in the stack's CRS)
    nir: np.ndarray | None = None

    @property
    def usable(self) -> np.ndarray:
        """(h, w) bool: inside the AOI and valid on at least one date."""
        return self.aoi & self.valid.any(axis=0)


@dataclass
class DateInput:
    """The rasters of one date (either may be None)."""

    optical: RasterSource | None = None
    sar: RasterSource | None = None


class InputStack:
    """Lazy stack of ``n_dates`` dates on the reference grid ``(height, width)``, ``transform``, ``crs``."""

    def __init__(self, dates: list[DateInput], crs: CRS, transform: Affine, width: int, height: int,
                 aoi: AreaOfInterest | None):
        self.dates = dates
        self.crs = crs
        self.transform = transform
        self.width = width
        self.height = height
        self.aoi = aoi  # in self.crs
        self._overview: dict[int, tuple[StackArrays, Affine]] = {}

    @property
    def n_dates(self) -> int:
        return len(self.dates)

    @property
    def has_optical(self) -> np.ndarray:
        """(T,) bool."""
        return np.array([d.optical is not None for d in self.dates])

    @property
    def has_sar(self) -> np.ndarray:
        """(T,) bool."""
        return np.array([d.sar is not None for d in self.dates])

    @property
    def pixel_size(self) -> float:
        """Mean edge of a reference pixel in CRS units."""
        return float(np.sqrt(abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d)))

    def window_transform(self, window, out_shape: tuple[int, int] | None = None) -> Affine:
        """Affine of ``window`` (a Window of this grid), rescaled when read at ``out_shape=(h, w)``."""
        from rasterio.windows import transform as win_transform

        t = win_transform(window, self.transform)
        if out_shape is not None:
            t = t @ Affine.scale(window.width / out_shape[1], window.height / out_shape[0])
        return t

    def aoi_mask(self, window=None, out_shape: tuple[int, int] | None = None) -> np.ndarray:
        """(h, w) bool for ``window`` (None: the whole grid)."""
        window = window or self.full_window()
        shape = out_shape or (int(window.height), int(window.width))
        return aoi_mask(self.aoi, self.window_transform(window, out_shape), shape)

    def full_window(self):
        from rasterio.windows import Window

        return Window(0, 0, self.width, self.height)

    def read(self, window=None, out_shape: tuple[int, int] | None = None,
             dates: list[int] | None = None) -> StackArrays:
        """Read ``window`` (None: the whole grid) at native resolution or resampled to ``out_shape``;
        ``dates``: 0-based indices of the dates to read (None: all), in that order."""
        window = window or self.full_window()
        shape = out_shape or (int(window.height), int(window.width))
        transform = self.window_transform(window, out_shape)
        down = out_shape is not None and out_shape[0] < window.height
        return self._read_grid(transform, shape, down, dates)

    def read_both_sizes(self, window, out_shape: tuple[int, int], dates: list[int] | None = None
                         ) -> tuple[StackArrays, StackArrays]:
        """``window`` read once at native resolution, and the same arrays resampled in memory to
        ``out_shape`` (area average of valid pixels when shrinking, as :meth:`read` warps them). Returns
        (resized, native)."""
        native = self.read(window, dates=dates)
        t = native.valid.shape[0]

        def sized(bands):
            if bands is None:
                return None, np.zeros((t,) + tuple(out_shape), bool)
            pairs = [resize_valued(bands[i], native.valid[i], out_shape) for i in range(t)]
            return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

        optical, valid_o = sized(native.optical)
        sar, valid_s = sized(native.sar)
        nir, _ = sized(native.nir)
        transform = self.window_transform(window, out_shape)
        aoi = aoi_mask(self.aoi, transform, out_shape)
        resized = StackArrays(optical, sar, valid_o | valid_s, aoi, transform, nir)
        return resized, native

    def _read_grid(self, transform: Affine, shape: tuple[int, int], downsample: bool,
                   dates: list[int] | None = None) -> StackArrays:
        h, w = shape
        chosen = [self.dates[i] for i in (range(self.n_dates) if dates is None else dates)]
        t = len(chosen)
        optical = np.zeros((t, 3, h, w), np.float32) if any(d.optical for d in chosen) else None
        sar = np.zeros((t, 2, h, w), np.float32) if any(d.sar for d in chosen) else None
        with_nir = optical is not None and all(d.optical.nir_band for d in chosen if d.optical is not None)
        nir = np.zeros((t, 1, h, w), np.float32) if with_nir else None
        valid = np.zeros((t, h, w), bool)
        for i, date in enumerate(chosen):
            if date.optical is not None:
                bands, ok = date.optical.read(self.crs, transform, shape, downsample)
                optical[i] = bands[:3]
                if nir is not None:
                    nir[i] = bands[3:4]
                valid[i] |= ok
            if date.sar is not None:
                sar[i], ok = date.sar.read(self.crs, transform, shape, downsample)
                valid[i] |= ok
        return StackArrays(optical, sar, valid, aoi_mask(self.aoi, transform, shape), transform, nir)

    def overview(self, size_px: int) -> tuple[StackArrays, Affine]:
        """The whole grid resampled so its longer side is ``size_px``, padded at the right/bottom with invalid
        pixels to ``(size_px, size_px)``. Returns the arrays and the overview's affine transform."""
        if size_px not in self._overview:
            scale = max(self.width, self.height) / size_px
            w = max(1, min(size_px, round(self.width / scale)))
            h = max(1, min(size_px, round(self.height / scale)))
            transform = self.transform @ Affine.scale(self.width / w, self.height / h)
            # strips of at most ~4 Mpx of the reference grid each: the warper holds one strip's source window,
            # so memory does not grow with the raster size
            rows = max(1, int(OVERVIEW_STRIP_PX / (self.width * (self.height / h))))
            parts = [self._read_grid(transform @ Affine.translation(0, r0), (min(rows, h - r0), w), scale > 1)
                     for r0 in range(0, h, rows)]
            full = _pad(_concat_rows(parts, transform), size_px)
            self._overview[size_px] = (full, transform)
        return self._overview[size_px]

    def check_usable(self, size_px: int = 256) -> None:
        """Raise :class:`InputError` when no pixel of the AOI holds data on any date."""
        arrays, _ = self.overview(size_px)
        if not arrays.aoi.any():
            raise InputError("the area of interest covers no whole pixel of the raster; draw a larger area")
        if not arrays.usable.any():
            raise InputError("all pixels inside the area of interest are nodata; pick another area or raster")


def _concat_rows(parts: list[StackArrays], transform: Affine) -> StackArrays:
    def cat(name):
        arrays = [getattr(p, name) for p in parts]
        return None if arrays[0] is None else np.concatenate(arrays, axis=-2)

    return StackArrays(cat("optical"), cat("sar"), cat("valid"), cat("aoi"), transform, cat("nir"))


def _pad(a: StackArrays, size: int) -> StackArrays:
    h, w = a.aoi.shape

    def pad(x):
        if x is None:
            return None
        out = np.zeros(x.shape[:-2] + (size, size), x.dtype)
        out[..., :h, :w] = x
        return out

    return StackArrays(pad(a.optical), pad(a.sar), pad(a.valid), pad(a.aoi), a.transform, pad(a.nir))


def _date_inputs(optical, sar, dates, optical_bands, sar_bands) -> list[DateInput]:
    if dates and (optical is not None or sar is not None):
        raise InputError("give either optical/sar (one date) or dates (a time series), not both")
    if dates:
        out = []
        for entry in dates:
            if isinstance(entry, dict):
                opt, s = entry.get("optical"), entry.get("sar")
                out.append(DateInput(opt and open_source(opt, OPTICAL, optical_bands),
                                     s and open_source(s, SAR, sar_bands)))
                continue
            src = open_source(entry, None)
            bands = optical_bands if src.kind == OPTICAL else sar_bands
            if bands:
                src = open_source(entry, src.kind, bands)
            out.append(DateInput(src, None) if src.kind == OPTICAL else DateInput(None, src))
        return out
    if optical is None and sar is None:
        raise InputError("no input raster: give an optical and/or a SAR raster (or a list of dates)")
    return [DateInput(optical is not None and open_source(optical, OPTICAL, optical_bands) or None,
                      sar is not None and open_source(sar, SAR, sar_bands) or None)]


def open_stack(optical=None, sar=None, dates=None, aoi=None, optical_bands=None, sar_bands=None,
               check_size: int = 256) -> InputStack:
    """Open and co-register the inputs.

    ``optical``/``sar``: paths of one date; ``dates``: list of paths (kind guessed per file) or of
    ``{"optical": path, "sar": path}`` dicts, the first being ``<t1>``. ``aoi``: see :func:`parse_aoi`.
    Band lists are 1-based. The overview at ``check_size`` px (kept for later use) is read to check that the
    AOI holds data. Raises :class:`InputError` for any unusable input.
    """
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    if dates is not None and not isinstance(dates, (list, tuple)):
        dates = [dates]
    date_inputs = _date_inputs(optical, sar, dates, optical_bands, sar_bands)
    if len(date_inputs) > 16:
        raise InputError(f"{len(date_inputs)} dates given; at most 16 are supported")
    sources = [s for d in date_inputs for s in (d.optical, d.sar) if s is not None]
    ref = next((d.optical for d in date_inputs if d.optical is not None), sources[0])
    full = Window(0, 0, ref.width, ref.height)
    area = parse_aoi(aoi)
    area_ref = area.to_crs(ref.crs) if area is not None else None
    window = full
    if area_ref is not None:
        try:
            win = from_bounds(*area_ref.geometry.bounds, transform=ref.transform)
            c0, r0 = np.floor(win.col_off + 1e-6), np.floor(win.row_off + 1e-6)
            c1, r1 = np.ceil(win.col_off + win.width - 1e-6), np.ceil(win.row_off + win.height - 1e-6)
            window = Window(c0, r0, c1 - c0, r1 - r0).intersection(full)
        except Exception:
            window = None
        if window is None or window.width < 1 or window.height < 1:
            raise InputError(f"the area of interest does not overlap {ref.name}")
    from rasterio.windows import transform as win_transform

    transform = win_transform(window, ref.transform)
    width, height = int(window.width), int(window.height)
    from rasterio.transform import array_bounds

    west, south, east, north = array_bounds(height, width, transform)
    for src in sources:
        if src is ref:
            continue
        b = transform_bounds(src.crs, ref.crs, *src.bounds, densify_pts=21)
        if b[0] >= east or b[2] <= west or b[1] >= north or b[3] <= south:
            where = "the area of interest" if area is not None else ref.name
            raise InputError(f"{src.name} does not overlap {where}")
    stack = InputStack(date_inputs, ref.crs, transform, width, height, area_ref)
    stack.check_usable(check_size)
    log.info("stack: %d date(s) on %s grid %dx%d (%s)", stack.n_dates, os.path.basename(ref.path), width,
             height, ref.crs.to_string())
    return stack
