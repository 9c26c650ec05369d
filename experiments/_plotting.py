"""A figure style that keeps many series apart, shared by the experiments.

Twelve optimizers in one panel are unreadable in twelve shades: each series here
differs in colour, line style *and* marker, so two series never look alike even
in greyscale or where lines cross. Legends go outside the axes, so they never hide
data; figures use matplotlib's constrained layout, so a figure title never overlaps
a panel title.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["figure", "legend_outside", "styles"]

# tab10 without its grey (kept for reference lines), then black and a dark gold: eleven
# colours; with four line styles and twelve markers no two of the first 44 series share all three.
_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#000000",
    "#b8860b",
)
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "<", ">", "h", "p")


def styles(names: Sequence[str]) -> dict[str, dict]:
    """Keyword arguments for ``ax.plot`` per name: a distinct colour, line style and marker.

    Markers are spaced (``markevery``) so that they label a line without hiding it, and each
    series starts its markers at another offset: two series that coincide (Adam and AdamW
    with a tiny weight decay) still show both sets of markers.
    """
    return {
        name: dict(
            color=_COLOURS[i % len(_COLOURS)],
            linestyle=_LINESTYLES[i % len(_LINESTYLES)],
            marker=_MARKERS[i % len(_MARKERS)],
            markersize=5,
            markevery=((i % 12) / 120, 0.1),
            linewidth=1.5,
        )
        for i, name in enumerate(names)
    }


def figure(rows: int, cols: int, *, width: float, height: float, **kwargs):
    """``plt.subplots`` with constrained layout (titles, labels and outside legends never overlap)."""
    import matplotlib.pyplot as plt

    return plt.subplots(rows, cols, figsize=(width, height), layout="constrained", squeeze=False, **kwargs)


def legend_outside(fig, axes, *, title: str | None = None, ncols: int = 1) -> None:
    """One legend for the whole figure, right of the panels, from the first panel's labelled lines
    (and any further labels found in the other panels)."""
    handles, labels = [], []
    for ax in [a for a in getattr(axes, "flat", axes)]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    fig.legend(handles, labels, loc="outside right upper", title=title, fontsize=8, ncols=ncols)
