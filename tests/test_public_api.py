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
    "losses": ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits",
               "cross_entropy"],
    "optim": ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
              "amsgrad", "adamax", "nadam", "adamw", "lion"],
    "mlp": ["init", "apply"],
    "cv": ["kfold", "stratified_kfold", "leave_one_out", "holdout", "cross_validate"],
    "datasets": [],
    "linear": [],
    "perceptron": [],
    "train": ["fit", "History"],
    "metrics": ["accuracy", "precision", "recall", "specificity", "f1_score", "confusion_matrix",
                "mse", "mae", "mape"],
    "backprop": ["gradients", "layer_gradient_norms"],
    "inspect": ["summary", "param_count", "save", "load"],
}

# name -> leading positional parameters, in order.
SIGNATURES = {
    ("activations", "leaky_relu"): ["x", "negative_slope"],
    ("activations", "elu"): ["x", "alpha"],
    ("activations", "softmax"): ["x", "axis"],
    ("activations", "log_softmax"): ["x", "axis"],
    ("activations", "maxout"): ["x", "num_pieces", "axis"],
    **{("losses", name): ["predictions", "targets"]
       for name in ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                    "cross_entropy"]},
    ("mlp", "init"): ["key", "layer_sizes"],
    ("mlp", "apply"): ["params", "x"],
    ("cv", "cross_validate"): ["fit_fn", "score_fn", "X", "y", "cv"],
    **{("metrics", name): ["y_true", "y_pred"]
       for name in ["accuracy", "precision", "recall", "specificity", "f1_score", "confusion_matrix",
                    "mse", "mae", "mape"]},
}


@pytest.mark.parametrize("module,name", sorted(k for k in SIGNATURES if k[0] == "losses"))
def test_loss_keywords(module, name):
    params = inspect.signature(getattr(importlib.import_module(f"fnn.{module}"), name)).parameters
    assert params["weights"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["weights"].default is None
    assert params["reduction"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["reduction"].default == "mean"


def test_cross_validate_key_is_keyword_only():
    from fnn import cv
    assert inspect.signature(cv.cross_validate).parameters["key"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("name", PROMISED["optim"])
def test_optimizers_are_gradient_transformations(name):
    import optax
    from fnn import optim
    kwargs = {} if name == "adadelta" else {"learning_rate": 0.1}
    assert isinstance(getattr(optim, name)(**kwargs), optax.GradientTransformation)


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
