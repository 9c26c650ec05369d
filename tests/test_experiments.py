"""The shared protocol of the experiments (atomic writes, done/skip/force, options checked
on the command line, the runner and its report). Each experiment's own smoke test is in
``test_experiment_<name>.py``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from experiments import _common  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


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


def test_cli_parses_every_field_and_starts_from_the_quick_settings(tmp_path, capsys):
    run, calls = _demo_experiment()
    quick = _DemoConfig(sizes=(3,))
    _common.cli(run, _DemoConfig, quick, ["--rate", "0.25", "--workdir", str(tmp_path), "--no-cache"], "doc")
    assert calls[-1] == _DemoConfig(sizes=(3,), rate=0.25)
    _common.cli(run, _DemoConfig, quick, ["--quick", "--workdir", str(tmp_path), "--no-cache"], "doc")
    assert calls[-1] == quick
    _common.cli(run, _DemoConfig, quick, ["--full", "--workdir", str(tmp_path), "--no-cache"], "doc")
    assert calls[-1] == _DemoConfig()
    _common.cli(
        run, _DemoConfig, quick, ["--full", "--sizes", "4", "5", "--workdir", str(tmp_path), "--no-cache"], "doc"
    )
    assert calls[-1] == _DemoConfig(sizes=(4, 5))
    _common.cli(run, _DemoConfig, quick, ["--workdir", str(tmp_path), "--no-cache"], "doc", defaults={"rate": 0.125})
    assert calls[-1] == _DemoConfig(sizes=(3,), rate=0.125)
    assert "outputs in" in capsys.readouterr().out


@dataclasses.dataclass(frozen=True)
class _CheckedConfig:
    seed: int = _common.option(0, "seed")
    lr: float = _common.option(0.1, "learning rate", greater_than=0)
    epochs: int = _common.option(5, "epochs", at_least=1)
    widths: tuple[int, ...] = _common.option((4,), "widths", at_least=1, at_most=64)
    name: str = _common.option("relu", "activation", choices=("relu", "tanh"))
    folds: str = _common.option("5", "K or loo", parse=lambda t: t if t == "loo" or t.isdigit() else int("x"))

    def __post_init__(self):
        if self.epochs > 100 and self.lr > 1:
            raise ValueError("epochs > 100 with lr > 1 diverges; lower one")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--lr", "-0.01"], "argument --lr: must be > 0, got -0.01"),
        (["--lr", "abc"], "argument --lr: invalid float value: 'abc'"),
        (["--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
        (["--widths", "4", "65"], "argument --widths: must be <= 64, got 65"),
        (["--name", "relux"], "argument --name: invalid choice: 'relux'"),
        (["--folds", "abc"], "argument --folds: invalid literal"),
        (["--epochs", "200", "--lr", "2"], "epochs > 100 with lr > 1 diverges"),
        (["--full", "--quick"], "not allowed with argument"),
    ],
)
def test_cli_rejects_bad_values_with_one_argparse_line(argv, message, tmp_path, capsys):
    run, calls = _demo_experiment()
    run.experiment_name = "demo"
    with pytest.raises(SystemExit) as stop:
        _common.cli(run, _CheckedConfig, _CheckedConfig(), [*argv, "--workdir", str(tmp_path)], "doc")
    assert stop.value.code == 2 and calls == []
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "usage: python -m experiments.demo [options]" and len(err) == 2
    assert err[1].startswith("python -m experiments.demo: error: ") and message in err[1], err[1]


def test_run_checks_the_config_before_any_work(tmp_path):
    run, calls = _demo_experiment()
    with pytest.raises(ValueError, match="lr must be > 0, got -1.0"):
        run(dataclasses.replace(_CheckedConfig(), lr=-1.0), tmp_path)
    with pytest.raises(ValueError, match="widths must be >= 1, got 0"):
        run(dataclasses.replace(_CheckedConfig(), widths=(4, 0)), tmp_path)
    assert calls == [] and list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="the default 0 is not allowed"):
        _common.option(0, "epochs", at_least=1)


def test_settings_name_and_missing_extra(monkeypatch):
    assert _common.settings_name(_DemoConfig(), _DemoConfig, _DemoConfig(sizes=(3,))) == "full"
    assert _common.settings_name(_DemoConfig(sizes=(3,)), _DemoConfig, _DemoConfig(sizes=(3,))) == "quick"
    assert _common.settings_name(_DemoConfig(), _DemoConfig, _DemoConfig()) == "quick and full"
    assert _common.settings_name(_DemoConfig(rate=2.0), _DemoConfig, _DemoConfig()) == "custom"
    assert _common.missing_extra("json", "test") is None
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    assert _common.missing_extra("torch", "torch") == (
        "torch is not installed, so its columns are left out; `pip install -e '.[torch]'` adds them."
    )


def test_figure_alt_text_is_the_whole_first_sentence():
    summary = _common.Summary("t")
    caption = (
        "The learned line w.x + b = 0 of each gate, e.g. AND, at eta 0.1 and with a caption far longer than "
        "eighty characters. Second sentence."
    )
    summary.figure("a.png", caption)
    summary.figure("b.png", "No period at the end", alt="Given [alt] text.")
    text = summary.render()
    assert f"![{caption.split(' Second')[0]}](a.png)" in text
    assert "![Given alt text.](b.png)" in text


def test_without_columns():
    header, rows = _common.without_columns(["a", "torch", "b"], [[1, "n/a", 2], [3, "n/a", 4]], ["torch"])
    assert header == ["a", "b"] and rows == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="no column named"):
        _common.without_columns(["a"], [[1]], ["torch"])


def test_lesson_metrics():
    lessons = [_common.Lesson("a", True, "A holds."), _common.Lesson("b", False, "B does not.")]
    assert _common.lesson_metrics(lessons) == {
        "a": {"holds": True, "text": "A holds."},
        "b": {"holds": False, "text": "B does not."},
    }
    with pytest.raises(ValueError, match="two lessons are named 'a'"):
        _common.lesson_metrics(lessons[:1] * 2)


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


def _fake_finished(run_dir: Path, name: str, wall: float, lessons: dict) -> None:
    """An experiment folder as a finished run leaves it, without running the experiment."""
    from experiments.report import _module

    module = _module(name)
    folder = run_dir / name
    folder.mkdir(parents=True)
    config = _common.config_to_dict(module.QUICK)
    _common.write_json(folder / "config.json", {"experiment": name, "config": config})
    _common.write_json(folder / "metrics.json", {"wall_time_s": wall, "lessons": lessons})
    _common.write_text(folder / "summary.md", f"## {module.TITLE}\n\n![A figure.](f.png)\n\nA figure.\n")
    _common.write_json(folder / "done.json", {"experiment": name, "config": config})


def test_only_rerenders_the_whole_report(tmp_path, capsys):
    """``--only X --run R`` redoes X and re-renders the report of every finished experiment in R."""
    from experiments.__main__ import main
    from experiments.report import EXPERIMENTS

    run_dir = tmp_path / "r"
    _fake_finished(run_dir, "perceptron", 3.0, {"a": {"holds": True, "text": "."}, "b": {"holds": False, "text": "."}})
    _fake_finished(run_dir, "losses", 4.0, {})
    argv = ["--only", "model_parameters", "--run", "r", "--results", str(tmp_path), "--no-cache"]
    assert main(argv) == 0
    report = (run_dir / "report.md").read_text()
    header = report.splitlines()[2]
    assert "quick settings" in header and f"3 of {len(EXPERIMENTS)} experiments finished" in header
    own = _common.read_json(run_dir / "model_parameters" / "metrics.json")["wall_time_s"]
    assert f"their own times add up to {3.0 + 4.0 + own:.1f} s" in header
    rows = {line.split("|")[1].strip(): line for line in report.splitlines() if line.startswith("| ")}
    assert "| done earlier | quick | 1 of 2 | 3.0 |" in rows["[Perceptron and logic gates](#perceptron)"]
    assert "| done | quick and full | 2 of 2 |" in rows["[Model structure and parameters](#model_parameters)"]
    assert "not run (`python -m experiments --only optimizers --run r`)" in report
    index = report.split("\n\n")[2].splitlines()
    assert len(index) == 2 + len(EXPERIMENTS)  # header, rule, one row per experiment
    for name in ("perceptron", "losses", "model_parameters"):
        assert f'<a id="{name}"></a>' in report
    assert "(perceptron/f.png)" in report and "(model_parameters/parameter_counts.png)" in report

    # rebuilt from the folder alone, the same sections and times
    from experiments.report import main as report_main

    report_main([str(run_dir)])
    rebuilt = (run_dir / "report.md").read_text()
    assert rebuilt.split("\n", 3)[3].replace("| done |", "| done earlier |") == report.split("\n", 3)[3].replace(
        "| done |", "| done earlier |"
    )


def test_full_settings_named_only_in_a_full_run(tmp_path):
    from experiments.report import collect, write_report

    run_dir = tmp_path / "r"
    _fake_finished(run_dir, "perceptron", 1.0, {})
    write_report(run_dir, collect(run_dir))
    assert "quick settings" in (run_dir / "report.md").read_text().splitlines()[2]
    config = _common.read_json(run_dir / "perceptron" / "config.json")
    from experiments import perceptron

    config["config"] = _common.config_to_dict(perceptron.Config())
    _common.write_json(run_dir / "perceptron" / "config.json", config)
    write_report(run_dir, collect(run_dir))
    assert "full settings" in (run_dir / "report.md").read_text().splitlines()[2]


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
