"""Errors the engine raises for bad input: each message is one line that says what to fix."""
from __future__ import annotations


class EngineError(Exception):
    """Base class: a problem the user can fix; ``str(err)`` is shown as is."""


class InputError(EngineError):
    """A raster, area of interest, band list or question that cannot be used."""


class ModelError(EngineError):
    """A model folder or adapter that cannot be loaded."""


class DeviceOutOfMemory(EngineError):
    """The GPU ran out of memory; the message names the options (smaller area, device='cpu')."""


class Cancelled(EngineError):
    """The user cancelled; nothing partial was written."""
