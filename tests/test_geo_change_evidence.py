"""Change evidence: the contrast of the dates inside a change step's mask (engine.geo.change_evidence)."""
import numpy as np

from terrascope_reasoning.engine import trace_format as tf
from terrascope_reasoning.engine.geo.change_evidence import change_contrast


def _dates(changed: np.ndarray, seed=0):
    """Two dates of optical (3 bands) and SAR (2 bands) with speckle-like noise; ``changed`` pixels differ."""
    rng = np.random.default_rng(seed)
    h, w = changed.shape
    opt0 = 0.3 + rng.normal(0, 0.02, (3, h, w))
    sar0 = 0.5 + rng.normal(0, 0.05, (2, h, w))
    opt1 = 0.3 + rng.normal(0, 0.02, (3, h, w)) + 0.3 * changed
    sar1 = 0.5 + rng.normal(0, 0.05, (2, h, w)) - 0.25 * changed
    return [opt0, sar0], [opt1, sar1]


def test_marks_on_changed_pixels_have_high_contrast_and_marks_elsewhere_about_one():
    changed = np.zeros((64, 64), bool)
    changed[10:30, 10:30] = True
    before, after = _dates(changed)
    valid = np.ones_like(changed)
    elsewhere = np.zeros_like(changed)
    elsewhere[40:60, 35:60] = True  # a region of the same size that did not change
    assert change_contrast(before, after, changed, valid) > 3.0
    assert 0.8 < change_contrast(before, after, elsewhere, valid) < 1.2
    # half on the change: in between
    half = np.zeros_like(changed)
    half[10:30, 20:40] = True
    assert 1.5 < change_contrast(before, after, half, valid) < change_contrast(before, after, changed, valid)


def test_contrast_needs_pixels_inside_and_outside_and_a_modality():
    changed = np.zeros((32, 32), bool)
    changed[:8, :8] = True
    before, after = _dates(changed)
    valid = np.ones_like(changed)
    assert change_contrast(before, after, np.zeros_like(changed), valid) is None
    assert change_contrast(before, after, np.ones_like(changed), valid) is None
    assert change_contrast([], [], changed, valid) is None
    # pixels without data on either date are left out of both sides
    valid[:8, :8] = False
    assert change_contrast(before, after, changed, valid) is None


def test_pixels_a_cloud_hides_are_left_out_of_both_sides():
    from terrascope_reasoning.engine.geo.change_evidence import cloud_hidden

    changed = np.zeros((64, 64), bool)
    changed[10:30, 10:30] = True
    before, after = _dates(changed)
    optical_after = after[0].copy()
    optical_after[:, 40:60, 40:60] = 0.95  # a cloud on the later date over ground that did not change
    clouded = np.zeros_like(changed)
    clouded[40:60, 40:60] = True
    optical_after[:, 2:5, 50:53] = 0.95  # a bright new roof: too small for a cloud
    hidden = cloud_hidden(before[0], optical_after)
    assert np.array_equal(hidden, clouded)
    valid = np.ones_like(changed)
    assert change_contrast([before[0]], [optical_after], clouded, valid) > 3.0  # read as a change
    assert change_contrast([before[0]], [optical_after], clouded, valid, hidden) == 0.0  # nothing seen changed
    assert change_contrast([before[0]], [optical_after], changed, valid, hidden) > 3.0  # the real change
    half = clouded.copy()
    half[40:60, 22:38] = True  # partly under the cloud, partly on unchanged ground: judged on its visible part
    assert 0.8 < change_contrast([before[0]], [optical_after], half, valid, hidden) < 1.2


def test_step_phrases_that_name_a_change():
    for phrase in ("destroyed buildings", "new buildings", "newly flooded land", "flooded cropland",
                   "cleared forest", "forest lost", "Burned area"):
        assert tf.names_change(phrase), phrase
    for phrase in ("water", "buildings", "cropland next to the water", "the largest field", "newt pond"):
        assert not tf.names_change(phrase), phrase


def test_the_sar_judges_when_both_dates_have_it_else_the_optical_bands():
    from terrascope_reasoning.engine.geo.change_evidence import judged_modalities

    opt, sar = (np.zeros((3, 4, 4)), np.ones((3, 4, 4))), (np.zeros((2, 4, 4)), np.ones((2, 4, 4)))
    assert judged_modalities(opt, sar) == [sar]
    assert judged_modalities(opt, None) == [opt]
    assert judged_modalities(None, sar) == [sar] and judged_modalities(None, None) == []


def test_the_candidates_whose_bands_moved_most_are_kept_as_many_as_asked():
    from terrascope_reasoning.engine.geo.change_evidence import most_changed

    changed = np.zeros((64, 64), bool)
    changed[10:30, 10:30] = True
    before, after = _dates(changed)
    candidates = np.zeros_like(changed)
    candidates[10:30, 10:50] = True  # buildings: the changed ones and as many that did not change
    picked = most_changed(before[1], after[1], candidates, 400)
    assert picked.sum() == 400 and not (picked & ~candidates).any()
    assert picked[11:29, 11:29].all() and (picked & changed).sum() > 380  # the change, up to its smoothed edge
    assert most_changed(before[1], after[1], candidates, 10_000).sum() == candidates.sum()
    assert not most_changed(before[1], after[1], candidates, 0).any()
    assert not most_changed(before[1], after[1], np.zeros_like(changed), 5).any()
