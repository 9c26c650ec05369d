"""experiments.linear_regression: its lessons on the smallest settings that show the quick run's outcomes.

One run (module fixture) serves every assertion: the quick data with 60 epochs and two
learning rates per decade. Budget: about 8 s on one core.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _experiments import assert_outputs, assert_summary

from experiments import linear_regression as exp

CONFIG = dataclasses.replace(exp.QUICK, epochs=60, points_per_decade=2)

EXPECTED = {
    "normal_equation_recovers_the_line": True,
    "gradient_descent_reaches_the_closed_form": True,
    "stochastic_needs_fewer_epochs": True,
    "hand_gradients_equal_autodiff": True,
    "learning_rate_too_small_or_too_large": True,
    "normal_equation_fails_when_singular": True,
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("linear_regression")
    metrics = exp.run(CONFIG, workdir)
    return workdir, metrics


def test_writes_every_output(outcome):
    workdir, _ = outcome
    figures = ["price_vs_size.png", "loss_curves.png", "learning_rate_sweep.png"]
    files = ["config.json", "metrics.json", "done.json", "methods.csv", "learning_rate_sweep.csv"]
    assert_outputs(workdir, files, figures)


def test_lessons_are_the_quick_runs(outcome):
    workdir, metrics = outcome
    assert_summary(workdir, metrics, EXPECTED)


def test_gradient_descent_against_the_normal_equation(outcome):
    _, metrics = outcome
    best = metrics["normal_equation_mse"]
    for name, method in metrics["methods"].items():
        assert method["final"] <= best * (1 + CONFIG.tolerance), name
        assert method["epochs"] is not None and method["epochs"] <= CONFIG.epochs
    # the sweep splits at the stability limit computed from the data
    assert metrics["first_divergent_rate"] > metrics["stability_limit"]
    assert metrics["duplicated_feature"]["refusal"] and "singular" in metrics["duplicated_feature"]["refusal"]


def test_epochs_within_the_tolerance():
    best = 100.0
    curve = np.array([300.0, 100.5, 102.0, 100.9, 100.2])
    assert exp._epochs_within(curve, best, 0.01) == 4  # it leaves the band at epoch 3, back from 4 on
    assert exp._epochs_within(np.array([300.0, 200.0]), best, 0.01) is None
    first, index = exp._first_within(np.stack([curve, np.array([300.0, 300.0, 300.0, 300.0, 100.0])]), best, 0.01)
    assert (first, index) == (2, 0)


def test_rejects_bad_settings():
    with pytest.raises(ValueError, match="decades"):
        exp.compute(dataclasses.replace(CONFIG, decades=(1.0, -1.0)))
