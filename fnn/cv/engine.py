r"""The engine: one function mapped over many entries, in equal chunks, on one device or many.

The engine knows nothing of folds. It runs ``fn(*shared, *chunk, **static)``, where
``shared`` is the same for every entry and every leaf of ``chunk`` holds a chunk of
entries along its leading axis, and returns ``fn``'s outputs for every entry, in order:

1. :func:`device_mesh` turns ``devices=`` into a mesh.
2. :func:`plan` cuts the entries into equal chunks, an equal number per device. It is
   the one place that chooses the chunk size.
3. :func:`run` lowers and compiles the program (:func:`lower` gives the lowered
   one-chunk program, for a memory analysis), sends the chunks to the devices, and
   gathers the outputs of the real entries from every process.

Padding. The entries are padded to full chunks with copies of entry 0, whose outputs
are dropped. A copy costs what a real entry costs, never more (a data-dependent loop
stops when entry 0 does), it computes only finite values where entry 0 does, and the
engine need not know what an "empty" entry of the caller would be. Every entry is
computed independently of the others (``fn`` maps over them), so the outputs of real
entries do not depend on the padding.

Two ways to use several devices:

* ``chunk_size=None``: one chunk of ``ceil(entries / devices)`` per device, all run as one
  XLA-partitioned program (``shard_map`` over the mesh), compiled once.
* ``chunk_size=c``: every device runs the same single-device program on its chunks of
  ``c``, compiled for each device that runs a chunk (in parallel threads). Every chunk
  is then the same program on the same shapes on any number of devices or processes,
  so the outputs are bitwise those of one device. A partitioned program cannot promise
  that: XLA optimises it through another pass pipeline, whose rewrites (``a / b`` into
  ``a * (1 / b)`` in other places, for one) round differently.

Compiler options (``compiler_options=``): ``"auto"`` (the default) compiles with
:data:`CPU_FAST_COMPILE` on CPU and with XLA's defaults elsewhere; ``None`` uses XLA's
defaults everywhere; a dict is given to XLA as it is, on every platform.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextvars
import dataclasses
import functools
import numbers
import time
import types
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from fnn._validate import check_int

__all__ = [
    "CPU_FAST_COMPILE",
    "ENTRY_AXIS",
    "Plan",
    "Run",
    "check_compiler_options",
    "device_mesh",
    "lower",
    "plan",
    "run",
    "run_first_chunk",
]


def __dir__() -> list[str]:
    return list(__all__)


#: The name of the mesh axis that :func:`device_mesh` spreads entries over.
ENTRY_AXIS = "entries"

#: XLA options that compile the CPU program several times faster at about the same
#: run speed: LLVM at -O1 instead of -O2, and XLA's classic elemental emitters
#: instead of the newer MLIR fusion emitters. A cross-validation script runs its
#: program once, so compile time is a large part of what its user waits for (the
#: README has the measurements). The code is IEEE float32 like the default's, but not
#: the same instructions: results agree with a default ``jax.jit`` to float32
#: rounding, which long training can amplify. ``compiler_options="auto"`` applies
#: these on CPU only, and falls back to XLA's defaults if the installed XLA no longer
#: knows one of them.
CPU_FAST_COMPILE: Mapping[str, Any] = types.MappingProxyType(
    {"xla_backend_optimization_level": 1, "xla_cpu_use_fusion_emitters": False}
)

_BACKEND_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_REJECTED_OPTION = ("No such compile option", "While setting option")


# --------------------------------------------------------------------------- devices


def device_mesh(devices: Any = None, *, where: str = "device_mesh") -> Mesh:
    """The devices entries are spread over, as a mesh (one axis, :data:`ENTRY_AXIS`, unless a
    ``Mesh`` is given).

    Entries are split over the mesh's devices in their flat (row-major) order. In a
    multi-process run every process must hold the same number of them (each process
    runs the entries of its own devices).

    Args:
      devices: ``None`` for every device JAX sees (every process's devices after
        ``jax.distributed.initialize``), a list of devices (``jax.devices()[:4]``), or a
        ``jax.sharding.Mesh``.
      where: the caller's name, for error messages.

    Example:
      >>> device_mesh([jax.devices()[0]]).size
      1
    """
    if devices is None:
        devices = jax.devices()
    if isinstance(devices, Mesh):
        mesh = devices
    else:
        if isinstance(devices, jax.Device):
            raise TypeError(
                f"{where}: devices must be a list of devices, got one device {devices}; write devices=[{devices}]"
            )
        if not isinstance(devices, (list, tuple)):
            raise TypeError(
                f"{where}: devices must be None (all devices), a list of jax devices "
                f"(e.g. jax.devices()[:4]) or a jax.sharding.Mesh, got {type(devices).__name__}"
            )
        devices = list(devices)
        if not devices:
            raise ValueError(f"{where}: devices is empty; pass None for every device or e.g. jax.devices()[:2]")
        for d in devices:
            if not isinstance(d, jax.Device):
                raise TypeError(
                    f"{where}: devices must hold jax devices (from jax.devices()), got {type(d).__name__} {d!r}"
                )
        if len(set(devices)) != len(devices):
            raise ValueError(f"{where}: devices lists a device twice: {devices}; list each device once")
        # Auto axes: inputs are resharded and outputs sliced as in classic jit (an
        # Explicit mesh, jax.make_mesh's default, asks for out_sharding on every slice).
        mesh = Mesh(np.array(devices), (ENTRY_AXIS,), axis_types=(AxisType.Auto,))
    per_process = collections.Counter(d.process_index for d in mesh.devices.flat)
    if len(per_process) != jax.process_count() or len(set(per_process.values())) != 1:
        raise ValueError(
            f"{where}: every process must hold the same number of the devices, got "
            f"{dict(sorted(per_process.items()))} (process index: devices) in a run of "
            f"{jax.process_count()} processes; pass devices=None for every device"
        )
    return mesh


def _local_devices(mesh: Mesh) -> list[tuple[int, Any]]:
    """``(position in the mesh's flat order, device)`` for this process's devices."""
    return [(i, d) for i, d in enumerate(mesh.devices.flat) if d.process_index == jax.process_index()]


# --------------------------------------------------------------------------- the plan


@dataclasses.dataclass(frozen=True)
class Plan:
    """How ``n_entries`` entries are cut into equal chunks, an equal number per device.

    Device ``i`` (in the mesh's flat order) holds chunks ``i * chunks_per_device`` to
    ``(i + 1) * chunks_per_device - 1``; entry ``e`` is in chunk ``e // chunk_size``.
    The entries past ``n_entries`` (up to :attr:`n_padded`) are padding.
    """

    #: the real entries
    n_entries: int
    #: the devices of the mesh
    n_devices: int
    #: entries per chunk: the mapped axis of the compiled program
    chunk_size: int
    chunks_per_device: int
    #: one XLA-partitioned program for all devices, else the single-device program per chunk
    partitioned: bool

    @property
    def n_padded(self) -> int:
        """The entries the chunks hold, padding included."""
        return self.chunk_size * self.chunks_per_device * self.n_devices

    def chunks(self, position: int) -> list[int]:
        """The first entry of each chunk device ``position`` runs.

        With a single-device program, chunks of padding only are not run. The
        partitioned program runs every device's chunk.
        """
        starts = [(position * self.chunks_per_device + j) * self.chunk_size for j in range(self.chunks_per_device)]
        return starts if self.partitioned else [s for s in starts if s < self.n_entries]


def plan(n_entries: int, n_devices: int, chunk_size: int | None = None, *, where: str = "plan") -> Plan:
    """Equal chunks, an equal number on every device; the one place the chunk size is chosen.

    Without ``chunk_size`` each device runs one chunk of ``ceil(n_entries / n_devices)``,
    as one partitioned program when there are several devices. A given ``chunk_size``
    is kept whatever the device count (cut only to ``n_entries``), so every chunk is
    the same program on the same shapes on 1 device or 8.

    Example:
      >>> p = plan(23, 1, 5)
      >>> p.chunk_size, p.chunks_per_device, p.n_padded
      (5, 5, 25)
    """
    n_entries = check_int(n_entries, "n_entries", where, 1)
    n_devices = check_int(n_devices, "n_devices", where, 1)
    if chunk_size is None:
        chunk = _ceil_div(n_entries, n_devices)
    else:
        chunk = min(check_int(chunk_size, "chunk_size", where, 1), n_entries)
    chunks_per_device = _ceil_div(_ceil_div(n_entries, chunk), n_devices)
    return Plan(n_entries, n_devices, chunk, chunks_per_device, chunk_size is None and n_devices > 1)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# --------------------------------------------------------------------------- compiler options


def check_compiler_options(compiler_options: Any, where: str = "check_compiler_options") -> None:
    """Raises unless ``compiler_options`` is ``"auto"``, ``None`` or a dict of XLA options.

    Only XLA knows its option names; a name it does not know is reported when the
    program is compiled (a ``ValueError``, before anything runs).
    """
    if compiler_options is None or (isinstance(compiler_options, str) and compiler_options == "auto"):
        return
    if isinstance(compiler_options, str):
        raise ValueError(
            f"{where}: compiler_options must be 'auto', None or a dict of XLA options, got {compiler_options!r}"
        )
    if not isinstance(compiler_options, Mapping):
        raise TypeError(
            f"{where}: compiler_options must be 'auto', None or a dict of XLA options such as "
            f"{dict(CPU_FAST_COMPILE)}, got {type(compiler_options).__name__}"
        )
    for name, value in compiler_options.items():
        if not isinstance(name, str):
            raise TypeError(f"{where}: compiler_options names must be strings (XLA option names), got {name!r}")
        if not isinstance(value, (bool, numbers.Real, str)):
            raise TypeError(
                f"{where}: compiler_options[{name!r}] must be a bool, number or string, got {type(value).__name__}"
            )


def _options_for(compiler_options: Any, platform: str) -> tuple[dict, bool]:
    """The options to compile with on ``platform``, and whether to fall back to XLA's
    defaults if XLA rejects them (only for fnn's own choice, never for the user's)."""
    if compiler_options is None:
        return {}, False
    if isinstance(compiler_options, str):  # "auto"
        return (dict(CPU_FAST_COMPILE), True) if platform == "cpu" else ({}, False)
    return dict(compiler_options), False


def _compile(lowered: jax.stages.Lowered, options: dict, fallback: bool, where: str) -> jax.stages.Compiled:
    if not options:
        return lowered.compile()
    try:
        return lowered.compile(compiler_options=options)
    except Exception as err:  # jaxlib's runtime error; its class has moved between versions
        if not any(m in str(err) for m in _REJECTED_OPTION):
            raise
        if fallback:
            return lowered.compile()
        raise ValueError(
            f"{where}: XLA rejected compiler_options={options}: {err}. Give XLA option names and "
            "values it knows, or compiler_options=None for its defaults"
        ) from None


# --------------------------------------------------------------------------- compilations


_compile_count: contextvars.ContextVar[list | None] = contextvars.ContextVar("fnn_cv_compile_count", default=None)


def _count_compile(event: str, duration_secs: float, **_: Any) -> None:
    counter = _compile_count.get()
    if counter is not None and event == _BACKEND_COMPILE_EVENT:
        counter.append(duration_secs)


# JAX reports every backend compilation (not the cache hits) with this event; a run
# counts those that happen in its own context, so concurrent runs do not mix.
jax.monitoring.register_event_duration_secs_listener(_count_compile)


@functools.lru_cache(maxsize=128)
def _jitted(fn: Callable, static_names: tuple[str, ...]) -> Any:
    # one jit wrapper per function: JAX's trace and compile caches key on it
    return jax.jit(fn, static_argnames=static_names)


@functools.partial(jax.jit, static_argnames=("fn", "static", "n_shared", "mesh", "key_impls"))
def _partitioned_program(*args, fn, static, n_shared, mesh, key_impls):
    """One chunk per device of ``mesh`` as one XLA-partitioned program (``shard_map``),
    compiled once for all devices: shared arguments replicated, entries split over the mesh."""

    def block(*args):
        leaves, tree = jax.tree.flatten(args)
        # typed keys cross shard_map as their raw data
        leaves = [
            a if impl is None else jax.random.wrap_key_data(a, impl=impl)
            for a, impl in zip(leaves, key_impls, strict=True)
        ]
        return fn(*jax.tree.unflatten(tree, leaves), **dict(static))

    mapped = P(tuple(mesh.axis_names))
    # check_vma=False: user code (a scan whose carry starts from constants, say) need
    # not annotate which values vary across devices.
    return jax.shard_map(
        block,
        mesh=mesh,
        in_specs=(P(),) * n_shared + (mapped,) * (len(args) - n_shared),
        out_specs=mapped,
        check_vma=False,
    )(*args)


# --------------------------------------------------------------------------- running


@dataclasses.dataclass(frozen=True)
class Run:
    """What :func:`run` returns."""

    #: ``fn``'s outputs for the real entries: numpy arrays with a leading axis of ``n_entries``
    outputs: Any
    plan: Plan
    #: seconds from the first chunk sent to the last output on the host
    run_time: float
    #: seconds to trace, lower and compile (and to copy the shared arguments to the devices)
    compile_time: float
    #: XLA compilations this run caused (0 when JAX's caches held every program)
    n_compiles: int
    #: the compiled programs: the partitioned one, or one per device of this process that ran a chunk
    executables: tuple


def _host_entries(entries: tuple, where: str) -> tuple[tuple, int]:
    leaves = jax.tree.leaves(entries)
    if not leaves:
        raise ValueError(f"{where}: entries has no arrays; give at least one array with a leading axis of entries")
    entries = jax.tree.map(np.asarray, entries)
    sizes = {np.shape(a)[0] if np.ndim(a) else None for a in jax.tree.leaves(entries)}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(
            f"{where}: every array in entries needs the same leading axis (one row per entry), "
            f"got leading sizes {sorted(sizes, key=str)}"
        )
    return entries, int(next(iter(sizes)) or 0)


def _pad(entries: Any, n_padded: int) -> Any:
    """``entries`` padded to ``n_padded`` rows with copies of entry 0 (see the module docstring)."""

    def pad(a):
        extra = n_padded - a.shape[0]
        return a if extra == 0 else np.concatenate([a, np.repeat(a[:1], extra, axis=0)])

    return jax.tree.map(pad, entries)


def _check_static(static: Mapping[str, Hashable] | None, where: str) -> dict:
    static = {} if static is None else dict(static)
    for name, value in static.items():
        try:
            hash(value)
        except TypeError:
            raise TypeError(
                f"{where}: static[{name!r}] must be hashable (it is a compile-time constant), "
                f"got {type(value).__name__}"
            ) from None
    return static


def lower(
    fn: Callable,
    shared: tuple,
    entries: tuple,
    *,
    static: Mapping[str, Hashable] | None = None,
    chunk_size: int | None = None,
    device: Any = None,
) -> jax.stages.Lowered:
    """The single-device program for one chunk, lowered for ``device`` but not compiled.

    ``lower(...).compile().memory_analysis()`` sizes a chunk's program without running it.

    Args:
      fn, shared, entries, static, chunk_size: as :func:`run` (``chunk_size=None``: all
        entries in one chunk).
      device: a device, by default ``jax.devices()[0]``.
    """
    entries, n = _host_entries(entries, "lower")
    static = _check_static(static, "lower")
    chunk = plan(n, 1, chunk_size, where="lower").chunk_size
    device = jax.devices()[0] if device is None else device
    first = jax.device_put(jax.tree.map(lambda a: a[:chunk], entries), device)
    return _jitted(fn, tuple(static)).lower(*jax.device_put(shared, device), *first, **static)


def run(
    fn: Callable,
    shared: tuple,
    entries: tuple,
    *,
    mesh: Mesh,
    static: Mapping[str, Hashable] | None = None,
    chunk_size: int | None = None,
    compiler_options: Any = "auto",
    where: str = "run",
) -> Run:
    """Runs ``fn(*shared, *chunk, **static)`` on every chunk of ``entries`` over the devices of ``mesh``.

    Every process of a multi-process run must call it with the same arguments; every
    process gets all the outputs.

    Args:
      fn: maps a chunk of entries (a leading axis on every leaf of ``chunk``, and on
        every output) to its outputs, each entry independently of the others (a
        ``vmap``, say). Give the same function object each time: JAX caches its traces
        and compilations by it, with ``static``.
      shared: positional arguments every entry shares (pytrees of arrays; copied to
        every device).
      entries: positional arguments mapped over: pytrees of numeric host arrays, each
        with the same leading axis, one row per entry.
      mesh: the devices (:func:`device_mesh`).
      static: keyword arguments that are compile-time constants (hashable).
      chunk_size: entries per chunk (see :func:`plan`); ``None`` for one chunk per device.
      compiler_options: ``"auto"``, ``None`` or a dict of XLA options (module docstring).
      where: the caller's name, for error messages.

    Returns:
      a :class:`Run`: the outputs of the real entries (numpy, in entry order), the run
      and compile times, the number of compilations and the executables.

    Example:
      >>> import jax.numpy as jnp
      >>> out = run(lambda scale, x: scale * jnp.sin(x), (2.0,), (np.arange(5.0),),
      ...           mesh=device_mesh([jax.devices()[0]]), chunk_size=2)
      >>> out.outputs.round(3), out.plan.n_padded
      (array([ 0.   ,  1.683,  1.819,  0.282, -1.514], dtype=float32), 6)
    """
    check_compiler_options(compiler_options, where)
    entries, n = _host_entries(entries, where)
    static = _check_static(static, where)
    the_plan = plan(n, mesh.size, chunk_size, where=where)
    entries = _pad(entries, the_plan.n_padded)
    counter: list = []
    token = _compile_count.set(counter)
    try:
        if the_plan.partitioned:
            outputs, run_time, compile_time, executables = _run_partitioned(
                fn, shared, entries, static, mesh, the_plan, compiler_options, where
            )
        else:
            outputs, run_time, compile_time, executables = _run_chunks(
                fn, shared, entries, static, mesh, the_plan, compiler_options, where
            )
    finally:
        _compile_count.reset(token)
    return Run(outputs, the_plan, run_time, compile_time, len(counter), executables)


def _place(tree: Any, mesh: Mesh, spec: P) -> Any:
    """Host values as global arrays on ``mesh``; every process passes the same values."""
    sharding = NamedSharding(mesh, spec)

    def put(a):
        a = np.asarray(a)
        return jax.make_array_from_callback(a.shape, sharding, lambda index: a[index])

    return jax.tree.map(put, tree)


def _raw_keys(args: tuple) -> tuple[tuple, tuple]:
    """``args`` with typed PRNG keys as their raw data, and each leaf's key implementation (or None)."""
    leaves, tree = jax.tree.flatten(args)
    impls = tuple(
        str(jax.random.key_impl(a))
        if jax.dtypes.issubdtype(getattr(a, "dtype", None) or np.float32, jax.dtypes.prng_key)
        else None
        for a in leaves
    )
    leaves = [a if impl is None else jax.random.key_data(a) for a, impl in zip(leaves, impls, strict=True)]
    return jax.tree.unflatten(tree, leaves), impls


def _to_host(tree: Any, n: int) -> Any:
    """Numpy copies of (possibly multi-process) arrays, cut to the first ``n`` entries."""

    def get(a):
        if not a.is_fully_addressable:  # other processes hold some entries: gather them
            a = multihost_utils.process_allgather(a, tiled=True)
        return np.asarray(a)[:n]

    return jax.tree.map(get, tree)


def _run_partitioned(fn, shared, entries, static, mesh, the_plan, compiler_options, where):
    """One chunk per device, all devices in one partitioned program."""
    t0 = time.perf_counter()
    args, key_impls = _raw_keys(tuple(shared) + tuple(entries))
    n_shared = len(shared)
    args = _place(args[:n_shared], mesh, P()) + _place(args[n_shared:], mesh, P(tuple(mesh.axis_names)))
    lowered = _partitioned_program.lower(
        *args, fn=fn, static=tuple(static.items()), n_shared=n_shared, mesh=mesh, key_impls=key_impls
    )
    compiled = _compile(lowered, *_options_for(compiler_options, mesh.devices.flat[0].platform), where)
    compile_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = jax.block_until_ready(compiled(*args))
    run_time = time.perf_counter() - t0
    return _to_host(out, the_plan.n_entries), run_time, compile_time, (compiled,)


def _compile_all(lowered: dict, compiler_options: Any, where: str) -> dict:
    """One executable per device: the same program, compiled for each (in parallel
    threads when there are several; XLA releases the GIL while it compiles)."""

    def one(item):
        device, low = item
        return device, _compile(low, *_options_for(compiler_options, device.platform), where)

    if len(lowered) == 1:
        return dict(map(one, lowered.items()))
    # each thread runs in its own copy of this thread's context, where the run's
    # compilation counter is set (a context cannot be entered by two threads at once)
    contexts = [contextvars.copy_context() for _ in lowered]
    with concurrent.futures.ThreadPoolExecutor(len(lowered)) as pool:
        return dict(pool.map(lambda ctx, item: ctx.run(one, item), contexts, lowered.items()))


def _dispatch(executables: dict, shared: dict, entries: Any, the_plan: Plan, devices: list) -> dict:
    """Runs every chunk of this process's devices: the one place chunks are sent to devices.

    Returns ``{(position, j): outputs of device position's j-th chunk}`` on the host.
    Dispatch is asynchronous, so the devices run at once.
    """

    def chunk(start):
        return jax.tree.map(lambda a: a[start : start + the_plan.chunk_size], entries)

    outputs = {}
    starts = {position: the_plan.chunks(position) for position, _ in devices}
    for j in range(the_plan.chunks_per_device):
        for position, device in devices:
            if j < len(starts[position]):
                on_device = jax.device_put(chunk(starts[position][j]), device)
                outputs[position, j] = executables[device](*shared[device], *on_device)
    return jax.device_get(jax.block_until_ready(outputs))


def _gather(local: Any, positions: np.ndarray, n: int) -> Any:
    """Every process's ``(devices, entries per device, ...)`` outputs in mesh order,
    as ``(n, ...)`` numpy arrays (an all-gather across processes if several)."""
    if jax.process_count() > 1:
        local, positions = multihost_utils.process_allgather((local, positions))  # stacked by process
        positions = positions.reshape(-1)
        local = jax.tree.map(lambda a: a.reshape((-1,) + a.shape[2:]), local)
    order = np.argsort(positions)
    return jax.tree.map(lambda a: a[order].reshape((-1,) + a.shape[2:])[:n], local)


def _run_chunks(fn, shared, entries, static, mesh, the_plan, compiler_options, where):
    """The single-device program on every chunk of every device of this process."""
    t0 = time.perf_counter()
    devices = _local_devices(mesh)
    running = [device for position, device in devices if the_plan.chunks(position)]
    program = _jitted(fn, tuple(static))
    first = jax.tree.map(lambda a: a[: the_plan.chunk_size], entries)
    placed, lowered = {}, {}
    # a process whose devices run nothing still lowers once: the gather needs the output shapes
    for device in running or [devices[0][1]]:
        placed[device] = jax.device_put(tuple(shared), device)
        lowered[device] = program.lower(*placed[device], *jax.device_put(first, device), **static)
    out_info = next(iter(lowered.values())).out_info
    executables = _compile_all({d: lowered[d] for d in running}, compiler_options, where)
    compile_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    outputs = _dispatch(executables, placed, entries, the_plan, devices)
    run_time = time.perf_counter() - t0

    blank = jax.tree.map(lambda s: np.zeros(s.shape, s.dtype), out_info)
    local = jax.tree.map(
        lambda *chunks: np.stack(chunks).reshape((len(devices), -1) + chunks[0].shape[1:]),
        *[outputs.get((position, j), blank) for position, _ in devices for j in range(the_plan.chunks_per_device)],
    )
    gathered = _gather(local, np.array([p for p, _ in devices]), the_plan.n_entries)
    return gathered, run_time, compile_time, tuple(executables.values())


# --------------------------------------------------------------------------- running a compiled program again


def run_first_chunk(result: Run, shared: tuple, entries: tuple, *, mesh: Mesh) -> Any | None:
    """Runs ``result``'s compiled program once more on the entries of its first chunk, with other ``shared``.

    Nothing is traced or compiled: ``shared`` must have the shapes and dtypes ``result``
    was compiled for (``entries`` are those given to :func:`run`). Each entry of the
    first chunk is computed by the same executable at the same position in its chunk
    as in ``result``, so an entry whose outputs depend only on its own row and on
    ``shared`` gives bitwise what ``result`` gave where ``shared`` is unchanged (for
    ``fnn.cv``'s leakage check, which changes rows an honest fold never reads). It costs
    one chunk's run time (the partitioned program: one run on every device).

    Args:
      result: what :func:`run` returned for the same ``fn``, ``entries`` and ``mesh``.
      shared: the other shared arguments.
      entries: the entries given to :func:`run`.
      mesh: the mesh given to :func:`run`.

    Returns:
      the outputs of the first chunk's entries (numpy, leading axis ``plan.chunk_size``),
      or ``None`` on a process of a multi-process run none of whose devices ran a chunk
      (every other process returns the same outputs).
    """
    the_plan = result.plan
    entries, _ = _host_entries(entries, "run_first_chunk")
    if the_plan.partitioned:
        args, _ = _raw_keys(tuple(shared) + tuple(_pad(entries, the_plan.n_padded)))
        n_shared = len(shared)
        args = _place(args[:n_shared], mesh, P()) + _place(args[n_shared:], mesh, P(tuple(mesh.axis_names)))
        return _to_host(jax.block_until_ready(result.executables[0](*args)), the_plan.chunk_size)
    running = [device for position, device in _local_devices(mesh) if the_plan.chunks(position)]
    if not running:
        return None
    # result.executables holds one executable per running device of this process, in mesh order
    first = jax.tree.map(lambda a: a[: the_plan.chunk_size], entries)
    on_device = jax.device_put((tuple(shared), first), running[0])
    return jax.device_get(jax.block_until_ready(result.executables[0](*on_device[0], *on_device[1])))
