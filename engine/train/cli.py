"""``terrascope train`` and ``terrascope finetune``: argparse options and the functions the CLI calls.

Both print progress bars on stderr and one JSON summary on stdout. Multi-GPU / multi-process runs go
through Accelerate: ``accelerate launch [--num_processes N] -m engine.cli train --config FILE``.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ..errors import InputError

EMBEDDED = Path(__file__).resolve().parents[2] / "resources" / "models" / "terrascope-tiny"


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``terrascope train``: a config file, and/or single fields overriding it."""
    parser.add_argument("--config", help="training config JSON (TrainConfig fields)")
    parser.add_argument("--data", dest="data_dir", help="folders written by `terrascope synth` "
                        "(default: scenes generated on the fly)")
    parser.add_argument("--out", dest="out_dir", help="output folder (final model + checkpoint-last/)")
    parser.add_argument("--model", help="registry name of the architecture (tiny-test, tiny, ...)")
    parser.add_argument("--base", dest="base_dir", help="start from this model folder")
    parser.add_argument("--stage", choices=["1", "2", "both"], help="which stage(s) to train")
    parser.add_argument("--stage1-steps", type=int)
    parser.add_argument("--stage2-steps", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--workers", dest="num_workers", type=int, help="scene-generating worker processes")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--mixed-precision", choices=["auto", "no", "bf16", "fp16"])
    parser.add_argument("--max-seconds", type=float, help="stop and save after this wall time")
    parser.add_argument("--time-schedule", action="store_true", default=None,
                        help="with --max-seconds: the learning rate decays over that wall time, so a run cut by "
                             "it still ends at the floor of its schedule")
    parser.add_argument("--checkpoint-every", type=int)
    parser.add_argument("--log-every", type=int, help="steps between loss log entries (and, without a progress bar, log lines)")
    parser.add_argument("--eval-every", type=int)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def train_config_from_args(args: argparse.Namespace):
    from .config import TrainConfig, field_names

    cfg = TrainConfig.load(args.config) if getattr(args, "config", None) else TrainConfig()
    changes = {k: getattr(args, k, None) for k in field_names() if k != "stage"}
    if getattr(args, "stage", None):
        changes["stage"] = args.stage if args.stage == "both" else int(args.stage)
    return cfg.replace(**changes)


class _Bar:
    """A tqdm progress bar on stderr driven by (step, total, metrics) callbacks; when disabled (logs, remote
    machines), one line on stderr every ``log_every`` steps instead."""

    def __init__(self, desc: str, enabled: bool = True, log_every: int = 0):
        self.bar, self.desc, self.enabled, self.log_every = None, desc, enabled, log_every

    def __call__(self, step: int, total: int, metrics: dict) -> None:
        if not self.enabled:
            if self.log_every > 0 and step % self.log_every == 0:
                parts = [f"step {step}/{total} loss {metrics.get('loss', float('nan')):.4f}",
                         f"lr {metrics.get('lr', float('nan')):.3g}"]
                if "samples_per_s" in metrics:  # the pace, and what sets it, where the run measures it
                    parts += [f"{metrics['samples_per_s']:.1f} samples/s",
                              f"data wait {100 * metrics.get('data_wait_share', float('nan')):.0f} %"]
                if "seconds" in metrics:
                    parts.append(f"{metrics['seconds']:.0f} s")
                print(" ".join(parts), file=sys.stderr, flush=True)
            return
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.desc, file=sys.stderr, dynamic_ncols=True)
        self.bar.n = step
        shown = {k: f"{v:.4g}" if isinstance(v, float) else v for k, v in metrics.items()
                 if k in ("loss", "bce", "dice", "iou", "lm_loss", "lr", "phase", "val_giou", "val_accuracy")}
        self.bar.set_postfix(shown, refresh=True)

    @classmethod
    def for_args(cls, desc: str, args: argparse.Namespace, log_every: int = 0) -> "_Bar":
        """A bar unless the command's ``--no-progress`` or ``--quiet`` turns it off; use it in a ``with`` block, which
        closes it however the run ends."""
        return cls(desc, not (getattr(args, "no_progress", False) or getattr(args, "quiet", False)), log_every)

    def __enter__(self) -> "_Bar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cli_train(args: argparse.Namespace) -> int:
    """Run ``terrascope train``; -> exit code. Errors surface as EngineError (one line)."""
    from .loop import train

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    cfg = train_config_from_args(args)
    with _Bar.for_args("train", args, cfg.log_every) as bar:
        res = train(cfg, progress=bar)
    print(json.dumps({"out": res.out_dir, "steps": res.global_step, "total_steps": res.total_steps,
                      "finished": res.finished, "loss": res.loss, "seconds": round(res.seconds, 1),
                      "validation": res.metrics, **{k: round(v, 3) for k, v in res.throughput.items()}}))
    return 0


