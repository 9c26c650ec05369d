"""Optimizers: hand-written optax-style gradient transformations, proven equal to optax.

Every optimizer is a factory returning an ``optax.GradientTransformation``; use it as
you would optax's (``init``, ``update``, ``optax.apply_updates``), and swap freely::

    opt = fnn.optim.adam(1e-3)          # instead of optax.adam(1e-3)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = optax.apply_updates(params, updates)

The named optimizers are in :mod:`fnn.optim.alias`, the primitives they are chained
from (``scale_by_adam``, ``trace``, ...) in :mod:`fnn.optim.transform`.
:func:`from_torch` gives the fnn optimizer that reproduces a ``torch.optim`` one
(``from_torch("RMSprop", lr=0.01)``), with torch's defaults.
"""

from __future__ import annotations

from fnn.optim import alias, transform
from fnn.optim.alias import (
    TORCH_OPTIMIZERS,
    adadelta,
    adagrad,
    adam,
    adamax,
    adamw,
    amsgrad,
    from_torch,
    lion,
    momentum,
    nadam,
    nesterov,
    rmsprop,
    sgd,
)
from fnn.optim.transform import (
    add_decayed_weights,
    identity,
    scale,
    scale_by_adadelta,
    scale_by_adam,
    scale_by_adamax,
    scale_by_amsgrad,
    scale_by_learning_rate,
    scale_by_lion,
    scale_by_nadam,
    scale_by_rms,
    scale_by_rss,
    scale_by_schedule,
    scale_by_stddev,
    trace,
)

__all__ = [
    "TORCH_OPTIMIZERS",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "alias",
    "amsgrad",
    "from_torch",
    "lion",
    "momentum",
    "nadam",
    "nesterov",
    "rmsprop",
    "sgd",
    "transform",
    "add_decayed_weights",
    "identity",
    "scale",
    "scale_by_adadelta",
    "scale_by_adam",
    "scale_by_adamax",
    "scale_by_amsgrad",
    "scale_by_learning_rate",
    "scale_by_lion",
    "scale_by_nadam",
    "scale_by_rms",
    "scale_by_rss",
    "scale_by_schedule",
    "scale_by_stddev",
    "trace",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)
