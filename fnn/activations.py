r"""Activation functions of the course, as pure element-wise (or axis-wise) JAX functions.

Every function takes any ``ArrayLike`` of any shape and returns a ``jax.Array`` of
the same shape (``maxout`` shrinks one axis). Integer and bool inputs are promoted
to the default float dtype. All are jit-, vmap- and grad-able and stable at extreme
inputs (``sigmoid(-1e4)`` is exactly 0, ``softmax`` of logits near ``1e4`` sums to 1).

Derivatives at kinks (the value ``jax.grad`` returns there, tested):

==============  ======  ===========================================
function        kink    derivative at the kink
==============  ======  ===========================================
``step``        0       0 (the step is flat almost everywhere)
``relu``        0       0 (the material: 1 for x > 0, 0 for x <= 0)
``leaky_relu``  0       ``negative_slope`` (same convention as relu;
                        torch agrees, ``jax.nn`` returns 1)
``elu``         0       ``alpha`` (``jax.nn`` and torch agree)
``maxout``      ties    the gradient goes to the first maximal piece
==============  ======  ===========================================

Use :func:`derivative` for the element-wise derivative of any of them, e.g.
``derivative(sigmoid)(0.0) == 0.25`` (the peak that causes vanishing gradients).

:data:`ACTIVATIONS` is the one table of activations by name; :func:`get` looks a name
up in it and :func:`name_of` goes the other way (the MLP spec and backpropagation
both read it).
"""

from __future__ import annotations

import functools
import numbers
import operator
import types
from collections.abc import Callable

import jax
import jax.numpy as jnp

from fnn._types import Array, ArrayLike
from fnn._validate import as_float_array

