r"""Gradient transformations: the primitives fnn's optimizers are chained from.

Each factory returns an :class:`optax.GradientTransformation` ``(init, update)`` with
its hyperparameters closed over and, as its state, optax's own ``NamedTuple`` class of
the transformation of the same name (so fnn and optax states are the same types and can
be compared leaf by leaf, and the pieces compose with ``optax.chain``,
``optax.inject_hyperparams``, ``optax.MultiSteps`` and ``optax.apply_updates``). The
math is written here; only torch's NAdam schedule has a state of fnn's own
(:class:`ScaleByNadamState`).

Conventions (optax's): ``update`` returns the *updates* that ``optax.apply_updates``
adds to the params; step counters are int32 scalars that start at 0, are incremented
before use (``t = 1`` on the first step) and saturate at the int32 maximum; a schedule
is evaluated at the pre-increment count. Hyperparameters may be Python numbers, 0-d
arrays or tracers (``jax.vmap`` over a learning rate compiles once).

Beyond optax: an all-zero float16/bfloat16 gradient gives a zero update rather than
NaN (where ``eps`` underflows to 0, optax computes ``0 / 0``; the guard is compiled in
for 16-bit float leaves only, so float32/float64 steps are optax's HLO), and mismatched
gradient trees or shapes raise a ``ValueError`` instead of broadcasting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from fnn.optim import _base as B

__all__ = [
    "ScaleByAdaDeltaState",
    "ScaleByAdamState",
    "ScaleByAmsgradState",
    "ScaleByLionState",
    "ScaleByNadamState",
    "ScaleByRStdDevState",
    "ScaleByRStdDevWithCountState",
    "ScaleByRmsState",
    "ScaleByRmsWithCountState",
    "ScaleByRssState",
    "ScaleByScheduleState",
    "TraceState",
    "WeightDecaySchedule",
    "add_decayed_weights",
    "identity",
    "scale",
    "scale_by_adadelta",
    "scale_by_adam",
    "scale_by_adamax",
    "scale_by_amsgrad",
    "scale_by_learning_rate",
    "scale_by_lion",
    "scale_by_nadam",
    "scale_by_rms",
    "scale_by_rss",
    "scale_by_schedule",
    "scale_by_stddev",
    "trace",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


Schedule = Callable[[jax.Array], Any]


# The states are optax's own classes wherever fnn keeps optax's layout: the math is fnn's,
# the containers are shared, so ``isinstance(state[0], optax.ScaleByAdamState)`` holds and
# ``jax.tree.map(f, fnn_state, optax_state)`` works leaf by leaf. Three of them are not
# re-exported at optax's top level; they are taken from where optax defines them, and an
# optax that moved them still gets fnn's own class of the same layout.


def _optax_state(name: str, fields: tuple[str, ...], doc: str) -> type:
    homes = (
        optax,
        getattr(getattr(optax, "_src", None), "transform", None),
        getattr(getattr(optax, "transforms", None), "_adding", None),
    )
    for module in homes:
        found = getattr(module, name, None)
        if isinstance(found, type) and getattr(found, "_fields", None) == fields:
            return found
    own = NamedTuple(name, [(field, Any) for field in fields])  # type: ignore[misc]
    own.__doc__ = doc
    return own


ScaleByScheduleState = optax.ScaleByScheduleState
TraceState = optax.TraceState
ScaleByRssState = optax.ScaleByRssState
ScaleByAdaDeltaState = optax.ScaleByAdaDeltaState
ScaleByRmsState = optax.ScaleByRmsState
ScaleByRStdDevState = optax.ScaleByRStdDevState
ScaleByAdamState = optax.ScaleByAdamState
ScaleByAmsgradState = optax.ScaleByAmsgradState
ScaleByLionState = optax.ScaleByLionState
ScaleByRmsWithCountState = _optax_state(
    "ScaleByRmsWithCountState", ("count", "nu"), "As ``ScaleByRmsState``, with a step count for bias correction."
)
ScaleByRStdDevWithCountState = _optax_state(
    "ScaleByRStdDevWithCountState",
    ("count", "mu", "nu"),
    "As ``ScaleByRStdDevState``, with a step count for bias correction.",
)
WeightDecaySchedule = _optax_state("WeightDecaySchedule", ("count",), "Step count of a scheduled weight decay.")


class ScaleByNadamState(NamedTuple):
    """Adam's state plus torch's running product of momentum coefficients (fnn's own: optax has no such state)."""

    count: jax.Array  # type: ignore[assignment]  # shadows tuple.count, as in optax's states
    mu_product: jax.Array
    mu: Any
    nu: Any


def _zero_count() -> jax.Array:
    return jnp.zeros([], jnp.int32)


# ----------------------------------------------------------------------------- stateless


def identity() -> optax.GradientTransformation:
    """Passes updates through unchanged (an ``EmptyState`` slot in a chain)."""

    def init_fn(params):
        del params
        return optax.EmptyState()

    def update_fn(updates, state, params=None):
        del params
        return updates, state

    return optax.GradientTransformation(init_fn, update_fn)


def scale(step_size) -> optax.GradientTransformation:
    r"""Multiplies updates by a constant: :math:`u = s\,g`.

    The step size is cast to each update leaf's dtype, so a float32 array step size
    keeps bfloat16 updates bfloat16 (optax would promote them; optax#1405).

    Args:
      step_size: a real scalar (Python number, 0-d array or tracer).

    Returns:
      An ``optax.GradientTransformation`` with an ``EmptyState``.
    """
    B.check_scalar("scale", "step_size", step_size)

    def init_fn(params):
        del params
        return optax.EmptyState()

    def update_fn(updates, state, params=None):
        del params
        B.check_inexact_updates("scale", updates)
        return jax.tree.map(lambda g: jnp.asarray(step_size, dtype=g.dtype) * g, updates), state

    return optax.GradientTransformation(init_fn, update_fn)


def scale_by_schedule(step_size_fn: Schedule) -> optax.GradientTransformation:
    r"""Multiplies updates by ``step_size_fn(count)``, evaluated at the pre-increment count.

    Args:
      step_size_fn: a callable of the int32 step count (0 on the first update).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByScheduleState`.
    """
    if not callable(step_size_fn):
        raise TypeError(
            f"scale_by_schedule: step_size_fn must be a callable of the step count, got {type(step_size_fn).__name__}"
        )

    def init_fn(params):
        del params
        return ScaleByScheduleState(count=_zero_count())

    def update_fn(updates, state, params=None):
        del params
        B.check_inexact_updates("scale_by_schedule", updates)
        step_size = step_size_fn(state.count)
        updates = jax.tree.map(lambda g: jnp.asarray(step_size, dtype=g.dtype) * g, updates)
        return updates, ScaleByScheduleState(count=B.safe_increment(state.count))

    return optax.GradientTransformation(init_fn, update_fn)


def scale_by_learning_rate(learning_rate, *, flip_sign: bool = True) -> optax.GradientTransformation:
    r"""Scales by :math:`-\eta` (descent) or by :math:`\eta` when ``flip_sign=False``.

    Args:
      learning_rate: a real scalar, 0-d array, tracer, or schedule ``count -> eta``.
        ``None`` is rejected (optax reads it as "no scaling", dropping the sign flip).
      flip_sign: multiply by ``-learning_rate`` (the default) so that
        ``optax.apply_updates`` descends.

    Returns:
      ``scale`` (``EmptyState``) for a constant, ``scale_by_schedule``
      (:class:`ScaleByScheduleState`) for a schedule.
    """
    B.check_learning_rate("scale_by_learning_rate", learning_rate)
    sign = -1 if flip_sign else 1
    if callable(learning_rate):
        return scale_by_schedule(lambda count: sign * learning_rate(count))
    return scale(sign * learning_rate)


# ----------------------------------------------------------------------------- momentum


def trace(decay, nesterov: bool = False, accumulator_dtype=None) -> optax.GradientTransformation:
    r"""Momentum (heavy ball) or Nesterov momentum.

    .. math::
        b_t = g_t + \mu\, b_{t-1}, \qquad
        u_t = b_t \ \text{(heavy ball)} \quad\text{or}\quad u_t = g_t + \mu\, b_t
        \ \text{(Nesterov)}

    This is torch's SGD buffer with ``dampening=0`` (torch's first step ``b_1 = g_1``
    is the same thing, as ``b_0 = 0``). Keras keeps ``lr`` inside the buffer instead,
    which differs only under a learning-rate schedule.

    Args:
      decay: the momentum :math:`\mu \in [0, 1]`.
      nesterov: use Nesterov's look-ahead form.
      accumulator_dtype: dtype of the buffer (default: the params' dtype).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`TraceState`.

    Example:
      >>> import jax.numpy as jnp, fnn.optim
      >>> t = fnn.optim.transform.trace(0.9)
      >>> u, s = t.update(jnp.ones(2), t.init(jnp.zeros(2)))
    """
    where = "trace"
    B.check_decay(where, "decay", decay)
    B.check_bool(where, "nesterov", nesterov)
    accumulator_dtype = B.canonical_dtype(where, "accumulator_dtype", accumulator_dtype)

    def init_fn(params):
        return TraceState(trace=B.zeros_like_tree(params, accumulator_dtype))

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.trace)
        step = lambda g, b: g + decay * b
        new_trace = B.map_leaves(step, updates, state.trace)
        updates = jax.tree.map(step, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(trace=B.cast_tree(new_trace, accumulator_dtype))

    return optax.GradientTransformation(init_fn, update_fn)


# ----------------------------------------------------------------------------- adaptive


def scale_by_rss(initial_accumulator_value=0.1, eps=1e-7, *, eps_in_sqrt: bool = True) -> optax.GradientTransformation:
    r"""Adagrad scaling by the root of the sum of squared gradients.

    .. math::
        G_t = G_{t-1} + |g_t|^2, \qquad
        u_t = \frac{g_t}{\sqrt{G_t + \epsilon}}\ \text{(eps_in_sqrt)}
        \quad\text{or}\quad \frac{g_t}{\sqrt{G_t} + \epsilon},

    with :math:`u_t = 0` wherever :math:`G_t = 0` (optax's guard).

    Args:
      initial_accumulator_value: :math:`G_0 \ge 0` (optax 0.1; torch 0).
      eps: :math:`\epsilon \ge 0` (optax 1e-7 inside the root; torch 1e-10 outside).
      eps_in_sqrt: put ``eps`` inside the root (optax, Keras) or outside (torch).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByRssState`.
    """
    where = "scale_by_rss"
    B.check_scalar(where, "initial_accumulator_value", initial_accumulator_value, low=0.0)
    B.check_scalar(where, "eps", eps, low=0.0)
    B.check_bool(where, "eps_in_sqrt", eps_in_sqrt)

    def init_fn(params):
        return ScaleByRssState(sum_of_squares=B.full_like_tree(params, initial_accumulator_value))

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.sum_of_squares)
        sum_of_squares = jax.tree.map(lambda g, s: B.abs_sq(g) + s, updates, state.sum_of_squares)
        if eps_in_sqrt:
            inverse = lambda s: jnp.where(s > 0, jax.lax.rsqrt(s + eps), 0.0)
        else:
            inverse = lambda s: jnp.where(s > 0, 1 / (jnp.sqrt(s) + eps), 0.0)
        updates = jax.tree.map(lambda s, g: inverse(s) * g, sum_of_squares, updates)
        return updates, ScaleByRssState(sum_of_squares=sum_of_squares)

    return optax.GradientTransformation(init_fn, update_fn)


