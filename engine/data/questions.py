"""Question synthesis over any labelled raster: synthetic scenes and users' own label GeoTIFFs.

``generate_questions`` draws questions of every task type from class rasters (one per date);
``questions_from_labels`` does the same from label GeoTIFF files (the fine-tune wizard's path).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from affine import Affine

from . import classes as C
from .change import change
from .context import LabelContext
from .grounding import implicit, referring
from .tasks import area, boundary, coverage, distance, ranking
from .traces import TASKS, QuestionRecord

SINGLE_DATE: dict[str, Callable] = {"coverage": coverage, "area": area, "distance": distance,
                                    "ranking": ranking, "boundary": boundary, "referring": referring,
                                    "implicit": implicit}
ABSENT_OK = {"coverage", "area", "referring", "implicit", "change"}


def generate_question(ctx: LabelContext, task: str, rng: np.random.Generator, absent: bool = False,
                      date: int | None = None) -> QuestionRecord | None:
    """One question of ``task`` (see traces.TASKS), or None when the labels cannot support it.

    Single-date questions are asked on ``date`` (default: the last date); change questions on the
    first and the last date, or (half of the time with three or more dates) on the whole series."""
    if task == "change":
        if ctx.dates < 2:
            return None
        series = ctx.dates > 2 and rng.random() < 0.5
        return change(ctx, rng, 0, ctx.dates - 1, absent=absent, series=series)
    if task not in SINGLE_DATE:
        raise ValueError(f"unknown task {task!r}; use one of {', '.join(TASKS)}")
    t = ctx.dates - 1 if date is None else date
    return SINGLE_DATE[task](ctx, rng, t, absent=absent and task in ABSENT_OK)


def generate_questions(labels_by_date: np.ndarray | Sequence[np.ndarray], transform: Affine, crs: str | None,
                       rng: np.random.Generator, cloud_mask: np.ndarray | None = None,
                       class_names: dict[int, str] | None = None, valid: np.ndarray | None = None,
                       tasks: Sequence[str] = TASKS, per_task: int = 1, absent_rate: float = 0.15,
                       ) -> list[QuestionRecord]:
    """Questions over a class raster.

    labels_by_date: (T, H, W) or a list of (H, W) integer class rasters on one grid (``transform``,
    ``crs``); class_names: {id: name} (default: the synthetic classes); valid: (H, W) bool area of
    interest (default: every pixel whose id is named); cloud_mask: (T, H, W) or (H, W) bool.
    -> up to ``per_task`` records per task type, ``absent_rate`` of them about an absent target."""
    labels = np.stack(list(labels_by_date)) if not isinstance(labels_by_date, np.ndarray) else labels_by_date
    if labels.ndim == 2:
        labels = labels[None]
    names = dict(class_names) if class_names is not None else dict(C.CLASS_NAMES)
    if valid is None:
        valid = np.isin(labels[-1], list(names))
    ctx = LabelContext(labels, names, transform, crs, np.asarray(valid, bool),
                       None if cloud_mask is None else np.asarray(cloud_mask, bool))
    out: list[QuestionRecord] = []
    for task in tasks:
        for _ in range(per_task):
            absent = task in ABSENT_OK and rng.random() < absent_rate
            rec = generate_question(ctx, task, rng, absent=absent)
            if rec is None and absent:
                rec = generate_question(ctx, task, rng, absent=False)
            if rec is not None:
                out.append(rec)
    return out


def questions_from_labels(label_path: str | Path | Sequence[str | Path], class_names: dict[int, str],
                          seed: int = 0, tasks: Sequence[str] = TASKS, per_task: int = 4,
                          absent_rate: float = 0.15, aoi_mask: np.ndarray | None = None,
                          ) -> list[QuestionRecord]:
    """Questions from label GeoTIFF(s): one path, or one path per date (same grid). Nodata pixels, ids
    not in ``class_names`` and pixels outside ``aoi_mask`` ((H, W) bool, e.g. the training blocks of a
    spatial split) are outside the area of interest."""
    import rasterio

    paths = [label_path] if isinstance(label_path, (str, Path)) else list(label_path)
    arrays, transform, crs, valid = [], None, None, None
    for p in paths:
        with rasterio.open(p) as src:
            band = src.read(1, masked=True)
            if transform is None:
                transform, crs = src.transform, (src.crs.to_string() if src.crs else None)
            elif band.shape != arrays[0].shape:
                raise ValueError(f"{p}: label grid {band.shape} differs from {arrays[0].shape}")
            arrays.append(np.asarray(band.astype(np.int64).filled(-1)))
            ok = ~np.ma.getmaskarray(band)
            valid = ok if valid is None else (valid & ok)
    labels = np.stack(arrays)
    valid = valid & np.isin(labels, list(class_names)).all(axis=0)
    if aoi_mask is not None:
        valid = valid & np.asarray(aoi_mask, bool)
    return generate_questions(labels, transform, crs, np.random.default_rng(seed), class_names=class_names,
                              valid=valid, tasks=tasks, per_task=per_task, absent_rate=absent_rate)
