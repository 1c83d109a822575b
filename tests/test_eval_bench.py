"""The bench over `synth` folders and the in-memory predictor evaluation, with oracle and empty models."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from terrascope_reasoning.engine.data.dataset import DatasetConfig, SyntheticQuestions
from terrascope_reasoning.engine.data.rle import rle_decode
from terrascope_reasoning.engine.data.writer import write_scenes
from terrascope_reasoning.engine.eval.bench import evaluate_predictor, load_questions, run_bench
from terrascope_reasoning.engine.trace_format import parse_answer


class OracleEngine:
    """Answers from the truth stored beside the GeoTIFFs (checks the bench's plumbing, not a model)."""

    def __init__(self, data_dir: Path, perfect: bool = True):
        self.truth = {}
        for folder, q in load_questions(data_dir):
            self.truth[(str(folder), q["question"], tuple(q["choices"]))] = q
        self.perfect = perfect
        self.calls = []

    def ask(self, question, optical=None, sar=None, dates=None, choices=None, **kw):
        self.calls.append({"optical": optical, "sar": sar, "dates": dates})
        first = optical or (dates[0]["optical"] if isinstance(dates[0], dict) else dates[0])
        assert Path(first).is_file()
        q = self.truth[(str(Path(first).parent), question, tuple(choices or ()))]
        if not self.perfect:
            return SimpleNamespace(choice=None, steps=[])
        steps = [SimpleNamespace(mask=rle_decode(s["mask"])) for s in q["steps"]]
        return SimpleNamespace(choice=q["answer"] if q["choices"] else None, steps=steps)


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("bench")
    write_scenes(d, seed=10**6, size=64, count=3)
    return d


def test_bench_oracle_scores_one(bench_dir):
    eng = OracleEngine(bench_dir)
    seen = []
    r = run_bench(bench_dir, engine=eng, progress=lambda f, m: seen.append(f))
    n = sum(1 for _ in load_questions(bench_dir))
    assert r["n"] == n and seen[-1] == 1.0
    assert r["accuracy"] == 1.0 and r["giou"] == 1.0 and r["ciou"] == 1.0
    assert all(v["accuracy"] == 1.0 for v in r["per_task"].values())
    if r["n_absent"]:
        assert r["absent_fp_rate"] == 0.0
    assert any(c["dates"] for c in eng.calls) and any(c["optical"] for c in eng.calls)
    multi = [c for c in eng.calls if c["dates"]][0]["dates"]
    assert [Path(d["optical"]).name for d in multi] == ["pre.tif", "post.tif"]
    assert json.dumps(r)  # the CLI prints it as JSON


def test_bench_empty_model_scores_zero_and_limit(bench_dir):
    r = run_bench(bench_dir, engine=OracleEngine(bench_dir, perfect=False), limit=5)
    assert r["n"] == 5 and r["accuracy"] in (0.0, None)
    nonempty = [q for _, q in load_questions(bench_dir, 5)
                if all(rle_decode(s["mask"]).any() for s in q["steps"])]
    if len(nonempty) == 5:
        assert r["giou"] == 0.0 and r["ciou"] == 0.0


def test_bench_counts_refused_questions_as_unanswered(bench_dir):
    from terrascope_reasoning.engine.errors import InputError

    class Refusing(OracleEngine):
        def ask(self, question, **kw):
            if kw.get("dates"):
                raise InputError("the dates do not overlap")
            return super().ask(question, **kw)

    r = run_bench(bench_dir, engine=Refusing(bench_dir))
    n_multi = sum(1 for _, q in load_questions(bench_dir) if len(q["dates"]) > 1)
    assert len(r["errors"]) == n_multi > 0 and "do not overlap" in r["errors"][0]
    assert r["per_task"]["change"]["accuracy"] == 0.0


def test_evaluate_predictor_in_memory():
    ds = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True), length=12)
    samples = [ds[i] for i in range(12)]

    def oracle(sample):
        letter = parse_answer(sample["trace"], len(sample["record"].choices))[1]
        return {"choice": letter, "masks": list(sample["masks"])}

    def shifted(sample):  # masks moved by a quarter of the image: IoU drops, answers stay right
        moved = [np.roll(m.numpy() > 0.5, 12, axis=1) for m in sample["masks"]]
        return {"choice": oracle(sample)["choice"], "masks": moved}

    r = evaluate_predictor(oracle, samples)
    assert r["giou"] == 1.0 and r["n"] == 12
    assert r["accuracy"] in (1.0, None)
    r2 = evaluate_predictor(shifted, samples)
    assert r2["giou"] < 0.9 and r2["accuracy"] == r["accuracy"]

    def leading_extra_step(sample):  # one more step, first, named after no true step
        masks = list(sample["masks"])
        labels = [st.phrase for st in sample["record"].steps]
        return {"choice": oracle(sample)["choice"], "masks": [np.ones_like(masks[0])] + masks,
                "labels": ["the whole scene"] + labels}

    r3 = evaluate_predictor(leading_extra_step, samples)
    assert r3["giou"] == 1.0  # matched by phrase
    unlabelled = evaluate_predictor(lambda s: {k: v for k, v in leading_extra_step(s).items() if k != "labels"},
                                    samples)
    assert unlabelled["giou"] < 0.9  # matched by position


