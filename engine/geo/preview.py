"""The picture a user looks at first: the image with each step's mask filled, outlined and numbered, and
the answer as a caption."""
from __future__ import annotations

import os
import textwrap

import numpy as np

# distinct, colour-blind-friendly fills (Okabe-Ito), cycled for more steps
COLOURS = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
           (204, 121, 167), (255, 255, 255)]
ALPHA = 0.45


def render_preview(rgb: np.ndarray, masks: list, labels: list[str], answer: str, path,
                   max_side: int = 1024) -> str:
    """Write a PNG at ``path``.

    ``rgb``: (3, H, W) float in [0, 1]; ``masks``: list of (H, W) bool (one per step, None or empty allowed);
    ``labels``: one per mask (shown in the legend, numbered like the steps); ``answer``: the caption.
    The image is scaled so its longer side is at most ``max_side`` px (at least 384 px).
    """
    from PIL import Image, ImageDraw

    rgb = np.asarray(rgb, dtype=np.float32)
    _, h, w = rgb.shape
    base = (np.clip(rgb.transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8)
    img = base.astype(np.float32)
    outline = np.zeros((h, w), bool)
    outlines = []
    for i, m in enumerate(masks):
        if m is None:
            outlines.append(None)
            continue
        m = np.asarray(m, bool)
        colour = np.array(COLOURS[i % len(COLOURS)], np.float32)
        img[m] = (1 - ALPHA) * img[m] + ALPHA * colour
        edge = m & ~_erode(m)
        outlines.append(edge)
        outline |= edge
    for i, edge in enumerate(outlines):
        if edge is not None:
            img[edge] = COLOURS[i % len(COLOURS)]
    scale = min(max_side / max(h, w), max(1.0, 384 / max(h, w)))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    picture = Image.fromarray(img.astype(np.uint8)).resize(size, Image.NEAREST)
    font_px = max(12, size[0] // 40)
    font = _font(font_px)
    font_px = getattr(font, "size", font_px)
    draw = ImageDraw.Draw(picture)
    for i, m in enumerate(masks):
        if m is None or not np.asarray(m).any():
            continue
        r, c = _label_point(np.asarray(m, bool))
        x, y = c * scale, r * scale
        text = str(i + 1)
        box = draw.textbbox((x, y), text, font=font, anchor="mm")
        draw.rectangle((box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2), fill=(0, 0, 0))
        draw.text((x, y), text, fill=COLOURS[i % len(COLOURS)], font=font, anchor="mm")
    lines = [f"{i + 1}. {lab}" for i, lab in enumerate(labels)]
    lines += textwrap.wrap(f"Answer: {answer}", width=max(30, size[0] // max(7, font_px // 2 + 1)))
    line_h = font_px + 6
    canvas = Image.new("RGB", (size[0], size[1] + line_h * len(lines) + 10), (24, 24, 24))
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for k, line in enumerate(lines):
        colour = COLOURS[k % len(COLOURS)] if k < len(labels) else (240, 240, 240)
        draw.text((8, size[1] + 5 + k * line_h), line, fill=colour, font=font)
    path = os.fspath(path)
    tmp = path + ".tmp.png"
    canvas.save(tmp, format="PNG")
    os.replace(tmp, path)
    return path


def _erode(m: np.ndarray) -> np.ndarray:
    out = m.copy()
    out[1:] &= m[:-1]
    out[:-1] &= m[1:]
    out[:, 1:] &= m[:, :-1]
    out[:, :-1] &= m[:, 1:]
    return out


def _label_point(m: np.ndarray) -> tuple[float, float]:
    """A pixel inside the mask near its centre of mass (row, col), for the step number."""
    rows, cols = np.nonzero(m)
    r, c = rows.mean(), cols.mean()
    k = int(np.argmin((rows - r) ** 2 + (cols - c) ** 2))
    return float(rows[k]) + 0.5, float(cols[k]) + 0.5


def _font(size: int):
    from PIL import ImageFont

    names = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
             "LiberationSans-Regular.ttf")
    for name in names:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()
