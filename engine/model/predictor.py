"""Grounded decoding: encode the images once, prefill, then greedy decoding with the KV cache; every
``[SEG]`` produces a mask on the features of the date named by the latest date token, the visual tokens the
mask covers are appended to the KV cache (optical or SAR per position, by relevance), and the exact
measurement of the mask is appended as text before decoding continues."""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from .. import trace_format as tf
from ..answer import EMPTIED_NOT_WATER, EMPTIED_TOO_SMALL, EMPTIED_UNCHANGED, EMPTIED_UNSURE
from ..errors import Cancelled, ModelError
from ..geo.class_change import class_change
from ..geo.guided import GuidedConfig, moved_level
from ..geo.landing import landing_patches
from ..geo.patches import MERGE_PX, largest_patch, nearest_patch, patches_near, without_small_patches
from ..geo.signatures import SignatureConfig
from ..geo.water_index import WaterIndexConfig
from .config import CLASS_THRESHOLD_LABEL, class_shares
from .decoding import CachedDecoder, check_options, compiled_step, initial_capacity
from .device import cpu_threads, oom_guard
from .flips import encode_flipped, ground_step, symmetry_views
from .injection import gather_injected, mask_to_token_positions
from .inputs import ModelImages
from .land_cover import blended_class, class_probabilities, class_threshold, class_weight, reads_any_date
from .line_grammar import LineOpeners, at_line_start, line_head
from .network import ImageFeatures, TerraScopeModel
from .scene_bands import banded, dates_contrast, kept, not_water, radar_placed, within_half
from .step_rules import StepRules, step_naming
from .tokens import chat_prompt, encode, image_order

_ANSWER_DONE = re.compile(r"Answer:[^\n]*\S[^\n]*\n")
_STEP_OPENED = re.compile(r"Step\s+\d+:$")
_IN_ANSWER_LINE = re.compile(r"(?:^|\n)Answer:[^\n]*$")
_ANSWER_OPENED = re.compile(r"(?:^|\n)Answer:")
MODALITY_NAMES = ("optical", "sar")
GUIDED_RADIUS = 8  # model-grid pixels: two decoder cells, where a quarter-size decoder's boundary is unsure
SIGNATURE_WEIGHT = 0.5  # the bands' posterior as much as the decoder's probability
LAND_COVER_WEIGHT = 0.5  # the land-cover head as much as the decoder, where it is asked for by hand


@dataclass
class GroundedStep:
    """One grounded reasoning step. ``mask_prob``: (S, S) float32 probabilities in the model's image grid;
    ``date_index``: 0-based; ``modalities``: the modality of each injected visual token; ``confidence``: mean
    mask probability inside the mask (0 when empty); ``iou_pred``: the mask decoder's IoU estimate;
    ``seg_embedding``: (D,) the ``[SEG]`` hidden state, enough to decode the same step's mask on another tile
    (:meth:`GroundedPredictor.predict_mask`); ``emptied``: why the mask was emptied ("" when it was not;
    then ``suppressed`` is true, ``mask_prob`` is all zeros and nothing was injected, and ``confidence`` keeps
    the value that was judged)."""

    index: int
    text: str
    label: str
    date_index: int
    mask_prob: np.ndarray
    modalities: list[str]
    confidence: float
    iou_pred: float
    seg_embedding: torch.Tensor
    measurement: str = ""
    positions: list[int] = field(default_factory=list)  # injected token positions (row-major in the grid)
    # why the mask was emptied: "" (it was not), engine.answer.EMPTIED_UNSURE (confidence below
    # config.empty_below_confidence), EMPTIED_UNCHANGED (change contrast below config.change_below_contrast),
    # EMPTIED_TOO_SMALL (fewer marked pixels than config.min_mask_pixels) or EMPTIED_NOT_WATER (a water mask the
    # water index does not read as water)
    emptied: str = ""
    # a change step's contrast of the dates inside its mask (engine.geo.change_evidence), None when not judged
    change_contrast: float | None = None
    # whether the confidence gate judged this mask (not for a change of classes: its classes were judged)
    confidence_judged: bool = True
    # index of the earlier step whose mask this new region was cut to lie outside of
    # (trace_format.new_region_outside), else None
    outside_of: int | None = None

    @property
    def suppressed(self) -> bool:
        """The mask was emptied (``emptied`` says why): it marks nothing and nothing was injected."""
        return bool(self.emptied)


@dataclass
class GroundedOutput:
    """``text``: the whole trace (measurements included); ``answer`` / ``choice``: from the ``Answer:`` line."""

    text: str
    answer: str
    choice: str | None
    steps: list[GroundedStep]
    n_tokens: int = 0
    seconds: float = 0.0


