"""The six multiple-choice task types of TerraScope-Bench, synthesised from label rasters.

Each generator takes a LabelContext, a numpy Generator and the date(s), and returns a QuestionRecord
(or None when the scene cannot support the task). The right option always follows from the
measurements written in the trace: share for coverage, area for area, the step-2 distance for
distance and boundary, the areas for ranking, the changed region's area for change.
"""
from __future__ import annotations

import numpy as np

from ..trace_format import LETTERS
from . import classes as C
from .choices import (AREA_LADDER, DISTANCE_LADDER, SHARE_LADDER, bin_choices, fmt_area, fmt_distance,
                      fmt_share, ordering_choices, with_extra_option)
from .context import CLEARLY_LARGER, LabelContext, clearly_largest_component
from .traces import NO_REGION_CHOICE, QuestionRecord, TraceStep

COVERAGE_Q = ("What share of the area is covered by {n}?", "What percentage of this scene is {n}?",
              "How much of the area of interest, in percent, is {n}?",
              "What fraction of the image shows {n}?")
AREA_Q = ("What is the total area of {n}?", "How large is the area covered by {n}?",
          "How many hectares of {n} are there?", "Estimate the area of {n} in this scene.")
AREA_PATCH_Q = ("How large is the largest single patch of {n}?",
                "What is the area of the biggest single patch of {n}?")
DISTANCE_Q = ("How far {is_} the {b} from the {a}?",
              "What is the shortest distance between the {a} and the {b}?",
              "How close {do} the {b} come to the {a}?", "What is the gap between the {a} and the {b}?")
RANK3_Q = ("Rank {a}, {b} and {c} by area, largest first.",
           "Order {a}, {b} and {c} from largest to smallest area.")
RANK2_Q = ("Which covers more area: {a} or {b}?", "Is there more {a} or more {b} in this area?")
BOUNDARY_Q = ("How do the {a} and the {b} lie relative to each other?", "Do the {a} and the {b} touch?",
              "Is the {a} adjacent to the {b}?")
ADJACENT = "adjacent (they share a boundary)"

# Class pairs that make natural distance / boundary questions (first = reference, second = target).
NATURAL_PAIRS = ((C.WATER, C.BUILDING), (C.ROAD, C.BUILDING), (C.WATER, C.CROPLAND), (C.FOREST, C.BUILDING),
                 (C.WATER, C.FOREST), (C.ROAD, C.WATER), (C.BUILT_UP, C.FOREST), (C.WATER, C.BUILT_UP),
                 (C.FOREST, C.CROPLAND), (C.BARE_SOIL, C.WATER))


def _plural(phrase: str) -> bool:
    """"buildings", "roads" -> True; "forest", "largest building", "bare soil" -> False."""
    last = phrase.split()[-1]
    return last.endswith("s") and not last.endswith("ss")


def _pick(rng: np.random.Generator, items: list | tuple):
    return items[int(rng.integers(len(items)))]


def _absent_bins(rng, ladder, fmt, lo, hi):
    """Three plausible bins around a made-up value, for questions whose target is absent."""
    fake = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    return bin_choices(fake, ladder, rng, fmt, n=3)


def _binned(rng, value, ladder, fmt, absent, no_region_rate=0.3, abs_margin=0.0):
    """(options, letter) for a value; "no such region" is an option when absent (then it is the
    answer) and on a share of the other questions, so its presence gives nothing away."""
    extra = absent or rng.random() < no_region_rate
    if absent:
        b = _absent_bins(rng, ladder, fmt, ladder[1], ladder[-3])
        if b is None:
            return None
        return with_extra_option(b[0], None, NO_REGION_CHOICE, rng, True)
    b = bin_choices(value, ladder, rng, fmt, n=3 if extra else 4, abs_margin=abs_margin)
    if b is None:
        return None
    if extra:
        return with_extra_option(b[0], b[1], NO_REGION_CHOICE, rng, False)
    return b[0], LETTERS[b[1]]


