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
