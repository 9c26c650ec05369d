r"""The engine: one function mapped over many entries, in equal chunks, on one device or many.

The engine knows nothing of folds. It runs ``fn(*shared, *chunk, **static)``, where
``shared`` is the same for every entry and every leaf of ``chunk`` holds a chunk of
entries along its leading axis, and returns ``fn``'s outputs for every entry, in order:

1. :func:`device_mesh` turns ``devices=`` into a mesh.
2. :func:`plan` cuts the entries into equal chunks, an equal number per device. It is
   the one place that chooses the chunk size: with ``chunk_size="auto"`` from a cost
   model of the program (:func:`working_set`, read from its jaxpr) and of the machine
   (:func:`machine`: the CPU caches from the OS, or an accelerator's memory).
3. :func:`run` lowers and compiles the program (:func:`lower` gives the lowered
   one-chunk program, for a memory analysis), sends the chunks to the devices, and
   gathers the outputs of the real entries from every process.

Padding. The entries are padded to full chunks with copies of entry 0, whose outputs
are dropped. A copy costs what a real entry costs, never more (a data-dependent loop
stops when entry 0 does), it computes only finite values where entry 0 does, and the
engine need not know what an "empty" entry of the caller would be. Every entry is
computed independently of the others (``fn`` maps over them), so the outputs of real
entries do not depend on the padding.

Chunks. On CPU a chunk whose working set fits in a core's cache trains several times
faster than one that streams from memory, and every core can run a chunk: the chunks
of a device run in ``Plan.concurrency`` threads at once (one per core of the process,
spread over its CPU devices; :func:`use_cpu_cores` gives JAX one CPU device per core).
Every chunk is the same executable on the same shapes, so neither the threads nor the
device a chunk lands on change a bit of its outputs.

Several devices:

* ``chunk_size="auto"`` or ``c``: every device runs the same single-device program on
  its chunks, compiled once for the first device (on CPU the others load the same
  executable; elsewhere each compiles it, in parallel threads). With a given ``c``
  every chunk is the same program on the same shapes on any number of devices or
  processes, so the outputs are bitwise those of one device.
* ``chunk_size=None``: one chunk of ``ceil(entries / devices)`` per device, all run as one
  XLA-partitioned program (``shard_map`` over the mesh), compiled once. A partitioned
  program cannot promise bitwise equality: XLA optimises it through another pass
  pipeline, whose rewrites (``a / b`` into ``a * (1 / b)`` in other places, for one)
  round differently.

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
import io
import numbers
import os
import time
import types
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from fnn._validate import check_int

__all__ = [
    "CPU_BATCHED_PRODUCT_SHARE",
    "CPU_CACHE_FILL",
    "CPU_FAST_COMPILE",
    "DEVICE_MEMORY_FILL",
    "ENTRY_AXIS",
    "FALLBACK_CACHE_BYTES",
    "Machine",
    "Plan",
    "Run",
    "WorkingSet",
    "check_chunk_size",
    "check_compiler_options",
    "device_mesh",
    "lower",
    "machine",
    "plan",
    "run",
    "run_first_chunk",
    "use_cpu_cores",
    "working_set",
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


def use_cpu_cores(n: int | None = None) -> int:
    """Gives JAX one CPU device per core (or ``n``): call it first thing, before JAX runs anything.

    JAX fixes its CPU devices when its backend starts. With one device per core, the
    chunks of a cross-validation run on every core at once as separate devices. Without
    it, :func:`run` still runs ``cores`` chunks at once on the one CPU device, in
    threads, and that is as fast within a few percent (the README, Speed, measures
    both), so neither fnn's command line nor a script needs it. Results do not depend on
    it: with a given ``chunk_size`` a chunk is the same program on any device.

    Args:
      n: the CPU devices; default: the cores this process may use.

    Returns:
      the number of CPU devices JAX will create.

    Raises:
      RuntimeError: JAX has already started its backends (an array was made, a function
        run, ``jax.devices()`` called); move the call to the top of the script.
    """
    n = _cores() if n is None else check_int(n, "n", "use_cpu_cores", 1)
    try:
        jax.config.update("jax_num_cpu_devices", n)
    except RuntimeError:
        raise RuntimeError(
            f"use_cpu_cores: JAX has already started with {jax.local_device_count('cpu')} CPU device(s), so it "
            f"cannot get {n}; call fnn.cv.use_cpu_cores() right after the imports, before any JAX array, "
            "jit call or jax.devices(), or set XLA_FLAGS=--xla_force_host_platform_device_count="
            f"{n} before Python starts"
        ) from None
    return n


# --------------------------------------------------------------------------- the machine


@dataclasses.dataclass(frozen=True)
class Machine:
    """What the cost model of :func:`plan` knows of the machine a program runs on (:func:`machine`)."""

    #: ``"cpu"``, ``"gpu"`` or ``"tpu"``
    platform: str
    #: chunks that run at once on one device: the cores this process may use over its CPU
    #: devices (threads on one device run its chunks in parallel); 1 on an accelerator
    slots_per_device: int
    #: the data cache one core has to itself, by level (bytes; a shared level divided by the
    #: cores that share it); empty on accelerators
    cache_bytes: Mapping[int, int]
    #: where ``cache_bytes`` came from: ``"sysfs"``, or ``"fallback"`` (:data:`FALLBACK_CACHE_BYTES`)
    cache_source: str
    #: memory of one device (accelerators; ``None`` on CPU or when the device does not say)
    memory_bytes: int | None = None


#: Per-core data cache sizes the cost model assumes where the OS does not say (bytes by
#: level): small for a current x86 or ARM core, so the model errs towards smaller chunks.
FALLBACK_CACHE_BYTES: Mapping[int, int] = types.MappingProxyType({1: 32 * 2**10, 2: 512 * 2**10, 3: 2 * 2**20})

_SYSFS_CACHE = "/sys/devices/system/cpu/cpu{cpu}/cache"


def _parse_size(text: str) -> int:
    """``"1024K"`` -> 1048576 (sysfs cache sizes)."""
    text = text.strip().upper()
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale


def _count_cpus(text: str) -> int:
    """``"0-3,8"`` -> 5 (a sysfs CPU list)."""
    count = 0
    for part in text.strip().split(","):
        if part:
            low, _, high = part.partition("-")
            count += int(high or low) - int(low) + 1
    return count


@functools.cache
def _cpu_caches() -> tuple[dict[int, int], str]:
    """Per-core data cache bytes by level from sysfs (Linux), else the fallback."""
    cpu = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    root = Path(_SYSFS_CACHE.format(cpu=cpu))
    caches: dict[int, int] = {}
    try:
        for index in sorted(root.glob("index*")):
            if (index / "type").read_text().strip() not in ("Data", "Unified"):
                continue
            level = int((index / "level").read_text())
            size = _parse_size((index / "size").read_text())
            sharing = _count_cpus((index / "shared_cpu_list").read_text())
            caches[level] = size // max(sharing, 1)
    except (OSError, ValueError):
        caches = {}
    if 2 not in caches:
        return dict(FALLBACK_CACHE_BYTES), "fallback"
    return caches, "sysfs"


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def machine(device: Any = None, n_devices: int = 1) -> Machine:
    """The cost model's view of ``device`` (default ``jax.devices()[0]``) when this process
    spreads chunks over ``n_devices`` of its devices.

    On CPU the caches come from ``/sys/devices/system/cpu/cpu*/cache`` (Linux), else
    :data:`FALLBACK_CACHE_BYTES`; every core of the process runs a chunk at once, as
    threads over the CPU devices.

    Example:
      >>> m = machine(jax.devices("cpu")[0])
      >>> m.platform, m.slots_per_device >= 1, m.cache_bytes[2] > 0
      ('cpu', True, True)
    """
    device = jax.devices()[0] if device is None else device
    if device.platform == "cpu":
        caches, source = _cpu_caches()
        return Machine("cpu", max(1, _cores() // max(n_devices, 1)), types.MappingProxyType(caches), source)
    try:
        memory = (device.memory_stats() or {}).get("bytes_limit")
    except Exception:  # not every backend reports memory
        memory = None
    return Machine(device.platform, 1, types.MappingProxyType({}), "none", memory)


_machine_of = machine  # for functions whose ``machine`` argument hides the function


# --------------------------------------------------------------------------- the working set


@dataclasses.dataclass(frozen=True)
class WorkingSet:
    """The bytes an iteration of the program's heaviest loop keeps live (:func:`working_set`).

    For a training loop: the activations, their gradients, the parameters and the
    optimizer state of each entry, and the data set every entry reads.
    """

    #: bytes per entry
    entry_bytes: int
    #: bytes shared by every entry (inputs that are not mapped, and values computed from them only)
    shared_bytes: int
    #: the share of the loops' matrix-product FLOPs whose two operands are both per entry
    #: (per-entry data times per-entry weights: a batched product, one small product per
    #: entry, which gains nothing from a chunk on CPU); the rest has one shared operand
    #: (shared data times per-entry weights: one large product over the chunk)
    batched_product_share: float = 0.0


def _nbytes(var: Any) -> int:
    aval = var.aval
    shape, dtype = getattr(aval, "shape", None), getattr(aval, "dtype", None)
    if shape is None or dtype is None:
        return 0
    return int(np.prod(shape, dtype=np.int64)) * int(getattr(dtype, "itemsize", 8))


def _is_var(a: Any) -> bool:
    # a jaxpr Literal carries its value; a Var does not (duck-typed: importing jax.extend
    # for the class costs ~0.1 s of import time)
    return not hasattr(a, "val")


def _sub_jaxprs(params: Mapping[str, Any]) -> list:
    """The jaxprs among an equation's parameters (a ClosedJaxpr's inner jaxpr)."""
    found = []
    for value in params.values():
        for v in value if isinstance(value, tuple) else (value,):
            v = getattr(v, "jaxpr", v)  # a ClosedJaxpr holds a Jaxpr
            if hasattr(v, "eqns") and hasattr(v, "invars"):
                found.append(v)
    return found


_LOOPS = ("scan", "while")
_FUSED = ("broadcast_in_dim", "iota")


def _loop_body(eqn: Any, inputs: list[bool]) -> tuple[Any, list[bool], int, int]:
    """A loop's body jaxpr, which of its inputs are mapped (the carry's until nothing changes),
    and ``(n_consts, n_carry)`` in the body's inputs."""
    if eqn.primitive.name == "scan":
        body, n_consts, n_carry = eqn.params["jaxpr"].jaxpr, eqn.params["num_consts"], eqn.params["num_carry"]
        body_inputs = list(inputs)
    else:  # while: cond consts, body consts, carry
        body, n_consts = eqn.params["body_jaxpr"].jaxpr, eqn.params["body_nconsts"]
        body_inputs = inputs[eqn.params["cond_nconsts"] :]
        n_carry = len(body_inputs) - n_consts
    for _ in range(n_carry + 1):  # a carry becomes mapped when an iteration makes it so
        outs = _walk(body, body_inputs, None)[0]
        carry = [a or b for a, b in zip(body_inputs[n_consts : n_consts + n_carry], outs[:n_carry], strict=True)]
        if carry == body_inputs[n_consts : n_consts + n_carry]:
            break
        body_inputs[n_consts : n_consts + n_carry] = carry
    return body, body_inputs, n_consts, n_carry


