"""Resumable training checkpoints (``checkpoint-last/``) and atomic folder replacement.

A checkpoint folder holds ``model.pt`` (every parameter and buffer of the model as it is being trained,
adapters included), ``optimizer.pt`` (optimizer + scheduler state), ``trainer_state.json`` (stage, step,
loss history) and ``train_config.json``. It is written to a temporary sibling folder and renamed into
place, so an interrupted write or a cancel never leaves a half-written ``checkpoint-last/``.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

LAST = "checkpoint-last"


@dataclass
class TrainerState:
    """Where a run is: ``stage`` being trained, ``step`` optimizer steps done in it (== the stage's step
    count when it is finished), ``global_step`` over all stages, and a short loss history."""

    stage: int = 1
    step: int = 0
    global_step: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)  # [[global_step, loss], ...]
    finished: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> "TrainerState":
        d = json.loads(text)
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def replace_dir(tmp: Path, final: Path) -> None:
    """Move folder ``tmp`` to ``final``, replacing any folder there; the old one is removed only after the
    new one is in place, so at every moment one complete folder exists under ``final`` or its backup."""
    final = Path(final)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def temp_sibling(final: Path) -> Path:
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    return final.with_name(f".{final.name}.tmp-{uuid.uuid4().hex[:8]}")


def save_checkpoint(folder: Path, model: nn.Module, optimizer, scheduler, state: TrainerState,
                    config_json: str | None = None) -> Path:
    """Write ``folder`` (typically ``out/checkpoint-last``) atomically. -> folder."""
    folder = Path(folder)
    tmp = temp_sibling(folder)
    tmp.mkdir()
    try:
        torch.save(model.state_dict(), tmp / "model.pt")
        opt = {"optimizer": optimizer.state_dict() if optimizer is not None else None,
               "scheduler": scheduler.state_dict() if scheduler is not None else None,
               "rng": torch.get_rng_state()}
        torch.save(opt, tmp / "optimizer.pt")
        if config_json is not None:
            (tmp / "train_config.json").write_text(config_json)
        (tmp / "trainer_state.json").write_text(state.to_json())  # written last: marks a complete folder
        replace_dir(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def read_state(folder: Path) -> TrainerState | None:
    """The state of a complete checkpoint folder, or None when there is none (or it is incomplete)."""
    f = Path(folder) / "trainer_state.json"
    if not (f.is_file() and (Path(folder) / "model.pt").is_file()):
        return None
    try:
        return TrainerState.from_json(f.read_text())
    except (ValueError, TypeError):
        return None


def load_checkpoint(folder: Path, model: nn.Module, optimizer=None, scheduler=None) -> TrainerState:
    """Restore model weights (and optimizer/scheduler when given) from ``folder``. -> its state."""
    folder = Path(folder)
    state = read_state(folder)
    if state is None:
        raise FileNotFoundError(f"no complete checkpoint in {folder}")
    sd = torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if unexpected or [k for k in missing if "lora_" not in k]:
        raise RuntimeError(f"checkpoint {folder} does not fit the model: {len(missing)} missing, "
                           f"{len(unexpected)} unexpected tensors (e.g. {(list(missing) + list(unexpected))[:2]})")
    if optimizer is not None or scheduler is not None:
        opt = torch.load(folder / "optimizer.pt", map_location="cpu", weights_only=False)
        if optimizer is not None and opt.get("optimizer") is not None:
            optimizer.load_state_dict(opt["optimizer"])
        if scheduler is not None and opt.get("scheduler") is not None:
            scheduler.load_state_dict(opt["scheduler"])
        if opt.get("rng") is not None:
            torch.set_rng_state(opt["rng"])
    return state


__all__ = ["LAST", "TrainerState", "save_checkpoint", "load_checkpoint", "read_state", "replace_dir",
           "temp_sibling"]
