"""The fine-tune in its own Python process, for when the wizard runs inside a QGIS application.

Why: the same as for the Ask panel (:mod:`..worker`): QGIS loads its own GEOS and PROJ process-wide, so the
engine's shapely and pyproj would reach those libraries, and pyproj crashes on second use from a Qt-made
thread. The process runs the command the wizard shows, ``terrascope finetune --settings FILE --base B --out
DIR --progress-json``, and its JSON lines become the task's progress; its last line carries the before/after
numbers. Cancel sends SIGTERM, which the command turns into a stop at the next step (never inside the
adapter's atomic save); a process that does not stop in ``CANCEL_GRACE_S`` is killed with its children.

``process_runner`` has the signature of the in-process runner (``run_finetune``'s), so the task treats both
alike. ``python process.py examples|check|preview ...`` draws the Evaluate page's example masks, runs the
Data page's check and makes the question preview in a process as well.
This module never imports QGIS or Qt.
"""
from __future__ import annotations

import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

PLUGIN_ROOT = Path(__file__).resolve().parents[2]
CANCEL_GRACE_S = 30.0  # after SIGTERM: a training step, or one validation answer, is far shorter


@dataclass
class ProcessResult:
    """The ``done`` line of ``terrascope finetune --progress-json`` (fields of the engine's FinetuneResult)."""

    adapter_dir: str
    before: dict
    after: dict
    seconds: float
    steps: int = 0
    history: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


class ProcessFailed(RuntimeError):
    """The process stopped without a result: the first line says so, the rest is the end of its log."""


def child_env() -> dict:
    """This environment, with the plugin folder first on PYTHONPATH (so ``engine`` is the plugin's) and the
    packages this Python sees after it (QGIS passes its venv through PYTHONPATH)."""
    env = dict(os.environ)
    paths = [str(PLUGIN_ROOT)] + [p for p in sys.path if p and os.path.isdir(p)]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths + env.get("PYTHONPATH", "").split(os.pathsep)))
    env.pop("PYTHONHOME", None)
    env["PYTHONUNBUFFERED"] = "1"
    env["TERRASCOPE_ENGINE_PROCESS"] = "0"  # the process is the engine's: it runs everything itself
    return env


def _abs(path: str) -> str:
    """Existing or folder-like paths made absolute (the process runs in the plugin folder); registry names
    such as ``tiny-test`` stay as they are."""
    p = Path(path).expanduser()
    return str(p.resolve()) if p.exists() or os.sep in str(path) else str(path)


def finetune_command(python: str, settings: str, base: str, out_dir: str, resume: bool = True,
                     init_adapter: str | None = None) -> list[str]:
    """The argv of ``terrascope finetune --progress-json`` run as ``python -m engine.cli``."""
    cmd = [python, "-u", "-m", "engine.cli", "finetune", "--settings", str(Path(settings).resolve()), "--base", _abs(base),
           "--out", str(Path(out_dir).expanduser().resolve()), "--progress-json"]
    if init_adapter:
        cmd += ["--init-adapter", _abs(init_adapter)]
    if not resume:
        cmd.append("--no-resume")
    return cmd


