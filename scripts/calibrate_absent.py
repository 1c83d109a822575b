"""Calibrate a model folder's ``empty_below_confidence``: the mask confidence (mean probability inside the
mask) under which a step marks nothing ("no such region").

The model answers questions on calibration scenes (seeds 500 000 onwards: never used for training, which
stays below 500 000, nor by the held-out test split from 1 000 000, nor by validation just below it).
For every grounded step it records the mask's confidence and the IoU of its mask with the truth (1 for
an empty mask on an absent target, 0 for any mark there). The threshold chosen is the one that maximises
the mean step IoU over those steps, so it trades marks on absent targets against weak masks of present ones
exactly as gIoU does. It is written into the folder's config.json (through a temporary file).

    .venv/bin/python scripts/calibrate_absent.py resources/models/terrascope-tiny --samples 400
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALIBRATION_SEED_START = 500_000


def step_records(folder: str, samples: int, absent_rate: float) -> list[tuple[float, float, bool]]:
    """-> [(confidence, IoU with the truth, truth empty)] for every grounded step with a true mask."""
    from engine.data import dataset as ds
    from engine.eval.bench import _question_and_choices
    from engine.eval.metrics import iou
    from engine.model.checkpoint import from_pretrained
    from engine.model.predictor import GroundedPredictor

    model, tok = from_pretrained(folder, device="cpu")
    model.config.empty_below_confidence = 0.0  # measure the raw masks
    pred = GroundedPredictor(model, tok)
    cfg = ds.DatasetConfig(image_size=pred.image_size, stage=2, seed_start=CALIBRATION_SEED_START,
                           seed_stop=ds.TEST_SEED_START - 1000, with_record=True, absent_rate=absent_rate)
    data = ds.SyntheticQuestions(cfg, length=samples)
    rows = []
    for i in range(samples):
        s = data[i]
        question, choices = _question_and_choices(s)
        pred.set_images(s["images"])
        out = pred.answer(question, choices)
        for step, truth in zip(out.steps, s["masks"]):
            t = np.asarray(truth) > 0.5
            if step.mask_prob.shape == t.shape:
                rows.append((step.confidence, iou(step.mask_prob, t), not t.any()))
        if (i + 1) % 50 == 0:
            print(f"{i + 1}/{samples} questions", file=sys.stderr, flush=True)
    return rows


def write_threshold(folder: Path, threshold: float) -> None:
    path = folder / "config.json"
    cfg = json.loads(path.read_text())
    cfg["empty_below_confidence"] = round(threshold, 6)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".json.tmp")
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(cfg, indent=2))
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path, help="a TerraScope model folder")
    ap.add_argument("--samples", type=int, default=400, help="calibration questions")
    ap.add_argument("--absent-rate", type=float, default=0.12, help="share asked about absent targets")
    ap.add_argument("--dry-run", action="store_true", help="print the threshold, leave config.json as it is")
    args = ap.parse_args(argv)
    from engine.eval.calibration import best_empty_threshold

    rows = step_records(str(args.model), args.samples, args.absent_rate)
    threshold, summary = best_empty_threshold(rows)
    print(json.dumps(summary))
    if not args.dry_run:
        write_threshold(args.model, threshold)
        print(f"written: empty_below_confidence = {threshold:.6f} in {args.model / 'config.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
