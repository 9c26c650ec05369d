"""fnn: the fundamentals of neural networks as pure, jit/vmap-compiled JAX functions.

Submodules, in the order data flows through them::

  datasets -> mlp / perceptron / linear -> activations, losses -> jax.grad (or backprop)
  -> optim -> train -> cv -> metrics, inspect

Import what you need from the submodules (``from fnn import losses``); each
submodule's ``__all__`` is its public API.
"""

from fnn import (
    activations,
    backprop,
    cv,
    datasets,
    inspect,
    linear,
    losses,
    metrics,
    mlp,
    optim,
    perceptron,
    stats,
    train,
)

#: fnn's version, the same as ``version`` in ``pyproject.toml``.
__version__ = "0.1.0"

__all__ = [
    "__version__",
    "activations",
    "backprop",
    "cv",
    "datasets",
    "inspect",
    "linear",
    "losses",
    "metrics",
    "mlp",
    "optim",
    "perceptron",
    "stats",
    "train",
]
