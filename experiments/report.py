"""Collects the experiments' ``summary.md`` fragments of one run into ``report.md``.

``python -m experiments.report results/<run>`` rebuilds the report of a run folder
(for instance after re-running one experiment with ``--only``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from experiments import _common

__all__ = ["Entry", "write_report"]


@dataclasses.dataclass
class Entry:
    """One experiment's line in the report."""

    name: str
    title: str
    status: str  # "done", "skipped" (finished earlier), "failed", "unavailable"
    wall_time_s: float | None = None
    error: str | None = None


def _entries_from_folder(run_dir: Path) -> list[Entry]:
    entries = []
    for sub in sorted(p for p in run_dir.iterdir() if p.is_dir()):
        if (sub / _common.SUMMARY_FILE).is_file():
            wall = None
            if (sub / _common.METRICS_FILE).is_file():
                wall = _common.read_json(sub / _common.METRICS_FILE).get("wall_time_s")
            status = "done" if _common.is_done(sub) else "incomplete"
            entries.append(Entry(sub.name, sub.name.replace("_", " "), status, wall))
    return entries


def write_report(
    run_dir: str | Path, entries: Sequence[Entry], *, mode: str = "", total_s: float | None = None
) -> Path:
    """Writes ``run_dir/report.md``: an index with status and time, then every fragment.

    Image and file links in each fragment are made relative to ``run_dir``.

    Returns:
      The path of the report.
    """
    run_dir = Path(run_dir)
    versions = _common.versions()
    lines = [
        "# fnn experiments report",
        "",
        f"Run `{run_dir.name}`"
        + (f", {mode} settings" if mode else "")
        + (f", {total_s:.1f} s in all" if total_s is not None else "")
        + f"; jax {versions['jax']} on {versions['backend']} ({versions['devices']} device(s)), "
        f"python {versions['python']}. Each experiment's folder holds its resolved config and seed "
        "(`config.json`), metrics (`metrics.json`, CSV tables) and figures.",
        "",
        "| experiment | status | time (s) |",
        "|---|---|---|",
    ]
    for e in entries:
        t = "" if e.wall_time_s is None else f"{e.wall_time_s:.1f}"
        link = f"[{e.title}](#{e.name})" if (run_dir / e.name / _common.SUMMARY_FILE).is_file() else e.title
        lines.append(f"| {link} | {e.status} | {t} |")
    lines.append("")
    for e in entries:
        fragment = run_dir / e.name / _common.SUMMARY_FILE
        lines.append(f'<a id="{e.name}"></a>')
        lines.append("")
        if e.status in ("failed", "unavailable") or not fragment.is_file():
            lines.append(f"## {e.title}")
            lines.append("")
            lines.append(f"*{e.status}*" + (f": `{e.error}`" if e.error else ""))
            lines.append("")
            continue
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
    path = write_report(run_dir, _entries_from_folder(run_dir))
    print(f"report: {path}", file=sys.stdout)
    return path


if __name__ == "__main__":
    main()
