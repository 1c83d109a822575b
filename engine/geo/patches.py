"""Patches of a region. One patch: a step whose phrase names a single patch ("the largest forest patch", "the
largest water body") keeps one connected patch of its mask.

The mask decoder marks the class wherever it is and reads little of "largest", while which marked patch is
the largest is geometry the engine knows. Fragments with a gap of at most ``2 * merge_px`` pixels count as
one patch, since a decoder's mask of one true patch is often broken by a narrow gap. The cut runs on the
model's grid inside the trace (measurements and injected tokens follow it); on native tiles the mask is kept
within the model's patch, grown by a margin (:func:`grown`). Patches next to a region ("cropland next to
the water"): the patches of a class that come within a few pixels of the region (:func:`patches_near`). The patch
nearest a region ("the nearest building" to the river): :func:`nearest_patch`. A minimum mapping unit drops the patches
under a size (:func:`without_small_patches`).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

MERGE_PX = 1  # each fragment grows this many pixels before patches are told apart
NEXT_TO_PX = 2  # a patch within this many pixels of a region lies next to it (its boundary is that unsure)
NATIVE_MARGIN_PX = 2  # model-grid pixels the native mask may reach beyond the kept patch (sharper edges)
_EIGHT = np.ones((3, 3), bool)


def grown(mask: np.ndarray, px: int) -> np.ndarray:
    """(H, W) bool ``mask`` grown by ``px`` pixels (8-connected steps); as it is for px <= 0."""
    mask = np.asarray(mask, bool)
    return ndimage.binary_dilation(mask, structure=_EIGHT, iterations=px) if px > 0 and mask.any() else mask


def largest_patch(mask: np.ndarray, merge_px: int = MERGE_PX) -> np.ndarray:
    """(H, W) bool: the region of the patch of ``mask`` (H, W) bool that holds the most mask pixels, fragments
    with a gap of at most ``2 * merge_px`` pixels joined (8-connected). ``mask & region`` is the patch; all
    False when the mask is empty. Ties go to the patch met first in row order."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        return np.zeros_like(mask)
    labels, n = ndimage.label(grown(mask, merge_px), structure=_EIGHT)
    sizes = ndimage.sum(mask, labels, np.arange(1, n + 1))
    return labels == 1 + int(np.argmax(sizes))


def without_small_patches(mask: np.ndarray, min_px: int) -> np.ndarray:
    """(H, W) bool: ``mask`` (H, W) bool without its 8-connected patches of fewer than ``min_px`` pixels (a minimum
    mapping unit); as it is for min_px <= 1."""
    mask = np.asarray(mask, bool)
    if min_px <= 1 or not mask.any():
        return mask
    labels, _ = ndimage.label(mask, structure=_EIGHT)
    big = np.bincount(labels.ravel()) >= min_px
    big[0] = False
    return big[labels]


def patches_near(mask: np.ndarray, reference: np.ndarray, px: int = NEXT_TO_PX) -> np.ndarray:
    """(H, W) bool: the 8-connected patches of ``mask`` (H, W) bool that come within ``px`` pixels of
    ``reference`` (H, W) bool, whole (a field next to the river is all of the field); all False when none does."""
    mask = np.asarray(mask, bool)
    near = grown(np.asarray(reference, bool), px)
    if not (mask & near).any():
        return np.zeros_like(mask)
    labels, _ = ndimage.label(mask, structure=_EIGHT)
    touching = np.unique(labels[mask & near])
    return np.isin(labels, touching[touching > 0])


def nearest_patch(mask: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(H, W) bool: the 8-connected patch of ``mask`` (H, W) bool that comes nearest ``reference`` (H, W) bool
    (Euclidean pixel distance; ties go to the larger patch), whole; ``mask`` as it is when ``reference`` is empty,
    all False when ``mask`` is."""
    mask, reference = np.asarray(mask, bool), np.asarray(reference, bool)
    if not mask.any() or not reference.any():
        return mask
    labels, n = ndimage.label(mask, structure=_EIGHT)
    gap = ndimage.distance_transform_edt(~reference)
    nearest = ndimage.minimum(gap, labels, np.arange(1, n + 1))
    sizes = np.bincount(labels.ravel())[1:]
    best = min(range(n), key=lambda i: (nearest[i], -sizes[i]))
    return labels == best + 1
