"""Device choice and the out-of-memory error."""
import pytest
import torch

from engine.errors import DeviceOutOfMemory, InputError
from engine.model.device import oom_guard, resolve_device


def test_cpu_and_auto():
    assert resolve_device("cpu") == (torch.device("cpu"), torch.float32)
    dev, dtype = resolve_device("auto")
    assert dev.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert dtype == (torch.bfloat16 if dev.type == "cuda" else torch.float32)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_gpu_is_a_clear_input_error():
    with pytest.raises(InputError, match="no CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(InputError, match="unknown device"):
        resolve_device("tpu")


def test_oom_becomes_one_line_with_the_options():
    with pytest.raises(DeviceOutOfMemory) as err, oom_guard():
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB\nmore detail")
    msg = str(err.value)
    assert "\n" not in msg and "smaller area" in msg and "device='cpu'" in msg
    with pytest.raises(ValueError), oom_guard():  # other errors pass through unchanged
        raise ValueError("x")