def test_evaluate_predictor_reports_each_kind_of_images_on_its_own():
    """``per_modality``: questions on optical and SAR, optical alone and SAR alone scored apart; a predictor perfect
    on SAR-alone questions only scores 1.0 there and less on the others."""
    from terrascope_reasoning.engine.eval.bench import sample_modalities

    ds = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True, modality_mix=(1.0, 1.0, 1.0)), length=24)
    samples = [ds[i] for i in range(24)]
    kinds = [sample_modalities(s) for s in samples]
    assert set(kinds) == {"both", "optical", "sar"}

    def right_on_sar_alone(sample):
        masks = [m.numpy() > 0.5 for m in sample["masks"]]
        if sample_modalities(sample) != "sar":
            masks = [~m for m in masks]
        letter = parse_answer(sample["trace"], len(sample["record"].choices))[1]
        return {"choice": letter, "masks": masks}

    r = evaluate_predictor(right_on_sar_alone, samples)["per_modality"]
    assert {k: v["n"] for k, v in r.items()} == {k: kinds.count(k) for k in ("both", "optical", "sar")}
    assert r["sar"]["giou"] == 1.0 and r["both"]["giou"] < 0.5 and r["optical"]["giou"] < 0.5
    assert sample_modalities({"images": {"has_optical": np.array([True, False]), "has_sar": np.array([True, True])}}) \
        is None


class TruthPredictor:
    """GroundedPredictor-shaped double: set_images + answer(question, choices, measure=...), decoding
    the true masks; records the measurement text the bench's callback returns for each step."""

    def __init__(self):
        self.sample = None
        self.measured = []

    def bind(self, sample):
        self.sample = sample

    def set_images(self, images):
        from terrascope_reasoning.engine.data.measure import pixel_size_m

        given = self.sample["images"]  # the sample's images, told the pixel size of their grid
        assert images.valid is given.valid and images.optical is given.optical and given.pixel_m is None
        assert images.pixel_m == pytest.approx(np.mean(pixel_size_m(*self.sample["grid"]))) and images.pixel_m > 0

    def answer(self, question, choices, measure=None):
        steps = []
        for m, d in zip(self.sample["masks"], self.sample["mask_dates"]):
            self.measured.append(measure(m, d))
            steps.append(SimpleNamespace(mask_prob=m, date_index=d))
        letter = parse_answer(self.sample["trace"], len(choices or []))[1]
        return SimpleNamespace(steps=steps, choice=letter, text=self.sample["trace"])


