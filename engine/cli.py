"""The ``terrascope`` command: ask | synth | bench | train | train-land-cover | finetune.

Progress and log lines go to stderr, results (``--json``) to stdout. A problem the user can fix is one line
``terrascope: error: ...`` on stderr with exit status 1, and nothing partial is left on disk.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Callable

from .errors import Cancelled, EngineError, InputError

PROG = "terrascope"
EXIT_ERROR, EXIT_CANCELLED, EXIT_INTERNAL = 1, 130, 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Pixel-grounded reasoning over Earth-observation "
                                "rasters.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true",
                        help="more log lines; tracebacks for internal errors")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or log lines")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    a = sub.add_parser("ask", parents=[common],
                       help="ask a question about rasters; write the grounded answer as a GeoPackage")
    a.add_argument("question", help="the question, in plain language")
    a.add_argument("--optical", metavar="PATH", help="optical raster (3, 4 or Sentinel-2 bands)")
    a.add_argument("--sar", metavar="PATH", help="SAR raster (VV, VH or one band; dB or linear)")
    a.add_argument("--date", metavar="PATH", action="extend", nargs="+", dest="dates",
                   help="dates of a time series (repeat or list; the first is <t1>); optical or SAR per file")
    a.add_argument("--aoi", metavar="WKT|PATH",
                   help="area of interest: WKT in EPSG:4326, 'EPSG:xxxx;WKT', or a vector file")
    a.add_argument("--optical-bands", metavar="4,3,2", help="1-based optical bands read as R,G,B")
    a.add_argument("--sar-bands", metavar="1,2", help="1-based SAR bands read as VV,VH")
    a.add_argument("--choices", metavar="'a|b|c'",
                   help="options of a multiple-choice question, '|'-separated")
    a.add_argument("--preview", metavar="PNG", help="also write a picture of the masks and the answer")
    a.add_argument("--model", metavar="DIR", help="model folder (default: the embedded model)")
    a.add_argument("--model-name", help=argparse.SUPPRESS)  # registered random-weight sizes, for tests
    a.add_argument("--adapter", metavar="DIR", help="LoRA adapter folder from `terrascope finetune`")
    a.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    a.add_argument("--compile", action="store_true",
                   help="static KV cache + compiled decoding steps (CUDA graphs on a GPU; first question compiles)")
    a.add_argument("--flip-average", action=argparse.BooleanOptionalAction, default=None,
                   help="average each mask over the image and its flips (default: as the model's config says)")
    a.add_argument("--sharpen-masks", action=argparse.BooleanOptionalAction, default=None,
                   help="move mask boundaries onto the edges of the bands (default: as the model's config says)")
    a.add_argument("--class-signatures", action=argparse.BooleanOptionalAction, default=None,
                   help="move a class's mask onto the pixels of the scene whose bands look like it "
                        "(default: as the model's config says)")
    a.add_argument("--change-from-classes", action=argparse.BooleanOptionalAction, default=None,
                   help="a change step (destroyed buildings, cleared forest) as the difference of its classes "
                        "found on the two dates (post-classification change; default: as the model's config says)")
    a.add_argument("--water-index", action=argparse.BooleanOptionalAction, default=True,
                   help="grow water steps into the connected pixels whose NDWI (green against NIR) marks open water, "
                        "where the optical file has a NIR band (default: on)")
    a.add_argument("--land-cover", action=argparse.BooleanOptionalAction, default=None,
                   help="blend class steps (forest, roads, the largest water patch) with the model's dense land-cover "
                        "head, where it has one (default: as the model's config says)")
    a.add_argument("--tile-size", type=int, default=512, help="native-resolution tile in px (default 512)")
    a.add_argument("--overlap", type=int, default=64, help="overlap between tiles in px (default 64)")
    a.add_argument("--out", required=True, metavar="OUT.gpkg",
                   help="output GeoPackage (.gpkg; .geojson, .shp also accepted)")
    a.add_argument("--overwrite", action="store_true", help="replace existing output files")
    a.add_argument("--json", action="store_true", help="print the answer as one JSON object on stdout")

    s = sub.add_parser("synth", parents=[common],
                       help="write synthetic labelled scenes (GeoTIFFs + questions.jsonl)")
    s.add_argument("--out", required=True, metavar="DIR")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--size", type=int, default=256, metavar="PX")
    s.add_argument("--count", type=int, default=1)

    b = sub.add_parser("bench", parents=[common], help="answer accuracy and mask gIoU/cIoU per task type")
    b.add_argument("--data", required=True, metavar="DIR")
    b.add_argument("--model", metavar="DIR")
    b.add_argument("--adapter", metavar="DIR")
    b.add_argument("--json", action="store_true")

    t = sub.add_parser("train", parents=[common], help="two-stage training of a model")
    lc = sub.add_parser("train-land-cover", parents=[common],
                        help="train a model's dense land-cover head, which sharpens its class steps")
    f = sub.add_parser("finetune", parents=[common], help="LoRA fine-tuning on your own labelled imagery")
    try:  # the training side owns its options; without it the commands still parse and say what is missing
        from .train.cli import add_finetune_arguments, add_land_cover_arguments, add_train_arguments

        add_train_arguments(t)
        add_land_cover_arguments(lc)
        add_finetune_arguments(f)
    except ImportError:
        t.add_argument("--config", metavar="FILE")
        t.add_argument("--data", metavar="DIR")
        t.add_argument("--out", metavar="DIR")
        lc.add_argument("--config", metavar="FILE")
        lc.add_argument("--out", metavar="DIR")
        f.add_argument("--images", nargs="+", metavar="PATH")
        f.add_argument("--labels", metavar="PATH")
        f.add_argument("--out", metavar="ADAPTER_DIR")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        return COMMANDS[args.command](args)
    except Cancelled as err:
        _say_error(str(err) or "cancelled")
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        _say_error("interrupted; nothing was written")
        return EXIT_CANCELLED
    except EngineError as err:
        _say_error(str(err))
        return EXIT_ERROR
    except Exception as err:  # a bug: still one line, the traceback with -v
        if args.verbose:
            import traceback

            traceback.print_exc()
        _say_error(f"internal error: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
                   f"{'' if args.verbose else ' (run with -v for details)'}")
        return EXIT_INTERNAL


def _say_error(message: str) -> None:
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)


class _TqdmHandler(logging.Handler):
    def emit(self, record):
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)


def _setup_logging(args) -> None:
    lg = logging.getLogger(__package__ or "engine")  # the engine's loggers are its children
    lg.handlers[:] = []
    if not args.quiet:
        h = _TqdmHandler()
        h.setFormatter(logging.Formatter(f"{PROG}: %(message)s"))
        lg.addHandler(h)
    lg.setLevel(logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.INFO)
    lg.propagate = False


def _progress_bar(args, desc: str):
    """A tqdm bar on stderr driven by ``progress(fraction 0..1, message)`` or ``(done, total)``; None when
    quiet."""
    if args.quiet:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=100, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True,
               bar_format="{desc} {percentage:3.0f}%|{bar}| [{elapsed}]")

    def progress(*a, **_):
        if not a:
            return
        try:
            frac = float(a[0]) / float(a[1]) if len(a) > 1 and not isinstance(a[1], str) else float(a[0])
        except (TypeError, ValueError, ZeroDivisionError):
            return
        msg = next((x for x in a[1:] if isinstance(x, str)), "")
        bar.n = round(100 * min(max(frac, 0.0), 1.0))
        bar.set_description_str(f"{desc}: {msg}" if msg else desc, refresh=False)
        bar.refresh()

    return progress, bar.close


def cmd_ask(args) -> int:
    from .geo.writer import check_output

    question = (args.question or "").strip()
    if not question:
        raise InputError('the question is empty; ask something, e.g. "What share of the area is water?"')
    ext = os.path.splitext(args.out)[1].lower()
    if ext not in (".gpkg", ".geojson", ".json", ".shp"):
        raise InputError(f"--out {args.out}: use a .gpkg file (or .geojson / .shp)")
    out = check_output(args.out, args.overwrite)
    preview = check_output(args.preview, args.overwrite) if args.preview else None
    if preview and not preview.lower().endswith(".png"):
        raise InputError(f"--preview {args.preview}: give a .png file")
    if not (args.optical or args.sar or args.dates):
        raise InputError("no input raster: give --optical and/or --sar, or --date PATH (repeated)")
    choices = [c for c in args.choices.split("|")] if args.choices else None
    from .api import Engine, _bands
    from .geo.stack import open_stack

    # the inputs are checked before the (slower) model load, so a typo fails fast
    stack = open_stack(optical=args.optical, sar=args.sar, dates=args.dates, aoi=args.aoi,
                       optical_bands=_bands(args.optical_bands), sar_bands=_bands(args.sar_bands))
    progress, close = _progress_bar(args, "ask")
    try:
        if progress:
            progress(0.0, "loading model")
        eng = Engine.load(args.model, device=args.device, adapter=args.adapter, model_name=args.model_name,
                          compile_decoding=args.compile, flip_average=args.flip_average,
                          sharpen_masks=args.sharpen_masks, class_signatures=args.class_signatures,
                          change_from_classes=args.change_from_classes, water_index=args.water_index,
                          land_cover=args.land_cover)
        ans = eng.ask_stack(question, stack, choices=choices, progress=progress, tile_size=args.tile_size,
                            overlap=args.overlap)
    finally:
        close()
    written = ans.export(out, overwrite=args.overwrite)
    try:
        if preview:
            ans.preview(preview)
    except BaseException:
        for p in [written] if isinstance(written, str) else written:
            if os.path.exists(p):
                os.remove(p)
        raise
    if args.json:
        j = ans.to_json()
        j["out"] = out
        if preview:
            j["preview"] = preview
        print(json.dumps(j))
    else:
        print(_summary(ans, out, preview))
    return 0


def _summary(ans, out: str, preview: str | None) -> str:
    from .trace_format import format_area, format_share

    choice = f" ({ans.choice})" if ans.choice and ans.choice != ans.answer else ""
    lines = [f"Answer: {ans.answer}{choice}"] + [n for n in [ans.unmeasured_choice_note()] if n]
    for s in ans.steps:
        area = format_area(s.area_m2) if s.area_m2 > 0 else "no region"
        lines.append(f"  {s.index}. {s.label} [{s.date}, {s.modality}]: {area}, {format_share(s.share)} of the "
                     f"area, confidence {s.confidence:.2f} -> layer {s.layer}")
    for d in ans.distances:
        lines.append(f"  step {d['from']} to step {d['to']}: {d['metres']:.0f} m")
    lines.append(f"Written: {out}" + (f" and {preview}" if preview else "") + f" ({ans.seconds:.1f} s)")
    return "\n".join(lines)


def _import(module: str, attr: str, command: str) -> Callable:
    import importlib

    try:
        mod = importlib.import_module(f".{module}", __package__)
    except ModuleNotFoundError as err:
        if err.name and err.name.endswith(module):
            raise EngineError(f"`{PROG} {command}` is not available in this build ({err.name} is missing)")
        raise
    fn = getattr(mod, attr, None)
    if fn is None:
        raise EngineError(f"`{PROG} {command}` is not available in this build ({module}.{attr} is missing)")
    return fn


def cmd_synth(args) -> int:
    try:
        write_scenes = _import("data.synth", "write_scenes", "synth")
    except EngineError:
        write_scenes = _import("data.writer", "write_scenes", "synth")
    if args.size < 32 or args.count < 1:
        raise InputError("--size must be at least 32 px and --count at least 1")
    progress, close = _progress_bar(args, "synth")
    try:
        folders = write_scenes(args.out, seed=args.seed, size=args.size, count=args.count, progress=progress)
    finally:
        close()
    print(f"{len(folders)} scene(s) written to {os.path.abspath(args.out)}")
    return 0


def cmd_bench(args) -> int:
    run_bench = _import("eval.bench", "run_bench", "bench")
    if not os.path.isdir(args.data):
        raise InputError(f"--data {args.data}: folder not found (make one with `{PROG} synth --out DIR`)")
    if not args.verbose:  # one line per input file and question would bury the bar
        logging.getLogger(__package__ or "engine").setLevel(logging.WARNING)
    progress, close = _progress_bar(args, "bench")
    try:
        result = run_bench(args.data, args.model, args.adapter, progress)
    finally:
        close()
    if args.json:
        print(json.dumps(result))
    else:
        nan = float("nan")
        print(f"accuracy {result.get('accuracy', nan):.3f}  gIoU {result.get('giou', nan):.3f}  "
              f"cIoU {result.get('ciou', nan):.3f}  n={result.get('n')}")
        for task, r in (result.get("per_task") or {}).items():
            print(f"  {task}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                            for k, v in r.items()))
    return 0


def cmd_train(args) -> int:
    return int(_import("train", "cli_train", "train")(args) or 0)


def cmd_train_land_cover(args) -> int:
    return int(_import("train", "cli_train_land_cover", "train-land-cover")(args) or 0)


def cmd_finetune(args) -> int:
    return int(_import("train", "cli_finetune", "finetune")(args) or 0)


COMMANDS = {"ask": cmd_ask, "synth": cmd_synth, "bench": cmd_bench, "train": cmd_train,
            "train-land-cover": cmd_train_land_cover, "finetune": cmd_finetune}

if __name__ == "__main__":
    sys.exit(main())
