"""Scene-adapted class signatures: a step's mask blended with a classifier of the date's bands that learns,
in this scene alone, what the step's confidently marked pixels look like against the rest.

The decoder finds the large, typical parts of a land-cover class but misses look-alike pixels it is less sure
of (scattered flooded parcels, narrow channels), and it sometimes marks a patch whose bands are unlike the
rest of what it marked. Within one scene and one date a class has one signature in the bands (water is dark
in VV and VH and blue-grey in RGB), so supervised classification seeded by the decoder, as an analyst would
train it from sample areas, recovers the first and drops the second:

1. seeds: the pixels the decoder marks with probability >= ``seed_above`` (the class) and <= ``seed_below``
   (the rest), ``samples`` of each at most;
2. a Gaussian mixture per side (k-means, then one full-covariance Gaussian per cluster) in band space, the
   class's prior its share of the seeds;
3. the class posterior of every pixel, blended with the decoder's probability:
   ``(1 - weight) * prob + weight * posterior``;
4. by default re-levelled so that it marks as many pixels as the decoder's mask did
   (:func:`engine.geo.guided.relevel_like`): the bands decide where the class is, the decoder how much of it there
   is. Blending alone shifts the areas that area and coverage answers are read from.

Only steps that name a class alone ("water", "forest") are blended
(:func:`engine.trace_format.names_class_alone`):
"the largest forest patch" or "cropland next to the water" are not all the pixels that look alike.

Objects a few pixels across (buildings at 10 m) look much like the ground around them in the bands alone, and the
decoder, whose masks come from a coarser grid, marks only some of them. With ``context_m`` each band minus its
median over a neighbourhood of that many metres joins the bands (:func:`context_bands`): a building stands out
from its street block as a small bright, differently coloured spot, which the classifier then finds in every block.
The neighbourhood is used only where it spans ``context_px`` pixels: on finer grids such objects are many pixels
across and the decoder resolves them itself. Where it is used the posterior weighs ``context_weight`` and the area is
not re-levelled: the decoder marks too few of the objects for its area to be the one to keep.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .guided import GuidedConfig, guided_filter, relevel_like


@dataclass
class SignatureConfig:
    """``weight``: share of the bands' posterior in the result (0: off); ``seed_above`` / ``seed_below``:
    decoder probabilities that seed the class and the rest; ``class_components`` / ``rest_components``:
    Gaussians per side; ``samples``: seed pixels per side at most; ``min_seeds``: fewer seeds on a side leave
    the mask as it is; ``regularisation``: added to each covariance's diagonal (squared band units, bands about
    0..1); ``seed``: of the seed sampling and k-means, so a result is reproducible; ``keep_area``: re-level the
    result so that as many pixels reach ``threshold`` as in the decoder's probabilities; ``context_m``: side in
    metres of the neighbourhood whose median each band is compared with (:func:`context_bands`; 0: off);
    ``context_px``: (fewest, most) pixels that neighbourhood may span on a grid, else it is not used there;
    ``context_weight``: the posterior's share where the neighbourhood is used (the area then not re-levelled)."""

    weight: float = 0.0
    seed_above: float = 0.7
    seed_below: float = 0.15
    class_components: int = 2
    rest_components: int = 5
    samples: int = 3000
    min_seeds: int = 30
    regularisation: float = 1e-4
    seed: int = 0
    keep_area: bool = True
    threshold: float = 0.5
    context_m: float = 0.0
    context_px: tuple[int, int] = (3, 15)
    context_weight: float = 0.7

    @property
    def enabled(self) -> bool:
        return self.weight > 0


def context_window(cfg: SignatureConfig, pixel_m: float | None) -> int | None:
    """The side in pixels (odd) of ``cfg``'s neighbourhood on a grid of ``pixel_m`` metre pixels, None when
    ``context_m`` is off, the pixel size unknown, or the side outside ``cfg.context_px``."""
    if cfg.context_m <= 0 or not pixel_m or pixel_m <= 0:
        return None
    side = 2 * int(round((cfg.context_m / pixel_m - 1) / 2)) + 1
    return side if cfg.context_px[0] <= side <= cfg.context_px[1] else None


