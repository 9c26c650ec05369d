r"""Backpropagation for the MLP, written by hand with the chain rule (no ``jax.grad``).

For layer :math:`l` with :math:`z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}` and
:math:`a^{(l)} = f(z^{(l)})`, the material's chain rule
:math:`\partial C / \partial w = \partial z / \partial w \cdot \partial a / \partial z \cdot \partial C / \partial a`
becomes, with the error :math:`\delta^{(l)} = \partial C / \partial z^{(l)}` (one row per example):

.. math::

   \delta^{(L)} = \frac{\partial C}{\partial a^{(L)}} \odot f_{\text{out}}'(z^{(L)}), \qquad
   \delta^{(l)} = \big(\delta^{(l+1)} W^{(l+1)\top}\big) \odot f'(z^{(l)}),

   \frac{\partial C}{\partial W^{(l)}} = a^{(l-1)\top} \delta^{(l)}, \qquad
   \frac{\partial C}{\partial b^{(l)}} = \textstyle\sum_i \delta^{(l)}_i .

The product :math:`\delta^{(l+1)} W^{(l+1)\top}` is the material's "sum over the
units of the next layer"; the sums over examples come from the loss being a mean.
Every derivative below (activations and losses) is written out as a formula, and
the conventions (means, clamps, kinks, rows of weight 0) are those of :mod:`fnn.losses`
and :mod:`fnn.activations`, so :func:`gradients` equals ``jax.grad`` of
``fnn.losses.<loss>(net.apply(params, x), y)`` (tested for depths 1-5 and every
activation).

Example:
  >>> from fnn.mlp import MLP
  >>> net = MLP([2, 4, 1], activation="tanh")
  >>> params = net.init(jax.random.key(0))
  >>> loss, grads = gradients(net, params, jnp.ones((3, 2)), jnp.zeros((3, 1)))
  >>> layer_gradient_norms(grads).shape
  (2,)
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from fnn import activations as _activations
from fnn._masked import kept, normalized_weights, weighted_mean, where_kept
from fnn._numerics import LOG_CLAMP, clamped_log, softplus
from fnn._types import Array, ArrayLike, Params
from fnn._validate import as_float_array, check_sample_weights, is_concrete
from fnn.mlp import MLP, check_params

__all__ = [
    "LOSSES",
    "activation_derivative",
    "gradients",
    "layer_gradient_norms",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


#: Losses :func:`gradients` differentiates by hand (the names of :mod:`fnn.losses`).
LOSSES = ("mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy")

# The element-wise activations whose derivative is written out in _derivative below.
_HAND_WRITTEN = ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu")
# The keyword arguments each accepts (through functools.partial), read from its signature
# in the one table of activations: every parameter after the input.
_KEYWORDS = {name: tuple(inspect.signature(_activations.ACTIVATIONS[name]).parameters)[1:] for name in _HAND_WRITTEN}


def _resolve_activation(activation, where: str, role: str, allow_softmax: bool) -> tuple[str, dict]:
    """(name, keyword arguments) of an activation given by name, function or partial (None: identity)."""
    given, kwargs = activation, {}
    if isinstance(activation, functools.partial) and not activation.args:
        kwargs = dict(activation.keywords)
        activation = activation.func
    name = _activations.name_of(activation)
    known = list(_HAND_WRITTEN) + (["softmax"] if allow_softmax else [])
    if name not in known or (kwargs and name == "softmax"):
        raise ValueError(
            f"{where}: the {role} {given!r} has no hand-written derivative here; use one of "
            f"{known} (by name, as the fnn.activations function, or as functools.partial of "
            f"leaky_relu/elu with negative_slope/alpha), or jax.grad for other activations"
        )
    allowed = _KEYWORDS.get(name, ())
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: the {role} {name} takes keyword arguments {list(allowed)}, got {unknown}")
    return name, kwargs


def _activate(name: str, kwargs: dict, z: Array) -> Array:
    if name == "softmax":
        return _activations.softmax(z, axis=-1)
    return getattr(_activations, name)(z, **kwargs)


def _derivative(name: str, kwargs: dict, z: Array, a: Array) -> Array:
    """f'(z) element-wise, reusing the activation a = f(z) where the formula allows."""
    one, zero = jnp.ones_like(z), jnp.zeros_like(z)
    if name == "identity":
        return one
    if name == "step":
        return zero
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return jnp.where(z > 0, one, zero)
    if name == "leaky_relu":
        return jnp.where(z > 0, one, jnp.full_like(z, kwargs.get("negative_slope", 0.01)))
    if name == "elu":
        alpha = kwargs.get("alpha", 1.0)
        # exp only of non-positive numbers: no overflow on the (unused) positive side.
        return jnp.where(z > 0, one, alpha * jnp.exp(jnp.minimum(z, zero)))
    raise AssertionError(name)  # unreachable: names are resolved above


