"""The length of a region along its centre line: how long a river or a road network is.

The mask is thinned to a one-pixel skeleton (Zhang and Suen's parallel thinning, 1984) and the skeleton's links are
summed: a link to a row or column neighbour and a link to a diagonal neighbour (where no row or column neighbour
joins the two already) each weighted so that a chain of them is as long as the straight line it follows, on average
over directions. The outline's half perimeter would count every
stair-step of a thin diagonal road; the skeleton follows its centre.
"""
from __future__ import annotations

import numpy as np
from affine import Affine

# Lengths of a row or column link and of a diagonal link, in pixel sides, that make a chain of links as long as the
# line it follows on average over the line's directions (Kulpa, 1977); 1 and sqrt(2) overstate a slanted line by up
# to 8 %.
_ROW_OR_COLUMN_LINK, _DIAGONAL_LINK = 0.948, 1.343
SPUR_REACH = 1.5  # a branch from a free end no longer than this many half widths of its junction is a spur
# neighbour offsets (row, col) in the order p2 .. p9 of the thinning: N, NE, E, SE, S, SW, W, NW
_RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _neighbours(padded: np.ndarray) -> list[np.ndarray]:
    """The eight neighbours p2 .. p9 of every inner pixel of ``padded`` (H + 2, W + 2) -> 8 arrays (H, W)."""
    h, w = padded.shape[0] - 2, padded.shape[1] - 2
    return [padded[1 + dr:1 + dr + h, 1 + dc:1 + dc + w] for dr, dc in _RING]


def thin(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool: the one-pixel-wide, 8-connected skeleton of ``mask`` (H, W) bool; each connected patch keeps a
    connected skeleton, and a patch a pixel or two across keeps at least one pixel."""
    m = np.pad(np.asarray(mask, bool), 1).astype(np.uint8)
    while True:
        changed = False
        for first in (True, False):
            p = _neighbours(m)
            inner = m[1:-1, 1:-1]
            count = sum(p)
            ring = p + p[:1]
            transitions = sum(((ring[k] == 0) & (ring[k + 1] == 1)).astype(np.uint8) for k in range(8))
            p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
            if first:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (inner == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                inner[remove] = 0
                changed = True
        if not changed:
            return m[1:-1, 1:-1].astype(bool)


def skeleton_length_px(skeleton: np.ndarray, row_m: float = 1.0, col_m: float = 1.0) -> float:
    """Length of a skeleton (H, W) bool in metres for pixels of ``row_m`` by ``col_m`` (in pixel sides by default):
    its row and column links, and its diagonal links where no row or column neighbour joins the two pixels."""
    s = np.pad(np.asarray(skeleton, bool), 1)
    c = s[1:-1, 1:-1]
    right, down = s[1:-1, 2:], s[2:, 1:-1]
    down_right, down_left = s[2:, 2:], s[2:, :-2]
    left = s[1:-1, :-2]
    length = (float((c & right).sum()) * col_m + float((c & down).sum()) * row_m) * _ROW_OR_COLUMN_LINK
    diagonal = float(np.hypot(row_m, col_m)) / np.sqrt(2.0) * _DIAGONAL_LINK
    length += float((c & down_right & ~right & ~down).sum()) * diagonal
    length += float((c & down_left & ~left & ~down).sum()) * diagonal
    return length


def centerline_length_m(mask: np.ndarray, transform: Affine, crs: str | None) -> float:
    """Length in metres of ``mask`` (H, W) bool, in the grid of ``transform`` (CRS ``crs``), along its centre line:
    the summed length of every patch's skeleton (:func:`thin`); a patch one pixel large counts one pixel side."""
    from ..data.measure import pixel_size_m

    mask = np.asarray(mask, bool)
    if not mask.any():
        return 0.0
    row_m, col_m = pixel_size_m(transform, crs)
    skeleton = without_spurs(thin(mask), mask)
    length = skeleton_length_px(skeleton, row_m, col_m)
    # a lone skeleton pixel (a patch a pixel or two across) has no link but some length
    lone = skeleton & (_neighbour_count(skeleton) == 0)
    return length + float(lone.sum()) * 0.5 * (row_m + col_m)


def _neighbour_count(skeleton: np.ndarray) -> np.ndarray:
    """(H, W) int: how many of its eight neighbours each pixel of ``skeleton`` (H, W) bool has (0 off it)."""
    from scipy import ndimage

    s = skeleton.astype(np.uint8)
    return (ndimage.convolve(s, np.ones((3, 3), np.uint8), mode="constant") - 1) * s


def without_spurs(skeleton: np.ndarray, mask: np.ndarray, reach: float = SPUR_REACH) -> np.ndarray:
    """``skeleton`` (H, W) bool of ``mask`` (H, W) bool without its spurs: the branches from a free end to a junction
    no longer than ``reach`` times the mask's half width at that junction. Thinning grows them wherever the outline
    bulges, so a wide road's skeleton would count its width again at every bump."""
    from scipy import ndimage

    eight = np.ones((3, 3), bool)
    count = _neighbour_count(skeleton)
    junction = skeleton & (count >= 3)
    if not junction.any():
        return skeleton
    branches = skeleton & ~junction
    labels, n = ndimage.label(branches, eight)
    if n == 0:
        return skeleton
    half_width = ndimage.distance_transform_edt(mask)
    at_junction = ndimage.grey_dilation(np.where(junction, half_width, 0.0), footprint=eight)  # junctions' half width
    index = np.arange(1, n + 1)
    free_end = ndimage.maximum(skeleton & (count == 1), labels, index) > 0
    joined = ndimage.maximum(at_junction, labels, index)
    size = ndimage.sum(branches, labels, index)
    spur = free_end & (joined > 0) & (size <= reach * joined)
    return skeleton & ~np.isin(labels, index[spur])
