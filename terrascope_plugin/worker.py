"""The engine in its own process, for when the plugin runs inside a QGIS application.

Why: QGIS's executable loads its own GEOS (and PROJ) globally, so inside QGIS the engine's shapely and pyproj
calls reach those older libraries instead of their own (measured with QGIS 3.22: shapely 2.2 built on GEOS
3.14 ends in Debian's GEOS 3.11 and ``to_wkb`` fails). A separate Python process keeps the engine's
libraries apart, keeps the loaded model between questions, and can be stopped at once.

Protocol, one JSON object per line. To the worker: ``{"op": "ask", "request": {...}, "output": path,
"overwrite": bool}``, ``{"op": "cancel"}``, ``{"op": "quit"}``. From the worker: ``{"event": "ready"}``,
``{"event": "progress", "fraction": f, "message": m}``, ``{"event": "done", "result": {...}}`` (the result
dicts of :mod:`ask_core`).

This module never imports QGIS or Qt: ``python worker.py`` is the worker; :class:`WorkerClient` is its
other end inside the plugin.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

PACKAGE = "terrascope_reasoning"
PLUGIN_ROOT = Path(__file__).resolve().parent.parent
CANCEL_GRACE_S = 10.0  # after this long without an answer to "cancel", the process is stopped


def worker_python() -> str:
    """The Python that runs the worker: ``$TERRASCOPE_PYTHON``, the plugin's ``.venv``, this interpreter
    when it is one, else the ``pythonX.Y`` matching QGIS's Python on PATH."""
    override = os.environ.get("TERRASCOPE_PYTHON")
    if override:
        return override
    venv = PLUGIN_ROOT / ".venv" / "bin" / "python"
    if venv.exists():
        return str(venv)
    if running_in_python():
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return shutil.which(version) or shutil.which("python3") or version


def running_in_python() -> bool:
    """True in a plain Python interpreter (tests, scripts); False inside the QGIS or qgis_process binaries."""
    try:
        exe = os.path.basename(os.path.realpath("/proc/self/exe"))
    except OSError:
        exe = os.path.basename(sys.executable or "")
    return exe.lower().startswith("python")


def use_worker_process() -> bool:
    """Whether asks go to the separate process: ``$TERRASCOPE_ENGINE_PROCESS`` (1/0) decides, else yes inside
    a QGIS binary and no in a plain Python interpreter."""
    value = os.environ.get("TERRASCOPE_ENGINE_PROCESS", "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return not running_in_python()


class WorkerClient:
    """Starts the worker on first use and keeps it (and its loaded model) for later asks; one ask at a time."""

    def __init__(self, python: str | None = None, env: dict | None = None):
        self.python = python
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self._lines: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self.log_path = os.path.join(tempfile.gettempdir(), f"terrascope-worker-{os.getpid()}.log")

    def _start(self) -> None:
        env = dict(os.environ, **self.extra_env)
        # the worker sees the same packages as this Python (QGIS passes the venv through PYTHONPATH)
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths + env.get("PYTHONPATH", "").split(os.pathsep)))
        env.pop("PYTHONHOME", None)
        env["PYTHONUNBUFFERED"] = "1"
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([self.python or worker_python(), "-u", str(Path(__file__).resolve())],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                                         text=True, bufsize=1)
        self._lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self._lines), daemon=True,
                         name="terrascope-worker-reader").start()

    @staticmethod
    def _read(proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # end of stream: the process exited

    def _send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - chars))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def ask(self, request_dict: dict, output: str, progress: Callable[[float, str], None] | None = None,
            cancelled: Callable[[], bool] | None = None, overwrite: bool = False) -> dict:
        """Run one ask in the worker; returns an :mod:`ask_core` result dict (never raises)."""
        import time

        with self._lock:
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                self._send({"op": "ask", "request": request_dict, "output": output, "overwrite": overwrite})
            except OSError as err:
                self.stop()
                return {"kind": "failed", "error": "process", "message": str(err), "details": self.log_tail()}
            cancel_sent_at = None
            while True:
                if cancel_sent_at is None and cancelled is not None and cancelled():
                    try:
                        self._send({"op": "cancel"})
                    except OSError:
                        pass
                    cancel_sent_at = time.monotonic()
                if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > CANCEL_GRACE_S:
                    self.stop()  # the engine did not reach a cancel check in time
                    return {"kind": "canceled"}
                try:
                    line = self._lines.get(timeout=0.1)
                except queue.Empty:
                    continue
                if line is None:
                    code = self.proc.wait() if self.proc else None
                    self.proc = None
                    if cancel_sent_at is not None:
                        return {"kind": "canceled"}
                    return {"kind": "failed", "error": "process", "message": f"exit code {code}",
                            "details": self.log_tail()}
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # not ours: a library printed to stdout
                if event.get("event") == "progress" and progress is not None:
                    progress(float(event.get("fraction", 0.0)), str(event.get("message", "")))
                elif event.get("event") == "done":
                    return event["result"]

    def stop(self) -> None:
        """Stop the worker (plugin unload, or a cancel the engine did not answer)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            proc.stdin.flush()
            proc.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


# ---- the worker process ------------------------------------------------------------------------------
def _import_package():
    """Import the plugin folder as package ``terrascope_reasoning`` (its folder may have another name)."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(PACKAGE, PLUGIN_ROOT / "__init__.py",
                                                      submodule_search_locations=[str(PLUGIN_ROOT)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{PACKAGE}.terrascope_plugin.ask_core"), \
        importlib.import_module(f"{PACKAGE}.terrascope_plugin.request")


def _engine_factory(ask_core) -> None:
    """``$TERRASCOPE_ENGINE_FACTORY=module:callable`` builds the engine instead of ``Engine.load`` (tests and
    custom engines); the callable takes the request."""
    spec = os.environ.get("TERRASCOPE_ENGINE_FACTORY")
    if spec:
        module, _, name = spec.partition(":")
        factory = getattr(importlib.import_module(module), name)
        cache: dict = {}
        ask_core.load_engine = lambda request: cache.setdefault("engine", factory(request))


def main() -> int:
    # protocol lines go to the real stdout; anything else printed (libraries, C code) goes to stderr
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    ask_core, request_mod = _import_package()
    _engine_factory(ask_core)
    ops: queue.Queue = queue.Queue()
    cancel = threading.Event()

    def read_stdin() -> None:
        for line in sys.stdin:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("op") == "cancel":
                cancel.set()
            else:
                ops.put(message)
        ops.put({"op": "quit"})

    def emit(event: dict) -> None:
        proto.write(json.dumps(event) + "\n")

    threading.Thread(target=read_stdin, daemon=True, name="terrascope-worker-stdin").start()
    emit({"event": "ready"})
    while True:
        message = ops.get()
        if message.get("op") != "ask":
            return 0
        cancel.clear()
        request = request_mod.AskRequest.from_dict(message["request"])
        result = ask_core.execute(
            request, message["output"], overwrite=bool(message.get("overwrite")), cancelled=cancel.is_set,
            progress=lambda f, m="": emit({"event": "progress", "fraction": float(f), "message": str(m)}))
        emit({"event": "done", "result": result})


if __name__ == "__main__":
    sys.exit(main())
