"""The TerraScope network: InternVL (InternViT + pixel-shuffle projector + language model) for text and
visual tokens, SAM 2 (Hiera image encoder, prompt encoder, mask decoder) for masks, a projection from the
``[SEG]`` hidden state to a SAM prompt, and a text-guided optical/SAR relevance head.

Optical (R, G, B) and SAR (VV, VH -> VV, VH, mean) go through the same encoders; a learned modality
embedding added to the visual tokens lets the language model tell them apart. Mask decoding uses the SAM
features of one date, optical and SAR fused per position by the relevance of each modality to the
``[SEG]`` query. Beside SAM's mask decoder, a prompt-conditioned pixel head adds a direct per-pixel term to
the mask logits (see :class:`PromptPixelHead`), and a model may refine them on the input's own grid from the
images' pixels (see :class:`PixelRefine`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .batch_plan import ImageRows, image_rows
from .config import TerraScopeConfig
from .injection import relevance_probs
from .inputs import ModelImages
from .land_cover import LandCoverHead


@dataclass
class ImageFeatures:
    """Encoded images of T dates. ``tokens``: (T, 2, N, D) visual tokens (modality 0 optical, 1 SAR; zeros
    where absent) in the language model's width; ``sam``: three (T, 2, C_l, h_l, w_l) SAM feature levels,
    high to low resolution, the first two already projected for the mask decoder, then, for a model with a
    :class:`PixelRefine`, the normalised input pixels (T, 2, 3, S, S); ``available``: (T, 2)."""

    tokens: torch.Tensor
    sam: list[torch.Tensor]
    available: torch.Tensor

    @property
    def n_dates(self) -> int:
        return int(self.tokens.shape[0])


class RelevanceHead(nn.Module):
    """Query from the ``[SEG]`` hidden state, keys from the visual tokens: (D,) and (K, D) -> d-wide."""

    def __init__(self, d_model: int, d: int):
        super().__init__()
        self.query = nn.Linear(d_model, d)
        self.key = nn.Linear(d_model, d)

    def forward(self, seg_hidden: torch.Tensor, tokens: torch.Tensor, available: torch.Tensor) -> torch.Tensor:
        """``seg_hidden``: (B, D); ``tokens``: (B, 2, K, D); ``available``: (B, 2) -> (B, K, 2) probabilities."""
        k = self.key(tokens)
        return relevance_probs(self.query(seg_hidden), k[:, 0], k[:, 1], available)


class PromptPixelHead(nn.Module):
    """A direct, prompt-conditioned per-pixel classifier whose logits are added to SAM's mask logits: the dot
    product of a query made from the SAM prompt with pixel embeddings of the high- and low-resolution SAM
    levels. A decoder trained from scratch learns slowly through SAM's two-way transformer alone; this path
    grounds within the first few hundred steps. Weights without this head (the published checkpoint) get a
    zero query on conversion, so they decode exactly as SAM alone."""

    def __init__(self, c: int):
        super().__init__()
        self.high = nn.Conv2d(c // 8, c, 1)
        self.low = nn.Conv2d(c, c, 1)
        self.query = nn.Linear(c, c)

    def forward(self, prompt: torch.Tensor, high: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
        """``prompt``: (B, C); ``high``: (B, C/8, h, w) (S/4 grid); ``low``: (B, C, h', w') -> (B, h, w) logits."""
        pixels = self.high(high) + F.interpolate(self.low(low), size=high.shape[-2:], mode="bilinear",
                                                 align_corners=False)
        return torch.einsum("bc,bchw->bhw", self.query(prompt), pixels)


class PixelRefine(nn.Module):
    """A correction of the mask logits on the input's own S x S grid. SAM's decoder marks on the S/4 grid, which
    cannot follow a road or a building edge narrower than 4 pixels: ground-truth masks pooled to S/4 and brought
    back keep a mean step IoU of about 0.78 on validation questions, less on small or thin targets. The correction is
    a small convolutional network of the upsampled mask probability, the images' pixels (optical and SAR fused
    by the relevance of each, as the SAM levels are), the finest SAM level and the SAM prompt. Its last layer
    starts at zero, so a model given one answers as before until it is trained."""

    def __init__(self, c_high: int, c_prompt: int, hidden: int):
        super().__init__()
        self.inner = nn.Conv2d(1 + 3 + c_high, hidden, 3, padding=1)
        self.prompt = nn.Linear(c_prompt, hidden)
        self.mid = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.outer = nn.Conv2d(hidden, 1, 1)
        nn.init.zeros_(self.outer.weight)
        nn.init.zeros_(self.outer.bias)

    def forward(self, logits: torch.Tensor, pixels: torch.Tensor, high: torch.Tensor,
                prompt: torch.Tensor) -> torch.Tensor:
        """``logits``: (B, S, S) float; ``pixels``: (B, 3, S, S) normalised; ``high``: (B, C/8, S/4, S/4);
        ``prompt``: (B, C) -> refined logits (B, S, S) float."""
        high = F.interpolate(high, size=logits.shape[-2:], mode="bilinear", align_corners=False)
        x = torch.cat([torch.sigmoid(logits)[:, None].to(pixels.dtype), pixels, high.to(pixels.dtype)], 1)
        h = F.gelu(self.inner(x) + self.prompt(prompt.to(x.dtype))[..., None, None])
        return logits + self.outer(F.gelu(self.mid(h)))[:, 0].float()


def _sam_configs(cfg: TerraScopeConfig):
    from transformers.models.sam2.configuration_sam2 import (
        Sam2HieraDetConfig,
        Sam2MaskDecoderConfig,
        Sam2PromptEncoderConfig,
        Sam2VisionConfig,
    )

    s = cfg.image_size
    sv = dict(cfg.sam_vision)
    backbone = Sam2HieraDetConfig(**{**sv.pop("backbone_config", {}), "image_size": [s, s]})
    sizes = [[s // 4, s // 4], [s // 8, s // 8], [s // 16, s // 16]]
    vision = Sam2VisionConfig(backbone_config=backbone, backbone_feature_sizes=sizes, **sv)
    prompt = Sam2PromptEncoderConfig(**{**cfg.sam_prompt, "image_size": s})
    decoder = Sam2MaskDecoderConfig(**cfg.sam_mask_decoder)
    return vision, prompt, decoder


def internvl_config(cfg: TerraScopeConfig):
    """transformers ``InternVLConfig`` for ``cfg`` (vision at ``cfg.image_size``, our image token id)."""
    from transformers import AutoConfig
    from transformers.models.internvl.configuration_internvl import InternVLConfig, InternVLVisionConfig

    vision = InternVLVisionConfig(**{**cfg.vision, "image_size": cfg.image_size})
    text = dict(cfg.text)
    model_type = text.pop("model_type", "qwen2")
    if cfg.vocab_size > 0:
        text["vocab_size"] = max(cfg.vocab_size, int(text.get("vocab_size", 0)))
    text_config = AutoConfig.for_model(model_type, **text)
    return InternVLConfig(vision_config=vision, text_config=text_config, image_token_id=max(cfg.image_token_id, 0),
                          image_seq_length=cfg.tokens_per_image, downsample_ratio=cfg.downsample_ratio,
                          tie_word_embeddings=bool(text.get("tie_word_embeddings", False)))


class NirMix(nn.Module):
    """The optical input with its near-infrared band folded in: ``rgb + f(rgb, nir)``, ``f`` a per-pixel
    two-layer network (1 x 1 convolutions, ``hidden`` wide) whose last layer starts at zero, so a model given
    the mix answers as before until it learns what NIR tells (water, vegetation and built-up apart where R, G,
    B barely do). Dates without NIR keep R, G, B as they are."""

    def __init__(self, hidden: int):
        super().__init__()
        self.inner = nn.Conv2d(4, hidden, 1)
        self.outer = nn.Conv2d(hidden, 3, 1)
        nn.init.zeros_(self.outer.weight)
        nn.init.zeros_(self.outer.bias)

    def forward(self, rgb: torch.Tensor, nir: torch.Tensor) -> torch.Tensor:
        """``rgb`` (M, 3, S, S), ``nir`` (M, 1, S, S), in [0, 1] -> (M, 3, S, S); one image without the M too."""
        if rgb.dim() == 3:
            return self(rgb[None], nir[None])[0]
        return rgb + self.outer(F.gelu(self.inner(torch.cat([rgb, nir], 1))))


class TerraScopeModel(nn.Module):
    """Parts injected by config; ``encode_images`` once per question, then ``lm`` / ``ground`` calls."""

    def __init__(self, config: TerraScopeConfig):
        super().__init__()
        from transformers.models.internvl.modeling_internvl import InternVLForConditionalGeneration
        from transformers.models.sam2.modeling_sam2 import Sam2MaskDecoder, Sam2PromptEncoder, Sam2VisionModel

        self.config = config
        self.internvl = InternVLForConditionalGeneration(internvl_config(config))
        sv, sp, sd = _sam_configs(config)
        self.sam_vision = Sam2VisionModel(sv)
        self.prompt_encoder = Sam2PromptEncoder(sp)
        sd._attn_implementation = "sdpa"
        self.mask_decoder = Sam2MaskDecoder(sd)
        c, d = config.sam_hidden, config.text_hidden
        # SAM 2's token for "no memory from earlier frames", added to the lowest-resolution level
        self.no_memory_embedding = nn.Parameter(torch.zeros(1, c))
        self.seg_projection = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, c))
        self.modality_embedding = nn.Embedding(2, d)
        nn.init.normal_(self.modality_embedding.weight, std=0.02)
        self.relevance = RelevanceHead(d, config.relevance_dim)
        self.pixel_head = PromptPixelHead(c)
        self.nir_mix = NirMix(config.nir_mix) if config.nir_mix else None
        self.pixel_refine = PixelRefine(c // 8, c, config.pixel_refine) if config.pixel_refine else None
        # trained on its own (engine.train.land_cover); read by the predictor's class steps, not by forward()
        self.land_cover = LandCoverHead(config.land_cover) if config.land_cover else None
        self.register_buffer("pixel_mean", torch.tensor(config.pixel_mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(config.pixel_std).view(1, 3, 1, 1), persistent=False)

    # ---- parts -------------------------------------------------------------------------------------------
    @property
    def language_model(self) -> nn.Module:
        return self.internvl.model.language_model

    @property
    def device(self) -> torch.device:
        return self.no_memory_embedding.device

    @property
    def dtype(self) -> torch.dtype:
        return self.no_memory_embedding.dtype

    def embed_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """(..., L) long -> (..., L, D)."""
        return self.internvl.get_input_embeddings()(ids)

    def lm(self, embeds: torch.Tensor, cache=None, attention_mask: torch.Tensor | None = None,
           position_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Language model over ``embeds`` (B, L, D) on top of ``cache`` (extended in place).
        ``attention_mask``: (B, past + L) 1 for real tokens. -> last hidden states (B, L, D)."""
        out = self.language_model(inputs_embeds=embeds, attention_mask=attention_mask, position_ids=position_ids,
                                  past_key_values=cache, use_cache=cache is not None)
        return out.last_hidden_state

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """(..., D) -> (..., V) float."""
        return self.internvl.lm_head(hidden).float()

    # ---- images ------------------------------------------------------------------------------------------
    def encoder_input(self, rows: ImageRows) -> torch.Tensor:
        """The encoders' input for ``rows`` (:class:`engine.model.batch_plan.ImageRows`): (M, 3, S, S) normalised,
        in the rows' order; optical rows with a NIR band go through :class:`NirMix` when the model has one, SAR
        rows become VV, VH and their mean."""
        rgb = rows.optical.to(device=self.device, dtype=self.dtype)
        if self.nir_mix is not None and rows.nir_index.numel():
            nir_index = rows.nir_index.to(rgb.device)
            mixed = self.nir_mix(rgb[nir_index], rows.nir.to(rgb))
            rgb = rgb.index_put((nir_index,), mixed.to(rgb.dtype))  # autocast may return bfloat16
        sar = rows.sar.to(device=self.device, dtype=self.dtype)
        x = torch.cat([rgb, torch.cat([sar, sar.mean(1, keepdim=True)], 1)])[rows.order.to(rgb.device)]
        return (x - self.pixel_mean.to(x.dtype)) / self.pixel_std.to(x.dtype)

    def encode_pixels(self, x: torch.Tensor, modality: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``x``: (M, 3, S, S) normalised; ``modality``: (M,) long. -> (visual tokens (M, N, D),
        SAM levels [(M, C/8, S/4, S/4), (M, C/4, S/8, S/8), (M, C, S/16, S/16)], then ``x`` itself for a model
        with a :class:`PixelRefine`)."""
        feats = self.internvl.model.get_image_features(pixel_values=x, vision_feature_layer=-1,
                                                       vision_feature_select_strategy="default", return_dict=True)
        tokens = feats.pooler_output + self.modality_embedding(modality)[:, None, :]
        fpn = list(self.sam_vision(x).fpn_hidden_states)
        fpn[0] = self.mask_decoder.conv_s0(fpn[0])
        fpn[1] = self.mask_decoder.conv_s1(fpn[1])
        fpn[2] = fpn[2] + self.no_memory_embedding[..., None, None]
        if self.pixel_refine is not None:
            fpn.append(x)
        return tokens, fpn

    def encode_images(self, images: ModelImages) -> ImageFeatures:
        """Encode every present image once. -> :class:`ImageFeatures`."""
        rows, available = image_rows([images], self.config.image_size)
        x = self.encoder_input(rows)
        tokens, fpn = self.encode_pixels(x, rows.m.to(x.device))
        t_n = images.n_dates
        where = (rows.t.to(x.device), rows.m.to(x.device))
        tok = tokens.new_zeros((t_n, 2) + tokens.shape[1:]).index_put(where, tokens)
        sam = [f.new_zeros((t_n, 2) + f.shape[1:]).index_put(where, f) for f in fpn]
        avail = available[0].to(x.device)
        return ImageFeatures(tok, sam, avail)

    # ---- grounding ---------------------------------------------------------------------------------------
    def image_positional_embedding(self) -> torch.Tensor:
        """(1, C, h, w) SAM's dense positional encoding of the lowest-resolution grid."""
        h, w = self.prompt_encoder.image_embedding_size
        ys = (torch.arange(h, device=self.device, dtype=self.dtype) + 0.5) / h
        xs = (torch.arange(w, device=self.device, dtype=self.dtype) + 0.5) / w
        grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1)  # (h, w, 2) as (x, y)
        return self.prompt_encoder.shared_embedding(grid).permute(2, 0, 1)[None]

    def ground(self, seg_hidden: torch.Tensor, tokens: torch.Tensor, sam: list[torch.Tensor],
               available: torch.Tensor) -> dict:
        """Masks for ``[SEG]`` states on given dates' features.

        ``seg_hidden``: (B, D); ``tokens``: (B, 2, N, D); ``sam``: levels (B, 2, C_l, h_l, w_l);
        ``available``: (B, 2) bool. -> ``mask_logits`` (B, S, S) float, ``iou`` (B,), ``relevance``
        (B, N, 2) probabilities (optical, SAR) per token position, ``prompt`` (B, C)."""
        probs = self.relevance(seg_hidden, tokens, available)
        gh, gw = self.config.token_grid
        w_sar = probs[..., 1].reshape(-1, 1, gh, gw)
        fused = []
        for f in sam:
            w = F.interpolate(w_sar, size=f.shape[-2:], mode="bilinear", align_corners=False).to(f.dtype)
            fused.append(f[:, 0] * (1 - w) + f[:, 1] * w)
        prompt = self.seg_projection(seg_hidden)
        b = prompt.shape[0]
        h, w = fused[2].shape[-2:]
        dense = self.prompt_encoder.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(b, -1, h, w)
        masks, iou, _, _ = self.mask_decoder(
            image_embeddings=fused[2], image_positional_embeddings=self.image_positional_embedding().expand(b, -1, -1, -1),
            sparse_prompt_embeddings=prompt[:, None, None, :], dense_prompt_embeddings=dense,
            multimask_output=False, high_resolution_features=[fused[0], fused[1]])
        low_res = masks[:, 0]  # (B, 1, S/4, S/4)
        direct = self.pixel_head(prompt, fused[0], fused[2])[:, None]
        if direct.shape[-2:] != low_res.shape[-2:]:
            direct = F.interpolate(direct, size=low_res.shape[-2:], mode="bilinear", align_corners=False)
        s = self.config.image_size
        logits = F.interpolate((low_res + direct).float(), size=(s, s), mode="bilinear", align_corners=False)[:, 0]
        if self.pixel_refine is not None:
            logits = self.pixel_refine(logits, fused[3], fused[0], prompt)
        return {"mask_logits": logits, "iou": iou[:, 0, 0].float(), "relevance": probs, "prompt": prompt}

    # ---- training ----------------------------------------------------------------------------------------
    def forward_train(self, batch) -> dict:
        """Teacher-forced losses of a batch made by :func:`engine.model.training.collate`:
        {"loss", "lm_loss", "bce", "dice"} scalar tensors."""
        from .training import forward_train

        return forward_train(self, batch)

    def forward(self, batch) -> dict:
        return self.forward_train(batch)