def scale_by_adadelta(rho=0.9, eps=1e-6) -> optax.GradientTransformation:
    r"""Adadelta scaling (Zeiler 2012, Algorithm 1).

    .. math::
        E[g^2]_t = \rho E[g^2]_{t-1} + (1-\rho) g_t^2, \quad
        \Delta_t = \frac{\sqrt{E[\Delta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\, g_t,
        \quad E[\Delta^2]_t = \rho E[\Delta^2]_{t-1} + (1-\rho)\Delta_t^2,

    and :math:`u_t = \Delta_t`. Same formula as torch and Keras.

    Args:
      rho: decay :math:`\rho \in [0, 1]`.
      eps: :math:`\epsilon \ge 0`, inside both roots.

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByAdaDeltaState`.

    Reference: M. D. Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012.
    """
    where = "scale_by_adadelta"
    B.check_decay(where, "rho", rho)
    B.check_scalar(where, "eps", eps, low=0.0)

    def init_fn(params):
        return ScaleByAdaDeltaState(e_g=B.zeros_like_tree(params), e_x=B.zeros_like_tree(params))

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.e_g)
        e_g = jax.tree.map(lambda g, e: (1 - rho) * g**2 + rho * e, updates, state.e_g)
        # the guard keeps a zero gradient at a zero step when eps underflows (float16)
        updates = jax.tree.map(
            lambda g, cur, prev: (jnp.sqrt(prev + eps) / jnp.sqrt(B.guard_denominator(g, cur + eps))) * g,
            updates,
            e_g,
            state.e_x,
        )
        e_x = jax.tree.map(lambda d, e: (1 - rho) * d**2 + rho * e, updates, state.e_x)
        return updates, ScaleByAdaDeltaState(e_g=e_g, e_x=e_x)

    return optax.GradientTransformation(init_fn, update_fn)