@pytest.mark.parametrize("pad_prob", [0.0, 1.0])
def test_evaluate_predictor_measures_like_the_trace(pad_prob):
    """Shares are shares of the area of interest, also where a scene is cut short (``pad_prob``: every scene padded)."""
    ds = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True, pad_prob=pad_prob), length=8)
    pred = TruthPredictor()
    scores = []
    for i in range(8):
        sample = ds[i]
        pred.bind(sample)
        pred.measured.clear()
        scores.append(evaluate_predictor(pred, [sample]))
        expected = [line.split("[SEG] ", 1)[1] for line in sample["trace"].splitlines() if "[SEG]" in line]
        assert pred.measured == expected
    assert all(s["giou"] == 1.0 for s in scores)


def test_masks_are_scored_inside_the_area_of_interest_as_the_engine_keeps_them():
    from terrascope_reasoning.engine.eval.bench import _predict, _question_and_choices

    sample = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True, pad_prob=1.0), length=1)[0]
    valid = sample["images"].valid.numpy()

    class Everywhere(TruthPredictor):
        def answer(self, question, choices, measure=None):
            out = super().answer(question, choices, measure)
            for step in out.steps:
                step.mask_prob = np.ones((48, 48), np.float32)
            return out

    pred = Everywhere()
    pred.bind(sample)
    _, masks, _ = _predict(pred, sample, *_question_and_choices(sample))
    assert not valid.all() and masks
    for mask, d in zip(masks, sample["mask_dates"]):
        assert np.array_equal(mask, valid[d].astype(np.float32))


@pytest.mark.slow
def test_bench_and_predictor_path_with_the_tiny_test_model(tmp_path):
    """The whole path with a real (random-weight) model: GeoTIFFs -> Engine.ask -> scores, and samples ->
    GroundedPredictor -> scores. Numbers are near zero for random weights; the shape of the result counts."""
    registry = pytest.importorskip("terrascope_reasoning.engine.model.registry")
    from terrascope_reasoning.engine.api import Engine
    from terrascope_reasoning.engine.data.dataset import held_out_samples
    from terrascope_reasoning.engine.model.predictor import GroundedPredictor

    eng = Engine.load(model_name="tiny-test", device="cpu")
    size = eng.image_size
    write_scenes(tmp_path, seed=10**6, size=size, count=1)
    r = run_bench(tmp_path, engine=eng, limit=1)
    assert r["n"] == 1 and r["errors"] == [] and 0.0 <= r["giou"] <= 1.0
    model, tok = registry.build_model("tiny-test")
    m = evaluate_predictor(GroundedPredictor(model.eval(), tok), held_out_samples(1, image_size=size))
    assert m["n"] == 1 and 0.0 <= m["giou"] <= 1.0 and set(m["per_task"]) <= {
        "coverage", "area", "distance", "ranking", "boundary", "change", "referring", "implicit"}


def test_measured_choice_accuracy_reads_the_trace_measurements():
    """True masks and their measurements but a wrong letter: the model's own accuracy is 0, the engine's
    measured choice (the option the trace's measurements imply) recovers the true letters."""
    ds = SyntheticQuestions(DatasetConfig(image_size=48, with_record=True), length=24)
    samples = [s for s in (ds[i] for i in range(24)) if s["record"].choices]
    assert samples

    class WrongLetter(TruthPredictor):
        def answer(self, question, choices, measure=None):
            out = super().answer(question, choices, measure)
            true = out.choice
            out.choice = next(letter for letter in "ABCDEFGH"[:len(choices)] if letter != true)
            return out

    scores = []
    for sample in samples:
        pred = WrongLetter()
        pred.bind(sample)
        scores.append(evaluate_predictor(pred, [sample]))
    assert all(s["accuracy"] == 0.0 for s in scores)
    measured = [s["measured_choice"]["accuracy"] for s in scores]
    assert np.mean(measured) >= 0.9  # every synthesised answer follows from its measurements (reader tests)
