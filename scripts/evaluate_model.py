"""Measure a model folder the way its model card reports it, and write the numbers as JSON.

1. held-out synthetic split (scene seeds >= 10**6, never trained on), in memory through the grounded
   predictor: accuracy, gIoU, cIoU per task type, absent-target false positives;
2. the same split through the whole engine (GeoTIFFs written by `terrascope synth --seed 1000000`,
   `Engine.ask`, native-resolution refinement): `run_bench` on a limited number of questions;
3. the real scenes in ../shared/data/real (evaluation only): water IoU and share on the Sen1Floods11 chip,
   change IoU on the OSCD pairs.

    .venv/bin/python scripts/evaluate_model.py --model resources/models/terrascope-tiny --out eval.json
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# GroundedPredictor options that switch one rule of engine.model.step_rules (or phrase planning)
RULES = ("plan_phrases", "clip_places", "relate_changes", "one_patch", "patch_from_class", "next_to",
         "reference_steps", "change_from_classes", "water_index", "landing_sites", "building_context",
         "water_evidence", "radar_placement", "land_cover", "head_presence", "head_over_signature",
         "water_bodies_apart")
sys.path.insert(0, str(ROOT))


def set_rule(predictor, rule: str, on: bool) -> None:
    """Turn one of :data:`RULES` on or off on a GroundedPredictor."""
    from engine.geo.water_index import WaterIndexConfig

    if rule == "water_index":  # a rule with a setting
        predictor.water_index = WaterIndexConfig.turned(on)
    else:
        setattr(predictor, rule, on)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--samples", type=int, default=400, help="held-out questions, in memory (0: skip)")
    ap.add_argument("--seed-start", type=int, default=None,
                    help="first scene seed of the in-memory questions (default: the test split's, 1 000 000); "
                         "validation seeds (from 7 000 000) measure a rule or model without the test split")
    ap.add_argument("--absent-rate", type=float, default=None,
                    help="share of the in-memory questions whose target is absent (default: the test split's, "
                         "0.12); 1.0 asks every question about a region the scene lacks, to study false positives "
                         "on validation seeds")
    ap.add_argument("--scenes", type=int, default=10, help="held-out scenes through the whole engine (0: skip)")
    ap.add_argument("--real", default=str(ROOT.parent / "shared" / "data" / "real"),
                    help="folder of the real scenes ('': skip)")
    ap.add_argument("--no-plan-phrases", action="store_true",
                    help="let the model write every step phrase itself (to measure what planned phrases give)")
    ap.add_argument("--rule-off", action="append", default=[], choices=RULES, metavar="RULE",
                    help="turn one of the engine's step rules off to measure what it gives (repeatable): "
                         + ", ".join(RULES))
    ap.add_argument("--rule-on", action="append", default=[], choices=RULES, metavar="RULE",
                    help="turn one of the step rules on where the model's config leaves it off (repeatable)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    from engine import Engine
    from engine.data.dataset import held_out_samples
    from engine.data.writer import TEST_SEED_START, write_scenes
    from engine.eval.bench import evaluate_predictor, run_bench
    from engine.eval.real import bench_real

    eng = Engine.load(args.model, device="cpu")
    eng.predictor.plan_phrases = not args.no_plan_phrases
    for rule in args.rule_off:
        set_rule(eng.predictor, rule, False)
    for rule in args.rule_on:
        set_rule(eng.predictor, rule, True)
    report: dict = {"model": args.model, "plan_phrases": eng.predictor.plan_phrases,
                    "rules_off": sorted(set(args.rule_off) | ({"plan_phrases"} if args.no_plan_phrases else set())),
                    "rules_on": sorted(args.rule_on)}
    if args.samples > 0:
        t = time.time()
        seed_start = TEST_SEED_START if args.seed_start is None else args.seed_start
        report["seed_start"] = seed_start
        overrides = {} if args.absent_rate is None else {"absent_rate": args.absent_rate}
        report.update(overrides)
        samples = held_out_samples(args.samples, image_size=eng.predictor.image_size, seed_start=seed_start,
                                   **overrides)
        report["held_out_in_memory"] = evaluate_predictor(eng.predictor, samples)
        report["held_out_in_memory"]["seconds"] = round(time.time() - t, 1)
        print(json.dumps({k: v for k, v in report["held_out_in_memory"].items() if k != "per_task"}), flush=True)
    if args.scenes > 0:
        with tempfile.TemporaryDirectory() as tmp:
            write_scenes(tmp, seed=TEST_SEED_START, size=256, count=args.scenes)
            report["held_out_engine"] = run_bench(tmp, engine=eng)
        print(json.dumps({k: v for k, v in report["held_out_engine"].items() if k != "per_task"}), flush=True)
    if args.real and Path(args.real).is_dir():
        report["real"] = bench_real(args.real, eng)
        print(json.dumps(report["real"]), flush=True)
    args.out.write_text(json.dumps(report, indent=1, default=str))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
