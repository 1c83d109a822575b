"""The quick data check behind the Data page and the question preview of the "What to learn" page, free of
QGIS and Qt so it can run in the separate engine process (:mod:`.process`). The check reads the imagery grid
and the labels with the engine's own functions, so the page refuses exactly what training would refuse,
with the same one-line messages."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class SplitPreview:
    """The outcome of :func:`check_data`: ``blocks`` (engine Blocks with WKT in ``crs``), ``class_names``
    ({class id: name}), ``labelled_px`` ({"train": n, "val": n}) and the imagery grid ``shape`` (H, W)."""

    blocks: list
    class_names: dict
    labelled_px: dict
    crs: str
    shape: tuple
    notes: list = field(default_factory=list)


def _grid_and_labels(cfg):
    """-> (stack, labels (H, W) int32 with -1 outside labels or the area, labelled (H, W) bool, names)."""
    import numpy as np

    from ...engine.geo.stack import open_stack
    from ...engine.train.finetune_data import UNLABELLED, rasterize_labels

    stack = open_stack(optical=cfg.optical, sar=cfg.sar, dates=cfg.dates or None, aoi=cfg.aoi,
                       optical_bands=cfg.optical_bands, sar_bands=cfg.sar_bands)
    labels, names = rasterize_labels(cfg, stack.crs, stack.transform, (stack.height, stack.width))
    labelled = (labels >= 0) & stack.aoi_mask()
    return stack, np.where(labelled, labels, UNLABELLED), labelled, names


def preview_samples(cfg, count: int, image_size: int, max_blocks: int = 8) -> list[dict]:
    """About ``count`` training questions with their masks, generated on at most ``max_blocks`` training
    blocks (picked at random) so the preview stays quick on large rasters. Same engine steps as training."""
    import numpy as np

    from ...engine.errors import InputError
    from ...engine.train.finetune_data import chip_questions, chip_sample, cut_chips, split_blocks

    stack, labels, labelled, names = _grid_and_labels(cfg)
    blocks = split_blocks(labelled, stack.transform, cfg.block_size, cfg.val_fraction, cfg.split_seed)
    blocks = [b for b in blocks if b.split == "train"]
    rng = np.random.default_rng(cfg.seed)
    blocks = [blocks[i] for i in sorted(rng.permutation(len(blocks))[:max_blocks])]
    chips = cut_chips(stack, labels, blocks, image_size)
    pairs = chip_questions(chips, names, stack.crs.to_string(), cfg.tasks, count, cfg.seed)
    if not pairs:
        raise InputError("no question could be generated on the training blocks; check the class-name "
                         "mapping and the task types")
    return [chip_sample(ch, rec) for ch, rec in pairs]


def check_data(cfg) -> SplitPreview:
    """Read the imagery grid and labels of ``cfg`` (an engine FinetuneConfig) and split them into blocks.

    Raises the engine's :class:`InputError` (one line) for unusable imagery, labels not overlapping it, a
    missing class field and too few labelled pixels for the split."""
    import numpy as np

    from ...engine.errors import InputError
    from ...engine.train.finetune_data import split_blocks

    stack, _, labelled, names = _grid_and_labels(cfg)
    n = int(np.count_nonzero(labelled))
    if n == 0:
        raise InputError(f"labels {os.path.basename(str(cfg.labels))} do not overlap the imagery inside the "
                         "area of interest")
    blocks = split_blocks(labelled, stack.transform, cfg.block_size, cfg.val_fraction, cfg.split_seed)
    per = {s: sum(b.labelled_px for b in blocks if b.split == s) for s in ("train", "val")}
    if min(per.values()) < cfg.min_labelled_pixels:
        raise InputError(f"too few labelled pixels for a train/validation split: {n} labelled pixels in "
                         f"{len(blocks)} block(s) of {cfg.block_size} px (train {per['train']}, validation "
                         f"{per['val']}; each needs {cfg.min_labelled_pixels}); label more area or use "
                         "smaller blocks")
    return SplitPreview(blocks, names, per, stack.crs.to_string(), (stack.height, stack.width))