def activation_derivative(activation: str | Callable, z: ArrayLike) -> Array:
    r"""The hand-written element-wise derivative :math:`f'(z)` used by :func:`gradients`.

    ============== ============================================================
    identity       :math:`1`
    step           :math:`0`
    sigmoid        :math:`\sigma(z)(1 - \sigma(z))` (at most 0.25: vanishing gradients)
    tanh           :math:`1 - \tanh^2 z`
    relu           :math:`1` for :math:`z > 0`, else :math:`0`
    leaky_relu     :math:`1` for :math:`z > 0`, else :math:`a` (``negative_slope``)
    elu            :math:`1` for :math:`z > 0`, else :math:`\alpha e^z`
    ============== ============================================================

    Args:
      activation: a name, an ``fnn.activations`` function, or a ``functools.partial``
        of ``leaky_relu``/``elu``.
      z: pre-activations of any shape.

    Returns:
      An array of ``z``'s shape.
    """
    name, kwargs = _resolve_activation(activation, "activation_derivative", "activation", False)
    z = as_float_array("z", z, "activation_derivative")
    return _derivative(name, kwargs, z, _activate(name, kwargs, z))


def _loss_name(loss) -> str:
    if callable(loss) and getattr(loss, "__module__", None) == "fnn.losses":
        loss = loss.__name__
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"gradients: loss must be one of {list(LOSSES)} (or that fnn.losses function), got {loss!r}")
    return loss


def _mean_factors(weights: Array | None, n: int, dtype) -> tuple[Array, Array | None]:
    """dC/dl_i of the (weighted) mean C of per-example losses l_i, and the kept rows
    (:func:`fnn._masked.normalized_weights`: 0 on dropped rows, all 0 when none is kept)."""
    if weights is None:
        return jnp.full((n,), 1.0 / n, dtype), None
    return normalized_weights(weights).astype(dtype), kept(weights)


def _log_and_slope(p: Array) -> tuple[Array, Array]:
    """``clamped_log(p)`` and its derivative 1/p (0 where the clamp is active)."""
    log = clamped_log(p)
    active = log > LOG_CLAMP
    safe = jnp.where(active, p, jnp.ones_like(p))
    return log, jnp.where(active, 1.0 / safe, jnp.zeros_like(p))


def _sigmoid_minus_target(z: Array, y: Array) -> Array:
    # sigma(z) - y as (1 - y) - sigma(-z) for z >= 0: no cancellation 1 - 1 when y = 1
    # and z is large (sigma(z) rounds to 1 but the gradient is e^{-z}).
    small = jnp.exp(-jnp.abs(z)) / (1.0 + jnp.exp(-jnp.abs(z)))  # sigma(-|z|)
    return jnp.where(z >= 0, (1.0 - y) - small, small - y)


def _output_error(loss: str, out: tuple[str, dict], z: Array, a: Array, y: Array) -> tuple[Array, Array]:
    """Per-example losses l_i (n,) and dl_i/dz (n, d) for the last layer."""
    d = z.shape[-1]
    if loss == "binary_cross_entropy_with_logits":
        per_element = softplus(z) - y * z
        return jnp.mean(per_element, axis=-1), _sigmoid_minus_target(z, y) / d
    if loss == "cross_entropy":
        log_probs = _activations.log_softmax(z, axis=-1)
        per_example = -jnp.sum(jnp.where(y != 0, y * log_probs, jnp.zeros_like(z)), axis=-1)
        # d/dz of -sum_c t_c log softmax(z)_c = softmax(z) * sum_c t_c - t.
        return per_example, jnp.exp(log_probs) * jnp.sum(y, axis=-1, keepdims=True) - y
    if loss == "mse":
        per_example = jnp.mean(jnp.square(a - y), axis=-1)
        dl_da = 2.0 * (a - y) / d
    else:  # binary_cross_entropy from probabilities
        log_p, slope_p = _log_and_slope(a)
        log_q, slope_q = _log_and_slope(1.0 - a)
        per_example = jnp.mean(-(y * log_p + (1.0 - y) * log_q), axis=-1)
        dl_da = -(y * slope_p - (1.0 - y) * slope_q) / d
    name, kwargs = out
    if name == "softmax":
        # The softmax Jacobian diag(a) - a a^T applied to dl/da.
        return per_example, a * (dl_da - jnp.sum(dl_da * a, axis=-1, keepdims=True))
    return per_example, dl_da * _derivative(name, kwargs, z, a)


