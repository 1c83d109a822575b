"""Grounded-decoding benchmark: per-question latency and peak memory at N grounded steps, and what the KV
cache re-injection saves over recomputing the prefix.

    .venv/bin/python scripts/bench_model.py --model tiny --steps 3
    .venv/bin/python scripts/bench_model.py --model internvl3-1b --device cuda --json
    .venv/bin/python scripts/bench_model.py --model internvl3-1b --device cuda --cache static --compile

The language model is made to emit a fixed trace with N ``[SEG]`` steps (random weights would not emit
``[SEG]`` on their own), so every run does the same work: prefill with the images, greedy decoding with the
real logits computed at every token, N masks, token injection and measurements. ``tiny`` uses the trained
default in resources/models/terrascope-tiny when present, random weights otherwise.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.model.device import resolve_device
from engine.model.inputs import ModelImages
from engine.model.predictor import GroundedPredictor

PHRASES = ["water", "cropland next to the water", "buildings within 200 m of the river", "forest", "bare soil"]


def trace(steps: int, dates: int) -> str:
    lines = [f"Step {i + 1}: {PHRASES[i % len(PHRASES)]}. <t{min(i, dates - 1) + 1}> [SEG]" for i in range(steps)]
    return "\n".join(lines) + "\nAnswer: B\n"


def force(model, tokenizer, text: str):
    """Emit ``text`` then EOS; the real logits are still computed at every step."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [model.config.eos_token_id]
    state = {"it": iter(ids)}
    orig = model.logits

    def forced(hidden):
        real = orig(hidden)
        out = torch.full_like(real, -1e4)
        out[..., next(state["it"], model.config.eos_token_id)] = 0.0
        return out

    model.logits = forced
    return lambda: state.update(it=iter(ids))


def half_masks(model) -> None:
    """Every step's mask covers the middle half of the image's columns whatever the weights (random images,
    random or trained weights), so each step injects the same number of visual tokens; the decoder still
    runs. The band is symmetric under flips, so flip averaging keeps it."""
    orig = model.ground

    def ground(*args, **kwargs):
        out = orig(*args, **kwargs)
        logits = out["mask_logits"]
        s = logits.shape[-1]
        cols = torch.arange(s, device=logits.device)
        band = (cols >= s // 4) & (cols < s - s // 4)
        out["mask_logits"] = torch.where(band, 20.0, -20.0).to(logits.dtype).expand_as(logits)
        return out

    model.ground = ground


def load(name: str, device, dtype):
    from engine.model import checkpoint
    from engine.model.registry import build_model

    folder = ROOT / "resources" / "models" / "terrascope-tiny"
    if name == "tiny" and (folder / "config.json").is_file():
        model, tok = checkpoint.from_pretrained(folder, device=device, dtype=dtype)
        return model, tok, "trained"
    model, tok = build_model(name)
    return model.to(device=device, dtype=dtype).eval(), tok, "random"


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def run(args) -> dict:
    device, dtype = resolve_device(args.device)
    torch.set_num_threads(args.threads) if args.threads else None
    t0 = time.perf_counter()
    model, tok, weights = load(args.model, device, dtype)
    build_s = time.perf_counter() - t0
    s = model.config.image_size
    g = torch.Generator().manual_seed(0)
    images = ModelImages(torch.rand(args.dates, 3, s, s, generator=g), torch.rand(args.dates, 2, s, s, generator=g),
                         torch.ones(args.dates, s, s, dtype=torch.bool), [True] * args.dates, [True] * args.dates)
    half_masks(model)
    reset = force(model, tok, trace(args.steps, args.dates))
    n_tokens = len(tok(trace(args.steps, args.dates), add_special_tokens=False)["input_ids"])
    out = {"model": args.model, "weights": weights, "device": str(device), "dtype": str(dtype).replace("torch.", ""),
           "image_size": s, "dates": args.dates, "steps": args.steps, "generated_tokens": n_tokens,
           "build_s": round(build_s, 2), "threads": torch.get_num_threads()}
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    out["cache_kind"], out["compiled_steps"] = args.cache, bool(args.compile)
    out["flip_average"] = bool(args.flip_average)
    for mode in args.modes:
        kw = {"cache": args.cache, "compile_steps": args.compile} if mode == "cache" else {}
        p = GroundedPredictor(model, tok, prefix_mode=mode, flip_average=args.flip_average, **kw)
        times, enc = [], []
        for r in range(args.repeats + 1):  # the first run warms up
            reset()
            sync(device)
            t = time.perf_counter()
            with torch.inference_mode():
                p.set_images(images)
                sync(device)
                te = time.perf_counter()
                res = p.answer("What share of the area is flooded cropland?", ["0-10 %", "10-25 %", "25-50 %"],
                               max_new_tokens=n_tokens + 8)
            sync(device)
            if r:
                times.append(time.perf_counter() - t)
                enc.append(te - t)
            assert len(res.steps) == args.steps, res.text
        out[mode] = {"question_s": round(min(times), 4), "encode_s": round(min(enc), 4),
                     "decode_s": round(min(t - e for t, e in zip(times, enc)), 4),
                     "per_token_ms": round(1000 * (min(times) - min(enc)) / n_tokens, 2),
                     "injected_tokens": sum(len(st.positions) for st in res.steps)}
    p = GroundedPredictor(model, tok, flip_average=args.flip_average)
    with torch.inference_mode():
        p.set_images(images)
        emb = res.steps[0].seg_embedding
        p.predict_mask(emb, 0, images)
        sync(device)
        t = time.perf_counter()
        for _ in range(args.repeats):
            p.predict_mask(emb, 0, images)
        sync(device)
    out["predict_mask_tile_s"] = round((time.perf_counter() - t) / args.repeats, 4)
    for other in ("recompute-seg", "recompute-token"):
        if "cache" in out and other in out:
            name = other.split("-")[1]
            out[f"speedup_vs_recompute_{name}"] = round(out[other]["question_s"] / out["cache"]["question_s"], 2)
            # the images are encoded once in every mode: what the cache saves shows in the decoding alone
            out[f"decode_speedup_vs_recompute_{name}"] = round(out[other]["decode_s"] / out["cache"]["decode_s"], 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if device.type == "cuda":
        out["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tiny", help="registry size: tiny, tiny-test, internvl3-1b")
    ap.add_argument("--device", default="cpu", help="auto, cpu or cuda")
    ap.add_argument("--steps", type=int, default=3, help="grounded steps in the trace")
    ap.add_argument("--dates", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--modes", nargs="+", default=["cache", "recompute-seg", "recompute-token"],
                    choices=["cache", "recompute-seg", "recompute-token"],
                    help="prefix modes to time (recompute-token re-runs the prefix at every token: slow for 1B)")
    ap.add_argument("--cache", choices=("dynamic", "static"), default="dynamic", help="KV cache of the cache mode")
    ap.add_argument("--compile", action="store_true", help="torch.compile the single-token steps (static cache)")
    ap.add_argument("--flip-average", action="store_true", help="masks averaged over the image and its flips")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = run(args)
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:28s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
