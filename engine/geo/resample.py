"""Resampling of masks and probabilities between grids of the same extent (pixel-centre aligned)."""
from __future__ import annotations

import numpy as np


def resize_prob(prob: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(h0, w0) float -> (h, w) float32, bilinear (pixel-centre aligned)."""
    from PIL import Image

    prob = np.asarray(prob, dtype=np.float32)
    if prob.shape == tuple(shape):
        return prob
    return np.asarray(Image.fromarray(prob, mode="F").resize((shape[1], shape[0]), Image.BILINEAR))


def resize_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(h0, w0) bool -> (h, w) bool, nearest neighbour."""
    mask = np.asarray(mask, bool)
    if mask.shape == tuple(shape):
        return mask
    rows = np.minimum((np.arange(shape[0]) + 0.5) * mask.shape[0] / shape[0], mask.shape[0] - 1).astype(int)
    cols = np.minimum((np.arange(shape[1]) + 0.5) * mask.shape[1] / shape[1], mask.shape[1] - 1).astype(int)
    return mask[rows][:, cols]


def resize_valued(values: np.ndarray, valid: np.ndarray, shape: tuple[int, int]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Bands ``values (C, h0, w0)`` float with their ``valid (h0, w0)`` bool pixels -> ``(C, h, w)`` float32
    and ``(h, w)`` bool, as a warp of the same extent would give them: area average of the valid pixels when
    shrinking, bilinear when growing; an output pixel is valid when any valid pixel contributes to it, and
    invalid ones are 0."""
    from PIL import Image

    if values.shape[-2:] == tuple(shape):
        return values.astype(np.float32, copy=False), np.asarray(valid, bool)
    h0 = values.shape[-2]
    method = Image.BOX if shape[0] < h0 else Image.BILINEAR

    def resize(plane: np.ndarray) -> np.ndarray:
        image = Image.fromarray(plane.astype(np.float32), mode="F")
        return np.asarray(image.resize((shape[1], shape[0]), method))

    weight = resize(np.asarray(valid, np.float32))
    out_valid = weight > 1e-6
    out = np.zeros((values.shape[0],) + tuple(shape), np.float32)
    for c in range(values.shape[0]):
        out[c] = np.where(out_valid, resize(values[c] * valid) / np.maximum(weight, 1e-6), 0.0)
    return out, out_valid


def sample_nearest(values: np.ndarray, values_transform, transform, shape: tuple[int, int]) -> np.ndarray:
    """``values (H, W)`` on the grid of ``values_transform`` sampled (nearest, clamped at the edges) at the
    pixel centres of an ``(h, w)`` grid of ``transform`` in the same CRS. -> (h, w) of the values' dtype."""
    h, w = shape
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    c, r = ~values_transform @ (transform @ (cols, rows))
    rows_in = np.clip(np.floor(r).astype(int), 0, values.shape[0] - 1)
    cols_in = np.clip(np.floor(c).astype(int), 0, values.shape[1] - 1)
    return values[rows_in, cols_in]
