"""The flow of one question: co-registered inputs -> overview -> grounded decoding with exact measurements
fed back as text -> per-step refinement at native resolution, tile by tile -> polygons and measurements.

The predictor is anything with the ``GroundedPredictor`` interface: ``set_images(images)``,
``answer(question, choices, measure=..., progress=..., cancelled=...)`` and
``predict_mask(seg_embedding, date_index, images)``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from .answer import Answer, Step
from .data.measure import mean_pixel_m
from .errors import Cancelled
from .geo.measuring import distances, measurement_for
from .geo.refine import refine_tiles
from .geo.patches import NATIVE_MARGIN_PX, grown
from .geo.resample import resize_prob, sample_nearest
from .geo.stack import InputStack, StackArrays
from .geo.tiling import MaskRaster
from .geo.vectorizing import vectorize
from .geo.writer import step_features
from .trace_format import format_measurement, parse_step_label

log = logging.getLogger(__name__)
Progress = Callable[..., None]
MAX_LABEL = 120  # characters of a step's phrase kept as the layer label


@dataclass
class AskConfig:
    """Knobs of one question. Sizes in pixels."""

    tile_size: int = 512  # native-resolution tile for mask refinement
    overlap: int = 64  # pixels shared by neighbouring tiles (half of it is context dropped at stitching)
    overview_size: int | None = None  # None: the model's image size
    threshold: float = 0.5  # mask probability threshold
    refine: bool = True  # False: upsample the overview masks instead of refining tile by tile
    # multiple choice: answer with the option the exact measurements in the trace imply (numeric ranges,
    # rankings, adjacency, "no such region") when they imply one; the language model's own letter is kept
    # as Answer.model_choice. Free answers of the form "<region>, <area>" are restated with the refined step's
    # area (and share, for a share question; engine.eval.reader.free_answer_from_steps); the model's own text
    # stays in Answer.text
    measured_choice: bool = True


def to_model_images(arrays: StackArrays, has_optical: np.ndarray, has_sar: np.ndarray, device=None):
    """StackArrays (T dates, S x S) -> ``engine.model.inputs.ModelImages`` of torch tensors."""
    import torch

    from .model.inputs import ModelImages

    def t(x, dtype=torch.float32):
        return None if x is None else torch.from_numpy(np.ascontiguousarray(x)).to(device=device, dtype=dtype)

    return ModelImages(optical=t(arrays.optical), sar=t(arrays.sar), valid=t(arrays.valid, torch.bool),
                       has_optical=t(np.asarray(has_optical), torch.bool),
                       has_sar=t(np.asarray(has_sar), torch.bool), nir=t(arrays.nir))


def _progress(progress: Progress | None, lo: float, hi: float, message: str) -> Callable[..., None]:
    """A callback mapping (fraction) or (done, total) onto lo..hi of ``progress(fraction, message)``."""

    def cb(*args, **_):
        if progress is None or not args:
            return
        try:
            pair = len(args) > 1 and not isinstance(args[1], str)
            frac = float(args[0]) / float(args[1]) if pair else float(args[0])
        except (TypeError, ValueError, ZeroDivisionError):
            return
        progress(lo + (hi - lo) * min(max(frac, 0.0), 1.0), message)

    return cb


def _modality(mods, has_optical: bool, has_sar: bool) -> str:
    """Which modalities a step's injected tokens came from: ``optical``, ``sar`` or ``optical+sar``."""
    if isinstance(mods, str):
        return mods
    names = []
    try:
        for m in list(mods or []):
            m = m if isinstance(m, str) else ("sar" if int(m) else "optical")
            names.append(m)
    except (TypeError, ValueError):
        names = []
    order = {"optical": 0, "sar": 1}
    used = sorted(set(names), key=lambda n: (order.get(n, 2), n))
    if used:
        return "+".join(used)
    return "+".join(n for n, ok in (("optical", has_optical), ("sar", has_sar)) if ok)


