"""Model folders and LoRA adapters.

A model folder: ``config.json`` (:class:`TerraScopeConfig`), the tokenizer (``tokenizer.json`` + its config),
``model-0000i-of-0000N.safetensors`` shards of at most 15 MB each and ``model.safetensors.index.json``.
An adapter folder: ``adapter_config.json`` (rank, alpha, targets, the base's signature) and
``adapter_model.safetensors`` (LoRA weights of the language model plus any other part trained with it).
Anything missing, corrupt or made for another base raises :class:`ModelError` with one line.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from pathlib import Path

import torch
from torch import nn

from ..errors import ModelError
from .config import TerraScopeConfig

CONFIG = "config.json"
INDEX = "model.safetensors.index.json"
ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
FORMAT = "terrascope"
MAX_SHARD_BYTES = 15 * 1000 * 1000
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


# ---- model folders -------------------------------------------------------------------------------------
def save_pretrained(model: nn.Module, tokenizer, out_dir: str | Path, max_shard_bytes: int = MAX_SHARD_BYTES,
                    dtype: torch.dtype | None = None) -> None:
    """Write config, tokenizer and sharded safetensors into ``out_dir`` (created). LoRA layers, if any, are
    merged into a copy first so the folder holds a plain model. ``dtype`` (e.g. float16) stores floating
    tensors at that precision, halving the folder; :func:`from_pretrained` loads them at any precision."""
    from safetensors.torch import save_file

    if has_lora(model):
        model = merge_lora(copy.deepcopy(model))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg = model.config.to_dict()
    (out / CONFIG).write_text(json.dumps({"format": FORMAT, "version": 1, **cfg}, indent=2))
    if tokenizer is not None:
        tokenizer.save_pretrained(str(out))
    state, aliases = _unique_state(model)
    if dtype is not None:
        state = {k: t.to(dtype) if t.is_floating_point() else t for k, t in state.items()}
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name, t in state.items():
        n = t.numel() * t.element_size()
        if shards[-1] and size + n > max_shard_bytes:
            shards.append({})
            size = 0
        shards[-1][name] = t
        size += n
    for old in out.glob("model-*.safetensors"):
        old.unlink()
    weight_map = {}
    for i, shard in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, str(out / fname), metadata={"format": "pt"})
        weight_map.update({k: fname for k in shard})
    total = sum(t.numel() * t.element_size() for t in state.values())
    (out / INDEX).write_text(json.dumps({"metadata": {"total_size": total, "aliases": aliases},
                                         "weight_map": weight_map}, indent=1))


def _unique_state(model: nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """State dict without repeated storage (tied embeddings): (tensors, {alias name: stored name})."""
    state, aliases, seen = {}, {}, {}
    for name, t in model.state_dict().items():
        key = (t.data_ptr(), t.shape, t.stride()) if t.numel() else None
        if key is not None and key in seen:
            aliases[name] = seen[key]
            continue
        if key is not None:
            seen[key] = name
        state[name] = t.detach().contiguous().cpu()
    return state, aliases


def from_pretrained(folder: str | Path, device=None, dtype: torch.dtype | None = None):
    """-> (TerraScopeModel in eval mode, tokenizer) from a folder written by :func:`save_pretrained`.
    ``device``: a torch device, a name, or a (device, dtype) pair as :func:`device.resolve_device` returns."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from .network import TerraScopeModel

    if isinstance(device, tuple):
        device, dtype = device[0], dtype or device[1]
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"model folder not found: {folder}")
    cfg_path, idx_path = folder / CONFIG, folder / INDEX
    if not cfg_path.is_file() or not idx_path.is_file():
        raise ModelError(f"{folder} is not a TerraScope model folder (needs {CONFIG} and {INDEX})")
    try:
        raw = json.loads(cfg_path.read_text())
        index = json.loads(idx_path.read_text())
        if raw.pop("format", None) != FORMAT:
            raise ValueError("not a TerraScope config")
        raw.pop("version", None)
        config = TerraScopeConfig.from_dict(raw)
    except (ValueError, TypeError, KeyError) as err:
        raise ModelError(f"{cfg_path.name} in {folder} cannot be read: {_line(err)}")
    tokenizer = load_tokenizer(folder)
    state = {}
    for fname in sorted(set(index.get("weight_map", {}).values())):
        try:
            state.update(load_file(str(folder / fname)))
        except (FileNotFoundError, OSError, SafetensorError, ValueError) as err:
            raise ModelError(f"weights file {fname} in {folder} is missing or corrupt: {_line(err)}")
    for alias, stored in index.get("metadata", {}).get("aliases", {}).items():
        if stored in state:
            state[alias] = state[stored]
    try:
        model = TerraScopeModel(config)
        missing, unexpected = model.load_state_dict(state, strict=False)
    except (RuntimeError, ValueError, TypeError) as err:
        raise ModelError(f"weights in {folder} do not fit the model its config describes: {_line(err)}")
    if missing or unexpected:
        what = (f"{len(missing)} missing (e.g. {missing[0]})" if missing else "") + \
               (f"{' and ' if missing else ''}{len(unexpected)} unexpected (e.g. {unexpected[0]})" if unexpected else "")
        raise ModelError(f"weights in {folder} do not fit the model its config describes: {what}")
    model = model.to(device=device or "cpu", dtype=dtype or torch.float32)
    return model.eval(), tokenizer


