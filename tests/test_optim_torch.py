"""``fnn.optim.from_torch`` reproduces torch.optim (float64, 200 steps, rtol 1e-10).

Both optimizers see the same gradient sequence: the gradients of a fixed random
quadratic ``0.5 p^T A p - b^T p`` at torch's current params (feeding each its own
gradients would let roundoff grow through the feedback loop: RMSprop near the optimum
is close to sign descent and amplifies 1e-16 differences to 1e-4 within 100 steps).
Budget: about 10 s.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import fnn.optim as fo

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

STEPS = 200

# name -> the torch.optim class and its keyword arguments; fnn's side is fo.from_torch(class, **kwargs).
CASES = {
    "sgd": ("SGD", dict(lr=0.05)),
    "sgd_momentum": ("SGD", dict(lr=0.02, momentum=0.8)),
    "sgd_nesterov": ("SGD", dict(lr=0.02, momentum=0.7, nesterov=True)),
    "adagrad": ("Adagrad", dict(lr=0.3, lr_decay=0.01, eps=1e-10)),
    "adagrad_accumulator": ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.2)),
    "adadelta": ("Adadelta", dict()),
    "adadelta_custom": ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5)),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop_centered_momentum": ("RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-6, momentum=0.6, centered=True)),
    "adam": ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-7)),
    "adamw": ("AdamW", dict(lr=0.01, betas=(0.85, 0.995), weight_decay=0.05)),
    "adamw_defaults": ("AdamW", dict(lr=0.01)),
    "adamax": ("Adamax", dict(lr=0.02, betas=(0.9, 0.99))),
    "nadam": ("NAdam", dict(lr=0.01)),
    "nadam_fast_schedule": ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.1)),
    "amsgrad": ("Adam", dict(lr=0.02, betas=(0.9, 0.95), amsgrad=True, foreach=False)),
}


def _problem(seed=0, n=6):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(n, n))
    a = q @ q.T / n + 0.1 * np.eye(n)
    return a, rng.normal(size=n), rng.normal(size=n)


def _torch_trajectory(name, kwargs, a, b, p0):
    previous = torch.get_default_dtype()
    # torch keeps step counts and NAdam's mu_product in the default dtype
    torch.set_default_dtype(torch.float64)
    try:
        p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, name)([p], **kwargs)
        at, bt = torch.tensor(a), torch.tensor(b)
        params, grads = [], []
        for _ in range(STEPS):
            p.grad = (at @ p - bt).detach()
            grads.append(p.grad.numpy().copy())
            opt.step()
            params.append(p.detach().numpy().copy())
        return np.stack(params), np.stack(grads)
    finally:
        torch.set_default_dtype(previous)


def _fnn_trajectory(opt, p0, grads):
    def step(carry, g):
        p, s = carry
        u, s = opt.update(g, s, p)
        p = optax.apply_updates(p, u)
        return (p, s), p

    start = jnp.asarray(p0)
    return jax.jit(lambda g: jax.lax.scan(step, (start, opt.init(start)), g)[1])(jnp.asarray(grads))


@pytest.mark.parametrize("case", sorted(CASES))
def test_from_torch_reproduces_torch(case, enable_x64):
    torch_name, torch_kwargs = CASES[case]
    a, b, p0 = _problem()
    expected, grads = _torch_trajectory(torch_name, torch_kwargs, a, b, p0)
    trajectory = _fnn_trajectory(fo.from_torch(torch_name, **torch_kwargs), p0, grads)
    assert trajectory.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(trajectory), expected, rtol=1e-10, atol=1e-12)


def test_optax_amsgrad_is_not_torch(enable_x64):
    # the reason max_before_bias_correction exists: optax's default max differs from torch
    a, b, p0 = _problem()
    expected, grads = _torch_trajectory("Adam", dict(lr=0.02, betas=(0.9, 0.95), amsgrad=True), a, b, p0)
    trajectory = _fnn_trajectory(fo.amsgrad(0.02, b1=0.9, b2=0.95), p0, grads)
    assert np.max(np.abs(np.asarray(trajectory) - expected)) > 1e-4


@pytest.mark.parametrize("name", sorted(fo.TORCH_OPTIMIZERS))
def test_from_torch_defaults_are_torchs(name):
    # fnn's copy of torch's defaults against torch's own signature: a default that drifts in a
    # torch release would silently change what from_torch(name) reproduces.
    parameters = inspect.signature(getattr(torch.optim, name).__init__).parameters
    for keyword, value in fo.TORCH_OPTIMIZERS[name].items():
        default = parameters[keyword].default
        default = tuple(default) if isinstance(default, (tuple, list)) else default
        assert default == value, (name, keyword, default, value)


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("LBFGS", {}, "no fnn equivalent of torch.optim.LBFGS"),
        ("Adam", dict(beta=(0.9, 0.99)), "no keyword argument 'beta'"),
        ("Adam", dict(weight_decay=1e-2), r"Adam\(weight_decay=0.01\) has no fnn equivalent.*AdamW"),
        ("SGD", dict(lr=0.1, dampening=0.5), r"SGD\(dampening=0.5\)"),
        ("SGD", dict(lr=0.1, maximize=True), r"SGD\(maximize=True\)"),
        ("AdamW", dict(amsgrad=True), r"AdamW\(amsgrad=True\)"),
        ("Adam", dict(lr=-0.1), "learning_rate must be positive"),
    ],
)
def test_from_torch_refuses_what_it_cannot_reproduce(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fo.from_torch(name, **kwargs)
