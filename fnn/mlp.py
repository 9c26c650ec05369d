r"""The multilayer perceptron (a stack of dense layers) as a pure ``init``/``apply`` pair.

Parameters are a plain pytree: a list with one ``{"w": (d_in, d_out), "b": (d_out,)}``
dict per dense layer. Layer :math:`l` computes

.. math::

   z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}, \qquad a^{(l)} = f(z^{(l)}),

with :math:`a^{(0)} = x`, the hidden activation :math:`f` on every layer but the
last and ``output_activation`` on the last. Without activations the stack stays
linear (the product of the weight matrices), which is why hidden layers need a
non-linear :math:`f`.

Example:
  >>> params = init(jax.random.key(0), [2, 8, 1])
  >>> apply(params, jnp.ones((5, 2))).shape
  (5, 1)

Reference: the material's "MLP / feed-forward" notes (DESIGN.md §1); He et al.,
"Delving Deep into Rectifiers" (2015); Glorot & Bengio, "Understanding the
difficulty of training deep feedforward neural networks" (2010).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Mapping, Sequence
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from fnn import activations as _activations
from fnn._types import Array, ArrayLike, Params, PRNGKey
from fnn._validate import as_float_array, check_key

__all__ = [
    "apply",
    "from_flax",
    "init",
    "layer_sizes",
    "num_params",
    "to_flax",
    "xor_network",
]

Initializer = Callable[[PRNGKey, tuple, jnp.dtype], Array]

_RELU_FAMILY = ("relu", "leaky_relu", "elu")
_INITIALIZERS = ("auto", "he_normal", "he_uniform", "glorot_normal", "glorot_uniform", "normal", "zeros")


def _he_normal(key, shape, dtype):
    fan_in = shape[0]
    return jax.random.normal(key, shape, dtype) * jnp.sqrt(jnp.asarray(2.0 / fan_in, dtype))


def _he_uniform(key, shape, dtype):
    # Uniform(-l, l) has variance l^2 / 3, so l = sqrt(6 / fan_in) gives 2 / fan_in.
    limit = math.sqrt(6.0 / shape[0])
    return jax.random.uniform(key, shape, dtype, -limit, limit)


def _glorot_normal(key, shape, dtype):
    fan_in, fan_out = shape
    return jax.random.normal(key, shape, dtype) * jnp.sqrt(jnp.asarray(2.0 / (fan_in + fan_out), dtype))


def _glorot_uniform(key, shape, dtype):
    fan_in, fan_out = shape
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, shape, dtype, -limit, limit)


def _zeros(key, shape, dtype):
    del key
    return jnp.zeros(shape, dtype)


def _normal(stddev: float) -> Initializer:
    def initializer(key, shape, dtype):
        return jax.random.normal(key, shape, dtype) * jnp.asarray(stddev, dtype)
    return initializer


def _check_layer_sizes(layer_sizes, where: str) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(
            f"{where}: layer_sizes must be a list of ints such as [4, 8, 3] (inputs, hidden..., outputs), "
            f"got {type(layer_sizes).__name__}")
    sizes = []
    for size in layer_sizes:
        if isinstance(size, bool):
            raise TypeError(f"{where}: layer_sizes must hold ints, got {layer_sizes!r}")
        try:
            sizes.append(operator.index(size))
        except TypeError:
            raise TypeError(f"{where}: layer_sizes must hold ints, got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(
            f"{where}: layer_sizes needs at least 2 entries (input size and output size), got {list(sizes)}")
    if min(sizes) < 1:
        raise ValueError(f"{where}: every layer size must be at least 1, got {list(sizes)}")
    return sizes


def _pick_initializer(initializer, activation, stddev: float) -> Initializer:
    if callable(initializer):
        return initializer
    if initializer not in _INITIALIZERS:
        raise ValueError(
            f"init: unknown initializer {initializer!r}; expected a callable (key, shape, dtype) -> array "
            f"or one of {list(_INITIALIZERS)}")
    if initializer == "auto":
        # He for the ReLU family keeps the activations' variance through the stack
        # (half the units are zero); Glorot for the symmetric sigmoid/tanh.
        if activation in _RELU_FAMILY or activation in [_activations.get(n) for n in _RELU_FAMILY]:
            return _he_normal
        return _glorot_uniform
    if initializer == "normal":
        return _normal(stddev)
    return {
        "he_normal": _he_normal,
        "he_uniform": _he_uniform,
        "glorot_normal": _glorot_normal,
        "glorot_uniform": _glorot_uniform,
        "zeros": _zeros,
    }[initializer]


def init(
    key: PRNGKey,
    layer_sizes: Sequence[int],
    *,
    initializer: str | Initializer = "auto",
    activation: str | Callable = "relu",
    dtype=jnp.float32,
    stddev: float = 0.01,
) -> Params:
    r"""Draws the weights of an MLP with the given layer sizes; biases start at zero.

    Initialisers (``fan_in``/``fan_out`` are a layer's input/output sizes):

    ==================  =====================================================
    ``"he_normal"``     :math:`\mathcal N(0, 2 / \text{fan\_in})`
    ``"he_uniform"``    :math:`U(-l, l)`, :math:`l = \sqrt{6 / \text{fan\_in}}` (same variance)
    ``"glorot_normal"`` :math:`\mathcal N(0, 2 / (\text{fan\_in} + \text{fan\_out}))`
    ``"glorot_uniform"`` :math:`U(-l, l)`, :math:`l = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`
    ``"normal"``        :math:`\mathcal N(0, \text{stddev}^2)`
    ``"zeros"``         all zero (every hidden unit stays identical: for tests only)
    ``"auto"``          ``he_normal`` for relu/leaky_relu/elu, ``glorot_uniform`` otherwise
    ==================  =====================================================

    Args:
      key: a PRNG key; it is split once per layer.
      layer_sizes: ``[d_in, hidden_1, ..., d_out]``, at least two positive ints.
      initializer: a name above or a callable ``(key, (fan_in, fan_out), dtype) -> array``
        (``jax.nn.initializers`` objects fit).
      activation: the hidden activation the network will use; only ``"auto"`` reads it.
      dtype: floating dtype of the parameters.
      stddev: standard deviation of the ``"normal"`` initializer.

    Returns:
      A list of ``len(layer_sizes) - 1`` dicts ``{"w": (d_in, d_out), "b": (d_out,)}``.

    Example:
      >>> [p["w"].shape for p in init(jax.random.key(0), [4, 8, 3])]
      [(4, 8), (8, 3)]
    """
    check_key(key, "init")
    sizes = _check_layer_sizes(layer_sizes, "init")
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"init: dtype must be a floating dtype such as jnp.float32, got {dtype!r}")
    if not (isinstance(stddev, (int, float)) and not isinstance(stddev, bool) and stddev >= 0):
        raise ValueError(f"init: stddev must be a non-negative number, got {stddev!r}")
    draw = _pick_initializer(initializer, activation, float(stddev))
    keys = jax.random.split(key, len(sizes) - 1)
    params = []
    for layer_key, fan_in, fan_out in zip(keys, sizes[:-1], sizes[1:]):
        w = jnp.asarray(draw(layer_key, (fan_in, fan_out), dtype))
        if w.shape != (fan_in, fan_out):
            raise ValueError(
                f"init: the initializer returned shape {w.shape} for a layer of shape {(fan_in, fan_out)}")
        params.append({"w": w.astype(dtype), "b": jnp.zeros((fan_out,), dtype)})
    return params


def _check_params(params, where: str) -> None:
    if isinstance(params, Mapping) or not isinstance(params, (list, tuple)):
        raise TypeError(
            f"{where}: params must be a list of {{'w', 'b'}} dicts as returned by fnn.mlp.init, "
            f"got {type(params).__name__}")
    if len(params) == 0:
        raise ValueError(f"{where}: params is empty; build them with fnn.mlp.init(key, [d_in, ..., d_out])")
    for i, layer in enumerate(params):
        if not isinstance(layer, Mapping) or set(layer) != {"w", "b"}:
            got = sorted(layer) if isinstance(layer, Mapping) else type(layer).__name__
            raise TypeError(f"{where}: layer {i} must be a dict with keys 'w' and 'b', got {got}")
        w_shape, b_shape = np.shape(layer["w"]), np.shape(layer["b"])
        if len(w_shape) != 2:
            raise ValueError(f"{where}: layer {i} weight 'w' must be 2-D (d_in, d_out), got shape {w_shape}")
        if b_shape != (w_shape[1],):
            raise ValueError(
                f"{where}: layer {i} bias 'b' must have shape ({w_shape[1]},) to match its weight of "
                f"shape {w_shape}, got {b_shape}")
        if i > 0:
            previous_out = np.shape(params[i - 1]["w"])[1]
            if w_shape[0] != previous_out:
                raise ValueError(
                    f"{where}: layer sizes do not chain: layer {i - 1} has {previous_out} outputs but "
                    f"layer {i} expects {w_shape[0]} inputs (weight shape {w_shape})")


def layer_sizes(params: Params) -> list[int]:
    """The layer sizes ``[d_in, hidden..., d_out]`` of MLP parameters (the inverse of ``init``'s argument)."""
    _check_params(params, "layer_sizes")
    return [int(np.shape(params[0]["w"])[0])] + [int(np.shape(layer["w"])[1]) for layer in params]


def num_params(params: Params) -> int:
    """The number of scalar parameters (weights and biases) of an MLP."""
    _check_params(params, "num_params")
    return sum(int(np.prod(np.shape(layer["w"]))) + int(np.shape(layer["b"])[0]) for layer in params)


def _forward_one(params: Params, x: Array, hidden: Callable, output: Callable) -> Array:
    a = x
    for layer in params[:-1]:
        a = hidden(a @ layer["w"] + layer["b"])
    return output(a @ params[-1]["w"] + params[-1]["b"])


def apply(
    params: Params,
    x: ArrayLike,
    *,
    activation: str | Callable = "relu",
    output_activation: str | Callable | None = None,
) -> Array:
    r"""The forward pass :math:`a^{(L)}` of an MLP for one example or a batch.

    Hidden layers apply ``activation``; the last layer applies ``output_activation``
    (``None``: the identity, i.e. logits or a regression output).

    Args:
      params: a list of ``{"w": (d_in, d_out), "b": (d_out,)}`` dicts (see :func:`init`).
      x: one example ``(d_in,)`` or a batch ``(n, d_in)``.
      activation: the hidden activation, a name for :func:`fnn.activations.get` or a callable.
      output_activation: the output activation, likewise (e.g. ``"sigmoid"``, ``"softmax"``).

    Returns:
      ``(d_out,)`` for one example, ``(n, d_out)`` for a batch.

    Example:
      >>> apply(xor_network(), jnp.array([1.0, 0.0]), activation="step", output_activation="step")
      Array([1.], dtype=float32)
    """
    _check_params(params, "apply")
    hidden = _activations.get(activation)
    output = _activations.get(output_activation)
    x = as_float_array("x", x, "apply")
    d_in = np.shape(params[0]["w"])[0]
    if x.ndim not in (1, 2):
        raise ValueError(
            f"apply: x must be one example (d_in,) or a batch (n, d_in), got shape {x.shape}; "
            f"reshape it to (-1, {d_in})")
    if x.shape[-1] != d_in:
        raise ValueError(
            f"apply: x has {x.shape[-1]} features (shape {x.shape}) but the first layer expects {d_in}")
    if x.ndim == 1:
        return _forward_one(params, x, hidden, output)
    return jax.vmap(lambda row: _forward_one(params, row, hidden, output))(x)


def xor_network(dtype=jnp.float32) -> Params:
    r"""The material's hand-set 2-2-1 network that classifies XOR data with step activations.

    The hidden units are the material's AND gate (:math:`w = (0.5, 0.5)`, :math:`b = -0.7`)
    and OR gate (:math:`w = (0.6, 0.6)`, :math:`b = -0.5`); the output unit weighs them
    with the material's :math:`w_5 = -1` and :math:`w_6 = 1` and bias :math:`-0.5`, so
    it fires for "OR and not AND":

    =====  =====  ==========  =========  ======
    x1     x2     a1 (AND)    a2 (OR)    y
    =====  =====  ==========  =========  ======
    0      0      0           0          0
    0      1      0           1          1
    1      0      0           1          1
    1      1      1           1          0
    =====  =====  ==========  =========  ======

    The notes give :math:`w_5, w_6` in the text; their figure with the hidden weights
    did not survive, so the hidden layer reuses the gate weights the material sets
    by hand for the perceptron.

    Returns:
      Params for ``apply(params, x, activation="step", output_activation="step")``.
    """
    return [
        {"w": jnp.array([[0.5, 0.6], [0.5, 0.6]], dtype), "b": jnp.array([-0.7, -0.5], dtype)},
        {"w": jnp.array([[-1.0], [1.0]], dtype), "b": jnp.array([-0.5], dtype)},
    ]


def to_flax(params: Params) -> dict:
    """Converts fnn MLP params to the variables of a flax linen stack of ``nn.Dense`` layers.

    Returns:
      ``{"params": {"Dense_0": {"kernel": (d_in, d_out), "bias": (d_out,)}, ...}}``, the
      tree ``module.init`` returns for a module that calls ``nn.Dense`` once per layer.
    """
    _check_params(params, "to_flax")
    return {"params": {f"Dense_{i}": {"kernel": layer["w"], "bias": layer["b"]}
                       for i, layer in enumerate(params)}}


_DENSE_NAME = re.compile(r"Dense_(\d+)")


def from_flax(variables: Mapping) -> Params:
    """Converts the variables of a flax linen stack of ``nn.Dense`` layers to fnn MLP params.

    Accepts ``{"params": {"Dense_0": {"kernel", "bias"}, ...}}`` or the inner
    ``{"Dense_0": ...}`` mapping; layers are ordered by their index (``Dense_10``
    after ``Dense_9``). The inverse of :func:`to_flax`.
    """
    if not isinstance(variables, Mapping):
        raise TypeError(f"from_flax: expected a mapping of flax variables, got {type(variables).__name__}")
    tree = variables["params"] if "params" in variables else variables
    indexed = []
    for name, layer in tree.items():
        match = _DENSE_NAME.fullmatch(str(name))
        if match is None or not isinstance(layer, Mapping) or set(layer) != {"kernel", "bias"}:
            raise ValueError(
                f"from_flax: expected only Dense_<i> entries with 'kernel' and 'bias' (an nn.Dense stack), "
                f"got entry {name!r}")
        indexed.append((int(match.group(1)), layer))
    indexed.sort(key=lambda item: item[0])
    if [i for i, _ in indexed] != list(range(len(indexed))):
        raise ValueError(
            f"from_flax: Dense layers must be numbered 0..{len(indexed) - 1} without gaps, "
            f"got {[i for i, _ in indexed]}")
    params = [{"w": jnp.asarray(layer["kernel"]), "b": jnp.asarray(layer["bias"])} for _, layer in indexed]
    _check_params(params, "from_flax")
    return params