load = from_pretrained


def with_nir_mix(model: nn.Module, hidden: int) -> nn.Module:
    """``model`` (a TerraScopeModel without a NIR mix) with its weights in a copy that has one ``hidden`` wide
    (:class:`engine.model.network.NirMix`), which starts as the identity: the copy answers as ``model`` does
    until the mix is trained. A model that has a mix already is returned as it is."""
    return _grown(model, "nir_mix", hidden, "a NIR mix")


def with_pixel_refine(model: nn.Module, hidden: int) -> nn.Module:
    """``model`` (a TerraScopeModel without one) with its weights in a copy that refines its mask logits on the
    input's grid, ``hidden`` wide (:class:`engine.model.network.PixelRefine`), starting at no correction: the
    copy answers as ``model`` does until it is trained. A model that refines already is returned as it is."""
    return _grown(model, "pixel_refine", hidden, "a pixel refinement")


def with_land_cover(model: nn.Module, widths: list[int]) -> nn.Module:
    """``model`` (a TerraScopeModel without one) with its weights in a copy that has a dense land-cover head of
    ``widths`` (:class:`engine.model.land_cover.LandCoverHead`), untrained and not blended (the config's
    ``land_cover_weight`` stays as it was): the copy answers as ``model`` does. A model that has one already is
    returned as it is."""
    return _grown(model, "land_cover", list(widths), "a land-cover head")


def _grown(model: nn.Module, part: str, hidden, what: str) -> nn.Module:
    """A copy of ``model`` with the config field and module ``part`` set to ``hidden``; the new module's weights
    are its own initial ones, every other weight is ``model``'s."""
    from .network import TerraScopeModel

    if getattr(model.config, part) or not hidden:
        return model
    size = [int(v) for v in hidden] if isinstance(hidden, (list, tuple)) else int(hidden)
    grown = TerraScopeModel(dataclasses.replace(model.config, **{part: size}))
    missing, unexpected = grown.load_state_dict(model.state_dict(), strict=False)
    if unexpected or any(not k.startswith(part + ".") for k in missing):
        raise ModelError(f"cannot add {what}: {len(missing)} missing, {len(unexpected)} unexpected weights")
    return grown.to(device=model.device, dtype=model.dtype).train(model.training)


def load_tokenizer(folder: str | Path):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    folder = Path(folder)
    if not (folder / "tokenizer.json").is_file():
        raise ModelError(f"{folder} has no tokenizer.json")
    try:
        return AutoTokenizer.from_pretrained(str(folder))
    except (ValueError, OSError, KeyError):
        try:
            return PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"))
        except Exception as err:  # noqa: BLE001 - any tokenizer failure is one "cannot load" line
            raise ModelError(f"tokenizer in {folder} cannot be loaded: {_line(err)}")


def _line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# ---- LoRA ----------------------------------------------------------------------------------------------
def has_lora(model: nn.Module) -> bool:
    return any("lora_" in n for n, _ in model.named_parameters())


