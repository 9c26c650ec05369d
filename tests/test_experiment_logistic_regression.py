"""Smoke test of experiments.logistic_regression: its quick settings show every lesson
(computed once, shared by the tests below), and its outputs are written."""

from __future__ import annotations

import pytest
from _experiments import assert_outputs, assert_summary

from experiments import logistic_regression as exp


@pytest.fixture(scope="module")
def quick():
    return exp.compute(exp.QUICK)


def test_quick_settings_show_every_lesson(quick):
    held = {lesson.name: lesson.holds for lesson in exp.lessons(quick)}
    assert held == {
        "hand_gradient_equals_autodiff": True,
        "log_loss_falls_every_step": True,
        "metrics_match_sklearn": True,
        "accuracy_hides_which_errors": True,
        "as_good_as_sklearn": True,
    }


def test_split_and_metrics(quick):
    assert quick["n_test"] == 171 and quick["n_train"] == 569 - 171  # ceil(0.3 * 569) held out, as scikit-learn
    assert quick["fnn_confusion"].sum() == quick["sklearn_confusion"].sum() == 171
    assert quick["fnn"]["accuracy"] > 0.9 and quick["sklearn"]["accuracy"] > 0.9
    assert quick["train_loss"].shape == quick["test_loss"].shape == (exp.QUICK.epochs,)


def test_render(quick, tmp_path):
    metrics = exp.render(quick, exp.QUICK, tmp_path)
    assert_outputs(tmp_path, ["test_metrics.csv"], ["logistic_regression.png"])
    assert_summary(tmp_path, metrics)
