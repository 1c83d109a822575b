"""Whether a question reads as English, the language the model and the engine's question rules read.

A question in another language ("Wie viel Fläche ist überflutet?", "¿Qué parte del área está inundada?") reaches
the model as words it never saw, and it answers about a guessed region without a word of doubt. Nearly every English
question of three words or more holds one of a few dozen words (articles, question words, the verbs of a request,
the land-cover classes and their everyday names), so one without any of them is taken for another language.
"""
from __future__ import annotations

import re

from .question_regions import named_classes

_ENGLISH_WORDS = frozenset("""
a an the this that these those there here it its of in on at to from by for with without within between near next
and or not no any all some each every much many more most less than as is are was were be been do does did can
could should would will what which where who how why when whose show map find mark outline segment count list
locate highlight measure estimate give tell describe classify compare rank
water cropland forest grassland built-up land bare soil roads road buildings building area areas share percent
percentage hectares acres patch patches region regions scene image please extent size distance far close large big
small largest biggest nearest new old destroyed damaged lost changed change before after since land landing site sites
field fields river lake town city flooded flood flooding urban
""".split())
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
MIN_WORDS = 3  # shorter questions ("Water?", "Wald") are left to the model


def reads_as_english(question: str, known: tuple[str, ...] = ()) -> bool:
    """False when ``question`` has at least :data:`MIN_WORDS` words and none of them is a common English word, a
    land-cover class in everyday words (:func:`engine.question_regions.named_classes`) or one of ``known`` (a
    fine-tuned adapter's class names); True otherwise."""
    words = [w.lower() for w in _WORD_RE.findall(question or "")]
    if len(words) < MIN_WORDS:
        return True
    if any(w in _ENGLISH_WORDS for w in words) or named_classes(" ".join(words)):
        return True
    q = " ".join(words)
    return any(k and k.lower() in q for k in known)
