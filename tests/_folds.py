"""Helpers shared by the tests that compare fnn's folds with scikit-learn's."""

from __future__ import annotations

import numpy as np


def pairs(split):
    """``(train, test)`` index pairs of a split or splitter's iterable, as numpy arrays."""
    return [(np.asarray(a), np.asarray(b)) for a, b in split]


def assert_same_pairs(ours, theirs):
    """The same folds, in the same order, with the same indices."""
    assert len(ours) == len(theirs)
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
