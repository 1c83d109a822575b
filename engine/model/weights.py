"""Real pretrained parts from local ``-hf`` folders: InternVL3 (transformers' InternVL layout) and SAM 2
(transformers' Sam2 layout), copied into a :class:`TerraScopeModel` of the matching shape."""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import ModelError


def _check(path) -> Path:
    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise ModelError(f"{folder} is not a transformers model folder (no config.json)")
    return folder


def load_internvl_hf(model, path) -> None:
    """InternViT, projector and language model from an InternVL ``-hf`` folder (e.g. InternVL3-1B-hf)."""
    from transformers.models.internvl.modeling_internvl import InternVLForConditionalGeneration

    folder = _check(path)
    try:
        src = InternVLForConditionalGeneration.from_pretrained(str(folder), dtype=torch.float32)
    except (OSError, ValueError) as err:
        raise ModelError(f"cannot load InternVL from {folder}: {str(err).splitlines()[0]}")
    state = src.state_dict()
    rows = state["model.language_model.embed_tokens.weight"].shape[0]
    n_tok = model.config.vocab_size
    model.internvl.resize_token_embeddings(rows)
    try:
        model.internvl.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise ModelError(f"InternVL in {folder} does not fit the configured shape: {str(err).splitlines()[-1]}")
    if n_tok > rows:
        model.internvl.resize_token_embeddings(n_tok)


def load_sam2_hf(model, path) -> None:
    """Hiera image encoder, prompt encoder and mask decoder from a SAM 2 ``-hf`` folder (e.g.
    sam2.1-hiera-tiny); the video memory parts are not used."""
    from transformers.models.sam2.modeling_sam2 import Sam2Model

    folder = _check(path)
    try:
        src = Sam2Model.from_pretrained(str(folder), dtype=torch.float32)
    except (OSError, ValueError) as err:
        raise ModelError(f"cannot load SAM 2 from {folder}: {str(err).splitlines()[0]}")
    try:
        model.sam_vision.load_state_dict(src.vision_encoder.state_dict())
        model.prompt_encoder.load_state_dict(src.prompt_encoder.state_dict())
        model.mask_decoder.load_state_dict(src.mask_decoder.state_dict())
    except RuntimeError as err:
        raise ModelError(f"SAM 2 in {folder} does not fit the configured shape: {str(err).splitlines()[-1]}")
    with torch.no_grad():
        model.no_memory_embedding.copy_(src.no_memory_embedding.reshape(1, -1))
