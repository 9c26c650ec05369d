"""Two processes x two CPU devices joined on 127.0.0.1 run one cross-validation.

Each process runs ``tests/_multihost_worker.py`` (``jax.distributed.initialize``, then
``cv.cross_validate`` with ``devices=None``, i.e. all four global devices); both must
get every fold's result, equal to the single-process run of test_sharding's reference
(computed here while the processes run, or taken from test_sharding in the same
session). Budget: ~15 s on one loaded core; every wait is bounded and the processes
are killed on failure.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent


def _load_worker():
    """The worker module, loaded once per process (its one-device reference is cached on it)."""
    if "_sharding_worker" not in sys.modules:
        spec = importlib.util.spec_from_file_location("_sharding_worker", _HERE / "_sharding_worker.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["_sharding_worker"] = module
        spec.loader.exec_module(module)
    return sys.modules["_sharding_worker"]


worker = _load_worker()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_get_the_single_process_results(tmp_path):
    port = _free_port()
    env = dict(
        os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=os.pathsep.join([str(_HERE), os.environ.get("PYTHONPATH", "")])
    )
    env.pop("XLA_FLAGS", None)  # each worker asks for its 2 devices itself
    procs = [
        subprocess.Popen(
            [sys.executable, str(_HERE / "_multihost_worker.py"), str(port), str(i), str(tmp_path / f"out{i}.npz")],
            env=env,
            cwd=_HERE.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    logs = []
    try:
        reference = worker.reference("kfold")  # while the processes run
        for p in procs:
            logs.append(p.communicate(timeout=300)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    assert [p.returncode for p in procs] == [0, 0], "\n---\n".join(log[-3000:] for log in logs)

    for chunk in (None, 2):
        ref = {part: reference[f"kfold{chunk or ''}/plain/{part}"] for part in ("test", "train", "params")}
        for i in range(2):
            out = np.load(tmp_path / f"out{i}.npz")
            tag = f"chunk{chunk}"
            assert int(out[f"{tag}/n_devices"]) == 4
            assert "every process must hold the same number of the devices" in str(out["uneven_error"])
            np.testing.assert_array_equal(out[f"{tag}/test"], ref["test"])
            np.testing.assert_array_equal(out[f"{tag}/train"], ref["train"])
            if chunk is None:  # 2 folds per device here, 5 in one chunk there: float32 rounding
                np.testing.assert_allclose(out[f"{tag}/params"], ref["params"], rtol=1e-5, atol=2e-6)
            else:  # the same program on the same chunks, on 4 devices in 2 processes or on 1: bitwise
                np.testing.assert_array_equal(out[f"{tag}/params"], ref["params"])
