"""Strict test configuration shared by every test module.

* NumPy-style rank promotion raises (``(n,)`` against ``(n, 1)`` is the classic bug).
* Warnings are errors (set in ``pyproject.toml``); a test that expects one says why.
* ``key`` is a fixture giving a fresh, fixed PRNG key.
"""

from __future__ import annotations

import os

# Tests run on the CPU even where an accelerator exists, so tolerances hold everywhere;
# set FNN_TEST_PLATFORM to run them elsewhere.
os.environ.setdefault("JAX_PLATFORMS", os.environ.get("FNN_TEST_PLATFORM", "cpu"))

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def key() -> jax.Array:
    return jax.random.key(0)


@pytest.fixture
def enable_x64():
    """Runs a test with 64-bit floats enabled, then restores the previous setting."""
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)