def pixel_share_measure(mask_prob: np.ndarray, date_index: int = 0, valid: np.ndarray | None = None) -> str:
    """Default measurement when the caller gives none: pixels as m2 and their share of the valid pixels."""
    inside = mask_prob > 0.5
    if valid is not None:
        inside &= valid
    total = int(valid.sum()) if valid is not None else inside.size
    return tf.format_measurement(tf.Measurement(float(inside.sum()), float(inside.sum()) / max(total, 1)))


def mean_inside(prob: torch.Tensor, threshold: float) -> float:
    """A mask's confidence: the mean probability of ``prob`` (S, S) above ``threshold``; 0 when none is."""
    inside = prob > threshold
    return float(prob[inside].mean()) if bool(inside.any()) else 0.0


def _latest_region(earlier: list, date: int, threshold: float) -> np.ndarray | None:
    """(S, S) bool: the mask of the latest step of ``earlier`` that marks a region, on ``date`` where one does, else
    on any date (the model may write the second region of a pair on another date); None when no step marks one."""
    marked = [s for s in earlier if bool((s.mask_prob > threshold).any())]
    same_date = [s for s in marked if int(s.date_index) == int(date)]
    latest = (same_date or marked or [None])[-1]
    return None if latest is None else np.asarray(latest.mask_prob > threshold)


