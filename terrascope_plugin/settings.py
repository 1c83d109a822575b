"""Typed access to the plugin's settings in ``QgsSettings`` (section ``terrascope_reasoning/``)."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication, QgsProject, QgsSettings

SECTION = "terrascope_reasoning"
DEVICES = ("auto", "cpu", "cuda")
MODEL_ON_OFF = ("model", "on", "off")  # a mask option: as the model's config says, or forced
FLIP_AVERAGING = MODEL_ON_OFF  # masks averaged over image flips
MASK_SHARPENING = MODEL_ON_OFF  # mask boundaries moved onto the edges of the bands
CLASS_SIGNATURES = MODEL_ON_OFF  # class masks extended to the scene's look-alike pixels
CHANGE_FROM_CLASSES = MODEL_ON_OFF  # a change step as the difference of its classes on the two dates
LAND_COVER = MODEL_ON_OFF  # class steps blended with the model's dense land-cover head
WATER_INDEX = ("on", "off")  # water masks grown into the connected open water of the NDWI (the engine's default: on)
DEFAULT_TILE_SIZE = 512
RESULTS_SUBFOLDER = "terrascope_results"


class _Choice:
    """A setting that holds one of ``choices``; the first is the default, and an unknown stored value reads as
    it. Setting a value outside ``choices`` raises ValueError naming ``what``."""

    def __init__(self, key: str, choices: tuple[str, ...], what: str, doc: str):
        self.key, self.choices, self.what, self.__doc__ = key, choices, what, doc

    def __get__(self, settings, owner=None):
        if settings is None:
            return self
        return settings._get_choice(self.key, self.choices, self.choices[0])

    def __set__(self, settings, value: str) -> None:
        settings._set_choice(self.key, value, self.choices, self.what)


class Settings:
    """Model folder, device, tile size, results and adapters folders; every getter returns a typed default.

    ``model_dir``: "" means the embedded default model. ``results_dir``: "" means a folder
    ``terrascope_results`` beside the saved project (or the user's home folder for an unsaved project)."""

    def __init__(self, qsettings: QgsSettings | None = None):
        self._s = qsettings or QgsSettings()

    def _get(self, key: str, default):
        return self._s.value(f"{SECTION}/{key}", default)

    def _set(self, key: str, value) -> None:
        self._s.setValue(f"{SECTION}/{key}", value)

    def _get_choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = str(self._get(key, default) or default).lower()
        return value if value in choices else default

    def _set_choice(self, key: str, value: str, choices: tuple[str, ...], what: str) -> None:
        if value not in choices:
            raise ValueError(f"{what} must be one of {', '.join(choices)}, not {value!r}")
        self._set(key, value)

    @property
    def model_dir(self) -> str:
        return str(self._get("model_dir", "") or "")

    @model_dir.setter
    def model_dir(self, value: str) -> None:
        self._set("model_dir", str(value or ""))

    device = _Choice("device", DEVICES, "device", "One of :data:`DEVICES`: where the model runs.")
    flip_averaging = _Choice("flip_averaging", FLIP_AVERAGING, "flip averaging",
                             "One of :data:`FLIP_AVERAGING`: whether each mask is averaged over the image and its flips.")
    mask_sharpening = _Choice("mask_sharpening", MASK_SHARPENING, "mask sharpening",
                              "One of :data:`MASK_SHARPENING`: whether mask boundaries are moved onto the bands' edges.")
    class_signatures = _Choice("class_signatures", CLASS_SIGNATURES, "class signatures",
                               "One of :data:`CLASS_SIGNATURES`: whether a class's mask takes the scene's pixels "
                               "whose bands look like it.")
    change_from_classes = _Choice("change_from_classes", CHANGE_FROM_CLASSES, "change from classes",
                                  "One of :data:`CHANGE_FROM_CLASSES`: whether a change step (destroyed buildings, "
                                  "cleared forest) is the difference of its classes found on the two dates.")
    land_cover = _Choice("land_cover", LAND_COVER, "land cover",
                         "One of :data:`LAND_COVER`: whether a class step takes the model's land-cover head's labels "
                         "of the class.")
    water_index = _Choice("water_index", WATER_INDEX, "water index",
                          "One of :data:`WATER_INDEX`: whether a water mask grows into the connected pixels whose "
                          "NDWI marks open water.")

    def flip_average_option(self) -> bool | None:
        """``Engine.load``'s ``flip_average``: None (the model's config), True or False."""
        return _engine_option(self.flip_averaging)

    def sharpen_masks_option(self) -> bool | None:
        """``Engine.load``'s ``sharpen_masks``: None (the model's config), True or False."""
        return _engine_option(self.mask_sharpening)

    def class_signatures_option(self) -> bool | None:
        """``Engine.load``'s ``class_signatures``: None (the model's config), True or False."""
        return _engine_option(self.class_signatures)

    def change_from_classes_option(self) -> bool | None:
        """``Engine.load``'s ``change_from_classes``: None (the model's config), True or False."""
        return _engine_option(self.change_from_classes)

    def land_cover_option(self) -> bool | None:
        """``Engine.load``'s ``land_cover``: None (the model's config), True or False."""
        return _engine_option(self.land_cover)

    def water_index_option(self) -> bool:
        """``Engine.load``'s ``water_index``."""
        return self.water_index == "on"

    @property
    def tile_size(self) -> int:
        """Tile edge in pixels for the native-resolution mask refinement."""
        try:
            value = int(self._get("tile_size", DEFAULT_TILE_SIZE))
        except (TypeError, ValueError):
            return DEFAULT_TILE_SIZE
        return value if 64 <= value <= 8192 else DEFAULT_TILE_SIZE

    @tile_size.setter
    def tile_size(self, value: int) -> None:
        self._set("tile_size", int(value))

    @property
    def results_dir(self) -> str:
        return str(self._get("results_dir", "") or "")

    @results_dir.setter
    def results_dir(self, value: str) -> None:
        self._set("results_dir", str(value or ""))

    @property
    def adapters_dir(self) -> str:
        """Folder whose sub-folders are fine-tuned adapters (each made by ``terrascope finetune``)."""
        return str(self._get("adapters_dir", "") or "")

    @adapters_dir.setter
    def adapters_dir(self, value: str) -> None:
        self._set("adapters_dir", str(value or ""))

    def effective_results_dir(self) -> Path:
        """Where step GeoPackages go: the configured folder, else beside the project, else in the home folder."""
        if self.results_dir:
            return Path(self.results_dir)
        home = QgsProject.instance().homePath()
        base = Path(home) if home else Path.home()
        return base / RESULTS_SUBFOLDER

    def effective_adapters_dir(self) -> Path:
        """The configured adapters folder, else ``<QGIS settings folder>/terrascope/adapters`` (where the
        fine-tune wizard saves by default)."""
        if self.adapters_dir:
            return Path(self.adapters_dir)
        return Path(QgsApplication.qgisSettingsDirPath()) / "terrascope" / "adapters"

    def adapters(self) -> list[Path]:
        """Adapter folders found in the adapters folder (folders holding an ``adapter_config.json``)."""
        root = self.effective_adapters_dir()
        if not root.is_dir():
            return []
        return sorted(p for p in root.iterdir() if (p / "adapter_config.json").is_file())


def _engine_option(choice: str) -> bool | None:
    """One of :data:`MODEL_ON_OFF` as an ``Engine.load`` keyword value: None, True or False."""
    return {"model": None, "on": True, "off": False}[choice]
