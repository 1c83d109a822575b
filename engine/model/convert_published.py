"""Converter from the published TerraScope checkpoint (InternVL3 + SAM 2, Sa2VA-style weight names) onto
our modules, from a local folder.

The published layout (training side; the released folders drop the ``mllm.model.`` prefix)::

    mllm.model.vision_model.*            InternViT, original names (fused attn.qkv, ls1/ls2, norm1/norm2)
    mllm.model.language_model.*          Qwen2 causal LM (model.*, lm_head.*), possibly peft-wrapped
    mllm.model.mlp1.{0,1,3}.*            pixel-shuffle projector (LayerNorm, Linear, GELU, Linear)
    grounding_encoder.sam2_model.*       SAM 2, original names (image_encoder.trunk/neck, sam_prompt_encoder,
                                         sam_mask_decoder, no_mem_embed; memory modules unused here)
    text_hidden_fcs.0.{0,2}.*            [SEG] hidden state -> SAM prompt (Linear, ReLU, Linear)

Parts the published checkpoint does not have (the modality relevance head and embedding) keep their
initial values and are listed in the log.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import torch

from ..errors import ModelError
from .config import TerraScopeConfig

log = logging.getLogger(__name__)

# original InternViT names -> transformers' InternVL vision names (after the vision prefix)
_VISION_RULES = [
    (r"^embeddings\.class_embedding$", "embeddings.cls_token"),
    (r"^embeddings\.position_embedding$", "embeddings.position_embeddings"),
    (r"^embeddings\.patch_embedding\.", "embeddings.patch_embeddings.projection."),
    (r"^encoder\.layers\.(\d+)\.ls(\d)$", r"encoder.layer.\1.lambda_\2"),
    (r"^encoder\.layers\.(\d+)\.attn\.proj\.", r"encoder.layer.\1.attention.projection_layer."),
    (r"^encoder\.layers\.(\d+)\.attn\.(q|k)_norm\.", r"encoder.layer.\1.attention.\2_norm."),
    (r"^encoder\.layers\.(\d+)\.attn\.qkv\.", r"encoder.layer.\1.attention.qkv."),
    (r"^encoder\.layers\.(\d+)\.norm1\.", r"encoder.layer.\1.layernorm_before."),
    (r"^encoder\.layers\.(\d+)\.norm2\.", r"encoder.layer.\1.layernorm_after."),
    (r"^encoder\.layers\.(\d+)\.mlp\.", r"encoder.layer.\1.mlp."),
]
_PROJECTOR_RULES = [(r"^0\.", "layer_norm."), (r"^1\.", "linear_1."), (r"^3\.", "linear_2.")]
# original SAM 2 names -> transformers' Sam2 names (after the part prefix)
_TRUNK_RULES = [
    (r"^patch_embed\.proj\.", "patch_embed.projection."),
    (r"^blocks\.(\d+)\.norm(\d)\.", r"blocks.\1.layer_norm\2."),
    (r"^blocks\.(\d+)\.mlp\.layers\.0\.", r"blocks.\1.mlp.proj_in."),
    (r"^blocks\.(\d+)\.mlp\.layers\.1\.", r"blocks.\1.mlp.proj_out."),
]
_PROMPT_RULES = [
    (r"^pe_layer\.positional_encoding_gaussian_matrix$", "shared_embedding.positional_embedding"),
    (r"^mask_downscaling\.0\.", "mask_embed.conv1."),
    (r"^mask_downscaling\.1\.", "mask_embed.layer_norm1."),
    (r"^mask_downscaling\.3\.", "mask_embed.conv2."),
    (r"^mask_downscaling\.4\.", "mask_embed.layer_norm2."),
    (r"^mask_downscaling\.6\.", "mask_embed.conv3."),
]
_DECODER_RULES = [
    (r"\.out_proj\.", ".o_proj."),
    (r"^transformer\.layers\.(\d+)\.norm(\d)\.", r"transformer.layers.\1.layer_norm\2."),
    (r"^transformer\.layers\.(\d+)\.mlp\.layers\.0\.", r"transformer.layers.\1.mlp.proj_in."),
    (r"^transformer\.layers\.(\d+)\.mlp\.layers\.1\.", r"transformer.layers.\1.mlp.proj_out."),
    (r"^transformer\.norm_final_attn\.", "transformer.layer_norm_final_attn."),
    (r"^output_upscaling\.0\.", "upscale_conv1."),
    (r"^output_upscaling\.1\.", "upscale_layer_norm."),
    (r"^output_upscaling\.3\.", "upscale_conv2."),
    (r"^(output_hypernetworks_mlps\.\d+|iou_prediction_head|pred_obj_score_head)\.layers\.0\.", r"\1.proj_in."),
]
_SAM_UNUSED = ("memory_attention.", "memory_encoder.", "maskmem_tpos_enc", "no_mem_pos_enc", "no_obj_ptr",
               "obj_ptr_proj.", "obj_ptr_tpos_proj.", "mask_downsample.", "no_obj_embed_spatial")


def _apply(rules, key: str) -> str:
    for pat, rep in rules:
        key = re.sub(pat, rep, key)
    return key


def _mlp_tail(key: str, n_layers: int = 3) -> str:
    """SAM MLPs of depth 3: ``layers.1`` -> ``layers.0`` (the hidden one), ``layers.2`` -> ``proj_out``."""
    m = re.match(r"^(output_hypernetworks_mlps\.\d+|iou_prediction_head|pred_obj_score_head)\.layers\.(\d+)\.(.*)$",
                 key)
    if not m:
        return key
    i = int(m.group(2))
    return f"{m.group(1)}.{'proj_out' if i == n_layers - 1 else f'layers.{i - 1}'}.{m.group(3)}"


def convert_state_dict(state: dict[str, torch.Tensor], vision_hidden: int) -> tuple[dict, list[str]]:
    """Published names -> our names. -> (converted tensors, keys that were not used)."""
    out: dict[str, torch.Tensor] = {}
    unused: list[str] = []
    point_embeds: dict[int, torch.Tensor] = {}
    for key, t in state.items():
        k = re.sub(r"^(module\.)?(mllm\.)?(model\.)?", "", key)
        k = k.replace("base_model.model.", "")
        if ".lora_" in k:
            raise ModelError("the checkpoint holds unmerged LoRA weights; merge them into the base first")
        k = k.replace(".base_layer.", ".")
        if k.startswith("vision_model."):
            k = _apply(_VISION_RULES, k[len("vision_model."):])
            if ".attention.qkv." in k:
                d = vision_hidden
                for i, name in enumerate(("q_proj", "k_proj", "v_proj")):
                    out["internvl.model.vision_tower." + k.replace("qkv", name)] = t[i * d:(i + 1) * d]
                continue
            out["internvl.model.vision_tower." + k] = t
        elif k.startswith("language_model."):
            k = k[len("language_model."):]
            if k.startswith(("lm_head.", "output.")):
                out["internvl.lm_head." + k.split(".", 1)[1]] = t
            else:
                out["internvl.model.language_model." + re.sub(r"^model\.", "", k)] = t
        elif k.startswith("mlp1."):
            out["internvl.model.multi_modal_projector." + _apply(_PROJECTOR_RULES, k[len("mlp1."):])] = t
        elif k.startswith("text_hidden_fcs.0."):
            out["seg_projection." + k[len("text_hidden_fcs.0."):]] = t
        elif k.startswith("grounding_encoder.sam2_model."):
            s = k[len("grounding_encoder.sam2_model."):]
            if s.startswith("image_encoder.trunk."):
                out["sam_vision.backbone." + _apply(_TRUNK_RULES, s[len("image_encoder.trunk."):])] = t
            elif s.startswith("image_encoder.neck.convs."):
                out["sam_vision.neck.convs." + s[len("image_encoder.neck.convs."):].replace(".conv.", ".")] = t
            elif s.startswith("sam_prompt_encoder."):
                p = s[len("sam_prompt_encoder."):]
                m = re.match(r"^point_embeddings\.(\d+)\.weight$", p)
                if m:
                    point_embeds[int(m.group(1))] = t
                else:
                    out["prompt_encoder." + _apply(_PROMPT_RULES, p)] = t
            elif s.startswith("sam_mask_decoder."):
                out["mask_decoder." + _mlp_tail(_apply(_DECODER_RULES, s[len("sam_mask_decoder."):]))] = t
            elif s == "no_mem_embed":
                out["no_memory_embedding"] = t.reshape(1, -1)
            else:
                unused.append(key)
        else:
            unused.append(key)
    if point_embeds:
        out["prompt_encoder.point_embed.weight"] = torch.cat([point_embeds[i] for i in sorted(point_embeds)])
    unused = [k for k in unused if not any(u in k for u in _SAM_UNUSED)]
    return out, unused


def read_weights(folder: Path) -> dict[str, torch.Tensor]:
    """Every tensor of a checkpoint folder: safetensors shards, or .pth/.bin files (``state_dict`` inside)."""
    from safetensors.torch import load_file

    files = sorted(folder.glob("*.safetensors"))
    state: dict[str, torch.Tensor] = {}
    try:
        if files:
            for f in files:
                state.update(load_file(str(f)))
        else:
            for f in sorted(list(folder.glob("*.pth")) + list(folder.glob("*.bin")) + list(folder.glob("*.pt"))):
                obj = torch.load(f, map_location="cpu", weights_only=True)
                state.update(obj.get("state_dict", obj.get("model", obj)) if isinstance(obj, dict) else {})
    except Exception as err:  # noqa: BLE001 - any unreadable file is one ModelError line
        raise ModelError(f"cannot read the checkpoint in {folder}: {str(err).splitlines()[0] if str(err) else err}")
    if not state:
        raise ModelError(f"no weights (.safetensors, .pth, .bin) found in {folder}")
    return state


def convert(path: str | Path, config: TerraScopeConfig | None = None, device=None, dtype=None):
    """Load the published checkpoint in folder ``path`` onto a :class:`TerraScopeModel`.

    ``config``: the architecture (default: ``terrascope_config.json`` in the folder, else the
    ``terrascope-published`` registry shape). The tokenizer comes from the folder; our special tokens are
    added. -> (model in eval mode, tokenizer)."""
    from .checkpoint import load_tokenizer
    from .network import TerraScopeModel
    from .tokens import setup_tokenizer

    folder = Path(path)
    if not folder.is_dir():
        raise ModelError(f"published checkpoint folder not found: {folder}")
    if config is None:
        own = folder / "terrascope_config.json"
        if own.is_file():
            config = TerraScopeConfig.from_dict(json.loads(own.read_text()))
        else:
            from .registry import config_for

            config = config_for("terrascope-published")
    tok = setup_tokenizer(load_tokenizer(folder), config)
    state, unused = convert_state_dict(read_weights(folder), int(config.vision["hidden_size"]))
    emb = state.get("internvl.model.language_model.embed_tokens.weight")
    if emb is None:
        raise ModelError(f"{folder} holds no language model embeddings: not a TerraScope / Sa2VA checkpoint")
    rows, n_tok = int(emb.shape[0]), config.vocab_size
    config.text = {**config.text, "vocab_size": rows}
    config.vocab_size = rows  # build at the checkpoint's size, grow for added tokens after loading
    model = TerraScopeModel(config)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as err:
        raise ModelError(f"the checkpoint in {folder} does not fit the configured shape: "
                         f"{str(err).splitlines()[-1].strip()}")
    if unexpected:
        raise ModelError(f"the checkpoint in {folder} has weights this model has no place for "
                         f"(e.g. {unexpected[0]})")
    optional = ("relevance.", "pixel_head.", "modality_embedding.", "internvl.lm_head.", "no_memory_embedding",
                "sam_vision.backbone.pos_embed_window", "internvl.model.vision_tower.layernorm.")
    required = [k for k in missing if not k.startswith(optional)]
    if required:
        raise ModelError(f"the checkpoint in {folder} lacks {len(required)} weights (e.g. {required[0]})")
    if "internvl.lm_head.weight" in missing:
        model.internvl.lm_head.weight = model.internvl.get_input_embeddings().weight
    if "pixel_head.query.weight" in missing:
        with torch.no_grad():  # no direct pixel term: the published decoder's masks, unchanged
            model.pixel_head.query.weight.zero_()
            model.pixel_head.query.bias.zero_()
    if n_tok > rows:
        model.internvl.resize_token_embeddings(n_tok)
        config.text = {**config.text, "vocab_size": n_tok}
    config.vocab_size = max(n_tok, rows)
    if missing:
        log.info("not in the published checkpoint, left at their initial values: %s", ", ".join(sorted(missing)))
    if unused:
        log.info("published weights not used: %d (e.g. %s)", len(unused), unused[0])
    return model.to(device=device or "cpu", dtype=dtype or torch.float32).eval(), tok
