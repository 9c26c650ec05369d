"""The networks the experiments train, as :class:`fnn.mlp.MLP` specs, in one place.

Each experiment builds its networks with these functions from its config, and its
config's defaults are the sizes below. So :mod:`experiments.model_parameters` can
tabulate every network without importing another experiment, and a network's
activation is written once, in its spec.
"""

from __future__ import annotations

from collections.abc import Callable

from fnn.mlp import MLP

__all__ = [
    "DEEP_ACTIVATIONS",
    "DEEP_DEPTH",
    "DEEP_WIDTH",
    "DIGITS_CLASSES",
    "DIGITS_FEATURES",
    "DIGITS_HIDDEN",
    "OVERFITTING_HIDDEN",
    "TASK_HIDDEN",
    "UNIVERSAL_WIDTHS",
    "XOR_HIDDEN",
    "approximator",
    "deep_network",
    "digits_network",
    "overfitting_network",
    "task_network",
    "xor_mlp",
]

# The digits data: 8x8 images, ten classes.
DIGITS_FEATURES, DIGITS_CLASSES = 64, 10

#: perceptron: hidden units of the MLP trained on noisy XOR.
XOR_HIDDEN = 8
#: activations: hidden layers and units per layer of the deep networks, and their activations.
DEEP_DEPTH, DEEP_WIDTH = 10, 32
DEEP_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
#: losses: hidden units of the network trained for each task.
TASK_HIDDEN = 16
#: generalisation: widths of the one-hidden-layer approximators, and the hidden layers of
#: the too-large network.
UNIVERSAL_WIDTHS = (1, 3, 10, 50)
OVERFITTING_HIDDEN = (128, 128)
#: optimizers: hidden units of the digits MLP.
DIGITS_HIDDEN = 32


def xor_mlp(hidden: int = XOR_HIDDEN) -> MLP:
    """The 2-``hidden``-1 tanh MLP the perceptron experiment trains on noisy XOR (one logit out)."""
    return MLP([2, hidden, 1], activation="tanh")


def deep_network(activation: str | Callable = "relu", *, depth: int = DEEP_DEPTH, width: int = DEEP_WIDTH) -> MLP:
    """A ``depth``-hidden-layer digits classifier (logits out) of the vanishing-gradient and dying-ReLU study."""
    return MLP([DIGITS_FEATURES, *[width] * depth, DIGITS_CLASSES], activation=activation)


def task_network(d_in: int, d_out: int, hidden: int = TASK_HIDDEN) -> MLP:
    """The one-hidden-layer ReLU network of each task of the losses experiment (its output is
    the logit or value the task's output activation and loss take)."""
    return MLP([d_in, hidden, d_out], activation="relu")


def approximator(width: int) -> MLP:
    """One hidden tanh layer of ``width`` units from x to f(x): the universal-approximation network."""
    return MLP([1, width, 1], activation="tanh")


def overfitting_network(hidden: tuple[int, ...] = OVERFITTING_HIDDEN) -> MLP:
    """The too-large tanh network of the overfitting study (1 input, 1 output)."""
    return MLP([1, *hidden, 1], activation="tanh")


def digits_network(hidden: int = DIGITS_HIDDEN) -> MLP:
    """The 64-``hidden``-10 ReLU digits classifier (logits out) the optimizers are compared on."""
    return MLP([DIGITS_FEATURES, hidden, DIGITS_CLASSES], activation="relu")
