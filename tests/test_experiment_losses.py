"""Smoke test of experiments.losses: its quick settings show every lesson (computed once,
shared by the tests below), and its outputs are written."""

from __future__ import annotations

import dataclasses

import pytest
from _experiments import assert_outputs, assert_summary

from experiments import losses as exp


@pytest.fixture(scope="module")
def quick():
    return exp.compute(exp.QUICK)


def test_quick_settings_show_every_lesson(quick):
    held = {lesson.name: lesson.holds for lesson in exp.lessons(quick)}
    assert held == {
        "mae_robust_mse_pulled": True,
        "outliers_dominate_mse_gradient": True,
        "every_pairing_learns": True,
        "softmax_one_choice_sigmoids_independent": True,
    }


def test_line_and_tasks(quick):
    line = quick["line"]
    assert line["outlier"].sum() == exp.QUICK.n_outliers
    assert line["outlier"][: exp.QUICK.n_points // 2].sum() == 0  # the outliers are in the right half
    # The gradient of |e| has size 1 at every point, so the outliers' share of MAE's pull is their share of points.
    assert line["MAE"]["outlier_pull"] == pytest.approx(exp.QUICK.n_outliers / exp.QUICK.n_points)
    tasks = {t["task"]: t for t in quick["tasks"]}
    assert list(tasks) == [
        "regression",
        "binary classification",
        "multi-class classification",
        "multi-label classification",
    ]
    assert tasks["regression"]["baseline"] < 0.05  # the training mean explains nothing on test rows


def test_render(quick, tmp_path):
    metrics = exp.render(quick, exp.QUICK, tmp_path)
    assert_outputs(tmp_path, ["tasks.csv"], ["mae_vs_mse.png"])
    assert_summary(tmp_path, metrics)


def test_too_many_outliers_is_refused():
    with pytest.raises(ValueError, match="at most half of n_points"):
        dataclasses.replace(exp.QUICK, n_points=10, n_outliers=6)
