"""Two CPU processes (gloo) train tiny-test through Accelerate/DDP and stay in step."""
from __future__ import annotations

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(world), OMP_NUM_THREADS="1")
    torch.set_num_threads(1)
    from accelerate import PartialState

    from engine.data.dataset import DatasetConfig, SyntheticQuestions
    from engine.train import model_api
    from engine.train.config import TrainConfig
    from engine.train.data import repeat_batch
    from engine.train.loop import train

    size = model_api.image_size(model_api.build("tiny-test")[0])
    # each rank its own data: DDP must average their gradients for the weights to stay identical
    data = SyntheticQuestions(DatasetConfig(image_size=size, stage=2, seed_start=100 + 10 * rank), length=2)
    batch = [data[0], data[1]]
    cfg = TrainConfig(model="tiny-test", out_dir=out, stage=2, stage2_steps=3, lm_mode="full", batch_size=2,
                      lr=1e-3, warmup_steps=1, eval_every=0, checkpoint_every=0, log_every=1, num_workers=0,
                      device="cpu")
    losses = []
    res = train(cfg, progress=lambda s, t, m: losses.append(m["loss"]),
                batches=lambda stage, n: repeat_batch(batch))
    state = PartialState()
    torch.save({"world": state.num_processes, "type": str(state.distributed_type), "steps": res.global_step,
                "weights": {k: v.detach().clone() for k, v in res.model.state_dict().items()},
                "losses": losses},
               os.path.join(out, f"rank{rank}.pt"))


@pytest.mark.slow
def test_two_cpu_processes_train_in_step(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    mp.spawn(_worker, args=(2, port, str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2 and "MULTI_CPU" in r0["type"]
    assert r0["steps"] == r1["steps"] == 3
    assert r0["weights"].keys() == r1["weights"].keys()
    assert all(torch.equal(r0["weights"][k], r1["weights"][k]) for k in r0["weights"])
    assert len(r0["losses"]) == 3 and r1["losses"] == []  # progress is reported by the main process only
    assert (tmp_path / "config.json").is_file()
    from engine.train import model_api

    start = model_api.build("tiny-test")[0].state_dict()  # the ranks' common starting point
    assert any(not torch.equal(start[k], r0["weights"][k]) for k in start), "the weights did not move"
