"""Model folders (sharded safetensors) and LoRA adapters: round trips, limits, clear errors."""
import json

import pytest
import torch

from engine.errors import ModelError
from engine.model import checkpoint as ck
from engine.model.registry import build_model


@pytest.fixture(scope="module")
def tiny():
    return build_model("tiny-test")


@pytest.fixture(scope="module")
def saved(tiny, tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    ck.save_pretrained(*tiny, folder, max_shard_bytes=600_000)
    return folder


def _x(model):
    return torch.randn(1, 5, model.config.text_hidden, generator=torch.Generator().manual_seed(0))


def test_save_load_round_trip(tiny, saved):
    model, tok = tiny
    shards = sorted(saved.glob("model-*.safetensors"))
    assert len(shards) > 1 and all(p.stat().st_size <= 600_000 + 20_000 for p in shards)
    index = json.loads((saved / ck.INDEX).read_text())
    assert set(index["weight_map"].values()) == {p.name for p in shards}
    loaded, tok2 = ck.from_pretrained(saved, device="cpu")
    a, b = model.state_dict(), loaded.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert loaded.config.to_dict() == model.config.to_dict()
    text = "Step 1: water. <t1> [SEG] [area 3 ha; share 2.0 %]"
    assert tok2(text)["input_ids"] == tok(text)["input_ids"]
    # a (device, dtype) pair as resolve_device returns it is accepted
    assert ck.load(saved, device=(torch.device("cpu"), torch.float32))[0].dtype == torch.float32


def test_default_shards_stay_under_15_mb(tmp_path):
    model, tok = build_model("tiny")  # ~10 M parameters, ~40 MB in float32
    ck.save_pretrained(model, tok, tmp_path)
    shards = list(tmp_path.glob("model-*.safetensors"))
    assert len(shards) >= 3 and max(p.stat().st_size for p in shards) <= 15_000_000 + 100_000


def test_float16_storage_halves_the_folder_and_loads_as_float32(tiny, saved, tmp_path):
    model, tok = tiny
    ck.save_pretrained(model, tok, tmp_path, dtype=torch.float16)
    size = sum(p.stat().st_size for p in tmp_path.glob("model-*.safetensors"))
    full = sum(p.stat().st_size for p in saved.glob("model-*.safetensors"))
    assert size < 0.55 * full
    loaded, _ = ck.from_pretrained(tmp_path)
    a, b = model.state_dict(), loaded.state_dict()
    assert loaded.dtype == torch.float32
    assert all(torch.allclose(a[k].float(), b[k].float(), rtol=1e-3, atol=1e-4) for k in a)


def test_bad_folders_raise_one_line_model_errors(saved, tmp_path):
    with pytest.raises(ModelError, match="not found"):
        ck.from_pretrained(tmp_path / "nowhere")
    with pytest.raises(ModelError, match="not a TerraScope model folder"):
        ck.from_pretrained(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in saved.iterdir():
        (bad / p.name).write_bytes(p.read_bytes())
    shard = min(bad.glob("model-*.safetensors"))
    shard.write_bytes(shard.read_bytes()[:100])
    with pytest.raises(ModelError, match="missing or corrupt") as err:
        ck.from_pretrained(bad)
    assert "\n" not in str(err.value)
    cfg = json.loads((bad / ck.CONFIG).read_text())
    cfg["text"]["hidden_size"] = 32
    (bad / ck.CONFIG).write_text(json.dumps(cfg))
    for p in saved.glob("model-*.safetensors"):
        (bad / p.name).write_bytes(p.read_bytes())
    with pytest.raises(ModelError, match="do not fit"):
        ck.from_pretrained(bad)


def test_adapter_round_trip_and_merge(saved, tmp_path):
    model, tok = ck.from_pretrained(saved)
    x = _x(model)
    base_out = model.lm(x)
    ck.add_lora(model, rank=4, alpha=8)
    lora = [n for n, _ in model.named_parameters() if "lora_" in n]
    assert lora and all(any(t in n for t in ck.LORA_TARGETS) for n in lora)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(std=0.5)
        model.mask_decoder.iou_token.weight.add_(1.0)
    model.mask_decoder.iou_token.weight.requires_grad_(True)
    tuned_out = model.lm(x)
    assert not torch.allclose(tuned_out, base_out, atol=1e-4)
    ck.save_adapter(model, tmp_path / "adapter", note="test")
    meta = json.loads((tmp_path / "adapter" / ck.ADAPTER_CONFIG).read_text())
    assert meta["rank"] == 4 and meta["note"] == "test"

    other, _ = ck.from_pretrained(saved)
    ck.load_adapter(other, tmp_path / "adapter")
    assert torch.allclose(other.lm(x), tuned_out, atol=1e-5)
    assert torch.equal(other.mask_decoder.iou_token.weight, model.mask_decoder.iou_token.weight)
    ck.merge_lora(other)
    assert not ck.has_lora(other) and torch.allclose(other.lm(x), tuned_out, atol=1e-4)
    # a model with LoRA saves merged, as a plain folder
    ck.save_pretrained(model, tok, tmp_path / "merged")
    merged, _ = ck.from_pretrained(tmp_path / "merged")
    assert torch.allclose(merged.lm(x), tuned_out, atol=1e-4)


def test_adapter_for_another_base_is_refused(saved, tmp_path):
    model, _ = ck.from_pretrained(saved)
    ck.add_lora(model, 2, 4)
    ck.save_adapter(model, tmp_path / "a")
    other, _ = build_model("tiny-test", seed=7)  # same shape, other weights
    with pytest.raises(ModelError, match="another base model"):
        ck.load_adapter(other, tmp_path / "a")
    with pytest.raises(ModelError, match="not an adapter folder"):
        ck.load_adapter(other, tmp_path)


def test_hand_edited_class_shares_are_made_canonical_or_refused(saved, tmp_path):
    edited = tmp_path / "edited"
    edited.mkdir()
    for p in saved.iterdir():
        (edited / p.name).write_bytes(p.read_bytes())
    cfg = json.loads((edited / ck.CONFIG).read_text())
    cfg["land_cover_class_weights"] = {"Road": [0.9, 0.8], "trees": [0.7, 0.6]}
    cfg["land_cover_class_thresholds"] = {"Bare ground": [0.3, 0.35]}
    (edited / ck.CONFIG).write_text(json.dumps(cfg))
    model, _ = ck.from_pretrained(edited)
    assert model.config.land_cover_class_weights == {"roads": [0.9, 0.8], "forest": [0.7, 0.6]}
    assert model.config.land_cover_class_thresholds == {"bare soil": [0.3, 0.35]}
    for bad, says in (({"ocean": [0.5, 0.5]}, "'ocean'"), ({"roads": [0.9]}, "two numbers"),
                      ({"water": [0.5, 1.5]}, "two numbers"), ({"road": [1, 1], "roads": [1, 1]}, "second time")):
        cfg["land_cover_class_weights"] = bad
        (edited / ck.CONFIG).write_text(json.dumps(cfg))
        with pytest.raises(ModelError, match="cannot be read") as err:
            ck.from_pretrained(edited)
        assert says in str(err.value) and "\n" not in str(err.value)
    cfg["land_cover_class_weights"], cfg["land_cover_class_thresholds"] = {}, {"meadow": [0.4]}
    (edited / ck.CONFIG).write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="land-cover class threshold 'meadow'"):
        ck.from_pretrained(edited)
