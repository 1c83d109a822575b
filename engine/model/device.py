"""Where the model runs: CUDA with bfloat16 when available, else CPU float32; GPU out-of-memory becomes
one clear :class:`DeviceOutOfMemory` line."""
from __future__ import annotations

import contextlib

import torch

from ..errors import DeviceOutOfMemory, InputError

OOM_MESSAGE = ("GPU out of memory: choose a smaller area of interest (or a smaller tile size), or "
               "device='cpu'")


def resolve_device(name: str = "auto") -> tuple[torch.device, torch.dtype]:
    """``"auto"`` | ``"cpu"`` | ``"cuda"`` | ``"cuda:N"`` -> (device, dtype): bfloat16 on CUDA, float32 on CPU.
    Asking for CUDA where there is none raises :class:`InputError`."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return torch.device("cpu"), torch.float32
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError("device 'cuda' asked for but no CUDA GPU is available; use device='cpu' or 'auto'")
        dev = torch.device(name)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f"there is no GPU {dev.index} (found {torch.cuda.device_count()})")
        return dev, torch.bfloat16
    raise InputError(f"unknown device {name!r}: use auto, cpu or cuda")


def is_oom(err: BaseException) -> bool:
    return isinstance(err, torch.OutOfMemoryError) or "out of memory" in str(err).lower()


@contextlib.contextmanager
def oom_guard():
    """Turn a CUDA out-of-memory error inside the block into :class:`DeviceOutOfMemory` (and free the cache)."""
    try:
        yield
    except (torch.OutOfMemoryError, RuntimeError) as err:
        if not is_oom(err):
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise DeviceOutOfMemory(OOM_MESSAGE) from None


@contextlib.contextmanager
def cpu_threads(n: int | None):
    """Run the block with ``n`` torch CPU threads (None: unchanged). A small model's operations (above all
    token-by-token decoding) are so small that synchronising threads costs more than it saves: on a busy
    2-core machine ``tiny`` answered a 3-step question in 0.35 s with 1 thread and 1.7-4 s with 2."""
    old = torch.get_num_threads()
    if n is None or n == old:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)
