"""Install a trained model folder as the embedded default (resources/models/terrascope-tiny), weights stored
in float16 so the folder stays under 40 MB. The recipes, evaluation
results and model card already in the target are kept.

    .venv/bin/python scripts/install_default.py build/terrascope-tiny
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KEEP = ("recipe*.json", "eval*.json", "MODEL_CARD.md")  # the records beside the weights
LIMIT_BYTES = 40 * 1000 * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trained", type=Path, help="folder written by `terrascope train --out`")
    ap.add_argument("--target", type=Path, default=ROOT / "resources" / "models" / "terrascope-tiny")
    args = ap.parse_args(argv)

    import torch

    from engine.model.checkpoint import from_pretrained, save_pretrained

    model, tok = from_pretrained(args.trained)
    args.target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.target.parent) as tmp:
        save_pretrained(model, tok, tmp, dtype=torch.float16)
        size = sum(f.stat().st_size for f in Path(tmp).iterdir())
        if size > LIMIT_BYTES:
            print(f"error: the model folder would take {size / 1e6:.1f} MB, over the 40 MB limit", file=sys.stderr)
            return 1
        from_pretrained(tmp)  # what is installed must load
        for old in args.target.iterdir():
            if not any(old.match(pattern) for pattern in KEEP):
                old.unlink() if old.is_file() else shutil.rmtree(old)
        for f in Path(tmp).iterdir():
            f.chmod(0o644)
            f.replace(args.target / f.name)
    print(f"installed {args.trained} -> {args.target} ({size / 1e6:.1f} MB, float16)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
