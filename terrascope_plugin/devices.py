"""Which GPU the engine could use, found once in a background thread (importing torch takes a second or
two, so never at plugin start and never on the main thread)."""
from __future__ import annotations

import threading

from qgis.PyQt.QtCore import QObject, pyqtSignal

_PROBE = "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"


def detect_gpu() -> str:
    """The CUDA device name, or "" when torch sees no CUDA device (or torch is missing). Inside QGIS it asks
    the engine's Python in a short subprocess, so QGIS itself never loads torch and CUDA."""
    from .worker import use_worker_process, worker_python

    if use_worker_process():
        import subprocess

        try:
            run = subprocess.run([worker_python(), "-c", _PROBE], capture_output=True, text=True, timeout=120,
                                 check=False)
        except (OSError, subprocess.SubprocessError):
            return ""
        lines = run.stdout.strip().splitlines()
        return lines[-1].strip() if run.returncode == 0 and lines else ""
    try:
        import torch

        if torch.cuda.is_available():
            return str(torch.cuda.get_device_name(0))
    except Exception:  # noqa: BLE001 - a broken CUDA install must not break the panel: it just means "no GPU"
        return ""
    return ""


class GpuProbe(QObject):
    """``found(name)`` is emitted once (in the main thread through a queued connection) with the GPU name or
    ""; later ``start()`` calls re-emit the cached answer."""

    found = pyqtSignal(str)

    def __init__(self):
        super().__init__()
        self.name: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.name is not None:
            self.found.emit(self.name)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="terrascope-gpu-probe", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        self.name = detect_gpu()
        self.found.emit(self.name)


_probe: GpuProbe | None = None


def gpu_probe() -> GpuProbe:
    """The process-wide probe (one detection per QGIS session)."""
    global _probe
    if _probe is None:
        _probe = GpuProbe()
    return _probe