__all__ = [
    "ACTIVATIONS",
    "derivative",
    "elu",
    "get",
    "identity",
    "leaky_relu",
    "log_softmax",
    "maxout",
    "name_of",
    "relu",
    "sigmoid",
    "softmax",
    "step",
    "tanh",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


def identity(x: ArrayLike) -> Array:
    r"""The identity (linear) activation :math:`f(x) = x`, the output of a regression model."""
    return as_float_array("x", x, "identity")


def step(x: ArrayLike) -> Array:
    r"""The step (Heaviside) activation of the perceptron: :math:`1` if :math:`x \ge 0` else :math:`0`.

    As the material defines it, ``step(0) == 1``. The gradient is 0 everywhere
    (including at 0), so a step network cannot be trained by gradient descent.
    NaN stays NaN.

    Example:
      >>> step(jnp.array([-1.0, 0.0, 2.0]))
      Array([0., 1., 1.], dtype=float32)
    """
    x = as_float_array("x", x, "step")
    out = jnp.where(x >= 0, jnp.ones_like(x), jnp.zeros_like(x))
    # stop_gradient: passing NaN through must not give a derivative of 1 there.
    return jnp.where(jnp.isnan(x), jax.lax.stop_gradient(x), out)


def sigmoid(x: ArrayLike) -> Array:
    r"""The logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    Computed without overflow: ``sigmoid(-1e4) == 0`` and ``sigmoid(1e4) == 1``.
    Its derivative :math:`\sigma(x)(1 - \sigma(x))` peaks at 0.25 at :math:`x = 0`,
    which is why deep sigmoid networks have vanishing gradients.

    Example:
      >>> sigmoid(jnp.array([0.0, -1e4]))
      Array([0.5, 0. ], dtype=float32)
    """
    # XLA's logistic op: 1 / (1 + exp(-x)) saturates to exactly 0 or 1, never NaN, and its
    # derivative is s (1 - s).
    return jax.lax.logistic(as_float_array("x", x, "sigmoid"))


def tanh(x: ArrayLike) -> Array:
    r"""Hyperbolic tangent :math:`\tanh(x) = 2\sigma(2x) - 1`, derivative :math:`1 - \tanh^2(x)`."""
    return jnp.tanh(as_float_array("x", x, "tanh"))


@jax.custom_jvp
def _relu(x: Array) -> Array:
    return jnp.maximum(x, jnp.zeros_like(x))


@_relu.defjvp
def _relu_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    return _relu(x), jnp.where(x > 0, dx, jnp.zeros_like(dx))


def relu(x: ArrayLike) -> Array:
    r"""Rectified linear unit :math:`\max(0, x)`.

    Derivative 1 for :math:`x > 0` and 0 for :math:`x \le 0` (at the kink too), as
    the material states; a unit whose input stays negative never recovers ("dying ReLU").
    """
    return _relu(as_float_array("x", x, "relu"))


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Array:
    r"""Leaky ReLU :math:`\max(a x, x)` for :math:`0 \le a \le 1`: :math:`x` if :math:`x > 0` else :math:`a x`.

    Args:
      x: input of any shape.
      negative_slope: the slope :math:`a` for :math:`x \le 0` (0.01 as in the
        material and Keras; one of the notes uses 0.1).

    The derivative is 1 for :math:`x > 0` and :math:`a` for :math:`x \le 0`. A
    positive subnormal input is positive: it is returned unchanged (derivative 1),
    as numpy's ``np.where(x > 0, x, a * x)`` does, also on hardware that treats
    subnormal operands of a comparison as 0.

    Example:
      >>> leaky_relu(jnp.array([-2.0, 0.0, 3.0, 1e-40]))
      Array([-2.e-02,  0.e+00,  3.e+00,  1.e-40], dtype=float32)
    """
    x = as_float_array("x", x, "leaky_relu")
    # A strict inequality puts the kink on the negative side (derivative `a` at 0).
    return jnp.where(_is_positive(x), x, negative_slope * x)


def _is_positive(x: Array) -> Array:
    """``x > 0`` read from the bits, so that a positive subnormal counts as positive.

    XLA's CPU and GPU code treats subnormal operands as 0 (denormals-are-zero), so
    ``x > 0`` is False for ``x = 1e-40`` in float32. A float with its sign bit clear and
    any other bit set (as a signed integer of the same width, ``> 0``) is positive,
    unless it is NaN.
    """
    bits = jax.lax.bitcast_convert_type(x, jnp.dtype(f"int{8 * x.dtype.itemsize}"))
    return (bits > 0) & ~jnp.isnan(x)


def elu(x: ArrayLike, alpha: float = 1.0) -> Array:
    r"""Exponential linear unit: :math:`x` if :math:`x > 0` else :math:`\alpha (e^x - 1)`.

    Derivative 1 for :math:`x > 0` and :math:`\alpha e^x` for :math:`x \le 0`.
    ``expm1`` keeps small negative inputs accurate; the positive branch never
    reaches the exponential, so large inputs do not overflow (nor do their gradients).
    """
    return _elu(as_float_array("x", x, "elu"), alpha)


@jax.custom_jvp
def _elu(x: Array, alpha) -> Array:
    safe_negative = jnp.where(x > 0, jnp.zeros_like(x), x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe_negative))


@_elu.defjvp
def _elu_jvp(primals, tangents):
    # Autodiff of expm1 forms its derivative as expm1(x) + 1, which cancels: in float32
    # it is 4e-4 off at x = -10 (jax.nn.elu has this error). exp(x) is exact.
    (x, alpha), (dx, dalpha) = primals, tangents
    safe_negative = jnp.where(x > 0, jnp.zeros_like(x), x)
    slope = jnp.where(x > 0, jnp.ones_like(x), alpha * jnp.exp(safe_negative))
    d_alpha = jnp.where(x > 0, jnp.zeros_like(x), jnp.expm1(safe_negative))
    return _elu(x, alpha), slope * dx + d_alpha * dalpha


def _check_axis(x: Array, axis: int, where: str) -> int:
    if not isinstance(axis, int):
        raise TypeError(f"{where}: axis must be an int, got {type(axis).__name__}")
    if x.ndim == 0:
        raise ValueError(f"{where}: needs at least a 1-D input to reduce over an axis, got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{where}: axis {axis} is out of range for an input of shape {x.shape}")
    return axis % x.ndim


_Axis = int | tuple[int, ...] | None