def ask(predictor, image_size: int, question: str, stack: InputStack, choices: list[str] | None = None,
        config: AskConfig | None = None, progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None, device=None, make_images=None) -> Answer:
    """Answer ``question`` over ``stack``. ``progress(fraction 0..1, message)``; ``cancelled()`` is polled
    between steps and tiles (raises :class:`Cancelled`). ``make_images(arrays, has_optical, has_sar,
    device)`` turns StackArrays into the predictor's image input (default :func:`to_model_images`). Returns an
    :class:`Answer` whose steps hold full-resolution masks, polygons and geodesic measurements."""
    cfg = config or AskConfig()
    make_images = make_images or to_model_images
    t0 = time.perf_counter()
    size = cfg.overview_size or image_size
    ov, ov_t = stack.overview(size)
    has_opt, has_sar = stack.has_optical, stack.has_sar
    h0 = max(1, round(stack.height * size / max(stack.width, stack.height)))
    w0 = max(1, round(stack.width * size / max(stack.width, stack.height)))
    _check(cancelled)
    if progress:
        progress(0.05, "overview read")
    images = make_images(_resized(ov, image_size), has_opt, has_sar, device)
    if hasattr(images, "pixel_m"):  # the model grid's pixel side: rules that measure patches read it
        images = replace(images, pixel_m=mean_pixel_m(ov_t, stack.crs) * size / image_size)
    predictor.set_images(images)
    native_pixel_m = mean_pixel_m(stack.transform, stack.crs)
    earlier: list[tuple[int, np.ndarray]] = []

    def measure(mask_prob, date_index: int = 0, *_, **__) -> str:
        """Exact measurement of a step's overview mask, as text for the model's context."""
        prob = _numpy(mask_prob)
        prob = resize_prob(prob, (size, size)) if prob.shape != (size, size) else prob
        d = min(int(date_index), stack.n_dates - 1)
        mask = prob >= cfg.threshold
        aoi_valid = ov.aoi & ov.valid[d]
        m = measurement_for(mask, ov_t, stack.crs, aoi_valid, list(earlier))
        earlier.append((len(earlier) + 1, mask & aoi_valid))
        return format_measurement(m)

    out = predictor.answer(question, choices, measure=measure,
                           progress=_progress(progress, 0.05, 0.5, "reasoning"), cancelled=cancelled)
    _check(cancelled)
    steps: list[Step] = []
    n = max(1, len(out.steps))
    for k, gs in enumerate(out.steps):
        _check(cancelled)
        d = min(int(gs.date_index), stack.n_dates - 1)
        prob = _numpy(gs.mask_prob)
        prob = resize_prob(prob, (size, size)) if prob.shape != (size, size) else prob
        has_region = bool(((prob >= cfg.threshold) & ov.aoi & ov.valid[d]).any())
        tick = _progress(progress, 0.5 + 0.45 * k / n, 0.5 + 0.45 * (k + 1) / n, f"refining step {k + 1}")
        # a new region outside an earlier step's: that step's full-resolution mask
        outside = next((s.mask_raster for s in steps if s.index == getattr(gs, "outside_of", None)), None)
        # a change of classes is two masks' difference: sampled from the model's grid (StepRules.refined_natively)
        natively = getattr(predictor, "refined_natively", None)
        if has_region and cfg.refine and (natively is None or natively(gs.text, d)):
            # kept patches (the largest, or those next to a region): the native mask stays near the patches
            # the trace kept (the overview's own probabilities, sampled below when refinement is off, hold
            # those patches alone already)
            within = ((grown(prob >= cfg.threshold, NATIVE_MARGIN_PX), ov_t)
                      if _for_step(predictor, "keeps_patches_for", gs) else None)

            def predict(arrays: StackArrays, _gs=gs, _d=d):  # arrays hold the step's date alone
                images = make_images(arrays, has_opt[_d:_d + 1], has_sar[_d:_d + 1], device)
                if hasattr(images, "pixel_m") and arrays.transform is not None:  # the tile's grid, for the rules
                    images = replace(images, pixel_m=mean_pixel_m(arrays.transform, stack.crs))
                return _numpy(predictor.predict_mask(_gs.seg_embedding, 0, images, _gs.text))

            mask, stitched = refine_tiles(stack, predict, d, cfg.tile_size, cfg.overlap, model_size=image_size,
                                          threshold=_native_level(predictor, gs, native_pixel_m, cfg.threshold),
                                          progress=tick,
                                          cancelled=cancelled, only_date=True,
                                          guided=getattr(predictor, "guided", None),
                                          signatures=_for_step(predictor, "signatures_for", gs),
                                          half=_for_step(predictor, "half_for", gs), outside=outside,
                                          within=within, water=_for_step(predictor, "water_index_for", gs),
                                          pixel_m=native_pixel_m)
        elif has_region:
            mask, stitched = refine_tiles(stack, _OverviewSampler(prob, ov_t), d, cfg.tile_size, cfg.overlap,
                                          threshold=cfg.threshold, progress=tick, cancelled=cancelled,
                                          half=_for_step(predictor, "half_for", gs), outside=outside)
        else:  # no region: nothing to read at native resolution
            mask, stitched = MaskRaster.empty(stack.width, stack.height, stack.transform, stack.crs), None
        polys = vectorize(mask)
        label = " ".join((getattr(gs, "label", None) or parse_step_label(gs.text)).split())
        label = label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"
        date = f"t{d + 1}"
        area, share = (stitched.area_m2, stitched.share) if stitched else (0.0, 0.0)
        model_conf = _float(getattr(gs, "confidence", 0.0)) or 0.0
        conf = stitched.confidence if stitched and stitched.pixel_count else model_conf
        feats = step_features(polys, gs.index, label, date, area, share, conf)
        steps.append(Step(index=int(gs.index), text=gs.text, label=label, date=date,
                          modality=_modality(getattr(gs, "modalities", None), bool(has_opt[d]),
                                             bool(has_sar[d])),
                          transform=stack.transform, crs=stack.crs, area_m2=area,
                          perimeter_m=float(feats["perimeter_m"].sum()), share=share,
                          confidence=conf,
                          geometry=feats, probability=prob[:h0, :w0] if prob.ndim == 2 else prob,
                          overview_transform=ov_t, date_index=d,
                          iou_pred=_float(getattr(gs, "iou_pred", None)), mask_raster=mask,
                          emptied=str(getattr(gs, "emptied", "") or "")))
    pairs = []
    for i, a in enumerate(steps):
        for b in steps[i + 1:]:
            if len(a.geometry) and len(b.geometry):
                dist = distances(a.geometry, b.geometry)
                pairs.append({"from": a.index, "to": b.index, "metres": dist["min_m"],
                              "centroid_m": dist["centroid_m"], "adjacent": dist["adjacent"],
                              "shared_boundary_m": dist["shared_boundary_m"]})
    if progress:
        progress(1.0, "done")
    rgb = _overview_rgb(ov, h0, w0)
    # a letter answers only a question with options
    answer_text, choice, choice_measured = out.answer, (out.choice if choices else None), None
    if cfg.measured_choice and choices:
        from .eval.reader import answer_from_measurements

        measured = answer_from_measurements(list(choices), out.text)
        choice_measured = bool(measured)
        if measured and measured != choice:
            choice = measured
            answer_text = measured if answer_text.strip().strip("().") in ("", out.choice or "") else answer_text
    elif cfg.measured_choice:
        from .eval.reader import free_answer_from_steps, free_comparison_answer, free_distance_answer
        from .question_kinds import kind_answer

        # the trace's area was measured on the overview grid; the step layers hold the refined one; a question
        # about how far two regions lie is answered by their distance, one comparing two by their areas, one
        # counting a class by its layer's patches (engine.question_kinds)
        answer_text = (free_distance_answer(question, steps, pairs) or free_comparison_answer(question, steps)
                       or kind_answer(question, steps, getattr(predictor, "known_regions", ()))
                       or free_answer_from_steps(answer_text, steps, question) or answer_text)
    return Answer(question=question, answer=answer_text, choice=choice, model_choice=out.choice,
                  choice_measured=choice_measured,
                  steps=steps, distances=pairs,
                  seconds=time.perf_counter() - t0, transform=stack.transform, crs=stack.crs, text=out.text,
                  choices=list(choices) if choices else None, overview_rgb=rgb,
                  meta={"width": stack.width, "height": stack.height, "dates": stack.n_dates})


