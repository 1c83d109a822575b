"""Which engine rules a reasoning step's phrase asks for, beside the decoder's mask: the class signature of the
bands, one half of the area, a new region outside an earlier one, one patch, patches next to a region, the water
index; and which steps a question fixes before the model writes them. Pure decisions on the phrase text (and the
earlier steps' phrases, the question, the number of dates); :class:`engine.model.predictor.GroundedPredictor`
applies them on the model's grid and :mod:`engine.pipeline` on native tiles."""
from __future__ import annotations

from dataclasses import replace

from .. import trace_format as tf
from ..data.classes import CLASS_NAMES, canonical_class
from ..geo.signatures import SignatureConfig
from ..geo.water_index import WaterIndexConfig
from ..question_kinds import COMPOSITION, question_kind
from ..question_regions import model_phrase, region_plan

# The street block a building is told from (m): buildings of 10 m scenes are 20-55 m across on 40-70 m lots.
BUILDING_CONTEXT_M = 70.0
# Classes whose loss or gain the radar sees where it happens: walls (double bounce).
RADAR_PLACED = ("buildings",)


class StepRules:
    """Each rule can be turned off. ``signatures``: the class-signature blending of class steps (off when its
    weight is 0). ``clip_places``: a step that puts its region in one half of the area ("forest in the
    northern half") is cut to that half (:mod:`engine.geo.places`). ``relate_changes``: a later step that names a
    new region outside an earlier one ("newly flooded land" outside the first date's "water";
    :func:`engine.trace_format.new_region_outside`) is cut to outside that step's mask. ``one_patch``: a step
    that names one patch, the largest ("the largest forest patch"; :func:`engine.trace_format.names_one_patch`),
    keeps the patch of its mask that holds the most pixels (:mod:`engine.geo.patches`). ``patch_from_class``: a
    one-patch step whose region is a land-cover class ("the largest forest patch" -> "forest";
    :func:`engine.trace_format.patch_region`) grounds the class as the model grounds it asked by name alone
    ("Segment the forest."), blended with the class signature, and keeps the class's largest connected patch:
    the step's own mask often marks a smaller patch of the class than its largest. ``next_to``: a step that
    names the patches of a class next to a region ("cropland next to the water";
    :func:`engine.trace_format.next_to`) grounds the class by name the same way and keeps its patches within
    :data:`engine.geo.patches.NEXT_TO_PX` pixels of the region: the latest earlier step of its date that names
    the region, else the region grounded by name. ``reference_steps``: when no earlier step of its date names
    that region, the trace grounds the region as a step of its own first (:meth:`missing_reference`), so the
    region the patches were judged against is a layer the user can check. ``change_from_classes``: a step on a later date that names a
    change of classes ("destroyed buildings", "new buildings", "cleared forest", "flooded cropland";
    :func:`engine.trace_format.change_classes`) is the difference of the classes grounded by name on the first
    date and on its own (:mod:`engine.geo.class_change`); its mask is then sampled from the model's grid on native
    tiles, as two masks' difference cannot be re-decoded from one ``[SEG]`` state. Off here; the predictor takes
    it from the model's config (``change_from_classes``), which turns it on for the embedded default (model
    card). ``water_index``: a step that names water alone ("water", "water in the northern half"), or the largest
    water body before its largest patch is kept, grows into the connected pixels whose water index marks open
    water (:mod:`engine.geo.water_index`; off when its ``above`` is None). ``water_bodies_apart``: the largest water
    body is not grown (still judged by the index with ``water_evidence``): growth joins water bodies the class map
    holds apart (a river a road crosses, a pond beside flooded fields), so the largest patch would span them.
    ``landing_sites``: a step that names the places a small plane could land ("large open bare fields";
    :func:`engine.trace_format.names_landing_sites`) keeps the patches of its mask long and large enough for a
    landing run (:mod:`engine.geo.landing`), where the images' pixel size is known. ``building_context``: buildings
    alone ("buildings") are blended with a class signature that also reads how each pixel differs from the ground
    around it (``BUILDING_CONTEXT_M``; :func:`engine.geo.signatures.context_bands`), on grids where buildings are a
    few pixels across. ``water_evidence``: a step the water index grows, or the largest water body, whose mask
    hardly reads as open water in that index marks nothing (:func:`engine.geo.water_index.lacks_open_water`; only
    with ``water_index`` on). ``radar_placement``: a change of buildings taken from the classes
    (``change_from_classes``: "destroyed buildings", "new buildings") keeps its size and moves to the buildings
    whose radar backscatter moved most between the dates, where both dates have SAR
    (:func:`engine.model.scene_bands.radar_placed`).
    ``land_cover``: a class step (a class alone, a class's largest patch, a class's patches next to a region;
    :meth:`land_cover_class_for`) is blended with a dense land-cover head's probability of the class, where the
    model has one (:mod:`engine.model.land_cover`). ``head_presence``: a class step whose decoder mask marks fewer
    pixels than a kept mask needs (the config's ``min_mask_pixels``) takes none of the head's probability: the decoder
    judges whether the class is there, the head where it is, so a head that marks a few pixels of a class the
    scene lacks adds no region to a question whose target is absent. ``head_over_signature``: a class step the head
    blends into (its class's share on the images' grid above 0, and the head reads the images) takes the class
    signature at the model config's ``head_signature_weight`` (none at 0), where it sets one, rather than its
    ``signature_weight``: the head has learned every class's bands on many scenes, the signature fits them on one
    scene's mask.
    ``plan_phrases``: the steps a question fixes are written for the model (:meth:`planned_steps`)."""

    def __init__(self, signatures: SignatureConfig | None = None, clip_places: bool = True,
                 relate_changes: bool = True, one_patch: bool = True, patch_from_class: bool = True,
                 next_to: bool = True, change_from_classes: bool = False,
                 water_index: WaterIndexConfig | None = None, plan_phrases: bool = True,
                 reference_steps: bool = True, landing_sites: bool = True, building_context: bool = True,
                 water_evidence: bool = True, radar_placement: bool = True, land_cover: bool = True,
                 head_presence: bool = True, head_over_signature: bool = True, water_bodies_apart: bool = True):
        self.signatures = signatures or SignatureConfig()
        self.clip_places = clip_places
        self.relate_changes = relate_changes
        self.one_patch = one_patch
        self.patch_from_class = patch_from_class
        self.next_to = next_to
        self.reference_steps = reference_steps
        self.change_from_classes = change_from_classes
        self.water_index = water_index or WaterIndexConfig()
        self.plan_phrases = plan_phrases
        self.landing_sites = landing_sites
        self.building_context = building_context
        self.water_evidence = water_evidence
        self.radar_placement = radar_placement
        self.land_cover = land_cover
        self.head_presence = head_presence
        self.head_over_signature = head_over_signature
        self.water_bodies_apart = water_bodies_apart
        # region names the model reads itself beside its classes' (a fine-tuned adapter's classes): never re-read
        self.known_regions: tuple[str, ...] = ()

    def planned_steps(self, question: str, choices: list[str] | None, n_dates: int) -> tuple[list[str], list[int]]:
        """(the phrases the steps must name, in order; the 0-based date of each, or [] to let the model write the
        dates) for a question on ``n_dates`` dates: the regions the options or the question fix
        (:func:`engine.trace_format.planned_phrases`; a pair's regions named in everyday words as the model names them:
        :func:`engine.question_regions.model_phrase`; so are two regions compared without options:
        :func:`engine.trace_format.compared_phrases`), else, on two or more dates, the class and its change that a
        change question names, on the first and the last date (:func:`engine.trace_format.change_phrases`),
        else, without options, the steps of a question that counts a class, asks whether there is any, asks what the
        area is made of (every class, on the last date) or asks for a class near a region
        (:func:`engine.question_kinds.question_kind`), else the one class a plain question names in everyday words
        ("What share of the area is flooded?" -> "water"; :func:`engine.question_regions.region_plan`,
        ``known_regions`` left to the model);
        ([], []) when nothing is fixed or ``plan_phrases`` is off."""
        if not self.plan_phrases:
            return [], []
        pair = tf.pair_phrases(question)
        if pair:  # the two regions in the model's own words ("river" -> "largest water body")
            return [model_phrase(p, self.known_regions) for p in pair], []
        plan = tf.planned_phrases(question, choices)
        if plan:
            return plan, []
        compared = [] if choices else tf.compared_phrases(question)
        if compared:  # two regions compared without options, in the model's words
            return [model_phrase(p, self.known_regions) for p in compared], []
        change = tf.change_phrases(question) if n_dates >= 2 else []
        if change:
            return change, [0, n_dates - 1]
        kind = None if choices else question_kind(question, self.known_regions)
        if kind is not None:  # how many, whether any, what the area is made of, a class near a region
            return list(kind.steps), ([n_dates - 1] * len(kind.steps) if kind.kind == COMPOSITION else [])
        return region_plan(question, self.known_regions), []

    def signatures_for(self, step_text: str) -> SignatureConfig | None:
        """The class-signature blending for a step (its phrase or whole text), None when it is not blended.
        A class in one half of the area ("forest in the northern half") is blended as the class, the half cut
        afterwards; so is the class whose patches a step keeps (:meth:`patch_class_for`, :meth:`next_to_for`).
        Buildings (``building_context``) are blended with the ground around each pixel as well."""
        region, blended = _region(step_text), self.patches_class_for(step_text)
        if not (self.signatures.enabled and (tf.names_class_alone(region) or blended is not None)):
            return None
        if self.building_context and tf.names_buildings_alone(blended or region):
            return replace(self.signatures, context_m=BUILDING_CONTEXT_M)
        return self.signatures

    def land_cover_class_for(self, step_text: str) -> int | None:
        """The class id (:mod:`engine.data.classes`) a land-cover head blends into a step: the class whose patches it
        keeps (:meth:`patch_class_for`, :meth:`next_to_for`) or the class it names alone (in one half of the area or
        not); None for any other step or when ``land_cover`` is off."""
        if not self.land_cover:
            return None
        named, region = self.patches_class_for(step_text), _region(step_text)
        if named is None and not tf.names_class_alone(region):
            return None
        return canonical_class(named or region)

    def water_index_for(self, step_text: str) -> WaterIndexConfig | None:
        """The water-index growth for a step (its phrase or whole text), None when it names neither water alone
        (in one half of the area or not) nor the largest water body (water grounded as the class, then its largest
        patch: :meth:`patch_class_for`; not with ``water_bodies_apart``), or the rule is off."""
        largest = self.patch_class_for(step_text) == "water" and not self.water_bodies_apart
        water = largest or tf.names_water_alone(_region(step_text)) or self.nearest_class_for(step_text) == "water"
        return self.water_index if self.water_index.enabled and water else None

    def water_judged_for(self, step_text: str) -> WaterIndexConfig | None:
        """The water index that judges whether a step's mask is water: for the steps it grows
        (:meth:`water_index_for`) and the largest water body, None for other steps or when ``water_evidence`` is
        off."""
        if not self.water_evidence:
            return None
        if self.water_index.enabled and self.patch_class_for(step_text) == "water":
            return self.water_index
        return self.water_index_for(step_text)

    def next_to_for(self, step_text: str) -> tuple[str, str] | None:
        """(class, reference) when a step names the patches of a class next to a region ("cropland next to the
        water" -> ("cropland", "water")), None when it names none or ``next_to`` is off."""
        return tf.next_to(tf.parse_step_label(step_text)) if self.next_to else None

    def missing_reference(self, step_text: str, date: int, earlier: list) -> str | None:
        """The region a step's patches lie next to ("water" for "cropland next to the water") when no step of
        ``earlier`` on ``date`` names it, so it is grounded as a step of its own first; None otherwise or when
        ``reference_steps`` (or ``next_to``) is off."""
        relation = self.next_to_for(step_text) if self.reference_steps else None
        if relation is None or step_naming(relation[1], date, earlier) is not None:
            return None
        return relation[1]

    def change_for(self, step_text: str, date: int) -> tuple[str, str, str] | None:
        """(class on the first date, class on ``date``, how) when a step on a later date names a change of classes
        ("destroyed buildings" -> ("buildings", "buildings", "lost")), None otherwise or when the rule is off."""
        if not self.change_from_classes or date <= 0:
            return None
        return tf.change_classes(tf.parse_step_label(step_text))

    def placed_by_radar(self, change: tuple[str, str, str] | None) -> bool:
        """Whether a change of classes (:meth:`change_for`) is placed where the radar saw it change: buildings lost
        or gained, with ``radar_placement`` on."""
        return (self.radar_placement and change is not None and change[0] in RADAR_PLACED
                and change[2] in (tf.LOST, tf.GAINED))

    def refined_natively(self, step_text: str, date: int) -> bool:
        """Whether a step (its text, its 0-based ``date``) has its mask decoded again on native-resolution tiles
        from its ``[SEG]`` state; a change of classes is sampled from the model's grid instead."""
        return self.change_for(step_text, date) is None

    def keeps_patches_for(self, step_text: str) -> bool:
        """Whether a step keeps some patches of its mask (the largest, those next to a region, or the landing
        sites), so its native-resolution mask stays near the patches kept on the model's grid."""
        return (self.one_patch_for(step_text) or self.next_to_for(step_text) is not None
                or self.nearest_class_for(step_text) is not None or self.landing_sites_for(step_text))

    def landing_sites_for(self, step_text: str) -> bool:
        """Whether a step (its phrase or whole text) keeps the patches of its mask where a small plane could land
        (:mod:`engine.geo.landing`)."""
        return self.landing_sites and tf.names_landing_sites(tf.parse_step_label(step_text))

    def patch_class_for(self, step_text: str) -> str | None:
        """The class a one-patch step grounds to find its largest patch ("the largest forest patch" ->
        "forest"), None when it names none or ``patch_from_class`` is off."""
        if not (self.one_patch and self.patch_from_class):
            return None
        return tf.patch_region(tf.parse_step_label(step_text))

    def nearest_class_for(self, step_text: str) -> str | None:
        """The class, by its name, whose patch nearest the latest earlier region of its date a step keeps ("the
        nearest building" -> "buildings"; :func:`engine.trace_format.nearest_class`), grounded as the class; None when
        it names none or ``patch_from_class`` is off."""
        if not (self.one_patch and self.patch_from_class):
            return None
        class_id = canonical_class(tf.nearest_class(tf.parse_step_label(step_text)) or "")
        return CLASS_NAMES[class_id] if class_id is not None else None

    def classes_by_name(self, question: str, choices: list[str] | None) -> bool:
        """Whether every class step of ``question`` is grounded as the class named alone (:meth:`patches_class_for`'s
        way): a question that asks what the area is made of plans one step per class in one long trace, and a class's
        mask should not depend on which classes were measured before it, so that its answer agrees with asking for
        the class alone ("Is there any forest?"). Only with ``plan_phrases`` (the plan is what lists the classes)."""
        if not self.plan_phrases or choices:
            return False
        kind = question_kind(question, self.known_regions)
        return kind is not None and kind.kind == COMPOSITION

    def patches_class_for(self, step_text: str) -> str | None:
        """The class a step grounds by name to keep some of its patches: the largest (:meth:`patch_class_for`), those
        next to a region (:meth:`next_to_for`) or the one nearest a region (:meth:`nearest_class_for`); else None."""
        relation = self.next_to_for(step_text)
        return (self.patch_class_for(step_text) or (relation[0] if relation else None)
                or self.nearest_class_for(step_text))

    def half_for(self, step_text: str) -> str | None:
        """The half of the area a step's phrase puts its region in ("northern", ...; engine.geo.places), None
        when it names none or places are not clipped."""
        half = tf.named_half(tf.parse_step_label(step_text)) if self.clip_places else None
        return half[1] if half else None

    def one_patch_for(self, step_text: str) -> bool:
        """Whether a step (its phrase or whole text) keeps one patch of its mask, the largest
        (:mod:`engine.geo.patches`)."""
        return self.one_patch and tf.names_one_patch(tf.parse_step_label(step_text))

    def outside_of(self, step_text: str, date: int, earlier: list) -> int | None:
        """Index of the earlier step (on an earlier date; the latest such) whose region a step's new region
        lies outside of ("newly flooded land" outside "water"), else None."""
        region = tf.new_region_outside(tf.parse_step_label(step_text)) if self.relate_changes else None
        for step in reversed(earlier if region else []):
            if step.date_index < date and tf.same_region(step.label, region):
                return step.index
        return None


def _region(step_text: str) -> str:
    """A step's phrase without the half of the area it names ("forest in the northern half" -> "forest")."""
    label = tf.parse_step_label(step_text)
    half = tf.named_half(label)
    return half[0] if half else label


def step_naming(phrase: str, date: int, earlier: list):
    """The latest step of ``earlier`` on ``date`` whose label names the region ``phrase`` names, else None."""
    return next((s for s in reversed(earlier) if s.date_index == date and tf.same_region(s.label, phrase)), None)
