"""Numbers in a report, printed to the precision they carry.

A step-time ratio measured on a busy machine is good to two significant digits at best,
and one measurement says little: :func:`spread` gives the median of repeats with their
range, :func:`sig` a number to a stated number of significant digits.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["sig", "spread"]


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
