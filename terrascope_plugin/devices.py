"""Which GPU the engine could use, found once in a background thread (importing torch takes a second or
two, so never at plugin start and never on the main thread)."""
from __future__ import annotations

import threading

from qgis.PyQt.QtCore import QObject, pyqtSignal


def detect_gpu() -> str:
    """The CUDA device name, or "" when torch sees no CUDA device (or torch is missing)."""
    try:
        import torch

        if torch.cuda.is_available():
            return str(torch.cuda.get_device_name(0))
    except Exception:  # a broken CUDA install must not break the panel: it just means "no GPU"
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
