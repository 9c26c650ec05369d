r"""Named optimizers, chained from :mod:`fnn.optim.transform` as optax chains them.

Each alias takes the keyword names and defaults of the optax alias of the same name
(optax 0.2.8) and returns an ``optax.GradientTransformationExtraArgs`` whose state has
optax's layout. Learning rates and weight decays may be Python numbers, 0-d arrays,
tracers (``jax.vmap`` over a learning rate compiles once) or schedules (callables of
the step count, evaluated at the pre-increment count: the first update uses
``schedule(0)``).

To reproduce a ``torch.optim`` optimizer, :func:`from_torch` maps its class name and
keyword arguments to the fnn setting that gives the same trajectory (proven in the
tests against torch, float64, 200 steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

import optax

from fnn.optim import _base as B
from fnn.optim import transform as T

__all__ = [
    "TORCH_OPTIMIZERS",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "amsgrad",
    "from_torch",
    "lion",
    "momentum",
    "nadam",
    "nesterov",
    "rmsprop",
    "sgd",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


GradientTransformation: TypeAlias = optax.GradientTransformationExtraArgs


def sgd(learning_rate, momentum=None, nesterov: bool = False, accumulator_dtype: Any = None) -> GradientTransformation:
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum.

    .. math::
        b_t = g_t + \mu b_{t-1}, \quad
        u_t = -\eta\, b_t \ \text{(momentum)}, \quad
        u_t = -\eta\,(g_t + \mu b_t) \ \text{(Nesterov)}, \quad
        u_t = -\eta\, g_t \ \text{(momentum=None)}.

    Equals ``torch.optim.SGD`` (``dampening=0``). Keras stores ``lr`` inside the
    buffer, which differs only under a schedule.

    Args:
      learning_rate: :math:`\eta` (number, 0-d array or schedule).
      momentum: :math:`\mu \in [0, 1]`, or ``None`` for no buffer.
      nesterov: Nesterov momentum (needs ``momentum``).
      accumulator_dtype: dtype of the momentum buffer.

    Returns:
      ``chain(trace or identity, scale_by_learning_rate)``.

    Example:
      >>> import jax.numpy as jnp, optax, fnn.optim
      >>> opt = fnn.optim.sgd(0.1, momentum=0.9)
      >>> params = jnp.zeros(3)
      >>> updates, state = opt.update(jnp.ones(3), opt.init(params))
      >>> params = optax.apply_updates(params, updates)  # [-0.1, -0.1, -0.1]
    """
    B.check_learning_rate("sgd", learning_rate)
    B.check_bool("sgd", "nesterov", nesterov)
    if momentum is None:
        first = T.identity()
    else:
        first = T.trace(decay=momentum, nesterov=nesterov, accumulator_dtype=accumulator_dtype)
    return optax.chain(first, T.scale_by_learning_rate(learning_rate))


def momentum(learning_rate, momentum=0.9, accumulator_dtype: Any = None) -> GradientTransformation:
    r"""SGD with (heavy-ball) momentum: ``sgd(learning_rate, momentum)``.

    .. math:: b_t = g_t + \mu b_{t-1}, \qquad u_t = -\eta\, b_t

    Args:
      learning_rate: :math:`\eta`.
      momentum: :math:`\mu` (default 0.9).
      accumulator_dtype: dtype of the momentum buffer.

    Returns:
      The same transformation (and state) as ``optax.sgd(learning_rate, momentum)``.
    """
    return sgd(learning_rate, momentum=momentum, nesterov=False, accumulator_dtype=accumulator_dtype)


def nesterov(learning_rate, momentum=0.9, accumulator_dtype: Any = None) -> GradientTransformation:
    r"""Nesterov accelerated gradient: ``sgd(learning_rate, momentum, nesterov=True)``.

    .. math:: b_t = g_t + \mu b_{t-1}, \qquad u_t = -\eta\,(g_t + \mu b_t)

    Args:
      learning_rate: :math:`\eta`.
      momentum: :math:`\mu` (default 0.9).
      accumulator_dtype: dtype of the momentum buffer.

    Returns:
      The same transformation as ``optax.sgd(learning_rate, momentum, nesterov=True)``.
    """
    return sgd(learning_rate, momentum=momentum, nesterov=True, accumulator_dtype=accumulator_dtype)


