"""The documented fnn settings reproduce torch.optim (float64, 200 steps, rtol 1e-10).

Both optimizers see the same gradient sequence: the gradients of a fixed random
quadratic ``0.5 p^T A p - b^T p`` at torch's current params (feeding each its own
gradients would let roundoff grow through the feedback loop: RMSprop near the optimum
is close to sign descent and amplifies 1e-16 differences to 1e-4 within 100 steps).
Budget: about 10 s.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import fnn.optim as fo

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

STEPS = 200

# name -> (torch optimizer class and kwargs, the fnn optimizer documented to equal it)
CASES = {
    "sgd": (("SGD", dict(lr=0.05)), lambda: fo.sgd(0.05)),
    "sgd_momentum": (("SGD", dict(lr=0.02, momentum=0.8)), lambda: fo.sgd(0.02, momentum=0.8)),
    "sgd_nesterov": (("SGD", dict(lr=0.02, momentum=0.7, nesterov=True)), lambda: fo.nesterov(0.02, momentum=0.7)),
    "adagrad": (
        ("Adagrad", dict(lr=0.3, lr_decay=0.01, eps=1e-10)),
        lambda: fo.adagrad(0.3, initial_accumulator_value=0.0, eps=1e-10, eps_in_sqrt=False, lr_decay=0.01),
    ),
    "adadelta": (("Adadelta", dict()), lambda: fo.adadelta()),
    "adadelta_custom": (("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5)), lambda: fo.adadelta(0.5, rho=0.8, eps=1e-5)),
    "rmsprop": (("RMSprop", dict(lr=0.01)), lambda: fo.rmsprop(0.01, decay=0.99, eps=1e-8, eps_in_sqrt=False)),
    "rmsprop_centered_momentum": (
        ("RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-6, momentum=0.6, centered=True)),
        lambda: fo.rmsprop(0.005, decay=0.9, eps=1e-6, eps_in_sqrt=False, momentum=0.6, centered=True),
    ),
    "adam": (("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-7)), lambda: fo.adam(0.01, b1=0.8, b2=0.99, eps=1e-7)),
    "adamw": (
        ("AdamW", dict(lr=0.01, betas=(0.85, 0.995), weight_decay=0.05)),
        lambda: fo.adamw(0.01, b1=0.85, b2=0.995, weight_decay=0.05),
    ),
    "adamax": (("Adamax", dict(lr=0.02, betas=(0.9, 0.99))), lambda: fo.adamax(0.02, b1=0.9, b2=0.99)),
    "nadam": (("NAdam", dict(lr=0.01)), lambda: fo.nadam(0.01, momentum_decay=4e-3)),
    "nadam_fast_schedule": (
        ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.1)),
        lambda: fo.nadam(0.01, b1=0.8, b2=0.99, momentum_decay=0.1),
    ),
    "amsgrad": (
        ("Adam", dict(lr=0.02, betas=(0.9, 0.95), amsgrad=True)),
        lambda: fo.amsgrad(0.02, b1=0.9, b2=0.95, max_before_bias_correction=True),
    ),
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
def test_fnn_setting_reproduces_torch(case, enable_x64):
    (torch_name, torch_kwargs), make = CASES[case]
    a, b, p0 = _problem()
    expected, grads = _torch_trajectory(torch_name, torch_kwargs, a, b, p0)
    trajectory = _fnn_trajectory(make(), p0, grads)
    assert trajectory.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(trajectory), expected, rtol=1e-10, atol=1e-12)


def test_optax_amsgrad_is_not_torch(enable_x64):
    # the reason max_before_bias_correction exists: optax's default max differs from torch
    a, b, p0 = _problem()
    expected, grads = _torch_trajectory("Adam", dict(lr=0.02, betas=(0.9, 0.95), amsgrad=True), a, b, p0)
    trajectory = _fnn_trajectory(fo.amsgrad(0.02, b1=0.9, b2=0.95), p0, grads)
    assert np.max(np.abs(np.asarray(trajectory) - expected)) > 1e-4
