"""Sphinx configuration of fnn's documentation site.

Build it strictly (any warning, broken cross-reference or failing notebook is an error):

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The API reference is generated from the docstrings (Google style read by napoleon,
reST inside: ``code``, roles, ``.. math::``, simple tables, ``>>>`` examples), the
notebooks under ``notebooks/`` are MyST Markdown text notebooks executed by myst-nb on
every build.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # fnn from this checkout, installed or not

from sphinx.util import logging  # noqa: E402

import fnn  # noqa: E402

_LOGGER = logging.getLogger(__name__)

project = "fnn"
author = "the fnn authors"
copyright = "the fnn authors"  # noqa: A001  (Sphinx's name)
release = version = fnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_nb",
    # MathJax shipped with the site, so math renders without a network (the site is
    # not hosted: it is read from a local build).
    "sphinx-mathjax-offline",
]

# -- strictness ----------------------------------------------------------------------
# Every cross-reference must resolve. Names from other libraries cannot: no
# intersphinx inventory can be downloaded where the site is built, so targets outside
# fnn are ignored, and only they.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(jax|jaxlib|numpy|np|optax|flax|torch|sklearn|scipy|chex|typing|collections|types)(\..*)?"),
    (r"py:.*", r"(Array|ArrayLike|Params|OptState|PRNGKey|Any|Callable|Sequence|Mapping|Iterable|Iterator)"),
    (r"py:.*", r"(int|float|bool|str|bytes|tuple|list|dict|None|object|type|complex|os\.PathLike)"),
    (r"py:.*", r"(Mesh|GradientTransformation|GradientTransformationExtraArgs|Schedule|LossFn|MetricFn)"),
    (r"py:.*", r"ArrayTree"),  # optax's pytree-of-arrays alias
]

# -- sources ---------------------------------------------------------------------------
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "example_run",  # a committed report of `python -m experiments`, read on its own
    "**/.ipynb_checkpoints",
    "Thumbs.db",
    ".DS_Store",
]

# -- HTML ------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"fnn {release}"
html_static_path = ["_static"]
html_css_files = ["fnn.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": True,
}

# -- autodoc + napoleon ----------------------------------------------------------------
autodoc_member_order = "bysource"  # with __all__: the order of __all__
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
# Keep the aliases fnn writes in its signatures instead of expanding them (ArrayLike is
# a union of a dozen types); docs/api/index.rst says what each one is.
autodoc_type_aliases = {
    "ArrayLike": "ArrayLike",
    "Array": "Array",
    "Params": "Params",
    "OptState": "OptState",
    "PRNGKey": "PRNGKey",
    "LossFn": "LossFn",
    "MetricFn": "MetricFn",
}
autodoc_preserve_defaults = True
python_use_unqualified_type_names = True
python_display_short_literal_types = True
add_module_names = False
toc_object_entries_show_parents = "hide"

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True
napoleon_attr_annotations = True

# MathJax: \text{test\_fold} in the docstrings needs the textmacros package.
mathjax3_config = {
    "loader": {"load": ["[tex]/textmacros"]},
    "tex": {"packages": {"[+]": ["textmacros"]}},
}

# -- myst / myst-nb --------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every build runs every notebook, top to bottom
nb_execution_timeout = 180  # seconds per cell
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True
nb_output_stderr = "warn"  # anything on stderr (a warning, a log line) fails a strict build
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs (the notebooks' tables) as MyST, tables included
nb_execution_allow_errors = False

# Build matplotlib's font cache in this process, so a fresh environment's first kernel
# does not print "Matplotlib is building the font cache" to stderr.
import matplotlib.font_manager  # noqa: E402,F401


# -- canonical names of re-exported objects ------------------------------------------
def _public_modules() -> list[types.ModuleType]:
    """fnn and every public submodule (no part of the dotted name starts with ``_``)."""
    import pkgutil

    modules = [fnn]
    for info in pkgutil.walk_packages(fnn.__path__, prefix="fnn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            modules.append(importlib.import_module(info.name))
    return modules


def _homes(documented: str, obj: object) -> list[str]:
    """Other public names of ``obj``: ``module.name`` for every public module whose
    ``__all__`` lists it under the documented name (a package re-exports from its
    submodules, e.g. ``fnn.cv.kfold`` is ``fnn.cv.splits.kfold``)."""
    name = documented.rpartition(".")[2]
    homes = []
    for module in _public_modules():
        full = f"{module.__name__}.{name}"
        if full != documented and name in getattr(module, "__all__", ()) and getattr(module, name, None) is obj:
            homes.append(full)
    return homes


def _resolve(fullname: str) -> object | None:
    module_name, _, attr = fullname.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        return None


def _note_canonical_names(app, doctree) -> None:
    """Register each re-exported object under every public name it has, so that
    ``fnn.cv.splits.kfold`` links to the entry of ``fnn.cv.kfold`` (and the inventory
    lists both), as ``:canonical:`` does for classes."""
    from sphinx import addnodes

    domain = app.env.domains["py"]
    for desc in doctree.findall(addnodes.desc):
        if desc.get("domain") != "py" or desc.get("objtype") not in {"function", "class", "data", "exception"}:
            continue
        for sig in desc.findall(addnodes.desc_signature):
            if not sig.get("ids") or not sig.get("module") or "." in sig.get("fullname", ""):
                continue
            fullname = f"{sig['module']}.{sig['fullname']}"
            obj = _resolve(fullname)
            if obj is None:
                continue
            for alias in _homes(fullname, obj):
                if alias not in domain.objects:
                    domain.note_object(alias, desc["objtype"], sig["ids"][0], aliased=True, location=sig)


def _module_comment(fullname: str, obj: object) -> list[str]:
    """The ``#:`` comment of a constant re-exported from a submodule (autodoc reads
    comments only in the module it documents)."""
    from sphinx.pycode import ModuleAnalyzer

    name = fullname.rpartition(".")[2]
    for home in [fullname, *_homes(fullname, obj)]:
        module_name = home.rpartition(".")[0]
        try:
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:  # noqa: BLE001  (no source: try the next home)
            continue
        if ("", name) in docs:
            return list(docs[("", name)])
    return []


# napoleon reads the first line of a constant's or a field's docstring as "type:
# description" (Google style). fnn's ``#:`` comments are prose ("``(epochs,)``: the
# weighted mean ..."), so they pass napoleon untouched: they are set aside just before it
# runs (priority 500) and put back just after.
_SET_ASIDE: dict[int, list[str]] = {}


def _before_napoleon(app, what, name, obj, options, lines) -> None:
    if what == "data":
        # A constant's doc is its ``#:`` comment; without one autodoc falls back to the
        # docstring of its type ("Create a new string object ..."), which says nothing.
        type_doc = inspect.getdoc(type(obj)) or ""
        if not any(line.strip() for line in lines) or "\n".join(lines).strip() == type_doc.strip():
            lines[:] = _module_comment(name, obj)
    if what in ("data", "attribute", "property"):
        _SET_ASIDE[id(lines)] = list(lines)
        lines[:] = []


def _after_napoleon(app, what, name, obj, options, lines) -> None:
    if id(lines) in _SET_ASIDE:
        lines[:] = _SET_ASIDE.pop(id(lines))


_OPTAX_ARRAY_TREE = (
    "Array | ndarray | bool | number | bool | int | float | complex | Iterable[ArrayTree] | Mapping[Any, ArrayTree]"
)


def _clean_signature(app, what, name, obj, options, signature, return_annotation):
    """Signatures as written in the source: Sphinx 9 shows an alias inside a generic
    (``Callable[[Array], Array]``) as ``TypeAliasForwardRef('Array')``, and optax's state
    classes with their ``ArrayTree`` union spelled out."""

    def clean(text):
        if text is None:
            return None
        text = re.sub(r"TypeAliasForwardRef\('([^']*)'\)", r"\1", text)
        return text.replace(_OPTAX_ARRAY_TREE, "ArrayTree")

    return clean(signature), clean(return_annotation)


def _resolve_in_defining_module(app, env, node, contnode):
    """A docstring's ``:class:`ScaleByAdamState``` is written where the function is
    defined (``fnn.optim.transform``); on the page of the package that re-exports the
    function (``fnn.optim``), look for the target in the package's submodules too."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    module = node.get("py:module") or ""
    if not module.startswith("fnn") or "." in target:
        return None
    domain = env.domains["py"]
    matches = sorted(
        name for name in domain.objects if name.startswith(module + ".") and name.rpartition(".")[2] == target
    )
    matches = [m for m in matches if m.count(".") == module.count(".") + 2]
    if len(matches) != 1:
        return None
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], matches[0], node, contnode)


