"""Smoke test of experiments.perceptron: its quick settings show every lesson (compiled once,
shared by the tests below), and its outputs are written."""

from __future__ import annotations

import numpy as np
import pytest
from _experiments import assert_outputs, assert_summary

from experiments import perceptron as exp


@pytest.fixture(scope="module")
def quick():
    return exp.compute(exp.QUICK)


def test_quick_settings_show_every_lesson(quick):
    held = {lesson.name: lesson.holds for lesson in exp.lessons(quick)}
    assert held == {
        "separable_gates_learned": True,
        "xor_not_separable": True,
        "hand_set_network_computes_xor": True,
        "mlp_learns_xor": True,
    }


def test_gates_and_xor_numbers(quick):
    gates = quick["gates"]
    for gate in exp.SEPARABLE:
        assert gates[gate]["separable"] and gates[gate]["mistakes"][-1] == 0 and gates[gate]["accuracy"] == 1.0
    assert not gates["xor"]["separable"] and gates["xor"]["mistakes"].min() > 0
    assert gates["xor"]["best_line_corners"] == 3  # any 3 corners of XOR are separable, all 4 are not
    np.testing.assert_array_equal(quick["xor"]["hand_output"], [0, 1, 1, 0])
    np.testing.assert_array_equal(quick["xor"]["corner_output"], [0, 1, 1, 0])


def test_settled_epoch():
    assert exp._settled_epoch(np.array([2, 1, 0, 0])) == 3
    assert exp._settled_epoch(np.array([0, 0])) == 1
    assert exp._settled_epoch(np.array([0, 1])) is None


def test_render(quick, tmp_path):
    metrics = exp.render(quick, exp.QUICK, tmp_path)
    assert_outputs(
        tmp_path, ["gates.csv", "xor_truth_table.csv"], ["mistakes.png", "decision_lines.png", "xor_networks.png"]
    )
    assert_summary(tmp_path, metrics)
    assert metrics["xor"]["mlp_corners_correct"] is True
