"""The Python API: load a model once, ask questions about rasters, get georeferenced answers.

    eng = Engine.load()                                   # the embedded default model
    ans = eng.ask("What share of the area is water?", optical="s2.tif", sar="s1.tif", aoi="POLYGON((...))")
    ans.to_geopackage("answer.gpkg")
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from .answer import Answer, Step
from .errors import DeviceOutOfMemory, InputError, ModelError

log = logging.getLogger(__name__)
__all__ = ["Engine", "Answer", "Step", "DEFAULT_MODEL_DIR"]

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "resources" / "models" / "terrascope-tiny"


class Engine:
    """A loaded TerraScope model and its grounded predictor (images are encoded once per question)."""

    def __init__(self, model, tokenizer, device=None, predictor=None, name: str = "", make_images=None,
                 compile_decoding: bool = False, flip_average: bool | None = None,
                 sharpen_masks: bool | None = None, class_signatures: bool | None = None,
                 change_from_classes: bool | None = None, water_index: bool = True,
                 land_cover: bool | None = None):
        """``predictor``: defaults to ``GroundedPredictor(model, tokenizer)``; ``make_images(arrays,
        has_optical, has_sar, device)``: StackArrays -> the predictor's image input (default ModelImages);
        ``compile_decoding``: a static KV cache and compiled single-token steps (see engine.model.decoding);
        ``flip_average``: masks averaged over the images and their flips (engine.model.flips; None: as the
        model's config says); ``sharpen_masks``: kept masks moved onto the edges of the bands
        (engine.geo.guided; None: as the model's config says, False: the decoder's masks as they are);
        ``class_signatures``: masks of steps that name a class alone blended with a classifier of the scene's
        bands seeded by the mask (engine.geo.signatures; None: as the model's config says);
        ``change_from_classes``: a change step ("destroyed buildings") as the difference of its classes grounded
        on the two dates (engine.geo.class_change; None: as the model's config says); ``water_index``: water steps
        grown into the connected pixels whose NDWI marks open water, where the optical file has a NIR band
        (engine.geo.water_index; on by default); ``land_cover``: class steps blended with the model's dense
        land-cover head (engine.model.land_cover; None: as the model's config says; off for a model without one)."""
        self.model, self.tokenizer = model, tokenizer
        self.name = name
        self.make_images = make_images
        if predictor is None:
            from .model.predictor import GroundedPredictor

            fast = {"cache": "static", "compile_steps": True} if compile_decoding else {}
            predictor = GroundedPredictor(model, tokenizer, flip_average=flip_average, sharpen_masks=sharpen_masks,
                                          class_signatures=class_signatures,
                                          change_from_classes=change_from_classes, water_index=water_index,
                                          land_cover=land_cover, **fast)
        self.predictor = predictor
        self.device = device if device is not None else _model_device(model)

    @classmethod
    def load(cls, model_dir=None, device: str = "auto", adapter=None,
             model_name: str | None = None, compile_decoding: bool = False,
             flip_average: bool | None = None, sharpen_masks: bool | None = None,
             class_signatures: bool | None = None, change_from_classes: bool | None = None,
             water_index: bool = True, land_cover: bool | None = None) -> "Engine":
        """Load weights from ``model_dir`` (None: the embedded default), optionally a LoRA ``adapter`` folder,
        onto ``device`` ("auto", "cpu", "cuda", "cuda:1"). ``model_name`` builds a registered size with random
        weights instead (``"tiny-test"`` for tests). ``compile_decoding``: decode on a static KV cache with
        torch.compile'd token steps (CUDA graphs on a GPU: for large models there; the first question pays
        the compilation). ``flip_average``: True / False overrides the model config's flip averaging of
        masks (4x the image encoding and mask decoding); ``sharpen_masks``: True / False overrides its
        edge sharpening of masks (engine.geo.guided); ``class_signatures``: True / False overrides its blending
        of class masks with the scene's class signature (engine.geo.signatures); ``change_from_classes``: True /
        False overrides its change steps as the difference of their classes on the two dates
        (engine.geo.class_change); ``water_index``: False leaves water steps as the model grounds them, not grown
        by the NDWI (engine.geo.water_index); ``land_cover``: True / False overrides the blending of class steps with
        its dense land-cover head (engine.model.land_cover). Raises :class:`ModelError` with what to fix."""
        folder = None
        if not model_name:
            folder = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
            if not folder.is_dir():
                hint = ("the embedded default model is missing: run `make train-tiny`, or pass --model DIR"
                        if model_dir is None else "pass the folder that holds the model's config and weights")
                raise ModelError(f"model folder not found: {folder} ({hint})")
            _check_folder(folder)
        if adapter is not None and not Path(adapter).is_dir():
            raise ModelError(f"adapter folder not found: {adapter}")
        from .model.device import resolve_device

        dev, dtype = resolve_device(device)  # bfloat16 on CUDA, float32 on CPU
        if model_name:
            from .model.registry import build_model

            try:
                model, tokenizer = build_model(model_name)
            except KeyError:
                raise ModelError(f"unknown model name {model_name!r}")
            name = model_name
        else:
            model, tokenizer = _load_folder(folder, dev)
            name = folder.name
        if adapter is not None:
            model = _load_adapter(model, adapter)
        model = model.to(device=dev, dtype=dtype).eval()
        engine = cls(model, tokenizer, dev, name=name, compile_decoding=compile_decoding, flip_average=flip_average,
                     sharpen_masks=sharpen_masks, class_signatures=class_signatures,
                     change_from_classes=change_from_classes, water_index=water_index, land_cover=land_cover)
        if adapter is not None:
            from .train.finetune_config import adapter_class_names

            # the adapter learned its own class names: questions that use them are not re-read as the base's classes
            engine.predictor.known_regions = adapter_class_names(adapter)
        return engine

    @property
    def image_size(self) -> int:
        """Side in pixels of the model's square input images."""
        for obj in (self.predictor, self.model, getattr(self.model, "config", None)):
            size = getattr(obj, "image_size", None)
            if size:
                return int(size[0] if isinstance(size, (tuple, list)) else size)
        cfg = getattr(self.model, "config", None)
        vision = getattr(cfg, "vision_config", None) or getattr(cfg, "vision", None)
        size = getattr(vision, "image_size", None)
        if size:
            return int(size[0] if isinstance(size, (tuple, list)) else size)
        return 224

    def ask(self, question: str, optical=None, sar=None, dates=None, aoi=None, choices=None,
            optical_bands=None, sar_bands=None, progress: Callable[[float, str], None] | None = None,
            cancelled: Callable[[], bool] | None = None, tile_size: int = 512,
            overview_size: int | None = None, overlap: int = 64) -> Answer:
        """Answer ``question`` about the rasters.

        ``optical``/``sar``: paths of one date; ``dates``: paths (or ``{"optical", "sar"}`` dicts) of a time
        series, the first being ``<t1>``. ``aoi``: WKT in EPSG:4326, ``"EPSG:xxxx;WKT"`` or a vector file.
        ``choices``: options for a multiple-choice answer (lettered A, B, ...). Band lists are 1-based.
        ``progress(fraction, message)``; ``cancelled()`` is polled between steps and tiles.
        Raises :class:`InputError` for unusable inputs, :class:`Cancelled`, :class:`DeviceOutOfMemory`.
        """
        from .geo.stack import open_stack

        _check_question(question, self._known_regions())
        if progress:
            progress(0.0, "reading inputs")
        stack = open_stack(optical=optical, sar=sar, dates=dates, aoi=aoi,
                           optical_bands=_bands(optical_bands), sar_bands=_bands(sar_bands),
                           check_size=overview_size or self.image_size)
        return self.ask_stack(question, stack, choices, progress, cancelled, tile_size, overview_size,
                              overlap)

    def _known_regions(self) -> tuple[str, ...]:
        """The region names the model reads beside its classes' (a fine-tuned adapter's class names)."""
        return tuple(getattr(self.predictor, "known_regions", ()) or ())

    def ask_stack(self, question: str, stack, choices=None, progress=None, cancelled=None,
                  tile_size: int = 512, overview_size: int | None = None, overlap: int = 64) -> Answer:
        """:meth:`ask` on inputs already opened with :func:`engine.geo.stack.open_stack`."""
        from .pipeline import AskConfig
        from .pipeline import ask as run

        question = _check_question(question, self._known_regions())
        if choices is not None:
            choices = [c.strip() for c in choices if c and c.strip()]
            if len(choices) == 1:
                raise InputError("give at least two choices, or none for a free answer")
            if len(choices) > 8:
                raise InputError(f"{len(choices)} choices given; at most 8 are supported")
        if tile_size < 32 or not 0 <= overlap < tile_size // 2:
            raise InputError(f"tile size must be >= 32 px and the overlap below half of it "
                             f"(got {tile_size}, {overlap})")
        cfg = AskConfig(tile_size=tile_size, overlap=overlap, overview_size=overview_size)
        try:
            import torch

            with torch.inference_mode():
                return run(self.predictor, self.image_size, question, stack, choices or None, cfg, progress,
                           cancelled, self.device, self.make_images)
        except RuntimeError as err:
            if "out of memory" in str(err).lower():
                raise DeviceOutOfMemory("the GPU ran out of memory: choose a smaller area of interest, a "
                                        "smaller tile size, or device='cpu'")
            raise


def _check_question(question, known: tuple[str, ...] = ()) -> str:
    """``question`` stripped; :class:`InputError` when it is empty or does not read as English (``known``: the class
    names of a fine-tuned adapter, which may be in any language)."""
    from .question_language import reads_as_english

    question = (question or "").strip()
    if not question:
        raise InputError('the question is empty; ask something, e.g. "What share of the area is water?"')
    if not reads_as_english(question, known):
        raise InputError('the question does not read as English; TerraScope reads questions in English, e.g. '
                         '"What share of the area is water?"')
    return question


def _bands(bands):
    """"4,3,2" or [4, 3, 2] -> [4, 3, 2] (1-based)."""
    if bands is None or bands == "":
        return None
    if isinstance(bands, str):
        try:
            bands = [int(b) for b in bands.replace(" ", "").split(",") if b]
        except ValueError:
            raise InputError(f"band list {bands!r} is not comma-separated band numbers such as 4,3,2")
    bands = [int(b) for b in bands]
    if any(b < 1 for b in bands):
        raise InputError("band numbers start at 1 (as in GDAL)")
    return bands


def _model_device(model):
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration, TypeError):
        return None


def _check_folder(folder: Path) -> None:
    weights = any(p.suffix in (".safetensors", ".bin", ".pt") for p in folder.iterdir())
    if not any(folder.glob("*.json")) or not weights:
        raise ModelError(f"{folder} holds no model (expected a config .json and .safetensors weights); "
                         "pass the folder written by `terrascope train`")


def _load_folder(folder: Path, device):
    from .model import checkpoint

    try:
        return checkpoint.load(os.fspath(folder), device=device)
    except (FileNotFoundError, OSError, ValueError, KeyError) as err:
        raise ModelError(f"cannot load the model in {folder}: {_first_line(err)}")


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else repr(err)


def _load_adapter(model, adapter):
    folder = Path(adapter)
    if not folder.is_dir():
        raise ModelError(f"adapter folder not found: {folder}")
    from .model import checkpoint

    try:
        return checkpoint.load_adapter(model, os.fspath(folder))
    except (FileNotFoundError, OSError, ValueError, KeyError) as err:
        raise ModelError(f"cannot load the adapter in {folder}: {_first_line(err)}")
