"""Smoke tests of the speed benchmarks: a tiny ``--quick`` run of the cross-validation
benchmark and its JSON (fnn's chunk size from the cost model, ``chunk_size="auto"``),
what its command-line and README cases run, and the chunk sweep's and cost curves'
bookkeeping.

Budget: ~45 s on one loaded core (five short worker processes, each paying JAX's
import and one compilation).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from experiments.benchmarks import cross_validation as bench


def test_flop_count_matches_hand_count():
    # iris LOOCV: P = 4*8 + 8 + 8*3 + 3 = 67; 150 folds of 149 training rows.
    flops = bench.flop_count(bench.CASES["iris_loo"], 150, 500)
    assert flops["params"] == 67
    assert flops["useful"] == 6 * 67 * 149 * 150 * 500
    assert flops["executed"] == 6 * 67 * 150 * 150 * 500
    # breast cancer 10-fold: P = 30*32 + 32 + 32 + 1 = 1025; test folds 57 x 9 and 56.
    case = bench.CASES["cancer_10fold"]
    flops = bench.flop_count(case, 569, 200)
    assert flops["params"] == 1025
    assert flops["useful"] == 6 * 1025 * (9 * (569 - 57) + (569 - 56)) * 200
    # mini-batch: ceil(513 / 32) = 17 steps of 32 slots per fold and epoch.
    flops = bench.flop_count(bench.CASES["cancer_10fold_minibatch"], 569, 20)
    assert flops["executed"] == 6 * 1025 * 17 * 32 * 10 * 20


@pytest.mark.parametrize("cv", ["loo", 10, 7])
def test_the_loop_gets_scikit_learns_folds_from_fnn(cv):
    X = np.zeros((23, 2))
    ours = list(bench._splits(23, cv, via="fnn").split(X))
    theirs = list(bench._splits(23, cv).split(X))
    assert len(ours) == len(theirs)
    for (a_train, a_test), (b_train, b_test) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a_train, b_train)
        np.testing.assert_array_equal(a_test, b_test)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--alternatives", "fnn,keras"], "unknown"),
        (["--alternatives", ","], "unknown"),
        (["--repeats", "0"], "at least 1"),
        (["--epochs", "0"], "at least 1"),
    ],
)
def test_bad_arguments_exit_with_a_message(argv, message):
    with pytest.raises(SystemExit, match=message):
        bench.main(argv)


def test_quick_run_writes_the_json(tmp_path, capsys):
    path = tmp_path / "out" / "cv.json"
    assert (
        bench.main(
            [
                "--quick",
                "--epochs",
                "1",
                "--case",
                "iris_loo",
                "--alternatives",
                "fnn,fnn_warm,loop,sklearn",
                "--json",
                str(path),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "| iris_loo | fnn |" in printed and f"wrote {path}" in printed
    results = json.loads(path.read_text())
    assert not list(path.parent.glob(".*.tmp"))  # the atomic write left no temporary file
    assert results["quick"] is True and results["repeats"] == 1
    roof = results["roofline"]
    assert {"matmul_gflops", "copy_gbs", "sum_gbs"} <= set(roof)
    entry = results["cases"]["iris_loo"]
    assert entry["n_folds"] == 150 and entry["n_rows"] == 150 and entry["config"]["epochs"] == 1
    assert entry["flops"]["useful"] == 6 * 67 * 149 * 150 * 1
    assert set(entry["alternatives"]) == {"fnn", "fnn_warm", "loop", "sklearn"}
    for alt in entry["alternatives"].values():
        assert len(alt["wall_s"]) == 1 and alt["median_s"] == alt["wall_s"][0]
        # the whole process includes the work the worker timed itself
        assert alt["median_s"] >= alt["worker"]["cv_s"]
        assert 0.0 <= alt["worker"]["mean_test_score"] <= 1.0
    fnn = entry["alternatives"]["fnn"]
    warm = entry["alternatives"]["fnn_warm"]
    # fnn ran the cost model's plan (chunk_size="auto"): iris LOOCV fits in any core's
    # cache, so one chunk per core of the worker, every core busy
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert fnn["worker"]["chunk_size"] == -(-150 // cores) and fnn["worker"]["concurrency"] == min(cores, 150)
    assert "fit" in fnn["worker"]["plan"]
    assert fnn["worker"]["import_s"] > 0 and fnn["worker"]["compile_s"] > 0
    # both fnn runs are the same program from the same key: same scores
    assert warm["worker"]["mean_test_score"] == fnn["worker"]["mean_test_score"]
    # a warm persistent cache loads instead of compiling (about 10x faster, even loaded)
    assert warm["worker"]["compile_s"] < fnn["worker"]["compile_s"]
    assert "fnn_warm_fill_s" in entry
    assert entry["alternatives"]["loop"]["worker"]["compilations"] == 1  # LOOCV: one training size
    np.testing.assert_allclose(
        entry["ratios"]["sklearn/fnn"], entry["alternatives"]["sklearn"]["median_s"] / fnn["median_s"], rtol=1e-12
    )
    assert set(entry["ratios"]) == {"fnn_warm/fnn", "loop/fnn", "sklearn/fnn", "loop/fnn_warm", "sklearn/fnn_warm"}
    # the achieved rates are fnn's own training time against the counted flops and the roofline
    train_s = fnn["worker"]["train_s"]
    np.testing.assert_allclose(
        entry["achieved"]["gflops_training"], entry["flops"]["useful"] / train_s / 1e9, rtol=1e-12
    )
    np.testing.assert_allclose(
        entry["achieved"]["fraction_of_matmul_peak"],
        entry["flops"]["executed"] / train_s / 1e9 / roof["matmul_gflops"],
        rtol=1e-12,
    )
    assert {(t["case"], t["ratio"], t["target"]) for t in results["targets"]} == {
        ("iris_loo", "loop/fnn", 2.0),
        ("iris_loo", "sklearn/fnn", 10.0),
    }


def test_torch_worker_runs_every_fold():
    pytest.importorskip("torch")
    report = bench._worker_torch(bench.CASES["cancer_10fold_minibatch"], 1)
    assert report["n_folds"] == 10 and report["n_rows"] == 569
    assert 0.5 <= report["mean_test_score"] <= 1.0  # one epoch of 17 Adam steps already separates the classes


@pytest.mark.parametrize("module", ["activations_losses", "optimizers"])
def test_side_by_side_benchmarks_write_their_json(module, tmp_path, capsys):
    """``--quick`` runs of the activation/loss and optimizer benchmarks: every row has a
    positive time on both sides, their ratio, and HLO op counts (the README's columns)."""
    import importlib

    bench_module = importlib.import_module(f"experiments.benchmarks.{module}")
    path = tmp_path / f"{module}.json"
    assert bench_module.main(["--quick", "--json", str(path)]) in (0, None)
    results = json.loads(path.read_text())
    assert results["benchmark"] == module and results["quick"] is True
    assert results["rows"]
    reference = "reference_s" if module == "activations_losses" else "optax_s"
    reference_ops = "reference_hlo_ops" if module == "activations_losses" else "optax_hlo_ops"
    for row in results["rows"]:
        np.testing.assert_allclose(row["ratio"], row["fnn_s"] / row[reference], rtol=1e-9)
        assert row["fnn_hlo_ops"] > 0 and row[reference_ops] > 0
    assert "fnn/" in capsys.readouterr().out  # the printed table's ratio column


def test_the_readme_case_runs_the_readmes_own_k_fold_example():
    code = bench.readme_example()
    assert "cv.cross_validate(fit_fn, score_fn, X, y, folds, key=key_init)" in code
    definitions, script = bench._readme_parts()
    assert "cross_validate" not in definitions and "def fit_fn" in definitions and "folds =" in definitions
    assert script.startswith(definitions) and "_result = cv.cross_validate(" in script
    _, quick = bench._readme_parts(epochs=3)
    assert "epochs=3" in quick and "epochs=200" not in quick


def test_the_command_line_case_runs_options_the_command_line_knows(tmp_path):
    import experiments.cross_validation as cli
    from experiments import _common

    cmd = bench._cli_command(bench.CASES["cli_cancer_loo"], 200, False, str(tmp_path))
    assert cmd[1:3] == ["-m", "experiments.cross_validation"]
    parser = _common.build_parser(cli.Config, cli.QUICK, None, prog="x")
    cli._add_arguments(parser)
    args = parser.parse_args(cmd[3:])
    assert (args.dataset, args.cv, args.hidden, args.activation, args.epochs) == (
        "breast_cancer",
        "loo",
        "32",
        "relu",
        200,
    )
    assert args.spread is False and args.grid is False and args.no_cache is True


def test_the_chunk_sweep_compares_the_models_choice_with_the_best():
    from experiments.benchmarks import chunk_sweep

    assert chunk_sweep.chunk_sizes(569, slots=2)[-3:] == [285, 384, 569]
    report = {
        "n_folds": 10,
        "sweep": [{"chunk_size": c, "train_s": t} for c, t in [(1, 4.0), (2, 1.0), (5, 1.2), (10, 3.0)]],
        "auto": {"chunk_size": 5, "train_s": 1.05},
    }
    summary = chunk_sweep._summary(report)
    assert (summary["best_chunk"], summary["auto_chunk"], summary["no_chunking_s"]) == (2, 5, 3.0)
    assert summary["within_tolerance"] and summary["auto_over_best"] == pytest.approx(0.05)
    report["auto"]["train_s"] = 1.2
    assert not chunk_sweep._summary(report)["within_tolerance"]


def test_cost_curves_fit_slopes_on_the_points_past_the_fixed_costs():
    from experiments.benchmarks import cost_curves

    points = [
        {"n": n, "cv_s": 1e-6 * n**2 + (5.0 if n < 400 else 0.0), "added_rss_mb": 0.01 * n} for n in (100, 400, 1600)
    ]
    slopes = cost_curves._slopes(points, "n", 400)
    assert slopes["time"] == pytest.approx(2.0) and slopes["memory"] == pytest.approx(1.0)
    assert slopes["fitted_on"] == [400, 1600]