def _targets(loss: str, y, out_shape: tuple, dtype, keep: Array | None) -> Array:
    """The targets as a float ``out_shape`` array; rows not in ``keep`` are set to 0 first."""
    where = "gradients"
    if loss == "cross_entropy":
        if isinstance(y, (str, bytes)) or y is None:
            raise TypeError(f"{where}: y must be an array, got {type(y).__name__}")
        y = jnp.asarray(y)
        n, num_classes = out_shape
        if y.shape == out_shape:
            y = as_float_array("y", y, where)
            return (y if keep is None else where_kept(y, keep)).astype(dtype)
        if y.shape != (n,):
            raise ValueError(
                f"{where}: cross_entropy targets must be integer labels of shape ({n},) or one-hot "
                f"targets of the output's shape {out_shape}, got shape {y.shape}"
            )
        if y.dtype == jnp.bool_ or not jnp.issubdtype(y.dtype, jnp.integer):
            raise TypeError(f"{where}: labels of shape ({n},) must be integers, got dtype {y.dtype}")
        if keep is not None:
            y = where_kept(y, keep)  # a dropped row's label, even out of range, is not checked
        if is_concrete(y) and n > 0 and (int(y.min()) < 0 or int(y.max()) >= num_classes):
            raise ValueError(
                f"{where}: labels must lie in [0, {num_classes}), got labels from {int(y.min())} to {int(y.max())}"
            )
        # Out-of-range traced labels give a row of NaN, never a silently wrong class.
        one_hot = jax.nn.one_hot(y, num_classes, dtype=dtype)
        valid = ((y >= 0) & (y < num_classes))[:, None]
        return jnp.where(valid, one_hot, jnp.full_like(one_hot, jnp.nan))
    y = as_float_array("y", y, where)
    if y.shape != out_shape:
        hint = f"; reshape it, e.g. y.reshape{out_shape}" if y.size == int(np.prod(out_shape)) else ""
        raise ValueError(f"{where}: y must have the network output's shape {out_shape}, got {y.shape}{hint}")
    return (y if keep is None else where_kept(y, keep)).astype(dtype)


