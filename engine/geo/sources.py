"""One input raster (optical or SAR) and how it is read onto any target grid.

Every read goes through a ``WarpedVRT`` onto the requested grid (the reference grid, a tile of it, or the
overview), so co-registration, resampling and nodata are handled in one place. Band numbers are 1-based
only here, at the rasterio boundary; arrays leave this module band-first ``(C, H, W)`` and normalised.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field

import numpy as np
from affine import Affine
from pyproj import CRS

from ..errors import InputError
from . import normalize

log = logging.getLogger(__name__)

OPTICAL, SAR = "optical", "sar"
GDAL_CACHE_MB = 64  # bounds the block cache so memory does not grow with the raster size


def gdal_env():
    """rasterio environment used for every read (bounded cache, quiet about missing .aux files)."""
    import rasterio

    return rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB, GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR",
                        CPL_LOG_ERRORS="OFF")


@dataclass
class RasterSource:
    """An opened input file. ``bands``: the 1-based bands read, in model order (R, G, B or VV, VH).

    ``scale``: optical stored value -> reflectance factor; ``linear``: SAR stored as linear power;
    ``nir_band``: 1-based near-infrared band of an optical file (0: none, :func:`default_nir_band`), read
    beside R, G, B: for the network when it has a NIR mix, and for class signatures, edge sharpening and the
    water index.
    """

    path: str
    kind: str
    bands: list[int]
    crs: CRS
    transform: Affine
    width: int
    height: int
    dtype: str
    nodata: float | None
    scale: float = 1.0
    linear: bool = False
    descriptions: tuple = field(default_factory=tuple)
    alpha_band: int = 0  # 1-based alpha band of the file (0: none); its zeros are nodata
    nir_band: int = 0

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        from rasterio.transform import array_bounds

        return array_bounds(self.height, self.width, self.transform)  # (west, south, east, north)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def read(self, crs: CRS, transform: Affine, shape: tuple[int, int], downsample: bool = False
             ) -> tuple[np.ndarray, np.ndarray]:
        """Warp onto the grid (crs, transform, shape=(h, w)).

        Returns ``values (C, h, w) float32 in [0, 1]`` (C = 3 optical, 4 with ``nir_band``, NIR last; 2 SAR)
        and ``valid (h, w) bool`` (of the model bands: a NIR gap alone does not make a pixel nodata).
        ``downsample`` averages source pixels (overviews); otherwise bilinear.
        """
        import rasterio
        from rasterio.enums import Resampling
        from rasterio.vrt import WarpedVRT

        h, w = shape
        resampling = Resampling.average if downsample else Resampling.bilinear
        try:
            with gdal_env(), rasterio.open(self.path) as src:
                with WarpedVRT(src, crs=crs, transform=transform, width=w, height=h, resampling=resampling,
                               src_alpha=self.alpha_band, add_alpha=not self.alpha_band) as vrt:
                    extra = [self.nir_band] if self.nir_band else []
                    raw = vrt.read(self.bands + extra + [vrt.count])
        except rasterio.errors.RasterioError as err:
            raise InputError(f"cannot read {self.name}: {_first_line(err)} (file corrupt?)")
        data, alpha = raw[:-1], raw[-1]
        model = data[:len(self.bands)]
        valid = alpha > 0
        if self.nodata is not None and not np.isnan(self.nodata):
            valid &= ~(model == np.asarray(self.nodata, dtype=data.dtype)).any(axis=0)
        if np.issubdtype(data.dtype, np.floating):
            valid &= np.isfinite(model).all(axis=0)
        return self._normalise(data, valid), valid

    def _normalise(self, data: np.ndarray, valid: np.ndarray) -> np.ndarray:
        if self.kind == OPTICAL:
            out = normalize.normalize_optical(np.nan_to_num(data), self.scale)
        else:
            db = normalize.sar_to_db(data) if self.linear else data.astype(np.float32)
            out = normalize.normalize_sar(db)
            if out.shape[0] == 1:  # single-polarisation SAR fills both channels
                out = np.concatenate([out, out], axis=0)
        out[:, ~valid] = 0.0
        return out


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def open_source(path, kind: str | None = None, bands: list[int] | None = None) -> RasterSource:
    """Open and validate ``path``. ``kind``: "optical", "sar" or None (guess: 1-2 bands or VV/VH -> SAR).

    ``bands``: 1-based band list (3 for optical, 1-2 for SAR); None -> defaults (see :func:`default_bands`).
    Raises :class:`InputError` for a missing, non-raster or corrupt file, no CRS, or too few bands.
    """
    import rasterio

    path = os.fspath(path)
    name = os.path.basename(path)
    if not os.path.exists(path):
        raise InputError(f"file not found: {path}")
    if os.path.isdir(path):
        raise InputError(f"{path} is a folder, not a raster file")
    try:
        with gdal_env(), rasterio.open(path) as src:
            if src.count == 0 or src.width == 0 or src.height == 0:
                raise InputError(f"{name} is not a raster (no bands)")
            if src.crs is None:
                raise InputError(f"{name} has no CRS: assign one (e.g. gdal_edit.py -a_srs EPSG:xxxx) "
                                 "and retry")
            if src.transform == Affine.identity() and not src.gcps[0]:
                raise InputError(f"{name} has no georeferencing (identity transform)")
            descriptions = tuple(d or "" for d in src.descriptions)
            kind = kind or guess_kind(src.count, descriptions)
            chosen = list(bands) if bands else default_bands(kind, src.count, descriptions)
            _check_bands(name, kind, chosen, src.count, explicit=bool(bands))
            source = RasterSource(path=path, kind=kind, bands=chosen, crs=CRS.from_user_input(src.crs),
                                  transform=src.transform, width=src.width, height=src.height,
                                  dtype=src.dtypes[0], nodata=src.nodata, descriptions=descriptions,
                                  alpha_band=_alpha_band(src),
                                  nir_band=default_nir_band(src.count, descriptions, chosen)
                                  if kind == OPTICAL else 0)
            sample = _sample(src, chosen)
    except rasterio.errors.RasterioIOError as err:
        raise InputError(f"{name} is not a readable raster: {_first_line(err)}")
    except rasterio.errors.RasterioError as err:
        raise InputError(f"{name} cannot be read (corrupt file?): {_first_line(err)}")
    if kind == OPTICAL:
        source.scale = normalize.optical_scale(np.dtype(source.dtype), sample)
        log.info("%s: optical bands %s, %s, reflectance scale %g", name, chosen, source.dtype, source.scale)
    else:
        source.linear = normalize.sar_is_linear(sample)
        log.info("%s: SAR bands %s, values read as %s", name, chosen,
                 "linear power" if source.linear else "dB")
    return source


def _alpha_band(src) -> int:
    from rasterio.enums import ColorInterp

    return next((i + 1 for i, c in enumerate(src.colorinterp) if c == ColorInterp.alpha), 0)


def guess_kind(count: int, descriptions: tuple = ()) -> str:
    names = " ".join(descriptions).upper()
    if count <= 2 or re.search(r"\b(VV|VH|HH|HV)\b", names):
        return SAR
    return OPTICAL


def default_bands(kind: str, count: int, descriptions: tuple = ()) -> list[int]:
    """1-based default bands. Optical: Sentinel-2 (12-13 bands or descriptions naming B2/B3/B4) -> B4, B3, B2;
    otherwise 1, 2, 3 (R, G, B). SAR: bands described VV/VH, else 1, 2 (or 1 when single-band)."""
    names = _band_names(descriptions)
    if kind == SAR:
        found = [_find(names, p) for p in ("VV", "VH")]
        if all(found):
            return found
        return [1, 2] if count >= 2 else [1]
    found = [_find(names, b) for b in ("B4", "B3", "B2")]
    if all(found):
        return found
    if count in (12, 13):
        return [4, 3, 2]
    return [1, 2, 3]


def default_nir_band(count: int, descriptions: tuple = (), chosen: tuple = ()) -> int:
    """1-based near-infrared band of an optical file, 0 when it has none that can be told: a band described
    B8 (or "NIR"), else Sentinel-2's band 8 of a 12-13-band file; never one of the ``chosen`` model bands."""
    names = _band_names(descriptions)
    found = _find(names, "B8") or _find(names, "NIR")
    if not found and count in (12, 13):
        found = 8
    return found if found and found not in chosen else 0


