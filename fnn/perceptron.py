r"""Rosenblatt's perceptron: a threshold unit and its learning rule, compiled with ``lax.scan``.

The unit computes the net input :math:`z = w \cdot x + b` and fires
:math:`\hat y = 1` if :math:`z \ge 0`, otherwise :math:`-1` (``encoding="bipolar"``,
the material's convention) or :math:`0` (``encoding="binary"``, the step function of
:mod:`fnn.activations`). Learning changes the weights, never the inputs: for each
example in turn,

.. math::
    w \leftarrow w + \eta\,(y - \hat y)\,x, \qquad b \leftarrow b + \eta\,(y - \hat y),

which does nothing on a correct prediction. If the classes are linearly separable
the rule stops making mistakes after finitely many updates (Novikoff's theorem); on
XOR it never does, and :func:`is_linearly_separable` decides which case holds.

Parameters are a dict ``{"w": (d,), "b": ()}``.

Reference: F. Rosenblatt, "The perceptron: a probabilistic model for information
storage and organization in the brain", Psychological Review 65(6), 1958.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from fnn._types import Array, ArrayLike, Params, PRNGKey
from fnn._validate import (
    as_float_array,
    check_design_matrix,
    check_epochs,
    check_key,
    check_learning_rate_scalar,
    check_linear_params,
    is_concrete,
)
from fnn.linear import _net_input

__all__ = [
    "fit",
    "is_linearly_separable",
    "net_input",
    "predict",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


_LOW = {"bipolar": -1.0, "binary": 0.0}


def _check_encoding(encoding: str, where: str) -> float:
    if encoding not in _LOW:
        raise ValueError(
            f"{where}: encoding must be 'bipolar' (outputs in {{-1, 1}}) or 'binary' "
            f"(outputs in {{0, 1}}), got {encoding!r}"
        )
    return _LOW[encoding]


def net_input(params: Params, X: ArrayLike) -> Array:
    r"""The net input :math:`z = X w + b` of a perceptron.

    The course's name for linear regression's prediction, :func:`fnn.linear.predict_linear`
    (one computation, with errors that say ``net_input``).

    Args:
      params: ``{"w": (d,), "b": ()}``.
      X: examples, shape ``(n, d)``.

    Returns:
      ``(n,)`` net inputs.

    Example:
      >>> net_input({"w": jnp.array([0.5, 0.5]), "b": -0.7}, jnp.array([[1.0, 1.0]]))
      Array([0.3], dtype=float32)
    """
    return _net_input(params, X, "net_input")


def predict(params: Params, X: ArrayLike, *, encoding: str = "bipolar") -> Array:
    r"""The perceptron's output: 1 where :math:`X w + b \ge 0`, else :math:`-1` (or 0 for ``"binary"``).

    Args:
      params: ``{"w": (d,), "b": ()}``.
      X: examples, shape ``(n, d)``.
      encoding: ``"bipolar"`` (outputs in {-1, 1}) or ``"binary"`` ({0, 1}).

    Returns:
      ``(n,)`` outputs in X's float dtype.

    Example (the material's hand-set AND gate):
      >>> X = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
      >>> predict({"w": jnp.array([0.5, 0.5]), "b": -0.7}, X, encoding="binary")
      Array([0., 0., 0., 1.], dtype=float32)
    """
    low = _check_encoding(encoding, "predict")
    z = net_input(params, X)
    return jnp.where(z >= 0, jnp.ones_like(z), jnp.full_like(z, low))


def _train(params: Params, X: Array, y: Array, learning_rate: Array, epochs: int, low: float) -> tuple[Params, Array]:
    def one_example(p, example):
        x, target = example
        output = jnp.where(x @ p["w"] + p["b"] >= 0, 1.0, low).astype(x.dtype)
        update = learning_rate * (target - output)
        p = {"w": p["w"] + update * x, "b": p["b"] + update}
        return p, output != target

    def one_epoch(p, _):
        p, wrong = lax.scan(one_example, p, (X, y))
        return p, jnp.sum(wrong, dtype=jnp.int32)

    return lax.scan(one_epoch, params, None, length=epochs)


_train_jit = jax.jit(_train, static_argnames=("epochs", "low"))


def fit(
    X: ArrayLike,
    y: ArrayLike,
    *,
    learning_rate: float | ArrayLike = 0.1,
    epochs: int = 10,
    key: PRNGKey | None = None,
    init: Params | None = None,
    encoding: str = "bipolar",
) -> tuple[Params, Array]:
    r"""Trains a perceptron with Rosenblatt's rule, one example at a time, in the order given.

    For ``epochs`` passes over the rows of ``X`` (first to last), each example
    updates :math:`w \leftarrow w + \eta (y - \hat y) x`, :math:`b \leftarrow b + \eta (y - \hat y)`
    with :math:`\hat y` computed from the current weights. Two nested ``lax.scan``
    loops (epochs, examples), so the whole fit is one compiled program; ``fit`` may be
    jitted or vmapped over ``learning_rate`` (a JAX scalar) by the caller.

    Args:
      X: training examples, shape ``(n, d)``.
      y: labels, shape ``(n,)``, in {-1, 1} (``"bipolar"``) or {0, 1} (``"binary"``);
        checked when concrete.
      learning_rate: :math:`\eta > 0`, a Python float or a JAX scalar.
      epochs: number of passes over the data (a Python int, at least 1).
      key: if given, initial weights are drawn from :math:`N(0, 0.01^2)`; by default
        (and when ``init`` is given) no randomness is used.
      init: initial ``{"w": (d,), "b": ()}``; by default zeros. Give ``key`` or ``init``,
        not both.
      encoding: ``"bipolar"`` or ``"binary"``; the output levels and label set.

    Returns:
      ``(params, mistakes)``: the trained ``{"w": (d,), "b": ()}`` and an int32 array of
      shape ``(epochs,)`` counting the examples misclassified (hence updated) in each
      epoch. A zero means that epoch classified every example correctly.

    Example:
      >>> from fnn import datasets
      >>> X, y = datasets.logic_gate("and", encoding="bipolar")
      >>> params, mistakes = fit(X, y, learning_rate=0.1, epochs=10)
      >>> predict(params, X)
      Array([-1., -1., -1.,  1.], dtype=float32)
    """
    low = _check_encoding(encoding, "fit")
    X = check_design_matrix(X, "fit")
    n, d = X.shape
    y = as_float_array("y", y, "fit").astype(X.dtype)
    if y.shape != (n,):
        raise ValueError(f"fit: y must have shape (n,) = ({n},) to match X's rows, got {y.shape}")
    if is_concrete(y):
        labels = set(np.unique(np.asarray(y)).tolist())
        if not labels <= {low, 1.0}:
            other = "binary" if encoding == "bipolar" else "bipolar"
            raise ValueError(
                f"fit: with encoding={encoding!r} labels must be in {{{low:g}, 1}}, got values "
                f"{sorted(labels)[:5]}; map them (e.g. 2*y - 1) or pass encoding={other!r}"
            )
    epochs = check_epochs(epochs, "fit")
    lr = check_learning_rate_scalar(learning_rate, X.dtype, "fit")
    if key is not None and init is not None:
        raise ValueError("fit: give key (random initial weights) or init (given weights), not both")
    if init is not None:
        w, b = check_linear_params(init, d, "fit")
        params = {"w": w.astype(X.dtype), "b": b.astype(X.dtype)}
    elif key is not None:
        check_key(key, "fit")
        params = {"w": 0.01 * jax.random.normal(key, (d,), dtype=X.dtype), "b": jnp.zeros((), X.dtype)}
    else:
        params = {"w": jnp.zeros((d,), X.dtype), "b": jnp.zeros((), X.dtype)}
    return _train_jit(params, X, y, lr, epochs, low)


def is_linearly_separable(X: ArrayLike, y: ArrayLike) -> bool:
    r"""Decides exactly whether a hyperplane separates the two classes (a small linear program).

    The classes are strictly separable iff some :math:`(w, b)` satisfies
    :math:`s_i (w \cdot x_i + b) \ge 1` for every example, where :math:`s_i = \pm 1`
    marks the class (any positive margin can be rescaled to 1). This is a feasibility
    linear program, solved with ``scipy.optimize.linprog`` (HiGHS).

    Runs on concrete data with NumPy and SciPy: it is *not* jit-able (call it
    outside ``jit``/``vmap``; tracers raise a ``TypeError``).

    Args:
      X: examples, shape ``(n, d)``.
      y: labels, shape ``(n,)``, with at most two distinct values (e.g. {0, 1} or
        {-1, 1}); the larger value is the positive class. One class alone is separable.

    Returns:
      ``True`` if the classes are linearly separable, else ``False``.

    Example:
      >>> from fnn import datasets
      >>> [is_linearly_separable(*datasets.logic_gate(gate)) for gate in ("and", "xor")]
      [True, False]
    """
    for name, value in (("X", X), ("y", y)):
        if not is_concrete(value):
            raise TypeError(
                f"is_linearly_separable: {name} is a traced value; this check solves a linear program "
                f"with SciPy on concrete data, so call it outside jit/vmap"
            )
    X = np.asarray(check_design_matrix(X, "is_linearly_separable"), dtype=np.float64)
    y = np.asarray(as_float_array("y", y, "is_linearly_separable"), dtype=np.float64)
    n, d = X.shape
    if y.shape != (n,):
        raise ValueError(f"is_linearly_separable: y must have shape (n,) = ({n},) to match X's rows, got {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("is_linearly_separable: X and y must be finite (no NaN or inf)")
    classes = np.unique(y)
    if classes.size > 2:
        raise ValueError(
            f"is_linearly_separable: y must have two classes (e.g. {{0, 1}} or {{-1, 1}}), got "
            f"{classes.size} distinct values {classes[:5].tolist()}"
        )
    if classes.size == 1:
        return True
    from scipy.optimize import linprog

    sign = np.where(y == classes[1], 1.0, -1.0)
    # Variables (w, b), free; constraints -s_i (x_i . w + b) <= -1; any feasible point will do.
    A_ub = -sign[:, None] * np.concatenate([X, np.ones((n, 1))], axis=1)
    result = linprog(np.zeros(d + 1), A_ub=A_ub, b_ub=-np.ones(n), bounds=[(None, None)] * (d + 1), method="highs")
    if result.status == 0:
        return True
    if result.status == 2:
        return False
    raise RuntimeError(f"is_linearly_separable: the linear program did not finish: {result.message}")