def _rms_scaling(g, second, eps, eps_in_sqrt):
    # where g == 0 the scaling is irrelevant (0 * s); guarding it keeps 0 * inf = NaN
    # out of float16 steps whose eps underflowed
    second = B.guard_denominator(g, second)
    if eps_in_sqrt:
        return jax.lax.rsqrt(second + eps) * g
    return 1 / (jnp.sqrt(second) + eps) * g


def scale_by_rms(
    decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt: bool = True, bias_correction: bool = False
) -> optax.GradientTransformation:
    r"""RMSprop scaling by a moving average of squared gradients.

    .. math::
        \nu_t = d\,\nu_{t-1} + (1-d)\,|g_t|^2, \qquad
        u_t = \frac{g_t}{\sqrt{\hat\nu_t + \epsilon}}\ \text{(eps_in_sqrt)}
        \quad\text{or}\quad \frac{g_t}{\sqrt{\hat\nu_t} + \epsilon},

    where :math:`\hat\nu_t = \nu_t / (1 - d^t)` with ``bias_correction``, else
    :math:`\nu_t`. Torch puts ``eps`` outside the root (``eps_in_sqrt=False``) and
    uses ``d = 0.99``; Keras puts it inside with ``eps = 1e-7``.

    Args:
      decay: :math:`d \in [0, 1]` (``< 1`` with ``bias_correction``).
      eps: :math:`\epsilon \ge 0`.
      initial_scale: :math:`\nu_0 \ge 0`.
      eps_in_sqrt: place of ``eps`` (see above).
      bias_correction: divide by :math:`1 - d^t` (adds a step count to the state).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByRmsState` (or
      :class:`ScaleByRmsWithCountState`).
    """
    where = "scale_by_rms"
    B.check_decay(where, "decay", decay, open_one=bias_correction)
    B.check_scalar(where, "eps", eps, low=0.0)
    B.check_scalar(where, "initial_scale", initial_scale, low=0.0)
    B.check_bool(where, "eps_in_sqrt", eps_in_sqrt)
    B.check_bool(where, "bias_correction", bias_correction)

    def init_fn(params):
        nu = B.full_like_tree(params, initial_scale)
        if bias_correction:
            return ScaleByRmsWithCountState(count=_zero_count(), nu=nu)
        return ScaleByRmsState(nu=nu)

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.nu)
        nu = jax.tree.map(lambda g, v: B.ema_sq(g, v, decay), updates, state.nu)
        if bias_correction:
            count = B.safe_increment(state.count)
            nu_hat = jax.tree.map(lambda v: B.debias(v, decay, count), nu)
        else:
            nu_hat = nu
        updates = jax.tree.map(lambda g, v: _rms_scaling(g, v, eps, eps_in_sqrt), updates, nu_hat)
        if bias_correction:
            return updates, ScaleByRmsWithCountState(count=count, nu=nu)
        return updates, ScaleByRmsState(nu=nu)

    return optax.GradientTransformation(init_fn, update_fn)


