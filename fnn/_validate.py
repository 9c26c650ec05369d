"""Boundary checks shared by fnn's public functions.

Every check here runs on static information (shapes, dtypes, Python values) or on
concrete arrays before tracing, and raises a plain ``ValueError``/``TypeError``
whose message says what was expected, what was given and how to fix it.
"""

from __future__ import annotations

import numbers
import operator

import jax
import jax.numpy as jnp
import numpy as np

from fnn._types import Array, ArrayLike, Params


def is_concrete(x) -> bool:
    """True when ``x`` holds a value (not a tracer), so value checks can run."""
    return not isinstance(x, jax.core.Tracer)


def as_float_array(name: str, x: ArrayLike, where: str) -> jax.Array:
    """Converts to a jax array; integer and bool inputs become the default float.

    Host integers are converted to floats by numpy first: ``jnp.asarray`` of an int64
    array without 64-bit mode would wrap values beyond int32 (``2**32 + 5`` to ``5``).
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{where}: {name} must be an array of numbers, got {type(x).__name__}")
    if not isinstance(x, jax.Array):
        host = np.asarray(x)
        if host.dtype.kind in "iub":
            x = host.astype(jnp.result_type(float))
    arr = jnp.asarray(x)
    if jnp.issubdtype(arr.dtype, jnp.complexfloating):
        raise TypeError(f"{where}: {name} must be real, got dtype {arr.dtype}")
    if not jnp.issubdtype(arr.dtype, jnp.floating):
        arr = arr.astype(jnp.result_type(float))
    return arr


def check_int(value, name: str, where: str, low: int, high: int | None = None) -> int:
    """``value`` as a Python int in ``[low, high]``, or a ``TypeError`` / ``ValueError`` saying why not.

    Any integral number is accepted (``int``, numpy integers); ``bool`` is not.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")
    value = operator.index(value)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{where}: {name} must be {bound}, got {value}")
    return value


def check_epochs(epochs, where: str) -> int:
    """``epochs`` as a Python int, at least 1 (static: it sets the length of a ``lax.scan``)."""
    return check_int(epochs, "epochs", where, 1)


def check_learning_rate_scalar(learning_rate, dtype, where: str) -> Array:
    """A positive, finite scalar learning rate as a ``dtype`` array; may be traced (for a ``vmap`` sweep).

    Its value is checked only when it is concrete.
    """
    lr = as_float_array("learning_rate", learning_rate, where)
    if lr.shape != ():
        raise ValueError(
            f"{where}: learning_rate must be a scalar, got shape {lr.shape}; "
            f"vmap the fit over an array of rates for a sweep"
        )
    # The value of the input itself: inside an outer jit even a concrete array's jnp ops are staged.
    if is_concrete(learning_rate):
        value = float(np.asarray(learning_rate, dtype=np.float64))
        if not (value > 0 and np.isfinite(value)):
            raise ValueError(f"{where}: learning_rate must be positive and finite, got {value}")
    return lr.astype(dtype)


def check_key(key, where: str) -> None:
    """Raises unless ``key`` is a typed PRNG key or a raw ``uint32[2]`` key."""
    if isinstance(key, jax.Array) or isinstance(key, np.ndarray):
        dtype = key.dtype
        if jnp.issubdtype(dtype, jax.dtypes.prng_key) and key.ndim == 0:
            return
        if dtype == jnp.uint32 and key.shape == (2,):
            return
    raise TypeError(
        f"{where}: key must be a JAX PRNG key such as jax.random.key(0) "
        f"(or a raw uint32[2] key from jax.random.PRNGKey), got "
        f"{type(key).__name__}{getattr(key, 'shape', '')} "
        f"{getattr(key, 'dtype', '')}".rstrip()
    )


def check_design_matrix(X: ArrayLike, where: str) -> Array:
    """A float ``(n_examples, n_features)`` matrix with at least one of each, or a clear error."""
    X = as_float_array("X", X, where)
    if X.ndim != 2:
        raise ValueError(
            f"{where}: X must be 2-D (n_examples, n_features), got shape {X.shape}; "
            f"use X[:, None] for a single feature or X[None, :] for a single example"
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{where}: X must have at least one example and one feature, got shape {X.shape}")
    return X


def check_linear_params(params: Params, d: int, where: str) -> tuple[Array, Array]:
    """``(w, b)`` of a linear unit (perceptron, linear or logistic regression) for ``d`` features."""
    if not isinstance(params, dict) or set(params) != {"w", "b"}:
        raise TypeError(f"{where}: params must be a dict {{'w': (d,), 'b': ()}}, got {params!r}")
    w = as_float_array("params['w']", params["w"], where)
    b = as_float_array("params['b']", params["b"], where)
    if w.shape != (d,) or b.shape != ():
        raise ValueError(
            f"{where}: params must have w of shape ({d},) to match X's {d} features and a scalar b, "
            f"got w {w.shape} and b {b.shape}"
        )
    return w, b


def check_sample_weights(weights: ArrayLike | None, n: int, where: str, *, name: str = "weights") -> Array | None:
    """Per-example weights of shape ``(n,)``: finite, non-negative and not all 0.

    The value checks run only on concrete weights (under ``jit`` a fold's weights are
    traced and cannot be inspected). ``None`` passes through.
    """
    if weights is None:
        return None
    w = as_float_array(name, weights, where)
    if w.shape != (n,):
        raise ValueError(f"{where}: {name} must have shape (n,) = ({n},), one weight per example, got {w.shape}")
    if is_concrete(w):
        values = np.asarray(w)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{where}: {name} must be finite, got {values[~np.isfinite(values)][:3]}")
        if np.any(values < 0):
            raise ValueError(
                f"{where}: {name} must be non-negative, got minimum {values.min()}; use 0 to leave an example out"
            )
        if n > 0 and not np.any(values > 0):
            raise ValueError(
                f"{where}: {name} are all zero, so the weighted mean is undefined; "
                f"give at least one example a positive weight"
            )
    return w


def check_not_empty(shape: tuple[int, ...], where: str) -> None:
    """Raises unless ``shape`` holds at least one example (``shape[0] >= 1``), each with at least one value.

    Shared by losses and metrics, so that all of them refuse empty input the same way:
    a mean over no examples is undefined, and a sum over none is more likely a bug
    (an empty slice, a filter that kept nothing) than a meant 0.
    """
    if shape[0] == 0:
        raise ValueError(
            f"{where}: needs at least one example, got empty inputs of shape {shape}; "
            f"check the slice or filter that produced them"
        )
    if 0 in shape[1:]:
        raise ValueError(f"{where}: every example needs at least one value, got inputs of shape {shape}")
