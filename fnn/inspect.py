r"""Inspecting a model: a parameter table (path, shape, dtype, count, bytes), the parameter count, save and load.

The material's "check the model's structure and weights" step. :func:`summary`
reads only shapes and dtypes, so it works on ``jax.eval_shape`` output
(``jax.ShapeDtypeStruct`` leaves) and allocates nothing: the table of a model too
large to build can be printed before building it.

Example:
  >>> from fnn.mlp import MLP
  >>> params = MLP([4, 8, 3]).init(jax.random.key(0))
  >>> print(summary(params))
  path   shape   dtype    count  bytes
  -----  ------  -------  -----  -----
  [0].b  (8,)    float32      8   32 B
  [0].w  (4, 8)  float32     32  128 B
  [1].b  (3,)    float32      3   12 B
  [1].w  (8, 3)  float32     24   96 B
  -----  ------  -------  -----  -----
  total                      67  268 B

This is the one fnn module that does file I/O (:func:`save` and :func:`load`).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from fnn._types import Params

__all__ = [
    "ParamRow",
    "Summary",
    "format_summary",
    "load",
    "param_count",
    "save",
    "summary",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


# save() wraps the tree in {_FORMAT_KEY: _FORMAT_VERSION, _PARAMS_KEY: tree}, so load()
# can tell an fnn file (whose lists are lists) from another msgpack file.
_FORMAT_KEY = "fnn.inspect.format"
_FORMAT_VERSION = 1
_PARAMS_KEY = "params"


class ParamRow(NamedTuple):
    """One parameter array of a model: where it is and how big it is."""

    path: str  # e.g. "[0].w" for layer 0's weight
    shape: tuple[int, ...]
    dtype: np.dtype
    count: int  # type: ignore[assignment]  # number of scalars, prod(shape) (shadows tuple.count, as optax's states do)
    bytes: int  # count * dtype.itemsize


@dataclasses.dataclass(frozen=True)
class Summary:
    """The parameter table of a model; ``str(summary)`` renders it as aligned text."""

    rows: tuple[ParamRow, ...]
    total_count: int
    total_bytes: int

    def __str__(self) -> str:
        return format_summary(self)


def _flax_serialization():
    """flax's msgpack serialization, imported on first use: importing flax is slow next to
    importing fnn, and a script that never saves parameters should not pay for it."""
    import flax.serialization

    return flax.serialization


def _key_text(key: Any) -> str:
    if isinstance(key, jax.tree_util.SequenceKey):
        return f"[{key.idx}]"
    if isinstance(key, jax.tree_util.DictKey):
        return f".{key.key}"
    if isinstance(key, jax.tree_util.GetAttrKey):
        return f".{key.name}"
    if isinstance(key, jax.tree_util.FlattenedIndexKey):
        return f"[{key.key}]"
    return f".{key}"


def _path_text(path: tuple) -> str:
    text = "".join(_key_text(key) for key in path)
    return text[1:] if text.startswith(".") else (text or "<root>")


def _shape_and_dtype(leaf: Any, where: str) -> tuple[tuple[int, ...], np.dtype]:
    # Read shape and dtype without converting to an array, so abstract leaves
    # (ShapeDtypeStruct, tracers) work and nothing is allocated.
    if isinstance(leaf, (str, bytes)) or leaf is None:
        raise TypeError(f"{where}: parameter leaves must be arrays or numbers, got {type(leaf).__name__}")
    if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
        return tuple(int(d) for d in leaf.shape), np.dtype(leaf.dtype)
    if isinstance(leaf, (bool, int, float, complex, np.generic)):
        return (), np.dtype(jnp.result_type(leaf))
    raise TypeError(f"{where}: parameter leaves must be arrays or numbers, got {type(leaf).__name__}")


def summary(params: Params) -> Summary:
    """The parameter table of any pytree of arrays: one row per leaf (in ``jax.tree`` order) and totals.

    Args:
      params: a pytree whose leaves are arrays, numbers or ``jax.ShapeDtypeStruct``
        (e.g. ``jax.eval_shape(net.init, key)`` for an :class:`fnn.mlp.MLP` ``net``).

    Returns:
      A :class:`Summary` with ``rows`` (``path``, ``shape``, ``dtype``, ``count``,
      ``bytes``) in ``jax.tree`` order, ``total_count`` and ``total_bytes``.

    Example:
      >>> from fnn.mlp import MLP
      >>> summary(jax.eval_shape(MLP([2, 3]).init, jax.random.key(0))).total_count
      9
    """
    leaves, _ = jax.tree_util.tree_flatten_with_path(params)
    rows = []
    for path, leaf in leaves:
        shape, dtype = _shape_and_dtype(leaf, "summary")
        count = int(np.prod(shape, dtype=np.int64))
        rows.append(ParamRow(_path_text(path), shape, dtype, count, count * dtype.itemsize))
    return Summary(tuple(rows), sum(r.count for r in rows), sum(r.bytes for r in rows))


def param_count(params: Params) -> int:
    """The number of scalar parameters in a pytree (shapes only: abstract leaves work).

    Example:
      >>> from fnn.mlp import MLP
      >>> param_count(MLP([4, 8, 3]).init(jax.random.key(0)))  # 4*8 + 8 + 8*3 + 3
      67
    """
    return summary(params).total_count


def _human_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024.0
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}"
    raise AssertionError  # unreachable


def format_summary(table: Summary) -> str:
    """Renders a :class:`Summary` as an aligned text table with a total line (no printing)."""
    if not isinstance(table, Summary):
        raise TypeError(f"format_summary: expected a Summary from fnn.inspect.summary, got {type(table).__name__}")
    header = ("path", "shape", "dtype", "count", "bytes")
    body = [(r.path, str(r.shape), str(r.dtype), f"{r.count:,}", _human_bytes(r.bytes)) for r in table.rows]
    total = ("total", "", "", f"{table.total_count:,}", _human_bytes(table.total_bytes))
    widths = [max(len(line[i]) for line in [header, total, *body]) for i in range(5)]
    right = (False, False, False, True, True)

    def render(cells):
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *map(render, body), rule, render(total)])


# --------------------------------------------------------------------------- save / load


def _to_plain(tree: Any, where: str) -> Any:
    """Lists of dicts of numpy arrays, as msgpack stores them (tuples become lists)."""
    if isinstance(tree, Mapping):
        for key in tree:
            if not isinstance(key, str):
                raise TypeError(f"{where}: dict keys must be strings to be saved, got {key!r}")
        return {key: _to_plain(value, where) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_to_plain(value, where) for value in tree]
    if isinstance(tree, jax.ShapeDtypeStruct):
        raise TypeError(f"{where}: cannot save an abstract ShapeDtypeStruct leaf; save concrete arrays")
    if isinstance(tree, (jax.Array, np.ndarray, np.generic)):
        if jnp.issubdtype(tree.dtype, jax.dtypes.prng_key):
            raise TypeError(f"{where}: cannot save a typed PRNG key; save jax.random.key_data(key) instead")
        return np.asarray(tree)
    if isinstance(tree, (bool, int, float)):
        return tree
    raise TypeError(
        f"{where}: can save nested dicts/lists of arrays and numbers, got a leaf of type {type(tree).__name__}"
    )


def save(path: str | os.PathLike, params: Params) -> None:
    """Writes a pytree of arrays to ``path`` with flax's msgpack serialization, atomically.

    The bytes go to a temporary file in the same directory, which then replaces
    ``path`` (``os.replace``), so a crash never leaves a half-written file. Values
    are stored exactly (bitwise); lists stay lists and tuples come back as lists.

    Args:
      path: the file to write (its directory must exist).
      params: nested dicts (string keys) / lists / tuples of arrays or numbers.
    """
    payload = {_FORMAT_KEY: _FORMAT_VERSION, _PARAMS_KEY: _to_plain(params, "save")}
    data = _flax_serialization().msgpack_serialize(payload)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _to_jax(tree: Any, where: str) -> Any:
    def convert(path, leaf):
        if not isinstance(leaf, np.ndarray):
            return leaf
        kept = jax.dtypes.canonicalize_dtype(leaf.dtype)
        if kept != leaf.dtype:
            raise ValueError(
                f"{where}: {_path_text(path)} is stored as {leaf.dtype}, which JAX would truncate to "
                f"{kept}; enable 64-bit mode first: jax.config.update('jax_enable_x64', True)"
            )
        return jnp.asarray(leaf)

    return jax.tree_util.tree_map_with_path(convert, tree)


def _restore_like(restored: Any, like: Any, where: str) -> Any:
    # Compare in flax's state-dict form (lists and tuples as {"0": ..., "1": ...}), where
    # from_state_dict would silently drop entries the template lacks.
    state = _flax_serialization().to_state_dict(restored)
    got_def = jax.tree.structure(state)
    want_def = jax.tree.structure(_flax_serialization().to_state_dict(like))
    if got_def != want_def:  # type: ignore[operator]  # PyTreeDef compares; its stub says otherwise
        raise ValueError(f"{where}: the file's structure does not match `like`:\n  file: {got_def}\n  like: {want_def}")
    restored = _flax_serialization().from_state_dict(like, state)
    got_leaves = jax.tree_util.tree_flatten_with_path(restored)[0]
    for (path, got), want in zip(got_leaves, jax.tree.leaves(like), strict=True):
        got_shape, got_dtype = _shape_and_dtype(got, where)
        want_shape, want_dtype = _shape_and_dtype(want, where)
        if (got_shape, got_dtype) != (want_shape, want_dtype):
            raise ValueError(
                f"{where}: {_path_text(path)} is {got_dtype}{list(got_shape)} in the file but "
                f"{want_dtype}{list(want_shape)} in `like`"
            )
    return restored


def load(path: str | os.PathLike, *, like: Params | None = None) -> Params:
    """Reads a pytree written by :func:`save` (or any flax msgpack file).

    Args:
      path: the file to read.
      like: optional template (arrays or ``jax.ShapeDtypeStruct``) of the expected
        structure, e.g. ``jax.eval_shape(net.init, key)`` for an :class:`fnn.mlp.MLP`
        ``net``. With it the result takes ``like``'s container types (flax
        ``from_state_dict``), and a file of another structure, shape or dtype raises
        ``ValueError``.

    Returns:
      The tree with ``jax.Array`` leaves, bitwise equal to what was saved. 64-bit
      leaves need ``jax_enable_x64`` (``ValueError`` otherwise, rather than silently
      rounding them to 32 bits).

    Raises:
      ValueError: for a corrupt or truncated file, or one that does not match ``like``.
    """
    where = "load"
    with open(os.fspath(path), "rb") as f:
        data = f.read()
    try:
        restored = _flax_serialization().msgpack_restore(data)
    except Exception as error:  # msgpack raises several types for bad bytes
        raise ValueError(
            f"{where}: {os.fspath(path)!r} is not a readable msgpack file (corrupt or truncated?): {error}"
        ) from None
    if isinstance(restored, dict) and restored.get(_FORMAT_KEY) is not None:
        if restored[_FORMAT_KEY] != _FORMAT_VERSION or _PARAMS_KEY not in restored:
            raise ValueError(f"{where}: unsupported fnn file format {restored[_FORMAT_KEY]!r} in {os.fspath(path)!r}")
        restored = restored[_PARAMS_KEY]
    elif not isinstance(restored, (dict, list)):
        raise ValueError(f"{where}: {os.fspath(path)!r} does not hold a tree of arrays (got {type(restored).__name__})")
    if like is not None:
        restored = _restore_like(restored, like, where)
    return _to_jax(restored, where)
