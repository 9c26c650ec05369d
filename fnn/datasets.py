r"""Data sets of the course: logic gates, XOR, a toy housing market and five classic small sets.

Everything returns JAX arrays: features ``X`` of shape ``(n, d)`` in float32 (the
default float) and targets ``y`` of shape ``(n,)``.

==================  ================================  ===================================
function            X                                 y
==================  ================================  ===================================
:func:`logic_gate`  the 4 corners of the square       the gate's truth table (float)
:func:`xor_cloud`   noisy points around the corners   XOR of the corner (float)
:func:`housing`     size (and bedrooms, zip, wealth)  price from a known linear formula
:func:`load`        files bundled with fnn            int32 labels, or float32 (diabetes)
==================  ================================  ===================================

Gate and XOR labels are floats so they can be used as they are as perceptron targets
(``y - y_hat``) and as binary cross-entropy targets. Generators take an explicit
``key`` and are pure, so the same key always gives the same data.

:func:`standardize` fits the mean and standard deviation on the training rows only
(those with weight 1), so a cross-validation fold can standardise itself under
``vmap`` without looking at its test rows.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources

import jax
import jax.numpy as jnp
import numpy as np

from fnn._masked import kept, weighted_variance
from fnn._types import Array, ArrayLike, PRNGKey
from fnn._validate import as_float_array, check_key, check_sample_weights

__all__ = [
    "DATASETS",
    "GATES",
    "HOUSING_FEATURES",
    "housing",
    "load",
    "logic_gate",
    "standardize",
    "xor_cloud",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


#: Names accepted by :func:`logic_gate`.
GATES = ("and", "or", "nand", "xor")
#: Names accepted by :func:`load` (files bundled with fnn, offline).
DATASETS = ("iris", "breast_cancer", "wine", "digits", "diabetes")
#: Column order of ``housing(..., features="all")``.
HOUSING_FEATURES = ("size", "bedrooms", "zip_code", "wealth")

_ENCODINGS = ("binary", "bipolar")

# Truth tables on the inputs (0,0), (0,1), (1,0), (1,1), in {0, 1}.
_TRUTH_TABLES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "xor": (0, 1, 1, 0),
}

# The housing formula (see `housing`): price in thousands, size in square metres.
_HOUSING_BIAS = 50.0
_HOUSING_SIZE_ONLY_WEIGHT = 2.0
_HOUSING_WEIGHTS = (1.5, 10.0, 8.0, 3.0)


def _check_encoding(encoding: str, where: str) -> None:
    if encoding not in _ENCODINGS:
        raise ValueError(
            f"{where}: encoding must be 'binary' (inputs and labels in {{0, 1}}) or "
            f"'bipolar' (in {{-1, 1}}), got {encoding!r}"
        )


def _check_count(n, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{where}: n must be a Python int (the number of examples), got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{where}: n must be at least 1, got {n}")
    return int(n)


def _check_noise(noise, where: str) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: noise must be a non-negative number, got {type(noise).__name__}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{where}: noise must be a finite non-negative number (a standard deviation), got {noise}")
    return float(noise)


def logic_gate(name: str, *, encoding: str = "binary") -> tuple[Array, Array]:
    r"""The four rows of a two-input logic gate's truth table.

    Inputs are the corners :math:`(0,0), (0,1), (1,0), (1,1)` in this order. With
    ``encoding="bipolar"`` every 0 (in inputs and labels) becomes :math:`-1`, the
    perceptron's :math:`\{-1, 1\}` convention.

    ====  ===  ==  ====  ===
    x     and  or  nand  xor
    ====  ===  ==  ====  ===
    0 0   0    0   1     0
    0 1   0    1   1     1
    1 0   0    1   1     1
    1 1   1    1   0     0
    ====  ===  ==  ====  ===

    AND, OR and NAND are linearly separable; XOR is not (a single perceptron cannot
    learn it; see :func:`fnn.perceptron.is_linearly_separable`).

    Args:
      name: one of ``"and"``, ``"or"``, ``"nand"``, ``"xor"`` (case-insensitive).
      encoding: ``"binary"`` ({0, 1}) or ``"bipolar"`` ({-1, 1}).

    Returns:
      ``(X, y)``: ``X`` float32 of shape ``(4, 2)``, ``y`` float32 of shape ``(4,)``.

    Example:
      >>> X, y = logic_gate("xor")
      >>> y
      Array([0., 1., 1., 0.], dtype=float32)
    """
    if not isinstance(name, str):
        raise TypeError(f"logic_gate: name must be a string, one of {GATES}, got {type(name).__name__}")
    if name.lower() not in _TRUTH_TABLES:
        raise ValueError(f"logic_gate: unknown gate {name!r}; choose one of {GATES}")
    _check_encoding(encoding, "logic_gate")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array(_TRUTH_TABLES[name.lower()], dtype=np.float32)
    if encoding == "bipolar":
        X, y = 2 * X - 1, 2 * y - 1
    return jnp.asarray(X), jnp.asarray(y)


def xor_cloud(key: PRNGKey, n: int, *, noise: float = 0.1, encoding: str = "binary") -> tuple[Array, Array]:
    r"""Noisy XOR: ``n`` points scattered around the four corners of the square.

    Point :math:`i` sits at corner :math:`c_{i \bmod 4}` (the corners in
    :func:`logic_gate` order, so the classes are balanced) plus Gaussian noise,
    :math:`x_i = c_{i \bmod 4} + \sigma\,\varepsilon_i`, :math:`\varepsilon_i \sim N(0, I_2)`;
    its label is the XOR of its corner. The rows are then shuffled. With small
    ``noise`` the classes stay apart but no line separates them.

    Args:
      key: PRNG key.
      n: number of points, at least 1.
      noise: standard deviation :math:`\sigma` of the noise (corners are 1 apart in
        ``"binary"`` encoding, 2 apart in ``"bipolar"``).
      encoding: ``"binary"`` (corners and labels in {0, 1}) or ``"bipolar"`` ({-1, 1}).

    Returns:
      ``(X, y)``: ``X`` float32 ``(n, 2)``, ``y`` float32 ``(n,)``.

    Example:
      >>> X, y = xor_cloud(jax.random.key(0), 200, noise=0.1)
      >>> X.shape, y.shape
      ((200, 2), (200,))
    """
    check_key(key, "xor_cloud")
    n = _check_count(n, "xor_cloud")
    noise = _check_noise(noise, "xor_cloud")
    _check_encoding(encoding, "xor_cloud")
    corners, labels = logic_gate("xor", encoding=encoding)
    return _xor_cloud_draw(key, corners, labels, noise, n=n)


@functools.partial(jax.jit, static_argnames=("n",))
def _xor_cloud_draw(key: PRNGKey, corners: Array, labels: Array, noise: float, *, n: int) -> tuple[Array, Array]:
    noise_key, order_key = jax.random.split(key)
    which = jnp.arange(n) % 4
    X = corners[which] + noise * jax.random.normal(noise_key, (n, 2), dtype=corners.dtype)
    y = labels[which]
    order = jax.random.permutation(order_key, n)
    return X[order], y[order]


def housing(
    key: PRNGKey, n: int, *, features: str = "size", noise: float = 20.0
) -> tuple[Array, Array, dict[str, Array]]:
    r"""A toy housing market: the price of a house from its size (and more), with a known answer.

    The material's regression example ("housing price from size; from size,
    bedrooms, zip code, wealth"), generated from a linear formula so that a fit can
    be checked against the true coefficients. Features of house :math:`i`:

    * ``size`` :math:`s_i \sim U(50, 250)` square metres;
    * ``bedrooms`` :math:`r_i = \operatorname{clip}(\operatorname{round}(s_i / 40 + u_i), 1, 6)`,
      :math:`u_i \sim U(-1, 1)` (correlated with size, as in real data);
    * ``zip_code`` :math:`z_i \in \{0, \dots, 4\}` uniformly, a district index
      (higher = more central, hence dearer);
    * ``wealth`` :math:`a_i \sim 40 \exp(0.3\, g_i)`, :math:`g_i \sim N(0, 1)`, the
      district's median income in thousands.

    Price in thousands, with noise :math:`\varepsilon_i \sim N(0, \sigma^2)`:

    .. math::
        \text{features="size"}:\quad y_i = 50 + 2 s_i + \varepsilon_i

        \text{features="all"}:\quad y_i = 50 + 1.5 s_i + 10 r_i + 8 z_i + 3 a_i + \varepsilon_i

    Args:
      key: PRNG key.
      n: number of houses, at least 1.
      features: ``"size"`` (``X`` is ``(n, 1)``) or ``"all"`` (``(n, 4)``, columns
        in :data:`HOUSING_FEATURES` order).
      noise: standard deviation :math:`\sigma` of the price noise (thousands).

    Returns:
      ``(X, y, coef)``: ``X`` ``(n, d)``, ``y`` ``(n,)`` (default float dtype), and the true
      coefficients ``coef = {"w": (d,), "b": ()}`` so that
      ``y = X @ coef["w"] + coef["b"] + noise``.

    Example:
      >>> X, y, coef = housing(jax.random.key(0), 100)
      >>> coef["w"], coef["b"]
      (Array([2.], dtype=float32), Array(50., dtype=float32))
    """
    check_key(key, "housing")
    n = _check_count(n, "housing")
    noise = _check_noise(noise, "housing")
    if features not in ("size", "all"):
        raise ValueError(f"housing: features must be 'size' or 'all' {HOUSING_FEATURES}, got {features!r}")
    return _housing_draw(key, noise, n=n, features=features)


@functools.partial(jax.jit, static_argnames=("n", "features"))
def _housing_draw(key: PRNGKey, noise: float, *, n: int, features: str) -> tuple[Array, Array, dict[str, Array]]:
    size_key, room_key, zip_key, wealth_key, noise_key = jax.random.split(key, 5)
    size = jax.random.uniform(size_key, (n,), minval=50.0, maxval=250.0)
    if features == "size":
        X = size[:, None]
        w = jnp.array([_HOUSING_SIZE_ONLY_WEIGHT], dtype=X.dtype)
    else:
        jitter = jax.random.uniform(room_key, (n,), minval=-1.0, maxval=1.0)
        bedrooms = jnp.clip(jnp.round(size / 40.0 + jitter), 1.0, 6.0)
        zip_code = jax.random.randint(zip_key, (n,), 0, 5).astype(size.dtype)
        wealth = 40.0 * jnp.exp(0.3 * jax.random.normal(wealth_key, (n,)))
        X = jnp.stack([size, bedrooms, zip_code, wealth], axis=1)
        w = jnp.array(_HOUSING_WEIGHTS, dtype=X.dtype)
    b = jnp.array(_HOUSING_BIAS, dtype=X.dtype)
    y = X @ w + b + noise * jax.random.normal(noise_key, (n,))
    return X, y, {"w": w, "b": b}


_FILES = {"iris": "iris.csv", "breast_cancer": "breast_cancer.csv", "wine": "wine_data.csv", "digits": "digits.csv.gz"}


def _read(name: str) -> bytes:
    data = importlib.resources.files("fnn").joinpath("data").joinpath(name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def _table(name: str, *, skip_header: bool, delimiter: str | None = ",") -> np.ndarray:
    lines = _read(name).decode("ascii").splitlines()[1 if skip_header else 0 :]
    return np.loadtxt(lines, delimiter=delimiter, dtype=np.float64, ndmin=2)


def _scale_like_sklearn(X: np.ndarray) -> np.ndarray:
    """scikit-learn's ``load_diabetes(scaled=True)``: ``preprocessing.scale`` (centred and
    divided by the population standard deviation, with its two re-centring passes),
    then divided by ``sqrt(n)``, in float64."""
    mean = X.mean(axis=0)
    Xs = X - mean
    mean_1 = Xs.mean(axis=0)
    if not np.allclose(mean_1, 0):
        Xs -= mean_1
    Xs /= X.std(axis=0)
    mean_2 = Xs.mean(axis=0)
    if not np.allclose(mean_2, 0):
        Xs -= mean_2
    return Xs / X.shape[0] ** 0.5


def load(name: str) -> tuple[Array, Array]:
    """One of the classic small data sets, read from files bundled with fnn (no download).

    =================  ==========  ==========================================
    name               X           y
    =================  ==========  ==========================================
    ``iris``           (150, 4)    int32, 3 classes
    ``breast_cancer``  (569, 30)   int32, 2 classes (1 = benign)
    ``wine``           (178, 13)   int32, 3 classes
    ``digits``         (1797, 64)  int32, 10 classes (8x8 images, values 0-16)
    ``diabetes``       (442, 10)   float32 regression target
    =================  ==========  ==========================================

    The files are scikit-learn's copies (BSD-3-Clause; the data come from the UCI
    repository and Efron et al. 2004, see ``fnn/data/README.md``), and the values are
    exactly what ``sklearn.datasets.load_<name>(return_X_y=True)`` returns, cast to
    float32 (features) and int32 (labels); ``diabetes`` features are scaled as
    scikit-learn's default (centred, divided by the standard deviation times
    ``sqrt(n)``). scikit-learn is not needed (nor imported).

    Args:
      name: one of :data:`DATASETS`.

    Returns:
      ``(X, y)``: ``X`` float32 ``(n, d)``, ``y`` ``(n,)`` int32 labels or float32 targets.

    Example:
      >>> X, y = load("iris")
      >>> X.shape, y.dtype
      ((150, 4), dtype('int32'))
    """
    if not isinstance(name, str):
        raise TypeError(f"load: name must be a string, one of {DATASETS}, got {type(name).__name__}")
    if name not in DATASETS:
        raise ValueError(f"load: unknown data set {name!r}; choose one of {DATASETS}")
    if name == "diabetes":
        X = _scale_like_sklearn(_table("diabetes_data_raw.csv.gz", skip_header=False, delimiter=None))
        y = _table("diabetes_target.csv.gz", skip_header=False, delimiter=None)[:, 0]
        return jnp.asarray(X.astype(np.float32)), jnp.asarray(y.astype(np.float32))
    table = _table(_FILES[name], skip_header=name != "digits")
    return jnp.asarray(table[:, :-1].astype(np.float32)), jnp.asarray(table[:, -1].astype(np.int32))


def standardize(X: ArrayLike, *, weights: ArrayLike | None = None) -> tuple[Array, Array, Array]:
    r"""Standardises columns with a mean and standard deviation fitted on the weighted (training) rows.

    .. math::
        \mu_j = \frac{\sum_i w_i x_{ij}}{\sum_i w_i}, \qquad
        \sigma_j^2 = \frac{\sum_i w_i (x_{ij} - \mu_j)^2}{\sum_i w_i}, \qquad
        x'_{ij} = \frac{x_{ij} - \mu_j}{\sigma_j}

    With ``weights`` a 0/1 training mask this is scikit-learn's ``StandardScaler``
    fitted on the training rows (population standard deviation, ``ddof=0``) and
    applied to *every* row, so held-out rows never leak into the statistics. Other
    non-negative weights act as ``StandardScaler(...).fit(X, sample_weight=weights)``.

    A constant column (over the weighted rows) gets :math:`\sigma_j = 1`, so it is only
    centred (0 on the training rows) instead of divided by zero. "Constant" uses
    scikit-learn's rounding bound, :math:`\sigma_j^2 \le m\,\epsilon\,\sigma_j^2 + (m\,\epsilon\,\mu_j)^2`
    with :math:`m` the number of rows of positive weight and :math:`\epsilon` the
    dtype's machine epsilon.

    Pure and shape-static: jit- and vmap-able over ``weights`` (one fold per mask).
    A row of weight 0 is as if deleted from the statistics (fnn's one rule for rows of
    weight 0, shared with :mod:`fnn.losses`), even where it holds inf or NaN; it is
    still standardised with them. Under tracing, all-zero weights give a NaN mean and
    standard deviation (with a zero gradient), so every row comes out NaN.

    Args:
      X: features, shape ``(n, d)``.
      weights: ``None`` (all rows), or finite, non-negative row weights of shape
        ``(n,)``, not all 0 (checked when concrete).

    Returns:
      ``(X_std, mean, std)``: ``X_std`` ``(n, d)``, ``mean`` and ``std`` ``(d,)``
      (``std`` already has constant columns replaced by 1, so
      ``X_std == (X - mean) / std``).

    Example:
      >>> X = jnp.array([[1.0, 5.0], [3.0, 5.0], [100.0, 0.0]])
      >>> X_std, mean, std = standardize(X, weights=jnp.array([1.0, 1.0, 0.0]))
      >>> mean, std
      (Array([2., 5.], dtype=float32), Array([1., 1.], dtype=float32))
    """
    X = as_float_array("X", X, "standardize")
    if X.ndim != 2:
        raise ValueError(
            f"standardize: X must be 2-D (n, d), got shape {X.shape}; reshape a single feature with X[:, None]"
        )
    n = X.shape[0]
    if n < 1:
        raise ValueError("standardize: X has no rows; need at least one")
    w = check_sample_weights(weights, n, "standardize")
    w = jnp.ones((n,), dtype=X.dtype) if w is None else w.astype(X.dtype)
    return _standardize(X, w)


@jax.jit
def _standardize(X: Array, w: Array) -> tuple[Array, Array, Array]:
    # Statistics of the kept rows only: a held-out row may hold anything, inf or NaN included.
    mean, var = weighted_variance(X, w)
    centred = X - mean[None, :]
    rows = jnp.sum(kept(w)).astype(X.dtype)
    eps = jnp.finfo(X.dtype).eps
    constant = var <= rows * eps * var + (rows * eps * mean) ** 2
    # The square root of the selected variance: sqrt's infinite slope at 0 stays out of the gradient.
    std = jnp.sqrt(jnp.where(constant, jnp.ones_like(var), var))
    return centred / std[None, :], mean, std
