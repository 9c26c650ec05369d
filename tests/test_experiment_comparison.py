"""Smoke tests of experiments.comparison: its quick settings show the lessons (the test finds
SGD's real deficit and no difference among fnn's, optax's and torch's Adam; every optimizer
in one program), its numbers are cv.compare's, and its command line behaves like a tool.

The quick settings (5x2cv, 100 epochs on digits) are the smallest that show the lessons: on
the two-class data sets SGD's deficit varies too much between the halves of a repetition
for the 5x2cv F-test to find it in 10 folds.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _experiments import assert_outputs, assert_summary

from experiments import _common
from experiments import comparison as exp

PROG = "python -m experiments.comparison"


@pytest.fixture(scope="module")
def quick():
    return exp.compute(exp.QUICK)


def test_quick_settings_show_every_lesson(quick):
    held = {lesson.name: lesson.holds for lesson in exp.lessons(quick)}
    assert held == {"finds_the_real_difference": True, "no_false_difference": True, "one_program": True}


def test_the_numbers_are_the_comparison(quick):
    assert quick["names"] == list(exp.OPTIMIZERS)
    assert quick["test"] == "combined_ftest_5x2cv" and quick["n_folds"] == 10
    assert (quick["programs"], quick["cache_hits"]) == (1, 0)  # the tests do not use the persistent cache
    for name in exp.OPTIMIZERS:
        scores = quick["test_score"][name]
        assert scores.shape == (10,) and np.all((0 <= scores) & (scores <= 1))
        assert quick["mean"][name] == pytest.approx(np.mean(scores.astype(np.float64)), rel=1e-12)
        assert quick["status"][name] == ["finished"] * 10
    assert len(quick["pairs"]) == 6 and quick["verdicts"] == [p["verdict"] for p in quick["pairs"]]
    sgd = [p for p in quick["pairs"] if p["b"] == "sgd"]
    assert [p["verdict"].split(" at ")[0] for p in sgd] == [f"{a} is better than sgd" for a in exp.ADAMS]


def test_render_writes_the_figure_tables_and_summary(quick, tmp_path):
    metrics = exp.render(quick, exp.QUICK, tmp_path)
    assert_outputs(tmp_path, ["scores.csv", "pairs.csv", "folds.csv"], ["comparison.png"])
    assert_summary(tmp_path, metrics)
    summary = (tmp_path / "summary.md").read_text()
    assert all(verdict in summary for verdict in quick["verdicts"])
    _common.write_json(tmp_path / "metrics-again.json", metrics)  # every metric is plain JSON


def test_a_lesson_that_fails_says_so(quick):
    # the same numbers with SGD's scores made equal to Adam's: no difference to find
    pairs = [dict(p, significant=False, p_adjusted=1.0) for p in quick["pairs"]]
    same = dict(quick, pairs=pairs, programs=3)
    found = {lesson.name: lesson for lesson in exp.lessons(same)}
    assert not found["finds_the_real_difference"].holds
    assert "does not find the difference against every Adam" in found["finds_the_real_difference"].text
    assert not found["one_program"].holds and "built 3 times" in found["one_program"].text


def test_command_prints_the_verdicts(tmp_path, capsys):
    metrics = exp.main(
        ["--dataset", "iris", "--epochs", "5", "--hidden", "4", "--workdir", str(tmp_path), "--no-cache"]
    )
    printed = capsys.readouterr().out
    assert all(verdict in printed for verdict in metrics["verdicts"])
    assert "mean ± std" in printed and (tmp_path / "done.json").is_file()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--folds", "3x3"], "argument --folds: invalid choice: '3x3'"),
        (["--lr", "0"], "argument --lr: must be > 0, got 0"),
        (["--alpha", "0.9"], "argument --alpha: must be <= 0.5, got 0.9"),
        (["--dataset", "diabetes"], "argument --dataset: invalid choice: 'diabetes'"),
    ],
)
def test_bad_flag_values_end_with_one_argparse_line_and_exit_code_2(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        exp.main([*argv, "--workdir", str(tmp_path), "--no-cache"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"{PROG}: error: ") and message in err[-1], err[-1]
    assert not (tmp_path / "config.json").exists()


def test_full_settings_are_repeated_ten_fold():
    full = exp.Config()
    assert full.folds == "10x10" and dataclasses.replace(exp.QUICK, folds="10x10", epochs=200) == full
