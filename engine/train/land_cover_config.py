"""Settings of ``terrascope train-land-cover``: one dataclass, every field defaulted, read from a JSON recipe
(unknown keys are an error; keys starting with "_" are records, e.g. "_about") and overridden by options."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..data.classes import canonical_class
from ..errors import InputError
from ..model.config import check_head_reading, class_shares
from .config import read_recipe, recipe_fields

MODALITIES = ("both", "optical", "sar")


@dataclass
class LandCoverTrainConfig:
    """Training of a model's dense land-cover head (:mod:`engine.model.land_cover`) on generated scenes, every other
    weight of the model kept as it is."""

    base_dir: str = ""  # the model folder the head is added to, or whose head trains on
    out_dir: str = "build/terrascope-land-cover"  # the model folder written, base and head
    widths: list = field(default_factory=lambda: [24, 48, 80, 128])  # a new head's four levels
    steps: int = 1000  # optimizer steps
    batch_size: int = 8  # one date of one scene per sample
    lr: float = 2e-3  # peak learning rate (AdamW) after a linear warmup; cosine decay to lr * min_lr_ratio
    min_lr_ratio: float = 0.0
    warmup_steps: int = 50
    weight_decay: float = 1e-4
    # cross-entropy weight of a class by name (engine.data.classes; others 1): thin classes (roads, buildings) are
    # a small share of the pixels and are learned late without more weight
    class_weights: dict = field(default_factory=dict)
    # weight of a soft Dice term (each image's classes present, equally) added to the cross-entropy: pixel-wise
    # cross-entropy is ruled by the large classes, the questions' IoU by every region alike
    dice_weight: float = 0.0
    # share of the samples that see both modalities, optical alone and SAR alone
    modality_shares: dict = field(default_factory=lambda: {"both": 0.6, "optical": 0.2, "sar": 0.2})
    max_dates: int = 3  # scenes of 1..max_dates dates (one date is read per sample; later dates hold changes)
    scene_size: int = 0  # pixels of a generated scene; 0: the model's image size
    data_seed_start: int = 400_000  # scene seeds start + 0, 1, 2, ... (training seeds lie below 999 000)
    seed: int = 0  # a new head's initial weights and the draws of dates, modalities and flips
    blend_weight: float = 0.5  # written as the model's land_cover_weight (the predictor's blending share)
    # written as the model's land_cover_class_weights: {class name: [share on fine grids, share on coarse grids]}
    # where a class's blending share differs (engine.model.land_cover.class_weight)
    blend_class_weights: dict = field(default_factory=dict)
    # written as the model's land_cover_class_thresholds: {class name: [level on fine grids, level on coarse grids]}
    # where a class step's blended probability needs another level than 0.5 (engine.model.land_cover.class_threshold)
    blend_class_thresholds: dict = field(default_factory=dict)
    # written as the model's land_cover_symmetries: how many symmetries of the square (1, 4 or 8) the head's
    # probabilities are averaged over when the predictor flip averages (engine.model.flips.symmetry_views)
    blend_symmetries: int = 1
    # written as the model's head_signature_weight: the class signature's weight in a class step the head blends into
    head_signature_weight: float | None = None  # None: the model's signature_weight
    val_scenes: int = 16  # held-out scenes the head's IoU per class is measured on at the end (0: none)
    val_seed_start: int = 7_990_000  # their seeds (validation seeds, never trained on)
    store_float16: bool = True  # floating weights of the folder written stored as float16 (half the size)
    max_seconds: float | None = None  # stop after this wall time and save
    # with max_seconds: the cosine decays over the wall time rather than the steps, so a run cut by it ends at the
    # floor of its schedule
    time_schedule: bool = False
    device: str = "cpu"  # "cpu", "cuda", "cuda:N" or "auto" (CUDA when there is one); the head trains in float32
    threads: int = 0  # CPU threads (0: torch's default)
    log_every: int = 25
    notes: str = ""

    def __post_init__(self):
        if len(self.widths) != 4 or min(int(w) for w in self.widths) < 1:
            raise InputError(f"widths needs four positive channel counts, not {self.widths}")
        self.widths = [int(w) for w in self.widths]
        for name in ("steps", "batch_size", "max_dates"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.warmup_steps < 0 or self.val_scenes < 0 or self.scene_size < 0:
            raise InputError("warmup_steps, val_scenes and scene_size must be >= 0")
        for name in ("blend_class_weights", "blend_class_thresholds"):
            try:
                class_shares(getattr(self, name))
            except ValueError as err:
                raise InputError(f"{name}: {err}") from None
        try:
            check_head_reading(self.blend_symmetries, self.head_signature_weight, "blend_symmetries")
        except ValueError as err:
            raise InputError(str(err)) from None
        unknown = [name for name in self.class_weights if canonical_class(name) is None]
        if unknown:
            raise InputError(f"class_weights names unknown class(es) {', '.join(unknown)}")
        if any(float(v) < 0 for v in self.class_weights.values()):
            raise InputError(f"class weights must be >= 0, not {self.class_weights}")
        if set(self.modality_shares) - set(MODALITIES) or sum(self.modality_shares.values()) <= 0:
            raise InputError(f"modality_shares takes shares of {', '.join(MODALITIES)}, not {self.modality_shares}")
        if self.dice_weight < 0:
            raise InputError(f"dice_weight must be >= 0, not {self.dice_weight}")
        if not 0.0 <= self.blend_weight <= 1.0:
            raise InputError(f"blend_weight is a share, 0..1, not {self.blend_weight}")
        if self.time_schedule and not (self.max_seconds and self.max_seconds > 0):
            raise InputError("time_schedule needs max_seconds: the wall time the schedule decays over")

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, d: dict) -> LandCoverTrainConfig:
        return cls(**recipe_fields(cls, d, "land-cover training option"))

    @classmethod
    def load(cls, path: str | Path) -> LandCoverTrainConfig:
        return cls.from_dict(read_recipe(path, "land-cover training config"))

    def replace(self, **changes) -> LandCoverTrainConfig:
        """A copy with ``changes`` applied (None values are ignored, as from unset options)."""
        d = self.to_dict()
        d.update({k: v for k, v in changes.items() if v is not None})
        return LandCoverTrainConfig.from_dict(d)
