"""One of two processes joined by ``jax.distributed.initialize`` (for test_multihost).

Usage: ``python tests/_multihost_worker.py PORT PROCESS_ID OUT.npz``: two processes x
two CPU devices run test_sharding's 5-fold cross-validation over all four devices,
with one chunk of 2 folds per device (padded to 8 folds) and with chunks of 2 folds
(3 chunks: both devices of process 0 and one of process 1 run one; the fourth runs
nothing but still joins the gather).
"""

from __future__ import annotations

import sys

import jax


def main(port: int, process_id: int, path: str) -> None:
    jax.config.update("jax_num_cpu_devices", 2)
    jax.distributed.initialize(
        coordinator_address=f"127.0.0.1:{port}", num_processes=2, process_id=process_id, initialization_timeout=120
    )
    import numpy as np
    from _sharding_worker import N_FOLDS, data, fit_fn, flat, score_fn

    from fnn import cv

    assert jax.process_count() == 2 and jax.device_count() == 4 and jax.local_device_count() == 2
    X, y = data()  # every process holds the same data (replicated inputs)
    results = {}
    for chunk in (None, 2):
        out = cv.cross_validate(
            fit_fn, score_fn, X, y, N_FOLDS, key=jax.random.key(0), return_params=True, chunk_size=chunk
        )
        tag = f"chunk{chunk}"
        results.update(
            {
                f"{tag}/test": out["test_score"],
                f"{tag}/train": out["train_score"],
                f"{tag}/n_devices": out["n_devices"],
                f"{tag}/params": flat(out["params"], N_FOLDS),
            }
        )
    try:  # this process's devices only: the other process would wait for folds nobody runs
        cv.cross_validate(fit_fn, score_fn, X, y, N_FOLDS, key=jax.random.key(0), devices=jax.local_devices())
    except ValueError as err:
        results["uneven_error"] = np.asarray(str(err))
    np.savez(path, **results)
    jax.distributed.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
