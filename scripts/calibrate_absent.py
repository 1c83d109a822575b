"""Calibrate a model folder's ``empty_below_confidence`` and ``change_below_contrast``: the mask confidence
(mean probability inside the mask) under which a step marks nothing ("no such region"), and the contrast of
the dates inside a change step's mask under which it marks nothing (engine.geo.change_evidence).

The model answers questions on calibration scenes (seeds 500 000 to 599 999: never used for training, which
uses seeds below 500 000 and from 600 000, nor by the held-out test split from 1 000 000, nor by validation).
It answers as the in-memory bench does (measurements in metres in the context, engine.eval.bench), and
for every grounded step records the mask's confidence and the IoU of its mask with the truth (1 for
an empty mask on an absent target, 0 for any mark there). The threshold chosen is the one that maximises
the mean step IoU over those steps, so it trades marks on absent targets against weak masks of present ones
exactly as gIoU does. The questions ask about absent targets more often (``--absent-rate``) than the held-out
split and use do (``--use-absent-rate``, the dataset's default), so that enough absent steps are judged; their
steps are then weighted back to the share they have at the use rate (engine.eval.calibration.absent_weight).
The change contrast is chosen the same way, on the change steps the confidence threshold keeps: those of the
mixed questions and of ``--change-samples`` more questions that are all change questions (scenes of their own
from seed 550 000), since a few dozen judged change steps leave the choice to chance. Both are written into
the folder's config.json (through a temporary file).
``--flip-average`` / ``--no-flip-average``, ``--flip-transposes``, ``--change-from-classes``, ``--sharpen-radius``,
``--sharpen-eps`` and ``--signature-weight`` first set the model's flip averaging (over the transposed views too),
change steps as the difference of their classes, sharpening and class-signature blending of masks (what is judged
are the masks the model will give, and later steps follow what earlier ones injected) and write them beside the
thresholds. ``--min-mask-pixels`` writes the model's minimum mask size beside them (judging empties nothing, so it
does not move them). The embedded default's own settings are those of the last command of the Makefile's
``train-tiny`` target, which is where they are recorded; for a model folder of one's own:

    .venv/bin/python scripts/calibrate_absent.py MODEL_FOLDER --samples 600 --flip-average
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALIBRATION_SEED_START, CALIBRATION_SEED_STOP = 500_000, 600_000
CHANGE_SEED_START = 550_000  # the change-only questions' scenes: apart from the mixed questions' ones


def write_settings(folder: Path, settings: dict) -> None:
    """Set ``settings`` (config keys -> values) in the folder's config.json, through a temporary file."""
    from engine.geo.writer import atomic_path

    path = folder / "config.json"
    cfg = json.loads(path.read_text())
    cfg.update(settings)
    with atomic_path(path, overwrite=True) as tmp:
        Path(tmp).write_text(json.dumps(cfg, indent=2))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path, help="a TerraScope model folder")
    ap.add_argument("--samples", type=int, default=600, help="calibration questions")
    ap.add_argument("--change-samples", type=int, default=300,
                    help="change questions more, for the change contrast alone (0: the mixed questions' only)")
    ap.add_argument("--absent-rate", type=float, default=0.3, help="share asked about absent targets")
    ap.add_argument("--use-absent-rate", type=float, default=None,
                    help="the share the gate is tuned for (default: the dataset's, as in the held-out split)")
    ap.add_argument("--flip-average", action=argparse.BooleanOptionalAction, default=None,
                    help="set the model's flip averaging of masks before calibrating (default: as configured)")
    ap.add_argument("--flip-transposes", action=argparse.BooleanOptionalAction, default=None,
                    help="set whether flip averaging also takes the transposed views (default: as configured)")
    ap.add_argument("--change-from-classes", action=argparse.BooleanOptionalAction, default=None,
                    help="set whether change steps are the difference of their classes on the two dates (default: "
                         "as configured)")
    ap.add_argument("--sharpen-radius", type=int, default=None,
                    help="set the model's mask sharpening radius (model-grid pixels, 0: off) before calibrating")
    ap.add_argument("--sharpen-eps", type=float, default=None, help="and its regularisation")
    ap.add_argument("--signature-weight", type=float, default=None,
                    help="set the model's class-signature blending of masks (0: off) before calibrating")
    ap.add_argument("--min-mask-pixels", type=int, default=None,
                    help="set the model's minimum mask size (marked pixels of its grid; 0: off)")
    ap.add_argument("--dry-run", action="store_true", help="print the threshold, leave config.json as it is")
    args = ap.parse_args(argv)
    from engine.data import dataset as ds
    from engine.eval.calibration import (absent_step_share, absent_weight, best_change_threshold,
                                         best_empty_threshold, step_records)
    from engine.model.checkpoint import from_pretrained
    from engine.model.predictor import GroundedPredictor
    from tqdm import tqdm

    model, tok = from_pretrained(args.model, device="cpu")
    chosen = {"flip_average": args.flip_average, "flip_transposes": args.flip_transposes,
              "change_from_classes": args.change_from_classes,
              "guided_radius": args.sharpen_radius, "guided_eps": args.sharpen_eps,
              "signature_weight": args.signature_weight, "min_mask_pixels": args.min_mask_pixels}
    chosen = {k: v for k, v in chosen.items() if v is not None}
    for key, value in chosen.items():  # the masks judged are the masks the model will give
        setattr(model.config, key, value)
    pred = GroundedPredictor(model, tok, judge_only=True)  # every mask judged as decoded, none emptied
    cfg = ds.DatasetConfig(image_size=pred.image_size, stage=2, seed_start=CALIBRATION_SEED_START,
                           seed_stop=CALIBRATION_SEED_STOP, with_record=True, absent_rate=args.absent_rate)
    use_rate = ds.DatasetConfig().absent_rate if args.use_absent_rate is None else args.use_absent_rate
    use_cfg = replace(cfg, absent_rate=use_rate)
    scenes = ds.SceneCache(cfg)  # the questions at the use rate are asked on the same scenes, rendered once
    at_use_rate: list[dict] = []

    def calibration_samples():
        for i in range(args.samples):
            sample = ds.make_sample(i, cfg, scenes)
            at_use_rate.append({"masks": ds.make_sample(i, use_cfg, scenes)["masks"]})  # its steps' truth
            yield sample

    with tqdm(total=args.samples, desc="calibrating", unit="question", file=sys.stderr) as bar:
        rows = step_records(pred, calibration_samples(), model.config.mask_threshold,
                            progress=lambda fraction, message: bar.update(1))
    change_rows = []
    if args.change_samples > 0:
        change_cfg = replace(cfg, tasks=("change",), seed_start=CHANGE_SEED_START)
        change_scenes = ds.SceneCache(change_cfg)
        with tqdm(total=args.change_samples, desc="change steps", unit="question", file=sys.stderr) as bar:
            change_rows = step_records(pred, (ds.make_sample(i, change_cfg, change_scenes)
                                              for i in range(args.change_samples)),
                                       model.config.mask_threshold, progress=lambda fraction, message: bar.update(1))
    sampled = float(np.mean([row[2] for row in rows]))
    weight = 1.0
    if 0 < sampled < 1:
        weight = absent_weight(sampled, absent_step_share(at_use_rate))
    threshold, summary = best_empty_threshold(rows, weight)
    contrast, change_summary = best_change_threshold(rows + change_rows, threshold, weight)
    print(json.dumps(summary))
    print(json.dumps({"change_steps": change_summary}))
    if not args.dry_run:
        chosen.update(empty_below_confidence=round(threshold, 6), change_below_contrast=round(contrast, 6))
        write_settings(args.model, chosen)
        print(f"written: {json.dumps(chosen)} in {args.model / 'config.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
