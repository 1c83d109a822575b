"""Land-cover classes of the synthetic scenes: ids, names used in questions, and name matching.

The ids are written into ``labels*.tif``; 0 means unknown / no data and is never asked about.
"""
from __future__ import annotations

BACKGROUND = 0
WATER = 1
CROPLAND = 2
FOREST = 3
GRASSLAND = 4
BUILT_UP = 5
BARE_SOIL = 6
ROAD = 7
BUILDING = 8

CLASS_NAMES: dict[int, str] = {
    WATER: "water",
    CROPLAND: "cropland",
    FOREST: "forest",
    GRASSLAND: "grassland",
    BUILT_UP: "built-up land",
    BARE_SOIL: "bare soil",
    ROAD: "roads",
    BUILDING: "buildings",
}

# Words that identify a class in user-supplied class names (real label rasters), so the
# class-specific question templates (floods, building change, landing sites) find their classes.
_SYNONYMS: dict[int, tuple[str, ...]] = {
    WATER: ("water", "river", "lake", "flood", "sea", "pond"),
    CROPLAND: ("crop", "field", "farm", "agri", "arable"),
    FOREST: ("forest", "tree", "wood"),
    GRASSLAND: ("grass", "meadow", "pasture", "rangeland"),
    BUILT_UP: ("built", "urban", "settlement", "impervious"),
    BARE_SOIL: ("bare", "soil", "barren", "sand"),
    ROAD: ("road", "street", "highway"),
    BUILDING: ("building", "house", "roof"),
}


def canonical_class(name: str) -> int | None:
    """The synthetic class id a free class name refers to (``"Flooded area"`` -> WATER), or None."""
    low = name.lower()
    for cid, words in _SYNONYMS.items():
        if any(w in low for w in words):
            return cid
    return None
