"""Smoke tests of experiments.cross_validation on tiny configs (budget: ~25 s on one core)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from experiments import cross_validation as exp


def test_cli_writes_json_and_scores_match_the_fold_table(tmp_path, capsys):
    out = tmp_path / "cv.json"
    result = exp.main(
        [
            "--dataset",
            "iris",
            "--cv",
            "3",
            "--hidden",
            "4",
            "--epochs",
            "2",
            "--workdir",
            str(tmp_path / "run"),
            "--json",
            str(out),
            "--no-cache",
            "--no-spread",
            "--no-fold-scores",
            "--no-timing",
            "--no-grid",
        ]
    )
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
    config = exp.Config(
        dataset="diabetes",
        cv="3",
        hidden="4,3",
        epochs=3,
        batch_size=64,
        optimizer="sgd",
        lr=0.05,
        spread=False,
        fold_scores=False,
        timing=False,
        grid=False,
    )
    result = exp.run(config, tmp_path)
    assert result["score"] == "R²" and result["n_folds"] == 3
    assert np.all(np.isfinite(result["test_score"])) and max(result["test_score"]) <= 1.0


@pytest.mark.parametrize(
    "change,error,message",
    [
        (dict(optimizer="adamm"), ValueError, "unknown optimizer 'adamm'"),
        (dict(hidden="32;16"), ValueError, "comma-separated ints"),
        (dict(hidden="32,0"), ValueError, "hidden widths must be >= 1"),
        (dict(activation="swishy"), ValueError, "unknown activation 'swishy'"),
    ],
)
def test_bad_model_settings_raise_before_tracing(change, error, message):
    X, y = np.ones((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2])
    with pytest.raises(error, match=message):
        exp.make_task(exp.Config(**change), X, y)


# 30 epochs cost little (150 rows); fewer leave the nets too untrained to show the lessons
STUDY = dict(
    dataset="iris",
    cv="3",
    hidden="4",
    epochs=30,
    holdout_seeds=4,
    spread_ks=(3,),
    spread_repeats=2,
    loo=True,
    fold_scores_ks=(3,),
    timing_folds=3,
    grid_lrs=(1e-3, 1e-1),
    grid_folds=2,
)


def test_study_writes_every_part_and_its_numbers_are_sane(tmp_path):
    # the main run's 3 unshuffled folds are reused as the timing part's vmapped route
    result = exp.run(exp.Config(**STUDY), tmp_path)
    figures = ("spread.png", "fold_scores.png", "timing.png", "grid.png")
    for name in (*figures, "spread.csv", "spread.json", "fold_scores.csv", "timing.csv", "grid.csv"):
        assert (tmp_path / name).is_file(), name
    summary = (tmp_path / "summary.md").read_text()
    assert all(f"]({f})" in summary for f in figures)

    spread = json.loads((tmp_path / "spread.json").read_text())
    assert [len(v) for v in spread.values()] == [4, 2, 1]  # hold-out seeds, 3-fold repeats, LOOCV
    for name, stats in result["spread"].items():
        assert stats["std"] >= 0 and 0 <= stats["mean"] <= 1
        assert stats["mean"] == pytest.approx(np.mean(spread[name]), rel=1e-6)
    # 150 LOOCV + 4 hold-out + 6 repeated + 3 + 3 fold-score folds in one call
    assert result["study_folds"] == 150 + 4 + 6 + 6

    folds = result["fold_scores"]
    assert len(folds["3-fold unshuffled"]) == 3 and len(folds["3-fold shuffled"]) == 3
    # iris is sorted by class: each unshuffled 3-fold test fold is a class its training rows lack
    means = result["fold_score_means"]
    assert means["3-fold unshuffled"] < 0.2 < 0.6 < means["3-fold shuffled"]
    assert means["3-fold shuffled"] == pytest.approx(np.mean(folds["3-fold shuffled"]), rel=1e-6)

    timing = result["timing"]
    for route in ("vmapped", "sequential"):
        assert timing[route]["included"] >= timing[route]["excluded"] > 0
    # the same folds, keys and full-batch training along both routes
    assert timing["max_score_difference"] <= 1 / 50 + 1e-6  # at most one of 50 test rows flips by rounding

    grid = result["grid"]
    assert grid["best_lr"] in STUDY["grid_lrs"] and len(grid["mean"]) == 2
    assert grid["best_score"] == pytest.approx(max(grid["mean"]), rel=1e-6)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(holdout_seeds=0), "holdout_seeds must be >= 1"),
        (dict(spread_ks=(1,)), r"spread_ks\[0\] must be >= 2"),
        (dict(grid_lrs=(0.1, -1.0)), "grid_lrs must be positive"),
        (dict(timing_folds=1), "timing_folds must be >= 2"),
        (dict(study_dataset="diabetes"), "classification data set"),
    ],
)
def test_bad_study_settings_raise(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        exp.run(exp.Config(**{**STUDY, **change}), tmp_path)
