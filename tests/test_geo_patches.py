"""One patch of a region (engine.geo.patches): the largest patch, fragments across narrow gaps joined."""
import numpy as np

from terrascope_reasoning.engine.geo.patches import grown, largest_patch
from terrascope_reasoning.engine.trace_format import names_one_patch


def test_the_patch_with_the_most_pixels_is_kept():
    mask = np.zeros((20, 30), bool)
    mask[2:6, 2:6] = True  # 16 px
    mask[10:18, 12:20] = True  # 64 px, the largest
    mask[0:3, 25:30] = True  # 15 px
    region = largest_patch(mask)
    assert np.array_equal(mask & region, np.pad(np.ones((8, 8), bool), ((10, 2), (12, 10))))
    assert not largest_patch(np.zeros((5, 5), bool)).any()


def test_fragments_across_a_narrow_gap_are_one_patch():
    mask = np.zeros((12, 40), bool)
    mask[2:10, 0:6] = True  # 48 px
    mask[2:10, 8:12] = True  # 32 px, two empty columns from the first: joined (80 px)
    mask[0:12, 20:26] = True  # 72 px, eight empty columns away
    kept = mask & largest_patch(mask)
    assert kept[:, :12].sum() == 80 and not kept[:, 12:].any()
    assert (mask & largest_patch(mask, merge_px=0))[:, 20:26].all()  # apart, the 72 px patch is the largest


def test_grown_steps_are_eight_connected():
    dot = np.zeros((7, 7), bool)
    dot[3, 3] = True
    assert grown(dot, 2).sum() == 25 and np.array_equal(grown(dot, 0), dot)


def test_phrases_that_name_one_patch():
    for phrase in ("largest water body", "the largest forest patch", "Largest building.",
                   "the biggest single building", "largest road section",
                   "largest grassland patch in the northern half"):
        assert names_one_patch(phrase), phrase
    for phrase in ("water", "the largest fields", "buildings", "forest next to the largest lake", ""):
        assert not names_one_patch(phrase), phrase
