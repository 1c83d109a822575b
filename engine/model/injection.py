"""Mask-token re-injection as small pure functions: which visual tokens a mask covers, which modality's
token to inject at each of them, and appending embeddings to a language model's KV cache."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def mask_to_token_positions(mask_prob: torch.Tensor, grid: tuple[int, int], threshold: float = 0.5,
                            max_tokens: int = 128, mask_threshold: float = 0.5) -> torch.Tensor:
    """Visual-token positions covered by a mask.

    ``mask_prob``: (H, W) probabilities; a pixel is inside when > ``mask_threshold``. The mask is pooled onto
    the token ``grid`` (h, w); a position is kept when the share of its patch inside the mask is
    >= ``threshold``. More than ``max_tokens`` kept -> evenly subsampled (first and last kept).
    -> (n,) long, flat row-major indices into the h x w grid, ascending.
    """
    inside = (mask_prob.detach().float() > mask_threshold).float()[None, None]  # (1, 1, H, W)
    cover = F.adaptive_avg_pool2d(inside, grid)[0, 0].flatten()  # (h*w,) share covered
    idx = torch.nonzero(cover >= threshold - 1e-6).flatten()
    if max_tokens <= 0:
        return idx[:0]
    if idx.numel() > max_tokens:
        pick = torch.linspace(0, idx.numel() - 1, max_tokens, device=idx.device).round().long()
        idx = idx[pick]
    return idx


def relevance_probs(query: torch.Tensor, keys_optical: torch.Tensor, keys_sar: torch.Tensor,
                    available: torch.Tensor) -> torch.Tensor:
    """Text-guided modality relevance: scaled dot product of the query with the optical and the SAR key at
    every position, softmax over the two candidates.

    ``query``: (B, d); ``keys_*``: (B, K, d); ``available``: (B, 2) bool (optical, SAR present on the date).
    An absent modality gets probability 0. -> (B, K, 2) probabilities (optical, SAR).
    """
    scale = 1.0 / math.sqrt(query.shape[-1])
    s = torch.stack([(keys_optical * query[:, None]).sum(-1), (keys_sar * query[:, None]).sum(-1)], -1) * scale
    s = s.masked_fill(~available[:, None, :].to(torch.bool), float("-inf"))
    return torch.softmax(s.float(), dim=-1).to(query.dtype)


def select_modality(seg_hidden: torch.Tensor, optical_tokens: torch.Tensor | None,
                    sar_tokens: torch.Tensor | None, available: tuple[bool, bool] = (True, True),
                    query_proj=None, key_proj=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pick, per position, the optical or the SAR token.

    ``seg_hidden``: (D,) the ``[SEG]`` hidden state; ``*_tokens``: (K, D) visual tokens at the candidate
    positions (None when that modality is absent); ``query_proj`` / ``key_proj``: the relevance head's
    projections (identity when None). -> (chosen (K,) long 0=optical 1=SAR, scores (K, 2) probabilities).
    SAR is chosen wherever optical is unavailable and vice versa.
    """
    ref = optical_tokens if optical_tokens is not None else sar_tokens
    if ref is None:
        raise ValueError("select_modality needs optical or SAR tokens")
    avail = torch.tensor([[available[0] and optical_tokens is not None, available[1] and sar_tokens is not None]],
                         device=ref.device)
    if not bool(avail.any()):
        raise ValueError("neither modality is available")
    opt = optical_tokens if optical_tokens is not None else torch.zeros_like(ref)
    sar = sar_tokens if sar_tokens is not None else torch.zeros_like(ref)
    q = query_proj(seg_hidden) if query_proj is not None else seg_hidden
    ko, ks = (key_proj(opt), key_proj(sar)) if key_proj is not None else (opt, sar)
    probs = relevance_probs(q[None], ko[None], ks[None], avail)[0]  # (K, 2)
    return probs.argmax(-1), probs


def gather_injected(optical_tokens: torch.Tensor | None, sar_tokens: torch.Tensor | None,
                    positions: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """The embeddings to inject. ``*_tokens``: (N, D) all visual tokens of one date (None if absent);
    ``positions``: (n,) flat indices; ``chosen``: (n,) 0=optical 1=SAR. -> (n, D)."""
    ref = optical_tokens if optical_tokens is not None else sar_tokens
    opt = optical_tokens if optical_tokens is not None else ref
    sar = sar_tokens if sar_tokens is not None else ref
    return torch.where(chosen[:, None].bool(), sar[positions], opt[positions])


def append_embeddings(language_model, cache, embeds: torch.Tensor, past_length: int) -> torch.Tensor:
    """Run ``embeds`` (B, n, D) through ``language_model`` on top of ``cache`` (a transformers Cache holding
    ``past_length`` positions), extending the cache in place; the prefix is not recomputed.
    -> last hidden states (B, n, D)."""
    n = embeds.shape[1]
    pos = torch.arange(past_length, past_length + n, device=embeds.device)[None].expand(embeds.shape[0], -1)
    out = language_model(inputs_embeds=embeds, past_key_values=cache, position_ids=pos, use_cache=True)
    return out.last_hidden_state
