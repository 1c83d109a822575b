"""`terrascope synth` for real; `bench` output and argument passing with the benchmark function stood in."""
from __future__ import annotations

import json

import pytest

from terrascope_reasoning.engine.cli import main


def test_synth_writes_scenes(tmp_path, capsys):
    pytest.importorskip("terrascope_reasoning.engine.data.writer")
    assert main(["synth", "--out", str(tmp_path / "s"), "--size", "64", "--count", "2", "--seed", "4", "-q"]) == 0
    assert "2 scene(s)" in capsys.readouterr().out
    for name in ("scene_0000", "scene_0001"):
        folder = tmp_path / "s" / name
        assert {"optical.tif", "sar.tif", "pre.tif", "post.tif", "labels.tif", "questions.jsonl"} <= {
            p.name for p in folder.iterdir()}
    assert main(["synth", "--out", str(tmp_path / "t"), "--size", "8", "-q"]) == 1
    assert "--size" in capsys.readouterr().err


def test_bench_json_and_summary(tmp_path, capsys, monkeypatch):
    import terrascope_reasoning.engine.cli as cli

    calls = []

    def run_bench(data_dir, model_dir, adapter, progress):
        calls.append((data_dir, model_dir, adapter))
        if progress is not None:
            progress(1.0, "done")
        return {"accuracy": 0.5, "giou": 0.25, "ciou": 0.125, "n": 8,
                "per_task": {"coverage": {"accuracy": 0.5, "giou": 0.25, "n": 4}}}

    monkeypatch.setattr(cli, "_import", lambda module, attr, command: run_bench)
    assert main(["bench", "--data", str(tmp_path), "--model", "m", "--json", "-q"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["accuracy"] == 0.5 and out["per_task"]["coverage"]["n"] == 4
    assert calls == [(str(tmp_path), "m", None)]
    assert main(["bench", "--data", str(tmp_path), "-q"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("accuracy 0.500  gIoU 0.250  cIoU 0.125  n=8") and "coverage" in text
    assert main(["bench", "--data", str(tmp_path / "none"), "-q"]) == 1
    assert "folder not found" in capsys.readouterr().err
