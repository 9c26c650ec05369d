"""The public names that outside checks rely on (DESIGN.md §3) exist with their argument orders."""

from __future__ import annotations

import importlib
import inspect

import pytest

import fnn

# module -> names DESIGN.md §3 promises (a module may export more).
PROMISED = {
    "activations": ["step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax",
                    "log_softmax", "maxout", "identity"],
}

# name -> leading positional parameters, in order.
SIGNATURES = {
    ("activations", "leaky_relu"): ["x", "negative_slope"],
    ("activations", "elu"): ["x", "alpha"],
    ("activations", "softmax"): ["x", "axis"],
    ("activations", "log_softmax"): ["x", "axis"],
    ("activations", "maxout"): ["x", "num_pieces", "axis"],
}


@pytest.mark.parametrize("module", sorted(PROMISED))
def test_module_exports_promised_names(module):
    mod = importlib.import_module(f"fnn.{module}")
    assert module in fnn.__all__
    assert getattr(fnn, module) is mod
    missing = [name for name in PROMISED[module] if name not in mod.__all__]
    assert not missing, f"fnn.{module}.__all__ lacks {missing}"
    for name in mod.__all__:
        assert not name.startswith("_")
        assert hasattr(mod, name), f"fnn.{module}.__all__ names {name!r}, which does not exist"


@pytest.mark.parametrize("module,name", sorted(SIGNATURES))
def test_argument_order(module, name):
    fn = getattr(importlib.import_module(f"fnn.{module}"), name)
    params = list(inspect.signature(fn).parameters)
    expected = SIGNATURES[(module, name)]
    assert params[: len(expected)] == expected


def test_top_level_all_is_importable():
    for name in fnn.__all__:
        assert hasattr(fnn, name)
