"""The one pattern every experiment follows: config, CLI, atomic outputs, summary, skip/force.

An experiment is a module ``experiments/<name>.py`` with

* ``NAME``: its folder name, ``TITLE``: a heading for the report;
* ``Config``: a frozen dataclass whose defaults are the *full* settings; each field
  carries ``metadata={"help": ...}`` (use :func:`option`) so ``--help`` documents it,
  and a ``seed`` field;
* ``QUICK``: the quick settings that ``python -m experiments`` runs;
* ``run(config, workdir, *, force=False) -> dict``: does the work and returns the
  metrics, decorated with :func:`experiment`, which writes ``config.json``
  (resolved config, seed, versions) first, ``metrics.json`` after the work and
  ``done.json`` last, and skips the work when ``done.json`` records the same
  config (unless ``force``);
* ``main(argv=None)``: ``return cli(run, Config, QUICK, argv, __doc__)``.

Inside ``run`` the experiment writes its figures with :func:`save_figure`, tables
with :func:`write_csv` and its ``summary.md`` fragment with :class:`Summary`; every
write goes to a temporary file in the target folder and is moved into place with
``os.replace``, so an interrupted run never leaves a half-written file.

The persistent JAX compilation cache is switched on by :func:`enable_compilation_cache`,
which every CLI and the runner call (not the library and not the tests).

What experiments share lives in shared modules, never in another experiment: this
one for the protocol, :mod:`experiments.networks` for the networks they train.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime as _dt
import functools
import io
import json
import math
import os
import platform
import re
import sys
import tempfile
import time
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

# Experiments only write files; never open a window (also under a headless CI).
matplotlib.use("Agg")

__all__ = [
    "Lesson",
    "Summary",
    "atomic_write",
    "build_parser",
    "cli",
    "config_to_dict",
    "default_cache_dir",
    "enable_compilation_cache",
    "experiment",
    "is_done",
    "markdown_table",
    "option",
    "read_json",
    "relink",
    "save_figure",
    "time_call",
    "timestamp",
    "versions",
    "write_csv",
    "write_json",
    "write_text",
]

DONE_FILE = "done.json"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
SUMMARY_FILE = "summary.md"


# --------------------------------------------------------------------------- cache


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/fnn/jax`` if set, else ``~/.cache/fnn/jax``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fnn" / "jax"


def enable_compilation_cache(directory: str | os.PathLike | None = None) -> Path | None:
    """Turns on JAX's persistent compilation cache so a second run skips compiling.

    The directory is, in order: ``directory`` if given; ``$FNN_JAX_CACHE_DIR`` if
    set (an empty value, ``FNN_JAX_CACHE_DIR=""``, disables the cache); otherwise
    :func:`default_cache_dir`. Every program is cached, however fast it compiled
    (``jax_persistent_cache_min_compile_time_secs=0``): the experiments compile
    many small programs whose compile time adds up.

    Returns:
      The cache directory, or ``None`` when disabled.
    """
    import jax

    if directory is None:
        env = os.environ.get("FNN_JAX_CACHE_DIR")
        if env is not None and env.strip() == "":
            return None
        directory = env if env else default_cache_dir()
    path = Path(directory).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path


# --------------------------------------------------------------------------- atomic writes


def atomic_write(path: str | os.PathLike, write: Callable[[io.IOBase], None], *, binary: bool = False) -> Path:
    """Writes a file all-or-nothing: ``write(f)`` fills a temporary file in the same
    folder, which then replaces ``path`` with ``os.replace`` (atomic on POSIX and
    Windows). If ``write`` raises, the temporary file is removed and ``path`` is
    left as it was (absent, or the previous complete version).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Atomically writes ``text`` (UTF-8) to ``path``."""
    return atomic_write(path, lambda f: f.write(text))


def _jsonable(x: Any) -> Any:
    """Numbers, arrays and tuples as plain JSON; non-finite floats as strings ("nan", "inf")."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return _jsonable(dataclasses.asdict(x))
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "tolist") and not isinstance(x, (str, bytes)):  # numpy / jax arrays and scalars
        return _jsonable(x.tolist())
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, Path):
        return str(x)
    return x


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Atomically writes ``obj`` as indented JSON (arrays become lists, NaN becomes "nan")."""
    text = json.dumps(_jsonable(obj), indent=2, sort_keys=False, allow_nan=False) + "\n"
    return write_text(path, text)


def read_json(path: str | os.PathLike) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _format_cell(v: Any, digits: int = 4) -> str:
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        v = v.item()
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.{digits - 1}e}"
        return f"{v:.{digits}g}"
    return str(v)


def write_csv(path: str | os.PathLike, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Atomically writes a CSV table (full precision numbers)."""
    rows = [list(r) for r in rows]
    for r in rows:
        if len(r) != len(header):
            raise ValueError(f"write_csv: each row needs {len(header)} cells to match the header, got {len(r)}")

    def write(f):
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([(x.item() if hasattr(x, "item") and getattr(x, "ndim", 1) == 0 else x) for x in r])

    return atomic_write(path, write)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 4) -> str:
    """A GitHub-markdown table; floats shown with ``digits`` significant digits."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(_format_cell(v, digits) for v in r) + " |")
    return "\n".join(lines)


def save_figure(fig, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """Atomically saves a matplotlib figure as PNG and closes it."""
    import matplotlib.pyplot as plt

    try:
        return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=dpi, bbox_inches="tight"), binary=True)
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- lessons


@dataclasses.dataclass(frozen=True)
class Lesson:
    """One lesson of the course, checked against this run's own numbers.

    ``compute`` produces the numbers; ``lessons(results)`` turns them into Lessons; the
    summary states each one as ``text`` (a sentence computed from the numbers, true of
    this run whether or not the lesson held), and a smoke test asserts ``holds`` for the
    lessons the quick settings are chosen to show.

    Attributes:
      name: a short identifier, stable across runs (``"adaptive_first"``).
      holds: whether this run's numbers show the lesson.
      text: what this run shows, with its numbers; when the lesson does not hold, it
        says so plainly and why.
    """

    name: str
    holds: bool
    text: str


# --------------------------------------------------------------------------- summary fragments


class Summary:
    """Builds an experiment's ``summary.md``: a heading, then figures and tables, each
    with a sentence on what it shows and the lesson from the material it confirms.

    Image links are relative to the experiment's folder; the report rewrites them.

    Example:
      >>> s = Summary("Perceptron and logic gates")
      >>> s.figure("gates.png", "Decision lines of the learned AND, OR, NAND perceptrons.")
      >>> s.write(workdir)
    """

    def __init__(self, title: str, intro: str = ""):
        self.title = title
        self.parts: list[str] = [intro] if intro else []

    def text(self, text: str) -> None:
        self.parts.append(text.strip())

    def figure(self, filename: str, caption: str) -> None:
        alt = re.sub(r"[\[\]\n]", " ", caption.split(".")[0])[:80]
        self.parts.append(f"![{alt}]({filename})\n\n{caption.strip()}")

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        caption: str,
        *,
        csv_name: str | None = None,
        digits: int = 4,
    ) -> None:
        link = f" ([csv]({csv_name}))" if csv_name else ""
        self.parts.append(f"{caption.strip()}{link}\n\n{markdown_table(header, rows, digits)}")

    def render(self) -> str:
        return f"## {self.title}\n\n" + "\n\n".join(self.parts) + "\n"

    def write(self, workdir: str | os.PathLike) -> Path:
        return write_text(Path(workdir) / SUMMARY_FILE, self.render())


_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")


def relink(markdown: str, prefix: str) -> str:
    """Prefixes relative links in a summary fragment (``![..](a.png)`` → ``![..](prefix/a.png)``)."""

    def fix(m: re.Match) -> str:
        target = m.group(2)
        if re.match(r"^([a-z]+:|/|#)", target):
            return m.group(0)
        return f"{m.group(1)}{prefix}/{target}{m.group(3)}"

    return _LINK.sub(fix, markdown)


# --------------------------------------------------------------------------- config and the run decorator


def option(default: Any, help: str) -> Any:  # noqa: A002 - mirrors argparse's keyword
    """A dataclass field with a default and a ``--help`` line."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("option: use a tuple for sequence defaults so the config stays hashable")
    return dataclasses.field(default=default, metadata={"help": help})


