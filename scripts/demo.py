"""make demo: generate a scene, ask the embedded default model a question about it, print the answer and
where the GeoPackage and the preview picture are."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "demo-out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--question", default=None, help="default: the scene's first coverage question")
    args = ap.parse_args(argv)

    from engine import Engine
    from engine.data.writer import write_scenes
    from engine.errors import EngineError

    args.out.mkdir(parents=True, exist_ok=True)
    scene = Path(write_scenes(args.out / "scene", seed=args.seed, size=256, count=1)[0])
    records = [json.loads(line) for line in (scene / "questions.jsonl").read_text().splitlines() if line]
    record = next((r for r in records if r["task"] == "coverage"), records[0])
    question = args.question or record["question"]
    choices = None if args.question else record.get("choices")
    try:
        eng = Engine.load()
        ans = eng.ask(question, optical=str(scene / "optical.tif"), sar=str(scene / "sar.tif"), choices=choices,
                      progress=lambda f, msg: print(f"[{f:4.0%}] {msg}", file=sys.stderr))
    except EngineError as err:
        print(f"demo: {err}", file=sys.stderr)
        return 1
    gpkg, png = args.out / "answer.gpkg", args.out / "answer.png"
    ans.to_geopackage(gpkg, overwrite=True)
    ans.preview(png)
    print(f"Question: {question}")
    if choices:
        print("Options:  " + "  ".join(f"{'ABCDEFGH'[i]}) {c}" for i, c in enumerate(choices)))
    for step in ans.steps:
        print(f"  step {step.index}: {step.label}: {step.area_m2:,.0f} m2, {100 * step.share:.1f} % "
              f"(confidence {step.confidence:.2f})")
    print(f"Answer:   {ans.answer}   (truth: {record.get('answer')})")
    print(f"GeoPackage: {gpkg}\nPreview:    {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