def scale_by_stddev(
    decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt: bool = True, bias_correction: bool = False
) -> optax.GradientTransformation:
    r"""Centred RMSprop scaling by a moving estimate of the gradient's standard deviation.

    .. math::
        \mu_t = d\mu_{t-1} + (1-d) g_t, \quad \nu_t = d\nu_{t-1} + (1-d)|g_t|^2, \quad
        u_t = \frac{g_t}{\sqrt{\hat\nu_t - |\hat\mu_t|^2 + \epsilon}}
        \ \text{or}\ \frac{g_t}{\sqrt{\hat\nu_t - |\hat\mu_t|^2} + \epsilon}.

    Torch's ``RMSprop(centered=True)`` is ``eps_in_sqrt=False``, ``decay=0.99``.

    Args:
      decay, eps, initial_scale, eps_in_sqrt, bias_correction: as in :func:`scale_by_rms`.

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByRStdDevState` (or
      :class:`ScaleByRStdDevWithCountState`).
    """
    where = "scale_by_stddev"
    B.check_decay(where, "decay", decay, open_one=bias_correction)
    B.check_scalar(where, "eps", eps, low=0.0)
    B.check_scalar(where, "initial_scale", initial_scale, low=0.0)
    B.check_bool(where, "eps_in_sqrt", eps_in_sqrt)
    B.check_bool(where, "bias_correction", bias_correction)

    def init_fn(params):
        mu = B.zeros_like_tree(params)
        nu = B.full_like_tree(params, initial_scale)
        if bias_correction:
            return ScaleByRStdDevWithCountState(count=_zero_count(), mu=mu, nu=nu)
        return ScaleByRStdDevState(mu=mu, nu=nu)

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.nu)
        mu = jax.tree.map(lambda g, m: B.ema(g, m, decay), updates, state.mu)
        nu = jax.tree.map(lambda g, v: B.ema_sq(g, v, decay), updates, state.nu)
        if bias_correction:
            count = B.safe_increment(state.count)
            mu_hat = jax.tree.map(lambda m: B.debias(m, decay, count), mu)
            nu_hat = jax.tree.map(lambda v: B.debias(v, decay, count), nu)
        else:
            mu_hat, nu_hat = mu, nu
        updates = jax.tree.map(
            lambda g, m, v: _rms_scaling(g, v - B.abs_sq(m), eps, eps_in_sqrt), updates, mu_hat, nu_hat
        )
        if bias_correction:
            return updates, ScaleByRStdDevWithCountState(count=count, mu=mu, nu=nu)
        return updates, ScaleByRStdDevState(mu=mu, nu=nu)

    return optax.GradientTransformation(init_fn, update_fn)


