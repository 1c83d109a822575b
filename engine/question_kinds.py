"""Questions an analyst asks of a scene beyond the bench's six kinds, planned as steps the model grounds and answered
from what those steps measure.

- **How many** ("How many buildings are there?", "Count the lakes."): the class, grounded as a step; the answer is
  the number of separate patches its layer holds (8-connected polygons, as the layer the user sees), specks of a
  few pixels left out (:func:`counted_patches`).
- **Whether any** ("Is there any forest?", "Does the image show flooding?"): the class; the answer is yes with its
  area and share, or no.
- **What the area is made of** ("What is the dominant land cover?", "Which land-cover classes are present?"):
  every class the model knows (a fine-tuned adapter's classes where it has them), each a step on the last date;
  the answer lists them by share, largest first.
- **How long** ("How long is the river?", "What is the total length of the roads?"): the region; the answer is its
  length along its centre line (:mod:`engine.geo.centerline`).
- **A class near a region** ("Are there roads near the flooded area?", "Which houses are close to the river?"): the
  class's patches next to the region, as the model's phrase writes it ("roads next to the water"), after the region
  itself as a step of its own. It can be counted or asked for as well ("How many buildings are near the river?"),
  and a list of classes near one region gets a step each ("Are there roads and houses near the river?").
- **Flooded fields on one date** ("Which fields are flooded?", "How much cropland is under water?"): a field under
  water reads as water, so the step is the water (on two dates the change plan reads the flooded cropland first).

:func:`question_kind` reads a question without options; the bench's questions, which have options or name their
regions in the trace's own grammar, read as none of these. :func:`kind_answer` writes the answer from the steps the
engine measured. Regions are read as :mod:`engine.question_regions` reads them: a class by its name, a fine-tuned
adapter's class name (``known``), or everyday words ("houses", "the flooded area", "the river").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .data.classes import BUILDING, CLASS_NAMES, canonical_class
from .question_regions import classes_in, known_names_in, patch_phrase, region_plan
from .trace_format import format_area, format_share, next_to

COUNT, PRESENCE, COMPOSITION, REGION, LENGTH = "count", "presence", "composition", "region", "length"
NO_REGION_ANSWER = "no such region"
# A patch of fewer pixels of its layer's grid is a speck of the mask, not an object, and is not counted; but buildings
# on grids of SMALL_OBJECT_GRID_M or coarser are a few pixels across, and all of their patches count. Chosen on written
# validation scenes; on others the counts came within a median 7 % of the labels' sub-metre buildings (11 % with every
# polygon counted) and 35-58 % of their water bodies (122-200 %): model card, "Questions beyond the bench".
COUNT_MIN_PIXELS = 16
SMALL_OBJECT_GRID_M = 5.0

_COUNT_RE = re.compile(r"\b(?:how many(?! (?:hectares|acres|square|sq|km2?|m2|percent)\b)|count(?:ing)? (?:the|all)?|"
                       r"number of)\b")
_PRESENCE_RE = re.compile(r"^(?:(?:is|are) there(?! more)(?: any)?|(?:does|do) (?:the |this )?"
                          r"(?:image|scene|area|picture|map|region|tile)s? (?:contain|show|have|include)(?: any)?|"
                          r"can (?:you|i|we) see(?: any)?|"
                          r"(?:is|are) (?:any )?\S+(?: \S+)? (?:present|visible)|(?:is|are) any|any)\b")
_COMPOSITION_RE = re.compile(
    r"\b(?:(?:main|dominant|predominant|prevailing|major|largest|biggest|most common|principal) land[- ]?(?:cover|use)|"
    r"land[- ]?(?:cover|use) (?:classes|types|categories|composition|breakdown|distribution|mix|summary|"
    r"classification|map)|(?:which|what) land[- ]?(?:cover|use)\b.*\b(?:dominat\w*|present|most|largest|there)|"
    r"(?:classify|describe|summari[sz]e) (?:the |this )?(?:land[- ]?(?:cover|use)|scene|image|area)|"
    r"what (?:does|do) (?:the |this )?(?:scene|image|area) (?:consist of|contain)|"
    r"what is (?:the |this )?(?:scene|image|area) (?:made of|covered (?:by|with)))")
_DOMINANT_RE = re.compile(r"\b(?:main|dominant|dominat\w*|predominant|prevailing|major|largest|biggest|most|"
                          r"principal)\b")
_NEAR_RE = re.compile(r"\b(?P<a>.+?) (?:(?:that|which) (?:are|is|lie|lies) )?(?:near(?:by)?|close to|next to|"
                      r"beside|along(?:side)?|bordering|adjacent to|around) (?P<b>.+)$")
# Words a question wraps its region in ("Are there any", "How many ... are there?"), dropped before the region is read.
_FILLER_RE = re.compile(r"\b(?:how many|count(?:ing)?|number of|is there|are there|any|which|what|where|show|map|"
                        r"find|outline|mark|are|is|do|does|there|the|all|of|in|on|this|that|these|image|scene|"
                        r"area|picture|region|tile|visible|present|can|you|i|we|see|contain|include|have|exist|"
                        r"located|lie|lies|separate|a|an|here)\b")
_LARGEST_RE = re.compile(r"\b(?:largest|biggest)\b")
_LENGTH_RE = re.compile(r"\bhow long\b|\b(?:total |overall |combined )?length\b|"
                        r"\b(?:kilomet(?:re|er)s?|km|miles?) of\b|\bhow many (?:kilomet(?:re|er)s?|km|miles?)\b|"
                        r"\blong\b")
_MILES = re.compile(r"\bmiles?\b")
_LIST_RE = re.compile(r",? \b(?:and|or)\b |, ")
_FLOOD_RE = re.compile(r"\b(?:flood(?:s|ed|ing)?|inundated|submerged|under ?water|waterlogged)\b")
_CHANGE_RE = re.compile(r"(?<![\w-])(?:destroyed|demolished|collapsed|damaged|new|newly|cleared|lost|appeared|"
                        r"built|chang\w*|before|after|since|between|dates?|first|second|grew|grown|expanded|"
                        r"spread\w*)(?![\w-])")


@dataclass(frozen=True)
class QuestionKind:
    """What a question asks (``kind``: :data:`COUNT`, :data:`PRESENCE`, :data:`COMPOSITION`, :data:`LENGTH` or
    :data:`REGION`, the region itself: a class near a region, flooded fields) and the
    phrases of the steps that answer it, in order (the model's words: "water", "roads next to the water")."""
    kind: str
    steps: tuple[str, ...]
    answered: tuple[str, ...] = ()  # the steps the answer reports, where not all are (a region others lie next to)

    @property
    def regions(self) -> tuple[str, ...]:
        """The phrases of the steps the answer reports on."""
        return self.answered or self.steps


def _plain(question: str) -> str:
    return " ".join(question.lower().replace("?", " ").replace(".", " ").split())


def _region_words(text: str) -> str:
    """``text`` without the words a question wraps its region in, as a region phrase ("Are there any houses?" -> "the
    houses")."""
    return "the " + " ".join(_FILLER_RE.sub(" ", _plain(text)).split())


def one_region(text: str, known: Iterable[str] = ()) -> str | None:
    """The model's phrase for the one region ``text`` names: a fine-tuned adapter's class (``known``), a class by
    its name or by everyday words ("houses" -> "buildings"), or its largest patch where the words name one ("a lake",
    "the river" -> "largest water body"); None when it names none or more than one."""
    found = known_names_in(_plain(text), known)
    if found:
        return found[0] if len(found) == 1 else None
    words = _region_words(text)
    names = classes_in(words)
    if len(names) != 1:
        return None
    name = next(iter(names))
    one_patch = _LARGEST_RE.search(words) or region_plan(words) == [patch_phrase(name)]
    return patch_phrase(name) if one_patch else name


def _near(q: str, known: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """(the region, ("<class> next to the <region>", ...)) for a question that names a class, or a list of classes,
    near a region; (None, ()) otherwise."""
    m = _NEAR_RE.search(q)
    if m is None:
        return None, ()
    regions, reference = _listed_regions(m.group("a"), known), one_region(m.group("b"), known)
    if not regions or reference is None or any(r == reference or r.startswith("largest ") for r in regions):
        return None, ()
    return reference, tuple(f"{r} next to the {reference}" for r in regions)


def _flooded_fields(q: str, known: Iterable[str]) -> str | None:
    """"water" for a question about flooded fields on one date ("Which fields are flooded?", "How much cropland is
    under water?"): a field under water reads as water. On written validation scenes the water next to the cropland
    marked the flooded fields no better than the water (10 m grids) or not at all where every field was under water
    (sub-metre grids): model card, "Questions beyond the bench". None for any other question."""
    if known_names_in(q, known) or not _FLOOD_RE.search(q):
        return None
    return "water" if classes_in(_region_words(q)) == {"water", "cropland"} else None


def question_kind(question: str, known: Iterable[str] = ()) -> QuestionKind | None:
    """What ``question`` (asked without options) asks beyond the bench's kinds and the steps that answer it
    (module doc), else None: it asks none of these, names no region (or, except in a list that counts or asks whether
    there is any, more than one), or asks about a change."""
    q, known = _plain(question), tuple(known)
    if _COMPOSITION_RE.search(q):
        return QuestionKind(COMPOSITION, known or tuple(CLASS_NAMES.values()))
    if _CHANGE_RE.search(q):
        return None
    if _LENGTH_RE.search(q):  # "How long is the river?", "What is the total length of the roads?"
        region = one_region(_LENGTH_RE.sub(" ", q), known)
        return QuestionKind(LENGTH, (region,)) if region else None
    counted, asked = bool(_COUNT_RE.search(q)), bool(_PRESENCE_RE.search(q))
    kind = COUNT if counted else PRESENCE if asked else REGION
    reference, near = _near(q, known)
    if near:  # the region they lie next to is grounded first, as a step of its own
        return QuestionKind(kind, (reference,) + near, near)
    flooded = _flooded_fields(q, known)
    regions = (flooded,) if flooded else _listed_regions(q, known) if counted or asked else ()
    return QuestionKind(kind, regions) if regions else None


def _listed_regions(q: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """The one region ``q`` names, or the regions of a list ("Are there any roads or buildings?", "How many lakes and
    ponds and houses?" -> ("water", "buildings")), one step each in the order named; () when a part of the list
    names more than one or none is named."""
    one = one_region(q, known)
    if one is not None:
        return (one,)
    parts = [p for p in _LIST_RE.split(q) if p.strip()]
    found = [one_region(p, known) for p in parts]
    if len(parts) < 2 or any(r is None and (classes_in(_region_words(p)) or known_names_in(_plain(p), known))
                             for p, r in zip(parts, found)):
        return ()
    return tuple(dict.fromkeys(r for r in found if r is not None))


def kind_answer(question: str, steps: list, known: Iterable[str] = ()) -> str | None:
    """The answer to a question :func:`question_kind` reads, from the engine's measured steps (objects with
    ``label``, ``area_m2``, ``share``, a fraction of the area of interest, and ``geometry``, the step's polygons):
    "buildings: 88 separate patches, 37.4 ha in all" (or "buildings: none, no such region"); "yes: forest, 2.0 ha
    (0.1 % of the area)" or "no: forest, no such region"; one such part per region of a list, joined by "; ";
    "cropland 55.2 %, water 24.5 %, grassland 9.0 %" (a question for the dominant class leads with its
    area: "cropland, 55.2 % (11.37 km2); then water 24.5 %, ...; not found: forest"; on a time series the date is
    named: "... (on t2)");
    "roads next to the water, 5.9 ha (0.3 % of the area)". A question that counts what changed ("How many buildings
    were destroyed between the two dates?"), planned as a change (:func:`engine.trace_format.change_phrases`), is
    answered by the patches of its last step: "destroyed buildings: 3 separate patches, 748 m2 in all". None for any
    other question or when no step was measured."""
    kind = question_kind(question, known)
    q = _plain(question)
    if kind is None and _COUNT_RE.search(q) and _CHANGE_RE.search(q) and len(steps) >= 2:
        kind = QuestionKind(COUNT, ())  # the changed region is the change plan's last step
    if kind is None or not steps:
        return None
    if kind.kind == COMPOSITION:
        return _composition(question, steps)
    if kind.kind == LENGTH:
        return _length_answer(question, steps[-1])
    if len(kind.regions) <= 1:
        return _step_answer(kind.kind, steps[-1], (kind.regions or ("",))[-1])
    named = [next((s for s in reversed(steps) if (getattr(s, "label", "") or "").strip() == r), None)
             for r in kind.regions]
    if any(s is None for s in named):
        return None
    return "; ".join(_step_answer(kind.kind, s, r) for s, r in zip(named, kind.regions))


def _step_answer(kind: str, step, region: str) -> str:
    """One step's part of a :data:`COUNT`, :data:`PRESENCE` or :data:`REGION` answer (see :func:`kind_answer`)."""
    area = float(getattr(step, "area_m2", 0.0) or 0.0)
    label = (getattr(step, "label", "") or region).strip()
    if kind == COUNT:
        if area <= 0:
            return f"{label}: none, {NO_REGION_ANSWER}"
        n, specks = counted_patches(step)
        left_out = f" ({specks} speck{'' if specks == 1 else 's'} under {COUNT_MIN_PIXELS} pixels not counted)" \
            if specks else ""
        return f"{label}: {n} separate patch{'' if n == 1 else 'es'}, {format_area(area)} in all{left_out}"
    if area <= 0:
        return f"no: {label}, {NO_REGION_ANSWER}" if kind == PRESENCE else NO_REGION_ANSWER
    share = format_share(float(getattr(step, "share", 0.0) or 0.0))
    measured = f"{label}, {format_area(area)} ({share} of the area)"
    return f"yes: {measured}" if kind == PRESENCE else measured


def _length_answer(question: str, step) -> str:
    """"roads: 12.4 km along the centre line, 5 m wide on average (5.9 ha)" (in miles too where the question asks in
    them; the width is the area over the length, which tells a river from a lake), from the
    step's mask (``step.mask`` (H, W) bool in the grid of ``step.transform``, CRS ``step.crs``;
    :func:`engine.geo.centerline.centerline_length_m`)."""
    from .geo.centerline import centerline_length_m

    area = float(getattr(step, "area_m2", 0.0) or 0.0)
    label = (getattr(step, "label", "") or "").strip()
    if area <= 0:
        return f"{label}: {NO_REGION_ANSWER}"
    metres = centerline_length_m(np.asarray(step.mask, bool), step.transform, getattr(step, "crs", None))
    length = f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"
    if _MILES.search(_plain(question)):
        length += f" ({metres / 1609.344:.2f} miles)"
    width = f", {area / metres:.0f} m wide on average" if metres > 0 else ""
    return f"{label}: {length} along the centre line{width} ({format_area(area)})"


def counted_patches(step) -> tuple[int, int]:
    """(patches counted, specks left out) of a step's layer (``step.geometry``: one polygon per 8-connected patch with
    its ``area_m2``; ``step.transform``, ``step.crs``: the grid it was drawn on): the patches of at least
    :data:`COUNT_MIN_PIXELS` pixels, all of them for buildings on grids of :data:`SMALL_OBJECT_GRID_M` or coarser or
    where the grid is not known."""
    from .data.measure import mean_pixel_m

    geometry = getattr(step, "geometry", None)
    if geometry is None or len(geometry) == 0:
        return 0, 0
    transform = getattr(step, "transform", None)
    pixel_m = mean_pixel_m(transform, getattr(step, "crs", None)) if transform is not None else None
    relation = next_to(step.label or "")
    small_objects = canonical_class(relation[0] if relation else step.label or "") == BUILDING
    if pixel_m is None or (small_objects and pixel_m >= SMALL_OBJECT_GRID_M):
        return len(geometry), 0
    # polygons are drawn around whole pixels; half a pixel of slack for the simplified outline
    counted = int((geometry["area_m2"].to_numpy() >= (COUNT_MIN_PIXELS - 0.5) * pixel_m ** 2).sum())
    return counted, len(geometry) - counted


def _composition(question: str, steps: list) -> str:
    """The steps with a region, by share, largest first, then the classes not found (see :func:`kind_answer`)."""
    found = sorted(((float(getattr(s, "share", 0.0) or 0.0), s) for s in steps
                    if float(getattr(s, "area_m2", 0.0) or 0.0) > 0), key=lambda x: -x[0])
    if not found:
        return NO_REGION_ANSWER
    parts = [f"{s.label} {format_share(share)}" for share, s in found]
    dates = {getattr(s, "date", None) for s in steps}
    # on a time series the classes are read on the last date, which the answer names
    when = f" (on {next(iter(dates))})" if len(dates) == 1 and next(iter(dates)) not in (None, "t1") else ""
    # the classes looked for and not found are part of the answer: absence is a finding
    missing = [s.label for s in steps if float(getattr(s, "area_m2", 0.0) or 0.0) <= 0]
    none_found = f"; not found: {', '.join(missing)}" if missing else ""
    if _DOMINANT_RE.search(_plain(question)):
        share, top = found[0]
        lead = f"{top.label}, {format_share(share)} ({format_area(float(top.area_m2))})"
        return lead + (f"; then {', '.join(parts[1:])}" if len(parts) > 1 else "") + none_found + when
    return ", ".join(parts) + none_found + when
