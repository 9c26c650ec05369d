"""experiments.optimizers: its lessons on the smallest settings that show the quick run's outcomes.

One run (module fixture) serves every assertion. The settings are the quick ones for the
optimizers kept, so the numbers are the quick run's: an optimizer's sweep is its own
program, independent of which others run. Budget: about 20 s on one core.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import sys

import numpy as np
import pytest
from _experiments import assert_outputs, assert_summary

from experiments import _common
from experiments import optimizers as exp
from experiments._numbers import sig, spread

HAS_TORCH = importlib.util.find_spec("torch") is not None

CONFIG = dataclasses.replace(
    exp.QUICK,
    optimizers=("sgd", "momentum", "nesterov", "adadelta", "adam"),
    mlp_optimizers=("sgd", "momentum", "adadelta", "adam"),
    compared=("sgd", "adam"),
    timing_rounds=3,
    timing_calls=5,
)

# What the quick run shows, lesson by lesson (True: the material's claim holds in it).
EXPECTED = {
    "momentum_along_the_valley": True,
    "adam_vs_sgd_on_rosenbrock": True,
    "momentum_leaves_the_saddle": True,
    "momentum_speeds_up_sgd": True,
    # tuned, plain SGD's larger rate makes up momentum's lead: the report says so and why
    "momentum_speeds_up_sgd_when_tuned": False,
    "adaptive_first_when_tuned": True,
    "adaptive_first_at_defaults": True,
    "same_as_optax": True,
    **({"same_as_torch": True} if HAS_TORCH else {}),
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("optimizers")
    metrics = exp.run(CONFIG, workdir)
    return workdir, metrics


def test_writes_every_output(outcome):
    workdir, _ = outcome
    figures = ["paths.png", "test_function_values.png", "mlp_loss_curves.png", "mlp_learning_rates.png"]
    files = ["config.json", "metrics.json", "done.json", "test_functions.csv", "mlp.csv"]
    assert_outputs(workdir, files, figures)


def test_lessons_are_the_quick_runs(outcome):
    workdir, metrics = outcome
    assert_summary(workdir, metrics, EXPECTED)
    lessons = metrics["lessons"]
    # the lesson that does not hold says why, with the numbers behind it
    why = lessons["momentum_speeds_up_sgd_when_tuned"]["text"]
    assert "not faster beyond the spread over seeds" in why and "1 / (1 - 0.9) = 10" in why


def test_each_optimizer_at_its_best_rate_and_the_materials(outcome):
    _, metrics = outcome
    mlp = metrics["mlp"]
    assert mlp["adam"]["best_rate"] > exp.MATERIAL["adam"][1]  # the material's 0.001 is not Adam's best here
    assert mlp["momentum"]["epochs_to_target_default"] is not None
    assert mlp["sgd"]["epochs_to_target_default"] is None  # plain SGD at 0.01 does not get there in 15 epochs
    for name in CONFIG.optimizers:
        assert metrics["max_deviation_from_optax_2d"][name] < 1e-4


def test_step_time_ratios_are_medians_with_their_spread(outcome):
    workdir, metrics = outcome
    rows = (workdir / "comparison.csv").read_text().splitlines()
    header = rows[0]
    assert ("fnn - torch" in header) == HAS_TORCH and "|" not in header
    cell = re.compile(r"^\d[\d.e+-]* \(\d[\d.e+-]*–\d[\d.e+-]*\)$")  # "0.93 (0.71–1.2)"
    for row in rows[1:]:
        ratio = row.split(",")[2]
        assert cell.match(ratio), ratio
        median, low, high = map(float, re.split(r" \(|–|\)", ratio)[:3])
        assert low <= median <= high
        assert len(ratio.split(" ")[0].replace(".", "").lstrip("0")) <= 2  # two significant digits
    assert set(metrics["step_time_ratio_fnn_over_optax"]) == set(CONFIG.compared)


def test_no_torch_columns_without_torch(outcome, monkeypatch):
    workdir, _ = outcome
    monkeypatch.setitem(sys.modules, "torch", None)  # as if not installed: `import torch` raises
    config = json.loads((workdir / "config.json").read_text())["config"]
    assert config["compared"] == list(CONFIG.compared)
    results = {
        "torch": None,
        "deviation_optax_mlp": {"sgd": 0.0, "adam": 3e-8},
        "ratio_optax": {"sgd": np.array([0.9, 1.0, 1.3]), "adam": np.array([1.1, 0.95, 1.0])},
    }
    header, rows, caption = exp.comparison_table(results, CONFIG)
    assert all("torch" not in h for h in header) and all(len(r) == len(header) for r in rows)
    assert "pip install -e '.[torch]'" in caption and "n/a" not in str(rows)
    assert rows[0][2] == "1 (0.9–1.3)"
    _, _, caption = exp.comparison_table(results, dataclasses.replace(CONFIG, torch=False))
    assert "--torch" in caption


def test_helpers():
    assert 0.0 in exp._grid((-1.0, 2.0), 2) and len(exp._grid((-1.0, 2.0), 2)) == 7
    assert exp._grid((-0.3, 0.3), 1).tolist() == [0.0]  # the default is always in the sweep
    with pytest.raises(ValueError, match="decades"):
        exp._grid((0.5, 1.0), 2)
    # reached between epochs 2 and 3, interpolated in log loss
    assert exp._epochs_to(np.array([1.0, 0.2, 0.05]), 0.1) == pytest.approx(2 + np.log(2) / np.log(4))
    assert exp._epochs_to(np.array([0.05, 0.01]), 0.1) == 1.0
    assert exp._epochs_to(np.array([1.0, np.nan]), 0.1) is None
    assert sig(0.034212) == "0.034" and spread([1.0, 3.0, 2.0])[1] == "2 (1–3)"


def test_rejects_unknown_optimizers(tmp_path):
    with pytest.raises(ValueError, match="optimizers must be one of"):
        exp.compute(dataclasses.replace(CONFIG, optimizers=("sgdd",)))
    with pytest.raises(ValueError, match="must be among optimizers"):
        exp.compute(dataclasses.replace(CONFIG, compared=("lion",)))
    assert not _common.is_done(tmp_path)
