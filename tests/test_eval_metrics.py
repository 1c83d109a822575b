"""Bench metrics on hand-made predictions: perfect -> 1, empty -> 0, hand-computed mixed cases."""
from __future__ import annotations

import numpy as np
import pytest

from terrascope_reasoning.engine.eval.metrics import align_steps, aligned, iou, score_question, summarize


def _masks():
    a = np.zeros((10, 10), bool)
    a[:5, :5] = True  # 25 px
    b = np.zeros((10, 10), bool)
    b[5:, 5:] = True  # 25 px
    return a, b


def test_perfect_predictions_score_one():
    a, b = _masks()
    scores = [score_question("distance", [a, b], [a, b], "B", "B"),
              score_question("referring", [a], [a.astype(np.float32)], multiple_choice=False)]
    r = summarize(scores)
    assert r["accuracy"] == 1.0 and r["giou"] == 1.0 and r["ciou"] == 1.0 and r["n"] == 2
    assert r["per_task"]["referring"]["accuracy"] == 1.0 and r["absent_fp_rate"] is None


def test_empty_predictions_score_zero():
    a, b = _masks()
    scores = [score_question("coverage", [a], [], "A", None),
              score_question("area", [b], [np.zeros_like(b)], "C", "D")]
    r = summarize(scores)
    assert r["accuracy"] == 0.0 and r["giou"] == 0.0 and r["ciou"] == 0.0


def test_mixed_predictions_hand_computed():
    a, b = _masks()
    half = np.zeros_like(a)
    half[:5, :3] = True  # 15 of a's 25 px -> IoU 0.6
    s1 = score_question("coverage", [a], [half], "A", "A")
    s2 = score_question("distance", [a, b], [a, np.zeros_like(b)], "B", "C")  # IoUs 1 and 0
    assert iou(half, a) == pytest.approx(0.6)
    r = summarize([s1, s2])
    assert r["accuracy"] == 0.5
    assert r["giou"] == pytest.approx((0.6 + 0.5) / 2)
    assert r["ciou"] == pytest.approx((15 + 25 + 0) / (25 + 25 + 25))
    assert r["per_task"]["distance"] == {"accuracy": 0.0, "giou": 0.5, "ciou": pytest.approx(0.5), "n": 1}


def test_absent_false_positive_rate():
    a, _ = _masks()
    empty = np.zeros_like(a)
    s_ok = score_question("coverage", [empty], [empty], "D", "D")  # said "no such region", drew nothing
    s_fp = score_question("coverage", [empty], [a], "D", "A")  # grounded something that is not there
    s_change = score_question("change", [a, empty], [a, empty], "D", "D")
    r = summarize([s_ok, s_fp, s_change])
    assert r["absent_fp_rate"] == pytest.approx(1 / 3) and r["n_absent"] == 3
    assert s_ok.iou == 1.0 and s_fp.iou == 0.0


def test_shape_mismatch_is_an_error():
    a, _ = _masks()
    with pytest.raises(ValueError):
        iou(a, np.zeros((5, 5), bool))


def test_empty_threshold_calibration_on_hand_made_steps():
    from engine.eval.calibration import best_empty_threshold

    # absent targets marked with little confidence (0.1, 0.2); present ones marked with more, and real IoU
    rows = [(0.1, 0.0, True), (0.2, 0.0, True), (0.6, 0.7, False), (0.8, 0.9, False), (0.15, 0.1, False)]
    thr, summary = best_empty_threshold(rows)
    assert 0.2 < thr <= 0.6  # empties both absent steps and the weak present one, keeps the good ones
    assert summary["mean_step_iou_before"] == round((0.7 + 0.9 + 0.1) / 5, 4)
    assert summary["mean_step_iou_after"] == round((1 + 1 + 0.7 + 0.9 + 0) / 5, 4)
    assert summary["absent_marked_before"] == 1.0 and summary["absent_marked_after"] == 0.0
    assert summary["present_steps_emptied"] == round(1 / 3, 4)
    # an estimate that says nothing useful: no threshold beats none
    thr, summary = best_empty_threshold([(0.5, 0.0, True), (0.5, 0.8, False), (0.5, 0.9, False)])
    assert thr == 0.0 and summary["mean_step_iou_after"] == summary["mean_step_iou_before"]