def _band_names(descriptions: tuple) -> list[str]:
    """Band descriptions upper-cased, runs of blanks made one ("B4  red" -> "B4 RED"; words stay apart)."""
    return [" ".join(d.upper().split()) for d in descriptions]


def _find(names: list[str], key: str) -> int | None:
    pat = re.compile(rf"(^|[^A-Z0-9]){key.replace('B', 'B0?')}($|[^0-9A-Z])")
    for i, n in enumerate(names):
        if n == key or pat.search(n):
            return i + 1
    return None


def _check_bands(name: str, kind: str, bands: list[int], count: int, explicit: bool) -> None:
    if kind == OPTICAL and len(bands) != 3:
        raise InputError(f"optical band list for {name} must name 3 bands (R,G,B), got {len(bands)}")
    if kind == SAR and len(bands) not in (1, 2):
        raise InputError(f"SAR band list for {name} must name 1 or 2 bands (VV[,VH]), got {len(bands)}")
    bad = [b for b in bands if not 1 <= b <= count]
    if bad:
        how = "the band list" if explicit else "the default bands"
        raise InputError(f"{name} has {count} band(s) but {how} asks for band {bad[0]}; "
                         f"give bands between 1 and {count} (--{kind}-bands)")


def _sample(src, bands: list[int], size: int = 256) -> np.ndarray:
    """Valid values of ``bands`` in five ``size``-px windows (centre and quadrant centres), used to detect
    value conventions; windows instead of a decimated read keep this fast on large compressed files."""
    from rasterio.windows import Window

    out = []
    w, h = min(size, src.width), min(size, src.height)
    for fx, fy in ((0.5, 0.5), (0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        col = int(min(max(fx * src.width - w / 2, 0), src.width - w))
        row = int(min(max(fy * src.height - h / 2, 0), src.height - h))
        data = src.read(bands, window=Window(col, row, w, h), masked=True)
        out.append(data.compressed() if np.ma.isMaskedArray(data) else data.ravel())
    return np.concatenate(out)
