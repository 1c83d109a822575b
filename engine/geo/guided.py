"""Edge-aware sharpening of mask probabilities with the image as guide (the guided filter of He, Sun and
Tang, 2013, with a multi-band guide).

The mask decoder predicts at a quarter of the model's input size, and bilinear upsampling leaves its
boundaries a few pixels wide and blocky. Land-cover boundaries are edges in the bands themselves (water is
dark in VV and NIR, fields differ in colour), so the filter fits, in every window of ``2 * radius + 1``
pixels, the probability as a linear function of the bands and averages the fits. Inside a uniform patch the
probability is smoothed; across an edge of the bands it follows the edge. ``eps`` (in squared band units)
decides how strong an edge must be to be followed: larger values give a plainer smoothing.

Smoothing alone erodes small and thin regions (a one-field flood loses its peak), so by default the result
is re-levelled to mark as many pixels as the decoder's mask did: the filter decides where the boundary runs,
the decoder how much is there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GuidedConfig:
    """``radius``: window half-width in pixels of the grid being filtered (0: off); ``eps``: regularisation
    in squared band units (bands scaled to about 0..1); ``keep_area``: re-level the result so that as many
    pixels reach ``threshold`` as in the input."""

    radius: int = 0
    eps: float = 0.001
    keep_area: bool = True
    threshold: float = 0.5

    @property
    def enabled(self) -> bool:
        return self.radius > 0


def box_mean(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window of each pixel of ``x`` (H, W, ...), windows clipped at the borders."""
    h, w = x.shape[:2]
    c = np.cumsum(np.cumsum(x.astype(np.float64), 0), 1)
    c = np.pad(c, [(1, 0), (1, 0)] + [(0, 0)] * (x.ndim - 2))
    r0 = np.clip(np.arange(h) - radius, 0, h)
    r1 = np.clip(np.arange(h) + radius + 1, 0, h)
    c0 = np.clip(np.arange(w) - radius, 0, w)
    c1 = np.clip(np.arange(w) + radius + 1, 0, w)
    total = c[r1][:, c1] - c[r0][:, c1] - c[r1][:, c0] + c[r0][:, c0]
    count = ((r1 - r0)[:, None] * (c1 - c0)[None, :]).reshape((h, w) + (1,) * (x.ndim - 2))
    return total / count


def guided_filter(prob: np.ndarray, guide: np.ndarray, cfg: GuidedConfig,
                  valid: np.ndarray | None = None, subsample: int = 1) -> np.ndarray:
    """Sharpen ``prob`` (H, W) float in [0, 1] along the edges of ``guide`` (C, H, W) float, both in one grid.

    ``valid``: (H, W) bool, pixels whose bands are data; elsewhere the guide is taken as constant so that
    no-data edges are not followed, and ``prob`` is returned unchanged there. ``subsample``: fit the linear
    coefficients on a grid ``subsample`` times coarser (with the radius divided by it) and apply them, resampled,
    to the full-resolution bands (the fast guided filter, He and Sun 2015): edges stay at full resolution at
    about 1 / subsample^2 of the cost. -> (H, W) float32 in [0, 1].
    """
    from .resample import resize_prob

    prob = np.asarray(prob, np.float32)
    if not cfg.enabled or guide is None or guide.shape[0] == 0:
        return prob
    g = np.moveaxis(np.asarray(guide, np.float64), 0, -1)  # (H, W, C)
    if g.shape[:2] != prob.shape:
        raise ValueError(f"guide {g.shape[:2]} and probabilities {prob.shape} must share one grid")
    if valid is not None:
        valid = np.asarray(valid, bool)
        if not valid.any():
            return prob
        g = np.where(valid[..., None], g, g[valid].mean(0))
    h, w = prob.shape
    sub = max(1, int(subsample))
    low = (max(1, round(h / sub)), max(1, round(w / sub)))
    g_low = np.stack([resize_prob(g[..., k], low) for k in range(g.shape[-1])], -1).astype(np.float64)
    a, b = _coefficients(resize_prob(prob, low).astype(np.float64), g_low, max(1, round(cfg.radius / sub)), cfg.eps)
    a = np.stack([resize_prob(a[..., k], (h, w)) for k in range(a.shape[-1])], -1)
    out = (a * g).sum(-1) + resize_prob(b, (h, w))
    out = np.clip(out, 0.0, 1.0).astype(np.float32)
    if cfg.keep_area:
        out = relevel_like(out, prob, cfg.threshold, valid)
    return out if valid is None else np.where(valid, out, prob)