def test_absent_steps_weighted_back_to_their_share_in_use():
    """Calibrated on many absent targets, judged at their share in use: with absent steps weighted down
    the gate no longer empties a weak present mask to win them."""
    from engine.eval.calibration import absent_weight, best_empty_threshold

    w = absent_weight(0.5, 0.1)
    assert w == pytest.approx(1 / 9)  # odds 1 -> 1/9
    assert 0.1 / 0.9 == pytest.approx(w * 0.5 / 0.5)
    rows = [(0.2, 0.0, True), (0.3, 0.0, True), (0.25, 0.3, False), (0.8, 0.9, False)]
    thr, summary = best_empty_threshold(rows)
    assert 0.3 < thr <= 0.8 and summary["absent_marked_after"] == 0.0  # equal weights: empty all three weak
    thr, summary = best_empty_threshold(rows, absent_weight=w)
    assert thr <= 0.25 and summary["present_steps_emptied"] == 0.0 and summary["absent_weight"] == round(w, 4)
    with pytest.raises(ValueError):
        absent_weight(0.0, 0.1)


def test_step_records_judge_each_step_on_the_bench_path():
    """Rows come from the in-memory bench's answering path: with the true masks, every step has IoU 1 and a
    confidence of 1 where the truth marks something, 0 where it is empty."""
    from engine.data.dataset import DatasetConfig, SyntheticQuestions
    from engine.eval.calibration import step_records
    from tests.test_eval_bench import TruthPredictor

    ds = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True, absent_rate=0.5), length=10)
    samples = [ds[i] for i in range(10)]

    class Bound(TruthPredictor):
        def set_images(self, images):
            self.sample = next(s for s in samples if s["images"].valid is images.valid)  # same tensors, grid told

    seen = []
    rows = step_records(Bound(), samples, progress=lambda f, msg: seen.append(f))
    n_steps = sum(len(s["masks"]) for s in samples)
    assert len(rows) == n_steps and seen[-1] == 1.0
    assert all(iou == 1.0 for _, iou, _, _ in rows)
    assert all(conf == (0.0 if empty else 1.0) for conf, _, empty, _ in rows)
    assert any(row[2] for row in rows) and not all(row[2] for row in rows)
    assert all(contrast is None for *_, contrast in rows)  # a plain predictor judges no change


def test_step_records_pair_each_true_step_with_the_step_that_names_its_region():
    """A predictor that grounds a sample's regions in the reverse order, each step naming its region, is judged
    step by step against the right truths (IoU 1), as the bench scores it; without phrases, by position."""
    from types import SimpleNamespace

    from engine.data.dataset import DatasetConfig, SyntheticQuestions
    from engine.eval.calibration import step_records

    ds = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True, tasks=("distance",)), length=40)
    samples = [s for s in (ds[i] for i in range(40))
               if len(s["masks"]) == 2 and not (s["masks"][0] == s["masks"][1]).all()][:3]
    assert samples

    class Reversed:
        def __init__(self, phrases: bool):
            self.phrases, self.sample = phrases, None

        def set_images(self, images):
            self.sample = next(s for s in samples if s["images"].valid is images.valid)  # same tensors, grid told

        def answer(self, question, choices, measure=None):
            rec = self.sample["record"]
            steps = [SimpleNamespace(mask_prob=st.mask.astype("float32"), date_index=0, confidence=1.0,
                                     label=st.phrase if self.phrases else None) for st in reversed(rec.steps)]
            return SimpleNamespace(steps=steps, choice=None, text="")

    assert all(iou == 1.0 for _, iou, _, _ in step_records(Reversed(True), samples))
    assert any(iou < 1.0 for _, iou, _, _ in step_records(Reversed(False), samples))


def test_steps_the_confidence_gate_does_not_judge_are_kept_by_any_confidence_threshold():
    """A change of classes (``confidence_judged`` false) is recorded with an infinite confidence: the confidence
    threshold chosen never empties it, and the change contrast is calibrated on it whatever its confidence."""
    import math
    from types import SimpleNamespace

    from engine.data.dataset import DatasetConfig, SyntheticQuestions
    from engine.eval.calibration import best_change_threshold, best_empty_threshold, step_records

    ds = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True, tasks=("coverage",), absent_rate=0.0),
                            length=4)
    samples = [ds[i] for i in range(4)]

    class Judged:
        answered = 0

        def set_images(self, images):
            self.sample = next(s for s in samples if s["images"].valid is images.valid)  # same tensors, grid told

        def answer(self, question, choices, measure=None):
            k, self.answered = self.answered, self.answered + 1
            steps = [SimpleNamespace(mask_prob=st.mask.astype("float32"), date_index=0, confidence=0.1, label=None,
                                     confidence_judged=k % 2 == 0, change_contrast=2.0)
                     for st in self.sample["record"].steps]
            return SimpleNamespace(steps=steps, choice=None, text="")

    rows = step_records(Judged(), samples)
    assert [r[0] for r in rows] == [0.1 if k % 2 == 0 else math.inf for k in range(4)]
    threshold, summary = best_empty_threshold([r[:3] for r in rows if r[0] == math.inf] + [(0.5, 0.0, True)])
    assert 0.5 < threshold < math.inf and summary["present_steps_emptied"] == 0.0
    assert best_change_threshold(rows, empty_below=0.6)[1]["steps"] == 2


