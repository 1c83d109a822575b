"""Read the answer off a trace's measurements: proves that every synthesised answer follows from the
measurement text, and gives a rule-based answer to compare a model's letter with.

``answer_from_measurements(choices, trace)`` understands the option styles of trace synthesis: value
bins ("under 5 %", "5 % to 10 %", "over 2.0 ha", "under 50 m"), boundary relations ("adjacent ...",
"separated by less than 100 m"), orderings ("a > b > c", the closest one when no option states the
measured order), two names (which is larger), and
"no such region".
"""
from __future__ import annotations

import re

from ..trace_format import (LETTERS, NO_REGION, compared_phrases, format_area, format_share, pair_phrases,
                            same_region)

_UNITS = {"%": 1.0, "m2": 1.0, "ha": 1e4, "km2": 1e6, "m": 1.0, "km": 1e3}
_NUM = r"(\d+(?:\.\d+)?) (km2|m2|ha|%|km|m)(?!\w)"
_STEP = re.compile(r"Step\s+\d+:\s*(.*?)\.\s*<t\d+>\s*\[SEG\]\s*(\[[^\]]*\])")


def parse_steps(trace: str) -> list[dict]:
    """Per step: {"phrase", "area_m2", "share" (percent), "distances" {step: metres}, "empty"}."""
    out = []
    for phrase, meas in _STEP.findall(trace):
        if meas == NO_REGION:
            out.append({"phrase": phrase, "area_m2": 0.0, "share": 0.0, "distances": {}, "empty": True})
            continue
        area = re.search(r"area " + _NUM, meas)
        share = re.search(r"share (\d+(?:\.\d+)?) %", meas)
        dists = {int(s): float(v) for v, s in re.findall(r"(\d+(?:\.\d+)?) m from step (\d+)", meas)}
        area_m2 = float(area.group(1)) * _UNITS[area.group(2)] if area else 0.0
        out.append({"phrase": phrase, "area_m2": area_m2,
                    "share": float(share.group(1)) if share else 0.0, "distances": dists, "empty": False})
    return out


def _bounds(option: str) -> tuple[float, float, str] | None:
    vals = [(float(v) * _UNITS[u], u) for v, u in re.findall(_NUM, option)]
    if not vals:
        return None
    unit = vals[0][1]
    if option.startswith("under"):
        return float("-inf"), vals[0][0], unit
    if option.startswith("over"):
        return vals[0][0], float("inf"), unit
    if len(vals) == 2:
        return vals[0][0], vals[1][0], unit
    return None


def _closest_ordering(choices: list[str], areas: dict[str, float]) -> str | None:
    """The ordering option ("a > b > c") that the measured areas agree with on the most pairs of regions;
    None when a region is unmeasured or two options tie (an order no option states, e.g. the measured
    b > a > c among options a > b > c and b > c > a, still picks the one it is closest to)."""
    agree = []
    for c in choices:
        names = c.split(" > ")
        if len(names) < 2 or not all(n in areas for n in names):
            agree.append(-1)
            continue
        agree.append(sum(areas[a] >= areas[b] for i, a in enumerate(names) for b in names[i + 1:]))
    best = max(agree)
    return LETTERS[agree.index(best)] if best >= 0 and agree.count(best) == 1 else None


def answer_from_measurements(choices: list[str], trace: str) -> str | None:
    """The letter the measurements in ``trace`` imply, or None when the options are not understood."""
    steps = parse_steps(trace)
    if not steps or not choices:
        return None
    last = steps[-1]
    low = [c.lower() for c in choices]
    if last["empty"] and "no such region" in low:
        return LETTERS[low.index("no such region")]
    if any(c.startswith("adjacent") for c in low):
        d = min(last["distances"].values()) if last["distances"] else None
        if d is None:
            return None
        for i, c in enumerate(low):
            as_bin = c.replace("separated by less than", "under").replace("separated by more than", "over")
            b = _bounds(as_bin)
            if (c.startswith("adjacent") and d == 0) or (b and d > 0 and b[0] <= d < b[1]):
                return LETTERS[i]
        return None
    if any(" > " in c for c in choices):
        return _closest_ordering(choices, {s["phrase"]: s["area_m2"] for s in steps})
    if all(_bounds(c) is None for c in choices if c.lower() != "no such region"):
        areas = {s["phrase"]: s["area_m2"] for s in steps}
        named = [c for c in choices if c in areas]
        if named:
            return LETTERS[choices.index(max(named, key=lambda n: areas[n]))]
        return None
    for i, c in enumerate(choices):
        b = _bounds(c)
        if b is None:
            continue
        lo, hi, unit = b
        if unit == "%":
            v = last["share"]
        elif unit in ("m2", "ha", "km2"):
            v = last["area_m2"]
        else:
            if not last["distances"]:
                return None
            v = min(last["distances"].values())
        if lo <= v < hi:
            return LETTERS[i]
    return None


# "<region>, <area>"; the area only has to end in a unit: a small model's number can come out garbled
# ("water, 1. 1 ha") and is restated from the measured step anyway
_FREE = re.compile(r"\s*(.+?),\s*(\d[^,]*?)\s*(km2|m2|ha)\s*\.?\s*")
_REGION_LEAD = re.compile(r"\s*([^,\n]+?)\s*,")
# an option letter ("B", "(B)."), which answers nothing where the question has no options
_BARE_LETTER = re.compile(r"\s*\(?[A-H]\)?\s*\.?\s*")
_SHARE_QUESTION = re.compile(r"\b(share|percent(age)?|proportion|fraction|how much of)\b|%", re.IGNORECASE)