def _target(ctx: LabelContext, rng, t: int, absent: bool) -> int | None:
    pool = ctx.absent(t) if absent else ctx.present(t)
    return _pick(rng, pool) if pool else None


def coverage(ctx: LabelContext, rng, t: int, absent: bool = False) -> QuestionRecord | None:
    cid = _target(ctx, rng, t, absent)
    if cid is None:
        return None
    mask = ctx.mask(cid, t)
    m = ctx.measure(mask)
    ch = _binned(rng, 100 * m.share, SHARE_LADDER, fmt_share, absent)
    if ch is None:
        return None
    name = ctx.name(cid)
    return QuestionRecord("coverage", _pick(rng, COVERAGE_Q).format(n=name), ch[0], ch[1],
                          [TraceStep(name, 0, mask, m)], dates=[t], absent=absent,
                          meta={"cloud_share": ctx.cloud_share(mask, t)})


def area(ctx: LabelContext, rng, t: int, absent: bool = False) -> QuestionRecord | None:
    cid = _target(ctx, rng, t, absent)
    if cid is None:
        return None
    name = ctx.name(cid)
    mask = ctx.mask(cid, t)
    patch = clearly_largest_component(mask)
    if not absent and rng.random() < 0.3 and patch is not None and ctx.big_enough(patch):
        mask = patch
        phrase = ctx.patch_phrase(cid)
        question = _pick(rng, AREA_PATCH_Q).format(n=name)
    else:
        question, phrase = _pick(rng, AREA_Q).format(n=name), name
    m = ctx.measure(mask)
    ch = _binned(rng, m.area_m2, AREA_LADDER, fmt_area, absent, abs_margin=4 * ctx.pixel_m() ** 2)
    if ch is None:
        return None
    return QuestionRecord("area", question, ch[0], ch[1], [TraceStep(phrase, 0, mask, m)], dates=[t],
                          absent=absent, meta={"cloud_share": ctx.cloud_share(mask, t)})


def _pairs(ctx: LabelContext, rng, t: int) -> list[tuple[int, int]]:
    present = ctx.present(t)
    natural = [(ctx.canon(a), ctx.canon(b)) for a, b in NATURAL_PAIRS]
    pairs = [(a, b) for a, b in natural if a in present and b in present]
    if len(pairs) < 3:
        pairs += [(a, b) for a in present for b in present if a != b and (a, b) not in pairs]
    order = rng.permutation(len(pairs))
    return [pairs[i] for i in order]


def _object_pairs(ctx: LabelContext, rng, t: int, limit: int = 8):
    """Candidate (reference phrase, mask, target phrase, mask) pairs, each pair of classes as whole
    classes and as their largest patches (whole classes often touch somewhere; patches have gaps) where a
    class's largest patch is clearly its largest (:func:`clearly_largest_component`)."""
    for a, b in _pairs(ctx, rng, t)[:limit]:
        ma, mb = ctx.mask(a, t), ctx.mask(b, t)
        la, lb = clearly_largest_component(ma), clearly_largest_component(mb)
        na, nb, pa, pb = ctx.name(a), ctx.name(b), ctx.patch_phrase(a), ctx.patch_phrase(b)
        variants = [(na, ma, nb, mb), (pa, la, nb, mb), (pa, la, pb, lb)]
        for i in rng.permutation(3):
            ra, rb = variants[i][1], variants[i][3]
            if ra is not None and rb is not None and ctx.big_enough(ra) and ctx.big_enough(rb):
                yield variants[i]


def _measured_pair(ctx, pa, ma, pb, mb):
    m1 = ctx.measure(ma)
    m2 = ctx.measure(mb, earlier=[ma])
    return [TraceStep(pa, 0, ma, m1), TraceStep(pb, 0, mb, m2)], m2.distances_m[0][1]


