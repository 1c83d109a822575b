"""The one engine call behind the dock's task and the Processing algorithm.

Takes an :class:`AskRequest`, returns a :class:`Success`, :class:`Failed` or :class:`Canceled` value (never
raises across threads). Inside a QGIS application the engine runs in its own process (:mod:`worker`, which
explains why); in a plain Python interpreter it runs in a Python thread of this process. Either way the
engine, and so torch, is imported only when a question is asked."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .ask_core import CancelFn, ProgressFn, execute
from .i18n import tr
from .request import AskRequest


@dataclass(frozen=True)
class StepSummary:
    """One reasoning step as plain values; ``layer`` is the GeoPackage layer name or "" (no region)."""

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
    emptied: str = ""  # why a grounded step marks nothing (engine.answer.Step.emptied)


@dataclass(frozen=True)
class Success:
    request: AskRequest
    gpkg_path: str
    answer: str
    choice: str | None
    steps: tuple[StepSummary, ...]
    distances: tuple[dict, ...]  # {"from": step, "to": step, "metres": float}
    seconds: float
    choice_text: str = ""  # the text of the chosen option, when the question listed options
    model_choice: str | None = None  # the language model's own letter, when the measurements chose another
    choice_measured: bool | None = None  # False: the measurements implied no option, the letter is the model's own


@dataclass(frozen=True)
class Failed:
    request: AskRequest
    message: str  # one line, says what to fix
    details: str = field(default="", compare=False)  # traceback for the log, never shown in a dialog


@dataclass(frozen=True)
class Canceled:
    request: AskRequest


Outcome = Success | Failed | Canceled

_client = None
_client_lock = threading.Lock()


def worker_client():
    """The process-wide engine process client (started on first ask)."""
    global _client
    with _client_lock:
        if _client is None:
            from .worker import WorkerClient

            _client = WorkerClient()
        return _client


def stop_worker() -> None:
    """Stop the engine process, if any (plugin unload)."""
    global _client
    with _client_lock:
        client, _client = _client, None
    if client is not None:
        client.stop()


def _in_thread(request: AskRequest, output_path: str, progress, cancelled, overwrite: bool) -> dict:
    # A thread started by Python, not the caller's (Qt-made) thread: pyproj 3.7 keeps its PROJ context per
    # thread in a way that crashes in threads Qt created, from the second use on (pyproj issue 1509).
    box: list[dict] = []
    worker = threading.Thread(target=lambda: box.append(execute(request, output_path, progress, cancelled,
                                                                overwrite)),
                              name="terrascope-ask", daemon=True)
    worker.start()
    worker.join()
    return box[0] if box else {"kind": "failed", "error": "process", "message": "", "details": ""}


def to_outcome(request: AskRequest, result: dict) -> Outcome:
    """An :mod:`ask_core` result dict as an outcome with a translated, one-line message."""
    kind = result.get("kind")
    if kind == "success":
        steps = tuple(StepSummary(**s) for s in result["steps"])
        return Success(request, result["gpkg_path"], result["answer"], result.get("choice"), steps,
                       tuple(result.get("distances") or ()), float(result.get("seconds", 0.0)),
                       str(result.get("choice_text") or ""), result.get("model_choice"),
                       result.get("choice_measured"))
    if kind == "canceled":
        return Canceled(request)
    error, message, details = result.get("error"), result.get("message", ""), result.get("details", "")
    if error == "input":
        return Failed(request, message, details)
    if error == "memory":
        return Failed(request, tr("Out of memory: draw a smaller area of interest or pick a smaller model."),
                      details)
    if error == "process":
        return Failed(request, tr("The engine process stopped unexpectedly ({reason}); details in the TerraScope "
                                  "log.").format(reason=message or "?"), details)
    return Failed(request, tr("The engine failed: {reason} (details in the TerraScope log).").format(
        reason=message), details)


def run_ask(request: AskRequest, output_path: str, progress: ProgressFn | None = None,
            cancelled: CancelFn | None = None, overwrite: bool = False) -> Outcome:
    """Answer ``request``, writing its step GeoPackage to ``output_path``; never raises."""
    from .worker import use_worker_process

    if use_worker_process():
        result = worker_client().ask(request.to_dict(), output_path, progress, cancelled, overwrite)
    else:
        result = _in_thread(request, output_path, progress, cancelled, overwrite)
    return to_outcome(request, result)
