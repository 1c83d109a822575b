"""Training samples generated on the fly from seeds: synthetic scene -> question -> model inputs.

Each sample is the model's ``forward_train`` input::

    {"images": ModelImages(optical (T, 3, S, S) float32 in [0, 1] or None, sar (T, 2, S, S) or None,
                           valid (T, S, S) bool, has_optical (T,) bool, has_sar (T,) bool),
     "prompt": str, "trace": str, "masks": (N_seg, S, S) float32, "mask_dates": list[int], "task": str}

T is the number of dates the question is asked on (1, or 2 for change questions); ``mask_dates[i]`` is
step i's 0-based index into those T dates. Optical = bands R, G, B (and NIR, a guide band) through
``normalize_optical``; SAR = VV, VH through ``normalize_sar``: the same path real files take at inference.

Seeds: sample ``i`` uses scene seed ``seed_start + i // questions_per_scene``. Training seeds lie in
[0, TEST_SEED_START); the held-out test split starts at TEST_SEED_START = 10**6 and is never trained on.
Stage 1 (grounding pretraining) draws referring questions only; stage 2 draws every task type.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from ..geo.normalize import normalize_optical, normalize_sar
from . import classes as C
from .context import LabelContext
from .questions import generate_question
from .scene import Scene, SceneConfig, make_scene
from .traces import TASKS, QuestionRecord
from .writer import TEST_SEED_START

DEFAULT_TASK_WEIGHTS = {"coverage": 1.0, "area": 1.0, "distance": 1.0, "ranking": 1.0, "boundary": 1.0,
                        "change": 1.2, "referring": 0.8, "implicit": 0.6}


@dataclass
class DatasetConfig:
    """How samples are drawn. Sizes in pixels."""

    image_size: int = 224  # S, the model's input side; scenes are generated at this size
    stage: int = 2  # 1: referring segmentation only; 2: all task types
    tasks: tuple[str, ...] = TASKS
    task_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TASK_WEIGHTS))
    absent_rate: float = 0.12  # questions whose target is not in the scene
    modality_mix: tuple[float, float, float] = (0.6, 0.2, 0.2)  # P(optical+SAR), P(optical only), P(SAR only)
    questions_per_scene: int = 6  # samples drawn from one generated scene (amortises rendering)
    seed_start: int = 0
    seed_stop: int = TEST_SEED_START  # exclusive; keep training below the test split
    scene: SceneConfig = field(default_factory=SceneConfig)
    dates: tuple[int, ...] = (2, 2, 2, 3)  # dates per scene, drawn per seed (3: series questions)
    pad_prob: float = 0.15  # scenes cut short at the right or bottom (zeros, valid False), as the
    pad_fraction: tuple[float, float] = (0.1, 0.5)  # engine pads a non-square area of interest
    with_record: bool = False  # add "record" (QuestionRecord) and "grid" ((transform, crs)), for evaluation


def _model_images(optical, sar, valid, has_optical, has_sar, nir=None):
    """Wrap arrays in the model's ModelImages (engine.model.inputs), or a plain dict if it is absent."""
    try:
        from ..model.inputs import ModelImages
    except ImportError:  # model package not installed in this checkout: same fields as a dict
        return {"optical": optical, "sar": sar, "valid": valid, "has_optical": has_optical,
                "has_sar": has_sar, "nir": nir}
    return ModelImages(optical=optical, sar=sar, valid=valid, has_optical=has_optical, has_sar=has_sar,
                       nir=nir)


def sample_from_record(scene: Scene, rec: QuestionRecord, modalities: str = "both",
                       with_record: bool = False, valid: np.ndarray | None = None) -> dict:
    """Model inputs for a question on a scene. modalities: "both", "optical" or "sar"; rec.dates index
    the scene's dates; valid: (S, S) bool area of interest (images are zero outside it)."""
    dates = list(rec.dates)
    t = len(dates)
    s = scene.labels.shape[-1]
    valid = np.ones((s, s), bool) if valid is None else np.asarray(valid, bool)
    opt = sar = nir = None
    if modalities in ("both", "optical"):
        bands = np.stack([normalize_optical(scene.optical[d], 1e-4) * valid for d in dates])  # B4 B3 B2 B8
        opt, nir = (torch.from_numpy(np.ascontiguousarray(b)) for b in (bands[:, :3], bands[:, 3:4]))
    if modalities in ("both", "sar"):
        sar = torch.from_numpy(np.stack([normalize_sar(scene.sar[d]) * valid for d in dates]))
    # numpy-backed: torch.ones/full of bool cost milliseconds each on CPU
    images = _model_images(opt, sar, torch.from_numpy(np.repeat(valid[None], t, axis=0)),
                           torch.from_numpy(np.full(t, opt is not None)),
                           torch.from_numpy(np.full(t, sar is not None)), nir)
    masks = torch.from_numpy(np.stack([st.mask for st in rec.steps]).astype(np.float32)) if rec.steps \
        else torch.zeros((0, s, s))
    out = {"images": images, "prompt": rec.prompt, "trace": rec.trace, "masks": masks,
           "mask_dates": [st.date_index for st in rec.steps], "task": rec.task}
    if with_record:
        out["record"] = rec
        out["grid"] = (scene.transform, scene.crs)
    return out


