"""Smoke test of experiments.cross_validation on tiny configs (budget: ~15 s on one core)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from experiments import cross_validation as exp


def test_cli_writes_json_and_scores_match_the_fold_table(tmp_path, capsys):
    out = tmp_path / "cv.json"
    result = exp.main(["--dataset", "iris", "--cv", "3", "--hidden", "4", "--epochs", "2", "--workdir",
                       str(tmp_path / "run"), "--json", str(out), "--no-cache"])
    saved = json.loads(out.read_text())
    assert set(saved) == {"test_score", "mean", "std", "wall_seconds", "compile_seconds"}
    assert len(saved["test_score"]) == 3
    assert saved["mean"] == pytest.approx(np.mean(saved["test_score"]), rel=1e-6)
    assert saved["std"] == pytest.approx(np.std(saved["test_score"]), rel=1e-6)
    assert saved["wall_seconds"] >= saved["compile_seconds"] > 0
    assert all(0.0 <= s <= 1.0 for s in saved["test_score"])
    assert result["diverged_folds"] == 0
    assert "mean ± std" in capsys.readouterr().out
    for name in ("config.json", "metrics.json", "done.json", "summary.md", "folds.csv"):
        assert (tmp_path / "run" / name).is_file()


def test_regression_run_reports_r2(tmp_path):
    config = exp.Config(dataset="diabetes", cv="3", hidden="4,3", epochs=3, batch_size=64, optimizer="sgd", lr=0.05)
    result = exp.run(config, tmp_path)
    assert result["score"] == "R²" and result["n_folds"] == 3
    assert np.all(np.isfinite(result["test_score"])) and max(result["test_score"]) <= 1.0


def test_unknown_optimizer_and_bad_hidden_raise():
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        exp._optimizer("adamm", 0.1)
    with pytest.raises(ValueError, match="comma-separated ints"):
        exp._hidden("32;16")