def _coefficients(p: np.ndarray, g: np.ndarray, r: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter's window-averaged linear coefficients: ``a`` (H, W, C), ``b`` (H, W), such that
    ``(a * g).sum(-1) + b`` is the filtered ``p`` (H, W) for the guide ``g`` (H, W, C)."""
    c = g.shape[-1]
    mean_g = box_mean(g, r)
    mean_p = box_mean(p, r)
    cov_gp = box_mean(g * p[..., None], r) - mean_g * mean_p[..., None]
    var_g = box_mean(g[..., :, None] * g[..., None, :], r) - mean_g[..., :, None] * mean_g[..., None, :]
    a = np.linalg.solve(var_g + eps * np.eye(c), cov_gp[..., None])[..., 0]
    b = mean_p - (a * mean_g).sum(-1)
    return box_mean(a, r), box_mean(b, r)


def relevel(prob: np.ndarray, count: int, threshold: float = 0.5, valid: np.ndarray | None = None) -> np.ndarray:
    """``prob`` (H, W) in [0, 1] mapped monotonically (piecewise linear) so that exactly its ``count``
    highest pixels (among ``valid``) reach ``threshold``; 0 and 1 stay fixed. -> (H, W) float32."""
    values = np.sort((prob[valid] if valid is not None else prob).ravel())[::-1]
    if count <= 0:
        level = min(1.0, float(values[0]) + 1e-6) if values.size else 1.0
    elif count >= values.size:
        level = float(values[-1])
    else:  # between the count-th and the next value, so ties at the edge do not change the count
        level = 0.5 * (float(values[count - 1]) + float(values[count]))
    return moved_level(prob, level, threshold)


def moved_level(prob: np.ndarray, level: float, threshold: float = 0.5) -> np.ndarray:
    """``prob`` (H, W) in [0, 1] mapped monotonically (piecewise linear) so that ``level`` becomes ``threshold``:
    the pixels at or above ``level`` are those at or above ``threshold`` after; 0 and 1 stay fixed. -> (H, W)
    float32."""
    level = min(max(float(level), 1e-6), 1.0 - 1e-6)
    low = prob * (threshold / level)
    high = threshold + (prob - level) * ((1.0 - threshold) / (1.0 - level))
    return np.where(prob >= level, high, low).clip(0.0, 1.0).astype(np.float32)


def relevel_like(prob: np.ndarray, reference: np.ndarray, threshold: float = 0.5,
                 valid: np.ndarray | None = None) -> np.ndarray:
    """``prob`` (H, W) re-levelled (:func:`relevel`) to mark as many pixels (among ``valid``) at ``threshold``
    as ``reference`` (H, W) does. -> (H, W) float32."""
    marked = reference >= threshold
    return relevel(prob, int((marked & valid).sum() if valid is not None else marked.sum()), threshold, valid)


def date_guide(optical: np.ndarray | None, sar: np.ndarray | None, has_optical, has_sar,
               date: int, nir: np.ndarray | None = None) -> np.ndarray | None:
    """The bands of one date as a guide: ``optical`` (T, 3, H, W) and/or ``sar`` (T, 2, H, W) in [0, 1]
    (either None), ``has_*``: (T,) flags of the modalities that date really has; ``nir`` (T, 1, H, W), the
    optical near-infrared band (None: not read), joins the optical bands: it tells water and built-up from
    vegetation where red, green and blue barely do. -> (C, H, W) float32 with C in {2, 3, 4, 5, 6}, or None
    when the date has no bands."""
    parts = [np.asarray(x[date], np.float32) for x, has in ((optical, has_optical), (nir, has_optical),
                                                            (sar, has_sar))
             if x is not None and bool(has[date])]
    return np.concatenate(parts, 0) if parts else None
