"""The one engine call behind the dock's task and the Processing algorithm.

Runs in a worker thread: takes an :class:`AskRequest`, returns a :class:`Success`, :class:`Failed` or
:class:`Canceled` value (never raises across the thread boundary). Imports the engine, and so torch, only
when called."""
from __future__ import annotations

import inspect
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

from .i18n import tr
from .request import AskRequest

ProgressFn = Callable[[float, str], None]  # (fraction 0..1, message)
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class StepSummary:
    """One reasoning step as plain values; ``layer`` is the GeoPackage layer name or "" (not grounded)."""

    index: int
    text: str
    label: str = ""
    date: str = ""
    modality: str = ""
    area_m2: float | None = None
    perimeter_m: float | None = None
    share: float | None = None
    confidence: float | None = None
    layer: str = ""


@dataclass(frozen=True)
class Success:
    request: AskRequest
    gpkg_path: str
    answer: str
    choice: str | None
    steps: tuple[StepSummary, ...]
    distances: tuple[dict, ...]  # {"from": step, "to": step, "metres": float}
    seconds: float


@dataclass(frozen=True)
class Failed:
    request: AskRequest
    message: str  # one line, says what to fix
    details: str = field(default="", compare=False)  # traceback for the log, never shown in a dialog


@dataclass(frozen=True)
class Canceled:
    request: AskRequest


Outcome = Success | Failed | Canceled

_engines: dict[tuple, object] = {}
_engines_lock = threading.Lock()


def load_engine(request: AskRequest):
    """The engine for the request's model and device; kept so a second question does not reload weights."""
    from ..engine import Engine

    kwargs = request.model.load_kwargs()
    key = (tuple(sorted(kwargs.items())), request.device)
    with _engines_lock:
        if key not in _engines:
            _engines.clear()  # one model in memory at a time
            _engines[key] = Engine.load(device=request.device, **kwargs)
        return _engines[key]


def forget_engines() -> None:
    """Drop the cached engine (plugin unload, model change) so its memory can be freed."""
    with _engines_lock:
        _engines.clear()


def _accepted(fn, kwargs: dict) -> dict:
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


def summarize_steps(answer, layers: set[str]) -> tuple[StepSummary, ...]:
    """Plain summaries of ``answer.steps``; ``layers`` are the layer names present in the GeoPackage."""
    out = []
    for pos, step in enumerate(getattr(answer, "steps", []) or [], start=1):
        index = int(getattr(step, "index", pos) or pos)
        layer = getattr(step, "layer", None) or f"step_{index:02d}"
        out.append(StepSummary(
            index=index, text=str(getattr(step, "text", "") or ""), label=str(getattr(step, "label", "") or ""),
            date=str(getattr(step, "date", "") or ""), modality=str(getattr(step, "modality", "") or ""),
            area_m2=_f(getattr(step, "area_m2", None)), perimeter_m=_f(getattr(step, "perimeter_m", None)),
            share=_f(getattr(step, "share", None)), confidence=_f(getattr(step, "confidence", None)),
            layer=layer if layer in layers else ""))
    return tuple(out)


def gpkg_layers(path: str) -> set[str]:
    """Layer names in a GeoPackage (through GDAL's OGR, which QGIS ships)."""
    from osgeo import ogr

    ds = ogr.Open(path)
    if ds is None:
        return set()
    try:
        return {ds.GetLayerByIndex(i).GetName() for i in range(ds.GetLayerCount())}
    finally:
        ds = None


def run_ask(request: AskRequest, output_path: str, progress: ProgressFn | None = None,
            cancelled: CancelFn | None = None, overwrite: bool = False) -> Outcome:
    """Load the engine, ask, write the step GeoPackage to ``output_path``; never raises.

    The work runs in a thread started by Python and this call waits for it: pyproj 3.7 keeps its PROJ context
    per thread in a way that crashes in threads Qt created (QgsTask and Processing workers) from the second
    use on (pyproj issue 1509), and a Python-made thread per request avoids that."""
    box: list[Outcome] = []
    worker = threading.Thread(target=lambda: box.append(_run_ask(request, output_path, progress, cancelled,
                                                                 overwrite)),
                              name="terrascope-ask", daemon=True)
    worker.start()
    worker.join()
    return box[0] if box else Failed(request, tr("The engine stopped unexpectedly; see the TerraScope log."))


def _run_ask(request: AskRequest, output_path: str, progress: ProgressFn | None,
             cancelled: CancelFn | None, overwrite: bool) -> Outcome:
    from ..engine.errors import Cancelled, EngineError

    progress = progress or (lambda fraction, message: None)
    cancelled = cancelled or (lambda: False)
    start = time.perf_counter()
    try:
        progress(0.0, tr("Loading the model…"))
        eng = load_engine(request)
        if cancelled():
            return Canceled(request)
        kwargs = dict(request.engine_inputs(), aoi=request.engine_aoi(), progress=progress,
                      cancelled=cancelled, tile_size=request.tile_size,
                      overlap=max(8, min(64, request.tile_size // 4)))  # the engine needs overlap < tile/2
        answer = eng.ask(request.question, **_accepted(eng.ask, kwargs))
        if cancelled():
            return Canceled(request)
        os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)
        answer.to_geopackage(output_path, overwrite=overwrite)
        distances = tuple(
            {"from": int(d["from"]), "to": int(d["to"]), "metres": float(d["metres"])}
            for d in (getattr(answer, "distances", None) or []))
        return Success(request, os.path.abspath(output_path), str(answer.answer or ""),
                       getattr(answer, "choice", None), summarize_steps(answer, gpkg_layers(output_path)),
                       distances, time.perf_counter() - start)
    except Cancelled:
        return Canceled(request)
    except EngineError as err:
        return Failed(request, _one_line(str(err)))
    except MemoryError:
        return Failed(request, tr("Out of memory: draw a smaller area of interest or pick a smaller model."))
    except Exception as err:  # a bug or an unexpected environment: one line for the bar, details for the log
        reason = _one_line(str(err)) or type(err).__name__
        return Failed(request, tr("The engine failed: {reason} (details in the TerraScope log).").format(
            reason=reason), traceback.format_exc())
    finally:
        for path in request.temporary_files:
            try:
                os.remove(path)
            except OSError:
                pass


def _one_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[:1]).strip()
