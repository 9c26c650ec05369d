"""Type aliases used across fnn (defined once, imported everywhere)."""

from __future__ import annotations

from typing import Any

import jax
from jax.typing import ArrayLike

Array = jax.Array
#: A pytree of arrays holding a model's parameters (for an MLP, a list of ``{"w", "b"}`` dicts).
Params = Any
#: A pytree holding an optimizer's state (as in optax).
OptState = Any
#: A JAX PRNG key: a typed key (``jax.random.key``) or a raw ``uint32[2]`` key.
PRNGKey = jax.Array

__all__ = ["Array", "ArrayLike", "OptState", "Params", "PRNGKey"]