def test_calibration_script_writes_the_gate(tmp_path):
    """scripts/calibrate_absent.py answers calibration questions with a real (tiny, untrained) model folder
    and writes the threshold and the flip setting into its config.json, keeping every other key."""
    import importlib.util
    import json
    from pathlib import Path

    from engine.model.checkpoint import save_pretrained
    from engine.model.registry import build_model

    model, tok = build_model("tiny-test")
    save_pretrained(model, tok, tmp_path)
    before = json.loads((tmp_path / "config.json").read_text())
    script = Path(__file__).resolve().parent.parent / "scripts" / "calibrate_absent.py"
    spec = importlib.util.spec_from_file_location("calibrate_absent", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main([str(tmp_path), "--samples", "2", "--change-samples", "1", "--absent-rate", "0.5",
                     "--no-flip-average", "--flip-transposes", "--sharpen-radius", "3",
                     "--signature-weight", "0.4", "--min-mask-pixels", "9"]) == 0
    after = json.loads((tmp_path / "config.json").read_text())
    assert 0.0 <= after["empty_below_confidence"] <= 1.0 and after["flip_average"] is False
    assert after["change_below_contrast"] >= 0.0 and after["guided_radius"] == 3
    assert after["signature_weight"] == 0.4 and after["flip_transposes"] is True and after["min_mask_pixels"] == 9
    gate_keys = ("empty_below_confidence", "flip_average", "flip_transposes", "change_below_contrast",
                 "guided_radius", "signature_weight", "min_mask_pixels")
    assert {k: v for k, v in after.items() if k not in gate_keys} == \
        {k: v for k, v in before.items() if k not in gate_keys}


def test_change_threshold_is_chosen_on_the_change_steps_the_confidence_gate_keeps():
    from engine.eval.calibration import best_change_threshold

    rows = [  # (confidence, IoU, truth empty, change contrast)
        (0.9, 0.0, True, 1.0), (0.9, 0.0, True, 1.05),  # marks on absent changes, little contrast
        (0.9, 0.7, False, 3.0), (0.9, 0.6, False, 2.5),  # real changes, strong contrast
        (0.9, 0.05, False, 1.02),  # a present change marked in the wrong place
        (0.2, 0.0, True, 0.5),  # the confidence gate empties this one already
        (0.9, 0.8, False, None),  # not a change step
    ]
    threshold, summary = best_change_threshold(rows, empty_below=0.5)
    assert 1.05 < threshold <= 2.5 and summary["steps"] == 5 and summary["absent_steps"] == 2
    assert summary["absent_marked_after"] == 0.0 and summary["mean_step_iou_after"] > summary["mean_step_iou_before"]
    # absent steps weighted down far enough, emptying them no longer pays for the wrong present one
    assert best_change_threshold(rows, 0.5, absent_weight=0.01)[0] <= 1.05
    assert best_change_threshold([r for r in rows if r[3] is None], 0.5) == (0.0, {"steps": 0})


def test_steps_are_matched_by_the_region_they_name():
    """A trace that adds a step before the asked region, or skips one, is scored on the region each step
    names; unnamed steps fall back to their position."""
    assert align_steps(["cropland next to the water"], ["water", "cropland next to the water"]) == [1]
    assert align_steps(["water", "cropland next to the water"], ["cropland next to the water"]) == [None, 0]
    assert align_steps(["roads", "buildings"], ["The roads", "buildings"]) == [0, 1]
    assert align_steps(["forest", "water"], ["woods", "lakes"]) == [0, 1]  # no names match: positions
    assert align_steps(["forest", "water"], ["water"]) == [None, 0]
    assert align_steps(["water", "water"], ["water"]) == [0, None]
    a, b = _masks()
    one_step = score_question("implicit", [b], aligned([a, b], align_steps(["b"], ["a", "b"])),
                              multiple_choice=False)
    by_position = score_question("implicit", [b], [a, b], multiple_choice=False)
    assert one_step.iou == 1.0 and one_step.correct and by_position.iou == 0.0
