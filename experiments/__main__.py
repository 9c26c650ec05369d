"""Runs every experiment and writes one report: ``python -m experiments``.

Quick settings by default; ``--full`` for the longer settings. Outputs go to
``results/<run>/<experiment>/`` and the report to ``results/<run>/report.md``, which
covers every finished experiment in the run folder. Re-running with the same ``--run
NAME`` skips finished experiments unless ``--force``; ``--only NAME --run RUN`` (re)runs
one experiment of an existing run and re-renders the whole report.
``python -m experiments.<name> --help`` documents each experiment.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from experiments import _common
from experiments.report import EXPERIMENTS, Entry, collect, write_report

__all__ = ["EXPERIMENTS", "main"]


def load(name: str):
    """Imports ``experiments.<name>``; ``None`` if that module does not exist (yet)."""
    try:
        return importlib.import_module(f"experiments.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"experiments.{name}":
            return None
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m experiments", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="run the full (longer) settings instead of the quick ones")
    parser.add_argument(
        "--only",
        action="append",
        choices=EXPERIMENTS,
        metavar="NAME",
        help="run only this experiment (repeatable); see --list",
    )
    parser.add_argument("--force", action="store_true", help="redo experiments already finished in this run folder")
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    parser.add_argument("--run", default=None, help="run name, the folder under --results (default: a timestamp)")
    parser.add_argument("--results", default="results", help="folder that holds the runs (default: results)")
    parser.add_argument("--no-cache", action="store_true", help="do not use the persistent JAX compilation cache")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    start = time.perf_counter()
    args = _parser().parse_args(argv)
    if args.list:
        for name in EXPERIMENTS:
            module = load(name)
            summary = (module.__doc__ or "").strip().splitlines()[0] if module else "(not available yet)"
            print(f"{name:20s} {summary}")
        return 0

    from tqdm import tqdm

    if not args.no_cache:
        _common.enable_compilation_cache()
    _common.enable_fast_cpu_compile()
    names = [n for n in EXPERIMENTS if not args.only or n in args.only]
    run_dir = Path(args.results) / (args.run or _common.timestamp())
    run_dir.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    bar = tqdm(names, unit="experiment", file=sys.stderr, dynamic_ncols=True)
    for name in bar:
        bar.set_postfix_str(name)
        module = load(name)
        if module is None:
            entries.append(Entry(name, name.replace("_", " "), "unavailable", error="module not written yet"))
            continue
        title = getattr(module, "TITLE", name)
        config = module.Config() if args.full else module.QUICK
        try:
            metrics = module.run(config, run_dir / name, force=args.force)
        except Exception as e:  # one failing experiment must not lose the others' report
            tqdm.write(f"{name} failed:\n{traceback.format_exc()}", file=sys.stderr)
            entries.append(Entry(name, title, "failed", error=f"{type(e).__name__}: {e}"))
            continue
        entries.append(Entry(name, title, "done earlier" if metrics.get("skipped") else "done"))
    bar.close()
    report = write_report(run_dir, collect(run_dir, entries), command_s=time.perf_counter() - start)
    failed = [e.name for e in entries if e.status == "failed"]
    print(f"report: {report}")
    if failed:
        print(f"failed: {', '.join(failed)} (see the report and the messages above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
