"""Training configuration: one dataclass, every field defaulted, saved as JSON beside every checkpoint.

``terrascope train --config FILE`` reads one of these files (unknown keys are an error, so a typo never
silently falls back to a default); command-line options override single fields.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..errors import InputError

STAGES = (1, 2, "both")
LM_MODES = ("full", "lora", "frozen")
MIXED_PRECISION = ("auto", "no", "bf16", "fp16")


@dataclass
class TrainConfig:
    """Two-stage training of a TerraScope model (see ``engine.train.stages`` for what each stage trains)."""

    # -- model ---------------------------------------------------------------------------------------
    model: str = "tiny"  # registry name of the architecture to build (engine.model.registry)
    base_dir: str | None = None  # start from this checkpoint folder instead of fresh weights
    out_dir: str = "build/terrascope-train"  # final save_pretrained() + checkpoint-last/ live here
    # > 0: a model without a NIR mix (engine.model.network.NirMix) gets one this wide, starting as the identity
    nir_mix: int = 0
    nir_mix_lr_scale: float = 1.0  # the NIR mix learns at this multiple of the learning rate (it starts at zero)
    # > 0: a model without one gets a refinement of its mask logits on the input's grid this wide
    # (engine.model.network.PixelRefine), starting at no correction; it learns with the mask_decoder group
    pixel_refine: int = 0
    pixel_refine_lr_scale: float = 1.0  # the refinement learns at this multiple of the learning rate
    # -- stages --------------------------------------------------------------------------------------
    stage: int | str = "both"  # 1: grounding pretraining, 2: instruction tuning, "both": 1 then 2
    stage1_steps: int = 1000  # optimizer steps of stage 1 (referring segmentation only)
    stage2_steps: int = 3000  # optimizer steps of stage 2 (all task types)
    # parameter groups that learn in each stage (names resolved by engine.train.stages.GROUPS)
    stage1_groups: tuple[str, ...] = ("mask_decoder", "seg_projection", "relevance")
    stage2_groups: tuple[str, ...] = ("projector", "language_model", "mask_decoder", "seg_projection",
                                      "relevance")
    lm_mode: str = "lora"  # stage 2 language model: "lora" (peft on q/k/v/o), "full" (from-scratch LMs)
    lora_rank: int = 16
    lora_alpha: int = 32
    # -- optimisation --------------------------------------------------------------------------------
    batch_size: int = 8  # samples per optimizer step and process
    grad_accum: int = 1  # micro-batches accumulated per optimizer step
    lr: float = 3e-4  # peak learning rate (AdamW), after warmup, cosine decay to lr * min_lr_ratio
    stage1_lr: float | None = None  # stage-1 peak lr; None -> lr
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.01  # AdamW decoupled weight decay (not on biases and norms)
    warmup_steps: int = 100  # linear warmup per stage (capped at 10 % of the stage)
    grad_clip: float = 1.0  # max global gradient norm; 0 disables clipping
    # weights of token cross-entropy, mask BCE, mask Dice and (optional key "iou") the mask decoder's IoU
    # estimate in the loss (engine.model.training.LossWeights); from-scratch models ground faster with Dice
    # weighted up once the text format is learned
    loss_weights: dict = field(default_factory=lambda: {"lm": 1.0, "bce": 2.0, "dice": 0.5})
    seed: int = 0  # weights' initialisation, dropout and data order
    # -- data ----------------------------------------------------------------------------------------
    data_dir: str | None = None  # folders written by `terrascope synth`; None -> scenes made on the fly
    data_seed_start: int = 0  # training scenes use seeds [start, start + count); held-out ones never do
    data_seed_count: int = 100_000
    absent_rate: float = 0.12  # share of questions asked about a target the scene does not hold
    # share of samples whose NIR band is withheld, so a model with a NIR mix also answers from R, G, B alone
    # (optical files without a NIR band)
    nir_dropout: float = 0.0
    # std of the log gain of the optical bands (and half of it as a shift of the SAR bands) drawn per sample
    # (engine.train.data.jitter_radiometry): real scenes differ from the renderer's reflectances; 0: off
    radiometric_jitter: float = 0.0
    scene_size: int = 256  # pixels of a generated scene (resampled to the model's image size)
    num_workers: int = 2  # scene-generating worker processes per training process (0: in-process)
    # -- precision and device ------------------------------------------------------------------------
    mixed_precision: str = "auto"  # "auto": bf16 on CUDA, fp32 on CPU; or "no", "bf16", "fp16"
    device: str = "auto"  # "auto", "cpu" or "cuda"
    # -- bookkeeping ---------------------------------------------------------------------------------
    log_every: int = 10  # steps between progress metrics
    checkpoint_every: int = 200  # steps between checkpoint-last/ writes (0: only at the end)
    eval_every: int = 500  # steps between held-out validations (0: never); logged only
    eval_samples: int = 16  # held-out samples per validation
    max_seconds: float | None = None  # stop (and save) after this wall time; None: run every step
    # with max_seconds: the cosine decays over the wall time as well as the steps, whichever is further on
    # (stages share the time in proportion to their steps), and a stage ends when its share is spent, so a
    # run on a machine held for a fixed time ends with the learning rate at its floor (engine.train.loop)
    time_schedule: bool = False
    notes: str = ""  # free text recorded with the recipe (hardware, intent)

    def __post_init__(self):
        if self.stage not in STAGES:
            if str(self.stage) in ("1", "2"):
                self.stage = int(self.stage)
            else:
                raise InputError(f"stage must be 1, 2 or \"both\", not {self.stage!r}")
        if self.lm_mode not in LM_MODES:
            raise InputError(f"lm_mode must be one of {', '.join(LM_MODES)}, not {self.lm_mode!r}")
        if self.mixed_precision not in MIXED_PRECISION:
            raise InputError(f"mixed_precision must be one of {', '.join(MIXED_PRECISION)}, "
                             f"not {self.mixed_precision!r}")
        for name in ("stage1_steps", "stage2_steps", "checkpoint_every", "eval_every", "num_workers"):
            if getattr(self, name) < 0:
                raise InputError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise InputError("batch_size and grad_accum must be at least 1")
        keys = set(self.loss_weights)
        wrong = not {"lm", "bce", "dice"} <= keys <= {"lm", "bce", "dice", "iou"}
        if wrong or any(float(v) < 0 for v in self.loss_weights.values()):
            raise InputError(f"loss_weights needs the keys lm, bce, dice (and optionally iou) with values >= 0, "
                             f"not {self.loss_weights}")
        if not 0.0 <= self.absent_rate <= 1.0:
            raise InputError(f"absent_rate is a share of the questions, 0..1, not {self.absent_rate}")
        if not 0.0 <= self.nir_dropout <= 1.0:
            raise InputError(f"nir_dropout is a share of the samples, 0..1, not {self.nir_dropout}")
        if not 0.0 <= self.radiometric_jitter <= 1.0:
            raise InputError(f"radiometric_jitter is a log-gain std, 0..1, not {self.radiometric_jitter}")
        if self.time_schedule and not (self.max_seconds and self.max_seconds > 0):
            raise InputError("time_schedule needs max_seconds: the wall time the schedule decays over")
        for width in ("nir_mix", "pixel_refine"):
            if getattr(self, width) < 0:
                raise InputError(f"{width} is a width in channels, >= 0, not {getattr(self, width)}")
        self.stage1_groups = tuple(self.stage1_groups)
        self.stage2_groups = tuple(self.stage2_groups)

    @property
    def stages(self) -> list[int]:
        """The stages this run trains, in order."""
        return [1, 2] if self.stage == "both" else [int(self.stage)]

    def stage_steps(self, stage: int) -> int:
        return self.stage1_steps if stage == 1 else self.stage2_steps

    def stage_lr(self, stage: int) -> float:
        return self.stage1_lr if stage == 1 and self.stage1_lr is not None else self.lr

    @property
    def total_steps(self) -> int:
        return sum(self.stage_steps(s) for s in self.stages)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["stage1_groups"], d["stage2_groups"] = list(self.stage1_groups), list(self.stage2_groups)
        return d

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        return cls(**recipe_fields(cls, d, "training option"))

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        return cls.from_dict(read_recipe(path, "training config"))

    def replace(self, **changes) -> "TrainConfig":
        """A copy with ``changes`` applied (None values are ignored, as from unset CLI options)."""
        d = self.to_dict()
        d.update({k: v for k, v in changes.items() if v is not None})
        return TrainConfig.from_dict(d)


def read_recipe(path: str | Path, what: str) -> dict:
    """The JSON object in the recipe file ``path`` (``what`` names it in errors); one-line :class:`InputError` when
    it is missing, not JSON or not an object."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {path} not found")
    try:
        d = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise InputError(f"{what} {path} is not valid JSON (line {err.lineno}: {err.msg})")
    if not isinstance(d, dict):
        raise InputError(f"{what} {path} must hold a JSON object")
    return d


def recipe_fields(cls, d: dict, what: str) -> dict:
    """The entries of ``d`` that are fields of the dataclass ``cls``; keys starting with "_" are records kept in
    recipe files (e.g. "_about") and are left out; any other unknown key is an :class:`InputError` naming the
    valid ones, so a typo never silently falls back to a default."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(k for k in d if k not in known and not k.startswith("_"))
    if unknown:
        raise InputError(f"unknown {what}(s) {', '.join(unknown)}; valid ones: {', '.join(sorted(known))}")
    return {k: v for k, v in d.items() if k in known}


def field_names() -> list[str]:
    return [f.name for f in fields(TrainConfig)]


__all__ = ["TrainConfig", "STAGES", "LM_MODES", "field_names"]
