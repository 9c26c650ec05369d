"""Private helpers shared by fnn's gradient transformations.

Boundary checks on hyperparameters (run on Python numbers and concrete arrays, skipped
for tracers so that ``jax.vmap`` over a learning rate and ``optax.inject_hyperparams``
work) and the small pieces of per-leaf arithmetic every optimizer needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fnn._validate import is_concrete

_INT32_MAX = np.iinfo(np.int32).max


# ----------------------------------------------------------------------------- checks


def _is_number_like(x) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, float, np.number)):
        return True
    return isinstance(x, (jax.Array, np.ndarray))


def check_scalar(
    where: str,
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    high_open: bool = False,
    allow_schedule: bool = False,
) -> None:
    """Raises unless ``value`` is a real scalar (or a schedule) inside ``[low, high]``.

    Tracers pass the type and shape checks only: their value is unknown before tracing
    (``jax.vmap`` over a learning rate, ``optax.inject_hyperparams`` under ``jit``).
    """
    if allow_schedule and callable(value) and not isinstance(value, (jax.Array, np.ndarray)):
        return
    kinds = "a real number, a 0-d array" + (" or a schedule (a callable of the step count)" if allow_schedule else "")
    if not _is_number_like(value):
        raise TypeError(f"{where}: {name} must be {kinds}, got {type(value).__name__} {value!r}")
    shape = np.shape(value)
    if shape != ():
        raise ValueError(
            f"{where}: {name} must be a scalar (shape ()), got shape {shape}; to sweep "
            f"several values, jax.vmap over a scalar {name} instead of passing an array"
        )
    dtype = jnp.result_type(value)
    if not (jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer)):
        raise TypeError(f"{where}: {name} must be a real number, got dtype {dtype}")
    if not is_concrete(value):
        return
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise ValueError(f"{where}: {name} must be finite, got {v}")
    if low is not None and v < low:
        raise ValueError(f"{where}: {name} must be >= {low}, got {v}")
    if high is not None and (v > high or (high_open and v >= high)):
        bound = f"< {high}" if high_open else f"<= {high}"
        raise ValueError(f"{where}: {name} must be {bound}, got {v}")


def check_learning_rate(where: str, learning_rate, name: str = "learning_rate") -> None:
    """Raises unless ``learning_rate`` is a real scalar, a 0-d array or a schedule."""
    if learning_rate is None:
        raise TypeError(
            f"{where}: {name} must be a number, a 0-d array or a schedule, got None "
            f"(optax reads None as 'no scaling', which drops the sign flip and makes "
            f"adadelta ascend; pass 1.0 for an unscaled descent step)"
        )
    check_scalar(where, name, learning_rate, allow_schedule=True)
    if callable(learning_rate) and not isinstance(learning_rate, (jax.Array, np.ndarray)):
        return  # a schedule: its values are known only at run time
    if is_concrete(learning_rate) and not float(learning_rate) > 0:
        raise ValueError(
            f"{where}: {name} must be positive, got {float(learning_rate)}: fnn's optimizers descend "
            f"(the update is -{name} times a direction), so a negative rate climbs the loss and 0 never "
            f"moves. To maximise an objective, minimise its negative; to ascend on purpose, chain the "
            f"scaling yourself, e.g. optax.chain(fnn.optim.scale_by_adam(), "
            f"fnn.optim.scale_by_learning_rate({name}, flip_sign=False))"
        )


def check_decay(where: str, name: str, value, *, open_one: bool = False) -> None:
    """Raises unless a decay rate lies in ``[0, 1]`` (``[0, 1)`` with ``open_one``)."""
    check_scalar(where, name, value, low=0.0, high=1.0, high_open=open_one)


def check_bool(where: str, name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {type(value).__name__} {value!r}")


def canonical_dtype(where: str, name: str, dtype) -> Any:
    """``None`` or a floating/complex numpy dtype (canonicalised for the x64 setting)."""
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{where}: {name} must be None or a dtype such as jnp.float32, got {dtype!r}") from err
    if not (jnp.issubdtype(dt, jnp.floating) or jnp.issubdtype(dt, jnp.complexfloating)):
        raise TypeError(f"{where}: {name} must be a floating or complex dtype, got {dt}")
    return jax.dtypes.canonicalize_dtype(dt)


def check_inexact_updates(where: str, updates) -> None:
    """Raises unless every update leaf is a floating (or complex) array.

    An integer gradient would be scaled by a learning rate cast to its integer dtype, so
    ``sgd(0.1)`` would return an update of exactly 0: a silent no-op.
    """
    for path, leaf in jax.tree_util.tree_flatten_with_path(updates)[0]:
        dtype = jnp.result_type(leaf)
        if not jnp.issubdtype(dtype, jnp.inexact):
            raise TypeError(
                f"{where}: gradients must be floating-point arrays, got dtype {dtype} at "
                f"{jax.tree_util.keystr(path) or 'the root'}; train floating-point params "
                f"(e.g. params.astype(jnp.float32)): integer params have no gradient step"
            )


def check_matching_tree(where: str, updates, reference, what: str = "the optimizer state") -> None:
    """Raises unless ``updates`` has the tree structure and leaf shapes of ``reference``,
    and floating-point leaves.

    Without this check a gradient of shape ``(n, 1)`` against a moment of shape ``(n,)``
    would broadcast silently into an ``(n, n)`` moment.
    """
    check_inexact_updates(where, updates)
    tree_u = jax.tree.structure(updates)
    tree_r = jax.tree.structure(reference)
    if tree_u != tree_r:  # type: ignore[operator]  # PyTreeDef compares; its stub says otherwise
        raise ValueError(
            f"{where}: the updates do not have the tree structure of {what} (built by "
            f"init from the params): got {tree_u}, expected {tree_r}; call init with "
            f"params shaped like the gradients"
        )
    for path_leaf, ref in zip(
        jax.tree_util.tree_flatten_with_path(updates)[0], jax.tree.leaves(reference), strict=True
    ):
        path, leaf = path_leaf
        if np.shape(leaf) != np.shape(ref):
            raise ValueError(
                f"{where}: update leaf {jax.tree_util.keystr(path)} has shape "
                f"{np.shape(leaf)} but {what} has shape {np.shape(ref)} there; pass "
                f"gradients shaped like the params given to init"
            )


def require_params(where: str, params) -> None:
    if params is None:
        raise ValueError(
            f"{where}: update needs the current params (weight decay adds "
            f"weight_decay * params); call update(grads, state, params)"
        )


# ----------------------------------------------------------------------------- arithmetic


def safe_increment(count: jax.Array) -> jax.Array:
    """``count + 1`` for an int32 step counter, staying at the int32 max instead of wrapping."""
    top = jnp.asarray(_INT32_MAX, count.dtype)
    return jnp.where(count < top, count + jnp.asarray(1, count.dtype), top)


def zeros_like_tree(tree, dtype=None):
    return jax.tree.map(lambda p: jnp.zeros_like(p, dtype=dtype), tree)


def full_like_tree(tree, value, dtype=None):
    return jax.tree.map(lambda p: jnp.full_like(p, value, dtype=dtype), tree)


def cast_tree(tree, dtype):
    if dtype is None:
        return tree
    return jax.tree.map(lambda t: t.astype(dtype), tree)


def cast_like_tree(tree, reference):
    return jax.tree.map(lambda t, r: t.astype(r.dtype), tree, reference)


def abs_sq(g: jax.Array) -> jax.Array:
    """``|g|**2``; for complex ``g`` the real ``conj(g) * g``."""
    if jnp.iscomplexobj(g):
        return (g.conj() * g).real
    return g**2


def ema(g, m, decay):
    r"""Exponential moving average :math:`(1 - d)\,g + d\,m` (the first moment)."""
    return (1 - decay) * g + decay * m


def ema_sq(g, v, decay):
    r"""Moving average of the squared magnitude :math:`(1 - d)\,|g|^2 + d\,v`."""
    return (1 - decay) * abs_sq(g) + decay * v


def debias(m: jax.Array, decay, count: jax.Array) -> jax.Array:
    r"""Bias correction :math:`m / (1 - d^t)` of a moving average started at zero."""
    correction = 1 - decay**count
    return m / correction.astype(m.dtype)


def needs_zero_guard(x: jax.Array) -> bool:
    """True for 16-bit floats, where a small ``eps`` (1e-8) can underflow to 0.

    A static check on the dtype: float32/float64 steps keep optax's exact HLO (and speed).
    """
    dtype = jnp.result_type(x)
    return bool(jnp.issubdtype(dtype, jnp.floating) and jnp.finfo(dtype).bits <= 16)


def guard_denominator(numerator: jax.Array, denominator: jax.Array) -> jax.Array:
    """``denominator`` with 1 where ``numerator`` is 0 (16-bit floats only)."""
    if not needs_zero_guard(numerator):
        return denominator
    return jnp.where(numerator == 0, jnp.ones_like(denominator), denominator)


def safe_divide(numerator: jax.Array, denominator: jax.Array) -> jax.Array:
    """``numerator / denominator``, exactly 0 where the numerator is 0 in 16-bit floats.

    Where the numerator is non-zero this is the plain quotient bit for bit. It exists
    for float16: ``eps = 1e-8`` underflows to 0 there, so an all-zero gradient would give
    ``0 / 0 = NaN`` (optax issues #1754, #1784), while fnn returns a zero update.
    """
    return numerator / guard_denominator(numerator, denominator)


def map_leaves(fn: Callable, *trees):
    """``jax.tree.map`` that keeps ``None`` leaves of the first tree as ``None``."""
    return jax.tree.map(lambda x, *rest: None if x is None else fn(x, *rest), *trees, is_leaf=lambda x: x is None)
