"""On a CUDA GPU (``pytest -m gpu``; never in CI): the batched training step under bfloat16 autocast gives the
CPU's float32 losses, and steps there lower the loss. Run it first in a GPU machine's call, before training."""
from __future__ import annotations

import pytest
import torch

from engine.model.registry import build_model
from engine.model.training import collate
from tests.test_model_support import S

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


def _batch(n: int = 8):
    from engine.data.dataset import DatasetConfig, SyntheticQuestions

    data = SyntheticQuestions(DatasetConfig(image_size=S, stage=2, absent_rate=0.3, seed_start=431_000,
                                            dates=(1, 2, 3)), length=n)
    return [data[i] for i in range(n)]


def losses_on(device: str, samples: list[dict], autocast_dtype: torch.dtype | None) -> dict:
    """The losses of ``samples`` on tiny-test with a NIR mix, in eval mode, on ``device``."""
    from engine.model.checkpoint import with_nir_mix

    model, tok = build_model("tiny-test", seed=1)
    model = with_nir_mix(model, 4).to(device).eval()
    batch = collate(samples, tok, model.config).to(device)
    ctx = torch.autocast(device, dtype=autocast_dtype) if autocast_dtype else torch.autocast(device, enabled=False)
    with torch.no_grad(), ctx:
        return {k: float(v) for k, v in model.forward_train(batch).items()}


def test_the_batched_step_on_cuda_in_bfloat16_gives_the_cpu_losses():
    samples = _batch()
    cpu = losses_on("cpu", samples, None)
    cuda = losses_on("cuda", samples, torch.bfloat16)
    for k in ("lm_loss", "bce", "dice"):
        assert cuda[k] == pytest.approx(cpu[k], rel=0.05, abs=0.01), k


def test_steps_on_cuda_lower_the_loss_on_one_batch(tmp_path):
    from engine.train.config import TrainConfig
    from engine.train.data import repeat_batch
    from engine.train.loop import train

    samples = _batch(4)
    cfg = TrainConfig(model="tiny-test", out_dir=str(tmp_path / "run"), stage=2, stage2_steps=12, lm_mode="full",
                      batch_size=4, lr=3e-3, warmup_steps=1, eval_every=0, checkpoint_every=0, log_every=1,
                      num_workers=0, device="cuda", mixed_precision="bf16")
    res = train(cfg, batches=lambda stage, size: repeat_batch(samples))
    losses = [loss for _, loss in res.history]
    assert losses[-1] < 0.8 * losses[0], losses
    assert res.throughput["samples_per_s"] > 0
