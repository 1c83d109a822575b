"""A change named by its classes ("destroyed buildings", "new buildings", "cleared forest", "flooded cropland"), as
the difference of the classes' masks on two dates: post-classification change detection, as an analyst does it
with two land-cover maps.

The mask decoder, asked for "destroyed buildings", often marks the buildings themselves or a fraction of what
changed, while it grounds the classes themselves well on each date; which of a class's pixels are gone, new or
flooded is then set arithmetic the engine knows. Two masks' edges never agree exactly, so the difference is
speckled along every boundary: patches smaller than :data:`MIN_CHANGE_PX` are dropped (a minimum mapping unit).
"""
from __future__ import annotations

import numpy as np

from ..trace_format import FLOODED, GAINED, LOST
from .patches import without_small_patches

MIN_CHANGE_PX = 4  # model-grid pixels: smaller patches of a difference are the two masks' disagreeing edges


def class_change(before: np.ndarray, after: np.ndarray, how: str, min_px: int = MIN_CHANGE_PX) -> np.ndarray:
    """(H, W) bool: the pixels that changed. ``before``: (H, W) bool mask of the first date's class; ``after``: of
    the later date's class (water for ``flooded``), in the same grid. ``how``: ``lost`` (before and not after),
    ``gained`` (after and not before) or ``flooded`` (before and after). 8-connected patches of fewer than
    ``min_px`` pixels are dropped."""
    before, after = np.asarray(before, bool), np.asarray(after, bool)
    if how == LOST:
        changed = before & ~after
    elif how == GAINED:
        changed = after & ~before
    elif how == FLOODED:
        changed = before & after
    else:
        raise ValueError(f"unknown change {how!r}: one of {LOST}, {GAINED}, {FLOODED}")
    return without_small_patches(changed, min_px)
