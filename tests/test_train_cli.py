"""`terrascope train` end to end on tiny-test: stage 2 with LoRA adapters merged into the saved model."""
from __future__ import annotations

import json

from engine.cli import main


def test_train_command_writes_a_loadable_model(tmp_path, capsys):
    out = tmp_path / "model"
    rc = main(["train", "--model", "tiny-test", "--out", str(out), "--stage", "2", "--stage2-steps", "2",
               "--batch-size", "1", "--workers", "0", "--eval-every", "0", "--device", "cpu", "--no-progress",
               "--log-every", "1"])
    assert rc == 0
    printed = capsys.readouterr()
    summary = json.loads(printed.out.strip().splitlines()[-1])
    assert summary["steps"] == 2 and summary["finished"] and summary["loss"] > 0
    assert summary["samples_per_s"] > 0 and 0 <= summary["data_wait_share"] <= 1
    # without a progress bar, a line per logging step says the pace and what sets it
    assert [line.split()[1] for line in printed.err.splitlines() if line.startswith("step ")] == ["1/2", "2/2"]
    assert "samples/s data wait" in printed.err
    from engine.model.checkpoint import from_pretrained

    model, _ = from_pretrained(out)
    assert not any("lora_" in n for n, _ in model.named_parameters())  # LoRA merged before saving
    assert json.loads((out / "train_config.json").read_text())["lm_mode"] == "lora"


def test_train_command_bad_config_is_one_line(tmp_path, capsys):
    (tmp_path / "c.json").write_text('{"stage": 7}')
    rc = main(["train", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and "stage must be 1, 2" in err and len(err.splitlines()) == 1


def test_finetune_command_estimate_and_bad_labels(tmp_path, capsys):
    from engine.train.region import write_region

    r = write_region(tmp_path / "region", seed=3, size=64)
    rc = main(["finetune", "--images", r["optical"], "--labels", r["labels_vector"], "--label-field", "class",
               "--steps", "50", "--estimate"])
    assert rc == 0 and json.loads(capsys.readouterr().out)["estimated_seconds"] > 0
    rc = main(["finetune", "--images", r["optical"], "--labels", r["labels_vector"], "--label-field", "kind",
               "--base", "tiny-test", "--out", str(tmp_path / "adapter"), "--no-progress"])
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert rc != 0 and len(errors) == 1 and "no field 'kind'; fields: class" in errors[0]
    assert not (tmp_path / "adapter").exists()