def _check_axes(x: Array, axis, where: str) -> int | tuple[int, ...] | None:
    """``axis`` as ``jax.nn`` takes it (an int, a tuple of ints, or None for all axes), normalized."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{where}: axis must be an int, a tuple of ints or None (all axes), got {axis!r}")
    normalized = []
    for a in map(operator.index, axes):
        if not -x.ndim <= a < x.ndim:
            if x.ndim == 0:
                raise ValueError(
                    f"{where}: axis {a} is out of range for a scalar input, which has no axes; "
                    f"pass axis=None to normalize over all of it"
                )
            raise ValueError(f"{where}: axis {a} is out of range for an input of shape {x.shape}")
        normalized.append(a % x.ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{where}: axis {axis} names an axis twice for an input of shape {x.shape}")
    return tuple(normalized) if isinstance(axis, tuple) else normalized[0]


def log_softmax(x: ArrayLike, axis: _Axis = -1) -> Array:
    r"""Log of the softmax: :math:`x_i - \log \sum_j e^{x_j}`, computed stably.

    Stays finite where ``softmax`` underflows to 0 (``log_softmax([0, -1e4])`` is
    ``[0, -1e4]``, not ``-inf``). ``axis`` is as in ``jax.nn.log_softmax``: an int,
    a tuple of ints (normalized over those axes together) or None (over all axes);
    an empty input gives an empty output. ``+inf`` anywhere in a group makes the
    group NaN, as in ``jax.nn`` (:math:`\infty - \infty` is undefined).

    Example:
      >>> log_softmax(jnp.array([0.0, -1e4]))
      Array([     0., -10000.], dtype=float32)
    """
    x = as_float_array("x", x, "log_softmax")
    axis = _check_axes(x, axis, "log_softmax")
    shifted = x - jax.lax.stop_gradient(jnp.max(x, axis=axis, initial=-jnp.inf, keepdims=True))
    return shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=axis, keepdims=True))


def softmax(x: ArrayLike, axis: _Axis = -1) -> Array:
    r"""Softmax :math:`e^{x_i} / \sum_j e^{x_j}` over ``axis``: non-negative, sums to 1.

    The maximum is subtracted first (the result does not change), so logits near
    ``1e4`` do not overflow. ``axis`` is as in ``jax.nn.softmax``: an int, a tuple
    of ints (the entries over those axes together sum to 1) or None (all entries
    sum to 1); an empty input gives an empty output. The derivative is
    :math:`y \odot (\dot x - \sum y \odot \dot x)`, ``jax.nn``'s.

    Example:
      >>> softmax(jnp.array([[1.0, 1.0], [1.0, 1.0]]), axis=None)
      Array([[0.25, 0.25],
             [0.25, 0.25]], dtype=float32)
    """
    x = as_float_array("x", x, "softmax")
    return _softmax(x, _check_axes(x, axis, "softmax"))


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _softmax(x: Array, axis: int | tuple[int, ...] | None) -> Array:
    # initial=-inf: the maximum of an empty group is defined (and an empty input stays empty).
    unnormalized = jnp.exp(x - jnp.max(x, axis=axis, initial=-jnp.inf, keepdims=True))
    return unnormalized / jnp.sum(unnormalized, axis=axis, keepdims=True)


@_softmax.defjvp
def _softmax_jvp(axis, primals, tangents):
    # The Jacobian-vector product in closed form: no derivative flows through the shift by
    # the maximum, and an entry of probability 0 (a logit of -inf) gets exactly 0.
    (x,), (x_dot,) = primals, tangents
    y = _softmax(x, axis)
    return y, y * (x_dot - jnp.sum(y * x_dot, axis=axis, keepdims=True))


def maxout(x: ArrayLike, num_pieces: int, axis: int = -1) -> Array:
    r"""Maxout: the maximum over groups of ``num_pieces`` consecutive units along ``axis``.

    With the pre-activations of ``num_pieces`` linear pieces laid side by side,
    unit :math:`i` of the output is :math:`\max_k z_{i \cdot K + k}` — the material's
    :math:`\max(w_1^T x + b_1, w_2^T x + b_2)` for ``num_pieces=2``.

    Args:
      x: input whose size along ``axis`` is a multiple of ``num_pieces``.
      num_pieces: the number :math:`K \ge 1` of linear pieces per output unit.
      axis: the axis holding the units.

    Returns:
      An array like ``x`` with ``x.shape[axis] // num_pieces`` entries along ``axis``.

    Example:
      >>> maxout(jnp.array([1.0, 3.0, -2.0, -5.0]), num_pieces=2)
      Array([ 3., -2.], dtype=float32)
    """
    x = as_float_array("x", x, "maxout")
    axis = _check_axis(x, axis, "maxout")
    if isinstance(num_pieces, bool) or not isinstance(num_pieces, int) or num_pieces < 1:
        raise ValueError(f"maxout: num_pieces must be a positive int, got {num_pieces!r}")
    size = x.shape[axis]
    if size % num_pieces:
        raise ValueError(
            f"maxout: the size of axis {axis} ({size}) must be a multiple of num_pieces={num_pieces}; "
            f"give the layer before it {num_pieces} outputs per maxout unit"
        )
    grouped = x.reshape(x.shape[:axis] + (size // num_pieces, num_pieces) + x.shape[axis + 1 :])
    # Gather at the argmax rather than jnp.max, whose gradient splits ties evenly: this sends
    # the whole gradient to the first maximal piece (argmax also picks a NaN, which propagates).
    winner = jnp.argmax(grouped, axis=axis + 1, keepdims=True)
    return jnp.squeeze(jnp.take_along_axis(grouped, winner, axis=axis + 1), axis=axis + 1)


def derivative(fn: Callable[[Array], Array]) -> Callable[[ArrayLike], Array]:
    r"""The element-wise derivative :math:`f'(x)` of an element-wise activation, for any input shape.

    Built with ``jax.grad`` on scalars and ``jax.vmap`` over the flattened input,
    so it agrees with what backpropagation uses.

    Example:
      >>> derivative(sigmoid)(jnp.array([0.0]))  # the peak that makes gradients vanish
      Array([0.25], dtype=float32)
    """
    scalar_grad = jax.grad(lambda s: fn(s))

    def fn_prime(x: ArrayLike) -> Array:
        x = as_float_array("x", x, "derivative")
        return jax.vmap(scalar_grad)(x.reshape(-1)).reshape(x.shape)

    return fn_prime


#: The activations by name (read-only): what :func:`get` looks up and :func:`name_of`
#: inverts. ``maxout`` is not here: it changes the number of units, so it is not an
#: element-wise choice for a layer.
ACTIVATIONS: types.MappingProxyType[str, Callable[..., Array]] = types.MappingProxyType(
    {
        "identity": identity,
        "step": step,
        "sigmoid": sigmoid,
        "tanh": tanh,
        "relu": relu,
        "leaky_relu": leaky_relu,
        "elu": elu,
        "softmax": softmax,
        "log_softmax": log_softmax,
    }
)
# Other spellings accepted by name; "linear" is what Keras calls the identity.
_ALIASES = {"linear": "identity"}


def get(activation: str | Callable[[Array], Array] | None) -> Callable[[Array], Array]:
    """Looks up an activation by name (``"relu"``, ``"tanh"``, ...); callables pass through.

    ``None`` and ``"linear"`` mean the identity. Raises ``ValueError`` naming the known
    activations for an unknown name.

    Example:
      >>> get("tanh") is tanh
      True
    """
    if activation is None:
        return identity
    if callable(activation):
        return activation
    if isinstance(activation, str):
        name = _ALIASES.get(activation, activation)
        if name in ACTIVATIONS:
            return ACTIVATIONS[name]
    raise ValueError(
        f"unknown activation {activation!r}; expected a callable or one of {sorted([*ACTIVATIONS, *_ALIASES])}"
    )


def name_of(activation: str | Callable | None) -> str | None:
    """The name in :data:`ACTIVATIONS` of an activation given by name or as one of this module's functions.

    ``None`` and ``"linear"`` are ``"identity"``; any other callable (``jax.nn.gelu``, a
    ``functools.partial``, a lambda) has no name here and gives ``None``, as does an
    unknown name.

    Example:
      >>> name_of(tanh), name_of("linear"), name_of(jnp.sin)
      ('tanh', 'identity', None)
    """
    if activation is None:
        return "identity"
    if isinstance(activation, str):
        name = _ALIASES.get(activation, activation)
        return name if name in ACTIVATIONS else None
    for name, fn in ACTIVATIONS.items():
        if activation is fn:
            return name
    return None