class SceneCache:
    """The last scene generated (samples of one scene come in a row) and its area of interest."""

    def __init__(self, cfg: DatasetConfig):
        self.cfg = cfg
        self.seed: int | None = None
        self.scene: Scene | None = None
        self.ctx: LabelContext | None = None

    def get(self, seed: int) -> tuple[Scene, LabelContext]:
        if seed != self.seed:
            n_dates = int(np.random.default_rng([seed, 555]).choice(self.cfg.dates))
            sc = make_scene(seed, self.cfg.image_size, self.cfg.scene, dates=n_dates)
            self.scene, self.seed = sc, seed
            self.ctx = LabelContext(sc.labels, dict(C.CLASS_NAMES), sc.transform, sc.crs,
                                    self._valid(seed, sc.labels.shape[1:]), sc.cloud_mask)
        return self.scene, self.ctx

    def _valid(self, seed: int, shape: tuple[int, int]) -> np.ndarray:
        """(H, W) bool: everything, or (pad_prob of scenes) all but a strip at the right or bottom."""
        rng = np.random.default_rng([seed, 4321])
        valid = np.ones(shape, bool)
        if rng.random() < self.cfg.pad_prob:
            cut = int(round(rng.uniform(*self.cfg.pad_fraction) * shape[0]))
            if rng.random() < 0.5:
                valid[shape[0] - cut:, :] = False
            else:
                valid[:, shape[1] - cut:] = False
        return valid


def make_sample(index: int, cfg: DatasetConfig, cache: SceneCache | None = None) -> dict:
    """Sample ``index`` of the stream defined by ``cfg`` (deterministic)."""
    cache = cache or SceneCache(cfg)
    seed = cfg.seed_start + index // cfg.questions_per_scene
    if not cfg.seed_start <= seed < cfg.seed_stop:
        raise IndexError(f"sample {index} needs scene seed {seed}, "
                         f"outside [{cfg.seed_start}, {cfg.seed_stop})")
    rng = np.random.default_rng([seed, index % cfg.questions_per_scene, 1234])
    scene, ctx = cache.get(seed)
    tasks = ("referring",) if cfg.stage == 1 else tuple(cfg.tasks)
    w = np.array([cfg.task_weights.get(k, 1.0) for k in tasks], float)
    rec = None
    for _ in range(8):
        task = tasks[int(rng.choice(len(tasks), p=w / w.sum()))]
        absent = rng.random() < cfg.absent_rate
        rec = generate_question(ctx, task, rng, absent=absent) or generate_question(ctx, task, rng)
        if rec is not None:
            break
    if rec is None:  # a scene with one class only: plain referring is always possible
        rec = generate_question(ctx, "referring", rng)
    if rec is None:
        raise ValueError(f"scene seed {seed} supports no question (no named class in its labels)")
    mix = np.asarray(cfg.modality_mix, float)
    modalities = ("both", "optical", "sar")[int(rng.choice(3, p=mix / mix.sum()))]
    return sample_from_record(scene, rec, modalities, cfg.with_record, ctx.valid)


class SyntheticQuestions(Dataset):
    """Map-style: ``length`` samples starting at ``cfg.seed_start`` (deterministic per index)."""

    def __init__(self, cfg: DatasetConfig | None = None, length: int = 1000):
        self.cfg = cfg or DatasetConfig()
        self.length = length
        self._cache = SceneCache(self.cfg)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.length:
            raise IndexError(index)
        return make_sample(index, self.cfg, self._cache)


class SyntheticQuestionStream(IterableDataset):
    """Endless (or ``length``-long) stream split over DataLoader workers and distributed ranks: worker w of
    rank r takes whole scenes r * W + w, r * W + w + R * W, ... so no two processes repeat a sample."""

    def __init__(self, cfg: DatasetConfig | None = None, length: int | None = None, rank: int = 0,
                 world_size: int = 1):
        self.cfg = cfg or DatasetConfig()
        self.length, self.rank, self.world_size = length, rank, world_size

    def __iter__(self):
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        stride = nw * self.world_size
        slot = self.rank * nw + wid
        qps = self.cfg.questions_per_scene
        cache = SceneCache(self.cfg)
        n_scenes = (self.cfg.seed_stop - self.cfg.seed_start)
        scene_k = slot
        while scene_k < n_scenes:
            for q in range(qps):
                if self.length is not None and (scene_k * qps + q) >= self.length:
                    return
                yield make_sample(scene_k * qps + q, self.cfg, cache)
            scene_k += stride


def collate_list(batch: list[dict]) -> list[dict]:
    """DataLoader collate that keeps samples as a list (variable T, N_seg and text per sample)."""
    return batch


def held_out_samples(count: int, image_size: int = 224, stage: int = 2, seed_start: int = TEST_SEED_START,
                     **overrides) -> list[dict]:
    """``count`` samples of held-out scenes, never trained on, each with its record and grid, for
    ``engine.eval.bench.evaluate_predictor``: the test split (scene seeds from TEST_SEED_START) by default, or
    the questions from another ``seed_start`` at or above it (validation: from 7 000 000, to choose between rules or
    models without looking at the test split)."""
    if seed_start < TEST_SEED_START:
        raise ValueError(f"held-out scene seeds start at {TEST_SEED_START}; {seed_start} is a training seed")
    cfg = DatasetConfig(image_size=image_size, stage=stage, seed_start=seed_start,
                        seed_stop=seed_start + TEST_SEED_START, with_record=True, **overrides)
    ds = SyntheticQuestions(cfg, length=count)
    return [ds[i] for i in range(count)]
