"""What a question returns: the answer, its reasoning steps with georeferenced masks and measurements, and
the distances between steps; with GeoPackage / Shapefile / GeoJSON export, JSON and a preview picture."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from affine import Affine

# why a grounded step marks nothing (Step.emptied; "" when it was not emptied)
EMPTIED_UNSURE = "unsure"  # its mask's confidence fell below the model's empty_below_confidence
EMPTIED_UNCHANGED = "unchanged"  # a change step whose pixels changed no more than the rest of the scene
EMPTIED_TOO_SMALL = "too small"  # fewer marked pixels of the model's grid than the model's min_mask_pixels
EMPTIED_NOT_WATER = "not water"  # a water mask that hardly reads as open water in the water index


@dataclass
class Step:
    """One grounded reasoning step.

    ``mask``: (H, W) bool, full resolution, in the grid of ``transform``/``crs`` (loaded on first access when
    the mask is kept on disk; ``mask_raster`` reads it in strips). ``probability``: (S, S) float mask
    probabilities on the overview grid ``overview_transform`` (S = model image size; padded cells are 0).
    ``area_m2``/``perimeter_m``: geodesic, of the full-resolution mask and its polygons; ``share``: of the
    area of interest without nodata, 0..1; ``confidence``: mean probability inside the mask, 0..1;
    ``geometry``: the polygons as a GeoDataFrame with the layer fields (``step``, ``label``, ``date``,
    ``area_m2``, ``perimeter_m``, ``share``, ``confidence``). ``emptied``: why the step marks nothing although
    the model grounded it: "" (it was not emptied), :data:`EMPTIED_UNSURE` (the model was unsure of its mask)
    or :data:`EMPTIED_UNCHANGED` (a change step whose pixels did not change between the dates) or
    :data:`EMPTIED_TOO_SMALL` (its mask covered fewer pixels of the model's grid than the model resolves) or
    :data:`EMPTIED_NOT_WATER` (a water mask whose pixels hardly read as open water in the bands).
    """

    index: int
    text: str
    label: str
    date: str
    modality: str
    transform: Affine
    crs: Any
    area_m2: float
    perimeter_m: float
    share: float
    confidence: float
    geometry: Any
    probability: np.ndarray | None = None
    overview_transform: Affine | None = None
    date_index: int = 0
    iou_pred: float | None = None
    mask_raster: Any = None
    emptied: str = ""

    @property
    def layer(self) -> str:
        from .geo.writer import layer_name

        return layer_name(self.index)

    @property
    def mask(self) -> np.ndarray:
        return self.mask_raster.array()

    def to_json(self) -> dict:
        return {"index": self.index, "text": self.text, "label": self.label, "date": self.date,
                "modality": self.modality, "layer": self.layer, "area_m2": round(self.area_m2, 2),
                "perimeter_m": round(self.perimeter_m, 2), "share": round(self.share, 6),
                "confidence": round(self.confidence, 4), "regions": int(len(self.geometry)),
                "emptied": self.emptied or None}


@dataclass
class Answer:
    """The answer to one question. ``distances``: one dict per pair of non-empty steps, ``{"from", "to",
    "metres", "centroid_m", "adjacent", "shared_boundary_m"}`` (metres = minimum distance)."""

    question: str
    answer: str
    choice: str | None
    steps: list[Step]
    distances: list[dict]
    seconds: float
    transform: Affine
    crs: Any
    text: str = ""
    choices: list[str] | None = None
    overview_rgb: np.ndarray | None = None  # (3, h, w) [0, 1], the unpadded overview, for the preview
    meta: dict = field(default_factory=dict)
    model_choice: str | None = None  # the language model's own letter (``choice`` may be the measured one)
    # whether ``choice`` was read from the measured masks: False where the measurements imply no option (a step the
    # options need marks no region, say) and ``choice`` is the language model's own letter; None where they were not
    # read (no options, or AskConfig.measured_choice off)
    choice_measured: bool | None = None

    def unmeasured_choice_note(self) -> str:
        """One line saying that ``choice`` is the language model's own letter and why the masks imply no option;
        "" unless the masks were read for the options and implied none (``choice_measured`` False)."""
        if self.choice_measured is not False or not self.choice:
            return ""
        empty = [str(s.index) for s in self.steps if s.area_m2 <= 0]
        why = (f"step {', '.join(empty)} marks no region" if len(empty) == 1 else
               f"steps {', '.join(empty)} mark no region" if empty else "no option matches the measurements")
        return f"Not read from the masks: {why}; ({self.choice}) is the model's own reading."

    def to_json(self) -> dict:
        """The ``terrascope ask --json`` object."""
        return {"question": self.question, "answer": self.answer, "choice": self.choice,
                "model_choice": self.model_choice, "choice_measured": self.choice_measured,
                "steps": [s.to_json() for s in self.steps],
                "distances_m": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in d.items()}
                                for d in self.distances],
                "seconds": round(self.seconds, 2), "crs": _crs_text(self.crs), "trace": self.text}

    def layers(self) -> dict:
        """``{"step_01": GeoDataFrame, ...}`` (empty layers for steps without a region)."""
        return {s.layer: s.geometry for s in self.steps}

    def tables(self) -> dict:
        """Non-spatial tables of the GeoPackage: ``trace``, ``distances`` and ``meta``."""
        import pandas as pd

        blank = {"label": "", "date": "", "modality": "", "area_m2": 0.0, "perimeter_m": 0.0, "share": 0.0,
                 "confidence": 0.0}
        rows = [{"step": 0, "kind": "question", "text": self.question, **blank}]
        for s in self.steps:
            rows.append({"step": s.index, "kind": "step", "text": s.text, "label": s.label, "date": s.date,
                         "modality": s.modality, "area_m2": s.area_m2, "perimeter_m": s.perimeter_m,
                         "share": s.share, "confidence": s.confidence})
        rows.append({"step": len(self.steps) + 1, "kind": "answer", "text": self.answer, **blank,
                     "label": self.choice or ""})
        dist = pd.DataFrame(self.distances or [], columns=["from", "to", "metres", "centroid_m", "adjacent",
                                                          "shared_boundary_m"])
        dist = dist.rename(columns={"from": "from_step", "to": "to_step"}).astype(
            {"from_step": "int32", "to_step": "int32", "metres": "float64", "centroid_m": "float64",
             "adjacent": "bool", "shared_boundary_m": "float64"})
        meta = {"question": self.question, "answer": self.answer, "choice": self.choice or "",
                "choices": json.dumps(self.choices or []), "seconds": f"{self.seconds:.2f}",
                "crs": _crs_text(self.crs), "trace": self.text, **{k: str(v) for k, v in self.meta.items()}}
        return {"trace": pd.DataFrame(rows), "distances": dist,
                "meta": pd.DataFrame({"key": list(meta), "value": list(meta.values())})}

    def to_geopackage(self, path, overwrite: bool = False) -> str:
        """One GeoPackage: layers ``step_01``…, tables ``trace``, ``distances``, ``meta`` (atomic write)."""
        from .geo.writer import write_geopackage

        return write_geopackage(path, self.layers(), self.tables(), overwrite)

    def export(self, path, overwrite: bool = False):
        """By extension: ``.gpkg``, ``.geojson`` (one file, WGS 84) or ``.shp`` (one file per step)."""
        from .geo.writer import export

        return export(path, self.layers(), self.tables(), overwrite)

    def preview(self, path) -> str:
        """PNG: the overview image with each step's mask filled, outlined and numbered; answer as caption."""
        from .geo.preview import render_preview
        from .trace_format import format_share

        if self.overview_rgb is None:
            raise ValueError("this answer holds no overview image")
        shape = self.overview_rgb.shape[1:]
        masks = [s.mask_raster.resampled(shape) if s.mask_raster is not None else None for s in self.steps]
        labels = [f"{s.label} ({_fmt_area(s.area_m2)}, {format_share(s.share)})" for s in self.steps]
        caption = self.answer
        if self.choice and self.choices and "ABCDEFGH".index(self.choice) < len(self.choices):
            caption = f"{self.choice}) {self.choices['ABCDEFGH'.index(self.choice)]}"
        return render_preview(self.overview_rgb, masks, labels, caption, path)


def _fmt_area(a: float) -> str:
    from .trace_format import format_area

    return format_area(a) if a > 0 else "no region"


def _crs_text(crs) -> str:
    try:
        from pyproj import CRS

        c = CRS.from_user_input(crs)
        return c.to_string()
    except Exception:
        return str(crs)