@dataclasses.dataclass
class _Record:
    """What one walk of a program collects: each loop body's peaks ``(mapped, shared)``, and
    the FLOPs of matrix products inside loops, split by whether both operands are per entry."""

    loops: list = dataclasses.field(default_factory=list)
    dot_flops: list = dataclasses.field(default_factory=lambda: [0, 0])  # one operand per entry, both
    depth: int = 0


def _dot_flops(eqn: Any) -> int:
    """``2 * m * n * k`` of a ``dot_general``: twice the output's size times the contracted size."""
    (lhs_contract, _), _ = eqn.params["dimension_numbers"]
    lhs_shape = getattr(eqn.invars[0].aval, "shape", ())
    contracted = int(np.prod([lhs_shape[d] for d in lhs_contract], dtype=np.int64))
    out = int(np.prod(getattr(eqn.outvars[0].aval, "shape", ()), dtype=np.int64))
    return 2 * out * contracted


def _equation(eqn: Any, inputs: list[bool], loops: _Record | None) -> tuple[list[bool], int, int]:
    """Which outputs of ``eqn`` are mapped, and the peak bytes (mapped, shared) it holds while it runs."""
    name = eqn.primitive.name
    if name in _LOOPS:
        body, body_inputs, n_consts, n_carry = _loop_body(eqn, inputs)
        if loops is not None:
            loops.depth += 1
        outs, peak_mapped, peak_shared = _walk(body, body_inputs, loops)
        if loops is not None:
            loops.depth -= 1
            loops.loops.append((peak_mapped, peak_shared))
        if name == "scan":
            return body_inputs[n_consts : n_consts + n_carry] + outs[n_carry:], peak_mapped, peak_shared
        return body_inputs[n_consts:], peak_mapped, peak_shared
    if name == "cond":
        index, operands = inputs[0], inputs[1:]
        walks = [_walk(branch.jaxpr, operands, loops) for branch in eqn.params["branches"]]
        outs = [index or any(col) for col in zip(*[w[0] for w in walks], strict=True)]
        return outs, max(w[1] for w in walks), max(w[2] for w in walks)
    if name == "dot_general" and loops is not None and loops.depth and any(inputs):
        loops.dot_flops[all(inputs[:2])] += _dot_flops(eqn)
    subs = _sub_jaxprs(eqn.params)
    if len(subs) == 1 and len(subs[0].invars) == len(inputs) and len(subs[0].outvars) == len(eqn.outvars):
        return _walk(subs[0], inputs, loops)  # jit, custom_jvp_call, custom_vjp_call, remat, ...
    return [any(inputs)] * len(eqn.outvars), 0, 0


