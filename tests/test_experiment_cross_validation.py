"""Smoke tests of experiments.cross_validation: its quick settings show the course's lessons,
its command line behaves like a tool (bad values end with one argparse error line and
exit code 2; ``--json`` writes the scores), and every fold standardises on its own rows.

The quick settings are also the smallest that show the spread lesson (fewer repetitions
leave the hold-out's spread to chance), and their whole study is one compiled program,
run once for all the assertions below.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from experiments import _common
from experiments import cross_validation as exp

PROG = "python -m experiments.cross_validation"


@pytest.fixture(scope="module")
def quick():
    """compute(QUICK) once, and its rendering, shared by the tests below."""
    return exp.compute(exp.QUICK)


@pytest.fixture(scope="module")
def rendered(quick, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cross_validation")
    return workdir, exp.render(quick, exp.QUICK, workdir)


def test_quick_settings_show_the_lessons(quick):
    held = {lesson.name: lesson.holds for lesson in exp.lessons(quick)}
    # more_training_data is reported, not promised: on iris the estimates' means differ by less than their noise
    for name in ("kfold_steadier_than_holdout", "loocv_steadier_than_holdout", "shuffle_ordered_data"):
        assert held[name], name
    assert set(held) == {
        "kfold_steadier_than_holdout",
        "loocv_steadier_than_holdout",
        "more_training_data",
        "shuffle_ordered_data",
    }


def test_headline_uses_stratified_shuffled_folds(quick):
    head = quick["headline"]
    assert quick["folds"] == "5-fold, stratified, shuffled"
    assert head["test_size"].tolist() == [30] * 5
    assert head["mean"] > 0.9  # the old unshuffled 5-fold on class-sorted rows scored 0.72
    assert head["correct"] == round(head["mean"] * 150)
    low, high = head["interval"]
    assert low < head["pooled"] < high
    # every fold of the headline, the spread and the fold scores trained in one program
    spread = quick["spread"]
    per_repeat = sum(spread["folds"].values())
    assert quick["folds_in_program"] == 5 + exp.QUICK.repeats * per_repeat + sum(
        2 * k for k in exp.QUICK.fold_scores_ks
    )


def test_spread_estimates_are_pooled_scores_of_each_repetition(quick):
    spread = quick["spread"]
    assert spread["estimators"] == ["hold-out", "5-fold", "10-fold", "LOOCV"]
    for name in spread["estimators"]:
        e = spread["estimates"][name]
        assert e.shape == (exp.QUICK.repeats,) and np.all((0 <= e) & (e <= 1))
        # an accuracy over the whole of iris (or a 38-row hold-out) is a count of right rows
        rows = 38 if name == "hold-out" else 150
        np.testing.assert_allclose(e * rows, np.round(e * rows), atol=1e-3)
    assert spread["training_fraction"]["hold-out"] == pytest.approx(112 / 150)


def test_fold_scores_unshuffled_blocks_miss_classes(quick):
    folds, unseen = quick["fold_scores"], quick["fold_scores_unseen"]
    assert quick["fold_scores_class_sorted"] is True
    np.testing.assert_array_equal(folds["3-fold unshuffled"], [0, 0, 0])  # each test class absent from training
    assert unseen["3-fold unshuffled"] == 1.0 and unseen["3-fold shuffled"] == 0.0


def test_render_writes_figures_tables_and_whole_sentence_alt_text(rendered):
    workdir, metrics = rendered
    for name in ("spread.png", "fold_scores.png", "folds.csv", "spread.csv", "fold_scores.csv", "summary.md"):
        assert (workdir / name).is_file(), name
    summary = (workdir / "summary.md").read_text()
    for alt in re.findall(r"!\[([^\]]*)\]", summary):
        assert alt.endswith("."), alt  # a whole sentence, not cut at 80 characters
    assert metrics["lessons"]["shuffle_ordered_data"]["holds"] is True
    _common.write_json(workdir / "metrics-again.json", metrics)  # every metric is plain JSON


def test_loocv_reports_a_wilson_interval_not_the_std_of_0_1_scores(quick):
    from scipy.stats import binomtest

    ci = binomtest(143, 150).proportion_ci(confidence_level=0.95, method="wilson")
    np.testing.assert_allclose(exp.wilson_interval(143, 150), (ci.low, ci.high), rtol=1e-9)
    assert exp.wilson_interval(0, 10)[0] == 0.0 and exp.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    loo = dataclasses.replace(exp.QUICK, cv="loo")
    results = {
        **quick,
        "folds": "leave-one-out (150 folds)",
        "headline": {**quick["headline"], "interval": (0.9, 0.98), "correct": 143, "tested": 150, "pooled": 0.953},
    }
    text = exp.headline_text(results, loo)
    assert "±" not in text and "95 % Wilson interval 0.900-0.980" in text


def test_command_runs_just_the_cross_validation_and_writes_json(tmp_path, capsys):
    """Regression data (diabetes): shuffled K-fold and R², no interval; the studies run only when asked."""
    out = tmp_path / "cv.json"
    metrics = exp.main(
        ["--dataset", "diabetes", "--cv", "3", "--hidden", "4", "--epochs", "3", "--batch-size", "64"]
        + ["--optimizer", "sgd", "--workdir", str(tmp_path / "run"), "--json", str(out), "--no-cache"]
    )
    saved = json.loads(out.read_text())
    assert {"test_score", "mean", "std"} <= set(saved) and "interval" not in saved
    assert len(saved["test_score"]) == 3 and saved["n_folds"] == 3 and saved["score"] == "R²"
    assert np.all(np.isfinite(saved["test_score"])) and max(saved["test_score"]) <= 1.0
    assert saved["mean"] == pytest.approx(np.mean(saved["test_score"]), rel=1e-6)
    assert saved["std"] == pytest.approx(np.std(saved["test_score"]), rel=1e-6)
    assert saved["wall_seconds"] >= saved["compile_seconds"] > 0
    assert saved["folds"] == "3-fold, shuffled"
    assert "spread" not in metrics and "grid" not in metrics
    assert not (tmp_path / "run" / "spread.png").exists()
    assert "mean ± std" in capsys.readouterr().out


def test_grid_and_timing_studies(tmp_path):
    config = dataclasses.replace(
        exp.QUICK, hidden="4", epochs=20, spread=False, fold_scores=False, grid=True, timing=True,
        grid_lrs=(1e-3, 1e-1), grid_folds=3, timing_folds=3,
    )  # fmt: skip
    # 3 stratified folds of iris have 50 rows each: the loop compiles once
    results = exp.compute(config)
    names = {lesson.name: lesson for lesson in exp.lessons(results)}
    assert names["routes_agree"].holds  # the same folds, keys and full-batch training along both routes
    grid = results["grid"]
    assert grid["best_lr"] in config.grid_lrs and grid["best_score"] == pytest.approx(max(grid["mean"]))
    exp.render(results, config, tmp_path)
    for name in ("grid.png", "timing.png", "grid.csv", "timing.csv"):
        assert (tmp_path / name).is_file(), name


def test_data_table_matches_the_data():
    from fnn import datasets

    for name, (n, smallest) in exp.DATA.items():
        _, y = datasets.load(name)
        y = np.asarray(y)
        assert y.shape[0] == n
        assert smallest == (None if y.dtype.kind == "f" else int(np.bincount(y).min()))


BAD = [
    (["--activation", "relux"], "argument --activation: invalid choice: 'relux'"),
    (["--cv", "abc"], "argument --cv: must be an int K >= 2 or 'loo', got 'abc'"),
    (["--cv", "1"], "argument --cv: must be an int K >= 2"),
    (["--cv", "51"], "the smallest class of iris has 50"),
    (["--lr", "-0.01"], "argument --lr: must be > 0, got -0.01"),
    (["--lr", "nan"], "argument --lr: must be a number"),
    (["--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
    (["--epochs", "1.5"], "argument --epochs: invalid int value: '1.5'"),
    (["--dataset", "mnist"], "argument --dataset: invalid choice: 'mnist'"),
    (["--optimizer", "adamm"], "argument --optimizer: invalid choice: 'adamm'"),
    (["--hidden", "32;16"], "argument --hidden: must be comma-separated ints"),
    (["--hidden", "32,0"], "argument --hidden: must be hidden widths >= 1"),
    (["--spread-ks", "1"], "argument --spread-ks: must be >= 2, got 1"),
    (["--grid-lrs", "0.1", "-1"], "argument --grid-lrs: must be > 0, got -1.0"),
    (["--study-dataset", "diabetes"], "argument --study-dataset: invalid choice: 'diabetes'"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_flag_values_end_with_one_argparse_line_and_exit_code_2(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        exp.main([*argv, "--workdir", str(tmp_path), "--no-cache"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"usage: {PROG} [options]", err[-1]]
    assert err[-1].startswith(f"{PROG}: error: ") and message in err[-1], err[-1]
    assert not (tmp_path / "config.json").exists()  # nothing ran


def test_optimizer_choices_are_only_optimizers():
    assert exp.OPTIMIZERS == (
        "adadelta", "adagrad", "adam", "adamax", "adamw", "amsgrad",
        "lion", "momentum", "nadam", "nesterov", "rmsprop", "sgd",
    )  # fmt: skip


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(cv="200"), "more than the 150 rows"),
        (dict(spread_ks=(60,)), "spread_ks: K=60 is more than the 50 members"),
        (dict(batch_size=500), "batch_size=500 is more than the 150 rows"),
        (dict(fold_scores_ks=()), "fold_scores_ks is empty"),
    ],
)
def test_bad_settings_raise_before_any_work(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(exp.QUICK, **change)


def test_every_fold_standardises_with_its_own_training_rows():
    """A fold's scaler is fitted on its training rows only: moving a test row does not change it."""
    import jax
    import jax.numpy as jnp

    from fnn import datasets

    X, y = datasets.load("iris")
    config = dataclasses.replace(exp.QUICK, hidden="4", epochs=1)
    fit_fn, _, _ = exp.make_task(config, X, y)
    fit_fn = jax.jit(fit_fn)
    w = jnp.ones(150).at[:30].set(0.0)
    key = jax.random.key(0)
    params, _ = fit_fn(key, X, y, w)
    moved, _ = fit_fn(key, X.at[:30].add(100.0), y, w)
    np.testing.assert_array_equal(params["scaler"]["mean"], moved["scaler"]["mean"])
    np.testing.assert_array_equal(params["scaler"]["std"], moved["scaler"]["std"])