class GroundedPredictor(StepRules):
    """``set_images`` once per question (or tile), then ``answer``. ``prefix_mode``: ``cache`` (append to
    the KV cache), ``recompute-seg`` (re-run the whole prefix after each injection) or ``recompute-token``
    (no cache at all); the last two exist to measure what the cache saves. ``cache``: ``dynamic`` or
    ``static``; ``compile_steps``: single-token steps through ``torch.compile`` (static cache only; CUDA
    graphs on a GPU). See :mod:`engine.model.decoding`. ``flip_average``: average every mask over the images
    and their flips (:mod:`engine.model.flips`; with the config's ``flip_transposes``, their transposes too);
    None -> the model config's ``flip_average``.
    ``sharpen_masks``: move every kept mask's boundary onto the edges of its date's bands
    (:mod:`engine.geo.guided`, the model config's ``guided_radius`` and ``guided_eps``); None -> as the config
    says, True with a config radius of 0 -> :data:`GUIDED_RADIUS`. ``class_signatures``: blend every kept
    mask of a step that names a class alone with a classifier of its date's bands seeded by the mask
    (:mod:`engine.geo.signatures`, the config's ``signature_weight``); None -> as the config says, True with a
    config weight of 0 -> :data:`SIGNATURE_WEIGHT`.
    ``clip_places``, ``relate_changes``, ``one_patch``, ``patch_from_class``, ``next_to``, ``reference_steps``,
    ``change_from_classes``, ``water_index``, ``landing_sites``, ``building_context``, ``water_evidence``,
    ``radar_placement``, ``head_presence``, ``head_over_signature``, ``water_bodies_apart``: the rules
    a step's phrase asks of its kept mask (:class:`engine.model.step_rules.StepRules`); ``change_from_classes`` None
    -> as the model config says.
    ``judge_only``: measure every step's confidence and change contrast but empty none (the gates' calibration,
    :mod:`engine.eval.calibration`).
    ``land_cover``: blend every kept class step with the model's dense land-cover head
    (:mod:`engine.model.land_cover`, the config's ``land_cover_weight``); None -> as the config says; off when the
    model has no head.
    ``plan_phrases``: when the options or the question fix which regions the steps name (rankings, distance,
    boundary and change questions: :meth:`engine.model.step_rules.StepRules.planned_steps`), each opened step's
    phrase (and a change question's date) is written for the model, so every named region is grounded and
    measured once; masks, measurements and the answer stay the model's."""

    def __init__(self, model: TerraScopeModel, tokenizer, prefix_mode: str = "cache", max_new_tokens: int = 160,
                 threads: int | None | str = "auto", cache: str = "dynamic", compile_steps: bool = False,
                 flip_average: bool | None = None, plan_phrases: bool = True, sharpen_masks: bool | None = None,
                 class_signatures: bool | None = None, clip_places: bool = True, relate_changes: bool = True,
                 one_patch: bool = True, patch_from_class: bool = True, next_to: bool = True,
                 change_from_classes: bool | None = None, water_index: bool = True, judge_only: bool = False,
                 reference_steps: bool = True, landing_sites: bool = True, building_context: bool = True,
                 water_evidence: bool = True, radar_placement: bool = True, land_cover: bool | None = None,
                 head_presence: bool = True, head_over_signature: bool = True, water_bodies_apart: bool = True):
        check_options(prefix_mode, cache, compile_steps)
        self.model, self.tokenizer, self.prefix_mode = model, tokenizer, prefix_mode
        self.cache_kind = cache
        self._step_fn = compiled_step(model) if compile_steps else None
        self.max_new_tokens = max_new_tokens  # default cap of answer()
        # "auto": one CPU thread for a small model (see device.cpu_threads)
        self.threads = threads
        self.config = model.config
        self.flip_average = bool(model.config.flip_average if flip_average is None else flip_average)
        radius = model.config.guided_radius or (GUIDED_RADIUS if sharpen_masks else 0)
        self.guided = GuidedConfig(0 if sharpen_masks is False else radius, model.config.guided_eps)
        weight = model.config.signature_weight or (SIGNATURE_WEIGHT if class_signatures else 0.0)
        if change_from_classes is None:
            change_from_classes = bool(model.config.change_from_classes)
        super().__init__(SignatureConfig(0.0 if class_signatures is False else weight), clip_places,
                         relate_changes, one_patch, patch_from_class, next_to, change_from_classes,
                         WaterIndexConfig.turned(water_index), plan_phrases, reference_steps, landing_sites,
                         building_context, water_evidence, radar_placement,
                         land_cover is not False and model.land_cover is not None, head_presence,
                         head_over_signature, water_bodies_apart)
        # the share of the head's class probability in a class step; the head's own setting when asked for by hand
        self.land_cover_weight = model.config.land_cover_weight or (LAND_COVER_WEIGHT if land_cover else 0.0)
        # where a class's share differs
        self.land_cover_class_weights = class_shares(model.config.land_cover_class_weights)
        # where a class step's blended probability needs another level than mask_threshold
        self.land_cover_class_thresholds = class_shares(model.config.land_cover_class_thresholds,
                                                        CLASS_THRESHOLD_LABEL)
        self.gates = not judge_only
        self.images: ModelImages | None = None
        self.features: ImageFeatures | None = None
        self.flipped: list = []  # [(view, features of the images seen through it)] when flip averaging
        self._class_probs: dict[int, torch.Tensor | None] = {}  # the land-cover head's, per date of self.images
        self._by_name = False  # the question's class steps grounded as each class named alone (classes_by_name)
        self._line_openers = LineOpeners.of(tokenizer, model.config.eos_token_id)

    @property
    def image_size(self) -> int:
        return self.config.image_size

    @torch.no_grad()
    def set_images(self, images: ModelImages) -> None:
        """Encode every image of every date once (visual tokens + SAM features)."""
        images.check(self.image_size)
        self.images = images.to(self.model.device)
        self._class_probs = {}
        with oom_guard(), cpu_threads(self._threads()):
            self.features, self.flipped = self._encode(self.images)

    def _encode(self, images: ModelImages) -> tuple[ImageFeatures, list]:
        """(features of ``images``, features of their flips when flip averaging, else [])."""
        flipped = encode_flipped(self.model, images, self.config.flip_transposes) if self.flip_average else []
        return self.model.encode_images(images), flipped

    # ---- decoding ----------------------------------------------------------------------------------------
    @torch.no_grad()
    def answer(self, question: str, choices: list[str] | None = None, measure: Callable[..., str] | None = None,
               progress: Callable[[float, str], None] | None = None, cancelled: Callable[[], bool] | None = None,
               max_new_tokens: int | None = None) -> GroundedOutput:
        """Answer ``question`` about the images given to :meth:`set_images`.

        ``measure(mask_prob (S, S) float32, date_index) -> str`` is called after each mask; its text (the
        trace grammar's measurement) is appended to the context. ``cancelled()`` is polled every token
        (raises :class:`Cancelled`); ``progress(fraction, message)``; ``max_new_tokens``: None -> the
        predictor's cap.
        """
        if self.features is None:
            raise ModelError("no images: call set_images(images) before answer(...)")
        with oom_guard(), cpu_threads(self._threads()):
            return self._answer(question, choices, measure, progress, cancelled,
                                max_new_tokens or self.max_new_tokens)

    def _threads(self) -> int | None:
        if self.threads != "auto":
            return self.threads
        if self.model.device.type != "cpu":
            return None
        small = sum(p.numel() for p in self.model.parameters()) < 100_000_000
        return 1 if small else None

    def _answer(self, question, choices, measure, progress, cancelled, max_new_tokens) -> GroundedOutput:
        t0 = time.perf_counter()
        m, cfg, tok = self.model, self.config, self.tokenizer
        dev = m.device
        has_o, has_s = self.images.has_optical.tolist(), self.images.has_sar.tolist()
        prompt = chat_prompt(tf.format_prompt(question, choices), has_o, has_s, cfg.tokens_per_image)
        ids = torch.tensor([encode(tok, prompt)], device=dev)
        embeds = self._prompt_embeds(ids, has_o, has_s)
        capacity = initial_capacity(ids.shape[1], max_new_tokens, cfg.max_injected_tokens)
        dec = CachedDecoder(m, self.prefix_mode, self.cache_kind, capacity, self._step_fn)
        hidden = dec.feed(embeds)
        logits = m.logits(hidden[:, -1])
        date_ids = {t: i for i, t in enumerate(cfg.date_token_ids)}
        cur_date = self.images.n_dates - 1
        parts: list[str] = []
        pending: list[int] = []  # generated ids since the last step boundary
        running = ""
        steps: list[GroundedStep] = []
        plan, plan_dates = self.planned_steps(question, choices, self.images.n_dates)
        self._by_name = self.classes_by_name(question, choices)
        opened = None  # (decoder mark, len(pending), len(running)) just after the open step's "Step N:"

        def force(text: str, seg: bool = False) -> torch.Tensor:
            """Feed ``text`` (and a ``[SEG]``) as if the model had written it -> its hidden states."""
            nonlocal pending, running
            ids = encode(tok, text) + ([cfg.seg_token_id] if seg else [])
            pending += ids
            running += tok.decode(ids)
            return dec.feed(m.embed_ids(torch.tensor([ids], device=dev)))

        def close_step(seg_hidden: torch.Tensor) -> torch.Tensor:
            """Ground the step written since the last one, feed its measurement -> the hidden states."""
            nonlocal pending, running
            step_text = tok.decode(pending).strip()
            parts.append(tok.decode(pending))
            pending = []
            step, meas_ids = self._ground(len(steps) + 1, step_text, seg_hidden, cur_date, dec, measure, steps)
            steps.append(step)
            parts.append(" " + step.measurement)
            running += " " + step.measurement
            if progress:
                progress(n_new / max_new_tokens, f"step {len(steps)}")
            return dec.feed(m.embed_ids(torch.tensor([meas_ids], device=dev)))

        n_new = 0
        for n_new in range(1, max_new_tokens + 1):
            if cancelled is not None and cancelled():
                raise Cancelled("cancelled; nothing was written")
            nxt = None
            if at_line_start(running):
                head = None if _ANSWER_OPENED.search(running) else line_head(
                    logits[0], self._line_openers, len(steps), len(plan))
                if head is None:
                    break
                hidden = force(head)
            else:
                nxt = int(logits[0].argmax())
                if nxt == cfg.eos_token_id:
                    break
                if nxt == cfg.seg_token_id and _IN_ANSWER_LINE.search(running):
                    # a [SEG] inside the answer line opens no step (trace grammar): no mask, no layer, and the
                    # answer line ends there
                    break
                pending.append(nxt)
                running += tok.decode([nxt])
                if nxt in date_ids:
                    cur_date = min(date_ids[nxt], self.images.n_dates - 1)
                hidden = dec.feed(m.embed_ids(torch.tensor([[nxt]], device=dev)))
            if nxt == cfg.seg_token_id:
                step_text = tok.decode(pending).strip()
                reference = self.missing_reference(step_text, cur_date, steps) if opened else None
                if reference is not None:
                    # the region the step's patches lie next to is grounded first, as a step of its own
                    dec.rewind(opened[0])
                    pending, running = pending[:opened[1]], running[:opened[2]]
                    hidden = close_step(force(f" {reference}. {tf.date_token(cur_date)} ", seg=True)[0, -1])
                    head = tf.format_step_head(len(steps) + 1, tf.parse_step_label(step_text), cur_date)
                    hidden = force("\n" + head[:-len(tf.SEG_TOKEN)], seg=True)
                hidden = close_step(hidden[0, -1])
                opened = None
            elif _STEP_OPENED.search(running.rstrip()):
                opened = (dec.mark(), len(pending), len(running))
                if len(steps) < len(plan):
                    head = f" {plan[len(steps)]}."  # as the model would write it (trace grammar)
                    if plan_dates:
                        cur_date = plan_dates[len(steps)]
                        head += f" {tf.date_token(cur_date)}"
                    hidden = force(head)
            elif progress and n_new % 16 == 0:
                progress(n_new / max_new_tokens, "reasoning")
            logits = m.logits(hidden[:, -1])
            if _ANSWER_DONE.search(running):
                break
        parts.append(tok.decode(pending))
        text = "".join(parts).strip()
        # parse_answer needs a non-empty answer text
        answer, choice = (tf.parse_answer(text, len(choices or [])) if re.search(r"Answer:\s*\S", text)
                          else ("", None))
        if progress:
            progress(1.0, "answered")
        return GroundedOutput(text, answer, choice, steps, n_new, time.perf_counter() - t0)

    def _prompt_embeds(self, ids: torch.Tensor, has_o: list[bool], has_s: list[bool]) -> torch.Tensor:
        """(1, L) prompt ids -> (1, L, D) with every ``<IMG_CONTEXT>`` replaced by its visual token."""
        embeds = self.model.embed_ids(ids)
        order = image_order(has_o, has_s)
        vis = torch.cat([self.features.tokens[t, mod] for t, mod in order]).to(embeds.dtype)  # (M*N, D)
        slots = ids[0] == self.config.image_token_id
        if int(slots.sum()) != vis.shape[0]:
            raise ModelError(f"prompt has {int(slots.sum())} image slots for {vis.shape[0]} visual tokens")
        embeds[0, slots] = vis
        return embeds

    def _ground(self, index: int, step_text: str, seg_hidden: torch.Tensor, date: int, dec: CachedDecoder,
                measure, earlier: list[GroundedStep]) -> tuple[GroundedStep, list[int]]:
        """Mask for one ``[SEG]``, token injection into the cache, measurement text; ``earlier``: the trace's
        steps so far. -> (step, its ids)."""
        m, cfg, feats = self.model, self.config, self.features
        change = self.change_for(step_text, date)
        if change is not None:  # the difference of the classes on the two dates
            # each class was judged by the confidence gate where it was grounded; whether it changed is the
            # change contrast's to judge (below), not the probability inside the difference, which runs low
            # along the class boundaries a change lies on
            out, prob, source = self._class_change(change, date, earlier)
            confidence, emptied, outside_of = mean_inside(prob, cfg.mask_threshold), "", None
        else:
            out, prob, confidence, emptied, outside_of, seg_hidden = self._step_mask(step_text, seg_hidden, date,
                                                                                     earlier)
        contrast = None if emptied else self._change_contrast(step_text, prob, date)
        if self.gates and contrast is not None and contrast < cfg.change_below_contrast:  # unchanged "change"
            emptied, prob = EMPTIED_UNCHANGED, torch.zeros_like(prob)
        if not emptied and self.placed_by_radar(change):  # after the gate, which judges the masks' difference
            prob = radar_placed(prob, source, self.images, date, cfg.mask_threshold)
        if self.gates and not emptied and 0 < int((prob > cfg.mask_threshold).sum()) < cfg.min_mask_pixels:
            emptied, prob = EMPTIED_TOO_SMALL, torch.zeros_like(prob)
        pos = mask_to_token_positions(prob, cfg.token_grid, cfg.coverage_threshold, cfg.max_injected_tokens,
                                      cfg.mask_threshold)
        chosen = out["relevance"][0, pos].argmax(-1)
        if pos.numel():
            inj = gather_injected(feats.tokens[date, 0], feats.tokens[date, 1], pos, chosen)
            dec.feed(inj[None].to(m.dtype), inject=True)
        prob_np = prob.float().cpu().numpy().astype(np.float32)
        text = str(measure(prob_np, date)).strip() if measure is not None else ""
        if not text:  # the context always gets a measurement, as in training
            text = pixel_share_measure(prob_np, date, self.images.valid[date].cpu().numpy())
        meas_ids = encode(self.tokenizer, " " + text)
        step = GroundedStep(index=index, text=step_text, label=tf.parse_step_label(step_text), date_index=date,
                            mask_prob=prob_np, modalities=[MODALITY_NAMES[int(c)] for c in chosen.tolist()],
                            confidence=confidence,
                            iou_pred=float(out["iou"][0]), seg_embedding=seg_hidden.detach().clone(),
                            measurement=text, positions=pos.tolist(), emptied=emptied,
                            change_contrast=contrast, outside_of=outside_of,
                            confidence_judged=change is None)
        return step, meas_ids

    def _unsure(self, confidence: float) -> bool:
        """The confidence gate: a mask whose ``confidence`` (:func:`mean_inside`) is below the config's
        ``empty_below_confidence`` marks nothing, unless the gates are off (``judge_only``)."""
        return self.gates and confidence < self.config.empty_below_confidence

    def _step_mask(self, step_text: str, seg_hidden: torch.Tensor, date: int, earlier: list[GroundedStep]):
        """A step's mask from its ``[SEG]`` state (or its class's, for patches of a class), judged by the gate and
        shaped by the step's rules. -> (decoder outputs, prob (S, S), confidence, emptied, outside_of, the ``[SEG]``
        state the mask was decoded from)."""
        m, cfg, feats = self.model, self.config, self.features
        patch_class, relation = self.patch_class_for(step_text), self.next_to_for(step_text)
        named_class = self.patches_class_for(step_text)
        label = tf.parse_step_label(step_text)
        if named_class is None and self._by_name and tf.names_class_alone(label):
            named_class = label  # one class of what the area is made of, as it would be asked for alone
        if named_class is not None:  # patches of a class: the class, as the model grounds it named alone
            seg_hidden = self._phrase_hidden(named_class, date)
        out, prob = ground_step(m, seg_hidden[None], feats, date, self.flipped)  # prob: (S, S)
        confidence = mean_inside(prob, cfg.mask_threshold)
        emptied = EMPTIED_UNSURE if self._unsure(confidence) else ""
        outside_of = None if emptied else self.outside_of(step_text, date, earlier)
        if emptied:  # a mask the model is unsure of marks nothing, as for an absent target
            prob = torch.zeros_like(prob)
        else:  # the gate judged the decoder's own mask; what is kept takes the scene's bands into account
            banded_prob = self._with_bands(prob, date, step_text)
            if self.gates and not_water(banded_prob, self.images, date, self.water_judged_for(step_text)):
                emptied, outside_of, banded_prob = EMPTIED_NOT_WATER, None, torch.zeros_like(banded_prob)
            prob = self._within_place(banded_prob, step_text)
            if outside_of is not None:
                taken = earlier[outside_of - 1].mask_prob > cfg.mask_threshold
                prob = kept(prob, ~taken)
            if self.one_patch_for(step_text):
                # a class's patches are told apart as they are; a step's own mask of one patch is often broken
                merge = 0 if patch_class is not None else MERGE_PX
                prob = kept(prob, largest_patch(prob.float().cpu().numpy() > cfg.mask_threshold, merge))
            if relation is not None:
                reference = self._reference_mask(relation[1], date, earlier)
                prob = kept(prob, patches_near(prob.float().cpu().numpy() > cfg.mask_threshold, reference))
            if self.nearest_class_for(step_text) is not None:
                reference = _latest_region(earlier, date, cfg.mask_threshold)
                if reference is not None:
                    # among the patches large enough to be kept at all (min_mask_pixels), so one is left to show
                    marked = prob.float().cpu().numpy() > cfg.mask_threshold
                    large = without_small_patches(marked, cfg.min_mask_pixels)
                    prob = kept(prob, nearest_patch(large if large.any() else marked, reference))
            if self.landing_sites_for(step_text) and self.images.pixel_m:
                prob = kept(prob, landing_patches(prob.float().cpu().numpy() > cfg.mask_threshold,
                                                  self.images.pixel_m))
        return out, prob, confidence, emptied, outside_of, seg_hidden

    def _class_change(self, change: tuple[str, str, str], date: int, earlier: list[GroundedStep]):
        """The mask of a change of classes (``change``: see :meth:`change_for`): the first date's class (its earlier
        step, else grounded by name) against the class grounded by name on ``date``. -> (decoder outputs of the
        later class, prob (S, S): the defining class's probability inside the changed pixels, 0 elsewhere, that
        class's probability (S, S) everywhere: the first date's for a loss, the later date's otherwise)."""
        thr = self.config.mask_threshold
        _, before = self._named_prob(change[0], 0, earlier)
        out, after = self._named_prob(change[1], date, [])
        changed = class_change(before.float().cpu().numpy() > thr, after.float().cpu().numpy() > thr, change[2])
        source = before if change[2] == tf.LOST else after
        return out, kept(source, changed), source

    def _reference_mask(self, reference: str, date: int, earlier: list[GroundedStep]) -> np.ndarray:
        """(S, S) bool: the region a step's patches lie next to (:meth:`_named_prob`)."""
        return self._named_prob(reference, date, earlier)[1].float().cpu().numpy() > self.config.mask_threshold

    def _named_prob(self, phrase: str, date: int, earlier: list[GroundedStep]) -> tuple[dict | None, torch.Tensor]:
        """(decoder outputs or None, prob (S, S)) of a region named by ``phrase`` on ``date``: the latest earlier step
        on that date that names it (as it was kept; zeros when it was emptied), else the region grounded by name
        (:meth:`_phrase_hidden`), judged by the confidence gate (zeros when unsure) and blended with the bands as a
        step of that phrase would be."""
        step = step_naming(phrase, date, earlier)
        if step is not None:
            return None, torch.from_numpy(step.mask_prob)
        hidden = self._phrase_hidden(phrase, date)
        out, prob = ground_step(self.model, hidden[None], self.features, date, self.flipped)
        if self._unsure(mean_inside(prob, self.config.mask_threshold)):
            return out, torch.zeros_like(prob)
        return out, self._with_bands(prob, date, phrase)

    def _phrase_hidden(self, phrase: str, date: int) -> torch.Tensor:
        """(D,) the ``[SEG]`` hidden state of the one-step trace "Step 1: <phrase>. <t..> [SEG]" answering
        "Segment the <phrase>." on the same images: the region as the model grounds it named alone, outside the
        question's trace (its own cache; the question's context is untouched)."""
        m, cfg, tok = self.model, self.config, self.tokenizer
        has_o, has_s = self.images.has_optical.tolist(), self.images.has_sar.tolist()
        prompt = chat_prompt(tf.format_prompt(f"Segment the {phrase}."), has_o, has_s, cfg.tokens_per_image)
        head = tf.format_step_head(1, phrase, date)[:-len(tf.SEG_TOKEN)]  # pieces as training encodes them
        ids = torch.tensor([encode(tok, prompt) + encode(tok, head) + [cfg.seg_token_id]], device=m.device)
        hidden = CachedDecoder(m, capacity=ids.shape[1]).feed(self._prompt_embeds(ids, has_o, has_s))
        return hidden[0, -1]

    def _within_place(self, prob: torch.Tensor, step_text: str) -> torch.Tensor:
        """``prob`` (S, S) zeroed outside the half of the area its step names; as it is when the step names none."""
        return within_half(prob, self.images, self.half_for(step_text))

    def _with_bands(self, prob: torch.Tensor, date: int, step_text: str) -> torch.Tensor:
        """``prob`` (S, S) of a step (its phrase or whole text) as it takes its date's bands: the land-cover head's
        class (:meth:`_with_land_cover`), then the class signature, edges and water index
        (:func:`engine.model.scene_bands.banded`)."""
        prob = self._with_land_cover(prob, self.images, date, step_text, self._class_probs)
        prob = banded(prob, self.images, date, self.guided, self.signatures_for(step_text),
                      self.water_index_for(step_text))
        level = self.mask_level_for(step_text, self.images.pixel_m)
        if level == self.config.mask_threshold:
            return prob
        moved = moved_level(prob.float().cpu().numpy(), level, self.config.mask_threshold)
        return torch.from_numpy(moved).to(prob.device, prob.dtype)

    def mask_level_for(self, step_text: str, pixel_m: float | None) -> float:
        """The probability level at which a step's mask, as it takes its date's bands (:meth:`_with_bands`), is
        marked on a grid of ``pixel_m`` metres (None: 10 m): its class's own where the land-cover head blends into
        it (``land_cover_class_thresholds``, :func:`engine.model.land_cover.class_threshold`), else
        ``mask_threshold``. On the model's grid the mask is moved so that this level reads as ``mask_threshold``;
        native tiles are cut at it."""
        if self.land_cover_weight <= 0:
            return float(self.config.mask_threshold)
        return class_threshold(self.land_cover_class_for(step_text), pixel_m, self.config.mask_threshold,
                               self.land_cover_class_thresholds)

    def _with_land_cover(self, prob: torch.Tensor, images: ModelImages, date: int, step_text: str,
                         cache: dict | None = None) -> torch.Tensor:
        """``prob`` (S, S) of a class step (:meth:`land_cover_class_for`) on ``date`` of ``images`` blended with the
        land-cover head's probability of its class at the share its class and grid take
        (:func:`engine.model.land_cover.class_weight`, :func:`engine.model.land_cover.blended_class`); as it is for
        other steps, with the head off, where that share is 0 or when the date cannot be read, and with
        ``head_presence`` where ``prob`` marks fewer than ``min_mask_pixels`` pixels (:meth:`decoder_finds_nothing`).
        ``cache``: {date: class probabilities} of ``images``, filled as dates are read."""
        class_id = self.land_cover_class_for(step_text)
        weight = self._head_share(class_id, images.pixel_m)
        if weight <= 0 or self.decoder_finds_nothing(prob):
            return prob
        cache = {} if cache is None else cache
        if date not in cache:
            with oom_guard(), cpu_threads(self._threads()):
                cache[date] = class_probabilities(self.model.land_cover, images, date, self._head_views())
        if cache[date] is None:
            return prob
        return blended_class(prob, cache[date][class_id], images.valid[date], weight)

    def signatures_for(self, step_text: str) -> SignatureConfig | None:
        """As :meth:`StepRules.signatures_for`; for a class step the land-cover head blends into on the current
        images (``head_over_signature``; :meth:`head_blends`) at the config's ``head_signature_weight`` instead
        (None at 0; as it is where the config sets none)."""
        signatures = super().signatures_for(step_text)
        own = self.config.head_signature_weight
        if (signatures is None or own is None or not self.head_over_signature
                or not self.head_blends(step_text, self.images)):
            return signatures
        weight = float(own)
        if weight <= 0:
            return None
        scale = weight / signatures.weight  # the neighbourhood's share (buildings) in the same proportion
        return replace(signatures, weight=weight, context_weight=min(1.0, signatures.context_weight * scale))

    def head_blends(self, step_text: str, images: ModelImages | None) -> bool:
        """Whether the land-cover head blends into the class step ``step_text`` on ``images``: its class's share on
        their grid is above 0 and the head reads at least one of their dates."""
        return (images is not None and self._head_share(self.land_cover_class_for(step_text), images.pixel_m) > 0
                and reads_any_date(images))

    def _head_share(self, class_id: int | None, pixel_m: float | None) -> float:
        """The share of the head's probability in a step of class ``class_id`` on a grid of ``pixel_m`` metres
        (:func:`engine.model.land_cover.class_weight`); 0 with the head's blending off."""
        if self.land_cover_weight <= 0:
            return 0.0
        return class_weight(class_id, pixel_m, self.land_cover_weight, self.land_cover_class_weights)

    def _head_views(self) -> tuple:
        """The symmetries the head's class probabilities are averaged over beside the inputs as given: the config's
        ``land_cover_symmetries`` when masks are flip averaged, else none."""
        return symmetry_views(self.config.land_cover_symmetries) if self.flip_average else ()

    def decoder_finds_nothing(self, prob: torch.Tensor) -> bool:
        """Whether the decoder's mask ``prob`` (S, S) of a class step marks fewer pixels than a kept mask needs (the
        config's ``min_mask_pixels``), so that with ``head_presence`` the head adds nothing to it."""
        need = int(self.config.min_mask_pixels)
        return self.head_presence and need > 0 and int((prob > self.config.mask_threshold).sum()) < need

    def _change_contrast(self, step_text: str, prob: torch.Tensor, date: int) -> float | None:
        """For a step on a later date that names a change, the dates' contrast inside its mask against the
        first date (:func:`engine.model.scene_bands.dates_contrast`); None when that is not judged."""
        if ((self.gates and self.config.change_below_contrast <= 0) or date <= 0 or
                not tf.names_change(tf.parse_step_label(step_text))):
            return None
        return dates_contrast(prob, self.images, date, self.config.mask_threshold)

    # ---- re-decoding on other images ---------------------------------------------------------------------
    @torch.no_grad()
    def predict_mask(self, seg_embedding: torch.Tensor, date_index: int, images: ModelImages,
                     step_text: str = "") -> np.ndarray:
        """The mask of a step (its ``seg_embedding``; its text, ``step_text``, says whether the land-cover head
        blends its class in, :meth:`_with_land_cover`) on other images of the same dates, e.g. one
        native-resolution tile whose ``pixel_m`` is set. -> (S, S) float32 probabilities as the decoder gives them
        (not sharpened: the caller sharpens at the resolution it keeps, :func:`engine.geo.refine.refine_tiles`)."""
        images.check(self.image_size)
        d = min(int(date_index), images.n_dates - 1)
        one = ModelImages(None if images.optical is None else images.optical[d:d + 1],
                          None if images.sar is None else images.sar[d:d + 1], images.valid[d:d + 1],
                          images.has_optical[d:d + 1], images.has_sar[d:d + 1],
                          None if images.nir is None else images.nir[d:d + 1], images.pixel_m).to(self.model.device)
        with oom_guard(), cpu_threads(self._threads()):
            f, flipped = self._encode(one)
            h = seg_embedding.to(self.model.device, self.model.dtype).reshape(1, -1)
            _, prob = ground_step(self.model, h, f, 0, flipped)
        prob = self._with_land_cover(prob, one, 0, step_text)
        return prob.float().cpu().numpy().astype(np.float32)
