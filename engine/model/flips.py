"""Flip averaging of step masks (test-time augmentation): a step's mask is decoded on the images as given
and on their horizontal, vertical and double flips, each flipped back, and the probabilities averaged.
Land cover has no preferred orientation, so the four views are equally valid inputs; averaging them removes
much of a small decoder's orientation-dependent noise. The ``[SEG]`` state (what the step names) is the
same for every view: only the pixels are flipped. Costs four times the image encoding and mask decoding,
nothing in the language model."""
from __future__ import annotations

import torch

from .inputs import ModelImages
from .network import ImageFeatures, TerraScopeModel

# dims of an (..., S, S) tensor to flip: horizontal, vertical, both
FLIPS: tuple[tuple[int, ...], ...] = ((-1,), (-2,), (-2, -1))


def flip_images(images: ModelImages, dims: tuple[int, ...]) -> ModelImages:
    """The same dates and modalities with every image flipped along ``dims`` (of (..., S, S))."""
    def flip(x):
        return None if x is None else torch.flip(x, dims)

    return ModelImages(flip(images.optical), flip(images.sar), flip(images.valid), images.has_optical,
                       images.has_sar, flip(images.nir))


def encode_flipped(model: TerraScopeModel, images: ModelImages) -> list[tuple[tuple[int, ...], ImageFeatures]]:
    """-> [(dims, features of the images flipped along dims)] for each of :data:`FLIPS`."""
    return [(dims, model.encode_images(flip_images(images, dims))) for dims in FLIPS]


def _ground(model: TerraScopeModel, seg_hidden: torch.Tensor, features: ImageFeatures, date: int) -> dict:
    return model.ground(seg_hidden, features.tokens[date][None], [f[date][None] for f in features.sam],
                        features.available[date][None])


def ground_step(model: TerraScopeModel, seg_hidden: torch.Tensor, features: ImageFeatures, date: int,
                flipped: list[tuple[tuple[int, ...], ImageFeatures]] | None = None) -> tuple[dict, torch.Tensor]:
    """Decode one step's mask on date ``date``. ``seg_hidden``: (1, D); ``flipped``: from
    :func:`encode_flipped` (None or empty: the images as given only).

    -> (``model.ground``'s output on the images as given (relevance, IoU estimate, prompt), mask
    probabilities (S, S) float: that view's, or the mean over it and the flipped views flipped back)."""
    out = _ground(model, seg_hidden, features, date)
    prob = torch.sigmoid(out["mask_logits"][0])
    for dims, feats in flipped or []:
        view = torch.sigmoid(_ground(model, seg_hidden, feats, date)["mask_logits"][0])
        prob = prob + torch.flip(view, dims)
    return out, prob / (1 + len(flipped or []))
