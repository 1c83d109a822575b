"""Shared helpers for the model tests (tiny images, scripted decoding) and a check of the script helper itself."""
from __future__ import annotations

import torch

from engine.model.inputs import ModelImages

S = 64  # tiny-test image size


def images(n_dates: int = 1, seed: int = 0, optical=True, sar=True) -> ModelImages:
    g = torch.Generator().manual_seed(seed)
    opt = torch.rand(n_dates, 3, S, S, generator=g) if optical else None
    sr = torch.rand(n_dates, 2, S, S, generator=g) if sar else None
    return ModelImages(opt, sr, torch.ones(n_dates, S, S, dtype=torch.bool), [optical] * n_dates, [sar] * n_dates)


def script(model, tokenizer, text: str, record: list | None = None):
    """Make ``model`` emit the tokens of ``text`` then EOS, whatever its weights say (the real logits are
    still computed and, with ``record``, kept). Text the engine writes itself (a line's head, a planned phrase)
    moves the script on where it is the script's next text, as if the model had written it. -> undo function."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [model.config.eos_token_id]
    at = [0]  # the next token of the script
    orig_logits, orig_embed = model.logits, model.embed_ids

    def fake_logits(hidden):
        real = orig_logits(hidden)
        if record is not None:
            record.append(real.detach().clone())
        out = torch.full_like(real, -1e4)
        out[..., ids[min(at[0], len(ids) - 1)]] = 0.0
        return out

    def fed(token_ids):
        written = token_ids.reshape(-1).tolist()
        if ids[at[0]:at[0] + len(written)] == written:
            at[0] += len(written)
        return orig_embed(token_ids)

    model.logits, model.embed_ids = fake_logits, fed

    def undo():
        del model.logits, model.embed_ids

    return undo


def scripted_answer(model, tokenizer, text: str, imgs: ModelImages, question: str, measure=None,
                    **predictor_options):
    """(predictor, its output) for ``question`` on ``imgs`` with the model scripted to emit ``text``; the
    predictor is a GroundedPredictor made with ``predictor_options``."""
    from engine.model.predictor import GroundedPredictor

    undo = script(model, tokenizer, text)
    try:
        p = GroundedPredictor(model, tokenizer, **predictor_options)
        p.set_images(imgs)
        return p, p.answer(question, None, measure=measure)
    finally:
        undo()


def scripted_off_and_on(model, tokenizer, text: str, imgs: ModelImages, question: str, option: str,
                        **fixed_options):
    """(predictor with ``option`` on, steps with it off, steps with it on, marked pixels of every measured
    mask: the off run's steps first) for the scripted ``text``; the measurement text is a fixed one. Both runs
    take ``fixed_options`` besides."""
    measured: list[int] = []

    def measure(prob, date):
        measured.append(int((prob > 0.5).sum()))
        return "[area 1 ha; share 1 %]"

    steps = {}
    for on in (False, True):
        p, out = scripted_answer(model, tokenizer, text, imgs, question, measure, **{option: on}, **fixed_options)
        steps[on] = out.steps
    return p, steps[False], steps[True], measured


def test_script_makes_the_model_emit_the_text():
    from engine.model.predictor import GroundedPredictor
    from engine.model.registry import build_model

    model, tok = build_model("tiny-test")
    undo = script(model, tok, "Answer: B\n")
    p = GroundedPredictor(model, tok)
    p.set_images(images())
    out = p.answer("Which?", ["x", "y"])
    undo()
    assert out.text == "Answer: B" and out.choice == "B" and out.steps == []