def _walk(jaxpr: Any, inputs: list[bool], loops: _Record | None) -> tuple[list[bool], int, int]:
    """One pass through ``jaxpr``: which outputs are mapped (computed from a mapped input),
    and the peak bytes of mapped and of shared values live at once.

    Liveness: a value lives from the equation that makes it to its last use (inputs from
    the start). ``loops`` collects the peaks of every loop body met, and its products.
    """
    mapped: dict[Any, bool] = dict(zip(jaxpr.invars, inputs, strict=True))
    mapped.update((v, False) for v in jaxpr.constvars)
    last: dict[Any, int] = {}
    for i, eqn in enumerate(jaxpr.eqns):
        last.update((a, i) for a in eqn.invars if _is_var(a))
    last.update((a, len(jaxpr.eqns)) for a in jaxpr.outvars if _is_var(a))
    weight: dict[Any, int] = {}
    live = [0, 0]  # shared, mapped bytes
    for v in list(jaxpr.invars) + list(jaxpr.constvars):
        live[mapped[v]] += _nbytes(v)
    peak = list(live)
    for i, eqn in enumerate(jaxpr.eqns):
        outs, inner_mapped, inner_shared = _equation(eqn, [_is_var(a) and mapped[a] for a in eqn.invars], loops)
        peak = [max(peak[0], live[0] + inner_shared), max(peak[1], live[1] + inner_mapped)]
        # XLA fuses a broadcast into the operations that read it, and folds values made from
        # literals only: neither is a buffer of its own.
        weightless = eqn.primitive.name in _FUSED or not any(_is_var(a) for a in eqn.invars)
        for v, m in zip(eqn.outvars, outs, strict=True):
            mapped[v] = m
            if weightless:
                weight[v] = 0
            live[m] += weight.get(v, 0) if v in weight else _nbytes(v)
        peak = [max(peak[0], live[0]), max(peak[1], live[1])]
        for v in {a for a in eqn.invars if _is_var(a)} | set(eqn.outvars):
            if last.get(v, i) == i:
                live[mapped[v]] -= weight[v] if v in weight else _nbytes(v)
    return [_is_var(a) and mapped[a] for a in jaxpr.outvars], peak[1], peak[0]


