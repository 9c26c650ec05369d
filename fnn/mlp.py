r"""The multilayer perceptron (a stack of dense layers): a spec that knows its activation, and plain parameters.

:class:`MLP` describes a network (layer sizes, hidden and output activation,
initializer, dtype). It is frozen and hashable, so it can be a ``jax.jit`` static
argument or a dict key; the parameters it draws stay a plain pytree, as in stax's
``init``/``apply`` pair: a list with one ``{"w": (d_in, d_out), "b": (d_out,)}`` dict
per dense layer. Layer :math:`l` computes

.. math::

   z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}, \qquad a^{(l)} = f(z^{(l)}),

with :math:`a^{(0)} = x`, the hidden activation :math:`f` on every layer but the
last and ``output_activation`` on the last. Without activations the stack stays
linear (the product of the weight matrices), which is why hidden layers need a
non-linear :math:`f`.

Because the spec holds the activation, its initializer follows it ("auto": He for
the ReLU family, Glorot otherwise) and every user of the network (``apply``,
:func:`fnn.backprop.gradients`, a loss closure) reads the same activation.

Example:
  >>> net = MLP([2, 8, 1], activation="tanh")
  >>> params = net.init(jax.random.key(0))
  >>> net.apply(params, jnp.ones((5, 2))).shape
  (5, 1)

:func:`init` and :func:`apply` are the same two steps as functions of the layer
sizes and activation, for code that does not keep a spec.

Reference: the material's "MLP / feed-forward" notes; He et al., "Delving Deep into
Rectifiers" (2015); Glorot & Bengio, "Understanding the difficulty of training deep
feedforward neural networks" (2010).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from fnn import activations as _activations
from fnn._types import Array, ArrayLike, Params, PRNGKey
from fnn._validate import as_float_array, check_key

__all__ = [
    "MLP",
    "apply",
    "check_params",
    "from_flax",
    "init",
    "layer_sizes",
    "to_flax",
    "xor_network",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


Initializer = Callable[[PRNGKey, tuple, jnp.dtype], Array]
Activation = str | Callable[[Array], Array] | None

# "auto" draws He weights for these (by name, as the fnn.activations function, or a
# functools.partial of it): half their inputs are zeroed (or nearly), which He's
# factor 2 makes up for.
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


_NAMED_INITIALIZERS = {
    "he_normal": _he_normal,
    "he_uniform": _he_uniform,
    "glorot_normal": _glorot_normal,
    "glorot_uniform": _glorot_uniform,
    "zeros": _zeros,
}


# --------------------------------------------------------------------------- checks at construction


def _check_layer_sizes(layer_sizes, where: str) -> tuple[int, ...]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(
            f"{where}: layer_sizes must be a list of ints such as [4, 8, 3] (inputs, hidden..., outputs), "
            f"got {type(layer_sizes).__name__}"
        )
    sizes = []
    for size in layer_sizes:
        if isinstance(size, bool):
            raise TypeError(f"{where}: layer_sizes must hold ints, got {list(layer_sizes)!r}")
        try:
            sizes.append(operator.index(size))
        except TypeError:
            raise TypeError(f"{where}: layer_sizes must hold ints, got {list(layer_sizes)!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"{where}: layer_sizes needs at least 2 entries (input size and output size), got {sizes}")
    if min(sizes) < 1:
        raise ValueError(f"{where}: every layer size must be at least 1, got {sizes}")
    return tuple(sizes)


def _check_hashable(value, what: str, where: str) -> None:
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"{where}: the {what} must be hashable, so that the network can be a jax.jit static argument, "
            f"got an unhashable {type(value).__name__}; wrap it in a plain function"
        ) from None


def _check_activation(activation, role: str, where: str) -> Activation:
    """The canonical form: ``None`` for the identity, a name of ``fnn.activations.ACTIVATIONS``
    for its functions (given by name or as the function), the callable itself otherwise."""
    name = _activations.name_of(activation)
    if name is not None:
        return None if name == "identity" else name
    if isinstance(activation, str):
        raise ValueError(
            f"{where}: unknown {role} {activation!r}; use one of {sorted(_activations.ACTIVATIONS)} "
            f"(or 'linear', or None for the identity), or a callable such as "
            f"functools.partial(fnn.activations.leaky_relu, negative_slope=0.1)"
        )
    if not callable(activation):
        raise TypeError(
            f"{where}: the {role} must be a name such as 'relu', None or a callable, "
            f"got {type(activation).__name__} {activation!r}"
        )
    _check_hashable(activation, role, where)
    return activation


def _check_initializer(initializer, where: str):
    if isinstance(initializer, str):
        if initializer not in _INITIALIZERS:
            raise ValueError(
                f"{where}: unknown initializer {initializer!r}; expected a callable (key, shape, dtype) -> array "
                f"or one of {list(_INITIALIZERS)}"
            )
        return initializer
    if not callable(initializer):
        raise TypeError(
            f"{where}: initializer must be a name in {list(_INITIALIZERS)} or a callable "
            f"(key, shape, dtype) -> array, got {type(initializer).__name__} {initializer!r}"
        )
    _check_hashable(initializer, "initializer", where)
    return initializer


def _check_dtype(dtype, where: str) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a floating dtype such as jnp.float32, got {dtype!r}") from None
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"{where}: dtype must be a floating dtype such as jnp.float32, got {dtype!r}")
    return dtype


def _check_stddev(stddev, where: str) -> float:
    if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or not stddev >= 0 or math.isinf(stddev):
        raise ValueError(f"{where}: stddev must be a finite non-negative number, got {stddev!r}")
    return float(stddev)


def _family(activation) -> str | None:
    if isinstance(activation, functools.partial):
        activation = activation.func
    return _activations.name_of(activation)


def _pick_initializer(initializer, activation, stddev: float) -> Initializer:
    if callable(initializer):
        return initializer
    if initializer == "auto":
        # He for the ReLU family keeps the activations' variance through the stack
        # (half the units are zero); Glorot for the symmetric sigmoid/tanh.
        return _he_normal if _family(activation) in _RELU_FAMILY else _glorot_uniform
    if initializer == "normal":
        return _normal(stddev)
    return _NAMED_INITIALIZERS[initializer]


def _describe(value) -> str:
    """A short readable form of an activation or initializer for the repr."""
    if value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, functools.partial):
        arguments = [_describe(value.func), *map(repr, value.args), *(f"{k}={v!r}" for k, v in value.keywords.items())]
        return f"partial({', '.join(arguments)})"
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    return name if isinstance(name, str) else repr(value)


# --------------------------------------------------------------------------- the spec


@dataclasses.dataclass(frozen=True, init=False, repr=False)
class MLP:
    r"""An MLP's architecture: layer sizes, activations, initializer and dtype (no parameters).

    Frozen and hashable: use it as a ``jax.jit`` static argument (or close over it)
    and as a dict key. Equal specs compare and hash equal: the layer sizes are
    stored as a tuple, an ``fnn.activations`` function as its name (``activation=tanh``
    equals ``activation="tanh"``), the identity (``"identity"``, ``"linear"``,
    ``None``) as ``None``, and the dtype as a ``numpy.dtype``. Everything is checked
    here, so a bad spec fails before anything is drawn or compiled.

    Initialisers (``fan_in``/``fan_out`` are a layer's input/output sizes):

    ====================  =====================================================
    ``"he_normal"``       :math:`\mathcal N(0, 2 / \text{fan\_in})`
    ``"he_uniform"``      :math:`U(-l, l)`, :math:`l = \sqrt{6 / \text{fan\_in}}` (same variance)
    ``"glorot_normal"``   :math:`\mathcal N(0, 2 / (\text{fan\_in} + \text{fan\_out}))`
    ``"glorot_uniform"``  :math:`U(-l, l)`, :math:`l = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`
    ``"normal"``          :math:`\mathcal N(0, \text{stddev}^2)`
    ``"zeros"``           all zero (every hidden unit stays identical: for tests only)
    ``"auto"``            ``he_normal`` for relu / leaky_relu / elu (by name, as the
                          ``fnn.activations`` function or a ``functools.partial`` of it),
                          ``glorot_uniform`` for every other activation
    ====================  =====================================================

    Args:
      layer_sizes: ``[d_in, hidden_1, ..., d_out]``, at least two positive ints.
      activation: the hidden activation: a name of :data:`fnn.activations.ACTIVATIONS`
        (or ``"linear"``), ``None`` for the identity, or a hashable callable.
      output_activation: the last layer's activation, likewise; ``None`` (the
        default) gives logits or a regression output.
      initializer: a name above or a hashable callable ``(key, (fan_in, fan_out),
        dtype) -> array`` (``jax.nn.initializers`` objects fit). Biases start at 0.
      dtype: floating dtype of the parameters.
      stddev: standard deviation of the ``"normal"`` initializer.

    Example:
      >>> net = MLP([4, 16, 3], activation="tanh")
      >>> net
      MLP((4, 16, 3), activation='tanh')
      >>> from fnn.activations import tanh
      >>> same = MLP((4, 16, 3), activation=tanh)
      >>> same == net, hash(same) == hash(net), {net: "a dict key"}[same]
      (True, True, 'a dict key')
      >>> params = net.init(jax.random.key(0))
      >>> [p["w"].shape for p in params]
      [(4, 16), (16, 3)]
      >>> jax.jit(MLP.apply, static_argnums=0)(net, params, jnp.ones((2, 4))).shape
      (2, 3)
    """

    layer_sizes: tuple[int, ...]
    activation: Activation
    output_activation: Activation
    initializer: str | Initializer
    dtype: np.dtype
    stddev: float

    def __init__(
        self,
        layer_sizes: Sequence[int],
        *,
        activation: Activation = "relu",
        output_activation: Activation = None,
        initializer: str | Initializer = "auto",
        dtype=jnp.float32,
        stddev: float = 0.01,
    ):
        where = "MLP"
        checked = {
            "layer_sizes": _check_layer_sizes(layer_sizes, where),
            "activation": _check_activation(activation, "activation", where),
            "output_activation": _check_activation(output_activation, "output_activation", where),
            "initializer": _check_initializer(initializer, where),
            "dtype": _check_dtype(dtype, where),
            "stddev": _check_stddev(stddev, where),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # frozen: the only way to set a field here

    def __repr__(self) -> str:
        parts = [repr(self.layer_sizes), f"activation={_describe(self.activation)}"]
        if self.output_activation is not None:
            parts.append(f"output_activation={_describe(self.output_activation)}")
        if self.initializer != "auto":
            parts.append(f"initializer={_describe(self.initializer)}")
        if self.dtype != np.dtype(jnp.float32):
            parts.append(f"dtype={self.dtype.name!r}")
        if self.stddev != 0.01:
            parts.append(f"stddev={self.stddev!r}")
        return f"MLP({', '.join(parts)})"

    def init(self, key: PRNGKey) -> Params:
        """Draws the weights (one key split per layer); biases start at zero.

        Args:
          key: a PRNG key.

        Returns:
          A list of ``len(layer_sizes) - 1`` dicts ``{"w": (d_in, d_out), "b": (d_out,)}``.
        """
        return _init(self, key, "MLP.init")

    def apply(self, params: Params, x: ArrayLike) -> Array:
        """The forward pass :math:`a^{(L)}` for one example ``(d_in,)`` or a batch ``(n, d_in)``.

        Args:
          params: parameters of this network's layer sizes (from :meth:`init`).
          x: one example ``(d_in,)`` or a batch ``(n, d_in)``.

        Returns:
          ``(d_out,)`` for one example, ``(n, d_out)`` for a batch.
        """
        where = "MLP.apply"
        check_params(params, self.layer_sizes, where=where)
        return _forward(params, x, _activations.get(self.activation), _activations.get(self.output_activation), where)


def _init(net: MLP, key: PRNGKey, where: str) -> Params:
    check_key(key, where)
    draw = _pick_initializer(net.initializer, net.activation, net.stddev)
    sizes = net.layer_sizes
    keys = jax.random.split(key, len(sizes) - 1)
    params = []
    for layer_key, fan_in, fan_out in zip(keys, sizes[:-1], sizes[1:], strict=True):
        w = jnp.asarray(draw(layer_key, (fan_in, fan_out), net.dtype))
        if w.shape != (fan_in, fan_out):
            raise ValueError(
                f"{where}: the initializer returned shape {w.shape} for a layer of shape {(fan_in, fan_out)}"
            )
        params.append({"w": w.astype(net.dtype), "b": jnp.zeros((fan_out,), net.dtype)})
    return params


def _forward_one(params: Params, x: Array, hidden: Callable, output: Callable) -> Array:
    a = x
    for layer in params[:-1]:
        a = hidden(a @ layer["w"] + layer["b"])
    return output(a @ params[-1]["w"] + params[-1]["b"])


def _forward(params: Params, x: ArrayLike, hidden: Callable, output: Callable, where: str) -> Array:
    """The forward pass shared by :meth:`MLP.apply` and :func:`apply` (params already checked)."""
    x = as_float_array("x", x, where)
    d_in = np.shape(params[0]["w"])[0]
    if x.ndim not in (1, 2):
        raise ValueError(
            f"{where}: x must be one example (d_in,) or a batch (n, d_in), got shape {x.shape}; "
            f"reshape it to (-1, {d_in})"
        )
    if x.shape[-1] != d_in:
        raise ValueError(f"{where}: x has {x.shape[-1]} features (shape {x.shape}) but the first layer expects {d_in}")
    if x.ndim == 1:
        return _forward_one(params, x, hidden, output)
    # Written for one example and vmapped over the batch.
    return jax.vmap(lambda row: _forward_one(params, row, hidden, output))(x)


# --------------------------------------------------------------------------- the same as functions


def init(
    key: PRNGKey,
    layer_sizes: Sequence[int],
    *,
    initializer: str | Initializer = "auto",
    activation: Activation = "relu",
    dtype=jnp.float32,
    stddev: float = 0.01,
) -> Params:
    """``MLP(layer_sizes, activation=activation, ...).init(key)``: draws an MLP's weights.

    Args:
      key: a PRNG key; it is split once per layer.
      layer_sizes: ``[d_in, hidden_1, ..., d_out]``, at least two positive ints.
      initializer: see :class:`MLP`.
      activation: the hidden activation the network will use; only ``"auto"`` reads it,
        so pass the one you will give :func:`apply` (or keep an :class:`MLP`, which holds both).
      dtype: floating dtype of the parameters.
      stddev: standard deviation of the ``"normal"`` initializer.

    Returns:
      A list of ``len(layer_sizes) - 1`` dicts ``{"w": (d_in, d_out), "b": (d_out,)}``.

    Example:
      >>> [p["w"].shape for p in init(jax.random.key(0), [4, 8, 3])]
      [(4, 8), (8, 3)]
    """
    where = "init"
    check_key(key, where)
    _check_layer_sizes(layer_sizes, where)
    _check_initializer(initializer, where)
    _check_activation(activation, "activation", where)
    _check_dtype(dtype, where)
    _check_stddev(stddev, where)
    net = MLP(layer_sizes, activation=activation, initializer=initializer, dtype=dtype, stddev=stddev)
    return _init(net, key, where)


def apply(
    params: Params,
    x: ArrayLike,
    *,
    activation: Activation = "relu",
    output_activation: Activation = None,
) -> Array:
    r"""``MLP(sizes, activation=..., output_activation=...).apply(params, x)`` with the sizes read from ``params``.

    Args:
      params: a list of ``{"w": (d_in, d_out), "b": (d_out,)}`` dicts (see :func:`init`).
      x: one example ``(d_in,)`` or a batch ``(n, d_in)``.
      activation: the hidden activation (see :class:`MLP`).
      output_activation: the output activation, ``None`` for the identity.

    Returns:
      ``(d_out,)`` for one example, ``(n, d_out)`` for a batch.

    Example:
      >>> net, params = xor_network()
      >>> apply(params, jnp.array([1.0, 0.0]), activation="step", output_activation="step")
      Array([1.], dtype=float32)
    """
    where = "apply"
    check_params(params, where=where)
    hidden = _activations.get(_check_activation(activation, "activation", where))
    output = _activations.get(_check_activation(output_activation, "output_activation", where))
    return _forward(params, x, hidden, output, where)


# --------------------------------------------------------------------------- parameters


def check_params(params: Params, layer_sizes: Sequence[int] | None = None, *, where: str = "check_params") -> None:
    """Raises a ``TypeError``/``ValueError`` unless ``params`` are MLP parameters (of ``layer_sizes``, if given).

    Checks shapes only (no values), so it runs on abstract and traced parameters too.
    Functions that take MLP parameters call it first; ``where`` names the caller in
    the message.

    Args:
      params: the parameters to check.
      layer_sizes: the sizes ``params`` must have, e.g. an :class:`MLP`'s ``layer_sizes``.
      where: the function to name in an error message.
    """
    if isinstance(params, Mapping) or not isinstance(params, (list, tuple)):
        raise TypeError(
            f"{where}: params must be a list of {{'w', 'b'}} dicts as returned by fnn.mlp.MLP(...).init(key), "
            f"got {type(params).__name__}"
        )
    if len(params) == 0:
        raise ValueError(f"{where}: params is empty; build them with fnn.mlp.MLP([d_in, ..., d_out]).init(key)")
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
                f"shape {w_shape}, got {b_shape}"
            )
        if i > 0:
            previous_out = np.shape(params[i - 1]["w"])[1]
            if w_shape[0] != previous_out:
                raise ValueError(
                    f"{where}: layer sizes do not chain: layer {i - 1} has {previous_out} outputs but "
                    f"layer {i} expects {w_shape[0]} inputs (weight shape {w_shape})"
                )
    if layer_sizes is not None:
        got = [int(np.shape(params[0]["w"])[0])] + [int(np.shape(layer["w"])[1]) for layer in params]
        if tuple(got) != tuple(layer_sizes):
            raise ValueError(
                f"{where}: params have layer sizes {got} but the network has {list(layer_sizes)}; "
                f"draw them with this network's init(key)"
            )


def layer_sizes(params: Params) -> list[int]:
    """The layer sizes ``[d_in, hidden..., d_out]`` of MLP parameters (what :class:`MLP` was given).

    Example:
      >>> layer_sizes(MLP([4, 8, 3]).init(jax.random.key(0)))
      [4, 8, 3]
    """
    check_params(params, where="layer_sizes")
    return [int(np.shape(params[0]["w"])[0])] + [int(np.shape(layer["w"])[1]) for layer in params]


def xor_network(dtype=jnp.float32) -> tuple[MLP, Params]:
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
      ``(net, params)``: the spec ``MLP((2, 2, 1), activation="step",
      output_activation="step")`` and its hand-set parameters (the weights mean
      nothing without the step activations, so the two come together).

    Example:
      >>> net, params = xor_network()
      >>> net.apply(params, jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]))[:, 0]
      Array([0., 1., 1., 0.], dtype=float32)
    """
    net = MLP((2, 2, 1), activation="step", output_activation="step", dtype=dtype)
    params = [
        {"w": jnp.array([[0.5, 0.6], [0.5, 0.6]], net.dtype), "b": jnp.array([-0.7, -0.5], net.dtype)},
        {"w": jnp.array([[-1.0], [1.0]], net.dtype), "b": jnp.array([-0.5], net.dtype)},
    ]
    return net, params


# --------------------------------------------------------------------------- flax


def to_flax(params: Params) -> dict:
    """Converts fnn MLP params to the variables of a flax linen stack of ``nn.Dense`` layers.

    Returns:
      ``{"params": {"Dense_0": {"kernel": (d_in, d_out), "bias": (d_out,)}, ...}}``, the
      tree ``module.init`` returns for a module that calls ``nn.Dense`` once per layer.
    """
    check_params(params, where="to_flax")
    return {"params": {f"Dense_{i}": {"kernel": layer["w"], "bias": layer["b"]} for i, layer in enumerate(params)}}


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
                f"got entry {name!r}"
            )
        indexed.append((int(match.group(1)), layer))
    indexed.sort(key=lambda item: item[0])
    if [i for i, _ in indexed] != list(range(len(indexed))):
        raise ValueError(
            f"from_flax: Dense layers must be numbered 0..{len(indexed) - 1} without gaps, "
            f"got {[i for i, _ in indexed]}"
        )
    params = [{"w": jnp.asarray(layer["kernel"]), "b": jnp.asarray(layer["bias"])} for _, layer in indexed]
    check_params(params, where="from_flax")
    return params
