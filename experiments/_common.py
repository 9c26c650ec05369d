"""The one pattern every experiment follows: compute, lessons, render; config, CLI, atomic outputs.

An experiment is a module ``experiments/<name>.py`` with

* ``NAME``: its folder name, ``TITLE``: a heading for the report;
* ``Config``: a frozen dataclass whose defaults are the *full* settings; each field is
  an :func:`option` (a default, a ``--help`` line and, where a value can be wrong, its
  ``choices``, bounds or ``parse`` function, which both the command line and
  :func:`experiment` check), and one field is ``seed``;
* ``QUICK``: the quick settings that ``python -m experiments`` runs and that a
  standalone ``python -m experiments.<name>`` starts from (``--full`` for the others);
* ``compute(config) -> results``: all the numbers (training, scores, the arrays a figure
  draws) as a plain dict of numbers and arrays; no plotting, no files, so a test can
  check them;
* ``lessons(results) -> list[Lesson]``: every claim the captions make, each a
  :class:`Lesson` computed from ``results``: whether this run shows it (``holds``) and
  a sentence with this run's numbers (``text``) that says plainly when it does not hold
  and why. A caption states what the figure draws and the lessons' texts; it never
  asserts a number or an outcome it did not compute;
* ``render(results, config, workdir) -> metrics``: the figures (:func:`save_figure`), the
  CSV tables (:func:`write_csv`) and the ``summary.md`` fragment (:class:`Summary`); it
  returns the metrics, with :func:`lesson_metrics` among them;
* ``run(config, workdir, *, force=False) -> dict``: ``render(compute(config), config,
  workdir)``, decorated with :func:`experiment`, which checks the config, writes
  ``config.json`` (resolved config, seed, versions) first, ``metrics.json`` after the work
  and ``done.json`` last, and skips the work when ``done.json`` records the same config
  (unless ``force``);
* ``main(argv=None)``: ``return cli(run, Config, QUICK, argv, __doc__)``.

Its smoke test runs ``compute`` once on the smallest settings that still show the
lessons, asserts that each lesson the quick settings are chosen to show holds, and
renders the same results into a folder.

Every write goes to a temporary file in the target folder and is moved into place
with ``os.replace``, so an interrupted run never leaves a half-written file. Long
computations step a progress bar per part (:func:`progress`).

The persistent JAX compilation cache is switched on by :func:`enable_compilation_cache`,
and CPU programs compile with LLVM at -O1 by :func:`enable_fast_cpu_compile`; every CLI
and the runner call both (not the library and not the tests).

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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    "check_config",
    "cli",
    "execute",
    "config_to_dict",
    "default_cache_dir",
    "enable_compilation_cache",
    "enable_fast_cpu_compile",
    "first_sentence",
    "experiment",
    "is_done",
    "lesson_metrics",
    "markdown_table",
    "missing_extra",
    "option",
    "parse_cli",
    "progress",
    "read_json",
    "relink",
    "run_once",
    "save_figure",
    "settings_name",
    "time_call",
    "timestamp",
    "versions",
    "write_csv",
    "write_json",
    "without_columns",
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


#: The XLA options of :data:`fnn.cv.CPU_FAST_COMPILE` as flags, for every program of a process.
FAST_CPU_FLAGS = ("--xla_backend_optimization_level=1", "--xla_cpu_use_fusion_emitters=false")


def _accelerator_plugin_installed() -> bool:
    import importlib.util

    return any(importlib.util.find_spec(m) is not None for m in ("jax_plugins", "libtpu"))


def enable_fast_cpu_compile() -> bool:
    """Compiles every CPU program of this process as :mod:`fnn.cv` compiles its own: LLVM
    at -O1 and XLA's classic emitters (:data:`fnn.cv.CPU_FAST_COMPILE`), through ``XLA_FLAGS``.

    The experiments compile a few hundred small programs and run most of them once, so
    compilation is most of what their user waits for; these options halve it at about
    the same run speed (results agree with XLA's defaults to float32 rounding).

    XLA reads ``XLA_FLAGS`` when JAX starts its backends, so this must run before the
    first computation. It changes nothing when JAX has started already, when an
    accelerator plugin is installed (and ``JAX_PLATFORMS`` is not ``cpu``), or when
    ``XLA_FLAGS`` already sets either option (set ``--xla_backend_optimization_level=2``
    there to keep XLA's defaults).

    Returns:
      whether the options are in effect for this process.
    """
    from jax._src import xla_bridge  # the public API cannot tell whether backends started

    flags = os.environ.get("XLA_FLAGS", "")
    names = [f.split("=")[0] for f in FAST_CPU_FLAGS]
    if all(f in flags.split() for f in FAST_CPU_FLAGS):
        return True
    if any(n in flags for n in names) or xla_bridge.backends_are_initialized():
        return False
    if os.environ.get("JAX_PLATFORMS", "").strip().lower() != "cpu" and _accelerator_plugin_installed():
        return False
    os.environ["XLA_FLAGS"] = " ".join([flags, *FAST_CPU_FLAGS]).strip()
    return True


_REJECTED_OPTION = ("No such compile option", "While setting option")


def run_once(fn: Callable[..., Any], *args: Any) -> Any:
    """``jax.jit(fn)(*args)``, compiled on CPU with :data:`fnn.cv.CPU_FAST_COMPILE`, as
    :mod:`fnn.cv` compiles its programs.

    For the programs an experiment compiles to run once: their compile time is most of
    what the reader waits for, and these options halve it (in this process only; unlike
    :func:`enable_fast_cpu_compile` it needs no flag set before JAX starts, so the tests
    get it too). Results agree with a default ``jax.jit`` to float32 rounding; an XLA that
    no longer knows one of the options compiles with its defaults. The persistent
    compilation cache keeps the compiled program like any other.
    """
    import jax

    from fnn.cv import CPU_FAST_COMPILE

    lowered = jax.jit(fn).lower(*args)
    if jax.default_backend() != "cpu":
        return lowered.compile()(*args)
    try:
        compiled = lowered.compile(compiler_options=dict(CPU_FAST_COMPILE))
    except Exception as err:  # jaxlib's error class has moved between versions
        if not any(m in str(err) for m in _REJECTED_OPTION):
            raise
        compiled = lowered.compile()
    return compiled(*args)


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


def without_columns(
    header: Sequence[str], rows: Iterable[Sequence[Any]], drop: Iterable[str]
) -> tuple[list[str], list[list[Any]]]:
    """``header`` and ``rows`` without the columns named in ``drop`` (columns a run could not
    fill, such as a comparison with a package that is not installed: see :func:`missing_extra`)."""
    drop = set(drop)
    unknown = drop - set(header)
    if unknown:
        raise ValueError(f"without_columns: no column named {sorted(unknown)} in {list(header)}")
    keep = [i for i, name in enumerate(header) if name not in drop]
    return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]


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


def lesson_metrics(lessons: Iterable[Lesson]) -> dict:
    """Lessons as metrics, ``{name: {"holds": bool, "text": str}}``; the report counts the ones that hold."""
    out = {}
    for lesson in lessons:
        if lesson.name in out:
            raise ValueError(f"lesson_metrics: two lessons are named {lesson.name!r}; names must be unique")
        out[lesson.name] = {"holds": bool(lesson.holds), "text": lesson.text}
    return out


# --------------------------------------------------------------------------- summary fragments


_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)\s+(?=[A-Z0-9(])")


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, whole: it ends at a ``.``, ``!`` or ``?`` followed by
    a space and a capital, a digit or a parenthesis (so ``w.x``, ``0.5``, ``e.g. AND`` and
    ``i.e. the`` do not end it)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


class Summary:
    """Builds an experiment's ``summary.md``: a heading, then figures and tables, each
    with a sentence on what it shows and the lesson from the material it confirms.

    Image links are relative to the experiment's folder; the report rewrites them.

    Example:
      >>> import tempfile
      >>> s = Summary("Perceptron and logic gates")
      >>> s.figure("gates.png", "Decision lines of the learned AND, OR, NAND perceptrons.")
      >>> with tempfile.TemporaryDirectory() as workdir:
      ...     path = s.write(Path(workdir))
      ...     text = path.read_text(encoding="utf-8")
      >>> text.splitlines()[0]
      '## Perceptron and logic gates'
    """

    def __init__(self, title: str, intro: str = ""):
        self.title = title
        self.parts: list[str] = [intro] if intro else []

    def text(self, text: str) -> None:
        self.parts.append(text.strip())

    def figure(self, filename: str, caption: str, *, alt: str | None = None) -> None:
        """An image and its caption. ``alt`` (the text a reader gets when the image does not
        show) is, by default, the caption's first sentence, whole."""
        alt = first_sentence(caption) if alt is None else alt
        alt = re.sub(r"\s+", " ", re.sub(r"[\[\]]", " ", alt)).strip()
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


def option(
    default: Any,
    help: str,  # noqa: A002 - mirrors argparse's keyword
    *,
    choices: Iterable[Any] | None = None,
    at_least: float | None = None,
    greater_than: float | None = None,
    at_most: float | None = None,
    parse: Callable[[str], Any] | None = None,
) -> Any:
    """A dataclass field with a default, a ``--help`` line and the values it accepts.

    The command line (:func:`build_parser`) and :func:`experiment` (through
    :func:`check_config`) reject any other value, the first as an argparse error (one
    line, exit code 2), the second as a ``ValueError``; a tuple field checks each element.

    Args:
      default: the full settings' value (a tuple for a sequence, so the config stays hashable).
      help: the ``--help`` line.
      choices: the only values allowed.
      at_least, greater_than, at_most: bounds of a number (``greater_than=0`` for a
        learning rate, ``at_least=1`` for a count of epochs).
      parse: for a string field with a syntax of its own (``"loo"`` or an int): takes the
        text, returns the value, raises ``ValueError`` with a message that completes
        ``"argument --name: "`` (e.g. ``"must be an int >= 2 or 'loo', got 'abc'"``).
    """
    if isinstance(default, (list, dict, set)):
        raise TypeError("option: use a tuple for sequence defaults so the config stays hashable")
    metadata = {
        "help": help,
        "choices": None if choices is None else tuple(choices),
        "at_least": at_least,
        "greater_than": greater_than,
        "at_most": at_most,
        "parse": parse,
    }
    for value in default if isinstance(default, tuple) else (default,):
        problem = _problem(value, metadata)
        if problem is not None:
            raise ValueError(f"option: the default {default!r} is not allowed: it {problem}")
    return dataclasses.field(default=default, metadata=metadata)


def _problem(value: Any, metadata: Mapping[str, Any]) -> str | None:
    """What is wrong with one value of a field (``"must be > 0, got -0.01"``), or ``None``."""
    if value is None:
        return None
    choices = metadata.get("choices")
    if choices is not None and value not in choices:
        return f"must be one of {', '.join(map(str, choices))}; got {value!r}"
    parse = metadata.get("parse")
    if parse is not None and isinstance(value, str):
        try:
            parse(value)
        except ValueError as e:
            return str(e)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, above, high = metadata.get("at_least"), metadata.get("greater_than"), metadata.get("at_most")
        if isinstance(value, float) and math.isnan(value) and (low, above, high) != (None, None, None):
            return f"must be a number, got {value!r}"
        if low is not None and value < low:
            return f"must be >= {low:g}, got {value!r}"
        if above is not None and value <= above:
            return f"must be > {above:g}, got {value!r}"
        if high is not None and value > high:
            return f"must be <= {high:g}, got {value!r}"
    return None


def check_config(config: Any) -> None:
    """Raises ``ValueError`` naming the first field whose value its :func:`option` does not allow."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        for v in value if isinstance(value, tuple) else (value,):
            problem = _problem(v, f.metadata)
            if problem is not None:
                raise ValueError(f"{type(config).__module__.rsplit('.', 1)[-1]}: {f.name} {problem}")


def settings_name(config: Any, config_cls: type, quick: Any) -> str:
    """``"quick"``, ``"full"`` (or ``"quick and full"`` where they are the same) or ``"custom"``:
    which settings ``config`` is, for a caption or the report (``"(full settings)"`` only
    where they are)."""
    names = [name for name, c in (("quick", quick), ("full", config_cls())) if config == c]
    return " and ".join(names) if names else "custom"


def missing_extra(module: str, extra: str) -> str | None:
    """``None`` when ``module`` imports; otherwise the sentence a report shows in place of
    what needs it (``"torch is not installed, so its columns are left out;
    pip install -e '.[torch]' adds them."``)."""
    import importlib.util

    if module in sys.modules:  # imported, or set to None (which makes `import` fail, as tests do)
        found = sys.modules[module] is not None
    else:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
    if found:
        return None
    return f"{module} is not installed, so its columns are left out; `pip install -e '.[{extra}]'` adds them."


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

    1. checks the config (:func:`check_config`), then returns the saved metrics without
       working if ``workdir/done.json`` records the same config and ``force`` is false;
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
            check_config(config)
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


def _base_type(tp: Any) -> Any:
    """``int`` for ``int``, ``int | None`` and ``tuple[int, ...]``; the element type argparse converts."""
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        return args[0] if args else str
    if origin is typing.Union or origin is getattr(__import__("types"), "UnionType", None):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) == 1:
            return _base_type(inner[0])
    return tp if tp in (int, float, str, bool) else str


def _converter(base: type, metadata: Mapping[str, Any]) -> Callable[[str], Any]:
    """argparse's ``type=``: the text as ``base``, checked against the field's :func:`option`.

    A value of the wrong type reads ``invalid float value: 'abc'`` (argparse's own words),
    one out of bounds ``must be > 0, got -0.01``, one ``parse`` rejects its message.
    """
    parse = metadata.get("parse")

    def convert(text: str) -> Any:
        value = base(text)  # a ValueError here is argparse's "invalid <type> value"
        try:
            if parse is not None:
                value = parse(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        problem = _problem(value, {**metadata, "choices": None, "parse": None})
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return value

    convert.__name__ = base.__name__
    return convert


def _field_parser(tp: Any, metadata: Mapping[str, Any] | None = None) -> dict:
    """argparse keywords for a dataclass field of type ``tp`` with :func:`option` ``metadata``."""
    metadata = metadata or {}
    if tp is bool:
        return {"action": argparse.BooleanOptionalAction}
    kw: dict[str, Any] = {"type": _converter(_base_type(tp), metadata)}
    if typing.get_origin(tp) is tuple:
        kw["nargs"] = "+"
    if metadata.get("choices") is not None:
        kw["choices"] = metadata["choices"]
    return kw


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return " ".join(map(str, value))
    return repr(value) if isinstance(value, str) else str(value)


def build_parser(
    config_cls: type,
    quick: Any,
    description: str | None,
    prog: str,
    *,
    defaults: Mapping[str, Any] | None = None,
) -> argparse.ArgumentParser:
    """An argparse parser with one ``--option`` per config field (help from its metadata,
    values checked as its :func:`option` says), and the run options.

    ``defaults``: values this command starts from in place of the quick and full ones
    (a study that the report runs but the command runs only when asked).
    """
    defaults = dict(defaults or {})
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        usage="%(prog)s [options]",
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, max_help_position=34),
    )
    hints = typing.get_type_hints(config_cls)
    group = parser.add_argument_group(
        "settings",
        "the quick settings by default, the full ones with --full; an option given here overrides either",
    )
    full_config = config_cls()
    for f in dataclasses.fields(config_cls):
        kw = _field_parser(hints[f.name], f.metadata)
        full, fast = getattr(full_config, f.name), getattr(quick, f.name)
        shown = f"quick: {_shown(fast)}, full: {_shown(full)}" if fast != full else f"default: {_shown(full)}"
        if f.name in defaults:
            report = f"{_shown(fast)} (quick), {_shown(full)} (full)" if fast != full else _shown(full)
            shown = f"default here: {_shown(defaults[f.name])}; in the report: {report}"
        choices = kw.pop("choices", None)
        if choices is not None:  # listed in the help: a long {a,b,...} metavar would swamp the usage
            kw["choices"] = choices
            kw["metavar"] = f.name.upper()
            shown = f"one of {', '.join(map(str, choices))}; {shown}"
        group.add_argument(
            "--" + f.name.replace("_", "-"),
            dest=f.name,
            default=None,
            help=f"{f.metadata.get('help', '')} ({shown})".replace("%", "%%"),
            **kw,
        )
    run = parser.add_argument_group("run")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--full", action="store_true", help="start from the full settings")
    which.add_argument("--quick", action="store_true", help="start from the quick settings (the default)")
    run.add_argument("--workdir", default=None, help="output folder (default: results/<run>/<experiment>)")
    run.add_argument("--run", default=None, help="run name for the default workdir (default: a timestamp)")
    run.add_argument("--force", action="store_true", help="redo the work even if the folder holds a finished run")
    run.add_argument("--no-cache", action="store_true", help="do not use the persistent JAX compilation cache")
    return parser


def parse_cli(
    config_cls: type,
    quick: Any,
    argv: Sequence[str] | None,
    description: str | None,
    prog: str,
    *,
    defaults: Mapping[str, Any] | None = None,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> tuple[Any, argparse.Namespace]:
    """The config a command line asks for, and its parsed arguments.

    Starts from ``quick`` (``config_cls()`` with ``--full``), then ``defaults``, then the
    options given. A value an option rejects, or a config whose ``__post_init__`` raises
    ``ValueError`` (a check across fields), ends the program as argparse does: one
    ``prog: error: ...`` line on stderr and exit code 2. ``add_arguments(parser)`` adds
    options of the command itself (an output file, say) that are not settings.
    """
    parser = build_parser(config_cls, quick, description, prog, defaults=defaults)
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    base = config_cls() if args.full else quick
    changes = dict(defaults or {})
    for f in dataclasses.fields(config_cls):
        value = getattr(args, f.name)
        if value is not None:
            changes[f.name] = tuple(value) if isinstance(value, list) else value
    try:
        config = dataclasses.replace(base, **changes)
        check_config(config)
    except ValueError as e:
        parser.error(str(e))
    return config, args


def cli(
    run: Callable[..., dict],
    config_cls: type,
    quick: Any,
    argv: Sequence[str] | None,
    description: str | None,
    *,
    defaults: Mapping[str, Any] | None = None,
) -> dict:
    """The ``main(argv)`` of an experiment: parse options (:func:`parse_cli`), run, print where the outputs are."""
    name = run.experiment_name
    config, args = parse_cli(
        config_cls, quick, argv, description, prog=f"python -m experiments.{name}", defaults=defaults
    )
    return execute(run, config, args)


def execute(run: Callable[..., dict], config: Any, args: argparse.Namespace) -> dict:
    """Runs a parsed command line (:func:`parse_cli`): caches on, the work, where its outputs are."""
    name = run.experiment_name
    if not args.no_cache:
        enable_compilation_cache()
    enable_fast_cpu_compile()
    workdir = Path(args.workdir) if args.workdir else Path("results") / (args.run or timestamp()) / name
    metrics = run(config, workdir, force=args.force)
    state = "already done (use --force to redo)" if metrics.get("skipped") else "done"
    print(f"{name}: {state}; outputs in {workdir} (summary: {workdir / SUMMARY_FILE})", file=sys.stdout)
    return metrics


# --------------------------------------------------------------------------- progress


class _Progress:
    """The bar :func:`progress` returns: ``step(label)`` starts the next part."""

    def __init__(self, desc: str, total: int):
        from tqdm import tqdm

        self._bar = tqdm(
            total=total, desc=desc, unit="part", leave=False, file=sys.stderr, dynamic_ncols=True, disable=None
        )
        self._started = False

    def step(self, label: str) -> None:
        if self._started:
            self._bar.update(1)
        self._started = True
        self._bar.set_postfix_str(label)

    def __call__(self, label: str) -> None:
        self.step(label)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._started and exc[0] is None:
            self._bar.update(1)
        self._bar.close()


def progress(desc: str, total: int) -> _Progress:
    """A progress bar over the parts of a long ``compute`` (on stderr, gone when done).

    Example:
      >>> with progress("cross_validation", total=2) as step:
      ...     step("spread of the estimates")  # ... its work ...
      ...     step("learning-rate grid")  # ... its work ...
    """
    return _Progress(desc, total)


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
