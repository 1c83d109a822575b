"""Landing sites for a small plane: open bare ground long and large enough for a landing run.

"Where could a small plane land?" asks for bare soil, but not all of it: a patch is a landing site only when a
small plane can roll out on it, at least :data:`LANDING_MIN_LENGTH_M` long along its longer side and at least
:data:`LANDING_MIN_AREA_M2` large. Which bare patches pass is geometry the engine measures on the grid, not
appearance the mask decoder reads, so a step that names landing sites keeps the patches of its bare-soil mask
that pass (on the model's grid; native tiles keep their mask near those patches). The same rule defines the
target of the question where traces are synthesised (:mod:`engine.data.grounding`).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

LANDING_MIN_LENGTH_M = 250.0  # a short-field take-off and landing run of a light single-engine plane
LANDING_MIN_AREA_M2 = 15_000.0  # 1.5 ha: a 250 m run 60 m wide, room to line up and turn
_EIGHT = np.ones((3, 3), bool)


def landing_patches(mask: np.ndarray, pixel_m: float) -> np.ndarray:
    """(H, W) bool: the 8-connected patches of ``mask`` (H, W) bool whose longer bounding-box side is at least
    :data:`LANDING_MIN_LENGTH_M` and whose area is at least :data:`LANDING_MIN_AREA_M2`, for square pixels of
    ``pixel_m`` metres; all False when none passes."""
    mask = np.asarray(mask, bool)
    if pixel_m <= 0:
        raise ValueError(f"pixel size must be positive metres, got {pixel_m}")
    out = np.zeros(mask.shape, bool)
    if not mask.any():
        return out
    labels, _ = ndimage.label(mask, structure=_EIGHT)
    for i, box in enumerate(ndimage.find_objects(labels), start=1):
        patch = labels[box] == i
        length_m = max(patch.shape) * pixel_m
        if length_m >= LANDING_MIN_LENGTH_M and patch.sum() * pixel_m ** 2 >= LANDING_MIN_AREA_M2:
            out[box] |= patch
    return out
