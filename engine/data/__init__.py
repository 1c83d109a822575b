"""Synthetic georeferenced scenes, reasoning-trace synthesis and training datasets.

    from engine.data import write_scenes, make_scene, generate_questions, questions_from_labels
    write_scenes("bench/", seed=10**6, size=256, count=200)     # held-out test split: seeds >= 10**6

Modules: ``classes`` (ids and names), ``layout`` / ``render_optical`` / ``render_sar`` / ``scene``
(synthesis), ``measure`` / ``context`` / ``choices`` / ``tasks`` / ``change`` / ``grounding`` /
``questions`` / ``traces`` (questions and traces), ``rle``, ``writer``, ``dataset``.
"""
from __future__ import annotations

_EXPORTS = {
    "make_scene": "scene", "Scene": "scene", "SceneConfig": "scene",
    "write_scenes": "writer", "TEST_SEED_START": "writer",
    "generate_questions": "questions", "generate_question": "questions", "questions_from_labels": "questions",
    "QuestionRecord": "traces", "TraceStep": "traces", "TASKS": "traces", "format_trace": "traces",
    "rle_encode": "rle", "rle_decode": "rle",
    "DatasetConfig": "dataset", "SyntheticQuestions": "dataset", "SyntheticQuestionStream": "dataset",
    "CLASS_NAMES": "classes",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