def _check_adam_args(where, b1, b2, eps, eps_root):
    B.check_decay(where, "b1", b1, open_one=True)
    B.check_decay(where, "b2", b2, open_one=True)
    B.check_scalar(where, "eps", eps, low=0.0)
    B.check_scalar(where, "eps_root", eps_root, low=0.0)


def scale_by_adam(
    b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None, *, nesterov: bool = False
) -> optax.GradientTransformation:
    r"""Adam scaling (Kingma & Ba 2015, Algorithm 1), optionally with Nesterov momentum.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)|g_t|^2, \quad
        \hat m_t = \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t},

    .. math::
        u_t = \frac{\hat m_t}{\sqrt{\hat v_t + \epsilon_{root}} + \epsilon}.

    With ``nesterov`` (NAdam, constant momentum as optax):
    :math:`\hat m_t = \beta_1 \frac{m_t}{1-\beta_1^{t+1}} + (1-\beta_1)\frac{g_t}{1-\beta_1^t}`.

    Equals ``torch.optim.Adam``. Keras uses the "epsilon-hat" form, i.e. an effective
    :math:`\epsilon_t = \epsilon / \sqrt{1-\beta_2^t}` (optax#571).

    Args:
      b1: :math:`\beta_1 \in [0, 1)`.
      b2: :math:`\beta_2 \in [0, 1)`.
      eps: :math:`\epsilon \ge 0`, outside the root.
      eps_root: :math:`\epsilon_{root} \ge 0`, inside the root.
      mu_dtype: dtype of :math:`m` (default: the params' dtype); ``v`` keeps the params'.
      nesterov: use the NAdam first moment.

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByAdamState`.

    Reference: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", 2015;
    T. Dozat, "Incorporating Nesterov Momentum into Adam", 2016.
    """
    where = "scale_by_adam"
    _check_adam_args(where, b1, b2, eps, eps_root)
    B.check_bool(where, "nesterov", nesterov)
    mu_dtype = B.canonical_dtype(where, "mu_dtype", mu_dtype)

    def init_fn(params):
        return ScaleByAdamState(
            count=_zero_count(), mu=B.zeros_like_tree(params, mu_dtype), nu=B.zeros_like_tree(params)
        )

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.nu)
        mu = jax.tree.map(lambda g, m: B.ema(g, m, b1), updates, state.mu)
        nu = jax.tree.map(lambda g, v: B.ema_sq(g, v, b2), updates, state.nu)
        count = B.safe_increment(state.count)
        if nesterov:
            count_next = B.safe_increment(count)
            mu_hat = jax.tree.map(
                lambda m, g: b1 * B.debias(m, b1, count_next) + (1 - b1) * B.debias(g, b1, count), mu, updates
            )
        else:
            mu_hat = jax.tree.map(lambda m: B.debias(m, b1, count), mu)
        nu_hat = jax.tree.map(lambda v: B.debias(v, b2, count), nu)
        updates = B.map_leaves(lambda m, v: B.safe_divide(m, jnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
        return updates, ScaleByAdamState(count=count, mu=B.cast_tree(mu, mu_dtype), nu=B.cast_like_tree(nu, state.nu))

    return optax.GradientTransformation(init_fn, update_fn)


def scale_by_nadam(
    b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None, momentum_decay=4e-3
) -> optax.GradientTransformation:
    r"""NAdam with torch's momentum schedule (``torch.optim.NAdam``).

    .. math::
        \mu_t = \beta_1\bigl(1 - \tfrac12\, 0.96^{t\psi}\bigr), \quad
        \Pi_t = \prod_{i \le t} \mu_i, \quad
        u_t = \Bigl(\frac{(1-\mu_t)\, g_t}{1-\Pi_t}
              + \frac{\mu_{t+1}\, m_t}{1-\Pi_t\mu_{t+1}}\Bigr)
              \Big/ \bigl(\sqrt{\hat v_t + \epsilon_{root}} + \epsilon\bigr),

    with :math:`m_t, \hat v_t` as in Adam (``m`` decays with the constant
    :math:`\beta_1`). As :math:`\psi \to \infty`, :math:`\mu_t \to \beta_1` and this is
    ``scale_by_adam(nesterov=True)``. Keras uses :math:`\psi = 1` (its ``0.96^t``).

    Args:
      b1, b2, eps, eps_root, mu_dtype: as in :func:`scale_by_adam`.
      momentum_decay: :math:`\psi > 0` (torch's default 4e-3).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByNadamState`
      (``mu_product`` :math:`=\Pi_t`, a float scalar in the default float dtype).

    Reference: T. Dozat, "Incorporating Nesterov Momentum into Adam", 2016.
    """
    where = "scale_by_nadam"
    _check_adam_args(where, b1, b2, eps, eps_root)
    B.check_scalar(where, "momentum_decay", momentum_decay, low=0.0)
    mu_dtype = B.canonical_dtype(where, "mu_dtype", mu_dtype)

    def init_fn(params):
        return ScaleByNadamState(
            count=_zero_count(),
            mu_product=jnp.ones([], jnp.result_type(float)),
            mu=B.zeros_like_tree(params, mu_dtype),
            nu=B.zeros_like_tree(params),
        )

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.nu)
        mu = jax.tree.map(lambda g, m: B.ema(g, m, b1), updates, state.mu)
        nu = jax.tree.map(lambda g, v: B.ema_sq(g, v, b2), updates, state.nu)
        count = B.safe_increment(state.count)
        t = count.astype(state.mu_product.dtype)
        momentum_now = b1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        momentum_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        product = state.mu_product * momentum_now
        coef_g = (1.0 - momentum_now) / (1.0 - product)
        coef_m = momentum_next / (1.0 - product * momentum_next)
        nu_hat = jax.tree.map(lambda v: B.debias(v, b2, count), nu)

        def step(g, m, v):
            denominator = jnp.sqrt(v + eps_root) + eps
            return B.safe_divide(coef_g.astype(g.dtype) * g, denominator) + B.safe_divide(
                coef_m.astype(m.dtype) * m, denominator
            )

        updates = B.map_leaves(step, updates, mu, nu_hat)
        return updates, ScaleByNadamState(
            count=count, mu_product=product, mu=B.cast_tree(mu, mu_dtype), nu=B.cast_like_tree(nu, state.nu)
        )

    return optax.GradientTransformation(init_fn, update_fn)


def scale_by_amsgrad(
    b1=0.9,
    b2=0.999,
    eps=1e-8,
    eps_root=0.0,
    mu_dtype=None,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
    *,
    max_before_bias_correction: bool = False,
) -> optax.GradientTransformation:
    r"""AMSGrad scaling: Adam with a non-decreasing second moment.

    optax form (default): :math:`\nu^{max}_t = \max(\nu^{max}_{t-1}, \hat v_t)`, the
    maximum of the *bias-corrected* second moment, and
    :math:`u_t = \hat m_t / (\sqrt{\nu^{max}_t + \epsilon_{root}} + \epsilon)`.

    torch form (``max_before_bias_correction=True``, as ``torch.optim.Adam(amsgrad=True)``):
    :math:`\nu^{max}_t = \max(\nu^{max}_{t-1}, v_t)` over the *raw* moment, corrected
    afterwards: :math:`u_t = \hat m_t / (\sqrt{\nu^{max}_t/(1-\beta_2^t) + \epsilon_{root}} + \epsilon)`.
    The two differ because :math:`1-\beta_2^t` grows with :math:`t` (optax#1389).

    Args:
      b1, b2, eps, eps_root, mu_dtype: as in :func:`scale_by_adam`.
      bias_correction_mu: divide :math:`m` by :math:`1-\beta_1^t`.
      bias_correction_nu: divide the second moment by :math:`1-\beta_2^t`.
      max_before_bias_correction: take the running max over the raw moment (torch).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByAmsgradState`.

    Reference: S. J. Reddi, S. Kale, S. Kumar, "On the Convergence of Adam and Beyond", 2018.
    """
    where = "scale_by_amsgrad"
    _check_adam_args(where, b1, b2, eps, eps_root)
    for name, flag in (
        ("bias_correction_mu", bias_correction_mu),
        ("bias_correction_nu", bias_correction_nu),
        ("max_before_bias_correction", max_before_bias_correction),
    ):
        B.check_bool(where, name, flag)
    mu_dtype = B.canonical_dtype(where, "mu_dtype", mu_dtype)

    def init_fn(params):
        return ScaleByAmsgradState(
            count=_zero_count(),
            mu=B.zeros_like_tree(params, mu_dtype),
            nu=B.zeros_like_tree(params),
            nu_max=B.zeros_like_tree(params),
        )

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.nu)
        mu = jax.tree.map(lambda g, m: B.ema(g, m, b1), updates, state.mu)
        nu = jax.tree.map(lambda g, v: B.ema_sq(g, v, b2), updates, state.nu)
        count = B.safe_increment(state.count)
        if bias_correction_mu:
            mu_hat = jax.tree.map(lambda m: B.debias(m, b1, count), mu)
        else:
            mu_hat = mu
        correct = (lambda v: B.debias(v, b2, count)) if bias_correction_nu else (lambda v: v)
        if max_before_bias_correction:
            nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu)
            nu_used = jax.tree.map(correct, nu_max)
        else:
            nu_max = jax.tree.map(jnp.maximum, state.nu_max, jax.tree.map(correct, nu))
            nu_used = nu_max
        updates = B.map_leaves(lambda m, v: B.safe_divide(m, jnp.sqrt(v + eps_root) + eps), mu_hat, nu_used)
        return updates, ScaleByAmsgradState(count=count, mu=B.cast_tree(mu, mu_dtype), nu=nu, nu_max=nu_max)

    return optax.GradientTransformation(init_fn, update_fn)


