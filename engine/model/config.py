"""The root configuration of a TerraScope network: nested sub-configs for the InternVL part (InternViT,
projector, language model) and the SAM 2 parts, the image size, the ids of our special tokens (filled after
the tokenizer is set up) and the grounding knobs. Saved as ``config.json`` beside every checkpoint."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..data.classes import CLASS_NAMES, canonical_class

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# how many symmetries of the square a land-cover head may be averaged over (engine.model.flips.symmetry_views)
SYMMETRY_COUNTS = (1, 4, 8)


@dataclass
class TerraScopeConfig:
    """Every field defaulted; the defaults are the ``tiny-test`` shape (random weights, CPU, ~1 s to build)."""

    name: str = "tiny-test"  # registry name of the shape this config was built from
    image_size: int = 64  # S: side in pixels of every model input image (square)
    # InternVLVisionConfig kwargs (image_size / patch_size are set from the fields above by the network)
    vision: dict = field(default_factory=lambda: {
        "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
        "patch_size": 8, "norm_type": "layer_norm", "use_mean_pooling": False})
    # text config kwargs; ``model_type`` picks the class (qwen2, llama)
    text: dict = field(default_factory=lambda: {
        "model_type": "qwen2", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 2048,
        "tie_word_embeddings": False, "vocab_size": 2048})
    downsample_ratio: float = 0.5  # InternVL pixel shuffle: (S/patch)^2 patches -> (S/patch/2)^2 tokens
    # Sam2VisionConfig kwargs (with a nested ``backbone_config`` dict of Sam2HieraDetConfig kwargs)
    sam_vision: dict = field(default_factory=lambda: {
        "backbone_config": {"hidden_size": 16, "num_attention_heads": 1, "blocks_per_stage": [1, 1, 2, 1],
                            "embed_dim_per_stage": [16, 32, 64, 128],
                            "num_attention_heads_per_stage": [1, 1, 2, 2],
                            "window_size_per_stage": [8, 4, 4, 2], "global_attention_blocks": [3],
                            "window_positional_embedding_background_size": [4, 4]},
        "backbone_channel_list": [128, 64, 32, 16], "fpn_hidden_size": 32})
    sam_prompt: dict = field(default_factory=lambda: {"hidden_size": 32, "patch_size": 16})
    sam_mask_decoder: dict = field(default_factory=lambda: {
        "hidden_size": 32, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32,
        # one mask per prompt, the same in training and inference
        "dynamic_multimask_via_stability": False})
    relevance_dim: int = 64  # width of the modality relevance head's query/key space
    max_injected_tokens: int = 128  # cap on visual tokens appended to the KV cache per [SEG]
    coverage_threshold: float = 0.5  # share of a token's patch the mask must cover to inject the token
    mask_threshold: float = 0.5  # mask probability that counts as "inside"
    # a step whose mask has a mean probability inside below this marks nothing ("no such region"); 0
    # disables. Calibrated per trained model on scenes outside training and test (scripts/calibrate_absent.py)
    empty_below_confidence: float = 0.0
    # decode every step's mask on the images and their three flips and average (engine.model.flips): 4x the
    # image encoding and mask decoding for steadier masks; set per trained model with its calibration
    flip_average: bool = False
    # with flip_average, also the transposed images and their flips (the eight symmetries of the square): 8x
    flip_transposes: bool = False
    # sharpen every kept mask along the edges of its date's bands (engine.geo.guided): window half-width in
    # pixels of the model's grid (0: off) and regularisation in squared band units; set per trained model
    guided_radius: int = 0
    guided_eps: float = 0.001
    # a step on a later date that names a change (trace_format.names_change) marks nothing when its pixels
    # changed between the dates less than this times the rest of the scene (engine.geo.change_evidence); 0
    # disables. Set per trained model on scenes outside training and test
    change_below_contrast: float = 0.0
    # a kept step whose mask marks fewer pixels of the model's grid than this marks nothing: a speck the size of
    # a few mask-decoder cells is not a region the model resolves; 0 disables. Set per trained model
    min_mask_pixels: int = 0
    # a step on a later date that names a change of classes ("destroyed buildings", "cleared forest";
    # trace_format.change_classes) is the difference of the classes grounded by name on the two dates
    # (engine.geo.class_change) rather than its own decoded mask; set per trained model with its calibration
    change_from_classes: bool = False
    # a kept step that names a class alone (trace_format.names_class_alone) is blended with this share of a
    # classifier of its date's bands seeded by its own confident pixels (engine.geo.signatures); 0 disables.
    # Set per trained model on scenes outside training and test
    signature_weight: float = 0.0
    # hidden width of the optical input's near-infrared mix (NirMix in engine.model.network): the encoders see
    # R, G, B plus a learned per-pixel function of R, G, B and NIR where a date has NIR; 0: R, G, B alone
    nir_mix: int = 0
    # hidden width of the refinement of the mask logits on the input's own grid (PixelRefine in
    # engine.model.network); 0: the SAM decoder's S/4 grid upsampled alone
    pixel_refine: int = 0
    # widths of the four levels of a dense land-cover head (engine.model.land_cover.LandCoverHead), trained on its
    # own; [] : none
    land_cover: list = field(default_factory=list)
    # a kept class step (a class alone, a class's largest patch, a class's patches next to a region) is blended with
    # this share of the land-cover head's probability of the class before the class signature; 0 disables. Set per
    # trained model on scenes outside training and test
    land_cover_weight: float = 0.0
    # the share per class where it differs from land_cover_weight: {class name: [share on grids finer than
    # engine.model.land_cover.FINE_BELOW_M, share on coarser grids]}; 0 leaves the class to the decoder. Set per
    # trained model on scenes outside training and test
    land_cover_class_weights: dict = field(default_factory=dict)
    # the level a class step's blended probability needs to be marked where it differs from mask_threshold: {class
    # name: [level on grids finer than engine.model.land_cover.FINE_BELOW_M, level on coarser grids]}. Set per
    # trained model on scenes outside training and test
    land_cover_class_thresholds: dict = field(default_factory=dict)
    # the symmetries of the square the head's class probabilities are averaged over when masks are flip averaged
    # (flip_average): 1, the inputs as given; 4, with their flips; 8, with their transposes and the transposes'
    # flips (engine.model.flips). Set per trained model on scenes outside training and test
    land_cover_symmetries: int = 1
    # the class signature's weight (signature_weight's stand-in) in a class step the land-cover head blends into
    # (engine.model.step_rules head_over_signature); 0: none; None: signature_weight. Set per trained model on scenes
    # outside training and test
    head_signature_weight: float | None = None
    pixel_mean: tuple = IMAGENET_MEAN  # both encoders see (x - mean) / std of inputs in [0, 1]
    pixel_std: tuple = IMAGENET_STD
    lm_source: str = "scratch"  # scratch | smollm2 | internvl3 | published: where the LM weights come from
    # token ids, filled by tokens.setup_tokenizer
    vocab_size: int = 0
    image_token_id: int = -1
    image_start_id: int = -1
    image_end_id: int = -1
    seg_token_id: int = -1
    optical_token_id: int = -1
    sar_token_id: int = -1
    date_token_ids: list = field(default_factory=list)  # <t1>..<t16>
    eos_token_id: int = -1
    pad_token_id: int = -1

    @property
    def patch_size(self) -> int:
        p = self.vision.get("patch_size", 14)
        return int(p[0] if isinstance(p, (list, tuple)) else p)

    @property
    def token_grid(self) -> tuple[int, int]:
        """(h, w) of the visual token grid after pixel shuffle, e.g. 224 px / 14 * 0.5 -> (8, 8)."""
        g = int(self.image_size // self.patch_size * self.downsample_ratio)
        return g, g

    @property
    def tokens_per_image(self) -> int:
        h, w = self.token_grid
        return h * w

    @property
    def text_hidden(self) -> int:
        return int(self.text["hidden_size"])

    @property
    def sam_hidden(self) -> int:
        return int(self.sam_mask_decoder["hidden_size"])

    def __post_init__(self):
        self.land_cover_class_weights = class_shares(self.land_cover_class_weights)
        self.land_cover_class_thresholds = class_shares(self.land_cover_class_thresholds, CLASS_THRESHOLD_LABEL)
        check_head_reading(self.land_cover_symmetries, self.head_signature_weight, "land_cover_symmetries")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["pixel_mean"], d["pixel_std"] = list(self.pixel_mean), list(self.pixel_std)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TerraScopeConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown TerraScope config field(s): {', '.join(sorted(unknown))}")
        d = dict(d)
        for k in ("pixel_mean", "pixel_std"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> TerraScopeConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))


# how errors name an entry of land_cover_class_weights / land_cover_class_thresholds
CLASS_SHARE_LABEL = "land-cover class share"
CLASS_THRESHOLD_LABEL = "land-cover class threshold"


def check_head_reading(symmetries: int, signature_weight: float | None, symmetries_name: str) -> None:
    """ValueError, naming the setting (``symmetries_name``, ``head_signature_weight``), for a count of symmetries of
    the square other than :data:`SYMMETRY_COUNTS` or a head signature weight outside [0, 1] (None: unset)."""
    if symmetries not in SYMMETRY_COUNTS:
        raise ValueError(f"{symmetries_name} is {symmetries!r}: give 1, 4 or 8 (the inputs as given, with their flips, "
                         "with their transposes too)")
    if signature_weight is not None and not 0.0 <= float(signature_weight) <= 1.0:
        raise ValueError(f"head_signature_weight is {signature_weight!r}: give a weight from 0 to 1")


def class_shares(shares: dict, what: str = CLASS_SHARE_LABEL) -> dict[str, list[float]]:
    """``shares`` {class name: [value on fine grids, value on coarse grids]} with each name made the class's own
    ("Road" -> "roads", :func:`engine.data.classes.canonical_class`) and each value a float; ValueError, naming the
    entry as ``what``, for a name that is no class or values that are not two numbers in [0, 1]."""
    out: dict[str, list[float]] = {}
    for name, pair in dict(shares or {}).items():
        class_id = canonical_class(str(name))
        try:
            values = [float(v) for v in pair] if isinstance(pair, (list, tuple)) else []
        except (TypeError, ValueError):
            values = []
        if class_id is None or len(values) != 2 or not all(0.0 <= v <= 1.0 for v in values):
            raise ValueError(f"{what} {name!r}: {pair!r} needs a class name ({', '.join(CLASS_NAMES.values())}) "
                             f"and two numbers in [0, 1] (fine grids, coarse grids)")
        if CLASS_NAMES[class_id] in out:
            raise ValueError(f"{what} {name!r} names {CLASS_NAMES[class_id]!r} a second time")
        out[CLASS_NAMES[class_id]] = values
    return out
