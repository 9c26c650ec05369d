"""fnn.cv.engine through its interface: plans and their cost model, runs of a generic
function, chunks in parallel threads, compiler options.

The engine knows nothing of folds, so most tests here run a small generic function
and compare it with a plain ``jax.jit`` of the same function. Runs on several devices
and processes are in test_sharding and test_multihost. Budget: ~20 s on one core
(about fifteen tiny compilations).
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
# one chunk at a time: plans independent of the cores of the machine the tests run on
_SEQUENTIAL = engine.Machine("cpu", 1, {2: 2**20, 3: 2**22}, "test")

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
        ((5, 1, "fast"), ValueError, "'auto', None \\(no chunking\\) or an int"),
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
    out = engine.run(
        _fn,
        shared,
        entries,
        static={"power": 3},
        mesh=_ONE,
        chunk_size=chunk_size,
        compiler_options=None,
        machine=_SEQUENTIAL,
    )
    ref = _plain_jit(shared, entries)
    assert out.outputs["y"].shape == (7, 3)  # 7 entries, padded to 9 in chunks of 3
    np.testing.assert_array_equal(out.outputs["i"], np.arange(7))
    np.testing.assert_array_equal(out.outputs["y"], ref["y"])  # XLA's defaults: the same program, bitwise
    assert out.plan == engine.plan(7, 1, chunk_size, machine=_SEQUENTIAL)
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


# --------------------------------------------------------------------------- the cost model

_MiB = 2**20


def _cpu(slots=1, l2=_MiB, l3=4 * _MiB):
    return engine.Machine("cpu", slots, {1: 32 * 2**10, 2: l2, 3: l3}, "test")


@pytest.mark.parametrize(
    "n, devices, machine, entry, shared, want",
    [
        # want: (chunk_size, chunks_per_device, concurrency); budget: 0.4 of L2 + L3 share
        (150, 1, _cpu(), 20_000, 5_000, (75, 2, 1)),  # iris-like LOOCV, 3 MB > 2 MiB: two chunks
        (150, 1, _cpu(l3=16 * _MiB), 20_000, 5_000, (150, 1, 1)),  # 3 MB fit in 6.8 MiB: one chunk
        (150, 1, _cpu(slots=2, l3=16 * _MiB), 20_000, 5_000, (75, 2, 2)),  # fits: one chunk per core
        (569, 1, _cpu(slots=2, l3=16 * _MiB), 267_000, 214_000, (24, 24, 2)),  # cancer: 25 fit; 24 chunks of 24
        (569, 2, _cpu(slots=1, l3=16 * _MiB), 267_000, 214_000, (24, 12, 1)),  # the same chunks on 2 devices
        (10, 1, _cpu(slots=2, l3=16 * _MiB), 267_000, 214_000, (5, 2, 2)),  # 10-fold: fits, one per core
        (100, 1, _cpu(), 10 * _MiB, 0, (1, 100, 1)),  # an entry larger than the budget: chunks of 1
        (7, 3, _cpu(slots=4), 1, 0, (1, 3, 3)),  # 12 slots for 7 entries: one entry per chunk
    ],
)
def test_the_cost_model_fits_a_chunk_in_cache_and_keeps_every_core_busy(n, devices, machine, entry, shared, want):
    p = engine.plan(n, devices, "auto", working_set=engine.WorkingSet(entry, shared), machine=machine)
    assert (p.chunk_size, p.chunks_per_device, p.concurrency) == want
    assert not p.partitioned and p.reason
    budget = engine.CPU_CACHE_FILL * (machine.cache_bytes[2] + machine.cache_bytes[3])
    if p.chunk_size > 1:  # the chunk's working set fits, or it is one chunk per slot
        assert shared + p.chunk_size * entry <= budget or p.chunk_size == -(-n // (devices * machine.slots_per_device))


def test_on_an_accelerator_the_model_chunks_only_what_overflows_its_memory():
    gpu = engine.Machine("gpu", 1, {}, "none", memory_bytes=16 * 2**30)
    small = engine.plan(569, 2, "auto", working_set=engine.WorkingSet(267_000, 214_000), machine=gpu)
    assert (small.chunk_size, small.chunks_per_device) == (285, 1)  # one chunk per device
    huge = engine.plan(4000, 1, "auto", working_set=engine.WorkingSet(16 * _MiB, 0), machine=gpu)
    assert huge.chunk_size == 500  # 8 GiB of 16 MiB entries: 8 chunks of 500
    unknown = engine.plan(
        4000, 1, "auto", working_set=engine.WorkingSet(16 * _MiB, 0), machine=gpu.__class__("gpu", 1, {}, "none")
    )
    assert unknown.chunk_size == 4000 and "no cache or memory size" in unknown.reason


def test_without_a_working_set_auto_is_one_chunk_per_slot():
    assert engine.plan(569, 1, "auto", machine=_cpu(slots=2)).chunk_size == 285
    assert engine.plan(569, 1).chunk_size == 569  # the default plan: auto, one slot, no model


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 600),
    devices=st.integers(1, 8),
    slots=st.integers(1, 4),
    entry=st.integers(1, 4 * _MiB),
    shared=st.integers(0, 2 * _MiB),
)
def test_auto_plans_run_every_entry_once_in_equal_lanes(n, devices, slots, entry, shared):
    p = engine.plan(n, devices, "auto", working_set=engine.WorkingSet(entry, shared), machine=_cpu(slots=slots))
    ran = [e for i in range(devices) for start in p.chunks(i) for e in range(start, start + p.chunk_size)]
    assert sorted(e for e in ran if e < n) == list(range(n))
    assert p.n_padded - n < p.chunk_size * devices
    assert 1 <= p.concurrency <= slots
    even = -(-n // (devices * slots))
    assert p.chunk_size <= even  # never fewer chunks than slots (when there are entries enough)


def _mlp_program(chunk):
    """A chunk of `chunk` linear-tanh-linear models trained by gradient descent on shared data (100, 8)."""

    def fn(x, w):
        def step(w, _):
            loss = lambda w: jnp.mean(jnp.tanh(x @ w) ** 2)
            return w - 0.1 * jax.grad(loss)(w), None

        return jax.vmap(lambda w: jax.lax.scan(step, w, length=5)[0])(w)

    return jax.jit(fn).trace(jnp.ones((100, 8)), jnp.ones((chunk, 8, 16)))


def test_the_working_set_is_per_entry_and_does_not_grow_with_the_traced_chunk():
    one = engine.working_set(_mlp_program(3).jaxpr, [False, True], 3)
    other = engine.working_set(_mlp_program(7).jaxpr, [False, True], 7)
    assert one == other
    # per entry and iteration: its weights (8 x 16), x @ w and its tanh (100 x 16), their
    # gradients, in float32; shared: x (100 x 8) and its transpose
    assert 4 * (8 * 16 + 2 * 100 * 16) <= one.entry_bytes <= 4 * (3 * 8 * 16 + 6 * 100 * 16)
    assert 4 * 100 * 8 <= one.shared_bytes <= 2 * 4 * 100 * 8  # x, and x.T if XLA's input needs it


def _per_entry_data_program(chunk):
    """As :func:`_mlp_program`, but every entry has its own data (100, 8), as when each fold
    standardises the rows: every product in the loop is then batched."""

    def fn(x, w):
        def step(carry, _):
            x, w = carry
            loss = lambda w: jnp.mean(jnp.tanh(x @ w) ** 2)
            return (x, w - 0.1 * jax.grad(loss)(w)), None

        return jax.vmap(lambda x, w: jax.lax.scan(step, (x, w), length=5)[0][1])(x, w)

    return jax.jit(fn).trace(jnp.ones((chunk, 100, 8)), jnp.ones((chunk, 8, 16)))


def test_the_working_set_counts_the_loops_batched_products():
    shared = engine.working_set(_mlp_program(3).jaxpr, [False, True], 3)
    assert shared.batched_product_share == 0.0  # x @ w and x.T @ grad: one operand shared
    own = engine.working_set(_per_entry_data_program(3).jaxpr, [True, True], 3)
    assert own.batched_product_share == 1.0


def test_on_cpu_batched_products_run_one_entry_per_chunk():
    machine = _cpu(slots=2, l3=16 * _MiB)
    batched = engine.WorkingSet(336_000, 146_000, batched_product_share=1.0)  # the command line's LOOCV
    p = engine.plan(569, 1, "auto", working_set=batched, machine=machine)
    assert (p.chunk_size, p.chunks_per_device, p.concurrency) == (1, 569, 2) and "batched" in p.reason
    mostly_shared = engine.WorkingSet(336_000, 146_000, batched_product_share=0.05)  # shared data
    assert engine.plan(569, 1, "auto", working_set=mostly_shared, machine=machine).chunk_size == 19
    # a small entry (iris) is loop-overhead bound: chunks still pay
    small = engine.WorkingSet(20_000, 5_000, batched_product_share=1.0)
    assert engine.plan(150, 1, "auto", working_set=small, machine=machine).chunk_size == 75
    # on an accelerator a batched product is one kernel: the share does not matter
    gpu = engine.Machine("gpu", 1, {}, "none", memory_bytes=16 * 2**30)
    assert engine.plan(569, 1, "auto", working_set=batched, machine=gpu).chunk_size == 569


def test_the_working_set_follows_values_through_while_loops_and_conditionals():
    def fn(x, w):
        def body(carry):
            i, w = carry
            w = jax.lax.cond(i % 2 == 0, lambda w: w * 2.0, lambda w: w + x.sum(), w)
            return i + 1, jnp.tanh(w @ jnp.ones((64, 64)))

        return jax.lax.while_loop(lambda c: c[0] < 3, body, (0, w))[1]

    traced = jax.jit(fn).trace(jnp.ones((1000,)), jnp.ones((4, 64)))
    ws = engine.working_set(traced.jaxpr, [False, True], 4)
    assert 64 * 4 <= ws.entry_bytes <= 8 * 64 * 4  # a few (64,) rows per entry
    assert ws.shared_bytes >= 1000 * 4  # x is read in the loop


def test_machine_reads_the_cpu_caches_from_sysfs(tmp_path, monkeypatch):
    for index, (level, kind, size, cpus) in enumerate(
        [
            (1, "Data", "48K", "0"),
            (1, "Instruction", "32K", "0"),
            (2, "Unified", "1024K", "0"),
            (3, "Unified", "32768K", "0-1"),
        ]
    ):
        folder = tmp_path / "cpu0" / "cache" / f"index{index}"
        folder.mkdir(parents=True)
        for name, value in (("level", level), ("type", kind), ("size", size), ("shared_cpu_list", cpus)):
            (folder / name).write_text(f"{value}\n")
    monkeypatch.setattr(engine, "_SYSFS_CACHE", str(tmp_path / "cpu{cpu}" / "cache"))
    monkeypatch.setattr(engine.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    engine._cpu_caches.cache_clear()
    try:
        m = engine.machine(jax.devices("cpu")[0])
        assert dict(m.cache_bytes) == {1: 48 * 2**10, 2: _MiB, 3: 16 * _MiB} and m.cache_source == "sysfs"
        assert m.slots_per_device == 1  # the one core the (patched) affinity allows
        monkeypatch.setattr(engine, "_SYSFS_CACHE", str(tmp_path / "nowhere{cpu}"))
        engine._cpu_caches.cache_clear()
        m = engine.machine(jax.devices("cpu")[0])
        assert dict(m.cache_bytes) == dict(engine.FALLBACK_CACHE_BYTES) and m.cache_source == "fallback"
    finally:
        engine._cpu_caches.cache_clear()


def test_auto_plans_from_the_traced_program_and_traces_it_once_when_it_fits():
    shared, entries = _inputs(3, n=9)
    roomy = engine.Machine("cpu", 2, {2: _MiB, 3: _MiB}, "test")
    out = engine.run(_fn, shared, entries, static={"power": 5}, mesh=_ONE, machine=roomy)
    assert (out.plan.chunk_size, out.plan.chunks_per_device, out.plan.concurrency) == (5, 2, 2)
    assert "fit" in out.plan.reason and out.n_compiles == 1
    tight = engine.Machine("cpu", 1, {2: 40, 3: 0}, "test")  # room for one entry of 3 floats and the shared data
    out = engine.run(_fn, shared, entries, static={"power": 5}, mesh=_ONE, machine=tight)
    assert out.plan.chunk_size < 9 and out.n_compiles == 1
    np.testing.assert_allclose(out.outputs["y"], _plain_jit(shared, entries, power=5)["y"], rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------- chunks in parallel


def _fold_program():
    """A small cross-validation program: 11 folds of a one-hidden-layer net trained with Adam."""
    from fnn import losses, mlp, optim, train
    from fnn.cv import program

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(np.int32)
    net = mlp.MLP([3, 5, 2], activation="tanh")

    def loss(p, X, y):
        return losses.cross_entropy(net.apply(p, X), y, reduction="none")

    def fit_fn(key, X, y, w):
        return train.fit(loss, net.init(key), optim.adam(0.05), X, y, epochs=6, weights=w)

    def score_fn(p, X, y, w):
        return jnp.sum(w * (jnp.argmax(net.apply(p, X), -1) == y)) / jnp.sum(w)

    return program.arguments(fit_fn, score_fn, X, y, cv.kfold(40, 11), jax.random.key(3)), program


def test_chunks_in_parallel_threads_are_bitwise_the_sequential_chunks():
    args, program = _fold_program()
    runs = {
        slots: engine.run(
            program.fit_and_score_chunk,
            args.shared,
            args.entries,
            static=args.static,
            mesh=_ONE,
            chunk_size=2,
            machine=engine.Machine("cpu", slots, {}, "test"),
        )
        for slots in (1, 3)
    }
    assert runs[1].plan.concurrency == 1 and runs[3].plan.concurrency == 3  # 6 chunks: 3 lanes of 2
    assert runs[3].n_compiles == 0  # the same executable: compiled once, for the first run
    for a, b in zip(jax.tree.leaves(runs[1].outputs), jax.tree.leaves(runs[3].outputs), strict=True):
        np.testing.assert_array_equal(a, b)


def test_use_cpu_cores_refuses_once_jax_has_started():
    jax.devices()  # started
    with pytest.raises(RuntimeError, match="use_cpu_cores: JAX has already started .* right after the imports"):
        cv.use_cpu_cores()
