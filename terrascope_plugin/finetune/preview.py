"""Small pictures for the wizard: a sample's image with its step masks drawn over it (QImage/QPixmap)."""
from __future__ import annotations

import numpy as np

# one colour per reasoning step (RGB)
STEP_COLOURS = ((230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180))


def _get(images, name):
    return images.get(name) if isinstance(images, dict) else getattr(images, name, None)


def _array(x) -> np.ndarray | None:
    if x is None:
        return None
    if hasattr(x, "detach"):
        x = x.detach().float().cpu().numpy()
    return np.asarray(x, np.float32)


def sample_rgb(sample: dict) -> np.ndarray:
    """(S, S, 3) uint8: the last date's optical RGB (model inputs in [0, 1]), else SAR VV as grey."""
    images = sample["images"]
    opt, sar = _array(_get(images, "optical")), _array(_get(images, "sar"))
    if opt is not None and opt.size and opt[-1].any():
        rgb = np.moveaxis(opt[-1][:3], 0, -1)
    elif sar is not None and sar.size:
        rgb = np.repeat(sar[-1][0][..., None], 3, axis=-1)
    else:
        size = int(_array(sample["masks"]).shape[-1]) if len(sample["masks"]) else 32
        rgb = np.zeros((size, size, 3), np.float32)
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def overlay(rgb: np.ndarray, masks, alpha: float = 0.5) -> np.ndarray:
    """rgb: (S, S, 3) uint8; masks: (N, S, S) values in [0, 1] (>= 0.5 counts) -> (S, S, 3) uint8 with each
    step's mask tinted in its own colour."""
    out = rgb.astype(np.float32)
    m = _array(masks)
    if m is not None:
        for i, mask in enumerate(m.reshape((-1,) + m.shape[-2:]) if m.size else []):
            sel = mask >= 0.5
            if sel.shape != out.shape[:2]:
                continue
            colour = np.asarray(STEP_COLOURS[i % len(STEP_COLOURS)], np.float32)
            out[sel] = (1 - alpha) * out[sel] + alpha * colour
    return np.clip(out, 0, 255).astype(np.uint8)


def to_pixmap(rgb: np.ndarray, side: int = 160):
    """(H, W, 3) uint8 -> a QPixmap scaled to ``side`` pixels (nearest, so masks stay crisp)."""
    # Qt only here: the example masks are computed in a separate engine process that must not load Qt
    from qgis.PyQt.QtGui import QImage, QPixmap

    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    img = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()  # copy: the array may be freed
    return QPixmap.fromImage(img).scaled(side, side)


def sample_pixmap(sample: dict, masks=None, side: int = 160):
    """The sample's image with ``masks`` (default: its own ground-truth step masks) drawn over it."""
    return to_pixmap(overlay(sample_rgb(sample), sample["masks"] if masks is None else masks), side)


def sample_question(sample: dict) -> str:
    rec = sample.get("record")
    return str(getattr(rec, "question", "") or sample.get("prompt", ""))
