"""Numerically careful pieces shared by losses, backpropagation and the linear models (written once)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from fnn._types import Array
from fnn.activations import sigmoid

__all__ = ["LOG_CLAMP", "clamped_log", "softplus"]

#: Binary cross-entropy from probabilities clamps each log-probability at this value (as
#: torch does), so a prediction of exactly 0 or 1 costs at most 100 per element.
LOG_CLAMP = -100.0


@jax.custom_jvp
def softplus(z: Array) -> Array:
    r"""``log(1 + e^z)`` computed as ``max(z, 0) + log1p(e^{-|z|})``: no positive exponent, no overflow.

    Its derivative is :math:`\sigma(z)` everywhere, 1/2 at 0.
    """
    return jnp.maximum(z, jnp.zeros_like(z)) + jnp.log1p(jnp.exp(-jnp.abs(z)))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    # Autodiff through max and |.| gives 0 at z = 0 (both kinks split the wrong way);
    # the true derivative is sigmoid(z), 1/2 there.
    (z,), (dz,) = primals, tangents
    return softplus(z), sigmoid(z) * dz


def clamped_log(p: Array) -> Array:
    """``max(log p, LOG_CLAMP)``, with ``LOG_CLAMP`` at ``p <= 0`` and a zero gradient there.

    ``log(0) = -inf`` would give ``0 * -inf = NaN`` for a confident correct prediction
    and an infinite loss for a confident wrong one; torch clamps at -100 for the same
    reason. The inner ``where`` keeps log's gradient at 0 (``1/0``) out of the
    backward pass.
    """
    positive = p > 0
    safe = jnp.where(positive, p, jnp.ones_like(p))
    return jnp.where(positive, jnp.maximum(jnp.log(safe), LOG_CLAMP), jnp.full_like(p, LOG_CLAMP))
