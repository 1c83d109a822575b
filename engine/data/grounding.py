"""Free-answer grounding questions: referring segmentation and implicit (purpose-driven) questions.

Referring: the target is named ("Segment the forest in the northern half."). Implicit, in the manner
of EarthReason: the target follows from a purpose ("Where could a small plane land?" -> large open
bare fields). Both have no options; the answer names the region and its measured area, or says
"no such region" when the target is absent.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..geo.landing import landing_patches
from ..geo.places import HALF_SIDES, extent_of, half_mask
from . import classes as C
from .context import LabelContext, clearly_largest_component, components
from .tasks import _pick, _target
from .traces import QuestionRecord, TraceStep, free_answer

REFER_Q = ("Segment the {n}.", "Show all {n} in this image.", "Where is the {n}?", "Outline the {n}.",
           "Find the {n}.")


def referring(ctx: LabelContext, rng, t: int, absent: bool = False) -> QuestionRecord | None:
    cid = _target(ctx, rng, t, absent)
    if cid is None:
        return None
    name = ctx.name(cid)
    mask = ctx.mask(cid, t)
    r = rng.random()
    which = _pick(rng, list(HALF_SIDES))
    # the half of the area of interest, as the engine cuts it (engine.geo.places)
    patch, in_half = clearly_largest_component(mask), mask & half_mask(which, mask.shape, extent_of(ctx.valid))
    phrase = name
    if absent or r < 0.6:
        pass
    elif r < 0.8 and patch is not None and ctx.big_enough(patch):
        mask, phrase = patch, ctx.patch_phrase(cid)
    elif r >= 0.8 and ctx.big_enough(in_half):
        mask, phrase = in_half, f"{name} in the {which} half"
    m = ctx.measure(mask)
    q = _pick(rng, REFER_Q).format(n=phrase)
    return QuestionRecord("referring", q, [], free_answer(phrase, m), [TraceStep(phrase, 0, mask, m)],
                          dates=[t], absent=absent or m.empty, meta={"cloud_share": ctx.cloud_share(mask, t)})


def _landing(ctx: LabelContext, t: int) -> np.ndarray:
    """Bare-soil patches long and large enough for a small plane's landing run (engine.geo.landing)."""
    return landing_patches(ctx.mask(ctx.canon(C.BARE_SOIL), t), ctx.pixel_m())


def _flood_first(ctx: LabelContext, t: int) -> np.ndarray:
    """Cropland patches that touch the water (within one pixel)."""
    crop = ctx.mask(ctx.canon(C.CROPLAND), t)
    water = ctx.mask(ctx.canon(C.WATER), t)
    if not crop.any() or not water.any():
        return np.zeros(crop.shape, bool)
    lab, n = components(crop)
    near = ndimage.binary_dilation(water, np.ones((3, 3), bool), iterations=2)
    keep = np.unique(lab[near & crop])
    return np.isin(lab, keep[keep > 0])


def _cls(canonical: int):
    return lambda ctx, t: ctx.mask(ctx.canon(canonical), t)


# (question, target function, step phrase)
IMPLICIT = (
    ("Where could a small plane land?", _landing, "large open bare fields"),
    ("Which fields would flood first if the river rose?", _flood_first, "cropland next to the water"),
    ("Where could cattle graze?", _cls(C.GRASSLAND), "grassland"),
    ("Where do people live here?", _cls(C.BUILDING), "buildings"),
    ("Where could a boat travel?", _cls(C.WATER), "water"),
    ("Where could hikers find shade under trees?", _cls(C.FOREST), "forest"),
    ("Which land is used to grow crops?", _cls(C.CROPLAND), "cropland"),
    ("Where could a car drive?", _cls(C.ROAD), "roads"),
)


RESCUE_Q = "Where should rescue teams search for people trapped in collapsed houses?"


def _rescue(ctx: LabelContext, rng, absent: bool) -> QuestionRecord | None:
    """Two dates: the buildings of the first date, then those gone by the last (a destroyed building)."""
    b = ctx.canon(C.BUILDING)
    if b is None or ctx.dates < 2:
        return None
    t0, t1 = 0, ctx.dates - 1
    before = ctx.mask(b, t0)
    gone = before & ~ctx.mask(b, t1)
    if not before.any() or (gone.any() if absent else gone.sum() < 4):
        return None
    m1 = ctx.measure(before)
    m2 = ctx.measure(gone, earlier=[before])
    steps = [TraceStep("buildings", 0, before, m1), TraceStep("destroyed buildings", 1, gone, m2)]
    return QuestionRecord("implicit", RESCUE_Q, [], free_answer("destroyed buildings", m2), steps,
                          dates=[t0, t1], absent=absent)


def implicit(ctx: LabelContext, rng, t: int, absent: bool = False) -> QuestionRecord | None:
    """A purpose question whose target is implied; with ``absent`` one whose target is not there.
    With two or more dates, sometimes the rescue question (destroyed buildings, two dates)."""
    if ctx.dates > 1 and rng.random() < 0.3:
        rec = _rescue(ctx, rng, absent)
        if rec is not None:
            return rec
    cands = []
    for q, fn, phrase in IMPLICIT:
        mask = fn(ctx, t)
        big = mask.sum() >= max(4, ctx.min_share * ctx.valid.sum())
        if (not mask.any()) if absent else big:
            cands.append((q, mask, phrase))
    if not cands:
        return None
    q, mask, phrase = _pick(rng, cands)
    steps, earlier = [], []
    if phrase == "cropland next to the water" and rng.random() < 0.5:
        water = ctx.mask(ctx.canon(C.WATER), t)  # two steps: find the water, then the fields beside it
        steps.append(TraceStep("water", 0, water, ctx.measure(water)))
        earlier = [water]
    m = ctx.measure(mask, earlier=earlier)
    steps.append(TraceStep(phrase, 0, mask, m))
    return QuestionRecord("implicit", q, [], free_answer(phrase, m), steps, dates=[t], absent=absent,
                          meta={"cloud_share": ctx.cloud_share(mask, t)})