def adagrad(
    learning_rate, initial_accumulator_value=0.1, eps=1e-7, *, eps_in_sqrt: bool = True, lr_decay=None
) -> GradientTransformation:
    r"""Adagrad (Duchi et al. 2011).

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad
        u_t = -\eta_t \frac{g_t}{\sqrt{G_t + \epsilon}}, \qquad
        \eta_t = \frac{\eta}{1 + (t-1)\,\text{lr\_decay}}.

    optax's defaults (``G_0 = 0.1``, ``eps`` inside the root) are kept. torch uses
    ``G_0 = 0``, ``eps = 1e-10`` outside the root (``eps_in_sqrt=False``) and
    ``lr_decay``; Keras matches optax's formula with ``eps = 1e-7``.

    Args:
      learning_rate: :math:`\eta`.
      initial_accumulator_value: :math:`G_0 \ge 0`.
      eps: :math:`\epsilon \ge 0`.
      eps_in_sqrt: ``eps`` inside the root (optax) or outside (torch).
      lr_decay: ``None`` (optax) or torch's ``lr_decay``; it turns the learning rate
        into a schedule, which adds a ``ScaleByScheduleState`` to the state.

    Returns:
      ``chain(scale_by_rss, scale_by_learning_rate)``.
    """
    B.check_learning_rate("adagrad", learning_rate)
    if lr_decay is not None:
        B.check_scalar("adagrad", "lr_decay", lr_decay, low=0.0)
        base_rate = learning_rate
        if callable(base_rate):
            learning_rate = lambda count: base_rate(count) / (1 + count * lr_decay)
        else:
            learning_rate = lambda count: base_rate / (1 + count * lr_decay)
    return optax.chain(
        T.scale_by_rss(initial_accumulator_value, eps, eps_in_sqrt=eps_in_sqrt), T.scale_by_learning_rate(learning_rate)
    )


def adadelta(learning_rate=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, weight_decay_mask=None) -> GradientTransformation:
    r"""Adadelta (Zeiler 2012), with optional decoupled weight decay.

    .. math::
        g'_t = g_t + \lambda p_t, \quad
        \Delta_t = \frac{\sqrt{E[\Delta^2]_{t-1} + \epsilon}}{\sqrt{E[g'^2]_t + \epsilon}}\, g'_t,
        \quad u_t = -\eta\, \Delta_t.

    **Default learning rate 1.0, not optax's None.** ``optax.adadelta()`` reads
    ``None`` as "no scaling", which drops the sign flip and so *ascends* the loss;
    ``1.0`` descends and equals ``torch.optim.Adadelta()``'s default. Keras uses
    ``lr = 1e-3``, ``rho = 0.95``, ``eps = 1e-7``.

    Args:
      learning_rate: :math:`\eta` (default 1.0).
      rho: decay :math:`\rho \in [0, 1]`.
      eps: :math:`\epsilon \ge 0`.
      weight_decay: :math:`\lambda` (number or schedule).
      weight_decay_mask: mask for the weight decay (see ``add_decayed_weights``).

    Returns:
      ``chain(add_decayed_weights, scale_by_adadelta, scale_by_learning_rate)``;
      ``update`` needs ``params``.
    """
    B.check_learning_rate("adadelta", learning_rate)
    return optax.chain(
        T.add_decayed_weights(weight_decay, mask=weight_decay_mask),
        T.scale_by_adadelta(rho=rho, eps=eps),
        T.scale_by_learning_rate(learning_rate),
    )