def add_land_cover_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``terrascope train-land-cover``: a recipe file, and/or single fields overriding it."""
    parser.add_argument("--config", help="recipe JSON (LandCoverTrainConfig fields)")
    parser.add_argument("--base", dest="base_dir", help="model folder the head is added to, or whose head trains on")
    parser.add_argument("--out", dest="out_dir", help="model folder to write (base and head)")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's)")
    parser.add_argument("--device", help="cpu (default), cuda, cuda:N or auto")
    parser.add_argument("--max-seconds", type=float, help="stop and save after this wall time")
    parser.add_argument("--time-schedule", action="store_true", default=None,
                        help="with --max-seconds: the learning rate decays over that wall time")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def cli_train_land_cover(args: argparse.Namespace) -> int:
    """Run ``terrascope train-land-cover``; -> exit code. Prints one JSON summary on stdout."""
    from .land_cover import train_land_cover
    from .land_cover_config import LandCoverTrainConfig

    cfg = LandCoverTrainConfig.load(args.config) if getattr(args, "config", None) else LandCoverTrainConfig()
    names = ("base_dir", "out_dir", "steps", "batch_size", "lr", "seed", "threads", "device", "max_seconds",
             "time_schedule")
    cfg = cfg.replace(**{k: getattr(args, k, None) for k in names})
    with _Bar.for_args("land cover", args, cfg.log_every) as bar:
        res = train_land_cover(cfg, progress=bar)
    print(json.dumps({"out": res.out_dir, "steps": res.steps, "finished": res.finished,
                      "loss": None if res.loss is None else round(res.loss, 4), "seconds": round(res.seconds, 1),
                      "validation_iou": res.val_iou}))
    return 0


def add_finetune_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``terrascope finetune``."""
    parser.add_argument("--images", nargs="+", default=[], help="imagery: one optical and/or one SAR file "
                        "(one date), or several files as a time series (first is <t1>)")
    parser.add_argument("--optical", help="optical raster (one date)")
    parser.add_argument("--sar", help="SAR raster (one date)")
    parser.add_argument("--labels", help="classified raster or polygon file")
    parser.add_argument("--label-field", help="class field of polygon labels")
    parser.add_argument("--label-layer", help="layer of a multi-layer polygon file")
    parser.add_argument("--classes", help="class names: '1=water,2=cropland' or a JSON file {value: name}")
    parser.add_argument("--aoi", help="area of interest: WKT (EPSG:4326), 'EPSG:xxxx;WKT' or a vector file")
    parser.add_argument("--optical-bands", help="1-based bands, e.g. 4,3,2")
    parser.add_argument("--sar-bands", help="1-based bands, e.g. 1,2")
    parser.add_argument("--block-size", type=int, help="split block side in pixels")
    parser.add_argument("--val-fraction", type=float, help="share of blocks for validation")
    parser.add_argument("--split-seed", type=int)
    parser.add_argument("--tasks", help="comma-separated task types (coverage,area,distance,ranking,"
                        "boundary,referring,implicit)")
    parser.add_argument("--questions", type=int, help="training questions to generate")
    parser.add_argument("--val-questions", type=int)
    parser.add_argument("--lora-rank", type=int)
    parser.add_argument("--lora-alpha", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--settings", help="FinetuneConfig JSON; options given here override it")
    parser.add_argument("--base", help="base model folder or registry name (default: the embedded model)")
    parser.add_argument("--init-adapter", help="continue from this adapter (same base)")
    parser.add_argument("--out", help="adapter folder to write")
    parser.add_argument("--no-resume", action="store_true", help="ignore a cancelled run's state")
    parser.add_argument("--estimate", action="store_true", help="print the estimated seconds and stop")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--progress-json", action="store_true",
                        help="machine-readable output: one JSON object per line on stdout ({'event': "
                        "'progress' | 'done' | 'error', ...}); SIGTERM then cancels at the next step")


def _ints(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"band list {text!r} must be comma-separated numbers, e.g. 4,3,2")


def parse_classes(text: str | None) -> dict[str, str]:
    """'1=water,2=crop land' or a JSON file path -> {value: name}."""
    if not text:
        return {}
    p = Path(text)
    if p.suffix.lower() == ".json" or p.is_file():
        try:
            d = json.loads(p.read_text())
        except (OSError, ValueError) as err:
            raise InputError(f"class-name file {text} cannot be read: {err}")
        return {str(k): str(v) for k, v in d.items()}
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise InputError(f"class mapping {part!r} must look like VALUE=NAME (e.g. 1=water)")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _split_images(paths: list[str]) -> dict:
    """One optical and/or one SAR file -> one date; anything else -> a time series of dates."""
    from ..geo.sources import OPTICAL, open_source

    if not paths:
        return {}
    kinds = [open_source(p).kind for p in paths]
    if len(paths) <= 2 and kinds.count(OPTICAL) <= 1 and len(kinds) - kinds.count(OPTICAL) <= 1:
        out = {}
        for p, k in zip(paths, kinds):
            out["optical" if k == OPTICAL else "sar"] = p
        return out
    return {"dates": list(paths)}