def scale_by_adamax(b1=0.9, b2=0.999, eps=1e-8) -> optax.GradientTransformation:
    r"""AdaMax scaling (Adam with the infinity norm).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        u^{\infty}_t = \max(|g_t| + \epsilon,\ \beta_2 u^{\infty}_{t-1}), \quad
        u_t = \frac{m_t}{(1-\beta_1^t)\, u^{\infty}_t}.

    Equals ``torch.optim.Adamax``. Keras adds ``eps`` outside the max instead.

    Args:
      b1: :math:`\beta_1 \in [0, 1)`.
      b2: :math:`\beta_2 \in [0, 1]`.
      eps: :math:`\epsilon \ge 0`, added to :math:`|g|` inside the max.

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByAdamState`
      (``nu`` holds :math:`u^{\infty}`).

    Reference: Kingma & Ba 2015, Section 7.1.
    """
    where = "scale_by_adamax"
    B.check_decay(where, "b1", b1, open_one=True)
    B.check_decay(where, "b2", b2)
    B.check_scalar(where, "eps", eps, low=0.0)

    def init_fn(params):
        return ScaleByAdamState(count=_zero_count(), mu=B.zeros_like_tree(params), nu=B.zeros_like_tree(params))

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.nu)
        count = B.safe_increment(state.count)
        mu = jax.tree.map(lambda g, m: B.ema(g, m, b1), updates, state.mu)
        nu = jax.tree.map(lambda g, u: jnp.maximum(jnp.abs(g) + eps, b2 * u), updates, state.nu)
        updates = jax.tree.map(lambda m, u: B.safe_divide(B.debias(m, b1, count), u), mu, nu)
        return updates, ScaleByAdamState(count=count, mu=mu, nu=nu)

    return optax.GradientTransformation(init_fn, update_fn)