def working_set(jaxpr: Any, mapped: list[bool], n_entries: int) -> WorkingSet:
    """The working set of a traced chunk program: what its heaviest loop iteration keeps live.

    A value is per entry when it is computed from a mapped input (taint analysis through
    every equation, loop and call of the jaxpr), shared otherwise. Within each loop body
    (``scan``, ``while``: a training loop's epoch or step) the bytes live at once are
    counted from each value's first definition to its last use; the heaviest body is
    the working set that every iteration reads and writes again. Without loops it is the
    whole program. XLA fuses elementwise operations and reuses buffers, so the count is
    an upper bound on what the compiled code touches; the cost model's budget is
    calibrated against it (README, Speed).

    Args:
      jaxpr: the program for a chunk of ``n_entries`` (``jax.jit(fn).trace(...).jaxpr``).
      mapped: per input of ``jaxpr``, whether it holds entries along its leading axis.
      n_entries: the entries of the traced chunk.

    Example:
      Gradient steps of 4 linear models (a chunk of 4 entries) on shared data:

      >>> import jax.numpy as jnp
      >>> def fn(x, w):  # x: shared, (100, 8); w: one row per entry, (4, 8)
      ...     step = lambda w, _: (w - 0.1 * jnp.tanh(w @ x.T) @ x, None)
      ...     return jax.lax.scan(step, w, length=3)[0]
      >>> traced = jax.jit(fn).trace(jnp.ones((100, 8)), jnp.ones((4, 8)))
      >>> working_set(traced.jaxpr, [False, True], 4)  # float32: (8 + 100 + 100) * 4, and x, x.T
      WorkingSet(entry_bytes=832, shared_bytes=6400, batched_product_share=0.0)
    """
    record = _Record()
    _, peak_mapped, peak_shared = _walk(jaxpr.jaxpr, list(mapped), record)
    if record.loops:
        peak_mapped, peak_shared = max(record.loops)
    one, both = record.dot_flops
    share = both / (one + both) if one + both else 0.0
    return WorkingSet(-(-peak_mapped // max(n_entries, 1)), peak_shared, share)


# --------------------------------------------------------------------------- the plan

#: The share of a core's own cache (its L2 and its part of the L3) that the working set of
#: a chunk may fill on CPU. Below it the loop's values stay in cache from one iteration to
#: the next instead of streaming from memory. Calibrated on the sweep in the README
#: (Speed): breast-cancer LOOCV trains fastest, within noise, from chunks of 1 MB to 9 MB
#: of working set on a core with 1 MB of L2 and 16 MB of L3, and slows beyond.
CPU_CACHE_FILL = 0.4
#: The share of an accelerator's memory that the working set of a chunk may fill.
DEVICE_MEMORY_FILL = 0.5
#: On CPU, a program whose loops spend at least this share of their matrix-product FLOPs on
#: batched products (both operands per entry: data standardised per fold, say) runs its
#: entries one per chunk, when an entry's working set is larger than a core's L1 cache.
#: A chunk of 1 drops the mapped axis: XLA then emits plain matrix products, while from 2
#: entries on it emits batched ones, one small product per entry and no faster per entry
#: (the sweep in the README: breast-cancer LOOCV standardised per fold trains in 2.5 s in
#: chunks of 1 and 3.2-3.5 s in any chunk from 2 to 32, on shared data 2.2-2.4 s in both).
CPU_BATCHED_PRODUCT_SHARE = 0.9


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
    #: chunks that run at once on each device (threads; CPU cores per CPU device)
    concurrency: int = 1
    #: why this chunk size, in words
    reason: str = ""

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


def check_chunk_size(chunk_size: Any, where: str = "check_chunk_size") -> int | str | None:
    """``chunk_size`` as ``"auto"``, ``None`` or an int >= 1, or a ``TypeError`` / ``ValueError``."""
    if chunk_size is None or (isinstance(chunk_size, str) and chunk_size == "auto"):
        return chunk_size
    if isinstance(chunk_size, str):
        raise ValueError(f"{where}: chunk_size must be 'auto', None (no chunking) or an int >= 1, got {chunk_size!r}")
    return check_int(chunk_size, "chunk_size", where, 1)


def _cache_budget(machine: Machine) -> int | None:
    """The bytes a chunk's working set may take: a share of a core's cache (CPU) or of the
    device's memory (accelerators); ``None`` when the machine does not say."""
    if machine.platform == "cpu":
        own = machine.cache_bytes.get(2, 0) + machine.cache_bytes.get(3, 0)
        return int(CPU_CACHE_FILL * own) if own else None
    return None if machine.memory_bytes is None else int(DEVICE_MEMORY_FILL * machine.memory_bytes)


def _auto_chunk(n_entries: int, slots: int, working_set: WorkingSet | None, machine: Machine | None) -> tuple[int, str]:
    """The cost model: the largest chunk whose working set fits the budget, in a number of
    chunks that keeps every slot equally busy; one chunk per slot when everything fits."""
    even = _ceil_div(n_entries, slots)
    if working_set is None or machine is None:
        return even, f"one chunk per slot ({slots}): no working set to model"
    budget = _cache_budget(machine)
    if budget is None:
        return even, f"one chunk per slot ({slots}): {machine.platform} gives no cache or memory size"
    per_entry = max(working_set.entry_bytes, 1)
    fits = max((budget - working_set.shared_bytes) // per_entry, 1)
    where = "of cache" if machine.platform == "cpu" else "of device memory"
    sizes = f"{per_entry} B per entry + {working_set.shared_bytes} B shared, budget {budget} B {where}"
    batched = working_set.batched_product_share
    l1 = machine.cache_bytes.get(1, FALLBACK_CACHE_BYTES[1])
    if machine.platform == "cpu" and batched >= CPU_BATCHED_PRODUCT_SHARE and per_entry > l1:
        return 1, (
            f"chunks of 1: {batched:.0%} of the loops' matrix-product FLOPs are batched (both operands per "
            f"entry), which a chunk does not speed up on CPU, and an entry outgrows the L1 cache ({sizes})"
        )
    if fits >= even:
        return even, f"one chunk per slot ({slots}): {even} entries fit ({sizes})"
    n_chunks = _ceil_div(_ceil_div(n_entries, fits), slots) * slots
    chunk = _ceil_div(n_entries, n_chunks)
    return chunk, f"chunks of {chunk}: {fits} entries fit ({sizes}), {n_chunks} chunks over {slots} slots"


def plan(
    n_entries: int,
    n_devices: int,
    chunk_size: int | str | None = "auto",
    *,
    working_set: WorkingSet | None = None,
    machine: Machine | None = None,
    where: str = "plan",
) -> Plan:
    """Equal chunks, an equal number on every device; the one place the chunk size is chosen.

    * ``chunk_size="auto"``: the cost model. Entries run in chunks of the single-device
      program, ``machine.slots_per_device`` at once per device (threads; on CPU one per
      core). When the working set of one chunk per slot fits the budget (CPU:
      :data:`CPU_CACHE_FILL` of a core's L2 plus its share of the L3; accelerators:
      :data:`DEVICE_MEMORY_FILL` of the device's memory) that is the plan; else the
      largest chunk that fits, in a multiple of the slots. Without a ``working_set`` (or
      a cache size) it is one chunk per slot.
    * ``chunk_size=None``: each device runs one chunk of ``ceil(n_entries / n_devices)``,
      as one partitioned program when there are several devices.
    * ``chunk_size=c``: chunks of ``c`` whatever the device count (cut only to
      ``n_entries``), so every chunk is the same program on the same shapes on 1
      device or 8; they run ``machine.slots_per_device`` at once per device.

    Example:
      >>> p = plan(23, 1, 5)
      >>> p.chunk_size, p.chunks_per_device, p.n_padded
      (5, 5, 25)
      >>> cpu = Machine("cpu", 2, {2: 2**20, 3: 2**20}, "example")
      >>> plan(569, 1, "auto", working_set=WorkingSet(2**16, 2**16), machine=cpu).chunk_size
      11
    """
    n_entries = check_int(n_entries, "n_entries", where, 1)
    n_devices = check_int(n_devices, "n_devices", where, 1)
    chunk_size = check_chunk_size(chunk_size, where)
    slots = 1 if machine is None else machine.slots_per_device
    if chunk_size is None:
        chunk, reason = _ceil_div(n_entries, n_devices), "one chunk per device (chunk_size=None)"
    elif isinstance(chunk_size, str):  # "auto"
        chunk, reason = _auto_chunk(n_entries, n_devices * slots, working_set, machine)
    else:
        chunk, reason = min(chunk_size, n_entries), f"chunk_size={chunk_size}"
    chunks_per_device = _ceil_div(_ceil_div(n_entries, chunk), n_devices)
    partitioned = chunk_size is None and n_devices > 1
    concurrency = 1 if chunk_size is None else max(1, min(slots, chunks_per_device))
    return Plan(n_entries, n_devices, chunk, chunks_per_device, partitioned, concurrency, reason)


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
    #: seconds to plan, trace, lower and compile (and to copy the shared arguments to the devices)
    compile_time: float
    #: XLA compilations this run caused (0 when JAX's caches held every program)
    n_compiles: int
    #: the compiled programs: the partitioned one, or one per device of this process that ran a
    #: chunk (on CPU the same program, compiled once and loaded on the others)
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
    chunk_size: int | str | None = "auto",
    compiler_options: Any = "auto",
    machine: Machine | None = None,
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
      chunk_size: entries per chunk (see :func:`plan`): ``"auto"`` for the cost model
        (the program is traced once for one chunk per slot, its :func:`working_set`
        measured, and traced again only if the model cuts smaller chunks), an int, or
        ``None`` for one chunk per device.
      compiler_options: ``"auto"``, ``None`` or a dict of XLA options (module docstring).
      machine: what the cost model assumes of the machine, and the chunks run at once
        per device; by default :func:`machine` of this process's first device.
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
    chunk_size = check_chunk_size(chunk_size, where)
    entries, n = _host_entries(entries, where)
    static = _check_static(static, where)
    counter: list = []
    token = _compile_count.set(counter)
    try:
        t0 = time.perf_counter()
        devices = _local_devices(mesh)
        the_machine = _machine_of(devices[0][1], len(devices)) if machine is None else machine
        traced = None
        if chunk_size == "auto":
            the_plan, traced = _auto_plan(fn, shared, entries, static, mesh, n, the_machine, where)
        else:
            the_plan = plan(n, mesh.size, chunk_size, machine=the_machine, where=where)
        entries = _pad(entries, the_plan.n_padded)
        planning = time.perf_counter() - t0
        if the_plan.partitioned:
            outputs, run_time, compile_time, executables = _run_partitioned(
                fn, shared, entries, static, mesh, the_plan, compiler_options, where
            )
        else:
            outputs, run_time, compile_time, executables = _run_chunks(
                fn, shared, entries, static, mesh, the_plan, compiler_options, where, traced
            )
        compile_time += planning
    finally:
        _compile_count.reset(token)
    return Run(outputs, the_plan, run_time, compile_time, len(counter), executables)


def _trace(fn: Callable, shared: tuple, entries: Any, static: dict, chunk: int, device: Any) -> Any:
    """``fn`` traced for a chunk of ``chunk`` entries on ``device`` (JAX caches the trace)."""
    first = jax.device_put(jax.tree.map(lambda a: a[:chunk], entries), device)
    return _jitted(fn, tuple(static)).trace(*jax.device_put(tuple(shared), device), *first, **static)


def _auto_plan(fn, shared, entries, static, mesh, n, the_machine, where) -> tuple[Plan, Any]:
    """The cost model's plan, and the trace it measured when the plan runs chunks of that size.

    The program is traced for one chunk per slot (what runs when everything fits), its
    working set measured, and :func:`plan` chooses. In a multi-process run every
    process takes process 0's choice (caches may differ between hosts).
    """
    even = plan(n, mesh.size, "auto", machine=the_machine, where=where).chunk_size
    device = _local_devices(mesh)[0][1]
    traced = _trace(fn, shared, entries, static, even, device)
    mapped = [False] * len(jax.tree.leaves(tuple(shared))) + [True] * len(jax.tree.leaves(tuple(entries)))
    ws = None
    if len(mapped) == len(traced.jaxpr.jaxpr.invars):  # else the model has nothing to go on
        ws = working_set(traced.jaxpr, mapped, even)
    the_plan = plan(n, mesh.size, "auto", working_set=ws, machine=the_machine, where=where)
    if jax.process_count() > 1:
        chosen = int(multihost_utils.broadcast_one_to_all(np.int32(the_plan.chunk_size)))
        if chosen != the_plan.chunk_size:
            the_plan = plan(n, mesh.size, chosen, machine=the_machine, where=where)
            the_plan = dataclasses.replace(the_plan, reason=f"process 0's plan: chunks of {chosen}")
    return the_plan, (traced if the_plan.chunk_size == even else None)


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


def _load_on(compiled: jax.stages.Compiled, device: Any) -> jax.stages.Compiled | None:
    """``compiled`` (a one-device CPU program) loaded for another CPU ``device`` without
    compiling: serialized and loaded with the device assignment changed. The machine
    code is the same, so the outputs are bitwise the same. ``None`` where JAX cannot do
    it (then the caller compiles for ``device``)."""
    if device.platform != "cpu":
        return None
    try:
        from jax.experimental import serialize_executable
        from jaxlib import xla_client

        (source,) = {d for s in jax.tree.leaves(compiled.input_shardings) for d in s.device_set}

        class Unpickler(serialize_executable._JaxPjrtUnpickler):
            def __init__(self, payload):
                super().__init__(io.BytesIO(payload), device.client, [device])
                self.devices_by_id = {source.id: device}

            def persistent_load(self, pid):
                if pid[0] != "exec":
                    return super().persistent_load(pid)
                options = xla_client.CompileOptions()
                options.device_assignment = xla_client.DeviceAssignment.create(np.array([[device.id]]))
                return device.client.deserialize_executable(
                    pid[1], executable_devices=xla_client.DeviceList((device,)), compile_options=options
                )

        payload, in_tree, out_tree = serialize_executable.serialize(compiled)
        unloaded, args_info, no_kwargs = Unpickler(payload).load()
        copy = jax.stages.Compiled(unloaded.load(), [], in_tree.unflatten(args_info), out_tree, no_kwargs=no_kwargs)
        placed = {d for s in jax.tree.leaves(copy.input_shardings) for d in s.device_set}
        return copy if placed == {device} else None
    except Exception:  # JAX internals moved: compile instead
        return None


def _dispatch(executables: dict, shared: dict, entries: Any, the_plan: Plan, devices: list) -> dict:
    """Runs every chunk of this process's devices: the one place chunks are sent to devices.

    Returns ``{(position, j): outputs of device position's j-th chunk}`` on the host.
    Each device runs ``the_plan.concurrency`` lanes at once, each lane a thread running
    its chunks one after another (CPU: threads run one device's chunks on several
    cores); every chunk is the same executable on the same shapes, so where a chunk
    runs changes none of its bits.
    """

    def chunk(start):
        return jax.tree.map(lambda a: a[start : start + the_plan.chunk_size], entries)

    lanes = []
    for position, device in devices:
        starts = the_plan.chunks(position)
        for lane in range(the_plan.concurrency):
            jobs = [(j, starts[j]) for j in range(lane, len(starts), the_plan.concurrency)]
            if jobs:
                lanes.append((position, device, jobs))

    def run_lane(lane):
        position, device, jobs = lane
        done = {}
        for j, start in jobs:
            out = executables[device](*shared[device], *jax.device_put(chunk(start), device))
            done[position, j] = jax.device_get(jax.block_until_ready(out))
        return done

    outputs: dict = {}
    if len(lanes) == 1:
        outputs.update(run_lane(lanes[0]))
    else:
        with concurrent.futures.ThreadPoolExecutor(len(lanes)) as pool:
            for done in pool.map(run_lane, lanes):
                outputs.update(done)
    return outputs


def _gather(local: Any, positions: np.ndarray, n: int) -> Any:
    """Every process's ``(devices, entries per device, ...)`` outputs in mesh order,
    as ``(n, ...)`` numpy arrays (an all-gather across processes if several)."""
    if jax.process_count() > 1:
        local, positions = multihost_utils.process_allgather((local, positions))  # stacked by process
        positions = positions.reshape(-1)
        local = jax.tree.map(lambda a: a.reshape((-1,) + a.shape[2:]), local)
    order = np.argsort(positions)
    return jax.tree.map(lambda a: a[order].reshape((-1,) + a.shape[2:])[:n], local)


def _run_chunks(fn, shared, entries, static, mesh, the_plan, compiler_options, where, traced=None):
    """The single-device program on every chunk of every device of this process.

    It is lowered and compiled once, for the first device that runs a chunk (from
    ``traced``, the cost model's trace, when that has the chunk's shapes); on CPU the
    other devices load the same executable, elsewhere each compiles its own (in
    parallel threads).
    """
    t0 = time.perf_counter()
    devices = _local_devices(mesh)
    running = [device for position, device in devices if the_plan.chunks(position)]
    # a process whose devices run nothing still lowers once: the gather needs the output shapes
    first = (running or [devices[0][1]])[0]
    if traced is None:
        traced = _trace(fn, shared, entries, static, the_plan.chunk_size, first)
    lowered = {first: traced.lower()}
    placed = {device: jax.device_put(tuple(shared), device) for device in running}
    out_info = lowered[first].out_info
    executables = _compile_all({first: lowered[first]}, compiler_options, where) if running else {}
    missing = {}
    for device in running[1:]:
        copy = _load_on(executables[first], device)
        if copy is None:
            missing[device] = _trace(fn, shared, entries, static, the_plan.chunk_size, device).lower()
        else:
            executables[device] = copy
    executables.update(_compile_all(missing, compiler_options, where) if missing else {})
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
    return gathered, run_time, compile_time, tuple(executables[d] for d in running)


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