def context_bands(guide: np.ndarray, window: int) -> np.ndarray:
    """(2C, H, W) float32: the bands ``guide`` (C, H, W) and each band minus its median over ``window`` x
    ``window`` pixels (how a pixel differs from the ground around it)."""
    guide = np.asarray(guide, np.float32)
    return np.concatenate([guide, guide - ndimage.median_filter(guide, size=(1, window, window), mode="nearest")])


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 8) -> np.ndarray:
    """Cluster index (N,) of each row of ``x`` (N, C) for ``k`` clusters (Lloyd's algorithm)."""
    if len(x) <= k:
        return np.arange(len(x))
    centres = x[rng.choice(len(x), k, replace=False)]
    labels = np.zeros(len(x), int)
    for _ in range(iterations):
        labels = ((x[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
        for j in range(k):
            if (labels == j).any():
                centres[j] = x[labels == j].mean(0)
    return labels


def _mixture_log_density(x: np.ndarray, seeds: np.ndarray, k: int, rng, reg: float) -> np.ndarray:
    """log p(x) (N,) under a mixture of ``k`` Gaussians fitted to ``seeds`` (M, C); x: (N, C)."""
    labels = _kmeans(seeds, k, rng)
    c = x.shape[1]
    logs = []
    for j in np.unique(labels):
        member = seeds[labels == j]
        if len(member) < c + 2:  # too few pixels for a covariance
            continue
        cov = np.cov(member.T).reshape(c, c) + reg * np.eye(c)
        _, logdet = np.linalg.slogdet(cov)
        d = x - member.mean(0)
        maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
        logs.append(np.log(len(member) / len(seeds)) - 0.5 * (maha + logdet))
    if not logs:  # all clusters tiny: one Gaussian over all seeds
        return _mixture_log_density(x, seeds, 1, rng, reg) if k > 1 else np.full(len(x), -np.inf)
    return np.logaddexp.reduce(np.stack(logs), axis=0)


def signature_posterior(prob: np.ndarray, guide: np.ndarray | None, valid: np.ndarray | None,
                        cfg: SignatureConfig, pixel_m: float | None = None) -> np.ndarray | None:
    """The class posterior (H, W) float32 in [0, 1] of every pixel from its bands ``guide`` (C, H, W) float,
    seeded by ``prob`` (H, W) (one grid); 0 outside ``valid`` (H, W) bool. ``pixel_m``: the grid's pixel side in
    metres, for ``cfg.context_m`` (None: no context bands). None when a side has fewer than ``min_seeds`` pixels
    or there are no bands."""
    if guide is None or guide.shape[0] == 0:
        return None
    window = context_window(cfg, pixel_m)
    if window is not None:
        guide = context_bands(guide, window)
    rng = np.random.default_rng(cfg.seed)
    x = np.moveaxis(np.asarray(guide, np.float64), 0, -1).reshape(-1, guide.shape[0])
    v = np.ones(len(x), bool) if valid is None else np.asarray(valid, bool).reshape(-1)
    p = np.asarray(prob, np.float32).reshape(-1)
    inside = np.flatnonzero(v & (p >= cfg.seed_above))
    rest = np.flatnonzero(v & (p <= cfg.seed_below))
    if min(len(inside), len(rest)) < cfg.min_seeds:
        return None
    log_prior = np.log(len(inside) / (len(inside) + len(rest)))
    log_prior_rest = np.log(len(rest) / (len(inside) + len(rest)))
    inside = rng.choice(inside, min(cfg.samples, len(inside)), replace=False)
    rest = rng.choice(rest, min(cfg.samples, len(rest)), replace=False)
    out = np.zeros(len(x), np.float32)
    xv = x[v]
    lc = _mixture_log_density(xv, x[inside], cfg.class_components, rng, cfg.regularisation) + log_prior
    lr = _mixture_log_density(xv, x[rest], cfg.rest_components, rng, cfg.regularisation) + log_prior_rest
    out[v] = 1.0 / (1.0 + np.exp(np.clip(lr - lc, -50.0, 50.0)))
    return out.reshape(np.shape(prob))


def blend_signature(prob: np.ndarray, guide: np.ndarray | None, valid: np.ndarray | None,
                    cfg: SignatureConfig, pixel_m: float | None = None) -> np.ndarray:
    """``prob`` (H, W) blended with :func:`signature_posterior` by ``cfg.weight`` (and re-levelled to its
    marked pixel count with ``cfg.keep_area``); unchanged when off or when the posterior cannot be fitted, and
    outside ``valid``. ``pixel_m``: the grid's pixel side in metres; where ``cfg.context_m`` applies on it the
    context bands join, the posterior weighs ``cfg.context_weight`` and the area is not re-levelled.
    -> (H, W) float32 in [0, 1]."""
    prob = np.asarray(prob, np.float32)
    if not cfg.enabled:
        return prob
    posterior = signature_posterior(prob, guide, valid, cfg, pixel_m)
    if posterior is None:
        return prob
    in_context = context_window(cfg, pixel_m) is not None
    weight = cfg.context_weight if in_context else cfg.weight
    out = ((1.0 - weight) * prob + weight * posterior).astype(np.float32)
    if cfg.keep_area and not in_context:
        out = relevel_like(out, prob, cfg.threshold, valid)
    return out if valid is None else np.where(valid, out, prob).astype(np.float32)


def with_bands(prob: np.ndarray, guide: np.ndarray | None, valid: np.ndarray | None,
               signatures: SignatureConfig | None, guided: GuidedConfig | None, subsample: int = 1,
               pixel_m: float | None = None) -> np.ndarray:
    """What a kept mask takes from its date's bands ``guide`` (C, H, W), in this order: the class signature
    (``signatures``), then sharpening along the bands' edges (``guided``, fitted ``subsample`` times coarser:
    :func:`engine.geo.guided.guided_filter`); each is skipped when None. ``prob``, ``valid``: (H, W);
    ``pixel_m``: the grid's pixel side in metres (for the signature's ``context_m``). -> (H, W) float32."""
    prob = np.asarray(prob, np.float32)
    if signatures is not None:
        prob = blend_signature(prob, guide, valid, signatures, pixel_m)
    if guided is not None:
        prob = guided_filter(prob, guide, guided, valid, subsample=subsample)
    return prob
