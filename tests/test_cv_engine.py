"""fnn.cv.engine through its interface: plans, runs of a generic function, compiler options.

The engine knows nothing of folds, so most tests here run a small generic function
and compare it with a plain ``jax.jit`` of the same function. Runs on several devices
and processes are in test_sharding and test_multihost. Budget: ~15 s on one core
(about ten tiny compilations).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fnn import cv
from fnn.cv import engine

_EVENT = "/jax/core/compile/backend_compile_duration"
_compiles: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, _secs, **_kw: _compiles.append(name) if name == _EVENT else None
)

_ONE = engine.device_mesh([jax.devices()[0]])

# --------------------------------------------------------------------------- plan


@pytest.mark.parametrize(
    "n_entries, chunk, devices, want",
    [
        # want: chunk_size, chunks_per_device, n_padded, partitioned
        (23, None, 1, (23, 1, 23, False)),  # plain vmap: one chunk, nothing padded
        (23, 5, 1, (5, 5, 25, False)),  # full chunks only: one compiled program
        (5, 100, 1, (5, 1, 5, False)),  # a chunk larger than the entries is cut to them
        (15, None, 4, (4, 1, 16, True)),  # one chunk per device, one partitioned program
        (15, 3, 4, (3, 2, 24, False)),  # 5 chunks of 3 on 4 devices: 2 each
        (5, 2, 8, (2, 1, 16, False)),  # a given chunk is never cut to the devices: same shapes on 1 or 8
        (5, 2, 1, (2, 3, 6, False)),
    ],
)
def test_plan_pads_to_devices_and_full_chunks(n_entries, chunk, devices, want):
    p = engine.plan(n_entries, devices, chunk)
    assert (p.chunk_size, p.chunks_per_device, p.n_padded, p.partitioned) == want


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 120), devices=st.integers(1, 9), chunk=st.one_of(st.none(), st.integers(1, 40)))
def test_plan_runs_every_entry_exactly_once(n, devices, chunk):
    p = engine.plan(n, devices, chunk)
    ran = [e for i in range(devices) for start in p.chunks(i) for e in range(start, start + p.chunk_size)]
    assert sorted(e for e in ran if e < n) == list(range(n))  # every real entry once
    assert len(ran) == len(set(ran)) and max(ran) < p.n_padded  # no chunk twice, none past the padding
    assert p.n_padded - n < p.chunk_size * devices  # less than one chunk of padding per device
    assert p.chunk_size == (min(chunk, n) if chunk else -(-n // devices))
    if not p.partitioned:  # single-device chunks of padding only are not run
        assert all(start < n for i in range(devices) for start in p.chunks(i))


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0, 1), ValueError, "n_entries must be at least 1"),
        ((5, 0), ValueError, "n_devices must be at least 1"),
        ((5, 1, 0), ValueError, "chunk_size must be at least 1"),
        ((5, 1, 2.0), TypeError, "chunk_size must be an int"),
    ],
)
def test_plan_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        engine.plan(*args)


# --------------------------------------------------------------------------- run


def _fn(scale, offset, x, i, *, power):
    """A chunk of entries: each row of x scaled, raised to ``power``, plus its own offset."""
    return {"y": scale * jnp.sin(x) ** power + offset[i][:, None], "i": i}


def _inputs(seed=0, n=7):
    rng = np.random.default_rng(seed)
    shared = (np.float32(1.5), rng.normal(size=n).astype(np.float32))
    entries = (rng.normal(size=(n, 3)).astype(np.float32), np.arange(n, dtype=np.int32))
    return shared, entries


def _plain_jit(shared, entries, power=3):
    return jax.jit(_fn, static_argnames="power")(*shared, *entries, power=power)


@pytest.mark.parametrize("chunk_size", [None, 3])
def test_run_equals_a_plain_jit_of_the_function_and_drops_the_padding(chunk_size):
    shared, entries = _inputs()
    out = engine.run(_fn, shared, entries, static={"power": 3}, mesh=_ONE, chunk_size=chunk_size, compiler_options=None)
    ref = _plain_jit(shared, entries)
    assert out.outputs["y"].shape == (7, 3)  # 7 entries, padded to 9 in chunks of 3
    np.testing.assert_array_equal(out.outputs["i"], np.arange(7))
    np.testing.assert_array_equal(out.outputs["y"], ref["y"])  # XLA's defaults: the same program, bitwise
    assert out.plan == engine.plan(7, 1, chunk_size)
    assert len(out.executables) == 1


def test_run_counts_its_compilations():
    shared, entries = _inputs(1, n=5)  # shapes no other test compiles
    before = len(_compiles)
    first = engine.run(_fn, shared, entries, static={"power": 2}, mesh=_ONE, chunk_size=2)
    assert first.n_compiles == len(_compiles) - before == 1
    shared, entries = _inputs(2, n=5)  # new values, same shapes: JAX's caches hold the program
    again = engine.run(_fn, shared, entries, static={"power": 2}, mesh=_ONE, chunk_size=2)
    assert again.n_compiles == len(_compiles) - before - 1 == 0
    assert not np.array_equal(first.outputs["y"], again.outputs["y"])
    other = engine.run(_fn, shared, entries, static={"power": 1}, mesh=_ONE, chunk_size=2)  # a new constant
    assert other.n_compiles == 1


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(entries=(np.zeros((3, 2)), np.zeros(4))), ValueError, "same leading axis"),
        (dict(entries=(np.float32(1.0),)), ValueError, "same leading axis"),
        (dict(entries=(None,)), ValueError, "entries has no arrays"),
        (dict(static={"power": [3]}), TypeError, "must be hashable"),
        (dict(chunk_size=0), ValueError, "chunk_size must be at least 1"),
        (dict(compiler_options="fast"), ValueError, "'auto', None or a dict"),
        (dict(compiler_options=[("xla_backend_optimization_level", 1)]), TypeError, "'auto', None or a dict"),
        (dict(compiler_options={1: 2}), TypeError, "names must be strings"),
        (dict(compiler_options={"xla_backend_optimization_level": [1]}), TypeError, "bool, number or string"),
    ],
)
def test_run_bad_input_raises_before_compiling(kwargs, error, match):
    shared, entries = _inputs()
    args = dict(entries=entries, static={"power": 3}, mesh=_ONE)
    args.update(kwargs)
    before = len(_compiles)
    with pytest.raises(error, match=match):
        engine.run(_fn, shared, args.pop("entries"), **args)
    assert len(_compiles) == before


def test_lower_gives_the_one_chunk_program():
    shared, entries = _inputs()
    lowered = engine.lower(_fn, shared, entries, static={"power": 3}, chunk_size=3)
    assert lowered.out_info["y"].shape == (3, 3)
    chunk = jax.tree.map(lambda a: a[:3], entries)
    np.testing.assert_array_equal(lowered.compile()(*shared, *chunk)["y"], _plain_jit(shared, chunk)["y"])


# --------------------------------------------------------------------------- compiler options


def _options_in(executable) -> set[str]:
    """The names of fnn's CPU options that the executable was compiled with (they are
    serialized with it, with the rest of its compile options)."""
    blob = executable.runtime_executable().serialize()
    return {name for name in cv.CPU_FAST_COMPILE if name.encode() in blob}


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the default applies CPU_FAST_COMPILE on CPU only")
@pytest.mark.parametrize(
    "options, want",
    [
        ("auto", set(cv.CPU_FAST_COMPILE)),
        (None, set()),
        ({"xla_cpu_use_fusion_emitters": False}, {"xla_cpu_use_fusion_emitters"}),
    ],
)
def test_compiler_options_reach_the_executable(options, want):
    shared, entries = _inputs()
    out = engine.run(_fn, shared, entries, static={"power": 3}, mesh=_ONE, compiler_options=options)
    (executable,) = out.executables
    assert _options_in(executable) == want
    np.testing.assert_allclose(out.outputs["y"], _plain_jit(shared, entries)["y"], rtol=1e-6, atol=1e-6)


def test_the_default_options_are_known_to_this_xla():
    # without the fallback: an option XLA dropped would be hidden by it (and compile slowly)
    shared, entries = _inputs()
    engine.run(_fn, shared, entries, static={"power": 3}, mesh=_ONE, compiler_options=dict(cv.CPU_FAST_COMPILE))


def test_auto_falls_back_to_xla_defaults_when_xla_lacks_an_option(monkeypatch):
    monkeypatch.setattr(engine, "CPU_FAST_COMPILE", {"xla_fnn_no_such_option": True})
    shared, entries = _inputs()
    out = engine.run(_fn, shared, entries, static={"power": 4}, mesh=_ONE)
    np.testing.assert_allclose(out.outputs["y"], _plain_jit(shared, entries, power=4)["y"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "options, match",
    [
        ({"xla_fnn_no_such_option": True}, "No such compile option"),
        ({"xla_backend_optimization_level": "fast"}, "not a valid int32"),
    ],
)
def test_options_xla_rejects_are_a_value_error(options, match):
    shared, entries = _inputs()
    with pytest.raises(ValueError, match=f"run: XLA rejected compiler_options=.*{match}"):
        engine.run(_fn, shared, entries, static={"power": 3}, mesh=_ONE, compiler_options=options)