def finetune_config_from_args(args: argparse.Namespace):
    from .finetune_config import FinetuneConfig

    base = FinetuneConfig.load(args.settings).to_dict() if getattr(args, "settings", None) else {}
    base.update(_split_images(list(getattr(args, "images", None) or [])))
    simple = {"optical": args.optical, "sar": args.sar, "labels": args.labels, "label_field": args.label_field,
              "label_layer": args.label_layer, "aoi": args.aoi, "block_size": args.block_size,
              "val_fraction": args.val_fraction, "split_seed": args.split_seed, "questions": args.questions,
              "val_questions": args.val_questions, "lora_rank": args.lora_rank, "lora_alpha": args.lora_alpha,
              "steps": args.steps, "lr": args.lr, "batch_size": args.batch_size, "device": args.device,
              "seed": args.seed, "optical_bands": _ints(args.optical_bands), "sar_bands": _ints(args.sar_bands)}
    base.update({k: v for k, v in simple.items() if v is not None})
    if args.classes:
        base["class_names"] = parse_classes(args.classes)
    if args.tasks:
        base["tasks"] = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if not (base.get("optical") or base.get("sar") or base.get("dates")):
        raise InputError("no imagery: give --images PATH... (or --optical / --sar)")
    if not base.get("labels"):
        raise InputError("no labels: give --labels PATH (a classified raster or a polygon file)")
    return FinetuneConfig.from_dict(base)


def default_base() -> str:
    """The embedded default model folder when it is there, else the registry's ``tiny``."""
    return str(EMBEDDED) if (EMBEDDED / "config.json").is_file() else "tiny"


def cli_finetune(args: argparse.Namespace) -> int:
    """Run ``terrascope finetune``; -> exit code."""
    from .finetune import estimate_seconds, run_finetune

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    cfg = finetune_config_from_args(args)
    base = args.base or default_base()
    if args.estimate:
        print(json.dumps({"estimated_seconds": round(estimate_seconds(cfg, base), 1)}))
        return 0
    if not args.out:
        raise InputError("no output folder: give --out ADAPTER_DIR")
    if getattr(args, "progress_json", False):
        return _finetune_json(cfg, base, args)
    with _Bar.for_args("fine-tune", args) as bar:
        res = run_finetune(cfg, base, args.out, progress=bar, resume=not args.no_resume,
                           init_adapter=args.init_adapter)
    keys = ("accuracy", "giou", "ciou", "n")
    print(json.dumps({"adapter": res.adapter_dir, "seconds": round(res.seconds, 1), "steps": res.steps,
                      "before": {k: res.before.get(k) for k in keys}, "after": {k: res.after.get(k) for k in keys}}))
    return 0


def _finetune_json(cfg, base: str, args: argparse.Namespace) -> int:
    """``--progress-json``: progress events ``{"event": "progress", "step", "total", "phase", "loss"?,
    "eta_s"?}``, then ``{"event": "done", "adapter", "before", "after", "seconds", "steps", "history",
    "data"}`` or ``{"event": "error", "kind": "cancelled" | "input", "message"}`` (the error is raised on).
    SIGTERM only sets a flag that ``run_finetune`` polls, so a stop never lands inside the atomic save."""
    import signal
    import threading

    from ..errors import Cancelled, EngineError
    from .finetune import _plain, run_finetune

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def emit(event: dict) -> None:
        sys.stdout.write(json.dumps(_plain(event)) + "\n")
        sys.stdout.flush()

    def progress(step: int, total: int, metrics: dict) -> None:
        event = {"event": "progress", "step": int(step), "total": int(total),
                 "phase": str(metrics.get("phase", "train"))}
        for key in ("loss", "eta_s", "val_giou_before", "val_giou_after"):
            if metrics.get(key) is not None:
                event[key] = float(metrics[key])
        emit(event)

    try:
        res = run_finetune(cfg, base, args.out, progress=progress, cancelled=stop.is_set,
                           resume=not args.no_resume, init_adapter=args.init_adapter)
    except Cancelled as err:
        emit({"event": "error", "kind": "cancelled", "message": str(err)})
        raise
    except EngineError as err:
        emit({"event": "error", "kind": "input", "message": str(err)})
        raise
    emit({"event": "done", "adapter": res.adapter_dir, "seconds": round(res.seconds, 2), "steps": res.steps,
          "before": res.before, "after": res.after, "history": res.history, "data": res.data})
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.train {train,finetune} ...`` (the same options as ``terrascope``)."""
    from ..errors import EngineError

    parser = argparse.ArgumentParser(prog="python -m engine.train")
    sub = parser.add_subparsers(dest="command", required=True)
    add_train_arguments(sub.add_parser("train"))
    add_finetune_arguments(sub.add_parser("finetune"))
    args = parser.parse_args(argv)
    try:
        return cli_train(args) if args.command == "train" else cli_finetune(args)
    except EngineError as err:
        print(f"terrascope: error: {err}", file=sys.stderr)
        return 2


__all__ = ["add_train_arguments", "add_finetune_arguments", "cli_train", "cli_finetune", "main",
           "parse_classes", "default_base"]