def config_to_dict(config: Any) -> dict:
    """The config as plain JSON values (tuples become lists)."""
    return _jsonable(dataclasses.asdict(config))


def versions() -> dict:
    """The versions of Python, JAX, numpy and fnn, the JAX backend and device count (for a run's records)."""
    import jax
    import numpy as np

    import fnn

    return {
        "python": platform.python_version(),
        "jax": jax.__version__,
        "numpy": np.__version__,
        "fnn": getattr(fnn, "__version__", "?"),
        "backend": jax.default_backend(),
        "devices": jax.device_count(),
    }


def is_done(workdir: str | os.PathLike, config: Any | None = None) -> bool:
    """True when ``workdir`` holds a finished run (of ``config``, when given)."""
    done = Path(workdir) / DONE_FILE
    if not done.is_file() or not (Path(workdir) / METRICS_FILE).is_file():
        return False
    if config is None:
        return True
    try:
        return read_json(done).get("config") == config_to_dict(config)
    except (OSError, ValueError):
        return False


def experiment(name: str) -> Callable:
    """Decorates an experiment's ``run(config, workdir) -> dict`` with the shared protocol.

    The decorated ``run(config, workdir, *, force=False)``:

    1. returns the saved metrics without working if ``workdir/done.json`` records the
       same config and ``force`` is false;
    2. otherwise removes a stale ``done.json``, writes ``config.json`` (config, seed,
       versions, start time), runs the work, writes ``metrics.json`` (with the
       wall time) and finally ``done.json``.

    An exception leaves no ``done.json``, so the next run redoes the work.
    """

    def decorate(work: Callable[[Any, Path], dict]) -> Callable[..., dict]:
        @functools.wraps(work)
        def run(config: Any, workdir: str | os.PathLike, *, force: bool = False) -> dict:
            if not dataclasses.is_dataclass(config) or isinstance(config, type):
                raise TypeError(f"{name}.run: config must be a Config instance, got {type(config).__name__}")
            workdir = Path(workdir)
            if not force and is_done(workdir, config):
                metrics = read_json(workdir / METRICS_FILE)
                metrics["skipped"] = True
                return metrics
            workdir.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                os.remove(workdir / DONE_FILE)
            resolved = config_to_dict(config)
            write_json(
                workdir / CONFIG_FILE,
                {
                    "experiment": name,
                    "seed": resolved.get("seed"),
                    "config": resolved,
                    "started": timestamp(),
                    "versions": versions(),
                },
            )
            start = time.perf_counter()
            metrics = dict(work(config, workdir))
            metrics["wall_time_s"] = time.perf_counter() - start
            write_json(workdir / METRICS_FILE, metrics)
            write_json(workdir / DONE_FILE, {"experiment": name, "config": resolved, "finished": timestamp()})
            metrics["skipped"] = False
            return metrics

        run.experiment_name = name
        return run

    return decorate


