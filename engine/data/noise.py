"""Smooth random fields for layouts and textures (numpy + scipy.ndimage, fast at 256-1024 px)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage


@lru_cache(maxsize=64)
def _interp_matrix(n_out: int, n_in: int, step: float) -> np.ndarray:
    """(n_out, n_in) float32 linear interpolation from a coarse axis (spacing ``step`` output pixels)."""
    pos = np.arange(n_out, dtype=np.float64) / step + 1.0  # coarse coordinates, one cell of margin
    i0 = np.clip(np.floor(pos).astype(int), 0, n_in - 2)
    frac = pos - i0
    m = np.zeros((n_out, n_in), np.float32)
    m[np.arange(n_out), i0] = 1 - frac
    m[np.arange(n_out), i0 + 1] = frac
    return m


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> np.ndarray:
    """(H, W) float32 noise with features of about ``scale_px`` pixels, zero mean, unit std.

    Drawn on a coarse grid, blurred, then upsampled bilinearly by two small matrix products, so the
    cost barely grows with the image size or the feature size."""
    h, w = shape
    step = max(1.0, scale_px / 4.0)
    if step == 1.0:  # the coarse grid would be the full grid: blur at full resolution directly
        field = ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32), 1.0, mode="wrap")
        field -= field.mean()
        return field / (field.std() + 1e-6)
    gh, gw = int(np.ceil(h / step)) + 3, int(np.ceil(w / step)) + 3
    coarse = ndimage.gaussian_filter(rng.standard_normal((gh, gw), dtype=np.float32), 1.0, mode="wrap")
    field = _interp_matrix(h, gh, step) @ coarse @ _interp_matrix(w, gw, step).T
    field -= field.mean()
    return field / (field.std() + 1e-6)


def fractal_noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: float, octaves: int = 3,
                  persistence: float = 0.5) -> np.ndarray:
    """(H, W) float32 sum of ``octaves`` smooth noises halving in scale; zero mean, unit std."""
    out = np.zeros(shape, np.float32)
    amp, scale = 1.0, scale_px
    for _ in range(octaves):
        out += amp * smooth_noise(rng, shape, max(scale, 1.0))
        amp *= persistence
        scale /= 2.0
    out -= out.mean()
    return out / (out.std() + 1e-6)