def rmsprop(
    learning_rate,
    decay=0.9,
    eps=1e-8,
    initial_scale=0.0,
    eps_in_sqrt: bool = True,
    centered: bool = False,
    momentum=None,
    nesterov: bool = False,
    bias_correction: bool = False,
) -> GradientTransformation:
    r"""RMSprop (Hinton's lecture 6e), optionally centred and with momentum.

    .. math::
        \nu_t = d\nu_{t-1} + (1-d) g_t^2, \quad
        s_t = \frac{g_t}{\sqrt{\nu_t + \epsilon}}, \quad
        b_t = -\eta s_t + \mu b_{t-1}, \quad u_t = b_t,

    centred: :math:`\nu_t - \bar g_t^2` replaces :math:`\nu_t`. The momentum buffer
    sits after the learning rate (it holds :math:`-\eta s`), as in Keras; torch keeps
    :math:`\eta` outside the buffer, which agrees for a constant learning rate.
    torch's ``RMSprop`` is ``decay=0.99, eps_in_sqrt=False``; Keras's is
    ``decay=0.9, eps=1e-7``.

    Args:
      learning_rate: :math:`\eta`.
      decay: :math:`d`.
      eps: :math:`\epsilon`.
      initial_scale: :math:`\nu_0`.
      eps_in_sqrt: ``eps`` inside the root (optax, Keras) or outside (torch).
      centered: divide by the centred second moment.
      momentum: :math:`\mu`, or ``None`` for no buffer.
      nesterov: Nesterov momentum (ignored without ``momentum``, as in optax).
      bias_correction: divide :math:`\nu` (and :math:`\bar g`) by :math:`1 - d^t`.

    Returns:
      ``chain(scale_by_rms or scale_by_stddev, scale_by_learning_rate, trace or identity)``.
    """
    B.check_learning_rate("rmsprop", learning_rate)
    B.check_bool("rmsprop", "centered", centered)
    B.check_bool("rmsprop", "nesterov", nesterov)
    scaler = T.scale_by_stddev if centered else T.scale_by_rms
    return optax.chain(
        scaler(
            decay=decay, eps=eps, initial_scale=initial_scale, eps_in_sqrt=eps_in_sqrt, bias_correction=bias_correction
        ),
        T.scale_by_learning_rate(learning_rate),
        T.trace(decay=momentum, nesterov=nesterov) if momentum is not None else T.identity(),
    )


def adam(
    learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype: Any = None, *, nesterov: bool = False
) -> GradientTransformation:
    r"""Adam (Kingma & Ba 2015).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        u_t = -\eta\, \frac{m_t / (1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t) + \epsilon_{root}} + \epsilon}.

    Equals ``torch.optim.Adam``. Keras (``eps = 1e-7``) uses the "epsilon-hat" form,
    an effective :math:`\epsilon/\sqrt{1-\beta_2^t}`. Beyond optax, an all-zero
    float16 gradient gives a zero update rather than NaN.

    Args:
      learning_rate: :math:`\eta`.
      b1, b2: decay rates in ``[0, 1)``.
      eps: outside the root.
      eps_root: inside the root.
      mu_dtype: dtype of the first moment.
      nesterov: NAdam's first moment (see :func:`nadam`).

    Returns:
      ``chain(scale_by_adam, scale_by_learning_rate)``.

    Example:
      >>> import jax, jax.numpy as jnp, fnn.optim
      >>> opt = fnn.optim.adam(1e-3)
      >>> updates, state = opt.update(jnp.array([2.0, -3.0]), opt.init(jnp.zeros(2)))
      >>> # the first step is about -lr * sign(g): [-0.001, 0.001]
    """
    B.check_learning_rate("adam", learning_rate)
    return optax.chain(
        T.scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype, nesterov=nesterov),
        T.scale_by_learning_rate(learning_rate),
    )


def nadam(
    learning_rate,
    b1=0.9,
    b2=0.999,
    eps=1e-8,
    eps_root=0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = True,
    momentum_decay=None,
) -> GradientTransformation:
    r"""NAdam: Adam with Nesterov momentum (Dozat 2016).

    Default (as ``optax.nadam``, constant momentum :math:`\beta_1`):

    .. math::
        \hat m_t = \beta_1 \frac{m_t}{1-\beta_1^{t+1}} + (1-\beta_1)\frac{g_t}{1-\beta_1^t},
        \qquad u_t = -\eta \frac{\hat m_t}{\sqrt{\hat v_t + \epsilon_{root}} + \epsilon}.

    With ``momentum_decay=psi`` (torch's ``NAdam``, default there 4e-3) the momentum
    follows torch's warm-up schedule :math:`\mu_t = \beta_1(1 - \frac12 0.96^{t\psi})`
    with a running product (see ``transform.scale_by_nadam``); the state is then a
    ``ScaleByNadamState``. Keras is ``momentum_decay=1.0`` with ``eps = 1e-7``.

    Args:
      learning_rate, b1, b2, eps, eps_root, mu_dtype: as in :func:`adam`.
      nesterov: kept for optax's signature (``optax.nadam`` is ``adam(nesterov=True)``).
      momentum_decay: ``None`` (optax) or torch's :math:`\psi > 0`.

    Returns:
      ``chain(scale_by_adam(nesterov=True) or scale_by_nadam, scale_by_learning_rate)``.
    """
    if momentum_decay is None:
        return adam(learning_rate, b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov)
    B.check_learning_rate("nadam", learning_rate)
    return optax.chain(
        T.scale_by_nadam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype, momentum_decay=momentum_decay),
        T.scale_by_learning_rate(learning_rate),
    )