def _kind(obj: object) -> str:
    import typing

    if typing.get_origin(obj) is not None:  # a type alias such as Callable[[Params], Array]
        return "data"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if callable(obj) and not isinstance(obj, types.MappingProxyType):
        return "function"
    return "data"


def _defining_module(module: types.ModuleType, name: str, value: object) -> str:
    """Where ``module.name`` is defined: its ``__module__``, or for a constant the
    submodule of ``module`` that lists it in ``__all__``."""
    home = getattr(value, "__module__", None)
    if inspect.isfunction(value) or inspect.isclass(value):
        return home or module.__name__
    for sub in _public_modules():
        if sub.__name__.startswith(module.__name__ + ".") and getattr(sub, name, None) is value:
            return sub.__name__
    return module.__name__


def _source_order(module: types.ModuleType, names: list[str]) -> list[str]:
    """``names`` in reading order: by the module they are defined in (a package's
    submodules in the order the package imports them), then by position in its source."""
    from sphinx.pycode import ModuleAnalyzer

    try:
        imports = re.findall(r"^from (fnn[\w.]*) import", inspect.getsource(module), re.MULTILINE)
    except (OSError, TypeError):
        imports = []
    rank = {m: i for i, m in enumerate(dict.fromkeys([module.__name__, *imports]))}

    def key(name):
        home = _defining_module(module, name, getattr(module, name))
        try:
            analyzer = ModuleAnalyzer.for_module(home)
            analyzer.analyze()
            position = analyzer.tagorder.get(name, 10**6)
        except Exception:  # noqa: BLE001  (no source: keep __all__'s order)
            position = 10**6
        return (rank.get(home, len(rank)), position)

    return sorted(names, key=key)