_LION_MODES = ("hard", "smooth", "refined")


def scale_by_lion(
    b1=0.9, b2=0.99, mu_dtype=None, *, mode: str = "hard", smooth_beta=1.0
) -> optax.GradientTransformation:
    r"""Lion scaling: the sign of an interpolated momentum.

    .. math::
        c_t = (1-\beta_1) g_t + \beta_1 m_{t-1}, \quad u_t = \operatorname{sign}(c_t), \quad
        m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t.

    ``mode="smooth"`` uses :math:`\tanh(\beta_s c_t)`; ``"refined"`` uses :math:`c_t`
    where :math:`|c_t| < 1`, else its sign. Not in torch.optim; Keras agrees.

    Args:
      b1: :math:`\beta_1 \in [0, 1]`.
      b2: :math:`\beta_2 \in [0, 1]`.
      mu_dtype: dtype of :math:`m` (default: the params' dtype).
      mode: ``"hard"``, ``"smooth"`` or ``"refined"``.
      smooth_beta: :math:`\beta_s` for ``"smooth"`` (optax's default, 1.0).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`ScaleByLionState`.

    Reference: X. Chen et al., "Symbolic Discovery of Optimization Algorithms", 2023.
    """
    where = "scale_by_lion"
    B.check_decay(where, "b1", b1)
    B.check_decay(where, "b2", b2)
    B.check_scalar(where, "smooth_beta", smooth_beta)
    if mode not in _LION_MODES:
        raise ValueError(f"{where}: mode must be one of {_LION_MODES}, got {mode!r}")
    mu_dtype = B.canonical_dtype(where, "mu_dtype", mu_dtype)

    def direction(g, m):
        c = (1.0 - b1) * g + b1 * m
        if mode == "hard":
            return jnp.sign(c)
        if mode == "smooth":
            return jnp.tanh(smooth_beta * c)
        return jnp.where(jnp.abs(c) < 1.0, c, jnp.sign(c))

    def init_fn(params):
        return ScaleByLionState(count=_zero_count(), mu=B.zeros_like_tree(params, mu_dtype))

    def update_fn(updates, state, params=None):
        del params
        B.check_matching_tree(where, updates, state.mu)
        new_updates = jax.tree.map(direction, updates, state.mu)
        mu = jax.tree.map(lambda g, m: B.ema(g, m, b2), updates, state.mu)
        return new_updates, ScaleByLionState(count=B.safe_increment(state.count), mu=B.cast_tree(mu, mu_dtype))

    return optax.GradientTransformation(init_fn, update_fn)


