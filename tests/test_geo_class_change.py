"""A change of classes as the difference of two dates' class masks, specks dropped."""
import numpy as np
import pytest

from terrascope_reasoning.engine.geo.class_change import class_change


def _masks():
    before = np.zeros((12, 12), bool)
    before[1:6, 1:6] = True  # 25 px, gone by the later date
    before[7:11, 7:11] = True  # 16 px, still there
    after = np.zeros((12, 12), bool)
    after[7:11, 7:11] = True
    after[7:11, 6] = True  # the later mask's edge one pixel wider: a 4 x 1 sliver
    after[1, 8:11] = True  # 3 px, new
    return before, after


def test_lost_gained_and_flooded_pixels():
    before, after = _masks()
    lost = class_change(before, after, "lost")
    assert lost.sum() == 25 and lost[1:6, 1:6].all()
    gained = class_change(before, after, "gained", min_px=1)
    assert gained.sum() == 4 + 3
    assert class_change(before, after, "flooded").sum() == 16


def test_patches_under_the_minimum_are_dropped():
    before, after = _masks()
    assert class_change(before, after, "gained").sum() == 4  # the 3 px patch is dropped, the sliver kept
    assert class_change(before, after, "gained", min_px=5).sum() == 0
    with pytest.raises(ValueError, match="unknown change"):
        class_change(before, after, "moved")
