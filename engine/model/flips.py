"""Symmetry averaging of step masks (test-time augmentation): a step's mask is decoded on the images as given
and on their horizontal, vertical and double flips, each mapped back, and the probabilities averaged; with
``transposes`` also on the transposed images and their flips, the eight symmetries of the square.
Land cover has no preferred orientation, so every view is an equally valid input; averaging them removes
much of a small decoder's orientation-dependent noise. The ``[SEG]`` state (what the step names) is the
same for every view: only the pixels move. Costs four (eight) times the image encoding and mask decoding,
nothing in the language model."""
from __future__ import annotations

from typing import NamedTuple

import torch

from .inputs import ModelImages
from .network import ImageFeatures, TerraScopeModel


class View(NamedTuple):
    """A symmetry of the square on (..., S, S) tensors: transpose the last two dims if ``transpose``, then
    flip along ``dims``."""

    transpose: bool
    dims: tuple[int, ...]

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        x = x.transpose(-1, -2) if self.transpose else x
        return torch.flip(x, self.dims) if self.dims else x

    def undo(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flip(x, self.dims) if self.dims else x
        return x.transpose(-1, -2) if self.transpose else x


# dims of an (..., S, S) tensor to flip: horizontal, vertical, both
FLIPS: tuple[tuple[int, ...], ...] = ((-1,), (-2,), (-2, -1))
# the views beside the images as given: their flips, then (with transposes) the transpose and its flips
FLIP_VIEWS: tuple[View, ...] = tuple(View(False, d) for d in FLIPS)
TRANSPOSE_VIEWS: tuple[View, ...] = (View(True, ()),) + tuple(View(True, d) for d in FLIPS)


def views(transposes: bool = False) -> tuple[View, ...]:
    """The views averaged beside the images as given: 3 flips, or 7 with ``transposes``."""
    return FLIP_VIEWS + (TRANSPOSE_VIEWS if transposes else ())


def symmetry_views(count: int) -> tuple[View, ...]:
    """The views beside the inputs as given that make ``count`` symmetries in all: 1 -> none, 4 -> the flips,
    8 -> the flips, the transpose and its flips."""
    return {1: (), 4: views(False), 8: views(True)}[int(count)]


def view_images(images: ModelImages, view: View) -> ModelImages:
    """The same dates and modalities with every image seen through ``view``."""
    def seen(x):
        return None if x is None else view.apply(x)

    return ModelImages(seen(images.optical), seen(images.sar), seen(images.valid), images.has_optical,
                       images.has_sar, seen(images.nir), images.pixel_m)


def encode_flipped(model: TerraScopeModel, images: ModelImages,
                   transposes: bool = False) -> list[tuple[View, ImageFeatures]]:
    """-> [(view, features of the images seen through it)] for each of :func:`views`."""
    return [(view, model.encode_images(view_images(images, view))) for view in views(transposes)]


def _ground(model: TerraScopeModel, seg_hidden: torch.Tensor, features: ImageFeatures, date: int) -> dict:
    return model.ground(seg_hidden, features.tokens[date][None], [f[date][None] for f in features.sam],
                        features.available[date][None])


def ground_step(model: TerraScopeModel, seg_hidden: torch.Tensor, features: ImageFeatures, date: int,
                flipped: list[tuple[View, ImageFeatures]] | None = None) -> tuple[dict, torch.Tensor]:
    """Decode one step's mask on date ``date``. ``seg_hidden``: (1, D); ``flipped``: from
    :func:`encode_flipped` (None or empty: the images as given only).

    -> (``model.ground``'s output on the images as given (relevance, IoU estimate, prompt), mask
    probabilities (S, S) float: that view's, or the mean over it and the other views mapped back)."""
    out = _ground(model, seg_hidden, features, date)
    prob = torch.sigmoid(out["mask_logits"][0])
    for view, feats in flipped or []:
        prob = prob + view.undo(torch.sigmoid(_ground(model, seg_hidden, feats, date)["mask_logits"][0]))
    return out, prob / (1 + len(flipped or []))
