"""Checks shared by the experiments' smoke tests: what a run writes, and what its summary says."""

from __future__ import annotations

import re
from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n"


def assert_outputs(workdir: Path, files=(), figures=()) -> None:
    """Every file is written; every figure is a PNG that summary.md shows."""
    for name in ("summary.md", *files, *figures):
        assert (workdir / name).is_file(), name
    summary = (workdir / "summary.md").read_text()
    for figure in figures:
        assert (workdir / figure).read_bytes()[:8] == PNG, figure
        assert f"]({figure})" in summary, figure


def assert_summary(workdir: Path, metrics: dict, expected: dict | None = None) -> None:
    """Each lesson holds as ``expected`` says (when given) and is stated in summary.md;
    every figure's alt text is a sentence."""
    lessons = metrics["lessons"]
    if expected is not None:
        assert {name: lesson["holds"] for name, lesson in lessons.items()} == expected
    summary = (workdir / "summary.md").read_text()
    for name, lesson in lessons.items():
        assert lesson["text"] in summary, name  # every lesson is stated in a caption
    assert all(alt.endswith(".") for alt in re.findall(r"!\[([^\]]*)\]", summary))