def _check(cancelled) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("cancelled; nothing was written")


def _numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().float().cpu().numpy()
    x = np.asarray(x, dtype=np.float32)
    return x.reshape(x.shape[-2:]) if x.ndim > 2 else x


def _float(x) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _resized(a: StackArrays, size: int) -> StackArrays:
    """The overview at the model's image size (only when an explicit overview size differs from it)."""
    s = a.aoi.shape[0]
    if s == size:
        return a
    from .geo.resample import resize_mask

    def r(x):
        if x is None:
            return None
        flat = x.reshape(-1, s, s)
        return np.stack([resize_prob(c, (size, size)) for c in flat]).reshape(x.shape[:-2] + (size, size))

    valid = np.stack([resize_mask(v, (size, size)) for v in a.valid])
    from affine import Affine

    t = a.transform @ Affine.scale(s / size) if a.transform is not None else None
    return StackArrays(r(a.optical), r(a.sar), valid, resize_mask(a.aoi, (size, size)), t, r(a.nir))


def _overview_rgb(a: StackArrays, h: int, w: int) -> np.ndarray:
    """(3, h, w) [0, 1] picture of the first date: optical RGB, else SAR as VV, VH, VV."""
    if a.optical is not None:
        t = next((i for i in range(a.optical.shape[0]) if a.optical[i].any()), 0)
        rgb = a.optical[t, :, :h, :w]
    else:
        vv, vh = a.sar[0, 0, :h, :w], a.sar[0, 1, :h, :w]
        rgb = np.stack([vv, vh, vv])
    # stretch for display: the model's inputs are reflectance / 0.3, usually dark
    hi = np.percentile(rgb[:, a.aoi[:h, :w]], 98) if a.aoi[:h, :w].any() else 1.0
    return np.clip(rgb / max(float(hi), 1e-3), 0, 1).astype(np.float32)


