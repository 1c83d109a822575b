"""The engine call itself, free of QGIS and Qt: it runs inside the plugin's process (a worker thread) or in
the separate engine process (:mod:`worker`). Returns plain, JSON-ready results and never raises.

Result dicts: ``{"kind": "success", "gpkg_path", "answer", "choice", "steps": [step dicts], "distances",
"seconds"}``, ``{"kind": "failed", "error": "input" | "memory" | "bug", "message", "details"}`` or
``{"kind": "canceled"}``."""
from __future__ import annotations

import inspect
import os
import threading
import time
import traceback
from collections.abc import Callable

from .request import AskRequest

ProgressFn = Callable[[float, str], None]  # (fraction 0..1, message)
CancelFn = Callable[[], bool]

_engines: dict[tuple, object] = {}
_engines_lock = threading.Lock()


def load_engine(request: AskRequest):
    """The engine for the request's model and device; kept so a second question does not reload weights."""
    from ..engine import Engine

    kwargs = request.model.load_kwargs()
    # None: the model's config (or the engine's default) decides
    for option in ("flip_average", "sharpen_masks", "class_signatures", "change_from_classes", "land_cover",
                   "water_index"):
        if getattr(request, option) is not None:
            kwargs[option] = getattr(request, option)
    key = (tuple(sorted(kwargs.items())), request.device)
    with _engines_lock:
        if key not in _engines:
            _engines.clear()  # one model in memory at a time
            _engines[key] = Engine.load(device=request.device, **kwargs)
        return _engines[key]


def forget_engines() -> None:
    """Drop the cached engine so its memory can be freed."""
    with _engines_lock:
        _engines.clear()


def accepted(fn, kwargs: dict) -> dict:
    """``kwargs`` without the keys ``fn`` does not take (optional extras such as band lists, tile size)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def _f(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def step_dicts(answer, layers: set[str]) -> list[dict]:
    """Plain dicts of ``answer.steps``; ``layer`` is "" unless the GeoPackage holds that step's layer."""
    out = []
    for pos, step in enumerate(getattr(answer, "steps", []) or [], start=1):
        index = int(getattr(step, "index", pos) or pos)
        layer = getattr(step, "layer", None) or f"step_{index:02d}"
        out.append({
            "index": index, "text": str(getattr(step, "text", "") or ""),
            "label": str(getattr(step, "label", "") or ""), "date": str(getattr(step, "date", "") or ""),
            "modality": str(getattr(step, "modality", "") or ""), "area_m2": _f(getattr(step, "area_m2", None)),
            "perimeter_m": _f(getattr(step, "perimeter_m", None)), "share": _f(getattr(step, "share", None)),
            "confidence": _f(getattr(step, "confidence", None)), "layer": layer if layer in layers else "",
            "emptied": str(getattr(step, "emptied", "") or "")})
    return out


def gpkg_layers(path: str) -> set[str]:
    """Layer names in a GeoPackage."""
    import pyogrio

    return {str(name) for name, _ in pyogrio.list_layers(path)}


def execute(request: AskRequest, output_path: str, progress: ProgressFn | None = None,
            cancelled: CancelFn | None = None, overwrite: bool = False) -> dict:
    """Load the engine, ask, write the step GeoPackage to ``output_path``; never raises."""
    from ..engine.errors import Cancelled, EngineError

    progress = progress or (lambda fraction, message: None)
    cancelled = cancelled or (lambda: False)
    start = time.perf_counter()
    try:
        progress(0.0, "loading the model")
        eng = load_engine(request)
        if cancelled():
            return {"kind": "canceled"}
        kwargs = dict(request.engine_inputs(), aoi=request.engine_aoi(), progress=progress,
                      cancelled=cancelled, tile_size=request.tile_size,
                      overlap=max(8, min(64, request.tile_size // 4)))  # the engine needs overlap < tile/2
        answer = eng.ask(request.question, **accepted(eng.ask, kwargs))
        if cancelled():
            return {"kind": "canceled"}
        os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)
        answer.to_geopackage(output_path, overwrite=overwrite)
        choice, choices = getattr(answer, "choice", None), getattr(answer, "choices", None) or []
        letter = "ABCDEFGH".find(choice) if choice else -1
        choice_text = str(choices[letter]) if 0 <= letter < len(choices) else ""
        distances = [{"from": int(d["from"]), "to": int(d["to"]), "metres": float(d["metres"])}
                     for d in (getattr(answer, "distances", None) or [])]
        return {"kind": "success", "gpkg_path": os.path.abspath(output_path), "answer": str(answer.answer or ""),
                "choice": choice, "choice_text": choice_text,
                "model_choice": getattr(answer, "model_choice", None),
                "choice_measured": getattr(answer, "choice_measured", None), "steps": step_dicts(answer, gpkg_layers(output_path)),
                "distances": distances, "seconds": time.perf_counter() - start}
    except Cancelled:
        return {"kind": "canceled"}
    except EngineError as err:
        return {"kind": "failed", "error": "input", "message": one_line(str(err)), "details": ""}
    except MemoryError:
        return {"kind": "failed", "error": "memory", "message": "", "details": traceback.format_exc()}
    except Exception as err:  # noqa: BLE001 - a bug or an unexpected environment: one line for the bar, details for the log
        return {"kind": "failed", "error": "bug", "message": one_line(str(err)) or type(err).__name__,
                "details": traceback.format_exc()}
    finally:
        for path in request.temporary_files:
            try:
                os.remove(path)
            except OSError:
                pass


def one_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[:1]).strip()
