"""Every bad input to `terrascope ask`: one clear line on stderr, non-zero exit, nothing written."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from affine import Affine

from terrascope_reasoning.engine.cli import main
from terrascope_reasoning.engine.geo.raster_io import write_raster
from tests.test_geo_stack import OPT_T, UTM, make_optical, make_sar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def _run(tmp_path, capsys, *args, out="out.gpkg"):
    before = _files(tmp_path)
    argv = ["ask", *args, "--out", str(tmp_path / out), "--quiet"]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.startswith("terrascope: error: ") and "\n" not in err, err
    assert _files(tmp_path) == before  # nothing partial on disk
    return err


@pytest.fixture()
def inputs(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    opt = make_optical(inp / "opt.tif")
    sar, _ = make_sar(inp / "sar.tif")
    return inp, opt, sar


def test_missing_file(tmp_path, capsys, inputs):
    assert "file not found" in _run(tmp_path, capsys, "q", "--optical", str(tmp_path / "nope.tif"))


def test_not_a_raster(tmp_path, capsys, inputs):
    inp, _, _ = inputs
    (inp / "notes.tif").write_text("hello")
    assert "not a readable raster" in _run(tmp_path, capsys, "q", "--optical", str(inp / "notes.tif"))


def test_corrupt_file(tmp_path, capsys, inputs):
    inp, opt, _ = inputs
    data = open(opt, "rb").read()
    (inp / "broken.tif").write_bytes(data[: len(data) // 3])
    err = _run(tmp_path, capsys, "q", "--optical", str(inp / "broken.tif"))
    assert "broken.tif" in err


def test_no_crs(tmp_path, capsys, inputs):
    import rasterio

    inp, _, _ = inputs
    with rasterio.open(inp / "nocrs.tif", "w", driver="GTiff", width=8, height=8, count=3, dtype="uint8",
                       transform=OPT_T) as ds:
        ds.write(np.ones((3, 8, 8), np.uint8))
    assert "no CRS" in _run(tmp_path, capsys, "q", "--optical", str(inp / "nocrs.tif"))


def test_inputs_do_not_overlap(tmp_path, capsys, inputs):
    inp, opt, _ = inputs
    far = write_raster(inp / "far.tif", np.zeros((2, 8, 8), np.float32) - 10, Affine(0.001, 0, -60, 0, -0.001, -10),
                       "EPSG:4326")
    assert "does not overlap" in _run(tmp_path, capsys, "q", "--optical", opt, "--sar", far)


def test_aoi_does_not_overlap(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    err = _run(tmp_path, capsys, "q", "--optical", opt, "--aoi", "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))")
    assert "area of interest does not overlap" in err


def test_empty_aoi(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    assert "empty" in _run(tmp_path, capsys, "q", "--optical", opt, "--aoi", "POLYGON EMPTY")


def test_invalid_aoi_text(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    assert "WKT" in _run(tmp_path, capsys, "q", "--optical", opt, "--aoi", "POLYGON((0 0, 1 0")


def test_all_nodata_window(tmp_path, capsys, inputs):
    inp, _, _ = inputs
    zeros = write_raster(inp / "zeros.tif", np.zeros((3, 32, 32), np.uint16), OPT_T, UTM, nodata=0)
    assert "nodata" in _run(tmp_path, capsys, "q", "--optical", zeros)


def test_too_few_bands(tmp_path, capsys, inputs):
    inp, opt, _ = inputs
    two = make_optical(inp / "two.tif", bands=2)
    assert "band" in _run(tmp_path, capsys, "q", "--optical", two)
    assert "band 7" in _run(tmp_path, capsys, "q", "--optical", opt, "--optical-bands", "7,2,1")
    assert "band numbers" in _run(tmp_path, capsys, "q", "--optical", opt, "--optical-bands", "x,y")


def test_unknown_model_folder(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    err = _run(tmp_path, capsys, "q", "--optical", opt, "--model", str(tmp_path / "no-model"))
    assert "model folder not found" in err
    (tmp_path / "empty-model").mkdir()
    err = _run(tmp_path, capsys, "q", "--optical", opt, "--model", str(tmp_path / "empty-model"))
    assert "holds no model" in err


def test_output_exists_without_overwrite(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    (tmp_path / "out.gpkg").write_text("previous answer")
    assert "--overwrite" in _run(tmp_path, capsys, "q", "--optical", opt)
    assert (tmp_path / "out.gpkg").read_text() == "previous answer"


def test_output_folder_not_writable(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    code = main(["ask", "q", "--optical", opt, "--out", "/proc/sys/answer.gpkg", "--quiet"])
    assert code != 0 and "not writable" in capsys.readouterr().err
    code = main(["ask", "q", "--optical", opt, "--out", str(tmp_path / "missing" / "a.gpkg"), "--quiet"])
    assert code != 0 and "does not exist" in capsys.readouterr().err
    if os.getuid() != 0:  # root writes anywhere; the read-only /proc/sys case above covers it
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        try:
            assert main(["ask", "q", "--optical", opt, "--out", str(ro / "a.gpkg"), "--quiet"]) != 0
            assert "not writable" in capsys.readouterr().err
        finally:
            ro.chmod(0o755)


def test_empty_question(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    assert "question is empty" in _run(tmp_path, capsys, "   ", "--optical", opt)


def test_a_question_in_another_language(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    err = _run(tmp_path, capsys, "Welcher Anteil des Gebiets ist Wald?", "--optical", opt)
    assert "does not read as English" in err and "What share of the area is water?" in err
    assert not list(tmp_path.glob("*.gpkg"))


def test_no_input_and_bad_extension(tmp_path, capsys, inputs):
    _, opt, _ = inputs
    assert "no input raster" in _run(tmp_path, capsys, "q")
    assert ".gpkg" in _run(tmp_path, capsys, "q", "--optical", opt, out="answer.txt")


def test_subprocess_entry_point_reports_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "engine.cli", "ask", "q", "--optical", str(tmp_path / "x.tif"),
                        "--out", str(tmp_path / "o.gpkg")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [f"terrascope: error: file not found: {tmp_path / 'x.tif'}"]
    assert r.stdout == "" and list(tmp_path.iterdir()) == []


def test_missing_subcommand_modules_say_so(tmp_path, capsys, monkeypatch):
    import terrascope_reasoning.engine.cli as cli

    def missing(module, attr, command):
        raise cli.EngineError(f"`terrascope {command}` is not available in this build")

    monkeypatch.setattr(cli, "_import", missing)
    for argv in (["bench", "--data", str(tmp_path)], ["train", "--data", str(tmp_path), "--out", str(tmp_path)],
                 ["finetune", "--images", "a.tif", "--labels", "l.tif", "--out", str(tmp_path / "ad")]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("terrascope: error:") and "not available" in err and "\n" not in err
