"""experiments.generalisation: its lessons on the smallest settings that show the quick run's outcomes.

One run (module fixture) serves every assertion: three widths, two seeds, fewer steps and
points, a smaller too-large network. Budget: about 8 s on one core.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _experiments import assert_outputs, assert_summary

from experiments import generalisation as exp

CONFIG = dataclasses.replace(
    exp.QUICK,
    widths=(1, 3, 10),
    seeds=2,
    n_grid=100,
    approx_epochs=800,
    overfit_epochs=600,
    n_validation=100,
    big_hidden=(64, 64),
)

EXPECTED = {
    "training_error_falls_with_width_sin": True,
    "training_error_falls_with_width_step": True,
    "overfitting_shows_in_validation_loss": True,
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("generalisation")
    metrics = exp.run(CONFIG, workdir)
    return workdir, metrics


def test_writes_every_output(outcome):
    workdir, _ = outcome
    figures = ["universal_approximation.png", "overfitting.png"]
    files = ["config.json", "metrics.json", "done.json", "universal_approximation.csv", "overfitting_curves.csv"]
    assert_outputs(workdir, files, figures)


def test_lessons_are_the_quick_runs(outcome):
    workdir, metrics = outcome
    assert_summary(workdir, metrics, EXPECTED)
    over = metrics["overfitting"]
    assert 1 <= over["best_epoch"] < CONFIG.overfit_epochs
    assert over["final_train"] < CONFIG.noise**2 < over["best_validation"] < over["final_validation"]


def test_zero_padded_units_stay_zero():
    """The padding that trains every width in one program leaves the narrow network unchanged."""
    config = dataclasses.replace(CONFIG, widths=(2, 5), seeds=1)
    first, second = exp._padded_inits(config)  # (widths, seeds, ...)
    narrow_init = [{k: v[0, 0] for k, v in layer.items()} for layer in (first, second)]
    assert np.all(np.asarray(narrow_init[0]["w"])[:, 2:] == 0) and np.all(np.asarray(narrow_init[1]["w"])[2:] == 0)
    x = np.linspace(-np.pi, np.pi, 20, dtype=np.float32)[:, None]
    wide = exp.networks.approximator(5)
    trained, _ = exp.train.fit(exp._mse_loss(wide), narrow_init, exp.optim.adam(0.01), x, np.sin(x), epochs=50)
    # no gradient reaches a unit with zero weights in and out, and Adam's step for a zero gradient is 0
    assert np.all(np.asarray(trained[0]["w"])[:, 2:] == 0) and np.all(np.asarray(trained[0]["b"])[2:] == 0)
    assert np.all(np.asarray(trained[1]["w"])[2:] == 0)


def test_rejects_bad_settings():
    with pytest.raises(ValueError, match="widths must increase"):
        exp.compute(dataclasses.replace(CONFIG, widths=(10, 3)))
