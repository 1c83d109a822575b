"""Training and validation sample sources for the training loop.

Scenes are generated on the fly (``engine.data.dataset``) in DataLoader worker processes, each process
of a multi-process run taking its own scenes. Validation samples come from a reserved band of seeds just
below the held-out test split: never trained on, never the bench's test scenes.
"""
from __future__ import annotations

import os
import random
from typing import Callable, Iterable, Iterator

from torch.utils.data import DataLoader, get_worker_info

from .config import TrainConfig

VAL_SEEDS = 1000  # seeds [TEST_SEED_START - VAL_SEEDS, TEST_SEED_START) are validation-only


def _dataset_module():
    from ..data import dataset

    return dataset


def val_seed_start() -> int:
    return _dataset_module().TEST_SEED_START - VAL_SEEDS


def dataset_config(cfg: TrainConfig, stage: int, image_size: int, skip_samples: int = 0):
    """The engine.data DatasetConfig of ``stage``'s training stream, starting ``skip_samples`` samples
    into it (so a resumed run sees new scenes rather than the ones already trained on)."""
    ds = _dataset_module()
    stop = min(cfg.data_seed_start + cfg.data_seed_count, val_seed_start())
    if stop <= cfg.data_seed_start:
        raise ValueError(f"training seeds [{cfg.data_seed_start}, ...) overlap the validation/test seeds "
                         f"(>= {val_seed_start()}); lower data_seed_start")
    dcfg = ds.DatasetConfig(image_size=image_size, stage=stage, absent_rate=cfg.absent_rate)
    n_seeds = stop - cfg.data_seed_start
    # stage 2 starts half-way through the seed range so the two stages see different scenes
    offset = (skip_samples // dcfg.questions_per_scene + (n_seeds // 2 if stage == 2 else 0)) % n_seeds
    dcfg.seed_start = cfg.data_seed_start + offset
    dcfg.seed_stop = stop
    return dcfg


def train_loader(cfg: TrainConfig, stage: int, image_size: int, rank: int = 0, world_size: int = 1,
                 skip_samples: int = 0, collate_fn: Callable[[list[dict]], object] | None = None) -> Iterator:
    """Endless iterator of batches for one process: scenes made on the fly, or the `synth` folders of
    ``cfg.data_dir``. A batch is a list of ``cfg.batch_size`` samples, or what ``collate_fn`` (run in the
    loader's worker processes) makes of that list."""
    ds = _dataset_module()
    kw = {"num_workers": cfg.num_workers, "collate_fn": collate_fn or ds.collate_list, "batch_size": cfg.batch_size}
    if cfg.num_workers > 0:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # workers fork after the tokenizer was used
    # batches waiting in shared memory per worker: 4 of 32 samples ran on a 16-core GPU machine; larger batches
    # (1–3 MB a sample) keep to about the same bytes, down to one batch per worker
    prefetch = min(4, max(1, 128 // cfg.batch_size))
    if cfg.data_dir:
        from .samples import FolderStream

        stream = FolderStream(cfg.data_dir, image_size, stage, cfg.seed + skip_samples, rank, world_size)
        if cfg.num_workers > 0:
            kw.update(prefetch_factor=prefetch)
        yield from DataLoader(stream, **kw)
        return
    dcfg = dataset_config(cfg, stage, image_size, skip_samples)
    stream = ds.SyntheticQuestionStream(dcfg, rank=rank, world_size=world_size)
    if cfg.num_workers > 0:
        kw.update(prefetch_factor=prefetch, persistent_workers=False)
    while True:  # the seed range is finite; wrap around rather than stop mid-run
        yielded = False
        for batch in DataLoader(stream, **kw):
            yielded = True
            yield batch
        if not yielded:
            raise RuntimeError("the training stream yielded no sample")
        dcfg.seed_start = cfg.data_seed_start


def validation_samples(n: int, image_size: int, stage: int = 2) -> list[dict]:
    """``n`` held-out samples (with their QuestionRecord under "record") for periodic validation."""
    ds = _dataset_module()
    dcfg = ds.DatasetConfig(image_size=image_size, stage=stage, with_record=True)
    dcfg.seed_start, dcfg.seed_stop = val_seed_start(), ds.TEST_SEED_START
    data = ds.SyntheticQuestions(dcfg, length=n)
    return [data[i] for i in range(n)]


def _band(images, key: str):
    """One band stack (``optical``, ``nir``, ``sar``) of a sample's images: a ModelImages or a dict of them."""
    return images.get(key) if isinstance(images, dict) else getattr(images, key)


def _set_band(images, key: str, value) -> None:
    """Replace one band stack of a sample's images (a ModelImages or a dict of them)."""
    if isinstance(images, dict):
        images[key] = value
    else:
        setattr(images, key, value)


def withhold_nir(batches: Iterable[list[dict]], share: float, seed: int) -> Iterator[list[dict]]:
    """``batches`` with the NIR band of each sample withheld (``nir`` set to None) with probability
    ``share``, drawn from ``seed``."""
    rng = random.Random(seed)
    for batch in batches:
        for sample in batch:
            if rng.random() < share:
                _set_band(sample["images"], "nir", None)
        yield batch


def jitter_radiometry(batches: Iterable[list[dict]], sigma: float, seed: int) -> Iterator[list[dict]]:
    """``batches`` with each sample's band values varied as sensors, seasons and atmospheric correction vary
    them between real scenes, so the network reads relative values rather than the renderer's exact
    reflectances: every optical band (R, G, B and NIR) of a sample is scaled by ``exp(sigma * (a + b_k / 2))``
    (``a`` one draw per sample, ``b_k`` one per band, both standard normal) and its SAR bands shifted by
    ``sigma / 2`` times a standard normal draw per band (in the model's 0..1 units: 0.04 is 1.4 dB), all dates
    alike; values stay in [0, 1]. ``sigma`` 0 leaves the batches as they are."""
    import torch

    if sigma <= 0:
        yield from batches
        return
    gen = torch.Generator().manual_seed(int(seed))
    for batch in batches:
        for sample in batch:
            images = sample["images"]
            common = float(torch.randn((), generator=gen))
            for key, bands in (("optical", 3), ("nir", 1)):
                x = _band(images, key)
                if x is not None:
                    gain = torch.exp(sigma * (common + 0.5 * torch.randn(bands, generator=gen)))
                    _set_band(images, key, (x * gain.to(x.dtype).reshape(1, bands, 1, 1)).clamp(0.0, 1.0))
            sar = _band(images, "sar")
            if sar is not None:
                shift = 0.5 * sigma * torch.randn(2, generator=gen)
                _set_band(images, "sar", (sar + shift.to(sar.dtype).reshape(1, 2, 1, 1)).clamp(0.0, 1.0))
        yield batch


class ModelBatches:
    """Sample lists -> the model's batch: the run's NIR withholding and band jitter, then
    :func:`engine.model.training.collate` (tokens, padding, the batch's index plan). As a DataLoader's collate
    it runs in the loader's worker processes, so the training process only moves the batch to its device and
    steps. Draws are seeded by ``seed``, the worker and the batch count."""

    def __init__(self, tokenizer, model_config, nir_dropout: float = 0.0, radiometric_jitter: float = 0.0,
                 seed: int = 0):
        self.tokenizer, self.model_config, self.seed = tokenizer, model_config, int(seed)
        self.nir_dropout, self.radiometric_jitter = nir_dropout, radiometric_jitter
        self.made = 0

    def __call__(self, samples: list[dict]):
        from ..model.training import collate

        info = get_worker_info()
        seed = self.seed + 1_000_003 * (info.id if info else 0) + 7919 * self.made
        self.made += 1
        if self.nir_dropout:
            samples = next(withhold_nir([samples], self.nir_dropout, seed))
        if self.radiometric_jitter:
            samples = next(jitter_radiometry([samples], self.radiometric_jitter, seed + 1))
        return collate(samples, self.tokenizer, self.model_config)


def repeat_batch(samples: list[dict]) -> Iterator[list[dict]]:
    """The same batch forever (overfitting checks)."""
    while True:
        yield samples


__all__ = ["train_loader", "validation_samples", "dataset_config", "repeat_batch", "val_seed_start", "withhold_nir",
           "jitter_radiometry"]
