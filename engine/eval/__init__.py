"""The evaluation bench: answer accuracy and gIoU / cIoU per task type, absent-target false positives.

    from engine.eval import run_bench, evaluate_predictor
    run_bench("bench/")                      # questions of `terrascope synth` folders through Engine.ask
    evaluate_predictor(predictor, samples)   # in memory, on engine.data.dataset samples
"""
from __future__ import annotations

_EXPORTS = {"run_bench": "bench", "evaluate_predictor": "bench", "summarize": "metrics",
            "score_question": "metrics", "answer_from_measurements": "reader"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
