"""Engine.load / ask with the real network (``tiny-test`` random weights) on a generated scene."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("terrascope_reasoning.engine.model.predictor")
torch = pytest.importorskip("torch")

from terrascope_reasoning.engine import Engine  # noqa: E402
from terrascope_reasoning.engine.errors import InputError, ModelError  # noqa: E402
from terrascope_reasoning.engine.geo.measuring import mask_area_m2  # noqa: E402


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    writer = pytest.importorskip("terrascope_reasoning.engine.data.writer")
    (folder,) = writer.write_scenes(tmp_path_factory.mktemp("scene"), seed=5, size=96, count=1)
    q = json.loads((folder / "questions.jsonl").read_text().splitlines()[0])
    return folder, q


@pytest.fixture(scope="module")
def engine():
    return Engine.load(model_name="tiny-test", device="cpu")


class OneForcedStep:
    """The real predictor plus one grounded step whose mask the real mask decoder produces from a fixed
    ``[SEG]`` state (random weights rarely emit ``[SEG]`` by themselves). Tile masks keep the decoder's
    ranking but are centred on 0.5 so that some pixels are inside."""

    def __init__(self, real, hidden: int):
        self.real, self.hidden = real, hidden
        self.image_size = real.image_size
        self.tiles = 0

    def set_images(self, images):
        self.real.set_images(images)
        self.images = images

    def answer(self, question, choices, measure=None, progress=None, cancelled=None):
        from terrascope_reasoning.engine.model.predictor import GroundedOutput, GroundedStep

        out = self.real.answer(question, choices, measure=measure, progress=progress, cancelled=cancelled,
                               max_new_tokens=6)
        emb = torch.randn(self.hidden, generator=torch.Generator().manual_seed(0))
        prob = self._centred(self.real.predict_mask(emb, 0, self.images))
        text = "Step 1: water. <t1> [SEG]"
        meas = measure(prob, 0)
        step = GroundedStep(index=1, text=text, label="water", date_index=0, mask_prob=prob,
                            modalities=["optical"], confidence=0.5, iou_pred=0.5, seg_embedding=emb,
                            measurement=meas)
        return GroundedOutput(f"{out.text}\n{text} {meas}\nAnswer: A", "A", "A", [step])

    def predict_mask(self, seg_embedding, date_index, images, step_text=""):
        self.tiles += 1
        return self._centred(self.real.predict_mask(seg_embedding, date_index, images))

    @staticmethod
    def _centred(p):
        p = np.asarray(p, np.float32)
        return np.clip(0.5 + (p - np.median(p)) / (4 * p.std() + 1e-6), 0, 1)


def test_engine_answers_with_random_weights(scene, engine, tmp_path):
    folder, q = scene
    seen = []
    ans = engine.ask(q["question"], optical=folder / "optical.tif", sar=folder / "sar.tif", choices=q["choices"],
                     progress=lambda f, m: seen.append(f), tile_size=64, overlap=8)
    assert isinstance(ans.text, str) and ans.choice in (None, "A", "B", "C", "D")
    assert seen[0] == 0.0 and seen[-1] == 1.0
    out = ans.to_geopackage(tmp_path / "a.gpkg")
    import pyogrio

    layers = dict(pyogrio.list_layers(out))
    assert {"trace", "meta", "distances"} <= set(layers)
    assert sum(n.startswith("step_") for n in layers) == len(ans.steps)


def test_engine_refines_a_grounded_step_tile_by_tile(scene, engine, tmp_path):
    import pyogrio

    folder, q = scene
    forced = OneForcedStep(engine.predictor, engine.model.config.text["hidden_size"])
    eng = Engine(engine.model, engine.tokenizer, engine.device, predictor=forced)
    ans = eng.ask(q["question"], optical=folder / "optical.tif", sar=folder / "sar.tif", choices=q["choices"],
                  tile_size=64, overlap=8)
    (step,) = ans.steps
    assert forced.tiles >= 4  # 96 px at 64-px tiles: refined on the real network, tile by tile
    assert step.mask.shape == (96, 96) and step.mask.any()
    assert step.area_m2 == pytest.approx(mask_area_m2(step.mask, step.transform, step.crs), rel=1e-6)
    assert 0 < step.share < 1 and step.modality == "optical" and len(step.geometry) >= 1
    out = ans.to_geopackage(tmp_path / "b.gpkg")
    df = pyogrio.read_dataframe(out, layer="step_01")
    assert list(df.columns) == ["step", "label", "date", "area_m2", "perimeter_m", "share", "confidence", "geometry"]
    assert df.crs == step.crs and (df.label == "water").all()
    assert ans.preview(tmp_path / "p.png")


def test_engine_load_errors(tmp_path, engine):
    with pytest.raises(ModelError, match="not found"):
        Engine.load(tmp_path / "missing")
    (tmp_path / "m").mkdir()
    with pytest.raises(ModelError, match="holds no model"):
        Engine.load(tmp_path / "m")
    with pytest.raises(ModelError, match="unknown model name"):
        Engine.load(model_name="no-such-size", device="cpu")
    with pytest.raises(InputError, match="question is empty"):
        engine.ask("  ", optical="x.tif")
    with pytest.raises(InputError, match="does not read as English"):  # before any raster is read
        engine.ask("Wie viel Fläche ist überflutet?", optical="x.tif")


def test_engine_loads_a_saved_model_folder_and_adapter(scene, engine, tmp_path):
    from terrascope_reasoning.engine.model import checkpoint

    folder, q = scene
    checkpoint.save_pretrained(engine.model, engine.tokenizer, tmp_path / "model")
    eng = Engine.load(tmp_path / "model", device="cpu")
    assert eng.image_size == engine.image_size and eng.name == "model"
    ans = eng.ask(q["question"], optical=folder / "optical.tif", tile_size=64, overlap=8)
    assert isinstance(ans.answer, str)
    import copy

    tuned = copy.deepcopy(engine.model)
    checkpoint.add_lora(tuned)
    checkpoint.save_adapter(tuned, tmp_path / "adapter")
    with_adapter = Engine.load(tmp_path / "model", device="cpu", adapter=tmp_path / "adapter")
    assert checkpoint.has_lora(with_adapter.model) and with_adapter.predictor.known_regions == ()
    # the class names the adapter's questions used are the model's own words: not re-read as the base's classes
    (tmp_path / "adapter" / "finetune.json").write_text(json.dumps({"data": {"classes": {"1": "Flooded area"}}}))
    with_adapter = Engine.load(tmp_path / "model", device="cpu", adapter=tmp_path / "adapter")
    assert with_adapter.predictor.known_regions == ("Flooded area",)
    assert with_adapter.predictor.planned_steps("What share is flooded area?", None, 1) == ([], [])
    with pytest.raises(ModelError, match="adapter folder not found"):
        Engine.load(tmp_path / "model", device="cpu", adapter=tmp_path / "nope")


def test_engine_can_decode_on_a_static_cache_with_compiled_steps():
    """compile_decoding gives the predictor a static cache and a compiled token step (compiled lazily, on
    the first question); the default stays the dynamic cache."""
    fast = Engine.load(model_name="tiny-test", device="cpu", compile_decoding=True)
    assert fast.predictor.cache_kind == "static" and fast.predictor._step_fn is not None
    plain = Engine.load(model_name="tiny-test", device="cpu")
    assert plain.predictor.cache_kind == "dynamic" and plain.predictor._step_fn is None
