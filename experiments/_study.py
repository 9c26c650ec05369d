"""What the teaching experiments share beyond the protocol of :mod:`experiments._common`.

* :func:`compile_once`: a study's program, compiled once (with fnn.cv's fast CPU options);
* :func:`progress`: a bar that moves within an experiment, one tick per part of a study;
* :func:`add_lessons`: the lessons of a run, stated in its ``summary.md``;
* :func:`sig` and :func:`spread`: numbers printed to the precision they carry.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from experiments import _common

__all__ = ["add_lessons", "by_name", "compile_once", "progress", "sig", "spread"]

# The messages with which XLA refuses an option it does not know (fnn.cv.engine falls back the same way).
_REJECTED_OPTION = ("No such compile option", "While setting option")


def compile_once(fn: Callable, *args: Any) -> Callable:
    """``jax.jit(fn)`` lowered for ``args`` and compiled, with :data:`fnn.cv.CPU_FAST_COMPILE` on CPU.

    The experiments' programs (a learning-rate sweep, a grid of networks) run once, for
    a second or less, so XLA's default optimisation level spends most of the time
    compiling: the fast options compile several times faster at about the same run
    speed (the measurements are in fnn.cv.engine's docstring). Elsewhere, or when the
    installed XLA does not know an option, XLA's defaults apply.

    Returns:
      The compiled program; call it with arrays of the same shapes and dtypes as ``args``.
    """
    import jax

    from fnn.cv import CPU_FAST_COMPILE

    lowered = jax.jit(fn).lower(*args)
    if jax.default_backend() != "cpu":
        return lowered.compile()
    try:
        return lowered.compile(compiler_options=dict(CPU_FAST_COMPILE))
    except Exception as err:  # jaxlib's runtime error; its class has moved between versions
        if not any(m in str(err) for m in _REJECTED_OPTION):
            raise
        return lowered.compile()


def progress(name: str, total: int):
    """A tqdm bar for the parts of one experiment (on stderr, removed when done).

    It shows only on a terminal (``disable=None``), so tests and logs stay clean; under
    ``python -m experiments`` it sits below the runner's bar of experiments.
    """
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit="part", leave=False, file=sys.stderr, disable=None, dynamic_ncols=True)


def add_lessons(summary: _common.Summary, lessons: Sequence[_common.Lesson]) -> None:
    """States each lesson of the material against this run: held or not, and what the numbers show."""
    lines = [f"- **{'holds' if lesson.holds else 'does not hold'}**: {lesson.text}" for lesson in lessons]
    summary.text(
        "What this run shows, lesson by lesson (each sentence is computed from its numbers):\n\n" + "\n".join(lines)
    )


def by_name(lessons: Sequence[_common.Lesson]) -> dict[str, _common.Lesson]:
    """The lessons keyed by name (names are unique within an experiment)."""
    out = {lesson.name: lesson for lesson in lessons}
    if len(out) != len(lessons):
        raise ValueError(f"by_name: lesson names repeat: {[lesson.name for lesson in lessons]}")
    return out


def sig(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` significant digits (``0.03421`` -> ``"0.034"``, ``1.234e-5`` -> ``"1.2e-05"``)."""
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return str(x)
    return f"{x:.{digits}g}"


def spread(values: Sequence[float], digits: int = 2) -> tuple[float, str]:
    """The median of ``values`` and ``"median (min–max)"`` to ``digits`` significant digits (an en dash, so
    that a range never reads as a minus sign)."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    median = float(np.median(v))
    return median, f"{sig(median, digits)} ({sig(v.min(), digits)}–{sig(v.max(), digits)})"
