"""The one region a plain question names in everyday words, as the step phrase the model grounds.

The model reads its land-cover classes by their names ("water", "cropland", "built-up land", ...) and the
phrases of their largest patches ("largest water body"). A user asks in other words: "What share of the area is
flooded?", "How much of the area is urban?", "Where is the river?". Such a question names no class the model
knows, and the model then guesses a region (on the Sen1Floods11 scene, "flooded" was grounded as grassland, 1.6 %).
:func:`region_plan` reads the words: when a question names exactly one land-cover class, only by other words
than its name, and asks nothing of place, change or relation, the trace's one step is planned as that class
(or its largest patch). A question that names a class by its name, or any name a fine-tuned adapter learned
(``known``), is left to the model, which reads those; so is any question whose words point to two classes.
:func:`model_phrase` reads a region phrase the same way, for the two regions a distance question names.
"""
from __future__ import annotations

import re
from typing import Iterable

from .data.classes import CLASS_NAMES

# Everyday words for each class, as regular expressions of whole words (lower case). Singular water bodies and
# towns name one patch ("the river"): they are read as the class's largest patch.
_TERMS: dict[str, tuple[str, ...]] = {
    "water": (r"flood(?:s|ed|ing)?", r"inundat\w*", r"submerged", r"under ?water", r"rivers", r"lakes",
              r"ponds?", r"reservoirs", r"streams?", r"canals?", r"the sea", r"waterbod(?:y|ies)", r"wet areas?"),
    "cropland": (r"fields?", r"farm ?land", r"farms?", r"crops?", r"croplands", r"agricultur\w*", r"arable",
                 r"paddy|paddies", r"orchards?"),
    "forest": (r"trees?", r"tree cover", r"woods?", r"woodlands?", r"forests", r"forested", r"wooded"),
    "grassland": (r"grass(?:es)?", r"meadows?", r"pastures?", r"rangelands?", r"lawns?", r"grasslands"),
    "built-up land": (r"urban", r"built[ -]?up", r"settlements?", r"towns", r"cities", r"villages",
                      r"impervious", r"developed land", r"urbani[sz]ed"),
    "bare soil": (r"bare ground", r"bare land", r"bare earth", r"barren", r"sand", r"exposed soil", r"soil"),
    "roads": (r"road", r"streets?", r"highways?", r"motorways?", r"road network"),
    "buildings": (r"building", r"houses?", r"roofs?", r"rooftops?", r"homes", r"dwellings"),
}
# One patch named in the singular: "Where is the river?" -> "largest water body".
_ONE_PATCH_TERMS: dict[str, tuple[str, ...]] = {
    "water": (r"(?:the|this|largest|biggest) (?:river|lake|reservoir)",),
    "built-up land": (r"(?:the|this|largest|biggest) (?:town|city|village)",),
}
# The phrase of a class's largest patch, as trace synthesis writes it (engine.data.context.LabelContext).
_PATCH_PHRASES = {"water": "largest water body", "buildings": "largest building", "roads": "largest road section"}
_LARGEST_RE = re.compile(r"\b(?:largest|biggest)\b")
# Questions about where a region lies against another, about a part of the area, or counting, which one
# class phrase cannot answer: left to the model.
_RELATION_RE = re.compile(r"\b(?:next to|near(?:est|by)?|close|beside|along(?:side)?|border\w*|adjacent|touch\w*|"
                          r"around|within|between|from|half|north\w*|south\w*|east\w*|west\w*|first|than|or|and|"
                          r"how many(?! (?:hectares|acres|square|sq|km2?|m2)\b)|count|number of|rose|rise[sn]?|if)\b")
# Change between dates: what appeared, was lost or spread ("flooded" alone is a state, not a change).
_CHANGE_RE = re.compile(r"\b(?:destroyed|demolished|collapsed|damaged|new|newly|cleared|lost|loss|appeared|"
                        r"burn(?:ed|t)|removed|gained|chang\w*|before|after|since|dates?|constructed|expanded|"
                        r"spread\w*|grew|grown|deforest\w*|felled|(?:was|were|been) built)\b")
_NAMES_RE = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in CLASS_NAMES.values()) + r")(?![\w-])")


def _words(pattern: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])(?:" + pattern + r")(?![\w-])")


_TERM_RES = {name: [_words(p) for p in ps] for name, ps in _TERMS.items()}
_ONE_PATCH_RES = {name: [_words(p) for p in ps] for name, ps in _ONE_PATCH_TERMS.items()}


def patch_phrase(class_name: str) -> str:
    """The step phrase of the largest patch of a class ("forest" -> "largest forest patch")."""
    return _PATCH_PHRASES.get(class_name, f"largest {class_name} patch")


def named_classes(question: str) -> dict[str, str]:
    """{class name: the words of ``question`` that name it} for every class its everyday words name."""
    q = " ".join(question.lower().split())
    found: dict[str, str] = {}
    for name, res in _TERM_RES.items():
        for r in res + _ONE_PATCH_RES.get(name, []):
            m = r.search(q)
            if m:
                found[name] = m.group(0)
                break
    return found


def classes_in(text: str) -> set[str]:
    """The land-cover classes ``text`` (lower case) names, by their names ("built-up land") or in everyday words
    (:func:`named_classes`)."""
    return set(_NAMES_RE.findall(text)) | set(named_classes(text))


def known_names_in(text: str, known: Iterable[str]) -> list[str]:
    """The names of ``known`` (names the model reads itself, such as a fine-tuned adapter's classes) that ``text``
    names as whole words, in the order of ``known``."""
    q = text.lower()
    return [k for k in known if k and re.search(r"(?<!\w)" + re.escape(k.lower()) + r"(?!\w)", q)]


def region_plan(question: str, known: Iterable[str] = ()) -> list[str]:
    """[the step phrase of the one region ``question`` names in everyday words] ("What share of the area is
    flooded?" -> ["water"], "How large is the biggest lake?" -> ["largest water body"], "Where is the river?" ->
    ["largest water body"]), else []: the question names a class by its name or one of ``known`` (names the
    model reads itself, such as a fine-tuned adapter's classes), its words point to no class or to more than one,
    or it asks about a change, a place or a relation (:data:`_RELATION_RE`)."""
    q = " ".join(question.lower().split())
    if _NAMES_RE.search(q) or known_names_in(q, known):
        return []
    if _RELATION_RE.search(q) or _CHANGE_RE.search(q):
        return []
    found = named_classes(q)
    if len(found) != 1:
        return []
    name = next(iter(found))
    one_patch = any(r.search(q) for r in _ONE_PATCH_RES.get(name, []))
    return [patch_phrase(name) if one_patch or _LARGEST_RE.search(q) else name]


def model_phrase(phrase: str, known: Iterable[str] = ()) -> str:
    """A region phrase a question names (a distance question's "river", "houses") as the model's own phrase for it
    ("largest water body", "buildings") when it names one class in everyday words (:func:`region_plan`), else as it
    is ("the largest forest patch", "the nearest building")."""
    plan = region_plan("the " + phrase, known)
    return plan[0] if plan else phrase
