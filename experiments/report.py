"""Collects the experiments' ``summary.md`` fragments of one run into ``report.md``.

The report always covers the whole run folder: every finished experiment in it,
whichever command finished it, so ``python -m experiments --only NAME --run RUN``
re-renders the report of ``RUN`` with ``NAME`` redone and the others as they were.
``python -m experiments.report results/<run>`` rebuilds it without running anything.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from experiments import _common

__all__ = ["EXPERIMENTS", "Entry", "collect", "write_report"]

#: Every experiment, in the order of the course (and of the report).
EXPERIMENTS = (
    "perceptron",
    "linear_regression",
    "logistic_regression",
    "activations",
    "losses",
    "optimizers",
    "cross_validation",
    "comparison",
    "generalisation",
    "model_parameters",
)


@dataclasses.dataclass
class Entry:
    """One experiment's line in the report."""

    name: str
    title: str
    # "done" (by the command that writes the report), "done earlier", "failed",
    # "incomplete" (started, never finished), "not run", "unavailable"
    status: str
    wall_time_s: float | None = None
    error: str | None = None
    settings: str | None = None  # "quick", "full", "quick and full", "custom"
    lessons_held: int | None = None
    lessons_total: int | None = None


def _module(name: str):
    try:
        return importlib.import_module(f"experiments.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"experiments.{name}":
            return None
        raise


def _settings(module, folder: Path) -> str | None:
    """Which settings the finished experiment in ``folder`` ran, from its ``config.json``."""
    if module is None or not hasattr(module, "Config") or not hasattr(module, "QUICK"):
        return None
    try:
        saved = _common.read_json(folder / _common.CONFIG_FILE)["config"]
    except (OSError, ValueError, KeyError):
        return None
    quick = _common.config_to_dict(module.QUICK)
    full = _common.config_to_dict(module.Config())
    names = [n for n, c in (("quick", quick), ("full", full)) if saved == c]
    return " and ".join(names) if names else "custom"


def _from_folder(name: str, run_dir: Path) -> Entry:
    """The entry of an experiment as its folder in ``run_dir`` records it."""
    module = _module(name)
    title = getattr(module, "TITLE", name.replace("_", " "))
    folder = run_dir / name
    if not folder.is_dir():
        return Entry(name, title, "not run" if module is not None else "unavailable")
    if not _common.is_done(folder):
        return Entry(name, title, "incomplete" if (folder / _common.CONFIG_FILE).is_file() else "not run")
    metrics = _common.read_json(folder / _common.METRICS_FILE)
    lessons = metrics.get("lessons")
    held = total = None
    if isinstance(lessons, Mapping) and lessons:
        total = len(lessons)
        held = sum(bool(v.get("holds")) for v in lessons.values() if isinstance(v, Mapping))
    return Entry(
        name,
        title,
        "done earlier",
        metrics.get("wall_time_s"),
        settings=_settings(module, folder),
        lessons_held=held,
        lessons_total=total,
    )


def collect(run_dir: str | Path, ran: Sequence[Entry] = ()) -> list[Entry]:
    """Every experiment of the course with what ``run_dir`` holds for it; ``ran`` are the
    entries of the command writing the report (``done`` or ``failed`` by it), the others
    are read from their folders."""
    run_dir = Path(run_dir)
    by_name = {e.name: e for e in ran}
    entries = []
    for name in EXPERIMENTS:
        entry = _from_folder(name, run_dir)
        now = by_name.get(name)
        if now is not None and now.status in ("failed", "unavailable"):
            entry = dataclasses.replace(now, wall_time_s=None)
        elif now is not None and now.status == "done" and entry.status == "done earlier":
            entry.status = "done"
        entries.append(entry)
    return entries


def _overall_settings(entries: Sequence[Entry]) -> str:
    kinds = {e.settings for e in entries if e.status in ("done", "done earlier") and e.settings}
    if not kinds:
        return ""
    if all("quick" in k for k in kinds):
        return "quick settings"
    if all("full" in k for k in kinds):
        return "full settings"
    return "mixed settings (see the table)"


def write_report(run_dir: str | Path, entries: Sequence[Entry], *, command_s: float | None = None) -> Path:
    """Writes ``run_dir/report.md``: an index with status, settings, lessons and time, then every fragment.

    Image and file links in each fragment are made relative to ``run_dir``.

    Args:
      run_dir: the run folder.
      entries: every experiment's entry (:func:`collect`).
      command_s: the wall time of the command that wrote the report, when there was one.

    Returns:
      The path of the report.
    """
    run_dir = Path(run_dir)
    versions = _common.versions()
    finished = [e for e in entries if e.status in ("done", "done earlier")]
    own = sum(e.wall_time_s or 0.0 for e in finished)
    settings = _overall_settings(entries)
    timing = f"{len(finished)} of {len(entries)} experiments finished; their own times add up to {own:.1f} s"
    if command_s is not None:
        timing += f" (the command that wrote this report took {command_s:.1f} s)"
    lines = [
        "# fnn experiments report",
        "",
        f"Run `{run_dir.name}`"
        + (f", {settings}" if settings else "")
        + f"; {timing}; jax {versions['jax']} on {versions['backend']} ({versions['devices']} device(s)), "
        f"python {versions['python']}. Each experiment's folder holds its resolved config and seed "
        "(`config.json`), metrics (`metrics.json`, CSV tables) and figures. A lesson is a claim of the "
        "course checked against the run's own numbers; the captions say which ones this run does not show, "
        "and why.",
        "",
        "| experiment | status | settings | lessons shown | time (s) |",
        "|---|---|---|---|---|",
    ]
    for e in entries:
        t = "" if e.wall_time_s is None else f"{e.wall_time_s:.1f}"
        shown = "" if e.lessons_total is None else f"{e.lessons_held} of {e.lessons_total}"
        has_section = e.status in ("failed",) or (
            e.status in ("done", "done earlier") and (run_dir / e.name / _common.SUMMARY_FILE).is_file()
        )
        link = f"[{e.title}](#{e.name})" if has_section else e.title
        status = e.status
        if e.status in ("not run", "incomplete"):
            status += f" (`python -m experiments --only {e.name} --run {run_dir.name}`)"
        lines.append(f"| {link} | {status} | {e.settings or ''} | {shown} | {t} |")
    lines.append("")
    for e in entries:
        fragment = run_dir / e.name / _common.SUMMARY_FILE
        if e.status == "failed":
            lines += [f'<a id="{e.name}"></a>', "", f"## {e.title}", "", f"*failed*: `{e.error}`", ""]
        elif e.status in ("done", "done earlier") and fragment.is_file():
            lines += [f'<a id="{e.name}"></a>', ""]
            lines.append(_common.relink(fragment.read_text(encoding="utf-8"), e.name).rstrip())
            lines.append("")
    return _common.write_text(run_dir / "report.md", "\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(prog="python -m experiments.report", description=__doc__)
    parser.add_argument("run_dir", help="a run folder such as results/20260101-120000")
    args = parser.parse_args(argv)
    run_dir = Path(args.run_dir)
    if not run_dir.is_dir():
        parser.error(f"{run_dir} is not a folder; give a run folder written by python -m experiments")
    path = write_report(run_dir, collect(run_dir))
    print(f"report: {path}", file=sys.stdout)
    return path


if __name__ == "__main__":
    main()
