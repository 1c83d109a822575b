"""make bench: every speed and memory benchmark of the project, one after the other, each in its own
process (peak memory is per process). Numbers print to stdout; targets are in each script's docstring.

    .venv/bin/python scripts/bench.py [--only model|geo]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {"model": HERE / "bench_model.py", "geo": HERE / "bench_geo.py"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(BENCHES))
    args = ap.parse_args(argv)
    failed = []
    for name, script in BENCHES.items():
        if args.only and name != args.only:
            continue
        print(f"== {name}: {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