def gradients(
    net: MLP,
    params: Params,
    x: ArrayLike,
    y: ArrayLike,
    *,
    loss: str | Callable = "mse",
    weights: ArrayLike | None = None,
) -> tuple[Array, Params]:
    r"""The loss of an MLP on a batch and its gradient, by hand-written backpropagation.

    The loss is the (weighted) mean over examples of :mod:`fnn.losses`:

    ======================================  ==================  =====================================
    ``loss``                                output activation   :math:`\delta^{(L)}` of one example
    ======================================  ==================  =====================================
    ``"mse"``                               any supported       :math:`\tfrac{2}{d}(a - y) \odot f_{\text{out}}'(z)`
    ``"binary_cross_entropy"``              ``"sigmoid"``       :math:`-\tfrac{1}{d}\big(\tfrac{y}{a}
                                            (any)               - \tfrac{1-y}{1-a}\big) \odot f_{\text{out}}'(z)`
    ``"binary_cross_entropy_with_logits"``  ``None``            :math:`\tfrac{1}{d}(\sigma(z) - y)`
    ``"cross_entropy"``                     ``None``            :math:`\mathrm{softmax}(z) - t`
    ======================================  ==================  =====================================

    Rows of weight 0 follow fnn's one rule: they are dropped by selection, never
    multiplied, so an ``inf`` or ``NaN`` in their ``x`` or ``y`` reaches neither the loss
    nor a gradient (their inputs are replaced before the forward pass); the result
    equals that of the batch without them. With no row of positive weight (possible
    only for traced weights, e.g. an empty fold under ``jit``) the loss is NaN and
    every gradient is 0.

    Args:
      net: the network's :class:`fnn.mlp.MLP` spec. Its hidden activation must be one of
        identity, step, sigmoid, tanh, relu, leaky_relu, elu (by name, function, or
        ``functools.partial`` with ``negative_slope``/``alpha``); its output activation
        one of those, ``"softmax"`` or ``None`` (identity).
      params: its parameters (from ``net.init``), shapes matching ``net.layer_sizes``.
      x: inputs, shape ``(n, d_in)``.
      y: targets of the output's shape ``(n, d_out)``; for ``"cross_entropy"``
        integer labels ``(n,)`` or one-hot / probability targets ``(n, d_out)``.
      loss: a name in :data:`LOSSES` or that ``fnn.losses`` function.
      weights: optional non-negative per-example weights ``(n,)`` (weighted mean).

    Returns:
      ``(loss_value, grads)``: a scalar and a pytree of params' structure and shapes.

    Example:
      >>> from fnn.mlp import MLP
      >>> net = MLP([3, 5, 1], activation="sigmoid", output_activation="sigmoid")
      >>> params = net.init(jax.random.key(0))
      >>> x, y = jnp.ones((4, 3)), jnp.array([[0.0], [1.0], [1.0], [0.0]])
      >>> loss, grads = gradients(net, params, x, y, loss="binary_cross_entropy")
      >>> [g["w"].shape for g in grads]
      [(3, 5), (5, 1)]
    """
    where = "gradients"
    if not isinstance(net, MLP):
        raise TypeError(
            f"{where}: net must be an fnn.mlp.MLP spec such as MLP([2, 4, 1], activation='tanh'), "
            f"got {type(net).__name__}; call gradients(net, params, x, y, loss=...)"
        )
    check_params(params, net.layer_sizes, where=where)
    hidden = _resolve_activation(net.activation, where, "activation", False)
    output = _resolve_activation(net.output_activation, where, "output_activation", True)
    loss = _loss_name(loss)
    if loss in ("binary_cross_entropy_with_logits", "cross_entropy") and output[0] != "identity":
        raise ValueError(
            f"{where}: loss {loss!r} takes logits, so the network's output_activation must be None, got "
            f"{net.output_activation!r}; drop the output activation (the loss applies it)"
        )
    x = as_float_array("x", x, where)
    d_in, d_out = net.layer_sizes[0], net.layer_sizes[-1]
    if x.ndim != 2 or x.shape[1] != d_in:
        raise ValueError(f"{where}: x must be a batch of shape (n, {d_in}), got {x.shape}; wrap one example as x[None]")
    n = x.shape[0]
    if n == 0:
        raise ValueError(f"{where}: x holds no examples (shape {x.shape})")
    dtype = jnp.result_type(x, *jax.tree.leaves(params))
    weights = check_sample_weights(weights, n, where)
    scale, keep = _mean_factors(weights, n, dtype)
    y = _targets(loss, y, (n, d_out), dtype, keep)
    if keep is not None:
        # A dropped row's inf or NaN would otherwise reach the gradients as 0 * inf = NaN.
        x = where_kept(x, keep)

    # Forward pass, keeping every layer's input a^(l-1) and pre-activation z^(l).
    inputs, pre_activations = [], []
    a = x.astype(dtype)
    for i, layer in enumerate(params):
        inputs.append(a)
        z = a @ layer["w"] + layer["b"][None, :]
        pre_activations.append(z)
        a = _activate(*(output if i == len(params) - 1 else hidden), z)

    per_example, dl_dz = _output_error(loss, output, pre_activations[-1], a, y)
    loss_value = weighted_mean(per_example, weights)
    # The mean over examples: dC/dl_i = w_i / sum(w) on the kept rows; a dropped row is
    # selected away, not multiplied by its factor 0.
    delta = scale[:, None] * dl_dz
    if keep is not None:
        delta = where_kept(delta, keep)

    grads: list[dict[str, Array]] = [{} for _ in params]
    for i in range(len(params) - 1, -1, -1):
        grads[i] = {"w": inputs[i].T @ delta, "b": jnp.sum(delta, axis=0)}
        if i > 0:
            z, a_prev = pre_activations[i - 1], inputs[i]
            delta = (delta @ params[i]["w"].T) * _derivative(*hidden, z, a_prev)
    grads = [
        {key: g.astype(jnp.asarray(params[i][key]).dtype) for key, g in layer.items()} for i, layer in enumerate(grads)
    ]
    return loss_value.astype(dtype), grads


def layer_gradient_norms(grads: Params) -> Array:
    r"""The Euclidean norm of each layer's gradient, :math:`\sqrt{\|\partial W\|^2 + \|\partial b\|^2}`.

    Makes vanishing (or exploding) gradients visible: in a deep sigmoid network
    the first layers' norms are orders of magnitude below the last layer's.

    Args:
      grads: a list with one pytree (e.g. ``{"w", "b"}``) per layer, as returned by
        :func:`gradients` or ``jax.grad``.

    Returns:
      Shape ``(num_layers,)``, first layer first.
    """
    if isinstance(grads, Mapping) or not isinstance(grads, (list, tuple)) or len(grads) == 0:
        raise TypeError(
            f"layer_gradient_norms: grads must be a non-empty list with one entry per layer, got {type(grads).__name__}"
        )
    norms = []
    for layer in grads:
        leaves = jax.tree.leaves(layer)
        if not leaves:
            raise ValueError("layer_gradient_norms: a layer holds no arrays")
        norms.append(jnp.sqrt(sum(jnp.sum(jnp.square(jnp.asarray(leaf))) for leaf in leaves)))
    return jnp.stack(norms)
