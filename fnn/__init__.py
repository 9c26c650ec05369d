"""fnn: the fundamentals of neural networks as pure, jit/vmap-compiled JAX functions.

Submodules, in the order data flows through them::

  datasets -> mlp / perceptron / linear -> activations, losses -> backprop / jax.grad
  -> optim -> train -> cv -> metrics, inspect

Import what you need from the submodules (``from fnn import losses``); the
submodules' own ``__all__`` lists are the public API.
"""

from fnn import activations

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "activations",
]
