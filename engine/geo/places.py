"""Places a step's phrase names that are geometry, not appearance: "forest in the northern half".

A half of the area of interest is known exactly from the grid, while the mask decoder mostly marks the region
(the forest) wherever it is and reads little of the qualifier. So a kept mask of such a step is clipped to its
half: on the model's grid inside the trace (measurements and injected tokens follow it) and on every
native-resolution tile. A pixel belongs to a half when its centre does; on an odd number of rows (columns) the
middle one goes to the southern (eastern) half, as in trace synthesis (``engine.data.grounding``).
"""
from __future__ import annotations

import numpy as np

# side -> (axis: 0 rows, 1 columns; True when the half is the far one: south of, east of the middle)
HALF_SIDES: dict[str, tuple[int, bool]] = {"northern": (0, False), "southern": (0, True),
                                           "western": (1, False), "eastern": (1, True)}


def half_mask(side: str, shape: tuple[int, int], extent: tuple[int, int, int, int] | None = None,
              offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """(h, w) bool: the pixels of an (h, w) window whose centres lie in the ``side`` half of ``extent``.

    ``extent``: (row0, row1, col0, col1) of the area, in pixels of the grid the window is cut from (rows
    row0..row1-1; None: the window itself); ``offset``: (row, column) of the window's first pixel in that
    grid. ``side``: a key of :data:`HALF_SIDES`."""
    if side not in HALF_SIDES:
        raise ValueError(f"unknown half {side!r}; expected one of {', '.join(HALF_SIDES)}")
    h, w = shape
    row0, row1, col0, col1 = extent if extent is not None else (offset[0], offset[0] + h, offset[1], offset[1] + w)
    axis, far = HALF_SIDES[side]
    n = h if axis == 0 else w
    centres = np.arange(n) + offset[axis] + 0.5
    middle = ((row0 + row1) if axis == 0 else (col0 + col1)) / 2
    inside = centres >= middle if far else centres < middle
    return np.broadcast_to(inside[:, None] if axis == 0 else inside[None, :], (h, w)).copy()


def extent_of(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(row0, row1, col0, col1) bounding the True pixels of an (H, W) mask (rows row0..row1-1), None if none."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
