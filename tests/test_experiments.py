"""Smoke tests of the experiments: each runs on a tiny config, writes its outputs and
gives sane metrics; the shared protocol (atomic writes, done/skip/force) holds.

Budget: about 120 s on one core for the whole file (tiny configs).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from experiments import _common  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    """The experiment module, or a skip while its library dependencies have not landed."""
    try:
        return importlib.import_module(f"experiments.{name}")
    except ModuleNotFoundError as e:
        if e.name and (e.name.startswith("fnn.") or e.name == f"experiments.{name}"):
            pytest.skip(f"experiments.{name} needs {e.name}, not available yet")
        raise


def _check_outputs(workdir: Path, figures=(), csvs=()) -> dict:
    for f in ("config.json", "metrics.json", "summary.md", "done.json", *figures, *csvs):
        assert (workdir / f).is_file(), f"{f} missing in {sorted(p.name for p in workdir.iterdir())}"
    for f in figures:
        assert (workdir / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = (workdir / "summary.md").read_text()
    assert summary.startswith("## ")
    for f in figures:
        assert f"]({f})" in summary, f"summary.md does not show {f}"
    leftovers = [p.name for p in workdir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    config = json.loads((workdir / "config.json").read_text())
    assert "seed" in config and "config" in config
    return json.loads((workdir / "metrics.json").read_text())


# --------------------------------------------------------------------------- the framework


@dataclasses.dataclass(frozen=True)
class _DemoConfig:
    seed: int = _common.option(0, "seed")
    sizes: tuple[int, ...] = _common.option((1, 2), "sizes")
    rate: float = _common.option(0.5, "rate")
    fail: bool = _common.option(False, "raise inside the work")


def _demo_experiment():
    calls = []

    @_common.experiment("demo")
    def run(config, workdir):
        calls.append(config)
        _common.write_text(Path(workdir) / "part.txt", "first")
        if config.fail:
            raise RuntimeError("interrupted")
        return {"n": len(config.sizes)}

    return run, calls


def test_atomic_write_interrupted_leaves_no_partial_file(tmp_path):
    target = tmp_path / "table.csv"

    def write_half(f):
        f.write("a,b\n1,")
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-write

    with pytest.raises(KeyboardInterrupt):
        _common.atomic_write(target, write_half)
    assert list(tmp_path.iterdir()) == []

    _common.write_text(target, "complete\n")
    with pytest.raises(KeyboardInterrupt):
        _common.atomic_write(target, write_half)
    assert target.read_text() == "complete\n"  # the previous complete version survives
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_run_skips_finished_work_unless_forced(tmp_path):
    run, calls = _demo_experiment()
    first = run(_DemoConfig(), tmp_path)
    assert first["n"] == 2 and first["skipped"] is False and len(calls) == 1
    second = run(_DemoConfig(), tmp_path)
    assert second["skipped"] is True and second["n"] == 2 and len(calls) == 1
    run(_DemoConfig(), tmp_path, force=True)
    assert len(calls) == 2
    run(_DemoConfig(rate=0.1), tmp_path)  # another config is not the finished work
    assert len(calls) == 3
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["config"] == {"seed": 0, "sizes": [1, 2], "rate": 0.1, "fail": False}


def test_interrupted_run_is_not_marked_done(tmp_path):
    run, calls = _demo_experiment()
    run(_DemoConfig(), tmp_path)
    with pytest.raises(RuntimeError, match="interrupted"):
        run(_DemoConfig(fail=True), tmp_path)
    assert not (tmp_path / "done.json").exists()
    assert not _common.is_done(tmp_path)
    run(_DemoConfig(), tmp_path)  # the next run redoes the work
    assert len(calls) == 3 and _common.is_done(tmp_path, _DemoConfig())


def test_run_rejects_a_non_config(tmp_path):
    run, _ = _demo_experiment()
    with pytest.raises(TypeError, match="Config instance"):
        run({"seed": 0}, tmp_path)


def test_cli_parses_every_field(tmp_path, capsys):
    run, calls = _demo_experiment()
    quick = _DemoConfig(sizes=(3,))
    _common.cli(run, _DemoConfig, quick, ["--quick", "--rate", "0.25", "--workdir", str(tmp_path), "--no-cache"], "doc")
    assert calls[-1] == _DemoConfig(sizes=(3,), rate=0.25)
    _common.cli(run, _DemoConfig, quick, ["--sizes", "4", "5", "--workdir", str(tmp_path), "--no-cache"], "doc")
    assert calls[-1] == _DemoConfig(sizes=(4, 5))
    assert "outputs in" in capsys.readouterr().out


def test_compilation_cache_env(tmp_path, monkeypatch):
    import jax

    previous = jax.config.jax_compilation_cache_dir
    try:
        monkeypatch.setenv("FNN_JAX_CACHE_DIR", "")
        assert _common.enable_compilation_cache() is None
        monkeypatch.setenv("FNN_JAX_CACHE_DIR", str(tmp_path / "c"))
        assert _common.enable_compilation_cache() == tmp_path / "c"
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "c")
        monkeypatch.delenv("FNN_JAX_CACHE_DIR")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert _common.enable_compilation_cache() == tmp_path / "xdg" / "fnn" / "jax"
    finally:
        jax.config.update("jax_compilation_cache_dir", previous)


def test_relink_prefixes_only_relative_links():
    text = "![a](fig.png) [csv](t.csv) [web](https://x.org/a.png) [top](#x)"
    assert _common.relink(text, "exp") == ("![a](exp/fig.png) [csv](exp/t.csv) [web](https://x.org/a.png) [top](#x)")


@pytest.mark.parametrize("args", [["-m", "experiments", "--help"], ["-m", "experiments.activations", "--help"]])
def test_help(args):
    out = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert out.returncode == 0, out.stderr
    assert "usage: python -m experiments" in out.stdout
    if args[1] == "experiments.activations":
        assert "--deep-activations" in out.stdout and "--quick" in out.stdout


# --------------------------------------------------------------------------- the experiments


def test_perceptron(tmp_path):
    mod = _load("perceptron")
    mod.run(dataclasses.replace(mod.QUICK, epochs=6, mlp_epochs=150, n_points=40), tmp_path)
    metrics = _check_outputs(
        tmp_path,
        figures=["mistakes.png", "decision_lines.png", "xor_networks.png"],
        csvs=["gates.csv", "xor_truth_table.csv"],
    )
    for gate in ("and", "or", "nand"):
        assert metrics["gates"][gate]["separable"] is True
        assert metrics["gates"][gate]["last_epoch_mistakes"] == 0
    assert metrics["gates"]["xor"]["separable"] is False
    assert metrics["gates"]["xor"]["last_epoch_mistakes"] > 0
    assert metrics["xor"]["hand_set_network_correct"] is True
    assert metrics["xor"]["mlp_corners_correct"] is True


def test_logistic_regression(tmp_path):
    mod = _load("logistic_regression")
    mod.run(dataclasses.replace(mod.QUICK, epochs=60), tmp_path)
    metrics = _check_outputs(tmp_path, figures=["logistic_regression.png"], csvs=["test_metrics.csv"])
    assert metrics["metric_gap_vs_sklearn"] < 1e-6  # fnn.metrics vs sklearn.metrics on the same predictions
    assert metrics["hand_vs_grad_max_weight_gap"] < 1e-4  # float32 rounding over 60 steps
    assert metrics["fnn"]["accuracy"] > 0.9 and metrics["sklearn"]["accuracy"] > 0.9
    assert sum(map(sum, metrics["confusion_matrix"])) == round(0.3 * 569)


def test_losses(tmp_path):
    mod = _load("losses")
    mod.run(dataclasses.replace(mod.QUICK, task_epochs=30, hidden=4), tmp_path)
    metrics = _check_outputs(tmp_path, figures=["mae_vs_mse.png"], csvs=["tasks.csv"])
    line = metrics["line"]
    # The outliers pull the MSE line further from the true slope 2 and intercept 1 than the MAE line.
    assert abs(line["MAE"]["b"] - 1.0) < abs(line["MSE"]["b"] - 1.0)
    assert set(metrics["tasks"]) == {
        "regression",
        "binary classification",
        "multi-class classification",
        "multi-label classification",
    }
    assert metrics["tasks"]["binary classification"]["test_value"] > 0.8


def test_model_parameters(tmp_path):
    mod = _load("model_parameters")
    mod.run(mod.QUICK, tmp_path)
    metrics = _check_outputs(tmp_path, figures=["parameter_counts.png"], csvs=["models.csv", "parameter_tables.csv"])
    assert metrics["round_trip_exact"] is True
    counts = metrics["counts"]
    assert counts["perceptron (gates)"] == 3 and counts["hand-set XOR network"] == 9  # 2*2+2 + 2*1+1
    assert counts["deep network (activations)"] == 64 * 32 + 32 + 9 * (32 * 32 + 32) + 32 * 10 + 10
    assert counts["linear regression (housing)"] == 5 and counts["logistic regression (breast cancer)"] == 31
    assert counts["XOR MLP (perceptron)"] == 2 * 8 + 8 + 8 + 1
    assert counts["overfitting network (generalisation)"] == 128 + 128 + 128 * 128 + 128 + 128 + 1
    assert list(counts) == MODEL_CHOICES == list(mod.models())
    with pytest.raises(ValueError, match="saved_model must be one of"):
        mod.run(dataclasses.replace(mod.QUICK, saved_model="nope"), tmp_path / "bad")


MODEL_CHOICES = [
    "perceptron (gates)",
    "hand-set XOR network",
    "XOR MLP (perceptron)",
    "linear regression (housing)",
    "logistic regression (breast cancer)",
    "deep network (activations)",
    "multi-class network (losses, wine)",
    "widest approximator (generalisation)",
    "overfitting network (generalisation)",
]


@pytest.mark.parametrize("choice", MODEL_CHOICES)
def test_model_parameters_saves_the_chosen_model(tmp_path, choice):
    """The saved file holds the chosen model's parameters (once, 4 of the 9 choices saved another model)."""
    import jax
    import numpy as np

    from fnn import inspect

    mod = _load("model_parameters")
    seed = 3
    metrics = mod.run(dataclasses.replace(mod.QUICK, seed=seed, saved_model=choice), tmp_path)
    model = mod.models()[choice]
    expected = model.init(jax.random.key(seed))
    saved = inspect.load(tmp_path / "saved_model.msgpack")
    assert jax.tree.structure(saved) == jax.tree.structure(expected)
    for got, want in zip(jax.tree.leaves(saved), jax.tree.leaves(expected), strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert metrics["saved_model"] == choice and metrics["saved_architecture"] == model.architecture
    assert metrics["saved_param_count"] == metrics["counts"][choice] == inspect.param_count(expected)
    if model.net is not None:  # an MLP: the saved parameters run in its spec
        x = np.ones((2, model.net.layer_sizes[0]), np.float32)
        np.testing.assert_array_equal(model.net.apply(saved, x), model.net.apply(expected, x))
