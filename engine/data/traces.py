"""Question records and their reasoning traces, in exactly the text the engine reads and writes.

A record holds the question, the options, the answer and, per step, the phrase, the date index (into
the images the question is asked on), the ground-truth mask and its measurement. ``record.trace`` is
the assistant text a model is trained on::

    Step 1: water. <t1> [SEG] [area 12.4 ha; share 23.1 %]
    Step 2: buildings. <t1> [SEG] [area 3.2 ha; share 6.0 %; 140 m from step 1]
    Answer: B
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..trace_format import (LETTERS, NO_REGION, Measurement, format_answer, format_measurement,
                            format_prompt, format_step_head)
from .rle import rle_decode, rle_encode

TASKS = ("coverage", "area", "distance", "ranking", "boundary", "change", "referring", "implicit")
MC_TASKS = TASKS[:6]  # the six TerraScope-Bench task types; referring / implicit are free answers
NO_REGION_CHOICE = "no such region"


@dataclass
class TraceStep:
    """One grounded step. mask: (H, W) bool in the grid of the question's labels; date_index: 0-based
    index into the dates the question is asked on (0 -> ``<t1>``)."""

    phrase: str
    date_index: int
    mask: np.ndarray
    measurement: Measurement


def format_trace(steps: list[TraceStep], answer: str) -> str:
    """The assistant text: one line per step (head + engine measurement), then ``Answer: ...``."""
    lines = [f"{format_step_head(i, s.phrase, s.date_index)} {format_measurement(s.measurement)}"
             for i, s in enumerate(steps, start=1)]
    lines.append(format_answer(answer))
    return "\n".join(lines)


@dataclass
class QuestionRecord:
    """task: one of TASKS; choices: options without letters ([] for free answers); answer: the letter
    (multiple choice) or the free answer text; dates: indices of the scene dates the question is asked
    on, in order (steps' date_index points into this list); absent: the asked-for target is not there."""

    task: str
    question: str
    choices: list[str]
    answer: str
    steps: list[TraceStep]
    dates: list[int] = field(default_factory=lambda: [0])
    absent: bool = False
    meta: dict = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        return format_prompt(self.question, self.choices or None)

    @property
    def trace(self) -> str:
        return format_trace(self.steps, self.answer)

    @property
    def answer_text(self) -> str:
        """The chosen option's text (multiple choice) or the free answer."""
        if self.choices and self.answer in LETTERS[: len(self.choices)]:
            return self.choices[LETTERS.index(self.answer)]
        return self.answer

    def to_json(self) -> dict:
        """A JSON-able dict with masks as RLE (see rle.py)."""
        return {
            "task": self.task, "question": self.question, "choices": list(self.choices),
            "answer": self.answer, "answer_text": self.answer_text, "absent": self.absent,
            "dates": list(self.dates), "prompt": self.prompt, "trace": self.trace,
            "steps": [{"phrase": s.phrase, "date_index": s.date_index, "mask": rle_encode(s.mask),
                       "area_m2": s.measurement.area_m2, "share": s.measurement.share,
                       "distances_m": [list(d) for d in s.measurement.distances_m],
                       "measurement": format_measurement(s.measurement)} for s in self.steps],
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, d: dict) -> "QuestionRecord":
        steps = [TraceStep(s["phrase"], int(s["date_index"]), rle_decode(s["mask"]),
                           Measurement(float(s["area_m2"]), float(s["share"]),
                                       tuple((int(i), float(v)) for i, v in s.get("distances_m", []))))
                 for s in d["steps"]]
        return cls(task=d["task"], question=d["question"], choices=list(d["choices"]), answer=d["answer"],
                   steps=steps, dates=list(d.get("dates", [0])), absent=bool(d.get("absent", False)),
                   meta=dict(d.get("meta", {})))


def free_answer(phrase: str, m: Measurement) -> str:
    """Answer text of a free (non multiple-choice) question: the region and its measured area."""
    from ..trace_format import format_area

    return NO_REGION_CHOICE if m.empty else f"{phrase}, {format_area(m.area_m2)}"


__all__ = ["TASKS", "MC_TASKS", "NO_REGION", "NO_REGION_CHOICE", "TraceStep", "QuestionRecord",
           "format_trace", "free_answer"]
