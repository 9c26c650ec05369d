"""experiments.activations: its lessons on the smallest settings that show the quick run's outcomes.

One run (module fixture) serves every assertion: the quick settings with three of the five
activations (sigmoid, tanh, relu) and two of the learning rates (ReLU's best and the
largest). Budget: about 15 s on one core.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from _experiments import assert_outputs, assert_summary

from experiments import activations as exp

CONFIG = dataclasses.replace(
    exp.QUICK, deep_activations=("sigmoid", "tanh", "relu"), learning_rates=(0.1, 1.0), n_held_out=200
)

EXPECTED = {
    "sigmoid_derivative_at_most_a_quarter": True,
    "sigmoid_gradients_vanish": True,
    "relu_family_trains_where_sigmoid_does_not": True,
    "large_steps_kill_relus": True,
    # units deeper than the first layer come back when the layers below change: the report says so
    "dead_units_never_recover": False,
}

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("activations")
    metrics = exp.run(CONFIG, workdir)
    return workdir, metrics


def test_writes_every_output(outcome):
    workdir, _ = outcome
    figures = ["activations.png", "vanishing_gradients.png", "dead_relus.png"]
    files = ["config.json", "metrics.json", "done.json", "activations.csv", "vanishing_gradients.csv"]
    files += ["learning_rate_sweep.csv", "gradient_norms.csv", "dead_relus.csv"]
    assert_outputs(workdir, files, figures)


def test_lessons_are_the_quick_runs(outcome):
    workdir, metrics = outcome
    assert_summary(workdir, metrics, EXPECTED)
    lessons = metrics["lessons"]
    why = lessons["dead_units_never_recover"]["text"]
    assert "Deeper it does not hold here" in why and "layers below" in why


def test_activation_table(outcome):
    _, metrics = outcome
    table = metrics["activation_table"]
    assert table["sigmoid"]["f'(0)"] == pytest.approx(0.25, rel=1e-6)
    assert table["tanh"]["f'(0)"] == pytest.approx(1.0, rel=1e-6)
    assert table["step"]["max f' on [-5, 5]"] == 0.0
    assert table["relu"]["min f on [-5, 5]"] == 0.0


def test_dead_units(outcome):
    _, metrics = outcome
    best, largest = metrics["dead_relus"]["best"], metrics["dead_relus"]["largest"]
    assert best["rate"] == 0.1 and largest["rate"] == 1.0
    assert largest["dead_final"] > best["dead_init"] > best["dead_final"]
    assert best["revived_first_layer"] == largest["revived_first_layer"] == 0  # inputs fixed: no way back


def test_readme_quotes_the_quick_runs_gradient_ratios(outcome):
    """The README's figures are this run's: the ratios at initialisation depend only on the
    settings shared with the quick run (seed, depth, width, seeds, training rows)."""
    _, metrics = outcome
    for field in ("seed", "depth", "width", "seeds", "n_train"):
        assert getattr(CONFIG, field) == getattr(exp.QUICK, field)
    quoted = re.search(
        r"first layer's gradient is ([\d.e-]+) of the last layer's with sigmoid, ([\d.]+) with tanh and "
        r"([\d.]+) with relu",
        " ".join(README.read_text().split()),
    )
    assert quoted, "README: the sentence quoting the activations experiment's gradient ratios has changed"
    ratios = metrics["vanishing_gradients"]
    for name, value in zip(("sigmoid", "tanh", "relu"), quoted.groups(), strict=True):
        assert float(value) == pytest.approx(ratios[name]["grad_ratio_init"], rel=0.05), name


def test_revivals_count_units_dead_then_alive():
    dead = np.zeros((4, 2, 3), bool)  # (epochs + 1, layers, width)
    dead[0, 1, 0] = dead[1, 1, 0] = True  # dead for two epochs, then alive: one revival in layer 2
    dead[1:, 0, 2] = True  # dies and stays dead: none
    assert exp._revivals(dead).tolist() == [0, 1]


def test_rejects_bad_settings():
    with pytest.raises(ValueError, match="deep_activations must be one of"):
        exp.compute(dataclasses.replace(CONFIG, deep_activations=("swish",)))
    with pytest.raises(ValueError, match="increasing"):
        exp.compute(dataclasses.replace(CONFIG, learning_rates=(1.0, 0.1)))
