"""Model samples from co-registered arrays and a question record, and a stream over `synth` folders.

A sample is what ``engine.model``'s ``collate`` / ``forward_train`` read::

    {"images": ModelImages, "prompt": str, "trace": str, "masks": (N_seg, S, S) float32,
     "mask_dates": list[int], "task": str, "record": QuestionRecord}
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

STAGE1_TASKS = ("referring",)


def model_images(**fields):
    """engine.model.inputs.ModelImages, or a dict with the same fields when the model package is absent."""
    try:
        from ..model.inputs import ModelImages
    except ImportError:
        return dict(fields)
    return ModelImages(**fields)


def resize_nearest(a: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(..., h, w) -> (..., H, W) by nearest neighbour (pixel centres)."""
    h, w = a.shape[-2:]
    if (h, w) == tuple(shape):
        return a
    rows = np.minimum(((np.arange(shape[0]) + 0.5) * h / shape[0]).astype(int), h - 1)
    cols = np.minimum(((np.arange(shape[1]) + 0.5) * w / shape[1]).astype(int), w - 1)
    return a[..., rows, :][..., cols]


def overview_content_shape(height: int, width: int, size: int) -> tuple[int, int]:
    """The (h, w) that ``InputStack.overview(size)`` fills before padding to (size, size)."""
    scale = max(width, height) / size
    return max(1, min(size, round(height / scale))), max(1, min(size, round(width / scale)))


def fit_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """A (H, W) mask in the full grid -> (size, size) in the overview grid (resampled, padded bottom/right)."""
    h, w = overview_content_shape(mask.shape[0], mask.shape[1], size)
    out = np.zeros((size, size), np.float32)
    out[:h, :w] = resize_nearest(np.asarray(mask, np.float32), (h, w))
    return out


def sample_from_arrays(arrays, record, dates: list[int] | None = None, size: int | None = None) -> dict:
    """``arrays``: StackArrays at the model size (optical (T,3,S,S) | None, sar (T,2,S,S) | None, valid
    (T,S,S), aoi (S,S)); ``record``: its step masks in the full grid; ``dates``: which of the T dates the
    question's ``<t1>``, ``<t2>``, ... are (default: the last date, or all dates for multi-date records)."""
    t_all = arrays.valid.shape[0]
    if dates is None:
        dates = list(range(t_all)) if len(record.dates) > 1 else [t_all - 1]
    size = size or arrays.valid.shape[-1]

    def pick(x):
        return None if x is None else torch.from_numpy(np.ascontiguousarray(x[dates]))

    opt, sar = pick(arrays.optical), pick(arrays.sar)
    valid = torch.from_numpy(np.ascontiguousarray(arrays.valid[dates] & arrays.aoi[None]))
    has_opt = torch.tensor([opt is not None and bool(arrays.optical[d].any()) for d in dates])
    has_sar = torch.tensor([sar is not None and bool(arrays.sar[d].any()) for d in dates])
    images = model_images(optical=opt, sar=sar, valid=valid, has_optical=has_opt, has_sar=has_sar,
                          nir=pick(arrays.nir))
    masks = (torch.from_numpy(np.stack([fit_mask(s.mask, size) for s in record.steps])) if record.steps
             else torch.zeros((0, size, size)))
    return {"images": images, "prompt": record.prompt, "trace": record.trace, "masks": masks,
            "mask_dates": [s.date_index for s in record.steps], "task": record.task, "record": record}


def _stack_kwargs(folder: Path, inputs: dict) -> dict:
    if "dates" in inputs:
        sar = inputs.get("sar_dates") or [None] * len(inputs["dates"])
        return {"dates": [{"optical": str(folder / o), "sar": str(folder / s)} if s else str(folder / o)
                          for o, s in zip(inputs["dates"], sar)]}
    return {k: str(folder / inputs[k]) for k in ("optical", "sar") if inputs.get(k)}


class FolderStream(IterableDataset):
    """Samples from `terrascope synth` folders (GeoTIFFs + questions.jsonl), read through the same
    co-registration and overview path as inference. Endless: scene order reshuffled every pass; each
    (rank, worker) slot reads its own scenes."""

    def __init__(self, data_dir: str | Path, size: int, stage: int = 2, seed: int = 0, rank: int = 0,
                 world_size: int = 1):
        from ..eval.bench import scene_folders

        self.folders = scene_folders(data_dir)
        self.size, self.stage, self.seed, self.rank, self.world_size = size, stage, seed, rank, world_size

    def scene_samples(self, folder: Path):
        from ..data.traces import QuestionRecord
        from ..geo.stack import open_stack

        stacks = {}
        for line in (folder / "questions.jsonl").read_text().splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            if self.stage == 1 and d["task"] not in STAGE1_TASKS:
                continue
            inputs = d.get("inputs") or {"optical": "optical.tif", "sar": "sar.tif"}
            key = json.dumps(inputs, sort_keys=True)
            if key not in stacks:
                stack = open_stack(**_stack_kwargs(folder, inputs))
                arrays, transform = stack.overview(self.size)
                stacks[key] = (arrays, (transform, stack.crs.to_string()))
            rec = QuestionRecord.from_json(d)
            arrays, grid = stacks[key]
            out = sample_from_arrays(arrays, rec, list(range(len(rec.dates))), self.size)
            out["grid"] = grid
            yield out

    def __iter__(self):
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        slot, stride = self.rank * nw + wid, nw * self.world_size
        epoch = 0
        while True:
            order = np.random.default_rng([self.seed, epoch]).permutation(len(self.folders))
            mine = order[slot::stride] if len(order) >= stride else order
            for i in mine:
                yield from self.scene_samples(self.folders[i])
            epoch += 1


__all__ = ["sample_from_arrays", "model_images", "fit_mask", "resize_nearest", "FolderStream", "STAGE1_TASKS"]
