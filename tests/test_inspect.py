"""fnn.inspect: the parameter table from shapes alone, and exact, atomic save / load."""

from __future__ import annotations

import os

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fnn import inspect
from fnn.mlp import MLP

SMALL_TABLE = """\
path   shape   dtype    count  bytes
-----  ------  -------  -----  -----
[0].b  (8,)    float32      8   32 B
[0].w  (4, 8)  float32     32  128 B
[1].b  (3,)    float32      3   12 B
[1].w  (8, 3)  float32     24   96 B
-----  ------  -------  -----  -----
total                      67  268 B"""


def small_params():
    rng = np.random.default_rng(0)
    return [
        {"w": jnp.asarray(rng.normal(size=(i, o)), jnp.float32), "b": jnp.asarray(rng.normal(size=o), jnp.float32)}
        for i, o in [(4, 8), (8, 3)]
    ]


# ---------------------------------------------------------------- summary


def test_summary_rows_by_hand():
    table = inspect.summary(small_params())
    assert table.rows == (
        inspect.ParamRow("[0].b", (8,), np.dtype("float32"), 8, 32),
        inspect.ParamRow("[0].w", (4, 8), np.dtype("float32"), 32, 128),
        inspect.ParamRow("[1].b", (3,), np.dtype("float32"), 3, 12),
        inspect.ParamRow("[1].w", (8, 3), np.dtype("float32"), 24, 96),
    )
    assert (table.total_count, table.total_bytes) == (4 * 8 + 8 + 8 * 3 + 3, 4 * 67)
    assert str(table) == inspect.format_summary(table) == SMALL_TABLE


@pytest.mark.parametrize("sizes", [[4, 8, 3], [784, 512, 512, 10], [1, 1]])
def test_counts_agree_with_numpy_and_the_layer_formula(key, sizes):
    params = jax.eval_shape(MLP(sizes).init, key)
    table = inspect.summary(params)
    assert table.total_count == inspect.param_count(params)
    assert table.total_count == sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(params))
    assert table.total_count == sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:], strict=True))
    assert table.total_bytes == 4 * table.total_count


def test_mixed_dtypes_and_nested_paths():
    tree = {
        "encoder": {"kernel": jnp.zeros((3, 2), jnp.bfloat16), "steps": jnp.zeros((), jnp.int32)},
        "layers": (np.zeros(5, np.float16), 2.0),
    }
    rows = {r.path: r for r in inspect.summary(tree).rows}
    assert rows["encoder.kernel"] == inspect.ParamRow("encoder.kernel", (3, 2), np.dtype(jnp.bfloat16), 6, 12)
    assert rows["encoder.steps"] == inspect.ParamRow("encoder.steps", (), np.dtype("int32"), 1, 4)
    assert rows["layers[0]"].bytes == 10
    assert rows["layers[1]"].dtype == np.dtype("float32")  # a Python float is JAX's weak float32


def test_summary_of_float64_params(key, enable_x64):
    table = inspect.summary(MLP([3, 2], dtype=jnp.float64).init(key))
    assert table.total_bytes == 8 * 8 and all(r.dtype == np.float64 for r in table.rows)


def test_summary_of_abstract_params_allocates_nothing(key):
    sizes = [4096] * 5  # 67M parameters, 268 MB if allocated
    abstract = jax.eval_shape(MLP(sizes).init, key)
    before = len(jax.live_arrays())
    table = inspect.summary(abstract)
    text = str(table)
    assert len(jax.live_arrays()) == before
    assert table.total_count == 4 * (4096 * 4096 + 4096)
    assert "256.1 MiB" in text and "67,125,248" in text
    # The abstract table equals the concrete one for a model small enough to build.
    small = MLP([5, 3, 2]).init(key)
    assert inspect.summary(jax.eval_shape(lambda: small)) == inspect.summary(small)


def test_table_is_aligned_and_large_numbers_formatted(key):
    # 784*512 + 512 + 512*10 + 10 = 407,050 parameters, 1,628,200 bytes = 1.55 MiB
    text = str(inspect.summary(jax.eval_shape(MLP([784, 512, 10]).init, key)))
    lines = text.splitlines()
    assert lines[-1].startswith("total") and "407,050" in lines[-1] and "1.6 MiB" in lines[-1]
    # Right-aligned count and bytes columns end at the same place on every line.
    assert len({len(line) for line in lines}) == 1


@pytest.mark.parametrize(
    "tree,error", [({"w": "abc"}, TypeError), ([b"raw", jnp.ones(2)], TypeError), ({"w": object()}, TypeError)]
)
def test_summary_bad_leaves(tree, error):
    with pytest.raises(error, match="arrays or numbers"):
        inspect.summary(tree)


def test_format_summary_bad_input():
    with pytest.raises(TypeError, match="Summary"):
        inspect.format_summary([1, 2])


# ---------------------------------------------------------------- save / load


def bits(tree):
    leaves = [np.asarray(leaf) for leaf in jax.tree.leaves(tree)]
    return [(a.dtype, a.shape, a.tobytes()) for a in leaves]


