"""Landing sites for a small plane (engine.geo.landing): bare patches long and large enough for a landing run."""
import numpy as np
import pytest

from terrascope_reasoning.engine.geo.landing import landing_patches
from terrascope_reasoning.engine.trace_format import names_landing_sites


def _patches() -> np.ndarray:
    mask = np.zeros((40, 40), bool)
    mask[2:8, 2:32] = True  # 30 x 6 px: at 10 m, 300 m long and 1.8 ha
    mask[12:22, 2:22] = True  # 20 x 10 px: 200 m long, 2.0 ha
    mask[26:31, 2:28] = True  # 26 x 5 px: 260 m long, 1.3 ha
    mask[34:40, 30:36] = True  # 6 x 6 px: 60 m, 0.36 ha
    return mask


def test_a_patch_is_a_landing_site_when_it_is_both_long_and_large_enough():
    mask = _patches()
    at_10m = landing_patches(mask, 10.0)
    assert at_10m[2:8, 2:32].all() and at_10m.sum() == 180  # too short, too small, both: dropped
    at_20m = landing_patches(mask, 20.0)  # the same pixels four times as large
    assert at_20m[12:22, 2:22].all() and at_20m[26:31, 2:28].all() and at_20m.sum() == 180 + 200 + 130
    assert not landing_patches(mask, 1.0).any()  # a sub-metre scene of 40 m holds no landing run
    assert not landing_patches(np.zeros((5, 5), bool), 10.0).any()


def test_diagonal_neighbours_belong_to_one_patch():
    mask = np.eye(26, dtype=bool)  # 26 pixels joined corner to corner
    assert landing_patches(mask, 25.0).sum() == 26  # one patch 650 m long, 1.6 ha; apart, 26 of 25 m each
    assert not landing_patches(mask, 20.0).any()  # 520 m long but 1.04 ha


def test_the_pixel_size_must_be_positive():
    with pytest.raises(ValueError, match="positive metres"):
        landing_patches(_patches(), 0.0)


@pytest.mark.parametrize("phrase,named", [
    ("large open bare fields", True), ("Large open bare fields.", True), ("the landing sites", True),
    ("open bare fields", True), ("airstrips", True), ("landing strips", True),
    ("bare soil", False), ("bare land", False), ("the largest bare soil patch", False), ("fields", False),
    ("large open fields", False), ("cropland next to the water", False), ("", False)])
def test_phrases_that_name_landing_sites(phrase, named):
    assert names_landing_sites(phrase) is named