def amsgrad(
    learning_rate,
    b1=0.9,
    b2=0.999,
    eps=1e-8,
    eps_root=0.0,
    mu_dtype: Any = None,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
    *,
    max_before_bias_correction: bool = False,
) -> GradientTransformation:
    r"""AMSGrad (Reddi et al. 2018): Adam with a running maximum of the second moment.

    .. math::
        \nu^{max}_t = \max(\nu^{max}_{t-1}, \hat v_t), \qquad
        u_t = -\eta \frac{\hat m_t}{\sqrt{\nu^{max}_t + \epsilon_{root}} + \epsilon}.

    optax (the default) takes the max over the bias-corrected :math:`\hat v`; torch's
    ``Adam(amsgrad=True)`` takes it over the raw :math:`v` and corrects afterwards,
    which is ``max_before_bias_correction=True``. No setting of optax's two flags
    reproduces torch (optax#1389).

    Args:
      learning_rate, b1, b2, eps, eps_root, mu_dtype: as in :func:`adam`.
      bias_correction_mu, bias_correction_nu: as in ``optax.amsgrad``.
      max_before_bias_correction: torch's placement of the max.

    Returns:
      ``chain(scale_by_amsgrad, scale_by_learning_rate)``.
    """
    B.check_learning_rate("amsgrad", learning_rate)
    return optax.chain(
        T.scale_by_amsgrad(
            b1=b1,
            b2=b2,
            eps=eps,
            eps_root=eps_root,
            mu_dtype=mu_dtype,
            bias_correction_mu=bias_correction_mu,
            bias_correction_nu=bias_correction_nu,
            max_before_bias_correction=max_before_bias_correction,
        ),
        T.scale_by_learning_rate(learning_rate),
    )


def adamax(learning_rate, b1=0.9, b2=0.999, eps=1e-8) -> GradientTransformation:
    r"""AdaMax (Kingma & Ba 2015, §7.1): Adam with the infinity norm.

    .. math::
        u^\infty_t = \max(|g_t| + \epsilon, \beta_2 u^\infty_{t-1}), \qquad
        u_t = -\eta \frac{m_t}{(1-\beta_1^t)\, u^\infty_t}.

    Equals ``torch.optim.Adamax``; Keras adds ``eps`` outside the max.

    Args:
      learning_rate: :math:`\eta`.
      b1, b2: decay rates.
      eps: added to :math:`|g|` inside the max.

    Returns:
      ``chain(scale_by_adamax, scale_by_learning_rate)``.
    """
    B.check_learning_rate("adamax", learning_rate)
    return optax.chain(T.scale_by_adamax(b1=b1, b2=b2, eps=eps), T.scale_by_learning_rate(learning_rate))