def free_answer_from_steps(answer: str, steps: list, question: str = "") -> str | None:
    """A free answer in the trace grammar's form ("<region>, <area>") restated with what its step
    measures: ``steps`` are objects with ``label``, ``area_m2`` and ``share`` (fraction of the area of
    interest; the engine's refined, geodesic steps). When ``question`` asks for a share ("What share of
    ... is water?") the answer leads with the share: "water, 26.7 % (1.45 km2)"; else "water, 1.45 km2", with the
    area in acres or square miles too where the question asks in them ("water, 1.45 km2 (358.3 acres)").
    The step is the last one whose label is the answer's region, else the last step, and the answer names it
    by its label (in the grammar the answer's region is its step's phrase; a model that garbles the region
    still gets the step it measured); an answer that names a step's region before its comma and garbles the
    area after it ("cropland next to the water, 1.: cropland") is restated the same way; an empty step gives
    "no such region". An option letter alone, which a question without options cannot take, and an empty answer
    are restated from the last step. -> the restated answer, or None when ``answer`` is in none of these forms or
    no step is there."""
    match = _FREE.fullmatch(answer or "")
    if match:
        region = match.group(1).strip()
    elif _BARE_LETTER.fullmatch(answer or "") or not (answer or "").strip():
        region = ""
    else:  # "<region>, <garbled area>": the region a step names, then text the model could not finish
        lead = _REGION_LEAD.match(answer or "")
        named = lead and any(same_region(getattr(s, "label", "") or "", lead.group(1)) for s in steps)
        region = lead.group(1).strip() if named else None
    if region is None or not steps:
        return None
    named = [s for s in steps if same_region(getattr(s, "label", "") or "", region)]
    step = (named or list(steps))[-1]
    region = (getattr(step, "label", "") or "").strip() or region
    area = float(getattr(step, "area_m2", 0.0) or 0.0)
    if area <= 0:
        return "no such region"
    share = getattr(step, "share", None)
    if share is not None and _SHARE_QUESTION.search(question or ""):
        return f"{region}, {format_share(float(share))} ({format_area(area)})"
    return f"{region}, {format_area(area)}{_asked_units(question, area)}"


_ACRE_M2, _SQ_MILE_M2 = 4046.8564224, 2_589_988.110336
_ACRES = re.compile(r"\bacres?\b", re.IGNORECASE)
_SQ_MILES = re.compile(r"\b(?:square miles?|sq\.? ?mi(?:les?)?|mi2)\b", re.IGNORECASE)


def _asked_units(question: str, area_m2: float) -> str:
    """" (30.4 acres)" or " (0.05 sq mi)" when ``question`` asks in acres or square miles, else ""."""
    if _ACRES.search(question or ""):
        return f" ({area_m2 / _ACRE_M2:,.1f} acres)"
    if _SQ_MILES.search(question or ""):
        return f" ({area_m2 / _SQ_MILE_M2:,.2f} sq mi)"
    return ""


def free_distance_answer(question: str, steps: list, pairs: list[dict]) -> str | None:
    """The answer to a question about how two named regions lie to each other ("How far is the nearest building
    from the river?"; :func:`engine.trace_format.pair_phrases`) asked without options, from the measured distance
    between its last two steps: "nearest building, 12 m from largest water body", "..., adjacent to ..." where they
    touch, "no such region" where either marks none. ``steps``: objects with ``index``, ``label`` and ``area_m2``;
    ``pairs``: {"from", "to", "metres", "adjacent"} per pair of steps with regions. None for any other question."""
    if len(steps) < 2 or not pair_phrases(question):
        return None
    reference, target = steps[-2], steps[-1]
    if min(float(getattr(s, "area_m2", 0.0) or 0.0) for s in (reference, target)) <= 0:
        return "no such region"
    pair = next((p for p in pairs if (p.get("from"), p.get("to")) == (reference.index, target.index)), None)
    if pair is None or pair.get("metres") is None:
        return None
    metres = float(pair["metres"])
    if pair.get("adjacent") or metres <= 0:
        return f"{target.label}, adjacent to {reference.label}"
    gap = f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"
    return f"{target.label}, {gap} from {reference.label}"


def free_comparison_answer(question: str, steps: list) -> str | None:
    """The answer to a question that compares the areas of two named regions without options ("Which covers more
    area, forest or cropland?"; :func:`engine.trace_format.compared_phrases`) from its last two steps' areas: the
    larger, then the other ("cropland, 11.43 km2 (forest: 1.9 ha)"); "no such region" where neither marks one.
    ``steps``: objects with ``label`` and ``area_m2``. None for any other question."""
    if len(steps) < 2 or not compared_phrases(question):
        return None
    first, second = steps[-2], steps[-1]
    areas = [float(getattr(s, "area_m2", 0.0) or 0.0) for s in (first, second)]
    if max(areas) <= 0:
        return "no such region"
    (larger, big), (other, small) = sorted(zip((first, second), areas), key=lambda x: -x[1])
    rest = format_area(small) if small > 0 else "no such region"
    return f"{larger.label}, {format_area(big)} ({other.label}: {rest})"