def _log_tail(path: str, chars: int = 3000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - chars))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _last_error(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.startswith("terrascope: error:"):
            return ln[len("terrascope: error:"):].strip()
    return lines[-1] if lines else ""


def _stop(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # the process group: data-loading children stop too
    except (ProcessLookupError, PermissionError):
        pass


def run_process(argv: list[str], on_event: Callable[[dict], None] | None = None,
                cancelled: Callable[[], bool] | None = None, log_name: str = "finetune",
                grace_s: float = CANCEL_GRACE_S) -> tuple[int, list[dict], bool, str]:
    """Run ``argv`` in its own process group in the plugin folder; each JSON line with an ``event`` goes to
    ``on_event``. -> (exit code, events, whether a cancel was sent, the end of its stderr log)."""
    fd, log_path = tempfile.mkstemp(prefix=f"terrascope-{log_name}-", suffix=".log")
    lines: queue.Queue = queue.Queue()
    events: list[dict] = []
    with os.fdopen(fd, "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(argv, cwd=str(PLUGIN_ROOT), env=child_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1,
                                start_new_session=True)

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True, name="terrascope-finetune-reader").start()
    term_at = None
    while True:
        if term_at is None and cancelled is not None and cancelled():
            _stop(proc, signal.SIGTERM)
            term_at = time.monotonic()
        if term_at is not None and time.monotonic() - term_at > grace_s:
            _stop(proc, signal.SIGKILL)
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            break
        try:
            event = json.loads(line)
        except ValueError:
            continue  # not ours: a library printed to stdout
        if isinstance(event, dict) and "event" in event:
            events.append(event)
            if on_event is not None:
                on_event(event)
    code = proc.wait()
    tail = _log_tail(log_path)
    try:
        os.remove(log_path)
    except OSError:
        pass
    return code, events, term_at is not None, tail


def process_runner(cfg, base, out_dir, progress=None, cancelled=None, resume: bool = True,
                   init_adapter=None, python: str | None = None) -> ProcessResult:
    """``run_finetune(cfg, base, out_dir, progress, cancelled, resume, init_adapter)`` in a separate process.
    Raises the engine's ``Cancelled`` (previous adapter unchanged), ``InputError`` (one line to fix) or
    :class:`ProcessFailed`."""
    from ...engine.errors import Cancelled, InputError
    from ..worker import worker_python

    fd, settings = tempfile.mkstemp(prefix="terrascope-finetune-", suffix=".json")
    os.close(fd)
    try:
        cfg.save(settings)
        argv = finetune_command(python or worker_python(), settings, str(base), str(out_dir), resume,
                                str(init_adapter) if init_adapter else None)

        def on_event(event: dict) -> None:
            if event.get("event") == "progress" and progress is not None:
                metrics = {k: v for k, v in event.items() if k not in ("event", "step", "total")}
                progress(int(event.get("step", 0)), int(event.get("total", 0)), metrics)

        code, events, cancel_sent, tail = run_process(argv, on_event, cancelled)
    finally:
        try:
            os.remove(settings)
        except OSError:
            pass
    done = next((e for e in events if e.get("event") == "done"), None)
    if done is not None and code == 0:
        return ProcessResult(str(done["adapter"]), dict(done.get("before") or {}), dict(done.get("after") or {}),
                             float(done.get("seconds", 0.0)), int(done.get("steps", 0)),
                             list(done.get("history") or []), dict(done.get("data") or {}))
    error = next((e for e in events if e.get("event") == "error"), None)
    if error is not None and error.get("kind") == "cancelled":
        raise Cancelled(str(error.get("message")))
    if cancel_sent:
        raise Cancelled(f"fine-tune cancelled; the previous adapter in {out_dir} is unchanged")
    if error is not None:
        raise InputError(str(error.get("message")))
    reason = _last_error(tail) or f"exit code {code}"
    raise ProcessFailed(f"the fine-tune process stopped: {reason}\n{tail}")


# ---- example masks, data check and question preview in a process ---------------------------------------
def _plugin_module(name: str):
    """Module ``name`` of this folder (``examples``, ``data_check``) without the Qt-bound
    ``finetune/__init__``: the package chain is made from the folders, as QGIS's loader would name it
    (``terrascope_reasoning``)."""
    root, plugin, finetune = ("terrascope_reasoning", "terrascope_reasoning.terrascope_plugin",
                              "terrascope_reasoning.terrascope_plugin.finetune")
    if root not in sys.modules:
        spec = importlib.util.spec_from_file_location(root, PLUGIN_ROOT / "__init__.py",
                                                      submodule_search_locations=[str(PLUGIN_ROOT)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[root] = module
        spec.loader.exec_module(module)
    if finetune not in sys.modules:
        importlib.import_module(plugin)
        pkg = types.ModuleType(finetune)
        pkg.__path__ = [str(Path(__file__).resolve().parent)]
        pkg.__package__ = finetune
        sys.modules[finetune] = pkg
    return importlib.import_module(f"{finetune}.{name}")


def process_examples(cfg, base: str, adapter_dir: str, image_size: int, count: int,
                     python: str | None = None) -> list:
    """``examples.make_examples`` in a separate process; -> list of ``examples.Example``."""
    import numpy as np

    from ..worker import worker_python
    from .examples import Example

    folder = tempfile.mkdtemp(prefix="terrascope-examples-")
    try:
        settings, out = os.path.join(folder, "settings.json"), os.path.join(folder, "examples.npz")
        cfg.save(settings)
        argv = [python or worker_python(), "-u", str(Path(__file__).resolve()), "examples", settings,
                _abs(str(base)), _abs(str(adapter_dir)), str(int(image_size)), str(int(count)), out]
        code, _, _, tail = run_process(argv, log_name="examples")
        if code != 0 or not os.path.exists(out):
            raise ProcessFailed(f"example masks failed: {_last_error(tail) or f'exit code {code}'}\n{tail}")
        with np.load(out) as z:
            meta = json.loads(str(z["meta"]))
            return [Example(m["question"], m["task"], z[f"rgb{i}"], z[f"truth{i}"], z[f"before{i}"],
                            z[f"after{i}"]) for i, m in enumerate(meta)]
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _examples_main(argv: list[str]) -> int:
    import numpy as np

    settings, base, adapter, size, count, out = argv
    examples = _plugin_module("examples")
    cfg_mod = importlib.import_module("terrascope_reasoning.engine.train.finetune_config")
    cfg = cfg_mod.FinetuneConfig.load(settings)
    result = examples.make_examples(cfg, base, adapter, int(size), int(count))
    arrays = {"meta": np.array(json.dumps([{"question": e.question, "task": e.task} for e in result]))}
    for i, e in enumerate(result):
        arrays.update({f"rgb{i}": e.rgb, f"truth{i}": e.truth, f"before{i}": e.before, f"after{i}": e.after})
    np.savez(out, **arrays)
    return 0


def _call_in_process(command: str, cfg, args: list[str], suffix: str):
    """Run ``process.py COMMAND SETTINGS *args OUT`` -> the OUT file's path inside a temporary folder (the
    caller reads it, then removes the folder). An engine error comes back as the same ``InputError``."""
    from ...engine.errors import InputError
    from ..worker import worker_python

    folder = tempfile.mkdtemp(prefix=f"terrascope-{command}-")
    settings, out = os.path.join(folder, "settings.json"), os.path.join(folder, f"out{suffix}")
    cfg.save(settings)
    argv = [worker_python(), "-u", str(Path(__file__).resolve()), command, settings, *args, out]
    code, _, _, tail = run_process(argv, log_name=command)
    error = os.path.join(folder, "error.json")
    if os.path.exists(error):
        message = json.loads(Path(error).read_text())["message"]
        _remove(folder)
        raise InputError(message)
    if code != 0 or not os.path.exists(out):
        _remove(folder)
        raise ProcessFailed(f"the {command} process stopped: {_last_error(tail) or f'exit code {code}'}\n{tail}")
    return folder, out


def _remove(folder: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def check_data_in_process(cfg):
    """``data_check.check_data(cfg)`` in a separate process; -> ``data_check.SplitPreview`` with the engine's
    ``Block`` values."""
    from ...engine.train.finetune_data import Block
    from .data_check import SplitPreview

    folder, out = _call_in_process("check", cfg, [], ".json")
    try:
        d = json.loads(Path(out).read_text())
    finally:
        _remove(folder)
    return SplitPreview([Block(**b) for b in d["blocks"]], {k: v for k, v in d["class_names"]},
                        dict(d["labelled_px"]), d["crs"], tuple(d["shape"]), list(d.get("notes") or []))


def preview_samples_in_process(cfg, count: int, image_size: int, max_blocks: int = 8) -> list[dict]:
    """``data_check.preview_samples`` in a separate process; -> sample dicts with what the preview shows:
    ``images`` ({"optical", "sar"}: (T, C, S, S) float32 or None), ``masks`` (N, S, S), ``task``,
    ``prompt`` (the question)."""
    import numpy as np

    folder, out = _call_in_process("preview", cfg, [str(int(count)), str(int(image_size)), str(int(max_blocks))],
                                   ".npz")
    try:
        with np.load(out) as z:
            meta = json.loads(str(z["meta"]))
            return [{"images": {"optical": z[f"optical{i}"] if f"optical{i}" in z else None,
                                "sar": z[f"sar{i}"] if f"sar{i}" in z else None},
                     "masks": z[f"masks{i}"], "task": m["task"], "prompt": m["question"]}
                    for i, m in enumerate(meta)]
    finally:
        _remove(folder)


def _engine_call(fn, out: str) -> int:
    """Run ``fn()``; an engine error is written as ``error.json`` beside ``out`` (exit 1)."""
    errors = importlib.import_module("terrascope_reasoning.engine.errors")
    try:
        fn()
    except errors.EngineError as err:
        Path(out).with_name("error.json").write_text(json.dumps({"message": str(err)}))
        return 1
    return 0


def _load_cfg(settings: str):
    return importlib.import_module("terrascope_reasoning.engine.train.finetune_config").FinetuneConfig.load(settings)


def _check_main(argv: list[str]) -> int:
    from dataclasses import asdict

    settings, out = argv
    check = _plugin_module("data_check")

    def run() -> None:
        p = check.check_data(_load_cfg(settings))
        Path(out).write_text(json.dumps({"blocks": [asdict(b) for b in p.blocks],
                                         "class_names": [[k, v] for k, v in p.class_names.items()],
                                         "labelled_px": p.labelled_px, "crs": p.crs, "shape": list(p.shape),
                                         "notes": list(p.notes)}, default=int))
    return _engine_call(run, out)


def _preview_main(argv: list[str]) -> int:
    import numpy as np

    settings, count, size, max_blocks, out = argv
    check = _plugin_module("data_check")
    examples = _plugin_module("examples")

    def run() -> None:
        samples = check.preview_samples(_load_cfg(settings), int(count), int(size), int(max_blocks))
        plain = examples.to_examples(samples)  # the question text, as the page shows it
        arrays = {"meta": np.array(json.dumps([{"question": e.question, "task": str(s.get("task", ""))}
                                               for e, s in zip(plain, samples)]))}
        for i, s in enumerate(samples):
            images = s["images"]
            for kind in ("optical", "sar"):
                x = images.get(kind) if isinstance(images, dict) else getattr(images, kind, None)
                if x is not None:
                    arrays[f"{kind}{i}"] = x.detach().float().cpu().numpy() if hasattr(x, "detach") else \
                        np.asarray(x, np.float32)
            arrays[f"masks{i}"] = plain[i].truth
        np.savez(out, **arrays)
    return _engine_call(run, out)


if __name__ == "__main__":
    commands = {"examples": _examples_main, "check": _check_main, "preview": _preview_main}
    if len(sys.argv) > 1 and sys.argv[1] in commands:
        sys.exit(commands[sys.argv[1]](sys.argv[2:]))
    sys.exit(f"usage: {sys.argv[0]} examples|check|preview SETTINGS ... OUT")
