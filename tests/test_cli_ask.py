"""`terrascope ask` flow with a deterministic stand-in predictor: JSON on stdout, progress on stderr, the
GeoPackage and preview on disk, --overwrite, other output formats."""
from __future__ import annotations

import json

import pytest

import terrascope_reasoning.engine.api as api
from terrascope_reasoning.engine.cli import main
from tests.test_api_pipeline import BandPredictor, identity_images, scene


@pytest.fixture()
def stand_in(monkeypatch):
    made = []

    def load(cls, model_dir=None, device="auto", adapter=None, model_name=None, **options):
        pred = BandPredictor()
        pred.image_size = 64
        pred.load_options = options
        made.append(pred)
        return cls(None, None, "cpu", predictor=pred, make_images=identity_images, name="stand-in")

    monkeypatch.setattr(api.Engine, "load", classmethod(load))
    return made


def test_ask_json_gpkg_preview(tmp_path, capsys, stand_in):
    import pyogrio

    path, _, _ = scene(tmp_path)
    out, png = tmp_path / "answer.gpkg", tmp_path / "answer.png"
    argv = ["ask", "Which is larger, the lake or the field?", "--optical", path, "--out", str(out), "--json",
            "--preview", str(png), "--choices", "the lake|the field", "--tile-size", "128", "--overlap", "16"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    j = json.loads(captured.out)  # stdout holds exactly one JSON object
    assert j["choice"] == "B" and j["answer"] == "B" and j["seconds"] >= 0
    assert [s["layer"] for s in j["steps"]] == ["step_01", "step_02", "step_03"]
    for s in j["steps"]:
        assert set(s) >= {"index", "text", "date", "modality", "layer", "area_m2", "share", "confidence"}
    assert j["distances_m"] and set(j["distances_m"][0]) >= {"from", "to", "metres"}
    assert "ask" in captured.err  # the progress bar went to stderr
    assert dict(pyogrio.list_layers(out))["step_01"] == "Polygon"
    assert png.exists() and png.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.gpkg", "answer.png", "opt.tif"]
    # the options reached the model's prompt side
    assert stand_in[0].measured[0].startswith("[area")
    # again: refused without --overwrite, fine with it
    assert main(argv) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(argv + ["--overwrite"]) == 0


def test_ask_text_summary_and_other_formats(tmp_path, capsys, stand_in):
    import pyogrio

    path, _, _ = scene(tmp_path)
    assert main(["ask", "Where is the lake?", "--optical", path, "--out", str(tmp_path / "a.geojson"), "-q",
                 "--tile-size", "128", "--overlap", "16"]) == 0
    out = capsys.readouterr()
    # the stand-in answers "B" to a question without options: the last step's measurement is the answer instead
    assert out.out.startswith("Answer: no such region\n") and "step_01" in out.out and out.err == ""
    assert len(pyogrio.read_dataframe(tmp_path / "a.geojson")) == 2
    assert main(["ask", "Where is the lake?", "--optical", path, "--out", str(tmp_path / "a.shp"), "-q",
                 "--tile-size", "128", "--overlap", "16"]) == 0
    assert (tmp_path / "a_step_01.shp").exists() and (tmp_path / "a_step_03.shp").exists()


def test_ask_time_series_dates(tmp_path, capsys, stand_in):
    import numpy as np

    from terrascope_reasoning.engine.geo.raster_io import write_raster
    from tests.test_api_pipeline import CRS, T

    path, _, _ = scene(tmp_path)
    before = write_raster(tmp_path / "before.tif", np.full((3, 300, 420), 500, np.uint16), T, CRS, nodata=0)
    for dates in (["--date", before, path], ["--date", before, "--date", path]):
        assert main(["ask", "What changed?", *dates, "--out", str(tmp_path / "c.gpkg"), "--json", "-q",
                     "--overwrite", "--tile-size", "128", "--overlap", "16"]) == 0
        j = json.loads(capsys.readouterr().out)
        assert [s["date"] for s in j["steps"]] == ["t1", "t1", "t1"]
        assert stand_in[-1].images.valid.shape[0] == 2  # both dates reached the model


@pytest.mark.parametrize("option, flag, expected", [
    ("flip_average", ["--flip-average"], True), ("flip_average", ["--no-flip-average"], False),
    ("flip_average", [], None), ("sharpen_masks", ["--sharpen-masks"], True),
    ("sharpen_masks", ["--no-sharpen-masks"], False), ("sharpen_masks", [], None),
    ("class_signatures", ["--class-signatures"], True), ("class_signatures", ["--no-class-signatures"], False),
    ("class_signatures", [], None), ("change_from_classes", ["--change-from-classes"], True),
    ("change_from_classes", ["--no-change-from-classes"], False), ("change_from_classes", [], None),
    ("water_index", ["--no-water-index"], False),
    ("water_index", [], True), ("land_cover", ["--land-cover"], True), ("land_cover", ["--no-land-cover"], False),
    ("land_cover", [], None)])
def test_mask_option_flags_reach_the_engine(tmp_path, capsys, stand_in, option, flag, expected):
    path, _, _ = scene(tmp_path)
    assert main(["ask", "Where is the lake?", "--optical", path, "--out", str(tmp_path / "a.gpkg"), "-q",
                 "--tile-size", "128", "--overlap", "16"] + flag) == 0
    assert stand_in[0].load_options[option] is expected
