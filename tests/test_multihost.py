"""Two processes x two CPU devices joined on 127.0.0.1 run one cross-validation.

Each process runs ``tests/_multihost_worker.py`` (``jax.distributed.initialize``, then
``cv.cross_validate`` with ``devices=None``, i.e. all four global devices); both must
get every fold's result, equal to this single-process run. Budget: ~40 s on one
loaded core; every wait is bounded and the processes are killed on failure.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np

from fnn import cv

_HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_sharding_worker", _HERE / "_sharding_worker.py")
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_get_the_single_process_results(tmp_path):
    port = _free_port()
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", JAX_PLATFORMS="cpu",
               PYTHONPATH=os.pathsep.join([str(_HERE), os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, str(_HERE / "_multihost_worker.py"), str(port), str(i),
                               str(tmp_path / f"out{i}.npz")], env=env, cwd=_HERE.parent,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for i in range(2)]
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=300)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    assert [p.returncode for p in procs] == [0, 0], "\n---\n".join(log[-3000:] for log in logs)

    X, y = worker.data()
    for chunk in (None, 2):
        ref = cv.cross_validate(worker.fit_fn, worker.score_fn, X, y, 6, key=jax.random.key(0), return_params=True,
                                chunk_size=chunk)
        ref_params = np.concatenate([a.reshape(6, -1) for a in jax.tree.leaves(ref["params"])], 1)
        for i in range(2):
            out = np.load(tmp_path / f"out{i}.npz")
            tag = f"chunk{chunk}"
            assert int(out[f"{tag}/n_devices"]) == 4
            assert "every process must hold the same number of the devices" in str(out["uneven_error"])
            np.testing.assert_array_equal(out[f"{tag}/test"], ref["test_score"])
            np.testing.assert_array_equal(out[f"{tag}/train"], ref["train_score"])
            if chunk is None:  # 2 folds per device here, 6 in one chunk there: float32 rounding
                np.testing.assert_allclose(out[f"{tag}/params"], ref_params, rtol=1e-5, atol=2e-6)
            else:  # the same program on the same chunks, on 4 devices in 2 processes or on 1: bitwise
                np.testing.assert_array_equal(out[f"{tag}/params"], ref_params)
