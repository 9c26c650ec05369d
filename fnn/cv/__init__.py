r"""Cross-validation: splitters that store folds compactly, and every fold trained in one program.

A fold is a weight vector over the whole data set, not a copy of it. ``X`` and ``y``
are shared by all folds; what differs per fold is a PRNG key and the fold's id (or,
for overlapping folds, its row masks). Inside the compiled program the fold's
training weights are 1 on its training rows and 0 elsewhere, losses and scores divide
weighted sums by the sum of weights, and so folds of unequal size need neither
padding of the data nor a recompilation:

.. math::

    \text{train}_k = \{ i : \text{test\_fold}_i \ne k \}, \qquad
    \text{test}_k = \{ i : \text{test\_fold}_i = k \}, \qquad
    \text{score} = \frac1K \sum_k s_k.

:func:`cross_validate` runs ``jit(vmap(fold))`` over the folds, where ``fold(key,
fold_spec, hyperparams)`` is one pure function; :func:`grid_search` crosses the same
function with a grid of hyperparameters in one program, and :func:`cross_val_predict`
returns every row's out-of-fold prediction. The folds run in chunks of the same
program, on every core at once: ``chunk_size="auto"`` (the default) sizes a chunk so
that its working set stays in cache (CPU) or memory (accelerators), ``chunk_size=c``
fixes it, ``None`` runs one chunk per device. :func:`use_cpu_cores`, called first
thing in a script, gives JAX one CPU device per core.

What they check for you: ``cv=K`` is stratified K-fold for integer class labels and
K-fold otherwise (scikit-learn's ``check_cv`` for a classifier; the result's ``"cv"``
says which); a ``fit_fn`` or ``score_fn`` that reads rows of weight 0 raises
``ValueError`` (``check_leakage=False`` to skip: one more run of one chunk, no
compilation); every fold reports its health (``"status"``), a fold with non-finite
parameters scores NaN, and unhealthy folds raise one ``RuntimeWarning``.

With several devices (``devices=``, by default every device JAX sees, across
processes after ``jax.distributed.initialize``) the folds are padded to equal
chunks, an equal number per device; ``X`` and ``y`` are copied to every device and
every process receives all the results. With ``chunk_size=None`` each device takes one
chunk and all of them run as one XLA-partitioned program (``shard_map`` over the
mesh), compiled once. Otherwise every device runs the same single-device
program on its chunks: every chunk is then the same program on the same shapes on
any number of devices or processes, so the results are bitwise those of one device.

The modules, one concern each:

* :mod:`fnn.cv.splits`: the splitters (:func:`kfold`, :func:`stratified_kfold`,
  :func:`leave_one_out`, :func:`repeated_kfold`, :func:`holdout`, :func:`from_indices`)
  and the ``cv=`` argument as a split;
* :mod:`fnn.cv.program`: a fold's weights, one fold trained and scored, a chunk of
  folds under ``vmap``;
* :mod:`fnn.cv.engine`: devices, chunks, lowering, compiling (:data:`CPU_FAST_COMPILE`),
  running and gathering across processes, for any function mapped over entries;
* :mod:`fnn.cv.api`: :func:`cross_validate`, :func:`cross_val_score`, :func:`cross_val_predict`,
  :func:`grid_search`;
* :mod:`fnn.cv.selection`: :func:`compare` (several configurations on the same folds in one
  program, every pair tested with :mod:`fnn.stats`) and :func:`nested_cross_validate` (a grid
  search inside each outer fold: outer x inner folds x settings in one program).
"""

from fnn.cv.api import cross_val_predict, cross_val_score, cross_validate, grid_search
from fnn.cv.engine import CPU_FAST_COMPILE, use_cpu_cores
from fnn.cv.selection import compare, nested_cross_validate
from fnn.cv.splits import (
    MaskSplit,
    Split,
    from_indices,
    holdout,
    kfold,
    leave_one_out,
    repeated_kfold,
    stratified_kfold,
)

__all__ = [
    "CPU_FAST_COMPILE",
    "MaskSplit",
    "Split",
    "compare",
    "cross_val_predict",
    "cross_val_score",
    "cross_validate",
    "from_indices",
    "grid_search",
    "holdout",
    "kfold",
    "leave_one_out",
    "nested_cross_validate",
    "repeated_kfold",
    "stratified_kfold",
    "use_cpu_cores",
]

_MODULES = ["api", "engine", "guards", "program", "selection", "splits"]


def __dir__() -> list[str]:
    return sorted(__all__ + _MODULES)
