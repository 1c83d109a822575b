"""`terrascope ask` end to end in a fresh process with the real network (``tiny-test`` weights) on a
generated scene: exit code, JSON on stdout, GeoPackage layers and fields, preview."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytest.importorskip("terrascope_reasoning.engine.model.registry")


@pytest.mark.slow
def test_cli_ask_end_to_end_tiny_test(tmp_path):
    import pyogrio

    writer = pytest.importorskip("terrascope_reasoning.engine.data.writer")
    (scene,) = writer.write_scenes(tmp_path / "scenes", seed=2, size=96, count=1)
    q = json.loads((scene / "questions.jsonl").read_text().splitlines()[0])
    out, png = tmp_path / "answer.gpkg", tmp_path / "answer.png"
    cmd = [sys.executable, "-m", "engine.cli", "ask", q["question"], "--optical", str(scene / "optical.tif"),
           "--sar", str(scene / "sar.tif"), "--choices", "|".join(q["choices"]), "--model-name", "tiny-test",
           "--device", "cpu", "--tile-size", "64", "--overlap", "8", "--out", str(out), "--preview", str(png),
           "--json"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert set(j) >= {"answer", "choice", "steps", "distances_m", "seconds"}
    assert j["choice"] in (None, "A", "B", "C", "D")
    layers = dict(pyogrio.list_layers(out))
    assert {"trace", "meta", "distances"} <= set(layers)
    assert sorted(n for n in layers if n.startswith("step_")) == [s["layer"] for s in j["steps"]]
    for s in j["steps"]:
        df = pyogrio.read_dataframe(out, layer=s["layer"])
        assert list(df.columns)[:7] == ["step", "label", "date", "area_m2", "perimeter_m", "share", "confidence"]
    trace = pyogrio.read_dataframe(out, layer="trace")
    assert trace.kind.iloc[0] == "question" and trace.text.iloc[0] == q["question"]
    assert png.stat().st_size > 1000
    assert "SAR bands" in r.stderr  # the log says how SAR values were read
    # a second run without --overwrite is refused and leaves the answer as it was
    from terrascope_reasoning.engine.cli import main

    before = out.read_bytes()
    assert main(cmd[3:] + ["--quiet"]) == 1
    assert out.read_bytes() == before
