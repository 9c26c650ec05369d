"""Every public name of fnn has an entry in the built API reference.

Run after building the site (``.ci/run`` does):

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python -m pytest -q docs/test_reference.py

It reads the built site's inventory (``objects.inv``, the index Sphinx writes of every
documented object) and fails, never skips, when the inventory is missing or when a name
in some public module's ``__all__`` has no entry. A public module is ``fnn`` or any
submodule none of whose dotted parts starts with ``_``. A name that is a submodule needs
that module's entry; any other name needs ``module.name`` (a name a package re-exports
from its submodule, as ``fnn.cv.kfold`` is ``fnn.cv.splits.kfold``, has both entries,
pointing to one description). Set ``FNN_DOCS_INVENTORY`` to check another build.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import zlib
from pathlib import Path

import pytest

import fnn

INVENTORY = Path(os.environ.get("FNN_DOCS_INVENTORY", Path(__file__).parent / "_build" / "html" / "objects.inv"))


def public_modules() -> list[str]:
    names = ["fnn"]
    for info in pkgutil.walk_packages(fnn.__path__, prefix="fnn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def read_inventory(path: Path) -> dict[str, str]:
    """``{name: "domain:role"}`` from a Sphinx inventory, version 2 (the format is four
    text lines, then zlib-compressed lines ``name domain:role priority uri dispname``)."""
    data = path.read_bytes()
    lines = data.split(b"\n", 4)
    if lines[0] != b"# Sphinx inventory version 2" or len(lines) < 5:
        raise ValueError(f"{path} is not a Sphinx inventory of version 2: it starts with {lines[0][:60]!r}")
    entries = {}
    for line in zlib.decompress(lines[4]).decode("utf-8").splitlines():
        name, role, _priority, _rest = line.split(" ", 3)
        entries[name] = role
    return entries


@pytest.fixture(scope="module")
def inventory() -> dict[str, str]:
    if not INVENTORY.is_file():
        pytest.fail(
            f"no built API reference at {INVENTORY}: build the site first with "
            "`python -m sphinx -W --keep-going -b html docs docs/_build/html`"
        )
    return read_inventory(INVENTORY)


def test_public_modules_found() -> None:
    # A guard for the walk itself: a layout change that hid the modules would pass vacuously.
    found = public_modules()
    assert {"fnn", "fnn.cv", "fnn.optim", "fnn.losses", "fnn.train"} <= set(found), found


@pytest.mark.parametrize("module_name", public_modules())
def test_every_public_name_has_a_reference_entry(module_name: str, inventory: dict[str, str]) -> None:
    module = importlib.import_module(module_name)
    public = getattr(module, "__all__", None)
    if public is None:
        pytest.fail(f"{module_name} is a public module without __all__: list its public names")
    if module_name not in inventory or inventory[module_name] != "py:module":
        pytest.fail(f"{module_name} has no page in the API reference (add docs/api/<name>.rst)")
    missing = []
    for name in public:
        value = getattr(module, name)
        expected = value.__name__ if inspect.ismodule(value) else f"{module_name}.{name}"
        if not inventory.get(expected, "").startswith("py:"):
            missing.append(expected)
    assert not missing, f"public names without an entry in the built API reference: {missing}"