# ----------------------------------------------------------------------------- weight decay


def add_decayed_weights(weight_decay=0.0, mask=None) -> optax.GradientTransformation:
    r"""Adds decoupled weight decay: :math:`u_t = g_t + \lambda_t\, p_t`.

    Placed before ``scale_by_learning_rate``, the decay is multiplied by the (scheduled)
    learning rate, as in ``torch.optim.AdamW`` (``p <- p (1 - \eta\lambda)``).

    Args:
      weight_decay: :math:`\lambda`, a real scalar or a schedule of the step count.
      mask: ``None``, or a pytree of booleans (a prefix of the params) or a callable
        ``params -> such a pytree``; leaves marked ``False`` pass through unchanged
        (wrapped with ``optax.masked``, so the state is a ``MaskedState``).

    Returns:
      An ``optax.GradientTransformation``; the state is ``EmptyState`` for a constant
      and :class:`WeightDecaySchedule` for a schedule. ``update`` requires ``params``.
    """
    where = "add_decayed_weights"
    B.check_scalar(where, "weight_decay", weight_decay, allow_schedule=True)
    scheduled = callable(weight_decay)

    def init_fn(params):
        del params
        return WeightDecaySchedule(count=_zero_count()) if scheduled else optax.EmptyState()

    def update_fn(updates, state, params=None):
        B.require_params(where, params)
        B.check_matching_tree(where, updates, params, what="the params")
        if scheduled:
            decay = weight_decay(state.count)
            new_state = WeightDecaySchedule(count=B.safe_increment(state.count))
        else:
            decay, new_state = weight_decay, state
        if isinstance(decay, (int, float)) and decay == 0.0:
            return updates, new_state
        updates = B.map_leaves(lambda g, p: g + decay * p, updates, params)
        return updates, new_state

    transformation = optax.GradientTransformation(init_fn, update_fn)
    if mask is not None:
        return optax.masked(transformation, mask)
    return transformation
