"""Multi-date change questions (building change estimation and other land-cover change).

Two steps on two dates: the reference region on the first date, then the changed region on the
later date (its measurement carries the distance to step 1). The answer bins the changed area.
When nothing changed, the changed step is empty (``[no such region]``) and "no such region" is right.
"""
from __future__ import annotations

import numpy as np

from . import classes as C
from .choices import AREA_LADDER, SHARE_LADDER, fmt_area, fmt_share
from .context import LabelContext
from .tasks import _binned, _pick
from .traces import QuestionRecord, TraceStep

# (kind, reference class, question templates, reference phrase, changed phrase)
CHANGES = (
    ("destroyed", C.BUILDING, ("How much building area was destroyed between the two dates?",
                               "What area of buildings was lost between the first and the second image?"),
     "buildings", "destroyed buildings"),
    ("new_buildings", C.BUILDING, ("How much new building area appeared between the two dates?",
                                   "What area of new construction was built between the two images?"),
     "buildings", "new buildings"),
    ("flood", C.WATER, ("How much land was newly flooded between the two dates?",
                        "What area did the flood water spread over between the two images?"),
     "water", "newly flooded land"),
    ("flooded_cropland", C.CROPLAND, ("How much cropland was flooded between the two dates?",
                                      "What area of fields went under water between the two images?"),
     "cropland", "flooded cropland"),
    ("forest_loss", C.FOREST, ("How much forest was cleared between the two dates?",
                               "What area of forest was lost between the two images?"),
     "forest", "cleared forest"),
)
SHARE_Q = {"flood": "What share of the area was newly flooded between the two dates?",
           "forest_loss": "What share of the area lost its forest between the two dates?"}


def change_mask(ctx: LabelContext, kind: str, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray] | None:
    """-> (reference mask at t0, changed mask at t1), (H, W) bool each; None if a class is missing."""
    b, w, cr, f = (ctx.canon(c) for c in (C.BUILDING, C.WATER, C.CROPLAND, C.FOREST))
    if kind in ("destroyed", "new_buildings") and b is not None:
        b0, b1 = ctx.mask(b, t0), ctx.mask(b, t1)
        return b0, (b0 & ~b1) if kind == "destroyed" else (b1 & ~b0)
    if kind == "flood" and w is not None:
        w0 = ctx.mask(w, t0)
        return w0, ctx.mask(w, t1) & ~w0
    if kind == "flooded_cropland" and w is not None and cr is not None:
        c0 = ctx.mask(cr, t0)
        return c0, c0 & ctx.mask(w, t1)
    if kind == "forest_loss" and f is not None:
        f0 = ctx.mask(f, t0)
        return f0, f0 & ~ctx.mask(f, t1)
    return None


def _span(t0: int, t1: int, series: bool) -> tuple[list[int], int]:
    """(the question's dates, index of t1 among them): [t0, t1], or every date t0..t1 for a series."""
    return (list(range(t0, t1 + 1)), t1 - t0) if series else ([t0, t1], 1)


def change(ctx: LabelContext, rng, t0: int, t1: int, absent: bool = False, series: bool = False
           ) -> QuestionRecord | None:
    """A change question between dates t0 < t1. ``absent`` asks for a change that did not happen;
    ``series`` asks it on every date from t0 to t1 (the steps still look at the first and the last)."""
    dates, last = _span(t0, t1, series)
    options = []
    for kind, ref_cls, qs, ref_phrase, phrase in CHANGES:
        pair = change_mask(ctx, kind, t0, t1)
        if pair is None or not pair[0].any():
            continue
        big_enough = pair[1].sum() >= max(4, ctx.min_share * ctx.valid.sum() / 4)
        if (not pair[1].any()) if absent else big_enough:
            options.append((kind, qs, ref_phrase, phrase, pair))
    if not options:
        return _generic_change(ctx, rng, t0, t1, series) if not absent else None
    kind, qs, ref_phrase, phrase, (ref, diff) = _pick(rng, options)
    m1 = ctx.measure(ref)
    m2 = ctx.measure(diff, earlier=[ref])
    steps = [TraceStep(ref_phrase, 0, ref, m1), TraceStep(phrase, last, diff, m2)]
    if kind in SHARE_Q and rng.random() < 0.4:
        q, ch = SHARE_Q[kind], _binned(rng, 100 * m2.share, SHARE_LADDER, fmt_share, absent)
    else:
        q = _pick(rng, qs)
        ch = _binned(rng, m2.area_m2, AREA_LADDER, fmt_area, absent, abs_margin=4 * ctx.pixel_m() ** 2)
    if ch is None:
        return None
    return QuestionRecord("change", q, ch[0], ch[1], steps, dates=dates, absent=absent,
                          meta={"change": kind})


def _generic_change(ctx: LabelContext, rng, t0: int, t1: int, series: bool = False) -> QuestionRecord | None:
    """Loss of any named class between the dates (for label rasters without the synthetic classes)."""
    cands = []
    for cid in ctx.class_names:
        a0, a1 = ctx.mask(cid, t0), ctx.mask(cid, t1)
        lost = a0 & ~a1
        if a0.any() and lost.sum() >= 4:
            cands.append((cid, a0, lost))
    if not cands:
        return None
    cid, a0, lost = _pick(rng, cands)
    name = ctx.name(cid)
    m1, m2 = ctx.measure(a0), ctx.measure(lost, earlier=[a0])
    ch = _binned(rng, m2.area_m2, AREA_LADDER, fmt_area, False, abs_margin=4 * ctx.pixel_m() ** 2)
    if ch is None:
        return None
    dates, last = _span(t0, t1, series)
    steps = [TraceStep(name, 0, a0, m1), TraceStep(f"{name} lost", last, lost, m2)]
    return QuestionRecord("change", f"How much {name} was lost between the two dates?", ch[0], ch[1], steps,
                          dates=dates, meta={"change": "loss"})