def _choose_pair(ctx, rng, t, want_gap: bool):
    """(steps, distance_m) for a pair whose distance is > 0 when ``want_gap`` (else 0), if one exists."""
    found = None
    for pa, ma, pb, mb in _object_pairs(ctx, rng, t):
        steps, d = _measured_pair(ctx, pa, ma, pb, mb)
        if found is None or (d > 0) == want_gap:
            found = (steps, d)
        if (d > 0) == want_gap:
            break
    return found


def distance(ctx: LabelContext, rng, t: int, absent: bool = False) -> QuestionRecord | None:
    found = _choose_pair(ctx, rng, t, want_gap=rng.random() < 0.92)
    if found is None:
        return None
    steps, d = found
    b_ch = bin_choices(d, DISTANCE_LADDER, rng, fmt_distance, n=4, abs_margin=1.5 * ctx.pixel_m())
    if b_ch is None:
        return None
    plural = _plural(steps[1].phrase)
    q = _pick(rng, DISTANCE_Q).format(a=steps[0].phrase, b=steps[1].phrase, is_="are" if plural else "is",
                                      do="do" if plural else "does")
    return QuestionRecord("distance", q, b_ch[0], LETTERS[b_ch[1]], steps, dates=[t], meta={"distance_m": d})


def ranking(ctx: LabelContext, rng, t: int, absent: bool = False) -> QuestionRecord | None:
    present = ctx.present(t)
    k = 3 if len(present) >= 3 and rng.random() < 0.7 else 2
    if len(present) < k:
        return None
    for _ in range(6):
        cids = [int(c) for c in rng.choice(present, k, replace=False)]
        areas = sorted(float(ctx.mask(c, t).sum()) for c in cids)
        if all(hi >= CLEARLY_LARGER * lo for lo, hi in zip(areas[:-1], areas[1:])):
            break
    else:
        return None
    names = [ctx.name(c) for c in cids]
    steps, masks = [], []
    for c in cids:
        mk = ctx.mask(c, t)
        steps.append(TraceStep(ctx.name(c), 0, mk, ctx.measure(mk, earlier=list(masks))))
        masks.append(mk)
    a_m2 = [s.measurement.area_m2 for s in steps]
    if k == 3:
        opts, letter = ordering_choices(names, a_m2, rng)
        q = _pick(rng, RANK3_Q).format(a=names[0], b=names[1], c=names[2])
    else:
        opts, letter = names, LETTERS[int(np.argmax(a_m2))]
        q = _pick(rng, RANK2_Q).format(a=names[0], b=names[1])
    return QuestionRecord("ranking", q, opts, letter, steps, dates=[t])


def boundary(ctx: LabelContext, rng, t: int, absent: bool = False) -> QuestionRecord | None:
    found = _choose_pair(ctx, rng, t, want_gap=rng.random() < 0.6)
    if found is None:
        return None
    steps, d = found
    a, b = steps[0].phrase, steps[1].phrase
    px = ctx.pixel_m()
    cands = [x for x in DISTANCE_LADDER if x >= 2 * px and abs(x - d) > max(0.15 * d, 1.5 * px)]
    if not cands:
        return None
    if d == 0:
        thr = float(_pick(rng, cands[:5]))
    else:  # the threshold lies above (answer "less than") or below (answer "more than") the distance
        sides = [side for side in ([x for x in cands if x > d][:3], [x for x in cands if x < d][-3:]) if side]
        thr = float(_pick(rng, _pick(rng, sides)))
    opts = [ADJACENT, f"separated by less than {fmt_distance(thr)}",
            f"separated by more than {fmt_distance(thr)}"]
    idx = 0 if d == 0 else (1 if d < thr else 2)
    q = _pick(rng, BOUNDARY_Q).format(a=a, b=b)
    return QuestionRecord("boundary", q, opts, LETTERS[idx], steps, dates=[t], meta={"distance_m": d})
