"""Smooth random fields for layouts and textures (numpy + scipy.ndimage, fast at 256-1024 px)."""
from __future__ import annotations

import numpy as np
from scipy import ndimage


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> np.ndarray:
    """(H, W) float32 noise with features of about ``scale_px`` pixels, zero mean, unit std.

    Drawn on a coarse grid and zoomed up, so the cost does not grow with the feature size.
    """
    h, w = shape
    step = max(1.0, scale_px / 4.0)
    gh, gw = int(np.ceil(h / step)) + 3, int(np.ceil(w / step)) + 3
    coarse = ndimage.gaussian_filter(rng.standard_normal((gh, gw)).astype(np.float32), 1.0, mode="wrap")
    field = ndimage.zoom(coarse, (h + 2 * step) / gh, order=1)
    oy, ox = int(step), int(step)
    field = field[oy:oy + h, ox:ox + w]
    if field.shape != (h, w):  # zoom rounding: pad by edge values
        field = np.pad(field, ((0, max(0, h - field.shape[0])), (0, max(0, w - field.shape[1]))), mode="edge")
        field = field[:h, :w]
    field = field - field.mean()
    return (field / (field.std() + 1e-6)).astype(np.float32)


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
