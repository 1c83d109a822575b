"""One patch of a region (engine.geo.patches): the largest patch, fragments across narrow gaps joined."""
import numpy as np

from terrascope_reasoning.engine.geo.patches import grown, largest_patch, patches_near
from terrascope_reasoning.engine.trace_format import names_one_patch, next_to


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


def test_patches_within_two_pixels_of_the_region_are_kept_whole():
    river = np.zeros((20, 20), bool)
    river[:, 9] = True
    fields = np.zeros((20, 20), bool)
    fields[2:6, 10:16] = True  # touches the river
    fields[8:12, 3:8] = True  # two pixels off: a gap of one (column 8)
    fields[14:18, 12:19] = True  # three pixels off: a gap of two (columns 10, 11)
    fields[14:18, 0:5] = True  # far
    kept = patches_near(fields, river)
    assert kept[2:6, 10:16].all() and kept[8:12, 3:8].all()
    assert not kept[14:18].any() and kept.sum() == 24 + 20
    assert not patches_near(fields, np.zeros_like(river)).any()
    assert patches_near(fields, river, px=3)[14:18, 12:19].all()


def test_phrases_that_name_the_patches_of_a_class_next_to_a_region():
    assert next_to("cropland next to the water") == ("cropland", "water")
    assert next_to("The fields along the river.") == ("fields", "river")
    assert next_to("buildings bordering the largest forest patch") == ("buildings", "largest forest patch")
    for phrase in ("cropland", "water next to", "the largest field next to the river", "land near the water", ""):
        assert next_to(phrase) is None


def test_the_patch_nearest_a_region_is_kept_whole():
    from terrascope_reasoning.engine.geo.patches import nearest_patch
    from terrascope_reasoning.engine.trace_format import nearest_class

    mask = np.zeros((20, 30), bool)
    mask[2:4, 8:10] = True  # 4 px, 3 px from the river
    mask[10:18, 0:6] = True  # 48 px, 7 px from it
    mask[2:4, 20:22] = True  # beyond the river, 7 px from it
    river = np.zeros_like(mask)
    river[:, 12:14] = True
    assert np.array_equal(nearest_patch(mask, river), np.pad(np.ones((2, 2), bool), ((2, 16), (8, 20))))
    mask[2:4, 15:17] = True  # now a patch 2 px from the river, on its far side
    assert nearest_patch(mask, river).sum() == 4 and nearest_patch(mask, river)[2, 15]
    assert np.array_equal(nearest_patch(mask, np.zeros_like(mask)), mask)  # no region to be near: all of it
    assert not nearest_patch(np.zeros_like(mask), river).any()
    assert [nearest_class(p) for p in ("nearest building", "the closest field", "nearest water body",
                                       "largest building", "nearest glacier")] == [
        "buildings", "fields", "water", None, None]
