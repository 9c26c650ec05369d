"""Smoke tests of experiments.model_parameters: every model's count is the dense-layer formula,
the chosen model is the one saved, and the round trip is exact."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest
from _experiments import assert_outputs, assert_summary

from experiments import model_parameters as exp
from fnn import inspect


@pytest.fixture(scope="module")
def quick():
    return exp.compute(exp.QUICK)


def test_quick_settings_show_every_lesson(quick):
    held = {lesson.name: lesson.holds for lesson in exp.lessons(quick)}
    assert held == {"dense_layer_formula": True, "save_load_round_trip": True}


def test_counts(quick):
    counts = {name: m["count"] for name, m in quick["models"].items()}
    assert list(counts) == list(exp.MODEL_NAMES)
    assert counts["perceptron (gates)"] == 3 and counts["hand-set XOR network"] == 9  # 2*2+2 + 2*1+1
    assert counts["deep network (activations)"] == 64 * 32 + 32 + 9 * (32 * 32 + 32) + 32 * 10 + 10
    assert counts["linear regression (housing)"] == 5 and counts["logistic regression (breast cancer)"] == 31
    assert counts["XOR MLP (perceptron)"] == 2 * 8 + 8 + 8 + 1
    assert counts["overfitting network (generalisation)"] == 128 + 128 + 128 * 128 + 128 + 128 + 1


def test_render(quick, tmp_path):
    metrics = exp.render(quick, exp.QUICK, tmp_path)
    assert_outputs(tmp_path, ["models.csv", "parameter_tables.csv", "saved_model.msgpack"], ["parameter_counts.png"])
    assert_summary(tmp_path, metrics)
    summary = (tmp_path / "summary.md").read_text()
    assert "full settings" not in summary  # the quick and full settings build the same models
    assert metrics["round_trip_exact"] is True


@pytest.mark.parametrize("choice", exp.MODEL_NAMES)
def test_the_chosen_model_is_saved(tmp_path, choice):
    seed = 3
    results = exp.compute(dataclasses.replace(exp.QUICK, seed=seed, saved_model=choice))
    exp.save_model(results, tmp_path)  # what render writes, without drawing the figure again
    model = exp.models()[choice]
    expected = model.init(jax.random.key(seed))
    saved = inspect.load(tmp_path / "saved_model.msgpack")
    assert jax.tree.structure(saved) == jax.tree.structure(expected)
    for got, want in zip(jax.tree.leaves(saved), jax.tree.leaves(expected), strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert results["saved_model"] == choice and results["models"][choice]["architecture"] == model.architecture
    assert results["models"][choice]["count"] == inspect.param_count(expected)
    if model.net is not None:  # an MLP: the saved parameters run in its spec
        x = np.ones((2, model.net.layer_sizes[0]), np.float32)
        np.testing.assert_array_equal(model.net.apply(saved, x), model.net.apply(expected, x))


def test_an_unknown_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="saved_model must be one of"):
        exp.run(dataclasses.replace(exp.QUICK, saved_model="nope"), tmp_path)
    assert not (tmp_path / "config.json").exists()