def adamw(
    learning_rate,
    b1=0.9,
    b2=0.999,
    eps=1e-8,
    eps_root=0.0,
    mu_dtype: Any = None,
    weight_decay=1e-4,
    mask=None,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    .. math::
        u_t = -\eta_t \Bigl(\frac{\hat m_t}{\sqrt{\hat v_t + \epsilon_{root}} + \epsilon}
              + \lambda p_t\Bigr).

    The decay is multiplied by the (scheduled) learning rate, as in torch's ``AdamW``
    (``p <- p(1 - \eta\lambda)``). Defaults differ: optax/fnn ``1e-4``, torch ``1e-2``,
    Keras ``4e-3``.

    Args:
      learning_rate, b1, b2, eps, eps_root, mu_dtype, nesterov: as in :func:`adam`.
      weight_decay: :math:`\lambda` (number or schedule).
      mask: which leaves decay (see ``add_decayed_weights``).

    Returns:
      ``chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)``; ``update``
      needs ``params``.
    """
    B.check_learning_rate("adamw", learning_rate)
    return optax.chain(
        T.scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype, nesterov=nesterov),
        T.add_decayed_weights(weight_decay, mask),
        T.scale_by_learning_rate(learning_rate),
    )


def lion(learning_rate, b1=0.9, b2=0.99, mu_dtype: Any = None, weight_decay=1e-3, mask=None) -> GradientTransformation:
    r"""Lion (Chen et al. 2023): the sign of interpolated momentum, plus weight decay.

    .. math::
        u_t = -\eta\bigl(\operatorname{sign}((1-\beta_1) g_t + \beta_1 m_{t-1}) + \lambda p_t\bigr),
        \qquad m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t.

    Note the non-zero default weight decay (1e-3, as optax). Not in torch.optim; Keras
    agrees with ``weight_decay=None``.

    Args:
      learning_rate: :math:`\eta` (typically 3-10x smaller than Adam's).
      b1, b2: decay rates.
      mu_dtype: dtype of the momentum.
      weight_decay: :math:`\lambda`.
      mask: which leaves decay.

    Returns:
      ``chain(scale_by_lion, add_decayed_weights, scale_by_learning_rate)``.
    """
    B.check_learning_rate("lion", learning_rate)
    return optax.chain(
        T.scale_by_lion(b1=b1, b2=b2, mu_dtype=mu_dtype),
        T.add_decayed_weights(weight_decay, mask),
        T.scale_by_learning_rate(learning_rate),
    )


# ----------------------------------------------------------------------------- torch


def _betas(name: str, betas: Any) -> dict[str, Any]:
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise TypeError(f"from_torch: torch.optim.{name}'s betas must be a pair (beta1, beta2), got {betas!r}")
    return {"b1": betas[0], "b2": betas[1]}


# torch class -> the fnn optimizer built from torch's (complete) settings s.
_TORCH_BUILDERS: dict[str, Any] = {
    "SGD": lambda s: sgd(s["lr"], momentum=s["momentum"] or None, nesterov=s["nesterov"]),
    "Adagrad": lambda s: adagrad(
        s["lr"],
        initial_accumulator_value=s["initial_accumulator_value"],
        eps=s["eps"],
        eps_in_sqrt=False,
        lr_decay=s["lr_decay"],
    ),
    "Adadelta": lambda s: adadelta(s["lr"], rho=s["rho"], eps=s["eps"]),
    "RMSprop": lambda s: rmsprop(
        s["lr"],
        decay=s["alpha"],
        eps=s["eps"],
        eps_in_sqrt=False,
        momentum=s["momentum"] or None,
        centered=s["centered"],
    ),
    "Adam": lambda s: (
        amsgrad(s["lr"], **_betas("Adam", s["betas"]), eps=s["eps"], max_before_bias_correction=True)
        if s["amsgrad"]
        else adam(s["lr"], **_betas("Adam", s["betas"]), eps=s["eps"])
    ),
    "AdamW": lambda s: adamw(s["lr"], **_betas("AdamW", s["betas"]), eps=s["eps"], weight_decay=s["weight_decay"]),
    "Adamax": lambda s: adamax(s["lr"], **_betas("Adamax", s["betas"]), eps=s["eps"]),
    "NAdam": lambda s: nadam(s["lr"], **_betas("NAdam", s["betas"]), eps=s["eps"], momentum_decay=s["momentum_decay"]),
}

_BETAS = (0.9, 0.999)

#: The ``torch.optim`` classes :func:`from_torch` reproduces, with torch's defaults for
#: every keyword argument that changes the math (torch 2.x).
TORCH_OPTIMIZERS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "SGD": MappingProxyType(
            dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)
        ),
        "Adagrad": MappingProxyType(
            dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10)
        ),
        "Adadelta": MappingProxyType(dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0)),
        "RMSprop": MappingProxyType(
            dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False)
        ),
        "Adam": MappingProxyType(dict(lr=1e-3, betas=_BETAS, eps=1e-8, weight_decay=0.0, amsgrad=False)),
        "AdamW": MappingProxyType(dict(lr=1e-3, betas=_BETAS, eps=1e-8, weight_decay=1e-2, amsgrad=False)),
        "Adamax": MappingProxyType(dict(lr=2e-3, betas=_BETAS, eps=1e-8, weight_decay=0.0)),
        "NAdam": MappingProxyType(
            dict(lr=2e-3, betas=_BETAS, eps=1e-8, weight_decay=0.0, momentum_decay=4e-3, decoupled_weight_decay=False)
        ),
    }
)

# Keyword arguments that choose how torch computes, not what: accepted and ignored.
_TORCH_IMPLEMENTATION_FLAGS = ("foreach", "fused", "capturable", "differentiable")

# Settings of torch that fnn has no equivalent for: (class, keyword) -> the only value fnn reproduces.
_TORCH_UNSUPPORTED = {
    ("SGD", "dampening"): 0.0,
    ("SGD", "maximize"): False,
    ("AdamW", "amsgrad"): False,
    ("NAdam", "decoupled_weight_decay"): False,
}


def from_torch(name: str, **torch_kwargs: Any) -> GradientTransformation:
    r"""The fnn optimizer that reproduces ``torch.optim.<name>(params, **torch_kwargs)``.

    torch's defaults apply to every keyword not given (see :data:`TORCH_OPTIMIZERS`),
    so ``from_torch("RMSprop", lr=0.01)`` is torch's ``RMSprop`` with its
    ``alpha=0.99``, not optax's ``decay=0.9``. The mapping:

    ===============================================================  ==============================================
    ``torch.optim``                                                  fnn
    ===============================================================  ==============================================
    ``SGD(lr, momentum=m, nesterov=n)``                              ``sgd(lr, momentum=m, nesterov=n)``
    ``Adagrad(lr, lr_decay=d, eps=e, initial_accumulator_value=a)``  ``adagrad(lr, initial_accumulator_value=a,``
                                                                     ``eps=e, eps_in_sqrt=False, lr_decay=d)``
    ``Adadelta(lr, rho, eps)``                                       ``adadelta(lr, rho, eps)``
    ``RMSprop(lr, alpha, eps, momentum, centered)``                  ``rmsprop(lr, decay=alpha, eps=eps,``
                                                                     ``eps_in_sqrt=False, momentum=momentum,``
                                                                     ``centered=centered)``
    ``Adam(lr, betas, eps)``                                         ``adam(lr, b1, b2, eps)``
    ``Adam(lr, betas, eps, amsgrad=True)``                           ``amsgrad(lr, b1, b2, eps,``
                                                                     ``max_before_bias_correction=True)``
    ``AdamW(lr, betas, eps, weight_decay=w)``                        ``adamw(lr, b1, b2, eps, weight_decay=w)``
    ``Adamax(lr, betas, eps)``                                       ``adamax(lr, b1, b2, eps)``
    ``NAdam(lr, betas, eps, momentum_decay=psi)``                    ``nadam(lr, b1, b2, eps, momentum_decay=psi)``
    ===============================================================  ==============================================

    torch's coupled ``weight_decay`` (added to the gradient; every class but ``AdamW``),
    SGD's ``dampening`` and ``maximize``, ``AdamW(amsgrad=True)`` and NAdam's
    ``decoupled_weight_decay`` have no fnn equivalent and raise a ``ValueError`` when
    set to anything but torch's default. ``foreach``, ``fused``, ``capturable`` and
    ``differentiable`` only choose torch's implementation and are ignored.

    Args:
      name: a ``torch.optim`` class name, a key of :data:`TORCH_OPTIMIZERS`.
      **torch_kwargs: that class's keyword arguments (``lr``, ``betas``, ...).

    Returns:
      The fnn optimizer (an ``optax.GradientTransformationExtraArgs``).

    Example:
      >>> import jax.numpy as jnp
      >>> opt = from_torch("NAdam", lr=0.01)          # torch.optim.NAdam(params, lr=0.01)
      >>> type(opt.init({"w": jnp.zeros(2)})[0]).__name__
      'ScaleByNadamState'
    """
    where = "from_torch"
    if name not in TORCH_OPTIMIZERS:
        raise ValueError(f"{where}: no fnn equivalent of torch.optim.{name}; choose one of {list(TORCH_OPTIMIZERS)}")
    defaults = TORCH_OPTIMIZERS[name]
    given = {k: v for k, v in torch_kwargs.items() if k not in _TORCH_IMPLEMENTATION_FLAGS}
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(
            f"{where}: torch.optim.{name} has no keyword argument {unknown[0]!r} that fnn reproduces; "
            f"it takes {list(defaults)}"
        )
    settings = {**defaults, **given}
    for keyword, value in settings.items():
        if (keyword == "weight_decay" and name != "AdamW") or (name, keyword) in _TORCH_UNSUPPORTED:
            default = _TORCH_UNSUPPORTED.get((name, keyword), 0.0)
            if value != default:
                raise ValueError(
                    f"{where}: torch.optim.{name}({keyword}={value!r}) has no fnn equivalent; leave it at "
                    f"{default!r}" + ("; for decoupled weight decay use AdamW" if keyword == "weight_decay" else "")
                )
    return _TORCH_BUILDERS[name](settings)
