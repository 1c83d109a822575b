"""Run-length encoding of boolean masks, for questions.jsonl.

``{"size": [H, W], "counts": [n0, n1, n2, ...]}``: alternating run lengths over the row-major
(C-order) flattened mask, starting with a run of False (0 when the mask starts with True).
"""
from __future__ import annotations

import numpy as np


def rle_encode(mask: np.ndarray) -> dict:
    """mask: (H, W) bool -> {"size": [H, W], "counts": [int, ...]}."""
    mask = np.asarray(mask, bool)
    if mask.ndim != 2:
        raise ValueError(f"rle_encode needs a 2-D mask, got shape {mask.shape}")
    flat = mask.ravel()
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": [int(c) for c in counts]}


def rle_decode(rle: dict) -> np.ndarray:
    """{"size": [H, W], "counts": [...]} -> (H, W) bool."""
    h, w = (int(v) for v in rle["size"])
    counts = np.asarray(rle["counts"], np.int64)
    if counts.sum() != h * w:
        raise ValueError(f"RLE counts sum to {int(counts.sum())}, expected {h * w} for size {h}x{w}")
    values = np.zeros(counts.size, bool)
    values[1::2] = True
    return np.repeat(values, counts).reshape(h, w)
