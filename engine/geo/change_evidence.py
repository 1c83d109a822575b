"""Whether the pixels a change step marks really changed between the dates.

A step that names a change ("destroyed buildings", "newly flooded land", "cleared forest") on a later date
must mark pixels whose bands differ from the first date more than the rest of the scene does. A small model
often marks the class itself (all buildings) when asked for its change, and does so just as readily when
nothing changed. The contrast below measures the evidence in the images: the mean absolute difference
between the dates inside the mask against its median outside, per modality judged, averaged. About
1 means the marked pixels changed no more than the background; a real change gives several times that.

Which modality judges (:func:`judged_modalities`): the SAR when both dates have it, else the optical bands.
Clouds, their shadows, haze and the sun's angle move optical reflectance between dates where the ground did not
change, and a class missed under a cloud on the later date reads as lost there with a high optical contrast;
radar backscatter sees through them and changes where the surface does (water, clearing, new or fallen walls).
When the optical bands judge, they do so with the near-infrared band where there is one (water, vegetation
and bare ground differ most there), and without the pixels a cloud hides on either date (:func:`cloud_hidden`).

The same evidence also places a change pixel by pixel (:func:`most_changed`). The difference of two dates' class
masks ("new buildings": the later date's buildings that were not buildings on the first) carries every pixel either
mask got wrong, so it has about the right size in the wrong places; walls that rise or fall move the radar
backscatter where they stand (double bounce), so of a date's buildings those whose backscatter moved most are
where the change is.
"""
from __future__ import annotations

from typing import TypeVar

import numpy as np

from .guided import box_mean
from .patches import without_small_patches

Modality = TypeVar("Modality")  # a modality's images in any form: a (before, after) pair, a date stack, ...


def judged_modalities(optical: Modality | None, sar: Modality | None) -> list[Modality]:
    """The modalities a change is judged on, each given only when both dates have it: ``sar`` when given, else
    ``optical`` when given, else none."""
    return [sar] if sar is not None else [optical] if optical is not None else []


# Normalised reflectance (reflectance / 0.3) every visible band of a cloud's top exceeds; land rarely reaches it
# in the blue band.
CLOUD_BRIGHTNESS = 0.8
# Pixels of the smallest bright blob taken for a cloud (on the model's 224-pixel grid: about 1.7 ha over a 5 km area):
# bright roofs and new construction are smaller, and they are the change a step may be looking for.
CLOUD_MIN_PIXELS = 32


def cloud_hidden(before_rgb: np.ndarray, after_rgb: np.ndarray, min_pixels: int = CLOUD_MIN_PIXELS) -> np.ndarray:
    """(H, W) bool: pixels a cloud hides on either date, bright in every visible band, in 8-connected blobs of at
    least ``min_pixels``. ``before_rgb`` / ``after_rgb``: (3, H, W) float, R G B as reflectance / 0.3."""
    bright = (np.asarray(before_rgb).min(0) > CLOUD_BRIGHTNESS) | (np.asarray(after_rgb).min(0) > CLOUD_BRIGHTNESS)
    return without_small_patches(bright, min_pixels)


def change_contrast(before: list[np.ndarray], after: list[np.ndarray], mask: np.ndarray,
                    valid: np.ndarray, hidden: np.ndarray | None = None) -> float | None:
    """``before`` / ``after``: the same modalities of the two dates, each (C, H, W) float in [0, 1]
    (optical reflectance / 0.3, SAR dB scaled); ``mask``: (H, W) bool, the step's region; ``valid``: (H, W)
    bool, pixels with data on both dates; ``hidden``: (H, W) bool or None, pixels whose ground the dates do
    not show (:func:`cloud_hidden`), left out of both sides. -> mean over modalities of (mean |after - before|
    inside the mask) / (median outside), the difference smoothed over 3 x 3 pixels against speckle; 0 when
    every pixel of the mask is hidden (no change is seen); None when there is no modality, nothing inside or
    nothing outside to compare."""
    mask, valid = np.asarray(mask, bool), np.asarray(valid, bool)
    inside, outside = mask & valid, ~mask & valid
    if not inside.any() or not outside.any():
        return None
    if hidden is not None:
        seen = ~np.asarray(hidden, bool)
        inside, outside = inside & seen, outside & seen
        if not outside.any():
            return None
        if not inside.any():
            return 0.0 if before else None
    ratios = []
    for b, a in zip(before, after):
        diff = date_difference(b, a)
        ratios.append(float(diff[inside].mean()) / max(float(np.median(diff[outside])), 1e-6))
    return float(np.mean(ratios)) if ratios else None


def date_difference(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """(H, W) float64: the mean over bands of |after - before|, smoothed over 3 x 3 pixels against speckle;
    ``before`` / ``after``: (C, H, W) float, one modality of the two dates."""
    return box_mean(np.abs(np.asarray(after, np.float64) - np.asarray(before, np.float64)).mean(0), 1)


def most_changed(before: np.ndarray, after: np.ndarray, candidates: np.ndarray, count: int) -> np.ndarray:
    """(H, W) bool: the ``count`` pixels of ``candidates`` (H, W) bool whose :func:`date_difference` of ``before`` /
    ``after`` ((C, H, W) float, one modality of the two dates) is largest (all of them when there are fewer)."""
    candidates = np.asarray(candidates, bool)
    if count <= 0 or not candidates.any():
        return np.zeros_like(candidates)
    diff = np.where(candidates, date_difference(before, after), -np.inf).ravel()
    top = np.argsort(-diff, kind="stable")[:count]
    out = np.zeros(diff.shape, bool)
    out[top] = True
    return out.reshape(candidates.shape) & candidates
