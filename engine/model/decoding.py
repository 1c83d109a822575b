"""The language-model side of grounded decoding: feeding chunks of embeddings (prompt, generated tokens,
injected visual tokens, measurement text) through the language model on one KV cache.

Cache kinds:
- ``dynamic``: transformers' ``DynamicCache``, grown by concatenation (the default; best on CPU);
- ``static``: a pre-allocated ``StaticCache`` written in place, so single-token decoding steps keep fixed
  shapes and fixed tensor addresses; with ``compile_steps`` those steps run through ``torch.compile``
  ("reduce-overhead": CUDA graphs on a GPU), which removes the per-token kernel-launch cost that bounds
  eager decoding of a 1B model on a GPU. Chunks longer than one token (prefill, injection, measurement)
  always run eagerly.

Prefix modes (to measure what the cache saves): ``cache`` appends every chunk to the cache;
``recompute-seg`` re-runs the whole prefix after each injection; ``recompute-token`` keeps no cache at all.

Every mode keeps the chunks it was fed, so decoding can go back to an earlier point (:meth:`CachedDecoder.rewind`)
and the cache is rebuilt from the chunks kept: one prefill, the same for every cache kind and library version.
"""
from __future__ import annotations

import torch

from .network import TerraScopeModel

PREFIX_MODES = ("cache", "recompute-seg", "recompute-token")
CACHE_KINDS = ("dynamic", "static")


def check_options(mode: str, cache: str, compile_steps: bool = False) -> None:
    """Raise ValueError for a prefix mode, cache kind or compilation that cannot go together."""
    if mode not in PREFIX_MODES:
        raise ValueError(f"unknown prefix mode {mode!r}; one of {', '.join(PREFIX_MODES)}")
    if cache not in CACHE_KINDS:
        raise ValueError(f"unknown cache kind {cache!r}; one of {', '.join(CACHE_KINDS)}")
    if cache == "static" and mode != "cache":
        raise ValueError("a static cache serves the 'cache' prefix mode only")
    if compile_steps and cache != "static":
        raise ValueError("compile_steps needs cache='static' (fixed shapes and addresses)")


def initial_capacity(prompt_tokens: int, max_new_tokens: int, max_injected_tokens: int, steps: int = 4) -> int:
    """Tokens a static cache first sets aside for one answer: the prompt, the answer and ``steps`` grounded
    steps of injected visual tokens plus their measurement text (64 tokens of room each); the cache grows
    if an answer needs more."""
    return prompt_tokens + max_new_tokens + steps * (max_injected_tokens + 64)


class CachedDecoder:
    """``feed(embeds (1, n, D))`` -> the chunk's last hidden states (1, n, D); ``None`` for an injected chunk
    in ``recompute-seg`` mode (it is folded into the next re-run). ``capacity``: tokens a static cache holds
    before it is grown (grown by copying, so a long answer still works; only the compiled step recompiles).
    ``mark()`` and ``rewind(mark)``: forget what was fed after a point."""

    def __init__(self, model: TerraScopeModel, mode: str = "cache", cache: str = "dynamic", capacity: int = 1024,
                 step_fn=None):
        check_options(mode, cache, step_fn is not None)
        self.model, self.mode, self.kind = model, mode, cache
        self.capacity = int(capacity)
        self.step_fn = step_fn  # compiled single-token call, or None (eager)
        self.cache = self._new_cache(self.capacity)
        self.chunks: list[torch.Tensor] = []
        self.length = 0
        self.stale = False  # the cache lacks chunks (injected in recompute-seg, or after a rewind): re-run them

    def _new_cache(self, capacity: int):
        from transformers import DynamicCache, StaticCache

        if self.kind == "static":
            return StaticCache(config=self.model.language_model.config, max_cache_len=capacity)
        return DynamicCache()

    def feed(self, embeds: torch.Tensor, inject: bool = False) -> torch.Tensor | None:
        n = embeds.shape[1]
        self.chunks.append(embeds)
        self.length += n
        if self.mode == "recompute-seg" and inject:
            # the whole prefix is re-run at the next chunk, as a decoder without cache injection must
            self.stale = True
            return None
        if self.mode != "recompute-token" and not self.stale:
            if self.kind == "static" and self.length > self.capacity:
                self._grow(max(2 * self.capacity, self.length + 256))
            pos = torch.arange(self.length - n, self.length, device=embeds.device)[None]
            if n == 1 and self.step_fn is not None:
                return self.step_fn(embeds, pos, self.cache)
            return self.model.lm(embeds, self.cache, position_ids=pos)
        full = torch.cat(self.chunks, 1)
        if self.kind == "static":
            self.capacity = max(self.capacity, self.length + 256)
        self.cache = self._new_cache(self.capacity) if self.mode != "recompute-token" else None
        pos = torch.arange(full.shape[1], device=embeds.device)[None]
        self.stale = False
        return self.model.lm(full, self.cache, position_ids=pos)[:, -n:]

    def mark(self) -> tuple[int, int]:
        """The point decoding has reached: (tokens fed, chunks fed), for :meth:`rewind`."""
        return self.length, len(self.chunks)

    def rewind(self, mark: tuple[int, int]) -> None:
        """Forget every chunk fed after ``mark`` (from :meth:`mark`); the next feed re-runs the prefix kept."""
        self.length, n_chunks = mark
        del self.chunks[n_chunks:]
        self.stale = self.mode != "recompute-token"

    def _grow(self, capacity: int) -> None:
        """Copy the static cache's filled part into a larger one."""
        old, self.capacity = self.cache, capacity
        self.cache = self._new_cache(capacity)
        for i, layer in enumerate(old.layers):
            if getattr(layer, "is_initialized", False):
                used = int(layer.cumulative_length)
                self.cache.update(layer.keys[:, :, :used], layer.values[:, :, :used], i)


def compiled_step(model: TerraScopeModel):
    """A ``torch.compile``d single-token language-model call for a static cache: (embeds (1, 1, D),
    position_ids (1, 1), cache) -> (1, 1, D). "reduce-overhead" records CUDA graphs on a GPU."""
    lm = model.language_model
    fn = torch.compile(lm, mode="reduce-overhead", fullgraph=False, dynamic=False)

    def step(embeds: torch.Tensor, pos: torch.Tensor, cache) -> torch.Tensor:
        out = fn(inputs_embeds=embeds, position_ids=pos, past_key_values=cache, use_cache=True)
        return out.last_hidden_state.clone()  # CUDA-graph outputs are overwritten by the next replay

    return step