def timestamp() -> str:
    """Local time as ``YYYYmmdd-HHMMSS`` (a run-folder name)."""
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


# --------------------------------------------------------------------------- CLI


def _field_parser(tp: Any) -> dict:
    """argparse keywords for a dataclass field of type ``tp``."""
    origin = typing.get_origin(tp)
    if tp is bool:
        return {"action": argparse.BooleanOptionalAction}
    if origin is tuple:
        args = typing.get_args(tp)
        return {"nargs": "+", "type": args[0] if args else str}
    if tp in (int, float, str):
        return {"type": tp}
    if origin is typing.Union or origin is getattr(__import__("types"), "UnionType", None):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) == 1:
            return _field_parser(inner[0])
    return {"type": str}


def build_parser(config_cls: type, quick: Any, description: str | None, prog: str) -> argparse.ArgumentParser:
    """An argparse parser with one ``--option`` per config field (help from its metadata)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, max_help_position=34),
    )
    hints = typing.get_type_hints(config_cls)
    group = parser.add_argument_group(
        "settings",
        "defaults are the full settings; --quick starts from the quick ones (options given here override either)",
    )
    for f in dataclasses.fields(config_cls):
        kw = _field_parser(hints[f.name])
        full, fast = f.default, getattr(quick, f.name)
        shown = f"full: {full!r}" + ("" if fast == full else f", quick: {fast!r}")
        group.add_argument(
            "--" + f.name.replace("_", "-"),
            dest=f.name,
            default=None,
            help=f"{f.metadata.get('help', '')} ({shown})",
            **kw,
        )
    run = parser.add_argument_group("run")
    run.add_argument("--quick", action="store_true", help="start from the quick settings")
    run.add_argument("--workdir", default=None, help="output folder (default: results/<run>/<experiment>)")
    run.add_argument("--run", default=None, help="run name for the default workdir (default: a timestamp)")
    run.add_argument("--force", action="store_true", help="redo the work even if the folder holds a finished run")
    run.add_argument("--no-cache", action="store_true", help="do not use the persistent JAX compilation cache")
    return parser


def cli(
    run: Callable[..., dict], config_cls: type, quick: Any, argv: Sequence[str] | None, description: str | None
) -> dict:
    """The ``main(argv)`` of an experiment: parse options, run, print where the outputs are."""
    name = run.experiment_name
    parser = build_parser(config_cls, quick, description, prog=f"python -m experiments.{name}")
    args = parser.parse_args(argv)
    base = quick if args.quick else config_cls()
    changes = {}
    for f in dataclasses.fields(config_cls):
        value = getattr(args, f.name)
        if value is not None:
            changes[f.name] = tuple(value) if isinstance(value, list) else value
    config = dataclasses.replace(base, **changes)
    if not args.no_cache:
        enable_compilation_cache()
    workdir = Path(args.workdir) if args.workdir else Path("results") / (args.run or timestamp()) / name
    metrics = run(config, workdir, force=args.force)
    state = "already done (use --force to redo)" if metrics.get("skipped") else "done"
    print(f"{name}: {state}; outputs in {workdir} (summary: {workdir / SUMMARY_FILE})", file=sys.stdout)
    return metrics


# --------------------------------------------------------------------------- timing


def time_call(fn: Callable[[], Any], *, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time (s) of ``fn()`` after ``warmup`` calls, blocking on JAX results."""
    import jax

    for _ in range(warmup):
        jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]