def _for_step(predictor, choice: str, step):
    """What the predictor's ``choice`` method (``signatures_for``: the class-signature blending of
    engine.geo.signatures; ``half_for``: the half of the area kept, engine.geo.places) says for ``step``, or
    None when the predictor has no such method."""
    pick = getattr(predictor, choice, None)
    return pick(getattr(step, "text", "")) if pick is not None else None


def _native_level(predictor, step, pixel_m: float, threshold: float) -> float:
    """The probability level at which ``step``'s native tiles (``pixel_m`` metres) are cut: its class's own where
    the predictor sets one (``mask_level_for``), else ``threshold``."""
    own = getattr(predictor, "mask_level_for", None)
    default = getattr(getattr(predictor, "config", None), "mask_threshold", threshold)
    level = own(getattr(step, "text", ""), pixel_m) if own is not None else default
    return threshold if level == default else level


class _OverviewSampler:
    """Tile predictor returning the overview probabilities sampled (nearest) onto the tile's grid: used when
    refinement is off, and with ``prob=None`` (all zeros) for steps without a region."""

    def __init__(self, prob: np.ndarray | None, ov_t):
        self.prob, self.ov_t = prob, ov_t

    def __call__(self, arrays: StackArrays) -> np.ndarray:
        if self.prob is None or arrays.transform is None:
            return np.zeros(arrays.aoi.shape, np.float32)
        return sample_nearest(self.prob, self.ov_t, arrays.transform, arrays.aoi.shape)
