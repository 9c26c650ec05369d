"""The public names that outside checks rely on exist with their argument orders; no private
name crosses a module boundary."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from pathlib import Path

import pytest

import fnn

ROOT = Path(__file__).resolve().parents[1]

# module -> names the design promises (a module may export more).
PROMISED = {
    "activations": [
        "step",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "softmax",
        "log_softmax",
        "maxout",
        "identity",
    ],
    "losses": ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy"],
    "optim": [
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "adadelta",
        "rmsprop",
        "adam",
        "amsgrad",
        "adamax",
        "nadam",
        "adamw",
        "lion",
    ],
    "mlp": ["init", "apply", "MLP"],
    "cv": ["kfold", "stratified_kfold", "leave_one_out", "holdout", "cross_validate"],
    "datasets": [],
    "linear": [],
    "perceptron": [],
    "train": ["fit", "History"],
    "metrics": ["accuracy", "precision", "recall", "specificity", "f1_score", "confusion_matrix", "mse", "mae", "mape"],
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
    **{
        ("losses", name): ["predictions", "targets"]
        for name in ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy"]
    },
    ("mlp", "init"): ["key", "layer_sizes"],
    ("mlp", "apply"): ["params", "x"],
    ("mlp", "MLP"): ["layer_sizes", "activation"],
    ("backprop", "gradients"): ["net", "params", "x", "y"],
    ("cv", "cross_validate"): ["fit_fn", "score_fn", "X", "y", "cv"],
    **{
        ("metrics", name): ["y_true", "y_pred"]
        for name in [
            "accuracy",
            "precision",
            "recall",
            "specificity",
            "f1_score",
            "confusion_matrix",
            "mse",
            "mae",
            "mape",
        ]
    },
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


@pytest.mark.parametrize("name,keyword", [("MLP", "activation"), ("MLP", "output_activation")])
def test_spec_options_are_keyword_only(name, keyword):
    from fnn import mlp

    assert inspect.signature(getattr(mlp, name)).parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY


def test_one_parameter_count_and_one_activation_table():
    from fnn import activations, backprop, mlp

    assert not hasattr(mlp, "num_params")  # fnn.inspect.param_count is the one count
    # backprop derives what it needs from fnn.activations.ACTIVATIONS: no table of its own
    # maps names to activation functions or back.
    functions = {id(fn) for fn in activations.ACTIVATIONS.values()}
    for value in vars(backprop).values():
        if isinstance(value, dict):
            assert not any(id(item) in functions for item in [*value.keys(), *value.values()])


# The modules whose imports are checked: the MLP, backprop, activations and inspect modules
# and the experiments (their benchmarks live elsewhere).
CHECKED = sorted(
    [
        *(ROOT / "fnn" / f for f in ("mlp.py", "backprop.py", "activations.py", "inspect.py")),
        *(ROOT / "experiments").glob("*.py"),
    ]
)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent that is a module, not a package
        return False


def _private_names_used_from_other_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound: dict[str, str] = {}  # local name -> the module it is bound to
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]  # `import a.b` binds `a`; `import a.b as c` binds a.b
                bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module != "__future__":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if _is_module(full):
                    bound[alias.asname or alias.name] = full
                elif private:  # a package-private module may be imported, a private function may not
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
    ours = ("fnn", "experiments")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and bound[node.value.id].split(".")[0] in ours
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_crosses_a_module_boundary(path):
    assert _private_names_used_from_other_modules(path) == []


def test_the_private_name_check_finds_what_it_should(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from fnn.mlp import _forward\nfrom experiments import _common\n"
        "import fnn.mlp as m\nx = m._init\ny = _common._jsonable\nz = _common.option\n"
    )
    assert _private_names_used_from_other_modules(source) == [
        "line 1: from fnn.mlp import _forward",
        "line 4: m._init",
        "line 5: _common._jsonable",
    ]


def test_experiments_do_not_import_one_another():
    """Shared pieces live in shared modules, not in another experiment's Config."""
    from experiments.__main__ import EXPERIMENTS

    for path in CHECKED:
        if path.parent.name != "experiments" or path.stem in ("__main__", "report"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "experiments"
            for alias in node.names
        }
        imported |= {
            node.module.split(".")[1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("experiments.")
        }
        assert not imported & set(EXPERIMENTS), f"{path.name} imports the experiments {imported & set(EXPERIMENTS)}"


def _public_modules():
    """Every public module of fnn (no part of its dotted name starts with ``_``)."""
    names = []
    for path in sorted((ROOT / "fnn").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return names


@pytest.mark.parametrize("name", _public_modules())
def test_a_module_namespace_shows_only_its_public_api(name):
    # dir() is what a user (and tab completion) sees: no numpy, no helper imports.
    module = importlib.import_module(name)
    shown = [n for n in dir(module) if not n.startswith("_")]
    if name == "fnn":
        assert shown == sorted(n for n in fnn.__all__ if not n.startswith("_"))
        return
    submodules = sorted(n for n in shown if inspect.ismodule(getattr(module, n)) and n not in module.__all__)
    assert shown == sorted(module.__all__ + submodules), f"{name} shows {sorted(set(shown) - set(module.__all__))}"
    for sub in submodules:  # a package may show its public submodules, nothing else
        assert getattr(module, sub).__name__ == f"{name}.{sub}"


def test_the_package_marks_itself_typed():
    assert (ROOT / "fnn" / "py.typed").is_file()
