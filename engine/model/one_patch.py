"""Steps that name one patch ("largest water body", "largest cropland patch") keep one connected region.

A step's phrase can name a single connected region rather than a class; the mask decoder tends to light up
every patch of the class, so the measurements (area, and above all distances to other steps) would be those
of the class. Such a step's mask is cut to its largest 8-connected component, the way the phrase is
defined in the training traces (``engine.data.context.LabelContext.patch_phrase``)."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

_EIGHT = np.ones((3, 3), bool)


def names_one_patch(label: str) -> bool:
    """True when a step's phrase names a single connected region ("largest ...")."""
    words = label.lower().split()
    return bool(words) and (words[0] == "largest" or words[:2] == ["the", "largest"])


def largest_patch(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> (H, W) bool: the largest 8-connected component (the input when it has none)."""
    lab, n = ndimage.label(mask, structure=_EIGHT)
    if n <= 1:
        return mask.copy()
    counts = np.bincount(lab.ravel())
    counts[0] = 0
    return lab == int(np.argmax(counts))


def keep_largest_patch(prob, threshold: float):
    """(S, S) torch probabilities -> the same, zero outside the largest component of ``prob > threshold``."""
    keep = largest_patch((prob > threshold).cpu().numpy())
    return prob * prob.new_tensor(keep.astype(np.float32))


def patch_region(mask: np.ndarray, margin_px: int = 2) -> np.ndarray:
    """(H, W) float32, 1 on ``mask`` grown by ``margin_px`` pixels, 0 elsewhere: where a re-decoded
    (finer) mask of a one-patch step may lie."""
    if not mask.any():
        return np.zeros(mask.shape, np.float32)
    grown = ndimage.binary_dilation(mask, structure=_EIGHT, iterations=margin_px) if margin_px else mask
    return grown.astype(np.float32)
