"""Tiny real inputs for the plugin tests: GeoTIFFs written with rasterio, and a stand-in engine that
grounds real masks (thresholds of the optical raster) and writes a real step GeoPackage through engine.geo,
for the plugin parts that do not depend on the language model; and the ``plugin`` fixture, the plugin loaded into
the test interface with its panel shown and its results written under the test's temporary folder."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

UTM = "EPSG:32633"
ORIGIN = (500_000.0, 5_000_000.0)  # upper-left corner, metres
PIXEL_M = 10.0


def write_optical(path: Path, size: int = 128, origin=ORIGIN, crs: str = UTM, seed: int = 0) -> Path:
    """3-band uint16 reflectance (scale 1e4): a bright square (rows/cols 32..63) on a dark background."""
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(seed)
    data = rng.integers(300, 900, size=(3, size, size)).astype("uint16")
    data[:, 32:64, 32:64] = 2500
    data[:, 80:96, 70:110] = 1800  # a second, fainter patch
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 3, "dtype": "uint16", "crs": crs,
               "transform": from_origin(origin[0], origin[1], PIXEL_M, PIXEL_M)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    return path


def write_sar(path: Path, size: int = 128, origin=ORIGIN, crs: str = UTM, seed: int = 1) -> Path:
    """2-band float32 SAR backscatter in dB (VV, VH)."""
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(seed)
    data = rng.uniform(-20, -5, size=(2, size, size)).astype("float32")
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 2, "dtype": "float32", "crs": crs,
               "transform": from_origin(origin[0], origin[1], PIXEL_M, PIXEL_M)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    return path


@dataclass
class FakeStep:
    index: int
    text: str
    label: str
    date: str
    modality: str
    area_m2: float | None
    perimeter_m: float | None
    share: float | None
    confidence: float | None
    mask: np.ndarray | None = None


@dataclass
class FakeAnswer:
    answer: str
    choice: str | None
    steps: list
    distances: list
    transform: object = None
    crs: object = None
    layers: dict = field(default_factory=dict)

    def to_geopackage(self, path, overwrite: bool = False):
        from terrascope_reasoning.engine.geo.writer import write_geopackage

        return write_geopackage(path, self.layers, overwrite=overwrite)


class ThresholdEngine:
    """Answers every question with two grounded steps: pixels brighter than 2000 and than 1500 (first
    band), measured and written with engine.geo. ``delay_s`` per progress tick lets tests cancel midway."""

    def __init__(self, delay_s: float = 0.0, ticks: int = 5):
        self.delay_s = delay_s
        self.ticks = ticks
        self.calls = 0
        self.started = threading.Event()

    def ask(self, question, optical=None, sar=None, dates=None, aoi=None, progress=None, cancelled=None):
        import rasterio
        from terrascope_reasoning.engine.errors import Cancelled

        # the submodules directly (the package exports the same functions lazily)
        from terrascope_reasoning.engine.geo.measuring import mask_area_m2
        from terrascope_reasoning.engine.geo.vectorizing import vectorize
        from terrascope_reasoning.engine.geo.writer import step_features

        self.calls += 1
        self.started.set()
        for i in range(self.ticks):
            if cancelled and cancelled():
                raise Cancelled("cancelled")
            if progress:
                progress(i / self.ticks, f"step {i + 1}")
            time.sleep(self.delay_s)
        with rasterio.open(optical or dates[0]) as src:
            band, transform, crs = src.read(1), src.transform, src.crs
        steps, layers = [], {}
        for index, (threshold, label) in enumerate(((2000, "bright"), (1500, "fainter")), start=1):
            mask = band > threshold
            area = mask_area_m2(mask, transform, crs)
            polys = vectorize(mask, transform, crs)
            gdf = step_features(polys, index, label, "", area, float(mask.mean()), 0.9)
            layers[f"step_{index:02d}"] = gdf
            steps.append(FakeStep(index, f"Find the {label} area [SEG]", label, "", "optical", area,
                                  float(gdf["perimeter_m"].sum()), float(mask.mean()), 0.9, mask))
        steps.append(FakeStep(3, "Compare the two areas.", "", "", "", None, None, None, None))
        return FakeAnswer("The bright area is smaller.", "B", steps,
                          [{"from": 1, "to": 2, "metres": 70.0}], transform, crs, layers)


def stand_in_engine(request=None):
    """The real Engine with the pipeline tests' deterministic predictor (step k = band k above half range).
    Also the engine process's factory in tests (``TERRASCOPE_ENGINE_FACTORY``)."""
    from terrascope_reasoning.engine.api import Engine

    from .test_api_pipeline import BandPredictor, identity_images

    predictor = BandPredictor()
    predictor.image_size = 64
    return Engine(None, None, "cpu", predictor=predictor, make_images=identity_images, name="stand-in")


def slow_engine(request=None):
    """Engine-process factory: a ThresholdEngine that takes 40 s unless cancelled."""
    return ThresholdEngine(delay_s=0.2, ticks=200)


def threshold_engine(request=None):
    """Engine-process factory: the quick ThresholdEngine."""
    return ThresholdEngine()


def exiting_engine(request=None):
    """Engine-process factory that ends the process, as a native crash would."""
    import os

    os._exit(3)


@pytest.fixture()
def plugin(qgis_iface, qtbot, tmp_path):
    from qgis.core import QgsSettings

    import terrascope_reasoning
    from terrascope_reasoning.terrascope_plugin.settings import SECTION, Settings

    QgsSettings().remove(SECTION)
    Settings().results_dir = str(tmp_path / "results")
    plugin = terrascope_reasoning.classFactory(qgis_iface)
    plugin.initGui()
    qgis_iface.window.show()
    plugin.dock.show()
    yield plugin
    if plugin.task is not None:
        plugin.task.cancel()
        qtbot.waitUntil(lambda: plugin.task is None, timeout=20000)
    plugin.unload()
    QgsSettings().remove(SECTION)
