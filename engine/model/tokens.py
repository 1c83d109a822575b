"""Tokenizer set-up and the one prompt layout.

Small models trained from scratch use a byte-level BPE trained here on a deterministic corpus of trace-like
text; pretrained language models keep their own tokenizer. Either way our special tokens (``[SEG]``, date
and modality markers, image markers, chat markers) are added and their ids written into the config.

Layout of one conversation (the only place it is defined)::

    <|user|>
    <t1><optical><img><IMG_CONTEXT>*N</img><sar><img><IMG_CONTEXT>*N</img>
    <t2>...
    QUESTION (trace_format.format_prompt)
    <|assistant|>
    TRACE<|end|>
"""
from __future__ import annotations

import functools
import re

from .. import trace_format as tf
from .config import TerraScopeConfig

IMG_CONTEXT = "<IMG_CONTEXT>"
IMG_START = "<img>"
IMG_END = "</img>"
USER = "<|user|>"
ASSISTANT = "<|assistant|>"
EOS = "<|end|>"
PAD = "<|pad|>"
CHAT_TOKENS = [PAD, EOS, USER, ASSISTANT]
IMAGE_TOKENS = [IMG_START, IMG_END, IMG_CONTEXT]
ALL_SPECIAL = CHAT_TOKENS + IMAGE_TOKENS + tf.SPECIAL_TOKENS

# a measurement the engine appends after a [SEG] (never learned): " [area ...]" or " [no such region]"
_MEASURE_RE = re.compile(r" ?\[(?:area [^\]]*|no such region)\]")


def _corpus() -> list[str]:
    """Deterministic trace-like text: questions, steps, measurements, answers, land-cover words, numbers."""
    things = ["water", "cropland", "forest", "grassland", "built-up land", "buildings", "roads", "bare soil",
              "wetland", "flooded cropland", "flooded area", "river", "lake", "shrubland", "destroyed buildings",
              "damaged buildings", "new buildings", "burned area", "snow", "clouds", "the area of interest",
              "farmland", "settlement", "trees", "meadow", "sand", "harbour", "airport", "park", "field"]
    verbs = ["What share of the area is", "How large is the", "How far is the nearest", "Which is larger:",
             "Does the", "How many", "Is there any", "Where is the", "Segment the", "Which class covers most",
             "Does the river touch the", "How much", "What changed between the two dates in the"]
    lines = []
    k = 0
    for i, a in enumerate(things):
        for j, v in enumerate(verbs):
            b = things[(i * 7 + j * 3 + 1) % len(things)]
            q = f"{v} {a}?" if j % 3 else f"{v} {a} from the {b}?"
            choices = [f"{5 * (j + 1)}-{10 * (j + 2)} %", f"{(i + 1) * 1.5:.1f} ha", f"{(i + j) * 40} m",
                       f"more than {j + 2} km2"]
            lines.append(tf.format_prompt(q, choices[: 2 + (i + j) % 3] if (i + j) % 4 else None))
            d = (i + j) % 3
            m = tf.Measurement(area_m2=float((k * 7919) % 3_000_000 + 1), share=((k * 37) % 1000) / 1000,
                               distances_m=((1, float((k * 131) % 5000)),) if j % 2 else ())
            step1 = tf.format_step_head(1, a, d) + " " + tf.format_measurement(m)
            step2 = tf.format_step_head(2, b, (d + 1) % 16) + " " + (
                tf.NO_REGION if k % 5 == 0 else tf.format_measurement(tf.Measurement(float(k * 13 + 50), 0.01 * (k % 90))))
            ans = tf.format_answer(tf.LETTERS[k % 4] if k % 3 else f"{(k * 3) % 100} %")
            lines.append(f"{step1}\n{step2}\n{ans}")
            k += 1
    lines += [" ".join(str(n) for n in range(s, s + 50)) for s in range(0, 1000, 50)]
    lines += [f"{x / 10:.1f} ha {x} m2 {x % 100}.{x % 10} % {x} m from step {x % 9 + 1}" for x in range(0, 5000, 37)]
    lines += [" ".join(f"{x}" for x in range(s, 10000, 97)) for s in range(97)]  # multi-digit numbers
    words = [w for t in things for w in t.split()] + [w.lower() for v in verbs for w in v.split()]
    lines += [" ".join(f"{a} {b}" for b in words) for a in words]  # word pairs
    return lines


