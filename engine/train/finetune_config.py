"""Settings of a regional fine-tune (the wizard and ``terrascope finetune`` fill the same dataclass)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..errors import InputError

DEFAULT_TASKS = ("coverage", "area", "distance", "ranking", "boundary", "referring")
SETTINGS_FILE = "finetune.json"  # an adapter's record: its base, settings, data (classes included) and numbers


@dataclass
class FinetuneConfig:
    """Imagery, labels, split, questions and LoRA training settings. Sizes in pixels of the imagery grid."""

    # -- imagery (one date: optical and/or sar; a time series: dates, first is <t1>) -------------------
    optical: str | None = None
    sar: str | None = None
    dates: list[str] = field(default_factory=list)
    optical_bands: list[int] | None = None  # 1-based, as in GDAL; None -> the engine's defaults
    sar_bands: list[int] | None = None
    # -- labels: a classified raster, or a polygon file with a class field ----------------------------
    labels: str = ""
    label_field: str | None = None  # polygon labels: the attribute holding the class
    label_layer: str | None = None  # polygon labels: the layer inside a multi-layer file (GeoPackage)
    class_names: dict[str, str] = field(default_factory=dict)  # label value -> class name; {} -> all values
    aoi: str | None = None  # WKT (EPSG:4326), "EPSG:xxxx;WKT" or a vector file; None -> the imagery
    # -- spatial train/validation split ---------------------------------------------------------------
    block_size: int = 128  # square blocks of this many pixels go wholly to train or to validation
    val_fraction: float = 0.25  # share of the labelled blocks used for validation
    split_seed: int = 0
    min_labelled_pixels: int = 64  # each split needs at least this many labelled pixels
    # -- what to learn ----------------------------------------------------------------------------------
    tasks: tuple[str, ...] = DEFAULT_TASKS
    questions: int = 200  # training questions generated from the train blocks
    val_questions: int = 40  # validation questions from the validation blocks
    image_size: int | None = None  # the model's input side; None -> taken from the base model
    # -- training ---------------------------------------------------------------------------------------
    lora_rank: int = 8
    lora_alpha: int = 16
    train_groups: tuple[str, ...] = ("language_model", "mask_decoder", "seg_projection", "relevance")
    steps: int = 200
    lr: float = 5e-4
    batch_size: int = 4
    weight_decay: float = 0.0
    warmup_steps: int = 10
    grad_clip: float = 1.0
    device: str = "auto"  # "auto", "cpu" or "cuda"; several GPUs through `accelerate launch`
    seed: int = 0
    checkpoint_every: int = 50  # steps between resumable checkpoints in the work folder
    log_every: int = 5

    def __post_init__(self):
        self.tasks = tuple(self.tasks)
        self.train_groups = tuple(self.train_groups)
        self.dates = list(self.dates or [])
        self.class_names = {str(k): str(v) for k, v in (self.class_names or {}).items()}
        if not 0.0 < self.val_fraction < 1.0:
            raise InputError(f"validation fraction must lie between 0 and 1, not {self.val_fraction}")
        if self.block_size < 8:
            raise InputError(f"block size {self.block_size} px is too small; use at least 8 px")
        for name in ("steps", "batch_size", "questions", "val_questions", "lora_rank"):
            if getattr(self, name) < 1:
                raise InputError(f"{name.replace('_', ' ')} must be at least 1")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["tasks"], d["train_groups"] = list(self.tasks), list(self.train_groups)
        return d

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, d: dict) -> "FinetuneConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(k for k in d if k not in known)
        if unknown:
            raise InputError(f"unknown fine-tune option(s) {', '.join(unknown)}")
        return cls(**d)

    @classmethod
    def load(cls, path: str | Path) -> "FinetuneConfig":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except FileNotFoundError:
            raise InputError(f"fine-tune settings {path} not found")
        except json.JSONDecodeError as err:
            raise InputError(f"fine-tune settings {path} are not valid JSON (line {err.lineno}: {err.msg})")


__all__ = ["FinetuneConfig", "DEFAULT_TASKS"]


def adapter_class_names(adapter_dir: str | Path) -> tuple[str, ...]:
    """The class names an adapter's questions named (its :data:`SETTINGS_FILE`'s ``data.classes``), which the
    fine-tuned model reads itself; () when the folder has no readable record."""
    try:
        rec = json.loads((Path(adapter_dir) / SETTINGS_FILE).read_text())
        classes = rec["data"]["classes"]
    except (OSError, ValueError, KeyError, TypeError):
        return ()
    return tuple(str(v) for v in classes.values()) if isinstance(classes, dict) else ()