class ModuleReference:
    """``.. fnn-module:: fnn.cv.splits``: a module's docstring, then one entry for each
    name of its ``__all__``, in source order.

    A name that the package above re-exports (``fnn.cv.kfold`` is
    ``fnn.cv.splits.kfold``) is documented once, under the package, where users import
    it from; the submodule's page links to it. Submodules in ``__all__`` are listed.
    """

    @staticmethod
    def lines(module_name: str) -> list[str]:
        module = importlib.import_module(module_name)
        parent = sys.modules.get(module_name.rpartition(".")[0])
        lines = [f".. automodule:: {module_name}", ""]
        submodules, elsewhere, here = [], [], []
        for name in _source_order(module, list(module.__all__)):
            value = getattr(module, name)
            if inspect.ismodule(value):
                submodules.append(value.__name__)
            elif parent is not None and name in getattr(parent, "__all__", ()) and getattr(parent, name) is value:
                elsewhere.append(name)
            else:
                here.append((name, value))
        if submodules:
            lines += ["Submodules: " + ", ".join(f":mod:`{m}`" for m in submodules) + ".", ""]
        if elsewhere:
            links = ", ".join(f":obj:`~{parent.__name__}.{name}`" for name in elsewhere)
            where = f":mod:`{parent.__name__}`"
            lines += [f"Defined here, documented under {where} (where they are imported from): {links}.", ""]
        for name, value in here:
            kind = _kind(value)
            lines.append(f".. auto{kind}:: {module_name}.{name}")
            if kind in ("class", "exception"):
                lines.append("   :members:")
            if kind == "data" and "<function" in repr(value):
                lines.append("   :no-value:")  # a table of functions: its repr says nothing
            lines.append("")
        return lines


def _module_reference_directive():
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles

    class FnnModule(SphinxDirective):
        required_arguments = 1
        has_content = False

        def run(self):
            from docutils import nodes

            node = nodes.container()
            content = StringList(ModuleReference.lines(self.arguments[0]), source=self.get_source_info()[0])
            nested_parse_with_titles(self.state, content, node)
            return node.children

    return FnnModule


def _check_every_public_name(app, env) -> None:
    """Warn (an error in a strict build) for a name in some ``__all__`` that the site
    does not document; docs/test_reference.py checks the same on the built inventory."""
    domain = env.domains["py"]
    known = set(domain.objects) | set(domain.modules)
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            full = f"{module.__name__}.{name}"
            value = getattr(module, name)
            target = value.__name__ if inspect.ismodule(value) else full
            if target not in known:
                _LOGGER.warning("%s is public (in __all__) but has no entry in the API reference", full)


def setup(app):
    app.connect("doctree-read", _note_canonical_names)
    app.connect("autodoc-process-docstring", _before_napoleon, priority=499)
    app.connect("autodoc-process-docstring", _after_napoleon, priority=501)
    app.connect("autodoc-process-signature", _clean_signature)
    app.connect("missing-reference", _resolve_in_defining_module)
    app.connect("env-check-consistency", _check_every_public_name)
    app.add_directive("fnn-module", _module_reference_directive())
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets the kernel's debugger note
    return {"parallel_read_safe": False}