@functools.lru_cache(maxsize=4)
def _trained_bpe(vocab_size: int) -> str:
    """JSON of a byte-level BPE trained on :func:`_corpus` (cached: training takes ~0.2 s)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=ALL_SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_corpus(), trainer)
    return tok.to_str()


def train_tokenizer(vocab_size: int = 2000):
    """A fresh ``PreTrainedTokenizerFast`` (byte-level BPE, ~``vocab_size`` entries) with our special tokens."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(_trained_bpe(vocab_size)),
                                  eos_token=EOS, pad_token=PAD)
    return tok


def setup_tokenizer(tokenizer, config: TerraScopeConfig):
    """Add our special tokens to ``tokenizer`` (no-op for those present) and write their ids into ``config``.
    The caller resizes the language model's embeddings to ``config.vocab_size``. -> tokenizer."""
    missing = [t for t in ALL_SPECIAL if t not in tokenizer.get_vocab()]
    extra = [t for t in missing if t not in (EOS, PAD)]
    if extra:
        tokenizer.add_special_tokens({"additional_special_tokens": extra}, replace_extra_special_tokens=False)
    if EOS in missing:
        tokenizer.add_special_tokens({"eos_token": EOS})
    if PAD in missing:
        tokenizer.add_special_tokens({"pad_token": PAD})
    ids = tokenizer.convert_tokens_to_ids
    config.vocab_size = len(tokenizer)
    config.image_token_id = ids(IMG_CONTEXT)
    config.image_start_id, config.image_end_id = ids(IMG_START), ids(IMG_END)
    config.seg_token_id = ids(tf.SEG_TOKEN)
    config.optical_token_id, config.sar_token_id = ids(tf.OPTICAL_TOKEN), ids(tf.SAR_TOKEN)
    config.date_token_ids = [ids(t) for t in tf.DATE_TOKENS]
    config.eos_token_id, config.pad_token_id = ids(EOS), ids(PAD)
    return tokenizer


def image_block(has_optical: list[bool], has_sar: list[bool], tokens_per_image: int) -> str:
    """The images of every date in order; a modality absent on a date is left out. -> text with
    ``tokens_per_image`` ``<IMG_CONTEXT>`` placeholders per image."""
    ctx = IMG_START + IMG_CONTEXT * tokens_per_image + IMG_END
    rows = []
    for t, (o, s) in enumerate(zip(has_optical, has_sar)):
        row = tf.date_token(t)
        if o:
            row += tf.OPTICAL_TOKEN + ctx
        if s:
            row += tf.SAR_TOKEN + ctx
        rows.append(row)
    return "\n".join(rows)


def image_order(has_optical: list[bool], has_sar: list[bool]) -> list[tuple[int, int]]:
    """(date, modality 0=optical 1=sar) of each image in :func:`image_block` order."""
    out = []
    for t, (o, s) in enumerate(zip(has_optical, has_sar)):
        out += [(t, 0)] if o else []
        out += [(t, 1)] if s else []
    return out


def chat_prompt(prompt: str, has_optical: list[bool], has_sar: list[bool], tokens_per_image: int) -> str:
    """The whole user turn plus the assistant marker; the trace follows it directly."""
    return f"{USER}\n{image_block(has_optical, has_sar, tokens_per_image)}\n{prompt.strip()}\n{ASSISTANT}\n"


def split_trace(trace: str) -> list[tuple[str, str]]:
    """A trace -> pieces ``(kind, text)``, kind ``text`` | ``seg`` | ``measure``, in order. Pieces are
    tokenized separately, exactly as grounded decoding appends them (measurements after ``[SEG]``)."""
    out: list[tuple[str, str]] = []
    for i, part in enumerate(trace.split(tf.SEG_TOKEN)):
        if i:
            out.append(("seg", tf.SEG_TOKEN))
            m = _MEASURE_RE.match(part)
            if m:
                out.append(("measure", m.group(0)))
                part = part[m.end():]
        if part:
            out.append(("text", part))
    return out


def encode(tokenizer, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])
