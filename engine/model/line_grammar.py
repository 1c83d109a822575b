"""The trace grammar at the start of a line: every line of a trace opens a step (``Step N:``) or the answer
(``Answer:``), so there the engine writes the line's head and the model goes on from it. A small language model
that has just read a ``[no such region]`` measurement sometimes writes the next step's phrase without its head, or
numbers a step twice; the engine would then ground a step the trace does not number, and later measurements would
name the wrong step. Steps are numbered in order; when the question fixes the steps (a plan,
:meth:`engine.model.step_rules.StepRules.planned_steps`), the answer comes after the last of them and not
before; otherwise the model chooses between a step, the answer and the end of the text."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .tokens import encode

STEP, ANSWER = "Step", "Answer"


@dataclass(frozen=True)
class LineOpeners:
    """The first token of each line head and the end-of-text token (-1: none), as the model's tokenizer writes
    them."""

    step_id: int
    answer_id: int
    eos_id: int = -1

    @classmethod
    def of(cls, tokenizer, eos_token_id: int = -1) -> LineOpeners:
        return cls(encode(tokenizer, STEP)[0], encode(tokenizer, ANSWER)[0], int(eos_token_id))


def at_line_start(running: str) -> bool:
    """Whether the assistant text written so far, ``running``, ends where a new line of the trace begins."""
    return not running or running.endswith("\n")


def line_head(logits: torch.Tensor, openers: LineOpeners, steps_written: int, steps_planned: int = 0) -> str | None:
    """The head of the next line: ``"Step N:"`` (N = ``steps_written`` + 1) or ``"Answer:"``; None where the text
    ends. With ``steps_planned`` > 0 the plan decides (a step until it is complete, then the answer); else the
    most likely of the openers under the model's next-token ``logits`` (V,)."""
    if steps_planned > 0:
        return f"{STEP} {steps_written + 1}:" if steps_written < steps_planned else f"{ANSWER}:"
    ids = [openers.step_id, openers.answer_id] + ([openers.eos_id] if openers.eos_id >= 0 else [])
    best = ids[int(logits[torch.tensor(ids, device=logits.device)].argmax())]
    if best == openers.step_id:
        return f"{STEP} {steps_written + 1}:"
    return f"{ANSWER}:" if best == openers.answer_id else None
