"""Two-stage training, the dense land-cover head's training, LoRA fine-tuning and multi-GPU runs through
Accelerate.

Imports are lazy so the CLI and the plugin can reach ``cli_train`` / ``cli_finetune`` / ``run_finetune``
without loading torch until a run starts.
"""
from __future__ import annotations

_EXPORTS = {
    "TrainConfig": "config", "train": "loop", "TrainResult": "loop",
    "add_train_arguments": "cli", "add_finetune_arguments": "cli", "cli_train": "cli", "cli_finetune": "cli",
    "FinetuneConfig": "finetune_config", "FinetuneData": "finetune_data",
    "prepare_finetune_data": "finetune_data", "run_finetune": "finetune", "estimate_seconds": "finetune",
    "FinetuneResult": "finetune", "cli_train_land_cover": "cli", "add_land_cover_arguments": "cli",
    "LandCoverTrainConfig": "land_cover_config", "train_land_cover": "land_cover",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
