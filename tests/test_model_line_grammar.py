"""The trace grammar at a line's start (engine.model.line_grammar): the engine writes each line's head, numbers
steps in order whatever the model would write, and with a plan opens the answer only after the planned steps."""
import torch

from engine.model.line_grammar import ANSWER, STEP, LineOpeners, at_line_start, line_head
from engine.model.predictor import GroundedPredictor
from tests.test_model_predictor import tiny  # noqa: F401  (fixture)
from tests.test_model_support import images, script

OPENERS = LineOpeners(step_id=3, answer_id=5, eos_id=7)


def _logits(best: int, vocab: int = 10) -> torch.Tensor:
    x = torch.zeros(vocab)
    x[best] = 1.0
    return x


def test_a_line_starts_at_the_text_start_and_after_a_newline_only():
    assert at_line_start("") and at_line_start("Step 1: water. <t1> [SEG] [no such region]\n")
    assert not at_line_start("Step 1:") and not at_line_start("Step 1: water. <t1> [SEG] [area 1 ha]")


def test_without_a_plan_the_model_chooses_among_the_openers_and_steps_are_numbered_in_order():
    assert line_head(_logits(3), OPENERS, 0) == "Step 1:"
    assert line_head(_logits(5), OPENERS, 2) == "Answer:"
    assert line_head(_logits(7), OPENERS, 2) is None  # the text ends
    # a token that opens no line (a phrase without its head) is not taken: the likeliest opener is
    x = _logits(1)
    x[5] = 0.5
    assert line_head(x, OPENERS, 1) == "Answer:"
    x[3] = 0.7
    assert line_head(x, OPENERS, 1) == "Step 2:"
    assert line_head(_logits(3), LineOpeners(3, 5), 0) == "Step 1:"  # no end token


def test_a_plan_decides_between_a_step_and_the_answer():
    assert line_head(_logits(5), OPENERS, 0, steps_planned=2) == "Step 1:"
    assert line_head(_logits(7), OPENERS, 1, steps_planned=2) == "Step 2:"
    assert line_head(_logits(3), OPENERS, 2, steps_planned=2) == "Answer:"


def test_openers_are_the_tokenizers_first_tokens_of_the_heads(tiny):  # noqa: F811
    model, tok = tiny
    openers = LineOpeners.of(tok, model.config.eos_token_id)
    assert tok.decode([openers.step_id]) == STEP and tok.decode([openers.answer_id]) == ANSWER
    assert openers.eos_id == model.config.eos_token_id


def test_a_step_written_without_its_head_gets_the_next_number(tiny):  # noqa: F811
    """The model skips "Step 2:" after an absent first step: the engine writes it, so the trace numbers and
    measures two steps and every line opens a step or the answer."""
    model, tok = tiny
    undo = script(model, tok, "Step 1: water. <t1> [SEG]\n cropland. <t1> [SEG]\nAnswer: A\n")
    try:
        p = GroundedPredictor(model, tok)
        p.set_images(images(1, seed=4))
        out = p.answer("Where are the water and the cropland?", None)
    finally:
        undo()
    assert [(s.index, s.text) for s in out.steps] == [(1, "Step 1: water. <t1> [SEG]"),
                                                      (2, "Step 2: cropland. <t1> [SEG]")]
    assert all(line.startswith(("Step ", "Answer:")) for line in out.text.split("\n"))
    assert out.text.endswith("Answer: A")


def test_with_a_plan_the_answer_waits_for_every_planned_step(tiny):  # noqa: F811
    """A model that would answer after one of two planned steps: the engine opens step 2 with its planned
    phrase, and only then the answer."""
    model, tok = tiny
    # with a plan the model's own phrase tokens are never asked for: script only what it writes
    undo = script(model, tok, "Step 1: <t1> [SEG]\n <t1> [SEG]\nAnswer: B\n")
    try:
        p = GroundedPredictor(model, tok)
        p.set_images(images(1, seed=4))
        out = p.answer("How far are the buildings from the roads?", ["under 75 m", "75 m to 150 m", "over 150 m"])
    finally:
        undo()
    assert [s.label for s in out.steps] == ["roads", "buildings"]
    assert "\nStep 2: buildings. <t1> [SEG] [" in out.text and out.choice == "B"