def add_lora(model: nn.Module, rank: int = 8, alpha: int = 16, targets: tuple[str, ...] = LORA_TARGETS,
             dropout: float = 0.0) -> nn.Module:
    """LoRA adapters (peft) on the language model's attention projections, in place. -> ``model``."""
    from peft import LoraConfig, inject_adapter_in_model

    if has_lora(model):
        raise ModelError("the model already has LoRA adapters; merge them first")
    cfg = LoraConfig(r=int(rank), lora_alpha=int(alpha), target_modules=list(targets), lora_dropout=dropout)
    inject_adapter_in_model(cfg, model.language_model)
    model.lora_settings = {"rank": int(rank), "alpha": int(alpha), "targets": list(targets)}
    return model


def merge_lora(model: nn.Module) -> nn.Module:
    """Fold LoRA weights into the base layers and remove the adapters, in place. -> ``model``."""
    from peft.tuners.lora import LoraLayer

    for name, module in list(model.named_modules()):
        if isinstance(module, LoraLayer):
            module.merge()
            parent = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
            setattr(parent, name.rsplit(".", 1)[-1], module.get_base_layer())
    if hasattr(model, "lora_settings"):
        del model.lora_settings
    return model


def base_signature(model: nn.Module) -> dict:
    """What identifies a base: its architecture (parameter names and shapes, LoRA excluded) and a few of
    its embedding weights (differently trained bases of one shape differ there)."""
    arch = sorted((n.replace(".base_layer", ""), tuple(p.shape)) for n, p in model.named_parameters()
                  if "lora_" not in n)
    emb = model.internvl.get_input_embeddings().weight.detach().float()
    return {"arch": hashlib.sha256(repr(arch).encode()).hexdigest()[:16],
            "embed_probe": [round(float(v), 6) for v in emb[:4, :4].flatten()],
            "name": getattr(model.config, "name", "")}


def save_adapter(model: nn.Module, out_dir: str | Path, **extra) -> None:
    """Write the LoRA weights and every other trainable parameter (e.g. a fine-tuned mask decoder) of
    ``model`` with the base's signature. ``extra``: more JSON fields for ``adapter_config.json``."""
    from safetensors.torch import save_file

    if not has_lora(model):
        raise ModelError("the model has no LoRA adapter to save")
    state = {n: p.detach().contiguous().cpu() for n, p in model.named_parameters()
             if "lora_" in n or p.requires_grad}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / ADAPTER_WEIGHTS), metadata={"format": "pt"})
    settings = getattr(model, "lora_settings", {"rank": 8, "alpha": 16, "targets": list(LORA_TARGETS)})
    (out / ADAPTER_CONFIG).write_text(json.dumps({"format": FORMAT + "-adapter", **settings,
                                                  "base": base_signature(model), **extra}, indent=2))


def load_adapter(model: nn.Module, adapter_dir: str | Path) -> nn.Module:
    """Add the adapter in ``adapter_dir`` to ``model`` (in place). -> ``model``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(adapter_dir)
    try:
        meta = json.loads((folder / ADAPTER_CONFIG).read_text())
        state = load_file(str(folder / ADAPTER_WEIGHTS))
    except FileNotFoundError:
        raise ModelError(f"{folder} is not an adapter folder (needs {ADAPTER_CONFIG} and {ADAPTER_WEIGHTS})")
    except (ValueError, OSError, SafetensorError) as err:
        raise ModelError(f"adapter in {folder} is corrupt: {_line(err)}")
    mine = base_signature(model)
    theirs = meta.get("base", {})
    probe = theirs.get("embed_probe") or []
    # loose tolerance: the same base loaded in bfloat16 must still match
    same_stats = len(probe) == len(mine["embed_probe"]) and torch.allclose(
        torch.tensor(probe), torch.tensor(mine["embed_probe"]), rtol=1e-2, atol=1e-3)
    if theirs.get("arch") != mine["arch"] or not same_stats:
        raise ModelError(f"adapter in {folder} was made for another base model "
                         f"({theirs.get('name') or 'unknown'}); load it on the model it was trained from")
    if not has_lora(model):
        add_lora(model, meta.get("rank", 8), meta.get("alpha", 16), tuple(meta.get("targets", LORA_TARGETS)))
    params = dict(model.named_parameters())
    unknown = [k for k in state if k not in params]
    if unknown:
        raise ModelError(f"adapter in {folder} does not fit this model (e.g. {unknown[0]})")
    with torch.no_grad():
        for k, v in state.items():
            if params[k].shape != v.shape:
                raise ModelError(f"adapter in {folder} does not fit this model ({k}: {tuple(v.shape)})")
            params[k].copy_(v.to(params[k].dtype))
    return model
