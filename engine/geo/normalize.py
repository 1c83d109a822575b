"""Per-sensor normalisation: the one place where raw pixel values become model inputs in [0, 1].

Training (synthetic scenes written as Sentinel-like GeoTIFFs) and inference (real files) both pass
through these functions, so the model sees the same value ranges from both.
"""
from __future__ import annotations

import numpy as np

OPTICAL_REFLECTANCE_MAX = 0.3  # TOA/BOA reflectance mapped to 1.0 (bright land; clouds and snow clip)
SAR_DB_RANGE = (-30.0, 5.0)  # backscatter in dB mapped to 0..1


def optical_scale(dtype: np.dtype, values: np.ndarray | None = None) -> float:
    """Factor turning stored optical values into reflectance 0..1.

    uint8 -> /255 (already a display image: returned scale maps 255 to 1 reflectance-equivalent of 0.3);
    uint16/int16 -> Sentinel-2 convention reflectance x 10000; float -> reflectance if max <= 2, else x 10000.
    """
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return OPTICAL_REFLECTANCE_MAX / 255.0
    if np.issubdtype(dtype, np.integer):
        return 1e-4
    if values is not None and np.isfinite(values).any() and np.nanmax(values) > 2.0:
        return 1e-4
    return 1.0


def normalize_optical(values: np.ndarray, scale: float) -> np.ndarray:
    """values: (C, H, W) raw optical -> (C, H, W) float32 in [0, 1] (reflectance / 0.3, clipped)."""
    refl = values.astype(np.float32) * np.float32(scale)
    return np.clip(refl / OPTICAL_REFLECTANCE_MAX, 0.0, 1.0)


def sar_is_linear(values: np.ndarray) -> bool:
    """True when SAR values look like linear power (non-negative, median below 1) rather than dB."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return False
    return bool(finite.min() >= 0.0 and np.median(finite) < 1.0)


def sar_to_db(values: np.ndarray) -> np.ndarray:
    """Linear power -> dB, with a floor of 1e-6 (-60 dB) so zeros stay finite."""
    return 10.0 * np.log10(np.maximum(values.astype(np.float32), 1e-6))


def normalize_sar(values_db: np.ndarray) -> np.ndarray:
    """values_db: (C, H, W) backscatter in dB -> (C, H, W) float32 in [0, 1]; NaN -> 0."""
    lo, hi = SAR_DB_RANGE
    out = (values_db.astype(np.float32) - lo) / (hi - lo)
    return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)
