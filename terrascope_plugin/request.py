"""The typed request the dock emits and the task runs: plain values only (paths, WKT, strings), so it can
cross threads and be logged. No QGIS objects in here."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class RasterInput:
    """One raster file for the engine. ``bands``: 1-based GDAL band numbers, None = the engine's default."""

    path: str
    bands: tuple[int, ...] | None = None
    name: str = ""
    date: str = ""  # the label shown for a dated layer ("2024-05-01", "before"...)


@dataclass(frozen=True)
class ModelChoice:
    """Which model to run. ``model_dir`` None = the embedded default; ``model_name`` a registry size
    (``tiny-test``...) instead of a folder; ``adapter`` a fine-tuned adapter folder on top."""

    model_dir: str | None = None
    model_name: str | None = None
    adapter: str | None = None

    def load_kwargs(self) -> dict:
        """Keyword arguments for ``Engine.load`` besides ``device``."""
        kwargs: dict = {"model_dir": self.model_dir, "adapter": self.adapter}
        if self.model_name:
            kwargs["model_name"] = self.model_name
        return kwargs


@dataclass(frozen=True)
class AskRequest:
    """Everything one "Ask TerraScope" needs.

    ``optical``/``sar``: one date; ``dates``: a time series (first is ``<t1>``), not both.
    ``aoi_wkt``: polygon in ``aoi_crs`` (an authid such as ``EPSG:32633``); ``crs``: the reference layer's
    CRS authid. ``results_dir``: folder for the step GeoPackage. ``tile_size``: pixels per refinement tile."""

    question: str
    optical: RasterInput | None = None
    sar: RasterInput | None = None
    dates: tuple[RasterInput, ...] = ()
    crs: str = ""
    aoi_wkt: str | None = None
    aoi_crs: str | None = None
    model: ModelChoice = field(default_factory=ModelChoice)
    device: str = "auto"
    results_dir: str = ""
    tile_size: int = 512
    flip_average: bool | None = None  # masks averaged over image flips; None: as the model's config says
    sharpen_masks: bool | None = None  # mask boundaries moved onto band edges; None: as the model's config says
    class_signatures: bool | None = None  # class masks take look-alike pixels; None: as the model's config says
    change_from_classes: bool | None = None  # change steps as the classes' difference; None: the model's config
    land_cover: bool | None = None  # class steps take the land-cover head's labels; None: the model's config
    water_index: bool | None = None  # water masks grow into the NDWI's open water; None: the engine's default (on)
    temporary_files: tuple[str, ...] = ()  # exported copies of non-file layers, deleted after the run

    def engine_aoi(self) -> str | None:
        """The area of interest as the engine reads it: ``"EPSG:xxxx;WKT"`` (bare WKT would mean EPSG:4326)."""
        if not self.aoi_wkt:
            return None
        if self.aoi_crs:
            return f"{self.aoi_crs};{self.aoi_wkt}"
        return self.aoi_wkt

    def engine_inputs(self) -> dict:
        """``optical``, ``sar``, ``dates`` and band keyword arguments for ``Engine.ask``."""
        kwargs: dict = {
            "optical": self.optical.path if self.optical else None,
            "sar": self.sar.path if self.sar else None,
            "dates": [d.path for d in self.dates] or None,
        }
        if self.optical and self.optical.bands:
            kwargs["optical_bands"] = list(self.optical.bands)
        if self.sar and self.sar.bands:
            kwargs["sar_bands"] = list(self.sar.bands)
        return kwargs

    def to_dict(self) -> dict:
        """JSON-ready form (for the engine process)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AskRequest:
        def raster(d):
            return None if d is None else RasterInput(d["path"], tuple(d["bands"]) if d.get("bands") else None,
                                                      d.get("name", ""), d.get("date", ""))

        data = dict(data)
        data["optical"], data["sar"] = raster(data.get("optical")), raster(data.get("sar"))
        data["dates"] = tuple(raster(d) for d in data.get("dates") or ())
        data["model"] = ModelChoice(**(data.get("model") or {}))
        data["temporary_files"] = tuple(data.get("temporary_files") or ())
        return cls(**data)

    def output_name(self, stamp: str) -> str:
        """File name of the step GeoPackage: the question's slug and a time stamp (``YYYYmmdd-HHMMSS``)."""
        return f"{slugify(self.question)}-{stamp}.gpkg"


def slugify(text: str, max_len: int = 48) -> str:
    """``What share is flooded?`` -> ``what-share-is-flooded``; ASCII letters, digits and dashes only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "question"
