"""Questions in another language than English get one clear error instead of an answer about a guessed region."""
from __future__ import annotations

import pytest

from engine.data.dataset import DatasetConfig, SyntheticQuestions
from engine.data.grounding import IMPLICIT
from engine.question_language import reads_as_english


@pytest.mark.parametrize("question", [
    "Wie viel Fläche ist überflutet?", "Wie weit ist das nächste Gebäude vom Fluss entfernt?",
    "¿Qué parte del área está inundada?", "Quelle est la surface de l'eau ?", "Gibt es Gebäude?",
])
def test_questions_in_other_languages_are_found(question):
    assert not reads_as_english(question)


@pytest.mark.parametrize("question", [
    "Where could a small plane land?", "Segment water.", "Flooded fields?", "Urban sprawl extent",
    "Landing sites please", "Wald?",  # too short to judge: left to the model
])
def test_english_and_short_questions_pass(question):
    assert reads_as_english(question)


def test_every_generated_question_reads_as_english_and_so_does_an_adapter_class():
    assert all(reads_as_english(q) for q, _, _ in IMPLICIT)
    ds = SyntheticQuestions(DatasetConfig(seed_start=7_300_000, seed_stop=8_000_000, with_record=True,
                                          absent_rate=0.3), length=300)
    assert all(reads_as_english(ds[i]["record"].question) for i in range(len(ds)))
    assert reads_as_english("Segmentiere Olivenhaine bitte", known=("Olivenhaine",))