def test_round_trip_float32_bitwise(tmp_path):
    params = small_params()
    params[0]["b"] = params[0]["b"].at[:4].set(jnp.array([np.nan, -0.0, np.inf, -np.inf]))
    path = tmp_path / "model.msgpack"
    inspect.save(path, params)
    loaded = inspect.load(path)
    assert isinstance(loaded, list) and all(set(layer) == {"w", "b"} for layer in loaded)
    assert jax.tree.structure(loaded) == jax.tree.structure(params)
    assert all(isinstance(leaf, jax.Array) and leaf.dtype == jnp.float32 for leaf in jax.tree.leaves(loaded))
    assert bits(loaded) == bits(params)
    # The loaded params run: same forward pass.
    x, net = jnp.ones((2, 4)), MLP([4, 8, 3])
    np.testing.assert_array_equal(net.apply(loaded, x), net.apply(params, x))


def test_round_trip_float64_bitwise(tmp_path, key, enable_x64):
    params = MLP([3, 5, 2], dtype=jnp.float64).init(key)
    params[1]["b"] = jnp.array([np.pi, -1e-300], jnp.float64)
    inspect.save(tmp_path / "p", params)
    loaded = inspect.load(tmp_path / "p", like=params)
    assert all(leaf.dtype == jnp.float64 for leaf in jax.tree.leaves(loaded))
    assert bits(loaded) == bits(params)


def test_float64_file_without_x64_raises(tmp_path):
    inspect.save(tmp_path / "p", [{"w": np.ones((2, 2), np.float64), "b": np.zeros(2, np.float64)}])
    with pytest.raises(ValueError, match="jax_enable_x64"):
        inspect.load(tmp_path / "p")


def test_load_with_like_restores_container_types(tmp_path, key):
    params = {"layers": (np.arange(3, dtype=np.float32), np.ones((2, 2), np.float32)), "scale": np.float32(2.5)}
    inspect.save(tmp_path / "p", params)
    plain = inspect.load(tmp_path / "p")
    assert isinstance(plain["layers"], list)  # tuples come back as lists without a template
    shaped = inspect.load(tmp_path / "p", like=jax.eval_shape(lambda: params))
    assert isinstance(shaped["layers"], tuple)
    assert bits(shaped) == bits(params)


def test_interoperates_with_flax_serialization(tmp_path, key):
    params = MLP([3, 4, 2]).init(key)
    inspect.save(tmp_path / "p", params)
    raw = flax.serialization.msgpack_restore((tmp_path / "p").read_bytes())
    np.testing.assert_array_equal(raw["params"][1]["w"], params[1]["w"])
    # A file written by flax (lists become {"0": ...} there) loads into fnn's structure with `like`.
    (tmp_path / "f").write_bytes(flax.serialization.to_bytes(params))
    loaded = inspect.load(tmp_path / "f", like=params)
    assert isinstance(loaded, list) and bits(loaded) == bits(params)


def test_save_is_atomic_and_overwrites(tmp_path):
    path = tmp_path / "p"
    inspect.save(path, small_params())
    inspect.save(str(path), [{"w": jnp.ones((1, 1)), "b": jnp.zeros(1)}])
    assert inspect.param_count(inspect.load(path)) == 2
    assert sorted(os.listdir(tmp_path)) == ["p"]  # no temporary file left behind
    # A tree that cannot be saved leaves the existing file untouched and no temporary file.
    with pytest.raises(TypeError, match="leaf of type"):
        inspect.save(path, {"w": object()})
    assert inspect.param_count(inspect.load(path)) == 2
    assert sorted(os.listdir(tmp_path)) == ["p"]


@pytest.mark.parametrize(
    "tree,match",
    [
        ({1: jnp.ones(2)}, "keys must be strings"),
        ({"w": object()}, "leaf of type"),
        ({"k": jax.random.key(0)}, "typed PRNG key"),
        ({"w": jax.ShapeDtypeStruct((2,), jnp.float32)}, "abstract"),
    ],
)
def test_save_bad_input(tmp_path, tree, match):
    with pytest.raises(TypeError, match=match):
        inspect.save(tmp_path / "p", tree)
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("cut", ["truncated", "garbage", "empty", "scalar"])
def test_load_corrupt_file(tmp_path, cut):
    inspect.save(tmp_path / "p", small_params())
    data = (tmp_path / "p").read_bytes()
    bad = {"truncated": data[: len(data) // 2], "garbage": b"\x00not msgpack at all", "empty": b"", "scalar": b"\x01"}[
        cut
    ]
    (tmp_path / "p").write_bytes(bad)
    with pytest.raises(ValueError, match="corrupt or truncated|does not hold a tree"):
        inspect.load(tmp_path / "p")


@pytest.mark.parametrize(
    "like,match",
    [
        ([{"w": np.ones((4, 8), np.float32), "b": np.ones(8, np.float32)}], "structure does not match"),
        ([{"w": np.ones((4, 8), np.float32), "b": np.ones(8, np.float32)}] * 3, "structure does not match"),
        ([{"w": np.ones((4, 8), np.float32)}, {"w": np.ones((8, 3), np.float32)}], "structure does not match"),
        (
            [
                {"w": np.ones((4, 8), np.float32), "b": np.ones(8, np.float32)},
                {"w": np.ones((8, 2), np.float32), "b": np.ones(2, np.float32)},
            ],
            r"\[1\]\.b is float32\[3\] in the file",
        ),
        (
            [
                {"w": np.ones((4, 8), np.float16), "b": np.ones(8, np.float32)},
                {"w": np.ones((8, 3), np.float32), "b": np.ones(3, np.float32)},
            ],
            r"\[0\]\.w is float32\[4, 8\]",
        ),
    ],
)
def test_load_structure_mismatch(tmp_path, like, match):
    inspect.save(tmp_path / "p", small_params())
    with pytest.raises(ValueError, match=match):
        inspect.load(tmp_path / "p", like=like)
