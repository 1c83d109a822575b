"""The quick data check behind the Data page and the question preview of the "What to learn" page, free of
QGIS and Qt so it can run in the separate engine process (:mod:`.process`). The check reads the imagery grid,
the labels and the block split with the functions training uses, so the page refuses exactly what training
would refuse, with the same one-line messages."""
from __future__ import annotations

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


def preview_samples(cfg, count: int, image_size: int, max_blocks: int = 8) -> list[dict]:
    """About ``count`` training questions with their masks, generated on at most ``max_blocks`` training
    blocks (picked at random) so the preview stays quick on large rasters. Same engine steps as training."""
    import numpy as np

    from ...engine.errors import InputError
    from ...engine.train.finetune_data import chip_questions, chip_sample, cut_chips, read_labelled_grid, \
        split_blocks

    stack, labels, labelled, names = read_labelled_grid(cfg)
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
    from ...engine.train.finetune_data import checked_split, read_labelled_grid

    stack, _, labelled, names = read_labelled_grid(cfg)
    blocks, per, _ = checked_split(cfg, labelled, stack.transform)
    return SplitPreview(blocks, names, per, stack.crs.to_string(), (stack.height, stack.width))
